"""Trains a small MLP on every process that torchrun starts; `test_distributed.py` runs it.

    python -m torch.distributed.run --nproc-per-node 2 --master-addr 127.0.0.1 \\
        --master-port PORT tests/ddp_script.py OUT

Each rank calls `fit` on its shard (float64, so that only the order of sums differs from one
process), then `dlnotes train` (the command line) in the same process group. Each rank gets its
own checkpoint folder, metrics file and standard error file, so the test can see which ranks
wrote what; `OUT/rank{r}.pt` holds every rank's final weights and history.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from dlnotes.cli import main as cli_main
from dlnotes.data import InMemoryLoader, load_digits_split
from dlnotes.models import MLP
from dlnotes.optim import Adam
from dlnotes.train import fit
from dlnotes.train.distributed import cleanup, init_from_env, rank, world_size

BATCH_SIZE = 32  # the global batch: each of W ranks takes BATCH_SIZE // W samples a step
NUM_EPOCHS = 3
NUM_TRAIN = 330  # 10 full global batches and a last one of 10 (5 per rank)
CLI_ARGS = ["train", "--epochs", "1", "--hidden", "16", "--lr", "0.01", "--no-progress"]


def make_run(rank: int = 0, world_size: int = 1) -> tuple:
    """The model, optimizer and loaders of one rank (or of a single process)."""
    X_train, y_train, X_val, y_val = load_digits_split(seed=0)
    model = MLP(64, 16, 10, generator=torch.Generator().manual_seed(0)).double()
    optimizer = Adam(model.parameters(), lr=1e-2)
    train_loader = InMemoryLoader(
        X_train[:NUM_TRAIN].double(), y_train[:NUM_TRAIN], BATCH_SIZE // world_size, seed=1,
        rank=rank, world_size=world_size,
    )  # fmt: skip
    val_loader = InMemoryLoader(X_val[:160].double(), y_val[:160], 80, shuffle=False)
    return model, optimizer, train_loader, val_loader


def main(out: Path) -> int:
    if not init_from_env("gloo"):
        raise SystemExit("Start this script with torchrun (WORLD_SIZE > 1)")
    try:
        r = rank()
        sys.stderr = open(out / f"stderr{r}.txt", "w", encoding="utf-8")
        model, optimizer, train_loader, val_loader = make_run(r, world_size())
        reported: list[dict] = []
        history = fit(
            model, optimizer, train_loader, num_epochs=NUM_EPOCHS, val_loader=val_loader,
            checkpoint_dir=out / f"checkpoints{r}", progress=True, seed=0,
            on_epoch_end=reported.append,
        )  # fmt: skip
        torch.save(
            {"model": model.state_dict(), "history": history.to_dict(), "reported": reported},
            out / f"rank{r}.pt",
        )
        cli_dir = out / f"cli{r}"
        return cli_main(
            [*CLI_ARGS, "--checkpoint-dir", str(cli_dir), "--metrics-out", str(cli_dir / "m.json")]
        )
    finally:
        cleanup()


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
