"""Makes every figure of the course into the top-level `images/` folder, deterministically.

Usage:
    python figures/make_figures.py            # all figures
    python figures/make_figures.py NAME ...   # only these (names without .png)
    python figures/make_figures.py --check    # exit 1 if a committed figure is out of date

Each figure is a function in a `figures/fig_*.py` module decorated with `@figure("name")`; it
draws on the matplotlib Figure it is given. The same code and library versions produce the same
bytes: no timestamps or software versions are written into the PNGs.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# Figure modules do `from make_figures import figure`; when this file runs as a script it is
# `__main__`, and without this alias they would register into a second copy of the module.
sys.modules.setdefault("make_figures", sys.modules[__name__])

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IMAGES = ROOT / "images"
REGISTRY: dict[str, tuple[Callable, dict]] = {}

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 144,
    "font.size": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "dlnotes",
}


def figure(name: str, **figkw) -> Callable:
    """Registers a function `draw(fig)` that draws the figure `images/<name>.png`."""

    def register(fn: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"Figure {name!r} is registered twice")
        REGISTRY[name] = (fn, figkw)
        return fn

    return register


def load_all() -> None:
    """Imports every `figures/fig_*.py` module so that its figures register."""
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("fig_*.py")):
        importlib.import_module(path.stem)


def render(name: str) -> bytes:
    """Draws one figure and returns its PNG bytes."""
    fn, figkw = REGISTRY[name]
    with plt.rc_context(STYLE):
        fig = plt.figure(**{"figsize": (6.4, 4.0), "layout": "constrained", **figkw})
        try:
            fn(fig)
            buffer = io.BytesIO()
            # metadata=None-valued keys drop matplotlib's version and date from the file.
            fig.savefig(buffer, format="png", metadata={"Software": None})
        finally:
            plt.close(fig)
    return buffer.getvalue()


def is_current(name: str, data: bytes) -> bool:
    """Whether the committed `images/<name>.png` holds exactly `data` (what `render` made now)."""
    path = IMAGES / f"{name}.png"
    return path.is_file() and path.read_bytes() == data


def write_atomic(path: Path, data: bytes) -> None:
    """Writes `data` to `path` through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="figures to make (default: all)")
    parser.add_argument("--check", action="store_true", help="only check committed figures")
    args = parser.parse_args(argv)
    load_all()
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        parser.error(
            f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(sorted(REGISTRY))}"
        )
    IMAGES.mkdir(exist_ok=True)
    stale = []
    for name in args.names or sorted(REGISTRY):
        data = render(name)
        path = IMAGES / f"{name}.png"
        if args.check:
            if not is_current(name, data):
                stale.append(name)
            continue
        write_atomic(path, data)
        print(f"{path.relative_to(ROOT)}  {hashlib.sha256(data).hexdigest()[:12]}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run: python figures/make_figures.py)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
