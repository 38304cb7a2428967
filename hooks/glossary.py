"""MkDocs hook: `glossary.yml` is the one source of the course's terms.

One file feeds three things, so that a term changed once changes everywhere:

1. The glossary pages. `<!-- glossary-table -->` and `<!-- glossary-avoid -->` in
   `docs/glossary.{ko,en}.md` are replaced by tables made from the file: the Korean page sorted by
   가나다 of the Korean term, the English page by the English term. The prose around them stays
   hand-written.
2. Tooltips. On a lecture page, the first use of each term in the prose is wrapped in
   `<abbr title="translation">` (Material's `content.tooltips` feature styles it). This is done by
   a Python-Markdown treeprocessor, not by rewriting the Markdown text: by the time it runs, code,
   math, links, headings and admonition titles are elements (or stashed placeholders) that it can
   skip by tag or class, where a regular expression over Markdown would have to re-parse them.
   Headings are skipped so that the table of contents and the search index keep plain titles.
   The glossary page itself, API pages and notebooks get no tooltips: mkdocs-jupyter renders
   notebook cells with mistune, outside Python-Markdown.
3. The lint. `find_variants` finds, in Korean prose, the variants the glossary rules out
   (경사하강법 for 경사 하강법); `tests/test_glossary.py` runs it over every Korean page.

A Korean term matches as a whole word, with any particles after it (손실을, 손실에서는,
정규화하는), but not inside a longer word (무손실, 분류기): the same rule for tooltips and lint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import yaml
from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "glossary.yml"
LANGUAGES = ("ko", "en")
TABLE_MARKER = "<!-- glossary-table -->"
AVOID_MARKER = "<!-- glossary-avoid -->"
FIELDS = {"ko", "en", "abbr", "ko_meaning", "en_meaning", "avoid", "no_tooltip"}
REQUIRED = ("ko", "en", "ko_meaning", "en_meaning")

# Particles and endings that may follow a Korean noun inside the same word, longest first so
# that the alternation tries them first. A term followed by anything else is part of a longer
# word (손실률, 분류기) and does not match.
_PARTICLES = sorted(
    """
    이었습니다 였습니다 이었다 이라고 이라는 이라면 이라도 이지만 이므로 입니다 이에요 이어서 에서부터
    으로부터 로부터 에게서 야말로 에서 에게 에는 에도 으로 로서 로써 까지 부터 마다 보다 처럼 만큼 대로
    밖에 이나 이든 이란 이라 이며 이고 이다 이면 이자 이야 인지 인데 라고 라는 라면 라도 지만 므로 하고
    이랑 조차 마저 같이 예요 와 과 은 는 이 가 을 를 의 에 로 도 만 나 든 란 라 며 고 다 면 인 일 임 뿐
    께 요 야 엔 랑 들
    """.split(),
    key=len,
    reverse=True,
)
# A noun made into a verb or adjective (정규화하는, 편향된, 과적합합니다) is still the term.
_VERB = "(?:하|한|할|함|합|해|했|되|된|될|됨|됩|돼|됐|시키|시킨|시켜)[가-힣]*"
_KO_START = r"(?<![가-힣A-Za-z0-9_])"
_KO_END = rf"(?=(?:{'|'.join(_PARTICLES)})*(?:{_VERB})?(?![가-힣]))"
_EN_START = r"(?<![\w-])"
_EN_END = r"(?![\w-])"

# Elements whose text is never marked: code, links (and autorefs' placeholders), headings,
# existing abbreviations, titles of admonitions, details and tabs, and anything not prose.
_SKIP_TAGS = {
    "a",
    "abbr",
    "autoref",
    "button",
    "code",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "kbd",
    "label",
    "math",
    "pre",
    "samp",
    "script",
    "style",
    "summary",
    "svg",
    "textarea",
}
_SKIP_CLASSES = {"admonition-title", "arithmatex", "headerlink", "mermaid", "md-annotation"}


@dataclass(frozen=True)
class Entry:
    """One term of the glossary (see the comment at the top of `glossary.yml`)."""

    ko: str
    en: str
    ko_meaning: str
    en_meaning: str
    abbr: str | None = None
    avoid: tuple[str, ...] = ()
    no_tooltip: tuple[str, ...] = ()

    @property
    def en_label(self) -> str:
        """The English term with its abbreviation, as the tables and tooltips show it."""
        return f"{self.en} ({self.abbr})" if self.abbr else self.en

    def term(self, lang: str) -> str:
        """The term in language `lang`."""
        return self.ko if lang == "ko" else self.en

    def translation(self, lang: str) -> str:
        """What a tooltip on a page in language `lang` shows: the term in the other language."""
        return self.en_label if lang == "ko" else self.ko


def problems(raw: object) -> list[str]:
    """Returns what is wrong with the parsed YAML of a glossary (empty when it is well-formed).

    Checked here rather than left to fail later, so that a bad edit of `glossary.yml` stops the
    build with a message naming the entry.
    """
    if not isinstance(raw, list) or not raw:
        return ["the glossary must be a non-empty list of entries"]
    found: list[str] = []
    seen: dict[str, dict[str, int]] = {"ko": {}, "en": {}}
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            found.append(f"entry {i}: not a mapping")
            continue
        name = item.get("ko") or item.get("en") or f"#{i}"
        unknown = sorted(set(item) - FIELDS)
        if unknown:
            found.append(f"entry {name}: unknown fields {unknown}")
        for key in REQUIRED:
            if not isinstance(item.get(key), str) or not item[key].strip():
                found.append(f"entry {name}: `{key}` is missing or empty")
        if "abbr" in item and (not isinstance(item["abbr"], str) or not item["abbr"].strip()):
            found.append(f"entry {name}: `abbr` must be a non-empty string")
        for key, allowed in (("avoid", None), ("no_tooltip", LANGUAGES)):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                found.append(f"entry {name}: `{key}` must be a list of non-empty strings")
            elif allowed and set(value) - set(allowed):
                found.append(f"entry {name}: `{key}` may only name {list(allowed)}")
        for lang in LANGUAGES:
            term = item.get(lang)
            if isinstance(term, str):
                key = term.casefold() if lang == "en" else term
                if key in seen[lang]:
                    found.append(
                        f"entry {name}: {lang} term {term!r} repeats entry {seen[lang][key]}"
                    )
                seen[lang].setdefault(key, i)
    terms = set(seen["ko"])
    variants: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("avoid", []), list):
            continue
        for variant in item.get("avoid", []):
            if variant in terms:
                found.append(f"entry {item.get('ko')}: avoided variant {variant!r} is a term")
            elif variant in variants:
                found.append(
                    f"entry {item.get('ko')}: variant {variant!r} is also under {variants[variant]}"
                )
            variants[variant] = str(item.get("ko"))
    return found


def load(path: Path = GLOSSARY) -> list[Entry]:
    """Reads and checks the glossary; raises ValueError listing every problem found."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = problems(raw)
    if found:
        raise ValueError(f"{path.name}: " + "; ".join(found))
    return [
        Entry(
            ko=item["ko"],
            en=item["en"],
            ko_meaning=item["ko_meaning"],
            en_meaning=item["en_meaning"],
            abbr=item.get("abbr"),
            avoid=tuple(item.get("avoid", ())),
            no_tooltip=tuple(item.get("no_tooltip", ())),
        )
        for item in raw
    ]


