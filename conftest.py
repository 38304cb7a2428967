"""pytest configuration: every example on the site and in the docstrings is a test.

Pages (`docs/**/*.md`, both languages):

- A bare ```` ```python ```` block runs; the blocks of one page share one namespace, top to bottom,
  like a notebook. A block that starts with `>>>` runs as a doctest.
- An ```` ```output ```` block right after a Python block must equal what that block printed
  (trailing spaces and blank lines at either end are ignored). This is how a page shows printed
  results in a form a reader can copy code from.
- `<!-- invisible-code-block: python -->`, `<!-- skip: next -->` and `<!-- clear-namespace -->`
  work as sybil documents them.

Docstrings (`src/**/*.py`): each `>>>` example runs as a doctest.

`tests/test_fences.py` fails on Python fences that sybil would skip silently (```` ```py ````,
```` ```python title="x" ````), so nothing shown as runnable goes untested.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from pathlib import Path

# Figures in pages and docstrings draw off-screen.
os.environ.setdefault("MPLBACKEND", "Agg")

from sybil import Example, Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import (
    ClearNamespaceParser,
    CodeBlockParser,
    PythonCodeBlockParser,
    SkipParser,
)
from sybil.parsers.rest import DocTestParser

OUTPUT_KEY = "__dlnotes_stdout__"
DOCTEST_FLAGS = ELLIPSIS | NORMALIZE_WHITESPACE


def normalize_output(text: str) -> str:
    """Strips trailing spaces on each line and blank lines at both ends."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


class CapturingEvaluator:
    """Runs a Python block, keeping what it printed for the ```output block that may follow."""

    def __init__(self) -> None:
        self.inner = PythonEvaluator()

    def __call__(self, example: Example) -> str | None:
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                return self.inner(example)
        finally:
            printed = buffer.getvalue()
            example.namespace[OUTPUT_KEY] = printed
            sys.stdout.write(printed)


def check_output(example: Example) -> str | None:
    """Compares an ```output block with what the Python block before it printed."""
    printed = example.namespace.pop(OUTPUT_KEY, None)
    if printed is None:
        return (
            "an ```output block must follow a ```python block "
            "(and each Python block can have only one)"
        )
    expected = normalize_output(example.parsed)
    actual = normalize_output(printed)
    if expected != actual:
        return (
            f"printed output differs from the page.\n--- page:\n{expected}\n--- printed:\n{actual}"
        )
    return None


class PageCodeParser(PythonCodeBlockParser):
    """`PythonCodeBlockParser` whose plain (non-doctest) blocks capture what they print."""

    def __init__(self) -> None:
        super().__init__(doctest_optionflags=DOCTEST_FLAGS)
        self.codeblock_parser = CodeBlockParser("python", CapturingEvaluator())


pages = Sybil(
    parsers=[
        PageCodeParser(),
        CodeBlockParser("output", check_output),
        SkipParser(),
        ClearNamespaceParser(),
    ],
    patterns=["*.md"],
    path="docs",
    name="pages",
)

docstrings = Sybil(
    parsers=[DocTestParser(optionflags=DOCTEST_FLAGS)],
    patterns=["*.py"],
    path="src",
    name="docstrings",
)

pytest_collect_file = (pages + docstrings).pytest()


# --- The site build, started early ----------------------------------------------------------

# Test files that need the built site (tests/site_build.py builds it once per run): when one of
# them is in the run, the build starts at once, in the background, and the tests that need it
# wait for it (a file lock) while the others run.
SITE_TESTS = ("test_site.py", "test_links.py", "test_browser.py", "test_glossary.py")


def _wants_site(config) -> bool:
    """Whether this run will include tests that need the site: not with `-m "not slow"`, and
    only when a site test file (or a folder holding one) is among the paths asked for."""
    if (
        "not slow" in (config.getoption("markexpr") or "")
        or os.environ.get("DLNOTES_SITE_DIR")
        or os.environ.get("DLNOTES_SITE_BASE")
        or config.option.collectonly
    ):
        return False
    for arg in config.args:
        path = Path(str(arg).split("::")[0]).resolve()
        folders = (path, path / "tests") if path.is_dir() else ()
        if path.name in SITE_TESTS or any((f / n).exists() for f in folders for n in SITE_TESTS):
            return True
    return False


def pytest_sessionstart(session):
    """In the main process only, start the site build while the other tests run.

    The build goes to a folder of this run, named to the xdist workers (which start after this
    hook) and to `tests/site_build.py` by `DLNOTES_SITE_BASE`.
    """
    config = session.config
    if hasattr(config, "workerinput") or not _wants_site(config):
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
    from site_build import start_background_build

    base = Path(tempfile.mkdtemp(prefix="dlnotes-site-"))
    os.environ["DLNOTES_SITE_BASE"] = str(base)
    config.dlnotes_site_build = (base, start_background_build(base))


def pytest_configure(config):
    """Test workers yield the CPU to the site build: the tests that need the site wait for it,
    while the unit and page tests fill whatever CPU it leaves."""
    if hasattr(config, "workerinput") and os.environ.get("DLNOTES_SITE_BASE"):
        os.nice(5)


# --- The order of the run ------------------------------------------------------------------
#
# The tests that read the built site go last (xdist's own `--dist loadscope` schedule, in the
# collection's order: `--no-loadscope-reorder` in pyproject.toml), so that the build runs beside
# the unit and page tests instead of keeping a worker waiting.

SITE_SCOPE_FILES = ("tests/test_site.py", "tests/test_browser.py")


def scope_of(nodeid: str) -> str:
    """The unit xdist's loadscope schedules: a module, a class, or a page's examples."""
    return nodeid.rsplit("::", 1)[0]


def is_site_scope(scope: str) -> bool:
    return scope.split("::")[0] in SITE_SCOPE_FILES or scope.endswith("::TestBuiltSite")


def pytest_collection_modifyitems(config, items):
    """Tests that do not read the site first, largest scopes first; then those that do."""
    sizes: dict[str, int] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        scope = scope_of(item.nodeid)
        sizes[scope] = sizes.get(scope, 0) + 1
        first.setdefault(scope, index)

    def key(item):
        scope = scope_of(item.nodeid)
        return (is_site_scope(scope), -sizes[scope], first[scope])

    items.sort(key=key)  # stable: a scope's tests keep their order


def pytest_sessionfinish(session):
    """Stops a background build that nothing waited for; removes the run's site."""
    started = getattr(session.config, "dlnotes_site_build", None)
    if started is not None:
        from site_build import stop_background_build

        base, process = started
        stop_background_build(process)
        shutil.rmtree(base, ignore_errors=True)
        os.environ.pop("DLNOTES_SITE_BASE", None)
