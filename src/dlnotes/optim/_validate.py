"""Checks shared by the optimizers: hyper-parameter ranges and the gradients `step` accepts."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator

import torch

__all__ = ["check_range", "dense_grads"]


def check_range(value: float, what: str, *, below: float | None = None) -> None:
    """Raises unless `0 <= value` (and `value < below` when given).

    Messages follow torch.optim's (`Invalid learning rate: -1`) with the allowed range added, so
    code that matches torch's messages matches ours too. NaN fails both comparisons and is
    rejected.

    Args:
        value: The hyper-parameter.
        what: How the message names it, e.g. `"learning rate"`, `"momentum value"`.
        below: An exclusive upper bound, if there is one.

    Raises:
        TypeError: If `value` is not a real number.
        ValueError: If `value` is outside the range.

    Examples:
        >>> from dlnotes.optim._validate import check_range
        >>> check_range(-1, "learning rate")
        Traceback (most recent call last):
        ...
        ValueError: Invalid learning rate: -1 (must be >= 0)
    """
    # bool is an int subclass, but `lr=True` is certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid {what}: {value!r} (expected a real number)")
    if below is None:
        if not 0.0 <= value:
            raise ValueError(f"Invalid {what}: {value} (must be >= 0)")
    elif not 0.0 <= value < below:
        raise ValueError(f"Invalid {what}: {value} (must be in [0, {below}))")


def dense_grads(
    params: Iterable[torch.Tensor], name: str
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yields `(param, grad)` for each parameter that has a gradient.

    Parameters without a gradient (unused this step, or frozen) are skipped, as torch does.

    Args:
        params: A parameter group's `"params"`.
        name: The optimizer's name, for the error message.

    Raises:
        RuntimeError: If a gradient is sparse (torch.optim raises `RuntimeError` here too).
        TypeError: If a parameter is complex.

    Examples:
        >>> import torch
        >>> from dlnotes.optim._validate import dense_grads
        >>> a, b = torch.zeros(2), torch.zeros(3)
        >>> a.grad = torch.ones(2)
        >>> [tuple(p.shape) for p, grad in dense_grads([a, b], "SGD")]
        [(2,)]
    """
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if grad.is_sparse:
            raise RuntimeError(
                f"{name} does not support sparse gradients (got one for a parameter of shape "
                f"{tuple(p.shape)}); use torch.optim.SparseAdam or a dense embedding"
            )
        if p.is_complex():
            raise TypeError(f"{name} does not support complex parameters (got dtype {p.dtype})")
        yield p, grad
