"""notMNIST: the letters A to J drawn in many fonts, read from the extracted archive.

Yaroslav Bulatov built notMNIST (blog post "notMNIST dataset", 2011) as a harder stand-in for
MNIST: 28x28 grayscale glyphs of the letters A-J taken from publicly available fonts. It comes as
two archives, `notMNIST_small` (about 19,000 images, cleaned by hand) and `notMNIST_large`
(about 530,000, not cleaned), each with one folder of PNG files per letter. A few of the files
cannot be read as images; [`load_notmnist`][dlnotes.data.load_notmnist] skips them and says how
many it skipped.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image

__all__ = ["load_notmnist"]

# The subfolders, in the order of the labels 0 to 9.
_LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J")

# How many skipped file names the warning shows before it says "and N more".
_SHOWN = 5


def _read_glyph(path: Path) -> np.ndarray | None:
    """The image as a (28, 28) uint8 array, or None when it is not a readable 28x28 image."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.size != (28, 28):
                return None
            return np.asarray(image.convert("L"), dtype=np.uint8)
    # PIL reports broken files as OSError (UnidentifiedImageError is one), SyntaxError
    # ("broken PNG file") or ValueError, depending on where the decoder gives up.
    except (OSError, SyntaxError, ValueError):
        return None


def load_notmnist(folder: str | os.PathLike[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Loads an extracted notMNIST folder (`notMNIST_small` or `notMNIST_large`).

    Reads every file in the subfolders `A` to `J`, in sorted order, so the result is the same on
    every machine. Files that are not readable 28x28 images are skipped with one `UserWarning`
    that gives their number and the first few names. Reading `notMNIST_large` this way takes
    a minute or so; save the tensors (`torch.save`) to load them again in a second.

    Args:
        folder: The folder that holds the subfolders `A` ... `J`.

    Returns:
        `(X, y)`: the images, uint8 of shape (N, 28, 28) with values in [0, 255], and the
        labels, int64 of shape (N,), 0 for `A` to 9 for `J`.

    Raises:
        FileNotFoundError: If `folder` or one of its letter subfolders does not exist.
        ValueError: If no readable image is found at all.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from PIL import Image
        >>> from dlnotes.data import load_notmnist
        >>> root = Path(tempfile.mkdtemp())
        >>> for letter in "ABCDEFGHIJ":
        ...     (root / letter).mkdir()
        ...     Image.new("L", (28, 28), color=255).save(root / letter / "glyph.png")
        >>> X, y = load_notmnist(root)
        >>> X.shape, y.tolist()
        (torch.Size([10, 28, 28]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"notMNIST folder not found: {folder}")
    missing = [letter for letter in _LETTERS if not (folder / letter).is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks the letter subfolders {', '.join(missing)}; point to the extracted "
            "notMNIST_small or notMNIST_large folder, which holds the subfolders A to J"
        )
    images: list[np.ndarray] = []
    labels: list[int] = []
    skipped: list[Path] = []
    for label, letter in enumerate(_LETTERS):
        for path in sorted(p for p in (folder / letter).iterdir() if p.is_file()):
            glyph = _read_glyph(path)
            if glyph is None:
                skipped.append(path)
            else:
                images.append(glyph)
                labels.append(label)
    if skipped:
        names = ", ".join(str(p.relative_to(folder)) for p in skipped[:_SHOWN])
        more = f" and {len(skipped) - _SHOWN} more" if len(skipped) > _SHOWN else ""
        warnings.warn(
            f"Skipped {len(skipped)} unreadable file(s) in {folder}: {names}{more}",
            UserWarning,
            stacklevel=2,
        )
    if not images:
        raise ValueError(f"No readable 28x28 image in the subfolders A-J of {folder}")
    X = torch.from_numpy(np.stack(images))  # (N, 28, 28)
    y = torch.tensor(labels, dtype=torch.int64)  # (N,)
    return X, y
