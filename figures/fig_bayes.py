"""Figures for the chapter "A taste of Bayesian statistics" (docs/bayes.*.md).

- `bayes_diagnostic`: prior, likelihood, their product and the posterior for one positive result
  of a test with sensitivity 99% and specificity 95%, for a disease of prevalence 1%.
- `bayes_coin_posterior`: the Beta posterior of a coin's probability of heads as flips arrive:
  the page's ten flips one by one, then 1,000 flips of a coin with heads probability 0.7.

The numbers drawn are computed with `dlnotes.bayes` from the same data as the page's code, so a
figure cannot disagree with the page. Labels are in English only.
"""

from __future__ import annotations

import torch

from dlnotes.bayes import BetaBernoulli, posterior

from make_figures import figure

COLORS = {"ill": "#d6604d", "healthy": "#4393c3"}
# Posterior curves: grey for the prior, blues darkening with more data, red for the last one.
CURVES = ["#969696", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#d62728"]
# The page's ten flips (1 = heads) and its long run: 1,000 flips of a coin with P(heads) = 0.7.
FLIPS = torch.tensor([1, 1, 0, 1, 1, 1, 0, 1, 1, 1])
TRUE_THETA = 0.7


def _long_flips() -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return torch.bernoulli(torch.full((1000,), TRUE_THETA), generator=g)


def _bars(ax, values: torch.Tensor, title: str, top: float, fmt: str) -> None:
    names = ["ill", "healthy"]
    ax.bar(names, values.tolist(), color=[COLORS[n] for n in names], width=0.6)
    for i, v in enumerate(values.tolist()):
        ax.text(i, v + top * 0.02, format(v, fmt), ha="center", va="bottom", fontsize=10)
    ax.set_ylim(0, top)
    ax.set_title(title, fontsize=11)
    ax.grid(axis="x", visible=False)


@figure("bayes_diagnostic", figsize=(9.6, 3.4))
def draw_diagnostic(fig) -> None:
    prior = torch.tensor([0.01, 0.99], dtype=torch.float64)  # P(ill), P(healthy)
    likelihood = torch.tensor([0.99, 0.05], dtype=torch.float64)  # P(+ | ill), P(+ | healthy)
    post, evidence = posterior(prior, likelihood, return_evidence=True)
    axes = fig.subplots(1, 4)
    _bars(axes[0], prior, "prior  P(H)", 1.1, ".2f")
    _bars(axes[1], likelihood, "likelihood  P(+ | H)", 1.1, ".2f")
    _bars(axes[2], prior * likelihood, "prior × likelihood", 0.066, ".4f")
    axes[2].text(
        0.5,
        0.93,
        f"sum = P(+) = {evidence.item():.4f}\n(note the scale)",
        transform=axes[2].transAxes,
        ha="center",
        va="top",
        fontsize=9,
        color="dimgray",
    )
    _bars(axes[3], post, "posterior  P(H | +)", 1.1, ".4f")
    axes[3].text(
        0.5,
        0.93,
        "= (prior × likelihood) / P(+)",
        transform=axes[3].transAxes,
        ha="center",
        va="top",
        fontsize=9,
        color="dimgray",
    )


@figure("bayes_coin_posterior", figsize=(9.6, 3.8))
def draw_coin_posterior(fig) -> None:
    theta = torch.linspace(0, 1, 501, dtype=torch.float64)
    ax_a, ax_b = fig.subplots(1, 2)

    # (a) The ten flips of the page, one at a time, from the uniform prior Beta(1, 1).
    history = BetaBernoulli().history(FLIPS)
    shown = [0, 1, 2, 3, 5, 10]
    for k, n in enumerate(shown):
        b = history[n]
        seen = "".join("H" if f else "T" for f in FLIPS[:n].tolist()) or "prior"
        ax_a.plot(
            theta,
            b.pdf(theta),
            color=CURVES[k],
            linewidth=2 if n in (0, 10) else 1.4,
            label=f"n={n}: {seen}  Beta({b.alpha:g}, {b.beta:g})",
        )
    ax_a.set_xlabel("θ = P(heads)")
    ax_a.set_ylabel("posterior density p(θ | flips)")
    ax_a.set_title("(a) the ten flips, one by one", fontsize=11)
    ax_a.legend(fontsize=7.5, loc="upper left", frameon=False)
    ax_a.set_xlim(0, 1)
    ax_a.set_ylim(0, 4.6)

    # (b) A longer run: the posterior narrows around the true value.
    flips = _long_flips()
    for k, n in enumerate([0, 10, 100, 1000]):
        b = BetaBernoulli().update(flips[:n])
        heads = int(flips[:n].sum().item())
        ax_b.plot(
            theta,
            b.pdf(theta),
            color=[CURVES[0], CURVES[2], CURVES[4], CURVES[5]][k],
            linewidth=1.6,
            label=f"n={n}: {heads} heads",
        )
    ax_b.axvline(TRUE_THETA, color="gray", linestyle="--", linewidth=1)
    ax_b.text(TRUE_THETA + 0.02, 26, "true θ = 0.7", color="dimgray", fontsize=9)
    ax_b.set_xlabel("θ = P(heads)")
    ax_b.set_title("(b) 1,000 flips of a coin with θ = 0.7", fontsize=11)
    ax_b.legend(fontsize=8.5, loc="upper left", frameon=False)
    ax_b.set_xlim(0, 1)
    ax_b.set_ylim(bottom=0)
