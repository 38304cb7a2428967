"""Figures for the chapter "Deep-learning basics and a historical review" (docs/history.*.md).

- `dl_intro`: artificial intelligence contains machine learning, which contains deep learning.
- `loss_function`: losses are proxies: the squared and absolute penalties of a residual, and the
  cross-entropy that stands in for the 0-1 error of a classifier.
- `loss_outliers`: lines fitted with MSE and with L1 to data with outliers (the page's demo).
- `dl_timeline`: the papers of the historical review, placed at the year each first appeared.

The outlier fits are computed here with the same data, model and optimizer as the page, so the
figure cannot disagree with the page's printed numbers. Labels are in English only.
"""

from __future__ import annotations

import torch
from matplotlib.patches import Ellipse

from dlnotes.losses import l1_loss, mse_loss
from dlnotes.models import LinearRegression

from make_figures import figure

COLORS = {"ai": "#deebf7", "ml": "#9ecae1", "dl": "#4292c6", "mse": "#d94801", "l1": "#238b45"}


@figure("dl_intro", figsize=(6.4, 4.4))
def draw_dl_intro(fig) -> None:
    ax = fig.add_subplot()
    regions = [
        # (centre, width, height, colour, title, examples, y of the text)
        (
            (0.0, 0.0),
            12.0,
            8.0,
            COLORS["ai"],
            "Artificial intelligence",
            "search, planning, logic, rule-based expert systems, ...",
            3.35,
        ),
        (
            (0.0, -0.9),
            9.0,
            5.6,
            COLORS["ml"],
            "Machine learning",
            "learns from data:\nlinear models, decision trees, SVMs, ...",
            1.35,
        ),
        (
            (0.0, -2.0),
            5.8,
            3.1,
            COLORS["dl"],
            "Deep learning",
            "many-layer neural networks\nlearn the features themselves:\nCNNs, RNNs, Transformers",
            -1.15,
        ),
    ]
    for (cx, cy), width, height, color, title, examples, ty in regions:
        ax.add_patch(Ellipse((cx, cy), width, height, facecolor=color, edgecolor="#08306b", lw=1.2))
        text_color = "white" if color == COLORS["dl"] else "black"
        ax.text(
            cx,
            ty,
            title,
            ha="center",
            va="center",
            fontsize=13,
            fontweight="bold",
            color=text_color,
        )
        ax.text(cx, ty - 0.5, examples, ha="center", va="top", fontsize=9.5, color=text_color)
    ax.set_xlim(-6.2, 6.2)
    ax.set_ylim(-4.2, 4.2)
    ax.set_aspect("equal")
    ax.axis("off")


@figure("loss_function", figsize=(7.6, 3.4))
def draw_loss_function(fig) -> None:
    left, right = fig.subplots(1, 2)

    r = torch.arange(-300, 301) / 100  # residual y_hat - y; exactly 0 in the middle (not linspace)
    left.plot(r, r.square(), color=COLORS["mse"], lw=2, label="squared  $r^2$  (MSE)")
    left.plot(r, r.abs(), color=COLORS["l1"], lw=2, label="absolute  $|r|$  (L1)")
    left.set_xlabel(r"residual  $r = \hat y - y$")
    left.set_ylabel("loss of one example")
    left.set_title("Regression")
    left.set_ylim(0, 6)
    left.legend(loc="upper center", fontsize=9)

    p = torch.arange(4, 401) / 400  # probability of the true class: 0.01 to 1, exactly 0.5 included
    zero_one = (p < 0.5).float()  # 1 = misclassified (two classes)
    right.plot(
        p, zero_one, color="black", lw=2, drawstyle="steps-post", label="0-1 error (what we want)"
    )
    right.plot(p, -torch.log2(p), color="#6a51a3", lw=2, label=r"cross-entropy $-\log_2 p$ (proxy)")
    right.set_xlabel("probability given to the true class  $p$")
    right.set_title("Binary classification")
    right.set_ylim(0, 4)
    right.legend(loc="upper right", fontsize=9)


def outlier_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The page's data: 40 points around y = 2x + 1, the 6 right-most pushed 20 below."""
    g = torch.Generator().manual_seed(0)
    n = 40
    X = torch.rand(n, 1, generator=g) * 10  # (40, 1)
    y = 2.0 * X + 1.0 + 0.5 * torch.randn(n, 1, generator=g)  # (40, 1)
    far = X.squeeze(1).argsort()[-6:]
    y[far] -= 20.0
    return X, y, far


