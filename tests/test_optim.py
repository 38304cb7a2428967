"""Tests for dlnotes.optim, with torch.optim as the oracle.

Each optimizer trains the same small float64 MLP as its torch counterpart, from the same seed,
for hundreds of steps; the parameters and the optimizer state must agree to 1e-12.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnotes.optim import SGD, Adagrad, Adam, AdamW, RMSprop

TOL = {"atol": 1e-12, "rtol": 1e-12}
NUM_STEPS = 300

PAIRS = {
    "SGD": (SGD, torch.optim.SGD),
    "Adagrad": (Adagrad, torch.optim.Adagrad),
    "RMSprop": (RMSprop, torch.optim.RMSprop),
    "Adam": (Adam, torch.optim.Adam),
    "AdamW": (AdamW, torch.optim.AdamW),
}

# (optimizer, keyword arguments): every flag of every optimizer, alone and combined.
CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.05, "eps": 1e-6, "maximize": True}),
    ("RMSprop", {"lr": 0.005}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.002, "momentum": 0.9, "weight_decay": 0.1, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.002, "momentum": 0.9, "centered": True, "alpha": 0.9, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
]


def make_params(seed: int = 0) -> list[torch.Tensor]:
    """A 4-8-1 MLP's weights and biases, float64."""
    g = torch.Generator().manual_seed(seed)
    shapes = [(8, 4), (8,), (1, 8), (1,)]
    return [
        (0.5 * torch.randn(s, generator=g, dtype=torch.float64)).requires_grad_() for s in shapes
    ]


_g = torch.Generator().manual_seed(1)
X = torch.randn(64, 4, generator=_g, dtype=torch.float64)
y = torch.sin(X.sum(dim=1, keepdim=True))  # (64, 1)


def loss_fn(params: list[torch.Tensor], t: int, sign: float = 1.0) -> torch.Tensor:
    """Mean squared error on a mini-batch of 16 that changes with the step `t`."""
    W1, b1, W2, b2 = params
    rows = slice(16 * (t % 4), 16 * (t % 4 + 1))
    y_hat = torch.tanh(X[rows] @ W1.T + b1) @ W2.T + b2  # (16, 4) -> (16, 8) -> (16, 1)
    return sign * ((y_hat - y[rows]) ** 2).mean()


@torch.no_grad()
def set_grads(params: list[torch.Tensor], t: int, sign: float = 1.0) -> None:
    """Sets `p.grad` to the gradient of `loss_fn`, by hand, so that 300 steps stay cheap."""
    W1, b1, W2, b2 = params
    rows = slice(16 * (t % 4), 16 * (t % 4 + 1))
    h = torch.tanh(X[rows] @ W1.T + b1)  # (16, 8)
    d_y_hat = (2 * sign / 16) * (h @ W2.T + b2 - y[rows])  # (16, 1)
    d_z = (d_y_hat @ W2) * (1 - h**2)  # (16, 8)
    grads = [d_z.T @ X[rows], d_z.sum(0), d_y_hat.T @ h, d_y_hat.sum(0)]
    for p, grad in zip(params, grads, strict=True):
        p.grad = grad


def train(
    optimizer: torch.optim.Optimizer,
    params: list[torch.Tensor],
    num_steps: int,
    *,
    start: int = 0,
    sign: float = 1.0,
) -> None:
    for t in range(start, start + num_steps):
        set_grads(params, t, sign)
        optimizer.step()


def test_hand_written_gradients_match_autograd() -> None:
    params = make_params()
    for t, sign in [(0, 1.0), (3, -1.0)]:
        loss_fn(params, t, sign).backward()
        expected = [p.grad for p in params]
        set_grads(params, t, sign)
        torch.testing.assert_close([p.grad for p in params], expected, atol=1e-14, rtol=1e-14)
        for p in params:
            p.grad = None


