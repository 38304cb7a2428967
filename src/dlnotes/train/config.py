"""One configuration for a whole MLP training run, as `dlnotes train` runs it.

[`TrainConfig`][dlnotes.train.TrainConfig] is a frozen dataclass with a comment on each default,
in the manner of nanoGPT's `GPTConfig`; the command line maps its flags onto it and
[`run`][dlnotes.train.run] turns it into data, a model, an optimizer and a call to
[`fit`][dlnotes.train.fit]. The same run from Python:

```python
from dlnotes.train import TrainConfig, run

model, history = run(TrainConfig(dataset="digits", num_epochs=5))
```
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from dlnotes.data import InMemoryLoader, load_digits_split, load_mnist, to_float_images
from dlnotes.models import MLP
from dlnotes.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from dlnotes.tensor import get_device
from dlnotes.train.distributed import local_rank, rank, world_size
from dlnotes.train.history import History
from dlnotes.train.loop import fit

__all__ = ["DATASETS", "OPTIMIZERS", "SCHEDULES", "TrainConfig", "build_optimizer", "run"]

DATASETS = ("digits", "mnist", "fashion-mnist", "kmnist")
OPTIMIZERS = ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("cosine", "constant")

# Per data set: (hidden_features, batch_size, num_epochs) when the configuration leaves them None.
_DEFAULTS: dict[str, tuple[tuple[int, ...], int, int]] = {
    "digits": ((64,), 32, 10),  # 64-64-10: 1,438 images, 45 steps an epoch, about a second
    "mnist": ((256,), 256, 10),  # the assignment's 784-256-10, batch 256
    "fashion-mnist": ((256,), 256, 10),
    "kmnist": ((256,), 256, 10),
}


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"Invalid {name}: {value!r} (expected an int >= 1)")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run of an MLP classifier.

    Fields left `None` take the data set's default: 784-256-10, batch 256 and 10 epochs for the
    28x28 sets (the assignment's), 64-64-10, batch 32 and 10 epochs for the digits.

    Raises:
        ValueError: If a value is out of range or a name is unknown; the message names it.

    Examples:
        >>> from dlnotes.train import TrainConfig
        >>> config = TrainConfig().resolved()
        >>> config.dataset, config.hidden_features, config.batch_size, config.optimizer, config.lr
        ('digits', (64,), 32, 'adam', 0.001)
        >>> TrainConfig(dataset="mnist").resolved().hidden_features
        (256,)
    """

    dataset: str = "digits"  # in scikit-learn, no download; or mnist, fashion-mnist, kmnist
    data_dir: str | None = None  # None: $DLNOTES_DATA_DIR, else ./data (dlnotes.data.data_root)
    hidden_features: tuple[int, ...] | None = None  # None: (256,) for 28x28 sets, (64,) digits
    activation: str = "relu"  # the assignment's
    num_epochs: int | None = None  # None: 10
    batch_size: int | None = None  # None: 256 for 28x28 sets (the assignment's), 32 for digits
    optimizer: str = "adam"  # the assignment's; momentum and nag are SGD with momentum 0.9
    lr: float = 1e-3  # Adam's usual step size, the assignment's; the first epoch's
    # cosine: lr decays along a half cosine to near 0 by the last epoch (Loshchilov & Hutter,
    # SGDR, ICLR 2017, without restarts); constant: lr throughout, as the assignment's loop
    schedule: str = "cosine"
    normalize: bool = True  # standardise inputs with the training set's mean and std, once
    seed: int = 0  # model initialisation, shuffling and dropout
    device: str = "auto"  # cuda, then mps, then cpu
    checkpoint_dir: str | None = None  # None: no checkpoints
    resume: bool = False  # continue from checkpoint_dir/last.pt

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"Unknown dataset: {self.dataset!r} (expected one of {DATASETS})")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"Unknown schedule: {self.schedule!r} (expected one of {SCHEDULES})")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"Unknown optimizer: {self.optimizer!r} (expected one of {OPTIMIZERS})"
            )
        if self.hidden_features is not None:
            if not isinstance(self.hidden_features, tuple):
                raise ValueError(
                    f"Invalid hidden_features: {self.hidden_features!r} (expected a tuple of ints)"
                )
            for width in self.hidden_features:
                _positive_int("hidden_features", width)
        for name in ("num_epochs", "batch_size"):
            if getattr(self, name) is not None:
                _positive_int(name, getattr(self, name))
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not self.lr > 0:
            raise ValueError(f"Invalid learning rate: {self.lr!r} (expected > 0)")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"Invalid seed: {self.seed!r} (expected an int >= 0)")
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume needs a checkpoint_dir to resume from")

    def resolved(self) -> TrainConfig:
        """Returns a copy with the `None` sizes replaced by the data set's defaults."""
        hidden, batch_size, num_epochs = _DEFAULTS[self.dataset]
        # `is None`, not `or`: hidden_features=() is a model without hidden layers, not a default.
        return dataclasses.replace(
            self,
            hidden_features=hidden if self.hidden_features is None else self.hidden_features,
            batch_size=batch_size if self.batch_size is None else self.batch_size,
            num_epochs=num_epochs if self.num_epochs is None else self.num_epochs,
        )


