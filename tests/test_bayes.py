"""Unit tests for dlnotes.bayes: closed forms, torch as the oracle, and error paths."""

from __future__ import annotations

import dataclasses
import itertools
import math
from functools import reduce

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

from dlnotes.bayes import (
    BetaBernoulli,
    conditional,
    diagnostic_posterior,
    log_posterior,
    marginal,
    posterior,
    sequential_update,
)

F64 = torch.float64
JOINT = [[0.3, 0.1], [0.2, 0.4]]  # rows: A, columns: B

# Non-negative weights, kept away from subnormal numbers so that the brute-force oracle (a plain
# product) is exact enough to compare with.
weight = st.one_of(st.just(0.0), st.floats(1e-6, 1e3))


def distributions(draw, k: int) -> torch.Tensor:
    weights = draw(st.lists(weight, min_size=k, max_size=k))
    assume(sum(weights) > 0)
    w = torch.tensor(weights, dtype=F64)
    return w / w.sum()


def beta_cdf_integer(a: int, b: int, x: float) -> float:
    """Exact Beta CDF for integer parameters: P(at least a successes in a + b - 1 trials)."""
    n = a + b - 1
    return sum(math.comb(n, j) * x**j * (1 - x) ** (n - j) for j in range(a, n + 1))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)  # no overflow for z < 0
    return e / (1 + e)


def beta_cdf(a: float, b: float, x: float, y: float) -> float:
    """The regularized incomplete beta function I_x(a, b), with y = 1 - x given separately.

    Its continued fraction, evaluated by the modified Lentz method (Press et al., *Numerical
    Recipes*, 3rd ed., 2007, sec. 6.4), in plain float64: an oracle independent of the grid.
    """
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast below this point
        return 1 - beta_cdf(b, a, y, x)
    log_front = (
        a * math.log(x) + b * math.log(y) + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    )
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    f = d
    for m in range(1, 10_000):
        for num in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + num * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + num / c
            c = c if abs(c) > tiny else tiny
            f *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return math.exp(log_front) * f / a


def beta_quantile(a: float, b: float, q: float) -> float:
    """The Beta(a, b) quantile by bisection in logit space, to a relative 1e-12 or better."""
    lo, hi = -750.0, 750.0
    for _ in range(50):  # 1500 / 2^50 = 1.3e-12 in z, a relative error in theta no larger
        mid = (lo + hi) / 2
        if beta_cdf(a, b, sigmoid(mid), sigmoid(-mid)) < q:
            lo = mid
        else:
            hi = mid
    return sigmoid((lo + hi) / 2)