def assert_same_state(ours: torch.optim.Optimizer, theirs: torch.optim.Optimizer) -> None:
    """The per-parameter state has torch's keys and values."""
    assert len(ours.state) == len(theirs.state)
    for p_ours, p_theirs in zip(
        ours.param_groups[0]["params"], theirs.param_groups[0]["params"], strict=True
    ):
        s_ours, s_theirs = ours.state[p_ours], theirs.state[p_theirs]
        assert sorted(s_ours) == sorted(s_theirs)
        for key in s_theirs:
            torch.testing.assert_close(s_ours[key], s_theirs[key], **TOL)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_trajectory_matches_torch(name: str, kwargs: dict) -> None:
    ours_cls, torch_cls = PAIRS[name]
    # Maximising -loss must retrace the minimisation of loss, so the run stays bounded.
    sign = -1.0 if kwargs.get("maximize") else 1.0
    p_ours, p_theirs = make_params(), make_params()
    ours, theirs = ours_cls(p_ours, **kwargs), torch_cls(p_theirs, **kwargs)
    before = loss_fn(p_ours, 0).item()
    train(ours, p_ours, NUM_STEPS, sign=sign)
    train(theirs, p_theirs, NUM_STEPS, sign=sign)
    torch.testing.assert_close(p_ours, p_theirs, **TOL)
    assert_same_state(ours, theirs)
    # The run went somewhere: a no-op optimizer would also "match" a broken oracle comparison.
    assert loss_fn(p_ours, 0).item() < before


@pytest.mark.parametrize("name", PAIRS)
def test_two_param_groups_and_scheduler(name: str) -> None:
    ours_cls, torch_cls = PAIRS[name]
    runs = []
    for cls in (ours_cls, torch_cls):
        params = make_params()
        groups = [
            {"params": params[0::2], "weight_decay": 0.05},  # weights
            {"params": params[1::2], "lr": 0.002},  # biases
        ]
        optimizer = cls(groups, lr=0.01)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=50, gamma=0.5)
        for t in range(150):
            train(optimizer, params, 1, start=t)
            scheduler.step()
        runs.append((params, optimizer))
    (p_ours, ours), (p_theirs, _) = runs
    torch.testing.assert_close(p_ours, p_theirs, **TOL)
    assert [g["lr"] for g in ours.param_groups] == [0.01 / 8, 0.002 / 8]
    assert [g["weight_decay"] for g in ours.param_groups] == [0.05, ours.defaults["weight_decay"]]


FULL_STATE = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01},
    "RMSprop": {"lr": 0.002, "momentum": 0.9, "centered": True},
    "Adam": {"lr": 0.01, "amsgrad": True},
    "AdamW": {"lr": 0.01, "amsgrad": True},
}


@pytest.mark.parametrize("name", PAIRS)
def test_state_dict_round_trip_continues_the_trajectory(name: str) -> None:
    ours_cls, _ = PAIRS[name]
    kwargs = FULL_STATE[name]
    params = make_params()
    optimizer = ours_cls(params, **kwargs)
    train(optimizer, params, 50)
    saved_params = [p.detach().clone().requires_grad_() for p in params]
    saved_state = copy.deepcopy(optimizer.state_dict())
    train(optimizer, params, 50, start=50)

    # Different hyper-parameters on purpose: load_state_dict must restore the saved ones.
    resumed = ours_cls(saved_params, lr=0.5)
    resumed.load_state_dict(saved_state)
    train(resumed, saved_params, 50, start=50)
    torch.testing.assert_close(saved_params, params, atol=0, rtol=0)
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]


@pytest.mark.parametrize("direction", ["torch->ours", "ours->torch"])
@pytest.mark.parametrize("name", PAIRS)
def test_state_dicts_move_between_torch_and_ours(name: str, direction: str) -> None:
    ours_cls, torch_cls = PAIRS[name]
    first, second = (torch_cls, ours_cls) if direction == "torch->ours" else (ours_cls, torch_cls)
    kwargs = FULL_STATE[name]
    params = make_params()
    optimizer = first(params, **kwargs)
    train(optimizer, params, 40)
    moved = [p.detach().clone().requires_grad_() for p in params]
    other = second(moved, **kwargs)
    other.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    train(optimizer, params, 40, start=40)
    train(other, moved, 40, start=40)
    torch.testing.assert_close(moved, params, **TOL)


