"""Training on several processes at once with `torch.distributed`, as `torchrun` starts them.

Data-parallel training runs one copy of the program per process (per GPU, or per group of CPU
cores). Each process, a *rank*, holds the whole model and trains on its own shard of every
epoch; after `backward()` the ranks average their gradients, so every optimizer step is the
same on all of them and the copies of the model stay identical. With $W$ ranks, each taking
$B$ samples a step, one step sees $W B$ samples: the same step a single process takes with
a batch of $W B$, because the mean of the ranks' mean gradients is the mean over all $W B$
samples (when the ranks' batches have the same size).

`torchrun` (installed with torch; also `python -m torch.distributed.run`) starts the processes
and tells each who it is through environment variables: `RANK` (0 to $W - 1$), `WORLD_SIZE`
($W$), `LOCAL_RANK` (the index on this machine, which picks the GPU) and `MASTER_ADDR` and
`MASTER_PORT` (where rank 0 waits for the others). The command line does the rest:

```bash
torchrun --nproc-per-node 2 -m dlnotes train --epochs 2
```

runs `dlnotes train` on two processes: [`init_from_env`][dlnotes.train.distributed.init_from_env]
joins them into a process group (gloo on the CPU, NCCL on CUDA GPUs), each rank takes
`batch_size / 2` samples a step from its half of one shared permutation
([`InMemoryLoader`][dlnotes.data.InMemoryLoader] with the same seed, `rank` and `world_size`), and
[`fit`][dlnotes.train.fit] notices the process group, wraps the model in
`torch.nn.parallel.DistributedDataParallel`, sums the epoch's losses and test counts over the
ranks, and lets only rank 0 draw the progress bar and write checkpoints. In your own script,
guard every other file you write with `if is_main_process():`.

Only one process group at a time: [`cleanup`][dlnotes.train.distributed.cleanup] ends it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.distributed as dist

__all__ = [
    "all_reduce_sum",
    "barrier",
    "cleanup",
    "init_from_env",
    "is_distributed",
    "is_main_process",
    "local_rank",
    "rank",
    "unwrap_model",
    "world_size",
    "wrap_model",
]

_BACKENDS = ("gloo", "nccl")


def _env_int(name: str) -> int:
    text = os.environ.get(name)
    if text is None:
        raise ValueError(f"{name} is not set: start the processes with torchrun")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"Invalid {name}: {text!r} (expected an int)") from None


def init_from_env(backend: str | None = None) -> bool:
    """Joins the process group that `torchrun` describes in the environment, if there is one.

    Reads `WORLD_SIZE`; when it is missing or 1 (a plain `python` run) nothing happens, so a
    script can call this unconditionally. Otherwise it reads `RANK`, `LOCAL_RANK`,
    `MASTER_ADDR` and `MASTER_PORT`, selects the GPU `LOCAL_RANK` for NCCL, and calls
    `torch.distributed.init_process_group`, which waits until all ranks have joined.

    Args:
        backend: `"gloo"` (CPU tensors) or `"nccl"` (CUDA tensors); `None` picks NCCL when CUDA
            is available and gloo otherwise.

    Returns:
        Whether a process group is now initialised (also when it already was).

    Raises:
        ValueError: If `backend` is unknown, or a variable is missing or not an int.
        RuntimeError: If NCCL is asked for without CUDA.

    Examples:
        >>> from dlnotes.train.distributed import init_from_env, is_main_process, world_size
        >>> init_from_env()  # a plain run: WORLD_SIZE is not set
        False
        >>> world_size(), is_main_process()
        (1, True)
    """
    if backend is not None and backend not in _BACKENDS:
        raise ValueError(f"Unknown backend: {backend!r} (expected one of {_BACKENDS} or None)")
    if is_distributed():
        return True
    if "WORLD_SIZE" not in os.environ or _env_int("WORLD_SIZE") == 1:
        return False
    size, global_rank, local = _env_int("WORLD_SIZE"), _env_int("RANK"), _env_int("LOCAL_RANK")
    if size < 1 or not 0 <= global_rank < size:
        raise ValueError(f"Invalid RANK {global_rank} for WORLD_SIZE {size}")
    for name in ("MASTER_ADDR", "MASTER_PORT"):
        if not os.environ.get(name):
            raise ValueError(f"{name} is not set: start the processes with torchrun")
    if not dist.is_available():
        raise RuntimeError("This build of torch has no torch.distributed")
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"
    if backend == "nccl":
        if not torch.cuda.is_available():
            raise RuntimeError("The nccl backend needs CUDA; use backend='gloo' on the CPU")
        # Before init: NCCL binds each rank to the current device.
        torch.cuda.set_device(local)
    dist.init_process_group(backend, init_method="env://", rank=global_rank, world_size=size)
    return True


def is_distributed() -> bool:
    """Whether this process belongs to an initialised `torch.distributed` process group."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's index among all processes, 0 when not distributed."""
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    """The number of processes, 1 when not distributed."""
    return dist.get_world_size() if is_distributed() else 1