class TestMarginalAndConditional:
    def test_closed_form(self):
        assert_close(marginal(JOINT, dim=0), torch.tensor([0.4, 0.6], dtype=F64))
        assert_close(marginal(JOINT, dim=-1), torch.tensor([0.5, 0.5], dtype=F64))
        expected = torch.tensor([[0.6, 0.2], [0.4, 0.8]], dtype=F64)
        assert_close(conditional(JOINT, given_dim=1), expected)
        assert_close(
            conditional(JOINT, given_dim=0), torch.tensor([[0.75, 0.25], [1 / 3, 2 / 3]], dtype=F64)
        )

    def test_three_variables(self):
        g = torch.Generator().manual_seed(0)
        joint = torch.rand(2, 3, 4, generator=g, dtype=F64)
        joint /= joint.sum()
        p_b = marginal(joint, dim=1)
        assert_close(p_b, joint.sum(dim=(0, 2)))
        cond = conditional(joint, given_dim=1)
        assert cond.shape == joint.shape
        # each slice is a distribution over the other two variables
        assert_close(cond.sum(dim=(0, 2)), torch.ones(3, dtype=F64))
        # the product rule P(A, B, C) = P(A, C | B) P(B) gives the table back
        assert_close(cond * p_b[None, :, None], joint)

    def test_one_variable(self):
        p = torch.tensor([0.25, 0.75], dtype=F64)
        assert_close(marginal(p, dim=0), p)
        assert_close(conditional(p, given_dim=0), torch.ones(2, dtype=F64))

    def test_bayes_theorem_agrees_with_the_table(self):
        # P(A | B = b) from the table equals Bayes' theorem with prior P(A), likelihood P(B = b | A)
        joint = torch.tensor(JOINT, dtype=F64)
        p_b_given_a = conditional(joint, given_dim=0)  # rows: A
        for b in range(2):
            post = posterior(marginal(joint, dim=0), p_b_given_a[:, b])
            assert_close(post, conditional(joint, given_dim=1)[:, b])

    def test_dtypes(self):
        assert conditional(JOINT, 1).dtype == F64
        assert conditional(torch.tensor(JOINT, dtype=torch.float32), 1).dtype == torch.float32
        assert marginal(torch.tensor([[0, 1], [0, 0]]), 0).dtype == F64

    def test_conditioning_on_an_impossible_event(self):
        with pytest.raises(ValueError, match=r"P\(B\) = 0 at indices \[1\] of dim 1"):
            conditional([[0.5, 0.0], [0.5, 0.0]], given_dim=1)

    @pytest.mark.parametrize(
        ("joint", "match"),
        [
            ([[0.5, -0.1], [0.3, 0.3]], r"Invalid joint: values must be non-negative, got -0.1"),
            ([[0.5, 0.1], [0.3, 0.3]], r"Invalid joint: probabilities must sum to 1"),
            ([[0.5, float("nan")], [0.25, 0.25]], r"Invalid joint: values must be finite"),
            (0.5, r"Invalid joint: expected at least one dimension"),
        ],
    )
    def test_invalid_tables(self, joint, match):
        with pytest.raises(ValueError, match=match):
            marginal(joint, 0)
        with pytest.raises(ValueError, match=match):
            conditional(joint, 0)

    @pytest.mark.parametrize(
        ("dim", "error"), [(2, ValueError), (-3, ValueError), (1.0, TypeError), (True, TypeError)]
    )
    def test_invalid_dim(self, dim, error):
        with pytest.raises(error, match=rf"Invalid given_dim: {dim!r}"):
            conditional(JOINT, given_dim=dim)
        with pytest.raises(error, match=rf"Invalid dim: {dim!r}"):
            marginal(JOINT, dim=dim)

    def test_not_numbers(self):
        with pytest.raises(TypeError, match=r"Invalid joint: \[\['a'"):
            marginal([["a", "b"]], 0)
        with pytest.raises(TypeError, match=r"Invalid joint: expected real numbers"):
            marginal(torch.tensor([1 + 0j]), 0)


