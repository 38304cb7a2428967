"""Figures for the chapter "Neural networks and the multi-layer perceptron" (docs/neural-networks.*.md).

- `loss_function2`: the MSE of the line model over (w, b), with the path of gradient descent.
- `step_size`: gradient descent on a one-parameter slice of that loss with three step sizes.
- `multi_d`: a 2-D -> 2-D linear map y = W x + b drawn as what it does to a grid.
- `multi_d2`: the shapes in y = W x + b for n = 3 inputs and m = 2 outputs.
- `just_linear`: random deep networks without activations are straight lines; with ReLU they bend.
- `beyond_lnn`: a line and a one-hidden-layer network fitted to `noisy_sine`.
- `activation_function`: sigmoid, tanh, ReLU and GELU, and their derivatives (by autograd).
- `mlp_loss`: MSE against cross-entropy for one sigmoid output, and their gradients in the logit.

The data, models and training loops are the page's, so a figure cannot disagree with its code
(`beyond_lnn` trains them in float64, so that the picture is the same on every processor).
Labels are in English (the same PNG serves both languages).
"""

from __future__ import annotations

import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

from dlnotes.activations import gelu, relu, sigmoid, tanh
from dlnotes.data import noisy_line, noisy_sine
from dlnotes.losses import mse_loss
from dlnotes.models import MLP, Linear, LinearRegression

from make_figures import figure

COLORS = {"data": "#9ecae1", "line": "#e6550d", "mlp": "#31a354", "path": "#d62728"}


def line_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The page's data: 100 points around y = 2x + 1."""
    g = torch.Generator().manual_seed(0)
    return noisy_line(100, slope=2.0, intercept=1.0, noise=0.1, generator=g)


def sine_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The page's curve: 100 noisy points of one period of a sine."""
    return noisy_sine(100, noise=0.1, generator=torch.Generator().manual_seed(0))


