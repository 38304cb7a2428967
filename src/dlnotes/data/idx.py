"""Reading and writing IDX files, the format MNIST and its look-alikes ship in.

An IDX file is a short big-endian header followed by the raw array, row-major:

| bytes | meaning |
| --- | --- |
| 0-1 | always zero |
| 2 | element type: `0x08` uint8, `0x09` int8, `0x0B` int16, `0x0C` int32, `0x0D` float32, `0x0E` float64 |
| 3 | number of dimensions $d$ |
| 4 to $4 + 4d$ | each dimension's size as a big-endian 32-bit integer |
| the rest | the elements |

So MNIST's label files start with the magic number `0x00000801` (uint8, one dimension) and its
image files with `0x00000803` (uint8, three dimensions: count, rows, columns). The format is
described on the MNIST page of Y. LeCun, C. Cortes and C. J. C. Burges.

[`read_idx`][dlnotes.data.read_idx] turns a whole file into one tensor with `numpy.frombuffer`
(no Python loop over the elements, no image library) and checks the header against the file's
size, so a truncated download fails with a message instead of a misshapen tensor.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np
import torch

from dlnotes._atomic import atomic_open

__all__ = ["read_idx", "write_idx"]

# IDX type code -> big-endian NumPy dtype.
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TORCH_CODES: dict[torch.dtype, int] = {
    torch.uint8: 0x08,
    torch.int8: 0x09,
    torch.int16: 0x0B,
    torch.int32: 0x0C,
    torch.float32: 0x0D,
    torch.float64: 0x0E,
}
_GZIP_MAGIC = b"\x1f\x8b"


def _known_codes() -> str:
    return ", ".join(f"0x{code:02X} ({dtype.name})" for code, dtype in _IDX_DTYPES.items())


def _read_bytes(path: Path) -> bytes:
    """Returns the file's bytes, decompressed when it is gzip (told by content, not by name)."""
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        # A download cut short ends in the middle of the compressed stream.
        raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from None


def read_idx(path: str | os.PathLike[str]) -> torch.Tensor:
    """Reads an IDX file (gzip-compressed or not) into a tensor.

    Gzip is recognised by the file's first bytes, so `train-images-idx3-ubyte` and
    `train-images-idx3-ubyte.gz` are read the same way. The header is validated: the first two
    bytes must be zero, the type code one of IDX's six, and the data exactly as long as the
    dimensions say.

    Args:
        path: The file to read.

    Returns:
        A tensor with the file's dimensions and dtype (`torch.uint8` for MNIST's images and
        labels); it owns its memory.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not IDX (bad magic number or type code), its gzip stream is
            broken, or its length does not match the header (truncated or with trailing bytes).
            The message names the file and what is wrong.

    Examples:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from dlnotes.data import read_idx, write_idx
        >>> path = Path(tempfile.mkdtemp()) / "labels-idx1-ubyte.gz"
        >>> write_idx(path, torch.tensor([5, 0, 4], dtype=torch.uint8))
        >>> read_idx(path)
        tensor([5, 0, 4], dtype=torch.uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} bytes is too short for an IDX header (4 bytes)")
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{path}: not an IDX file: bad magic number 0x{magic:08X} (the first two bytes "
            "must be zero, e.g. 0x00000801 for labels and 0x00000803 for images)"
        )
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX type code 0x{code:02X} in magic number 0x{magic:08X} "
            f"(known: {_known_codes()})"
        )
    if ndim == 0:
        raise ValueError(f"{path}: magic number 0x{magic:08X} declares zero dimensions")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path}: truncated header: {ndim} dimensions need {header_size} header bytes, "
            f"the file has {len(data)}"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    actual = len(data) - header_size
    if actual < expected:
        raise ValueError(
            f"{path}: truncated: the header says shape {shape} of {dtype.name} "
            f"({expected} bytes of data), the file has {actual}"
        )
    if actual > expected:
        raise ValueError(
            f"{path}: {actual - expected} unexpected bytes after the data: the header says "
            f"shape {shape} of {dtype.name} ({expected} bytes), the file has {actual}"
        )
    array = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=header_size)
    # torch has no big-endian dtypes; astype also copies out of the read-only bytes.
    array = array.astype(dtype.newbyteorder("=")).reshape(shape)
    return torch.from_numpy(array)


def write_idx(path: str | os.PathLike[str], tensor: torch.Tensor) -> None:
    """Writes a tensor as an IDX file, gzip-compressed when `path` ends in `.gz`.

    The inverse of [`read_idx`][dlnotes.data.read_idx]. The gzip header's time stamp is fixed,
    so the same tensor always gives the same bytes (and the same md5). The file is written
    atomically: to a temporary file in the same folder, renamed over `path` once complete, so an
    interrupted write leaves any old file whole.

    Args:
        path: The file to write; its folder is created if missing.
        tensor: A tensor of dtype uint8, int8, int16, int32, float32 or float64 with at least
            one dimension, each of size below $2^{32}$.

    Raises:
        TypeError: If `tensor` is not a tensor, or its dtype has no IDX type code.
        ValueError: If `tensor` has no dimensions.

    Examples:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from dlnotes.data import read_idx, write_idx
        >>> path = Path(tempfile.mkdtemp()) / "images-idx3-ubyte"
        >>> write_idx(path, torch.zeros(2, 3, 3, dtype=torch.uint8))
        >>> path.read_bytes()[:8].hex()
        '0000080300000002'
        >>> read_idx(path).shape
        torch.Size([2, 3, 3])
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dtype not in _TORCH_CODES:
        allowed = ", ".join(str(d) for d in _TORCH_CODES)
        raise TypeError(f"IDX cannot store dtype {tensor.dtype} (allowed: {allowed})")
    if tensor.dim() == 0:
        raise ValueError("IDX needs at least one dimension; got a 0-dimensional tensor")
    code = _TORCH_CODES[tensor.dtype]
    header = bytes([0, 0, code, tensor.dim()])
    header += b"".join(size.to_bytes(4, "big") for size in tensor.shape)
    array = tensor.detach().cpu().contiguous().numpy()
    body = array.astype(_IDX_DTYPES[code]).tobytes()
    payload = header + body
    path = Path(path)
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    with atomic_open(path, "wb") as file:
        file.write(payload)
