r"""Tensor helpers used throughout the course.

Taught in the chapter [PyTorch tensor basics](../tensor-basics.md): this module holds the small
tools a learner reaches for while poking at tensors.

- [`describe`][dlnotes.tensor.describe] and [`summarize`][dlnotes.tensor.summarize]: shape,
  dtype, device, `requires_grad` and a short value summary in one line.
- [`seed_everything`][dlnotes.tensor.seed_everything]: one call that seeds Python, NumPy and
  torch, and hands back a `torch.Generator` for code that takes one explicitly.
- [`get_device`][dlnotes.tensor.get_device]: pick `cpu`, `cuda` or `mps`, with a clear error when
  the device asked for is not there.
- [`to_numpy`][dlnotes.tensor.to_numpy] and [`from_numpy`][dlnotes.tensor.from_numpy]: NumPy
  round trips that say whether memory is shared.
"""

from __future__ import annotations

import os
import random
from typing import TextIO

import numpy as np
import torch

from dlnotes._checks import check_int

__all__ = [
    "describe",
    "from_numpy",
    "get_device",
    "seed_everything",
    "summarize",
    "to_numpy",
]

# NumPy's legacy global seed must fit in 32 bits; torch accepts 64. We keep to the smaller range so
# that one seed means the same thing to every library.
_MAX_SEED = 2**32 - 1


def _fmt(x: float) -> str:
    """Formats a summary statistic compactly (4 significant digits)."""
    return f"{x:.4g}"


def summarize(tensor: torch.Tensor, name: str | None = None) -> str:
    """Returns a one-line description of a tensor: metadata first, then values.

    The values part gives the minimum, maximum, mean and standard deviation, computed in float64
    on a detached copy so that the call never changes the autograd graph. Boolean and integer
    tensors are summarised too; complex tensors are summarised by their magnitude.

    Args:
        tensor: The tensor to describe.
        name: An optional name printed first.

    Returns:
        The description, without a trailing newline.

    Raises:
        TypeError: If `tensor` is not a `torch.Tensor`.

    Examples:
        >>> import torch
        >>> from dlnotes.tensor import summarize
        >>> print(summarize(torch.arange(6.0).reshape(2, 3), name="x"))
        x: shape=(2, 3) dtype=torch.float32 device=cpu requires_grad=False | min=0 max=5 mean=2.5 std=1.871
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(tensor).__name__}: {tensor!r}")
    head = (
        f"shape={tuple(tensor.shape)} dtype={tensor.dtype} device={tensor.device} "
        f"requires_grad={tensor.requires_grad}"
    )
    if name is not None:
        head = f"{name}: {head}"
    n = tensor.numel()
    if n == 0:
        return f"{head} | empty"
    values = tensor.detach()
    if values.is_complex():
        values = values.abs()
    values = values.to(device="cpu", dtype=torch.float64)
    stats = [f"min={_fmt(values.min().item())}", f"max={_fmt(values.max().item())}"]
    stats.append(f"mean={_fmt(values.mean().item())}")
    # The sample standard deviation (Bessel's correction), as torch.std computes by default; it
    # is undefined for a single element, so we leave it out there.
    if n > 1:
        stats.append(f"std={_fmt(values.std().item())}")
    if not torch.isfinite(values).all():
        stats.append(f"non-finite={int((~torch.isfinite(values)).sum())}")
    return f"{head} | {' '.join(stats)}"


def describe(tensor: torch.Tensor, name: str | None = None, *, file: TextIO | None = None) -> None:
    """Prints [`summarize(tensor, name)`][dlnotes.tensor.summarize].

    Args:
        tensor: The tensor to describe.
        name: An optional name printed first.
        file: Where to print; standard output by default.

    Examples:
        >>> import torch
        >>> from dlnotes.tensor import describe
        >>> w = torch.ones(3, requires_grad=True)
        >>> describe(w, "w")
        w: shape=(3,) dtype=torch.float32 device=cpu requires_grad=True | min=1 max=1 mean=1 std=0
    """
    print(summarize(tensor, name), file=file)


def seed_everything(seed: int, *, deterministic: bool = False) -> torch.Generator:
    """Seeds Python's `random`, NumPy and torch (CPU and every GPU) with one number.

    Call it once at the top of a script or notebook to make a run repeatable. Code that takes a
    generator explicitly (data shuffling, initialisation) should use the returned one, which is
    a fresh `torch.Generator` seeded with the same number: explicit generators do not depend on
    how many random numbers other code has drawn in between.

    Args:
        seed: An integer in [0, 2**32 - 1], the range every one of the libraries accepts.
        deterministic: Also ask torch for deterministic algorithms
            (`torch.use_deterministic_algorithms(True)`), which makes some GPU operations slower
            and makes those without a deterministic version raise an error.

    Returns:
        A CPU `torch.Generator` seeded with `seed`.

    Raises:
        TypeError: If `seed` is not an integer.
        ValueError: If `seed` is outside [0, 2**32 - 1].

    Examples:
        >>> import torch
        >>> from dlnotes.tensor import seed_everything
        >>> g = seed_everything(0)
        >>> a = torch.rand(2)
        >>> g = seed_everything(0)
        >>> torch.equal(a, torch.rand(2))
        True
    """
    seed = check_int("seed", seed, minimum=0)
    if seed > _MAX_SEED:
        raise ValueError(f"Invalid seed: {seed} (expected 0 <= seed <= {_MAX_SEED})")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    # Only affects processes started from here on (hash randomisation is fixed at start-up).
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True)
        # cuBLAS needs this to be deterministic; harmless on the CPU.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def get_device(device: str | torch.device | None = "auto") -> torch.device:
    """Returns the device to compute on, checking that it exists.

    `"auto"` (or `None`) picks the best available device: CUDA, then Apple's MPS, then the CPU.
    Asking for a device that is not there raises an error saying why, instead of failing later
    at the first tensor moved there.

    Args:
        device: `"auto"`, `None`, or anything `torch.device` accepts (`"cpu"`, `"cuda"`,
            `"cuda:1"`, `"mps"`).

    Returns:
        The `torch.device`.

    Raises:
        ValueError: If the string is not a device name, or the device is not available.

    Examples:
        >>> from dlnotes.tensor import get_device
        >>> get_device("cpu")
        device(type='cpu')
    """
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device.strip().lower() if isinstance(device, str) else device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"Invalid device: {device!r} (expected 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps')"
        ) from exc
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            built = "with" if torch.backends.cuda.is_built() else "without"
            raise ValueError(
                f"Device {device!r} was requested, but CUDA is not available here "
                f"(torch {torch.__version__} was built {built} CUDA, and no usable GPU was "
                "found). Use device='cpu', or 'auto' to pick the best available device."
            )
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise ValueError(
                f"Device {device!r} was requested, but only {count} CUDA device(s) exist "
                f"(valid indices: 0..{count - 1})."
            )
        return dev
    if dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(
                f"Device {device!r} was requested, but Apple's MPS backend is not available "
                "here (it needs macOS 12.3+ on Apple silicon). Use device='cpu' or 'auto'."
            )
        return dev
    raise ValueError(f"Unsupported device: {device!r} (expected 'auto', 'cpu', 'cuda' or 'mps')")


def to_numpy(tensor: torch.Tensor, *, copy: bool = False) -> np.ndarray:
    """Converts a tensor to a NumPy array, whatever its device or autograd state.

    `tensor.numpy()` refuses tensors that require grad or live on a GPU; this detaches and moves
    to the CPU first. Detaching copies nothing: for any CPU tensor, a parameter that requires
    grad included, the array shares memory with the tensor (changing one changes the other, so a
    snapshot of weights taken before an optimizer step moves with them) unless `copy=True`. A
    GPU tensor is copied to the CPU anyway.

    Args:
        tensor: The tensor to convert.
        copy: Always return an array that owns its memory.

    Returns:
        The array.

    Raises:
        TypeError: If `tensor` is not a `torch.Tensor`.

    Examples:
        >>> import torch
        >>> from dlnotes.tensor import to_numpy
        >>> t = torch.zeros(3)
        >>> a = to_numpy(t)
        >>> t[0] = 7.0
        >>> a
        array([7., 0., 0.], dtype=float32)
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(tensor).__name__}: {tensor!r}")
    # resolve_conj/resolve_neg materialise lazy views that .numpy() cannot export.
    array = tensor.detach().cpu().resolve_conj().resolve_neg().numpy()
    return array.copy() if copy else array


