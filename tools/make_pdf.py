"""The whole course as one PDF per language, printed from the built site (`make pdf`).

For each language of the site (`extra.alternate` of `mkdocs.yml`; the other languages'
configurations are `mkdocs.<lang>.yml`), the chapters are the pages of the navigation's lessons
section (`extra.lessons`), in navigation order, read through MkDocs' own `load_config`. The PDF
has a cover (the course's title, the language, the version of the `dlnotes-course` package and
the day of the build), a table of contents linked to the chapters, and each chapter's article
from the built site, starting on a new page.

Headless Chromium (the system's, offline, as the browser tests have it: `offline_browser.py`)
assembles and prints it:

1. The built site is served on 127.0.0.1. In a blank tab of that site, the chapters' HTML is
   parsed with the browser's DOMParser and joined into one page: the first chapter's page (its
   stylesheets and scripts, plus any another chapter loads, such as mermaid) holding the cover,
   the contents and every chapter's article. Heading ids get their chapter's name as a prefix, so
   `#broadcasting` of two chapters stay apart, and links are rewritten to match: a link to a
   chapter (or a heading of one) goes to its place in the PDF, a link to another page of the site
   (the API reference, the glossary) goes to that page on the published site (`site_url`; plain
   text without one), a link to another host stays. Collapsed blocks are opened: a page cannot
   be clicked.
2. That page is opened like any page of the site, so the site's own scripts draw its math
   (KaTeX) and diagrams (Material's mermaid); the print waits for them, the figures and the fonts,
   and sets a formula too wide for the column smaller. `docs/assets/stylesheets/pdf.css` (served
   with the site) adds the cover, the page breaks and the print layout.
3. Chromium prints it: A4, backgrounds, the page number in the footer, an outline (bookmarks)
   from the headings and a tagged, searchable text layer with its fonts embedded (the system's
   Noto Sans CJK for Korean, which Chromium embeds as Type 3 fonts: the glyphs' outlines, with
   their text). The file is written to a temporary name and moved into place.

Nothing leaves the machine, and any request to another host, failed request, script error or
undrawn formula or diagram stops the build with its cause.

Usage: `python tools/make_pdf.py [--site site] [--out site/pdf] [--lang ko] [--lang en]`.
"""

from __future__ import annotations

