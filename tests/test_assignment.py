"""The MLP assignment and its solutions notebook (their runs in a kernel: test_assignment_runs.py).

- The assignment's TODO cells (found by cell id) hold no solution: each function to write only
  raises `NotImplementedError`, and run as shipped, the notebook stops at the first check.
- Every other code cell is the same in the assignment and the solutions, and the assignment with
  the solutions' TODO cells put in runs to the end with every check printing `OK`: the two
  notebooks cannot drift apart.
- Each check cell catches a planted mistake with a message that says what is wrong.
- With `USE_MNIST = True` the notebook reads the files where they are, or says in one line which
  folder to put them in.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
from pathlib import Path

import nbformat
import pytest

from pages import DOCS, LANGUAGES

ASSIGNMENT = {lang: DOCS / lang / "mlp-assignment.ipynb" for lang in LANGUAGES}
SOLUTION = {lang: DOCS / lang / "mlp-assignment-solution.ipynb" for lang in LANGUAGES}
QUICK_TOUR = {lang: DOCS / lang / "quick-tour.ipynb" for lang in LANGUAGES}
# TODO cell id -> the functions the learner writes in it
TODOS = {
    "todo-model": ["init_param", "forward"],
    "todo-func-eval": ["func_eval"],
    "todo-train-epoch": ["train_epoch"],
}
CHECKS = ["check-init-param", "check-forward", "check-func-eval", "check-train-epoch"]


def code_cells(path: Path) -> dict[str, str]:
    """Cell id -> source of each code cell, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return {c["id"]: "".join(c["source"]) for c in cells if c["cell_type"] == "code"}


def with_solutions(lang: str) -> nbformat.NotebookNode:
    """The assignment with the solutions' TODO cells put in."""
    nb = nbformat.read(ASSIGNMENT[lang], as_version=4)
    solved = code_cells(SOLUTION[lang])
    for cell in nb.cells:
        if cell.get("id") in TODOS:
            cell.source = solved[cell.id]
    return nb


def functions(source: str) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}


def is_todo(body: list[ast.stmt]) -> bool:
    """A body that only raises NotImplementedError (after an optional `...`/docstring)."""
    stmts = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return (
        len(stmts) == 1
        and isinstance(stmts[0], ast.Raise)
        and "NotImplementedError" in ast.unparse(stmts[0])
    )


def execute(nb: nbformat.NotebookNode, timeout: int = 600) -> nbformat.NotebookNode:
    import nbclient

    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(DOCS)}}
    )
    client.execute()
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


# --- The notebooks as stored (fast) -----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_todo_cells_hold_no_solution(lang):
    todo, solved = code_cells(ASSIGNMENT[lang]), code_cells(SOLUTION[lang])
    for cell_id, names in TODOS.items():
        assert cell_id in todo and cell_id in solved, f"{lang}: no cell with id {cell_id!r}"
        asked, answered = functions(todo[cell_id]), functions(solved[cell_id])
        for name in names:
            assert is_todo(asked[name].body), f"{lang}: {name} in the assignment is not a TODO"
            assert not is_todo(answered[name].body), f"{lang}: {name} has no solution"
            assert "NotImplementedError" not in ast.unparse(answered[name])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_notebooks_differ_only_in_the_todo_cells(lang):
    todo, solved = code_cells(ASSIGNMENT[lang]), code_cells(SOLUTION[lang])
    assert list(todo) == list(solved), f"{lang}: the code cells differ in number or order"
    drift = [i for i in todo if i not in TODOS and todo[i] != solved[i]]
    assert not drift, f"{lang}: cells {drift} differ between the assignment and the solutions"
    ids = list(todo)
    for cell_id in TODOS:  # a check follows each TODO
        assert ids[ids.index(cell_id) + 1].startswith("check-"), f"{lang}: no check after {cell_id}"
    assert [i for i in ids if i.startswith("check-")] == CHECKS


def test_the_assignment_does_not_load_mnist_by_default():
    for path in [*ASSIGNMENT.values(), *SOLUTION.values()]:
        assert code_cells(path)["cell-03"].rstrip().endswith("USE_MNIST = False"), path.name


# --- Run as shipped, and with mistakes planted (fast) -----------------------------------------


