"""The package keeps its own private names private, and uses other packages' public APIs only.

A name that starts with `_` belongs to its module. A private module belongs to the package that
holds it: `dlnotes._checks` (the input checks of the public entry points) and `dlnotes._atomic`
(the one `atomic_open`) serve all of `dlnotes`, `dlnotes.optim._validate` the optimizers and
`dlnotes.bayes._inputs` the Bayes modules, and none of them is part of the public API.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dlnotes"


def imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name) for each import of a module (name None) or of a name from one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_private_names(path):
    own = ".".join(("dlnotes", *path.relative_to(SRC).with_suffix("").parts))
    problems = []
    for line, module, name in imports(path):
        parts = module.split(".")
        if parts[0] == "dlnotes":
            private = [i for i, p in enumerate(parts) if p.startswith("_")]
            holder = ".".join(parts[: private[0]]) if private else ""
            if private and not own.startswith(holder + "."):
                problems.append(f"line {line}: imports {module}, private to {holder}")
            if name and name.startswith("_") and not own.startswith(module):
                problems.append(f"line {line}: imports {module}.{name}, private to its module")
        elif any(p.startswith("_") and p != "__future__" for p in parts) or (
            name and name.startswith("_")
        ):
            problems.append(f"line {line}: a private name of another package: {module} {name}")
    assert not problems, f"{path.relative_to(SRC)}: " + "; ".join(problems)