def fit(model, X, y, num_epochs: int = 300, lr: float = 0.03):
    """The page's `fit`: full-batch Adam on the MSE."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(num_epochs):
        optimizer.zero_grad()
        loss = mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
    return model


def mse_surface(X, y, w, b):
    """The MSE of y_hat = w x + b for every (w, b) of a grid: (len(b), len(w))."""
    y_hat = w[None, :, None] * X.flatten()[None, None, :] + b[:, None, None]  # (B, W, N)
    return (y_hat - y.flatten()).square().mean(-1)


@figure("loss_function2", figsize=(6.4, 4.6))
def draw_loss_function2(fig) -> None:
    X, y = line_data()
    ax = fig.add_subplot()
    w = torch.linspace(-2.5, 4.5, 201)
    b = torch.linspace(-2.0, 3.0, 201)
    L = mse_surface(X, y, w, b)
    cs = ax.contour(w, b, L, levels=[0.02, 0.1, 0.3, 0.7, 1.5, 3, 5, 8], cmap="viridis")
    ax.clabel(cs, fontsize=8)

    # Gradient descent from a far start, lr = 0.5, as on the page but with a visible path.
    model = LinearRegression()
    with torch.no_grad():
        model.w.fill_(-2.0)
        model.b.fill_(-1.5)
    path = [(model.w.item(), model.b.item())]
    for _ in range(15):
        loss = mse_loss(model(X), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            model.w -= 0.5 * model.w.grad
            model.b -= 0.5 * model.b.grad
        path.append((model.w.item(), model.b.item()))
    pw, pb = zip(*path, strict=True)
    ax.plot(pw, pb, "o-", color=COLORS["path"], ms=4, lw=1.5, label="gradient descent, lr = 0.5")
    ax.plot([2.0], [1.0], "*", color="black", ms=12, label="true line: w = 2, b = 1")
    ax.set_xlabel("slope  $w$")
    ax.set_ylabel("intercept  $b$")
    ax.set_title(r"MSE  $L(w, b) = \frac{1}{N}\sum_i (w x_i + b - y_i)^2$")
    ax.legend(loc="lower right", fontsize=9)


@figure("step_size", figsize=(9.6, 3.4))
def draw_step_size(fig) -> None:
    X, y = line_data()
    # Keep b at its best value and move w only: L(w) is then a parabola of curvature 2 mean(x^2).
    A = torch.cat([X, torch.ones_like(X)], dim=1)
    w_best, b_best = torch.linalg.lstsq(A, y).solution.flatten().tolist()

    def loss(w: float) -> float:
        return (w * X + b_best - y).square().mean().item()

    def grad(w: float) -> float:
        return (2 * (w * X + b_best - y) * X).mean().item()

    curvature = 2 * X.square().mean().item()
    cases = [
        (0.3, "too small: slow"),
        (0.8 / curvature, "about right"),
        (2.1 / curvature, "too large: diverges"),
    ]
    axes = fig.subplots(1, 3, sharey=True)
    ws = torch.linspace(w_best - 3.2, w_best + 3.2, 200)
    for ax, (lr, title) in zip(axes, cases, strict=True):
        ax.plot(ws, [loss(v) for v in ws.tolist()], color="gray", lw=1.5)
        w = w_best - 2.2
        points = [w]
        for _ in range(8):
            w = w - lr * grad(w)
            points.append(w)
        shown = [p for p in points if abs(p - w_best) < 3.2]
        ax.plot(shown, [loss(p) for p in shown], "o-", color=COLORS["path"], ms=4, lw=1.2)
        ax.plot([points[0]], [loss(points[0])], "o", color="black", ms=5)
        ax.set_title(f"lr = {lr:.2f}: {title}", fontsize=10)
        ax.set_xlabel("$w$")
        ax.set_ylim(0, 4.0)
    axes[0].set_ylabel("loss  $L(w)$")


@figure("multi_d", figsize=(8.4, 4.6))
def draw_multi_d(fig) -> None:
    W = torch.tensor([[1.5, 0.6], [-0.4, 1.0]])  # (2, 2)
    b = torch.tensor([0.5, 0.3])
    left, right = fig.subplots(1, 2)
    ticks = torch.linspace(-2, 2, 9)
    t = torch.linspace(-2, 2, 50)
    for ax, M, shift, title in (
        (left, torch.eye(2), torch.zeros(2), "input space: $x$"),
        (right, W, b, "output space: $y = Wx + b$"),
    ):
        for c in ticks.tolist():
            for line in (
                torch.stack([t, torch.full_like(t, c)], 1),
                torch.stack([torch.full_like(t, c), t], 1),
            ):
                mapped = line @ M.T + shift  # (50, 2)
                ax.plot(mapped[:, 0], mapped[:, 1], color="#bdbdbd", lw=0.8)
        square = torch.tensor([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=torch.float32)
        sq = square @ M.T + shift
        ax.fill(sq[:, 0], sq[:, 1], color="#fdd0a2", alpha=0.8)
        o = shift.tolist()
        e1 = (M[:, 0] + shift).tolist()
        e2 = (M[:, 1] + shift).tolist()
        ax.add_patch(
            FancyArrowPatch(o, e1, arrowstyle="-|>", mutation_scale=14, color="#e6550d", lw=2)
        )
        ax.add_patch(
            FancyArrowPatch(o, e2, arrowstyle="-|>", mutation_scale=14, color="#3182bd", lw=2)
        )
        ax.set_xlim(-3.5, 3.5)
        ax.set_ylim(-3.5, 3.5)
        ax.set_aspect("equal")
        ax.set_title(title)
        ax.grid(False)
    left.text(1.05, -0.35, "$e_1$", color="#e6550d")
    left.text(-0.45, 1.05, "$e_2$", color="#3182bd")
    right.text(e1[0] + 0.1, e1[1] - 0.3, "$We_1 + b$", color="#e6550d", fontsize=10)
    right.text(e2[0] - 0.9, e2[1] + 0.15, "$We_2 + b$", color="#3182bd", fontsize=10)
    right.text(
        -3.3, -3.2, "W = [[1.5, 0.6], [-0.4, 1.0]],  b = [0.5, 0.3]", fontsize=9, color="dimgray"
    )


def _matrix(ax, x0, y_top, rows, cols, color, entries, label):
    """Draws a rows x cols box grid with symbolic entries; returns its right edge."""
    for i in range(rows):
        for j in range(cols):
            ax.add_patch(
                Rectangle((x0 + j, y_top - i - 1), 1, 1, facecolor=color, edgecolor="black")
            )
            ax.text(
                x0 + j + 0.5, y_top - i - 0.5, entries[i][j], ha="center", va="center", fontsize=11
            )
    ax.text(x0 + cols / 2, y_top - rows - 0.35, label, ha="center", va="top", fontsize=10)
    return x0 + cols


@figure("multi_d2", figsize=(7.6, 2.8))
def draw_multi_d2(fig) -> None:
    ax = fig.add_subplot()
    n, m = 3, 2
    mid = -1.5
    x = 0.0
    x = _matrix(ax, x, -0.5, m, 1, "#c7e9c0", [["$y_1$"], ["$y_2$"]], "y: (m,) = (2,)")
    ax.text(x + 0.45, mid, "=", ha="center", va="center", fontsize=16)
    x += 0.9
    W = [[f"$w_{{{i}{j}}}$" for j in range(1, n + 1)] for i in range(1, m + 1)]
    x = _matrix(ax, x, -0.5, m, n, "#c6dbef", W, "W: (m, n) = (2, 3)")
    x += 0.2
    x = _matrix(ax, x, 0.0, n, 1, "#fdd0a2", [["$x_1$"], ["$x_2$"], ["$x_3$"]], "x: (n,) = (3,)")
    ax.text(x + 0.45, mid, "+", ha="center", va="center", fontsize=16)
    x += 0.9
    x = _matrix(ax, x, -0.5, m, 1, "#fcbba1", [["$b_1$"], ["$b_2$"]], "b: (m,) = (2,)")
    ax.text(
        x + 0.6,
        -0.9,
        "$y_i = \\sum_j w_{ij} x_j + b_i$\n\nbatch in torch:\nY = X @ W.T + b\n(N, 3) @ (3, 2) + (2,)\n   -> (N, 2)",
        ha="left",
        va="top",
        fontsize=10,
    )
    ax.set_xlim(-0.3, x + 4.2)
    ax.set_ylim(-3.8, 0.2)
    ax.set_aspect("equal")
    ax.axis("off")


@figure("just_linear", figsize=(8.4, 3.4))
def draw_just_linear(fig) -> None:
    x = torch.linspace(-2, 2, 201)[:, None]  # (201, 1)
    left, right = fig.subplots(1, 2, sharey=False)
    for seed in range(5):
        for ax, activation in ((left, False), (right, True)):
            gen = torch.Generator().manual_seed(seed)
            net = MLP(1, [16, 16, 16], 1, activation="relu", generator=gen)
            # Without the activations, the same four layers (the same initial weights).
            layers = net.layers if activation else [m for m in net.layers if isinstance(m, Linear)]
            with torch.no_grad():
                ax.plot(x.flatten(), torch.nn.Sequential(*layers)(x).flatten(), lw=1.6)
    left.set_title("4 Linear layers, no activation:\nalways a straight line", fontsize=10)
    right.set_title("4 Linear layers with ReLU in between:\npiecewise linear, bends", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel("$x$")
    left.set_ylabel("network output (5 random initialisations)")


@figure("beyond_lnn", figsize=(6.4, 4.0))
def draw_beyond_lnn(fig) -> None:
    # The page's run, in float64: in float32, 300 steps of Adam magnify the CPU's rounding into
    # curves that differ visibly from one processor to another (0.12 to 0.16 at x = 0), and the
    # figure must come out the same everywhere. In float64 they agree to four decimals.
    X, y = (t.double() for t in sine_data())
    linear = fit(LinearRegression(generator=torch.Generator().manual_seed(0)).double(), X, y)
    net = MLP(1, 32, 1, activation="tanh", generator=torch.Generator().manual_seed(0)).double()
    net = fit(net, X, y)
    ax = fig.add_subplot()
    x = torch.linspace(0, 1, 200, dtype=torch.float64)[:, None]
    ax.scatter(X.flatten(), y.flatten(), s=14, color=COLORS["data"], label="data (noisy_sine)")
    with torch.no_grad():
        ax.plot(x.flatten(), linear(x).flatten(), color=COLORS["line"], lw=2, label="linear model")
        ax.plot(
            x.flatten(),
            net(x).flatten(),
            color=COLORS["mlp"],
            lw=2,
            label="1 hidden layer, 32 tanh units",
        )
    ax.plot(
        x.flatten(), torch.sin(2 * torch.pi * x).flatten(), "k--", lw=1, label=r"$\sin(2\pi x)$"
    )
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend(fontsize=9, loc="lower left")


@figure("activation_function", figsize=(9.6, 3.6))
def draw_activation_function(fig) -> None:
    left, right = fig.subplots(1, 2)
    # -4, -3.99, ..., 4 with exactly 0 among them: linspace's middle point is 9e-8 with vector
    # code and 0 without, which moves ReLU's jump by one step from one processor to another.
    z = (torch.arange(-400, 401) / 100).requires_grad_()
    for f, color in ((sigmoid, "#3182bd"), (tanh, "#e6550d"), (relu, "#31a354"), (gelu, "#756bb1")):
        out = f(z)
        (grad,) = torch.autograd.grad(out.sum(), z)
        left.plot(z.detach(), out.detach(), color=color, lw=2, label=f.__name__)
        right.plot(z.detach(), grad, color=color, lw=2, label=f.__name__)
    left.set_title("activation  $\\sigma(z)$")
    right.set_title("derivative  $\\sigma'(z)$  (autograd)")
    left.set_ylim(-1.5, 3)
    right.set_ylim(-0.2, 1.2)
    for ax in (left, right):
        ax.set_xlabel("$z$")
        ax.legend(fontsize=9, loc="upper left")


@figure("mlp_loss", figsize=(9.6, 3.6))
def draw_mlp_loss(fig) -> None:
    # One output p = sigmoid(z) whose true label is 1.
    z = torch.linspace(-6, 6, 401, requires_grad=True)
    p = sigmoid(z)
    losses = {
        "MSE  $(1 - p)^2$": (1 - p).square(),
        "cross-entropy  $-\\log p$": -torch.log(p),
    }
    left, right = fig.subplots(1, 2)
    for (name, loss), color in zip(losses.items(), ("#e6550d", "#3182bd"), strict=True):
        (grad,) = torch.autograd.grad(loss.sum(), z, retain_graph=True)
        left.plot(z.detach(), loss.detach(), color=color, lw=2, label=name)
        right.plot(z.detach(), grad.abs(), color=color, lw=2, label=name)
    left.set_title("loss for a true label 1,  $p = \\sigma(z)$", fontsize=10)
    right.set_title("size of the gradient  $|\\partial L / \\partial z|$", fontsize=10)
    left.set_ylim(0, 4)
    right.axvspan(-6, 0, color="#fee0d2", alpha=0.6)
    right.text(-5.8, 0.4, "confidently wrong:\nMSE's gradient vanishes", fontsize=9)
    for ax in (left, right):
        ax.set_xlabel("logit  $z$")
        ax.legend(fontsize=9, loc="upper right")
