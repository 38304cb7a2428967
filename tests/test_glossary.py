"""`glossary.yml` is the course's one list of terms: its pages, its tooltips, its Korean wording.

The fast tests read the YAML, the Markdown pages and the notebooks, and call the hook's functions
directly; only the last test reads the built site (`@pytest.mark.slow`).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from pages import DOCS, ROOT, import_file
from site_build import shared_site

# The hook, imported by path as MkDocs does (the hooks are not a package).
glossary = import_file(ROOT / "hooks/glossary.py", "dlnotes_glossary_hook")
KO_PAGES = sorted((DOCS / "ko").rglob("*.md"))
KO_NOTEBOOKS = sorted((DOCS / "ko").rglob("*.ipynb"))


@pytest.fixture(scope="module")
def entries():
    """The glossary; loaded in a fixture so that a broken file fails tests, not collection."""
    return glossary.load()


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- glossary.yml ---------------------------------------------------------------------------


def test_yaml_is_well_formed():
    raw = yaml.safe_load(glossary.GLOSSARY.read_text(encoding="utf-8"))
    assert glossary.problems(raw) == []
    assert len(raw) >= 56  # the 56 reviewed terms and those added since


GOOD = {"ko": "손실", "en": "loss", "ko_meaning": "하나의 숫자입니다.", "en_meaning": "A number."}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([{**GOOD, "en_meaning": ""}], "`en_meaning` is missing"),
        ([{k: v for k, v in GOOD.items() if k != "ko_meaning"}], "`ko_meaning` is missing"),
        ([GOOD, {**GOOD, "en": "cost"}], "ko term '손실' repeats"),
        ([GOOD, {**GOOD, "ko": "비용", "en": "Loss"}], "en term 'Loss' repeats"),
        ([GOOD, {**GOOD, "ko": "비용", "en": "cost", "avoid": ["손실"]}], "is a term"),
        ([{**GOOD, "avoid": "로스"}], "`avoid` must be a list"),
        ([{**GOOD, "no_tooltip": ["fr"]}], "`no_tooltip` may only name"),
        ([{**GOOD, "meaning": "?"}], "unknown fields"),
        ({"ko": "손실"}, "non-empty list"),
    ],
)
def test_bad_glossaries_are_reported(raw, expected):
    found = glossary.problems(raw)
    assert any(expected in problem for problem in found), found


# --- The glossary pages ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", glossary.LANGUAGES)
def test_glossary_pages_carry_the_markers(lang):
    text = (DOCS / lang / "glossary.md").read_text(encoding="utf-8")
    for marker in (glossary.TABLE_MARKER, glossary.AVOID_MARKER):
        assert text.count(marker) == 1, f"glossary.{lang}.md needs {marker} once"
    assert "| --- |" not in text, "the tables come from glossary.yml, not from the page"


def _first_column(table: str) -> list[str]:
    return [line.split(" | ")[0].removeprefix("| ") for line in table.splitlines()[2:]]


def test_tables_are_sorted_and_complete(entries):
    ko = glossary.terms_table("ko", entries)
    en = glossary.terms_table("en", entries)
    assert _first_column(ko) == sorted(e.ko for e in entries)  # 가나다 순
    column = _first_column(en)
    assert column == sorted(column, key=str.casefold)
    assert sorted(column) == sorted(e.en_label for e in entries)
    assert r"P(데이터 \| 가설)" in ko, "a | inside a cell must be escaped"
    html = glossary.render(glossary.fill_glossary_page(glossary.TABLE_MARKER, "ko", entries), "ko")
    assert html.count("<tr>") == len(entries) + 1
    avoid = glossary.avoid_table("en", entries)
    for entry in entries:
        for variant in entry.avoid:
            assert variant in avoid


# --- The lint: ruled-out Korean variants ----------------------------------------------------


def _report(where: str, findings) -> str:
    return "\n".join(f"{where}:{f.line}: {f.variant} -> write {f.use}" for f in findings)


@pytest.mark.parametrize("path", KO_PAGES, ids=rel)
def test_korean_page_uses_glossary_terms(path, entries):
    findings = glossary.find_variants(path.read_text(encoding="utf-8"), entries)
    assert not findings, "variants that glossary.yml rules out:\n" + _report(rel(path), findings)


@pytest.mark.parametrize("path", KO_NOTEBOOKS, ids=rel)
def test_korean_notebook_uses_glossary_terms(path, entries):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    reports = [
        _report(f"{rel(path)}:cell {i}", glossary.find_variants("".join(cell["source"]), entries))
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "markdown"
    ]
    reports = [r for r in reports if r]
    assert not reports, "variants that glossary.yml rules out:\n" + "\n".join(reports)


def test_lint_flags_a_variant_with_its_line_and_replacement(entries):
    text = "# 제목\n\n파라미터는 경사하강법으로 찾습니다.\n"
    assert glossary.find_variants(text, entries) == [
        glossary.Finding(3, "경사하강법", "경사 하강법")
    ]
    assert glossary.find_variants("파라미터는 경사 하강법으로 찾습니다.", entries) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("한 에폭이 지나면", ["에폭"]),  # followed by a particle
        ("미니 배치마다 갱신합니다.", ["미니 배치"]),
        ("확률적 경사하강법", ["경사하강법"]),
        ('!!! note "경사하강법"\n\n    본문', ["경사하강법"]),  # an admonition title is prose
        ("그런 경우도 있습니다.", []),  # 우도 inside a longer word
        ("학습 속도가 다릅니다.", []),  # speed, not 학습률
        ("`경사하강법` 이라는 이름", []),
        ("```python\n# 경사하강법\nx = 1\n```\n", []),
        ("$$\n\\text{경사하강법}\n$$\n", []),
        ("식 $\\text{에폭}$", []),
        ("<!-- 경사하강법 -->", []),
        ('노트는 "미니 배치"라고 씁니다.', []),  # a quotation keeps its words
        ("《PyTorch로 시작하는 딥 러닝 입문》", []),  # so does a title
        ("[글](https://example.com/에폭)", []),
    ],
)
def test_lint_reads_only_prose(text, flagged, entries):
    assert [f.variant for f in glossary.find_variants(text, entries)] == flagged


# --- Tooltips -------------------------------------------------------------------------------

ABBR = re.compile(r'<abbr title="([^"]*)">([^<]*)</abbr>')


def abbrs(html: str) -> list[tuple[str, str]]:
    return ABBR.findall(html)


def test_first_use_only_with_particles():
    html = glossary.render("손실을 줄입니다. 손실이 작아지면 손실은 0에 가깝습니다.", "ko")
    assert abbrs(html) == [("loss", "손실")]
    assert '<abbr title="loss">손실</abbr>을' in html


def test_not_inside_a_longer_word():
    assert abbrs(glossary.render("무손실 압축과 손실률, 분류기", "ko")) == []
    assert abbrs(glossary.render("A lossless layered format", "en")) == []


def test_longest_term_first():
    html = glossary.render(
        "손실 함수가 손실을 계산합니다. 확률적 경사 하강법은 경사 하강법입니다.", "ko"
    )
    assert abbrs(html) == [
        ("loss function", "손실 함수"),
        ("loss", "손실"),
        ("stochastic gradient descent (SGD)", "확률적 경사 하강법"),
        ("gradient descent", "경사 하강법"),
    ]


def test_a_marked_term_hides_the_terms_inside_it():
    html = glossary.render("확률적 경사 하강법. 다시 확률적 경사 하강법.", "ko")
    assert abbrs(html) == [("stochastic gradient descent (SGD)", "확률적 경사 하강법")]


def test_english_words_plurals_and_case():
    html = glossary.render("Losses, data sets and datasets, mini-batches, probabilities.", "en")
    assert abbrs(html) == [
        ("손실", "Losses"),
        ("데이터셋", "data sets"),
        ("미니배치", "mini-batches"),
        ("확률", "probabilities"),
    ]


SKIPPED = """\
# 손실 { #loss }

