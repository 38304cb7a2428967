"""Early stopping: end training once the test loss has stopped improving."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["EarlyStopping"]


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the test loss has not improved for `patience` epochs in a row.

    An epoch improves when its test loss is below the best so far by more than `min_delta`.

    Args:
        patience: Epochs without improvement to allow, >= 1.
        min_delta: The least decrease that counts as an improvement, >= 0.

    Raises:
        ValueError: If `patience` < 1 or `min_delta` < 0.

    Examples:
        >>> from dlnotes.train import EarlyStopping
        >>> EarlyStopping(patience=2).should_stop([1.0, 0.8, 0.9, 0.85])
        True
        >>> EarlyStopping(patience=3).should_stop([1.0, 0.8, 0.9, 0.85])
        False
    """

    patience: int = 5  # tolerates a few noisy epochs before giving up
    min_delta: float = 0.0  # any decrease counts

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int):
            raise ValueError(f"Invalid patience: {self.patience!r} (expected an int >= 1)")
        if self.patience < 1:
            raise ValueError(f"Invalid patience: {self.patience} (expected an int >= 1)")
        if not self.min_delta >= 0:
            raise ValueError(f"Invalid min_delta: {self.min_delta} (expected >= 0)")

    def should_stop(self, test_losses: Iterable[float]) -> bool:
        """Whether to stop after these test losses (one per epoch, oldest first).

        Computed from the whole list, so a resumed run decides as an unbroken one would.
        """
        best, waited = math.inf, 0
        for loss in test_losses:
            if loss < best - self.min_delta:
                best, waited = loss, 0
            else:
                waited += 1
        return waited >= self.patience
