"""A run's checkpoint folder: the last two checkpoints, and a lock that keeps other runs out.

The folder holds

| file | what |
| --- | --- |
| `last.pt` | the checkpoint of the newest completed epoch |
| `previous.pt` | the one before it, kept in case `last.pt` is damaged |
| `lock` | the process id and host of the run using the folder, while it runs |

**Saving** writes the new checkpoint to `next.pt` (atomically), reads it back and checks its
digest, and only then rotates: an intact `last.pt` becomes `previous.pt` (a hard link, or a copy
where the file system has none, renamed into place) and `next.pt` is renamed to `last.pt`. At
every moment `last.pt` and `previous.pt` are complete files; a process killed at any point,
even with `kill -9`, leaves the newest intact checkpoint where `--resume` finds it.

**The lock** is created with `O_CREAT | O_EXCL`, which succeeds for exactly one process. A second
run on the folder is refused at once, with the folder and the process that holds it. The lock
is removed when the run ends, however it ends short of `kill -9`; a lock left by a process that
no longer exists on this host is stale and is taken over. (Two runs that find the same stale
lock in the same instant could both take it over; one of them wins the later rename race.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from pathlib import Path
from typing import Any

from dlnotes.train.checkpoint import load_checkpoint, save_checkpoint

__all__ = ["CheckpointFolder", "FolderInUseError"]

LAST, PREVIOUS, NEXT, LOCK = "last.pt", "previous.pt", "next.pt", "lock"


class FolderInUseError(RuntimeError):
    """Another run holds the checkpoint folder's lock."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists, and sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


class CheckpointFolder:
    """The folder of one run: `last.pt`, `previous.pt` and a lock, used as a context manager.

    Args:
        path: The folder; created if missing.

    Raises:
        FolderInUseError: On entering, if another live process holds the folder.

    Examples:
        >>> import tempfile, torch
        >>> from dlnotes.train import CheckpointFolder
        >>> model = torch.nn.Linear(2, 1)
        >>> with CheckpointFolder(tempfile.mkdtemp()) as folder:
        ...     for epoch in (1, 2, 3):
        ...         _ = folder.save(model=model, epoch=epoch)
        ...     sorted(p.name for p in folder.path.iterdir())
        ['last.pt', 'lock', 'previous.pt']
        >>> folder.load_latest()["epoch"], (folder.path / "lock").exists()
        (3, False)
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._owner = f"{os.getpid()} {socket.gethostname()}"

    def __repr__(self) -> str:
        return f"CheckpointFolder({str(self.path)!r})"

    def __enter__(self) -> CheckpointFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.path / LOCK
        for _ in range(2):  # a second try after taking over a stale lock
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                self._check_holder(lock)  # raises unless the holder is gone
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(self._owner + "\n")
            # What a killed save left behind: only this folder's own temporary names.
            for leftover in [*self.path.glob(f".{NEXT}.*.tmp"), self.path / f".{PREVIOUS}.tmp"]:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            return self
        raise FolderInUseError(f"Could not lock the checkpoint folder {self.path}: another run "
                               f"took it over at the same moment")  # fmt: skip

    def _check_holder(self, lock: Path) -> None:
        try:
            pid_text, host = lock.read_text(encoding="utf-8").split()
            pid = int(pid_text)
        except (OSError, ValueError):
            return  # empty or garbled: its writer died between creating and writing it
        if host != socket.gethostname():
            raise FolderInUseError(
                f"The checkpoint folder {self.path} is in use by process {pid} on {host} "
                f"(lock file {lock}); if that run is over, delete the lock file"
            )
        if _alive(pid):
            raise FolderInUseError(
                f"The checkpoint folder {self.path} is in use by process {pid} "
                f"(lock file {lock}); wait for that run to end or choose another folder"
            )

    def __exit__(self, *exc_info: object) -> None:
        lock = self.path / LOCK
        with contextlib.suppress(OSError):
            if lock.read_text(encoding="utf-8").strip() == self._owner:
                lock.unlink()

    def save(self, **state: Any) -> Path:
        """Saves a checkpoint as `last.pt`, keeping the intact one before it as `previous.pt`.

        Args:
            **state: The arguments of [`save_checkpoint`][dlnotes.train.save_checkpoint] but
                `path`.

        Returns:
            The path of `last.pt`.
        """
        last, previous, new = self.path / LAST, self.path / PREVIOUS, self.path / NEXT
        save_checkpoint(new, **state)
        load_checkpoint(new)  # verified as read back from the file, before anything is rotated
        if _intact(last):  # a damaged last.pt is replaced, never kept as the fallback
            staged = self.path / f".{PREVIOUS}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)
            try:
                os.link(last, staged)
            except OSError:  # no hard links here (FAT, some network file systems)
                shutil.copyfile(last, staged)
            os.replace(staged, previous)
        os.replace(new, last)
        return last

    def load_latest(self) -> dict[str, Any]:
        """Loads and verifies `last.pt`.

        Raises:
            FileNotFoundError: If there is no `last.pt`.
            ValueError: If it is damaged; the message names the intact `previous.pt` to resume
                from instead, if there is one.
        """
        last, previous = self.path / LAST, self.path / PREVIOUS
        try:
            return load_checkpoint(last)
        except (FileNotFoundError, ValueError) as exc:
            if not previous.is_file():
                raise
            try:
                epoch = load_checkpoint(previous)["epoch"]
            except ValueError:
                raise exc from None
            raise type(exc)(
                f"{exc}; {previous} (epoch {epoch}) is intact: resume from it instead "
                f"(dlnotes train --resume {previous})"
            ) from None


def _intact(path: Path) -> bool:
    try:
        load_checkpoint(path)
    except (FileNotFoundError, ValueError):
        return False
    return True
