"""MkDocs hook: what a reader finds around each chapter, through MkDocs' public events only.

1. **The versions that ran the examples.** Each chapter (a page of the navigation's lessons
   section, `extra.lessons` in `mkdocs.yml`, notebooks included) ends with a line such as
   "torch 2.5.1 · Python 3.11.7 · verified 2026-12-01": the torch and Python of the environment
   that builds the site and runs its examples, and the day of the build (`SOURCE_DATE_EPOCH`,
   when set, for a reproducible build). The template (`overrides/main.html`) shows it from the
   page's `dlnotes_chapter` variable, set here in `on_page_context`.
2. **Reader progress.** The same box holds the button that marks the chapter as done in the
   reader's browser (`docs/assets/javascripts/progress.js`, which also puts the marks in the
   navigation). The button's labels in the page's language come from here.
3. **The package's release in every page's footer** (`overrides/partials/copyright.html`): the
   version of the installed `dlnotes-course` and its project links, read from the distribution's
   metadata (so from `pyproject.toml`, the one place they are written), as `config.extra.package`.
4. **The lightbox only where there are figures.** mkdocs-glightbox adds its script and stylesheet
   to every page; a page whose content has no image it wrapped gets its documented
   `glightbox: false` meta, so that pages without figures stay light.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import importlib.util
import os
import platform
from pathlib import Path

from install_cell import DISTRIBUTION
from mkdocs.plugins import event_priority

LABELS = {
    "ko": {
        "verified": "확인한 날",
        "title": "이 장의 예제를 실행해 확인한 환경과 날짜",
        "todo": "이 장을 다 읽었어요",
        "done": "✓ 다 읽은 장이에요 · 표시 지우기",
    },
    "en": {
        "verified": "verified",
        "title": "The versions that ran this chapter's examples, and the day they did",
        "todo": "Mark this chapter as done",
        "done": "✓ Done · clear the mark",
    },
}


def torch_version() -> str:
    """`torch.__version__` of the installed torch, without importing torch (1.5 s or more).

    torch sets `__version__` from its public module `torch.version`, a file of constants: it is
    read on its own here. Without it (an unusual install), the distribution's version.
    """
    spec = importlib.util.find_spec("torch")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "version.py"
        if path.is_file():
            constants: dict = {}
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), constants)
            if isinstance(constants.get("__version__"), str):
                return constants["__version__"]
    return importlib.metadata.version("torch")


def build_date() -> str:
    """The day of the build, or of `SOURCE_DATE_EPOCH` (seconds, UTC) when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return (
            datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date().isoformat()
        )
    return datetime.date.today().isoformat()


_VERSIONS: dict[str, str] = {}


def package_release() -> dict:
    """The installed package's name, version and project links (`[project.urls]`), by label."""
    metadata = importlib.metadata.metadata(DISTRIBUTION)
    urls = dict(
        entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or () if ", " in entry
    )
    return {"name": metadata["Name"], "version": metadata["Version"], "urls": urls}


def on_config(config):
    _VERSIONS.clear()
    _VERSIONS.update(torch=torch_version(), python=platform.python_version(), date=build_date())
    config.extra["package"] = package_release()
    return config


def lessons_title(config) -> str | None:
    """The lessons section's title in this build's language (English titles are translated)."""
    name = config.extra.get("lessons")
    return (config.extra.get("nav_translations") or {}).get(name, name) if name else None


def is_chapter(page, config) -> bool:
    parent = page.parent
    return parent is not None and parent.is_section and parent.title == lessons_title(config)


def on_page_context(context, page, config, nav):
    if is_chapter(page, config):
        labels = LABELS.get(config.theme["language"], LABELS["en"])
        context["dlnotes_chapter"] = {**_VERSIONS, **labels}
    return context


@event_priority(-100)  # after mkdocs-glightbox has wrapped the figures
def on_page_content(html, page, config, files):
    if 'class="glightbox"' not in html and "glightbox" in config.plugins:
        page.meta["glightbox"] = False
    return html
