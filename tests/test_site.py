"""The site builds strictly in both languages and works offline, as a reader uses it.

One strict build (`mkdocs build --strict`, notebooks executed with the cache off) is shared by
every test here. Real-browser checks come with the reader's-experience issue; these read the
built HTML.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform
import re
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
import torch
import yaml

from pages import LANGUAGES, ROOT, page_sets
from site_build import shared_site

pytestmark = pytest.mark.slow

DEFAULT = LANGUAGES[0]
PAGES = sorted(k.removesuffix(".md") for k in page_sets(".md")) + sorted(
    k.removesuffix(".ipynb") for k in page_sets(".ipynb")
)
NOTEBOOKS = sorted(k.removesuffix(".ipynb") for k in page_sets(".ipynb"))
UNEXECUTED = {"mlp-assignment"}  # mkdocs.yml's execute_ignore


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml's structure; its `!!python/...` and `!ENV` values are not needed here."""


for _prefix in ("tag:yaml.org,2002:python/", "!"):
    _Loader.add_multi_constructor(_prefix, lambda loader, suffix, node: None)


def chapters() -> list[str]:
    """The pages of the navigation's lessons section (`extra.lessons`), without extension."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    name = config["extra"]["lessons"]
    section = next(item[name] for item in config["nav"] if isinstance(item, dict) and name in item)
    return [re.sub(r"\.(md|ipynb)$", "", next(iter(entry.values()))) for entry in section]


CHAPTERS = chapters()
VERIFIED = {"ko": "확인한 날", "en": "verified"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return shared_site(tmp_path_factory)


def html_path(site: Path, page: str, lang: str) -> Path:
    prefix = "" if lang == DEFAULT else f"{lang}/"
    return site / f"{prefix}{page}.html"


class Tags(HTMLParser):
    """Collects (tag, attributes) pairs and the ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def resolve(page: Path, href: str) -> Path:
    return (page.parent / unquote(urlsplit(href).path)).resolve()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_page_built(site, page, lang):
    path = html_path(site, page, lang)
    assert path.is_file(), f"{path.relative_to(site)} was not built"
    assert f'<html lang="{lang}"' in path.read_text(encoding="utf-8")


def test_nothing_loaded_from_another_host(site):
    offenders = []
    for path in sorted(site.rglob("*.html")):
        for tag, attrs in tags(path):
            # A page's canonical address (mkdocs.yml's site_url) names it; nothing fetches it.
            if tag == "link" and attrs.get("rel") == "canonical":
                continue
            url = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
            if url and re.match(r"^(https?:)?//", url):
                offenders.append(f"{path.relative_to(site)}: <{tag}> {url}")
        text = path.read_text(encoding="utf-8")
        offenders += [
            f"{path.relative_to(site)}: @import {m}"
            for m in re.findall(r"@import\s+(?:url\()?['\"]?((?:https?:)?//[^'\")]+)", text)
        ]
    for path in sorted(site.rglob("*.css")):
        offenders += [
            f"{path.relative_to(site)}: url({m})"
            for m in re.findall(r"url\(['\"]?((?:https?:)?//[^'\")]+)", path.read_text("utf-8"))
        ]
    assert not offenders, "resources from other hosts:\n" + "\n".join(offenders)