def from_numpy(
    array: np.ndarray,
    *,
    dtype: torch.dtype | None = None,
    device: str | torch.device | None = None,
    copy: bool = False,
) -> torch.Tensor:
    """Converts a NumPy array to a tensor, sharing memory where it can.

    Like `torch.from_numpy`, the result shares memory with `array` when no conversion is needed
    (same dtype, CPU, `copy=False`). Asking for another `dtype` or `device` makes a copy, as
    `Tensor.to` does. Unlike `torch.from_numpy`, NumPy's float64 default can be turned into
    torch's float32 default in the same call (`dtype=torch.float32`).

    Args:
        array: The array to convert.
        dtype: The dtype of the result; the array's own by default.
        device: Where to put the result; validated by [`get_device`][dlnotes.tensor.get_device].
        copy: Always return a tensor that owns its memory.

    Returns:
        The tensor.

    Raises:
        TypeError: If `array` is not a NumPy array, or `dtype` is not a `torch.dtype`.
        ValueError: If the device is not available.

    Examples:
        >>> import numpy as np
        >>> from dlnotes.tensor import from_numpy
        >>> a = np.array([1.0, 2.0])
        >>> t = from_numpy(a)
        >>> a[0] = 5.0
        >>> t
        tensor([5., 2.], dtype=torch.float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"Expected a numpy.ndarray, got {type(array).__name__}: {array!r}")
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"Invalid dtype: {dtype!r} (expected a torch.dtype, e.g. torch.float32)")
    tensor = torch.from_numpy(array if array.flags.writeable else array.copy())
    target = get_device(device) if device is not None else tensor.device
    out = tensor.to(device=target, dtype=dtype or tensor.dtype)
    if copy and out.data_ptr() == tensor.data_ptr():
        out = out.clone()
    return out
