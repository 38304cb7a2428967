"""Tests for dlnotes.autograd and dlnotes.scalar_nn, with torch.autograd (float64) as the oracle."""

from __future__ import annotations

import math
import random
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnotes.autograd import Value, to_mermaid, topological_order
from dlnotes.scalar_nn import Layer, Neuron, ScalarMLP

H = 1e-6  # central-difference step


def ours(fn, xs):
    """Output and input gradients of `fn` computed with Value."""
    inputs = [Value(x) for x in xs]
    out = fn(*inputs)
    out.backward()
    return out.data, [v.grad for v in inputs]


def torchs(fn, xs):
    """Output and input gradients of the same `fn` computed with torch.autograd in float64."""
    inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*inputs)
    out.backward()
    return out.item(), [t.grad.item() for t in inputs]


def central_differences(fn, xs):
    grads = []
    for i in range(len(xs)):
        up = [Value(x + H * (j == i)) for j, x in enumerate(xs)]
        down = [Value(x - H * (j == i)) for j, x in enumerate(xs)]
        grads.append((fn(*up).data - fn(*down).data) / (2 * H))
    return grads


def assert_matches_torch(fn, xs, *, rtol=1e-10, atol=1e-12):
    data, grads = ours(fn, xs)
    expected_data, expected_grads = torchs(fn, xs)
    torch.testing.assert_close(data, expected_data, rtol=rtol, atol=atol)
    torch.testing.assert_close(grads, expected_grads, rtol=rtol, atol=atol)


def _shared(a, b):
    c = a * b  # used three times below
    return c + c * a - c / b


def _composite(a, b):
    z = 2 * a + 1 - b
    q = z.relu() + z * a
    h = (z * z).tanh()
    y = h + q + q * a / (1 + b * b)
    return (y**2 / 2.0 + 10.0 / (y**2 + 1)).log() - (-a).sigmoid()


# Each entry: a function written once for Value and torch.Tensor, and a point away from kinks.
EXPRESSIONS = {
    "add": (lambda a, b: a + b, [1.5, -2.0]),
    "sub": (lambda a, b: a - b, [1.5, -2.0]),
    "mul": (lambda a, b: a * b, [1.5, -2.0]),
    "div_by_value": (lambda a, b: a / b, [1.5, -2.0]),
    "pow_int": (lambda a: a**3, [-1.3]),
    "pow_negative": (lambda a: a**-1.5, [0.7]),
    "pow_half": (lambda a: a**0.5, [2.0]),
    "neg": (lambda a: -a, [0.3]),
    "exp": (lambda a: a.exp(), [0.3]),
    "log": (lambda a: a.log(), [0.3]),
    "tanh": (lambda a: a.tanh(), [0.3]),
    "relu_positive": (lambda a: a.relu(), [0.3]),
    "relu_negative": (lambda a: a.relu(), [-0.3]),
    "sigmoid": (lambda a: a.sigmoid(), [-0.3]),
    "radd": (lambda a: 2 + a, [0.3]),
    "rsub": (lambda a: 3 - a, [0.3]),
    "rmul": (lambda a: 4 * a, [0.3]),
    "rtruediv": (lambda a: 5 / a, [0.3]),
    "ops_with_numbers": (lambda a: (a + 1) * 2 - 3 / (a - 4), [0.3]),
    "same_value_twice": (lambda a: a * a, [-1.7]),
    "shared_subexpression": (_shared, [0.8, -1.3]),
    "composite": (_composite, [-0.9, 0.6]),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_gradients_match_torch(name):
    fn, xs = EXPRESSIONS[name]
    assert_matches_torch(fn, xs)


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_gradients_match_central_differences(name):
    fn, xs = EXPRESSIONS[name]
    _, grads = ours(fn, xs)
    torch.testing.assert_close(grads, central_differences(fn, xs), rtol=1e-6, atol=1e-6)


def test_deep_chain_has_no_recursion_limit():
    assert sys.getrecursionlimit() < 5000  # so a recursive sort would fail here

    def chain(x):
        y = x
        for _ in range(2500):  # 5000 operations
            y = (y * 1.001).tanh()
        return y

    assert len(topological_order(chain(Value(0.5)))) > 5000
    assert_matches_torch(chain, [0.5])


def test_backward_twice_accumulates_like_torch():
    a, b = Value(0.5), Value(-1.5)
    c = a * b
    d = (c + a).tanh()
    d.backward()
    first = (a.grad, b.grad, c.grad)
    d.backward()
    torch.testing.assert_close((a.grad, b.grad, c.grad), tuple(2 * g for g in first))

    ta = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)
    tc = ta * tb
    tc.retain_grad()
    td = (tc + ta).tanh()
    td.backward(retain_graph=True)
    td.backward()
    torch.testing.assert_close(
        (a.grad, b.grad, c.grad), (ta.grad.item(), tb.grad.item(), tc.grad.item())
    )
    assert d.grad == 2.0


