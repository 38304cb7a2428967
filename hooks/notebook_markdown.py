"""Page prose as Jupyter Markdown: what MkDocs alone understands, made readable in a notebook.

- Heading ids `{ #id }` become anchors (`<a id="id"></a>`), so that links within the page work;
  other attribute lists (`{ .class }`) are removed.
- Links to the site's pages and to the API (autorefs' `[text][identifier]`, `[identifier][]`)
  point to the published site, or become their text where the site gives no address.
- Figures are embedded as cell attachments, so that the notebook needs nothing beside it.
- Bold and italics that Python-Markdown reads but CommonMark (Jupyter's Markdown) does not, such
  as `**배치 크기(batch size)**라고` (a closing `**` after punctuation and before a letter), are
  written as `<strong>`/`<em>`; the rest are left as written.
- Code spans, math (`$...$`, `$$...$$`, which Jupyter renders) and fenced blocks (```` ```mermaid
  ````, which JupyterLab renders) are left as written.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat


@dataclass(frozen=True)
class Targets:
    """How a notebook reaches what its page links to, given by the site (None: not reachable).

    page_url: a page-relative link (`tensor-basics.md#x`, `quick-tour.ipynb`) -> an absolute URL.
    api_url: an API identifier (`dlnotes.losses.cross_entropy`) -> an absolute URL.
    image: a page-relative image path -> its bytes, to embed.
    """

    page_url: Callable[[str], str | None] = lambda target: None
    api_url: Callable[[str], str | None] = lambda identifier: None
    image: Callable[[str], bytes | None] = lambda target: None


# Spans that are left as they are: code, display math, inline math.
PROTECTED = re.compile(
    r"(?P<code>(`+)(?:(?!\2).)+?\2)|(?P<display>\$\$.+?\$\$)|(?P<inline>(?<![\\$])\$[^$\n]+?(?<!\\)\$)",
    re.S,
)
HEADING_ATTRS = re.compile(
    r"^(?P<heading>#{1,6}[ \t].*?)[ \t]*\{:?[ \t]*(?P<attrs>[^}\n]*)\}[ \t]*$", re.M
)
ATTR = r"(?:[.#][A-Za-z_][\w-]*|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+))"
ATTR_LIST = re.compile(rf"[ \t]*(?<!\\)\{{:?[ \t]*{ATTR}(?:[ \t]+{ATTR})*[ \t]*\}}")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
LINK = re.compile(
    r"(?<!!)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])+)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"
)
AUTOREF = re.compile(r"\[(?P<text>[^\[\]]+)\]\[(?P<identifier>[\w.]*)\]")
IDENTIFIER = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+")
# `**strong**` and `*emphasis*` as Python-Markdown finds them, within one line.
STRONG = re.compile(r"(?<!\*)\*\*(?![\s*])(?P<inner>[^\n]+?)(?<![\s*])\*\*(?!\*)")
EMPHASIS = re.compile(r"(?<!\*)\*(?![\s*])(?P<inner>[^*\n]+?)(?<![\s*])\*(?!\*)")
FENCED = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=indent)(?P=fence)[ \t]*$",
    re.S | re.M,
)
PLACEHOLDER = "\0"  # a set-aside span (code, math) is `\0number\0` while links are rewritten


def _is_absolute(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)) or target.startswith("/")


def _is_punctuation(char: str) -> bool:
    """Punctuation for CommonMark's emphasis rules (ASCII's, Unicode's P and S categories)."""
    return unicodedata.category(char)[0] in "PS"


