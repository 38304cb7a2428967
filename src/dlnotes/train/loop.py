"""The training loop the course teaches, with the chores a real run needs around it.

Each step is the five lines of every PyTorch training loop:

```python
optimizer.zero_grad()
logits = model(X)
loss = loss_fn(logits, y)
loss.backward()
optimizer.step()
```

[`fit`][dlnotes.train.fit] adds what turns them into a run one can leave alone: a test
evaluation, a learning-rate scheduler and early stopping after each epoch, a progress bar, a
stop with a clear message when the loss becomes NaN or infinite, and checkpoints from which a
stopped run resumes with exactly the weights it would have reached without stopping.
[`evaluate`][dlnotes.train.evaluate] measures accuracy and loss without touching the gradients.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from dlnotes.losses import cross_entropy
from dlnotes.tensor import get_device, seed_everything
from dlnotes.train.checkpoint import load_checkpoint, restore_checkpoint, save_checkpoint
from dlnotes.train.distributed import (
    all_reduce_sum,
    barrier,
    is_distributed,
    is_main_process,
    unwrap_model,
    wrap_model,
)
from dlnotes.train.early_stopping import EarlyStopping
from dlnotes.train.history import History

__all__ = ["evaluate", "fit"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LAST = "last.pt"
INTERRUPTED = "interrupted.pt"


def _model_device(model: torch.nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: LossFn | None = None,
    device: str | torch.device | None = None,
) -> dict[str, float]:
    """Measures a classifier's accuracy (and mean loss) on a data set.

    Runs under `torch.no_grad()` in evaluation mode (dropout off), then puts every sub-module
    back in the mode it was in. The accuracy is the share of samples whose largest logit is
    the true class.

    Args:
        model: Maps a batch `X` to logits of shape (B, C).
        loader: Yields `(X, y)` batches, `y` holding class indices.
        loss_fn: If given, e.g. `cross_entropy`, the mean loss over the samples is reported too
            (each batch's mean weighted by its size).
        device: Where to compute; the model's device when `None`. Batches are moved there.

    Returns:
        `{"accuracy": ..., "num_samples": ...}`, plus `"loss"` when `loss_fn` is given.

    Raises:
        ValueError: If the loader yields no samples.

    Examples:
        >>> import torch
        >>> from dlnotes.train import evaluate
        >>> model = torch.nn.Linear(2, 2, bias=False)
        >>> _ = model.weight.data.copy_(torch.eye(2))  # logits = X: predicts the larger column
        >>> X, y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]), torch.tensor([0, 1, 1])
        >>> evaluate(model, [(X, y)])
        {'accuracy': 0.6666666666666666, 'num_samples': 3}
    """
    target = get_device(device) if device is not None else _model_device(model)
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        correct = torch.zeros((), dtype=torch.int64, device=target)
        loss_sum = torch.zeros((), dtype=torch.float64, device=target)
        n = 0
        for X, y in loader:
            X, y = X.to(target, non_blocking=True), y.to(target, non_blocking=True)
            logits = model(X)  # (B, C)
            correct += (logits.argmax(dim=1) == y).sum()
            if loss_fn is not None:
                loss_sum += loss_fn(logits, y).double() * len(y)
            n += len(y)
    finally:
        for module, training in modes.items():
            module.training = training
    if n == 0:
        raise ValueError("Cannot evaluate on an empty loader (it yielded no samples)")
    result: dict[str, float] = {"accuracy": correct.item() / n, "num_samples": n}
    if loss_fn is not None:
        result["loss"] = loss_sum.item() / n
    return result


def _progress_bar(total: int, epoch: int, num_epochs: int, enabled: bool | None) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError("progress=True needs tqdm: pip install tqdm") from exc
    return tqdm(total=total, desc=f"epoch {epoch}/{num_epochs}", leave=False, file=sys.stderr)


def _check_args(num_epochs: int, resume: bool, checkpoint_dir: object, early_stopping: object,
                test_loader: object) -> None:  # fmt: skip
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"Invalid num_epochs: {num_epochs!r} (expected an int >= 1)")
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs a checkpoint_dir to resume from")
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(
                f"Invalid early_stopping: {early_stopping!r} (expected an EarlyStopping or None)"
            )
        if test_loader is None:
            raise ValueError("early_stopping watches the test loss: give a test_loader too")


def _reduce_over_ranks(test: dict[str, float], device: torch.device) -> dict[str, float]:
    """Sums a rank's test counts over all ranks: the metrics of all the ranks' samples."""
    n = test["num_samples"]
    # round(): the count of correct samples is an integer; the accuracy lost its exactness.
    values = [round(test["accuracy"] * n), test["loss"] * n, n]
    correct, loss_sum, total = all_reduce_sum(values, device)
    return {"accuracy": correct / total, "num_samples": int(total), "loss": loss_sum / total}


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    train_loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    *,
    num_epochs: int,
    loss_fn: LossFn = cross_entropy,
    test_loader: Iterable[tuple[torch.Tensor, torch.Tensor]] | None = None,
    scheduler: Any = None,
    early_stopping: EarlyStopping | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool | None = None,
    device: str | torch.device | None = None,
    seed: int | None = None,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> History:
    """Trains a classifier for `num_epochs` epochs and returns its per-epoch metrics.

    Before each epoch the loader gets `set_epoch(epoch)` when it has one (0 for the first), so an
    [`InMemoryLoader`][dlnotes.data.InMemoryLoader] shuffles by the epoch number. After each
    epoch: the test set is evaluated, the scheduler steps (with the test loss, or the training
    loss without a test set, for `ReduceLROnPlateau`), a record is added to the history, and,
    with `checkpoint_dir`, `checkpoint_dir/last.pt` is replaced atomically.

    **Resuming.** With `resume=True`, model, optimizer, scheduler, history, the loader's epoch
    and the random states of Python, NumPy and torch are restored from `checkpoint_dir/last.pt`
    and training continues at the next epoch, up to `num_epochs` in all. On the CPU the result
    is bit-identical to a run that never stopped (on a GPU, as far as its kernels are
    deterministic). `seed` is ignored when resuming: the saved random states take its place.

    **Failures.** A loss that is NaN or infinite raises `FloatingPointError` naming the epoch
    and batch, before that batch's update; `last.pt` keeps the last completed epoch. Ctrl-C
    (`KeyboardInterrupt`) saves the weights of that moment to `checkpoint_dir/interrupted.pt`
    (when there is a `checkpoint_dir`) and is re-raised, so a script still stops; resume from
    `last.pt`, the end of the last completed epoch.

    **Several processes.** `fit` runs unchanged under `torchrun`, e.g.
    `torchrun --nproc-per-node 2 -m dlnotes train --epochs 2` (`torchrun` is also
    `python -m torch.distributed.run`). It does not start the process group itself: when one is
    initialised (by `dlnotes.train.distributed.init_from_env`, which
    `dlnotes train` calls), the model is wrapped in `torch.nn.parallel.DistributedDataParallel`,
    which averages the gradients over the ranks during `backward()`. Give each rank its shard,
    `InMemoryLoader(..., seed=s, rank=r, world_size=W)` with the same seed everywhere and
    `batch_size` = global batch / $W$: the ranks' $i$-th batches then make up exactly the
    $i$-th batch of size $W B$ of a single process, which the run matches up to the order of
    floating-point sums. The epoch's training loss and the test counts are summed over the
    ranks, so every rank records the same history and makes the same scheduler and
    early-stopping decisions (an unsharded `test_loader` gives each rank the whole test set;
    the summed metrics are then those of one copy). Only rank 0 draws the progress bar, calls
    `on_epoch_end` and writes `last.pt` and `interrupted.pt`, which hold the unwrapped model's
    `state_dict` (no `module.` prefix), so they load into a single process and back. On
    resuming, every rank reads `last.pt` (a folder all ranks can read); `seed` should be the
    same on every rank, which keeps the ranks' random states equal, so rank 0's saved state is
    everyone's. A NaN loss raises on the rank that met it; `torchrun` then stops the others.

    **Speed on the CPU.** Weights that rarely get a gradient (those fed by MNIST's blank pixels)
    drive Adam's moments into subnormal floats, which the CPU computes with slowly. `fit` leaves
    the process's floating-point settings alone; a program that trains can run inside
    [`denormals_flushed()`][dlnotes.train.denormals_flushed], entered before any large tensor
    operation, as `dlnotes train` does.

    Args:
        model: Maps a batch `X` to logits; moved to `device`.
        optimizer: Built on `model.parameters()`.
        train_loader: Yields `(X, y)` batches.
        num_epochs: The total number of epochs, counting those done before a resume.
        loss_fn: `loss_fn(logits, y)` returns the batch's mean loss.
        test_loader: Evaluated after each epoch (loss and accuracy), if given.
        scheduler: A `torch.optim.lr_scheduler` scheduler, stepped once per epoch.
        early_stopping: Stop when the test loss stops improving; needs `test_loader`.
        checkpoint_dir: Where `last.pt` (each epoch) and `interrupted.pt` (Ctrl-C) go.
        resume: Continue from `checkpoint_dir/last.pt`.
        progress: Show a tqdm bar with the live loss; `None` shows it only when the standard
            error stream is a terminal.
        device: Where to train; the model's current device when `None`.
        seed: Seeds Python, NumPy and torch before a fresh run (dropout, ...).
        on_epoch_end: Called with each epoch's record, e.g. to print it.

    Returns:
        The [`History`][dlnotes.train.History] of all epochs, resumed ones included.

    Raises:
        ValueError: If `num_epochs` < 1, `resume` lacks a `checkpoint_dir`, early stopping
            lacks a test set, or the checkpoint is corrupted.
        FileNotFoundError: If `resume=True` and there is no `checkpoint_dir/last.pt`.
        FloatingPointError: If a loss is NaN or infinite.
        KeyboardInterrupt: Re-raised after saving `interrupted.pt`.

    Examples:
        >>> import torch
        >>> from dlnotes.data import InMemoryLoader
        >>> from dlnotes.train import fit
        >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]]); y = torch.tensor([0, 0, 1, 1])
        >>> model = torch.nn.Linear(1, 2)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        >>> history = fit(model, optimizer, InMemoryLoader(X, y, batch_size=2), num_epochs=3,
        ...               test_loader=[(X, y)], progress=False, seed=0)
        >>> history.column("epoch"), history.last["lr"]
        ([1, 2, 3], 0.5)
    """
    _check_args(num_epochs, resume, checkpoint_dir, early_stopping, test_loader)
    target = get_device(device) if device is not None else _model_device(model)
    model.to(target)
    # Under torchrun, `net` is the DistributedDataParallel wrapper that averages the gradients
    # over the ranks during backward(); `model` is the plain module that is evaluated and saved
    # (state_dict keys without a "module." prefix). In a single process both are the model.
    net = wrap_model(model)
    model = unwrap_model(net)
    distributed, main = is_distributed(), is_main_process()
    if not main:
        progress, on_epoch_end = False, None  # rank 0 alone draws the bar and reports
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    history, start = History(), 0
    if resume:
        assert folder is not None  # checked above
        checkpoint = load_checkpoint(folder / LAST)
        saved_seed = (checkpoint["loader"] or {}).get("seed")
        if saved_seed is not None and saved_seed != getattr(train_loader, "seed", saved_seed):
            warnings.warn(
                f"The loader's seed {train_loader.seed} differs from the checkpoint's "  # type: ignore[attr-defined]
                f"{saved_seed}: the resumed run will not match an unbroken one",
                stacklevel=2,
            )
        history = restore_checkpoint(
            checkpoint, model=model, optimizer=optimizer, scheduler=scheduler,
            loader=train_loader,
        )  # fmt: skip
        start = checkpoint["epoch"]
    elif seed is not None:
        seed_everything(seed)

    for epoch in range(start, num_epochs):
        if early_stopping is not None and early_stopping.should_stop(history.column("test_loss")):
            history.stopped_early = True
            break
        if hasattr(train_loader, "set_epoch"):
            train_loader.set_epoch(epoch)
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        total = len(train_loader) if hasattr(train_loader, "__len__") else None
        bar = _progress_bar(total, epoch + 1, num_epochs, progress)
        loss_sum, n = 0.0, 0
        started = time.perf_counter()
        try:
            for batch, (X, y) in enumerate(train_loader):
                X, y = X.to(target, non_blocking=True), y.to(target, non_blocking=True)
                optimizer.zero_grad()
                logits = net(X)  # (B, C)
                loss = loss_fn(logits, y)
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    kept = f"; {folder / LAST} keeps epoch {epoch}" if folder and epoch else ""
                    raise FloatingPointError(
                        f"Loss is {loss_value} at epoch {epoch + 1}, batch {batch + 1}: "
                        f"stopping before this update{kept} (try a smaller lr)"
                    )
                loss.backward()
                optimizer.step()
                loss_sum += loss_value * len(y)
                n += len(y)
                if bar is not None:
                    bar.set_postfix(loss=f"{loss_value:.4f}", refresh=False)
                    bar.update(1)  # redraws, with the new loss, at most every 0.1 s
        except KeyboardInterrupt:
            if folder is not None and main:
                save_checkpoint(
                    folder / INTERRUPTED, model=model, optimizer=optimizer, scheduler=scheduler,
                    epoch=epoch, history=history, loader=train_loader,
                    extra={"interrupted_in_epoch": epoch + 1},
                )  # fmt: skip
            raise
        finally:
            if bar is not None:
                bar.close()
        train_seconds = time.perf_counter() - started
        if n == 0:
            raise ValueError("The training loader yielded no samples")
        if distributed:  # every rank records, and schedules on, the loss over all ranks' samples
            loss_sum, n = all_reduce_sum([loss_sum, n], target)

        test = {"loss": None, "accuracy": None}
        if test_loader is not None:
            test = evaluate(model, test_loader, loss_fn, target)
            if distributed:
                test = _reduce_over_ranks(test, target)
        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(test["loss"] if test["loss"] is not None else loss_sum / n)
            else:
                scheduler.step()
        record = {
            "epoch": epoch + 1,
            "train_loss": loss_sum / n,
            "train_seconds": train_seconds,
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "lr": lr,
        }
        history.append(record)
        if folder is not None and main:
            save_checkpoint(
                folder / LAST, model=model, optimizer=optimizer, scheduler=scheduler,
                epoch=epoch + 1, history=history, loader=train_loader,
            )  # fmt: skip
        if on_epoch_end is not None:
            on_epoch_end(record)
    barrier()  # no rank returns before rank 0 has written the last checkpoint
    return history
