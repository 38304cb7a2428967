"""MNIST, Fashion-MNIST and KMNIST: files in torchvision's layout, read as whole tensors.

All three sets share one format: 28x28 grayscale images in ten classes, 60,000 for training and
10,000 for testing, in four gzip-compressed IDX files. We keep torchvision's folder layout,
`<root>/<ClassName>/raw/` (`MNIST`, `FashionMNIST`, `KMNIST`), and its lists of file names and
md5 checksums (`torchvision.datasets.MNIST.resources` and the like), so a folder filled by
torchvision works here and the other way round.

- [`load_mnist`][dlnotes.data.load_mnist] reads one split into two tensors with
  [`read_idx`][dlnotes.data.read_idx]: about a second for the training set, instead of the
  per-image PIL conversion a `torchvision` dataset does every epoch.
- [`mnist_dataset`][dlnotes.data.mnist_dataset] returns the plain torchvision dataset, for code
  written against `torch.utils.data.DataLoader`.

Where the files are: the `root` argument, else the environment variable `DLNOTES_DATA_DIR`,
else `./data` ([`data_root`][dlnotes.data.data_root]). Missing files are downloaded only when
asked (`download=True`); otherwise, or when the download fails, a `FileNotFoundError` lists the
files to put where.

The sets: MNIST by Y. LeCun, C. Cortes and C. J. C. Burges (LeCun, Bottou, Bengio and Haffner,
"Gradient-based learning applied to document recognition", *Proceedings of the IEEE* 86(11),
1998); Fashion-MNIST by H. Xiao, K. Rasul and R. Vollgraf ("Fashion-MNIST: a novel image dataset
for benchmarking machine learning algorithms", arXiv:1708.07747, 2017); KMNIST by T. Clanuwat,
M. Bober-Irizar, A. Kitamoto, A. Lamb, K. Yamamoto and D. Ha ("Deep learning for classical
Japanese literature", NeurIPS 2018 Workshop on Machine Learning for Creativity and Design,
arXiv:1812.01718).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from dlnotes.data.idx import read_idx

if TYPE_CHECKING:
    import torchvision

__all__ = ["MNIST_LIKE", "data_root", "file_md5", "load_mnist", "mnist_dataset"]


class _TorchvisionClasses(Mapping):
    """A read-only dict of torchvision dataset classes, imported on first use.

    `import torchvision` loads all of its models and takes about two seconds; `import dlnotes`
    should not pay that (every notebook kernel, test process and `dlnotes --help` would).
    """

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names

    def __getitem__(self, key: str) -> type[torchvision.datasets.MNIST]:
        import torchvision

        return getattr(torchvision.datasets, self._names[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"MNIST_LIKE({', '.join(f'{k!r}: {v}' for k, v in self._names.items())})"


# Our names for the sets -> torchvision's dataset classes (whose names are also the folder names).
MNIST_LIKE: Mapping[str, type[torchvision.datasets.MNIST]] = _TorchvisionClasses(
    {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}
)


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Returns the folder that holds the data sets.

    Args:
        root: The folder; when `None`, the environment variable `DLNOTES_DATA_DIR`, and when
            that is unset or empty, `./data` (relative to the working directory).

    Returns:
        The folder as a `Path` (it need not exist).

    Examples:
        >>> import os
        >>> from dlnotes.data import data_root
        >>> data_root("/tmp/datasets").as_posix()
        '/tmp/datasets'
    """
    if root is not None:
        return Path(root)
    return Path(os.environ.get("DLNOTES_DATA_DIR") or "data")


def file_md5(path: str | os.PathLike[str]) -> str:
    """Returns the md5 checksum of a file as 32 hexadecimal digits, reading it in chunks.

    Args:
        path: The file.

    Returns:
        The hexadecimal digest.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from dlnotes.data import file_md5
        >>> path = Path(tempfile.mkdtemp()) / "empty"
        >>> _ = path.write_bytes(b"")
        >>> file_md5(path)
        'd41d8cd98f00b204e9800998ecf8427e'
    """
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dataset_class(name: str) -> type[torchvision.datasets.MNIST]:
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    if key == "fashionmnist":
        key = "fashion-mnist"
    if key not in MNIST_LIKE:
        raise ValueError(f"Unknown data set: {name!r} (expected one of {sorted(MNIST_LIKE)})")
    return MNIST_LIKE[key]


