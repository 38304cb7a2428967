"""Tests of `dlnotes.train.distributed` and of `fit` on several processes (gloo, CPU only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import ddp_script
import pytest
import torch
import torch.distributed as dist

from dlnotes.cli import main as cli_main
from dlnotes.data import InMemoryLoader
from dlnotes.train import History, fit, load_checkpoint
from dlnotes.train.distributed import (
    all_reduce_sum,
    barrier,
    cleanup,
    init_from_env,
    is_distributed,
    is_main_process,
    local_rank,
    rank,
    unwrap_model,
    world_size,
    wrap_model,
)

needs_gloo = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="this torch has no torch.distributed with the gloo backend",
)
TORCHRUN_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def clean_env(monkeypatch):
    for name in TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def one_process_group():
    """A real gloo process group of one rank on 127.0.0.1, destroyed afterwards."""
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{free_port()}", rank=0, world_size=1
    )
    try:
        yield
    finally:
        cleanup()
    assert not is_distributed()


# --- alone --------------------------------------------------------------------------------------


def test_without_torchrun_everything_is_a_single_process(clean_env):
    assert init_from_env() is False
    clean_env.setenv("WORLD_SIZE", "1")  # torchrun --nproc-per-node 1: still alone
    assert init_from_env("gloo") is False
    assert not is_distributed()
    assert (rank(), world_size(), local_rank(), is_main_process()) == (0, 1, 0, True)
    barrier()
    cleanup()
    assert all_reduce_sum([1.5, 2]) == [1.5, 2.0]
    model = torch.nn.Linear(2, 1)
    assert wrap_model(model) is model and unwrap_model(model) is model


def test_init_from_env_names_what_is_wrong(clean_env):
    with pytest.raises(ValueError, match="Unknown backend: 'mpi'"):
        init_from_env("mpi")
    clean_env.setenv("WORLD_SIZE", "two")
    with pytest.raises(ValueError, match="Invalid WORLD_SIZE: 'two'"):
        init_from_env()
    clean_env.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="RANK is not set: start the processes with torchrun"):
        init_from_env()
    clean_env.setenv("RANK", "2")
    clean_env.setenv("LOCAL_RANK", "0")
    with pytest.raises(ValueError, match="Invalid RANK 2 for WORLD_SIZE 2"):
        init_from_env()
    clean_env.setenv("RANK", "1")
    clean_env.setenv("MASTER_ADDR", "127.0.0.1")
    with pytest.raises(ValueError, match="MASTER_PORT is not set"):
        init_from_env()
    assert not is_distributed()


@pytest.mark.parametrize(("n", "batch_size"), [(330, 16), (20, 3), (14, 4)])
def test_the_ranks_batches_make_up_the_single_process_batches(n, batch_size):
    # What makes a 2-process run match a single process with the global batch 2B: the ranks'
    # i-th batches together hold exactly the samples of its i-th batch, the last one included.
    X, y = torch.arange(n, dtype=torch.float64).unsqueeze(1), torch.arange(n)
    single = [set(y_batch.tolist()) for _, y_batch in InMemoryLoader(X, y, 2 * batch_size)]
    shards = [
        [y_batch.tolist() for _, y_batch in InMemoryLoader(X, y, batch_size, rank=r, world_size=2)]
        for r in range(2)
    ]
    assert len(shards[0]) == len(shards[1]) == len(single)
    for i, expected in enumerate(single):
        assert len(shards[0][i]) == len(shards[1][i])  # equal weights in DDP's average
        assert set(shards[0][i]) | set(shards[1][i]) == expected
        assert not set(shards[0][i]) & set(shards[1][i])


# --- a process group of one rank, in this process -----------------------------------------------


@needs_gloo
def test_fit_in_a_process_group_wraps_and_saves_the_plain_module(one_process_group, tmp_path):
    assert (is_distributed(), rank(), world_size(), is_main_process()) == (True, 0, 1, True)
    assert all_reduce_sum([1.5, 2]) == [1.5, 2.0]
    model, _, _, _ = ddp_script.make_run()
    wrapped = wrap_model(model)
    assert isinstance(wrapped, torch.nn.parallel.DistributedDataParallel)
    assert wrap_model(wrapped) is wrapped and unwrap_model(wrapped) is model

    # One rank averages over itself: the same weights as without a process group.
    model, optimizer, train_loader, val_loader = ddp_script.make_run()
    history = fit(model, optimizer, train_loader, num_epochs=2, val_loader=val_loader,
                  checkpoint_dir=tmp_path / "a", progress=False, seed=0)  # fmt: skip
    # fit accepts an already wrapped model too, and still saves the plain module's weights.
    twin, optimizer, train_loader, val_loader = ddp_script.make_run()
    fit(wrap_model(twin), optimizer, train_loader, num_epochs=2, val_loader=val_loader,
        checkpoint_dir=tmp_path / "b", progress=False, seed=0)  # fmt: skip
    barrier()
    cleanup()
    alone, optimizer, train_loader, val_loader = ddp_script.make_run()
    expected = fit(alone, optimizer, train_loader, num_epochs=2, val_loader=val_loader,
                   progress=False, seed=0)  # fmt: skip
    for name in ("a", "b"):
        saved = load_checkpoint(tmp_path / name / "last.pt")["model"]
        assert sorted(saved) == sorted(alone.state_dict())  # no "module." prefix
        for key, tensor in alone.state_dict().items():
            assert torch.equal(saved[key], tensor), (name, key)
    assert history.column("val_accuracy") == expected.column("val_accuracy")
    torch.testing.assert_close(history.column("train_loss"), expected.column("train_loss"))


# --- two processes under torchrun ---------------------------------------------------------------


def torchrun(script: Path, *args: str, nproc: int = 2, timeout: float = 300) -> None:
    env = {k: v for k, v in os.environ.items() if k not in TORCHRUN_VARIABLES}
    env["OMP_NUM_THREADS"] = "1"  # two processes on a small machine: one thread each
    command = [
        sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={nproc}",
        "--master-addr=127.0.0.1", f"--master-port={free_port()}", str(script), *args,
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"torchrun failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.slow
@needs_gloo
def test_two_processes_match_one_with_the_global_batch(tmp_path):
    torchrun(Path(ddp_script.__file__), str(tmp_path))
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]

    # The ranks end with identical weights and histories; only rank 0 reported and wrote.
    for key, tensor in ranks[0]["model"].items():
        assert torch.equal(ranks[1]["model"][key], tensor), key
    histories = [History.from_dict(r["history"]).records for r in ranks]
    for record in histories[0] + histories[1]:
        del record["train_seconds"]  # the one field the ranks measure for themselves
    assert histories[0] == histories[1]
    assert len(ranks[0]["reported"]) == ddp_script.NUM_EPOCHS and ranks[1]["reported"] == []
    assert sorted(p.name for p in (tmp_path / "checkpoints0").iterdir()) == [
        "last.pt",
        "previous.pt",
    ]
    assert not (tmp_path / "checkpoints1").exists()
    assert "epoch 3/3" in (tmp_path / "stderr0.txt").read_text()  # the progress bar
    assert (tmp_path / "stderr1.txt").read_text() == ""
    assert (tmp_path / "cli0" / "m.json").is_file() and (tmp_path / "cli0" / "last.pt").is_file()
    assert not (tmp_path / "cli1").exists()

    # One process with the global batch: the same run up to the order of sums (float64).
    model, optimizer, train_loader, val_loader = ddp_script.make_run()
    assert train_loader.batch_size == 2 * ddp_script.make_run(0, 2)[2].batch_size
    expected = fit(model, optimizer, train_loader, num_epochs=ddp_script.NUM_EPOCHS,
                   val_loader=val_loader, progress=False, seed=0)  # fmt: skip
    saved = load_checkpoint(tmp_path / "checkpoints0" / "last.pt")["model"]
    for key, tensor in model.state_dict().items():
        torch.testing.assert_close(ranks[0]["model"][key], tensor, rtol=1e-9, atol=1e-12)
        assert torch.equal(saved[key], ranks[0]["model"][key])  # the checkpoint: no "module."
    history = History.from_dict(ranks[0]["history"])
    torch.testing.assert_close(history.column("train_loss"), expected.column("train_loss"))
    torch.testing.assert_close(history.column("val_loss"), expected.column("val_loss"))
    assert history.column("val_accuracy") == expected.column("val_accuracy")

    # `dlnotes train` under torchrun matches `dlnotes train` alone (float32 this time).
    alone = tmp_path / "alone"
    assert cli_main([*ddp_script.CLI_ARGS, "--checkpoint-dir", str(alone)]) == 0
    two = load_checkpoint(tmp_path / "cli0" / "last.pt")
    one = load_checkpoint(alone / "last.pt")
    assert sorted(two["model"]) == sorted(one["model"])
    for key, tensor in one["model"].items():
        torch.testing.assert_close(two["model"][key], tensor, rtol=1e-5, atol=1e-5)
    assert two["history"]["history"][0]["val_accuracy"] == pytest.approx(
        one["history"]["history"][0]["val_accuracy"], abs=0.01
    )


def test_run_splits_the_global_batch_between_the_processes(monkeypatch):
    import dlnotes.train.config
    from dlnotes.train import TrainConfig, run

    monkeypatch.setattr(dlnotes.train.config, "world_size", lambda: 2)
    with pytest.raises(ValueError, match=r"Invalid batch_size: 33 \(must be divisible by the 2"):
        run(TrainConfig(batch_size=33, num_epochs=1))