`손실` 과 [손실](x.md), $\\text{손실}$, \\(손실\\).

$$
\\text{손실}
$$

```python
loss = 1  # 손실
```

!!! note "손실"

    이 상자의 손실이 처음입니다.
"""


def test_skips_code_math_links_headings_and_titles():
    html = glossary.render(SKIPPED, "ko")
    assert abbrs(html) == [("loss", "손실")]
    assert '상자의 <abbr title="loss">손실</abbr>이 처음' in html
    assert '<h1 id="loss">손실' in html


def test_terms_with_another_sense_get_no_tooltip():
    # 장치 is also any device or mechanism ("이를 막는 장치"), so it gets no Korean tooltip.
    assert abbrs(glossary.render("이를 막는 장치", "ko")) == []
    assert abbrs(glossary.render("regularization", "en")) == [("규제", "regularization")]


def _render_page(src_uri: str, markdown: str) -> tuple[str, str | None]:
    """Renders a page of `docs/<lang>/` (`ko/optimization.md`) as its language's build does."""
    build_lang, _, src_uri = src_uri.partition("/")
    page = SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))
    config = {"theme": {"language": build_lang}}
    glossary._ENTRIES[:] = glossary.load()
    out = glossary.on_page_markdown(markdown, page, config, None)
    lang = glossary._STATE.lang
    glossary.on_page_content("", page, None, None)
    return out, lang


