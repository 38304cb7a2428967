"""The Korean and English pages say the same thing: same pages, code, outputs, figures, anchors.

Only prose and code comments are translated. (A fuller parity suite comes with the reader's
experience issue; these are the checks every page must already pass.)
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from pages import LANGUAGES, fences, page_sets, strip_comments

MD = page_sets(".md")
NB = page_sets(".ipynb")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
ANCHOR = re.compile(r"^#{1,6} .*\{[^}]*#([\w-]+)[^}]*\}\s*$", re.MULTILINE)
HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)


def _code(text: str, info: str) -> list[str]:
    return [
        strip_comments(f.source) if info == "python" else f.source.strip()
        for f in fences(text)
        if f.info == info
    ]


@pytest.mark.parametrize("key", sorted(MD))
def test_page_exists_in_both_languages(key):
    assert set(MD[key]) == set(LANGUAGES), f"{key}: found {sorted(MD[key])}, need {LANGUAGES}"


@pytest.mark.parametrize("key", sorted(MD))
def test_same_code_outputs_figures_and_anchors(key):
    if set(MD[key]) != set(LANGUAGES):
        pytest.skip("page missing in one language (reported above)")
    ko, en = (MD[key][lang].read_text(encoding="utf-8") for lang in LANGUAGES)
    for info in ("python", "output"):
        assert _code(ko, info) == _code(en, info), f"{key}: ```{info} blocks differ"
    assert IMAGE.findall(ko) == IMAGE.findall(en), f"{key}: figures differ"
    assert ANCHOR.findall(ko) == ANCHOR.findall(en), f"{key}: pinned heading anchors differ"
    assert HEADING.findall(ko) == HEADING.findall(en), f"{key}: heading outline differs"


def _syntax(source: str) -> str:
    try:
        return ast.dump(ast.parse(source))
    except SyntaxError:
        return strip_comments(source)


def _cells(path, cell_type):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == cell_type]


@pytest.mark.parametrize("key", sorted(NB))
def test_notebooks_match(key):
    assert set(NB[key]) == set(LANGUAGES), f"{key}: found {sorted(NB[key])}, need {LANGUAGES}"
    ko, en = (NB[key][lang] for lang in LANGUAGES)
    # Compared as syntax trees: `ruff format` may break a line differently when a translated
    # comment is longer, which changes no code.
    assert [_syntax(c) for c in _cells(ko, "code")] == [_syntax(c) for c in _cells(en, "code")], (
        f"{key}: code cells differ"
    )
    outline = [HEADING.findall(c) for c in _cells(ko, "markdown")]
    assert outline == [HEADING.findall(c) for c in _cells(en, "markdown")], (
        f"{key}: heading outline differs"
    )


def test_planted_drift_is_caught():
    ko = "# A\n\n```python\nx = 1  # 하나\n```\n"
    en_same = "# A\n\n```python\nx = 1  # one\n```\n"
    en_drift = "# A\n\n```python\nx = 2  # one\n```\n"
    assert _code(ko, "python") == _code(en_same, "python")
    assert _code(ko, "python") != _code(en_drift, "python")
    assert _syntax("y = f(x, 1)  # 하나") == _syntax("y = f(\n    x,\n    1,\n)  # one")
    assert _syntax("y = f(x, 1)") != _syntax("y = f(x, 2)")