def test_backward_of_a_leaf():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0


finite = dict(allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    op=st.sampled_from(["exp", "tanh", "relu", "sigmoid", "neg"]),
    x=st.floats(-30, 30, **finite),
)
def test_unary_ops_over_ranges(op, x):
    fn = (lambda a: -a) if op == "neg" else (lambda a: getattr(a, op)())
    assert_matches_torch(fn, [x])


@settings(max_examples=30, deadline=None)
@given(x=st.floats(1e-3, 1e3, **finite))
def test_log_over_positive_range(x):
    assert_matches_torch(lambda a: a.log(), [x])
    _, grads = ours(lambda a: a.log(), [x])
    # a relative step, so that x - h stays positive
    h = x * 1e-6
    numeric = (math.log(x + h) - math.log(x - h)) / (2 * h)
    torch.testing.assert_close(grads[0], numeric, rtol=1e-6, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(0.1, 5, **finite),
    sign=st.sampled_from([1, -1]),
    n=st.sampled_from([-3, -1, 0, 1, 2, 3, -1.5, 0.5, 2.5]),
)
def test_pow_over_ranges(x, sign, n):
    if sign < 0 and not float(n).is_integer():
        x_signed = x  # a negative base needs an integer exponent
    else:
        x_signed = sign * x
    assert_matches_torch(lambda a: a**n, [x_signed])


@settings(max_examples=40, deadline=None)
@given(a=st.floats(-3, 3, **finite), b=st.floats(-3, 3, **finite))
def test_binary_expression_over_ranges(a, b):
    def fn(a, b):
        return ((a * b).tanh() + (a - b) ** 2 / (1 + b.exp())).sigmoid() * a - 2 / (1 + a * a)

    assert_matches_torch(fn, [a, b])
    _, grads = ours(fn, [a, b])
    torch.testing.assert_close(grads, central_differences(fn, [a, b]), rtol=1e-6, atol=1e-6)


def test_sigmoid_is_stable_for_large_inputs():
    for x in (-1000.0, -700.0, -50.0, 50.0, 700.0, 1000.0):
        assert_matches_torch(lambda a: a.sigmoid(), [x])
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


@pytest.mark.parametrize("n", [0, 0.5, 1, 2])
def test_pow_at_zero_matches_torch(n):
    assert_matches_torch(lambda a: a**n, [0.0])


def test_relu_at_zero_matches_torch():
    assert_matches_torch(lambda a: a.relu(), [0.0])