class TestPosterior:
    def test_closed_form_and_evidence(self):
        post, p_d = posterior([0.2, 0.3, 0.5], [0.5, 0.1, 0.2], return_evidence=True)
        # P(D) = 0.1 + 0.03 + 0.1
        assert_close(p_d, torch.tensor(0.23, dtype=F64))
        assert_close(post, torch.tensor([0.1, 0.03, 0.1], dtype=F64) / 0.23)

    @settings(max_examples=40, deadline=None)
    @given(st.data())
    def test_matches_the_brute_force_product(self, data):
        k = data.draw(st.integers(1, 8))
        prior = distributions(data.draw, k)
        likelihood = torch.tensor(data.draw(st.lists(weight, min_size=k, max_size=k)), dtype=F64)
        joint = prior * likelihood
        assume(joint.sum() > 0)
        post, p_d = posterior(prior, likelihood, return_evidence=True)
        assert (post >= 0).all()
        assert_close(post.sum(), torch.tensor(1.0, dtype=F64))
        assert_close(post, joint / joint.sum())
        assert_close(p_d, joint.sum())
        # the same in log space (log 0 = -inf for impossible hypotheses)
        log_post, log_p_d = log_posterior(prior.log(), likelihood.log(), return_log_evidence=True)
        assert_close(log_post.exp(), post)
        assert_close(log_p_d, p_d.log())

    def test_batched_rows_are_independent_updates(self):
        g = torch.Generator().manual_seed(1)
        prior = torch.softmax(torch.randn(5, generator=g, dtype=F64), dim=0)
        likelihood = torch.rand(3, 5, generator=g, dtype=F64)
        post, p_d = posterior(prior, likelihood, return_evidence=True)
        assert post.shape == (3, 5) and p_d.shape == (3,)
        for row in range(3):
            assert_close(post[row], posterior(prior, likelihood[row]))

    def test_likelihood_scale_cancels(self):
        prior = torch.tensor([0.1, 0.6, 0.3], dtype=F64)
        likelihood = torch.tensor([2.0, 1.0, 3.0], dtype=F64)
        post, p_d = posterior(prior, likelihood, return_evidence=True)
        # densities above 1 are fine, and likelihoods near the bottom of float64 do not underflow
        tiny_post, tiny_p_d = posterior(prior, likelihood * 1e-300, return_evidence=True)
        assert_close(tiny_post, post)
        assert_close(tiny_p_d, p_d * 1e-300)

    def test_gradients_match_softmax(self):
        g = torch.Generator().manual_seed(2)
        prior = torch.softmax(torch.randn(4, generator=g, dtype=F64), 0).requires_grad_()
        likelihood = torch.rand(4, generator=g, dtype=F64).add(0.1).requires_grad_()
        weights = torch.randn(4, generator=g, dtype=F64)
        (posterior(prior, likelihood) * weights).sum().backward()
        ours = prior.grad.clone(), likelihood.grad.clone()
        prior.grad = likelihood.grad = None
        (torch.softmax(prior.log() + likelihood.log(), 0) * weights).sum().backward()
        assert_close(ours, (prior.grad, likelihood.grad))
        assert torch.autograd.gradcheck(lambda lik: posterior(prior.detach(), lik), (likelihood,))

    def test_dtypes(self):
        assert posterior([0.5, 0.5], [1, 2]).dtype == F64
        p32 = torch.tensor([0.5, 0.5])
        assert posterior(p32, torch.tensor([0.2, 0.4])).dtype == torch.float32

    def test_zero_evidence(self):
        with pytest.raises(ValueError, match=r"evidence P\(D\) is 0"):
            posterior([1.0, 0.0], [0.0, 0.7])

    @pytest.mark.parametrize(
        ("prior", "likelihood", "error", "match"),
        [
            ([0.5, 0.6], [1.0, 1.0], ValueError, r"Invalid prior: probabilities must sum to 1"),
            ([1.5, -0.5], [1.0, 1.0], ValueError, r"Invalid prior: .*non-negative, got -0.5"),
            ([0.5, 0.5], [1.0, -2.0], ValueError, r"Invalid likelihood: .*non-negative, got -2"),
            ([0.5, 0.5], [1.0, math.inf], ValueError, r"Invalid likelihood: values must be finite"),
            ([0.5, 0.5], [1.0, 1.0, 1.0], ValueError, r"shapes \(2,\) and \(3,\)"),
            ([[0.5, 0.5]] * 2, [[1.0, 1.0]] * 3, ValueError, r"shapes \(2, 2\) and \(3, 2\)"),
            ([0.5, 0.5], ["x", "y"], TypeError, r"Invalid likelihood: \['x', 'y'\]"),
        ],
    )
    def test_invalid_arguments(self, prior, likelihood, error, match):
        with pytest.raises(error, match=match):
            posterior(prior, likelihood)


class TestLogPosterior:
    def test_likelihoods_that_underflow(self):
        log_prior = torch.tensor([0.2, 0.8], dtype=F64).log()
        log_likelihood = torch.tensor([-1000.0, -1002.0], dtype=F64)
        assert posterior(log_prior.exp(), log_likelihood.exp().add(1e-320)).isfinite().all()
        log_post, log_p_d = log_posterior(log_prior, log_likelihood, return_log_evidence=True)
        assert_close(log_post, torch.log_softmax(log_prior + log_likelihood, dim=0))
        assert_close(log_p_d, torch.logsumexp(log_prior + log_likelihood, dim=0))
        # 0.2 / (0.2 + 0.8 e^-2)
        assert_close(log_post[0].exp(), torch.tensor(0.2 / (0.2 + 0.8 * math.exp(-2)), dtype=F64))

    def test_batched(self):
        log_prior = torch.tensor([0.5, 0.5], dtype=F64).log()
        log_likelihood = torch.tensor([[0.0, -1.0], [-1.0, 0.0]], dtype=F64)
        log_post = log_posterior(log_prior, log_likelihood)
        assert_close(log_post, torch.log_softmax(log_likelihood, dim=-1))

    def test_zero_evidence(self):
        with pytest.raises(ValueError, match=r"evidence P\(D\) is 0"):
            log_posterior([0.0, -math.inf], [-math.inf, 0.0])

    @pytest.mark.parametrize(
        ("log_prior", "log_likelihood", "match"),
        [
            ([math.log(0.5), math.log(0.6)], [0.0, 0.0], r"Invalid log_prior: .*sum to 1"),
            ([math.nan, 0.0], [0.0, 0.0], r"Invalid log_prior: values must not be NaN or \+inf"),
            ([0.0, -math.inf], [0.0, math.inf], r"Invalid log_likelihood: .*NaN or \+inf"),
            ([0.0, -math.inf], [0.0], r"shapes \(2,\) and \(1,\)"),
        ],
    )
    def test_invalid_arguments(self, log_prior, log_likelihood, match):
        with pytest.raises(ValueError, match=match):
            log_posterior(log_prior, log_likelihood)


