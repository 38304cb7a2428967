"""Unit tests for dlnotes.data: IDX files, MNIST-like sets, digits, notMNIST, loader, synthetic."""

from __future__ import annotations

import errno
import gzip
import itertools
import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dlnotes.data import (
    MNIST_LIKE,
    NOTMNIST_CLASSES,
    DataSplit,
    InMemoryLoader,
    data_root,
    file_md5,
    line_with_outliers,
    load_digits_split,
    load_mnist,
    load_notmnist,
    mnist_dataset,
    noisy_line,
    noisy_sine,
    read_idx,
    to_float_images,
    two_moons,
    write_idx,
)

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "MNIST" / "raw"


class _Lazy:
    """A module imported on first use: torchvision takes seconds to import, and every test
    worker collects this file while only one runs it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        if attr.startswith("_"):  # pytest's collection probes __test__, _mock_name, ...
            raise AttributeError(attr)

        return getattr(importlib.import_module(self._name), attr)


torchvision = _Lazy("torchvision")
TF = _Lazy("torchvision.transforms.functional")
IDX_DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.float32, torch.float64]


def sample_tensor(dtype: torch.dtype, shape=(3, 4, 5)) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=g, dtype=dtype)
    info = torch.iinfo(dtype)
    return torch.randint(info.min, info.max, shape, generator=g, dtype=torch.int64).to(dtype)


def idx_bytes(tensor: torch.Tensor) -> bytes:
    """A uint8 IDX file written by hand, independently of write_idx."""
    header = bytes([0, 0, 0x08, tensor.dim()])
    header += b"".join(n.to_bytes(4, "big") for n in tensor.shape)
    return header + tensor.numpy().tobytes()


# ---------------------------------------------------------------------------------------- IDX


class TestIdx:
    @pytest.mark.parametrize("dtype", IDX_DTYPES, ids=str)
    @pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
    def test_round_trip_matches_torchvision_reader(self, tmp_path, dtype, name):
        tensor = sample_tensor(dtype)
        path = tmp_path / name
        write_idx(path, tensor)
        ours = read_idx(path)
        assert ours.dtype == dtype
        torch.testing.assert_close(ours, tensor, rtol=0, atol=0)
        if not name.endswith(".gz"):
            # torchvision's own IDX reader is the oracle for the header and byte order.
            theirs = torchvision.datasets.mnist.read_sn3_pascalvincent_tensor(
                str(path), strict=False
            )
            assert torch.equal(ours.view(-1).to(theirs.dtype), theirs.view(-1))

    def test_mnist_magic_numbers(self, tmp_path):
        write_idx(tmp_path / "labels", torch.zeros(7, dtype=torch.uint8))
        write_idx(tmp_path / "images", torch.zeros(7, 28, 28, dtype=torch.uint8))
        assert (tmp_path / "labels").read_bytes()[:8] == bytes.fromhex("0000080100000007")
        assert (tmp_path / "images").read_bytes()[:16] == bytes.fromhex(
            "00000803000000070000001c0000001c"
        )

    def test_gzip_is_recognised_by_content(self, tmp_path):
        tensor = sample_tensor(torch.uint8)
        write_idx(tmp_path / "a.gz", tensor)
        (tmp_path / "a.gz").rename(tmp_path / "no-suffix")
        assert torch.equal(read_idx(tmp_path / "no-suffix"), tensor)

    def test_gzip_output_is_reproducible(self, tmp_path):
        tensor = sample_tensor(torch.uint8)
        write_idx(tmp_path / "a.gz", tensor)
        write_idx(tmp_path / "b.gz", tensor)
        assert file_md5(tmp_path / "a.gz") == file_md5(tmp_path / "b.gz")

    def test_result_owns_writable_memory(self, tmp_path):
        write_idx(tmp_path / "a", torch.zeros(3, dtype=torch.uint8))
        x = read_idx(tmp_path / "a")
        x += 1  # would fail (or warn) on a read-only buffer
        assert x.tolist() == [1, 1, 1]

    @pytest.mark.parametrize("gz", [False, True])
    def test_bad_magic(self, tmp_path, gz):
        data = bytearray(idx_bytes(torch.zeros(2, 2, dtype=torch.uint8)))
        data[0] = 1
        path = tmp_path / ("bad.gz" if gz else "bad")
        path.write_bytes(gzip.compress(bytes(data)) if gz else bytes(data))
        with pytest.raises(ValueError, match=r"bad\b.*bad magic number 0x01000802"):
            read_idx(path)

    def test_unknown_type_code(self, tmp_path):
        data = bytearray(idx_bytes(torch.zeros(2, dtype=torch.uint8)))
        data[2] = 0x0A
        (tmp_path / "f").write_bytes(bytes(data))
        with pytest.raises(ValueError, match=r"unknown IDX type code 0x0A"):
            read_idx(tmp_path / "f")

    @pytest.mark.parametrize("gz", [False, True])
    def test_truncated_data(self, tmp_path, gz):
        data = idx_bytes(torch.zeros(3, 28, 28, dtype=torch.uint8))[:-100]
        path = tmp_path / "images"
        path.write_bytes(gzip.compress(data) if gz else data)
        with pytest.raises(ValueError, match=r"images: truncated: .*\(3, 28, 28\).*2352 bytes"):
            read_idx(path)

    def test_header_dims_larger_than_data(self, tmp_path):
        data = bytearray(idx_bytes(torch.zeros(2, 4, dtype=torch.uint8)))
        data[7] = 3  # claims 3 rows, holds 2
        (tmp_path / "f").write_bytes(bytes(data))
        with pytest.raises(ValueError, match=r"truncated: the header says shape \(3, 4\)"):
            read_idx(tmp_path / "f")

    def test_trailing_bytes(self, tmp_path):
        (tmp_path / "f").write_bytes(idx_bytes(torch.zeros(2, dtype=torch.uint8)) + b"xyz")
        with pytest.raises(ValueError, match=r"3 unexpected bytes after the data"):
            read_idx(tmp_path / "f")

    def test_truncated_header(self, tmp_path):
        (tmp_path / "f").write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 1]))
        with pytest.raises(ValueError, match=r"truncated header: 3 dimensions need 16"):
            read_idx(tmp_path / "f")

    def test_too_short_and_zero_dims(self, tmp_path):
        (tmp_path / "short").write_bytes(b"\x00\x00")
        with pytest.raises(ValueError, match=r"short: 2 bytes is too short"):
            read_idx(tmp_path / "short")
        (tmp_path / "zero").write_bytes(bytes([0, 0, 8, 0]))
        with pytest.raises(ValueError, match=r"zero dimensions"):
            read_idx(tmp_path / "zero")

    def test_truncated_gzip_stream(self, tmp_path):
        write_idx(tmp_path / "a.gz", sample_tensor(torch.uint8, (50, 50)))
        data = (tmp_path / "a.gz").read_bytes()
        (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError, match=r"cut.gz: corrupt or truncated gzip"):
            read_idx(tmp_path / "cut.gz")

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match=r"IDX file not found: .*nope"):
            read_idx(tmp_path / "nope")

    def test_write_rejects(self, tmp_path):
        with pytest.raises(TypeError, match=r"IDX cannot store dtype torch.int64"):
            write_idx(tmp_path / "f", torch.zeros(2, dtype=torch.int64))
        with pytest.raises(ValueError, match=r"at least one dimension"):
            write_idx(tmp_path / "f", torch.tensor(3, dtype=torch.uint8))
        with pytest.raises(TypeError, match=r"got list"):
            write_idx(tmp_path / "f", [1, 2])

    @pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
    def test_failed_overwrite_keeps_the_old_file(self, tmp_path, monkeypatch, name):
        path = tmp_path / name
        old = sample_tensor(torch.uint8)
        write_idx(path, old)
        old_bytes = path.read_bytes()
        real_fdopen = os.fdopen

        class DiskFull:
            """A file that takes half of each write, then fails as a full disk does."""

            def __init__(self, file):
                self._file = file

            def write(self, data):
                self._file.write(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")

            def __getattr__(self, attr):
                return getattr(self._file, attr)

            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                self._file.close()

        monkeypatch.setattr(os, "fdopen", lambda *args, **kw: DiskFull(real_fdopen(*args, **kw)))
        with pytest.raises(OSError, match=r"No space left on device"):
            write_idx(path, torch.ones(10, 28, 28, dtype=torch.uint8))
        monkeypatch.undo()
        assert path.read_bytes() == old_bytes
        assert torch.equal(read_idx(path), old)
        assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left
        new = torch.ones(10, 28, 28, dtype=torch.uint8)
        write_idx(path, new)
        assert torch.equal(read_idx(path), new)
        assert [p.name for p in tmp_path.iterdir()] == [name]

    def test_write_creates_the_folder(self, tmp_path):
        write_idx(tmp_path / "new" / "raw" / "labels", torch.zeros(3, dtype=torch.uint8))
        assert read_idx(tmp_path / "new" / "raw" / "labels").tolist() == [0, 0, 0]


# ---------------------------------------------------------------------- MNIST-like sets


def write_fake_set(raw: Path, n_train=6, n_test=4, extracted=False):
    """Writes a small MNIST-like set; returns {file name: tensor}."""
    raw.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(1)
    tensors = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        tensors[f"{prefix}-images-idx3-ubyte.gz"] = torch.randint(
            0, 256, (n, 28, 28), generator=g
        ).to(torch.uint8)
        tensors[f"{prefix}-labels-idx1-ubyte.gz"] = torch.randint(0, 10, (n,), generator=g).to(
            torch.uint8
        )
    for name, tensor in tensors.items():
        write_idx(raw / name, tensor)
        if extracted:
            write_idx(raw / name.removesuffix(".gz"), tensor)
    return tensors


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A fake MNIST under tmp_path, with torchvision's md5 list pointed at its files."""
    raw = tmp_path / "MNIST" / "raw"
    tensors = write_fake_set(raw)
    resources = [(name, file_md5(raw / name)) for name in tensors]
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
    return tmp_path, tensors


