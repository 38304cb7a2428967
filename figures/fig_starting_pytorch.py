"""Figures for the chapter "Starting PyTorch" (docs/starting-pytorch.*.md).

- `dl_frameworks`: a timeline of six deep-learning frameworks, coloured by how a program
  becomes a computation: a graph declared first and run later (define-and-run), a graph
  recorded while the code runs (define-by-run, eager), a high-level API over other frameworks,
  or function transformations (grad, jit, vmap) that trace and compile Python functions.

Dates are to the month where a release is known to the month; the page's references and its
"framework landscape" section give the sources. Bars that reach the right edge are still
developed. Labels are in English only, so the same PNG serves both languages.
"""

from __future__ import annotations

from matplotlib.patches import Patch

from make_figures import figure

NOW = 2026.0  # right edge of the time axis: an ongoing project's bar runs to here
STYLES = {
    "static": ("#9ecae1", "define-and-run (static graph)"),
    "dynamic": ("#fdae6b", "define-by-run (dynamic graph, eager)"),
    "api": ("#c7e9c0", "high-level API over other frameworks"),
    "transform": ("#dadaeb", "function transformations (grad, jit, vmap)"),
}


def _year(year: int, month: int) -> float:
    """The middle of a month as a fractional year."""
    return year + (month - 0.5) / 12


# name, who, [(start, end, style)], [(time, label[, "right"])]; rows are drawn top to bottom.
# An event label starts at its tick, or ends there when "right" is given (near the right edge).
FRAMEWORKS = [
    (
        "Theano",
        "MILA, U. Montréal",
        [(2007.0, _year(2017, 11), "static")],
        [(_year(2017, 11), "1.0, last major release")],
    ),
    (
        "Chainer",
        "Preferred Networks",
        [(_year(2015, 6), _year(2019, 12), "dynamic")],
        [(_year(2015, 6), "introduces 'define-by-run'"), (_year(2019, 12), "maintenance only")],
    ),
    (
        "TensorFlow",
        "Google",
        [(_year(2015, 11), _year(2019, 9), "static"), (_year(2019, 9), NOW, "dynamic")],
        [(_year(2015, 11), "open-sourced"), (_year(2019, 9), "2.0: eager by default")],
    ),
    (
        "Keras",
        "F. Chollet",
        [(_year(2015, 3), NOW, "api")],
        [
            (_year(2017, 11), "tf.keras (TF 1.4)"),
            (_year(2023, 11), "Keras 3: JAX/TF/PyTorch backends", "right"),
        ],
    ),
    (
        "PyTorch",
        "Facebook AI Research (Meta)",
        [(_year(2017, 1), NOW, "dynamic")],
        [
            (_year(2017, 1), "public release"),
            (_year(2018, 12), "1.0"),
            (_year(2022, 9), "PyTorch Foundation"),
        ],
    ),
    (
        "JAX",
        "Google",
        [(_year(2018, 12), NOW, "transform")],
        [(_year(2018, 12), "open-sourced")],
    ),
]


@figure("dl_frameworks", figsize=(8.0, 4.8))
def draw_dl_frameworks(fig) -> None:
    ax = fig.add_subplot()
    name_x = 2006.6  # right edge of the name column, left of the earliest bar
    for row, (name, who, spans, events) in enumerate(FRAMEWORKS):
        y = -row
        for start, end, style in spans:
            color, _ = STYLES[style]
            ax.barh(y, end - start, left=start, height=0.36, color=color, edgecolor="black")
        ax.text(name_x, y, name, ha="right", va="bottom", fontsize=10, fontweight="bold")
        ax.text(name_x, y, who, ha="right", va="top", fontsize=8, color="dimgray")
        for i, (time, label, *align) in enumerate(events):
            right = align == ["right"]
            ax.plot([time], [y], marker="|", color="black", markersize=14, markeredgewidth=2)
            # Alternate above and below so that neighbouring labels do not collide.
            above = i % 2 == 0
            ax.text(
                time - 0.1 if right else time + 0.1,
                y + (0.22 if above else -0.22),
                label,
                ha="right" if right else "left",
                va="bottom" if above else "top",
                fontsize=7.5,
                color="#333333",
            )
    ax.set_xlim(2001.0, NOW)
    ax.set_ylim(-len(FRAMEWORKS) + 0.45, 0.6)
    ax.set_xticks(range(2007, 2026, 2))
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("year")
    handles = [Patch(facecolor=c, edgecolor="black", label=label) for c, label in STYLES.values()]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
