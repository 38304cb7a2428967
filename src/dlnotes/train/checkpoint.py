"""Checkpoints that resume a run exactly, and load with `torch.load(path, weights_only=True)`.

A checkpoint is one dict saved by `torch.save`:

| key | holds |
| --- | --- |
| `format`, `version` | `"dlnotes-checkpoint"` and `1`, checked on loading |
| `epoch` | the number of epochs completed |
| `model`, `optimizer`, `scheduler` | their `state_dict()`s (`None` where there is none) |
| `history` | the [`History`][dlnotes.train.History] as `{"history": [...], ...}` |
| `loader` | the training loader's `{"epoch": ..., "seed": ...}`, or `None` |
| `rng` | the random states of Python, NumPy, torch's CPU generator, each CUDA device and MPS |
| `extra` | anything else the caller passed (a configuration, say) |

Everything in it is a tensor, dict, list, string, number, bool or `None`, which is what
`weights_only=True` accepts: loading a checkpoint cannot run code hidden in the file. Random
states are kept as plain lists and tensors for that reason.

Files are written atomically (a temporary file in the same folder, then `os.replace`), so a run
killed while saving leaves the previous checkpoint whole.
"""

from __future__ import annotations

import os
import pickle
import random
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dlnotes._atomic import atomic_open
from dlnotes.tensor import _mps_available
from dlnotes.train.history import History

__all__ = [
    "get_rng_state",
    "load_checkpoint",
    "restore_checkpoint",
    "save_checkpoint",
    "set_rng_state",
]

FORMAT = "dlnotes-checkpoint"
VERSION = 1
_REQUIRED = ("format", "version", "epoch", "model", "optimizer", "scheduler", "history",
             "loader", "rng", "extra")  # fmt: skip
# What `torch.load(..., weights_only=True)` rebuilds, besides tensors and the containers below.
_PLAIN = (type(None), bool, int, float, complex, str, bytes, torch.Size, torch.dtype, torch.device)


def _check_loadable(value: object, where: str) -> None:
    """Raises TypeError if `value` holds an object that `weights_only=True` loading refuses.

    Checked before writing, since such a file would be saved without complaint and then refuse
    to load. Exact types: a NumPy float64 is a float subclass, but it is pickled as NumPy's.
    """
    if isinstance(value, torch.Tensor) or type(value) in _PLAIN:
        return
    if type(value) in (dict, OrderedDict):
        for key, item in value.items():  # type: ignore[attr-defined]
            _check_loadable(key, f"a key of {where}")
            _check_loadable(item, f"{where}[{key!r}]")
    elif type(value) in (list, tuple, set):
        for index, item in enumerate(value):  # type: ignore[arg-type]
            _check_loadable(item, f"{where}[{index}]")
    else:
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        raise TypeError(
            f"Invalid {where}: {value!r} is a {kind}, which torch.load(..., weights_only=True) "
            f"cannot read back; store plain numbers, strings, lists, dicts or tensors "
            f"(e.g. float(x), str(path))"
        )


