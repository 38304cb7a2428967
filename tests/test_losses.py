"""Unit tests for dlnotes.losses: torch.nn.functional is the oracle, in float64."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnotes.activations import log_softmax
from dlnotes.losses import cross_entropy, l1_loss, mse_loss, nll_loss

DT = torch.float64
REDUCTIONS = ["mean", "sum", "none"]
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int = 0, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(shape, generator=_gen(seed), dtype=DT) * scale


def _copy(x, requires_grad: bool):
    if isinstance(x, torch.Tensor):
        return x.detach().clone().requires_grad_(requires_grad)
    return x


def assert_matches_torch(
    ours, theirs, *args, grad_of=(0, 1), equal_nan: bool = False, **kwargs
) -> None:
    """Same value, and same gradient w.r.t. the floating-point arguments at `grad_of`."""
    grad = [
        i in grad_of and isinstance(x, torch.Tensor) and x.is_floating_point()
        for i, x in enumerate(args)
    ]
    a = [_copy(x, g) for x, g in zip(args, grad, strict=True)]
    b = [_copy(x, g) for x, g in zip(args, grad, strict=True)]
    out_a = ours(*a, **kwargs)
    out_b = theirs(*b, **kwargs)
    torch.testing.assert_close(out_a, out_b, equal_nan=equal_nan, **TOL)
    # A random upstream gradient, so that "none" is checked element by element.
    upstream = torch.randn(out_a.shape, generator=_gen(99), dtype=DT)
    (out_a * upstream).sum().backward()
    (out_b * upstream).sum().backward()
    for x, y, g in zip(a, b, grad, strict=True):
        if g:
            torch.testing.assert_close(x.grad, y.grad, equal_nan=equal_nan, **TOL)


# --- Regression ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), ()])
@pytest.mark.parametrize(("ours", "theirs"), [(mse_loss, F.mse_loss), (l1_loss, F.l1_loss)])
def test_regression_losses_match_torch(ours, theirs, shape, reduction):
    y_hat, y = _randn(*shape, seed=1), _randn(*shape, seed=2)
    assert_matches_torch(ours, theirs, y_hat, y, reduction=reduction)


def test_l1_gradient_is_zero_where_error_is_zero():
    y_hat = torch.tensor([1.0, 2.0, 3.0], dtype=DT, requires_grad=True)
    l1_loss(y_hat, torch.tensor([1.0, 0.0, 5.0], dtype=DT), reduction="sum").backward()
    torch.testing.assert_close(y_hat.grad, torch.tensor([0.0, 1.0, -1.0], dtype=DT))


def test_empty_mean_is_nan_like_torch():
    empty = torch.empty(0, dtype=DT)
    assert torch.isnan(mse_loss(empty, empty)) and torch.isnan(F.mse_loss(empty, empty))


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 6),
    m=st.integers(1, 4),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(REDUCTIONS),
)
def test_regression_hypothesis(n, m, scale, seed, reduction):
    y_hat, y = _randn(n, m, seed=seed, scale=scale), _randn(n, m, seed=seed + 1)
    assert_matches_torch(mse_loss, F.mse_loss, y_hat, y, reduction=reduction)
    assert_matches_torch(l1_loss, F.l1_loss, y_hat, y, reduction=reduction)


# --- log_softmax --------------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "dim"), [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1)])
def test_log_softmax_matches_torch(shape, dim):
    assert_matches_torch(log_softmax, torch.log_softmax, _randn(*shape, seed=3), dim)


def test_log_softmax_is_stable_for_huge_logits():
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]], dtype=DT)
    out = log_softmax(logits, dim=1)
    assert torch.isfinite(out).all()
    assert_matches_torch(log_softmax, torch.log_softmax, logits, 1)
    # The naive formula overflows: the test would fail without the shift.
    assert not torch.isfinite((logits.exp() / logits.exp().sum(1, keepdim=True)).log()).all()


def test_log_softmax_handles_masked_logits():
    logits = torch.tensor([0.0, float("-inf"), 1.0], dtype=DT)
    torch.testing.assert_close(log_softmax(logits, 0), torch.log_softmax(logits, 0))


# --- nll_loss and cross_entropy -----------------------------------------------------------------

TARGET = torch.tensor([0, 1, 3, 3, 2, 1])  # 6 examples over 4 classes


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    log_probs = torch.log_softmax(_randn(6, 4, seed=4), dim=1)
    assert_matches_torch(nll_loss, F.nll_loss, log_probs, TARGET, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_torch(reduction):
    logits = _randn(6, 4, seed=5, scale=3.0)
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, TARGET, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_spatial_inputs_match_torch(reduction):
    logits = _randn(2, 4, 3, 5, seed=6)  # (N, C, H, W)
    target = torch.randint(0, 4, (2, 3, 5), generator=_gen(7))
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, target, reduction=reduction)
    log_probs = torch.log_softmax(logits, dim=1)
    assert_matches_torch(nll_loss, F.nll_loss, log_probs, target, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_input_matches_torch(reduction):
    logits, target = _randn(5, seed=8), torch.tensor(3)
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, target, reduction=reduction)
    assert_matches_torch(nll_loss, F.nll_loss, logits, target, reduction=reduction)


def test_cross_entropy_is_nll_of_log_softmax():
    logits = _randn(6, 4, seed=9)
    torch.testing.assert_close(
        cross_entropy(logits, TARGET), nll_loss(log_softmax(logits, 1), TARGET), rtol=0, atol=0
    )


def test_gradient_is_softmax_minus_onehot_over_n():
    logits = _randn(5, 3, seed=0).requires_grad_(True)
    target = torch.tensor([0, 2, 1, 1, 0])
    (3.0 * cross_entropy(logits, target)).backward()  # the upstream gradient scales the result
    expected = 3.0 * (torch.softmax(logits.detach(), 1) - F.one_hot(target, 3)) / 5
    torch.testing.assert_close(logits.grad, expected, **TOL)


def test_any_integer_target_dtype_is_accepted():
    logits = _randn(6, 4, seed=11)
    expected = cross_entropy(logits, TARGET)
    for dtype in (torch.int32, torch.int16, torch.uint8):
        torch.testing.assert_close(cross_entropy(logits, TARGET.to(dtype)), expected)


def test_empty_batch_mean_is_nan_like_torch():
    logits, target = torch.empty(0, 4, dtype=DT), torch.empty(0, dtype=torch.long)
    assert torch.isnan(cross_entropy(logits, target))
    assert torch.isnan(F.cross_entropy(logits, target))


def test_cross_entropy_extreme_logits():
    logits = torch.tensor(
        [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [0.0, 0.0, 1000.0]], dtype=DT
    )
    target = torch.tensor([1, 0, 2])
    assert torch.isfinite(cross_entropy(logits, target, reduction="none")).all()
    for reduction in REDUCTIONS:
        assert_matches_torch(cross_entropy, F.cross_entropy, logits, target, reduction=reduction)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    c=st.integers(1, 12),
    scale=st.sampled_from([1e-3, 1.0, 30.0, 1000.0]),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(REDUCTIONS),
)
def test_cross_entropy_hypothesis(n, c, scale, seed, reduction):
    logits = _randn(n, c, seed=seed, scale=scale)
    target = torch.randint(0, c, (n,), generator=_gen(seed))
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, target, reduction=reduction)


def test_gradients_pass_central_differences():
    logits = _randn(4, 3, seed=20).requires_grad_(True)
    target = torch.tensor([0, 2, 0, 1])
    assert torch.autograd.gradcheck(lambda x: cross_entropy(x, target), (logits,))
    assert torch.autograd.gradgradcheck(lambda x: cross_entropy(x, target), (logits,))


# --- cross_entropy with class probabilities -----------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (4,), (2, 4, 3)])
def test_probability_targets_match_torch(shape, reduction):
    class_dim = 0 if len(shape) == 1 else 1
    probs = torch.softmax(_randn(*shape, seed=12), dim=class_dim)
    # The gradient w.r.t. the target is compared too: soft targets can be learned.
    logits = _randn(*shape, seed=13, scale=2.0)
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, probs, reduction=reduction)


def test_one_hot_probabilities_equal_class_indices():
    logits = _randn(6, 4, seed=14)
    one_hot = F.one_hot(TARGET, 4).to(DT)
    torch.testing.assert_close(cross_entropy(logits, one_hot), cross_entropy(logits, TARGET))


# --- Errors -------------------------------------------------------------------------------------

X = _randn(3, 4, seed=24)
Y = torch.tensor([0, 1, 2])


@pytest.mark.parametrize(
    "call",
    [
        lambda r: mse_loss(X, X, reduction=r),
        lambda r: l1_loss(X, X, reduction=r),
        lambda r: nll_loss(X, Y, reduction=r),
        lambda r: cross_entropy(X, Y, reduction=r),
    ],
)
def test_invalid_reduction(call):
    with pytest.raises(ValueError, match=r"Invalid reduction: 'average'"):
        call("average")


@pytest.mark.parametrize("fn", [mse_loss, l1_loss])
def test_shape_mismatch_names_both_shapes(fn):
    with pytest.raises(ValueError, match=r"input has shape \(3, 1\), target has shape \(3,\)"):
        fn(torch.zeros(3, 1, dtype=DT), torch.zeros(3, dtype=DT))


def test_class_target_shape_mismatch():
    with pytest.raises(ValueError, match=r"input of shape \(3, 4\) needs target of shape \(3,\)"):
        cross_entropy(X, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"got \(3, 4\)"):
        nll_loss(X, torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"input has shape \(3, 4\), target has shape \(3, 2\)"):
        cross_entropy(X, torch.zeros(3, 2, dtype=DT))
    with pytest.raises(ValueError, match=r"class dimension, got shape \(\)"):
        cross_entropy(torch.tensor(1.0), torch.tensor(0))


@pytest.mark.parametrize("fn", [nll_loss, cross_entropy])
@pytest.mark.parametrize("bad", [4, 7, -1, -100])
def test_class_index_out_of_range_names_it(fn, bad):
    with pytest.raises(ValueError, match=rf"Target class index {bad} is out of range for 4"):
        fn(X, torch.tensor([0, bad, 1]))


def test_wrong_dtypes():
    with pytest.raises(TypeError, match=r"input to have a floating-point dtype, got torch.int64"):
        mse_loss(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"target to have a floating-point dtype, got torch.int64"):
        l1_loss(torch.zeros(2), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match=r"integer class indices, got torch.float64"):
        nll_loss(X, torch.zeros(3, dtype=DT))
    with pytest.raises(TypeError, match=r"integer class indices, got torch.complex64"):
        cross_entropy(X, torch.zeros(3, dtype=torch.complex64))
    with pytest.raises(TypeError, match=r"integer class indices, got torch.bool"):
        cross_entropy(X, torch.tensor([True, False, True]))
    with pytest.raises(TypeError, match=r"input to have a floating-point dtype, got torch.int64"):
        cross_entropy(torch.zeros(3, 4, dtype=torch.long), Y)
    with pytest.raises(TypeError, match=r"Expected input to be a torch.Tensor, got list"):
        mse_loss([1.0], torch.zeros(1))
    with pytest.raises(TypeError, match=r"Expected target to be a torch.Tensor, got list"):
        cross_entropy(X, [0, 1, 2])
