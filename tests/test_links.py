"""Every link a reader can follow leads somewhere, in the reader's language.

Three layers, cheapest first:

- The Markdown sources (no build): a relative link `[text](other.md#anchor)` in a page points to
  a page of the same language set, and its anchor to a heading anchor pinned in that page's
  source (`## Heading { #anchor }`), so that links survive translation. Links to API objects go
  through autorefs (`[text][dlnotes.x.y]`), which `mkdocs build --strict` checks already.
- The built site (one strict build shared by the whole test run, `tests/site_build.py`): every
  `<a href>` of every page of both languages resolves to a file, its `#fragment` to an `id` (or
  `<a name>`) in the target page, and a Korean page links to Korean pages, an English page to
  English ones.
- External links are not fetched: `tools/external_links.py` lists them in
  `reports/external-links.md`, and a stale report fails here, so a new external link is reviewed
  in the commit that adds it.

Only the built-site tests are marked `slow`; the others take well under a second.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pages import DOCS, LANGUAGES, ROOT, import_file
from site_build import shared_site

DEFAULT = LANGUAGES[0]
# Links that may cross languages: the language switcher, and the notebook download button (the
# only <a> of a page whose target is an .ipynb; it stays in the page's folder in any case).
CROSS_LANGUAGE_CLASSES = ("md-select__link", "dlnotes-download")


# --- the Markdown sources -------------------------------------------------------------------

# An inline link or image; the target stops at white space (a title may follow) or `)`.
MD_LINK = re.compile(
    r"(?<!\])(!?)\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
PINNED = re.compile(r"^#{1,6} .*\{[^}]*#([\w-]+)[^}]*\}\s*$", re.MULTILINE)
ATX = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
API_DIRECTIVE = re.compile(r"^:::[ \t]+([\w.]+)", re.MULTILINE)
FENCE_LINE = re.compile(r"^[ \t>]*(`{3,}|~{3,})(.*)$")


def _without_fences(text: str) -> str:
    """The text without fenced code blocks, where `# comment` is no heading and `a[i](x)` no link."""
    kept, fence = [], None
    for line in text.splitlines():
        match = FENCE_LINE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and match.group(1).startswith(fence):
            if not match.group(2).strip():
                fence = None
        elif fence is None:
            kept.append(line)
    return "\n".join(kept)


def _prose(text: str) -> str:
    """The text without code fences, inline code and math, where `[x](y)` is no link."""
    return MATH.sub("", INLINE_CODE.sub("", _without_fences(text)))


def _markdown(path: Path) -> str:
    """A page's Markdown, or a notebook's Markdown cells joined."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def _slugify(text: str) -> str:
    # The same slugs as the site (mkdocs.yml's toc slugify, hooks/notebooks.py for notebooks).
    from pymdownx.slugs import slugify

    return slugify(case="lower")(text, "-")


@cache
def _anchors(path: Path) -> frozenset[str]:
    """Anchors a link may name in a source page: pinned heading anchors (notebooks: slugs)."""
    text = _markdown(path)
    if path.suffix == ".ipynb":
        headings = ATX.findall(_without_fences(text))
        return frozenset(_slugify(re.sub(r"[*`]", "", h)) for h in headings)
    return frozenset(PINNED.findall(text))