# --- Matching -------------------------------------------------------------------------------


def korean_word(term: str) -> str:
    """Regex body of a Korean term; spaces in the term match any white space."""
    return r"\s+".join(re.escape(part) for part in term.split())


def english_word(term: str) -> str:
    """Regex body of an English term: plurals, and `-`/space/nothing between its parts.

    "data set" also finds "datasets", "mini-batch" finds "minibatches", "probability" finds
    "probabilities". Case is ignored by the pattern's flags.
    """
    parts = re.split(r"[\s-]+", term)
    last = parts[-1]
    if re.search(r"[^aeiou]y$", last):
        plural = re.escape(last[:-1]) + "(?:y|ies)"
    else:
        plural = re.escape(last) + "(?:e?s)?"
    body = r"(?:\s+|-)?".join([*(re.escape(p) for p in parts[:-1]), plural])
    return body.replace("'", "['’]")


def words_pattern(words: Iterable[str], lang: str) -> tuple[re.Pattern[str], list[str]]:
    """One pattern finding any of `words` as a whole word of a text in `lang`.

    Returns the pattern, whose alternative `w<i>` is `order[i]`, and `order`: the words, longest
    first, so that 손실 함수 wins over 손실. The word boundaries are written once around the
    alternation, not once per word, so the pattern compiles in milliseconds, not seconds.
    """
    order = sorted(set(words), key=len, reverse=True)
    if not order:
        return re.compile(r"(?!)"), order
    body, start, end = (
        (korean_word, _KO_START, _KO_END) if lang == "ko" else (english_word, _EN_START, _EN_END)
    )
    alternatives = "|".join(f"(?P<w{i}>{body(word)})" for i, word in enumerate(order))
    # Checking the first letter before trying ~100 alternatives makes the scan 15x faster.
    firsts = re.escape("".join(sorted({word[0] for word in order})))
    return re.compile(f"(?=[{firsts}]){start}(?:{alternatives}){end}", re.IGNORECASE), order


