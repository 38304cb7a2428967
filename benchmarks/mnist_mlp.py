"""Times one epoch of the MNIST MLP three ways: torchvision's loader, `dlnotes.train.fit`, the floor.

The model is the course's 784-256-10 ReLU MLP with Adam (lr 1e-3), batch 256, float32, CPU:

- A, the assignment's path: `torchvision.datasets.MNIST(root, train=True, transform=ToTensor())`
  and `torch.utils.data.DataLoader(batch_size=256, shuffle=True)`, `torch.nn` layers,
  `torch.optim.Adam` and `F.cross_entropy`, in the notebook's five-line loop;
- B, `dlnotes.train.fit` with `dlnotes.models.MLP`, `dlnotes.optim.Adam` and an
  `InMemoryLoader` over the training set converted once with `to_float_images` (plain [0, 1]
  inputs, no standardisation), with fit's default loss (`dlnotes.losses.cross_entropy`); B' is
  the same with `loss_fn=F.cross_entropy`;
- C, a reference, not a target: torch's fastest eager loop for the same run on the same
  in-memory batches: `torch.nn` layers, `F.cross_entropy` and `torch.optim.Adam(fused=True)`,
  whose update is one C++ kernel per parameter. C/D is how close eager PyTorch itself gets to
  the floor on this machine, which bounds what B, written in Python, can reach;
- C0, C without `optimizer.step()`: eager PyTorch's forward, loss and backward alone, what any
  loop on torch's autograd pays before it updates a weight, however fast its optimizer;
- with `--compile`, E: C's model and loss, and the step of `torch.optim.Adam`, each under
  `torch.compile` (inductor), whose kernels fuse the element-wise work; its compilation (about
  40 s on a first run, a few seconds once inductor's cache holds it) happens in the untimed
  warm-up and is reported;
- D, the floor: only the epoch's matrix products that training needs (forward X W1^T and
  H W2^T; backward the gradients of W2, H and W1, none for the input X), with the same shapes,
  timed in a loop; D is the epoch's FLOPs over that measured rate.

Each round times one epoch of every path, in an order that rotates from round to round, so a
slow moment of a shared machine is spread over all of them; the cheap paths (all but A) are timed
`--repeats` times per round. We report medians and the ratios A/B and B/D (targets: A/B >= 8,
B/D <= 1.5). Then `dlnotes train --dataset mnist`'s default run (B's model, optimizer and
loader, with inputs standardised by the training set's mean and std and a cosine learning-rate
decay) trains `--accuracy-epochs` epochs from a fresh model and gives the test accuracy on the
10,000 test images.

Subnormal floats count as zero in every thread for the whole run, as in `dlnotes train`:
otherwise Adam's first moments of the weights fed by MNIST's blank pixels decay into them after
a few epochs and slow B's and C's optimizer steps down (`dlnotes.train.denormals`).
`--keep-denormals` measures torch's default instead.

    python benchmarks/mnist_mlp.py [--data-dir DIR] [--epochs-timed 3] [--repeats 3]
                                   [--threads N] [--accuracy-epochs 10] [--keep-denormals]
                                   [--compile]

The data folder holds `MNIST/raw/*.gz` (`--data-dir`, else `$DLNOTES_DATA_DIR`, else
`../shared/data` next to the repository); path A reads a copy extracted into a temporary folder.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from dlnotes.data import InMemoryLoader, load_mnist, to_float_images
from dlnotes.models import MLP
from dlnotes.optim import Adam
from dlnotes.train import TrainConfig, denormals_flushed, fit
from dlnotes.train import run as run_config

IN_FEATURES, HIDDEN_FEATURES, OUT_FEATURES = 784, 256, 10


def cpu_name() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux, else `platform`), for the report:
    the same code gives very different seconds, and ratios, on different processors."""
    try:
        lines = Path("/proc/cpuinfo").read_text().split("\n\n")[0].splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    # A virtual machine often shows a generic name; family and model still tell processors apart.
    name = fields.get("model name", platform.machine())
    return f"{name} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


