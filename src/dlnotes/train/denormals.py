r"""Flushing subnormal ("denormal") floats to zero on the CPU, for speed.

Floats below the smallest normal number (about $1.2 \times 10^{-38}$ in float32) are stored
with fewer significant bits, and most x86 CPUs compute with them through a slow microcode path,
tens of times slower per element. Training produces them without any bug: Adam's first moment
$m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t$ shrinks by $\beta_1 = 0.9$ at every step in which a
weight gets no gradient, and a weight fed by an MNIST pixel that is blank in most images gets
none most of the time; about 700 such steps take $m$ from $10^{-5}$ into that range. On the
course's MNIST MLP a few percent of the first layer's moments end up there after a few epochs,
and then Adam's `lerp_` and `addcdiv_` take 4 and 6 times as long.

The CPU can instead treat such inputs, and round such results, as zero (the FTZ and DAZ flags):
results then differ only in numbers smaller than $1.2 \times 10^{-38}$. TensorFlow runs its
threads that way by default; PyTorch leaves it to `torch.set_flush_denormal(True)`, which sets
the flags for the calling thread only. torch's worker threads copy the flags of the thread that
creates them, at its first parallel operation, so the setting reaches every thread only when it
is made before any large tensor operation: at the start of a program. The command
`dlnotes train` and `benchmarks/mnist_mlp.py` do so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["denormals_flushed", "flushes_denormals"]


def flushes_denormals(*, all_threads: bool = True) -> bool:
    """Whether subnormal floats count as zero in this thread, and by default in every thread
    torch computes with.

    Doubles the smallest subnormal number: 0 comes back where a thread flushes it. For the
    worker threads the tensor is large enough that every thread gets a share of it.

    Args:
        all_threads: Check torch's worker threads too, not only the calling one.

    Examples:
        >>> from dlnotes.train import denormals_flushed, flushes_denormals
        >>> with denormals_flushed():
        ...     flushes_denormals(all_threads=False)
        True
    """
    # One element runs on this thread; 2**16 per thread (torch splits at 2**15) reaches them all.
    numel = 1 if not all_threads else 2**16 * max(torch.get_num_threads(), 1)
    # float32s whose bits are 0x00000001: 2**-149, the smallest subnormal number. Made from
    # integers, so that creating them never goes through a conversion that FTZ would flush.
    tiny = torch.ones(numel, dtype=torch.int32).view(torch.float32)
    return bool((tiny * 2 == 0).all())


@contextlib.contextmanager
def denormals_flushed() -> Iterator[bool]:
    """Within the block, subnormal floats count as zero on the CPU (see the module's docs).

    Sets the flags with `torch.set_flush_denormal(True)` and restores this thread's previous
    setting on exit. torch's worker threads that already exist keep theirs, and those created in
    the block keep the new one, so enter the block at the start of a program, before any large
    tensor operation.

    Yields:
        Whether every thread torch computes with now flushes subnormal floats: False on a CPU
        without the flags, or when worker threads started before the block.

    Examples:
        >>> import torch
        >>> from dlnotes.train import denormals_flushed
        >>> tiny = torch.tensor([1e-40])  # subnormal in float32, so stored with fewer digits
        >>> with denormals_flushed():
        ...     print(tiny * 1)
        tensor([0.])
        >>> tiny * 1
        tensor([9.9999e-41])
    """
    before = flushes_denormals(all_threads=False)
    supported = torch.set_flush_denormal(True)
    try:
        yield supported and flushes_denormals()
    finally:
        torch.set_flush_denormal(before)