def local_rank() -> int:
    """This process's index on its machine (`LOCAL_RANK`, the GPU it uses), 0 when not set."""
    return _env_int("LOCAL_RANK") if is_distributed() and "LOCAL_RANK" in os.environ else 0


def is_main_process() -> bool:
    """Whether this is rank 0, the process that prints and writes files (True when alone)."""
    return rank() == 0


def barrier() -> None:
    """Waits until every rank has reached this line; does nothing when not distributed."""
    if not is_distributed():
        return
    if dist.get_backend() == "nccl":
        dist.barrier(device_ids=[torch.cuda.current_device()])
    else:
        dist.barrier()


def cleanup() -> None:
    """Leaves and destroys the process group, if there is one (call it once, at the end)."""
    if is_distributed():
        dist.destroy_process_group()


def all_reduce_sum(values: Sequence[float], device: str | torch.device = "cpu") -> list[float]:
    """Sums numbers over all ranks; returns them unchanged when not distributed.

    Every rank must call it, with as many values, or the ranks wait for each other forever.

    Args:
        values: This rank's numbers, e.g. `[loss_sum, num_samples]`.
        device: Where the sum is computed: the CPU for gloo, this rank's GPU for NCCL.

    Returns:
        The sums, in float64, in the same order.

    Examples:
        >>> from dlnotes.train.distributed import all_reduce_sum
        >>> all_reduce_sum([1.5, 3])
        [1.5, 3.0]
    """
    if not is_distributed():
        return [float(v) for v in values]
    totals = torch.tensor([float(v) for v in values], dtype=torch.float64, device=device)
    dist.all_reduce(totals, op=dist.ReduceOp.SUM)
    return totals.tolist()


def wrap_model(model: torch.nn.Module) -> torch.nn.Module:
    """Wraps `model` in `DistributedDataParallel` when distributed; returns it as is otherwise.

    The wrapper copies rank 0's parameters and buffers to every rank, then, during each
    `backward()`, averages the gradients over the ranks (in buckets, overlapped with the rest of
    the backward pass). Move the model to its device first.

    Args:
        model: The model, on this rank's device (`cuda:LOCAL_RANK` with NCCL, the CPU with gloo).

    Returns:
        The wrapper, whose `.module` is `model`, or `model` itself.

    Examples:
        >>> import torch
        >>> from dlnotes.train.distributed import wrap_model
        >>> model = torch.nn.Linear(2, 1)
        >>> wrap_model(model) is model  # not distributed
        True
    """
    if not is_distributed() or isinstance(model, torch.nn.parallel.DistributedDataParallel):
        return model
    parameter = next(model.parameters(), None)
    if parameter is not None and parameter.device.type == "cuda":
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=[parameter.device])
    return torch.nn.parallel.DistributedDataParallel(model)


def unwrap_model(model: torch.nn.Module) -> torch.nn.Module:
    """Returns the model inside a `DistributedDataParallel` wrapper, or `model` itself.

    Save and evaluate the unwrapped model: its `state_dict()` keys have no `module.` prefix, so a
    checkpoint from a multi-process run loads into a plain model, and the other way round.

    Examples:
        >>> import torch
        >>> from dlnotes.train.distributed import unwrap_model
        >>> model = torch.nn.Linear(2, 1)
        >>> unwrap_model(model) is model
        True
    """
    if isinstance(model, torch.nn.parallel.DistributedDataParallel):
        return model.module
    return model
