"""Makes every figure of the course into the top-level `images/` folder, deterministically.

Usage:
    python figures/make_figures.py            # all figures that changed
    python figures/make_figures.py NAME ...   # only these (names without .png), if changed
    python figures/make_figures.py --check    # exit 1 if a committed figure is out of date

Each figure is a function in a `figures/fig_*.py` module decorated with `@figure("name")`; it
draws on the matplotlib Figure it is given. The same code and library versions produce the same
bytes on the same processor: no timestamps or software versions are written into the PNGs. On
another processor a few anti-aliased pixels may differ by a level or so (`same_picture` allows
for that, and a figure that differs only so is not rewritten).
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
import numpy as np
from PIL import Image

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


# Between processors, anti-aliased edges may come out a level or so apart in a handful of pixels
# (numpy's and MKL's vector code rounds the last bit differently). Such a picture is the same
# figure; a changed curve, label or colour moves far more pixels by far more than this.
MAX_LEVEL_DIFFERENCE = 16  # of 255, in any channel
MAX_PIXELS_DIFFERENT = 2e-4  # as a fraction of the image's pixels


def png_chunk_types(data: bytes) -> list[str]:
    """The distinct chunk types of a PNG file, in order of first appearance (IHDR, IDAT, ...)."""
    types, i = [], 8
    while i + 8 <= len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8].decode("latin-1")
        if kind not in types:
            types.append(kind)
        i += 12 + length
    return types


def same_picture(a: bytes, b: bytes) -> bool:
    """Whether two PNG files show the same figure: equal bytes, or the same size, mode and chunk
    types (so no date or version crept in) with pixels equal up to the rounding noise above."""
    if a == b:
        return True
    if png_chunk_types(a) != png_chunk_types(b):
        return False
    with Image.open(io.BytesIO(a)) as image_a, Image.open(io.BytesIO(b)) as image_b:
        if image_a.size != image_b.size or image_a.mode != image_b.mode:
            return False
        diff = np.abs(np.asarray(image_a, dtype=np.int16) - np.asarray(image_b, dtype=np.int16))
    if diff.ndim == 3:
        diff = diff.max(axis=-1)  # (H, W, channels) -> (H, W)
    return bool(diff.max() <= MAX_LEVEL_DIFFERENCE and (diff > 0).mean() <= MAX_PIXELS_DIFFERENT)


def is_current(name: str, data: bytes) -> bool:
    """Whether the committed `images/<name>.png` shows what `render` drew now (`data`)."""
    path = IMAGES / f"{name}.png"
    return path.is_file() and same_picture(path.read_bytes(), data)


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
        if is_current(name, data):
            continue  # also keeps a figure another processor drew with its rounding noise
        if args.check:
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
