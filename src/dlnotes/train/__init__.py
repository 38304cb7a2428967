"""Training and evaluating classifiers: the loop, its metrics and checkpoints to resume from.

- [`fit`][dlnotes.train.fit]: the course's training loop (zero_grad, forward, loss, backward,
  step) with a test evaluation, scheduler and early stopping
  ([`EarlyStopping`][dlnotes.train.EarlyStopping]) after each epoch, a progress bar, a clear
  stop on a NaN loss, and exact resumption from checkpoints.
- [`evaluate`][dlnotes.train.evaluate]: accuracy and mean loss under `torch.no_grad()`.
- [`History`][dlnotes.train.History]: the per-epoch metrics, as JSON, CSV or a PNG plot.
- [`save_checkpoint`][dlnotes.train.save_checkpoint],
  [`load_checkpoint`][dlnotes.train.load_checkpoint] and
  [`restore_checkpoint`][dlnotes.train.restore_checkpoint]: model, optimizer, scheduler,
  history, loader position and random states in one file that loads with
  `torch.load(path, weights_only=True)`; [`get_rng_state`][dlnotes.train.get_rng_state] and
  [`set_rng_state`][dlnotes.train.set_rng_state] handle the random states.
- [`TrainConfig`][dlnotes.train.TrainConfig] and [`run`][dlnotes.train.run]: a whole MLP run
  from one frozen configuration, as the command `dlnotes train` does it.
- [`denormals_flushed`][dlnotes.train.denormals_flushed] and
  [`flushes_denormals`][dlnotes.train.flushes_denormals]: treat subnormal floats as zero on the
  CPU, which spares Adam a slow path on MNIST (the module `dlnotes.train.denormals` explains).

Examples:
    >>> import torch
    >>> from dlnotes.data import InMemoryLoader, load_digits_split
    >>> from dlnotes.models import MLP
    >>> from dlnotes.optim import Adam
    >>> from dlnotes.train import evaluate, fit
    >>> X_train, y_train, X_test, y_test = load_digits_split(seed=0)
    >>> model = MLP(64, 32, 10, generator=torch.Generator().manual_seed(0))
    >>> history = fit(model, Adam(model.parameters(), lr=1e-2),
    ...               InMemoryLoader(X_train, y_train, batch_size=64), num_epochs=3,
    ...               test_loader=InMemoryLoader(X_test, y_test, batch_size=512, shuffle=False),
    ...               progress=False, seed=0)
    >>> len(history), evaluate(model, [(X_test, y_test)])["accuracy"] > 0.8
    (3, True)
"""

from __future__ import annotations

from dlnotes.train.checkpoint import (
    get_rng_state,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoint,
    set_rng_state,
)
from dlnotes.train.config import DATASETS, OPTIMIZERS, TrainConfig, build_optimizer, run
from dlnotes.train.denormals import denormals_flushed, flushes_denormals
from dlnotes.train.early_stopping import EarlyStopping
from dlnotes.train.history import History
from dlnotes.train.loop import evaluate, fit

__all__ = [
    "DATASETS",
    "OPTIMIZERS",
    "EarlyStopping",
    "History",
    "TrainConfig",
    "build_optimizer",
    "denormals_flushed",
    "evaluate",
    "fit",
    "flushes_denormals",
    "get_rng_state",
    "load_checkpoint",
    "restore_checkpoint",
    "run",
    "save_checkpoint",
    "set_rng_state",
]
