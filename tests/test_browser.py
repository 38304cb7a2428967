"""The built site works in a real browser, as a reader meets it.

`test_site.py` reads the built HTML; this file opens it in headless Chromium (Playwright for
Python driving the system's browser: it never downloads one) and checks what only a browser can
tell: the pages run without errors and without reaching another host, the math and the diagrams
render, the notebook outputs show, the language switcher and the search work when used with the
mouse and keyboard, and the site opened from disk (`file://`) still works.

Every page in both languages is also photographed for a person to look at: 1280 px wide, the
page's top `$DLNOTES_SCREENSHOT_HEIGHT` pixels (default 800, the first screen; 0 takes none), into
`$DLNOTES_SCREENSHOTS/<lang>/<page>.jpg`, by default `screenshots/` at the top of the repository
(git-ignored). The pictures take about a third of this file's time.

Nothing leaves the machine: the browser's only proxy is a closed local port
(`tools/offline_browser.py`, shared with `make pdf`), so a request to any other host fails
there, and every such request fails the test of its page. (A Playwright route would do the same
but turns off the browser's cache, which costs 15% more CPU per page here.)

The tests skip, saying why, where Playwright or Chromium is missing. Chromium is
`$DLNOTES_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH. `DLNOTES_SITE_DIR`, when
set, names an already built site to test instead of building one (for iterating on these tests;
the test run itself builds the site once, shared with `test_site.py`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pages import LANGUAGES, ROOT, import_file, page_sets
from site_build import shared_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, Request

pytestmark = [pytest.mark.slow, pytest.mark.browser]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
)
offline_browser = import_file(ROOT / "tools" / "offline_browser.py", "offline_browser")
try:
    offline_browser.find_chromium()
except FileNotFoundError as error:
    pytest.skip(str(error), allow_module_level=True)

DEFAULT = LANGUAGES[0]
PAGES = sorted(k.removesuffix(".md") for k in page_sets(".md")) + sorted(
    k.removesuffix(".ipynb") for k in page_sets(".ipynb")
)
NOTEBOOKS = sorted(k.removesuffix(".ipynb") for k in page_sets(".ipynb"))
UNEXECUTED = {"mlp-assignment"}  # mkdocs.yml's execute_ignore: it stops at its first TODO

VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 800}
# A screenshot costs about half as much as loading the page, more for taller ones; the top three
# screens show the header, navigation, prose and, on nearly every page, math or a figure. JPEG,
# because encoding a tall PNG took longer than drawing it.
SCREENSHOT_HEIGHT = int(os.environ.get("DLNOTES_SCREENSHOT_HEIGHT") or 800)
SCREENSHOT_QUALITY = 80
# How long to wait for KaTeX and mermaid to finish after the page's load event.
RENDER_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 15_000

# Pages for the switcher: a Markdown page and a notebook page (the two ways a page is made; the
# switcher's links on every page are checked in test_site.py). For the phone check: the home
# page, a lecture, an API page, a notebook.
SWITCHER_PAGES = ["tensor-basics", "quick-tour"]
PHONE_PAGES = ["index", "tensor-basics", "api/tensor", "quick-tour"]
# Search terms and the page that teaches them (starting-pytorch builds backpropagation by hand).
SEARCHES = [
    ("ko", "브로드캐스팅", "tensor-basics"),
    ("ko", "역전파", "starting-pytorch"),
    ("en", "broadcasting", "tensor-basics"),
    ("en", "backpropagation", "starting-pytorch"),
]

# Requests that stay on this machine. Anything else fails at the dead proxy and is reported.
LOCAL_URL = re.compile(r"^(?:https?://127\.0\.0\.1(?::\d+)?/|file:|data:|blob:|about:)")
# TeX that KaTeX should have turned into math: display and inline delimiters, and a single-dollar
# pair that holds TeX (notebook Markdown cells keep `$...$`).
RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\$[^$\n]*(?:\\[a-zA-Z]+|[\^_{])[^$\n]*\$")

# Runs in each page before its own scripts. Material attaches each mermaid SVG to a closed shadow
# root, out of reach of page scripts: open them so the checks can see the SVG. And note the
# diagrams' sources before Material starts on them: it replaces each with the drawing when it
# succeeds, so a source still in the page was not drawn.
PAGE_HOOKS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attachShadow.call(this, { ...init, mode: "open" });
};
document.addEventListener(
  "DOMContentLoaded",
  () => { window.__dlnotesDiagrams = [...document.querySelectorAll("pre.mermaid")]; },
  { once: true },
);
"""