class TestValue:
    def test_repr_label_and_op(self):
        w = Value(2, label="w")
        assert isinstance(w.data, float)
        assert repr(w) == "Value(data=2.0, grad=0.0, label='w')"
        assert repr(Value(-0.5)) == "Value(data=-0.5, grad=0.0)"
        assert w.op == "" and w.children == ()
        ops = [(w + 1).op, (w - 1).op, (w * 2).op, (w / 2).op, (w**2).op, (-w).op]
        assert ops == ["+", "-", "*", "/", "**2", "neg"]
        unary = [getattr(w, f)().op for f in ("exp", "log", "tanh", "relu", "sigmoid")]
        assert unary == ["exp", "log", "tanh", "relu", "sigmoid"]

    def test_numbers_become_leaves_in_operand_order(self):
        x = Value(3.0)
        y = 2 - x
        assert y.data == -1.0
        assert [c.data for c in y.children] == [2.0, 3.0]
        assert y.local_grads == (1.0, -1.0)

    def test_accepts_numpy_scalars(self):
        np = pytest.importorskip("numpy")
        assert Value(np.float32(1.5)).data == 1.5
        assert (Value(1.0) * np.int64(3)).data == 3.0

    @pytest.mark.parametrize("bad", ["2.0", None, True, 1 + 2j, [1.0], torch.tensor(1.0)])
    def test_rejects_non_numbers(self, bad):
        with pytest.raises(TypeError, match="Value data must be a real number"):
            Value(bad)

    def test_rejects_value_as_data_and_bad_label(self):
        with pytest.raises(TypeError, match=r"got Value: Value\(data=1.0"):
            Value(Value(1.0))
        with pytest.raises(TypeError, match="label must be a str, got int: 3"):
            Value(1.0, label=3)

    @pytest.mark.parametrize("x", [0.0, -2.5])
    def test_log_of_non_positive(self, x):
        with pytest.raises(ValueError, match=rf"only defined for positive values, got {x}"):
            Value(x).log()

    def test_value_exponent(self):
        with pytest.raises(TypeError, match=r"Invalid exponent: Value\(data=3.0"):
            Value(2.0) ** Value(3.0)
        with pytest.raises(TypeError, match="Invalid exponent: '3'"):
            Value(2.0) ** "3"
        with pytest.raises(TypeError):
            2.0 ** Value(3.0)

    def test_negative_base_with_fractional_exponent(self):
        with pytest.raises(ValueError, match=r"negative value -8.0 to the non-integer power 0.5"):
            Value(-8.0) ** 0.5

    def test_division_by_zero(self):
        with pytest.raises(ZeroDivisionError, match=r"1.0 / 0.0"):
            Value(1.0) / 0
        with pytest.raises(ZeroDivisionError, match=r"1.0 / 0.0"):
            1 / Value(0.0)

    def test_exp_overflow_names_the_value(self):
        with pytest.raises(OverflowError, match=r"exp\(1000.0\)"):
            Value(1000.0).exp()

    @pytest.mark.parametrize(("x", "n"), [(0.0, -1), (0.0, -0.5), (-0.0, -2.0)])
    def test_zero_to_a_negative_power(self, x, n):
        with pytest.raises(
            ZeroDivisionError, match=rf"Division by zero: cannot raise {x} to the power {float(n)}$"
        ):
            Value(x) ** n

    def test_pow_overflow_names_the_value_and_exponent(self):
        with pytest.raises(OverflowError, match=r"10.0 \*\* 1000.0 or its derivative overflows"):
            Value(10.0) ** 1000
        with pytest.raises(OverflowError, match=r"-10.0 \*\* 1001.0 or its derivative overflows"):
            Value(-10.0) ** 1001.0
        # The result fits (1e300), its derivative -1.5 * x ** -2.5 (1e500) does not.
        with pytest.raises(OverflowError, match=r"1e-200 \*\* -1.5 or its derivative overflows"):
            Value(1e-200) ** -1.5

    def test_pow_with_numpy_exponents(self):
        # NumPy's own power would warn and give inf instead of raising.
        np = pytest.importorskip("numpy")
        y = Value(2.0) ** np.int64(3)
        assert (y.data, y.op, y.local_grads) == (8.0, "**3", (12.0,))
        with pytest.raises(OverflowError, match=r"10.0 \*\* 1000.0 or its derivative overflows"):
            Value(10.0) ** np.int64(1000)
        with pytest.raises(OverflowError, match=r"10.0 \*\* 1000.0 or its derivative overflows"):
            Value(10.0) ** np.float64(1000.0)
        with pytest.raises(ZeroDivisionError, match=r"cannot raise 0.0 to the power -1.0"):
            Value(0.0) ** np.int64(-1)

    @pytest.mark.parametrize("other", ["a", None, [1.0], True])
    def test_arithmetic_with_non_numbers(self, other):
        for op in (
            lambda: Value(1.0) + other,
            lambda: other - Value(1.0),
            lambda: Value(1.0) * other,
            lambda: other / Value(1.0),
        ):
            with pytest.raises(TypeError):
                op()


