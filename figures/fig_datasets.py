"""Figures for the chapter "Data sets and data loaders" (docs/datasets.*.md).

- `dataset_structure`: a `Dataset` answers `ds[i]` with one sample `(x, y)`; a `DataLoader` draws
  shuffled indices, asks the data set for each, and stacks the samples into a batch; the
  training loop iterates over the batches.

The digits drawn are the embedded scikit-learn digits and the indices come from a seeded
`torch.Generator`, so the figure shows what the page's code computes. Labels are in English only.
"""

from __future__ import annotations

import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from dlnotes.data import load_digits_split

from make_figures import figure

COLORS = {"dataset": "#c6dbef", "loader": "#fdd0a2", "loop": "#c7e9c0"}
BATCH = 4  # batch size drawn


def _panel(ax, x0: float, width: float, color: str, title: str, subtitle: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x0, 0.3),
            width,
            6.9,
            boxstyle="round,pad=0.05,rounding_size=0.25",
            facecolor=color,
            edgecolor="black",
            linewidth=1.2,
            alpha=0.6,
        )
    )
    ax.text(x0 + width / 2, 6.85, title, ha="center", va="center", fontsize=13, weight="bold")
    ax.text(
        x0 + width / 2, 6.35, subtitle, ha="center", va="center", fontsize=9, family="monospace"
    )


def _digit(ax, image: torch.Tensor, x: float, y: float, size: float = 0.8) -> None:
    """Draws an 8x8 image with its lower-left corner at (x, y)."""
    ax.imshow(
        image.reshape(8, 8).numpy(),
        cmap="gray_r",
        vmin=0.0,
        vmax=1.0,
        extent=(x, x + size, y, y + size),
        interpolation="nearest",
        zorder=3,
    )


def _arrow(ax, x0: float, x1: float, y: float, text: str) -> None:
    ax.add_patch(
        FancyArrowPatch((x0, y), (x1, y), arrowstyle="-|>", mutation_scale=18, linewidth=1.5)
    )
    ax.text((x0 + x1) / 2, y + 0.25, text, ha="center", va="bottom", fontsize=9)


@figure("dataset_structure", figsize=(9.6, 4.4))
def draw_dataset_structure(fig) -> None:
    ax = fig.add_subplot()
    X_train, y_train, _, _ = load_digits_split(seed=0, flatten=False)
    order = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(0))
    chosen = order[:BATCH]

    # Dataset: indexable samples.
    _panel(ax, 0.0, 3.6, COLORS["dataset"], "Dataset", "__len__, __getitem__")
    for row, i in enumerate(chosen.tolist()):
        y = 5.2 - row * 1.15
        ax.text(0.2, y + 0.4, f"ds[{i}]", ha="left", va="center", fontsize=10, family="monospace")
        ax.text(1.55, y + 0.4, "→ (", ha="left", va="center", fontsize=11)
        _digit(ax, X_train[i], 2.05, y)
        ax.text(2.9, y + 0.4, f", {int(y_train[i])})", ha="left", va="center", fontsize=11)
    ax.text(
        1.8,
        0.65,
        f"len(ds) = {len(y_train)}",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )

    # DataLoader: sampler + collate.
    _panel(ax, 5.0, 4.0, COLORS["loader"], "DataLoader", "batch_size, shuffle")
    ax.text(7.0, 5.35, "1. sampler: shuffled indices", ha="center", va="center", fontsize=10)
    ax.text(
        7.0,
        4.8,
        str(chosen.tolist())[:-1] + ", ...]",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )
    ax.text(7.0, 3.85, "2. ds[i] for each index", ha="center", va="center", fontsize=10)
    ax.text(7.0, 2.9, "3. collate: torch.stack", ha="center", va="center", fontsize=10)
    ax.text(
        7.0,
        2.35,
        f"{BATCH} × (1, 8, 8) → ({BATCH}, 1, 8, 8)",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )
    ax.text(
        7.0,
        1.3,
        f"len(loader) = ⌈{len(y_train)} / {BATCH}⌉",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )

    # The loop: batches.
    _panel(ax, 10.0, 4.0, COLORS["loop"], "iterator", "for X_batch, y_batch in loader")
    for k, i in enumerate(chosen.tolist()):
        _digit(ax, X_train[i], 10.3 + k * 0.85, 4.3)
    ax.text(
        12.0,
        3.85,
        f"X_batch: ({BATCH}, 1, 8, 8)",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )
    labels = [int(y_train[i]) for i in chosen.tolist()]
    ax.text(
        12.0, 3.0, f"y_batch: {labels}", ha="center", va="center", fontsize=10, family="monospace"
    )
    ax.text(12.0, 2.1, "→ model → loss → step", ha="center", va="center", fontsize=10)
    ax.text(
        12.0,
        1.2,
        "next batch ... until the\nepoch ends",
        ha="center",
        va="center",
        fontsize=9,
        color="dimgray",
    )

    _arrow(ax, 3.65, 4.95, 3.9, "(x, y)")
    _arrow(ax, 9.05, 9.95, 3.9, "batches")
    ax.set_xlim(-0.2, 14.2)
    ax.set_ylim(0.1, 7.4)
    ax.set_aspect("equal")
    ax.axis("off")