def get_rng_state() -> dict[str, Any]:
    """Returns the global random states of Python, NumPy and torch (CPU, CUDA and MPS).

    Returns:
        A dict of lists, numbers and uint8 tensors that `torch.save` stores and
        `torch.load(..., weights_only=True)` reads back; give it to
        [`set_rng_state`][dlnotes.train.set_rng_state].

    Examples:
        >>> import torch
        >>> from dlnotes.train import get_rng_state, set_rng_state
        >>> state = get_rng_state()
        >>> a = torch.rand(3)
        >>> set_rng_state(state)
        >>> torch.equal(a, torch.rand(3))
        True
    """
    version, internal, gauss_next = random.getstate()
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state(legacy=True)
    return {
        "python": [version, list(internal), gauss_next],
        "numpy": [str(name), keys.tolist(), int(pos), int(has_gauss), float(cached_gaussian)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        # Apple's GPU has one generator of its own (dropout on device="mps" draws from it).
        "mps": torch.mps.get_rng_state() if _mps_available() else None,
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restores the random states saved by [`get_rng_state`][dlnotes.train.get_rng_state].

    CUDA and MPS states are restored only where that device is available (a checkpoint from a
    GPU machine still resumes on a CPU, though not bit for bit). A state saved before the MPS
    entry existed restores the rest.

    Args:
        state: The dict `get_rng_state` returned.

    Raises:
        ValueError: If a part is missing or malformed.
    """
    try:
        version, internal, gauss_next = state["python"]
        random.setstate((version, tuple(internal), gauss_next))
        name, keys, pos, has_gauss, cached_gaussian = state["numpy"]
        np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss,
                             cached_gaussian))  # fmt: skip
        torch.set_rng_state(state["torch"].cpu())
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
        if state.get("mps") is not None and _mps_available():
            torch.mps.set_rng_state(state["mps"].cpu())
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"Invalid random state: {exc}") from exc


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    epoch: int = 0,
    history: History | None = None,
    loader: Any = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Saves everything a run needs to continue exactly, atomically.

    Args:
        path: The file, e.g. `checkpoints/last.pt`; missing folders are created.
        model: Its `state_dict()` is saved.
        optimizer: Its `state_dict()` (the moments of Adam, ...), if given.
        scheduler: A learning-rate scheduler whose `state_dict()` is saved, if given.
        epoch: The number of epochs completed.
        history: The metrics so far.
        loader: A loader with `epoch` and `seed` attributes (an
            [`InMemoryLoader`][dlnotes.data.InMemoryLoader]), whose position is saved.
        extra: More plain data to keep (strings, numbers, lists, dicts, tensors).

    Returns:
        The path written.

    Raises:
        ValueError: If `epoch` is not a non-negative int.
        TypeError: If something to save, e.g. in `extra`, is not a tensor, number, string,
            bool, `None`, list, tuple, set or dict of them (`torch.load(..., weights_only=True)`
            could not read it back); nothing is written then.

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
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"Invalid epoch: {epoch!r} (expected an int >= 0)")
    loader_state = None
    if loader is not None and hasattr(loader, "epoch"):
        loader_state = {"epoch": int(loader.epoch), "seed": getattr(loader, "seed", None)}
    checkpoint = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "history": (history if history is not None else History()).to_dict(),
        "loader": loader_state,
        "rng": get_rng_state(),
        "extra": extra if extra is not None else {},
    }
    _check_loadable(checkpoint, "checkpoint")
    with atomic_open(path, "wb") as file:
        torch.save(checkpoint, file)
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike[str], *, map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Loads and checks a checkpoint written by [`save_checkpoint`][dlnotes.train.save_checkpoint].

    It reads with `weights_only=True`, so the file cannot run code, and it never writes.

    Args:
        path: The file.
        map_location: Where tensors are loaded; `load_state_dict` later copies them to the
            model's and optimizer's devices.

    Returns:
        The checkpoint dict (see the module's table).

    Raises:
        FileNotFoundError: If there is no such file.
        ValueError: If the file is truncated, corrupted, not a dlnotes checkpoint, or holds an
            object that `weights_only=True` loading refuses; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Checkpoint not found: {path}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch reports a broken zip or pickle with many exception types
        lines = [line.strip() for line in str(exc).splitlines()]
        if isinstance(exc, pickle.UnpicklingError) and "weights only" in str(exc).lower():
            # A whole file that holds an object outside weights_only's list (saved by other code).
            reason = next((line for line in lines if line.startswith("WeightsUnpickler")), lines[0])
            raise ValueError(
                f"{path}: the checkpoint holds an object that torch.load(..., weights_only=True) "
                f"refuses to build, so it is not loaded; the file is not damaged "
                f"({reason.split('. Please')[0]})"
            ) from exc
        raise ValueError(
            f"{path}: cannot read the checkpoint; the file is truncated or corrupted "
            f"({type(exc).__name__}: {lines[0] if lines else ''})"
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
        raise ValueError(f"{path}: incomplete checkpoint, missing {missing}")
    epoch = checkpoint["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"{path}: invalid epoch {epoch!r} in the checkpoint")
    if not isinstance(checkpoint["model"], dict):
        raise ValueError(f"{path}: the checkpoint's model entry is not a state dict")
    return checkpoint


def restore_checkpoint(
    checkpoint: dict[str, Any],
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    loader: Any = None,
    rng: bool = True,
) -> History:
    """Puts a loaded checkpoint's states back into fresh objects.

    Args:
        checkpoint: What [`load_checkpoint`][dlnotes.train.load_checkpoint] returned.
        model: Receives the weights (`load_state_dict`, strict).
        optimizer: Receives the optimizer state, if given.
        scheduler: Receives the scheduler state, if given.
        loader: Gets `set_epoch(...)` to where the saved run's loader was, if given.
        rng: Also restore the global random states (Python, NumPy, torch).

    Returns:
        The saved [`History`][dlnotes.train.History]; `checkpoint["epoch"]` epochs are done.

    Raises:
        ValueError: If the checkpoint lacks the optimizer or scheduler state asked for.
    """
    model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        if checkpoint["optimizer"] is None:
            raise ValueError("The checkpoint holds no optimizer state to restore")
        optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        if checkpoint["scheduler"] is None:
            raise ValueError("The checkpoint holds no scheduler state to restore")
        scheduler.load_state_dict(checkpoint["scheduler"])
    if loader is not None and checkpoint["loader"] is not None and hasattr(loader, "set_epoch"):
        loader.set_epoch(checkpoint["loader"]["epoch"])
    if rng:
        set_rng_state(checkpoint["rng"])
    return History.from_dict(checkpoint["history"])