class TestGraph:
    def test_topological_order(self):
        a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        c = a * b
        d = c + a
        e = d * c  # c is used twice
        order = topological_order(e)
        assert order[-1] is e
        assert len(order) == len({id(v) for v in order}) == 5
        position = {id(v): i for i, v in enumerate(order)}
        for v in order:
            assert all(position[id(child)] < position[id(v)] for child in v.children)

    def test_topological_order_rejects_non_values(self):
        with pytest.raises(TypeError, match=r"Expected a Value, got float: 1\.0"):
            topological_order(1.0)
        with pytest.raises(TypeError, match="Expected a Value"):
            to_mermaid("x")

    def test_mermaid_of_a_small_graph(self):
        x = Value(0.5, label='x "in"')
        y = (x * x).tanh()
        y.backward()
        text = to_mermaid(y)
        lines = text.splitlines()
        assert lines[0] == "flowchart LR"
        assert lines[1] == f'    v0["x #quot;in#quot; | data 0.5000 | grad {x.grad:.4f}"]'
        assert 0.5 < x.grad < 1.5  # 2x (1 - tanh(x^2)^2)
        assert '    op1(("*"))' in lines
        assert '    op2(("tanh"))' in lines
        # x is used twice by the product: two edges, as in the graph
        assert lines.count("    v0 --> op1") == 2
        assert lines[-1] == "    op2 --> v2"
        assert f"grad {y.grad:.4f}" in lines[lines.index('    op2(("tanh"))') - 1]


# --- the scalar network against a torch float64 replica with the same weights


def torch_replica(model: ScalarMLP):
    """The weights and biases of each layer as float64 tensors that require grad."""
    layers = []
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        activation = layer.neurons[0].activation
        layers.append((W.requires_grad_(), b.requires_grad_(), activation))
    return layers


def torch_forward(layers, X):
    h = torch.tensor(X, dtype=torch.float64)  # (B, n_inputs)
    for W, b, activation in layers:
        h = h @ W.T + b  # (B, n_in) -> (B, n_out)
        if activation != "linear":
            h = getattr(torch, activation)(h)
    return h


def torch_grads(layers):
    return [
        g
        for W, b, _ in layers
        for row, b_i in zip(W.grad, b.grad, strict=True)
        for g in [*row, b_i]
    ]


X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
y = [1.0, -1.0, -1.0, 1.0]


def mse(model, X, y):
    return sum((model(x_i)[0] - y_i) ** 2 for x_i, y_i in zip(X, y, strict=True)) / len(X)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_network_forward_and_gradients_match_torch(activation):
    model = ScalarMLP(3, [4, 4, 2], activation=activation, generator=7)
    layers = torch_replica(model)
    y_hat = [model(x_i) for x_i in X]
    expected = torch_forward(layers, X)
    torch.testing.assert_close(
        torch.tensor([[v.data for v in row] for row in y_hat], dtype=torch.float64), expected
    )

    loss = sum((row[0] - y_i) ** 2 + row[1] * row[1] for row, y_i in zip(y_hat, y, strict=True))
    loss.backward()
    target = torch.tensor(y, dtype=torch.float64)
    ((expected[:, 0] - target) ** 2 + expected[:, 1] ** 2).sum().backward()
    params = model.parameters()
    assert len(params) == 4 * 4 + 4 * 5 + 2 * 5
    torch.testing.assert_close([p.grad for p in params], [g.item() for g in torch_grads(layers)])


