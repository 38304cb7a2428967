"""dlnotes: the companion package of an executable, bilingual course on deep learning with PyTorch.

The course site teaches each idea; this package holds the code the pages import, so that every
snippet on the site runs against tested code rather than copies of it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dlnotes.tensor import describe, from_numpy, get_device, seed_everything, summarize, to_numpy

try:
    __version__ = version("dlnotes")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__",
    "describe",
    "from_numpy",
    "get_device",
    "seed_everything",
    "summarize",
    "to_numpy",
]
