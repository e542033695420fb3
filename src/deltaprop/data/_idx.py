"""IDX files (the MNIST format): reading with the declared sizes checked, and writing."""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

from .._files import atomic_write_bytes, fspath, open_for_reading
from .._memory import check_fits, format_bytes
from ..errors import DataFileError, InputError
from ._dataset import Dataset, _out_of_memory_is_one_error, _pixel_names

# IDX (LeCun et al., the MNIST format): two zero bytes, a type code, the number of
# dimensions n, n big-endian uint32 sizes, then the values in C order, big-endian.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
# Deflate expands at most about 1032:1, so a gzip file of s bytes holds at most ~1032 s bytes.
_DEFLATE_MAX_RATIO = 1032
#: The most dimensions an IDX file may announce (its format allows 255; numpy arrays hold 64).
MAX_IDX_NDIM = 8


@_out_of_memory_is_one_error
def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzipped or plain) into an array of its own shape and dtype.

    The magic number and the claimed sizes are checked against the file before the data is
    read: the sizes must account for the file's bytes exactly (for a gzipped file, no more
    than gzip could hold).

    Returns
    -------
    ndarray
        Native byte order; e.g. ``(60000, 28, 28)`` uint8 for MNIST training images.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from deltaprop.data import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(path).tolist()
    [3, 1, 4]
    """
    path = fspath(path)
    where = f"IDX file {path!r}"
    with open_for_reading(path, what="data file") as raw:
        size = os.fstat(raw.fileno()).st_size
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        f = gzip.GzipFile(fileobj=raw) if compressed else raw
        try:
            head = f.read(4)
            if len(head) < 4:
                raise DataFileError(f"{where} is {len(head)} bytes long, too short for an IDX header")
            if head[:2] != b"\0\0" or head[2] not in _IDX_TYPES or head[3] == 0:
                raise DataFileError(
                    f"{where} has the magic number 0x{head.hex()}, not an IDX one (0x0000TTNN: type code TT in "
                    f"{', '.join(f'{k:02x}' for k in _IDX_TYPES)}, NN >= 1 dimensions); is it an IDX file?"
                )
            dtype, ndim = np.dtype(_IDX_TYPES[head[2]]), head[3]
            if ndim > MAX_IDX_NDIM:
                raise DataFileError(f"{where} announces {ndim} dimensions; deltaprop reads IDX files of at most "
                                    f"{MAX_IDX_NDIM} (MNIST images have 3); is it an IDX file?")
            raw_dims = f.read(4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise DataFileError(f"{where} ends inside its header ({ndim} dimensions announced)")
            dims = struct.unpack(f">{ndim}I", raw_dims)
            n_bytes = dtype.itemsize
            for n in dims:
                n_bytes *= n
            if compressed:
                if n_bytes > _DEFLATE_MAX_RATIO * size + 1024:
                    raise DataFileError(
                        f"{where} claims dimensions {dims} ({n_bytes} bytes), more than a {size}-byte gzip file can hold"
                    )
            elif n_bytes != size - 4 - 4 * ndim:
                raise DataFileError(
                    f"{where} claims dimensions {dims} ({n_bytes} bytes of data) but holds "
                    f"{size - 4 - 4 * ndim}; it is truncated or damaged"
                )
            check_fits(n_bytes, what=f"{where} (dimensions {dims}, {format_bytes(n_bytes)})",
                       fix="use a smaller file or a machine with more memory")
            data = f.read(n_bytes + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataFileError(f"{where} cannot be decompressed ({exc}); it is damaged") from exc
    if len(data) != n_bytes:
        raise DataFileError(
            f"{where} claims dimensions {dims} ({n_bytes} bytes of data) but holds "
            f"{'more' if len(data) > n_bytes else len(data)}; it is truncated or damaged"
        )
    return np.frombuffer(data, dtype=dtype).astype(dtype.newbyteorder("=")).reshape(dims)


def write_idx(path, array) -> None:
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``), atomically.

    Parameters
    ----------
    path : str or os.PathLike
    array : ndarray
        uint8, int8, int16, int32, float32 or float64, with 1 to 255 dimensions.
    """
    a = np.asarray(array)
    code = _IDX_CODES.get(a.dtype.newbyteorder("="))
    if code is None:
        raise InputError(f"IDX files hold uint8, int8, int16, int32, float32 or float64, not {a.dtype}")
    if not 1 <= a.ndim <= 255 or any(n >= 2**32 for n in a.shape):
        raise InputError(f"IDX files hold 1 to 255 dimensions below 2**32 each, not shape {a.shape}")
    data = bytes([0, 0, code, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    data += np.asarray(a, dtype=np.dtype(_IDX_TYPES[code]), order="C").tobytes()
    if fspath(path).lower().endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    atomic_write_bytes(path, data, what="IDX file")


def read_idx_dataset(images, labels=None) -> Dataset:
    """Read IDX images (flattened to rows) and their labels.

    Parameters
    ----------
    images : str or os.PathLike
        E.g. ``train-images-idx3-ubyte.gz``.
    labels : str or os.PathLike, optional
        Default: the same name with ``images-idx3`` replaced by ``labels-idx1``, if that
        file exists (otherwise ``y`` is ``None``).
    """
    images = fspath(images)
    X = read_idx(images)
    if labels is None:
        guess = os.path.join(
            os.path.dirname(images),
            os.path.basename(images).replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1"),
        )
        labels = guess if guess != images and os.path.exists(guess) else None
    y = None
    if labels is not None:
        y = read_idx(labels)
        if y.ndim != 1 or len(y) != len(X):
            raise DataFileError(
                f"labels file {fspath(labels)!r} has shape {y.shape} but {images!r} has {len(X)} examples; "
                "pair each images file with its own labels file"
            )
    names = _pixel_names(X.shape[1:]) if X.ndim > 1 else ["x0"]
    return Dataset(X.reshape(len(X), -1), y, names, None if y is None else "label", name=images)