def default_data_dir() -> Path:
    """`$DLNOTES_DATA_DIR`, else `../shared/data` relative to the repository's root."""
    env = os.environ.get("DLNOTES_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class BenchConfig:
    data_dir: Path  # holds MNIST/raw/*.gz
    epochs_timed: int = 3  # rounds; each times one epoch of every path
    repeats: int = 3  # timings of each cheap path (all but A) per round
    threads: int | None = None  # torch's intra-op threads; None keeps torch's default
    accuracy_epochs: int = 10  # epochs of B before measuring test accuracy; 0 skips
    keep_denormals: bool = False  # True: compute with subnormal floats, as torch does by default
    compile: bool = False  # also time path E, under torch.compile
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0


def matmul_flops_per_sample(
    in_features: int = IN_FEATURES, hidden: int = HIDDEN_FEATURES, out: int = OUT_FEATURES
) -> dict[str, int]:
    """FLOPs (a multiply and an add are two) of each matrix product, per sample of a batch.

    An (m, k) @ (k, n) product costs 2 m k n; each product here has the batch size B as one of
    m, k, n, so its cost is B times the number returned.
    """
    return {
        "forward X @ W1^T": 2 * in_features * hidden,  # (B, 784) @ (784, 256)
        "forward H @ W2^T": 2 * hidden * out,  # (B, 256) @ (256, 10)
        "grad W2 = G2^T @ H": 2 * hidden * out,  # (10, B) @ (B, 256)
        "grad H = G2 @ W2": 2 * hidden * out,  # (B, 10) @ (10, 256)
        "grad W1 = G1^T @ X": 2 * in_features * hidden,  # (256, B) @ (B, 784)
    }


def batch_sizes(n: int, batch_size: int) -> list[int]:
    """The sizes of one epoch's batches, the last one possibly smaller."""
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]


def extracted_copy(data_dir: Path, folder: Path) -> Path:
    """Copies and unpacks `MNIST/raw/*.gz` into `folder` (torchvision wants the files unpacked)."""
    source, raw = data_dir / "MNIST" / "raw", folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for gz_path in sorted(source.glob("*.gz")):
        with gzip.open(gz_path, "rb") as src, open(raw / gz_path.stem, "wb") as dst:
            shutil.copyfileobj(src, dst)
        shutil.copy(gz_path, raw / gz_path.name)
    return folder


def make_path_a(root: Path, config: BenchConfig) -> Callable[[int | None], None]:
    """The assignment's path; the returned function trains one epoch (or its first batches)."""
    dataset = torchvision.datasets.MNIST(
        str(root), train=True, transform=torchvision.transforms.ToTensor()
    )
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(IN_FEATURES, HIDDEN_FEATURES),
        nn.ReLU(),
        nn.Linear(HIDDEN_FEATURES, OUT_FEATURES),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)

    def epoch(max_batches: int | None = None) -> None:
        model.train()
        running_loss = 0.0
        for batch, (X, y) in enumerate(loader):
            if max_batches is not None and batch == max_batches:
                break
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X), y)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()

    return epoch


def make_path_b(
    X: torch.Tensor, y: torch.Tensor, config: BenchConfig, **fit_kwargs: object
) -> Callable[[], None]:
    """`dlnotes.train.fit` for one epoch per call, on the same model and optimizer each time."""
    model = MLP(IN_FEATURES, HIDDEN_FEATURES, OUT_FEATURES)
    optimizer = Adam(model.parameters(), lr=config.lr)
    loader = InMemoryLoader(X, y, batch_size=config.batch_size, shuffle=True, seed=config.seed)

    def epoch() -> None:
        fit(model, optimizer, loader, num_epochs=1, progress=False, **fit_kwargs)

    return epoch


