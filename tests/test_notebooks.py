"""Every notebook is stored without outputs.

The notebooks are executed by the strict site build in `tests/test_site.py` (with the notebook
cache off and `allow_errors: false`), which also checks that each page shows executed outputs and
no traceback; executing them a second time here would double the suite's slowest part.
"""

from __future__ import annotations

import json

import pytest

from pages import DOCS

NOTEBOOKS = sorted(DOCS.rglob("*.ipynb"))
IDS = [p.relative_to(DOCS).as_posix() for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; the site build executes them"