@settings(max_examples=10, deadline=None)
@given(
    lr=st.floats(1e-4, 0.1),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.floats(1e-10, 1e-2),
    weight_decay=st.floats(0.0, 0.5),
    amsgrad=st.booleans(),
    decoupled=st.booleans(),
)
def test_adam_matches_torch_across_hyperparameters(
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled: bool,
) -> None:
    kwargs = {
        "lr": lr,
        "betas": (beta1, beta2),
        "eps": eps,
        "weight_decay": weight_decay,
        "amsgrad": amsgrad,
        "decoupled_weight_decay": decoupled,
    }
    p_ours, p_theirs = make_params(), make_params()
    train(Adam(p_ours, **kwargs), p_ours, 30)
    train(torch.optim.Adam(p_theirs, **kwargs), p_theirs, 30)
    torch.testing.assert_close(p_ours, p_theirs, **TOL)


@pytest.mark.parametrize("name", PAIRS)
def test_signature_and_defaults_match_torch(name: str) -> None:
    ours_cls, torch_cls = PAIRS[name]
    ours = inspect.signature(ours_cls).parameters
    theirs = inspect.signature(torch_cls).parameters
    for arg, param in ours.items():
        assert arg in theirs, arg
        assert param.default == theirs[arg].default, arg
    torch_only = set(theirs) - set(ours)
    assert torch_only <= {"foreach", "fused", "capturable", "differentiable"}, torch_only


@pytest.mark.parametrize("name", PAIRS)
def test_step_with_closure_returns_the_loss(name: str) -> None:
    ours_cls, torch_cls = PAIRS[name]
    runs = []
    for cls in (ours_cls, torch_cls):
        params = make_params()
        optimizer = cls(params)
        losses = []

        def closure(
            optimizer: torch.optim.Optimizer = optimizer, params: list = params
        ) -> torch.Tensor:
            assert torch.is_grad_enabled()  # step runs under no_grad, the closure must not
            optimizer.zero_grad()
            loss = loss_fn(params, 0)
            loss.backward()
            return loss

        for _ in range(20):
            losses.append(optimizer.step(closure).item())
        runs.append((params, losses))
    (p_ours, l_ours), (p_theirs, l_theirs) = runs
    assert l_ours == pytest.approx(l_theirs, rel=1e-12, abs=0)
    assert l_ours[-1] < l_ours[0]
    torch.testing.assert_close(p_ours, p_theirs, **TOL)


