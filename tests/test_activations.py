"""Unit tests for dlnotes.activations, with torch.nn.functional as the oracle."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnotes.activations import Activation, gelu, log_softmax, relu, sigmoid, softmax, tanh

# (ours, torch's) pairs of element-wise functions.
ELEMENTWISE = {
    "sigmoid": (sigmoid, torch.sigmoid),
    "tanh": (tanh, torch.tanh),
    "relu": (relu, F.relu),
    "gelu": (gelu, F.gelu),
    "gelu_tanh": (lambda x: gelu(x, "tanh"), lambda x: F.gelu(x, approximate="tanh")),
}

EXTREMES = [-1000.0, -30.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 20.0, 30.0, 1000.0]


def values_and_grads(fn, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Evaluates fn at a copy of x and returns (fn(x), d sum(fn(x) * w) / dx) for fixed weights."""
    x = x.detach().clone().requires_grad_(True)
    y = fn(x)
    # Weights that differ per element so that a gradient routed to the wrong element shows.
    w = (1 + torch.arange(y.numel(), dtype=y.dtype) / y.numel()).reshape(y.shape)
    (grad,) = torch.autograd.grad((y * w).sum(), x)
    return y.detach(), grad


def assert_matches_torch(
    ours, theirs, x: torch.Tensor, rtol: float = 1e-12, atol: float = 1e-15
) -> None:
    y, g = values_and_grads(ours, x)
    y_ref, g_ref = values_and_grads(theirs, x)
    # atol covers results that are 0 up to rounding (and torch's own rounding: its sigmoid
    # gradient s * (1 - s) at x = 30 is off by 1e-3 relatively, ours is not).
    torch.testing.assert_close(y, y_ref, rtol=rtol, atol=atol)
    torch.testing.assert_close(g, g_ref, rtol=rtol, atol=atol)


# In the tanh form of GELU, 1 + tanh(u) cancels for negative x (about 1e-11 relative error at
# x = -4.5 in torch's and in ours alike), so the two agree only to that many digits there.
# Where the value is tiny (x = -6.75: gradient about 5e-13), the cancelled digits show as an
# absolute difference of a few 1e-15 instead.
RTOL = {"gelu_tanh": 1e-9}
ATOL = {"gelu_tanh": 1e-13}


class TestElementwise:
    @pytest.mark.parametrize("name", ELEMENTWISE)
    def test_extreme_inputs_match_torch(self, name):
        ours, theirs = ELEMENTWISE[name]
        x = torch.tensor(EXTREMES, dtype=torch.float64)
        # Turn any "overflow in exp" style warning into a failure.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y, g = values_and_grads(ours, x)
        assert torch.isfinite(y).all() and torch.isfinite(g).all()
        assert_matches_torch(
            ours, theirs, x, rtol=RTOL.get(name, 1e-12), atol=ATOL.get(name, 1e-15)
        )

    @pytest.mark.parametrize("name", ELEMENTWISE)
    def test_float32_extremes_are_finite(self, name):
        ours, theirs = ELEMENTWISE[name]
        x = torch.tensor(EXTREMES, dtype=torch.float32)
        y, g = values_and_grads(ours, x)
        y_ref, g_ref = values_and_grads(theirs, x)
        torch.testing.assert_close(y, y_ref)
        torch.testing.assert_close(g, g_ref)

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.floats(min_value=-50, max_value=50, allow_nan=False, allow_subnormal=False),
            min_size=1,
            max_size=8,
        )
    )
    def test_ranges_match_torch(self, values):
        x = torch.tensor(values, dtype=torch.float64)
        for name, (ours, theirs) in ELEMENTWISE.items():
            assert_matches_torch(
                ours, theirs, x, rtol=RTOL.get(name, 1e-12), atol=ATOL.get(name, 1e-15)
            )

    def test_sigmoid_gradient_is_accurate_in_the_tail(self):
        # sigma'(x) = e^{-x} / (1 + e^{-x})^2; torch's s * (1 - s) loses digits here, ours not.
        x = torch.tensor([30.0, -30.0], dtype=torch.float64)
        _, g = values_and_grads(sigmoid, x)
        e = torch.exp(-x.abs())
        torch.testing.assert_close(
            g, torch.tensor([1.0, 1.5]) * e / (1 + e) ** 2, rtol=1e-14, atol=0
        )

    def test_tanh_is_accurate_near_zero(self):
        # 1 - exp(-2x) would lose about half the digits here; expm1 does not.
        x = torch.tensor([1e-10, -3e-12], dtype=torch.float64)
        torch.testing.assert_close(tanh(x), torch.tanh(x), rtol=1e-15, atol=0)

    def test_gradient_at_zero(self):
        # The kinks and the |x| trick must give torch's one-sided conventions at exactly 0.
        x = torch.zeros(1, dtype=torch.float64)
        expected = {"sigmoid": 0.25, "tanh": 1.0, "relu": 0.0, "gelu": 0.5}
        for name, slope in expected.items():
            _, g = values_and_grads(ELEMENTWISE[name][0], x)
            assert g.item() == pytest.approx(slope, rel=1e-15), name

    def test_nan_and_inf_like_torch(self):
        x = torch.tensor([float("nan"), float("inf"), -float("inf")], dtype=torch.float64)
        for name in ("sigmoid", "tanh", "relu"):
            ours, theirs = ELEMENTWISE[name]
            torch.testing.assert_close(ours(x), theirs(x), equal_nan=True)

    def test_relu_gradient_at_nan_and_inf(self):
        # clamp_min's slope: 1 at +inf, 0 at -inf, and 0 at NaN, where torch.relu passes the
        # incoming gradient (the weight 1) on.
        x = torch.tensor([float("nan"), float("inf"), -float("inf")], dtype=torch.float64)
        _, g = values_and_grads(relu, x)
        assert g.tolist() == [0.0, pytest.approx(1 + 1 / 3), 0.0]
        _, g_torch = values_and_grads(F.relu, x)
        assert g_torch[0].item() == 1.0

    def test_shape_and_dtype_preserved(self):
        x = torch.randn(2, 3, 4, dtype=torch.float64)
        for ours, _ in ELEMENTWISE.values():
            y = ours(x)
            assert y.shape == x.shape and y.dtype == x.dtype

    def test_relu_keeps_integer_dtype(self):
        assert relu(torch.tensor([-2, 3])).tolist() == [0, 3]

    def test_rejects_non_tensor(self):
        for fn in (sigmoid, tanh, relu, gelu):
            with pytest.raises(TypeError, match=r"Expected a torch.Tensor, got list"):
                fn([1.0, 2.0])

    def test_gelu_bad_approximate(self):
        with pytest.raises(ValueError, match=r"Invalid approximate: 'erf'"):
            gelu(torch.zeros(1), approximate="erf")