class TestSequentialUpdate:
    def test_closed_form(self):
        beliefs = sequential_update([0.5, 0.5], [[0.8, 0.2], [0.8, 0.2], [0.2, 0.8]])
        odds = torch.tensor([1.0, 4.0, 16.0, 4.0], dtype=F64)  # P(H1) / P(H2) after each step
        assert_close(beliefs, torch.stack([odds / (1 + odds), 1 / (1 + odds)], dim=1))

    @settings(max_examples=25, deadline=None)
    @given(st.data())
    def test_equals_one_update_with_the_product(self, data):
        k = data.draw(st.integers(1, 5))
        t = data.draw(st.integers(0, 6))
        prior = distributions(data.draw, k)
        rows = [
            data.draw(st.lists(st.floats(1e-3, 10.0), min_size=k, max_size=k)) for _ in range(t)
        ]
        likelihoods = torch.tensor(rows, dtype=F64).reshape(t, k)
        beliefs = sequential_update(prior, likelihoods)
        assert beliefs.shape == (t + 1, k)
        assert_close(beliefs[0], prior)
        # independent observations: P(d_1:T | H) = prod_t P(d_t | H)
        assert_close(beliefs[-1], posterior(prior, likelihoods.prod(dim=0)))
        for step in range(t):  # each posterior is the next prior
            assert_close(beliefs[step + 1], posterior(beliefs[step], likelihoods[step]))

    def test_batched(self):
        g = torch.Generator().manual_seed(3)
        likelihoods = torch.rand(4, 2, 3, generator=g, dtype=F64)  # (T, batch, K)
        beliefs = sequential_update(torch.full((3,), 1 / 3, dtype=F64), likelihoods)
        assert beliefs.shape == (5, 2, 3)
        for b in range(2):
            assert_close(
                beliefs[:, b], sequential_update(torch.full((3,), 1 / 3), likelihoods[:, b])
            )

    def test_names_the_impossible_observation(self):
        with pytest.raises(ValueError, match=r"At observation 1: The evidence P\(D\) is 0"):
            sequential_update([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]])

    def test_invalid_arguments(self):
        with pytest.raises(
            ValueError, match=r"Invalid likelihoods: expected shape \(T, K\), got \(2,\)"
        ):
            sequential_update([0.5, 0.5], [0.5, 0.5])
        with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
            sequential_update([0.5, 0.5], [[0.5, 0.5, 0.5]])
        with pytest.raises(ValueError, match=r"At observation 0: Invalid likelihood: .*got -1"):
            sequential_update([0.5, 0.5], [[0.5, -1.0]])