class TestMnist:
    @pytest.mark.parametrize("train", [True, False])
    def test_loads_written_files(self, fake_mnist, train):
        root, tensors = fake_mnist
        X, y = load_mnist("mnist", root, train=train)
        prefix = "train" if train else "t10k"
        assert X.dtype == torch.uint8 and y.dtype == torch.int64
        assert torch.equal(X, tensors[f"{prefix}-images-idx3-ubyte.gz"])
        assert torch.equal(y, tensors[f"{prefix}-labels-idx1-ubyte.gz"].long())

    def test_md5_mismatch(self, fake_mnist, monkeypatch):
        root, _ = fake_mnist
        resources = list(torchvision.datasets.MNIST.resources)
        resources[2] = (resources[2][0], "0" * 32)
        monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
        with pytest.raises(
            ValueError, match=r"t10k-images-idx3-ubyte.gz: md5 [0-9a-f]{32} differs"
        ):
            load_mnist("mnist", root, train=False)
        X, _ = load_mnist("mnist", root, train=False, verify=False)
        assert X.shape == (4, 28, 28)

    def test_real_md5_list_is_torchvisions(self):
        assert dict(torchvision.datasets.MNIST.resources)["t10k-labels-idx1-ubyte.gz"] == (
            "ec29112dd5afa0611ce80d1b7f02629c"
        )

    def test_missing_files_message(self, tmp_path):
        with pytest.raises(FileNotFoundError) as info:
            load_mnist("fashion-mnist", tmp_path, train=True)
        message = str(info.value)
        raw = (tmp_path / "FashionMNIST" / "raw").resolve()
        assert f"Put these files in {raw}" in message
        assert "train-images-idx3-ubyte.gz  (md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d)" in message
        assert "train-labels-idx1-ubyte.gz  (md5 25c81989df183df01b3e8a0aad5dffbe)" in message
        assert "t10k" not in message
        assert "download=True" in message

    def test_root_from_environment_then_cwd(self, tmp_path, monkeypatch):
        monkeypatch.setenv("DLNOTES_DATA_DIR", str(tmp_path / "env"))
        assert data_root() == tmp_path / "env"
        with pytest.raises(FileNotFoundError, match=r"env/KMNIST/raw"):
            load_mnist("kmnist")
        monkeypatch.delenv("DLNOTES_DATA_DIR")
        monkeypatch.chdir(tmp_path)
        assert data_root() == Path("data")
        assert data_root("x") == Path("x")

    def test_failed_download_is_a_clear_error(self, tmp_path, monkeypatch):
        def fail(self):
            raise RuntimeError(
                "Error downloading t10k-images-idx3-ubyte.gz:\nTried https://x/, got:\n<urlopen error [Errno -3]>"
            )

        monkeypatch.setattr(torchvision.datasets.KMNIST, "download", fail)
        with pytest.raises(FileNotFoundError) as info:
            load_mnist("KMNIST", tmp_path, train=False, download=True)
        message = str(info.value)
        assert "t10k-images-idx3-ubyte.gz  (md5 5c965bf0a639b31b8f53240b1b52f4d7)" in message
        assert "The download failed:\n  Error downloading" in message
        assert "urlopen error" in message
        assert info.value.__cause__ is None and info.value.__suppress_context__

    def test_download_delegates_to_torchvision(self, tmp_path, monkeypatch):
        calls = []

        def fake_download(self):
            calls.append(self.raw_folder)
            write_fake_set(Path(self.raw_folder), extracted=True)

        raw = tmp_path / "MNIST" / "raw"
        expected = write_fake_set(tmp_path / "staging")
        resources = [(name, file_md5(tmp_path / "staging" / name)) for name in expected]
        monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
        monkeypatch.setattr(torchvision.datasets.MNIST, "download", fake_download)
        X, _ = load_mnist("mnist", tmp_path, train=False, download=True)
        assert calls == [str(raw)]
        assert torch.equal(X, expected["t10k-images-idx3-ubyte.gz"])

    def test_extracted_files_suffice(self, fake_mnist):
        root, tensors = fake_mnist
        raw = root / "MNIST" / "raw"
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
            write_idx(raw / name.removesuffix(".gz"), tensors[name])
            (raw / name).unlink()
        X, _ = load_mnist("mnist", root, train=False)
        assert torch.equal(X, tensors["t10k-images-idx3-ubyte.gz"])

    def test_images_and_labels_must_fit(self, fake_mnist, monkeypatch):
        root, _ = fake_mnist
        raw = root / "MNIST" / "raw"
        write_idx(raw / "t10k-labels-idx1-ubyte.gz", torch.zeros(5, dtype=torch.uint8))
        write_idx(raw / "train-images-idx3-ubyte.gz", torch.zeros(6, 27, 28, dtype=torch.uint8))
        resources = [(name, file_md5(raw / name)) for name, _ in MNIST_LIKE["mnist"].resources]
        monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
        with pytest.raises(ValueError, match=r"4 images in .* but 5 labels"):
            load_mnist("mnist", root, train=False)
        with pytest.raises(
            ValueError, match=r"shape \(N, 28, 28\), got torch.uint8 of shape \(6, 27"
        ):
            load_mnist("mnist", root, train=True)

    def test_unknown_name(self):
        with pytest.raises(ValueError, match=r"Unknown data set: 'cifar10'"):
            load_mnist("cifar10")

    def test_torchvision_dataset(self, fake_mnist):
        root, tensors = fake_mnist
        dataset = mnist_dataset("mnist", root, train=False)
        assert isinstance(dataset, torchvision.datasets.MNIST)
        assert torch.equal(dataset.data, tensors["t10k-images-idx3-ubyte.gz"])
        image, label = dataset[1]
        assert image.shape == (1, 28, 28) and image.dtype == torch.float32
        expected = to_float_images(tensors["t10k-images-idx3-ubyte.gz"][1])
        torch.testing.assert_close(image[0], expected)
        assert label == int(tensors["t10k-labels-idx1-ubyte.gz"][1])
        assert not list((root / "MNIST" / "raw").glob("*.part"))


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"real MNIST not found at {SHARED_MNIST}")
def test_real_mnist_matches_torchvision(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    shutil.copytree(SHARED_MNIST, raw)  # the shared folder is read-only
    for name, md5 in torchvision.datasets.MNIST.resources:
        assert file_md5(raw / name) == md5
    X, y = load_mnist("mnist", tmp_path, train=False)
    assert X.shape == (10000, 28, 28) and y.shape == (10000,)
    mnist_dataset("mnist", tmp_path, train=False)  # extracts what torchvision needs
    reference = torchvision.datasets.MNIST(str(tmp_path), train=False)
    assert torch.equal(X, reference.data)
    assert torch.equal(y, reference.targets)


# ------------------------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return torch.from_numpy(bunch.images).float() / 16, torch.from_numpy(bunch.target)


class TestDigits:
    def test_shapes_ranges_and_counts(self, digits):
        split = load_digits_split(0.2, seed=0)
        assert isinstance(split, DataSplit)
        X_train, y_train, X_test, y_test = split
        assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
        assert X_train.dtype == torch.float32 and y_train.dtype == torch.int64
        assert float(X_train.min()) == 0.0 and float(X_train.max()) == 1.0
        assert torch.equal((X_train * 16).round(), X_train * 16)
        # Stratified: per class, round(0.2 * class size) in the test set.
        counts = torch.bincount(digits[1])
        assert torch.equal(torch.bincount(y_test), (0.2 * counts).round().long())
        assert torch.equal(torch.bincount(y_train) + torch.bincount(y_test), counts)

    def test_split_partitions_the_original(self, digits):
        X_train, y_train, X_test, y_test = load_digits_split(0.3, seed=5, flatten=False)
        assert X_train.shape[1:] == (1, 8, 8)
        ours = torch.cat([X_train, X_test]).flatten(1)
        labels = torch.cat([y_train, y_test])
        rows = sorted(map(tuple, torch.cat([ours, labels[:, None]], 1).tolist()))
        reference = torch.cat([digits[0].flatten(1), digits[1][:, None].float()], 1)
        assert rows == sorted(map(tuple, reference.tolist()))

    def test_deterministic_per_seed(self):
        a, b, c = (load_digits_split(seed=s) for s in (1, 1, 2))
        assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
        assert not torch.equal(a.X_test, c.X_test)

    @pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, float("nan")])
    def test_invalid_fraction(self, fraction):
        with pytest.raises(ValueError, match=r"Invalid test_fraction"):
            load_digits_split(fraction)

    @pytest.mark.parametrize("fraction", ["0.2", None, True])
    def test_fraction_that_is_not_a_number(self, fraction):
        with pytest.raises(TypeError, match=rf"Invalid test_fraction: {fraction!r}"):
            load_digits_split(fraction)

    @pytest.mark.parametrize(("fraction", "empty"), [(0.001, "test"), (0.999, "training")])
    def test_fraction_that_empties_a_split(self, fraction, empty):
        with pytest.raises(
            ValueError, match=rf"Invalid test_fraction: {fraction} .*the {empty} set empty"
        ):
            load_digits_split(fraction)

    def test_fractions_at_the_edge_keep_one_image_per_largest_class(self, digits):
        # Only the largest classes reach round(f * size) == 1 (or == size - 1): the check for an
        # empty split must look at the per-class rounding, not at f * 1797.
        counts = torch.bincount(digits[1])
        largest = int(counts.max())
        n_largest = int((counts == largest).sum())
        small = 0.5 / largest * 0.999
        for fraction in (small, 0.5 / largest):  # round(0.5) == 0
            with pytest.raises(ValueError, match=r"the test set empty"):
                load_digits_split(fraction)
        with pytest.raises(ValueError, match=r"the training set empty"):
            load_digits_split(1 - small)
        small = 0.5 / largest * 1.001
        assert len(load_digits_split(small).y_test) == n_largest
        assert len(load_digits_split(1 - small).y_train) == n_largest


