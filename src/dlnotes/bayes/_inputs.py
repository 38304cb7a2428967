"""Turning the arguments of `dlnotes.bayes` into tensors, with their checks."""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["as_binary", "as_tensor"]


def as_tensor(x: torch.Tensor | Sequence | float, name: str, *, min_ndim: int = 1) -> torch.Tensor:
    """Converts `x` to a floating tensor: float64 unless it already is a floating tensor."""
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"Invalid {name}: {x!r} (expected a tensor or numbers)") from exc
    if x.is_complex():
        raise TypeError(f"Invalid {name}: expected real numbers, got a {x.dtype} tensor")
    if not x.is_floating_point():
        x = x.to(torch.float64)
    if x.ndim < min_ndim:
        raise ValueError(f"Invalid {name}: expected at least one dimension, got a scalar {x}")
    return x


def as_binary(observations: torch.Tensor | Sequence[int], name: str) -> torch.Tensor:
    """Converts 0/1 (or False/True) observations to a float64 tensor of shape (T,)."""
    x = as_tensor(observations, name, min_ndim=0).to(torch.float64)
    if x.ndim != 1:
        raise ValueError(f"Invalid {name}: expected shape (T,), got {tuple(x.shape)}")
    bad = x[(x != 0) & (x != 1)]
    if bad.numel():
        raise ValueError(f"Invalid {name}: values must be 0 or 1, got {bad[:5].tolist()}")
    return x