class TestDiagnosticPosterior:
    def test_lecture_numbers(self):
        p = diagnostic_posterior(0.01, 0.99, 0.95, [True, True])
        assert p.dtype == F64
        assert_close(p, torch.tensor([0.01, 1 / 6, 0.99 / 1.24], dtype=F64))

    @settings(max_examples=40, deadline=None)
    @given(st.floats(0.001, 0.999), st.floats(0.001, 0.999), st.floats(0.001, 0.999), st.booleans())
    def test_one_result_closed_form(self, pi, s, c, positive):
        p = diagnostic_posterior(pi, s, c, [positive])
        if positive:
            expected = s * pi / (s * pi + (1 - c) * (1 - pi))
        else:
            expected = (1 - s) * pi / ((1 - s) * pi + c * (1 - pi))
        assert_close(p, torch.tensor([pi, expected], dtype=F64))

    def test_order_does_not_matter_and_inputs_may_be_tensors(self):
        a = diagnostic_posterior(0.1, 0.9, 0.8, [True, False, True])
        b = diagnostic_posterior(0.1, 0.9, 0.8, torch.tensor([0, 1, 1]))
        assert_close(a[-1], b[-1])
        assert diagnostic_posterior(0.1, 0.9, 0.8, []).tolist() == [0.1]

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            ((1.5, 0.9, 0.9, [True]), ValueError, r"Invalid prevalence: 1.5"),
            ((0.1, -0.1, 0.9, [True]), ValueError, r"Invalid sensitivity: -0.1"),
            ((0.1, 0.9, math.nan, [True]), ValueError, r"Invalid specificity: nan"),
            ((0.1, "0.9", 0.9, [True]), TypeError, r"Invalid sensitivity: '0.9'"),
            (
                (0.1, 0.9, 0.9, [1, 2]),
                ValueError,
                r"Invalid results: values must be 0 or 1, got \[2.0\]",
            ),
            (
                (0.1, 0.9, 0.9, [[1]]),
                ValueError,
                r"Invalid results: expected shape \(T,\), got \(1, 1\)",
            ),
            (
                (0.1, 0.9, 0.9, [0.5]),
                ValueError,
                r"Invalid results: values must be 0 or 1, got \[0.5\]",
            ),
            ((0.1, 0.9, 0.9, ["+"]), TypeError, r"Invalid results: \['\+'\]"),
            ((0.1, 0.9, 0.9, [None]), TypeError, r"Invalid results: \[None\]"),
            ((1.0, 1.0, 0.9, [False]), ValueError, r"At observation 0: The evidence P\(D\) is 0"),
        ],
    )
    def test_invalid_arguments(self, args, error, match):
        with pytest.raises(error, match=match):
            diagnostic_posterior(*args)

    def test_raises_section_matches_the_errors(self):
        # TypeError for a result that is not a number, ValueError for a number other than 0, 1
        raises = diagnostic_posterior.__doc__.split("Raises:")[1].split("Examples:")[0]
        type_error, value_error = raises.split("ValueError:")
        assert "result is not a number" in type_error and "0/1" not in type_error
        assert "result is a number other than 0" in " ".join(value_error.split())
        with pytest.raises(TypeError, match=r"Invalid results: \['a'\]"):
            diagnostic_posterior(0.1, 0.9, 0.9, ["a"])
        with pytest.raises(ValueError, match=r"Invalid results: values must be 0 or 1"):
            diagnostic_posterior(0.1, 0.9, 0.9, [2])


