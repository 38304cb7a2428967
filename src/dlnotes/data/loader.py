r"""Mini-batches from tensors held in memory: the fast path for MNIST-sized data.

`torch.utils.data.DataLoader` over a torchvision dataset converts every image with PIL, one at a
time, every epoch; for MNIST that is most of an epoch's time on a CPU. A data set that fits in
memory is better converted once, kept as one tensor (on the GPU when there is one, so no batch
crosses the bus), and cut into batches by indexing with a fresh random permutation each epoch:
[`InMemoryLoader`][dlnotes.data.InMemoryLoader], whose permutations
`torch.utils.data.DistributedSampler` draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch.utils.data import DistributedSampler

from dlnotes._checks import check_int
from dlnotes.tensor import get_device

__all__ = ["InMemoryLoader"]


class InMemoryLoader:
    r"""Yields shuffled mini-batches `(X_batch, y_batch)` from two tensors held in memory.

    The order of each epoch comes from a `torch.utils.data.DistributedSampler` over the sample
    indices: a permutation drawn from a generator seeded with `seed + epoch`. It depends only on
    the seed and the epoch number, so a run resumed at epoch $k$ (with `set_epoch(k)`) sees the
    same batches as one that never stopped. Each `iter(loader)` (each `for` loop) uses the
    current epoch and then advances it, so a plain loop gets a new order every epoch; calling
    `set_epoch(e)` before each loop, as with `DistributedSampler`, gives the same orders.

    With `world_size` processes, every rank draws the same permutation and rank $r$ takes its
    positions $r, r + W, r + 2W, \dots$ ($W$ = `world_size`). So that every rank gets the same
    number of batches (each collective step needs all ranks), the sampler pads the permutation
    by repeating its first samples; with `drop_last=True` it cuts the permutation to a multiple
    of $W$ instead, and each rank also drops its last incomplete batch.

    `X` and `y` are moved to `device` once, and each epoch's indices become one int64 tensor
    there, so a batch costs one `index_select`, not one Python-level fetch per sample.

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
        TypeError: If `X` or `y` is not a tensor, or `batch_size`, `seed`, `rank` or
            `world_size` is not an int.
        ValueError: If `X` and `y` differ in length or are empty, or `batch_size`, `seed`,
            `rank` or `world_size` is out of range.

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
        self.batch_size = check_int("batch_size", batch_size, minimum=1)
        check_int("world_size", world_size, minimum=1)
        if check_int("rank", rank, minimum=0) >= world_size:
            raise ValueError(f"Invalid rank: {rank} (expected an int < world_size={world_size})")
        self.drop_last = bool(drop_last)
        # The sampler only needs the data set's length: range(n) stands in for it.
        self.sampler = DistributedSampler(
            range(len(X)),
            num_replicas=world_size,
            rank=rank,
            shuffle=bool(shuffle),
            seed=check_int("seed", seed, minimum=0),
            drop_last=self.drop_last,
        )
        target = get_device(device) if device is not None else X.device
        self.X = X.to(target)
        self.y = y.to(target)

    @property
    def seed(self) -> int:
        """The seed of the permutations (`seed + epoch` seeds each epoch's)."""
        return self.sampler.seed

    @property
    def epoch(self) -> int:
        """The epoch whose order the next `iter(loader)` uses."""
        return self.sampler.epoch

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch whose order the next `iter(loader)` uses.

        Args:
            epoch: A non-negative int.

        Raises:
            TypeError: If `epoch` is not an int.
            ValueError: If `epoch` is negative.
        """
        self.sampler.set_epoch(check_int("epoch", epoch, minimum=0))

    def __len__(self) -> int:
        """The number of batches per epoch on this rank (the same on every rank)."""
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return math.ceil(len(self.sampler) / self.batch_size)

    def __repr__(self) -> str:
        s = self.sampler
        return (
            f"{type(self).__name__}(n={len(self.X)}, batch_size={self.batch_size}, "
            f"shuffle={s.shuffle}, drop_last={self.drop_last}, seed={s.seed}, "
            f"device={self.X.device}, rank={s.rank}, world_size={s.num_replicas}, "
            f"epoch={s.epoch})"
        )

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        # One tensor of this rank's indices per epoch, on the data's device: one transfer.
        order = torch.tensor(list(self.sampler), dtype=torch.int64, device=self.X.device)
        self.sampler.set_epoch(self.sampler.epoch + 1)
        return self._batches(order)

    def _batches(self, order: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start : start + self.batch_size]  # (B,)
            yield self.X.index_select(0, index), self.y.index_select(0, index)
