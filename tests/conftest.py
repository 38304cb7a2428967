import shutil
import sys
from pathlib import Path

import pytest

# Lets the tests import their helper module `pages`.
sys.path.insert(0, str(Path(__file__).resolve().parent))

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "MNIST" / "raw"


@pytest.fixture
def mnist_copy(tmp_path: Path) -> Path:
    """A folder holding a copy of the four original MNIST files in `MNIST/raw/`, or a skip.

    The shared folder is read-only: only the bytes are copied (not the read-only mode bits), so
    torchvision can extract next to the copies.
    """
    if not SHARED_MNIST.is_dir():
        pytest.skip(f"real MNIST not found at {SHARED_MNIST}")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for path in sorted(SHARED_MNIST.glob("*.gz")):
        shutil.copyfile(path, raw / path.name)
    return tmp_path
