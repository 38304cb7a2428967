r"""Loss functions written from scratch with plain tensor operations.

Each function takes the same arguments as its namesake in `torch.nn.functional` and returns the
same values and gradients (the tests check this in float64), so the two can be swapped. The code
shows each formula once, in the symbols of its docstring.

- [`mse_loss`][dlnotes.losses.mse_loss] and [`l1_loss`][dlnotes.losses.l1_loss]: regression.
- [`nll_loss`][dlnotes.losses.nll_loss] and [`cross_entropy`][dlnotes.losses.cross_entropy]:
  classification, with class weights, `ignore_index`, label smoothing and probability targets.
- [`binary_cross_entropy_with_logits`][dlnotes.losses.binary_cross_entropy_with_logits]: binary
  and multi-label classification, stable for any logit.
- [`MSELoss`][dlnotes.losses.MSELoss], [`L1Loss`][dlnotes.losses.L1Loss],
  [`NLLLoss`][dlnotes.losses.NLLLoss], [`CrossEntropyLoss`][dlnotes.losses.CrossEntropyLoss] and
  [`BCEWithLogitsLoss`][dlnotes.losses.BCEWithLogitsLoss]: the same losses as `torch.nn.Module`s.

Differences from torch: shapes must match exactly (torch broadcasts `mse_loss` and `l1_loss`
with only a warning); bad class indices raise `ValueError` naming the index; class indices may
have any integer dtype (torch accepts only `int64` and `uint8`); the deprecated arguments
`size_average` and `reduce` do not exist, and every argument after `weight` is keyword-only.
"""

from __future__ import annotations

import torch

from dlnotes.activations import log_softmax

__all__ = [
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l1_loss",
    "mse_loss",
    "nll_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


# --- Input checks -------------------------------------------------------------------------------


def _check_regression(input: torch.Tensor, target: torch.Tensor, reduction: str) -> None:
    """The checks shared by the regression losses."""
    _check_reduction(reduction)
    _check_floating("input", input)
    _check_floating("target", target)
    _check_same_shape(input, target)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction: {reduction!r} (expected 'mean', 'sum' or 'none')")


def _check_floating(name: str, tensor: object) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"Expected {name} to be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(f"Expected {name} to have a floating-point dtype, got {tensor.dtype}")


def _check_same_shape(input: torch.Tensor, target: torch.Tensor) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"Shape mismatch: input has shape {tuple(input.shape)}, target has shape "
            f"{tuple(target.shape)} (they must be equal; no broadcasting)"
        )


def _check_class_weight(weight: torch.Tensor | None, num_classes: int) -> None:
    if weight is None:
        return
    _check_floating("weight", weight)
    if weight.shape != (num_classes,):
        raise ValueError(
            f"Expected weight of shape ({num_classes},), one per class, got {tuple(weight.shape)}"
        )


def _check_class_indices(
    input: torch.Tensor, target: object, weight: torch.Tensor | None, ignore_index: int
) -> tuple[int, torch.Tensor]:
    """Checks a class-index problem; returns the class dimension and the targets as int64."""
    _check_floating("input", input)
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"Expected target to be a torch.Tensor, got {type(target).__name__}")
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"Expected target to hold integer class indices, got {target.dtype}")
    if input.dim() == 0:
        raise ValueError("Expected input with a class dimension, got shape ()")
    class_dim = 0 if input.dim() == 1 else 1  # (C,) unbatched, else (N, C, d1, ...)
    num_classes = input.shape[class_dim]
    expected = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    if target.shape != expected:
        raise ValueError(
            f"Shape mismatch: input of shape {tuple(input.shape)} needs target of shape "
            f"{tuple(expected)}, got {tuple(target.shape)}"
        )
    # In uint8, 156 == -100 would hold: compare in int64.
    target = target.long()
    bad = (target != ignore_index) & ((target < 0) | (target >= num_classes))
    if bad.any():
        raise ValueError(
            f"Target class index {target[bad][0].item()} is out of range for {num_classes} "
            f"classes (expected 0 <= index < {num_classes}, or ignore_index={ignore_index})"
        )
    _check_class_weight(weight, num_classes)
    return class_dim, target


# --- Shared pieces ------------------------------------------------------------------------------