# Material's search worker, replaced (see new_tab) by one that takes messages and never answers.
IDLE_WORKER = """
window.Worker = class extends EventTarget {
  postMessage() {}
  terminate() {}
};
"""

# The search is ready once its (empty) result list says "Type to start searching", in the page's
# language, instead of "Initializing search".
SEARCH_READY = """() => {
  const meta = document.querySelector(".md-search-result__meta");
  const placeholder = JSON.parse(document.querySelector("#__config").textContent)
    .translations["search.result.placeholder"];
  return meta !== null && meta.textContent.trim() === placeholder;
}"""
SEARCH_TIMEOUT_MS = 30_000

RENDERED = """() =>
  window.__dlnotesDiagrams !== undefined &&
  window.__dlnotesDiagrams.every((pre) => !pre.isConnected) &&
  [...document.querySelectorAll(".arithmatex")].every((e) => e.querySelector(".katex, .katex-error"))
"""

# Everything the per-page checks need, read in one round trip.
INSPECT = """() => {
  const visibleText = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // Code may show TeX on purpose; rendered math keeps its source in hidden MathML.
    if (!el || el.closest("pre, code, kbd, samp, script, style, textarea, .katex")) continue;
    if (el.checkVisibility()) visibleText.push(node.data);
  }
  const sources = window.__dlnotesDiagrams || [];
  const undrawn = sources.filter((pre) => pre.isConnected).length;
  const mermaid = [...document.querySelectorAll("div.mermaid")].map((el, i) => {
    const svg = el.shadowRoot && el.shadowRoot.querySelector("svg");
    if (!svg) return `diagram ${i + 1} has no SVG`;
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return `diagram ${i + 1} is empty`;
    if (/syntax error/i.test(svg.textContent)) return `diagram ${i + 1} shows a syntax error`;
    return null;
  });
  const code = [...document.querySelectorAll(".md-content pre > code")].filter(
    (c) => !sources.includes(c.parentElement),
  );
  // mkdocs-jupyter gives notebook cells its own copy button, a <clipboard-copy> element.
  const cells = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea")];
  const copies = (cell) => {
    const button = cell.querySelector("clipboard-copy");
    return button !== null && button.checkVisibility() &&
      document.getElementById(button.getAttribute("for")) !== null;
  };
  const outputs = [...document.querySelectorAll(".jp-OutputArea-output")];
  const plots = [...document.querySelectorAll(".jp-OutputArea-output img")];
  return {
    lang: document.documentElement.lang,
    text: visibleText.join(""),
    formulas: document.querySelectorAll(".arithmatex").length,
    unrendered: [...document.querySelectorAll(".arithmatex")].filter(
      (e) => !e.querySelector(".katex, .katex-error"),
    ).length,
    // A formula KaTeX cannot parse becomes .katex-error; an unknown command is drawn in red
    // (KaTeX's errorColor) inside otherwise rendered math.
    katexErrors: [
      ...[...document.querySelectorAll(".katex-error")].map(
        (e) => e.getAttribute("title") || e.textContent,
      ),
      ...[...document.querySelectorAll('.katex-mathml mstyle[mathcolor="#cc0000"]')].map(
        (e) => `unknown command ${e.textContent}`,
      ),
    ],
    diagrams: sources.length,
    undrawn: undrawn,
    mermaid: mermaid.filter((m) => m !== null),
    codeBlocks: code.length,
    withoutCopy: code.filter(
      (c) => !c.parentElement.querySelector('button.md-code__button[data-md-type="copy"]'),
    ).length,
    cells: cells.length,
    cellsWithoutCopy: customElements.get("clipboard-copy")
      ? cells.filter((c) => !copies(c)).length
      : cells.length,
    outputs: outputs.length,
    visibleOutputs: outputs.filter((o) => o.checkVisibility()).length,
    plots: plots.length,
    drawnPlots: plots.filter((i) => i.complete && i.naturalWidth > 0).length,
    height: document.documentElement.scrollHeight,
  };
}"""