class TestSoftmax:
    @pytest.mark.parametrize("dim", [0, 1, -1])
    def test_matches_torch(self, dim):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(4, 5, dtype=torch.float64, generator=g) * 10
        assert_matches_torch(lambda t: softmax(t, dim), lambda t: torch.softmax(t, dim), x)
        assert_matches_torch(lambda t: log_softmax(t, dim), lambda t: F.log_softmax(t, dim), x)

    def test_extreme_logits(self):
        x = torch.tensor(
            [[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0], [30.0, -30.0, 0.0]],
            dtype=torch.float64,
        )
        assert_matches_torch(lambda t: softmax(t, 1), lambda t: torch.softmax(t, 1), x)
        assert_matches_torch(lambda t: log_softmax(t, 1), lambda t: F.log_softmax(t, 1), x)
        assert torch.isfinite(log_softmax(x, 1)).all()

    @settings(max_examples=30, deadline=None)
    @given(
        st.lists(
            st.floats(min_value=-1000, max_value=1000, allow_nan=False),
            min_size=1,
            max_size=6,
        )
    )
    def test_rows_sum_to_one_and_match_torch(self, values):
        x = torch.tensor(values, dtype=torch.float64).expand(3, -1)
        p = softmax(x, dim=1)
        torch.testing.assert_close(p.sum(dim=1), torch.ones(3, dtype=torch.float64))
        assert (p >= 0).all()
        assert_matches_torch(lambda t: softmax(t, 1), lambda t: torch.softmax(t, 1), x)
        assert_matches_torch(lambda t: log_softmax(t, -1), lambda t: F.log_softmax(t, -1), x)

    def test_three_dimensional_middle_dim(self):
        x = torch.randn(2, 3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(softmax(x, 1), torch.softmax(x, 1), rtol=1e-12, atol=0)
        torch.testing.assert_close(softmax(x, 1).sum(1), torch.ones(2, 4, dtype=torch.float64))

    def test_zero_dim_tensor(self):
        x = torch.tensor(3.0, dtype=torch.float64)
        assert softmax(x, 0).item() == 1.0
        assert log_softmax(x, -1).item() == 0.0

    @pytest.mark.parametrize(
        ("fn", "ref"), [(softmax, torch.softmax), (log_softmax, F.log_softmax)]
    )
    @pytest.mark.parametrize(("shape", "dim"), [((2, 0), 1), ((2, 0), 0), ((0, 3), 1)])
    def test_empty_tensor_like_torch(self, fn, ref, shape, dim):
        x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        out = fn(x, dim)
        assert out.shape == ref(x, dim).shape == shape
        out.sum().backward()
        assert x.grad is not None and x.grad.shape == shape

    @pytest.mark.parametrize("fn", [softmax, log_softmax])
    def test_bad_dim(self, fn):
        with pytest.raises(ValueError, match=r"Invalid dim: 2 for a tensor with 2 dimension"):
            fn(torch.zeros(2, 3), dim=2)
        with pytest.raises(ValueError, match=r"Invalid dim: -3"):
            fn(torch.zeros(2, 3), dim=-3)
        with pytest.raises(TypeError, match=r"Invalid dim: 1.0"):
            fn(torch.zeros(2, 3), dim=1.0)
        with pytest.raises(TypeError, match=r"Expected a torch.Tensor"):
            fn([1.0], dim=0)


class TestActivationModule:
    def test_names(self):
        assert Activation("relu").fn is relu
        assert Activation("GELU").fn is gelu

    def test_unknown_name_lists_valid_ones(self):
        with pytest.raises(ValueError, match=r"Unknown activation: 'swish'.*'relu'.*'gelu'"):
            Activation("swish")

    def test_non_string(self):
        with pytest.raises(TypeError, match=r"Invalid activation name: 3"):
            Activation(3)

    @pytest.mark.parametrize(
        ("name", "module"),
        [
            ("relu", torch.nn.ReLU()),
            ("sigmoid", torch.nn.Sigmoid()),
            ("tanh", torch.nn.Tanh()),
            ("gelu", torch.nn.GELU()),
        ],
    )
    def test_module_matches_torch_module(self, name, module):
        x = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
        assert_matches_torch(Activation(name), module, x)

    def test_module_repr_and_no_parameters(self):
        act = Activation("Tanh")
        assert repr(act) == "Activation(name='tanh')"
        assert list(act.parameters()) == []
        with pytest.raises(ValueError, match="Unknown activation"):
            Activation("softplus")
