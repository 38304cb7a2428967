"""Training and evaluating classifiers: the loop, its metrics and checkpoints to resume from.

- [`fit`][dlnotes.train.fit]: the course's training loop, one
  [`train_one_epoch`][dlnotes.train.train_one_epoch] after another, with a validation
  evaluation, scheduler and early stopping ([`EarlyStopping`][dlnotes.train.EarlyStopping])
  after each epoch, a progress bar, a clear stop on a NaN loss, and exact resumption from
  checkpoints.
- [`evaluate`][dlnotes.train.evaluate]: accuracy and mean loss under `torch.no_grad()`.
- [`History`][dlnotes.train.History]: the per-epoch metrics.
- [`save_checkpoint`][dlnotes.train.save_checkpoint] and
  [`load_checkpoint`][dlnotes.train.load_checkpoint]: model, optimizer, scheduler, history and
  random states in one file that verifies itself (SHA-256) and loads with
  `torch.load(path, weights_only=True)`; [`CheckpointFolder`][dlnotes.train.CheckpointFolder]:
  a run's folder with its last two checkpoints and a lock.
- [`TrainConfig`][dlnotes.train.TrainConfig] and [`run`][dlnotes.train.run]: a whole MLP run
  from one frozen configuration, as the command `dlnotes train` does it.

Examples:
    >>> import torch
    >>> from dlnotes.data import InMemoryLoader, load_digits_split
    >>> from dlnotes.models import MLP
    >>> from dlnotes.optim import Adam
    >>> from dlnotes.train import evaluate, fit
    >>> X_train, y_train, X_test, y_test = load_digits_split(seed=0)
    >>> X_val, y_val, X_train, y_train = X_train[:200], y_train[:200], X_train[200:], y_train[200:]
    >>> model = MLP(64, 32, 10, generator=torch.Generator().manual_seed(0))
    >>> history = fit(model, Adam(model.parameters(), lr=1e-2),
    ...               InMemoryLoader(X_train, y_train, batch_size=64), num_epochs=3,
    ...               val_loader=[(X_val, y_val)], progress=False, seed=0)
    >>> len(history), evaluate(model, [(X_test, y_test)])["accuracy"] > 0.8
    (3, True)
"""

from __future__ import annotations

from dlnotes.train.checkpoint import load_checkpoint, save_checkpoint
from dlnotes.train.config import (
    DATASETS,
    OPTIMIZERS,
    TrainConfig,
    build_model,
    build_optimizer,
    run,
)
from dlnotes.train.early_stopping import EarlyStopping
from dlnotes.train.folder import CheckpointFolder, FolderInUseError
from dlnotes.train.history import History
from dlnotes.train.loop import evaluate, fit, train_one_epoch

__all__ = [
    "DATASETS",
    "OPTIMIZERS",
    "CheckpointFolder",
    "EarlyStopping",
    "FolderInUseError",
    "History",
    "TrainConfig",
    "build_model",
    "build_optimizer",
    "evaluate",
    "fit",
    "load_checkpoint",
    "run",
    "save_checkpoint",
    "train_one_epoch",
]