def fit(X: torch.Tensor, y: torch.Tensor, loss_fn, num_epochs: int = 300, lr: float = 0.01):
    """The page's `fit`: full-batch gradient descent with momentum on a line."""
    model = LinearRegression(generator=torch.Generator().manual_seed(1))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(num_epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    return model


@figure("loss_outliers", figsize=(6.4, 4.2))
def draw_loss_outliers(fig) -> None:
    ax = fig.add_subplot()
    X, y, far = outlier_data()
    inlier = torch.ones(len(X), dtype=torch.bool)
    inlier[far] = False
    ax.scatter(X[inlier], y[inlier], s=18, color="#525252", label="data", zorder=3)
    ax.scatter(X[far], y[far], s=40, marker="x", color="#cb181d", label="outliers", zorder=3)
    grid = torch.linspace(0, 10, 2).unsqueeze(1)  # (2, 1)
    ax.plot(grid, 2.0 * grid + 1.0, color="black", ls="--", lw=1.5, label="true line y = 2x + 1")
    for loss_fn, color, name in ((mse_loss, COLORS["mse"], "MSE"), (l1_loss, COLORS["l1"], "L1")):
        model = fit(X, y, loss_fn)
        with torch.no_grad():
            w, b = model.w.item(), model.b.item()
            ax.plot(
                grid, model(grid), color=color, lw=2.2, label=f"{name} fit  y = {w:.2f}x + {b:.2f}"
            )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left", fontsize=9)


# (year, name, what changed, where it appeared, area); placed at the year each first appeared.
EVENTS = [
    (2012, "AlexNet", "deep CNN trained on GPUs wins ImageNet", "NIPS 2012", "vision"),
    (
        2013,
        "DQN",
        "Q-learning with a deep network plays Atari from pixels",
        "arXiv 2013; Nature 2015",
        "rl",
    ),
    (
        2014,
        "Seq2seq + attention",
        "encoder-decoder translation; attention over all inputs",
        "NIPS 2014, EMNLP 2014; ICLR 2015",
        "language",
    ),
    (
        2014,
        "Adam",
        "per-parameter steps from moving moments of the gradient",
        "arXiv 2014; ICLR 2015",
        "optimization",
    ),
    (2014, "GAN", "a generator trained against a discriminator", "NIPS 2014", "generative"),
    (
        2015,
        "ResNet",
        "residual connections train networks of 100+ layers",
        "arXiv 2015; CVPR 2016",
        "vision",
    ),
    (2016, "AlphaGo", "deep networks + tree search beat Go professionals", "Nature 2016", "rl"),
    (2017, "Transformer", "attention only, no recurrence", "NIPS 2017", "language"),
    (
        2018,
        "BERT",
        "pre-train on unlabeled text, then fine-tune",
        "arXiv 2018; NAACL 2019",
        "language",
    ),
    (2019, "GPT-2", "a 1.5-billion-parameter language model", "OpenAI report 2019", "language"),
    (
        2020,
        "GPT-3",
        "175 billion parameters; few-shot learning from the prompt",
        "NeurIPS 2020",
        "language",
    ),
    (2020, "SimCLR", "contrastive self-supervised image representations", "ICML 2020", "vision"),
]
AREA_COLORS = {
    "vision": "#2171b5",
    "rl": "#cb181d",
    "language": "#238b45",
    "optimization": "#6a51a3",
    "generative": "#d94801",
}
AREA_NAMES = {"rl": "reinforcement learning"}


@figure("dl_timeline", figsize=(6.4, 7.2))
def draw_dl_timeline(fig) -> None:
    ax = fig.add_subplot()
    previous_year = None
    for row, (year, name, change, venue, area) in enumerate(EVENTS):
        y = -row
        if year != previous_year:
            ax.text(0.0, y, str(year), ha="right", va="center", fontsize=12, fontweight="bold")
            previous_year = year
        ax.scatter([0.35], [y], s=70, color=AREA_COLORS[area], zorder=3)
        title = ax.text(
            0.6, y + 0.17, name, ha="left", va="center", fontsize=11.5, fontweight="bold"
        )
        # The venue follows the name, wherever the name's text ends.
        ax.annotate(
            venue,
            xy=(1.0, 0.5),
            xycoords=title,
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color="#737373",
        )
        ax.text(0.6, y - 0.2, change, ha="left", va="center", fontsize=9.5, color="#252525")
    rows = len(EVENTS)
    ax.plot([0.35, 0.35], [0.4, -rows + 0.6], color="#bdbdbd", lw=2, zorder=1)
    handles = [
        ax.scatter([], [], s=50, color=color, label=AREA_NAMES.get(area, area))
        for area, color in AREA_COLORS.items()
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        fontsize=9,
        frameon=False,
        handletextpad=0.2,
        columnspacing=1.0,
    )
    ax.set_xlim(-1.0, 9.6)
    ax.set_ylim(-rows + 0.5, 0.6)
    ax.axis("off")
