"""Reading data: CSV/TSV, NumPy, Parquet and IDX files, and the built-in data sets.

Every reader returns a :class:`Dataset`: ``X`` (examples in rows), ``y`` (one target per
example, or ``None``), the feature names and the target's name. It unpacks like a tuple::

    X, y, feature_names, target_name = load_dataset("train.csv", target="label")

The readers only read: standardisation and label encoding are fitted by the estimators and
the CLI (and saved with the model). Nothing is ever downloaded.

Formats (chosen by :func:`load_dataset` from the suffix; ``.gz`` is allowed for CSV, TSV
and IDX):

``.csv``, ``.tsv`` / ``.tab``, ``-`` (CSV on standard input)
    A header row naming the columns. The target is the column named by ``target`` (a name
    or an index), by default the last column. Feature columns are numeric (NaN for missing
    cells: empty, ``NA``, ``N/A``, ``?``, ``NaN``) or text (kept as ``str``, ``None`` for
    missing; ``X`` is then an object array); every problem of a file is listed in one error
    (:mod:`deltaprop.data._columns`). The target may hold strings (kept as strings),
    integers or floats, and no missing cells.
``.npy``
    A 2-D array of examples (a 3-D stack of images is flattened to rows). It is all
    features unless ``target`` gives the index of the target column.
``.npz``
    Arrays ``X`` (or ``x``) and, optionally, ``y`` (``target`` names another key), as
    written by ``np.savez(path, X=X, y=y)``. Never unpickled.
``.parquet`` / ``.pq``
    Through pyarrow (the ``parquet`` extra, imported only here); columns as for CSV (string
    columns are text, nulls are missing).
IDX (``*-idx3-ubyte``, ``*.idx``; gzipped or plain)
    The format of MNIST and Fashion-MNIST. Images are flattened to rows of pixels, and the
    labels file of the same name (``images-idx3`` -> ``labels-idx1``) gives ``y``.

Built-in data sets (:data:`BUILTIN_DATASETS`): ``xor`` (the four points), ``moons`` and
``circles`` (scikit-learn's generators, seeded), ``digits``, ``iris``, ``breast-cancer``,
``wine``, ``diabetes`` (regression) from scikit-learn's bundled copies, and
``fashion-mnist`` from the Debian package ``dataset-fashion-mnist`` or a ``data_dir``.
"""

from __future__ import annotations

import os

from .._files import fspath
from ..errors import InputError, MissingFileError
from ._columns import MISSING, STRICT_NUMBER
from ._csv import MAX_BLANK_RUN, MAX_LINE_CHARS, read_csv
from ._dataset import Dataset, _format_of, _out_of_memory_is_one_error
from ._idx import MAX_IDX_NDIM, read_idx, read_idx_dataset, write_idx
from ._numpy import read_npy, read_npz
from ._parquet import read_parquet
from .builtin import BUILTIN_DATASETS, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, PARTS, load_builtin

__all__ = [
    "Dataset",
    "BUILTIN_DATASETS",
    "FASHION_MNIST_DIR",
    "load_dataset",
    "load_builtin",
    "read_csv",
    "read_npy",
    "read_npz",
    "read_parquet",
    "read_idx",
    "read_idx_dataset",
    "write_idx",
]


# ------------------------------------------------------------------------------ entry point
@_out_of_memory_is_one_error
def load_dataset(
    source,
    target=None,
    *,
    part: str | None = None,
    data_dir=None,
    seed: int = 0,
    n_samples: int | None = None,
    has_target: bool = True,
    delimiter: str | None = None,
    target_values: bool = True,
) -> Dataset:
    """Read a data file or a built-in data set (the CLI's ``DATA`` argument).

    Parameters
    ----------
    source : str or os.PathLike
        A built-in name from :data:`BUILTIN_DATASETS`, ``"-"`` for CSV on standard input,
        or a file path; its suffix picks the reader (see the module docstring). A bare name
        that is a built-in data set means that data set (write ``./iris`` for a file).
    target : str or int, optional
        The target column of a table (name or index; default the last column), the target
        column index of a ``.npy`` array, the labels key of a ``.npz`` file, or the labels
        file of an IDX images file.
    part : {"train", "test"}, optional
        For ``fashion-mnist``: one of its two parts (default both, train first). The
        convention of ``deltaprop train`` / ``evaluate``: train on ``"train"`` (60000
        images), test on ``"test"`` (10000). Labels are the IDX files' integers 0-9.
    data_dir : str or os.PathLike, optional
        Folder with the Fashion-MNIST IDX files (default :data:`FASHION_MNIST_DIR`).
    seed : int
        Seed of the ``moons`` and ``circles`` generators.
    n_samples : int, optional
        Number of points of ``moons`` and ``circles`` (default 200).
    has_target : bool
        False for data without a target column (e.g. for prediction): every column is a
        feature and ``y`` is ``None``.
    delimiter : str, optional
        Field separator of a text table (default ``,``, or a tab for ``.tsv`` / ``.tab``).
    target_values : bool
        False: a table's target column is found and set aside without reading its values
        (``y`` is ``None``): for prediction on a table whose target cells are empty.

    Returns
    -------
    Dataset

    Raises
    ------
    DataFileError
        The file is malformed (with the line and column).
    InputError
        An unknown target column, an unknown suffix, an option that does not apply.
    MissingFileError, NotAFileError, FileAccessDeniedError

    Examples
    --------
    >>> from deltaprop.data import load_dataset
    >>> X, y, names, target = load_dataset("iris")
    >>> X.shape, y.shape, names[0], target
    ((150, 4), (150,), 'sepal length (cm)', 'target')
    """
    if isinstance(source, str) and source in BUILTIN_DATASETS:
        if target is not None:
            raise InputError(f"target does not apply to the built-in data set {source!r}, which knows its target")
        ds = load_builtin(source, part=part, data_dir=data_dir, seed=seed, n_samples=n_samples)
        if not has_target:
            ds.y = None
        return ds
    if part is not None:
        raise InputError(f"part={part!r} applies only to built-in data sets with a train/test split (fashion-mnist)")
    if isinstance(source, str) and source == "-":
        return read_csv("-", target, delimiter=delimiter, has_target=has_target, target_values=target_values)
    path = fspath(source, argument="data")
    fmt = _format_of(path)
    if fmt is None:
        if not os.path.exists(path) and not os.path.splitext(path)[1]:
            raise MissingFileError(
                f"no data file or built-in data set named {path!r}; built-in data sets: {', '.join(BUILTIN_DATASETS)}"
            )
        raise InputError(
            f"cannot tell the format of data file {path!r} from its name; use .csv, .tsv, .npy, .npz, "
            ".parquet or an IDX file (*-idx3-ubyte[.gz]), or a built-in data set: " + ", ".join(BUILTIN_DATASETS)
        )
    if fmt in ("csv", "tsv"):
        return read_csv(path, target, delimiter=delimiter, has_target=has_target, target_values=target_values)
    if fmt == "npy":
        return read_npy(path, target if has_target else None)
    if fmt == "npz":
        ds = read_npz(path, "y" if target is None else target, required=target is not None)
    elif fmt == "parquet":
        ds = read_parquet(path, target, has_target=has_target, target_values=target_values)
    else:
        ds = read_idx_dataset(path, target)
    if not has_target:
        ds.y, ds.target_name = None, None
    return ds
