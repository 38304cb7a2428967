"""The input checks of the public functions: one for integers, one for ranges of real numbers.

Each raises `TypeError` for a value of the wrong type and `ValueError` for a value out of range,
and names the value in the message, as torch.optim does (`Invalid learning rate: -1`). `bool` is
an `int` subclass in Python, but `lr=True` or `num_epochs=True` is a mistake: both refuse it.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_int", "check_range"]


def check_int(name: str, value: object, minimum: int | None = None) -> int:
    """Returns `value` if it is an int (not a bool) no smaller than `minimum`.

    Args:
        name: How the message names the value, e.g. `"batch_size"`.
        value: What the caller passed.
        minimum: The smallest value allowed, if any.

    Raises:
        TypeError: If `value` is not an int.
        ValueError: If `value < minimum`.

    Examples:
        >>> from dlnotes._checks import check_int
        >>> check_int("batch_size", 0, minimum=1)
        Traceback (most recent call last):
        ...
        ValueError: Invalid batch_size: 0 (expected an int >= 1)
    """
    wanted = "an int" if minimum is None else f"an int >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Invalid {name}: {value!r} (expected {wanted})")
    if minimum is not None and value < minimum:
        raise ValueError(f"Invalid {name}: {value} (expected {wanted})")
    return int(value)


def check_range(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Returns `value` if it is a real number (not a bool) between `low` and `high`.

    The bounds are included unless `low_open` or `high_open` says otherwise. NaN is in no range.

    Args:
        name: How the message names the value, e.g. `"learning rate"`.
        value: What the caller passed.
        low: The lower bound.
        high: The upper bound.
        low_open: Whether `low` itself is excluded.
        high_open: Whether `high` itself is excluded.

    Raises:
        TypeError: If `value` is not a real number.
        ValueError: If `value` is outside the range.

    Examples:
        >>> from dlnotes._checks import check_range
        >>> check_range("learning rate", -1, 0.0)
        Traceback (most recent call last):
        ...
        ValueError: Invalid learning rate: -1 (expected a number in [0.0, inf])
        >>> check_range("beta", 1.0, 0.0, 1.0, high_open=True)
        Traceback (most recent call last):
        ...
        ValueError: Invalid beta: 1.0 (expected a number in [0.0, 1.0))
    """
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid {name}: {value!r} (expected a number in {interval})")
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):  # NaN fails both comparisons
        raise ValueError(f"Invalid {name}: {value} (expected a number in {interval})")
    return float(value)
