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
and boolean ones become float64).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

import torch
import torch.nn.functional as F

__all__ = [
    "BetaBernoulli",
    "conditional",
    "diagnostic_posterior",
    "log_posterior",
    "marginal",
    "posterior",
    "sequential_update",
]


def _as_tensor(x: torch.Tensor | Sequence | float, name: str, *, min_ndim: int = 1) -> torch.Tensor:
    """Converts `x` to a floating tensor: float64 unless it already is a floating tensor."""
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"Invalid {name}: {x!r} (expected a tensor or numbers)") from exc
    if x.is_complex():
        raise TypeError(f"Invalid {name}: expected real numbers, got a {x.dtype} tensor")
    if not x.is_floating_point():
        x = x.to(torch.float64)
    if x.ndim < min_ndim:
        raise ValueError(f"Invalid {name}: expected at least one dimension, got a scalar {x}")
    return x


def _sum_tolerance(dtype: torch.dtype) -> float:
    # Rounding in float32 (or coarser) sums can exceed 1e-6; sqrt(eps) is 3e-4 there.
    return max(1e-6, torch.finfo(dtype).eps ** 0.5)


def _check_nonnegative(x: torch.Tensor, name: str) -> None:
    if torch.isnan(x).any() or torch.isinf(x).any():
        raise ValueError(f"Invalid {name}: values must be finite, got {x}")
    if (x < 0).any():
        raise ValueError(f"Invalid {name}: values must be non-negative, got {x.min().item():.4g}")


def _check_sums_to_one(total: torch.Tensor, name: str) -> None:
    if (total - 1).abs().max() > _sum_tolerance(total.dtype):
        raise ValueError(f"Invalid {name}: probabilities must sum to 1, got {total}")


def _check_last_dims(prior: torch.Tensor, likelihood: torch.Tensor, names: str) -> None:
    # The broadcasting rule, checked by hand: torch.broadcast_shapes imports sympy on first use,
    # which costs most of a second.
    pairs = zip(reversed(prior.shape), reversed(likelihood.shape), strict=False)
    ok = prior.shape[-1:] == likelihood.shape[-1:] and all(a == b or 1 in (a, b) for a, b in pairs)
    if not ok:
        raise ValueError(
            f"Shapes do not match: {names} have shapes {tuple(prior.shape)} and "
            f"{tuple(likelihood.shape)} (expected (..., K) with the same K and broadcastable batch dimensions)"
        )


def _check_dim(dim: int, ndim: int, name: str) -> None:
    if isinstance(dim, bool) or not isinstance(dim, int) or not -ndim <= dim < ndim:
        raise ValueError(f"Invalid {name}: {dim!r} for a joint table with {ndim} dimensions")


def marginal(joint: torch.Tensor | Sequence, dim: int) -> torch.Tensor:
    r"""Returns the distribution of the variable on `dim` of a joint probability table.

    The other variables are summed out (the law of total probability):

    $$P(B = b) = \sum_a P(A = a, B = b)$$

    Args:
        joint: Joint probabilities, one dimension per variable; non-negative, summing to 1.
        dim: The dimension of the variable to keep.

    Returns:
        A tensor of shape `(joint.shape[dim],)`.

    Raises:
        TypeError: If `joint` is not made of real numbers.
        ValueError: If `joint` is negative or does not sum to 1, or `dim` is out of range.

    Examples:
        >>> from dlnotes.bayes import marginal
        >>> joint = [[0.3, 0.1], [0.2, 0.4]]  # rows: A, columns: B
        >>> [round(p, 4) for p in marginal(joint, dim=1).tolist()]
        [0.5, 0.5]
    """
    joint = _as_tensor(joint, "joint")
    _check_nonnegative(joint, "joint")
    _check_sums_to_one(joint.sum(), "joint")
    _check_dim(dim, joint.ndim, "dim")
    others = [d for d in range(joint.ndim) if d != dim % joint.ndim]
    return joint.sum(dim=others) if others else joint


