r"""Conditional probability and Bayes' rule on tensors.

Used by the lecture *A taste of Bayesian statistics*: from a table of joint probabilities to
conditional ones, Bayes' theorem over a discrete set of hypotheses, beliefs updated as data
arrive (the posterior becomes the next prior), and the Beta–Bernoulli model of a coin.

- [`marginal`][dlnotes.bayes.marginal] and [`conditional`][dlnotes.bayes.conditional]:
  $P(B)$ and $P(A \mid B) = P(A \cap B) / P(B)$ from a joint probability table.
- [`posterior`][dlnotes.bayes.posterior] and [`log_posterior`][dlnotes.bayes.log_posterior]:
  Bayes' theorem, in probabilities or in log space.
- [`sequential_update`][dlnotes.bayes.sequential_update] and
  [`diagnostic_posterior`][dlnotes.bayes.diagnostic_posterior]: one observation at a time.
- [`BetaBernoulli`][dlnotes.bayes.BetaBernoulli]: the conjugate posterior of a coin's bias.

Bayes' theorem is named after T. Bayes, "An Essay towards solving a Problem in the Doctrine of
Chances", *Philosophical Transactions of the Royal Society of London* 53, 370–418 (1763),
published after his death by R. Price. P.-S. Laplace reached the same principle independently in
"Mémoire sur la probabilité des causes par les événements", *Mémoires de mathématique et de
physique présentés à l'Académie royale des sciences par divers savans* 6, 621–656 (1774).

Probabilities given as Python numbers become float64 tensors; tensors keep their dtype (integer
and boolean ones become float64). The discrete pieces live in `dlnotes.bayes.discrete`, the coin
in `dlnotes.bayes.beta`; import them from `dlnotes.bayes`.
"""

from __future__ import annotations

from dlnotes.bayes.beta import BetaBernoulli
from dlnotes.bayes.discrete import (
    conditional,
    diagnostic_posterior,
    log_posterior,
    marginal,
    posterior,
    sequential_update,
)

__all__ = [
    "BetaBernoulli",
    "conditional",
    "diagnostic_posterior",
    "log_posterior",
    "marginal",
    "posterior",
    "sequential_update",
]
