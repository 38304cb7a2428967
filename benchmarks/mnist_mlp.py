"""Times an MNIST epoch of `dlnotes train` against torch's fastest eager loop, in the same run.

The model is the course's 784-256-10 ReLU MLP with Adam (lr 1e-3), batch 256, float32, CPU. Paths:

- B, the target: the epoch of `dlnotes train --dataset mnist`, which is `dlnotes.train.fit` with
  the model, loss and optimizer `dlnotes.train.run` builds (`torch.nn` layers, `F.cross_entropy`,
  `Adam(fused=True)`) and an `InMemoryLoader` over the training images converted once;
- C, torch's fastest eager loop on the same preloaded batches: `torch.nn.Linear` layers,
  `F.cross_entropy` and `torch.optim.Adam(fused=True)`, the five lines of the loop and nothing
  else. Target: B/C <= 1.15;
- S, for information: `dlnotes train --from-scratch`, B with the course's own pieces:
  `dlnotes.models.MLP`, `dlnotes.losses.cross_entropy` and `dlnotes.optim.Adam`;
- A, for information: the assignment's path, `torchvision.datasets.MNIST(transform=ToTensor())`
  and a `DataLoader`, which converts every image with PIL every epoch;
- D, for information: only the epoch's matrix products that training needs, with the same shapes
  (the floor that no loop on this machine can beat).

A shared machine is noisy, and noise only ever adds time. So each round times every path (in an
order that rotates from round to round) `--repeats` times, keeps each path's fastest epoch of
the round, and computes the round's ratios from those; the report gives the median over the
rounds. Then `dlnotes train --dataset mnist`'s default run trains `--accuracy-epochs` epochs and
reports the validation and test accuracy.

As in `dlnotes train`, subnormal floats count as zero (`torch.set_flush_denormal(True)`): Adam's
moments for pixels that are never lit decay into them, and the CPU computes with them slowly.

    python benchmarks/mnist_mlp.py [--data-dir DIR] [--rounds 5] [--repeats 2] [--threads N]
                                   [--accuracy-epochs 15]

`--data-dir` holds `MNIST/raw/` with the four original `.gz` files (default: `./data`, or
`../shared/data` beside the repository when that exists); they are copied to a temporary folder,
where torchvision checks and extracts them without a download.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from dlnotes.data import InMemoryLoader, load_mnist
from dlnotes.losses import cross_entropy
from dlnotes.train import TrainConfig, build_model, build_optimizer, fit, run

IN_FEATURES, HIDDEN_FEATURES, OUT_FEATURES, BATCH_SIZE, LR = 784, 256, 10, 256, 1e-3


def cpu_name() -> str:
    """The processor's model name, for the report: seconds and ratios depend on it."""
    try:
        lines = Path("/proc/cpuinfo").read_text().split("\n\n")[0].splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    fields = {
        k.strip(): v.strip() for k, v in (line.split(":", 1) for line in lines if ":" in line)
    }
    return f"{fields.get('model name', platform.machine())} (family {fields.get('cpu family')}, model {fields.get('model')})"  # fmt: skip


def path_b(X: torch.Tensor, y: torch.Tensor, *, from_scratch: bool = False) -> Callable[[], None]:
    """`dlnotes train`'s epoch: fit with the model, loss, optimizer and loader `run` builds."""
    config = TrainConfig.for_dataset("mnist", from_scratch=from_scratch)
    model = build_model(config, IN_FEATURES)
    optimizer = build_optimizer("adam", model.parameters(), LR, from_scratch=from_scratch)
    loss_fn = cross_entropy if from_scratch else F.cross_entropy
    loader = InMemoryLoader(X, y, batch_size=BATCH_SIZE, seed=0)
    return lambda: fit(model, optimizer, loader, num_epochs=1, loss_fn=loss_fn, progress=False)


def path_c(X: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """torch's fastest eager loop on the same in-memory batches."""
    model = nn.Sequential(*path_c_layers())
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    loader = InMemoryLoader(X, y, batch_size=BATCH_SIZE, seed=0)

    def epoch() -> None:
        model.train()
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X_batch), y_batch)
            loss.backward()
            optimizer.step()

    return epoch


def path_a(root: Path) -> Callable[[], None]:
    """The assignment's path: per-image PIL conversion, DataLoader batches."""
    dataset = torchvision.datasets.MNIST(str(root), transform=torchvision.transforms.ToTensor())
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    model = nn.Sequential(nn.Flatten(), *path_c_layers())
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    def epoch() -> None:
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(X_batch), y_batch).backward()
            optimizer.step()

    return epoch


def path_c_layers() -> list[nn.Module]:
    return [nn.Linear(IN_FEATURES, HIDDEN_FEATURES), nn.ReLU(),
            nn.Linear(HIDDEN_FEATURES, OUT_FEATURES)]  # fmt: skip


