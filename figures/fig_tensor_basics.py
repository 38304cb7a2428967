"""Figures for the chapter "Tensor basics" (docs/tensor-basics.*.md).

- `broadcasting`: (2, 2) + (1, 2) and (2, 1) + (1, 2), with the broadcast copies drawn dashed.
- `matmul_vs_mul`: `m1 @ m2` against `m1 * m2` for m1 of shape (2, 2) and m2 of shape (2, 1).

The numbers drawn are computed with torch, so a figure cannot disagree with the page's code.
Labels are in English only (shapes and numbers read the same in both languages).
"""

from __future__ import annotations

import torch
from matplotlib.patches import Rectangle

from make_figures import figure

CELL = 1.0  # side of one box, in data units
GAP = 0.9  # horizontal space between a grid and an operator sign
COLORS = {"a": "#c6dbef", "b": "#fdd0a2", "out": "#c7e9c0", "hi": "#fb6a4a"}


def _grid(ax, x0: float, y_top: float, values: torch.Tensor, color: str, stored=None) -> float:
    """Draws a 2-D tensor as boxes whose top-left corner is (x0, y_top); returns its right edge.

    `stored` is a boolean tensor of the same shape: False marks a broadcast copy (drawn dashed
    and pale), True a value held in memory. Everything is stored by default.
    """
    rows, cols = values.shape
    if stored is None:
        stored = torch.ones(rows, cols, dtype=torch.bool)
    for i in range(rows):
        for j in range(cols):
            real = bool(stored[i, j])
            ax.add_patch(
                Rectangle(
                    (x0 + j * CELL, y_top - (i + 1) * CELL),
                    CELL,
                    CELL,
                    facecolor=color if real else "white",
                    edgecolor="black" if real else "gray",
                    linestyle="-" if real else "--",
                    linewidth=1.2,
                )
            )
            ax.text(
                x0 + (j + 0.5) * CELL,
                y_top - (i + 0.5) * CELL,
                f"{values[i, j].item():g}",
                ha="center",
                va="center",
                fontsize=12,
                color="black" if real else "gray",
            )
    return x0 + cols * CELL


def _sign(ax, x: float, y: float, text: str) -> float:
    """Draws an operator sign centred at height y after x; returns where the next item starts."""
    ax.text(x + GAP / 2, y, text, ha="center", va="center", fontsize=16)
    return x + GAP


def _label(ax, x0: float, x1: float, y: float, text: str) -> None:
    ax.text((x0 + x1) / 2, y, text, ha="center", va="top", fontsize=10)


def _setup(ax, width: float, height: float) -> None:
    ax.set_xlim(-0.2, width)
    ax.set_ylim(-height, 0.9)
    ax.set_aspect("equal")
    ax.axis("off")


def _sum_row(ax, y_top: float, a: torch.Tensor, b: torch.Tensor, title: str) -> None:
    """One row of the broadcasting figure: a + b = out, each broadcast to the output shape."""
    out = a + b
    shape = out.shape

    def expanded(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        stored = torch.zeros(shape, dtype=torch.bool)
        stored[: t.shape[0], : t.shape[1]] = True
        return t.expand(shape), stored

    ax.text(0, y_top + 0.5, title, ha="left", va="center", fontsize=12, fontweight="bold")
    mid = y_top - shape[0] * CELL / 2
    label_y = y_top - shape[0] * CELL - 0.15
    x = 0.0
    for t, color, sign in ((a, COLORS["a"], "+"), (b, COLORS["b"], "=")):
        values, stored = expanded(t)
        x1 = _grid(ax, x, y_top, values, color, stored)
        note = "" if tuple(t.shape) == tuple(shape) else f" → {tuple(shape)}"
        _label(ax, x, x1, label_y, f"{tuple(t.shape)}{note}")
        x = _sign(ax, x1, mid, sign)
    x1 = _grid(ax, x, y_top, out, COLORS["out"])
    _label(ax, x, x1, label_y, str(tuple(shape)))


@figure("broadcasting", figsize=(6.4, 5.0))
def draw_broadcasting(fig) -> None:
    ax = fig.add_subplot()
    b = torch.tensor([[10.0, 20.0]])  # (1, 2)
    _sum_row(ax, 0.0, torch.tensor([[1.0, 2.0], [3.0, 4.0]]), b, "(2, 2) + (1, 2)")
    _sum_row(ax, -3.6, torch.tensor([[1.0], [2.0]]), b, "(2, 1) + (1, 2)")
    ax.text(
        0,
        -6.7,
        "solid: values in memory    dashed: broadcast copies (never stored)",
        ha="left",
        va="center",
        fontsize=10,
        color="dimgray",
    )
    _setup(ax, 8.8, 7.0)


@figure("matmul_vs_mul", figsize=(6.4, 4.0))
def draw_matmul_vs_mul(fig) -> None:
    ax = fig.add_subplot()
    m1 = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # (2, 2)
    m2 = torch.tensor([[1.0], [2.0]])  # (2, 1)

    # Top row: matrix product. Row 0 of m1 times the column of m2 gives the first output.
    prod = m1 @ m2  # (2, 1)
    ax.text(
        0, 0.5, "m1 @ m2  (matrix product)", ha="left", va="center", fontsize=12, fontweight="bold"
    )
    x1 = _grid(ax, 0.0, 0.0, m1, COLORS["a"])
    ax.add_patch(
        Rectangle((0, -CELL), 2 * CELL, CELL, fill=False, edgecolor=COLORS["hi"], linewidth=2.5)
    )
    _label(ax, 0.0, x1, -2.15, "(2, 2)")
    x = _sign(ax, x1, -1.0, "@")
    x2 = _grid(ax, x, 0.0, m2, COLORS["b"])
    ax.add_patch(
        Rectangle((x, -2 * CELL), CELL, 2 * CELL, fill=False, edgecolor=COLORS["hi"], linewidth=2.5)
    )
    _label(ax, x, x2, -2.15, "(2, 1)")
    x = _sign(ax, x2, -1.0, "=")
    x3 = _grid(ax, x, 0.0, prod, COLORS["out"])
    ax.add_patch(
        Rectangle((x, -CELL), CELL, CELL, fill=False, edgecolor=COLORS["hi"], linewidth=2.5)
    )
    _label(ax, x, x3, -2.15, "(2, 1)")
    ax.text(
        x3 + 0.4,
        -0.5,
        f"1×1 + 2×2 = {prod[0, 0].item():g}",
        ha="left",
        va="center",
        fontsize=11,
        color=COLORS["hi"],
    )

    # Bottom row: element-wise product; m2 is broadcast to (2, 2) first.
    elementwise = m1 * m2  # (2, 2)
    y = -3.4
    ax.text(
        0,
        y + 0.5,
        "m1 * m2  (element-wise, m2 broadcast)",
        ha="left",
        va="center",
        fontsize=12,
        fontweight="bold",
    )
    x1 = _grid(ax, 0.0, y, m1, COLORS["a"])
    _label(ax, 0.0, x1, y - 2.15, "(2, 2)")
    x = _sign(ax, x1, y - 1.0, "*")
    stored = torch.tensor([[True, False], [True, False]])
    x2 = _grid(ax, x, y, m2.expand(2, 2), COLORS["b"], stored)
    _label(ax, x, x2, y - 2.15, "(2, 1) → (2, 2)")
    x = _sign(ax, x2, y - 1.0, "=")
    x3 = _grid(ax, x, y, elementwise, COLORS["out"])
    _label(ax, x, x3, y - 2.15, "(2, 2)")
    _setup(ax, 10.2, 6.0)
