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
import sys
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from pathlib import Path

# Figures in pages and docstrings draw off-screen.
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
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
# them is in the run, the build starts at once. Which of their tests read the site is
# `is_site_scope` below.
SITE_TESTS = ("test_site.py", "test_links.py", "test_browser.py", "test_glossary.py")


def _wants_site(config) -> bool:
    """Whether this run will include tests that need the site: not with `-m "not slow"`, and
    only when a site test file (or a folder holding one) is among the paths asked for."""
    if (
        "not slow" in (config.getoption("markexpr") or "")
        or os.environ.get("DLNOTES_SITE_DIR")
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
    """In the main process only, start the site build while the other tests run."""
    config = session.config
    if hasattr(config, "workerinput") or not _wants_site(config):
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
    from site_build import start_background_build

    base = config._tmp_path_factory.getbasetemp()
    config.dlnotes_site_build = start_background_build(base)
    # Seen by the xdist workers, which start after this hook (xdist's own runs last).
    os.environ["DLNOTES_SITE_BUILDING"] = "1"


def pytest_configure(config):
    """Test workers yield the CPU to the site build: it is the longest chain (the tests that need
    the site wait for it), while the unit and page tests fill whatever CPU it leaves."""
    if hasattr(config, "workerinput") and os.environ.get("DLNOTES_SITE_BUILDING"):
        os.nice(5)


# --- The order of the run ------------------------------------------------------------------
#
# The run is CPU-bound (two workers on two cores, the site build and Chromium beside them), so
# the order decides its length. The unit of scheduling is a scope: a test module, a class, or one
# page's examples (`--dist loadscope`).
#
# 1. Everything that does not read the built site runs first, the largest scopes first, while
#    the build runs in the background: a worker that reached a site test early would sit waiting.
# 2. Then the scopes that read the site (all of test_site.py and test_browser.py, and the
#    `TestBuiltSite` classes of other modules), longest first (SITE_ORDER; measured), and a
#    worker gets one only when it is down to its last test, so that long browser sweeps do not
#    queue up on one worker while the other idles (xdist hands out work further ahead).

SITE_SCOPE_FILES = ("tests/test_site.py", "tests/test_browser.py")
SITE_ORDER = (  # the longest site scopes, longest first; the others follow
    "tests/test_browser.py::TestKoreanPages",
    "tests/test_browser.py::TestEnglishPages",
    "tests/test_browser.py::TestSwitcherAndDisk",
    "tests/test_site.py",
    "tests/test_browser.py",
)


def scope_of(nodeid: str) -> str:
    """The unit xdist's loadscope schedules: a module, a class, or a page's examples."""
    return nodeid.rsplit("::", 1)[0]


def is_site_scope(scope: str) -> bool:
    return scope.split("::")[0] in SITE_SCOPE_FILES or scope.endswith("::TestBuiltSite")


def pytest_collection_modifyitems(config, items):
    """Puts the tests in the order described above (every xdist worker computes the same)."""
    sizes: dict[str, int] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        scope = scope_of(item.nodeid)
        sizes[scope] = sizes.get(scope, 0) + 1
        first.setdefault(scope, index)

    def key(item):
        scope = scope_of(item.nodeid)
        if is_site_scope(scope):
            rank = SITE_ORDER.index(scope) if scope in SITE_ORDER else len(SITE_ORDER)
            return (1, rank, first[scope])
        return (0, -sizes[scope], first[scope])

    items.sort(key=key)  # stable: a scope's tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` in the order of `pytest_collection_modifyitems`, site scopes on demand."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SiteLastScheduling(LoadScopeScheduling):
        def _reschedule(self, node):
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            pending = self._pending_of(self.assigned_work[node])
            # xdist's own rule tops a worker up at 2 pending tests. A site scope goes to a worker
            # down to its last test: one that a worker holds back until it has another or is
            # told to stop (it needs the next test to know which fixtures to tear down), so 0
            # would never come.
            if pending > (1 if is_site_scope(next(iter(self.workqueue))) else 2):
                return
            self._assign_work_unit(node)

    # Keep the collection's order (xdist would sort the scopes by their number of tests).
    config.option.loadscopereorder = False
    return SiteLastScheduling(config, log)


def pytest_sessionfinish(session):
    """Stops a background build that nothing waited for (an interrupted or failed-early run)."""
    process = getattr(session.config, "dlnotes_site_build", None)
    if process is not None:
        from site_build import stop_background_build

        stop_background_build(process)