# On a phone: the elements that stick out of the screen, unless a box around them scrolls.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const scrolls = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.getBoundingClientRect().right <= width + 1) continue;
    let parent = el.parentElement;
    while (parent && parent !== document.body && !scrolls(parent)) parent = parent.parentElement;
    if (parent && parent !== document.body) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      [...el.classList].map((c) => "." + c).join("");
    out.push(`${name} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
    if (out.length === 5) break;
  }
  return out.length ? out : [`page ${document.documentElement.scrollWidth} px wide`];
}"""


# What a page needs on a first visit, in bytes (the Resource Timing API's body sizes, which it
# reports for resources the tab already had cached too): its HTML, scripts and stylesheets, and
# everything else it loaded (fonts, figures, the search worker and the search index).
WEIGHT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const out = { html: nav.encodedBodySize, scripts: 0, stylesheets: 0, other: 0, mermaid: false };
  for (const entry of performance.getEntriesByType("resource")) {
    const path = new URL(entry.name).pathname;
    const kind = path.endsWith(".js") ? "scripts" : path.endsWith(".css") ? "stylesheets" : "other";
    out[kind] += entry.encodedBodySize;
    if (path.endsWith("/mermaid.tiny.js")) out.mermaid = true;
  }
  return out;
}"""
# The home page's first visit (HTML, its scripts and stylesheets), at most.
HOME_BUDGET = 1_500_000


def weights_path(lang: str) -> Path:
    """Where the sweep of `lang` writes each page's bytes: beside the screenshots."""
    return screenshot_dir() / f"page-weights-{lang}.tsv"


def page_path(page: str, lang: str) -> str:
    """The page's path in the site: Korean at the top, English under `en/`."""
    prefix = "" if lang == DEFAULT else f"{lang}/"
    return f"{prefix}{page}.html"


def screenshot_dir() -> Path:
    """Where the screenshots go: `$DLNOTES_SCREENSHOTS`, else `screenshots/` (git-ignored)."""
    return Path(os.environ.get("DLNOTES_SCREENSHOTS") or ROOT / "screenshots")


class Watch:
    """Collects what a reader would not see: console errors, uncaught exceptions, foreign requests.

    One watch stays on a browser tab for all its navigations; `take()` hands over what happened
    since the last call.
    """

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error: {error}"))
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.problems.append(f"console error: {message.text} ({where})")

    def _request(self, request: Request) -> None:
        if not LOCAL_URL.match(request.url):
            self.problems.append(f"request to another host: {request.url}")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


def new_tab(
    browser: Browser, viewport: dict[str, int] = VIEWPORT, search: bool = False
) -> tuple[BrowserContext, Page, Watch]:
    """A fresh context and tab, and a Watch on it.

    Unless `search` is true, Material's search worker is replaced by one that never answers:
    every page load would otherwise index the whole site (both languages, 1.2 MB) again, which
    doubles the CPU time of a page here. The search tests run the real one.
    """
    context = browser.new_context(viewport=viewport)
    context.add_init_script(PAGE_HOOKS)
    if not search:
        context.add_init_script(IDLE_WORKER)
    tab = context.new_page()
    return context, tab, Watch(tab)


def wait_rendered(tab: Page) -> None:
    """Waits for KaTeX and mermaid; a page that never gets there is reported by the checks."""
    with contextlib.suppress(sync_api.TimeoutError):
        tab.wait_for_function(RENDERED, timeout=RENDER_TIMEOUT_MS)


def page_problems(info: dict, page: str) -> list[str]:
    """What is wrong on a loaded page, read from INSPECT's result."""
    problems = []
    raw = sorted(set(RAW_TEX.findall(info["text"])))
    if raw:
        problems.append(f"raw TeX in the visible text: {raw[:5]}")
    if info["unrendered"]:
        problems.append(f"{info['unrendered']} of {info['formulas']} formulas were not rendered")
    if info["katexErrors"]:
        problems.append(f"KaTeX errors: {info['katexErrors'][:3]}")
    if info["undrawn"]:
        problems.append(f"{info['undrawn']} of {info['diagrams']} diagrams were not drawn")
    problems += info["mermaid"]
    if info["withoutCopy"]:
        problems.append(
            f"{info['withoutCopy']} of {info['codeBlocks']} code blocks lack a copy button"
        )
    if info["cellsWithoutCopy"]:
        problems.append(
            f"{info['cellsWithoutCopy']} of {info['cells']} notebook cells lack a copy button"
        )
    if page in NOTEBOOKS and page not in UNEXECUTED:
        if not info["visibleOutputs"]:
            problems.append(f"no visible notebook output ({info['outputs']} in the page)")
        if not info["drawnPlots"]:
            problems.append(f"no plot drawn ({info['plots']} <img> in the outputs)")
    return problems


def inspect_page(tab: Page, page: str, lang: str) -> list[str]:
    """Checks the page open in `tab` (after its load event); returns its problems."""
    wait_rendered(tab)
    info = tab.evaluate(INSPECT)
    problems = page_problems(info, page)
    if info["lang"] != lang:
        problems.append(f'<html lang="{info["lang"]}">, expected "{lang}"')
    return problems


def follow(tab: Page, link: Locator) -> None:
    """Clicks a link and waits for the page it leads to (a link to the same page times out)."""
    before = tab.url
    link.click(timeout=NAVIGATION_TIMEOUT_MS)
    tab.wait_for_url(lambda url: url != before, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)


def switch_language(tab: Page, lang: str) -> None:
    """Uses the header's language menu as a reader does: open it, click the language."""
    tab.click(".md-header .md-select > button")
    follow(tab, tab.locator(f'.md-header a.md-select__link[hreflang="{lang}"]'))


def search(tab: Page, word: str) -> list[str]:
    """Types `word` into Material's search box; returns the result pages' URLs, best first."""
    box = tab.locator("input.md-search__input")
    box.click()
    box.fill("")
    # Material reads the box when a key is released; characters typed without a key (Hangul,
    # which a reader types through an input method) release none, so release one that changes
    # nothing after each edit.
    box.press("End")
    # Wait for the empty list's "Type to start searching": the index is built (what is typed
    # before is ignored) and the previous results are gone.
    tab.wait_for_function(SEARCH_READY, timeout=SEARCH_TIMEOUT_MS)
    box.press_sequentially(word)
    box.press("End")
    tab.locator("li.md-search-result__item").first.wait_for(timeout=SEARCH_TIMEOUT_MS)
    hrefs = tab.eval_on_selector_all(
        "li.md-search-result__item > a.md-search-result__link", "links => links.map(a => a.href)"
    )
    pages = [href.split("?")[0].split("#")[0] for href in hrefs]
    return list(dict.fromkeys(pages))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: `$DLNOTES_SITE_DIR` when set, else the run's shared build."""
    given = os.environ.get("DLNOTES_SITE_DIR")
    if given:
        path = Path(given).resolve()
        assert (path / "index.html").is_file(), f"DLNOTES_SITE_DIR={given} holds no built site"
        return path
    return shared_site(tmp_path_factory)


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The site served for the module; its URL."""
    with offline_browser.serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole module (starting one costs a second or more), that
    reaches 127.0.0.1 only."""
    with sync_api.sync_playwright() as playwright:
        with offline_browser.offline_chromium(playwright) as chromium:
            yield chromium


def photograph(tab: Page, path: Path) -> None:
    """Saves the top SCREENSHOT_HEIGHT pixels of the whole page (less for a shorter page).

    The tab grows to that height for the picture and shrinks back: the same image as a clipped
    full-page screenshot, in half the time (Chromium lays a full-page shot out at the height of
    the whole page, up to 25 000 px here).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    height = min(tab.evaluate("document.documentElement.scrollHeight"), SCREENSHOT_HEIGHT)
    tab.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    try:
        tab.screenshot(
            path=path,
            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
            type="jpeg",
            quality=SCREENSHOT_QUALITY,
        )
    finally:
        tab.set_viewport_size(VIEWPORT)


def too_wide_on_a_phone(tab: Page) -> list[str]:
    """Narrows the tab to a phone's width and back; returns what sticks out sideways."""
    tab.set_viewport_size(PHONE)
    try:
        return tab.evaluate(TOO_WIDE)
    finally:
        tab.set_viewport_size(VIEWPORT)


class PageSweep:
    """Each page of `lang` loads cleanly and shows its math, diagrams, copy buttons and notebook
    outputs; a test per page, so that each failing page is reported.

    One tab (a class fixture) visits every page in turn: a tab per page would cost a new
    renderer and an empty cache each time. Each page is photographed, and a few are narrowed to
    a phone's width: wide code, tables and math must scroll in their own boxes, not the page.
    One class per language: the test run schedules classes (`--dist loadscope`), so the two
    sweeps, the longest work here, run on two workers at once.
    """

    lang: str
    weights: dict[str, dict]

    @pytest.fixture(scope="class")
    @classmethod
    def sweep_tab(cls, browser: Browser) -> Iterator[tuple[Page, Watch]]:
        context, tab, watch = new_tab(browser)
        cls.weights = {}
        yield tab, watch
        context.close()
        # Each page's bytes, for a person to read (the tests below check the budgets).
        path = weights_path(cls.lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = ["page\thtml\tscripts\tstylesheets\tfirst_visit\tother\tmermaid"]
        for page, w in cls.weights.items():
            first = w["html"] + w["scripts"] + w["stylesheets"]
            rows.append(
                f"{page}\t{w['html']}\t{w['scripts']}\t{w['stylesheets']}\t{first}\t{w['other']}"
                f"\t{'yes' if w['mermaid'] else 'no'}"
            )
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    @pytest.mark.parametrize("page", PAGES)
    def test_page_renders(self, sweep_tab: tuple[Page, Watch], base_url: str, page: str) -> None:
        tab, watch = sweep_tab
        tab.goto(base_url + page_path(page, self.lang), wait_until="load")
        problems = inspect_page(tab, page, self.lang)
        weight = tab.evaluate(WEIGHT)
        type(self).weights[page] = weight
        diagrams = tab.evaluate("(window.__dlnotesDiagrams || []).length")
        if weight["mermaid"] and not diagrams:
            problems.append("loads mermaid without a diagram on the page")
        if SCREENSHOT_HEIGHT > 0:
            photograph(tab, screenshot_dir() / self.lang / f"{page}.jpg")
        if page in PHONE_PAGES and (wide := too_wide_on_a_phone(tab)):
            problems.append(f"wider than a {PHONE['width']} px screen: {wide}")
        problems = watch.take() + problems
        assert not problems, f"{page_path(page, self.lang)}:\n" + "\n".join(problems)


class TestKoreanPages(PageSweep):
    lang = "ko"


class TestEnglishPages(PageSweep):
    lang = "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_page_first_visit_is_light(browser: Browser, base_url: str, lang: str) -> None:
    """The home page's HTML, scripts and stylesheets, from an empty cache, within HOME_BUDGET."""
    context, tab, _ = new_tab(browser)
    try:
        tab.goto(base_url + page_path("index", lang), wait_until="load")
        wait_rendered(tab)
        weight = tab.evaluate(WEIGHT)
    finally:
        context.close()
    first = weight["html"] + weight["scripts"] + weight["stylesheets"]
    assert first <= HOME_BUDGET, f"{first:,} bytes on a first visit: {weight}"


class TestSwitcherAndDisk:
    """The language switcher and the site opened from disk (one class: one worker's share)."""

    def test_language_switcher_keeps_the_page(self, browser: Browser, base_url: str) -> None:
        language_switcher_keeps_the_page(browser, base_url)

    def test_site_works_from_disk(self, browser: Browser, site: Path) -> None:
        site_works_from_disk(browser, site)


def language_switcher_keeps_the_page(browser: Browser, base_url: str) -> None:
    """From each language, the header's language menu leads to the same page in the other."""
    context, tab, watch = new_tab(browser)
    failures = []
    try:
        for page in SWITCHER_PAGES:
            tab.goto(base_url + page_path(page, DEFAULT), wait_until="load")
            for lang in [*LANGUAGES[1:], DEFAULT]:
                expected = base_url + page_path(page, lang)
                try:
                    switch_language(tab, lang)
                except sync_api.TimeoutError:
                    failures.append(f"{page}: the switch to {lang} did not leave {tab.url}")
                    break
                if tab.url != expected:
                    failures.append(f"{page}: the switch to {lang} went to {tab.url}")
                    break
            failures += [f"{page}: {p}" for p in watch.take()]
    finally:
        context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_finds_the_page_that_teaches_it(browser: Browser, base_url: str, lang: str) -> None:
    """Terms typed into the search box list the pages that teach them, in the reader's language."""
    context, tab, watch = new_tab(browser, search=True)
    failures = []
    try:
        tab.goto(base_url + page_path("index", lang), wait_until="load")
        for word, page in [(w, p) for language, w, p in SEARCHES if language == lang]:
            found = search(tab, word)
            if base_url + page_path(page, lang) not in found:
                failures.append(f"{word!r} did not find {page_path(page, lang)}: {found}")
        failures += watch.take()
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def site_works_from_disk(browser: Browser, site: Path) -> None:
    """Opened from the file system with no server, the site still renders, links, switches and
    searches (the offline plugin inlines the search index into a script)."""
    context, tab, watch = new_tab(browser, search=True)
    try:
        tab.goto((site / "index.html").as_uri(), wait_until="load")
        problems = inspect_page(tab, "index", DEFAULT)
        assert not problems, problems
        nav = tab.locator(".md-sidebar--primary")
        follow(tab, nav.get_by_role("link", name="텐서 기초", exact=True))
        assert tab.url == (site / "tensor-basics.html").as_uri()
        problems = inspect_page(tab, "tensor-basics", DEFAULT)
        assert not problems, problems
        switch_language(tab, "en")
        english = (site / "en" / "tensor-basics.html").as_uri()
        assert tab.url == english
        problems = inspect_page(tab, "tensor-basics", "en")
        assert not problems, problems
        found = search(tab, "broadcasting")
        assert english in found, found
        problems = watch.take()
        assert not problems, "\n".join(problems)
    finally:
        context.close()


# Reader progress (docs/assets/javascripts/progress.js): the check mark after a title in the
# navigation, as the reader sees it (the ::after content of the item's link).
NAV_MARKS = """() => [...document.querySelectorAll(".md-nav--primary .md-nav__item > a.md-nav__link")]
  .filter((a) => getComputedStyle(a, "::after").content.includes("✓"))
  .map((a) => a.textContent.trim())"""
DONE_BUTTON = ".dlnotes-done-button"


def marked_in_nav(tab: Page) -> list[str]:
    return sorted(set(tab.evaluate(NAV_MARKS)))


def snapshot(tab: Page, selector: str, path: Path) -> None:
    """A picture of the screen with `selector` scrolled into view (the navigation stays put); one
    screen, so PNG."""
    if SCREENSHOT_HEIGHT > 0:
        tab.locator(selector).scroll_into_view_if_needed()
        path.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=path, type="png")


def test_reader_marks_a_chapter_done(browser: Browser, base_url: str, site: Path) -> None:
    """A reader marks a chapter as done with its button: the navigation shows the mark after a
    reload, on other pages and in the other language; the button clears it. From disk too."""
    context, tab, watch = new_tab(browser)
    try:
        korean, english = "텐서 기초", "Tensor basics"
        tab.goto(base_url + page_path("tensor-basics", "ko"), wait_until="load")
        button = tab.locator(DONE_BUTTON)
        assert button.is_visible() and button.text_content() == "이 장을 다 읽었어요"
        assert marked_in_nav(tab) == []
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert marked_in_nav(tab) == [korean]
        tab.reload(wait_until="load")
        assert marked_in_nav(tab) == [korean]
        assert tab.locator(DONE_BUTTON).get_attribute("aria-pressed") == "true"
        snapshot(tab, DONE_BUTTON, screenshot_dir() / "progress" / "ko-tensor-basics.png")
        tab.goto(base_url + page_path("index", "ko"), wait_until="load")
        assert marked_in_nav(tab) == [korean]
        # The same chapter in English: marked, and its button clears the mark in both.
        tab.goto(base_url + page_path("tensor-basics", "en"), wait_until="load")
        assert marked_in_nav(tab) == [english]
        button = tab.locator(DONE_BUTTON)
        assert button.text_content() == "✓ Done · clear the mark"
        snapshot(tab, DONE_BUTTON, screenshot_dir() / "progress" / "en-tensor-basics.png")
        button.click()
        assert button.text_content() == "Mark this chapter as done"
        assert marked_in_nav(tab) == []
        tab.goto(base_url + page_path("datasets", "en"), wait_until="load")
        tab.locator(DONE_BUTTON).click()
        tab.goto(base_url + page_path("index", "ko"), wait_until="load")
        assert marked_in_nav(tab) == ["데이터셋과 데이터 로더"]
        # Opened from disk, where the browser keeps file:// pages' storage too.
        tab.goto((site / "starting-pytorch.html").as_uri(), wait_until="load")
        tab.locator(DONE_BUTTON).click()
        tab.goto((site / "en" / "index.html").as_uri(), wait_until="load")
        assert marked_in_nav(tab) == ["Starting PyTorch"]
        problems = watch.take()
        assert not problems, "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_figure_opens_larger_on_click(browser: Browser, base_url: str, lang: str) -> None:
    """Clicking a figure opens it in the lightbox, larger than on the page; Escape closes it."""
    context, tab, watch = new_tab(browser)
    try:
        tab.goto(base_url + page_path("tensor-basics", lang), wait_until="load")
        figure = tab.locator(".md-content a.glightbox img").first
        figure.scroll_into_view_if_needed()
        inline = figure.bounding_box()
        figure.click()
        shown = tab.locator(".glightbox-container .gslide.current img")
        shown.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        tab.wait_for_timeout(600)  # the zoom-in animation
        enlarged = shown.bounding_box()
        assert shown.evaluate("img => img.complete && img.naturalWidth > 0")
        assert shown.evaluate("img => img.src") == figure.evaluate("img => img.src")
        assert enlarged["width"] > inline["width"] * 1.2, (inline, enlarged)
        snapshot(
            tab, ".gslide.current", screenshot_dir() / "lightbox" / f"{lang}-tensor-basics.png"
        )
        tab.keyboard.press("Escape")
        tab.locator(".glightbox-container").wait_for(state="detached", timeout=RENDER_TIMEOUT_MS)
        problems = watch.take()
        assert not problems, "\n".join(problems)
    finally:
        context.close()


# --- Published under a sub-path --------------------------------------------------------------------

# GitHub Pages serves a project's site under /<repository>/ (mkdocs.yml's site_url).
SUB_PATH = "/dlnotes/"
SUB_PATH_PAGES = ["index.html", "tensor-basics.html", "en/tensor-basics.html", "quick-tour.html"]
# Material's header is sticky: true only once the site's stylesheet has loaded.
STYLED = "() => getComputedStyle(document.querySelector('.md-header')).position === 'sticky'"


class PagesHandler(offline_browser.QuietHandler):
    """Serves files as GitHub Pages does a project site: a missing one gets the site's 404.html
    (with status 404), whatever the depth of the address asked for."""

    not_found: bytes = b""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        if code != 404 or not self.not_found:
            return super().send_error(code, message, explain)
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.not_found)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.not_found)
        return None


@pytest.fixture(scope="module")
def sub_path_url(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site served under SUB_PATH (a link to it in an otherwise empty folder)."""
    root = tmp_path_factory.mktemp("pages")
    (root / SUB_PATH.strip("/")).symlink_to(site, target_is_directory=True)
    handler = type("Handler", (PagesHandler,), {"not_found": (site / "404.html").read_bytes()})
    with offline_browser.serve(root, handler) as url:
        yield url + SUB_PATH.lstrip("/")


def test_site_works_under_a_sub_path(browser: Browser, sub_path_url: str) -> None:
    """Pages, their assets and links, and the 404 page deep under the sub-path, as on GitHub
    Pages: every request answered, every page styled, the 404 page's links leading home."""
    context, tab, watch = new_tab(browser)
    failed: list[str] = []
    tab.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        for path in SUB_PATH_PAGES:
            tab.goto(sub_path_url + path, wait_until="load")
            assert tab.evaluate(STYLED), f"{path}: the site's stylesheet did not load"
            lang = "en" if path.startswith("en/") else DEFAULT
            problems = inspect_page(tab, path.removeprefix("en/").removesuffix(".html"), lang)
            assert not problems, (path, problems)
        missing = sub_path_url + "no/such/chapter.html"
        response = tab.goto(missing, wait_until="load")
        assert response is not None and response.status == 404
        assert tab.evaluate(STYLED), "the 404 page's stylesheet did not load"
        assert failed == [f"404 {missing}"], failed
        follow(tab, tab.locator("a.md-header__button.md-logo"))
        assert tab.url in (sub_path_url, sub_path_url + "index.html"), tab.url
        assert tab.evaluate(STYLED)
        # The browser reports the 404 status of the missing page itself; nothing else.
        problems = [p for p in watch.take() if f"(Not Found) ({missing})" not in p]
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