def conditional(joint: torch.Tensor | Sequence, given_dim: int) -> torch.Tensor:
    r"""Conditions a joint probability table on the variable of one dimension.

    $$P(A \mid B) = \frac{P(A \cap B)}{P(B)}$$

    Each slice `joint.select(given_dim, b)` is divided by its total $P(B = b)$, so it becomes the
    distribution of the other variables given $B = b$ and sums to 1.

    Args:
        joint: Joint probabilities, one dimension per variable; non-negative, summing to 1.
        given_dim: The dimension of the variable $B$ conditioned on.

    Returns:
        A tensor of the shape of `joint`.

    Raises:
        TypeError: If `joint` is not made of real numbers.
        ValueError: If `joint` is negative or does not sum to 1, `given_dim` is out of range,
            or some $P(B = b)$ is 0 (conditioning on an impossible event is undefined).

    Examples:
        >>> from dlnotes.bayes import conditional
        >>> joint = [[0.3, 0.1], [0.2, 0.4]]  # rows: A, columns: B
        >>> [[round(p, 4) for p in row] for row in conditional(joint, given_dim=1).tolist()]
        [[0.6, 0.2], [0.4, 0.8]]
    """
    joint = _as_tensor(joint, "joint")
    _check_dim(given_dim, joint.ndim, "given_dim")
    # P(B), checked and computed by marginal
    p_b = marginal(joint, given_dim)  # (K,)
    zero = (p_b == 0).nonzero().flatten().tolist()
    if zero:
        raise ValueError(
            f"Cannot condition on an event of probability 0: P(B) = 0 at indices {zero} of "
            f"dim {given_dim}"
        )
    shape = [1] * joint.ndim
    shape[given_dim] = -1
    return joint / p_b.reshape(shape)


