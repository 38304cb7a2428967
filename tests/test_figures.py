"""Every figure in images/ is drawn by code in figures/, and every drawn figure is there, as the
code draws it now: `python figures/make_figures.py` regenerates images/ byte for byte.
"""

from __future__ import annotations

import sys
from functools import cache

import pytest

from pages import ROOT

sys.path.insert(0, str(ROOT / "figures"))
import make_figures

make_figures.load_all()
IMAGES = sorted(p.stem for p in (ROOT / "images").glob("*.png"))


def test_every_image_has_code_and_every_figure_an_image():
    assert IMAGES == sorted(make_figures.REGISTRY)


@cache
def rendered(name: str) -> bytes:
    """One render per figure for both tests below (a render takes about a second)."""
    return make_figures.render(name)


@pytest.mark.parametrize("name", sorted(make_figures.REGISTRY))
def test_figure_renders_deterministically(name):
    first = rendered(name)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert make_figures.render(name) == first


@pytest.mark.parametrize("name", sorted(make_figures.REGISTRY))
def test_committed_figure_is_current(name):
    # The same comparison as `python figures/make_figures.py --check`.
    current = make_figures.is_current(name, rendered(name))
    assert current, f"images/{name}.png is not what its code draws: run figures/make_figures.py"
