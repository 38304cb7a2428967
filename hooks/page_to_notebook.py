"""A lesson page as a Jupyter notebook.

Not a hook itself: `page_notebooks.py` calls it when the site is built, and the tests call it.
A pure function of its inputs; MkDocs is not needed.

`page_to_notebook(markdown, language, version=...)` reads a page the way the page tests do
(sybil) and writes:

- a code cell for every ```` ```python ```` block, in page order, those inside admonitions and tabs
  included; `<!-- invisible-code-block: python ... -->` setup as a cell whose source is hidden
  (`jupyter.source_hidden`, tag `setup`) and whose first line, a comment, says that it is
  setup; a block that starts with `>>>` as one cell per example;
  a block the page skips (`<!-- skip: next -->`) as shown code that does not run;
- what the page shows a block printing (an ```` ```output ```` block, a doctest's expected text)
  as that cell's output, so the notebook opens showing what running it gives;
- the prose as Markdown cells: admonitions as quotes with a bold title (holding a `<details>`
  when collapsed, and their code cells folded too), tabs as bold titles, other fenced blocks
  (mermaid, text) as written, indentation included (one in a list item stays in its item), the
  rest as `notebook_markdown.py` makes it (anchors, links, embedded figures);
- the install cell (`install_cell.py`) first among the code cells.
"""

from __future__ import annotations

import ast
import doctest
import re
from dataclasses import dataclass, field

import nbformat
from install_cell import INSTALL_CELL_ID, INSTALL_COMMENT, with_install_cell
from notebook_markdown import Targets, markdown_cell

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

# --- Reading a page ------------------------------------------------------------------------------


@dataclass
class Prose:
    lines: list[str]


@dataclass
class Output:
    """An ```` ```output ```` block: what the Python block before it prints."""

    lines: list[str]


@dataclass
class Code:
    """A Python block that runs: shown (```python) or hidden (an invisible code block)."""

    source: str
    hidden: bool = False
    skipped: bool = False


@dataclass
class Box:
    """An admonition (`!!!`, `???` collapsed, `???+` open) or a tab (`=== "title"`)."""

    kind: str
    title: str
    collapsed: bool
    children: list = field(default_factory=list)


FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
BOX = re.compile(
    r'^(?:(?P<marker>!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+"(?P<title>[^"]*)")?'
    r'|(?P<tab>===\+?)\s+"(?P<tab_title>[^"]*)")\s*$'
)
INVISIBLE = re.compile(r"^\s*<!--+\s*(?:;\s*)?(?:invisible-)?code(?:-block)?:?\s*(?P<lang>\S+)\s*$")
COMMENT_START = re.compile(r"^\s*<!--")
SKIP = re.compile(r"^\s*<!--+\s*skip:\s*(?P<what>next|start|end)\b.*-->\s*$")


def _dedent(lines: list[str], width: int) -> list[str]:
    return [line[width:] if line[:width].strip() == "" else line.lstrip() for line in lines]


