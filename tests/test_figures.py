"""Every figure in images/ is drawn by code in figures/, and every drawn figure is there, as the
code draws it now: `python figures/make_figures.py` regenerates images/ byte for byte.
"""

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
def test_committed_figure_is_what_its_code_draws(name):
    """One render per figure (about a second each). Equality with the committed file, drawn by
    another process at another time, is also the determinism check: a timestamp, a version
    string or an unseeded random number in the PNG would make the bytes differ."""
    data = make_figures.render(name)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # The same comparison as `python figures/make_figures.py --check`.
    assert make_figures.is_current(name, data), (
        f"images/{name}.png is not what its code draws: run figures/make_figures.py"
    )
