"""Checkpoints that resume a run exactly, verify themselves, and load with `weights_only=True`.

A checkpoint is one dict saved by `torch.save`:

| key | holds |
| --- | --- |
| `format`, `version` | `"dlnotes-checkpoint"` and `2`, checked on loading |
| `epoch`, `num_epochs` | the epochs completed, and the run's total when it was saved |
| `model`, `optimizer`, `scheduler` | their `state_dict()`s (`None` where there is none) |
| `optimizer_class` | e.g. `"torch.optim.adam.Adam"`, so a resume with another optimizer is refused |
| `history` | the [`History`][dlnotes.train.History] as `{"history": [...], ...}` |
| `rng` | the random states of Python, NumPy, torch's CPU generator, each CUDA device and MPS |
| `extra` | anything else the caller passed (a configuration, say) |
| `sha256` | a digest of everything above, checked on loading |

**It cannot run code.** Everything in it is a tensor, dict, list, string, number, bool or
`None`, which is what `torch.load(path, weights_only=True)` accepts. Before writing, the
serialized bytes are read back that way, so a file that would refuse to load is never written.

**It cannot lie.** The `sha256` entry is a SHA-256 digest over every other entry: the bytes of
each tensor, each number and string, and the structure that holds them. A file damaged on disk
(a bad sector, a copy cut off and patched) either fails to unpickle or fails this check, and
[`load_checkpoint`][dlnotes.train.load_checkpoint] refuses it with a message that names the file.

Files are written atomically (a temporary file in the same folder, then `os.replace`), so a run
killed while saving leaves the previous file whole. A run's folder, with its last two
checkpoints and its lock, is [`CheckpointFolder`][dlnotes.train.CheckpointFolder].
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dlnotes._atomic import atomic_open
from dlnotes._checks import check_int
from dlnotes.train.history import History

__all__ = ["load_checkpoint", "save_checkpoint"]

FORMAT = "dlnotes-checkpoint"
VERSION = 2
_REQUIRED = ("format", "version", "epoch", "num_epochs", "model", "optimizer", "optimizer_class",
             "scheduler", "history", "rng", "extra", "sha256")  # fmt: skip


def _digest(checkpoint: dict[str, Any]) -> str:
    """SHA-256 over every entry but `sha256`: types, structure, values and tensor bytes."""
    h = hashlib.sha256()

    def feed(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            flat = value.detach().cpu().contiguous().reshape(-1)
            h.update(f"T{value.dtype}{tuple(value.shape)}".encode())
            h.update(flat.view(torch.uint8).numpy().tobytes())
        elif isinstance(value, dict):  # insertion order survives torch.save and torch.load
            h.update(f"D{len(value)}".encode())
            for key, item in value.items():
                feed(key)
                feed(item)
        elif isinstance(value, (list, tuple)):
            h.update(f"L{len(value)}".encode())
            for item in value:
                feed(item)
        elif isinstance(value, float):
            h.update(f"F{value.hex()}".encode())  # exact, unlike a rounded decimal
        else:  # None, bool, int, str, torch.dtype, torch.device, ...
            text = repr(value)
            h.update(f"S{type(value).__name__}{len(text)}:{text}".encode())

    feed({key: value for key, value in checkpoint.items() if key != "sha256"})
    return h.hexdigest()


def _get_rng_state() -> dict[str, Any]:
    """The global random states of Python, NumPy and torch, as plain lists and tensors."""
    version, internal, gauss_next = random.getstate()
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state(legacy=True)
    return {
        "python": [version, list(internal), gauss_next],
        "numpy": [str(name), keys.tolist(), int(pos), int(has_gauss), float(cached_gaussian)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        # Apple's GPU has one generator of its own (dropout on device="mps" draws from it).
        "mps": torch.mps.get_rng_state() if torch.backends.mps.is_available() else None,
    }


def _set_rng_state(state: dict[str, Any]) -> None:
    """Restores `_get_rng_state()`; GPU states only where that GPU is available."""
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    name, keys, pos, has_gauss, cached_gaussian = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached_gaussian))
    torch.set_rng_state(state["torch"].cpu())
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
    if state["mps"] is not None and torch.backends.mps.is_available():
        torch.mps.set_rng_state(state["mps"].cpu())


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    epoch: int = 0,
    num_epochs: int | None = None,
    history: History | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Saves everything a run needs to continue exactly, atomically, with its digest.

    Args:
        path: The file, e.g. `checkpoints/last.pt`; missing folders are created.
        model: Its `state_dict()` is saved.
        optimizer: Its `state_dict()` (the moments of Adam, ...) and class, if given.
        scheduler: A learning-rate scheduler whose `state_dict()` is saved, if given.
        epoch: The number of epochs completed.
        num_epochs: The run's total number of epochs, if known.
        history: The metrics so far.
        extra: More plain data to keep (strings, numbers, lists, dicts, tensors).

    Returns:
        The path written.

    Raises:
        ValueError: If `epoch` is negative.
        TypeError: If `epoch` is not an int, or something to save (in `extra`, say) is not
            what `torch.load(..., weights_only=True)` reads back (a NumPy number, a `Path`, a
            function); nothing is written then.

    Examples:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from dlnotes.train import load_checkpoint, save_checkpoint
        >>> model = torch.nn.Linear(2, 1)
        >>> path = save_checkpoint(Path(tempfile.mkdtemp()) / "last.pt", model=model, epoch=3)
        >>> sorted(torch.load(path, weights_only=True)["model"])
        ['bias', 'weight']
        >>> load_checkpoint(path)["epoch"]
        3
    """
    check_int("epoch", epoch, 0)
    checkpoint: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": epoch,
        "num_epochs": num_epochs,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "optimizer_class": (
            f"{type(optimizer).__module__}.{type(optimizer).__qualname__}" if optimizer else None
        ),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "history": (history if history is not None else History()).to_dict(),
        "rng": _get_rng_state(),
        "extra": extra if extra is not None else {},
    }
    checkpoint["sha256"] = _digest(checkpoint)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    try:  # what the file will hold must load back; refuse before writing anything
        torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    except pickle.UnpicklingError as exc:
        reason = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
        raise TypeError(
            f"Cannot save a checkpoint to {path}: it holds an object that "
            f"torch.load(..., weights_only=True) cannot read back; store plain numbers, "
            f"strings, lists, dicts or tensors (e.g. float(x), str(path)). torch says: {reason}"
        ) from None
    with atomic_open(path, "wb") as file:
        file.write(buffer.getbuffer())
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike[str], *, map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Loads a checkpoint written by [`save_checkpoint`][dlnotes.train.save_checkpoint] and
    verifies its digest.

    It reads with `weights_only=True`, so the file cannot run code, and it never writes.

    Args:
        path: The file.
        map_location: Where tensors are loaded; `load_state_dict` later copies them to the
            model's and optimizer's devices.

    Returns:
        The checkpoint dict (see the module's table).

    Raises:
        FileNotFoundError: If there is no such file.
        ValueError: If the file is damaged (it does not unpickle, or its contents do not match
            its digest), is not a dlnotes checkpoint, or holds an object that `weights_only`
            loading refuses; the message names the file and says which.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Checkpoint not found: {path}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" in str(exc).lower():  # a whole file from other code: not damage
            raise ValueError(
                f"{path}: the file holds an object that torch.load(..., weights_only=True) "
                f"refuses to build, so it is not loaded (the file is not damaged)"
            ) from exc
        raise ValueError(f"{path}: the checkpoint is damaged (it cannot be unpickled)") from exc
    except Exception as exc:  # a broken zip surfaces as RuntimeError, EOFError, OSError, ...
        raise ValueError(
            f"{path}: the checkpoint is damaged (truncated or corrupted: {type(exc).__name__})"
        ) from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise ValueError(f"{path}: not a dlnotes checkpoint (no format={FORMAT!r} entry)")
    if checkpoint.get("version") != VERSION:
        raise ValueError(
            f"{path}: unsupported checkpoint version {checkpoint.get('version')!r} "
            f"(this dlnotes reads version {VERSION})"
        )
    missing = [key for key in _REQUIRED if key not in checkpoint]
    if missing:
        raise ValueError(f"{path}: the checkpoint is damaged (missing {missing})")
    if checkpoint["sha256"] != _digest(checkpoint):
        raise ValueError(
            f"{path}: the checkpoint is damaged (its contents do not match its SHA-256 digest)"
        )
    return checkpoint


def restore(
    checkpoint: dict[str, Any],
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
) -> History:
    """Puts a verified checkpoint's states back into fresh objects and the random generators.

    Raises:
        ValueError: If the model's shapes or the optimizer's class differ from the saved ones.
    """
    if optimizer is not None:
        saved = checkpoint["optimizer_class"]
        now = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
        if saved != now:
            raise ValueError(f"the checkpoint was saved with the optimizer {saved}, not {now}")
    try:
        model.load_state_dict(checkpoint["model"])
    except RuntimeError as exc:  # size mismatch, missing or unexpected keys
        reason = " ".join(str(exc).split())
        raise ValueError(f"the checkpoint holds another model: {reason}") from None
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            if checkpoint[name] is None:
                raise ValueError(f"the checkpoint holds no {name} state to restore")
            obj.load_state_dict(checkpoint[name])
    _set_rng_state(checkpoint["rng"])
    return History.from_dict(checkpoint["history"])
