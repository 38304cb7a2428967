"""The one check the optimizers share beyond the hyper-parameter ranges of `dlnotes._checks`."""

from __future__ import annotations

import torch

__all__ = ["check_real"]


def check_real(optimizer: torch.optim.Optimizer) -> None:
    """Raises unless every parameter of `optimizer` is real.

    The update rules square the gradient element by element; for a complex $g$ that is $g^2$,
    not $|g|^2$, so a complex parameter would be updated wrongly without an error (torch views
    it as pairs of reals instead).

    Raises:
        TypeError: If a parameter is complex.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD
        >>> SGD([torch.zeros(2, dtype=torch.complex64)])
        Traceback (most recent call last):
        ...
        TypeError: SGD does not support complex parameters (got dtype torch.complex64)
    """
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.is_complex():
                name = type(optimizer).__name__
                raise TypeError(f"{name} does not support complex parameters (got dtype {p.dtype})")
