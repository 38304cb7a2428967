r"""Small synthetic data sets for the early chapters: lines, a sine, outliers, two moons.

Each function draws from a `torch.Generator` when given one, so the same generator state gives the
same data on every machine (without one, torch's global generator is used). Inputs are float32
of shape (n, 1), or (n, 2) for [`two_moons`][dlnotes.data.two_moons]. Regression targets are
(n, 1), the shape a `torch.nn.Linear(1, 1)` model predicts: with targets of shape (n,), a loss
like `(y_hat - y) ** 2` would broadcast to (n, n) without a word.
"""

from __future__ import annotations

import math

import torch

__all__ = ["line_with_outliers", "noisy_line", "noisy_sine", "two_moons"]


def _check(n: int, noise: float, low: float, high: float, generator: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"Invalid number of samples: {n!r} (expected a positive int)")
    if not noise >= 0.0:
        raise ValueError(f"Invalid noise: {noise} (expected >= 0)")
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
        ValueError: If `n` < 1, `noise` < 0 or `low` >= `high`.
        TypeError: If `generator` is not a `torch.Generator`.

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
        ValueError: If `n` < 1, `noise` < 0 or `low` >= `high`.
        TypeError: If `generator` is not a `torch.Generator`.

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


def line_with_outliers(
    n: int,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.1,
    *,
    outlier_fraction: float = 0.1,
    outlier_offset: float = 5.0,
    low: float = -1.0,
    high: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""A [`noisy_line`][dlnotes.data.noisy_line] with some points pushed far above it.

    `round(outlier_fraction * n)` points, chosen at random, get $y$ raised by `outlier_offset`
    times a factor drawn uniformly from [0.5, 1.5]. The outliers all lie on one side, so they
    pull a least-squares fit up visibly while a robust loss (absolute error, Huber) stays near
    the line: the example for comparing losses.

    Args:
        n: The number of points, outliers included.
        slope: $w$ of the line.
        intercept: $b$ of the line.
        noise: $\sigma$, the standard deviation of the ordinary points' noise.
        outlier_fraction: The share of points that are outliers, in [0, 1].
        outlier_offset: How far above the line the outliers lie on average.
        low: The smallest $x$.
        high: The largest $x$.
        generator: The source of randomness.

    Returns:
        `(X, y)`, both float32 of shape (n, 1).

    Raises:
        ValueError: If `n` < 1, `noise` < 0, `low` >= `high` or `outlier_fraction` is outside
            [0, 1].
        TypeError: If `generator` is not a `torch.Generator`.

    Examples:
        >>> import torch
        >>> from dlnotes.data import line_with_outliers
        >>> X, y = line_with_outliers(10, noise=0.0, outlier_fraction=0.2)
        >>> int(((y - (2.0 * X + 1.0)).abs() > 1.0).sum())
        2
    """
    if not 0.0 <= outlier_fraction <= 1.0:
        raise ValueError(f"Invalid outlier_fraction: {outlier_fraction} (expected 0 to 1)")
    X, y = noisy_line(n, slope, intercept, noise, low=low, high=high, generator=generator)
    n_outliers = round(outlier_fraction * n)
    chosen = torch.randperm(n, generator=generator)[:n_outliers]
    factor = 0.5 + torch.rand(n_outliers, 1, generator=generator)  # (k, 1), in [0.5, 1.5)
    y[chosen] += outlier_offset * factor
    return X, y


def two_moons(
    n: int, noise: float = 0.1, *, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Two interleaved half circles: a classification problem no straight line solves.

    Built as scikit-learn's `make_moons` builds it: `n // 2` points evenly spaced on the upper
    half of the unit circle (class 0), the rest on a lower half circle centred at (1, 0.5)
    (class 1), Gaussian noise of standard deviation `noise` added to both coordinates, then
    shuffled.

    Args:
        n: The number of points, at least 2.
        noise: The standard deviation of the noise.
        generator: The source of randomness.

    Returns:
        `(X, y)`: points, float32 of shape (n, 2), and labels, int64 of shape (n,) in {0, 1}.

    Raises:
        ValueError: If `n` < 2 or `noise` < 0.
        TypeError: If `generator` is not a `torch.Generator`.

    Examples:
        >>> import torch
        >>> from dlnotes.data import two_moons
        >>> X, y = two_moons(100, generator=torch.Generator().manual_seed(0))
        >>> X.shape, torch.bincount(y).tolist()
        (torch.Size([100, 2]), [50, 50])
    """
    _check(n, noise, 0.0, 1.0, generator)
    if n < 2:
        raise ValueError(f"Invalid number of samples: {n} (two moons need at least 2)")
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = torch.linspace(0.0, math.pi, n_outer)
    t_inner = torch.linspace(0.0, math.pi, n_inner)
    outer = torch.stack([torch.cos(t_outer), torch.sin(t_outer)], dim=1)  # (n_outer, 2)
    inner = torch.stack([1.0 - torch.cos(t_inner), 0.5 - torch.sin(t_inner)], dim=1)
    X = torch.cat([outer, inner])  # (n, 2)
    y = torch.cat([torch.zeros(n_outer, dtype=torch.int64), torch.ones(n_inner, dtype=torch.int64)])
    X = X + noise * torch.randn(n, 2, generator=generator)
    order = torch.randperm(n, generator=generator)
    return X[order], y[order]
