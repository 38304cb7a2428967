"""One strict site build per test run, shared by every test file and every xdist worker.

The site (`mkdocs build --strict`, both languages, notebooks executed with the cache off) is
built into a folder under a file lock: whoever comes first builds, the others wait and reuse it.
A failed build is remembered too, so every test that needs the site reports the same error
instead of building again. The folder is `$DLNOTES_SITE_BASE` (set by `conftest.py` for the
run), else beside pytest's per-worker temporary folders.

`conftest.py` starts the build in the background when the run begins
(`start_background_build`) and the unit and page tests run meanwhile; a test that needs the site
then waits only for what is left of the build. Run alone, `python tests/site_build.py BASE`
builds into BASE the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
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
    if os.environ.get("DLNOTES_SITE_BASE"):
        return build_once(Path(os.environ["DLNOTES_SITE_BASE"]))
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own basetemp inside one shared folder for the run.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    return build_once(base)


def build_once(base: Path) -> Path:
    """Builds the site into `base/dlnotes-site` unless it is there already; returns that folder.

    Raises:
        AssertionError: If this run's build failed (now or before), with mkdocs' messages.
    """
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


def start_background_build(base: Path) -> subprocess.Popen:
    """Starts `build_once(base)` in another process; its output goes to `base/dlnotes-site.log`."""
    with open(base / "dlnotes-site.log", "w", encoding="utf-8") as log:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(base)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so that `stop_background_build` also stops mkdocs and the
            # notebook kernels it started.
            start_new_session=True,
        )


def stop_background_build(process: subprocess.Popen) -> None:
    """Stops a background build and everything it started, if it is still running."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _build(out: Path) -> str | None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DLNOTES_NOTEBOOK_CACHE": "false"}
    env.pop("DLNOTES_NOTEBOOK_RUNS", None)
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


if __name__ == "__main__":
    try:
        build_once(Path(sys.argv[1]))
    except AssertionError as exc:
        sys.exit(str(exc))