@dataclass
class Marker:
    """Wraps the first use of each glossary term in the text of an element tree."""

    lang: str
    entries: Sequence[Entry]
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.by_term = {e.term(self.lang): e for e in self.entries}
        self.pattern, self.order = words_pattern(self.by_term, self.lang)

    def split(self, text: str) -> tuple[str, list[Element]]:
        """Returns `text` up to its first new term, then the `<abbr>` elements with their tails.

        Every term is matched, marked or not, so that a term already marked still hides the
        shorter terms inside it (경사 하강법 inside a later 확률적 경사 하강법).
        """
        head: str | None = None
        made: list[Element] = []
        last = 0
        for match in self.pattern.finditer(text):
            term = self.order[int(match.lastgroup[1:])]
            entry = self.by_term[term]
            if term in self.seen or self.lang in entry.no_tooltip:
                continue
            self.seen.add(term)
            before = text[last : match.start()]
            if made:
                made[-1].tail = before
            else:
                head = before
            abbr = Element("abbr", {"title": entry.translation(self.lang)})
            abbr.text = AtomicString(match.group(0))
            made.append(abbr)
            last = match.end()
        if not made:
            return text, []
        made[-1].tail = text[last:]
        return head or "", made

    def mark(self, element: Element) -> None:
        """Marks the prose inside `element`, in document order, skipping code, math, links..."""
        if _skipped(element):
            return
        children = list(element)  # the new <abbr>s and their tails are done already
        if element.text and not isinstance(element.text, AtomicString):
            element.text, made = self.split(element.text)
            for i, abbr in enumerate(made):
                element.insert(i, abbr)
        for child in children:
            self.mark(child)
            if child.tail and not isinstance(child.tail, AtomicString):
                child.tail, made = self.split(child.tail)
                at = list(element).index(child) + 1
                for i, abbr in enumerate(made):
                    element.insert(at + i, abbr)


def _skipped(element: Element) -> bool:
    if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
        return True
    return bool(_SKIP_CLASSES & set((element.get("class") or "").split()))


@dataclass
class PageState:
    """Which language the page being rendered is in (None: no tooltips) and what it marked."""

    lang: str | None = None
    marker: Marker | None = None

    def start(self, lang: str | None, entries: Sequence[Entry]) -> None:
        self.lang = lang
        self.marker = Marker(lang, entries) if lang else None


class GlossaryTreeprocessor(Treeprocessor):
    """Adds the tooltips to the page `state` says is being rendered."""

    def __init__(self, md: Markdown, state: PageState) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: Element) -> None:
        if self.state.marker is not None:
            self.state.marker.mark(root)


class GlossaryExtension(Extension):
    """Registers the treeprocessor after inline markup and attribute lists, before the TOC."""

    def __init__(self, state: PageState, **kwargs) -> None:
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # inline is 20, attr_list 8 (it reads `{...}` at the end of text we would split),
        # abbr 7, toc 5.
        md.treeprocessors.register(GlossaryTreeprocessor(md, self.state), "dlnotes-glossary", 7.5)


DEFAULT_EXTENSIONS = [
    "abbr",
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    "toc",
    "pymdownx.arithmatex",
    "pymdownx.details",
    "pymdownx.superfences",
]