def _split_resources(cls: type[torchvision.datasets.MNIST], train: bool) -> list[tuple[str, str]]:
    """(file name, md5) of the split's images and labels, from torchvision's own list."""
    prefix = "train" if train else "t10k"
    return [(name, md5) for name, md5 in cls.resources if name.startswith(prefix)]


def _missing_message(
    cls: type[torchvision.datasets.MNIST], raw: Path, missing: list[tuple[str, str]], name: str
) -> str:
    lines = "\n".join(f"  {file}  (md5 {md5})" for file, md5 in missing)
    mirrors = " or ".join(cls.mirrors)
    return (
        f"{cls.__name__} files not found. Put these files in {raw.resolve()}:\n{lines}\n"
        f"(they are published at {mirrors}), or call load_mnist({name!r}, download=True) on a "
        "machine that reaches the internet. The folder is <root>/"
        f"{cls.__name__}/raw, where root is the root argument, else $DLNOTES_DATA_DIR, "
        "else ./data."
    )


def _download(cls: type[torchvision.datasets.MNIST], root: Path, message: str) -> None:
    """Lets torchvision download (and check) the files; a failure becomes FileNotFoundError."""
    try:
        cls(str(root), train=True, download=True)
    except (RuntimeError, OSError) as exc:
        reason = "\n".join("  " + line for line in str(exc).strip().splitlines())
        # `from None`: the chained urllib traceback says less than this message does.
        raise FileNotFoundError(f"{message}\nThe download failed:\n{reason}") from None


def _find_files(
    name: str,
    root: str | os.PathLike[str] | None,
    resources: list[tuple[str, str]],
    download: bool,
    verify: bool,
) -> list[Path]:
    """Finds the files (downloading if asked), checks their md5 and returns their paths."""
    cls = _dataset_class(name)
    base = data_root(root)
    raw = base / cls.__name__ / "raw"

    def present(file: str) -> bool:
        # An extracted copy (torchvision keeps both) will do when the .gz is gone.
        return (raw / file).is_file() or (raw / file.removesuffix(".gz")).is_file()

    missing = [(file, md5) for file, md5 in resources if not present(file)]
    if missing:
        message = _missing_message(cls, raw, missing, name)
        if not download:
            raise FileNotFoundError(message)
        _download(cls, base, message)
        missing = [(file, md5) for file, md5 in resources if not present(file)]
        if missing:
            raise FileNotFoundError(_missing_message(cls, raw, missing, name))
    paths = []
    for file, md5 in resources:
        path = raw / file
        if not path.is_file():
            # Only the extracted file is there; torchvision publishes no md5 for it, so the
            # header-against-size check in read_idx is all we can do.
            paths.append(raw / file.removesuffix(".gz"))
            continue
        if verify and (actual := file_md5(path)) != md5:
            raise ValueError(
                f"{path}: md5 {actual} differs from torchvision's {md5} for {cls.__name__}; "
                "the file is damaged or from another data set. Delete it and download it again."
            )
        paths.append(path)
    return paths