def posterior(
    prior: torch.Tensor | Sequence[float],
    likelihood: torch.Tensor | Sequence[float],
    *,
    return_evidence: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    r"""Bayes' theorem over a discrete set of hypotheses $H_1, \dots, H_K$.

    $$P(H \mid D) = \frac{P(D \mid H)\, P(H)}{P(D)}, \qquad
    P(D) = \sum_k P(D \mid H_k)\, P(H_k)$$

    The evidence $P(D)$ is the normaliser: it makes the posterior sum to 1.

    Args:
        prior: $P(H)$, shape `(..., K)`; non-negative, each row summing to 1.
        likelihood: $P(D \mid H)$, shape `(..., K)`, broadcastable with `prior`; non-negative
            (a density may exceed 1, and the values need not sum to 1).
        return_evidence: Also return $P(D)$, of shape `(...)`.

    Returns:
        The posterior $P(H \mid D)$ of the broadcast shape, or `(posterior, evidence)`.

    Raises:
        TypeError: If an argument is not made of real numbers.
        ValueError: If the prior is not a distribution, the likelihood is negative or not
            finite, the shapes do not match, or $P(D) = 0$ (the data are impossible under every
            hypothesis the prior allows).

    Examples:
        >>> from dlnotes.bayes import posterior
        >>> post, p_d = posterior([0.5, 0.5], [0.8, 0.2], return_evidence=True)
        >>> [round(p, 4) for p in post.tolist()], round(p_d.item(), 4)
        ([0.8, 0.2], 0.5)
    """
    prior = _as_tensor(prior, "prior")
    likelihood = _as_tensor(likelihood, "likelihood")
    _check_nonnegative(prior, "prior")
    _check_sums_to_one(prior.sum(dim=-1), "prior")
    _check_nonnegative(likelihood, "likelihood")
    _check_last_dims(prior, likelihood, "prior and likelihood")
    # Dividing by the largest likelihood first keeps tiny likelihoods (long data sets) from
    # underflowing to 0; the factor cancels in the posterior and is put back in P(D).
    scale = likelihood.amax(dim=-1, keepdim=True)  # (..., 1)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    # P(D | H) P(H), up to the factor `scale`
    joint = prior * (likelihood / scale)  # (..., K)
    total = joint.sum(dim=-1, keepdim=True)  # (..., 1)
    if (total == 0).any():
        raise ValueError(
            "The evidence P(D) is 0: the data have probability 0 under every hypothesis the "
            f"prior allows (prior {prior}, likelihood {likelihood})"
        )
    post = joint / total
    if return_evidence:
        # P(D) = sum_k P(D | H_k) P(H_k)
        return post, (total * scale).squeeze(-1)
    return post


def log_posterior(
    log_prior: torch.Tensor | Sequence[float],
    log_likelihood: torch.Tensor | Sequence[float],
    *,
    return_log_evidence: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    r"""Bayes' theorem in log space, for likelihoods too small to multiply directly.

    $$\log P(H \mid D) = \log P(D \mid H) + \log P(H) - \log P(D), \qquad
    \log P(D) = \operatorname{logsumexp}_k \big(\log P(D \mid H_k) + \log P(H_k)\big)$$

    `torch.logsumexp` subtracts the largest term before exponentiating, so a likelihood like
    $e^{-1000}$, which is 0 in float64, still gives the right posterior.

    Args:
        log_prior: $\log P(H)$, shape `(..., K)`; `-inf` for impossible hypotheses, and the
            probabilities must sum to 1.
        log_likelihood: $\log P(D \mid H)$, shape `(..., K)`, broadcastable with `log_prior`.
        return_log_evidence: Also return $\log P(D)$, of shape `(...)`.

    Returns:
        $\log P(H \mid D)$, or `(log_posterior, log_evidence)`.

    Raises:
        TypeError: If an argument is not made of real numbers.
        ValueError: If an argument is NaN or `+inf`, the prior does not sum to 1, the shapes do
            not match, or $P(D) = 0$.

    Examples:
        >>> import torch
        >>> from dlnotes.bayes import log_posterior
        >>> log_prior = torch.tensor([0.5, 0.5]).log()
        >>> log_post = log_posterior(log_prior, torch.tensor([-1000.0, -1001.0]))
        >>> [round(p, 4) for p in log_post.exp().tolist()]
        [0.7311, 0.2689]
    """
    log_prior = _as_tensor(log_prior, "log_prior")
    log_likelihood = _as_tensor(log_likelihood, "log_likelihood")
    for name, x in (("log_prior", log_prior), ("log_likelihood", log_likelihood)):
        if torch.isnan(x).any() or (x == math.inf).any():
            raise ValueError(f"Invalid {name}: values must not be NaN or +inf, got {x}")
    _check_sums_to_one(torch.logsumexp(log_prior, dim=-1).exp(), "log_prior")
    _check_last_dims(log_prior, log_likelihood, "log_prior and log_likelihood")
    # log P(D | H) + log P(H)
    log_joint = log_prior + log_likelihood  # (..., K)
    # log P(D)
    log_evidence = torch.logsumexp(log_joint, dim=-1, keepdim=True)  # (..., 1)
    if (log_evidence == -math.inf).any():
        raise ValueError(
            "The evidence P(D) is 0: the data have probability 0 under every hypothesis the "
            f"prior allows (log_prior {log_prior}, log_likelihood {log_likelihood})"
        )
    log_post = log_joint - log_evidence
    if return_log_evidence:
        return log_post, log_evidence.squeeze(-1)
    return log_post


def sequential_update(
    prior: torch.Tensor | Sequence[float], likelihoods: torch.Tensor | Sequence[Sequence[float]]
) -> torch.Tensor:
    r"""Applies Bayes' theorem one observation at a time: each posterior is the next prior.

    $$P(H \mid d_{1:t}) = \frac{P(d_t \mid H)\, P(H \mid d_{1:t-1})}{P(d_t \mid d_{1:t-1})}$$

    If the observations are independent given the hypothesis, $P(d_{1:T} \mid H) = \prod_t
    P(d_t \mid H)$, and the last belief equals one update with that product.

    Args:
        prior: $P(H)$, shape `(K,)` or `(..., K)`.
        likelihoods: $P(d_t \mid H)$ for each observation, shape `(T, K)` or `(T, ..., K)`.

    Returns:
        The $T + 1$ beliefs, prior first: shape `(T + 1, ..., K)`.

    Raises:
        TypeError: If an argument is not made of real numbers.
        ValueError: As [`posterior`][dlnotes.bayes.posterior] does, naming the step where the
            evidence is 0; or if `likelihoods` has fewer than 2 dimensions.

    Examples:
        >>> from dlnotes.bayes import sequential_update
        >>> beliefs = sequential_update([0.5, 0.5], [[0.8, 0.2], [0.8, 0.2]])
        >>> [round(b[0], 4) for b in beliefs.tolist()]
        [0.5, 0.8, 0.9412]
    """
    likelihoods = _as_tensor(likelihoods, "likelihoods")
    if likelihoods.ndim < 2:
        raise ValueError(
            f"Invalid likelihoods: expected shape (T, K), got {tuple(likelihoods.shape)}"
        )
    # Checks the arguments once, and gives every belief the same shape and dtype.
    belief = posterior(prior, likelihoods.new_ones(likelihoods.shape[1:]))
    beliefs = [belief]
    for t, likelihood in enumerate(likelihoods):
        try:
            belief = posterior(belief, likelihood)
        except ValueError as exc:
            raise ValueError(f"At observation {t}: {exc}") from exc
        beliefs.append(belief)
    return torch.stack(beliefs)  # (T + 1, ..., K)


def _as_binary(observations: torch.Tensor | Sequence[int], name: str) -> torch.Tensor:
    """Converts 0/1 (or False/True) observations to a float64 tensor of shape (T,)."""
    x = _as_tensor(observations, name, min_ndim=0).to(torch.float64)
    if x.ndim != 1:
        raise ValueError(f"Invalid {name}: expected shape (T,), got {tuple(x.shape)}")
    bad = x[(x != 0) & (x != 1)]
    if bad.numel():
        raise ValueError(f"Invalid {name}: values must be 0 or 1, got {bad[:5].tolist()}")
    return x


def _check_probability(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"Invalid {name}: {value!r} (expected a number in [0, 1])")
    if not 0 <= value <= 1:  # also rejects NaN
        raise ValueError(f"Invalid {name}: {value} (expected a number in [0, 1])")
    return float(value)


def diagnostic_posterior(
    prevalence: float,
    sensitivity: float,
    specificity: float,
    results: torch.Tensor | Sequence[bool],
) -> torch.Tensor:
    r"""Probability of a disease after each result of a repeated diagnostic test.

    The hypotheses are *ill* and *healthy*, with prior $\pi$ (the prevalence). The sensitivity
    $s = P(+ \mid \text{ill})$ and specificity $c = P(- \mid \text{healthy})$ give the
    likelihoods, and after one positive result

    $$P(\text{ill} \mid +) = \frac{s\,\pi}{s\,\pi + (1 - c)(1 - \pi)}.$$

    Later results update that belief in turn (see
    [`sequential_update`][dlnotes.bayes.sequential_update]), which assumes the results are
    independent given the patient's state: a repeated test makes no correlated errors.

    Args:
        prevalence: $\pi = P(\text{ill})$ before any test.
        sensitivity: $s$, the probability that an ill patient tests positive.
        specificity: $c$, the probability that a healthy patient tests negative.
        results: The results in order, `True` (or 1) for positive.

    Returns:
        A float64 tensor of shape `(T + 1,)`: $P(\text{ill})$ before any result, then after each.

    Raises:
        TypeError: If a probability or a result is not a number.
        ValueError: If a probability is outside [0, 1], a result is a number other than 0
            and 1 (such as 2 or 0.5), `results` is not one-dimensional, or the results are
            impossible (say a negative after a perfect test's positive).

    Examples:
        A rare disease (1%) and a good test (sensitivity 99%, specificity 95%): after one
        positive result the disease has a probability of only about 17%, because the false
        positives of the many healthy people outnumber the true positives of the few ill ones.
        A second positive raises it to about 80%.

        >>> from dlnotes.bayes import diagnostic_posterior
        >>> p = diagnostic_posterior(0.01, 0.99, 0.95, [True, True])
        >>> [round(v, 4) for v in p.tolist()]
        [0.01, 0.1667, 0.7984]
    """
    pi = _check_probability(prevalence, "prevalence")
    s = _check_probability(sensitivity, "sensitivity")
    c = _check_probability(specificity, "specificity")
    positive = _as_binary(results, "results").bool()  # (T,)
    # P(ill), P(healthy)
    prior = torch.tensor([pi, 1 - pi], dtype=torch.float64)
    # P(result | ill), P(result | healthy), for a positive and for a negative result
    if_positive = torch.tensor([s, 1 - c], dtype=torch.float64)
    if_negative = torch.tensor([1 - s, c], dtype=torch.float64)
    likelihoods = torch.where(positive[:, None], if_positive, if_negative)  # (T, 2)
    return sequential_update(prior, likelihoods)[:, 0]


def _as_theta(theta: torch.Tensor | Sequence[float] | float) -> torch.Tensor:
    theta = _as_tensor(theta, "theta", min_ndim=0)
    bad = theta[~((theta >= 0) & (theta <= 1))]  # NaN fails both comparisons
    if bad.numel():
        raise ValueError(f"Invalid theta: values must lie in [0, 1], got {bad[:5].tolist()}")
    return theta


@dataclass(frozen=True)
class BetaBernoulli:
    r"""The Beta posterior of a coin's probability of heads $\theta$.

    With a $\mathrm{Beta}(\alpha, \beta)$ prior, whose density is

    $$p(\theta) = \frac{\theta^{\alpha - 1} (1 - \theta)^{\beta - 1}}{B(\alpha, \beta)},
    \qquad B(\alpha, \beta) = \frac{\Gamma(\alpha)\, \Gamma(\beta)}{\Gamma(\alpha + \beta)},$$

    and $h$ heads in $n$ independent flips, the posterior is again a Beta distribution (the
    Beta prior is *conjugate* to the Bernoulli likelihood; Gelman et al., *Bayesian Data
    Analysis*, 3rd ed., 2013, ch. 2):

    $$p(\theta \mid x_{1:n}) \propto \theta^{h} (1 - \theta)^{n - h}\, p(\theta)
    = \mathrm{Beta}(\theta \mid \alpha + h,\ \beta + n - h).$$

    So $\alpha$ and $\beta$ act as counts of heads and tails seen before the data. The uniform
    prior $\alpha = \beta = 1$ is the case Bayes (1763) solved; its posterior mean
    $(h + 1) / (n + 2)$ is Laplace's rule of succession (1774).

    Objects are immutable: [`update`][dlnotes.bayes.BetaBernoulli.update] returns a new one.

    Attributes:
        alpha: $\alpha > 0$, the prior's pseudo-count of heads.
        beta: $\beta > 0$, the prior's pseudo-count of tails.

    Raises:
        TypeError: If `alpha` or `beta` is not a number.
        ValueError: If `alpha` or `beta` is not a finite number greater than 0.

    Examples:
        >>> from dlnotes.bayes import BetaBernoulli
        >>> coin = BetaBernoulli().update([1, 1, 0, 1])
        >>> coin
        BetaBernoulli(alpha=4.0, beta=2.0)
        >>> round(coin.mean, 4), round(coin.mode, 4), round(coin.variance, 4)
        (0.6667, 0.75, 0.0317)
    """

    alpha: float = 1.0  # pseudo-count of heads; alpha = beta = 1 is the uniform prior
    beta: float = 1.0  # pseudo-count of tails

    def __post_init__(self) -> None:
        for name in ("alpha", "beta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real):
                raise TypeError(f"Invalid {name}: {value!r} (expected a number > 0)")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"Invalid {name}: {value} (expected a finite number > 0)")
            object.__setattr__(self, name, float(value))

    @property
    def mean(self) -> float:
        r"""The posterior mean $\alpha / (\alpha + \beta)$."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> float:
        r"""The variance $\alpha\beta / \big((\alpha + \beta)^2 (\alpha + \beta + 1)\big)$."""
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total**2 * (total + 1))

    @property
    def mode(self) -> float | None:
        r"""The most probable $\theta$, or `None` where there is no single one.

        It is $(\alpha - 1) / (\alpha + \beta - 2)$ when $\alpha, \beta > 1$; 0 or 1 when the
        density rises towards that end only; `None` for the flat $\alpha = \beta = 1$ and for
        $\alpha, \beta < 1$, where the density rises towards both ends.
        """
        a, b = self.alpha, self.beta
        if a > 1 and b > 1:
            return (a - 1) / (a + b - 2)
        if a == b == 1 or (a < 1 and b < 1):
            return None
        return 0.0 if a <= b else 1.0

    def update(self, observations: torch.Tensor | Sequence[int]) -> BetaBernoulli:
        """Returns the posterior after the flips `observations` (1 or True for heads).

        Args:
            observations: A sequence or 1-D tensor of 0/1 values.

        Returns:
            `BetaBernoulli(alpha + heads, beta + tails)`.

        Raises:
            TypeError: If `observations` are not numbers.
            ValueError: If a value is not 0 or 1, or the shape is not `(T,)`.

        Examples:
            >>> from dlnotes.bayes import BetaBernoulli
            >>> BetaBernoulli(2, 2).update([0, 0, 1])
            BetaBernoulli(alpha=3.0, beta=4.0)
        """
        x = _as_binary(observations, "observations")  # (T,)
        heads = x.sum().item()
        return BetaBernoulli(self.alpha + heads, self.beta + (x.numel() - heads))

    def history(self, observations: torch.Tensor | Sequence[int]) -> list[BetaBernoulli]:
        """Returns the belief before any flip and after each one, for plotting its evolution.

        Args:
            observations: A sequence or 1-D tensor of 0/1 values.

        Returns:
            `T + 1` objects; the last equals `self.update(observations)`.

        Raises:
            TypeError: If `observations` are not numbers.
            ValueError: If a value is not 0 or 1, or the shape is not `(T,)`.

        Examples:
            >>> from dlnotes.bayes import BetaBernoulli
            >>> [(b.alpha, b.beta) for b in BetaBernoulli().history([1, 0])]
            [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]
        """
        x = _as_binary(observations, "observations")  # (T,)
        heads = torch.cat([x.new_zeros(1), x.cumsum(0)])  # (T + 1,)
        tails = torch.arange(x.numel() + 1, dtype=x.dtype) - heads  # (T + 1,)
        return [
            BetaBernoulli(self.alpha + h, self.beta + t)
            for h, t in zip(heads.tolist(), tails.tolist(), strict=True)
        ]

    def pdf(self, theta: torch.Tensor | Sequence[float] | float) -> torch.Tensor:
        r"""The density $p(\theta)$, computed in log space with `torch.lgamma`.

        $\Gamma(\alpha)$ overflows float64 beyond $\alpha \approx 171$, but its logarithm does
        not, so the density of a posterior after thousands of flips stays accurate.

        Args:
            theta: Values in [0, 1]; a tensor keeps its floating dtype, numbers give float64.

        Returns:
            A tensor of the shape of `theta` (infinite at 0 if $\alpha < 1$, at 1 if
            $\beta < 1$).

        Raises:
            TypeError: If `theta` is not made of real numbers.
            ValueError: If a value of `theta` lies outside [0, 1].

        Examples:
            >>> from dlnotes.bayes import BetaBernoulli
            >>> [round(p, 4) for p in BetaBernoulli(2, 2).pdf([0.0, 0.5, 1.0]).tolist()]
            [0.0, 1.5, 0.0]
        """
        theta = _as_theta(theta)
        a = torch.tensor(self.alpha, dtype=torch.float64)
        b = torch.tensor(self.beta, dtype=torch.float64)
        # log B(alpha, beta)
        log_beta_fn = torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)
        # xlogy gives 0 * log 0 = 0, so alpha = 1 (or beta = 1) is finite at the ends.
        log_p = (
            torch.xlogy(self.alpha - 1, theta)
            + torch.special.xlog1py(self.beta - 1, -theta)
            - log_beta_fn.to(theta.dtype)
        )
        return log_p.exp()

    def credible_interval(
        self, mass: float = 0.95, *, num_points: int = 20_000
    ) -> tuple[float, float]:
        r"""The equal-tailed interval $[l, u]$ holding `mass` of the posterior probability.

        $$P(\theta < l) = P(\theta > u) = \frac{1 - \text{mass}}{2}$$

        torch has no Beta quantile function, so the CDF is integrated numerically. In
        $z = \operatorname{logit} \theta$, where $\theta = \sigma(z)$ and
        $d\theta = \sigma(z)\, \sigma(-z)\, dz$, the density becomes

        $$p(z) \propto \sigma(z)^{\alpha}\, \sigma(-z)^{\beta},$$

        which is smooth and bounded even where $p(\theta)$ is infinite at 0 or 1 ($\alpha < 1$
        or $\beta < 1$). The cumulative trapezoid rule on `num_points` values
        $z_0 < z_1 < \dots$, a step $h$ apart and spread over the range where $p(z)$ exceeds
        $e^{-40}$ times its peak, gives the CDF at the grid points once its leading error is
        removed (the Euler–Maclaurin correction
        $-\frac{h^2}{12}\big(p'(z_i) - p'(z_0)\big)$). Linear interpolation inverts it, and
        two Newton steps refine each bound, with the CDF between grid points integrated by
        3-point Gauss–Legendre quadrature. With the default grid the CDF at the returned
        bounds is within $10^{-10}$ of its target (checked against the exact CDF for integer
        $\alpha, \beta$ up to 20,000), and, for `mass` up to 0.99, where $\alpha$ or $\beta$
        lies in $[0.05, 1)$ the bounds are within a relative $10^{-7}$ of the exact ones. The
        error shrinks as `num_points`$^{-4}$.
        Parameters much below 0.05 put mass at $\theta < 10^{-300}$ (or as close to 1), beyond
        float64 and the grid, and the interval is then not accurate.

        Args:
            mass: The probability inside the interval, in (0, 1).
            num_points: The number of grid points, at least 2.

        Returns:
            `(lower, upper)`.

        Raises:
            TypeError: If `mass` is not a number or `num_points` not an int.
            ValueError: If `mass` is outside (0, 1) or `num_points` is below 2.

        Examples:
            >>> from dlnotes.bayes import BetaBernoulli
            >>> lower, upper = BetaBernoulli(1, 1).credible_interval(0.9)
            >>> round(lower, 4), round(upper, 4)
            (0.05, 0.95)
        """
        if isinstance(mass, bool) or not isinstance(mass, Real):
            raise TypeError(f"Invalid mass: {mass!r} (expected a number in (0, 1))")
        if not 0 < mass < 1:
            raise ValueError(f"Invalid mass: {mass} (expected a number in (0, 1))")
        if isinstance(num_points, bool) or not isinstance(num_points, int):
            raise TypeError(f"Invalid num_points: {num_points!r} (expected an int)")
        if num_points < 2:
            raise ValueError(f"Invalid num_points: {num_points} (expected at least 2)")

        def log_p(z: torch.Tensor) -> torch.Tensor:
            # log p(z) up to a constant: alpha log sigma(z) + beta log sigma(-z), concave in z
            return self.alpha * F.logsigmoid(z) + self.beta * F.logsigmoid(-z)

        # A coarse pass over all of float64's logit range finds where the mass is; concavity
        # makes that one interval.
        coarse = torch.linspace(-750.0, 750.0, 15_001, dtype=torch.float64)  # step 0.1
        log_p_coarse = log_p(coarse)
        inside = coarse[log_p_coarse >= log_p_coarse.max() - 40]
        lo, hi = inside[0].item() - 0.1, inside[-1].item() + 0.1
        z = torch.linspace(lo, hi, num_points, dtype=torch.float64)  # (N,)
        h = (hi - lo) / (num_points - 1)
        log_p_z = log_p(z)  # (N,)
        log_peak = log_p_z.max()

        def density(z: torch.Tensor) -> torch.Tensor:
            return (log_p(z) - log_peak).exp()  # peak about 1, so that nothing overflows

        p_z = (log_p_z - log_peak).exp()  # (N,)
        # dp/dz = p(z) (alpha sigma(-z) - beta sigma(z)) = p(z) (alpha - (alpha + beta) sigma(z))
        slope = p_z * (self.alpha - (self.alpha + self.beta) * torch.sigmoid(z))  # (N,)
        cdf = torch.cat([z.new_zeros(1), torch.cumulative_trapezoid(p_z, z)])  # (N,)
        # Euler-Maclaurin: the trapezoid rule's error is h^2/12 (p'(z_i) - p'(z_0)) + O(h^4)
        cdf = cdf - h**2 / 12 * (slope - slope[0])
        total = cdf[-1]  # the CDF is left unnormalised, and the targets scaled instead
        q = torch.tensor([(1 - mass) / 2, (1 + mass) / 2], dtype=torch.float64) * total  # (2,)
        # cdf[i - 1] < q <= cdf[i]; linear interpolation in that cell is the first estimate
        i = torch.searchsorted(cdf, q).clamp(1, num_points - 1)  # (2,)
        step = (cdf[i] - cdf[i - 1]).clamp_min(torch.finfo(torch.float64).tiny)
        z_q = z[i - 1] + (q - cdf[i - 1]) / step * (z[i] - z[i - 1])
        # Newton steps on the CDF, integrated from the cell's left end by 3-point Gauss-Legendre
        nodes = torch.tensor([-(0.6**0.5), 0.0, 0.6**0.5], dtype=torch.float64)  # (3,)
        weights = torch.tensor([5 / 9, 8 / 9, 5 / 9], dtype=torch.float64)  # (3,)
        for _ in range(2):
            half = (z_q - z[i - 1]) / 2  # (2,)
            points = (z[i - 1] + half)[:, None] + half[:, None] * nodes  # (2, 3)
            cdf_q = cdf[i - 1] + half * (weights * density(points)).sum(dim=1)  # (2,)
            p_q = density(z_q)
            z_q = torch.where(p_q > 0, z_q - (cdf_q - q) / p_q, z_q)
            z_q = torch.minimum(torch.maximum(z_q, z[i - 1]), z[i])  # stay in the cell
        lower, upper = torch.sigmoid(z_q).tolist()
        return lower, upper
