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