import argparse
import datetime
import html
import importlib.metadata
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mkdocs.config import load_config
from mkdocs.structure.files import File
from offline_browser import offline_chromium, serve

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "dlnotes-course"
CSS = "assets/stylesheets/pdf.css"
# The assembled page's name, beside the first chapter (so the page's relative links still hold).
PRINT_PAGE = "dlnotes-pdf.html"
# A4 with these margins (mm): the book's `@page` rule, which overrides Material's (25 mm). The tab
# is as wide as the printed column (CSS px, 96 per inch), so the diagrams are drawn, and the
# formulas measured, at the width they are printed.
MARGIN_MM = {"top": 18, "right": 20, "bottom": 20, "left": 20}
MARGIN = {side: f"{mm}mm" for side, mm in MARGIN_MM.items()}
PAGE_CSS = f"@page {{ size: A4; margin: {' '.join(MARGIN.values())}; }}"
VIEWPORT = {
    "width": round((210 - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96),
    "height": 1000,
}
RENDER_TIMEOUT_MS = 60_000

LABELS = {
    "ko": {"contents": "차례", "version": "버전", "built": "만든 날"},
    "en": {"contents": "Contents", "version": "version", "built": "built"},
}


@dataclass(frozen=True)
class Chapter:
    title: str
    url: str  # the built page, relative to its language's folder: "tensor-basics.html"

    @property
    def anchor(self) -> str:
        """The chapter's id in the PDF, and the prefix of its headings' ids."""
        return self.url.removesuffix(".html").replace("/", "-")


@dataclass(frozen=True)
class Course:
    lang: str
    language: str  # the language's name in its own language: "한국어"
    title: str  # site_name
    folder: str  # the language's folder in the site: "" or "en/"
    chapters: tuple[Chapter, ...]
    site_url: str | None  # where the whole site is published (the top language's site_url)


def courses(config_file: Path = ROOT / "mkdocs.yml") -> list[Course]:
    """Every language's course, the top language first, from the MkDocs configurations."""
    top = load_config(config_file=str(config_file))
    alternates = list(top.extra.get("alternate") or [])
    if not alternates:
        raise ValueError(f"{config_file} has no extra.alternate: which languages does it build?")
    result = []
    for alt in alternates:
        top_language = alt["link"] in ("./", "")
        config = (
            top
            if top_language
            else load_config(config_file=str(config_file.with_name(f"mkdocs.{alt['lang']}.yml")))
        )
        folder = "" if top_language else alt["link"].strip("/") + "/"
        result.append(
            Course(
                alt["lang"],
                alt["name"],
                config.site_name,
                folder,
                tuple(chapters(config)),
                top.site_url or None,
            )
        )
    return result


def chapters(config) -> list[Chapter]:
    """The lessons section of a loaded MkDocs configuration's navigation, titles translated by
    its `extra.nav_translations` (as hooks/languages.py does for the site)."""
    section = config.extra.get("lessons")
    titles = config.extra.get("nav_translations") or {}
    for item in config.nav or []:
        if isinstance(item, dict) and section in item:
            entries = item[section]
            break
    else:
        raise ValueError(f"no navigation section {section!r} (extra.lessons) in {config.nav!r}")
    found = []
    for entry in entries:
        if not (isinstance(entry, dict) and len(entry) == 1):
            raise ValueError(f"a chapter needs a title in the navigation: {entry!r}")
        ((title, path),) = entry.items()
        # mkdocs-jupyter builds a notebook where MkDocs builds a Markdown page of the same name.
        source = str(PurePosixPath(path).with_suffix(".md"))
        page = File(source, config.docs_dir, config.site_dir, config.use_directory_urls)
        found.append(Chapter(titles.get(title, title), page.url))
    return found


def build_date() -> str:
    """Today, or the day of `SOURCE_DATE_EPOCH` (seconds, UTC) when set, as the site does."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        day = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
        return day.isoformat()
    return datetime.date.today().isoformat()


def front_matter(course: Course, version: str, date: str) -> str:
    """The cover and the table of contents, as HTML."""
    labels = LABELS.get(course.lang, LABELS["en"])
    e = html.escape
    title, _, subtitle = course.title.partition(" — ")
    items = "".join(f'<li><a href="#{e(c.anchor)}">{e(c.title)}</a></li>' for c in course.chapters)
    return (
        '<section class="dlnotes-pdf-cover">'
        f'<p class="dlnotes-pdf-title">{e(title)}</p>'
        + (f'<p class="dlnotes-pdf-subtitle">{e(subtitle)}</p>' if subtitle else "")
        + f'<p class="dlnotes-pdf-language">{e(course.language)}</p>'
        f'<p class="dlnotes-pdf-meta">{e(DISTRIBUTION)} {e(labels["version"])} {e(version)}'
        f' · {e(labels["built"])} <time datetime="{e(date)}">{e(date)}</time></p>'
        # The versions that ran the examples, from the chapters' pages (pdf_book.js).
        '<p class="dlnotes-pdf-meta dlnotes-pdf-verified"></p>'
        "</section>"
        f'<nav class="dlnotes-pdf-toc"><h2>{e(labels["contents"])}</h2><ol>{items}</ol></nav>'
    )


# Runs in a blank tab of the site: fetches the chapters and returns the whole book as one page.
ASSEMBLE = Path(__file__).with_name("pdf_book.js").read_text(encoding="utf-8")

# Everything drawn: Material replaces each `pre.mermaid` with its drawing, KaTeX puts `.katex`
# into each formula, and every figure has loaded.
RENDERED = """() =>
  document.querySelectorAll("pre.mermaid").length === 0 &&
  [...document.querySelectorAll(".arithmatex")].every((e) => e.querySelector(".katex, .katex-error")) &&
  [...document.images].every((img) => img.complete)
"""
UNRENDERED = """() => ({
  diagrams: document.querySelectorAll("pre.mermaid").length,
  formulas: [...document.querySelectorAll(".arithmatex")].filter(
    (e) => !e.querySelector(".katex, .katex-error")).length,
  images: [...document.images].filter((img) => !img.complete).map((img) => img.src.slice(0, 100)),
  katexErrors: [...document.querySelectorAll(".katex-error")].map((e) => e.getAttribute("title")),
  brokenImages: [...document.images].filter((img) => img.naturalWidth === 0)
    .map((img) => img.src.slice(0, 100)),
})"""

# A formula wider than the column would be cut at the page's edge (on screen it scrolls): it is
# set smaller until it fits. The tab lays the page out as it prints (pdf.css sets the print's font
# size; emulating print media instead made Chromium's printing five times slower).
FIT = """() => {
  for (const el of document.querySelectorAll(".katex-display")) {
    const over = el.scrollWidth / el.clientWidth;
    if (over > 1) el.style.fontSize = `${Math.floor(100 / over)}%`;
  }
}"""

FOOTER = (
    f'<div style="width: 100%; padding: 0 {MARGIN["left"]}; display: flex;'
    " justify-content: space-between;"
    ' font-size: 8px; color: #666; font-family: sans-serif;">'
    '<span class="title"></span><span class="pageNumber"></span></div>'
)


class Problems:
    """What went wrong in a tab: script errors, failed requests, requests to another host."""

    def __init__(self, tab, base_url: str) -> None:
        self.base_url = base_url
        self.found: list[str] = []
        tab.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        tab.on("console", self._console)
        tab.on("request", self._request)
        tab.on("requestfailed", lambda r: self.found.append(f"request failed: {r.url}"))
        tab.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.found.append(f"console error: {message.text}")

    def _request(self, request) -> None:
        if not request.url.startswith((self.base_url, "data:", "blob:", "about:")):
            self.found.append(f"request to another host: {request.url}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.found.append(f"HTTP {response.status}: {response.url}")


def print_course(browser, course: Course, base_url: str, site: Path, out: Path) -> None:
    """Assembles `course` from the site served at `base_url` and prints it to `out`."""
    for chapter in course.chapters:
        if not (site / course.folder / chapter.url).is_file():
            raise FileNotFoundError(
                f"{site / course.folder / chapter.url} is missing: build the site first"
                " (make build)"
            )
    if not (site / course.folder / CSS).is_file():
        raise FileNotFoundError(
            f"{site / course.folder / CSS} is missing: the site was built before it existed"
            " (make build)"
        )
    root = base_url + course.folder
    first = root + course.chapters[0].url
    page_url = first.rsplit("/", 1)[0] + "/" + PRINT_PAGE
    book = {"html": "<!DOCTYPE html><title></title>"}
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.route(
            page_url,
            lambda route: route.fulfill(body=book["html"], content_type="text/html; charset=utf-8"),
        )
        tab = context.new_page()
        problems = Problems(tab, base_url)
        tab.goto(page_url, wait_until="load")
        book["html"] = tab.evaluate(
            ASSEMBLE,
            {
                "chapters": [{"url": root + c.url, "anchor": c.anchor} for c in course.chapters],
                "front": front_matter(
                    course, importlib.metadata.version(DISTRIBUTION), build_date()
                ),
                "css": root + CSS,
                "page": PAGE_CSS,
                "siteUrl": course.site_url,
                "title": course.title,
            },
        )
        tab.goto(page_url, wait_until="load")
        try:
            tab.wait_for_function(RENDERED, timeout=RENDER_TIMEOUT_MS)
        except Exception as error:  # Playwright's TimeoutError: say what is missing
            state = tab.evaluate(UNRENDERED)
            raise RuntimeError(
                f"the {course.lang} book did not finish drawing: {state}\n"
                + "\n".join(problems.found[:20])
            ) from error
        tab.evaluate("document.fonts.ready.then(() => true)")
        tab.evaluate(FIT)
        state = tab.evaluate(UNRENDERED)
        if state["katexErrors"] or state["brokenImages"]:
            problems.found.append(f"not drawn: {state}")
        if problems.found:
            raise RuntimeError(
                f"the {course.lang} book has problems:\n" + "\n".join(problems.found[:20])
            )
        pdf = tab.pdf(
            format="A4",
            print_background=True,
            margin=MARGIN,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            outline=True,
            tagged=True,
        )
    finally:
        context.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file beside it, then one rename: a reader never sees half a PDF.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(pdf)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def make_pdfs(
    site: Path = ROOT / "site", out: Path | None = None, langs: list[str] | None = None
) -> list[Path]:
    """Prints the course of each language in `langs` (default: all) from the built `site` into
    `out/dlnotes-<lang>.pdf` (default `site/pdf/`); returns the paths, in the site's order.

    Raises:
        ValueError: For a language the site does not have.
        FileNotFoundError: Without Chromium or Playwright, or for a site not built.
        RuntimeError: When a book fails to load or draw, with the reasons.
    """
    out = out if out is not None else site / "pdf"
    all_courses = courses()
    known = [c.lang for c in all_courses]
    for lang in langs or []:
        if lang not in known:
            raise ValueError(f"Invalid language: {lang!r} (the site has {known})")
    chosen = [c for c in all_courses if not langs or c.lang in langs]
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"{site} holds no built site (no index.html): run make build")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise FileNotFoundError(
            "Playwright for Python is not installed (pip install playwright)"
        ) from error
    paths = []
    with serve(site) as base_url, sync_playwright() as playwright:
        with offline_chromium(playwright) as browser:
            for course in chosen:
                path = out / f"dlnotes-{course.lang}.pdf"
                print_course(browser, course, base_url, site, path)
                paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site")
    parser.add_argument("--out", type=Path, help="where the PDFs go (default: SITE/pdf)")
    parser.add_argument(
        "--lang", action="append", help="a language to print (repeat; default: every one)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = make_pdfs(args.site, args.out, args.lang)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"make_pdf: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"printed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
