"""Every figure in images/ is drawn by code in figures/, and every drawn figure is there."""

from __future__ import annotations

import sys

import pytest

from pages import ROOT

sys.path.insert(0, str(ROOT / "figures"))
import make_figures

make_figures.load_all()
IMAGES = sorted(p.stem for p in (ROOT / "images").glob("*.png"))


def test_every_image_has_code_and_every_figure_an_image():
    assert IMAGES == sorted(make_figures.REGISTRY)


@pytest.mark.parametrize("name", sorted(make_figures.REGISTRY))
def test_figure_renders_deterministically(name):
    first = make_figures.render(name)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert make_figures.render(name) == first
