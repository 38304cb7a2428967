r"""Mini-batches from tensors held in memory: the fast path for MNIST-sized data.

`torch.utils.data.DataLoader` over a torchvision dataset converts every image with PIL, one at a
time, every epoch; for MNIST that is most of an epoch's time on a CPU. A data set that fits in
memory is better converted once, kept as one tensor (on the GPU when there is one, so no batch
crosses the bus), and cut into batches by indexing with a fresh random permutation each epoch.

- [`to_float_images`][dlnotes.data.to_float_images]: uint8 images to float, scaled to [0, 1]
  and optionally standardised, in one pass.
- [`InMemoryLoader`][dlnotes.data.InMemoryLoader]: shuffled, seeded, shardable batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch

from dlnotes.tensor import get_device

__all__ = ["InMemoryLoader", "to_float_images"]


def to_float_images(
    images: torch.Tensor,
    mean: float | torch.Tensor | None = None,
    std: float | torch.Tensor | None = None,
    *,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    r"""Converts uint8 images to floats in [0, 1], then optionally standardises them.

    $$
    x' = \frac{x / 255 - \mu}{\sigma}
    $$

    The shape is kept: add a channel axis (`.unsqueeze(1)`) for a convolutional network, or
    flatten (`.flatten(1)`) for an MLP. The conversion runs on the images' device; move the
    uint8 tensor to the GPU first to send a quarter of the bytes.

    Args:
        images: A uint8 tensor, e.g. (N, 28, 28) from [`load_mnist`][dlnotes.data.load_mnist].
        mean: $\mu$, subtracted after scaling (a float, or a tensor that broadcasts to the
            images' shape, such as one value per channel of shape (C, 1, 1)); for MNIST 0.1307
            is customary.
        std: $\sigma$, the divisor, positive; for MNIST 0.3081. Give both or neither.
        dtype: The floating-point dtype of the result.

    Returns:
        A new tensor of `dtype` with the shape of `images`.

    Raises:
        TypeError: If `images` is not a uint8 tensor or `dtype` is not a floating-point
            `torch.dtype`.
        ValueError: If only one of `mean` and `std` is given, either does not broadcast to the
            shape of `images`, or `std` is not positive.

    Examples:
        >>> import torch
        >>> from dlnotes.data import to_float_images
        >>> to_float_images(torch.tensor([0, 51, 255], dtype=torch.uint8))
        tensor([0.0000, 0.2000, 1.0000])
        >>> to_float_images(torch.tensor([0, 255], dtype=torch.uint8), mean=0.5, std=0.5)
        tensor([-1.,  1.])
    """
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8:
        got = images.dtype if isinstance(images, torch.Tensor) else type(images).__name__
        raise TypeError(f"Expected a uint8 tensor of images, got {got}")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"Invalid dtype: {dtype!r} (expected a floating-point torch.dtype)")
    if (mean is None) != (std is None):
        raise ValueError(f"Give both mean and std or neither; got mean={mean}, std={std}")
    if mean is None or std is None:
        return images.to(dtype).div_(255.0)
    mean_t = torch.as_tensor(mean, dtype=dtype, device=images.device)
    std_t = torch.as_tensor(std, dtype=dtype, device=images.device)
    for name, stat in (("mean", mean_t), ("std", std_t)):
        # In place, X - mean and X / std must keep the images' shape.
        if not _broadcasts_to(stat.shape, images.shape):
            raise ValueError(
                f"Invalid {name} shape: {tuple(stat.shape)} (expected a shape that broadcasts "
                f"to the images' shape {tuple(images.shape)} without enlarging it, such as "
                "(C, 1, 1) for images of shape (N, C, H, W))"
            )
    if not bool((std_t > 0).all()):
        raise ValueError(f"Invalid std: {std} (expected > 0)")
    return images.to(dtype).div_(255.0).sub_(mean_t).div_(std_t)


def _broadcasts_to(shape: torch.Size, target: torch.Size) -> bool:
    """Whether a tensor of `shape` broadcasts against one of `target` to exactly `target`."""
    try:
        return torch.broadcast_shapes(shape, target) == target
    except RuntimeError:
        return False


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"Invalid {name}: {value!r} (expected an int >= {minimum})")
    return value


class InMemoryLoader:
    r"""Yields shuffled mini-batches `(X_batch, y_batch)` from two tensors held in memory.

    Each epoch draws one permutation of the $n$ samples from a generator seeded with
    `seed + epoch`, the scheme of `torch.utils.data.DistributedSampler`. The order therefore
    depends only on the seed and the epoch number: a run resumed at epoch $k$ (with
    `set_epoch(k)`) sees the same batches as one that never stopped. Each `iter(loader)` (each
    `for` loop) uses the current epoch and then advances it, so a plain loop gets a new order
    every epoch; calling `set_epoch(e)` before each loop, as with `DistributedSampler`, gives the
    same orders.

    Sharding over `world_size` processes also follows `DistributedSampler`: every rank computes
    the same permutation, and rank $r$ takes its positions $r, r + W, r + 2W, \dots$
    (interleaved, $W$ = `world_size`). So that every rank gets $\lceil n / W \rceil$ samples and
    the same number of batches (each collective step needs all ranks), the permutation is padded
    by repeating its first samples; with `drop_last=True` it is cut to $\lfloor n / W \rfloor W$
    instead, and each rank also drops its last incomplete batch. Without padding (when $W$
    divides $n$) the shards are disjoint and together hold every sample once.

    `X` and `y` are moved to `device` once, so each batch is an `index_select` there, or a
    view when nothing is shuffled or sharded.

    Args:
        X: The inputs, with samples along the first dimension.
        y: The targets, with as many samples.
        batch_size: Samples per batch and per rank.
        shuffle: Draw a new permutation each epoch; in the stored order otherwise.
        drop_last: Drop each epoch's last incomplete batch (and, when sharding, the samples that
            do not divide evenly among the ranks).
        seed: Seeds the permutations; the same on every rank.
        device: Where the data and batches live (`"cuda"`, ...); where `X` is, when `None`.
        rank: This process's index among `world_size`, in [0, world_size).
        world_size: The number of processes that share each epoch.

    Raises:
        TypeError: If `X` or `y` is not a tensor.
        ValueError: If `X` and `y` differ in length or are empty, or `batch_size`, `seed`,
            `rank` or `world_size` is invalid.

    Examples:
        >>> import torch
        >>> from dlnotes.data import InMemoryLoader
        >>> X, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
        >>> loader = InMemoryLoader(X, y, batch_size=2, shuffle=False)
        >>> len(loader), [y_batch.tolist() for _, y_batch in loader]
        (3, [[0, 1], [2, 3], [4]])
        >>> rank1 = InMemoryLoader(X, y, batch_size=2, shuffle=False, rank=1, world_size=2)
        >>> [y_batch.tolist() for _, y_batch in rank1]
        [[1, 3], [0]]
    """

    def __init__(
        self,
        X: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int = 0,
        device: str | torch.device | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        for name, value in (("X", X), ("y", y)):
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"Expected {name} to be a torch.Tensor, got {type(value).__name__}")
        if X.dim() == 0 or y.dim() == 0 or len(X) != len(y):
            raise ValueError(
                f"X and y must have the same number of samples (first dimension); got X of "
                f"shape {tuple(X.shape)} and y of shape {tuple(y.shape)}"
            )
        if len(X) == 0:
            raise ValueError("Cannot load an empty data set (X has 0 samples)")
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.world_size = _check_int("world_size", world_size, 1)
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < world_size:
            raise ValueError(f"Invalid rank: {rank!r} (expected 0 <= rank < {world_size})")
        self.rank = rank
        self.seed = _check_int("seed", seed, 0)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        target = get_device(device) if device is not None else X.device
        self.X = X.to(target)
        self.y = y.to(target)
        self.epoch = 0
        n = len(X)
        # Samples per rank per epoch, after padding (or cutting) to a multiple of world_size.
        self.num_samples = n // world_size if drop_last else math.ceil(n / world_size)

    def __len__(self) -> int:
        """The number of batches per epoch on this rank (the same on every rank)."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n={len(self.X)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
            f"device={self.X.device}, rank={self.rank}, world_size={self.world_size}, "
            f"epoch={self.epoch})"
        )

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch whose order the next `iter(loader)` uses.

        Args:
            epoch: A non-negative int.

        Raises:
            ValueError: If `epoch` is negative or not an int.
        """
        self.epoch = _check_int("epoch", epoch, 0)

    def indices(self, epoch: int | None = None) -> torch.Tensor:
        """Returns the sample indices this rank visits in an epoch, in order.

        Args:
            epoch: The epoch; the current one (the next loop's) when `None`.

        Returns:
            An int64 CPU tensor of `num_samples` indices into `X`.

        Raises:
            ValueError: If `epoch` is negative or not an int.
        """
        epoch = self.epoch if epoch is None else _check_int("epoch", epoch, 0)
        n = len(self.X)
        if self.shuffle:
            # A CPU generator gives the same permutation whatever device the data lives on.
            generator = torch.Generator().manual_seed(self.seed + epoch)
            order = torch.randperm(n, generator=generator)  # (n,)
        else:
            order = torch.arange(n)
        total = self.num_samples * self.world_size
        if total > n:
            # Pad with the permutation's first samples (repeated if n < world_size).
            order = torch.cat([order, order.repeat(math.ceil(total / n))[: total - n]])
        return order[self.rank : total : self.world_size]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = self.indices()
        self.epoch += 1
        return self._batches(order)

    def _batches(self, order: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        stop = len(self) * self.batch_size
        if not self.shuffle and self.world_size == 1:
            # The stored order: slices are views, nothing is copied.
            for start in range(0, min(stop, len(self.X)), self.batch_size):
                yield (
                    self.X[start : start + self.batch_size],
                    self.y[start : start + self.batch_size],
                )
            return
        order = order.to(self.X.device)  # one transfer per epoch, not per batch
        for start in range(0, min(stop, len(order)), self.batch_size):
            index = order[start : start + self.batch_size]  # (B,)
            yield self.X.index_select(0, index), self.y.index_select(0, index)
