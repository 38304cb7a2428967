"""Conditional probability and Bayes' theorem over a discrete set of hypotheses.

The functions are listed, and imported, in `dlnotes.bayes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from dlnotes._checks import check_int, check_range
from dlnotes.bayes._inputs import as_binary, as_tensor

__all__ = [
    "conditional",
    "diagnostic_posterior",
    "log_posterior",
    "marginal",
    "posterior",
    "sequential_update",
]


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
    # The broadcasting rule, checked by hand: torch.broadcast_shapes would import sympy.
    pairs = zip(reversed(prior.shape), reversed(likelihood.shape), strict=False)
    ok = prior.shape[-1:] == likelihood.shape[-1:] and all(a == b or 1 in (a, b) for a, b in pairs)
    if not ok:
        raise ValueError(
            f"Shapes do not match: {names} have shapes {tuple(prior.shape)} and "
            f"{tuple(likelihood.shape)} (expected (..., K) with the same K and broadcastable batch dimensions)"
        )


def _check_dim(dim: int, ndim: int, name: str) -> None:
    check_int(name, dim)
    if not -ndim <= dim < ndim:
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
    joint = as_tensor(joint, "joint")
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
    joint = as_tensor(joint, "joint")
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
    prior = as_tensor(prior, "prior")
    likelihood = as_tensor(likelihood, "likelihood")
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
    log_prior = as_tensor(log_prior, "log_prior")
    log_likelihood = as_tensor(log_likelihood, "log_likelihood")
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
    likelihoods = as_tensor(likelihoods, "likelihoods")
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
    pi = check_range("prevalence", prevalence, 0.0, 1.0)
    s = check_range("sensitivity", sensitivity, 0.0, 1.0)
    c = check_range("specificity", specificity, 0.0, 1.0)
    positive = as_binary(results, "results").bool()  # (T,)
    # P(ill), P(healthy)
    prior = torch.tensor([pi, 1 - pi], dtype=torch.float64)
    # P(result | ill), P(result | healthy), for a positive and for a negative result
    if_positive = torch.tensor([s, 1 - c], dtype=torch.float64)
    if_negative = torch.tensor([1 - s, c], dtype=torch.float64)
    likelihoods = torch.where(positive[:, None], if_positive, if_negative)  # (T, 2)
    return sequential_update(prior, likelihoods)[:, 0]