@pytest.mark.slow
def test_the_assignment_as_shipped_stops_at_the_first_check():
    import nbclient

    nb = nbformat.read(ASSIGNMENT["ko"], as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.get("id") == CHECKS[0])
    nb.cells = nb.cells[: first + 1]  # what follows is never reached
    with pytest.raises(nbclient.exceptions.CellExecutionError) as info:
        execute(nb, timeout=120)
    assert "NotImplementedError" in str(info.value)
    assert "TODO 1: init_param" in str(info.value)


def _namespace(lang: str = "en") -> dict:
    cells = code_cells(SOLUTION[lang])
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(cells["cell-01"], namespace)  # the imports
    return namespace


# (TODO cell, the solution's line, the mistake, the check, what its message says)
MISTAKES = [
    ("todo-model", "kaiming_normal_(self.lin_1", "kaiming_uniform_(self.lin_1", 0, "not normally"),
    ("todo-model", "nn.init.zeros_(self.lin_2.bias)", "pass", 0, "lin_2.bias is not all zeros"),
    ("todo-model", "net = nn.functional.relu(net)", "pass", 1, "lin_1 -> ReLU -> lin_2"),
    ("todo-model", "return net", "return net.detach()", 1, "cut from the graph"),
    ("todo-func-eval", "    model.eval()\n", "", 2, "ran in training mode"),
    ("todo-func-eval", "model.train(was_training)", "pass", 2, "back in training mode"),
    ("todo-func-eval", "with torch.no_grad():", "if True:", 2, "torch.no_grad()"),
    ("todo-func-eval", "n_total += batch_in.size(0)", "n_total += 1", 2, "expected 3 / 5"),
    ("todo-train-epoch", "optm.zero_grad()", "pass", 3, "differs from two SGD steps"),
    ("todo-train-epoch", "return loss_val_sum / n_total", "return loss_val_sum", 3, "mean"),
    (  # the mean over batches: wrong when the last batch is smaller
        "todo-train-epoch",
        "return loss_val_sum / n_total",
        "return loss_val_sum / len(data_loader)",
        3,
        "mean loss over the samples",
    ),
    ("todo-train-epoch", "    model.train()\n", "", 3, "training mode"),
]


def test_the_solutions_pass_every_check():
    cells, namespace = code_cells(SOLUTION["en"]), _namespace()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for cell_id in [*TODOS, *CHECKS]:
            exec(cells[cell_id], namespace)
    assert out.getvalue().split() == [
        w for c in CHECKS for w in ("OK:", c.removeprefix("check-").replace("-", "_"))
    ]


@pytest.mark.parametrize(("todo", "right", "wrong", "check", "says"), MISTAKES)
def test_a_check_catches_a_planted_mistake(todo, right, wrong, check, says):
    cells, namespace = code_cells(SOLUTION["en"]), _namespace()
    assert right in cells[todo], f"the solution changed: {right!r} is not in {todo}"
    with contextlib.redirect_stdout(io.StringIO()):
        for cell_id in TODOS:
            exec(
                cells[cell_id].replace(right, wrong) if cell_id == todo else cells[cell_id],
                namespace,
            )
        for earlier in CHECKS[:check]:
            exec(cells[earlier], namespace)
        with pytest.raises(AssertionError, match=re.escape(says)):
            exec(cells[CHECKS[check]], namespace)


def test_missing_mnist_is_one_line_naming_the_folder(tmp_path, monkeypatch):
    import torchvision

    monkeypatch.setenv("DLNOTES_DATA_DIR", str(tmp_path))
    # Offline, whatever the machine: every mirror refuses the connection at once.
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    cells, namespace = code_cells(SOLUTION["ko"]), _namespace("ko")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cells["cell-03"].replace("USE_MNIST = False", "USE_MNIST = True"), namespace)
        exec(cells["cell-04"], namespace)
    # torchvision's own messages about the mirrors it tried come first
    lines = out.getvalue().splitlines()
    folder = (tmp_path / "MNIST" / "raw").resolve()
    assert [line for line in lines if str(folder) in line] == lines[-2:-1]
    assert lines[-2:] == [
        f"MNIST is not there and could not be downloaded: put its four .gz files in {folder}",
        "data set: digits (8x8)",
    ]
    assert namespace["X_train"].shape == (1438, 64) and namespace["USE_MNIST"] is False
