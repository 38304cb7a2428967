r"""Arithmetic shared by the adaptive optimizers (Adagrad, RMSprop, Adam)."""

from __future__ import annotations

import math

import torch

__all__ = ["sqrt_plus_eps"]


def sqrt_plus_eps(v: torch.Tensor, eps: float, divisor: float = 1.0) -> torch.Tensor:
    r"""Returns $\sqrt{v} / d + \epsilon$, the denominator of an adaptive step, as a new tensor.

    The same bits as `v.sqrt().div_(divisor).add_(eps)`, which is what torch computes, only
    faster on the CPU. There `torch.sqrt` is about 25 times slower on exact zeros than on other
    numbers, and zeros are common in $v$: a weight whose input is always 0 (a pixel that is
    blank in every image) never gets a gradient, so its second moment stays 0. Raising $v$ to
    the smallest normal number first takes that slow path away and changes no bit of the
    result whenever $\epsilon$ is large enough to swallow the root of that number:
    $\sqrt{\text{tiny}} / d$ is below half a unit in the last place of $\epsilon$, so that both
    it and anything smaller round to exactly $\epsilon$ when added (for float32 and
    $d \ge \sqrt{1 - 0.999}$: any $\epsilon \ge 10^{-9}$). Otherwise (a tiny or zero
    $\epsilon$) $v$ is used as it is.

    Args:
        v: The non-negative statistic, e.g. Adam's $v_t$.
        eps: The term $\epsilon$ added to the root.
        divisor: $d > 0$, e.g. Adam's $\sqrt{1 - \beta_2^t}$.

    Examples:
        >>> import torch
        >>> from dlnotes.optim._math import sqrt_plus_eps
        >>> sqrt_plus_eps(torch.tensor([0.0, 4.0]), eps=1e-8, divisor=2.0)
        tensor([1.0000e-08, 1.0000e+00])
    """
    finfo = torch.finfo(v.dtype)
    # Half a unit in the last place of eps is at least eps * finfo.eps / 4; a further factor of 2
    # covers the rounding of the root and of the division.
    swallowed = math.sqrt(finfo.tiny) / divisor < eps * finfo.eps / 8
    root = v.clamp_min(finfo.tiny).sqrt_() if swallowed else v.sqrt()  # a new tensor either way
    return root.div_(divisor).add_(eps)