def make_path_c(
    X: torch.Tensor, y: torch.Tensor, config: BenchConfig, *, update: bool = True
) -> Callable[[], None]:
    """torch's own fastest eager loop (fused Adam), on B's in-memory batches; a reference.
    With `update=False` (path C0) it never calls `optimizer.step()`: the weights stay as they
    are, and the epoch times only the forward pass, the loss and the backward pass."""
    model = nn.Sequential(
        nn.Linear(IN_FEATURES, HIDDEN_FEATURES), nn.ReLU(), nn.Linear(HIDDEN_FEATURES, OUT_FEATURES)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    loader = InMemoryLoader(X, y, batch_size=config.batch_size, shuffle=True, seed=config.seed)

    def epoch() -> None:
        model.train()
        for Xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(Xb), yb)
            loss.backward()
            if update:
                optimizer.step()

    return epoch


def make_path_e(X: torch.Tensor, y: torch.Tensor, config: BenchConfig) -> Callable[[], None]:
    """C compiled: `torch.compile` of the model with its loss, and of torch's Adam step (the
    way torch's documentation compiles an optimizer); a reference, like C."""
    model = nn.Sequential(
        nn.Linear(IN_FEATURES, HIDDEN_FEATURES), nn.ReLU(), nn.Linear(HIDDEN_FEATURES, OUT_FEATURES)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    loader = InMemoryLoader(X, y, batch_size=config.batch_size, shuffle=True, seed=config.seed)

    @torch.compile
    def loss_of(Xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(Xb), yb)

    @torch.compile
    def step() -> None:
        optimizer.step()

    def epoch() -> None:
        model.train()
        for Xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_of(Xb, yb)
            loss.backward()
            step()

    return epoch


def make_path_d(X: torch.Tensor, config: BenchConfig) -> Callable[[], None]:
    """The epoch's needed matrix products alone, with the shapes and layouts of autograd's."""
    g = torch.Generator().manual_seed(config.seed)
    W1 = 0.05 * torch.randn(HIDDEN_FEATURES, IN_FEATURES, generator=g)  # (256, 784)
    W2 = 0.05 * torch.randn(OUT_FEATURES, HIDDEN_FEATURES, generator=g)  # (10, 256)
    B = config.batch_size
    H = torch.rand(B, HIDDEN_FEATURES, generator=g)  # (B, 256), post-ReLU
    G2 = 0.01 * torch.randn(B, OUT_FEATURES, generator=g)  # (B, 10), dL/dlogits
    G1 = 0.01 * torch.randn(B, HIDDEN_FEATURES, generator=g)  # (B, 256), dL/dZ1
    Z1, Z2 = torch.empty(B, HIDDEN_FEATURES), torch.empty(B, OUT_FEATURES)
    dW1, dW2, dH = torch.empty_like(W1), torch.empty_like(W2), torch.empty(B, HIDDEN_FEATURES)
    sizes = batch_sizes(len(X), B)

    def epoch() -> None:
        start = 0
        for b in sizes:
            Xb = X[start : start + b]  # (b, 784), a contiguous slice
            start += b
            torch.mm(Xb, W1.t(), out=Z1[:b])  # (b, 784) @ (784, 256)
            torch.mm(H[:b], W2.t(), out=Z2[:b])  # (b, 256) @ (256, 10)
            torch.mm(G2[:b].t(), H[:b], out=dW2)  # (10, b) @ (b, 256)
            torch.mm(G2[:b], W2, out=dH[:b])  # (b, 10) @ (10, 256)
            torch.mm(G1[:b].t(), Xb, out=dW1)  # (256, b) @ (b, 784)

    return epoch


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def accuracy_run(config: BenchConfig) -> list[float]:
    """`dlnotes train --dataset mnist`'s default run, from a seeded start; the test accuracy after
    each epoch. That is B's model, optimizer and loader plus the command line's defaults: inputs
    standardised with the training set's mean and std, and a cosine learning-rate decay."""
    train_config = TrainConfig(
        dataset="mnist", data_dir=str(config.data_dir), num_epochs=config.accuracy_epochs,
        batch_size=config.batch_size, lr=config.lr, seed=config.seed, device="cpu",
    )  # fmt: skip
    _, history = run_config(train_config, progress=False)
    return [record["test_accuracy"] for record in history]


def run(config: BenchConfig) -> dict[str, float]:
    """Runs the benchmark, prints a report and returns the median seconds per epoch of each path.

    Unless `keep_denormals`, subnormal floats count as zero for the whole run, in every thread,
    as `dlnotes train` does: see `dlnotes.train.denormals`."""
    if config.keep_denormals:
        return _run(config, "kept (--keep-denormals), as torch computes by default")
    with denormals_flushed() as all_threads:
        return _run(config, "counted as zero" + (" in every thread" if all_threads else
                                                  " in the main thread only"))  # fmt: skip


def _run(config: BenchConfig, denormals: str) -> dict[str, float]:
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    images, y = load_mnist("mnist", root=config.data_dir, train=True)
    X = to_float_images(images).flatten(1)  # (60000, 784), in [0, 1], converted once
    n = len(X)

    per_sample = matmul_flops_per_sample()
    sample_flops = sum(per_sample.values())
    epoch_flops = sum(b * sample_flops for b in batch_sizes(n, config.batch_size))
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="mnist-bench-") as folder:
        paths: dict[str, Callable[[], None]] = {}
        epoch_a = make_path_a(extracted_copy(config.data_dir, Path(folder)), config)
        paths["A torchvision+DataLoader"] = epoch_a
        paths["B dlnotes fit"] = make_path_b(X, y, config)
        paths["B' fit, F.cross_entropy"] = make_path_b(X, y, config, loss_fn=F.cross_entropy)
        paths["C torch eager, fused Adam"] = make_path_c(X, y, config)
        paths["C0 C without the step"] = make_path_c(X, y, config, update=False)
        if config.compile:
            paths["E C under torch.compile"] = make_path_e(X, y, config)
        paths["D matmul floor"] = make_path_d(X, config)
        names = list(paths)
        # Warm-up, untimed: first calls allocate, A's first batches open the files, and E's
        # first epoch compiles.
        epoch_a(20)
        warm_up = {name: timed(paths[name]) for name in names[1:]}

        times: dict[str, list[float]] = {name: [] for name in names}
        for r in range(config.epochs_timed):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                for _ in range(1 if name.startswith("A") else config.repeats):
                    times[name].append(timed(paths[name]))

    medians = {name: statistics.median(ts) for name, ts in times.items()}
    a, b, b_torch, c, c0 = (medians[name] for name in names[:5])
    d_times = times[names[-1]]
    rates = [epoch_flops / t for t in d_times]  # FLOP/s of each timed floor epoch
    d_median, d_best = epoch_flops / statistics.median(rates), epoch_flops / max(rates)

    print(f"CPU: {cpu_name()}; torch's vector code: {torch.backends.cpu.get_cpu_capability()}")
    print(
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"{torch.get_num_threads()} thread(s) (OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}), {os.cpu_count()} CPUs; load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after; subnormal floats "
        f"{denormals}"
    )
    print(
        f"MNIST train {n} x {IN_FEATURES}, MLP {IN_FEATURES}-{HIDDEN_FEATURES}-{OUT_FEATURES}, "
        f"Adam lr {config.lr}, batch {config.batch_size}, float32; {config.epochs_timed} rounds, "
        f"cheap paths x{config.repeats} per round"
    )
    print("matmul FLOPs per sample:")
    for what, flops in per_sample.items():
        print(f"  {what:<20} {flops:>9,}")
    print(
        f"  {'total':<20} {sample_flops:>9,} = {sample_flops / 1e6:.3f} MFLOP; per epoch "
        f"{epoch_flops / 1e9:.2f} GFLOP"
    )
    print(
        f"GEMM rate of those shapes: median {statistics.median(rates) / 1e9:.1f} GFLOP/s, "
        f"best {max(rates) / 1e9:.1f} GFLOP/s"
    )
    print("seconds per epoch, median (min, max):")
    for name in names:
        spread = f"({min(times[name]):.3f}, {max(times[name]):.3f})"
        print(f"  {name:<26} {medians[name]:7.3f}  {spread}  n={len(times[name])}")
    print(f"  D from the median rate: {d_median:.3f} s; from the best rate: {d_best:.3f} s")
    print(f"A/B  = {a / b:5.2f}   (target >= 8)")
    print(f"B/D  = {b / d_median:5.2f}   (target <= 1.5, stretch 1.3; {b / d_best:.2f} vs best D)")
    print(f"B'/D = {b_torch / d_median:5.2f}   (B with loss_fn=F.cross_entropy)")
    print(f"C/D  = {c / d_median:5.2f}   (torch's fastest eager loop: the reach of eager PyTorch)")
    print(f"C0/D = {c0 / d_median:5.2f}   (C without optimizer.step(): eager autograd's own cost)")
    if config.compile:
        e = medians["E C under torch.compile"]
        print(
            f"E/D  = {e / d_median:5.2f}   (C under torch.compile; compiling and the first epoch "
            f"took {warm_up['E C under torch.compile']:.1f} s)"
        )
    print(f"B/C  = {b / c:5.2f}   (the cost of writing the optimizer, loss and layers in Python)")

    if config.accuracy_epochs > 0:
        started = time.perf_counter()
        accuracies = accuracy_run(config)
        seconds = time.perf_counter() - started
        per_epoch = ", ".join(f"{100 * acc:.2f}" for acc in accuracies)
        print(
            f"dlnotes train --dataset mnist (784-256-10, Adam 1e-3, batch {config.batch_size}, "
            f"standardised inputs, cosine decay), seed {config.seed}, {config.accuracy_epochs} "
            f"epochs in {seconds:.1f} s: test accuracy {100 * accuracies[-1]:.2f}% "
            f"(target >= 98.0%)\n  per epoch: {per_epoch}"
        )
    return medians


