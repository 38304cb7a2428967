"""Lists every external link of the course in `reports/external-links.md`, without fetching any.

Usage:
    python tools/external_links.py           # write reports/external-links.md
    python tools/external_links.py --check   # exit 1 if the committed report is out of date

Sources: the pages (`docs/**/*.md`), the Markdown cells of the notebooks (`docs/**/*.ipynb`),
the package (`src/dlnotes/**/*.py`: docstrings, comments and any URL in code) and `README.md`.
An `arXiv:NNNN.NNNNN` or `doi:10.x/y` written without a link counts as its https://arxiv.org or
https://doi.org URL. Addresses of the local machine (`http://127.0.0.1:8000`, `localhost`) are
not external and are left out.

The report is the reviewed list of where the course sends readers: a link checker (or a person)
can work through it, and a test (`tests/test_links.py`) fails while it is stale, so a new
external link is reviewed in the commit that adds it. Stale means another set of links or
files: the check ignores line numbers, which any edit above a link moves (they are those of the
last time the report was written). URLs that look malformed (white space,
unbalanced parentheses, `http://` for a host that serves https, an `arXiv:` id of the wrong
shape) are listed in the report, not refused: some are deliberate.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "external-links.md"

# The target of a Markdown link `[text](url "title")`: it ends at the `)` that closes it, even
# when text follows without a space (`[위키독스](https://wikidocs.net/...)의`).
MD_TARGET = re.compile(
    r"\]\(\s*<?(https?://(?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+\"[^\"]*\")?\s*\)", re.IGNORECASE
)
# Any other URL runs to white space, to a character that cannot end one in Markdown or reST
# text, or to a non-ASCII letter (Korean text may follow a bare URL without a space); trailing
# punctuation and an unbalanced `)` are trimmed afterwards (see `_trim`).
# (No IGNORECASE: with it, the non-ASCII range would also exclude `s`, `k` and `i`, whose case
# folds include `ſ`, `K` and `ı`.)
URL = re.compile(r"https?://[^\s<>\"'`\]\[{}|\\^\u0080-\U0010ffff]+")
# `[text](target)` whose target holds white space: Markdown does not make that a link.
SPACED_LINK = re.compile(r"\]\((https?://[^)\n]*\s[^)\n]*)\)")
ARXIV = re.compile(r"\barXiv:\s*([^\s\]]+)", re.IGNORECASE)
ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?")
DOI = re.compile(r"\bdoi:\s*(10\.\d{4,9}/[^\s\]]+)", re.IGNORECASE)
# The line number after a file in the report's Where cells: `docs/en/history.md:584`.
LINE_NUMBER = re.compile(r"(?<=\.md|\.py)(?::\d+)|(?<=\.ipynb)(?::\d+)")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]"}
# Hosts that serve https: an http:// link to them is a downgrade (or a copy of an old link).
HTTPS_HOSTS = {
    "arxiv.org",
    "doi.org",
    "dx.doi.org",
    "github.com",
    "pytorch.org",
    "docs.python.org",
    "en.wikipedia.org",
    "ko.wikipedia.org",
    "proceedings.neurips.cc",
    "openreview.net",
    "www.nature.com",
    "yann.lecun.com",
}
# Old spellings of a host, with the one to use.
PREFERRED_HOST = {"dx.doi.org": "doi.org", "www.arxiv.org": "arxiv.org"}


def _trim(url: str) -> str:
    """Drops sentence punctuation and a `)` that closes the text around the URL."""
    while True:
        before = url
        url = url.rstrip(".,;:!?*_")
        if url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1]
        if url == before:
            return url


def _source_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of the parts of a file where links are written.

    For a notebook, the line numbers are those of the `.ipynb` file (one JSON string per source
    line, as nbformat writes it), so that `file:line` opens at the right place.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        yield from enumerate(text.splitlines(), start=1)
        return
    lines = text.splitlines()
    cursor = 0
    for cell in json.loads(text)["cells"]:
        source = cell["source"]
        source = source.splitlines(keepends=True) if isinstance(source, str) else source
        for part in source:
            encoded = json.dumps(part, ensure_ascii=False)
            number = next((i for i in range(cursor, len(lines)) if encoded in lines[i]), None)
            if number is None:  # written by something other than nbformat: count from 1
                number = cursor
            else:
                cursor = number
            if cell["cell_type"] == "markdown":
                yield number + 1, part.rstrip("\n")


def sources(root: Path = ROOT) -> list[Path]:
    """The files that may hold links, in a fixed order."""
    docs = [
        p
        for p in sorted([*root.glob("docs/**/*.md"), *root.glob("docs/**/*.ipynb")])
        if "assets" not in p.relative_to(root / "docs").parts
    ]
    package = sorted(root.glob("src/dlnotes/**/*.py"))
    readme = [root / "README.md"] if (root / "README.md").is_file() else []
    return [*docs, *package, *readme]


def collect(root: Path = ROOT) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    """Returns {url: [file:line, ...]} and the suspicious ones as (url, where, why)."""
    found: dict[str, list[str]] = defaultdict(list)
    suspicious: list[tuple[str, str, str]] = []
    for path in sources(root):
        rel = path.relative_to(root).as_posix()
        for number, line in _source_lines(path):
            where = f"{rel}:{number}"
            targets = [m.group(1) for m in MD_TARGET.finditer(line)]
            bare = [_trim(m.group()) for m in URL.finditer(MD_TARGET.sub("](", line))]
            on_line = targets + bare
            for url in on_line:
                if urlsplit(url).hostname in LOCAL_HOSTS:
                    continue
                found[url].append(where)
                suspicious += [(url, where, why) for why in _problems(url)]
            for match in SPACED_LINK.finditer(line):
                suspicious.append((match.group(1), where, "white space inside the link target"))
            for match in ARXIV.finditer(line):
                ident = _trim(match.group(1))
                shape = ARXIV_ID.fullmatch(ident)
                url = f"https://arxiv.org/abs/{ident}"
                if shape is None:
                    suspicious.append((f"arXiv:{ident}", where, "not an arXiv identifier"))
                elif not any(ident in u for u in on_line):
                    found[url].append(where)
            for match in DOI.finditer(line):
                ident = _trim(match.group(1))
                url = f"https://doi.org/{ident}"
                if not any(ident in u for u in on_line):
                    found[url].append(where)
    return dict(found), sorted(set(suspicious))


def _problems(url: str) -> list[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    problems = []
    if not host or "." not in host:
        problems.append("no host name")
    if url.count("(") != url.count(")"):
        problems.append("unbalanced parentheses")
    if parts.scheme == "http" and host in HTTPS_HOSTS:
        problems.append("http:// for a host that serves https://")
    if host in PREFERRED_HOST:
        problems.append(f"old host name: use {PREFERRED_HOST[host]}")
    if host.endswith("arxiv.org") and not re.match(r"^/(abs|pdf|html)/", parts.path):
        problems.append("arxiv.org link to no paper (/abs/<id>)")
    return problems


def _sort_key(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return file, int(line)


def render(root: Path = ROOT) -> str:
    """The report, as Markdown. The same sources always give the same text."""
    found, suspicious = collect(root)
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in found:
        by_host[(urlsplit(url).hostname or "?").removeprefix("www.")].append(url)
    total = sum(len(w) for w in found.values())
    out = [
        "# External links",
        "",
        "Every link from the course to another site, by host. Generated by",
        "`python tools/external_links.py` from the pages, the notebooks' Markdown cells, the",
        "package's source and README.md; do not edit by hand. Nothing here was fetched: checking",
        "that the sites still answer is a separate, networked step.",
        "",
        f"{len(found)} URLs, {total} occurrences, {len(by_host)} hosts.",
        "",
    ]
    out += ["## Looks malformed", ""]
    if suspicious:
        out += ["| URL | Where | Why |", "| --- | --- | --- |"]
        out += [f"| {_cell(u)} | {w} | {why} |" for u, w, why in suspicious]
    else:
        out.append("Nothing.")
    out += ["", "## In one language only", ""]
    lonely = _one_language(found)
    if lonely:
        out += ["A page and its translation should cite the same sources.", ""]
        out += ["| URL | Where |", "| --- | --- |"]
        out += [f"| {_cell(u)} | {w} |" for u, w in lonely]
    else:
        out.append("Nothing: each translated page links to the same URLs as its original.")
    for host in sorted(by_host):
        out += ["", f"## {host}", "", "| URL | Count | Where |", "| --- | ---: | --- |"]
        for url in sorted(by_host[host]):
            places = sorted(found[url], key=_sort_key)
            out.append(f"| {_cell(url)} | {len(places)} | {'<br>'.join(places)} |")
    return "\n".join(out) + "\n"


def _one_language(found: dict[str, list[str]]) -> list[tuple[str, str]]:
    """URLs that a `docs/ko/x` file has and its `docs/en/x` twin lacks, or the other way round."""
    lonely = []
    for url, places in sorted(found.items()):
        files = {w.rpartition(":")[0] for w in places}
        for file in sorted(files):
            match = re.fullmatch(r"docs/(ko|en)/(.+\.(?:md|ipynb))", file)
            if match is None:
                continue
            other = "en" if match.group(1) == "ko" else "ko"
            if f"docs/{other}/{match.group(2)}" not in files:
                lonely.append((url, file))
    return lonely


def _cell(url: str) -> str:
    return "`" + url.replace("|", "%7C") + "`"


def _without_line_numbers(text: str) -> str:
    return LINE_NUMBER.sub("", text)


def check(root: Path = ROOT, report: Path = REPORT) -> str | None:
    """Returns None if `report` is current, else a message with a diff.

    Line numbers do not count: a report is current while it lists the same URLs in the same
    files, however the lines around them have moved."""
    expected = render(root)
    actual = report.read_text(encoding="utf-8") if report.is_file() else ""
    if _without_line_numbers(actual) == _without_line_numbers(expected):
        return None
    diff = difflib.unified_diff(
        actual.splitlines(),
        expected.splitlines(),
        fromfile=f"{report.relative_to(root).as_posix()} (committed)",
        tofile="(from the sources now)",
        lineterm="",
        n=0,
    )
    return (
        "the external-link report is out of date; run `python tools/external_links.py` and "
        "review the new links:\n" + "\n".join(list(diff)[:60])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed report")
    args = parser.parse_args(argv)
    if args.check:
        message = check()
        if message:
            print(message, file=sys.stderr)
            return 1
        return 0
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(render(), encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
