"""dlnotes: the companion package of an executable, bilingual course on deep learning with PyTorch.

The course site teaches each idea; this package holds the code the pages import, so that every
snippet on the site runs against tested code rather than copies of it. Each sub-module holds one
concept and is checked against its PyTorch counterpart:

- `dlnotes.tensor`: helpers for looking at tensors, seeding, devices and NumPy round trips;
- `dlnotes.autograd` and `dlnotes.scalar_nn`: a scalar reverse-mode autodiff engine and a tiny
  network built on it;
- `dlnotes.activations`, `dlnotes.models`, `dlnotes.losses`: layers, models and losses;
- `dlnotes.optim`: SGD, Adagrad, RMSprop, Adam and AdamW as `torch.optim.Optimizer`s;
- `dlnotes.bayes`: conditional probability and Bayes' rule on tensors;
- `dlnotes.data`: the embedded digits, MNIST-family sets, synthetic sets and an in-memory loader;
- `dlnotes.train`: `fit`, `evaluate`, the training history and exact-resume checkpoints.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dlnotes import (
    activations,
    autograd,
    bayes,
    data,
    losses,
    models,
    optim,
    scalar_nn,
    tensor,
    train,
)
from dlnotes.autograd import Value
from dlnotes.models import MLP, Linear, LinearRegression
from dlnotes.tensor import describe, from_numpy, get_device, seed_everything, summarize, to_numpy

try:
    __version__ = version("dlnotes-course")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "MLP",
    "Linear",
    "LinearRegression",
    "Value",
    "__version__",
    "activations",
    "autograd",
    "bayes",
    "data",
    "describe",
    "from_numpy",
    "get_device",
    "losses",
    "models",
    "optim",
    "scalar_nn",
    "seed_everything",
    "summarize",
    "tensor",
    "to_numpy",
    "train",
]
