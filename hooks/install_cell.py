"""The cell every notebook a reader downloads starts its code with: it installs the course's
package when it is missing, and names the version the notebook was made with.

    # This notebook needs dlnotes-course 0.1.0, the version it was made with; ...
    import importlib.metadata

    try:
        importlib.metadata.version("dlnotes-course")
    except importlib.metadata.PackageNotFoundError:
        %pip install dlnotes-course==0.1.0

The version is the installed distribution's (`pyproject.toml` is its one source), read when the
site is built; the comment is in the notebook's language, the code the same in every language.
IPython runs an indented `%pip` line (it becomes `get_ipython().run_line_magic(...)`). Used by
`notebooks.py` (the hand-written notebooks) and `page_to_notebook.py` (the lesson pages').
"""

from __future__ import annotations

import importlib.metadata
import re

import nbformat

DISTRIBUTION = "dlnotes-course"
INSTALL_COMMENT = {
    "ko": "# 이 노트북을 만든 버전인 {name} {version}이 필요합니다. 없으면 설치합니다.",
    "en": "# This notebook needs {name} {version}, the version it was made with; installs it if "
    "missing.",
}
INSTALL_CELL_ID = "install-package"


def package_version() -> str:
    """The installed version of the course's package (pyproject.toml is its one source)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(
            f"{DISTRIBUTION} is not installed in this environment, so the notebooks cannot say "
            "which version they need: install the project first (pip install -e .)"
        ) from None


def install_source(language: str, version: str) -> str:
    """The code of the install cell: the comment in the notebook's language, the same code."""
    if language not in INSTALL_COMMENT:
        raise ValueError(f"No install comment for language {language!r}: {sorted(INSTALL_COMMENT)}")
    if not re.fullmatch(r"[0-9A-Za-z.+!-]+", version):
        raise ValueError(f"Invalid version for {DISTRIBUTION}: {version!r}")
    comment = INSTALL_COMMENT[language].format(name=DISTRIBUTION, version=version)
    return "\n".join(
        [
            comment,
            "import importlib.metadata",
            "",
            "try:",
            f'    importlib.metadata.version("{DISTRIBUTION}")',
            "except importlib.metadata.PackageNotFoundError:",
            f"    %pip install {DISTRIBUTION}=={version}",
        ]
    )


def install_cell(language: str, version: str) -> nbformat.NotebookNode:
    """A code cell that installs the package when it is missing, naming the version it needs."""
    cell = nbformat.v4.new_code_cell(install_source(language, version))
    cell.id = INSTALL_CELL_ID
    return cell


def with_install_cell(nb: nbformat.NotebookNode, language: str, version: str):
    """Puts the install cell before the notebook's first code cell (in place); returns `nb`."""
    if any(cell.get("id") == INSTALL_CELL_ID for cell in nb.cells):
        raise ValueError(f"the notebook already has a cell with id {INSTALL_CELL_ID!r}")
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first, install_cell(language, version))
    return nb
