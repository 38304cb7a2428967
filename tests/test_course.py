"""The course as a beginner reads it: one order, no page about the project, the notes' slips on
one errata page.

- Every lecture after the first opens with the chapters it assumes (`!!! abstract "먼저 읽을 장"`,
  `"Before this chapter"`), and each of them comes earlier in the navigation.
- The navigation's titles are the pages' own titles, in both languages.
- Lesson pages and notebooks teach: nothing about tests, CI, build variables or the project's
  machines (README.md and CONTRIBUTING.md say that).
- The corrections of the source notes stand on the errata page, each once, not in boxes across
  the lessons; a lesson mentions the notes at most a few times.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pages import DOCS, ROOT

PREREQUISITES = {"ko": "먼저 읽을 장", "en": "Before this chapter"}
# Words that belong to the project's machinery, not to a lesson.
PROJECT_TALK = re.compile(
    r"DLNOTES_|shared/data|\bsybil\b|\bpytest\b|\bCI\b|this project|이 프로젝트|테스트에서 실행"
    r"|checked against (?:a|the) real run|실제 실행 결과와 대조|two machines|두 대의 머신"
    r"|instruction sets we tested"
)
NOTES = {
    "ko": re.compile(r"노트(?!북)"),
    "en": re.compile(r"\b[Tt]he (?:student's |source )?notes\b"),
}
MAX_NOTES_MENTIONS = 3
CORRECTION_BOX = re.compile(r'^[!?]{3}\+? \w+ "(원문 노트의 정정|Correction to the source notes)')


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml's structure; its `!!python/...` and `!ENV` values are not needed here."""


for _prefix in ("tag:yaml.org,2002:python/", "!"):
    _Loader.add_multi_constructor(_prefix, lambda loader, suffix, node: None)


def lectures() -> list[tuple[str, str]]:
    """The lectures in navigation order, as (Korean title, file name)."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    section = next(
        item["강의"] for item in config["nav"] if isinstance(item, dict) and "강의" in item
    )
    return [next(iter(entry.items())) for entry in section]


def english_titles() -> dict[str, str]:
    config = yaml.load((ROOT / "mkdocs.en.yml").read_text(encoding="utf-8"), Loader=_Loader)
    return config["extra"]["nav_translations"]


def localized(name: str, lang: str) -> Path:
    return DOCS / lang / name


def markdown_of(path: Path) -> str:
    """A page's Markdown; for a notebook, its Markdown cells and code comments, in order."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(source)
        else:  # the comments a reader reads; code itself may name anything
            parts.extend(line.split("#", 1)[1] for line in source.splitlines() if "#" in line)
    return "\n\n".join(parts)


def title_of(path: Path) -> str:
    heading = re.search(r"^# (.+?)(?:\s*\{[^}]*\})?\s*$", markdown_of(path), re.MULTILINE)
    assert heading, f"{path.name} has no title"
    return heading.group(1)


def prerequisites_of(text: str, lang: str) -> list[str] | None:
    """The link targets of the page's prerequisites box (a notebook, which has no admonitions,
    has a `**먼저 읽을 장:** ...` line instead), or None if it has none."""
    title = PREREQUISITES[lang]
    match = re.search(
        rf'^!!! abstract "{title}"\n((?:[ \t]+.*\n?|\n)+)|^\*\*{title}:\*\*(.*)$',
        text,
        re.MULTILINE,
    )
    if match is None:
        return None
    body = match.group(1) or match.group(2)
    return [target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", body)]


LESSONS = [localized(name, lang) for _, name in lectures() for lang in ("ko", "en")]


def test_every_chapter_builds_only_on_earlier_ones():
    order = [name for _, name in lectures()]
    problems = []
    for position, name in enumerate(order):
        for lang in ("ko", "en"):
            links = prerequisites_of(markdown_of(localized(name, lang)), lang)
            if position == 0:
                continue
            if not links:
                problems.append(f"{name} ({lang}): no '{PREREQUISITES[lang]}' box with links")
                continue
            for link in links:
                if link not in order[:position]:
                    where = "after it" if link in order else "not a lecture"
                    problems.append(f"{name} ({lang}) assumes {link}, which comes {where}")
    assert not problems, "\n".join(problems)


def test_navigation_titles_are_the_page_titles():
    english = english_titles()
    problems = []
    for korean, name in lectures():
        if title_of(localized(name, "ko")) != korean:
            problems.append(f"{name}: nav '{korean}', page '{title_of(localized(name, 'ko'))}'")
        if title_of(localized(name, "en")) != english.get(korean):
            problems.append(
                f"{name}: English nav '{english.get(korean)}', page "
                f"'{title_of(localized(name, 'en'))}'"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_lessons_do_not_talk_about_the_project(path):
    found = [
        f"line {text.count(chr(10), 0, match.start()) + 1}: {match.group(0)!r}"
        for text in [markdown_of(path)]
        for match in PROJECT_TALK.finditer(text)
    ]
    assert not found, f"{path.name} talks about the project, not the lesson: {found}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_notes_slips_are_not_corrected_in_the_lessons(path):
    text = markdown_of(path)
    lang = path.relative_to(DOCS).parts[0]
    boxes = [line for line in text.splitlines() if CORRECTION_BOX.match(line)]
    assert not boxes, f"{path.name}: correction boxes belong on the errata page: {boxes}"
    mentions = len(NOTES[lang].findall(text))
    assert mentions <= MAX_NOTES_MENTIONS, f"{path.name} mentions the notes {mentions} times"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_errata_state_each_correction_once_with_a_link(lang):
    text = (DOCS / lang / "errata.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    # Table rows, without each table's header (the row above its |---| line) and separator.
    body = [
        line for line, after in zip(lines, [*lines[1:], ""], strict=True)
        if line.startswith("| ") and "---" not in line and not after.startswith("| ---")
    ]  # fmt: skip
    assert len(body) >= 10
    said = [row.split("|")[1].strip().lower() for row in body]
    assert len(said) == len(set(said)), "a correction appears twice"
    for row in body:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"a row needs four cells: {row}"
        link = re.search(r"\]\(([\w-]+\.(?:md|ipynb))(#[\w-]+)?\)", cells[2])
        assert link and localized(link.group(1), lang).is_file(), row
