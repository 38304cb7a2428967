"""One configuration for a whole MLP training run, as `dlnotes train` runs it.

[`TrainConfig`][dlnotes.train.TrainConfig] is a frozen dataclass with a comment on each default,
in the manner of nanoGPT's `GPTConfig`, and a preset per data set
([`TrainConfig.for_dataset`][dlnotes.train.TrainConfig.for_dataset]); the command line maps the
flags it is given onto the preset, and [`run`][dlnotes.train.run] turns the configuration into
data, a model, an optimizer and a call to [`fit`][dlnotes.train.fit]. The same run from Python:

```python
from dlnotes.train import TrainConfig, run

model, history, test = run(TrainConfig.for_dataset("digits", num_epochs=5))
```
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dlnotes._checks import check_int, check_range
from dlnotes.data import InMemoryLoader, load_digits_split, load_mnist
from dlnotes.losses import cross_entropy
from dlnotes.models import MLP
from dlnotes.tensor import get_device
from dlnotes.train.distributed import rank, world_size
from dlnotes.train.history import History
from dlnotes.train.loop import evaluate, fit

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "OPTIMIZERS",
    "SCHEDULES",
    "TrainConfig",
    "build_model",
    "build_optimizer",
    "run",
]

DATASETS = ("digits", "mnist", "fashion-mnist", "kmnist")
OPTIMIZERS = ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adam", "adamw")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "gelu")
SCHEDULES = ("cosine", "constant")

# What differs from TrainConfig's defaults (the digits') for each data set.
_MNIST_LIKE = {
    "hidden_features": (256,),  # the assignment's 784-256-10
    "batch_size": 256,  # the assignment's
    "val_fraction": 1 / 12,  # 5,000 of the 60,000 training images
}
_PRESETS: dict[str, dict[str, Any]] = {
    "digits": {},
    # Chosen on the validation images among 10, 12 and 15 epochs with lr 1e-3 and 2e-3 (seed 0):
    # 98.2% of them right, against 97.7% with the assignment's 10 epochs at 1e-3.
    "mnist": {**_MNIST_LIKE, "num_epochs": 15, "lr": 2e-3},
    "fashion-mnist": _MNIST_LIKE,
    "kmnist": _MNIST_LIKE,
}
# A resumed run must match the saved one in everything but these.
_MAY_CHANGE_ON_RESUME = ("num_epochs", "data_dir", "download", "device", "checkpoint_dir", "resume")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run of an MLP classifier.

    The defaults are the digits' preset; `TrainConfig.for_dataset(name, **overrides)` starts
    from a data set's preset instead.

    Raises:
        TypeError: If a value has the wrong type.
        ValueError: If a value is out of range or a name is unknown; the message names it.

    Examples:
        >>> from dlnotes.train import TrainConfig
        >>> config = TrainConfig()
        >>> config.dataset, config.hidden_features, config.batch_size, config.optimizer, config.lr
        ('digits', (64,), 32, 'adam', 0.001)
        >>> config = TrainConfig.for_dataset("mnist", num_epochs=3)
        >>> config.hidden_features, config.batch_size, config.num_epochs
        ((256,), 256, 3)
    """

    dataset: str = "digits"  # in scikit-learn, no download; or mnist, fashion-mnist, kmnist
    data_dir: str | None = None  # None: $DLNOTES_DATA_DIR, else ./data (dlnotes.data.data_root)
    download: bool = False  # let torchvision download a missing MNIST-like set
    hidden_features: tuple[int, ...] = (64,)  # 64-64-10 for the 8x8 digits; () is no hidden layer
    activation: str = "relu"  # the assignment's; or sigmoid, tanh, gelu
    num_epochs: int = 10  # a few seconds on the digits
    batch_size: int = 32  # 36 steps an epoch on the digits' 1,150 training images
    optimizer: str = "adam"  # the assignment's; momentum and nag are SGD with momentum 0.9
    # False: torch's layers, F.cross_entropy and fused optimizers, as fast as torch's own loop;
    # True: the course's dlnotes.models.MLP, dlnotes.losses.cross_entropy and dlnotes.optim
    from_scratch: bool = False
    lr: float = 1e-3  # Adam's usual step size, the assignment's; the first epoch's
    # cosine: lr decays along a half cosine to near 0 by the last epoch (Loshchilov & Hutter,
    # SGDR, ICLR 2017, without restarts); constant: lr throughout, as the assignment's loop
    schedule: str = "cosine"
    normalize: bool = True  # standardise inputs with the training images' mean and std, once
    val_fraction: float = 0.2  # share of the training set held out to validate each epoch
    seed: int = 0  # the validation split, model initialisation, shuffling and dropout
    device: str = "auto"  # cuda, then mps, then cpu
    checkpoint_dir: str | None = None  # None: no checkpoints
    resume: bool | str = False  # True: checkpoint_dir/last.pt; or the file to resume from

    @classmethod
    def for_dataset(cls, dataset: str, **overrides: Any) -> TrainConfig:
        """Returns the preset of a data set, with `overrides` applied.

        Args:
            dataset: One of `DATASETS`.
            **overrides: Fields to set, e.g. `num_epochs=3`.

        Raises:
            ValueError: If `dataset` is unknown.
        """
        if dataset not in _PRESETS:
            raise ValueError(f"Unknown dataset: {dataset!r} (expected one of {DATASETS})")
        return cls(dataset=dataset, **{**_PRESETS[dataset], **overrides})

    def __post_init__(self) -> None:
        for name, allowed in (("dataset", DATASETS), ("optimizer", OPTIMIZERS),
                              ("schedule", SCHEDULES), ("activation", ACTIVATIONS)):  # fmt: skip
            if getattr(self, name) not in allowed:
                raise ValueError(f"Unknown {name}: {getattr(self, name)!r} (expected one of {allowed})")  # fmt: skip
        if not isinstance(self.hidden_features, tuple):
            raise TypeError(f"Invalid hidden_features: {self.hidden_features!r} (expected a tuple)")
        for width in self.hidden_features:
            check_int("hidden_features", width, 1)
        check_int("num_epochs", self.num_epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        check_int("seed", self.seed, 0)
        check_range("learning rate", self.lr, 0.0, math.inf, low_open=True, high_open=True)
        check_range("val_fraction", self.val_fraction, 0.0, 1.0, high_open=True)
        if self.resume is not False and self.checkpoint_dir is None:
            raise ValueError("resume needs a checkpoint_dir to save the resumed run to")

    def resume_key(self) -> dict[str, Any]:
        """The fields a resumed run must share with the saved one, as plain data."""
        key = {}
        for field in dataclasses.fields(self):
            if field.name not in _MAY_CHANGE_ON_RESUME:
                value = getattr(self, field.name)
                key[field.name] = list(value) if isinstance(value, tuple) else value
        return key


def build_optimizer(
    name: str, params: Any, lr: float, *, from_scratch: bool = False, device: Any = "cpu"
) -> torch.optim.Optimizer:
    """Builds one of `OPTIMIZERS`: torch's (fused where torch has a fused kernel) or ours.

    Args:
        name: `sgd`, `momentum` (SGD with momentum 0.9), `nag` (the same with Nesterov's
            momentum), `adagrad`, `rmsprop`, `adam` or `adamw`.
        params: The parameters to optimize.
        lr: The learning rate.
        from_scratch: Use `dlnotes.optim`, the course's implementations, instead of
            `torch.optim`.
        device: Where the parameters are; torch's fused kernels run on the CPU and CUDA.

    Raises:
        ValueError: If `name` is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.train import build_optimizer
        >>> params = torch.nn.Linear(2, 1).parameters()
        >>> optimizer = build_optimizer("nag", params, lr=0.1, from_scratch=True)
        >>> type(optimizer).__module__, optimizer.defaults["nesterov"]
        ('dlnotes.optim.sgd', True)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer: {name!r} (expected one of {OPTIMIZERS})")
    if from_scratch:
        import dlnotes.optim as optim

        fused: dict[str, Any] = {}
    else:
        optim = torch.optim  # type: ignore[assignment]
        fused = {"fused": True} if torch.device(device).type in ("cpu", "cuda") else {}
    builders: dict[str, Callable[[], torch.optim.Optimizer]] = {
        "sgd": lambda: optim.SGD(params, lr=lr, **fused),
        "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9, **fused),
        "nag": lambda: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, **fused),
        "adagrad": lambda: optim.Adagrad(params, lr=lr, **fused),
        "rmsprop": lambda: optim.RMSprop(params, lr=lr),  # torch has no fused RMSprop
        "adam": lambda: optim.Adam(params, lr=lr, **fused),
        "adamw": lambda: optim.AdamW(params, lr=lr, **fused),
    }
    return builders[name]()


def build_model(config: TrainConfig, in_features: int) -> torch.nn.Module:
    """The MLP of a configuration: the course's `MLP`, or the same network of `torch.nn` layers.

    Both start from the same seed (`config.seed`) and leave the global random state alone.

    Examples:
        >>> from dlnotes.train import TrainConfig, build_model
        >>> build_model(TrainConfig(hidden_features=(32,)), 64)
        Sequential(
          (0): Linear(in_features=64, out_features=32, bias=True)
          (1): ReLU()
          (2): Linear(in_features=32, out_features=10, bias=True)
        )
    """
    widths = (in_features, *config.hidden_features)
    if config.from_scratch:
        generator = torch.Generator().manual_seed(config.seed)
        return MLP(in_features, config.hidden_features, 10, config.activation, generator=generator)
    activation = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}
    layers: list[nn.Module] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        for a, b in itertools.pairwise(widths):
            layers += [nn.Linear(a, b), activation[config.activation]()]
        layers.append(nn.Linear(widths[-1], 10))
    return nn.Sequential(*layers)


def _load_data(config: TrainConfig) -> tuple[torch.Tensor, ...]:
    """Train, validation and test tensors, flattened and scaled, the validation split seeded."""
    if config.dataset == "digits":
        X_train, y_train, X_test, y_test = load_digits_split(seed=config.seed)
    else:
        splits = [load_mnist(config.dataset, config.data_dir, train=train,
                             download=config.download) for train in (True, False)]  # fmt: skip
        # Converted once, not per batch: (N, 28, 28) uint8 -> (N, 784) float in [0, 1].
        (X_train, y_train), (X_test, y_test) = ((X.flatten(1).float() / 255, y) for X, y in splits)
    num_val = round(config.val_fraction * len(X_train))
    generator = torch.Generator().manual_seed(config.seed)
    fit_part, val_part = torch.utils.data.random_split(
        range(len(X_train)), [len(X_train) - num_val, num_val], generator=generator
    )
    fit_idx, val_idx = (
        torch.tensor(part.indices, dtype=torch.long) for part in (fit_part, val_part)
    )
    X_val, y_val = X_train[val_idx], y_train[val_idx]
    X_train, y_train = X_train[fit_idx], y_train[fit_idx]
    if config.normalize:
        # One mean and one std over the training images' pixels, applied to every split: the
        # validation and test sets must not inform the preprocessing.
        mean, std = X_train.mean(), X_train.std()
        X_train, X_val, X_test = ((X - mean) / std for X in (X_train, X_val, X_test))
    return X_train, y_train, X_val, y_val, X_test, y_test


def run(
    config: TrainConfig,
    device: torch.device | None = None,
    *,
    progress: bool | None = None,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[torch.nn.Module, History, dict[str, float]]:
    """Trains the MLP a configuration describes, then evaluates it once on the test set.

    Each epoch is validated on `val_fraction` of the training set, held out with a seeded split;
    the test set is used once, at the end. Under `torchrun` (after
    `dlnotes.train.distributed.init_from_env`) each of the $W$ processes trains on its shard with
    `batch_size / W` samples a step, so the global batch stays `batch_size`.

    Args:
        config: The run.
        device: Where to train; `config.device` resolved when `None`.
        progress: Passed to [`fit`][dlnotes.train.fit].
        on_epoch_end: Passed to [`fit`][dlnotes.train.fit].

    Returns:
        The model, its [`History`][dlnotes.train.History], and the test set's `evaluate`
        result (`accuracy`, `loss`, `num_samples`).

    Raises:
        FileNotFoundError: If an MNIST-like set is not in `data_dir`, or `resume` finds no
            checkpoint.
        ValueError: If `batch_size` is not divisible by the number of processes, or the run
            cannot resume (see [`fit`][dlnotes.train.fit]).
    """
    device = get_device(config.device) if device is None else device
    num_ranks = world_size()
    if config.batch_size % num_ranks:
        raise ValueError(
            f"Invalid batch_size: {config.batch_size} (must be divisible by the {num_ranks} "
            f"processes, each taking an equal share of every batch)"
        )
    X_train, y_train, X_val, y_val, X_test, y_test = _load_data(config)
    model = build_model(config, X_train.shape[1])
    optimizer = build_optimizer(config.optimizer, model.parameters(), config.lr,
                                from_scratch=config.from_scratch, device=device)  # fmt: skip
    train_loader = InMemoryLoader(X_train, y_train, config.batch_size // num_ranks,
                                  seed=config.seed, device=device, rank=rank(),
                                  world_size=num_ranks)  # fmt: skip
    eval_batch = max(config.batch_size, 1024)
    val_loader = None
    if len(X_val):
        val_loader = InMemoryLoader(X_val, y_val, eval_batch, shuffle=False, device=device)
    loss_fn = cross_entropy if config.from_scratch else F.cross_entropy
    scheduler = None
    if config.schedule == "cosine":
        # lr_e = lr (1 + cos(pi e / E)) / 2 for epoch e = 0 .. E-1, in closed form: resuming with
        # more epochs recomputes it for the new E (fit does, for a LambdaLR).
        num_epochs = config.num_epochs
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda e: 0.5 * (1 + math.cos(math.pi * e / num_epochs))
        )
    history = fit(
        model, optimizer, train_loader, num_epochs=config.num_epochs, loss_fn=loss_fn,
        val_loader=val_loader,
        scheduler=scheduler, checkpoint_dir=config.checkpoint_dir, resume=config.resume,
        extra=config.resume_key(), progress=progress, device=device, seed=config.seed,
        on_epoch_end=on_epoch_end,
    )  # fmt: skip
    test_loader = InMemoryLoader(X_test, y_test, eval_batch, shuffle=False, device=device)
    # The one look at the test set. (Under torchrun every rank evaluates the whole test set.)
    return model, history, evaluate(model, test_loader, loss_fn, device)