def test_links_work_from_disk(site):
    """Site-absolute links ('/x') break a site opened with file://; every internal one resolves."""
    problems = []
    # 404.html is only ever served by a web server, from any depth: its links are site-absolute.
    for path in sorted(p for p in site.rglob("*.html") if p.name != "404.html"):
        for _tag, attrs in tags(path):
            for key in ("href", "src"):
                url = attrs.get(key, "")
                if not url or re.match(r"^([a-z]+:|//|#)", url):
                    continue
                if url.startswith("/"):
                    problems.append(f"{path.relative_to(site)}: absolute {key}={url}")
                elif not resolve(path, url).exists():
                    problems.append(f"{path.relative_to(site)}: broken {key}={url}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("page", PAGES)
def test_language_switcher_lands_on_same_page(site, page):
    for lang in LANGUAGES:
        path = html_path(site, page, lang)
        targets = {
            attrs["hreflang"]: resolve(path, attrs["href"])
            for t, attrs in tags(path)
            if t == "a" and "md-select__link" in attrs.get("class", "")
        }
        for other in LANGUAGES:
            assert targets.get(other) == html_path(site, page, other).resolve(), (
                f"{page} ({lang}): switcher to {other} goes to {targets.get(other)}"
            )


def search_docs(site: Path, lang: str) -> list[dict]:
    """The search index of the pages in `lang` (each language's site has its own)."""
    prefix = "" if lang == DEFAULT else f"{lang}/"
    index = json.loads((site / prefix / "search" / "search_index.json").read_text("utf-8"))
    assert lang in index["config"]["lang"]
    return index["docs"]


@pytest.mark.parametrize(
    ("word", "lang", "page"),
    [("브로드캐스팅", "ko", "tensor-basics"), ("broadcasting", "en", "tensor-basics")],
)
def test_search_index_finds_the_page_in_its_language(site, word, lang, page):
    hits = {
        d["location"].split("#")[0]
        for d in search_docs(site, lang)
        if word.lower() in (d["title"] + " " + d["text"]).lower()
    }
    assert f"{page}.html" in hits


def test_korean_search_splits_korean_words(site):
    """Korean search (lunr's `ko` pipeline) in the Korean site; the English one in English."""
    assert (
        "ko"
        in json.loads((site / "search" / "search_index.json").read_text("utf-8"))["config"]["lang"]
    )
    assert (site / "assets" / "javascripts" / "lunr" / "min" / "lunr.ko.min.js").is_file()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_offline_search_index_is_inlined(site, lang):
    prefix = "" if lang == DEFAULT else f"{lang}/"
    script = (site / prefix / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script.startswith("var __index = ")
    inlined = json.loads(script.removeprefix("var __index = "))
    assert len(inlined["docs"]) == len(search_docs(site, lang)), "search_index.js is stale"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_math_and_diagrams_are_served_locally(site, lang):
    path = html_path(site, "neural-networks", lang)  # a page with math and a diagram
    text = path.read_text(encoding="utf-8")
    assert 'class="arithmatex"' in text
    assert 'class="mermaid"' in text
    scripts = [resolve(path, a["src"]) for t, a in tags(path) if t == "script" and "src" in a]
    names = {p.name for p in scripts}
    assert {"katex.min.js", "auto-render.min.js", "katex-init.js", "mermaid.tiny.js"} <= names
    assert all(p.is_file() for p in scripts)
    fonts = site / "assets" / "vendor" / "katex" / "fonts"
    assert any(fonts.glob("KaTeX_Main-Regular.woff2"))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_only_pages_with_a_diagram_load_mermaid(site, page, lang):
    """mermaid is 2.6 MB: a page without a diagram does not load it."""
    path = html_path(site, page, lang)
    scripts = {resolve(path, a["src"]).name for t, a in tags(path) if t == "script" and "src" in a}
    has_diagram = 'class="mermaid"' in path.read_text(encoding="utf-8")
    assert ("mermaid.tiny.js" in scripts) == has_diagram


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_korean_heading_anchors_are_readable(site, page, lang):
    ids = [a["id"] for t, a in tags(html_path(site, page, lang)) if t.startswith("h") and "id" in a]
    assert not [i for i in ids if re.fullmatch(r"_\d+", i)], f"{page}: numbered anchors {ids}"


@pytest.mark.parametrize("page", NOTEBOOKS)
def test_notebook_headings_are_readable_in_page_and_table_of_contents(site, page):
    """A Korean notebook's heading ids are its words, as on a Markdown page, and the table of
    contents links to them."""
    path = html_path(site, page, DEFAULT)
    ids = {a["id"] for t, a in tags(path) if re.fullmatch(r"h[1-6]", t) and "id" in a}
    assert any(re.search("[가-힣]", i) for i in ids), ids
    toc = {
        unquote(a["href"][1:])
        for t, a in tags(path)
        if t == "a" and "md-nav__link" in a.get("class", "") and a.get("href", "").startswith("#")
    }
    assert toc and toc <= ids, f"table of contents links {sorted(toc - ids)} to no heading"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", NOTEBOOKS)
def test_notebook_pages_are_executed_and_downloadable(site, page, lang):
    path = html_path(site, page, lang)
    text = path.read_text(encoding="utf-8")
    assert "Traceback" not in text
    outputs = re.findall(r'class="[^"]*\bjp-OutputArea-output\b', text)  # not the stylesheet's
    if page in UNEXECUTED:  # an assignment stops at its first TODO: shown as the learner gets it
        assert not outputs
    else:
        assert outputs, "no executed outputs on the notebook page"
        assert 'src="data:image/png;base64,' in text, "the notebook's plots are missing"
    downloads = [
        a["href"] for t, a in tags(path) if t == "a" and "dlnotes-download" in a.get("class", "")
    ]
    assert downloads == [f"{PurePosixPath(page).name}.ipynb"]
    notebook = json.loads(resolve(path, downloads[0]).read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cross_references_reach_the_api_pages(site, lang):
    path = html_path(site, "index", lang)
    hrefs = [a["href"] for t, a in tags(path) if t == "a" and "href" in a]
    target = [h for h in hrefs if h.endswith("#dlnotes.tensor.describe")]
    assert target, "the home page's [describe][dlnotes.tensor.describe] link is missing"
    api_page = resolve(path, target[0])
    assert api_page == html_path(site, "api/tensor", lang).resolve()
    assert 'id="dlnotes.tensor.describe"' in api_page.read_text(encoding="utf-8")


def test_figures_appear_on_the_site(site):
    images = sorted((ROOT / "images").glob("*.png"))
    assert images, "no figures in images/"
    shown = set()
    for path in site.rglob("*.html"):
        for t, a in tags(path):
            if t == "img" and "images/" in a.get("src", ""):
                target = resolve(path, a["src"])
                assert target.is_file(), f"{path.relative_to(site)}: missing {a['src']}"
                shown.add(target.name)
    assert shown == {p.name for p in images}, "every figure in images/ is shown on a page"


def text_of(path: Path, css_class: str) -> list[str]:
    """The text of each element of `path` with the class `css_class`, white space collapsed."""
    found = re.findall(
        rf'<(\w+) class="{css_class}"[^>]*>(.*?)</\1>', path.read_text(encoding="utf-8"), re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", "", body).split()) for _tag, body in found]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_chapters_show_the_versions_that_ran_their_examples(site, lang):
    """Every chapter ends with "torch X · Python Y · verified DATE": this environment's versions
    (the one that built the site) and the day of the build; other pages have no such line."""
    assert len(CHAPTERS) >= 5, CHAPTERS
    expected = re.compile(
        rf"torch {re.escape(torch.__version__)} · Python {re.escape(platform.python_version())}"
        rf" · {VERIFIED[lang]} (\d{{4}}-\d{{2}}-\d{{2}})"
    )
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    problems = []
    for page in PAGES:
        lines = text_of(html_path(site, page, lang), "dlnotes-verified")
        if page not in CHAPTERS:
            if lines:
                problems.append(f"{page}: not a chapter, yet shows {lines}")
            continue
        match = expected.fullmatch(lines[0]) if len(lines) == 1 else None
        if match is None:
            problems.append(f"{page}: {lines}, expected {expected.pattern}")
        elif datetime.date.fromisoformat(match.group(1)) > tomorrow:
            problems.append(f"{page}: verified in the future, {match.group(1)}")
        path = html_path(site, page, lang)
        buttons = [a for _t, a in tags(path) if "dlnotes-done-button" in a.get("class", "")]
        if len(buttons) != 1:
            problems.append(f"{page}: {len(buttons)} done buttons")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_footer_names_the_package_release(site, lang):
    """The footer shows the installed package's version (pyproject.toml's, read back from the
    distribution's metadata by hooks/reader.py) and links its PyPI release."""
    version = importlib.metadata.version("dlnotes-course")
    problems = []
    for page in PAGES:
        path = html_path(site, page, lang)
        lines = text_of(path, "md-copyright__highlight dlnotes-release")
        if len(lines) != 1 or f"dlnotes-course {version}" not in lines[0]:
            problems.append(f"{page}: {lines}")
        if f'href="https://pypi.org/project/dlnotes-course/{version}/"' not in path.read_text():
            problems.append(f"{page}: no link to the release on PyPI")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_figures_open_in_the_local_lightbox(site, lang):
    """Each figure is a link to its own image for GLightbox, which the site serves itself; a page
    without figures does not load the lightbox."""
    prefix = "" if lang == DEFAULT else f"{lang}/"
    assert (site / prefix / "assets" / "javascripts" / "glightbox.min.js").is_file()
    assert (site / prefix / "assets" / "stylesheets" / "glightbox.min.css").is_file()
    figures = 0
    for page in PAGES:
        path = html_path(site, page, lang)
        text = path.read_text(encoding="utf-8")
        boxes = re.findall(
            r'<a class="glightbox"[^>]*href="([^"]+)"[^>]*>\s*<img [^>]*src="([^"]+)"', text
        )
        scripts = [a["src"] for t, a in tags(path) if t == "script" and "src" in a]
        loads = any(s.endswith("glightbox.min.js") for s in scripts)
        assert loads == bool(boxes), f"{page}: {len(boxes)} figures, lightbox loaded: {loads}"
        for href, src in boxes:
            assert href == src, f"{page}: the lightbox of {src} opens {href}"
            figures += 1 if "images/" in src else 0
    assert figures >= len(list((ROOT / "images").glob("*.png")))
