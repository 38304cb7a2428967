"""Data sets and an in-memory loader for the course's examples.

- Embedded, no download: [`load_digits_split`][dlnotes.data.load_digits_split], scikit-learn's
  1,797 handwritten 8x8 digits, split into training and test sets.
- MNIST, Fashion-MNIST and KMNIST through torchvision's dataset classes:
  [`load_mnist`][dlnotes.data.load_mnist] returns a split as two whole tensors, from the folder
  [`data_root`][dlnotes.data.data_root] names.
- The IDX format those sets ship in, read and written by hand:
  [`read_idx`][dlnotes.data.read_idx] and [`write_idx`][dlnotes.data.write_idx].
- notMNIST's letters A-J from the extracted archive:
  [`load_notmnist`][dlnotes.data.load_notmnist].
- Synthetic sets: [`noisy_line`][dlnotes.data.noisy_line] and
  [`noisy_sine`][dlnotes.data.noisy_sine].
- Batches: [`InMemoryLoader`][dlnotes.data.InMemoryLoader] serves seeded, shardable
  mini-batches from tensors in memory.

A typical set-up: load once, convert once, then loop. With MNIST, the first two lines would be
`X, y = load_mnist("mnist", train=True)` and `X = X.flatten(1).float() / 255`.

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
from dlnotes.data.loader import InMemoryLoader
from dlnotes.data.mnist import data_root, load_mnist
from dlnotes.data.notmnist import load_notmnist
from dlnotes.data.synthetic import noisy_line, noisy_sine

__all__ = [
    "DataSplit",
    "InMemoryLoader",
    "data_root",
    "load_digits_split",
    "load_mnist",
    "load_notmnist",
    "noisy_line",
    "noisy_sine",
    "read_idx",
    "write_idx",
]