def main(argv: list[str] | None = None) -> None:
    """Maps the command line onto a `BenchConfig` and runs it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="folder holding MNIST/raw/*.gz")  # fmt: skip
    parser.add_argument("--epochs-timed", type=int, default=BenchConfig.epochs_timed,
                        help="rounds; each times one epoch of every path")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=BenchConfig.repeats,
                        help="timings of each path but A per round")  # fmt: skip
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--accuracy-epochs", type=int, default=BenchConfig.accuracy_epochs,
                        help="epochs of B before the test accuracy; 0 skips")  # fmt: skip
    parser.add_argument("--keep-denormals", action="store_true",
                        help="compute with subnormal floats (default: count them as zero)")  # fmt: skip
    parser.add_argument("--compile", action="store_true",
                        help="also time C under torch.compile (compiling takes up to a minute)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.epochs_timed < 1 or args.repeats < 1 or (args.threads is not None and args.threads < 1):
        parser.error("--epochs-timed, --repeats and --threads must be positive")
    if args.accuracy_epochs < 0:
        parser.error("--accuracy-epochs must be >= 0")
    if not (args.data_dir / "MNIST" / "raw").is_dir():
        parser.error(f"no MNIST/raw folder in --data-dir {args.data_dir}")
    run(BenchConfig(data_dir=args.data_dir, epochs_timed=args.epochs_timed,
                    repeats=args.repeats, threads=args.threads,
                    accuracy_epochs=args.accuracy_epochs,
                    keep_denormals=args.keep_denormals, compile=args.compile))  # fmt: skip


if __name__ == "__main__":
    main()
