"""dlnotes.train.denormals: subnormal floats counted as zero, in every thread, and only when asked."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap

import pytest
import torch

import dlnotes.train
from dlnotes.cli import main
from dlnotes.train import denormals_flushed, flushes_denormals


def run_fresh(code: str, threads: int = 2) -> str:
    """Runs `code` in a new Python process with `threads` torch threads; returns its output."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return result.stdout.strip()


def test_the_block_flushes_and_then_restores_this_thread():
    tiny = torch.tensor([1e-40])  # subnormal in float32
    assert (tiny * 1).item() != 0 and not flushes_denormals(all_threads=False)
    with denormals_flushed():
        assert (tiny * 1).item() == 0 and flushes_denormals(all_threads=False)
    assert (tiny * 1).item() != 0 and not flushes_denormals(all_threads=False)


@pytest.mark.slow  # a new process: about 5 s
def test_every_thread_flushes_when_the_block_comes_first():
    out = run_fresh("""
        import torch
        from dlnotes.train import denormals_flushed, flushes_denormals
        with denormals_flushed() as all_threads:
            # a parallel operation on subnormal numbers, as Adam's would be
            x = torch.full((2**20,), 1, dtype=torch.int32).view(torch.float32)
            print(torch.get_num_threads(), all_threads, bool(((x * 3) == 0).all()))
    """)
    assert out == "2 True True"


@pytest.mark.slow
def test_worker_threads_started_before_the_block_keep_subnormals():
    # The caveat the docs state: torch's worker threads copy the setting only when they start.
    out = run_fresh("""
        import torch
        from dlnotes.train import denormals_flushed, flushes_denormals
        torch.ones(2**20).mul(2)  # starts the worker threads
        with denormals_flushed() as all_threads:
            print(all_threads, flushes_denormals(all_threads=False), flushes_denormals())
    """)
    assert out == "False True False"


def test_the_train_command_flushes_unless_asked_not_to(monkeypatch):
    entered = []

    @contextlib.contextmanager
    def spy():
        entered.append(True)
        yield True

    monkeypatch.setattr(dlnotes.train, "denormals_flushed", spy)
    argv = ["train", "--epochs", "1", "--no-progress", "--hidden", "8"]
    assert main(argv) == 0
    assert entered == [True]
    assert main([*argv, "--keep-denormals"]) == 0
    assert entered == [True]
