"""Data sets and an in-memory loader for the course's examples.

- Embedded, no download: [`load_digits_split`][dlnotes.data.load_digits_split], scikit-learn's
  1,797 handwritten 8x8 digits, split into training and test sets.
- MNIST, Fashion-MNIST and KMNIST in torchvision's folder layout:
  [`load_mnist`][dlnotes.data.load_mnist] reads a split into tensors with the IDX reader
  [`read_idx`][dlnotes.data.read_idx], checking md5 checksums against torchvision's lists;
  [`mnist_dataset`][dlnotes.data.mnist_dataset] gives the plain torchvision dataset.
- notMNIST's letters A-J from the extracted archive:
  [`load_notmnist`][dlnotes.data.load_notmnist].
- Synthetic sets: [`noisy_line`][dlnotes.data.noisy_line],
  [`noisy_sine`][dlnotes.data.noisy_sine],
  [`line_with_outliers`][dlnotes.data.line_with_outliers] and
  [`two_moons`][dlnotes.data.two_moons].
- Batches: [`to_float_images`][dlnotes.data.to_float_images] converts images once, and
  [`InMemoryLoader`][dlnotes.data.InMemoryLoader] serves seeded, shardable mini-batches from
  tensors in memory.

A typical set-up: load once, convert once, then loop. With MNIST, the first two lines would be
`X, y = load_mnist("mnist", train=True)` and `X = to_float_images(X).flatten(1)`.

Examples:
    >>> from dlnotes.data import InMemoryLoader, load_digits_split
    >>> X_train, y_train, X_test, y_test = load_digits_split(seed=0)
    >>> loader = InMemoryLoader(X_train, y_train, batch_size=256, seed=0)
    >>> len(loader)
    6
    >>> for X_batch, y_batch in loader:
    ...     pass
    >>> X_batch.shape, y_batch.shape
    (torch.Size([158, 64]), torch.Size([158]))
"""

from __future__ import annotations

from dlnotes.data.digits import DataSplit, load_digits_split
from dlnotes.data.idx import read_idx, write_idx
from dlnotes.data.loader import InMemoryLoader, to_float_images
from dlnotes.data.mnist import MNIST_LIKE, data_root, file_md5, load_mnist, mnist_dataset
from dlnotes.data.notmnist import NOTMNIST_CLASSES, load_notmnist
from dlnotes.data.synthetic import line_with_outliers, noisy_line, noisy_sine, two_moons

__all__ = [
    "MNIST_LIKE",
    "NOTMNIST_CLASSES",
    "DataSplit",
    "InMemoryLoader",
    "data_root",
    "file_md5",
    "line_with_outliers",
    "load_digits_split",
    "load_mnist",
    "load_notmnist",
    "mnist_dataset",
    "noisy_line",
    "noisy_sine",
    "read_idx",
    "to_float_images",
    "two_moons",
    "write_idx",
]
