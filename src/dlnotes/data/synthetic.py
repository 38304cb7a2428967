r"""Small synthetic data sets for the early chapters: points on a line and on a sine.

Each function draws from a `torch.Generator` when given one, so the same generator state gives the
same data on every machine (without one, torch's global generator is used). Inputs are float32
of shape (n, 1), and so are the targets: the shape a `torch.nn.Linear(1, 1)` model predicts.
With targets of shape (n,), a loss like `(y_hat - y) ** 2` would broadcast to (n, n) without a
word.
"""

from __future__ import annotations

import math

import torch

from dlnotes._checks import check_int, check_range

__all__ = ["noisy_line", "noisy_sine"]


def _check(n: int, noise: float, low: float, high: float, generator: object) -> None:
    """The arguments the two public functions share."""
    check_int("number of samples", n, minimum=1)
    check_range("noise", noise, 0.0)
    if not low < high:
        raise ValueError(f"Invalid range: low={low}, high={high} (expected low < high)")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"Expected a torch.Generator or None, got {type(generator).__name__}")


def _uniform(n: int, low: float, high: float, generator: torch.Generator | None) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, 1, generator=generator)  # (n, 1)


def noisy_line(
    n: int,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.1,
    *,
    low: float = -1.0,
    high: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Points on a line with Gaussian noise: the data of linear regression.

    $$
    x \sim \mathcal{U}(\text{low}, \text{high}), \qquad
    y = w x + b + \sigma \varepsilon, \quad \varepsilon \sim \mathcal{N}(0, 1)
    $$

    with $w$ = `slope`, $b$ = `intercept` and $\sigma$ = `noise`.

    Args:
        n: The number of points.
        slope: $w$.
        intercept: $b$.
        noise: $\sigma$, the noise's standard deviation.
        low: The smallest $x$.
        high: The largest $x$.
        generator: The source of randomness.

    Returns:
        `(X, y)`, both float32 of shape (n, 1).

    Raises:
        TypeError: If `n` is not an int, `noise` not a number or `generator` not a
            `torch.Generator`.
        ValueError: If `n` < 1, `noise` < 0 or `low` >= `high`.

    Examples:
        >>> import torch
        >>> from dlnotes.data import noisy_line
        >>> X, y = noisy_line(4, slope=2.0, intercept=1.0, noise=0.0)
        >>> torch.equal(y, 2.0 * X + 1.0), X.shape
        (True, torch.Size([4, 1]))
    """
    _check(n, noise, low, high, generator)
    X = _uniform(n, low, high, generator)  # (n, 1)
    # y = w x + b + sigma * epsilon
    y = slope * X + intercept + noise * torch.randn(n, 1, generator=generator)  # (n, 1)
    return X, y


def noisy_sine(
    n: int,
    noise: float = 0.1,
    *,
    frequency: float = 1.0,
    low: float = 0.0,
    high: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Points on a sine with Gaussian noise: the curve-fitting example of polynomial regression.

    $$
    x \sim \mathcal{U}(\text{low}, \text{high}), \qquad
    y = \sin(2 \pi f x) + \sigma \varepsilon, \quad \varepsilon \sim \mathcal{N}(0, 1)
    $$

    With the defaults ($f = 1$, $x \in [0, 1]$) this is one period of the sine, the example
    C. M. Bishop opens *Pattern Recognition and Machine Learning* (Springer, 2006, section 1.1)
    with; his $x$ are evenly spaced, ours are drawn at random.

    Args:
        n: The number of points.
        noise: $\sigma$, the noise's standard deviation.
        frequency: $f$, periods per unit of $x$.
        low: The smallest $x$.
        high: The largest $x$.
        generator: The source of randomness.

    Returns:
        `(X, y)`, both float32 of shape (n, 1).

    Raises:
        TypeError: If `n` is not an int, `noise` not a number or `generator` not a
            `torch.Generator`.
        ValueError: If `n` < 1, `noise` < 0 or `low` >= `high`.

    Examples:
        >>> import torch
        >>> from dlnotes.data import noisy_sine
        >>> X, y = noisy_sine(5, noise=0.0, generator=torch.Generator().manual_seed(0))
        >>> torch.allclose(y, torch.sin(2 * torch.pi * X))
        True
    """
    _check(n, noise, low, high, generator)
    X = _uniform(n, low, high, generator)  # (n, 1)
    # y = sin(2 pi f x) + sigma * epsilon
    y = torch.sin(2 * math.pi * frequency * X)
    y = y + noise * torch.randn(n, 1, generator=generator)  # (n, 1)
    return X, y
