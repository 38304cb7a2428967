"""Unit tests for dlnotes.data: IDX files, MNIST-like sets, digits, notMNIST, loader, synthetic."""

from __future__ import annotations

import errno
import gzip
import hashlib
import itertools
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from torch.utils.data import DistributedSampler

from dlnotes.data import (
    DataSplit,
    InMemoryLoader,
    data_root,
    load_digits_split,
    load_mnist,
    load_notmnist,
    noisy_line,
    noisy_sine,
    read_idx,
    write_idx,
)


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
        assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()

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

# An address that refuses connections at once: a test that must not reach the network points
# torchvision's mirrors here, so any download attempt fails instead of going out.
NO_NETWORK = ["http://127.0.0.1:9/"]


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def write_fake_set(raw: Path, n_train=6, n_test=4, extracted=True):
    """Writes a small MNIST-like set (the .gz files, and the extracted ones if asked).

    Returns {name of the .gz file: tensor}.
    """
    raw.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(1)
    tensors = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, 28, 28), generator=g).to(torch.uint8)
        tensors[f"{prefix}-images-idx3-ubyte.gz"] = images
        tensors[f"{prefix}-labels-idx1-ubyte.gz"] = torch.randint(0, 10, (n,), generator=g)
    for name, tensor in tensors.items():
        write_idx(raw / name, tensor.to(torch.uint8))
        if extracted:
            write_idx(raw / name.removesuffix(".gz"), tensor.to(torch.uint8))
    return tensors


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A fake MNIST's .gz files under tmp_path, with torchvision's md5 list pointed at them."""
    raw = tmp_path / "MNIST" / "raw"
    tensors = write_fake_set(raw, extracted=False)
    resources = [(name, md5(raw / name)) for name in tensors]
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", NO_NETWORK)
    return tmp_path, tensors


class TestMnist:
    @pytest.mark.parametrize("train", [True, False])
    def test_reads_extracted_files(self, tmp_path, train):
        tensors = write_fake_set(tmp_path / "FashionMNIST" / "raw")
        X, y = load_mnist("Fashion_MNIST", tmp_path, train=train)
        prefix = "train" if train else "t10k"
        assert X.dtype == torch.uint8 and y.dtype == torch.int64
        assert torch.equal(X, tensors[f"{prefix}-images-idx3-ubyte.gz"])
        assert torch.equal(y, tensors[f"{prefix}-labels-idx1-ubyte.gz"])

    def test_gz_files_are_extracted_only_when_asked_and_without_network(self, fake_mnist):
        root, tensors = fake_mnist
        raw = root / "MNIST" / "raw"
        before = sorted(p.name for p in raw.iterdir())
        with pytest.raises(FileNotFoundError, match=r"download=True"):
            load_mnist("mnist", root, train=False)
        assert sorted(p.name for p in raw.iterdir()) == before  # download=False writes nothing
        X, y = load_mnist("mnist", root, train=False, download=True)  # the mirrors are unreachable
        assert torch.equal(X, tensors["t10k-images-idx3-ubyte.gz"])
        assert torch.equal(y, tensors["t10k-labels-idx1-ubyte.gz"])
        assert (raw / "train-images-idx3-ubyte").is_file()  # torchvision extracts all four
        X, _ = load_mnist("mnist", root, train=True)  # now there without download
        assert torch.equal(X, tensors["train-images-idx3-ubyte.gz"])

    def test_damaged_gz_file_is_not_extracted(self, fake_mnist, monkeypatch):
        root, _ = fake_mnist
        resources = list(torchvision.datasets.MNIST.resources)
        resources[2] = (resources[2][0], "0" * 32)
        monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
        with pytest.raises(FileNotFoundError) as info:
            load_mnist("mnist", root, train=False, download=True)
        message = str(info.value)
        assert "torchvision said:\n  Error downloading t10k-images-idx3-ubyte.gz" in message
        assert f"t10k-images-idx3-ubyte.gz  (md5 {'0' * 32})" in message
        assert not (root / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists()

    def test_missing_files_message(self, tmp_path):
        with pytest.raises(FileNotFoundError) as info:
            load_mnist("fashion-mnist", tmp_path, train=True)
        message = str(info.value)
        raw = (tmp_path / "FashionMNIST" / "raw").resolve()
        assert message.startswith(f"FashionMNIST could not be loaded from {raw}.")
        assert "Put these four files in that folder:" in message
        for name, checksum in torchvision.datasets.FashionMNIST.resources:
            assert f"  {name}  (md5 {checksum})" in message
        assert "train-images-idx3-ubyte.gz  (md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d)" in message
        assert "load_mnist('fashion-mnist', download=True)" in message

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
                "Error downloading t10k-images-idx3-ubyte.gz:\nTried https://x/, got:\n"
                "<urlopen error [Errno -3]>"
            )

        monkeypatch.setattr(torchvision.datasets.KMNIST, "download", fail)
        with pytest.raises(FileNotFoundError) as info:
            load_mnist("KMNIST", tmp_path, train=False, download=True)
        message = str(info.value)
        assert "t10k-images-idx3-ubyte.gz  (md5 5c965bf0a639b31b8f53240b1b52f4d7)" in message
        assert "torchvision said:\n  Error downloading" in message
        assert "\n  <urlopen error [Errno -3]>\n" in message
        assert info.value.__cause__ is None and info.value.__suppress_context__

    def test_unknown_name(self):
        with pytest.raises(ValueError, match=r"Unknown data set: 'cifar10'"):
            load_mnist("cifar10")


def test_real_mnist(mnist_copy, monkeypatch):
    raw = mnist_copy / "MNIST" / "raw"
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", NO_NETWORK)
    X, y = load_mnist("mnist", mnist_copy, train=False, download=True)
    assert X.shape == (10000, 28, 28) and y.shape == (10000,)
    # The course's own IDX reader agrees with torchvision's.
    assert torch.equal(X, read_idx(raw / "t10k-images-idx3-ubyte.gz"))
    assert torch.equal(y, read_idx(raw / "t10k-labels-idx1-ubyte.gz").long())
    assert torch.bincount(y).tolist()[:3] == [980, 1135, 1032]


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
    for label, letter in enumerate("ABCDEFGHIJ"):
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
        assert loader.epoch == 4 and loader.seed == 0
        resumed = make_loader(100, 16, seed=0)
        resumed.set_epoch(2)
        assert epoch_order(resumed) == orders[2]
        assert epoch_order(resumed) == orders[3]
        explicit = make_loader(100, 16, seed=0)
        for epoch in range(4):  # DistributedSampler's pattern gives the same orders
            explicit.set_epoch(epoch)
            assert epoch_order(explicit) == orders[epoch]

    def test_no_shuffle_keeps_the_stored_order(self):
        loader = make_loader(7, 3, shuffle=False)
        assert epoch_order(loader) == list(range(7))
        assert epoch_order(loader) == list(range(7))

    @settings(max_examples=40, deadline=None)
    @given(
        n=st.integers(1, 40),
        world_size=st.integers(1, 5),
        batch_size=st.integers(1, 8),
        drop_last=st.booleans(),
        shuffle=st.booleans(),
        seed=st.integers(0, 2**16),
    )
    def test_sharding_follows_distributed_sampler(
        self, n, world_size, batch_size, drop_last, shuffle, seed
    ):
        ranks = [
            make_loader(
                n,
                batch_size,
                shuffle=shuffle,
                drop_last=drop_last,
                seed=seed,
                rank=r,
                world_size=world_size,
            )
            for r in range(world_size)
        ]
        shards = []
        for r, loader in enumerate(ranks):
            loader.set_epoch(5)
            sampler = DistributedSampler(
                range(n), world_size, r, shuffle=shuffle, seed=seed, drop_last=drop_last
            )
            sampler.set_epoch(5)
            expected = list(sampler)
            if drop_last:  # the loader also drops each rank's last incomplete batch
                expected = expected[: len(expected) // batch_size * batch_size]
            shards.append(epoch_order(loader))
            assert shards[-1] == expected
        assert len({len(r) for r in ranks}) == 1  # the same number of batches on every rank
        if drop_last or n % world_size == 0:
            flat = list(itertools.chain(*shards))
            assert len(flat) == len(set(flat))  # disjoint
        if not drop_last:  # together they cover every sample
            assert set(itertools.chain(*shards)) == set(range(n))

    def test_padding_repeats_the_first_samples(self):
        X, y = torch.zeros(5, 1), torch.arange(5)
        shards = [
            [
                y_batch.tolist()
                for _, y_batch in InMemoryLoader(X, y, 2, shuffle=False, rank=r, world_size=3)
            ]
            for r in range(3)
        ]
        assert shards == [[[0, 3]], [[1, 4]], [[2, 0]]]

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

    @pytest.mark.parametrize(
        ("batch_size", "error"),
        [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)],
    )
    def test_invalid_batch_size(self, batch_size, error):
        with pytest.raises(error, match=rf"Invalid batch_size: {batch_size}"):
            make_loader(5, batch_size)

    def test_invalid_arguments(self):
        with pytest.raises(ValueError, match=r"X of shape \(5, 2\) and y of shape \(4,\)"):
            InMemoryLoader(torch.zeros(5, 2), torch.zeros(4), 2)
        with pytest.raises(ValueError, match=r"empty"):
            InMemoryLoader(torch.zeros(0, 2), torch.zeros(0), 2)
        with pytest.raises(TypeError, match=r"Expected X to be a torch.Tensor, got list"):
            InMemoryLoader([1, 2], torch.zeros(2), 2)
        with pytest.raises(ValueError, match=r"Invalid rank: -1 \(expected an int >= 0\)"):
            make_loader(5, 2, rank=-1, world_size=2)
        with pytest.raises(ValueError, match=r"Invalid rank: 2 \(expected an int < world_size=2"):
            make_loader(5, 2, rank=2, world_size=2)
        with pytest.raises(ValueError, match=r"Invalid world_size: 0"):
            make_loader(5, 2, world_size=0)
        with pytest.raises(ValueError, match=r"Invalid seed: -1"):
            make_loader(5, 2, seed=-1)
        with pytest.raises(ValueError, match=r"Invalid epoch: -1"):
            make_loader(5, 2).set_epoch(-1)
        with pytest.raises(TypeError, match=r"Invalid epoch: 1.0"):
            make_loader(5, 2).set_epoch(1.0)

    def test_repr(self):
        text = repr(make_loader(5, 2, seed=7))
        assert "InMemoryLoader(n=5, batch_size=2" in text and "seed=7" in text


# ---------------------------------------------------------------------------- synthetic


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class TestSynthetic:
    @pytest.mark.parametrize("make", [noisy_line, noisy_sine])
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

    def test_rejects(self):
        with pytest.raises(ValueError, match=r"Invalid number of samples: 0"):
            noisy_line(0)
        with pytest.raises(TypeError, match=r"Invalid number of samples: 2.5"):
            noisy_line(2.5)
        with pytest.raises(ValueError, match=r"Invalid noise: -0.1"):
            noisy_sine(5, noise=-0.1)
        with pytest.raises(ValueError, match=r"Invalid noise: nan"):
            noisy_sine(5, noise=float("nan"))
        with pytest.raises(ValueError, match=r"low=1.0, high=1.0"):
            noisy_line(5, low=1.0, high=1.0)
        with pytest.raises(TypeError, match=r"torch.Generator or None, got int"):
            noisy_sine(5, generator=0)