def test_training_decreases_the_loss_like_torch():
    model = ScalarMLP(3, [4, 4, 1], generator=0)
    layers = torch_replica(model)
    lr, num_epochs = 0.1, 30
    losses, torch_losses = [], []
    for _ in range(num_epochs):
        loss = mse(model, X, y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)

        t_loss = (
            (torch_forward(layers, X)[:, 0] - torch.tensor(y, dtype=torch.float64)) ** 2
        ).mean()
        for W, b, _ in layers:
            W.grad = b.grad = None
        t_loss.backward()
        with torch.no_grad():
            for W, b, _ in layers:
                W -= lr * W.grad
                b -= lr * b.grad
        torch_losses.append(t_loss.item())
    torch.testing.assert_close(losses, torch_losses)
    assert losses[-1] < 0.25 * losses[0]


def test_without_zero_grad_gradients_pile_up():
    model = ScalarMLP(3, [2, 1], generator=1)
    mse(model, X, y).backward()
    once = [p.grad for p in model.parameters()]
    mse(model, X, y).backward()
    torch.testing.assert_close([p.grad for p in model.parameters()], [2 * g for g in once])
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


class TestInit:
    def test_deterministic_from_seed_or_generator(self):
        def weights(m):
            return [p.data for p in m.parameters()]

        assert weights(ScalarMLP(3, [4, 1], generator=5)) == weights(
            ScalarMLP(3, [4, 1], generator=random.Random(5))
        )
        assert weights(ScalarMLP(3, [4, 1])) == weights(ScalarMLP(3, [4, 1], generator=0))
        assert weights(ScalarMLP(3, [4, 1], generator=5)) != weights(
            ScalarMLP(3, [4, 1], generator=6)
        )
        rng = random.Random(5)
        assert weights(Neuron(3, generator=rng)) != weights(Neuron(3, generator=rng))

    def test_draw_order_and_bounds(self):
        rng = random.Random(3)
        expected = [rng.uniform(-0.5, 0.5) for _ in range(5 * 3)]
        layer = Layer(4, 3, generator=3)
        assert [p.data for p in layer.parameters()] == expected
        assert [p.label for p in layer.neurons[0].parameters()] == ["w0", "w1", "w2", "w3", "b"]

    def test_last_layer_is_linear_and_reprs(self):
        model = ScalarMLP(2, [3, 3, 1], activation="relu")
        assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "relu", "linear"]
        assert repr(model) == "ScalarMLP(2, [3, 3, 1], activation='relu')"
        assert repr(model.layers[0]) == "Layer(2, 3, activation='relu')"
        assert repr(model.layers[0].neurons[0]) == "Neuron(2, activation='relu')"
        assert model([Value(1.0), 2.0])[0].op == "+"

    def test_errors(self):
        with pytest.raises(ValueError, match="Invalid n_inputs: 0"):
            Neuron(0)
        with pytest.raises(TypeError, match=r"Invalid n_inputs: 2\.5 \(expected an int >= 1\)"):
            Neuron(2.5)
        with pytest.raises(ValueError, match="Unknown activation: 'gelu'"):
            Neuron(2, activation="gelu")
        with pytest.raises(ValueError, match="Unknown activation: 'gelu'"):
            ScalarMLP(2, [2], activation="gelu")
        with pytest.raises(ValueError, match="Invalid n_outputs: -1"):
            Layer(2, -1)
        with pytest.raises(ValueError, match=r"Invalid layer_sizes: \[\]"):
            ScalarMLP(2, [])
        with pytest.raises(TypeError, match="layer_sizes must be a sequence of ints, got 3"):
            ScalarMLP(2, 3)
        with pytest.raises(ValueError, match="Invalid layer size: 0"):
            ScalarMLP(2, [3, 0])
        with pytest.raises(
            TypeError, match=r"generator must be a random\.Random, an int seed or None, got str"
        ):
            Neuron(2, generator="seed")
        with pytest.raises(ValueError, match=r"Expected 2 inputs, got 3: \[1, 2, 3\]"):
            ScalarMLP(2, [1])([1, 2, 3])
