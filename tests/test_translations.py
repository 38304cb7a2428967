"""The Korean and English pages say the same thing: same pages, code, outputs, figures, anchors,
exercises and solutions.

Only prose and code comments are translated.
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
# An admonition, possibly nested: `!!! question "연습 1"`, `??? success "풀이"`, `???+ note`.
ADMONITION = re.compile(r'^[ \t]*(?:!!!|\?\?\?\+?)[ \t]+([\w-]+)(?:[ \t]+"([^"]*)")?', re.MULTILINE)
# Words that title a solution whatever its admonition type (a page may use `??? note "풀이"`).
SOLUTION_TITLE = re.compile(r"풀이|정답|해답|solution|answer", re.IGNORECASE)
# In a notebook's Markdown cells (no admonitions there) an exercise is a heading or a bold lead:
# `### 연습 1`, `**Exercise 2.**`.
NB_EXERCISE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|\*\*)(?:연습|Exercise)[ \t]*(\d+)", re.MULTILINE | re.IGNORECASE
)
NB_SOLUTION = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|\*\*)(?:풀이|정답|Solution|Answer)\b", re.MULTILINE | re.IGNORECASE
)
NB_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)|<img\b[^>]*\bsrc=[\"']([^\"']+)", re.IGNORECASE)


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
    assert table_shapes(ko) == table_shapes(en), f"{key}: tables differ (rows x columns)"


def table_shapes(text: str) -> list[tuple[int, int]]:
    """(rows, columns) of each Markdown table outside code blocks, in order.

    A line of prose right under a table, with no blank line between, becomes one more row; the
    two languages then differ.
    """
    for fence in fences(text):
        text = text.replace(fence.source, "")
    shapes: list[tuple[int, int]] = []
    previous_was_row = False
    for line in text.splitlines():
        # A table row starts with a pipe; a line right under a row continues the table.
        is_row = line.lstrip().startswith("|") or (previous_was_row and line.strip() != "")
        if is_row and not previous_was_row:
            shapes.append((0, line.count("|") - line.count("\\|") - 1))
        if is_row:
            shapes[-1] = (shapes[-1][0] + 1, shapes[-1][1])
        previous_was_row = is_row
    return shapes


def test_planted_table_drift_is_caught():
    table = "| a | b |\n| --- | --- |\n| 1 | 2 |\n"
    assert table_shapes(table + "\nText.\n") == [(3, 2)]
    assert table_shapes(table + "Text.\n") == [(4, 2)]
    assert table_shapes(table + "\nText.\n") != table_shapes(table + "Text.\n")


def exercises(text: str) -> tuple[list[str], int]:
    """A page's exercise numbers in order (`question` admonitions) and its number of solutions.

    Solutions are `success` admonitions (`??? success "풀이"`), or any admonition titled as one.
    """
    numbers, solutions = [], 0
    for kind, title in ADMONITION.findall(text):
        if kind == "question":
            numbers.append("".join(re.findall(r"\d+", title)) or "?")
        elif kind == "success" or SOLUTION_TITLE.search(title):
            solutions += 1
    return numbers, solutions


@pytest.mark.parametrize("key", sorted(MD))
def test_same_exercises_and_solutions(key):
    if set(MD[key]) != set(LANGUAGES):
        pytest.skip("page missing in one language (reported above)")
    (ko_numbers, ko_solutions), (en_numbers, en_solutions) = (
        exercises(MD[key][lang].read_text(encoding="utf-8")) for lang in LANGUAGES
    )
    assert ko_numbers == en_numbers, f"{key}: exercises ko {ko_numbers} != en {en_numbers}"
    assert ko_solutions == en_solutions, (
        f"{key}: {ko_solutions} solutions in ko, {en_solutions} in en"
    )


@pytest.mark.parametrize("key", sorted(MD))
def test_same_admonitions_titled_in_korean(key):
    """The same admonition types in the same order, and a title on each Korean one: a bare
    `!!! tip` is titled with its type in English ("Tip"), on the Korean page too."""
    if set(MD[key]) != set(LANGUAGES):
        pytest.skip("page missing in one language (reported above)")
    ko, en = (ADMONITION.findall(MD[key][lang].read_text(encoding="utf-8")) for lang in LANGUAGES)
    assert [kind for kind, _ in ko] == [kind for kind, _ in en], f"{key}: admonitions differ"
    untitled = [kind for kind, title in ko if not title]
    assert not untitled, f"{key}: Korean admonitions without a title: {untitled}"


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
    ko_cells, en_cells = _cells(ko, "markdown"), _cells(en, "markdown")
    assert notebook_exercises(ko_cells) == notebook_exercises(en_cells), (
        f"{key}: exercise or solution cells differ"
    )
    assert notebook_images(ko_cells) == notebook_images(en_cells), f"{key}: figures differ"


def notebook_exercises(cells: list[str]) -> list[tuple[int, list[str], int]]:
    """(cell index, exercise numbers, solutions) of each Markdown cell that holds one."""
    found = []
    for i, cell in enumerate(cells):
        # Admonitions too, in case a notebook is written for the site only.
        admonished, solutions = exercises(cell)
        numbers = NB_EXERCISE.findall(cell) + admonished
        solutions += len(NB_SOLUTION.findall(cell))
        if numbers or solutions:
            found.append((i, numbers, solutions))
    return found


def notebook_images(cells: list[str]) -> list[tuple[int, str]]:
    """(cell index, target) of each image written in a Markdown cell."""
    return [(i, a or b) for i, cell in enumerate(cells) for a, b in NB_IMAGE.findall(cell)]


def test_planted_drift_is_caught():
    ko = "# A\n\n```python\nx = 1  # 하나\n```\n"
    en_same = "# A\n\n```python\nx = 1  # one\n```\n"
    en_drift = "# A\n\n```python\nx = 2  # one\n```\n"
    assert _code(ko, "python") == _code(en_same, "python")
    assert _code(ko, "python") != _code(en_drift, "python")
    assert _syntax("y = f(x, 1)  # 하나") == _syntax("y = f(\n    x,\n    1,\n)  # one")
    assert _syntax("y = f(x, 1)") != _syntax("y = f(x, 2)")


def test_planted_exercise_drift_is_caught():
    ko = (
        '!!! question "연습 1"\n    문제\n\n??? success "풀이"\n\n    답\n\n'
        '!!! question "연습 2"\n    문제\n\n??? note "풀이"\n    답\n\n!!! note "원문 노트의 정정"\n'
    )
    en = (
        '!!! question "Exercise 1"\n    Task\n\n??? success "Solution"\n\n    Answer\n\n'
        '!!! question "Exercise 2"\n    Task\n\n??? note "Solution"\n    Answer\n\n'
        '!!! note "Corrections to the source notes"\n'
    )
    assert exercises(ko) == exercises(en) == (["1", "2"], 2)
    extra = en + '\n!!! question "Exercise 3"\n    More\n'
    assert exercises(extra)[0] != exercises(ko)[0]
    no_solution = en.replace('??? success "Solution"', '!!! tip "Hint"')
    assert exercises(no_solution)[1] != exercises(ko)[1]
    nested = '!!! question "Exercise 1"\n    Task\n\n    ??? success "Solution"\n        A\n'
    assert exercises(nested) == (["1"], 1)
    # Notebooks: exercise headings, solutions and figures per Markdown cell.
    ko_cells = ["# 제목", "## 연습 1\n문제", "**풀이.** 답\n\n![그림](images/a.png)"]
    en_cells = ["# Title", "## Exercise 1\nTask", "**Solution.** Answer\n\n![figure](images/a.png)"]
    assert (
        notebook_exercises(ko_cells) == notebook_exercises(en_cells) == [(1, ["1"], 0), (2, [], 1)]
    )
    assert notebook_images(ko_cells) == notebook_images(en_cells) == [(2, "images/a.png")]
    assert notebook_exercises([*en_cells, "**Exercise 2.** More"]) != notebook_exercises(ko_cells)
    assert notebook_images([*en_cells[:2], "**Solution.** Answer"]) != notebook_images(ko_cells)