def parse(lines: list[str]) -> list:
    """The page's blocks, boxes holding their (de-indented) content."""
    blocks: list = []
    prose: list[str] = []
    skip_next = skipping = False

    def flush() -> None:
        if any(line.strip() for line in prose):
            blocks.append(Prose(prose.copy()))
        prose.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence, box = FENCE.match(line), BOX.match(line)
        if fence:
            indent, mark = len(fence["indent"]), fence["fence"]
            end = i + 1
            while end < len(lines):
                closing = FENCE.match(lines[end])
                if (
                    closing
                    and closing["fence"][0] == mark[0]
                    and len(closing["fence"]) >= len(mark)
                    and not closing["info"].strip()
                ):
                    break
                end += 1
            body = _dedent(lines[i + 1 : end], indent)
            info = fence["info"].strip()
            if info == "python":
                flush()
                blocks.append(Code("\n".join(body), skipped=skip_next or skipping))
                skip_next = False
            elif info == "output":
                flush()
                blocks.append(Output(body))
            else:  # Markdown as written (mermaid, text), in its list item if it is in one
                prose.extend(lines[i : end + 1])
            i = end + 1
        elif box:
            flush()
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith("    ")):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1  # trailing blank lines belong to what follows
            if box["tab"]:
                kind, title, collapsed = "tab", box["tab_title"], False
            else:
                kind, collapsed = box["kind"], box["marker"] == "???"
                title = box["title"] if box["title"] is not None else kind.capitalize()
            blocks.append(Box(kind, title, collapsed, parse(_dedent(lines[i + 1 : end], 4))))
            i = end
        elif INVISIBLE.match(line):
            flush()
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith("--"):
                end += 1
            if INVISIBLE.match(line)["lang"] == "python":
                body = "\n".join(_dedent(lines[i + 1 : end], len(line) - len(line.lstrip())))
                blocks.append(Code(body, hidden=True, skipped=skip_next or skipping))
                skip_next = False
            i = end + 1
        elif COMMENT_START.match(line):
            # Other HTML comments are not shown on the page; sybil's skip markers among them.
            flush()
            end = i
            while end < len(lines) and "-->" not in lines[end]:
                end += 1
            skip = SKIP.match(line)
            if skip:
                skip_next = skip["what"] == "next"
                skipping = {"start": True, "end": False}.get(skip["what"], skipping)
            i = end + 1
        else:
            prose.append(line)
            i += 1
    flush()
    return blocks


# --- Blocks to cells ---------------------------------------------------------------------------


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _doctest_cells(source: str) -> list[tuple[str, str, bool]]:
    """(code, expected output, is the value of an expression) for each `>>>` example."""
    examples = doctest.DocTestParser().get_examples(source)
    cells = []
    for example in examples:
        code = example.source.rstrip("\n")
        try:
            body = ast.parse(code).body
        except SyntaxError:
            body = []
        last = body[-1] if body else None
        is_value = isinstance(last, ast.Expr) and not (
            isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Name)
            and last.value.func.id == "print"
        )
        cells.append((code, example.want, is_value))
    return cells


CONTINUED = {"ko": "이어서", "en": "continued"}
# The first line of a setup cell (an invisible code block), whose source is hidden.
SETUP_COMMENT = {
    "ko": "# 준비 코드: 아래 예제가 쓰는 설정입니다. 읽지 않고 실행만 해도 됩니다.",
    "en": "# Setup for the examples below: run it; you need not read it.",
}
# Under a collapsed box's text, when its code follows: Jupyter shows a folded cell as a thin bar.
FOLDED_CODE = {
    "ko": "코드는 바로 아래 셀에 접혀 있습니다. 셀을 펼쳐서 보세요.",
    "en": "Its code is folded in the cell just below: expand the cell to see it.",
}


class _Cells:
    """Markdown pieces (text) and code cells in page order; a box's own, inside its parent's."""

    def __init__(self, language: str, parent: _Cells | None = None) -> None:
        self.language = language
        self.parent = parent
        self.items: list = []

    def markdown(self, text: str) -> None:
        self.items.append(text)

    def code(self, source: str, metadata: dict, output: str | None = None, value=False) -> None:
        cell = nbformat.v4.new_code_cell(source, metadata=metadata)
        if output is not None:
            _attach(cell, output, value)
        self.items.append(cell)

    def last_code(self):
        """The last code cell so far, looking out of boxes."""
        for item in reversed(self.items):
            if not isinstance(item, str):
                return item
        return self.parent.last_code() if self.parent else None


def _attach(cell, output: str, value: bool) -> None:
    """The output the page shows for `cell`: a printed text, or an expression's value."""
    if value:
        data = {"text/plain": output.rstrip("\n")}
        cell.outputs.append(nbformat.v4.new_output("execute_result", data=data))
    else:
        text = output if output.endswith("\n") else output + "\n"
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))


