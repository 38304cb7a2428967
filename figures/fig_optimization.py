"""Figures for the chapter "Optimizers and regularization" (docs/optimization.*.md).

- `optimizer_paths`: 40 steps of each optimizer of `dlnotes.optim` on the elongated quadratic
  bowl $f(w) = (w_1^2 + 20 w_2^2) / 2$ from $(-4, 1)$, over the contours of $f$.

The trajectories are computed with the same optimizers and hyper-parameters as the page's code,
so the figure cannot disagree with the numbers printed there. Labels are in English.
"""

from __future__ import annotations

import torch

from dlnotes.optim import SGD, Adagrad, Adam, AdamW, RMSprop

from make_figures import figure

START = (-4.0, 1.0)
NUM_STEPS = 40
OPTIMIZERS = {
    "GD (lr 0.09)": lambda params: SGD(params, lr=0.09),
    "Momentum (lr 0.03, μ 0.8)": lambda params: SGD(params, lr=0.03, momentum=0.8),
    "Nesterov (lr 0.03, μ 0.8)": lambda params: SGD(params, lr=0.03, momentum=0.8, nesterov=True),
    "Adagrad (lr 1.0)": lambda params: Adagrad(params, lr=1.0),
    "RMSprop (lr 0.1)": lambda params: RMSprop(params, lr=0.1),
    "Adam (lr 0.3)": lambda params: Adam(params, lr=0.3),
    "AdamW (lr 0.3, λ 0.1)": lambda params: AdamW(params, lr=0.3, weight_decay=0.1),
}
COLORS = ["black", "tab:blue", "tab:cyan", "tab:green", "tab:purple", "tab:red", "tab:orange"]


def loss_fn(w: torch.Tensor) -> torch.Tensor:
    return 0.5 * (w[0] ** 2 + 20 * w[1] ** 2)


def trajectory(make) -> torch.Tensor:
    """The start and the parameters after each step, shape (NUM_STEPS + 1, 2)."""
    w = torch.nn.Parameter(torch.tensor(START))
    optimizer = make([w])
    points = [w.detach().clone()]
    for _ in range(NUM_STEPS):
        optimizer.zero_grad()
        loss_fn(w).backward()
        optimizer.step()
        points.append(w.detach().clone())
    return torch.stack(points)


@figure("optimizer_paths", figsize=(7.2, 7.6))
def draw_optimizer_paths(fig) -> None:
    paths = {name: trajectory(make) for name, make in OPTIMIZERS.items()}
    grid_x = torch.linspace(-4.5, 1.0, 200)
    grid_y = torch.linspace(-1.3, 1.3, 200)
    X, Y = torch.meshgrid(grid_x, grid_y, indexing="xy")
    Z = 0.5 * (X**2 + 20 * Y**2)
    levels = [0.05, 0.25, 0.5, 1, 2, 4, 8, 12, 18]
    groups = [
        ("Gradient descent and momentum", ["GD", "Momentum", "Nesterov"]),
        ("Adaptive methods", ["Adagrad", "RMSprop", "Adam", "AdamW"]),
    ]
    for i, (title, prefixes) in enumerate(groups):
        ax = fig.add_subplot(2, 1, i + 1)
        ax.contour(X.numpy(), Y.numpy(), Z.numpy(), levels=levels, colors="lightgray",
                   linewidths=0.8)  # fmt: skip
        for (name, path), color in zip(paths.items(), COLORS, strict=False):
            if name.split(" ")[0] not in prefixes:
                continue
            # Adagrad and RMSprop nearly coincide here: draw Adagrad wide and pale underneath.
            wide = name.startswith("Adagrad")
            ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=5 if wide else 2.5,
                    linewidth=5 if wide else 1.2, alpha=0.45 if wide else 1.0,
                    label=name)  # fmt: skip
        ax.plot(*START, "ks", markersize=6)
        ax.plot(0, 0, "k*", markersize=12)
        ax.set_title(f"{title}: {NUM_STEPS} steps on (w1² + 20 w2²) / 2", fontsize=11)
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_xlim(-4.5, 1.0)
        ax.set_ylim(-1.3, 1.3)
        ax.legend(loc="lower right", fontsize=9)
