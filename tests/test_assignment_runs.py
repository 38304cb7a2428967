"""The MLP assignment's notebooks run in a kernel: the solutions, the assignment with the
solutions put in, and the MNIST path (a module of its own, so that the test workers share these
slow runs with `test_assignment.py` and `test_quick_tour.py`)."""

from __future__ import annotations

import re

import nbformat
import pytest
from test_assignment import SOLUTION, execute, printed, with_solutions

# --- Whole notebooks in a kernel (slow) -------------------------------------------------------


@pytest.mark.slow
def test_the_solutions_notebook_runs():
    out = printed(execute(nbformat.read(SOLUTION["ko"], as_version=4)))
    for name in ("init_param", "forward", "func_eval", "train_epoch"):
        assert f"OK: {name}\n" in out
    accuracy = float(re.search(r"^test accuracy: ([\d.]+)$", out, re.MULTILINE).group(1))
    assert accuracy > 0.9, out


@pytest.mark.slow
def test_the_assignment_with_the_solutions_put_in_runs():
    out = printed(execute(with_solutions("en")))
    assert out.count("OK: ") == 4, out
    assert re.search(r"^test accuracy: 0\.9\d\d$", out, re.MULTILINE), out


@pytest.mark.slow
def test_use_mnist_reads_the_files_where_they_are(mnist_copy, monkeypatch):
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(mnist_copy))  # the kernel inherits it
    nb = nbformat.read(SOLUTION["en"], as_version=4)
    # The data cells up to the loaders: the MNIST path ends there (the rest is the digits' run).
    last = next(i for i, cell in enumerate(nb.cells) if cell.get("id") == "cell-08")
    nb.cells = nb.cells[: last + 1]
    for cell in nb.cells:
        if cell.get("id") == "cell-03":
            cell.source = cell.source.replace("USE_MNIST = False", "USE_MNIST = True")
    out = printed(execute(nb))
    assert "data set: MNIST (28x28)" in out
    assert "train: (50000, 784) (50000,)\nval:   (10000, 784) (10000,)" in out
    assert "test:  (10000, 784) (10000,)" in out