def build_optimizer(name: str, params: Any, lr: float) -> torch.optim.Optimizer:
    """Builds one of `OPTIMIZERS` from `dlnotes.optim`.

    Args:
        name: `sgd`, `momentum` (SGD with momentum 0.9), `nag` (the same with Nesterov's
            momentum), `adagrad`, `rmsprop`, `adam` or `adamw`.
        params: The parameters to optimize.
        lr: The learning rate.

    Raises:
        ValueError: If `name` is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.train import build_optimizer
        >>> optimizer = build_optimizer("nag", torch.nn.Linear(2, 1).parameters(), lr=0.1)
        >>> type(optimizer).__name__, optimizer.defaults["nesterov"]
        ('SGD', True)
    """
    builders: dict[str, Callable[[], torch.optim.Optimizer]] = {
        "sgd": lambda: SGD(params, lr=lr),
        "momentum": lambda: SGD(params, lr=lr, momentum=0.9),
        "nag": lambda: SGD(params, lr=lr, momentum=0.9, nesterov=True),
        "adagrad": lambda: Adagrad(params, lr=lr),
        "rmsprop": lambda: RMSprop(params, lr=lr),
        "adam": lambda: Adam(params, lr=lr),
        "adamw": lambda: AdamW(params, lr=lr),
    }
    if name not in builders:
        raise ValueError(f"Unknown optimizer: {name!r} (expected one of {OPTIMIZERS})")
    return builders[name]()


def _load_data(config: TrainConfig) -> tuple[torch.Tensor, ...]:
    if config.dataset == "digits":
        X_train, y_train, X_test, y_test = load_digits_split(seed=config.seed)
    else:
        images_train, y_train = load_mnist(config.dataset, config.data_dir, train=True)
        images_test, y_test = load_mnist(config.dataset, config.data_dir, train=False)
        # Converted once, not per batch: (N, 28, 28) uint8 -> (N, 784) float in [0, 1].
        X_train = to_float_images(images_train).flatten(1)
        X_test = to_float_images(images_test).flatten(1)
    if config.normalize:
        # One mean and one std over all training pixels (0.1307 and 0.3081 for MNIST), applied
        # to both splits: the test set must not inform the preprocessing.
        mean, std = X_train.mean(), X_train.std()
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return X_train, y_train, X_test, y_test


def run(
    config: TrainConfig,
    *,
    progress: bool | None = None,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[MLP, History]:
    """Trains the MLP a configuration describes; returns the model and its history.

    Under `torchrun` (after `dlnotes.train.distributed.init_from_env`) each of the $W$
    processes trains on its shard with `batch_size / W` samples a step, so the global
    batch stays `batch_size`; every process evaluates the whole test set.

    Args:
        config: The run; `None` sizes take the data set's defaults.
        progress: Passed to [`fit`][dlnotes.train.fit].
        on_epoch_end: Passed to [`fit`][dlnotes.train.fit].

    Raises:
        FileNotFoundError: If an MNIST-like set is not in `data_dir`, or `resume` finds no
            checkpoint.
        ValueError: If `batch_size` is not divisible by the number of processes.
    """
    config = config.resolved()
    assert config.hidden_features is not None and config.batch_size is not None  # resolved
    assert config.num_epochs is not None
    device = get_device(config.device)
    # Under torchrun, batch_size is the global batch: each of the W ranks takes batch_size / W.
    num_ranks = world_size()
    if config.batch_size % num_ranks:
        raise ValueError(
            f"Invalid batch_size: {config.batch_size} (must be divisible by the {num_ranks} "
            f"processes, each taking an equal share of every batch)"
        )
    if num_ranks > 1 and device.type == "cuda":
        device = torch.device("cuda", local_rank())  # one GPU per process
    X_train, y_train, X_test, y_test = _load_data(config)
    generator = torch.Generator().manual_seed(config.seed)
    model = MLP(X_train.shape[1], config.hidden_features, 10, config.activation,
                generator=generator)  # fmt: skip
    optimizer = build_optimizer(config.optimizer, model.parameters(), config.lr)
    train_loader = InMemoryLoader(X_train, y_train, config.batch_size // num_ranks,
                                  seed=config.seed, device=device, rank=rank(),
                                  world_size=num_ranks)  # fmt: skip
    test_loader = InMemoryLoader(X_test, y_test, max(config.batch_size, 1024), shuffle=False,
                                 device=device)  # fmt: skip
    scheduler = None
    if config.schedule == "cosine":
        # lr_e = lr (1 + cos(pi e / E)) / 2 for epoch e = 0 .. E-1, in closed form: resuming with
        # more epochs stretches the curve (CosineAnnealingLR would keep the old E and climb back).
        num_epochs = config.num_epochs
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda e: 0.5 * (1 + math.cos(math.pi * e / num_epochs))
        )
    history = fit(
        model, optimizer, train_loader, num_epochs=config.num_epochs, test_loader=test_loader,
        checkpoint_dir=config.checkpoint_dir, resume=config.resume, progress=progress,
        device=device, seed=config.seed, on_epoch_end=on_epoch_end, scheduler=scheduler,
    )  # fmt: skip
    return model, history