def _reduce(losses: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return losses.mean()  # nan for an empty batch, as in torch
    if reduction == "sum":
        return losses.sum()
    return losses


def _per_class(weight: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reshapes class weights (C,) to broadcast along the class dimension of `like`."""
    if like.dim() == 1:
        return weight
    return weight.view(1, -1, *([1] * (like.dim() - 2)))  # (1, C, 1, ...)


def _weighted_nll(
    log_probs: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """The class-index loss shared by `nll_loss` and `cross_entropy` (inputs already checked)."""
    class_dim = 0 if log_probs.dim() == 1 else 1
    num_classes = log_probs.shape[class_dim]
    ignored = target == ignore_index
    # Any valid class stands in for ignored targets so that indexing works; masked out below.
    safe_target = target.masked_fill(ignored, 0)
    # log p_{n, y_n}
    picked = log_probs.gather(class_dim, safe_target.unsqueeze(class_dim)).squeeze(class_dim)
    if weight is None:
        weight = torch.ones(num_classes, dtype=log_probs.dtype, device=log_probs.device)
    # w_{y_n}
    w_y = weight[safe_target]  # (N, d1, ...)
    # l_n = -w_{y_n} log p_{n, y_n}
    losses = -w_y * picked
    if label_smoothing > 0.0:
        # l_n = (1 - eps) l_n + (eps / C) sum_c (-w_c log p_{n,c})
        uniform = -(_per_class(weight, log_probs) * log_probs).sum(class_dim)  # (N, d1, ...)
        losses = (1.0 - label_smoothing) * losses + (label_smoothing / num_classes) * uniform
    # masked_fill rather than multiplying by 0, because 0 * (-inf) is nan.
    losses = losses.masked_fill(ignored, 0.0)
    if reduction == "mean":
        # sum_n w_{y_n} over kept targets; 0 (so the mean is nan) if all are ignored, as in torch.
        return losses.sum() / w_y.masked_fill(ignored, 0.0).sum()
    return _reduce(losses, reduction)


# --- Regression ---------------------------------------------------------------------------------


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


# --- Classification -----------------------------------------------------------------------------


def nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Negative log-likelihood of the target classes, from log-probabilities.

    A classifier gives each example a distribution $p_\theta(y \mid x_n)$ over the classes. The
    likelihood of the data is $\prod_n p_\theta(y_n \mid x_n)$; its logarithm turns the product
    into a sum, and its negative turns maximising into minimising. So minimising

    $$
    \ell_n = -w_{y_n} \log p_\theta(y_n \mid x_n), \qquad
    \text{mean} = \frac{\sum_n \ell_n}{\sum_n w_{y_n}}
    $$

    is maximum-likelihood estimation. `input` holds $\log p_\theta(c \mid x_n)$ for every class
    $c$, so the loss only picks the entry of the target class. The sums in the mean run over
    the targets that are not `ignore_index`; with no `weight` ($w_c = 1$) it is a plain
    average over them. On logits, `cross_entropy(logits, y)` equals
    `nll_loss(log_softmax(logits, dim=1), y)`; see [`cross_entropy`][dlnotes.losses.cross_entropy].

    Args:
        input: Log-probabilities of shape $(N, C)$, $(C,)$ or $(N, C, d_1, \ldots)$.
        target: Class indices in $[0, C)$ of shape $(N,)$, $()$ or $(N, d_1, \ldots)$; any
            integer dtype.
        weight: Optional weight $w_c$ for each class, of shape $(C,)$.
        ignore_index: Targets equal to it add nothing to the loss nor to the mean's divisor.
        reduction: `"mean"` (weighted, as above), `"sum"` or `"none"`.

    Returns:
        A scalar, or the losses $\ell_n$ of shape `target.shape` for `reduction="none"`.

    Raises:
        TypeError: If `input` or `weight` is not floating-point, or `target` is not integer.
        ValueError: If the shapes do not fit, a class index is out of range, or `reduction`
            is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import nll_loss
        >>> log_probs = torch.tensor([[0.5, 0.5], [0.9, 0.1]]).log()
        >>> nll_loss(log_probs, torch.tensor([0, 1]))  # (log 2 + log 10) / 2
        tensor(1.4979)
    """
    _check_reduction(reduction)
    _, target = _check_class_indices(input, target, weight, ignore_index)
    return _weighted_nll(input, target, weight, ignore_index, reduction)


def cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    r"""Cross-entropy between the softmax of logits and the targets.

    With class indices as targets it is [`nll_loss`][dlnotes.losses.nll_loss] applied to
    [`log_softmax`][dlnotes.activations.log_softmax] of the logits, which keeps it finite for any
    logits:

    $$
    \ell_n = -w_{y_n} \log \frac{e^{z_{n, y_n}}}{\sum_c e^{z_{n,c}}}
    = w_{y_n} \Big( \log \sum_c e^{z_{n,c}} - z_{n, y_n} \Big)
    $$

    and `"mean"` divides $\sum_n \ell_n$ by $\sum_n w_{y_n}$, both over targets that are not
    `ignore_index`. Label smoothing (Szegedy, Vanhoucke, Ioffe, Shlens and Wojna, "Rethinking
    the Inception Architecture for Computer Vision", CVPR 2016) mixes the one-hot target with
    the uniform distribution, $q = (1 - \varepsilon)\,\text{onehot}(y_n) + \varepsilon / C$;
    with class weights, as in torch, this gives

    $$
    \ell_n = (1 - \varepsilon)\,\big(-w_{y_n} \log p_{n, y_n}\big)
    + \frac{\varepsilon}{C} \sum_c \big(-w_c \log p_{n,c}\big)
    $$

    with the same divisor for the mean. With class probabilities $q_{n,c}$ as targets (a
    floating-point `target` of the shape of `input`, smoothed the same way if asked),

    $$
    \ell_n = -\sum_c w_c\, q_{n,c} \log p_{n,c}, \qquad \text{mean} = \frac{1}{N} \sum_n \ell_n
    $$

    where the mean divides by the number of examples $N$ (times $d_1 \cdots$), not by weights.

    Args:
        input: Logits $z$ of shape $(N, C)$, $(C,)$ or $(N, C, d_1, \ldots)$.
        target: Either class indices (any integer dtype) of the shape of `input` without its
            class dimension, or class probabilities (floating point) of the shape of `input`.
        weight: Optional weight $w_c$ for each class, of shape $(C,)$.
        ignore_index: Class-index targets equal to it are skipped. Probability targets do not
            support it: like torch, we reject a non-negative value there.
        reduction: `"mean"`, `"sum"` or `"none"`.
        label_smoothing: $\varepsilon \in [0, 1]$; 0 turns smoothing off.

    Returns:
        A scalar, or the losses $\ell_n$ (the shape of `input` without its class dimension)
        for `reduction="none"`.

    Raises:
        TypeError: If `input` or `weight` is not floating-point, or `target` is neither integer
            nor floating-point.
        ValueError: If the shapes do not fit, a class index is out of range, `label_smoothing`
            is outside [0, 1], or `reduction` is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import cross_entropy
        >>> logits = torch.tensor([[1000.0, -1000.0], [0.0, 0.0]])
        >>> cross_entropy(logits, torch.tensor([1, 0]), reduction="none")  # (2000, log 2)
        tensor([2.0000e+03, 6.9315e-01])
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"Invalid label_smoothing: {label_smoothing} (expected 0 <= it <= 1)")
    if isinstance(target, torch.Tensor) and target.is_floating_point():
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing)
    plain = weight is None and label_smoothing == 0.0 and reduction != "none"
    if plain and _plain_batch(input, target, ignore_index):
        return _SoftmaxCrossEntropy.apply(input, target, reduction == "mean")
    class_dim, target = _check_class_indices(input, target, weight, ignore_index)
    log_probs = log_softmax(input, class_dim)
    return _weighted_nll(log_probs, target, weight, ignore_index, reduction, label_smoothing)


def _plain_batch(input: object, target: object, ignore_index: int) -> bool:
    """True for the common case, which has a cheaper path: (N, C) logits, N > 0, and int64
    class indices all in [0, C), none equal to `ignore_index`. Anything else takes the general
    path, which also does every input check."""
    if not (
        isinstance(input, torch.Tensor)
        and isinstance(target, torch.Tensor)
        and input.is_floating_point()
        and input.dim() == 2
        and target.dtype == torch.int64
        and target.shape == input.shape[:1]
        and input.shape[0] > 0
    ):
        return False
    num_classes = input.shape[1]
    lowest, highest = torch.aminmax(target)
    if lowest.item() < 0 or highest.item() >= num_classes:
        return False
    return not (0 <= ignore_index < num_classes and bool((target == ignore_index).any()))


class _SoftmaxCrossEntropy(torch.autograd.Function):
    r"""Mean (or summed) cross-entropy of (N, C) logits, with its gradient written by hand.

    The gradient of $\ell_n = \log \sum_c e^{z_{n,c}} - z_{n, y_n}$ is

    $$
    \frac{\partial \ell_n}{\partial z_{n,c}} = \operatorname{softmax}(z_n)_c - [c = y_n]
    $$

    (every logit moves, the correct one down by $1 - p_{n, y_n}$). Computing it directly takes
    three passes over the (N, C) logits instead of autograd's walk back through each operation
    of `log_softmax` and the indexing. Inputs are checked by the caller; the values equal the
    general path's.
    """

    @staticmethod
    def forward(ctx, logits: torch.Tensor, target: torch.Tensor, mean: bool) -> torch.Tensor:
        log_probs = log_softmax(logits, 1)  # (N, C)
        # l_n = -log p_{n, y_n}
        picked = log_probs.gather(1, target.unsqueeze(1))  # (N, 1)
        ctx.save_for_backward(logits, log_probs, target)
        ctx.mean = mean
        return -(picked.mean() if mean else picked.sum())

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        logits, log_probs, target = ctx.saved_tensors
        scale = grad / len(target) if ctx.mean else grad
        index = target.unsqueeze(1)  # (N, 1)
        if torch.is_grad_enabled():
            # create_graph=True (a second derivative): the same formula from the input logits,
            # in operations autograd records.
            onehot = torch.zeros_like(log_probs).scatter_(1, index, 1.0)  # (N, C)
            return (log_softmax(logits, 1).exp() - onehot) * scale, None, None
        # softmax(z) - onehot(y), scaled by the incoming gradient (and 1/N for the mean): the
        # one-hot is never formed, 1 is subtracted at each target's column in place.
        grad_logits = log_probs.exp()  # (N, C)
        grad_logits.scatter_add_(1, index, grad_logits.new_full(index.shape, -1.0))
        return grad_logits.mul_(scale), None, None


def _cross_entropy_probs(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> torch.Tensor:
    """`cross_entropy` for class-probability targets."""
    _check_floating("input", input)
    _check_same_shape(input, target)
    if input.dim() == 0:
        raise ValueError("Expected input with a class dimension, got shape ()")
    if ignore_index >= 0:
        raise ValueError(
            f"ignore_index={ignore_index} is not supported with class-probability targets"
        )
    class_dim = 0 if input.dim() == 1 else 1
    num_classes = input.shape[class_dim]
    _check_class_weight(weight, num_classes)
    # q = (1 - eps) q + eps / C, the smoothed target (unchanged for eps = 0)
    q = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    log_probs = log_softmax(input, class_dim)
    if weight is not None:
        log_probs = _per_class(weight, log_probs) * log_probs
    # l_n = -sum_c w_c q_{n,c} log p_{n,c}
    losses = -(q * log_probs).sum(class_dim)  # (N, C, d1, ...) -> (N, d1, ...)
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    *,
    reduction: str = "mean",
    pos_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Binary cross-entropy on logits, stable for logits of any size.

    For a logit $z$, target $y \in [0, 1]$, $\sigma(z) = 1 / (1 + e^{-z})$ and a weight $p$ on
    the positive term (`pos_weight`, 1 by default):

    $$
    \ell = -\big[\, p\, y \log \sigma(z) + (1 - y) \log (1 - \sigma(z)) \,\big]
    $$

    Computing $\sigma(z)$ first fails for large $|z|$: $\sigma(40) = 1$ in float32, and
    $\log(1 - 1) = -\infty$. Instead use $\log(1 - \sigma(z)) = -z + \log \sigma(z)$ and
    $-\log \sigma(z) = \log(1 + e^{-z})$:

    $$
    \ell = (1 - y)\, z + \big(1 + (p - 1)\, y\big) \log\big(1 + e^{-z}\big)
    $$

    and $\log(1 + e^{-z}) = \max(-z, 0) + \log(1 + e^{-|z|})$, whose exponent is never
    positive. With $p = 1$ this is the familiar

    $$
    \ell = \max(z, 0) - z\, y + \log\big(1 + e^{-|z|}\big)
    $$

    `weight` then multiplies each $\ell$. `weight` and `pos_weight` broadcast against `input`;
    `pos_weight` of shape $(C,)$ weighs the positives of each of $C$ labels.

    Differences from torch: `input` and `target` must have the same shape (torch checks this
    too), and `weight` and `pos_weight` must broadcast to it without enlarging it.

    Args:
        input: Logits $z$, a floating-point tensor of any shape.
        target: Targets $y$ (usually 0 or 1), of the same shape.
        weight: Optional weight of each element's loss, broadcastable to `input`.
        reduction: `"mean"`, `"sum"` or `"none"`.
        pos_weight: Optional weight $p$ of the positive term, broadcastable to `input`; above 1
            it raises recall, below 1 precision.

    Returns:
        A scalar, or the per-element losses for `reduction="none"`.

    Raises:
        TypeError: If a tensor argument is not floating-point.
        ValueError: If the shapes do not fit or `reduction` is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import binary_cross_entropy_with_logits
        >>> z = torch.tensor([1000.0, -1000.0, 0.0])
        >>> binary_cross_entropy_with_logits(z, torch.tensor([1.0, 1.0, 0.0]), reduction="none")
        tensor([0.0000e+00, 1.0000e+03, 6.9315e-01])
    """
    _check_reduction(reduction)
    _check_floating("input", input)
    _check_floating("target", target)
    _check_same_shape(input, target)
    for name, extra in (("weight", weight), ("pos_weight", pos_weight)):
        if extra is None:
            continue
        _check_floating(name, extra)
        try:
            fits = torch.broadcast_shapes(extra.shape, input.shape) == input.shape
        except RuntimeError:
            fits = False
        if not fits:
            raise ValueError(
                f"{name} of shape {tuple(extra.shape)} does not broadcast to the input's shape "
                f"{tuple(input.shape)}"
            )
    z, y = input, target
    # log(1 + e^{-z}). torch.maximum, unlike clamp, splits the gradient evenly when -z == 0,
    # which gives the exact gradient sigma(0) - y there.
    log1p_exp = torch.maximum(-z, torch.zeros_like(z)) + torch.log1p(torch.exp(-z.abs()))
    # 1 + (p - 1) y
    log_weight = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * y
    losses = (1.0 - y) * z + log_weight * log1p_exp
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction)


# --- Module forms -------------------------------------------------------------------------------


class MSELoss(torch.nn.Module):
    """[`mse_loss`][dlnotes.losses.mse_loss] as a module, like `torch.nn.MSELoss`.

    Args:
        reduction: `"mean"`, `"sum"` or `"none"`.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import MSELoss
        >>> MSELoss(reduction="sum")(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
        tensor(5.)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(torch.nn.Module):
    """[`l1_loss`][dlnotes.losses.l1_loss] as a module, like `torch.nn.L1Loss`.

    Args:
        reduction: `"mean"`, `"sum"` or `"none"`.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import L1Loss
        >>> L1Loss()(torch.tensor([1.0, -2.0]), torch.tensor([0.0, 0.0]))
        tensor(1.5000)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class NLLLoss(torch.nn.Module):
    """[`nll_loss`][dlnotes.losses.nll_loss] as a module, like `torch.nn.NLLLoss`.

    `weight` is a buffer, so `.to(device)` moves it with the module.

    Args:
        weight: Optional weight of each class, of shape $(C,)$.
        ignore_index: Targets equal to it are skipped.
        reduction: `"mean"`, `"sum"` or `"none"`.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import NLLLoss
        >>> NLLLoss()(torch.tensor([[0.5, 0.5]]).log(), torch.tensor([1]))
        tensor(0.6931)
    """

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        _check_reduction(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class CrossEntropyLoss(torch.nn.Module):
    r"""[`cross_entropy`][dlnotes.losses.cross_entropy] as a module, like `torch.nn.CrossEntropyLoss`.

    `weight` is a buffer, so `.to(device)` moves it with the module.

    Args:
        weight: Optional weight of each class, of shape $(C,)$.
        ignore_index: Class-index targets equal to it are skipped.
        reduction: `"mean"`, `"sum"` or `"none"`.
        label_smoothing: $\varepsilon \in [0, 1]$; 0 turns smoothing off.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import CrossEntropyLoss
        >>> CrossEntropyLoss()(torch.zeros(1, 4), torch.tensor([2]))  # log 4
        tensor(1.3863)
    """

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        _check_reduction(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCEWithLogitsLoss(torch.nn.Module):
    """Binary cross-entropy on logits as a module, like `torch.nn.BCEWithLogitsLoss`.

    `forward` calls
    [`binary_cross_entropy_with_logits`][dlnotes.losses.binary_cross_entropy_with_logits].
    `weight` and `pos_weight` are buffers, so `.to(device)` moves them with the module.

    Args:
        weight: Optional weight of each element's loss, broadcastable to the input.
        reduction: `"mean"`, `"sum"` or `"none"`.
        pos_weight: Optional weight of the positive term, broadcastable to the input.

    Examples:
        >>> import torch
        >>> from dlnotes.losses import BCEWithLogitsLoss
        >>> BCEWithLogitsLoss()(torch.zeros(2), torch.tensor([0.0, 1.0]))  # log 2
        tensor(0.6931)
    """

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        *,
        reduction: str = "mean",
        pos_weight: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        _check_reduction(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )
