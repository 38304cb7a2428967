"""Unit tests for dlnotes.models, with torch.nn as the oracle."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlnotes.models import MLP, Linear, LinearRegression

TORCH_ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
}


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def outputs_and_grads(model: nn.Module, X: torch.Tensor):
    """Returns (model(X), dL/dX, [dL/dp for p in parameters]) for a fixed weighted-sum loss L."""
    X = X.detach().clone().requires_grad_(True)
    y_hat = model(X)
    w = torch.randn(y_hat.shape, dtype=y_hat.dtype, generator=gen(99))
    loss = (y_hat * w).sum()
    grads = torch.autograd.grad(loss, [X, *model.parameters()])
    return y_hat.detach(), grads[0], list(grads[1:])


def assert_same_function(ours: nn.Module, theirs: nn.Module, X: torch.Tensor) -> None:
    y, gX, gp = outputs_and_grads(ours, X)
    y_ref, gX_ref, gp_ref = outputs_and_grads(theirs, X)
    torch.testing.assert_close(y, y_ref, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(gX, gX_ref, rtol=1e-12, atol=1e-14)
    assert len(gp) == len(gp_ref)
    for g, g_ref in zip(gp, gp_ref, strict=True):
        torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-14)


def torch_copy(layer: Linear) -> nn.Linear:
    ref = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
    ref = ref.to(layer.weight.dtype)
    with torch.no_grad():
        ref.weight.copy_(layer.weight)
        if layer.bias is not None:
            ref.bias.copy_(layer.bias)
    return ref


def torch_replica(model: MLP) -> nn.Sequential:
    """An nn.Sequential built from torch's own modules, with the MLP's parameters copied in."""
    modules: list[nn.Module] = []
    for m in model.layers:
        if isinstance(m, Linear):
            modules.append(torch_copy(m))
        elif isinstance(m, nn.Dropout):
            modules.append(nn.Dropout(m.p))
        else:
            modules.append(TORCH_ACTIVATIONS[m.name]())
    return nn.Sequential(nn.Flatten(), *modules)


class TestLinear:
    @pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (2, 1, 4, 3), (3,)])
    @pytest.mark.parametrize("bias", [True, False])
    def test_matches_torch(self, shape, bias):
        layer = Linear(3, 4, bias=bias, generator=gen(0), dtype=torch.float64)
        X = torch.randn(shape, dtype=torch.float64, generator=gen(1))
        assert_same_function(layer, torch_copy(layer), X)
        assert layer(X).shape == (*shape[:-1], 4)

    @settings(max_examples=15, deadline=None)
    @given(
        in_features=st.integers(1, 6),
        out_features=st.integers(1, 6),
        batch=st.lists(st.integers(1, 3), max_size=2),
        seed=st.integers(0, 2**16),
    )
    def test_sizes_match_torch(self, in_features, out_features, batch, seed):
        layer = Linear(in_features, out_features, generator=gen(seed), dtype=torch.float64)
        X = torch.randn((*batch, in_features), dtype=torch.float64, generator=gen(seed + 1))
        assert_same_function(layer, torch_copy(layer), X)

    def test_init_equals_kaiming_uniform_with_a_sqrt5(self):
        # torch.nn.Linear's reset_parameters, drawn from an explicit generator.
        layer = Linear(7, 5, generator=gen(3))
        w = torch.empty(5, 7)
        b = torch.empty(5)
        g = gen(3)
        nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=g)
        nn.init.uniform_(b, -1 / math.sqrt(7), 1 / math.sqrt(7), generator=g)
        assert torch.equal(layer.weight, w)
        assert torch.equal(layer.bias, b)

    def test_global_rng_matches_torch_linear(self):
        torch.manual_seed(11)
        ref = nn.Linear(6, 3)
        torch.manual_seed(11)
        layer = Linear(6, 3)
        assert torch.equal(layer.weight, ref.weight)
        assert torch.equal(layer.bias, ref.bias)

    def test_init_bound_and_spread(self):
        layer = Linear(400, 300, generator=gen(0), dtype=torch.float64)
        bound = 1 / math.sqrt(400)
        for p in (layer.weight, layer.bias):
            assert p.abs().max() <= bound
            assert p.abs().max() > 0.95 * bound  # fills the interval, not a narrower one
        # Variance of U(-c, c) is c^2 / 3.
        assert layer.weight.var().item() == pytest.approx(bound**2 / 3, rel=0.02)

    def test_generator_is_repeatable_and_reset(self):
        a = Linear(4, 2, generator=gen(5))
        b = Linear(4, 2, generator=gen(5))
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
        before = a.weight.detach().clone()
        a.reset_parameters(gen(6))
        assert not torch.equal(a.weight, before)
        a.reset_parameters(gen(5))
        assert torch.equal(a.weight, before)

    def test_parameters_dtype_device_and_repr(self):
        layer = Linear(3, 2, bias=False, dtype=torch.float64, device="cpu")
        assert layer.weight.dtype == torch.float64 and layer.bias is None
        assert [name for name, _ in layer.named_parameters()] == ["weight"]
        assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"
        assert repr(Linear(3, 2)) == repr(nn.Linear(3, 2))
        assert isinstance(layer.weight, nn.Parameter)

    def test_state_dict_loads_into_torch_linear(self):
        layer = Linear(3, 2, generator=gen(0))
        ref = nn.Linear(3, 2)
        ref.load_state_dict(layer.state_dict())
        assert torch.equal(ref.weight, layer.weight)

    @pytest.mark.parametrize("size", [0, -1])
    def test_non_positive_sizes(self, size):
        with pytest.raises(ValueError, match=rf"Invalid in_features: {size}"):
            Linear(size, 2)
        with pytest.raises(ValueError, match=rf"Invalid out_features: {size}"):
            Linear(2, size)

    def test_non_int_size(self):
        with pytest.raises(TypeError, match=r"Invalid in_features: 2.0"):
            Linear(2.0, 2)

    def test_wrong_input_shape_is_torchs_error(self):
        # Checked by the matrix product itself, as in torch.nn.Linear, not again in forward.
        with pytest.raises(RuntimeError, match=r"5x4 and 3x2"):
            Linear(3, 2)(torch.zeros(5, 4))


class TestLinearRegression:
    def test_w_and_b_are_the_parameters(self):
        model = LinearRegression(generator=gen(0))
        assert model.w is model.linear.weight and model.b is model.linear.bias
        assert model.w.shape == (1, 1) and model.b.shape == (1,)
        assert [name for name, _ in model.named_parameters()] == ["linear.weight", "linear.bias"]

    def test_fits_a_line(self):
        X = torch.linspace(-1, 1, 20, dtype=torch.float64)[:, None]  # (20, 1)
        y = 3 * X - 0.5
        model = LinearRegression(generator=gen(0)).double()
        w, lr = model.w, 0.5
        # Gradient descent written out, as the regression chapter does (and no torch.optim,
        # whose first use imports torch._dynamo: seconds).
        for _ in range(200):
            loss = ((model(X) - y) ** 2).mean()
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                model.w -= lr * model.w.grad
                model.b -= lr * model.b.grad
        assert model.w is w is model.linear.weight  # updated in place, still registered
        assert model.w.item() == pytest.approx(3.0, abs=1e-6)
        assert model.b.item() == pytest.approx(-0.5, abs=1e-6)

    def test_w_cannot_be_replaced(self):
        model = LinearRegression()
        with pytest.raises(AttributeError, match=r"Cannot assign Tensor to w: change it in place"):
            model.w = torch.zeros(1, 1)
        with pytest.raises(AttributeError, match=r"Cannot assign Parameter to b"):
            model.b = nn.Parameter(torch.zeros(1))
        model.other = 3  # other attributes still work
        assert model.other == 3

    def test_several_features_match_torch(self):
        model = LinearRegression(4, 2, generator=gen(1)).double()
        X = torch.randn(6, 4, dtype=torch.float64, generator=gen(2))
        assert_same_function(model, torch_copy(model.linear), X)

    def test_bad_size(self):
        with pytest.raises(ValueError, match=r"Invalid in_features: 0"):
            LinearRegression(0)


class TestMLP:
    @pytest.mark.parametrize("activation", list(TORCH_ACTIVATIONS))
    def test_matches_torch_sequential(self, activation):
        model = MLP(12, [8, 6], 3, activation=activation, generator=gen(0)).double()
        X = torch.randn(5, 12, dtype=torch.float64, generator=gen(1))
        assert_same_function(model, torch_replica(model), X)

    def test_images_are_flattened(self):
        model = MLP(784, 16, 10, generator=gen(0)).double()
        X = torch.randn(4, 1, 28, 28, dtype=torch.float64, generator=gen(1))
        assert_same_function(model, torch_replica(model), X)
        assert torch.equal(model(X), model(X.flatten(1)))

    def test_leading_dims_when_not_flattenable(self):
        # (N, T, in): trailing dims hold T * in numbers, so the layers apply to the last one.
        model = MLP(3, 4, 2, generator=gen(0))
        assert model(torch.zeros(5, 7, 3)).shape == (5, 7, 2)

    def test_int_and_list_hidden_features(self):
        a = MLP(5, 4, 2, generator=gen(0))
        b = MLP(5, [4], 2, generator=gen(0))
        assert a.hidden_features == b.hidden_features == (4,)
        assert repr(a) == repr(b)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)

    def test_empty_hidden_is_linear(self):
        model = MLP(5, [], 3, generator=gen(0))
        assert len(model.layers) == 1 and isinstance(model.layers[0], Linear)
        assert model.layers[0].in_features == 5 and model.layers[0].out_features == 3

    def test_layer_structure_and_repr(self):
        model = MLP(6, (5, 4), 2, activation="Tanh", dropout=0.25)
        kinds = [type(m).__name__ for m in model.layers]
        assert kinds == ["Linear", "Activation", "Dropout"] * 2 + ["Linear"]
        assert [m.p for m in model.layers if isinstance(m, nn.Dropout)] == [0.25, 0.25]
        assert repr(model).startswith(
            "MLP(\n  in_features=6, hidden_features=(5, 4), out_features=2, activation='tanh', "
            "dropout=0.25\n  (layers): Sequential("
        )
        assert "Dropout" not in repr(MLP(6, 5, 2))

    def test_dropout_train_vs_eval(self):
        model = MLP(10, [64], 3, dropout=0.5, generator=gen(0)).double()
        X = torch.randn(8, 10, dtype=torch.float64, generator=gen(1))
        model.train()
        torch.manual_seed(0)
        first = model(X)
        second = model(X)
        assert not torch.equal(first, second)  # a fresh mask each call
        model.eval()
        assert torch.equal(model(X), model(X))
        assert_same_function(model, torch_replica(model).eval(), X)

    def test_dropout_in_train_mode_matches_torch_with_same_seed(self):
        model = MLP(10, [16, 16], 3, dropout=0.3, generator=gen(0)).double()
        replica = torch_replica(model)
        X = torch.randn(8, 10, dtype=torch.float64, generator=gen(1))
        torch.manual_seed(5)
        y = model(X)
        torch.manual_seed(5)
        torch.testing.assert_close(y, replica(X), rtol=1e-12, atol=1e-14)

    def test_init_params_equals_torch_kaiming_normal(self):
        model = MLP(20, [15, 10], 4, generator=gen(0))
        model.init_params(gen(42))
        g = gen(42)
        for layer in (m for m in model.layers if isinstance(m, Linear)):
            w = torch.empty_like(layer.weight)
            nn.init.kaiming_normal_(w, generator=g)
            assert torch.equal(layer.weight, w)
            assert torch.equal(layer.bias, torch.zeros_like(layer.bias))

    def test_init_params_seed_int(self):
        a = MLP(20, 10, 4, generator=gen(0)).init_params(7)
        b = MLP(20, 10, 4, generator=gen(1)).init_params(gen(7))
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)

    def test_init_params_statistics(self):
        model = MLP(1000, [500], 10).double().init_params(0)
        for layer in (m for m in model.layers if isinstance(m, Linear)):
            std = math.sqrt(2 / layer.in_features)
            assert layer.weight.std().item() == pytest.approx(std, rel=0.03)
            assert layer.weight.mean().item() == pytest.approx(0, abs=0.03 * std)
            assert layer.bias.abs().max().item() == 0.0

    def test_init_params_keeps_activation_scale_for_relu(self):
        # He et al.: with std sqrt(2 / fan_in), E[h^2] stays about the same through ReLU layers.
        model = MLP(500, [500] * 5, 500).double().init_params(0)
        X = torch.randn(200, 500, dtype=torch.float64, generator=gen(1))
        y_hat = model(X)
        assert (y_hat**2).mean().item() == pytest.approx(2 * (X**2).mean().item(), rel=0.3)

    def test_init_params_bad_generator(self):
        with pytest.raises(TypeError, match=r"Invalid generator: '0'"):
            MLP(3, 2, 1).init_params("0")

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"in_features": 0}, ValueError, r"Invalid in_features: 0"),
            ({"out_features": -2}, ValueError, r"Invalid out_features: -2"),
            ({"hidden_features": 0}, ValueError, r"Invalid hidden_features: 0"),
            ({"hidden_features": [4, -1]}, ValueError, r"Invalid hidden_features: -1"),
            ({"hidden_features": [4, 2.5]}, TypeError, r"Invalid hidden_features: 2.5"),
            ({"hidden_features": "64"}, TypeError, r"Invalid hidden_features: '64'"),
            ({"dropout": 1.0}, ValueError, r"Invalid dropout: 1.0"),
            ({"dropout": -0.1}, ValueError, r"Invalid dropout: -0.1"),
            ({"dropout": "0.5"}, TypeError, r"Invalid dropout: '0.5'"),
            ({"activation": "softplus"}, ValueError, r"Unknown activation: 'softplus'.*'relu'"),
        ],
    )
    def test_invalid_arguments(self, kwargs, error, message):
        args = {"in_features": 4, "hidden_features": 3, "out_features": 2, **kwargs}
        with pytest.raises(error, match=message):
            MLP(**args)

    def test_wrong_input_shape_is_torchs_error(self):
        with pytest.raises(RuntimeError, match=r"cannot be multiplied"):
            MLP(784, 8, 10)(torch.zeros(2, 3, 5))
