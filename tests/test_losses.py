"""Unit tests for dlnotes.losses: torch.nn.functional is the oracle, in float64."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnotes.activations import log_softmax
from dlnotes.losses import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)

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
    """Same value, and same gradient w.r.t. the floating-point arguments at `grad_of`.

    By default these are the input and the target (torch has no gradient for class weights).
    """
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


# --- nll_loss and cross_entropy with class indices ----------------------------------------------

WEIGHT = torch.tensor([0.2, 1.0, 3.0, 0.7], dtype=DT)
# Targets for 6 examples over 4 classes; -100 and 1 serve as ignored values in some cases.
TARGET = torch.tensor([0, 1, 3, -100, 2, 1])


def _ignore_cases():
    # (targets, ignore_index): nothing ignored, the default -100 present, a real class ignored.
    return [
        (torch.tensor([0, 1, 3, 3, 2, 1]), -100),
        (TARGET, -100),
        (torch.tensor([0, 1, 3, 3, 2, 1]), 1),
    ]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", range(3))
def test_nll_loss_matches_torch(case, weight, reduction):
    target, ignore_index = _ignore_cases()[case]
    log_probs = torch.log_softmax(_randn(6, 4, seed=4), dim=1)
    assert_matches_torch(
        nll_loss,
        F.nll_loss,
        log_probs,
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
    )


@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", range(3))
def test_cross_entropy_matches_torch(case, weight, reduction, label_smoothing):
    target, ignore_index = _ignore_cases()[case]
    assert_matches_torch(
        cross_entropy,
        F.cross_entropy,
        _randn(6, 4, seed=5, scale=3.0),
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_full_label_smoothing_matches_torch(reduction):
    # eps = 1: the target is uniform and the class index only matters through ignore_index.
    assert_matches_torch(
        cross_entropy,
        F.cross_entropy,
        _randn(6, 4, seed=5),
        TARGET,
        WEIGHT,
        reduction=reduction,
        label_smoothing=1.0,
    )


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
def test_spatial_inputs_match_torch(weight, reduction, label_smoothing):
    logits = _randn(2, 4, 3, 5, seed=6)  # (N, C, H, W)
    target = torch.randint(0, 4, (2, 3, 5), generator=_gen(7))
    target[0, 1, 2] = -100
    assert_matches_torch(
        cross_entropy,
        F.cross_entropy,
        logits,
        target,
        weight,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    log_probs = torch.log_softmax(logits, dim=1)
    assert_matches_torch(nll_loss, F.nll_loss, log_probs, target, weight, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_input_matches_torch(reduction):
    logits, target = _randn(5, seed=8), torch.tensor(3)
    assert_matches_torch(
        cross_entropy,
        F.cross_entropy,
        logits,
        target,
        WEIGHT.repeat(2)[:5],
        reduction=reduction,
        label_smoothing=0.1,
    )
    assert_matches_torch(nll_loss, F.nll_loss, logits, target, reduction=reduction)


def test_cross_entropy_is_nll_of_log_softmax():
    logits, target = _randn(6, 4, seed=9), torch.tensor([0, 1, 3, 3, 2, 1])
    torch.testing.assert_close(
        cross_entropy(logits, target, WEIGHT), nll_loss(log_softmax(logits, 1), target, WEIGHT)
    )


def test_all_targets_ignored_gives_nan_like_torch():
    logits, target = _randn(3, 4, seed=10), torch.full((3,), -100)
    for smoothing in (0.0, 0.1):
        assert_matches_torch(
            cross_entropy,
            F.cross_entropy,
            logits,
            target,
            label_smoothing=smoothing,
            equal_nan=True,
        )
    assert cross_entropy(logits, target, reduction="sum").item() == 0.0


def test_uint8_targets_are_not_confused_with_ignore_index():
    # As uint8, 156 wraps to -100; it must still count as class 156.
    logits, target = _randn(2, 200, seed=25), torch.tensor([156, 3])
    torch.testing.assert_close(
        cross_entropy(logits, target.to(torch.uint8)), F.cross_entropy(logits, target), **TOL
    )


def test_any_integer_target_dtype_is_accepted():
    logits = _randn(6, 4, seed=11)
    target = torch.tensor([0, 1, 3, 3, 2, 1])
    expected = cross_entropy(logits, target)
    for dtype in (torch.int32, torch.int16, torch.uint8):
        torch.testing.assert_close(cross_entropy(logits, target.to(dtype)), expected)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_extreme_logits(label_smoothing):
    logits = torch.tensor(
        [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [0.0, 0.0, 1000.0]], dtype=DT
    )
    target = torch.tensor([1, 0, 2])
    out = cross_entropy(logits, target, reduction="none", label_smoothing=label_smoothing)
    assert torch.isfinite(out).all()
    for reduction in REDUCTIONS:
        assert_matches_torch(
            cross_entropy,
            F.cross_entropy,
            logits,
            target,
            WEIGHT[:3],
            reduction=reduction,
            label_smoothing=label_smoothing,
        )


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 6),
    c=st.integers(1, 5),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(REDUCTIONS),
    label_smoothing=st.sampled_from([0.0, 0.05, 0.5]),
    weighted=st.booleans(),
)
def test_cross_entropy_hypothesis(n, c, scale, seed, reduction, label_smoothing, weighted):
    logits = _randn(n, c, seed=seed, scale=scale)
    target = torch.randint(0, c, (n,), generator=_gen(seed))
    weight = torch.rand(c, generator=_gen(seed + 1), dtype=DT) + 0.1 if weighted else None
    assert_matches_torch(
        cross_entropy,
        F.cross_entropy,
        logits,
        target,
        weight,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    probs = torch.softmax(_randn(n, c, seed=seed + 2), dim=1)
    assert_matches_torch(
        cross_entropy,
        F.cross_entropy,
        logits,
        probs,
        weight,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


# --- cross_entropy with class probabilities -----------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (4,), (2, 4, 3)])
def test_probability_targets_match_torch(shape, reduction):
    class_dim = 0 if len(shape) == 1 else 1
    probs = torch.softmax(_randn(*shape, seed=12), dim=class_dim)
    for weight, label_smoothing in [(None, 0.0), (WEIGHT, 0.3)]:
        # The gradient w.r.t. the target is compared too: soft targets can be learned.
        assert_matches_torch(
            cross_entropy,
            F.cross_entropy,
            _randn(*shape, seed=13, scale=2.0),
            probs,
            weight,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )


def test_one_hot_probabilities_equal_class_indices():
    logits, target = _randn(6, 4, seed=14), torch.tensor([0, 1, 3, 3, 2, 1])
    one_hot = F.one_hot(target, 4).to(DT)
    torch.testing.assert_close(cross_entropy(logits, one_hot), cross_entropy(logits, target))


def test_probability_targets_allow_negative_ignore_index():
    logits, probs = _randn(3, 4, seed=15), torch.full((3, 4), 0.25, dtype=DT)
    torch.testing.assert_close(
        cross_entropy(logits, probs, ignore_index=-1), F.cross_entropy(logits, probs)
    )


# --- binary_cross_entropy_with_logits -----------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("weight_shape", "pos_weight_shape"),
    [(None, None), ((3,), None), ((5, 1), None), (None, (3,)), ((5, 3), (3,)), ((3,), (5, 3))],
)
def test_bce_with_logits_matches_torch(weight_shape, pos_weight_shape, reduction):
    z = _randn(5, 3, seed=16, scale=3.0)
    y = torch.rand(5, 3, generator=_gen(17), dtype=DT)
    y[0] = torch.tensor([0.0, 1.0, 1.0])  # hard labels too
    weight = None if weight_shape is None else _randn(*weight_shape, seed=18).abs()
    pos_weight = None if pos_weight_shape is None else _randn(*pos_weight_shape, seed=19).abs()
    assert_matches_torch(
        binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        z,
        y,
        weight,
        reduction=reduction,
        pos_weight=pos_weight,
    )


@pytest.mark.parametrize("pos_weight", [None, torch.tensor([2.5], dtype=DT)])
def test_bce_extreme_logits(pos_weight):
    z = torch.tensor([1000.0, -1000.0, 1000.0, -1000.0, 0.0, 0.0], dtype=DT)
    y = torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0, 0.3], dtype=DT)
    out = binary_cross_entropy_with_logits(z, y, reduction="none", pos_weight=pos_weight)
    assert torch.isfinite(out).all()
    for reduction in REDUCTIONS:
        assert_matches_torch(
            binary_cross_entropy_with_logits,
            F.binary_cross_entropy_with_logits,
            z,
            y,
            reduction=reduction,
            pos_weight=pos_weight,
        )


def test_bce_gradient_at_zero_logit_is_exact():
    # d loss / d z = sigma(z) - y = 0.5 - y at z = 0 (clamp instead of maximum would give 1 - y).
    z = torch.zeros(3, dtype=DT, requires_grad=True)
    y = torch.tensor([0.0, 0.25, 1.0], dtype=DT)
    binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    torch.testing.assert_close(z.grad, 0.5 - y)


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 6),
    c=st.integers(1, 4),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(REDUCTIONS),
    use_pos_weight=st.booleans(),
)
def test_bce_hypothesis(n, c, scale, seed, reduction, use_pos_weight):
    z = _randn(n, c, seed=seed, scale=scale)
    y = (torch.rand(n, c, generator=_gen(seed + 1), dtype=DT) > 0.5).to(DT)
    pos_weight = torch.rand(c, generator=_gen(seed + 2), dtype=DT) * 3 if use_pos_weight else None
    assert_matches_torch(
        binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        z,
        y,
        reduction=reduction,
        pos_weight=pos_weight,
    )


def test_gradients_pass_central_differences():
    logits = _randn(4, 3, seed=20).requires_grad_(True)
    target = torch.tensor([0, 2, -100, 1])
    assert torch.autograd.gradcheck(
        lambda x: cross_entropy(x, target, WEIGHT[:3], label_smoothing=0.1), (logits,)
    )
    y = torch.rand(4, 3, generator=_gen(21), dtype=DT)
    pos_weight = torch.tensor([0.5, 1.0, 4.0], dtype=DT)
    assert torch.autograd.gradcheck(
        lambda z: binary_cross_entropy_with_logits(z, y, pos_weight=pos_weight), (logits,)
    )


# --- Module forms -------------------------------------------------------------------------------


def test_modules_equal_functions():
    x, t = _randn(6, 4, seed=22), _randn(6, 4, seed=23)
    target = torch.tensor([0, 1, 3, 3, 2, 1])
    log_probs = torch.log_softmax(x, 1)
    pos_weight = torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=DT)
    pairs = [
        (MSELoss(reduction="sum")(x, t), mse_loss(x, t, reduction="sum")),
        (L1Loss(reduction="none")(x, t), l1_loss(x, t, reduction="none")),
        (
            NLLLoss(WEIGHT, ignore_index=1)(log_probs, target),
            nll_loss(log_probs, target, WEIGHT, ignore_index=1),
        ),
        (
            CrossEntropyLoss(WEIGHT, ignore_index=3, label_smoothing=0.2)(x, target),
            cross_entropy(x, target, WEIGHT, ignore_index=3, label_smoothing=0.2),
        ),
        (
            BCEWithLogitsLoss(WEIGHT, reduction="sum", pos_weight=pos_weight)(x, t.sigmoid()),
            binary_cross_entropy_with_logits(
                x, t.sigmoid(), WEIGHT, reduction="sum", pos_weight=pos_weight
            ),
        ),
    ]
    for ours, expected in pairs:
        torch.testing.assert_close(ours, expected, rtol=0, atol=0)


def test_modules_store_arguments_and_weights_as_buffers():
    loss = CrossEntropyLoss(WEIGHT, ignore_index=2, reduction="sum", label_smoothing=0.1)
    assert (loss.ignore_index, loss.reduction, loss.label_smoothing) == (2, "sum", 0.1)
    assert torch.equal(loss.state_dict()["weight"], WEIGHT)
    bce = BCEWithLogitsLoss(pos_weight=WEIGHT)
    assert bce.weight is None and set(bce.state_dict()) == {"pos_weight"}
    assert NLLLoss().weight is None and NLLLoss().ignore_index == -100
    assert isinstance(MSELoss(), torch.nn.Module) and L1Loss().reduction == "mean"


def test_module_defaults_match_torch():
    assert CrossEntropyLoss().ignore_index == torch.nn.CrossEntropyLoss().ignore_index
    assert CrossEntropyLoss().label_smoothing == torch.nn.CrossEntropyLoss().label_smoothing
    assert NLLLoss().reduction == torch.nn.NLLLoss().reduction


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
        lambda r: binary_cross_entropy_with_logits(X, X, reduction=r),
        lambda r: MSELoss(reduction=r),
        lambda r: L1Loss(reduction=r),
        lambda r: NLLLoss(reduction=r),
        lambda r: CrossEntropyLoss(reduction=r),
        lambda r: BCEWithLogitsLoss(reduction=r),
    ],
)
def test_invalid_reduction(call):
    with pytest.raises(ValueError, match=r"Invalid reduction: 'average'"):
        call("average")


@pytest.mark.parametrize("fn", [mse_loss, l1_loss, binary_cross_entropy_with_logits])
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
@pytest.mark.parametrize("bad", [4, 7, -1])
def test_class_index_out_of_range_names_it(fn, bad):
    with pytest.raises(ValueError, match=rf"Target class index {bad} is out of range for 4"):
        fn(X, torch.tensor([0, bad, 1]))


def test_ignore_index_may_be_out_of_range():
    cross_entropy(X, torch.tensor([0, -1, 1]), ignore_index=-1)
    nll_loss(X, torch.tensor([0, 9, 1]), ignore_index=9)


def test_wrong_dtypes():
    with pytest.raises(TypeError, match=r"input to have a floating-point dtype, got torch.int64"):
        mse_loss(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"target to have a floating-point dtype, got torch.int64"):
        binary_cross_entropy_with_logits(torch.zeros(2), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match=r"integer class indices, got torch.float64"):
        nll_loss(X, torch.zeros(3, dtype=DT))
    with pytest.raises(TypeError, match=r"integer class indices, got torch.bool"):
        cross_entropy(X, torch.tensor([True, False, True]))
    with pytest.raises(TypeError, match=r"input to have a floating-point dtype, got torch.int64"):
        cross_entropy(torch.zeros(3, 4, dtype=torch.long), Y)
    with pytest.raises(TypeError, match=r"weight to have a floating-point dtype"):
        cross_entropy(X, Y, torch.ones(4, dtype=torch.long))
    with pytest.raises(TypeError, match=r"Expected input to be a torch.Tensor, got list"):
        mse_loss([1.0], torch.zeros(1))
    with pytest.raises(TypeError, match=r"Expected target to be a torch.Tensor, got list"):
        cross_entropy(X, [0, 1, 2])


def test_bad_weights():
    with pytest.raises(ValueError, match=r"weight of shape \(4,\), one per class, got \(3,\)"):
        cross_entropy(X, Y, torch.ones(3, dtype=DT))
    with pytest.raises(ValueError, match=r"weight of shape \(4,\), one per class, got \(3,\)"):
        cross_entropy(X, X.softmax(1), torch.ones(3, dtype=DT))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) does not broadcast"):
        binary_cross_entropy_with_logits(X, X, pos_weight=torch.ones(2, dtype=DT))
    with pytest.raises(
        ValueError, match=r"weight of shape \(2, 3, 4\) does not broadcast .* \(3, 4\)"
    ):
        binary_cross_entropy_with_logits(X, X, torch.ones(2, 3, 4, dtype=DT))


@pytest.mark.parametrize("eps", [-0.1, 1.5])
def test_invalid_label_smoothing(eps):
    with pytest.raises(ValueError, match=rf"Invalid label_smoothing: {eps}"):
        cross_entropy(X, Y, label_smoothing=eps)


def test_ignore_index_rejected_for_probability_targets():
    with pytest.raises(ValueError, match=r"ignore_index=1 is not supported"):
        cross_entropy(X, X.softmax(1), ignore_index=1)


# --- The hand-written gradient of plain (N, C) cross-entropy ---------------------------------


def _plain_case(n: int, c: int, seed: int, scale: float = 1.0):
    logits = _randn(n, c, seed=seed, scale=scale)
    target = torch.randint(0, c, (n,), generator=_gen(seed + 1))
    return logits, target


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    c=st.integers(1, 12),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([1e-3, 1.0, 30.0, 1000.0]),
)
def test_plain_cross_entropy_matches_torch(reduction, n, c, seed, scale):
    logits, target = _plain_case(n, c, seed, scale)
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, target, reduction=reduction)


def test_plain_cross_entropy_uses_the_hand_written_gradient():
    logits, target = _plain_case(5, 3, seed=0)
    logits.requires_grad_(True)
    loss = cross_entropy(logits, target)
    assert type(loss.grad_fn).__name__ == "_SoftmaxCrossEntropyBackward"
    (3.0 * loss).backward()  # the upstream gradient scales the result
    # softmax(z) - onehot(y), over N for the mean
    expected = 3.0 * (torch.softmax(logits.detach(), 1) - F.one_hot(target, 3)) / 5
    torch.testing.assert_close(logits.grad, expected, **TOL)


@pytest.mark.parametrize(
    "kwargs",
    [{"ignore_index": 1}, {"reduction": "none"}, {"label_smoothing": 0.1}],
    ids=["ignored-target-present", "none", "smoothing"],
)
def test_other_cases_take_the_general_path(kwargs):
    logits, target = _plain_case(6, 3, seed=1)
    target[0] = 1
    ours = cross_entropy(logits.requires_grad_(True), target, **kwargs)
    assert type(ours.grad_fn).__name__ != "_SoftmaxCrossEntropyBackward"
    assert_matches_torch(cross_entropy, F.cross_entropy, logits, target, **kwargs)


def test_plain_cross_entropy_still_rejects_bad_indices():
    logits, target = _plain_case(4, 3, seed=2)
    target[2] = 3
    with pytest.raises(ValueError, match="Target class index 3 is out of range for 3 classes"):
        cross_entropy(logits, target)
    target[2] = -1
    with pytest.raises(ValueError, match="Target class index -1 is out of range"):
        cross_entropy(logits, target)


def test_plain_cross_entropy_has_second_derivatives():
    logits, target = _plain_case(4, 3, seed=3)
    ours, theirs = logits.clone().requires_grad_(True), logits.clone().requires_grad_(True)
    for z, loss_fn in ((ours, cross_entropy), (theirs, F.cross_entropy)):
        (grad,) = torch.autograd.grad(loss_fn(z, target), z, create_graph=True)
        (grad**2).sum().backward()  # a gradient penalty needs d(grad)/dz
    torch.testing.assert_close(ours.grad, theirs.grad, **TOL)
    assert torch.autograd.gradgradcheck(
        lambda z: cross_entropy(z, target), (logits.requires_grad_(),)
    )
