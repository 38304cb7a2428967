"""The training loop the course teaches, with the chores a real run needs around it.

Each step is the five lines of every PyTorch training loop, which
[`train_one_epoch`][dlnotes.train.train_one_epoch] runs over a loader:

```python
optimizer.zero_grad()
logits = model(X)
loss = loss_fn(logits, y)
loss.backward()
optimizer.step()
```

[`fit`][dlnotes.train.fit] adds what turns them into a run one can leave alone: a validation
evaluation, a learning-rate scheduler and early stopping after each epoch, a progress bar, a
stop with a clear message when the loss becomes NaN or infinite, and checkpoints from which a
stopped run resumes with exactly the weights it would have reached without stopping.
[`evaluate`][dlnotes.train.evaluate] measures accuracy and loss without touching the gradients.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from dlnotes._checks import check_int
from dlnotes.losses import cross_entropy
from dlnotes.tensor import get_device, seed_everything
from dlnotes.train.checkpoint import load_checkpoint, restore
from dlnotes.train.distributed import (
    all_reduce_sum,
    barrier,
    is_distributed,
    is_main_process,
    unwrap_model,
    wrap_model,
)
from dlnotes.train.early_stopping import EarlyStopping
from dlnotes.train.folder import LAST, CheckpointFolder
from dlnotes.train.history import History

__all__ = ["evaluate", "fit", "train_one_epoch"]

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


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


def train_one_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: Batches,
    loss_fn: LossFn = cross_entropy,
    *,
    device: torch.device | None = None,
    bar: Any = None,
) -> tuple[float, int]:
    """Trains for one pass over `loader`; returns the sum of the batch losses times their sizes,
    and the number of samples.

    Args:
        model: Maps a batch `X` to logits; put in training mode (dropout on).
        optimizer: Built on the model's parameters.
        loader: Yields `(X, y)` batches.
        loss_fn: `loss_fn(logits, y)` returns the batch's mean loss.
        device: Where batches are moved; left where they are when `None`.
        bar: A tqdm progress bar to advance, if any.

    Raises:
        FloatingPointError: If a loss is NaN or infinite, before that batch's update.
    """
    model.train()
    loss_sum, n = 0.0, 0
    for batch, (X, y) in enumerate(loader, start=1):
        if device is not None:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        optimizer.zero_grad()
        logits = model(X)  # (B, C)
        loss = loss_fn(logits, y)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise FloatingPointError(f"Loss is {loss_value} at batch {batch}")
        loss.backward()
        optimizer.step()
        loss_sum += loss_value * len(y)
        n += len(y)
        if bar is not None:
            bar.set_postfix(loss=f"{loss_value:.4f}", refresh=False)
            bar.update(1)  # redraws, with the new loss, at most every 0.1 s
    return loss_sum, n


def _progress_bar(total: int | None, epoch: int, num_epochs: int, enabled: bool) -> Any:
    if not enabled:
        return contextlib.nullcontext()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"epoch {epoch}/{num_epochs}", leave=False, file=sys.stderr)


def _resume(
    resume: bool | str | Path, folder: CheckpointFolder, model: torch.nn.Module,
    optimizer: torch.optim.Optimizer, scheduler: Any, num_epochs: int, extra: dict[str, Any],
) -> tuple[History, int]:  # fmt: skip
    """Restores a run (`resume=True`: the folder's newest checkpoint; else that file); returns
    its history and the number of epochs done."""
    source = folder.path / LAST if resume is True else Path(resume)
    checkpoint = folder.load_latest() if resume is True else load_checkpoint(source)
    changed = sorted(k for k in {*extra, *checkpoint["extra"]}
                     if extra.get(k) != checkpoint["extra"].get(k))  # fmt: skip
    if changed:
        saved = ", ".join(f"{k}={checkpoint['extra'].get(k)!r}" for k in changed)
        now = ", ".join(f"{k}={extra.get(k)!r}" for k in changed)
        raise ValueError(f"{source} was saved by a run with {saved}, not {now}: resume with the "
                         f"same settings, or start a new run in another folder")  # fmt: skip
    done = checkpoint["epoch"]
    if num_epochs < done:
        raise ValueError(f"{source} has {done} epochs done already; num_epochs={num_epochs}")
    saved_total = checkpoint["num_epochs"]
    # Schedulers that keep a total in their state would go on with the saved run's.
    totals = [name for name in ("T_max", "total_steps", "total_iters") if hasattr(scheduler, name)]
    if totals and saved_total != num_epochs:
        raise ValueError(
            f"{source} was saved by a run of {saved_total} epochs and this one has {num_epochs}, "
            f"but {type(scheduler).__name__} keeps the old total ({totals[0]}) in its state: "
            f"resume with num_epochs={saved_total}, or schedule with a LambdaLR"
        )
    try:
        history = restore(checkpoint, model=model, optimizer=optimizer, scheduler=scheduler)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None
    if isinstance(scheduler, torch.optim.lr_scheduler.LambdaLR):
        # The restored lr is the one the saved run's schedule gave; recompute it with this run's
        # schedule (its lambdas are this run's), which may count a different num_epochs.
        for group, base_lr, factor in zip(
            optimizer.param_groups, scheduler.base_lrs, scheduler.lr_lambdas, strict=True
        ):
            group["lr"] = base_lr * factor(scheduler.last_epoch)
    return history, done


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    train_loader: Batches,
    *,
    num_epochs: int,
    loss_fn: LossFn = cross_entropy,
    val_loader: Batches | None = None,
    scheduler: Any = None,
    early_stopping: EarlyStopping | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool | str | Path = False,
    extra: dict[str, Any] | None = None,
    progress: bool | None = None,
    device: str | torch.device | None = None,
    seed: int | None = None,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> History:
    """Trains a classifier for `num_epochs` epochs and returns its per-epoch metrics.

    Before each epoch the loader gets `set_epoch(epoch)` when it has one (0 for the first), so an
    [`InMemoryLoader`][dlnotes.data.InMemoryLoader] shuffles by the epoch number. After each
    epoch: the validation set is evaluated, the scheduler steps (with the validation loss, or
    the training loss without one, for `ReduceLROnPlateau`), a record is added to the history,
    and, with `checkpoint_dir`, a checkpoint is saved there
    ([`CheckpointFolder`][dlnotes.train.CheckpointFolder]: `last.pt` and the `previous.pt` before
    it). Choices (early stopping, the scheduler) watch the validation set; evaluate the test set
    once, after `fit`.

    **Resuming.** `resume=True` continues from `checkpoint_dir/last.pt`, and a path continues
    from that file (`checkpoint_dir/previous.pt`, when `last.pt` is damaged). Model, optimizer,
    scheduler, history and the random states of Python, NumPy and torch are restored, and
    training continues at the next epoch, up to `num_epochs` in all. On the CPU the result is
    bit-identical to a run that never stopped, however it stopped (Ctrl-C, `SIGTERM`,
    `kill -9`); on a GPU, as far as its kernels are deterministic. `seed` is ignored when
    resuming: the saved random states take its place. A resume is refused, with a `ValueError`
    that says why, when the checkpoint is damaged, holds another model or another optimizer,
    was saved with another `extra`, or has more epochs done than `num_epochs`.

    **A different `num_epochs` on resuming** (to train longer, say): with a `LambdaLR` schedule
    the learning rate is recomputed by this run's schedule from the restored epoch on (a cosine
    written with `num_epochs` then stretches to the new total; no epoch runs at the old
    schedule's last learning rate); a scheduler that keeps a total in its state
    (`CosineAnnealingLR`'s `T_max`, `OneCycleLR`'s `total_steps`, the `total_iters` of `LinearLR`
    and `PolynomialLR`) would go on with the old one, so the resume is refused; the others
    (`StepLR`, `ReduceLROnPlateau`, no scheduler) do not depend on it.

    **One run per folder.** While `fit` runs, `checkpoint_dir/lock` holds its process id; a
    second run on the same folder raises [`FolderInUseError`][dlnotes.train.FolderInUseError].

    **Several processes.** `fit` runs unchanged under `torchrun`. When a process group is
    initialised (by `dlnotes.train.distributed.init_from_env`, which `dlnotes train` calls), the
    model is wrapped in `torch.nn.parallel.DistributedDataParallel`, which averages the
    gradients over the ranks during `backward()`. Give each rank its shard,
    `InMemoryLoader(..., seed=s, rank=r, world_size=W)` with the same seed everywhere and
    `batch_size` = global batch / $W$: the run then matches one process with the global batch up
    to the order of floating-point sums. Losses and validation counts are summed over the ranks,
    so every rank records the same history and makes the same decisions. Only rank 0 draws the
    progress bar, calls `on_epoch_end`, locks the folder and writes checkpoints, which hold the
    unwrapped model's `state_dict` (no `module.` prefix). On resuming, every rank reads the
    checkpoint (a folder all ranks can read).

    Args:
        model: Maps a batch `X` to logits; moved to `device`.
        optimizer: Built on `model.parameters()`.
        train_loader: Yields `(X, y)` batches.
        num_epochs: The total number of epochs, counting those done before a resume.
        loss_fn: `loss_fn(logits, y)` returns the batch's mean loss.
        val_loader: The validation set, evaluated after each epoch (loss and accuracy).
        scheduler: A `torch.optim.lr_scheduler` scheduler, stepped once per epoch.
        early_stopping: Stop when the validation loss stops improving; needs `val_loader`.
        checkpoint_dir: The run's folder of checkpoints.
        resume: `True` for `checkpoint_dir/last.pt`, or the checkpoint file to continue from.
        extra: Plain data saved in every checkpoint (a configuration); a resume must pass the
            same.
        progress: Show a tqdm bar with the live loss; `None` shows it only when the standard
            error stream is a terminal.
        device: Where to train; the model's current device when `None`.
        seed: Seeds Python, NumPy and torch before a fresh run (dropout, ...).
        on_epoch_end: Called with each epoch's record, e.g. to print it.

    Returns:
        The [`History`][dlnotes.train.History] of all epochs, resumed ones included.

    Raises:
        TypeError: If `num_epochs` is not an int, or `early_stopping` not an `EarlyStopping`.
        ValueError: If `num_epochs` < 1, `resume` lacks a `checkpoint_dir`, early stopping
            lacks a validation set, or the checkpoint cannot be resumed (see above).
        FileNotFoundError: If the checkpoint to resume from does not exist.
        FolderInUseError: If another run holds `checkpoint_dir`.
        FloatingPointError: If a loss is NaN or infinite; the message names the epoch and the
            batch, and the folder keeps the last completed epoch.

    Examples:
        >>> import torch
        >>> from dlnotes.data import InMemoryLoader
        >>> from dlnotes.train import fit
        >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]]); y = torch.tensor([0, 0, 1, 1])
        >>> model = torch.nn.Linear(1, 2)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        >>> history = fit(model, optimizer, InMemoryLoader(X, y, batch_size=2), num_epochs=3,
        ...               val_loader=[(X, y)], progress=False, seed=0)
        >>> history.column("epoch"), history.last["lr"]
        ([1, 2, 3], 0.5)
    """
    check_int("num_epochs", num_epochs, 1)
    if resume is not False and checkpoint_dir is None:
        raise ValueError("resume needs a checkpoint_dir to resume from and save to")
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(f"Invalid early_stopping: {early_stopping!r} (expected EarlyStopping)")
        if val_loader is None:
            raise ValueError("early_stopping watches the validation loss: give a val_loader")
    target = get_device(device) if device is not None else _model_device(model)
    model.to(target)
    # Under torchrun, `net` is the DistributedDataParallel wrapper that averages the gradients
    # over the ranks during backward(); `model` is the plain module that is evaluated and saved.
    net = wrap_model(model)
    model = unwrap_model(net)
    distributed, main = is_distributed(), is_main_process()
    progress = main and (sys.stderr.isatty() if progress is None else progress)
    extra = extra if extra is not None else {}
    folder = CheckpointFolder(checkpoint_dir) if checkpoint_dir is not None else None
    # Rank 0 alone writes, so it alone holds the folder's lock.
    with folder if folder is not None and main else contextlib.nullcontext():
        history, start = History(), 0
        if folder is not None and resume is not False:
            history, start = _resume(resume, folder, model, optimizer, scheduler, num_epochs,
                                     extra)  # fmt: skip
        elif seed is not None:
            seed_everything(seed)

        for epoch in range(start, num_epochs):
            if early_stopping and early_stopping.should_stop(history.column("val_loss")):
                history.stopped_early = True
                break
            if hasattr(train_loader, "set_epoch"):
                train_loader.set_epoch(epoch)
            lr = optimizer.param_groups[0]["lr"]
            started = time.perf_counter()
            total = len(train_loader) if hasattr(train_loader, "__len__") else None
            with _progress_bar(total, epoch + 1, num_epochs, progress) as bar:
                try:
                    loss_sum, n = train_one_epoch(net, optimizer, train_loader, loss_fn,
                                                  device=target, bar=bar)  # fmt: skip
                except FloatingPointError as exc:
                    kept = f"; {folder.path} keeps epoch {epoch}" if folder and epoch else ""
                    raise FloatingPointError(f"Epoch {epoch + 1}: {exc}: stopped before this "
                                             f"update{kept} (try a smaller lr)") from None  # fmt: skip
            train_seconds = time.perf_counter() - started
            if distributed:  # every rank records, and schedules on, the loss over all samples
                loss_sum, n = all_reduce_sum([loss_sum, n], target)
            if n == 0:
                raise ValueError("The training loader yielded no samples")

            val = {"loss": None, "accuracy": None}
            if val_loader is not None:
                val = evaluate(model, val_loader, loss_fn, target)
                if distributed:
                    val = _reduce_over_ranks(val, target)
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(val["loss"] if val["loss"] is not None else loss_sum / n)
            elif scheduler is not None:
                scheduler.step()
            record = {"epoch": epoch + 1, "train_loss": loss_sum / n,
                      "train_seconds": train_seconds, "val_loss": val["loss"],
                      "val_accuracy": val["accuracy"], "lr": lr}  # fmt: skip
            history.append(record)
            if folder is not None and main:
                folder.save(model=model, optimizer=optimizer, scheduler=scheduler,
                            epoch=epoch + 1, num_epochs=num_epochs, history=history,
                            extra=extra)  # fmt: skip
            if on_epoch_end is not None and main:
                on_epoch_end(record)
    barrier()  # no rank returns before rank 0 has written the last checkpoint
    return history


def _reduce_over_ranks(metrics: dict[str, float], device: torch.device) -> dict[str, float]:
    """Sums a rank's evaluation counts over all ranks: the metrics of all the ranks' samples."""
    n = metrics["num_samples"]
    # round(): the count of correct samples is an integer; the accuracy lost its exactness.
    values = [round(metrics["accuracy"] * n), metrics["loss"] * n, n]
    correct, loss_sum, total = all_reduce_sum(values, device)
    return {"accuracy": correct / total, "num_samples": int(total), "loss": loss_sum / total}
