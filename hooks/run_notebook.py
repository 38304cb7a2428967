"""Executes one notebook the way mkdocs-jupyter does, in its own process (used by `notebooks.py`).

    python hooks/run_notebook.py SETTINGS_JSON

SETTINGS_JSON names the notebook to read (`source`), where to write the executed notebook
(`output`, written atomically), the folder to run in (`cwd`), and nbconvert's
`ExecutePreprocessor` options (`kernel_name`, `allow_errors`, `timeout`). A cell that fails (when
errors are not allowed) ends the process with nbconvert's message and status 1.
"""

from __future__ import annotations

import json
import os
import sys


def main(settings: dict) -> None:
    import nbformat
    from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor

    nb = nbformat.read(settings["source"], as_version=4)
    executor = ExecutePreprocessor(
        kernel_name=settings["kernel_name"],
        allow_errors=settings["allow_errors"],
        timeout=settings["timeout"],
        store_widget_state=True,
    )
    try:
        executor.preprocess(nb, {"metadata": {"path": settings["cwd"]}})
    except CellExecutionError as exc:
        sys.exit(str(exc))
    partial = settings["output"] + ".partial"
    nbformat.write(nb, partial)
    os.replace(partial, settings["output"])


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