def load_mnist(
    name: str = "mnist",
    root: str | os.PathLike[str] | None = None,
    *,
    train: bool = True,
    download: bool = False,
    verify: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Loads one split of MNIST, Fashion-MNIST or KMNIST as two tensors.

    Reads `<root>/<ClassName>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz` (or the
    extracted files where only those are present) with [`read_idx`][dlnotes.data.read_idx],
    after checking each `.gz` file's md5 against torchvision's list. The result equals the
    `.data` and `.targets` of the matching torchvision dataset. Turn the images into floats
    once with [`to_float_images`][dlnotes.data.to_float_images].

    Args:
        name: `"mnist"`, `"fashion-mnist"` or `"kmnist"` (case and `_` for `-` do not matter).
        root: The data folder; see [`data_root`][dlnotes.data.data_root].
        train: The training split (60,000 images) if true, else the test split (10,000).
        download: Let torchvision download missing files (all four of the set).
        verify: Check the md5 of the `.gz` files (about 20 ms for the training images).

    Returns:
        `(X, y)`: the images, uint8 of shape (N, 28, 28) with values in [0, 255], and the
        labels, int64 of shape (N,) with values in [0, 9].

    Raises:
        ValueError: If `name` is unknown, a file's md5 is wrong, a file is not valid IDX, or the
            images and labels do not fit together.
        FileNotFoundError: If files are missing and `download` is false, or the download failed;
            the message lists the files, their md5 and the folder to put them in.

    Examples:
        >>> import tempfile
        >>> from dlnotes.data import load_mnist
        >>> try:
        ...     load_mnist("kmnist", root=tempfile.mkdtemp(), train=False)
        ... except FileNotFoundError as err:
        ...     print(str(err).splitlines()[1])
          t10k-images-idx3-ubyte.gz  (md5 5c965bf0a639b31b8f53240b1b52f4d7)
    """
    resources = _split_resources(_dataset_class(name), train)
    images_path, labels_path = _find_files(name, root, resources, download, verify)
    X = read_idx(images_path)  # (N, 28, 28)
    y = read_idx(labels_path)  # (N,)
    if X.dim() != 3 or tuple(X.shape[1:]) != (28, 28) or X.dtype != torch.uint8:
        raise ValueError(
            f"{images_path}: expected uint8 images of shape (N, 28, 28), got {X.dtype} "
            f"of shape {tuple(X.shape)}"
        )
    if y.dim() != 1 or y.dtype != torch.uint8:
        raise ValueError(
            f"{labels_path}: expected uint8 labels of shape (N,), got {y.dtype} "
            f"of shape {tuple(y.shape)}"
        )
    if len(X) != len(y):
        raise ValueError(f"{len(X)} images in {images_path} but {len(y)} labels in {labels_path}")
    return X, y.long()


def _extract(gz_path: Path) -> None:
    """Writes the decompressed copy next to a .gz file, as torchvision's downloader does."""
    target = gz_path.with_suffix("")
    if target.is_file():
        return
    partial = target.with_name(target.name + ".part")
    with gzip.open(gz_path, "rb") as src, open(partial, "wb") as dst:
        shutil.copyfileobj(src, dst)
    # Renaming last means an interrupted extraction never leaves a short file behind.
    partial.replace(target)


def mnist_dataset(
    name: str = "mnist",
    root: str | os.PathLike[str] | None = None,
    *,
    train: bool = True,
    download: bool = False,
    transform: Callable | None = None,
) -> torchvision.datasets.MNIST:
    """Returns the plain torchvision dataset (`torchvision.datasets.MNIST` and its siblings).

    Checks and finds the files as [`load_mnist`][dlnotes.data.load_mnist] does, and extracts
    the `.gz` files torchvision needs unpacked, so the folder layout and error messages are
    the same for both paths. torchvision wants all four files of the set, whichever split is
    asked for. Each item is converted by `transform` when it is read, which is
    convenient but slow (see [`InMemoryLoader`][dlnotes.data.InMemoryLoader] for the fast path).

    Args:
        name: `"mnist"`, `"fashion-mnist"` or `"kmnist"`.
        root: The data folder; see [`data_root`][dlnotes.data.data_root].
        train: The training split if true, else the test split.
        download: Let torchvision download missing files.
        transform: Applied to each PIL image; `torchvision.transforms.ToTensor()` when `None`,
            which gives float32 tensors of shape (1, 28, 28) in [0, 1].

    Returns:
        The torchvision dataset.

    Raises:
        ValueError: If `name` is unknown or a file's md5 is wrong.
        FileNotFoundError: If files are missing and `download` is false, or the download failed.
    """
    cls = _dataset_class(name)
    # torchvision checks for all four files whichever split is asked for.
    for path in _find_files(name, root, list(cls.resources), download, verify=True):
        if path.suffix == ".gz":
            _extract(path)
    if transform is None:
        import torchvision

        transform = torchvision.transforms.ToTensor()
    return cls(str(data_root(root)), train=train, transform=transform, download=False)
