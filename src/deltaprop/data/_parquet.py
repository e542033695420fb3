"""Parquet tables through pyarrow (the ``parquet`` extra, imported only here)."""

from __future__ import annotations

import numpy as np

from .._files import fspath, open_for_reading
from ..errors import DataFileError
from ._columns import MISSING, refuse
from ._csv import _check_header, _target_index
from ._dataset import Dataset

def read_parquet(path, target=None, *, has_target: bool = True, target_values: bool = True) -> Dataset:
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
    problems: list[str] = []
    parsed = [_feature(table.column(j), columns[j], problems, pa) for j in features]
    y = None
    if t is not None and target_values:  # False: set aside unread (see read_csv)
        col = table.column(t)
        missing = _null_rows(col)
        if pa.types.is_floating(col.type):
            missing = sorted(set(missing) | set(np.flatnonzero(np.isnan(col.to_numpy(zero_copy_only=False))).tolist()))
        if missing:
            shown = ", ".join(map(str, missing[:20])) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
            problems.append(f"the target {columns[t]!r} is missing in row(s) {shown} ({len(missing)} of "
                            f"{table.num_rows} rows); drop those rows or fill them in")
        elif pa.types.is_integer(col.type):
            y = col.to_numpy(zero_copy_only=False).astype(np.int64)
        elif pa.types.is_floating(col.type):
            y = col.to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            y = np.array([str(v) for v in col.to_pylist()], dtype=str)
    refuse(problems, where)
    if all(p.dtype != object for p in parsed):
        X = np.column_stack(parsed)
    else:
        X = np.empty((table.num_rows, len(features)), dtype=object)
        for k, p in enumerate(parsed):
            X[:, k] = p
    return Dataset(X, y, [columns[j] for j in features], None if t is None else columns[t], name=path)


def _null_rows(col) -> list[int]:
    if not col.null_count:
        return []
    return [i for i, v in enumerate(col.to_pylist()) if v is None]


def _feature(col, name: str, problems: list[str], pa) -> np.ndarray:
    """A feature column: float64 with NaN for nulls (numbers, booleans), or object str/None (strings)."""
    kind = col.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        values = np.empty(len(col), dtype=object)
        values[:] = [None if v is None or v in MISSING else str(v) for v in col.to_pylist()]
        return values
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        problems.append(f"column {name!r} is neither numbers nor text (type {kind}); convert it or drop it")
        return np.full(len(col), np.nan)
    values = np.array([np.nan if v is None else float(v) for v in col.to_pylist()]) if col.null_count else \
        col.to_numpy(zero_copy_only=False).astype(np.float64)
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        problems.append(f"column {name!r} holds infinity in row(s) {', '.join(map(str, infinite[:8].tolist()))}; "
                        "remove those values or make them missing (null)")
    return values
