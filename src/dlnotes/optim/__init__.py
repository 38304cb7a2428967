r"""Optimizers written from scratch, step for step the same as `torch.optim`'s.

Each one subclasses `torch.optim.Optimizer`, takes torch's arguments with torch's defaults and
keeps its state under torch's names, so it can replace its torch counterpart in a training loop,
a learning-rate scheduler or a checkpoint. What differs is the reading: the update rule appears
once, in the paper's symbols, without torch's `foreach`, `fused` and `capturable` variants.

- [`SGD`][dlnotes.optim.SGD]: gradient descent with heavy-ball or Nesterov momentum.
- [`Adagrad`][dlnotes.optim.Adagrad]: per-coordinate steps from the sum of squared gradients.
- [`RMSprop`][dlnotes.optim.RMSprop]: the same with a moving average, optionally centered.
- [`Adam`][dlnotes.optim.Adam] and [`AdamW`][dlnotes.optim.AdamW]: moving averages of the
  gradient and of its square, with bias correction; AdamW decays the weights directly.

The tests run each against `torch.optim` in float64 for hundreds of steps and require the same
parameters to within $10^{-12}$.
"""

from __future__ import annotations

from dlnotes.optim.adagrad import Adagrad
from dlnotes.optim.adam import Adam, AdamW
from dlnotes.optim.rmsprop import RMSprop
from dlnotes.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "RMSprop"]
