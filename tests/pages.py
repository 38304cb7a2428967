"""Reading the course pages: which pages exist in which language, and their code fences."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LANGUAGES = ("ko", "en")


def import_file(path: Path, name: str) -> ModuleType:
    """Imports a Python file that is not in a package (a MkDocs hook, a tool) under `name`.

    As MkDocs does for a hook, the file's folder is on `sys.path` while it runs, so that a hook
    can import the modules beside it.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    saved = sys.path.copy()
    sys.path.insert(0, str(Path(path).parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


# An opening or closing fence, possibly indented or inside a list/blockquote (as sybil reads it).
FENCE = re.compile(
    r"^(?P<prefix>(?:[ \t]*>)+[ \t]*|[ \t]*(?:[-*+]|\d+[.)])[ \t]+|[ \t]*)"
    r"(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$",
    re.MULTILINE,
)
# Info strings a reader (or a highlighter) takes for Python.
PYTHONISH = re.compile(r"^\s*\{?\s*\.?(py|python|python3|py3|pycon|ipython|ipython3)\b", re.I)


@dataclass(frozen=True)
class Fence:
    line: int
    info: str
    source: str


def fences(text: str) -> list[Fence]:
    """Returns the fenced blocks of a Markdown text, in order (nested fences are not split)."""
    blocks = []
    open_match = None
    for match in FENCE.finditer(text):
        if open_match is None:
            open_match = match
            continue
        same = match.group("fence")[0] == open_match.group("fence")[0]
        long_enough = len(match.group("fence")) >= len(open_match.group("fence"))
        if same and long_enough and not match.group("info").strip():
            start = open_match.end() + 1
            body = text[start : match.start()]
            indent = len(open_match.group("prefix"))
            body = "\n".join(line[indent:] for line in body.splitlines())
            line = text.count("\n", 0, open_match.start()) + 1
            blocks.append(Fence(line, open_match.group("info"), body))
            open_match = None
    return blocks


def skipped_python_fences(text: str) -> list[Fence]:
    """Fences that look like Python but that sybil would not run (info string not `python`)."""
    return [f for f in fences(text) if PYTHONISH.match(f.info) and f.info != "python"]


def strip_comments(source: str) -> str:
    """Python source without comments and blank lines, for comparing translations."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type != tokenize.COMMENT
        ]
        source = tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())


def page_sets(suffix: str = ".md") -> dict[str, dict[str, Path]]:
    """Maps each page's path in its language's folder to its files per language
    (`docs/ko/x.md` and `docs/en/x.md` -> `x.md`); a file outside them is under "?"."""
    out: dict[str, dict[str, Path]] = {}
    for path in sorted(DOCS.rglob(f"*{suffix}")):
        lang, _, rel = path.relative_to(DOCS).as_posix().partition("/")
        if lang not in LANGUAGES or not rel:
            lang, rel = "?", path.relative_to(DOCS).as_posix()
        out.setdefault(rel, {})[lang] = path
    return out
