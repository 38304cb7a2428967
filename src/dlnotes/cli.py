"""The `dlnotes` command line.

`dlnotes info` prints the versions and devices a bug report needs; `dlnotes train` trains an MLP
classifier (on the embedded digits by default, in seconds); `dlnotes --version` prints the package
version (the package is installed as `dlnotes-course` and imported as `dlnotes`). Each
sub-command maps its flags onto the package's functions, so anything the command line does can
also be done from Python. `torchrun --nproc-per-node 2 -m dlnotes train` trains on two processes,
splitting each batch between them (see `dlnotes.train.distributed`).
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dlnotes

if TYPE_CHECKING:
    from dlnotes.train import TrainConfig

__all__ = ["build_parser", "main"]


DISTRIBUTION = "dlnotes-course"


def _other_distributions() -> list[str]:
    """Other installed distributions that also provide the `dlnotes` import name.

    `dlnotes` on PyPI is an unrelated project whose files would overwrite this package's.
    """
    from importlib.metadata import packages_distributions

    found = packages_distributions().get("dlnotes", [])
    return sorted({name for name in found if name.lower().replace("_", "-") != DISTRIBUTION})


def _info(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from dlnotes.tensor import get_device

    try:
        device = get_device(args.device)
    except ValueError as exc:
        print(f"dlnotes: error: {exc}", file=sys.stderr)
        return 2
    mps = getattr(torch.backends, "mps", None)
    rows = [
        (DISTRIBUTION, dlnotes.__version__),
        ("python", platform.python_version()),
        ("platform", platform.platform()),
        ("torch", torch.__version__),
        ("numpy", np.__version__),
        ("cuda available", str(torch.cuda.is_available())),
        ("cuda devices", str(torch.cuda.device_count())),
        ("mps available", str(bool(mps is not None and mps.is_available()))),
        ("cpu threads", str(torch.get_num_threads())),
        ("selected device", str(device)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    for other in _other_distributions():
        print(
            f"dlnotes: warning: the distribution {other!r} is installed too and also provides the "
            f"module 'dlnotes' (it is another project); uninstall it (pip uninstall {other}), "
            f"then reinstall {DISTRIBUTION}",
            file=sys.stderr,
        )
    return 0


def _checked(cast: Callable[[str], Any], ok: Callable[[Any], bool], requirement: str):
    """An argparse `type=` that converts with `cast` and accepts only values where `ok` holds."""

    def parse(text: str) -> Any:
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {cast.__name__} value: {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{requirement}, got {value}")
        return value

    return parse


_positive_int = _checked(int, lambda v: v >= 1, "must be a positive int")
_non_negative_int = _checked(int, lambda v: v >= 0, "must be an int >= 0")
_positive_float = _checked(float, lambda v: 0 < v < float("inf"), "must be a positive number")
_fraction = _checked(float, lambda v: 0 <= v < 1, "must be in [0, 1)")


def _print_epoch(record: dict[str, Any]) -> None:
    line = f"epoch {record['epoch']:3d}  train_loss {record['train_loss']:.4f}"
    if record["val_loss"] is not None:
        line += f"  val_loss {record['val_loss']:.4f}  val_acc {record['val_accuracy']:.4f}"
    print(f"{line}  ({record['train_seconds']:.2f} s)", flush=True)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # A SIGTERM (from `kill`, a job scheduler, a container stopping) ends the run the way Ctrl-C
    # does: fit's with-blocks release the checkpoint folder's lock on the way out.
    raise KeyboardInterrupt(signum)


def _train(args: argparse.Namespace) -> int:
    import torch

    from dlnotes.tensor import get_device
    from dlnotes.train import TrainConfig
    from dlnotes.train.distributed import cleanup, init_from_env, is_distributed, local_rank

    parser: argparse.ArgumentParser = args.parser
    flags = {"data_dir": args.data_dir, "download": args.download, "num_epochs": args.epochs,
             "batch_size": args.batch_size, "optimizer": args.optimizer,
             "from_scratch": args.from_scratch, "lr": args.lr, "schedule": args.schedule,
             "val_fraction": args.val_fraction, "seed": args.seed, "device": args.device,
             "checkpoint_dir": args.checkpoint_dir, "resume": args.resume,
             "hidden_features": tuple(args.hidden) if args.hidden is not None else None,
             "normalize": False if args.no_normalize else None}  # fmt: skip
    try:  # only the flags given override the data set's preset
        config = TrainConfig.for_dataset(
            args.dataset, **{k: v for k, v in flags.items() if v is not None}
        )
        device = get_device(config.device)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    # Adam's moments for pixels that are never lit decay into subnormal floats, which the CPU
    # computes with slowly: count them as zero from here on (before torch starts its threads).
    torch.set_flush_denormal(True)
    previous_handler = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Under torchrun (WORLD_SIZE > 1) join the other processes; a plain run stays alone.
    joined = not is_distributed() and init_from_env("nccl" if device.type == "cuda" else "gloo")
    try:
        if joined and device.type == "cuda":
            device = torch.device("cuda", local_rank())  # one GPU per process
        return _train_config(config, device, args)
    finally:
        if joined:
            cleanup()
        signal.signal(signal.SIGTERM, previous_handler)
        torch.set_flush_denormal(False)  # torch's default, for a caller that goes on (a test)


def _train_config(config: TrainConfig, device: Any, args: argparse.Namespace) -> int:
    from dlnotes._atomic import atomic_open
    from dlnotes.train import FolderInUseError, run
    from dlnotes.train.distributed import is_main_process, world_size

    main = is_main_process()  # rank 0 alone prints and writes files
    if main:
        processes = f", {world_size()} processes" if world_size() > 1 else ""
        print(
            f"dlnotes train: {config.dataset}, MLP {config.hidden_features}, {config.optimizer} "
            f"lr={config.lr}, batch {config.batch_size}, {config.num_epochs} epochs{processes}",
            flush=True,
        )
    try:
        _, history, test = run(
            config, device, progress=False if args.no_progress else None,
            on_epoch_end=_print_epoch,
        )  # fmt: skip
    except (FileNotFoundError, FloatingPointError, ValueError, FolderInUseError) as exc:
        print(f"dlnotes train: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        signum = exc.args[0] if exc.args else signal.SIGINT
        where = f"; resume with --resume --checkpoint-dir {config.checkpoint_dir}"
        name = "terminated" if signum == signal.SIGTERM else "interrupted"
        print(f"dlnotes train: {name}{where if config.checkpoint_dir else ''}", file=sys.stderr)
        return 128 + signum
    if main:
        if history.stopped_early:
            print("stopped early", flush=True)
        print(f"test_loss {test['loss']:.4f}  test_acc {test['accuracy']:.4f}", flush=True)
    if args.metrics_out is not None and main:
        metrics = {
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(config).items()},
            **history.to_dict(),
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
        }
        with atomic_open(args.metrics_out, "w") as file:
            file.write(json.dumps(metrics, indent=2, allow_nan=False) + "\n")
    return 0


def _add_train_parser(sub: Any) -> None:
    from dlnotes.train.config import DATASETS, OPTIMIZERS, SCHEDULES

    train = sub.add_parser(
        "train",
        help="train an MLP classifier (digits by default, no download)",
        description="Trains an MLP classifier, prints each epoch's training and validation "
        "losses, and evaluates the test set once at the end. Flags left out take the data "
        "set's preset (TrainConfig.for_dataset): 784-256-10, batch 256, 5,000 of the 60,000 "
        "training images held out for validation for the 28x28 sets (MNIST's assignment), "
        "15 epochs at lr 0.002 for MNIST, 10 at 0.001 for the others; 64-64-10, batch 32, a "
        "fifth held out, 10 epochs at 0.001 for the digits; Adam with a cosine decay for all.",
        epilog="Checkpoints: with --checkpoint-dir DIR each epoch is saved to DIR/last.pt, the "
        "one before it kept as DIR/previous.pt; a second run on DIR is refused while the first "
        "holds DIR/lock. --resume continues from DIR/last.pt with the same flags, bit for bit "
        "as if the run had never stopped; if last.pt is damaged, the error names the intact "
        "file to give as --resume FILE. A resume may change --epochs: the cosine schedule is "
        "then recomputed for the new total from the restored epoch on (no epoch runs at the "
        "old schedule's final rate). Other changed settings are refused.",
    )
    train.add_argument("--dataset", choices=DATASETS, default="digits", help="default: digits")
    train.add_argument("--data-dir", help="folder of the MNIST-like sets (default: ./data)")
    train.add_argument(
        "--download", action="store_true", default=None,
        help="let torchvision download a missing MNIST-like set",
    )  # fmt: skip
    train.add_argument("--epochs", type=_positive_int, help="number of epochs")
    train.add_argument(
        "--batch-size", type=_positive_int, help="samples per batch (over all torchrun processes)"
    )
    train.add_argument(
        "--hidden", type=_positive_int, nargs="*", metavar="WIDTH",
        help="hidden layer widths (none: softmax regression)",
    )  # fmt: skip
    train.add_argument("--optimizer", choices=OPTIMIZERS, help="default: adam")
    train.add_argument(
        "--from-scratch", action="store_true", default=None,
        help="train the course's own MLP, cross_entropy and optimizers (dlnotes.models, "
        "dlnotes.losses, dlnotes.optim) instead of torch's layers, F.cross_entropy and fused "
        "optimizers",
    )  # fmt: skip
    train.add_argument("--lr", type=_positive_float, help="learning rate (default: the preset's)")
    train.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help="learning rate over the epochs: cosine decay to near 0 (default) or constant",
    )
    train.add_argument(
        "--no-normalize",
        action="store_true",
        help="keep inputs in [0, 1] (default: standardise with the training set's mean and std)",
    )
    train.add_argument(
        "--val-fraction", type=_fraction, metavar="F",
        help="share of the training set held out for validation (seeded); 0 trains on all",
    )  # fmt: skip
    train.add_argument("--seed", type=_non_negative_int, help="default: 0")
    train.add_argument("--device", help="auto (default), cpu, cuda, cuda:N, mps")
    train.add_argument("--checkpoint-dir", metavar="DIR", help="save a checkpoint each epoch")
    train.add_argument(
        "--resume", nargs="?", const=True, metavar="FILE",
        help="continue from DIR/last.pt, or from FILE (e.g. DIR/previous.pt)",
    )  # fmt: skip
    train.add_argument("--metrics-out", metavar="FILE", help="write the metrics as JSON")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(func=_train, parser=train)


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser (exposed for tests and documentation).

    Returns:
        The parser for the `dlnotes` command.
    """
    parser = argparse.ArgumentParser(
        prog="dlnotes",
        description="Companion tools for the dlnotes deep-learning course.",
    )
    parser.add_argument(
        "--version", action="version", version=f"dlnotes ({DISTRIBUTION}) {dlnotes.__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="print versions and available devices")
    info.add_argument(
        "--device",
        default="auto",
        help="device to check: auto (default), cpu, cuda, cuda:N or mps",
    )
    info.set_defaults(func=_info)
    _add_train_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` by default.

    Returns:
        The exit status: 0 on success; 1 when training fails (missing data, a NaN loss, a
        damaged checkpoint, a checkpoint folder in use), with the reason in one line on the
        standard error; 2 on a usage error (argparse exits with it itself); 130 after Ctrl-C
        and 143 after SIGTERM, as a shell reports a process stopped by SIGINT or SIGTERM.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    return int(args.func(args))