def render(
    text: str,
    lang: str,
    entries: Sequence[Entry] | None = None,
    extensions: Sequence[str] = DEFAULT_EXTENSIONS,
) -> str:
    """Renders Markdown `text` as a page in `lang` with tooltips, as the site does (for tests)."""
    state = PageState()
    state.start(lang, load() if entries is None else entries)
    md = Markdown(
        extensions=[*extensions, GlossaryExtension(state)],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    return md.convert(text)


# --- The glossary pages ---------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def terms_table(lang: str, entries: Sequence[Entry]) -> str:
    """The glossary table of the page in `lang`."""
    if lang == "ko":
        rows = [(e.ko, e.en_label, e.ko_meaning) for e in sorted(entries, key=lambda e: e.ko)]
        return _table(("한국어", "English", "뜻"), rows)
    rows = [
        (e.en_label, e.ko, e.en_meaning) for e in sorted(entries, key=lambda e: e.en.casefold())
    ]
    return _table(("English", "한국어", "Meaning"), rows)


def avoid_table(lang: str, entries: Sequence[Entry]) -> str:
    """The table of ruled-out Korean variants on the page in `lang`."""
    with_variants = [e for e in entries if e.avoid]
    if lang == "ko":
        rows = [
            (e.ko, ", ".join(e.avoid), e.en_label)
            for e in sorted(with_variants, key=lambda e: e.ko)
        ]
        return _table(("쓰는 말", "피할 표현", "English"), rows)
    rows = [
        (e.en_label, e.ko, ", ".join(e.avoid))
        for e in sorted(with_variants, key=lambda e: e.en.casefold())
    ]
    return _table(("English", "Korean term", "Korean variants to avoid"), rows)


def fill_glossary_page(markdown: str, lang: str, entries: Sequence[Entry]) -> str:
    """Replaces the page's markers with the generated tables."""
    markdown = markdown.replace(TABLE_MARKER, terms_table(lang, entries))
    return markdown.replace(AVOID_MARKER, avoid_table(lang, entries))


# --- The lint -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A ruled-out variant found in a text: where, which, and what to write instead."""

    line: int
    variant: str
    use: str


_FENCE = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(`{3,}|~{3,})(.*)$")
_NOT_PROSE = [
    re.compile(r"<!--.*?-->", re.DOTALL),  # HTML comments (and sybil's directives)
    re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL),  # code spans
    re.compile(r"\$\$.*?\$\$", re.DOTALL),  # display math
    re.compile(r"\\\[.*?\\\]", re.DOTALL),
    re.compile(r"\\\(.*?\\\)", re.DOTALL),  # inline math
    re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$(?!\d)"),
    re.compile(r"<[A-Za-z/][^>\n]*>"),  # HTML tags and their attributes
    re.compile(r"\]\([^)\n]*\)"),  # link targets
    re.compile(r"^\s*\[[^\]\n]+\]:.*$", re.MULTILINE),  # reference definitions
    # Quotations and titles reproduce someone else's wording; a correction box may quote
    # the note's 에폭 to correct it. (Admonition titles keep their quotes: see `prose`.)
    re.compile(r"“[^”\n]*”|‘[^’\n]*’|《[^》\n]*》|「[^」\n]*」|『[^』\n]*』"),
    re.compile(r'(?<![=\w])"[^"\n]*"'),
]
_ADMONITION_TITLE = re.compile(r'^(\s*(?:!!!|\?\?\?\+?)\s+[\w-]+(?:\s+[\w-]+)*\s+)"([^"\n]*)"')


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def prose(markdown: str) -> str:
    """`markdown` with everything that is not prose blanked out, keeping line numbers.

    Blanked: fenced code, code spans, math, HTML comments and tags, link targets, quotations.
    """
    lines = markdown.split("\n")
    fence: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = (match.group(1)[0], len(match.group(1)))
            lines[i] = _blank(line)
        elif fence is not None:
            closes = (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= fence[1]
                and not match.group(2).strip()
            )
            lines[i] = _blank(line)
            if closes:
                fence = None
        else:
            # An admonition's title is the author's own prose: drop its quotes only.
            lines[i] = _ADMONITION_TITLE.sub(r"\1 \2 ", line)
    text = "\n".join(lines)
    for pattern in _NOT_PROSE:
        text = pattern.sub(lambda m: _blank(m.group(0)), text)
    return text


def find_variants(markdown: str, entries: Sequence[Entry] | None = None) -> list[Finding]:
    """The ruled-out variants in the prose of a Korean Markdown text, with their line numbers."""
    entries = load() if entries is None else entries
    use = {variant: e.ko for e in entries for variant in e.avoid}
    pattern, order = words_pattern(use, "ko")
    text = prose(markdown)
    found = []
    for match in pattern.finditer(text):
        variant = order[int(match.lastgroup[1:])]
        line = text.count("\n", 0, match.start()) + 1
        found.append(Finding(line, match.group(0), use[variant]))
    return found


# --- MkDocs events --------------------------------------------------------------------------

_STATE = PageState()
_ENTRIES: list[Entry] = []


def page_language(config) -> str | None:
    """The language of the build (`theme.language`: one configuration per language)."""
    lang = config["theme"]["language"]
    return lang if lang in LANGUAGES else None


def on_config(config):
    from mkdocs.exceptions import PluginError

    try:
        _ENTRIES[:] = load()
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise PluginError(f"glossary: {error}") from error
    # Each language's build runs on_config again: register the extension once.
    if not any(isinstance(e, GlossaryExtension) for e in config.markdown_extensions):
        config.markdown_extensions.append(GlossaryExtension(_STATE))
    return config


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    lang = page_language(config)
    is_glossary = src == "glossary.md"
    if is_glossary and lang:
        markdown = fill_glossary_page(markdown, lang, _ENTRIES)
    is_page = src.endswith(".md") and not src.startswith("api/")
    tooltips = lang and not is_glossary and is_page
    _STATE.start(lang if tooltips else None, _ENTRIES)
    return markdown


def on_page_content(html, page, config, files):
    # Anything rendered after the page (docstrings, other plugins' Markdown) is not the page.
    _STATE.start(None, _ENTRIES)
    return html


def on_serve(server, config, builder):
    server.watch(str(GLOSSARY))
    return server