def _emphasize(text: str, kept: list[str]) -> str:
    """`text` with each bold or italic span that CommonMark would not read as one written in HTML.

    CommonMark's rule: an opening run of asterisks must be left-flanking (not followed by
    punctuation, unless preceded by whitespace or punctuation) and a closing run right-flanking
    (the mirror image). `text` holds set-aside spans as placeholders: `kept` gives their text.
    """

    def neighbour(text: str, index: int, before: bool) -> str | None:
        if index < 0 or index >= len(text):
            return None  # the start or end of the text, which counts as whitespace
        if text[index] != PLACEHOLDER:
            return text[index]
        if before:  # a set-aside span's last character
            return kept[int(re.search(r"\0(\d+)\0$", text[: index + 1])[1])][-1]
        return kept[int(re.match(r"\0(\d+)\0", text[index:])[1])][0]

    def loose(char: str | None) -> bool:
        return char is None or char.isspace() or _is_punctuation(char)

    for pattern, width, tag in ((STRONG, 2, "strong"), (EMPHASIS, 1, "em")):

        def replace(match: re.Match, text: str = text, width: int = width, tag: str = tag) -> str:
            start, end = match.start(), match.end()
            after_open = neighbour(text, start + width, before=False)
            before_close = neighbour(text, end - width - 1, before=True)
            opens = not _is_punctuation(after_open) or loose(neighbour(text, start - 1, True))
            closes = not _is_punctuation(before_close) or loose(neighbour(text, end, False))
            return match[0] if opens and closes else f"<{tag}>{match['inner']}</{tag}>"

        text = pattern.sub(replace, text)
    return text


@dataclass
class Markdown:
    """Markdown text with its attachments (figures), on its way to one Markdown cell."""

    text: str
    attachments: dict = field(default_factory=dict)


def prose_to_markdown(text: str, targets: Targets) -> Markdown:
    """Page prose as Jupyter Markdown (see the module's docstring)."""
    attachments: dict = {}
    # Code spans and math are set aside, so that nothing in them is taken for a link.
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match[0])
        return f"\0{len(kept) - 1}\0"

    def restore(part: str) -> str:
        return re.sub(r"\0(\d+)\0", lambda m: kept[int(m[1])], part)

    def heading(match: re.Match) -> str:
        ids = re.findall(r"#([\w-]+)", match["attrs"])
        anchors = "".join(f'<a id="{i}"></a>' for i in ids)
        return f"{match['heading']} {anchors}".rstrip()

    def image(match: re.Match) -> str:
        target = match["target"]
        data = None if _is_absolute(target) else targets.image(target)
        if data is None:
            return match[0]
        name = posixpath.basename(target.split("#")[0].split("?")[0])
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachments[name] = {mime: base64.b64encode(data).decode("ascii")}
        return f"![{match['alt']}](attachment:{name})"

    def link(match: re.Match) -> str:
        target = match["target"]
        if _is_absolute(target) or target.startswith("#"):
            return match[0]
        url = targets.page_url(target)
        return match["text"] if url is None else f"[{match['text']}]({url}{match['title'] or ''})"

    def autoref(match: re.Match) -> str:
        identifier = match["identifier"] or restore(match["text"]).strip("` ")
        if not IDENTIFIER.fullmatch(identifier):
            return match[0]  # an ordinary reference link, or text in brackets
        url = targets.api_url(identifier)
        return match["text"] if url is None else f"[{match['text']}]({url})"

    text = HEADING_ATTRS.sub(heading, text)
    text = PROTECTED.sub(keep, text)
    text = ATTR_LIST.sub("", text)
    text = _emphasize(text, kept)
    text = IMAGE.sub(image, text)
    text = LINK.sub(link, text)
    text = AUTOREF.sub(autoref, text)
    return Markdown(restore(text), attachments)


def markdown_cell(text: str, targets: Targets) -> nbformat.NotebookNode:
    """One Markdown cell; prose outside fenced blocks is made readable in Jupyter."""
    parts, attachments = [], {}

    def prose(piece: str) -> None:
        converted = prose_to_markdown(piece, targets)
        parts.append(converted.text)
        attachments.update(converted.attachments)

    # Fenced blocks (mermaid, text), indented ones in list items too, are kept as written.
    end = 0
    for fenced in FENCED.finditer(text):
        prose(text[end : fenced.start()])
        parts.append(fenced[0])
        end = fenced.end()
    prose(text[end:])
    cell = nbformat.v4.new_markdown_cell("".join(parts))
    if attachments:
        cell.attachments = attachments
    return cell
