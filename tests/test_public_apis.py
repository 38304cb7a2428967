"""The site's machinery uses other packages through their public names only.

A third-party package's `_private` names (a plugin's internals, pytest-xdist's scheduler) change
without notice and pin us below the next release. This scans the syntax trees of `hooks/`,
`conftest.py`, `tests/`, `tools/`, `benchmarks/` and `figures/` (`src/` has its own check,
`test_package.py`) for any `_name` reached through a module of another package: an
attribute read, assigned, deleted or called (a plugin module's `_cache_key` function, or pytest's
temporary-path factory on the config object a hook hands us), or imported (`from xdist.scheduler
import _x`).

What it cannot see by itself is an object's type: an underscore attribute of pytest's `Config`
looks like `self._x` on our own class. So an underscore attribute is allowed only on names that are ours:
`self`/`cls` inside a class defined in the same file (unless it subclasses another package's
class: then its own `_x` may be the base's), and modules of this repository (the hooks and tools
the tests import by path, `dlnotes`). Dunder names (`__name__`, `__file__`) are public; the
standard library is not "another package" here.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from pages import ROOT

SCANNED = sorted(
    [
        *ROOT.glob("hooks/*.py"),
        ROOT / "conftest.py",
        *ROOT.glob("tests/*.py"),
        *ROOT.glob("tools/*.py"),
        *ROOT.glob("benchmarks/*.py"),
        *ROOT.glob("figures/*.py"),
    ]
)
# Our own modules: what the scanned files import from the repository (by path or by name).
OURS = {"dlnotes", "pages", "site_build", "make_figures", "glossary", "hook", "tool", "ddp_script"}
# Where no public way exists, with the reason. Empty: keep it so.
ALLOWED: dict[str, str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _root_name(node: ast.AST) -> str | None:
    """`a` for `a.b.c`, `a().b`, `a[0].b`; None when the chain starts elsewhere."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top not in OURS and top not in sys.stdlib_module_names and top != "__future__"


def _third_party_modules(tree: ast.Module) -> set[str]:
    """Names bound by imports of other packages (`import nbconvert as nb` -> nb), not the
    standard library's."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _third_party(alias.name):
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _third_party(node.module):
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _foreign_subclasses(tree: ast.Module, third_party: set[str]) -> dict[ast.ClassDef, str]:
    """Classes of the file that subclass another package's class, with that base's name."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if _root_name(base) in third_party:
                    out[node] = ast.unparse(base)
    return out


def private_uses(path: Path) -> list[str]:
    """`file:line: what` for each private name of another package the file touches."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT).as_posix()
    third_party = _third_party_modules(tree)
    problems = []

    def report(node: ast.AST, what: str) -> None:
        key = f"{rel}: {what}"
        if key not in ALLOWED:
            problems.append(f"{rel}:{node.lineno}: {what}")

    # In a subclass of another package's class, `self._x` and `def _x` reach or override its
    # private names.
    for cls, base in _foreign_subclasses(tree, third_party).items():
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(node.name):
                report(node, f"{cls.name} overrides {base}.{node.name}")
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                if _root_name(node.value) in ("self", "cls"):
                    report(node, f"{ast.unparse(node)} in {cls.name}, a subclass of {base}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _third_party(node.module):
                continue
            if any(_private(part) for part in node.module.split(".")):
                report(node, f"imports from {node.module}")
            for alias in node.names:
                if _private(alias.name):
                    report(node, f"imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if _third_party(alias.name) and any(_private(p) for p in parts):
                    report(node, f"imports {alias.name}")
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            root = _root_name(node.value)
            if root in ("self", "cls") or (root in OURS and root not in third_party):
                continue
            if root is not None and root in third_party:
                report(node, f"{root}...{node.attr} (a private name of {root})")
            else:
                report(node, f"{ast.unparse(node)} (an underscore attribute of an object)")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
            and _root_name(node.args[0]) not in ("self", "cls", *OURS)
        ):
            report(node, f"{node.func.id}(..., {node.args[1].value!r})")
    return problems


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_private_names_of_other_packages(path):
    problems = private_uses(path)
    assert not problems, "private names of other packages:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "from mkdocs_jupyter import plugin as jupyter_plugin\njupyter_plugin._compute_cache_key = f\n",
        "from mkdocs_jupyter import plugin as jupyter_plugin\nkey = jupyter_plugin._get_cache_path(d)\n",
        "import nbconvert.filters.strings as s\ns._convert_header_id = str\n",
        "from xdist.scheduler import LoadScopeScheduling\n"
        "class S(LoadScopeScheduling):\n    def f(self, node):\n        self._pending_of(node)\n",
        "from xdist.scheduler import LoadScopeScheduling\n"
        "class S(LoadScopeScheduling):\n    def _reschedule(self, node):\n        pass\n",
        "def pytest_configure(pytest_config):\n    pytest_config._tmp_path_factory.getbasetemp()\n",
        "def on_post_build(config):\n    jupyter = config.plugins['x']\n"
        "    jupyter._used_cache_paths.add(1)\n",
        "from nbconvert.preprocessors import ExecutePreprocessor as E\nE._runs = 1\n",
        "from xdist import _private_thing\n",
        "import pkg._internal.mod\n",
        "def f(x):\n    return getattr(x, '_secret')\n",
    ],
)
def test_planted_private_uses_are_found(tmp_path, source, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    path = tmp_path / "hooks" / "x.py"
    path.parent.mkdir()
    path.write_text(source, encoding="utf-8")
    assert private_uses(path), source


def test_our_own_private_names_are_fine(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    path = tmp_path / "tests" / "x.py"
    path.parent.mkdir()
    path.write_text(
        "import dlnotes\nfrom pages import import_file\n"
        "glossary = import_file('hooks/glossary.py', 'g')\n"
        "class A:\n    def __init__(self):\n        self._x = 1\n"
        "print(glossary._STATE, dlnotes._checks, A.__name__, __file__)\n",
        encoding="utf-8",
    )
    assert private_uses(path) == []
