"""Every figure in images/ is drawn by code in figures/, and every drawn figure is there, as the
code draws it now: `python figures/make_figures.py` regenerates images/ (byte for byte on the
processor that drew them; on another, up to a few pixels of rounding noise).
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from pages import ROOT

sys.path.insert(0, str(ROOT / "figures"))
import make_figures

make_figures.load_all()
IMAGES = sorted(p.stem for p in (ROOT / "images").glob("*.png"))


def test_every_image_has_code_and_every_figure_an_image():
    assert IMAGES == sorted(make_figures.REGISTRY)


@pytest.mark.parametrize("name", sorted(make_figures.REGISTRY))
def test_committed_figure_is_what_its_code_draws(name):
    """One render per figure (about a second each). Agreement with the committed file, drawn by
    another process at another time, is also the determinism check: a timestamp or a version
    string in the PNG would add a chunk, an unseeded random number would move many pixels."""
    data = make_figures.render(name)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # The same comparison as `python figures/make_figures.py --check`.
    assert make_figures.is_current(name, data), (
        f"images/{name}.png is not what its code draws: run figures/make_figures.py"
    )


def _png(pixels, **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", **save_kwargs)
    return buffer.getvalue()


def test_same_picture_allows_rounding_noise_but_not_a_change():
    pixels = np.full((200, 300, 4), 255, dtype=np.uint8)
    pixels[50:60, :, :3] = 40  # a dark band, like a curve
    base = _png(pixels)
    assert make_figures.same_picture(base, base)

    noisy = pixels.copy()
    noisy[49, :10, 0] -= 1  # ten edge pixels a level apart: another processor's rounding
    assert base != _png(noisy) and make_figures.same_picture(base, _png(noisy))

    moved = pixels.copy()
    moved[50:60, :, :3], moved[53:63, :, :3] = 255, 40  # the curve moved by three pixels
    assert not make_figures.same_picture(base, _png(moved))

    faint = pixels.copy()
    faint[0, 0, 0] = 200  # one pixel, but far off
    assert not make_figures.same_picture(base, _png(faint))

    assert not make_figures.same_picture(base, _png(pixels[:, :299]))  # another size
    dated = PngInfo()
    dated.add_text("Creation Time", "2026-12-06")
    assert not make_figures.same_picture(base, _png(pixels, pnginfo=dated))
