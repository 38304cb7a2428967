"""The site build executes each notebook once per distinct code (`hooks/notebooks.py`, point 1).

The Korean and English copies of a notebook differ only in comments, so the build runs one and
shows its outputs on both pages. These tests pin what counts as "the same code" and that outputs
and failures come through.
"""

from __future__ import annotations

import nbformat
import pytest

from pages import DOCS, ROOT, import_file, page_sets

# The hook, imported by path as MkDocs does (the hooks are not a package).
hook = import_file(ROOT / "hooks/notebooks.py", "dlnotes_notebooks_hook")


def test_comments_do_not_change_the_code():
    en = "x = 1  # one\n# then two\ny = x + 1\nprint(y)\n"
    ko = "x = 1  # 하나\n# 그다음 둘, 조금 더 긴 주석입니다\ny = x + 1\nprint(y)\n"
    assert hook.code_tokens(en) == hook.code_tokens(ko)


@pytest.mark.parametrize(
    "other",
    [
        "x = 1\n\ny = x + 2\nprint(y)\n",  # a changed number
        "x = 1\ny = x + 1\n\nprint(y)\n",  # a line moved down (line numbers in messages)
        "x = 1\n\ny = x  +  1\nprint(y)\n",  # other columns
    ],
)
def test_any_other_difference_changes_the_code(other):
    assert hook.code_tokens("x = 1\n\ny = x + 1\nprint(y)\n") != hook.code_tokens(other)


def test_cells_that_are_not_python_compare_as_text():
    assert hook.code_tokens("%%timeit\nx = (1,") == "raw:%%timeit\nx = (1,"


def _notebook(*sources: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# A title")] + [
        nbformat.v4.new_code_cell(s) for s in sources
    ]
    return nb


def test_key_covers_kernel_folder_and_options():
    nb = _notebook("print(1)")
    key = hook.execution_key(nb, "/a", "", False, None)
    assert key == hook.execution_key(_notebook("print(1)  # 하나"), "/a", "", False, None)
    assert key != hook.execution_key(nb, "/b", "", False, None)
    assert key != hook.execution_key(nb, "/a", "other-kernel", False, None)
    assert key != hook.execution_key(nb, "/a", "", True, None)
    assert key != hook.execution_key(nb, "/a", "", False, 30)


@pytest.mark.parametrize("key", sorted(page_sets(".ipynb")))
def test_both_languages_of_a_notebook_run_once(key):
    """Else the build executes the notebook twice. The usual cause: `ruff format` wrapped a line
    differently because a translated end-of-line comment is longer; put the comment on its own
    line above the code, in both languages."""
    files = page_sets(".ipynb")[key]
    keys = {
        lang: hook.execution_key(nbformat.read(path, as_version=4), str(DOCS), "", False, None)
        for lang, path in files.items()
    }
    assert len(set(keys.values())) == 1, f"{key}: the languages' code differs in layout"


@pytest.mark.slow
def test_runs_are_shared_and_failures_name_the_notebook(tmp_path):
    runs = hook.NotebookRuns(tmp_path / "runs")
    en = _notebook("import os\nprint('answer', 6 * 7)  # the answer", "open('made.txt', 'w')")
    ko = _notebook("import os\nprint('answer', 6 * 7)  # 답", "open('made.txt', 'w')")
    key = runs.start(en, "x.en.ipynb", str(tmp_path), "", False, None)
    assert runs.start(ko, "x.ko.ipynb", str(tmp_path), "", False, None) == key
    hook.copy_outputs(runs.result(key), ko)
    code = [c for c in ko.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "answer 42\n"
    assert code[0].execution_count == 1
    assert "# 답" in code[0].source  # the page keeps its own comments
    assert (tmp_path / "made.txt").is_file()  # ran in the notebook's folder
    assert ko.metadata["language_info"]["name"] == "python"

    bad = _notebook("x = 1", "raise ValueError('bad value 17')")
    failing = runs.start(bad, "broken.ipynb", str(tmp_path), "", False, None)
    with pytest.raises(RuntimeError, match=r"(?s)broken\.ipynb.*ValueError.*bad value 17"):
        runs.result(failing)
    # A failed run is forgotten, so that a rebuild (`mkdocs serve`) executes it again.
    assert not (tmp_path / "runs" / f"{failing}.ipynb").exists()
    with pytest.raises(RuntimeError, match="bad value 17"):
        runs.result(runs.start(bad, "broken.ipynb", str(tmp_path), "", False, None))


@pytest.mark.slow
def test_a_finished_run_is_read_not_repeated(tmp_path):
    """The other language's build (another process, the same folder of runs) reads the run."""
    first = hook.NotebookRuns(tmp_path / "runs")
    key = first.start(_notebook("print('once')"), "x.en.ipynb", str(tmp_path))
    done = first.result(key)
    done.cells[1].outputs[0]["text"] = "read\n"  # what a second execution would not print
    nbformat.write(done, tmp_path / "runs" / f"{key}.ipynb")
    again = hook.NotebookRuns(tmp_path / "runs")
    ko = _notebook("print('once')  # 한 번")
    ran = again.result(again.start(ko, "x.ko.ipynb", str(tmp_path)))
    assert ran.cells[1].outputs[0]["text"] == "read\n", "executed again instead of read"
