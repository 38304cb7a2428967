r"""Loss functions written from scratch with plain tensor operations.

Each function takes the same arguments as its namesake in `torch.nn.functional` and returns the
same values and gradients (the tests check this in float64), so the two can be swapped. The code
shows each formula once, in the symbols of its docstring.

- [`mse_loss`][dlnotes.losses.mse_loss] and [`l1_loss`][dlnotes.losses.l1_loss]: regression.
- [`nll_loss`][dlnotes.losses.nll_loss] and [`cross_entropy`][dlnotes.losses.cross_entropy]:
  classification; `cross_entropy` is `nll_loss` on `log_softmax`, and also takes class
  probabilities as targets (mixup's mixed labels).

Differences from torch: shapes must match exactly (torch broadcasts `mse_loss` and `l1_loss`
with only a warning); bad class indices raise `ValueError` naming the index; class indices may
have any integer dtype (torch accepts only `int64` and `uint8`). Only `reduction=` is offered
among torch's options: no class weights, `ignore_index` or label smoothing (use
`torch.nn.functional.cross_entropy` for those).
"""

from __future__ import annotations

import torch

from dlnotes.activations import log_softmax

__all__ = ["cross_entropy", "l1_loss", "mse_loss", "nll_loss"]


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"Invalid reduction: {reduction!r} (expected 'mean', 'sum' or 'none')")


def _check_floating(name: str, tensor: object) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"Expected {name} to be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(f"Expected {name} to have a floating-point dtype, got {tensor.dtype}")


def _check_regression(input: torch.Tensor, target: torch.Tensor, reduction: str) -> None:
    _check_reduction(reduction)
    _check_floating("input", input)
    _check_floating("target", target)
    if input.shape != target.shape:
        raise ValueError(
            f"Shape mismatch: input has shape {tuple(input.shape)}, target has shape "
            f"{tuple(target.shape)} (they must be equal; no broadcasting)"
        )


def _check_classification(input: torch.Tensor, target: object, reduction: str) -> torch.Tensor:
    """Checks a class-index problem; returns the targets as int64."""
    _check_reduction(reduction)
    _check_floating("input", input)
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"Expected target to be a torch.Tensor, got {type(target).__name__}")
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"Expected target to hold integer class indices, got {target.dtype}")
    if input.dim() == 0:
        raise ValueError("Expected input with a class dimension, got shape ()")
    class_dim = _class_dim(input)
    num_classes = input.shape[class_dim]
    expected = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    if target.shape != expected:
        raise ValueError(
            f"Shape mismatch: input of shape {tuple(input.shape)} needs target of shape "
            f"{tuple(expected)}, got {tuple(target.shape)}"
        )
    target = target.long()
    bad = (target < 0) | (target >= num_classes)
    if bad.any():
        raise ValueError(
            f"Target class index {target[bad][0].item()} is out of range for {num_classes} "
            f"classes (expected 0 <= index < {num_classes})"
        )
    return target


def _class_dim(input: torch.Tensor) -> int:
    return 0 if input.dim() == 1 else 1  # (C,) unbatched, else (N, C, d1, ...)


def _reduce(losses: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return losses.mean()  # nan for an empty batch, as in torch
    if reduction == "sum":
        return losses.sum()
    return losses


def mse_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Mean squared error between predictions and targets.

    $$
    \ell_i = (\hat y_i - y_i)^2
    $$

    then averaged (`"mean"`), summed (`"sum"`) or returned per element (`"none"`). Minimising it
    is maximum likelihood under Gaussian noise of fixed variance (Goodfellow, Bengio and
    Courville, *Deep Learning*, MIT Press, 2016, section 5.5.1).

    Differences from torch: `input` and `target` must have the same shape; torch broadcasts
    them with only a warning, which silently turns a `(N, 1)` versus `(N,)` mistake into an
    `(N, N)` loss.

    Args:
        input: Predictions $\hat y$, a floating-point tensor of any shape.
        target: Targets $y$, of the same shape.
        reduction: `"mean"`, `"sum"` or `"none"`.

    Returns:
        A scalar, or the per-element losses for `reduction="none"`.

    Raises:
        TypeError: If `input` or `target` is not a floating-point tensor.
        ValueError: If the shapes differ or `reduction` is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import mse_loss
        >>> mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 6.0]))
        tensor(4.3333)
    """
    _check_regression(input, target, reduction)
    return _reduce((input - target).square(), reduction)


def l1_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Mean absolute error between predictions and targets.

    $$
    \ell_i = |\hat y_i - y_i|
    $$

    It grows linearly rather than quadratically with the error, so outliers pull less on the
    fit than under [`mse_loss`][dlnotes.losses.mse_loss]. Its gradient is the sign of the error
    (0 where the error is exactly 0, as in torch).

    Differences from torch: `input` and `target` must have the same shape (torch broadcasts).

    Args:
        input: Predictions $\hat y$, a floating-point tensor of any shape.
        target: Targets $y$, of the same shape.
        reduction: `"mean"`, `"sum"` or `"none"`.

    Returns:
        A scalar, or the per-element losses for `reduction="none"`.

    Raises:
        TypeError: If `input` or `target` is not a floating-point tensor.
        ValueError: If the shapes differ or `reduction` is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import l1_loss
        >>> l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 6.0]))
        tensor(1.6667)
    """
    _check_regression(input, target, reduction)
    return _reduce((input - target).abs(), reduction)


