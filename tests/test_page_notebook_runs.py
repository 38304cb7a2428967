"""The lesson pages' notebooks run in a kernel, in an empty folder, and print what the pages show.

Each chapter's notebook is made from its page (`hooks/page_to_notebook.py`, as the site makes
it) and run by nbclient in a fresh temporary folder, with the repository nowhere near: every cell
must run, and each cell for which the page shows an output must print that output. The two
languages of a chapter have the same code, comments aside, and the same shown outputs
(`test_page_notebooks.py`), so each chapter runs once, in one language, the chapters alternating
between the languages; as the site build runs a notebook's two languages once.

The chapters are spread over classes of about equal running time, so that pytest-xdist's
`loadscope` gives them to different workers; `test_every_chapter_runs_in_one_class` keeps every
chapter of the navigation in exactly one.
"""

from __future__ import annotations

import doctest
import os

import pytest
from test_page_notebooks import CHAPTERS, chapter_notebook

from pages import LANGUAGES

# The chapters by class, about 8 s each here.
GROUPS = {
    "TestRunsA": ["neural-networks"],
    "TestRunsB": ["datasets", "bayes"],
    "TestRunsC": ["optimization", "tensor-basics"],
    "TestRunsD": ["history", "starting-pytorch"],
}


def normalized(text: str) -> str:
    """Trailing spaces and blank lines at either end ignored, as for the pages' output blocks."""
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines).strip("\n")


def run_chapter(name: str, folder) -> None:
    import nbclient

    lang = LANGUAGES[CHAPTERS.index(name) % len(LANGUAGES)]
    nb = chapter_notebook(name, lang)
    expected = {cell.id: list(cell.outputs) for cell in nb.cells if cell.cell_type == "code"}
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    # One thread: two test workers share the cores, and tiny tensors gain nothing from more.
    client.execute(env={**os.environ, "OMP_NUM_THREADS": "1"})
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        printed = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        for shown in expected[cell.id]:
            if shown["output_type"] == "stream" and normalized(printed) != normalized(shown.text):
                problems.append(
                    f"{name} ({lang}), cell {cell.id}:\n{cell.source}\n--- the page shows:\n"
                    f"{normalized(shown.text)}\n--- printed:\n{normalized(printed)}"
                )
            elif shown["output_type"] == "execute_result":
                results = [o for o in cell.outputs if o["output_type"] == "execute_result"]
                got = results[0]["data"]["text/plain"] + "\n" if results else ""
                want = shown["data"]["text/plain"] + "\n"
                flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
                if not doctest.OutputChecker().check_output(want, got, flags):
                    problems.append(f"{name} ({lang}), cell {cell.id}: {want!r} != {got!r}")
    assert not problems, "\n\n".join(problems)


def test_every_chapter_runs_in_one_class():
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(CHAPTERS), "put each chapter in exactly one of GROUPS"


@pytest.mark.slow
class TestRunsA:
    @pytest.mark.parametrize("name", GROUPS["TestRunsA"])
    def test_notebook_runs(self, name, tmp_path):
        run_chapter(name, tmp_path)


@pytest.mark.slow
class TestRunsB:
    @pytest.mark.parametrize("name", GROUPS["TestRunsB"])
    def test_notebook_runs(self, name, tmp_path):
        run_chapter(name, tmp_path)


@pytest.mark.slow
class TestRunsC:
    @pytest.mark.parametrize("name", GROUPS["TestRunsC"])
    def test_notebook_runs(self, name, tmp_path):
        run_chapter(name, tmp_path)


@pytest.mark.slow
class TestRunsD:
    @pytest.mark.parametrize("name", GROUPS["TestRunsD"])
    def test_notebook_runs(self, name, tmp_path):
        run_chapter(name, tmp_path)
