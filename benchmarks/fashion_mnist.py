"""Fashion-MNIST for the benchmarks: a tiny gzipped-IDX reader, or random data of its shape.

IDX (LeCun's MNIST format): a big-endian header ``0, 0, type, ndim`` followed by ``ndim``
big-endian uint32 sizes and the data; type 0x08 is unsigned bytes, all these files use.
"""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
N_TRAIN, N_FEATURES, N_CLASSES = 60000, 784, 10


def read_idx(path: str) -> np.ndarray:
    """The array stored in a (gzipped) IDX file of unsigned bytes."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        zero, dtype, ndim = struct.unpack(">HBB", fh.read(4))
        if zero != 0 or dtype != 0x08:
            raise ValueError(f"{path} is not an IDX file of unsigned bytes (header {zero:#x}, {dtype:#x})")
        shape = struct.unpack(f">{ndim}I", fh.read(4 * ndim))
        data = np.frombuffer(fh.read(), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} holds {data.size} values but its header says {shape}")
    return data.reshape(shape)


def load(dtype: str = "float32", directory: str = DEFAULT_DIR, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """``(X, labels, source)``: X (60000, 784) of ``dtype`` scaled to [0, 1], labels (60000,) int.

    Falls back to uniform random data of the same shape (``source == "random"``) when the
    files are not installed.
    """
    images = os.path.join(directory, "train-images-idx3-ubyte.gz")
    labels = os.path.join(directory, "train-labels-idx1-ubyte.gz")
    if os.path.exists(images) and os.path.exists(labels):
        X = read_idx(images).reshape(N_TRAIN, -1).astype(dtype)
        X /= 255
        return X, read_idx(labels).astype(np.int64), "Fashion-MNIST"
    rng = np.random.default_rng(seed)
    X = rng.random((N_TRAIN, N_FEATURES), dtype=np.dtype(dtype).type)
    return X, rng.integers(0, N_CLASSES, N_TRAIN), "random"
