"""The quick tour's exercises: their collapsed solutions are the same code in both languages
and run after the notebook."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest
from test_assignment import QUICK_TOUR, execute, printed

from pages import LANGUAGES

# --- The quick tour's exercises ---------------------------------------------------------------

DETAILS = re.compile(r"<details>\s*<summary>[^<]*</summary>\s*```python\n(.*?)\n```", re.DOTALL)


def tour_solutions(lang: str) -> list[str]:
    cells = json.loads(QUICK_TOUR[lang].read_text(encoding="utf-8"))["cells"]
    return [
        m
        for c in cells
        if c["cell_type"] == "markdown"
        for m in DETAILS.findall("".join(c["source"]))
    ]


def test_quick_tour_solutions_are_the_same_code_in_both_languages():
    ko, en = (tour_solutions(lang) for lang in LANGUAGES)
    assert len(ko) == 3
    assert [ast.dump(ast.parse(s)) for s in ko] == [ast.dump(ast.parse(s)) for s in en]


@pytest.mark.slow  # a kernel runs the whole notebook
def test_quick_tour_exercise_solutions_run():
    nb = nbformat.read(QUICK_TOUR["ko"], as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(s) for s in tour_solutions("ko")]
    out = printed(execute(nb))
    assert "parameters: 322\n5 * 64 + 2 = 322\n" in out
    without = float(re.search(r"without ReLU: val accuracy ([\d.]+)", out).group(1))
    with_relu = float(re.search(r"with ReLU: +val accuracy ([\d.]+)", out).group(1))
    assert without < with_relu, out
    assert re.search(r"^chosen lr: 0\.\d+$", out, re.MULTILINE), out