@pytest.mark.parametrize("name", PAIRS)
def test_step_without_closure_and_lazy_state(name: str) -> None:
    ours_cls, _ = PAIRS[name]
    used, unused = torch.ones(3, requires_grad=True), torch.ones(2, requires_grad=True)
    optimizer = ours_cls([used, unused], lr=0.1)
    assert len(optimizer.state) == 0  # created at the first update, not before
    used.grad = torch.ones(3)
    assert optimizer.step() is None
    assert used.detach().lt(1).all()
    assert torch.equal(unused.detach(), torch.ones(2))  # no grad: skipped, no state
    assert unused not in optimizer.state
    optimizer.zero_grad()
    assert used.grad is None  # zero_grad is torch's, set_to_none by default


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (SGD, {"lr": -1}, r"^Invalid learning rate: -1 "),
        (SGD, {"lr": float("nan")}, r"Invalid learning rate: nan"),
        (SGD, {"momentum": -0.5}, r"Invalid momentum value: -0.5"),
        (SGD, {"weight_decay": -1e-4}, r"Invalid weight_decay value: -0.0001"),
        (SGD, {"nesterov": True}, r"Nesterov momentum requires a momentum.*momentum=0"),
        (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, r"dampening=0.1"),
        (Adagrad, {"lr_decay": -1.0}, r"Invalid lr_decay value: -1.0"),
        (Adagrad, {"initial_accumulator_value": -2}, r"initial_accumulator_value value: -2"),
        (Adagrad, {"eps": -1e-10}, r"Invalid epsilon value: -1e-10"),
        (RMSprop, {"alpha": -0.1}, r"Invalid alpha value: -0.1"),
        (RMSprop, {"alpha": 1.5}, r"Invalid alpha value: 1.5 .*1.0\]"),
        (RMSprop, {"momentum": -1}, r"Invalid momentum value: -1"),
        (RMSprop, {"eps": -1.0}, r"Invalid epsilon value: -1.0"),
        (Adam, {"betas": (1.0, 0.999)}, r"Invalid beta parameter at index 0: 1.0 "),
        (Adam, {"betas": (0.9, -0.1)}, r"Invalid beta parameter at index 1: -0.1 "),
        (Adam, {"lr": -0.001}, r"Invalid learning rate: -0.001"),
        (AdamW, {"weight_decay": -0.01}, r"Invalid weight_decay value: -0.01"),
        (AdamW, {"eps": -1e-8}, r"Invalid epsilon value: -1e-08"),
    ],
)
def test_invalid_hyperparameters_raise(cls: type, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls([torch.zeros(1, requires_grad=True)], **kwargs)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr="0.1"), r"Invalid learning rate: '0.1' \(expected a number"),
        (lambda p: SGD(p, lr=True), r"Invalid learning rate: True"),
        (lambda p: Adam(p, lr=torch.tensor(0.1)), r"Invalid learning rate: tensor"),
        (lambda p: Adam(p, betas=0.9), r"Invalid betas: 0.9 \(expected a pair"),
        (lambda p: Adam(p, betas=(0.9, 0.99, 0.999)), r"Invalid betas"),
        (lambda p: SGD(p, momentum=0.9, dampening=None), r"Invalid dampening value: None"),
    ],
)
def test_wrong_types_raise(make: Callable, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make([torch.zeros(1, requires_grad=True)])


@pytest.mark.parametrize("name", PAIRS)
def test_complex_parameters_are_rejected_at_construction(name: str) -> None:
    ours_cls, _ = PAIRS[name]
    z = torch.zeros(2, dtype=torch.complex128, requires_grad=True)
    with pytest.raises(TypeError, match=rf"{name} does not support complex parameters"):
        ours_cls([torch.zeros(1, requires_grad=True), z])


def test_sgd_takes_sparse_gradients_like_torch() -> None:
    p_ours, p_theirs = torch.ones(4, 2), torch.ones(4, 2)
    ours = SGD([p_ours], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([p_theirs], lr=0.1, momentum=0.9)
    for t in range(3):
        for p, optimizer in [(p_ours, ours), (p_theirs, theirs)]:
            p.grad = (torch.eye(4, 2) * (t + 1)).to_sparse()
            optimizer.step()
    torch.testing.assert_close(p_ours, p_theirs, **TOL)


def test_adamw_stays_decoupled_after_loading_an_adam_state() -> None:
    params = make_params()
    adam = Adam(params, lr=0.01, weight_decay=0.1)
    train(adam, params, 10)
    adamw = AdamW(params, lr=0.01, weight_decay=0.1)
    adamw.load_state_dict(adam.state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True
    assert adam.param_groups[0]["decoupled_weight_decay"] is False


def test_adamw_is_not_adam_with_l2() -> None:
    """The two weight decays give different trajectories (the test above would pass otherwise)."""
    p_w, p_l2 = make_params(), make_params()
    train(AdamW(p_w, lr=0.01, weight_decay=0.1), p_w, 20)
    train(Adam(p_l2, lr=0.01, weight_decay=0.1), p_l2, 20)
    assert not torch.allclose(p_w[0], p_l2[0], atol=1e-6)


def test_adam_with_zero_eps_and_zero_gradient_matches_torch() -> None:
    # 0 / (√0 + 0) is NaN in torch's Adam, and so in ours.
    p_ours, p_theirs = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    ours, theirs = Adam([p_ours], eps=0.0), torch.optim.Adam([p_theirs], eps=0.0)
    for p, optimizer in [(p_ours, ours), (p_theirs, theirs)]:
        p.grad = torch.tensor([0.0, 1.0])
        optimizer.step()
    assert p_theirs[0].isnan()
    torch.testing.assert_close(p_ours, p_theirs, equal_nan=True)
