r"""Activation functions written from elementary tensor operations.

Each function here is built from `torch.exp`, `torch.expm1`, `torch.erf`, `torch.where`,
`clamp_min` and arithmetic, so that autograd differentiates exactly the formula in the docstring;
the tests check values and gradients against `torch.nn.functional` in float64, extreme inputs
included.

- [`sigmoid`][dlnotes.activations.sigmoid], [`tanh`][dlnotes.activations.tanh]: the classic
  saturating functions, written so that $x = \pm 1000$ neither overflows nor loses the gradient.
- [`relu`][dlnotes.activations.relu], [`gelu`][dlnotes.activations.gelu]: the rectifiers used
  in modern networks.
- [`softmax`][dlnotes.activations.softmax], [`log_softmax`][dlnotes.activations.log_softmax]:
  logits to probabilities, shifted by the maximum for stability.
- [`Activation`][dlnotes.activations.Activation]: an element-wise activation, by name, as a
  `torch.nn.Module`; [`dlnotes.models.MLP`][dlnotes.models.MLP] builds its layers this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

__all__ = ["Activation", "gelu", "log_softmax", "relu", "sigmoid", "softmax", "tanh"]


def _check_tensor(x: object) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(x).__name__}: {x!r}")


def _exp_minus_abs(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    r"""Returns $e^{-\text{scale} \cdot |x|}$, which lies in $(0, 1]$ and so never overflows.

    `torch.abs` has gradient 0 at $x = 0$, which would zero the gradient of every function built
    on it there; choosing the sign with `torch.where` keeps the slope of $-x$ at 0.
    """
    return torch.exp(scale * torch.where(x >= 0, -x, x))


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    r"""The logistic sigmoid, computed without overflow for any input.

    $$
    \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr).
    $$

    Written literally, $e^{-x}$ overflows to `inf` for $x = -1000$. With $z = e^{-|x|} \le 1$
    the same function is $1 / (1 + z)$ for $x \ge 0$ and $z / (1 + z)$ for $x < 0$, and nothing
    overflows. The derivative is at most $1/4$ (at $x = 0$), which is why gradients shrink through
    stacks of sigmoids.

    Args:
        x: Input tensor, any shape.

    Returns:
        A tensor of the same shape with values in $[0, 1]$.

    Raises:
        TypeError: If `x` is not a tensor.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import sigmoid
        >>> sigmoid(torch.tensor([-1000.0, 0.0, 1000.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    _check_tensor(x)
    z = _exp_minus_abs(x)
    return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))


def tanh(x: torch.Tensor) -> torch.Tensor:
    r"""The hyperbolic tangent, computed without overflow or cancellation.

    $$
    \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1,
    \qquad \tanh'(x) = 1 - \tanh^2(x).
    $$

    We use $\tanh(|x|) = -m / (2 + m)$ with $m = e^{-2|x|} - 1$ (computed by `torch.expm1`, which
    stays accurate near 0, where $1 - e^{-2|x|}$ would cancel), and restore the sign: $\tanh$ is
    odd. The derivative is at most 1 (at $x = 0$).

    Args:
        x: Input tensor, any shape.

    Returns:
        A tensor of the same shape with values in $[-1, 1]$.

    Raises:
        TypeError: If `x` is not a tensor.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import tanh
        >>> tanh(torch.tensor([-1000.0, 0.0, 1000.0]))
        tensor([-1.,  0.,  1.])
    """
    _check_tensor(x)
    m = torch.expm1(2 * torch.where(x >= 0, -x, x))  # e^{-2|x|} - 1, in (-1, 0]
    t = -m / (2 + m)  # tanh(|x|)
    return torch.where(x >= 0, t, -t)


def relu(x: torch.Tensor) -> torch.Tensor:
    r"""The rectified linear unit.

    $$
    \operatorname{ReLU}(x) = \max(0, x), \qquad
    \operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}
    $$

    (at $x = 0$ we take the derivative to be 0, as torch does). The rectifier is old: K.
    Fukushima used it in "Visual feature extraction by a multilayered network of analog
    threshold elements", IEEE Trans. Systems Science and Cybernetics 5(4), 1969, and Hahnloser
    et al. studied it in "Digital selection and analogue amplification coexist in a
    cortex-inspired silicon circuit", Nature 405, 2000. Nair & Hinton made it popular in deep
    learning ("Rectified linear units improve restricted Boltzmann machines", ICML 2010), and
    Glorot, Bordes & Bengio showed that it trains deep networks well ("Deep sparse rectifier
    neural networks", AISTATS 2011). Its derivative does not shrink for positive inputs, unlike
    the sigmoid's.

    Differences from torch: the gradient at a NaN input is 0 (the slope of `clamp_min`);
    `torch.relu` passes the incoming gradient on there.

    Args:
        x: Input tensor, any shape.

    Returns:
        A tensor of the same shape; NaN stays NaN.

    Raises:
        TypeError: If `x` is not a tensor.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import relu
        >>> relu(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([0., 0., 3.])
    """
    _check_tensor(x)
    # max(0, x): NaN stays NaN, and autograd's slope at x = 0 is 0, as torch's.
    return x.clamp_min(0)


def gelu(x: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    r"""The Gaussian error linear unit: the input weighted by the standard normal CDF $\Phi$.

    $$
    \operatorname{GELU}(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}
    \right), \qquad \operatorname{GELU}'(x) = \Phi(x) + x\,\varphi(x),
    $$

    where $\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}$. With `approximate="tanh"`, the approximation
    from the same paper:

    $$
    \operatorname{GELU}(x) \approx \frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,
    \bigl(x + 0.044715\,x^3\bigr)\right)\right).
    $$

    From Hendrycks & Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv:1606.08415, 2016;
    BERT and GPT use it.

    Args:
        x: Input tensor, any shape.
        approximate: `"none"` for the exact form with `erf`, or `"tanh"`.

    Returns:
        A tensor of the same shape.

    Raises:
        TypeError: If `x` is not a tensor.
        ValueError: If `approximate` is neither `"none"` nor `"tanh"`.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import gelu
        >>> gelu(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    _check_tensor(x)
    if approximate == "none":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    if approximate == "tanh":
        return 0.5 * x * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    raise ValueError(f"Invalid approximate: {approximate!r} (expected 'none' or 'tanh')")


def _check_dim(x: torch.Tensor, dim: int) -> None:
    _check_tensor(x)
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"Invalid dim: {dim!r} (expected an int)")
    ndim = max(x.dim(), 1)  # torch treats a 0-d tensor as having one dimension here
    if not -ndim <= dim < ndim:
        raise ValueError(f"Invalid dim: {dim} for a tensor with {x.dim()} dimension(s)")


def softmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    r"""Turns scores (logits) into probabilities along `dim`.

    $$
    \operatorname{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}
    = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j .
    $$

    Subtracting the maximum changes nothing mathematically but keeps every exponent $\le 0$, so
    $e^{1000}$ is never formed. The Jacobian is
    $\partial\,\mathrm{softmax}_i / \partial x_j = s_i(\delta_{ij} - s_j)$.

    Args:
        x: Input tensor, any shape.
        dim: The dimension that sums to 1, e.g. `dim=1` for logits of shape (N, C).

    Returns:
        A tensor of the same shape.

    Raises:
        TypeError: If `x` is not a tensor or `dim` is not an int.
        ValueError: If `dim` is out of range.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import softmax
        >>> softmax(torch.tensor([[1000.0, 1000.0], [0.0, 0.0]]), dim=1)
        tensor([[0.5000, 0.5000],
                [0.5000, 0.5000]])
    """
    _check_dim(x, dim)
    if x.numel() == 0:  # nothing to normalise, and amax() has no maximum of an empty dimension
        return x.clone()
    # The shift is a constant for the gradient (softmax does not depend on it), so detach it.
    shifted = x - x.amax(dim=dim, keepdim=True).detach()
    e = torch.exp(shifted)
    return e / e.sum(dim=dim, keepdim=True)


def log_softmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    r"""The logarithm of [`softmax`][dlnotes.activations.softmax], computed directly.

    $$
    \log \operatorname{softmax}(x)_i = (x_i - m) - \log \sum_j e^{x_j - m},
    \qquad m = \max_j x_j .
    $$

    Taking `log(softmax(x))` instead gives `-inf` as soon as a probability underflows to 0
    (e.g. for logits 0 and 1000); this form stays finite. Cross-entropy is built on it.

    Args:
        x: Input tensor, any shape.
        dim: The dimension to normalise over.

    Returns:
        A tensor of the same shape.

    Raises:
        TypeError: If `x` is not a tensor or `dim` is not an int.
        ValueError: If `dim` is out of range.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import log_softmax
        >>> log_softmax(torch.tensor([0.0, 1000.0]), dim=0)
        tensor([-1000.,     0.])
    """
    _check_dim(x, dim)
    if x.numel() == 0:  # as in softmax
        return x.clone()
    shifted = x - x.amax(dim=dim, keepdim=True).detach()
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


# The element-wise activations an `Activation` (and so an `MLP`) can be built from.
_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "gelu": gelu,
}


class Activation(torch.nn.Module):
    """An element-wise activation, chosen by name, as a module.

    Modules can go into `torch.nn.Sequential` and show up in a model's printout.

    Args:
        name: `"relu"`, `"sigmoid"`, `"tanh"` or `"gelu"` (case does not matter).

    Raises:
        TypeError: If `name` is not a string.
        ValueError: If there is no activation of that name.

    Examples:
        >>> import torch
        >>> from dlnotes.activations import Activation
        >>> act = Activation("relu")
        >>> act
        Activation(name='relu')
        >>> act(torch.tensor([-1.0, 1.0]))
        tensor([0., 1.])
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        if not isinstance(name, str):
            raise TypeError(f"Invalid activation name: {name!r} (expected a string)")
        self.name = name.lower()
        if self.name not in _ACTIVATIONS:
            valid = ", ".join(repr(k) for k in _ACTIVATIONS)
            raise ValueError(f"Unknown activation: {name!r} (valid names: {valid})")
        self.fn = _ACTIVATIONS[self.name]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Applies the activation element-wise."""
        return self.fn(x)

    def extra_repr(self) -> str:
        """The name, shown in the module's printout."""
        return f"name={self.name!r}"
