"""One strict site build per test run, shared by every test file and every xdist worker.

The first worker that asks builds the site (`mkdocs build --strict`, notebooks executed with the
cache off) into a folder beside pytest's per-worker temporary folders; the others wait on a file
lock and reuse it. A failed build is remembered too, so every test that needs the site reports
the same error instead of building again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from filelock import FileLock

from pages import ROOT

BUILD_TIMEOUT_S = 600


def shared_site(tmp_path_factory) -> Path:
    """Returns the built site folder, building it once per test run.

    With `DLNOTES_SITE_DIR` set, that already-built folder is used as it is (for iterating on a
    test; a strict build is then your job).
    """
    given = os.environ.get("DLNOTES_SITE_DIR")
    if given:
        if not (Path(given) / "index.html").is_file():
            raise AssertionError(f"DLNOTES_SITE_DIR={given} holds no built site (no index.html)")
        return Path(given)
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own basetemp inside one shared folder for the run.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    out = base / "dlnotes-site"
    failed = base / "dlnotes-site.failed"
    with FileLock(str(base / "dlnotes-site.lock"), timeout=BUILD_TIMEOUT_S + 60):
        if failed.exists():
            raise AssertionError(failed.read_text(encoding="utf-8"))
        if not (out / "index.html").is_file():
            message = _build(out)
            if message is not None:
                failed.write_text(message, encoding="utf-8")
                raise AssertionError(message)
    return out


def _build(out: Path) -> str | None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DLNOTES_NOTEBOOK_CACHE": "false"}
    # conftest.py sets MPLBACKEND=Agg for the pages; notebook kernels need their inline backend.
    env.pop("MPLBACKEND", None)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if result.returncode != 0:
        return f"mkdocs build --strict failed:\n{result.stderr[-6000:]}"
    print(f"site built in {time.perf_counter() - start:.1f} s")
    return None