def path_d(X: torch.Tensor) -> tuple[Callable[[], None], int]:
    """The epoch's needed matrix products alone; returns the epoch and its FLOPs."""
    g = torch.Generator().manual_seed(0)
    W1 = torch.randn(HIDDEN_FEATURES, IN_FEATURES, generator=g)  # (256, 784)
    W2 = torch.randn(OUT_FEATURES, HIDDEN_FEATURES, generator=g)  # (10, 256)
    H = torch.rand(BATCH_SIZE, HIDDEN_FEATURES, generator=g)  # (B, 256)
    G2 = torch.randn(BATCH_SIZE, OUT_FEATURES, generator=g)  # (B, 10), dL/dlogits
    G1 = torch.randn(BATCH_SIZE, HIDDEN_FEATURES, generator=g)  # (B, 256), dL/dZ1
    starts = range(0, len(X), BATCH_SIZE)

    def epoch() -> None:
        for start in starts:
            Xb = X[start : start + BATCH_SIZE]  # (b, 784)
            b = len(Xb)
            torch.mm(Xb, W1.t())  # forward, layer 1
            torch.mm(H[:b], W2.t())  # forward, layer 2
            torch.mm(G2[:b].t(), H[:b])  # grad W2
            torch.mm(G2[:b], W2)  # grad H
            torch.mm(G1[:b].t(), Xb)  # grad W1 (none for the input X)

    per_sample = 2 * (2 * IN_FEATURES * HIDDEN_FEATURES + 3 * HIDDEN_FEATURES * OUT_FEATURES)
    return epoch, per_sample * len(X)


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    here = Path(__file__).resolve().parents[1]
    shared = here.parent / "shared" / "data"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=shared if shared.is_dir() else Path("data")
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of interleaved epochs")
    parser.add_argument("--repeats", type=int, default=2, help="epochs of each path per round")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    preset = TrainConfig.for_dataset("mnist").num_epochs
    parser.add_argument("--accuracy-epochs", type=int, default=preset,
                        help=f"epochs of the accuracy run (default: the preset's {preset}; 0 skips it)")  # fmt: skip
    parser.add_argument("--skip-a", action="store_true", help="leave out the slow torchvision path")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.repeats < 1 or args.accuracy_epochs < 0:
        parser.error("--rounds and --repeats must be positive, --accuracy-epochs >= 0")
    if not (args.data_dir / "MNIST" / "raw").is_dir():
        parser.error(f"no MNIST/raw folder in --data-dir {args.data_dir}")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as dlnotes train does
    torch.manual_seed(0)

    with tempfile.TemporaryDirectory(prefix="mnist-bench-") as folder:
        root = Path(folder)
        shutil.copytree(args.data_dir / "MNIST" / "raw", root / "MNIST" / "raw")
        images, y = load_mnist("mnist", root, train=True, download=True)  # extracts, offline
        X = images.flatten(1).float() / 255  # (60000, 784), converted once
        paths: dict[str, Callable[[], None]] = {
            "B dlnotes train": path_b(X, y),
            "C torch eager, fused Adam": path_c(X, y),
            "S dlnotes train --from-scratch": path_b(X, y, from_scratch=True),
        }
        if not args.skip_a:
            paths["A torchvision + DataLoader"] = path_a(root)
        paths["D matmul floor"], flops = path_d(X)
        names = list(paths)
        for name in names:  # warm-up, untimed: first calls allocate
            paths[name]()
        load_before = os.getloadavg()[0]
        rounds: list[dict[str, float]] = []
        for r in range(args.rounds):
            fastest: dict[str, float] = {}
            for name in names[r % len(names) :] + names[: r % len(names)]:
                repeats = 1 if name.startswith("A") else args.repeats
                fastest[name] = min(timed(paths[name]) for _ in range(repeats))
            rounds.append(fastest)

        print(f"CPU: {cpu_name()}; torch's vector code: {torch.backends.cpu.get_cpu_capability()}")
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {os.cpu_count()} "
              f"CPUs, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
              f"subnormals flushed")  # fmt: skip
        print(f"MNIST {tuple(X.shape)}, MLP 784-256-10, Adam lr {LR}, batch {BATCH_SIZE}, "
              f"float32; {args.rounds} rounds, fastest of {args.repeats} epochs per path a round")  # fmt: skip
        print("seconds per epoch, median over the rounds of each round's fastest (min, max):")
        for name in names:
            values = [r[name] for r in rounds]
            print(f"  {name:<32} {statistics.median(values):7.3f}  "
                  f"({min(values):.3f}, {max(values):.3f})")  # fmt: skip
        print(f"  D as a rate: {flops / statistics.median(r['D matmul floor'] for r in rounds) / 1e9:.1f} GFLOP/s")  # fmt: skip

        def ratio(a: str, b: str) -> str:
            values = [r[a] / r[b] for r in rounds]
            per_round = ", ".join(f"{v:.2f}" for v in values)
            return f"{statistics.median(values):5.2f}  (rounds: {per_round})"

        print(f"B/C = {ratio('B dlnotes train', 'C torch eager, fused Adam')}   target <= 1.15")
        print(f"S/C = {ratio('S dlnotes train --from-scratch', 'C torch eager, fused Adam')}   "
              "information: the course's Adam")  # fmt: skip
        print(f"C/D = {ratio('C torch eager, fused Adam', 'D matmul floor')}   information")
        if not args.skip_a:
            print(f"A/B = {ratio('A torchvision + DataLoader', 'B dlnotes train')}   information")

        if args.accuracy_epochs:
            config = TrainConfig.for_dataset(
                "mnist", data_dir=folder, num_epochs=args.accuracy_epochs, device="cpu"
            )
            started = time.perf_counter()
            _, history, test = run(config, progress=False)
            print(
                f"dlnotes train --dataset mnist --epochs {args.accuracy_epochs} (seed 0, "
                f"{time.perf_counter() - started:.1f} s): validation accuracy "
                f"{100 * history.last['val_accuracy']:.2f}% on 5,000 held-out images, test "
                f"accuracy {100 * test['accuracy']:.2f}% (target >= 98.0%)"
            )


if __name__ == "__main__":
    main()
