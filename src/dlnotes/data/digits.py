"""The embedded default: scikit-learn's 8x8 handwritten digits, no download needed.

scikit-learn ships 1,797 real handwritten digits inside its package
(`sklearn.datasets.load_digits`), so every example that needs images works offline, on any
machine, in well under a second. Each image is 8x8 pixels whose values count the "on" pixels of a
4x4 block of a 32x32 bitmap, so they range over 0..16; we scale them to [0, 1].

The images are the test part of E. Alpaydin and C. Kaynak's "Optical Recognition of Handwritten
Digits" data set (UCI Machine Learning Repository, 1998).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch

from dlnotes._checks import check_range

__all__ = ["DataSplit", "load_digits_split"]


class DataSplit(NamedTuple):
    """A training and a test split, unpacked as `X_train, y_train, X_test, y_test = split`."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


@functools.cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The raw arrays, read once per process (importing scikit-learn takes a second or two)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "load_digits_split needs scikit-learn, which bundles the digits: "
            "pip install scikit-learn"
        ) from exc
    digits = load_digits()
    return digits.images, digits.target


def load_digits_split(
    test_fraction: float = 0.2, *, seed: int = 0, flatten: bool = True
) -> DataSplit:
    """Loads scikit-learn's handwritten digits, split into training and test sets.

    The split is stratified: within each class, a seeded permutation sends
    `round(test_fraction * class_size)` images to the test set, so both sets keep the classes'
    proportions (between 174 and 183 images each). Within each set the images keep their
    original order; shuffle for training with [`InMemoryLoader`][dlnotes.data.InMemoryLoader].

    Args:
        test_fraction: The share of each class that goes to the test set, in (0, 1).
        seed: Seeds the split; the same seed gives the same split on every machine.
        flatten: Give each image as a row of 64 values (for an MLP) if true, else as
            (1, 8, 8) (for a convolutional network).

    Returns:
        A [`DataSplit`][dlnotes.data.DataSplit] `(X_train, y_train, X_test, y_test)`: images as
        float32 in [0, 1] of shape (N, 64) or (N, 1, 8, 8), labels as int64 in [0, 9].

    Raises:
        TypeError: If `test_fraction` is not a real number.
        ValueError: If `test_fraction` is not strictly between 0 and 1, or so close to 0 or 1
            that the test or the training set would be empty (here below about 0.0027 or above
            about 0.9973, where no class gives an image to the smaller set).
        ImportError: If scikit-learn is not installed.

    Examples:
        >>> from dlnotes.data import load_digits_split
        >>> X_train, y_train, X_test, y_test = load_digits_split(test_fraction=0.2, seed=0)
        >>> X_train.shape, X_test.shape, y_test.dtype
        (torch.Size([1438, 64]), torch.Size([359, 64]), torch.int64)
        >>> float(X_train.min()), float(X_train.max())
        (0.0, 1.0)
    """
    check_range("test_fraction", test_fraction, 0.0, 1.0, low_open=True, high_open=True)
    images, target = _digits_arrays()
    X = torch.from_numpy(images).to(torch.float32).div_(16.0)  # (1797, 8, 8), 0..16 -> [0, 1]
    y = torch.from_numpy(target).to(torch.int64)  # (1797,)
    X = X.reshape(len(X), 64) if flatten else X.unsqueeze(1)  # (N, 64) or (N, 1, 8, 8)

    classes = [torch.nonzero(y == label).flatten() for label in range(10)]
    n_tests = [round(test_fraction * len(members)) for members in classes]
    if sum(n_tests) in (0, len(y)):
        empty = "test" if sum(n_tests) == 0 else "training"
        sizes = sorted(len(members) for members in classes)
        raise ValueError(
            f"Invalid test_fraction: {test_fraction!r} (leaves the {empty} set empty: each "
            f"class, of {sizes[0]} to {sizes[-1]} images, sends round(test_fraction * size) of "
            "them to the test set; expected a fraction further from 0 and 1)"
        )

    generator = torch.Generator().manual_seed(seed)
    is_test = torch.zeros(len(y), dtype=torch.bool)
    for members, n_test in zip(classes, n_tests, strict=True):
        chosen = members[torch.randperm(len(members), generator=generator)[:n_test]]
        is_test[chosen] = True
    return DataSplit(X[~is_test], y[~is_test], X[is_test], y[is_test])