# ----------------------------------------------------------------------------- notMNIST


def make_notmnist(root: Path, per_class=2) -> list[np.ndarray]:
    images = []
    for label, letter in enumerate(NOTMNIST_CLASSES):
        (root / letter).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.full((28, 28), 10 * label + i, dtype=np.uint8)
            pixels[0, 0] = 255
            Image.fromarray(pixels).save(root / letter / f"img{i}.png")
            images.append(pixels)
    return images


class TestNotMnist:
    def test_reads_and_skips_unreadable(self, tmp_path):
        images = make_notmnist(tmp_path)
        (tmp_path / "A" / "broken.png").write_bytes(b"not a png at all")
        valid = (tmp_path / "F" / "img0.png").read_bytes()
        (tmp_path / "F" / "cut.png").write_bytes(valid[: len(valid) // 2])
        Image.new("L", (27, 28)).save(tmp_path / "J" / "small.png")
        with pytest.warns(UserWarning, match=r"Skipped 3 unreadable file\(s\) in .*A/broken.png"):
            X, y = load_notmnist(tmp_path)
        assert X.shape == (20, 28, 28) and X.dtype == torch.uint8
        assert y.tolist() == [label for label in range(10) for _ in range(2)]
        assert torch.equal(X, torch.from_numpy(np.stack(images)))

    def test_rgb_is_converted(self, tmp_path):
        make_notmnist(tmp_path, per_class=1)
        Image.new("RGB", (28, 28), color=(255, 255, 255)).save(tmp_path / "B" / "rgb.png")
        X, y = load_notmnist(tmp_path)
        assert X.shape == (11, 28, 28) and int(X[2].min()) == 255 and int(y[2]) == 1

    def test_many_skipped_are_summarised(self, tmp_path):
        make_notmnist(tmp_path, per_class=1)
        for i in range(7):
            (tmp_path / "C" / f"bad{i}.png").write_bytes(b"")
        with pytest.warns(UserWarning, match=r"Skipped 7 .* and 2 more"):
            load_notmnist(tmp_path)

    def test_folder_errors(self, tmp_path):
        with pytest.raises(FileNotFoundError, match=r"notMNIST folder not found"):
            load_notmnist(tmp_path / "missing")
        for letter in "ABCDEFGH":
            (tmp_path / letter).mkdir()
        with pytest.raises(FileNotFoundError, match=r"lacks the letter subfolders I, J"):
            load_notmnist(tmp_path)
        (tmp_path / "I").mkdir()
        (tmp_path / "J").mkdir()
        (tmp_path / "J" / "x.png").write_bytes(b"junk")
        with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"No readable"):
            load_notmnist(tmp_path)


# ------------------------------------------------------------------------------- loader


def epoch_order(loader: InMemoryLoader) -> list[int]:
    """The y values of one epoch, with y = arange(n) so they are the sample indices."""
    return [int(v) for _, y_batch in loader for v in y_batch]


def make_loader(n, batch_size, **kwargs) -> InMemoryLoader:
    X = torch.arange(n, dtype=torch.float32)[:, None].repeat(1, 3)  # row i is (i, i, i)
    return InMemoryLoader(X, torch.arange(n), batch_size, **kwargs)


class TestInMemoryLoader:
    @settings(max_examples=40, deadline=None)
    @given(n=st.integers(1, 60), batch_size=st.integers(1, 25), seed=st.integers(0, 2**16))
    def test_each_epoch_is_a_permutation(self, n, batch_size, seed):
        loader = make_loader(n, batch_size, seed=seed)
        for _ in range(2):
            batches = list(loader)
            assert len(batches) == len(loader) == math.ceil(n / batch_size)
            assert all(len(y_batch) == batch_size for _, y_batch in batches[:-1])
            order = [int(v) for _, y_batch in batches for v in y_batch]
            assert sorted(order) == list(range(n))
            for X_batch, y_batch in batches:  # inputs and targets stay paired
                assert torch.equal(X_batch[:, 0].long(), y_batch)

    def test_drop_last(self):
        loader = make_loader(10, 3, drop_last=True)
        batches = [y_batch.tolist() for _, y_batch in loader]
        assert len(loader) == len(batches) == 3
        assert all(len(b) == 3 for b in batches)
        assert len(set(itertools.chain(*batches))) == 9

    def test_same_seed_and_epoch_same_order(self):
        a, b = make_loader(50, 8, seed=3), make_loader(50, 8, seed=3)
        assert epoch_order(a) == epoch_order(b)
        assert epoch_order(make_loader(50, 8, seed=4)) != epoch_order(make_loader(50, 8, seed=3))

    def test_new_order_each_epoch_and_resume(self):
        loader = make_loader(100, 16, seed=0)
        orders = [epoch_order(loader) for _ in range(4)]
        assert len({tuple(o) for o in orders}) == 4
        resumed = make_loader(100, 16, seed=0)
        resumed.set_epoch(2)
        assert epoch_order(resumed) == orders[2]
        assert epoch_order(resumed) == orders[3]
        explicit = make_loader(100, 16, seed=0)
        for epoch in range(4):  # DistributedSampler's pattern gives the same orders
            explicit.set_epoch(epoch)
            assert epoch_order(explicit) == orders[epoch]
        assert loader.indices(1).tolist() == orders[1]

    def test_no_shuffle_gives_views_in_order(self):
        loader = make_loader(7, 3, shuffle=False)
        assert epoch_order(loader) == list(range(7))
        X_batch, _ = next(iter(loader))
        assert X_batch.data_ptr() == loader.X.data_ptr()

    @settings(max_examples=40, deadline=None)
    @given(
        n=st.integers(1, 40),
        world_size=st.integers(1, 5),
        batch_size=st.integers(1, 8),
        drop_last=st.booleans(),
        shuffle=st.booleans(),
    )
    def test_sharding(self, n, world_size, batch_size, drop_last, shuffle):
        ranks = [
            make_loader(
                n, batch_size, shuffle=shuffle, drop_last=drop_last, rank=r, world_size=world_size
            )
            for r in range(world_size)
        ]
        for r in ranks:
            r.set_epoch(5)
        shards = [epoch_order(r) for r in ranks]
        assert len({len(r) for r in ranks}) == 1  # the same number of batches on every rank
        assert len({len(s) for s in shards}) == 1
        full = make_loader(n, batch_size, shuffle=shuffle).indices(5).tolist()
        if drop_last:
            kept = full[: n // world_size * world_size]
            assert all(len(s) == (n // world_size) // batch_size * batch_size for s in shards)
        else:
            kept = (full * world_size)[: math.ceil(n / world_size) * world_size]
        # Interleaving the ranks' shards gives back the (padded or cut) single-process order.
        shard_indices = [r.indices(5).tolist() for r in ranks]
        assert [s[i] for i in range(len(shard_indices[0])) for s in shard_indices] == kept
        if drop_last or n % world_size == 0:
            flat = list(itertools.chain(*shards))
            assert len(flat) == len(set(flat))  # disjoint
        if not drop_last:
            assert set(itertools.chain(*shards)) == set(
                range(n)
            )  # together they cover every sample

    def test_device_placement(self):
        loader = make_loader(5, 2, device="cpu")
        assert all(X_batch.device.type == "cpu" for X_batch, _ in loader)
        if torch.cuda.is_available():
            loader = make_loader(5, 2, device="cuda")
            assert loader.X.is_cuda
            assert all(X_batch.is_cuda and y_batch.is_cuda for X_batch, y_batch in loader)
        else:
            with pytest.raises(ValueError, match=r"CUDA is not available"):
                make_loader(5, 2, device="cuda")

    @pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
    def test_invalid_batch_size(self, batch_size):
        with pytest.raises(ValueError, match=r"Invalid batch_size"):
            make_loader(5, batch_size)

    def test_invalid_arguments(self):
        with pytest.raises(ValueError, match=r"X of shape \(5, 2\) and y of shape \(4,\)"):
            InMemoryLoader(torch.zeros(5, 2), torch.zeros(4), 2)
        with pytest.raises(ValueError, match=r"empty"):
            InMemoryLoader(torch.zeros(0, 2), torch.zeros(0), 2)
        with pytest.raises(TypeError, match=r"Expected X to be a torch.Tensor, got list"):
            InMemoryLoader([1, 2], torch.zeros(2), 2)
        for rank in (-1, 2):
            with pytest.raises(ValueError, match=rf"Invalid rank: {rank} \(expected 0 <= rank < 2"):
                make_loader(5, 2, rank=rank, world_size=2)
        with pytest.raises(ValueError, match=r"Invalid world_size: 0"):
            make_loader(5, 2, world_size=0)
        with pytest.raises(ValueError, match=r"Invalid seed: -1"):
            make_loader(5, 2, seed=-1)
        with pytest.raises(ValueError, match=r"Invalid epoch: -1"):
            make_loader(5, 2).set_epoch(-1)

    def test_repr(self):
        text = repr(make_loader(5, 2, seed=7))
        assert "InMemoryLoader(n=5, batch_size=2" in text and "seed=7" in text


class TestToFloatImages:
    def test_matches_torchvision(self):
        images = torch.randint(0, 256, (4, 28, 28), generator=torch.Generator().manual_seed(0))
        images = images.to(torch.uint8)
        X = to_float_images(images)
        reference = torch.stack([TF.to_tensor(img.numpy())[0] for img in images])
        torch.testing.assert_close(X, reference, rtol=0, atol=1e-7)
        normalised = to_float_images(images, mean=0.1307, std=0.3081)
        reference = TF.normalize(reference[:, None], mean=[0.1307], std=[0.3081])[:, 0]
        torch.testing.assert_close(normalised, reference, rtol=1e-6, atol=1e-6)
        assert to_float_images(images, dtype=torch.float64).dtype == torch.float64

    def test_rejects(self):
        with pytest.raises(TypeError, match=r"uint8 tensor of images, got torch.float32"):
            to_float_images(torch.zeros(2))
        with pytest.raises(ValueError, match=r"both mean and std"):
            to_float_images(torch.zeros(2, dtype=torch.uint8), mean=0.5)
        with pytest.raises(ValueError, match=r"Invalid std: 0"):
            to_float_images(torch.zeros(2, dtype=torch.uint8), mean=0.5, std=0.0)
        with pytest.raises(TypeError, match=r"Invalid dtype: torch.int32"):
            to_float_images(torch.zeros(2, dtype=torch.uint8), dtype=torch.int32)

    @pytest.mark.parametrize("dtype", ["float32", float, np.float32, None], ids=repr)
    def test_rejects_a_dtype_that_is_not_a_torch_dtype(self, dtype):
        with pytest.raises(TypeError, match=rf"Invalid dtype: {re.escape(repr(dtype))} "):
            to_float_images(torch.zeros(2, dtype=torch.uint8), dtype=dtype)

    @pytest.mark.parametrize(
        ("name", "mean_shape", "std_shape"),
        [
            ("mean", (3, 1, 1), ()),  # per-channel stats on images without a channel axis
            ("std", (), (3, 1, 1)),
            ("mean", (2, 4, 28, 28), ()),  # broadcasts, but would enlarge the images
            ("std", (28,), (1, 28, 1, 1)),
        ],
    )
    def test_rejects_stats_that_do_not_broadcast(self, name, mean_shape, std_shape):
        images = torch.zeros(4, 28, 28, dtype=torch.uint8)
        shape = (mean_shape, std_shape)[name == "std"]
        with pytest.raises(
            ValueError,
            match=rf"Invalid {name} shape: {re.escape(str(shape))} .*\(4, 28, 28\)",
        ):
            to_float_images(images, mean=torch.zeros(mean_shape), std=torch.ones(std_shape))

    def test_per_channel_stats(self):
        images = torch.randint(0, 256, (2, 3, 4, 4), generator=torch.Generator().manual_seed(0))
        images = images.to(torch.uint8)
        mean, std = torch.tensor([0.1, 0.2, 0.3]), torch.tensor([0.5, 1.0, 2.0])
        X = to_float_images(images, mean=mean[:, None, None], std=std[:, None, None])
        expected = (images / 255.0 - mean[:, None, None]) / std[:, None, None]
        torch.testing.assert_close(X, expected)
        X = to_float_images(images, mean=torch.tensor(0.5), std=torch.full((4,), 0.5))
        torch.testing.assert_close(X, (images / 255.0 - 0.5) / 0.5)


# ---------------------------------------------------------------------------- synthetic


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class TestSynthetic:
    @pytest.mark.parametrize("make", [noisy_line, noisy_sine, line_with_outliers])
    def test_regression_shapes_and_determinism(self, make):
        X, y = make(30, generator=gen(0))
        assert X.shape == y.shape == (30, 1) and X.dtype == y.dtype == torch.float32
        X2, y2 = make(30, generator=gen(0))
        assert torch.equal(X, X2) and torch.equal(y, y2)
        assert not torch.equal(make(30, generator=gen(1))[1], y)

    def test_noisy_line_recovers_its_parameters(self):
        X, y = noisy_line(20000, slope=-3.0, intercept=0.5, noise=0.1, generator=gen(0))
        A = torch.cat([X, torch.ones_like(X)], 1).double()
        w, b = torch.linalg.lstsq(A, y.double()).solution.flatten().tolist()
        assert w == pytest.approx(-3.0, abs=0.01) and b == pytest.approx(0.5, abs=0.01)
        residual = y - (-3.0 * X + 0.5)
        assert float(residual.std()) == pytest.approx(0.1, rel=0.05)
        assert float(X.min()) >= -1.0 and float(X.max()) <= 1.0

    def test_noisy_sine(self):
        X, y = noisy_sine(200, noise=0.0, frequency=2.0, low=1.0, high=3.0, generator=gen(0))
        assert float(X.min()) >= 1.0 and float(X.max()) <= 3.0
        torch.testing.assert_close(y, torch.sin(4 * math.pi * X))

    def test_outliers(self):
        X, y = line_with_outliers(
            50, noise=0.0, outlier_fraction=0.2, outlier_offset=4.0, generator=gen(3)
        )
        offset = y - (2.0 * X + 1.0)
        is_outlier = offset.abs() > 1e-5
        assert int(is_outlier.sum()) == 10
        assert float(offset[is_outlier].min()) >= 2.0 and float(offset.max()) <= 6.0

    def test_two_moons_matches_sklearn(self):
        from sklearn.datasets import make_moons

        X, y = two_moons(101, noise=0.0, generator=gen(0))
        assert X.shape == (101, 2) and y.dtype == torch.int64
        assert torch.bincount(y).tolist() == [50, 51]
        X_sk, y_sk = make_moons(101, noise=0.0, shuffle=False)
        for label in (0, 1):
            ours = X[y == label].double()
            theirs = torch.from_numpy(X_sk[y_sk == label])
            ours, theirs = (t[t[:, 0].argsort()] for t in (ours, theirs))
            torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)
        X2, y2 = two_moons(101, noise=0.1, generator=gen(0))
        X3, y3 = two_moons(101, noise=0.1, generator=gen(0))
        assert torch.equal(X2, X3) and torch.equal(y2, y3)

    def test_rejects(self):
        with pytest.raises(ValueError, match=r"Invalid number of samples: 0"):
            noisy_line(0)
        with pytest.raises(ValueError, match=r"Invalid noise: -0.1"):
            noisy_sine(5, noise=-0.1)
        with pytest.raises(ValueError, match=r"low=1.0, high=1.0"):
            noisy_line(5, low=1.0, high=1.0)
        with pytest.raises(ValueError, match=r"Invalid outlier_fraction: 1.5"):
            line_with_outliers(5, outlier_fraction=1.5)
        with pytest.raises(TypeError, match=r"torch.Generator or None, got int"):
            two_moons(5, generator=0)
        with pytest.raises(ValueError, match=r"at least 2"):
            two_moons(1)
