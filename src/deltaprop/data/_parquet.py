"""Parquet tables through pyarrow (the ``parquet`` extra, imported only here)."""

from __future__ import annotations

import numpy as np

from .._files import fspath, open_for_reading
from ..errors import DataFileError
from ._csv import _check_header, _target_index
from ._dataset import Dataset

def read_parquet(path, target=None, *, has_target: bool = True) -> Dataset:
    """Read a Parquet table through pyarrow (the ``parquet`` extra); columns as in :func:`read_csv`.

    Examples
    --------
    >>> import os, tempfile, pyarrow as pa, pyarrow.parquet as pq
    >>> from deltaprop.data import read_parquet
    >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> pq.write_table(pa.table({"a": [1.0, 2.0], "label": ["x", "y"]}), path)
    >>> read_parquet(path).y.tolist()
    ['x', 'y']
    """
    path = fspath(path)
    where = f"data file {path!r}"
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise DataFileError(
            f"reading {where} needs pyarrow; install it with: pip install 'deltaprop[parquet]'"
        ) from exc
    with open_for_reading(path, what="data file") as f:
        try:
            table = pq.read_table(f)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataFileError(f"{where} is not a valid Parquet file ({exc})") from exc
    columns = list(table.column_names)
    if not columns:
        raise DataFileError(f"{where} has no columns")
    if table.num_rows == 0:
        raise DataFileError(f"{where} has no rows; add at least one example")
    _check_header(columns, where)
    t = _target_index(columns, target, where) if has_target else None
    features = [j for j in range(len(columns)) if j != t]
    if not features:
        raise DataFileError(f"{where} has only the target column {columns[t]!r}; it needs at least one feature column")
    X = np.empty((table.num_rows, len(features)), dtype=np.float64)
    for k, j in enumerate(features):
        col = table.column(j)
        _check_no_nulls(col, columns[j], where)
        kind = col.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
            raise DataFileError(f"{where}: column {columns[j]!r} is not numeric (type {kind}); encode it as numbers or drop it")
        X[:, k] = col.to_numpy(zero_copy_only=False)
        if not np.isfinite(X[:, k]).all():
            row = int(np.argmin(np.isfinite(X[:, k])))
            raise DataFileError(f"{where}, row {row}: column {columns[j]!r} holds {X[row, k]}; remove or impute non-finite values")
    y = None
    if t is not None:
        col = table.column(t)
        _check_no_nulls(col, columns[t], where)
        if pa.types.is_integer(col.type):
            y = col.to_numpy(zero_copy_only=False).astype(np.int64)
        elif pa.types.is_floating(col.type):
            y = col.to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            y = np.array([str(v) for v in col.to_pylist()], dtype=str)
    return Dataset(X, y, [columns[j] for j in features], None if t is None else columns[t], name=path)


def _check_no_nulls(col, name: str, where: str) -> None:
    if col.null_count:
        row = next(i for i, v in enumerate(col.to_pylist()) if v is None)
        raise DataFileError(
            f"{where}: column {name!r} has {col.null_count} missing values (the first in row {row}); fill or drop them"
        )