def nll_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Negative log-likelihood of the target classes, from log-probabilities.

    A classifier gives each example a distribution $p_\theta(y \mid x_n)$ over the classes. The
    likelihood of the data is $\prod_n p_\theta(y_n \mid x_n)$; its logarithm turns the product
    into a sum, and its negative turns maximising into minimising. So minimising

    $$
    \ell_n = -\log p_\theta(y_n \mid x_n)
    $$

    (averaged over the examples) is maximum-likelihood estimation. `input` holds
    $\log p_\theta(c \mid x_n)$ for every class $c$, so the loss only picks the entry of the
    target class.

    Args:
        input: Log-probabilities of shape $(N, C)$, $(C,)$ or $(N, C, d_1, \ldots)$.
        target: Class indices in $[0, C)$ of shape $(N,)$, $()$ or $(N, d_1, \ldots)$; any
            integer dtype.
        reduction: `"mean"`, `"sum"` or `"none"`.

    Returns:
        A scalar, or the losses $\ell_n$ of shape `target.shape` for `reduction="none"`.

    Raises:
        TypeError: If `input` is not floating-point, or `target` is not integer.
        ValueError: If the shapes do not fit, a class index is out of range, or `reduction`
            is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import nll_loss
        >>> log_probs = torch.tensor([[0.5, 0.5], [0.9, 0.1]]).log()
        >>> nll_loss(log_probs, torch.tensor([0, 1]))  # (log 2 + log 10) / 2
        tensor(1.4979)
    """
    target = _check_classification(input, target, reduction)
    class_dim = _class_dim(input)
    # log p_{n, y_n}
    picked = input.gather(class_dim, target.unsqueeze(class_dim)).squeeze(class_dim)
    return _reduce(-picked, reduction)


def cross_entropy(
    input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean"
) -> torch.Tensor:
    r"""Cross-entropy between the softmax of logits and the target classes.

    It is [`nll_loss`][dlnotes.losses.nll_loss] applied to
    [`log_softmax`][dlnotes.activations.log_softmax] of the logits $z$, which keeps it finite
    for any logits:

    $$
    \ell_n = -\log \frac{e^{z_{n, y_n}}}{\sum_c e^{z_{n,c}}}
    = \log \sum_c e^{z_{n,c}} - z_{n, y_n} .
    $$

    Its gradient is $\partial \ell_n / \partial z_{n,c} = \operatorname{softmax}(z_n)_c
    - [c = y_n]$ (divided by $N$ for the mean); autograd finds it from the two steps. The
    lecture [derives it](../neural-networks.md#cross-entropy).

    With class probabilities $q_{n,c}$ as targets (a floating-point `target` of the shape of
    `input`, such as mixup's mixed one-hot labels) it is the cross-entropy of the two
    distributions, which for a one-hot $q$ is the formula above:

    $$
    \ell_n = -\sum_c q_{n,c} \log \operatorname{softmax}(z_n)_c .
    $$

    Args:
        input: Logits $z$ of shape $(N, C)$, $(C,)$ or $(N, C, d_1, \ldots)$.
        target: Class indices (any integer dtype) of the shape of `input` without its class
            dimension, or class probabilities (floating point) of the shape of `input`.
        reduction: `"mean"`, `"sum"` or `"none"`.

    Returns:
        A scalar, or the losses $\ell_n$ for `reduction="none"`.

    Raises:
        TypeError: If `input` is not floating-point, or `target` is neither integer nor
            floating-point.
        ValueError: If the shapes do not fit, a class index is out of range, or `reduction`
            is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import cross_entropy
        >>> logits = torch.tensor([[1000.0, -1000.0], [0.0, 0.0]])
        >>> cross_entropy(logits, torch.tensor([1, 0]), reduction="none")  # (2000, log 2)
        tensor([2.0000e+03, 6.9315e-01])
    """
    _check_floating("input", input)
    if input.dim() == 0:
        raise ValueError("Expected input with a class dimension, got shape ()")
    class_dim = _class_dim(input)
    if isinstance(target, torch.Tensor) and target.is_floating_point():
        _check_regression(input, target, reduction)  # same dtype rules, same shape
        # l_n = -sum_c q_{n,c} log softmax(z_n)_c
        return _reduce(-(target * log_softmax(input, class_dim)).sum(class_dim), reduction)
    return nll_loss(log_softmax(input, class_dim), target, reduction=reduction)