def source_link_problems(docs: Path = DOCS, images: Path = ROOT / "images") -> list[str]:
    """Checks every relative Markdown link of the pages and notebooks under `docs/<lang>/`."""
    docs, images, problems = docs.resolve(), images.resolve(), []
    for path in sorted([*docs.rglob("*.md"), *docs.rglob("*.ipynb")]):
        rel = path.relative_to(docs)
        lang = rel.parts[0]
        if lang not in LANGUAGES or len(rel.parts) < 2:
            continue
        root = docs / lang
        for bang, target in MD_LINK.findall(_prose(_markdown(path))):
            if re.match(r"^([a-z][a-z0-9+.-]*:|//)", target, re.I):
                continue  # external: tools/external_links.py lists them
            where = f"{rel.as_posix()}: ({target})"
            url = urlsplit(target)
            target_path = unquote(url.path)
            if not target_path:
                page = path
            elif (path.parent / target_path).resolve().is_relative_to(root / "images"):
                # Figures live in the top-level images/ (hooks/languages.py adds them to each
                # language's site there).
                rest = (path.parent / target_path).resolve().relative_to(root / "images")
                if not (images / rest).is_file():
                    problems.append(f"{where}: no such figure images/{rest.as_posix()}")
                continue
            else:
                page = (path.parent / target_path).resolve()
                if not page.is_relative_to(root):
                    # The build of each language sees its own folder only.
                    problems.append(f"{where}: leaves the {lang} pages")
                    continue
                if page.suffix not in (".md", ".ipynb"):
                    if not page.exists():
                        problems.append(f"{where}: no such file")
                    continue
                if not page.is_file():
                    problems.append(f"{where}: no page {page.relative_to(docs).as_posix()}")
                    continue
            anchor = unquote(url.fragment)
            if bang or not anchor:
                continue
            if anchor in _anchors(page):
                continue
            objects = API_DIRECTIVE.findall(_markdown(page))
            if any(anchor == o or anchor.startswith(o + ".") for o in objects):
                continue  # an object mkdocstrings renders; the built-site test checks its id
            problems.append(f"{where}: no anchor {{ #{anchor} }} in {page.relative_to(docs)}")
    return problems


def test_source_links_resolve():
    problems = source_link_problems()
    assert not problems, "broken links in the Markdown sources:\n" + "\n".join(problems)


def test_planted_source_faults_are_caught(tmp_path):
    docs, images = tmp_path / "docs", tmp_path / "images"
    images.mkdir()
    (images / "fig.png").write_bytes(b"")
    for lang in LANGUAGES:
        (docs / lang / "api").mkdir(parents=True)
        (docs / lang / "a.md").write_text("# A\n\n## Part { #part }\n", encoding="utf-8")
        (docs / lang / "api" / "x.md").write_text("::: dlnotes.x\n", encoding="utf-8")
    good = (
        "[a](a.md#part) [self](#top) ![f](images/fig.png) [x](api/x.md#dlnotes.x.f) "
        "`[no](link.md)` [web](https://example.org/)\n\n## Top { #top }\n"
    )
    (docs / "ko" / "b.md").write_text(good, encoding="utf-8")
    (docs / "en" / "b.md").write_text(
        "[a](a.md#parts) [ko](../ko/a.md) [c](c.md) [self](#nowhere) ![f](images/gone.png)\n",
        encoding="utf-8",
    )
    problems = source_link_problems(docs, images)
    assert [p.split(": ", 1)[0] for p in problems] == ["en/b.md"] * 5, problems
    assert len(problems) == 5


# --- the built site -------------------------------------------------------------------------


