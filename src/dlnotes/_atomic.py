"""Writing a file so that it is either the old one or the complete new one, never half of each."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_open"]


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO]:
    """Opens a temporary file next to `path`; on success, renames it over `path`.

    The temporary file lives in the same folder because `os.replace` is atomic only within one
    file system. If the block raises (or the process dies), `path` keeps its old contents and the
    temporary file is removed (or, after a crash, left as a hidden `.NAME.*.tmp`).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"Invalid mode: {mode!r} (expected 'w' or 'wb')")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        newline = {"newline": ""} if mode == "w" else {}
        encoding = {"encoding": "utf-8"} if mode == "w" else {}
        with os.fdopen(fd, mode, **newline, **encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # the data is on disk before the rename makes it visible
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
