"""The :class:`Dataset` every reader returns, and what the readers share."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataFileError

@dataclass
class Dataset:
    """Examples and targets read from a file or a built-in data set.

    Attributes
    ----------
    X : ndarray (N, d)
        One example per row. Float64 from text files; IDX and NumPy files keep their dtype
        (Fashion-MNIST is uint8 pixels 0..255).
    y : ndarray (N,) or None
        Targets: integers, floats or strings (labels are not encoded here). ``None`` when
        the source has no target.
    feature_names : list of str, length d
        Column names from the header, else ``x0, x1, ...`` (original column positions) or
        ``pixel_r_c`` for images.
    target_name : str or None
    name : str
        Where the data came from (the path or the data set's name).
    class_names : list of str or None
        Names of the classes ``0, 1, ...`` when the source defines them (built-in sets).
    task : {"classification", "regression"} or None
        Known for built-in data sets; ``None`` for files.
    skipped_lines : list of int
        The line numbers of a CSV/TSV table's empty lines that lie between data rows and are
        not rows (:func:`~deltaprop.data.read_csv`): row ``i`` of ``X`` is then not the
        ``i``-th line after the header. Empty for other sources.

    Unpacks as ``X, y, feature_names, target_name``.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    target_name: str | None
    name: str = ""
    class_names: list[str] | None = None
    task: str | None = field(default=None)
    skipped_lines: list[int] = field(default_factory=list)

    def __iter__(self):
        return iter((self.X, self.y, self.feature_names, self.target_name))

    def __repr__(self) -> str:
        y = "None" if self.y is None else f"{self.y.shape} {self.y.dtype}"
        return f"Dataset({self.name!r}: X {self.X.shape} {self.X.dtype}, y {y}, target {self.target_name!r})"


def _out_of_memory_is_one_error(reader):
    """Turn a MemoryError met while reading into one DataFileError naming the source.

    The readers check the sizes a file declares before allocating; this catches what no
    declaration announces (a table of many short rows growing past the memory left).
    """

    @functools.wraps(reader)
    def read(source, *args, **kwargs):
        try:
            return reader(source, *args, **kwargs)
        except MemoryError:
            name = "standard input" if isinstance(source, str) and source == "-" else repr(os.fspath(source))
            raise DataFileError(f"reading {name} ran out of memory; use a smaller file or a machine with more "
                                "memory") from None

    return read



def _pixel_names(shape) -> list[str]:
    if len(shape) == 2:
        return [f"pixel_{r}_{c}" for r in range(shape[0]) for c in range(shape[1])]
    return [f"x{j}" for j in range(int(np.prod(shape)))]


def _format_of(path: str) -> str | None:
    name = os.path.basename(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    stem, ext = os.path.splitext(name)
    if ext in (".csv", ".txt"):
        return "csv"
    if ext in (".tsv", ".tab"):
        return "tsv"
    if ext in (".npy", ".npz"):
        return ext[1:]
    if ext in (".parquet", ".pq"):
        return "parquet"
    if ext == ".idx" or "-idx" in name or ".idx" in name:
        return "idx"
    return None