@pytest.mark.parametrize(
    ("src_uri", "lang"),
    [
        ("ko/optimization.md", "ko"),
        ("en/optimization.md", "en"),
        ("ko/glossary.md", None),
        ("en/api/optim.md", None),
        ("ko/quick-tour.ipynb", None),
    ],
)
def test_which_pages_get_tooltips(src_uri, lang):
    assert _render_page(src_uri, "손실")[1] == lang
    assert glossary._STATE.marker is None, "the state is cleared after the page"


def test_glossary_page_gets_its_tables():
    out, _ = _render_page("en/glossary.md", f"{glossary.TABLE_MARKER}\n\n{glossary.AVOID_MARKER}")
    assert glossary.TABLE_MARKER not in out and glossary.AVOID_MARKER not in out
    assert "| English | 한국어 | Meaning |" in out
    assert "| gradient descent | 경사 하강법 | 경사하강법," in out


# --- The built site -------------------------------------------------------------------------


def check_site(site: Path) -> None:
    """Tooltips on lecture pages in both languages, none on the glossary, in headings or code."""
    for page in ("optimization.html", "en/optimization.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert "<abbr title=" in html, f"{page}: no tooltip (is hooks/glossary.py in mkdocs.yml?)"
    for page in ("glossary.html", "en/glossary.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert "<abbr title=" not in html, f"{page}: tooltips on the glossary itself"
        assert "경사하강법" in html, f"{page}: the table of variants is missing"
    for path in site.rglob("*.html"):
        finder = _AbbrInside()
        finder.feed(path.read_text(encoding="utf-8"))
        assert not finder.found, f"{path.relative_to(site)}: <abbr> inside <{finder.found[0]}>"


class _AbbrInside(HTMLParser):
    """Finds `<abbr>` elements inside headings, code or links (one pass, no backtracking)."""

    NO_TOOLTIP = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "code", "a"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "abbr" and self.open:
            self.found.append(self.open[-1])
        if tag in self.NO_TOOLTIP:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.NO_TOOLTIP and tag in self.open:
            # Close up to the matching tag, as a browser would with unclosed inner ones.
            while self.open.pop() != tag:
                pass


# A class of its own: the test run schedules the tests that read the built site last
# (conftest.py), and a class is a unit of that schedule.
@pytest.mark.slow
class TestBuiltSite:
    def test_built_site_has_tooltips(self, tmp_path_factory):
        check_site(shared_site(tmp_path_factory))
