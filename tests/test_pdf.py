"""The course as a PDF per language (`tools/make_pdf.py`, `make pdf`).

The PDFs are printed from the run's shared site build (`site_build.py`) into a temporary folder,
once for the module, and read back with pypdf: every chapter of the navigation is in the text
layer (its title in the contents, its first page under its outline entry, in navigation order),
no link leads to the machine that printed it, and every font is in the file. Printing both
languages takes most of this file's time.

The tests skip, saying why, where Playwright, Chromium (found as the browser tests find it,
`tools/offline_browser.py`) or pypdf is missing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from mkdocs.config import load_config

from pages import LANGUAGES, ROOT, import_file
from site_build import shared_site

pytestmark = [pytest.mark.slow, pytest.mark.browser]

pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
)
pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (pip install pypdf)")
tool = import_file(ROOT / "tools" / "make_pdf.py", "make_pdf")
try:
    import_file(ROOT / "tools" / "offline_browser.py", "offline_browser").find_chromium()
except FileNotFoundError as error:
    pytest.skip(str(error), allow_module_level=True)

# pypdf warns about the object count in the trailer Chromium writes, then reads the file fine.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def squash(text: str) -> str:
    """Text without white space: a title may wrap, and the text layer keeps the line break."""
    return re.sub(r"\s+", "", text)


def nav_chapters(lang: str) -> list[str]:
    """The titles of the lessons section of the navigation, in order, in `lang`.

    Read from the MkDocs configurations here, not through the tool, so that a chapter the tool
    drops is noticed.
    """
    name = "mkdocs.yml" if lang == LANGUAGES[0] else f"mkdocs.{lang}.yml"
    config = load_config(config_file=str(ROOT / name))
    titles = config.extra.get("nav_translations") or {}
    section = config.extra["lessons"]
    entries = next(
        item[section] for item in config.nav if isinstance(item, dict) and section in item
    )
    return [titles.get(title, title) for entry in entries for title in entry]


def outline_titles(outline: list) -> list[str]:
    """Every title of a pypdf outline, depth first (nested lists hold an entry's children)."""
    return [
        title
        for entry in outline
        for title in (outline_titles(entry) if isinstance(entry, list) else [entry.title])
    ]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    site = shared_site(tmp_path_factory)
    out = tmp_path_factory.mktemp("pdf")
    return {path.stem.removeprefix("dlnotes-"): path for path in tool.make_pdfs(site, out)}


def test_the_tool_reads_the_chapters_of_the_navigation() -> None:
    courses = {course.lang: course for course in tool.courses()}
    assert list(courses) == list(LANGUAGES)
    for lang, course in courses.items():
        assert [c.title for c in course.chapters] == nav_chapters(lang)
        assert all(c.url.endswith(".html") for c in course.chapters), course.chapters


class TestBuiltSite:
    """Prints the built site: named so that the run schedules it after the build (conftest.py)."""

    def test_a_pdf_per_language(self, pdfs: dict[str, Path]) -> None:
        assert sorted(pdfs) == sorted(LANGUAGES)
        assert not list(next(iter(pdfs.values())).parent.glob("*.tmp")), "a temporary file was left"

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_chapter_is_in_the_text_layer(self, pdfs: dict[str, Path], lang: str) -> None:
        reader = pypdf.PdfReader(pdfs[lang])
        titles = nav_chapters(lang)
        # The outline (bookmarks): the contents, then each chapter's heading, in order.
        top = [entry for entry in reader.outline if not isinstance(entry, list)]
        assert len(top) == 1 + len(titles), [entry.title for entry in top]
        pages = [reader.get_destination_page_number(entry) for entry in top]
        assert pages == sorted(set(pages)), f"outline pages out of order: {pages}"
        contents = squash(
            "".join(reader.pages[i].extract_text() for i in range(pages[0], pages[1]))
        )
        missing = [title for title in titles if squash(title) not in contents]
        assert not missing, f"chapters missing from the contents of the {lang} PDF: {missing}"
        doubled = [
            t for t in outline_titles(reader.outline) if len(t) > 1 and t == t[: len(t) // 2] * 2
        ]
        assert not doubled, f"outline titles written twice: {doubled}"
        for entry, page in zip(top[1:], pages[1:], strict=True):
            text = squash(reader.pages[page].extract_text())
            assert squash(entry.title) in text, f"{entry.title!r} is not on its page {page + 1}"

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_no_link_leads_to_the_printing_machine(self, pdfs: dict[str, Path], lang: str) -> None:
        """Links go to a place in the PDF or to the web, never to the server the book was printed
        from (127.0.0.1) or to a file."""
        reader = pypdf.PdfReader(pdfs[lang])
        inside, web, wrong = 0, 0, []
        for number, page in enumerate(reader.pages, start=1):
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                action = annotation.get("/A")
                uri = action.get_object().get("/URI") if action is not None else None
                if uri is None:
                    inside += annotation.get("/Subtype") == "/Link"
                elif re.match(r"(https?://(?!127\.0\.0\.1|localhost)|mailto:)", str(uri)):
                    web += 1
                else:
                    wrong.append(f"page {number}: {uri}")
        assert not wrong, f"links of the {lang} PDF that lead nowhere: {wrong[:10]}"
        assert inside > 0 and web > 0, f"{inside} links inside the {lang} PDF, {web} to the web"

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_font_is_embedded(self, pdfs: dict[str, Path], lang: str) -> None:
        """Each font is in the file: a Type 3 font is its glyphs' drawings; any other carries its
        font program (`/FontFile`, `/FontFile2` or `/FontFile3`), else a reader draws the text
        with whatever font it has."""
        reader = pypdf.PdfReader(pdfs[lang])
        fonts = {}
        for page in reader.pages:
            resources = page.get("/Resources")
            for ref in (resources.get_object().get("/Font") or {}).values() if resources else []:
                fonts[ref.idnum] = ref.get_object()
        assert fonts, f"the {lang} PDF has no fonts"
        not_embedded = []
        for font in fonts.values():
            if font["/Subtype"] == "/Type3":
                continue
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = described.get("/FontDescriptor")
            files = {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.get_object() or {})
            if not files:
                not_embedded.append(str(font.get("/BaseFont")))
        assert not not_embedded, f"fonts not embedded in the {lang} PDF: {not_embedded}"