class _Links(HTMLParser):
    """The ids of a page and its links as (href, class)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        if tag == "a" and "href" in attrs:
            self.links.append((attrs["href"], attrs.get("class", "")))


@cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _language(site: Path, path: Path) -> str:
    rel = path.relative_to(site).parts
    return rel[0] if rel[0] in LANGUAGES and rel[0] != DEFAULT else DEFAULT


def _pages(site: Path) -> list[Path]:
    # 404.html is served by a web server at any depth: its links are site-absolute on purpose
    # (tests/test_site.py checks that nothing else uses such links).
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def site_link_problems(site: Path) -> list[str]:
    """Internal links whose file or `#fragment` is missing, or that change the language."""
    site = site.resolve()
    # A set lookup and normpath, not is_file() and resolve() per link: pages hold ~17,000 links.
    files = {p for p in site.rglob("*") if p.is_file()}
    problems = []
    for path in _pages(site):
        rel = path.relative_to(site).as_posix()
        lang = _language(site, path)
        for href, classes in _parse(path).links:
            if re.match(r"^([a-z][a-z0-9+.-]*:|//)", href, re.I):
                continue  # external or mailto:, listed by tools/external_links.py
            url = urlsplit(href)
            target = Path(os.path.normpath(path.parent / unquote(url.path))) if url.path else path
            if target not in files:
                problems.append(f"{rel}: {href} (no such file)")
                continue
            if url.fragment and target.suffix == ".html":
                if unquote(url.fragment) not in _parse(target).ids:
                    problems.append(f"{rel}: {href} (no such id)")
            if target.suffix in (".html", ".ipynb") and _language(site, target) != lang:
                if not any(c in classes.split() for c in CROSS_LANGUAGE_CLASSES):
                    problems.append(f"{rel}: {href} (leaves the {lang} pages)")
    return problems


def test_planted_site_faults_are_caught(tmp_path):
    site = tmp_path / "site"
    (site / "en").mkdir(parents=True)
    page = '<h1 id="top">T</h1><a name="old"></a><a href="{0}">x</a>'
    (site / "a.html").write_text(page.format("#top"), encoding="utf-8")
    (site / "404.html").write_text(page.format("/nowhere.html"), encoding="utf-8")
    (site / "b.html").write_text(
        page.format("a.html#old")
        + '<a href="a.html#gone">1</a><a href="c.html">2</a><a href="en/a.html">3</a>'
        + '<a class="md-select__link" href="en/a.html">ok</a><a href="#__x">4</a>'
        + '<a href="mailto:a@b.c">ok</a><a href="https://example.org/">ok</a>',
        encoding="utf-8",
    )
    (site / "en" / "a.html").write_text(page.format("../a.html"), encoding="utf-8")
    assert site_link_problems(site) == [
        "b.html: a.html#gone (no such id)",
        "b.html: c.html (no such file)",
        "b.html: en/a.html (leaves the ko pages)",
        "b.html: #__x (no such id)",
        "en/a.html: ../a.html (leaves the en pages)",
    ]


# A class of its own: the test run schedules the tests that read the built site last
# (conftest.py), and a class is a unit of that schedule.
@pytest.mark.slow
class TestBuiltSite:
    def test_site_links_resolve_and_stay_in_language(self, tmp_path_factory):
        site = shared_site(tmp_path_factory)
        pages = _pages(site)
        assert len(pages) >= 2 * len(list((DOCS / "ko").glob("*.md"))), "too few pages built"
        # A page's table of contents appears twice (sidebar and drawer): report each link once.
        problems = Counter(site_link_problems(site))
        lines = [p if n == 1 else f"{p} x{n}" for p, n in problems.items()]
        assert not lines, f"{len(lines)} broken links on the site:\n" + "\n".join(lines)


# --- external links -------------------------------------------------------------------------


def test_external_link_report_is_current():
    message = import_file(ROOT / "tools" / "external_links.py", "external_links").check()
    assert message is None, message


def test_external_link_check_ignores_moved_lines_but_not_new_links(tmp_path):
    tool = import_file(ROOT / "tools" / "external_links.py", "external_links")
    (tmp_path / "docs" / "en").mkdir(parents=True)
    (tmp_path / "docs" / "ko").mkdir()
    page = tmp_path / "docs" / "en" / "a.md"
    page.write_text("See [Adam](https://arxiv.org/abs/1412.6980).\n", encoding="utf-8")
    (tmp_path / "docs" / "ko" / "a.md").write_text(
        page.read_text(encoding="utf-8"), encoding="utf-8"
    )
    report = tmp_path / "report.md"
    report.write_text(tool.render(tmp_path), encoding="utf-8")
    assert "docs/en/a.md:1" in report.read_text(encoding="utf-8")
    page.write_text("A new first line.\n\n" + page.read_text(encoding="utf-8"), encoding="utf-8")
    assert tool.check(tmp_path, report) is None  # the link moved to line 3: still current
    page.write_text(page.read_text(encoding="utf-8") + "[SGD](https://example.org/sgd)\n")
    message = tool.check(tmp_path, report)
    assert message is not None and "https://example.org/sgd" in message