class TestBetaBernoulli:
    def test_defaults_and_immutability(self):
        coin = BetaBernoulli()
        assert (coin.alpha, coin.beta) == (1.0, 1.0)
        assert isinstance(BetaBernoulli(2, 3).alpha, float)
        with pytest.raises(dataclasses.FrozenInstanceError):
            coin.alpha = 2.0
        updated = coin.update([1])
        assert (coin.alpha, updated.alpha) == (1.0, 2.0)

    @settings(max_examples=40, deadline=None)
    @given(
        st.floats(0.1, 50.0),
        st.floats(0.1, 50.0),
        st.lists(st.sampled_from([0, 1]), max_size=30),
    )
    def test_conjugate_update(self, alpha, beta, flips):
        prior = BetaBernoulli(alpha, beta)
        post = prior.update(flips)
        h, n = sum(flips), len(flips)
        assert (post.alpha, post.beta) == pytest.approx((alpha + h, beta + n - h))
        assert post.mean == pytest.approx((alpha + h) / (alpha + beta + n))
        # one flip at a time gives the same Beta as all at once
        one_by_one = reduce(lambda b, x: b.update([x]), flips, prior)
        assert (one_by_one.alpha, one_by_one.beta) == pytest.approx((post.alpha, post.beta))
        history = prior.history(flips)
        assert len(history) == n + 1 and history[0] == prior
        assert (history[-1].alpha, history[-1].beta) == pytest.approx((post.alpha, post.beta))

    def test_observation_types(self):
        expected = BetaBernoulli(3.0, 2.0)
        assert BetaBernoulli().update([True, False, True]) == expected
        assert BetaBernoulli().update(torch.tensor([1, 0, 1])) == expected
        assert BetaBernoulli().update(torch.tensor([1.0, 0.0, 1.0])) == expected
        assert BetaBernoulli().update(torch.tensor([True, False, True])) == expected
        assert BetaBernoulli().update([]) == BetaBernoulli()

    def test_history(self):
        steps = BetaBernoulli(2, 2).history([1, 1, 0])
        assert [(b.alpha, b.beta) for b in steps] == [(2, 2), (3, 2), (4, 2), (4, 3)]

    @pytest.mark.parametrize(
        ("alpha", "beta"), [(3, 2), (1, 1), (0.5, 0.5), (0.5, 2), (2, 0.5), (1, 3), (3, 1), (40, 7)]
    )
    def test_moments_match_torch(self, alpha, beta):
        coin = BetaBernoulli(alpha, beta)
        oracle = torch.distributions.Beta(
            torch.tensor(float(alpha), dtype=F64), torch.tensor(float(beta), dtype=F64)
        )
        assert coin.mean == pytest.approx(oracle.mean.item(), rel=1e-12)
        assert coin.variance == pytest.approx(oracle.variance.item(), rel=1e-12)
        if coin.mode is None:
            assert (alpha, beta) in [(1, 1), (0.5, 0.5)]
        else:
            assert coin.mode == pytest.approx(oracle.mode.item(), rel=1e-12)

    @pytest.mark.parametrize(
        ("alpha", "beta"), [(1, 1), (2, 5), (0.5, 0.5), (0.3, 4), (3000, 7000)]
    )
    def test_pdf_matches_torch(self, alpha, beta):
        theta = torch.linspace(0.001, 0.999, 999, dtype=F64)
        oracle = torch.distributions.Beta(
            torch.tensor(float(alpha), dtype=F64), torch.tensor(float(beta), dtype=F64)
        )
        assert_close(
            BetaBernoulli(alpha, beta).pdf(theta),
            oracle.log_prob(theta).exp(),
            rtol=1e-10,
            atol=1e-300,
        )

    def test_pdf_at_the_ends_and_dtypes(self):
        ends = [0.0, 1.0]
        assert BetaBernoulli(1, 1).pdf(ends).tolist() == [1.0, 1.0]
        assert BetaBernoulli(2, 1).pdf(ends).tolist() == [0.0, 2.0]
        assert BetaBernoulli(0.5, 2).pdf(ends).tolist()[0] == math.inf
        assert BetaBernoulli(2, 2).pdf(0.5).dtype == F64
        assert BetaBernoulli(2, 2).pdf(torch.tensor([0.5])).dtype == torch.float32
        assert_close(BetaBernoulli(2, 2).pdf(0.5), torch.tensor(1.5, dtype=F64))

    def test_pdf_integrates_to_one(self):
        theta = torch.linspace(0, 1, 20_001, dtype=F64)
        area = torch.trapezoid(BetaBernoulli(7, 3).pdf(theta), theta)
        assert_close(area, torch.tensor(1.0, dtype=F64))

    def test_grid_posterior_converges_to_the_beta(self):
        flips = torch.tensor([1, 0, 1, 1, 0, 1, 1, 1])
        h, n = flips.sum().item(), flips.numel()
        exact = BetaBernoulli(1, 1).update(flips)
        errors = []
        for m in (50, 500, 5000):
            theta = (torch.arange(m, dtype=F64) + 0.5) / m  # cell midpoints
            likelihood = theta**h * (1 - theta) ** (n - h)  # Bernoulli, independent flips
            post = posterior(torch.full((m,), 1 / m, dtype=F64), likelihood)
            density = post * m  # probability per cell / cell width
            errors.append((density - exact.pdf(theta)).abs().max().item())
        assert errors[0] > errors[1] > errors[2]
        assert errors[2] < 1e-5

    @pytest.mark.parametrize(
        ("alpha", "beta"), [(1, 1), (2, 1), (4, 2), (2, 9), (30, 70), (1, 200)]
    )
    def test_credible_interval_against_the_exact_cdf(self, alpha, beta):
        lower, upper = BetaBernoulli(alpha, beta).credible_interval(0.95)
        assert beta_cdf_integer(alpha, beta, lower) == pytest.approx(0.025, abs=1e-10)
        assert beta_cdf_integer(alpha, beta, upper) == pytest.approx(0.975, abs=1e-10)

    @pytest.mark.parametrize("small", [0.05, 0.07, 0.2, 0.5, 0.99])
    def test_credible_interval_with_a_parameter_below_one(self, small):
        # The documented accuracy, a relative 1e-7, where alpha or beta lies in [0.05, 1).
        # Linear interpolation of the trapezoid CDF alone missed 1e-4 (3e-4 for Beta(0.05, 10)).
        worst = (0.0,)
        for other, mass in itertools.product([0.5, 1, 3, 10, 30, 100], [0.5, 0.9, 0.95, 0.99]):
            for a, b in ((small, other), (other, small)):
                bounds = BetaBernoulli(a, b).credible_interval(mass)
                for bound, q in zip(bounds, ((1 - mass) / 2, (1 + mass) / 2), strict=True):
                    exact = beta_quantile(a, b, q)
                    worst = max(worst, (abs(bound - exact) / exact, a, b, mass))
        assert worst[0] < 1e-7, worst

    def test_credible_interval_error_shrinks_as_num_points_to_the_fourth(self):
        exact = beta_quantile(0.05, 10, 0.995)
        errors = [
            abs(BetaBernoulli(0.05, 10).credible_interval(0.99, num_points=n)[1] - exact) / exact
            for n in (2_500, 5_000)
        ]
        assert errors[0] / errors[1] > 10  # 16 for num_points^-4, 4 for num_points^-2

    @pytest.mark.parametrize("mass", [0.5, 0.9, 0.99])
    def test_credible_interval_closed_forms(self, mass):
        q_lo, q_hi = (1 - mass) / 2, (1 + mass) / 2
        # Beta(a, 1): F(x) = x^a, infinite at 0 when a < 1
        for a in (0.1, 0.5, 3.0):
            got = BetaBernoulli(a, 1).credible_interval(mass)
            assert got == pytest.approx((q_lo ** (1 / a), q_hi ** (1 / a)), rel=1e-7)
        # Beta(1/2, 1/2), the arcsine law: F(x) = (2 / pi) arcsin(sqrt(x)), infinite at both ends
        expected = (math.sin(math.pi * q_lo / 2) ** 2, math.sin(math.pi * q_hi / 2) ** 2)
        assert BetaBernoulli(0.5, 0.5).credible_interval(mass) == pytest.approx(expected, rel=1e-7)

    def test_credible_intervals_nest_and_narrow(self):
        coin = BetaBernoulli(3, 4)
        lo_90, hi_90 = coin.credible_interval(0.9)
        lo_95, hi_95 = coin.credible_interval(0.95)
        assert lo_95 < lo_90 < coin.mean < hi_90 < hi_95
        narrower = coin.update([1, 0] * 50).credible_interval(0.95)
        assert narrower[1] - narrower[0] < hi_95 - lo_95

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"alpha": 0}, ValueError, r"Invalid alpha: 0"),
            ({"beta": -1.0}, ValueError, r"Invalid beta: -1.0"),
            ({"alpha": math.inf}, ValueError, r"Invalid alpha: inf"),
            ({"beta": math.nan}, ValueError, r"Invalid beta: nan"),
            ({"alpha": True}, TypeError, r"Invalid alpha: True"),
            ({"beta": "2"}, TypeError, r"Invalid beta: '2'"),
        ],
    )
    def test_invalid_parameters(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            BetaBernoulli(**kwargs)

    def test_invalid_observations_theta_and_mass(self):
        coin = BetaBernoulli()
        with pytest.raises(
            ValueError, match=r"Invalid observations: values must be 0 or 1, got \[0.5, 2.0\]"
        ):
            coin.update([1, 0.5, 2])
        with pytest.raises(
            ValueError, match=r"Invalid observations: expected shape \(T,\), got \(\)"
        ):
            coin.history(1)
        with pytest.raises(TypeError, match=r"Invalid observations: 'HT'"):
            coin.update("HT")
        with pytest.raises(
            ValueError, match=r"Invalid theta: values must lie in \[0, 1\], got \[1.5, nan\]"
        ):
            coin.pdf([0.5, 1.5, math.nan])
        with pytest.raises(ValueError, match=r"Invalid mass: 1.0"):
            coin.credible_interval(1.0)
        with pytest.raises(TypeError, match=r"Invalid mass: '0.9'"):
            coin.credible_interval("0.9")
        with pytest.raises(ValueError, match=r"Invalid num_points: 1"):
            coin.credible_interval(num_points=1)