def _convert(blocks: list, cells: _Cells, folded: bool) -> None:
    for block in blocks:
        if isinstance(block, Prose):
            cells.markdown("\n".join(_strip_blank(block.lines)))
        elif isinstance(block, Output):
            cell = cells.last_code()
            if cell is None or cell.outputs:
                raise ValueError(
                    "an ```output block must follow a ```python block (one each): "
                    + " / ".join(_strip_blank(block.lines))[:200]
                )
            _attach(cell, "\n".join(_strip_blank(block.lines)), value=False)
        elif isinstance(block, Code):
            if block.skipped:  # not run on the page either: shown, not run
                if not block.hidden:
                    cells.markdown(f"```python\n{block.source}\n```")
                continue
            metadata: dict = {}
            if block.hidden:
                metadata = {"jupyter": {"source_hidden": True}, "tags": ["setup"]}
            elif folded:  # in a collapsed box: folded like the box
                metadata = {"jupyter": {"source_hidden": True, "outputs_hidden": True}}
            if block.source.lstrip().startswith(">>>"):
                for code, want, value in _doctest_cells(block.source):
                    cells.code(code, metadata, want or None, value)
            elif block.hidden:  # its first line shows while folded, and says what it is
                cells.code(f"{SETUP_COMMENT[cells.language]}\n{block.source}", metadata)
            else:
                cells.code(block.source, metadata)
        elif isinstance(block, Box):
            inner = _Cells(cells.language, parent=cells)
            _convert(block.children, inner, folded or block.collapsed)
            _wrap(block, inner.items, cells)


def _wrap(box: Box, items: list, cells: _Cells) -> None:
    """The box's Markdown pieces inside its quote or `<details>`, its title on the first; code
    cells cannot be inside a Markdown cell, so a box that holds code is split around them. A
    collapsed box's text says that its code is folded below it (and is never empty)."""
    runs: list = []
    for item in items:
        if isinstance(item, str):
            if runs and isinstance(runs[-1], list):
                runs[-1].append(item)
            else:
                runs.append([item])
        else:
            runs.append(item)
    if not runs or not isinstance(runs[0], list):
        runs.insert(0, [])
    for number, run in enumerate(runs):
        if not isinstance(run, list):
            cells.items.append(run)
            continue
        body = "\n\n".join(t for t in run if t.strip())
        if box.collapsed and number + 1 < len(runs) and not isinstance(runs[number + 1], list):
            body = "\n\n".join(t for t in (body, f"*{FOLDED_CODE[cells.language]}*") if t)
        if box.collapsed:
            title = box.title if number == 0 else f"{box.title} ({CONTINUED[cells.language]})"
            details = (
                f"<details>\n<summary><strong>{title}</strong></summary>\n\n{body}\n\n</details>"
            )
            text = f"<blockquote>\n\n{details}\n\n</blockquote>"  # where it ends, once open
        else:
            title = f"**{box.title}**" if number == 0 and box.title else ""
            text = "\n\n".join(t for t in (title, body) if t)
            if box.kind != "tab":
                text = f"<blockquote>\n\n{text}\n\n</blockquote>"
        cells.markdown(text)


def page_to_notebook(
    markdown: str, language: str, *, version: str, targets: Targets | None = None
) -> nbformat.NotebookNode:
    """A lesson page as a notebook (see the module's docstring).

    Args:
        markdown: The page's Markdown source.
        language: The page's language (`ko`, `en`): the install cell's comment.
        version: The package version the install cell names.
        targets: Where the page's links, API references and figures lead; by default links
            become their text and figures keep their relative path.

    Raises:
        ValueError: If the page's blocks do not make a notebook (an output block with no Python
            block before it, an unknown language).
    """
    if language not in INSTALL_COMMENT:
        raise ValueError(f"Unknown language {language!r}: one of {sorted(INSTALL_COMMENT)}")
    targets = targets or Targets()
    cells = _Cells(language)
    _convert(parse(markdown.splitlines()), cells, folded=False)
    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nb = nbformat.v4.new_notebook(metadata=metadata)
    pending: list[str] = []
    for item in cells.items:
        if isinstance(item, str):
            if item.strip():
                pending.append(item)
            continue
        if pending:
            nb.cells.append(markdown_cell("\n\n".join(pending), targets))
            pending = []
        nb.cells.append(item)
    if pending:
        nb.cells.append(markdown_cell("\n\n".join(pending), targets))
    with_install_cell(nb, language, version)
    for number, cell in enumerate(nb.cells, 1):
        if cell.get("id") != INSTALL_CELL_ID:
            cell.id = f"cell-{number:02d}"
    nbformat.validate(nb)
    return nb
