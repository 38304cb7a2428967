"""Early stopping: end training once the validation loss has stopped improving."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from dlnotes._checks import check_int, check_range

__all__ = ["EarlyStopping"]


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the validation loss has not improved for `patience` epochs in a row.

    An epoch improves when its validation loss is below the best so far by more than
    `min_delta`. Watch a validation set, never the test set: the epoch at which training stops
    is a choice, and a test set that informed a choice no longer measures new data.

    Args:
        patience: Epochs without improvement to allow, >= 1.
        min_delta: The least decrease that counts as an improvement, >= 0.

    Raises:
        TypeError: If `patience` is not an int or `min_delta` not a number.
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
        check_int("patience", self.patience, 1)
        check_range("min_delta", self.min_delta, 0.0)

    def should_stop(self, val_losses: Iterable[float]) -> bool:
        """Whether to stop after these validation losses (one per epoch, oldest first).

        Computed from the whole list, so a resumed run decides as an unbroken one would.
        """
        best, waited = math.inf, 0
        for loss in val_losses:
            if loss < best - self.min_delta:
                best, waited = loss, 0
            else:
                waited += 1
        return waited >= self.patience
