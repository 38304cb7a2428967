"""MNIST, Fashion-MNIST and KMNIST through torchvision's dataset classes, as whole tensors.

All three sets share one format: 28x28 grayscale images in ten classes, 60,000 for training and
10,000 for testing, in four gzip-compressed IDX files. torchvision's classes
(`torchvision.datasets.MNIST`, `FashionMNIST`, `KMNIST`) know the files, their md5 checksums and
their mirrors, download and extract them, and hold a whole split as two tensors, `.data` and
`.targets`. [`load_mnist`][dlnotes.data.load_mnist] returns those two tensors, so the images are
converted once instead of through PIL for every sample of every epoch.

Where the files are: the `root` argument, else the environment variable `DLNOTES_DATA_DIR`,
else `./data` ([`data_root`][dlnotes.data.data_root]), in torchvision's layout
`<root>/<ClassName>/raw/`.

The sets: MNIST by Y. LeCun, C. Cortes and C. J. C. Burges (LeCun, Bottou, Bengio and Haffner,
"Gradient-based learning applied to document recognition", *Proceedings of the IEEE* 86(11),
1998); Fashion-MNIST by H. Xiao, K. Rasul and R. Vollgraf ("Fashion-MNIST: a novel image dataset
for benchmarking machine learning algorithms", arXiv:1708.07747, 2017); KMNIST by T. Clanuwat,
M. Bober-Irizar, A. Kitamoto, A. Lamb, K. Yamamoto and D. Ha ("Deep learning for classical
Japanese literature", NeurIPS 2018 Workshop on Machine Learning for Creativity and Design,
arXiv:1812.01718).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    import torchvision

__all__ = ["data_root", "load_mnist"]

# Our names for the sets -> torchvision's dataset classes, whose names are also the folder names.
_CLASS_NAMES = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Returns the folder that holds the data sets.

    Args:
        root: The folder; when `None`, the environment variable `DLNOTES_DATA_DIR`, and when
            that is unset or empty, `./data` (relative to the working directory).

    Returns:
        The folder as a `Path` (it need not exist).

    Examples:
        >>> from dlnotes.data import data_root
        >>> data_root("/tmp/datasets").as_posix()
        '/tmp/datasets'
    """
    if root is not None:
        return Path(root)
    return Path(os.environ.get("DLNOTES_DATA_DIR") or "data")


def _dataset_class(name: str) -> type[torchvision.datasets.MNIST]:
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    key = "fashion-mnist" if key == "fashionmnist" else key
    if key not in _CLASS_NAMES:
        raise ValueError(f"Unknown data set: {name!r} (expected one of {sorted(_CLASS_NAMES)})")
    # Imported here: it loads all of torchvision's models, which `import dlnotes` should not pay.
    import torchvision

    return getattr(torchvision.datasets, _CLASS_NAMES[key])


def _not_found(cls: type[torchvision.datasets.MNIST], root: Path, name: str, why: str) -> str:
    raw = (root / cls.__name__ / "raw").resolve()
    why = "\n".join("  " + line for line in why.strip().splitlines())
    files = "\n".join(f"  {file}  (md5 {md5})" for file, md5 in cls.resources)
    return (
        f"{cls.__name__} could not be loaded from {raw}. torchvision said:\n{why}\n"
        f"Put these four files in that folder:\n{files}\n"
        f"(they are published at {' or '.join(cls.mirrors)}), then call "
        f"load_mnist({name!r}, download=True): torchvision checks their md5 and extracts them "
        "there, without the network. On a machine that reaches the internet, download=True also "
        f"fetches them. The folder is <root>/{cls.__name__}/raw, where root is the root "
        "argument, else $DLNOTES_DATA_DIR, else ./data."
    )


def load_mnist(
    name: str = "mnist",
    root: str | os.PathLike[str] | None = None,
    *,
    train: bool = True,
    download: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Loads one split of MNIST, Fashion-MNIST or KMNIST as two tensors.

    Returns the `.data` and `.targets` of the torchvision dataset
    (`torchvision.datasets.MNIST(root, train=train, download=download)` or its sibling), which
    reads the extracted IDX files in `<root>/<ClassName>/raw/`. With `download=True`,
    torchvision first downloads whichever of the four `.gz` files are missing or damaged,
    checks their md5 and extracts them; with the four intact `.gz` files already in the folder,
    that needs no network. With `download=False` nothing is written.

    Args:
        name: `"mnist"`, `"fashion-mnist"` or `"kmnist"` (case and `_` for `-` do not matter).
        root: The data folder; see [`data_root`][dlnotes.data.data_root].
        train: The training split (60,000 images) if true, else the test split (10,000).
        download: Let torchvision download, check and extract the files (all four of the set).

    Returns:
        `(X, y)`: the images, uint8 of shape (N, 28, 28) with values in [0, 255], and the
        labels, int64 of shape (N,) with values in [0, 9]. For a network, convert the images
        once: `X.flatten(1).float() / 255`, of shape (N, 784) in [0, 1].

    Raises:
        ValueError: If `name` is unknown.
        FileNotFoundError: If the extracted files are missing and `download` is false, or the
            download or extraction failed; the message names the folder and lists the files
            with their md5.

    Examples:
        >>> import tempfile
        >>> from dlnotes.data import load_mnist
        >>> try:
        ...     load_mnist("kmnist", root=tempfile.mkdtemp(), train=False)
        ... except FileNotFoundError as err:
        ...     print(str(err).splitlines()[3])
          train-images-idx3-ubyte.gz  (md5 bdb82020997e1d708af4cf47b453dcf7)
    """
    cls = _dataset_class(name)
    root = data_root(root)
    try:
        dataset = cls(root, train=train, download=download)
    # torchvision reports missing files and failed downloads as RuntimeError, and a folder it
    # cannot write to as OSError.
    except (RuntimeError, OSError) as exc:
        # `from None`: the chained urllib traceback says less than this message does.
        raise FileNotFoundError(_not_found(cls, root, name, str(exc))) from None
    return dataset.data, dataset.targets
