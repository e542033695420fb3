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
    or an index), by default the last column. Feature columns must be numeric; the target
    may hold strings (kept as strings), integers or floats.
``.npy``
    A 2-D array of examples (a 3-D stack of images is flattened to rows). It is all
    features unless ``target`` gives the index of the target column.
``.npz``
    Arrays ``X`` (or ``x``) and, optionally, ``y`` (``target`` names another key), as
    written by ``np.savez(path, X=X, y=y)``. Never unpickled.
``.parquet`` / ``.pq``
    Through pyarrow (the ``parquet`` extra, imported only here); columns as for CSV.
IDX (``*-idx3-ubyte``, ``*.idx``; gzipped or plain)
    The format of MNIST and Fashion-MNIST. Images are flattened to rows of pixels, and the
    labels file of the same name (``images-idx3`` -> ``labels-idx1``) gives ``y``.

Built-in data sets (:data:`BUILTIN_DATASETS`): ``xor`` (the four points), ``moons`` and
``circles`` (scikit-learn's generators, seeded), ``digits``, ``iris``, ``breast-cancer``,
``wine``, ``diabetes`` (regression) from scikit-learn's bundled copies, and
``fashion-mnist`` from the Debian package ``dataset-fashion-mnist`` or a ``data_dir``.
"""

from __future__ import annotations

import csv
import difflib
import functools
import gzip
import io
import itertools
import os
import re
import struct
import sys
import zlib
from dataclasses import dataclass, field

import numpy as np

from ._files import atomic_write_bytes, fspath, open_for_reading
from ._memory import available_bytes, check_fits, format_bytes
from .errors import DataFileError, InputError, InputTypeError, MissingFileError

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

BUILTIN_DATASETS = ("xor", "moons", "circles", "digits", "iris", "breast-cancer", "wine", "diabetes", "fashion-mnist")
#: Where the Debian package ``dataset-fashion-mnist`` installs the four IDX files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
PARTS = ("train", "test")


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

    Unpacks as ``X, y, feature_names, target_name``.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    target_name: str | None
    name: str = ""
    class_names: list[str] | None = None
    task: str | None = field(default=None)

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
        For ``fashion-mnist``: one of its two parts (default both, train first).
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
        return read_csv("-", target, delimiter=delimiter, has_target=has_target)
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
        return read_csv(path, target, delimiter=delimiter, has_target=has_target)
    if fmt == "npy":
        return read_npy(path, target if has_target else None)
    if fmt == "npz":
        ds = read_npz(path, "y" if target is None else target, required=target is not None)
    elif fmt == "parquet":
        ds = read_parquet(path, target, has_target=has_target)
    else:
        ds = read_idx_dataset(path, target)
    if not has_target:
        ds.y, ds.target_name = None, None
    return ds


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


# ------------------------------------------------------------------------------ CSV / TSV
@_out_of_memory_is_one_error
def read_csv(source, target=None, *, delimiter: str | None = None, has_target: bool = True) -> Dataset:
    """Read a CSV or TSV table with a header row.

    Parameters
    ----------
    source : str or os.PathLike
        The file (``.gz`` is decompressed), or ``"-"`` for standard input.
    target : str or int, optional
        The target column's name or index; default the last column.
    delimiter : str, optional
        Default ``,``, or a tab for ``.tsv`` and ``.tab`` files.
    has_target : bool
        False: every column is a feature and ``y`` is ``None``.

    Returns
    -------
    Dataset
        ``X`` float64 ``(N, d)``; ``y`` int64 when every target is an integer, float64
        when every target is a number, strings otherwise.

    Raises
    ------
    DataFileError
        An empty file, a header without rows, a row of the wrong length, an empty or
        non-numeric feature value, NaN or infinity, each with its line and column.
    InputError
        An unknown target column.

    Examples
    --------
    >>> import io, sys
    >>> from deltaprop.data import read_csv
    >>> sys.stdin = io.StringIO("a,b,label\\n1,2,cat\\n3,4,dog\\n")
    >>> X, y, names, target = read_csv("-")
    >>> X.tolist(), y.tolist(), names, target
    ([[1.0, 2.0], [3.0, 4.0]], ['cat', 'dog'], ['a', 'b'], 'label')
    >>> sys.stdin = sys.__stdin__
    """
    if isinstance(source, str) and source == "-":
        where, stream, raw = "standard input", sys.stdin, None
        sep = delimiter or ","
    else:
        path = fspath(source)
        where = f"data file {path!r}"
        raw = open_for_reading(path, what="data file", allow_pipes=True)  # <(zcat data.csv.gz) streams
        binary = gzip.GzipFile(fileobj=raw) if path.lower().endswith(".gz") else raw
        stream = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        sep = delimiter or ("\t" if _format_of(path) == "tsv" else ",")
    try:
        header, rows = _read_rows(stream, sep, where)
    finally:
        if raw is not None:
            stream.close()
            raw.close()  # a GzipFile does not close the file it was given
    n_cols = len(header)
    t = _target_index(header, target, where) if has_target else None
    features = [j for j in range(n_cols) if j != t]
    if not features:
        raise DataFileError(f"{where} has only the target column {header[t]!r}; it needs at least one feature column")
    X = _numeric_block(rows, header, features, where)
    y = None if t is None else _target_values(rows, header[t], t, where)
    return Dataset(X, y, [header[j] for j in features], None if t is None else header[t], name=str(source))


#: The longest line and field a table may have (a 100 000-column row of numbers fits).
MAX_LINE_CHARS = 16 * 2**20
#: The most blank lines in a row a table may have before it is taken for padding, not data.
MAX_BLANK_RUN = 100_000
#: Rows between two checks of the memory the rows read so far are taking.
_MEMORY_CHECK_ROWS = 1 << 16


def _bounded_lines(stream, where: str):
    """The physical lines of ``stream``, refusing NUL bytes, endless lines and endless blank runs.

    ``csv.reader`` asks for whole lines; without these bounds a file with no newline
    (``/dev/zero``, a sparse file) would be read into one string until memory ran out, and
    a gzip of a billion newlines would be walked line by line for minutes.
    """
    blank_run = 0
    number = 0
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if "\0" in line:
            raise DataFileError(f"{where}, line {number}: holds a NUL character, so it is binary data, not a "
                                "CSV/TSV text; give a text table")
        if len(line) > MAX_LINE_CHARS:
            raise DataFileError(f"{where}, line {number}: longer than {MAX_LINE_CHARS} characters; "
                                "is it a text table with one example per line?")
        if line.isspace():
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                raise DataFileError(f"{where}: more than {MAX_BLANK_RUN} blank lines in a row from line "
                                    f"{number - blank_run + 1}; remove them")
        else:
            blank_run = 0
        yield line


def _check_rows_fit(rows, n_cols: int, chars: int, where: str) -> None:
    """Stop reading once the rows read so far could not be held twice (rows, then the array)."""
    available = available_bytes()
    # A row: a list (56 bytes + 8 per field) and one str per field (~50 bytes + its text).
    used = len(rows) * (56 + 58 * n_cols) + chars
    if available is not None and 2 * used > available:
        raise DataFileError(f"{where} is too large for the memory available ({len(rows)} rows read took about "
                            f"{format_bytes(used)}, {format_bytes(available)} is left); use a smaller file "
                            "or a machine with more memory")


def _read_rows(stream, sep: str, where: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the ``(line number, fields)`` of each non-blank data row."""
    reader = csv.reader(_bounded_lines(stream, where), delimiter=sep, strict=True)
    header, rows = None, []
    chars = 0
    try:
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue  # blank line
            if header is None:
                header = [f.strip() for f in fields]
                header_line = reader.line_num
                _check_header(header, where)
                continue
            if len(fields) != len(header):
                raise DataFileError(
                    f"{where}, line {reader.line_num}: {len(fields)} fields but the header (line {header_line}) "
                    f"has {len(header)}; fix the row (quote values that contain {sep!r})"
                )
            rows.append((reader.line_num, fields))
            if len(rows) % _MEMORY_CHECK_ROWS == 0:
                chars = sum(len(f) for _, fs in rows[-_MEMORY_CHECK_ROWS:] for f in fs) + chars
                _check_rows_fit(rows, len(header), chars, where)
    except csv.Error as exc:
        raise DataFileError(
            f"{where}, line {reader.line_num}: malformed {'TSV' if sep == chr(9) else 'CSV'} ({exc}); "
            "check the quoting and the delimiter"
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise DataFileError(f"{where} cannot be read ({exc}); is it a damaged .gz file?") from exc
    if header is None:
        raise DataFileError(f"{where} is empty; a table needs a header row naming the columns and at least one data row")
    if not rows:
        raise DataFileError(f"{where} has a header but no data rows; add at least one example")
    return header, rows


def _check_header(header: list[str], where: str) -> None:
    seen = {}
    for j, name in enumerate(header):
        if not name:
            raise DataFileError(
                f"{where}: column {j + 1} has no name in the header row; name it or drop it "
                "(a pandas index? write the file with to_csv(index=False))"
            )
        if name in seen:
            raise DataFileError(
                f"{where}: the header names {name!r} twice (columns {seen[name] + 1} and {j + 1}); rename one"
            )
        seen[name] = j


def _target_index(columns: list[str], target, where: str) -> int:
    n = len(columns)
    if target is None:
        if n < 2:
            raise DataFileError(f"{where} has a single column {columns[0]!r}: no room for features and a target")
        return n - 1
    if isinstance(target, bool) or not isinstance(target, (str, int, np.integer)):
        raise InputTypeError(f"target must be a column name or index, got {target!r}")
    if isinstance(target, str):
        if target in columns:
            return columns.index(target)
        close = difflib.get_close_matches(target, columns, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        shown = ", ".join(map(repr, columns[:20])) + (f", ... ({n - 20} more)" if n > 20 else "")
        raise InputError(
            f"unknown target column {target!r} in {where}{hint} The columns are: {shown}; name one of them"
        )
    if not -n <= target < n:
        raise InputError(f"target column index {target} is out of range for {where}, which has {n} columns")
    return int(target) % n


#: A number as a table may write it: ASCII digits, an optional sign, point and exponent, with
#: spaces or tabs around (``inf`` and ``nan`` are recognised to be reported as non-finite).
#: Python's ``float`` also takes ``1_000``, Arabic-Indic digits and control characters as
#: whitespace; a table cell may not.
STRICT_NUMBER = re.compile(r"[ \t]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)[ \t]*",
                           re.ASCII | re.IGNORECASE)
# Characters no strictly written number holds: one of them anywhere sends the cells to the
# cell-by-cell check (the fast path parses with float, which is more lenient).
_NOT_IN_NUMBERS = re.compile(r"[^0-9eE+\-. \tinfatyINFATY]")


def _numeric_block(rows, header, columns: list[int], where: str) -> np.ndarray:
    """The given columns of all rows as float64, or an error naming the first bad cell."""
    n, d = len(rows), len(columns)
    if len(columns) == len(header):
        cells = list(itertools.chain.from_iterable(fields for _, fields in rows))
    else:
        cells = [fields[j] for _, fields in rows for j in columns]
    try:
        X = np.fromiter(map(float, cells), dtype=np.float64, count=n * d).reshape(n, d)
    except ValueError:
        X = None
    if X is None or not np.isfinite(X).all() or _NOT_IN_NUMBERS.search("".join(cells)):
        _locate_bad_cell(rows, header, columns, where)
    if X is None:  # every cell is a strict number, so float cannot have failed
        raise DataFileError(f"{where}: a feature value could not be read as a number; check the file")
    return X


def _lenient_float(text: str) -> bool:
    """Whether Python's ``float`` (but not :data:`STRICT_NUMBER`) would take ``text``."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _locate_bad_cell(rows, header, columns, where) -> None:
    """Raise naming the first empty, non-numeric or non-finite cell; return if there is none."""
    for line, fields in rows:
        for j in columns:
            text = fields[j].strip(" \t")
            if not text:
                raise DataFileError(
                    f"{where}, line {line}: column {header[j]!r} is empty; missing values are not supported, "
                    "fill them in or drop those rows"
                )
            if not STRICT_NUMBER.fullmatch(text):
                if _lenient_float(text):
                    raise DataFileError(
                        f"{where}, line {line}: column {header[j]!r} holds {text[:40]!r}, which is not a plainly "
                        "written number; write it with ASCII digits, without '_' separators or control characters"
                    )
                raise DataFileError(
                    f"{where}: column {header[j]!r} is not numeric (line {line} has {text[:40]!r}); "
                    "encode it as numbers or drop the column"
                )
            if not np.isfinite(float(text)):
                raise DataFileError(
                    f"{where}, line {line}: column {header[j]!r} holds {text!r}; remove or impute non-finite values"
                )


def _target_values(rows, name: str, t: int, where: str) -> np.ndarray:
    cells = [fields[t].strip() for _, fields in rows]
    for (line, _), text in zip(rows, cells):
        if not text:
            raise DataFileError(f"{where}, line {line}: the target {name!r} is empty; fill it in or drop the row")
    return _labels_from_text(cells, name, [line for line, _ in rows], where)


def _labels_from_text(cells: list[str], name: str, lines, where: str) -> np.ndarray:
    """Integers if all are integers, else floats if all are numbers, else the strings."""
    text = np.array(cells, dtype=str)
    if not all(STRICT_NUMBER.fullmatch(c) for c in cells):
        return text  # labels such as "1_000" or Arabic-Indic digits stay text, as written
    try:
        return text.astype(np.int64)
    except (ValueError, OverflowError):
        pass
    try:
        y = text.astype(np.float64)
    except ValueError:
        return text
    if not np.isfinite(y).all():
        i = int(np.argmin(np.isfinite(y)))
        raise DataFileError(f"{where}, line {lines[i]}: the target {name!r} holds {cells[i]!r}; remove that row")
    return y


# ------------------------------------------------------------------------------ NumPy
@_out_of_memory_is_one_error
def read_npy(path, target: int | None = None) -> Dataset:
    """Read a ``.npy`` array of examples; ``target`` is the index of the target column, if any.

    A 3-D or higher array (a stack of images) is flattened to one row per example. The
    array is never unpickled, and its header's shape is checked against the file size
    (through a memory map) before anything is allocated.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from deltaprop.data import read_npy
    >>> path = os.path.join(tempfile.mkdtemp(), "d.npy")
    >>> np.save(path, np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]))
    >>> X, y, names, target = read_npy(path, target=-1)
    >>> X.shape, y.tolist(), names
    ((2, 2), [0.0, 1.0], ['x0', 'x1'])
    """
    path = fspath(path)
    where = f"data file {path!r}"
    with open_for_reading(path, what="data file"):
        pass  # the path errors (missing, directory, permission) in their usual words
    try:
        A = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc) or "object" in str(exc).lower():
            raise DataFileError(f"{where} holds Python objects, which deltaprop never unpickles; save a numeric array") from exc
        raise DataFileError(f"{where} is not a valid .npy file ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise DataFileError(f"{where} is not a valid .npy file ({exc}); is it truncated?") from exc
    if not isinstance(A, np.ndarray):
        raise DataFileError(f"{where} is not a single array; save one with np.save")
    check_fits(A.nbytes, what=f"{where} (an array of shape {A.shape}, {format_bytes(A.nbytes)})",
               fix="use a smaller file or a machine with more memory")
    A = np.array(A)  # from the memory map into memory
    if A.ndim < 2:
        raise DataFileError(f"{where} holds a {A.ndim}-D array of shape {A.shape}; save a 2-D array (examples x features)")
    _check_numeric(A, where, "array")
    if A.ndim > 2:
        if target is not None:
            raise InputError(f"{where} holds a {A.ndim}-D array; a target column index applies only to 2-D arrays")
        return Dataset(A.reshape(len(A), -1), None, _pixel_names(A.shape[1:]), None, name=path)
    if target is None:
        return Dataset(A, None, [f"x{j}" for j in range(A.shape[1])], None, name=path)
    if isinstance(target, str):
        raise InputError(f"{where} has no column names; pass target as a column index such as -1")
    t = _target_index([f"x{j}" for j in range(A.shape[1])], target, where)
    keep = [j for j in range(A.shape[1]) if j != t]
    return Dataset(A[:, keep], A[:, t].copy(), [f"x{j}" for j in keep], f"x{t}", name=path)


@_out_of_memory_is_one_error
def read_npz(path, target: str = "y", *, required: bool = False) -> Dataset:
    """Read a ``.npz`` archive holding ``X`` (or ``x``) and optionally ``y``.

    Parameters
    ----------
    path : str or os.PathLike
    target : str
        The key of the targets (default ``"y"``).
    required : bool
        Raise if the ``target`` key is missing (otherwise ``y`` is ``None``).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from deltaprop.data import read_npz
    >>> path = os.path.join(tempfile.mkdtemp(), "d.npz")
    >>> np.savez(path, X=np.eye(3), y=np.array([0, 1, 2]))
    >>> read_npz(path).y.tolist()
    [0, 1, 2]
    """
    path = fspath(path)
    where = f"data file {path!r}"
    if not isinstance(target, str):
        raise InputTypeError(f"target of a .npz file is the key of its labels array (e.g. 'y'), got {target!r}")
    with open_for_reading(path, what="data file") as f:
        try:
            with np.load(f, allow_pickle=False) as archive:
                keys = list(archive.keys())
                x_key = "X" if "X" in keys else "x" if "x" in keys else None
                if x_key is None:
                    raise DataFileError(
                        f"{where} holds {', '.join(map(repr, keys)) or 'no arrays'} but no 'X' (or 'x'); "
                        "save it with np.savez(path, X=X, y=y)"
                    )
                if required and target not in keys:
                    raise InputError(f"{where} has no array {target!r}; its arrays are {', '.join(map(repr, keys))}")
                X = _npz_member(archive, x_key, where)
                y = _npz_member(archive, target, where) if target in keys else None
        except DataFileError:
            raise
        except InputError:
            raise
        except ValueError as exc:
            if "pickle" in str(exc):
                raise DataFileError(f"{where} holds Python objects, which deltaprop never unpickles; save numeric arrays") from exc
            raise DataFileError(f"{where} is not a valid .npz file ({exc})") from exc
        except Exception as exc:  # noqa: BLE001 -- zipfile and numpy raise many types for a damaged archive
            raise DataFileError(f"{where} is not a valid .npz file ({type(exc).__name__}: {exc})") from exc
    if X.ndim < 2:
        raise DataFileError(f"{where}: {x_key} has shape {X.shape}; save a 2-D array (examples x features)")
    _check_numeric(X, where, x_key)
    names = [f"x{j}" for j in range(int(np.prod(X.shape[1:])))] if X.ndim == 2 else _pixel_names(X.shape[1:])
    X = X.reshape(len(X), -1)
    if y is not None:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != len(X):
            raise DataFileError(
                f"{where}: {target} has shape {y.shape} but {x_key} has {len(X)} examples; save one target per example"
            )
    return Dataset(X, y, names, None if y is None else target, name=path)


def _npz_member(archive, key: str, where: str) -> np.ndarray:
    """Member ``key`` of an open ``.npz``, after checking it is an array whose declared size fits.

    The ``.npy`` header inside the archive declares the shape and dtype; the size they imply
    is checked against the memory available before numpy allocates it (a 2.6 MB archive
    can declare, and really hold, a 2.4 GB array of zeros).
    """
    member = key + ".npy"
    if member not in archive.zip.namelist():
        raise DataFileError(f"{where}: its member {key!r} is not a .npy array (a file of another kind was "
                            "stored in the archive); save arrays with np.savez(path, X=X, y=y)")
    with archive.zip.open(member) as fp:
        version = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(fp)
    n_bytes = dtype.itemsize
    for n in shape:
        n_bytes *= n
    check_fits(n_bytes, what=f"{where}: array {key!r} of shape {shape} ({format_bytes(n_bytes)})",
               fix="use a smaller file or a machine with more memory")
    return archive[key]


def _check_numeric(A: np.ndarray, where: str, what: str) -> None:
    if A.dtype.kind not in "biuf":
        raise DataFileError(f"{where}: {what} has dtype {A.dtype}, which is not numeric; save numbers")


def _pixel_names(shape) -> list[str]:
    if len(shape) == 2:
        return [f"pixel_{r}_{c}" for r in range(shape[0]) for c in range(shape[1])]
    return [f"x{j}" for j in range(int(np.prod(shape)))]


# ------------------------------------------------------------------------------ Parquet
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


# ------------------------------------------------------------------------------ IDX
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


# ------------------------------------------------------------------------------ built-in data sets
def load_builtin(
    name: str, *, part: str | None = None, data_dir=None, seed: int = 0, n_samples: int | None = None
) -> Dataset:
    """One of :data:`BUILTIN_DATASETS`. Nothing is downloaded.

    Parameters
    ----------
    name : str
        ``xor``: the four XOR points. ``moons``, ``circles``: scikit-learn's two-class 2-D
        generators (``noise`` 0.2 and 0.1, ``factor`` 0.5) with ``n_samples`` points
        (default 200) from ``seed``. ``digits`` (1797 x 64, 10 classes), ``iris`` (150 x 4,
        3 classes), ``breast-cancer`` (569 x 30, 2 classes), ``wine`` (178 x 13, 3 classes),
        ``diabetes`` (442 x 10, regression): scikit-learn's bundled copies.
        ``fashion-mnist``: 60000 train + 10000 test 28x28 uint8 images, 10 classes, from the
        Debian package ``dataset-fashion-mnist`` or ``data_dir``.
    part : {"train", "test"}, optional
        Only for ``fashion-mnist`` (default: both, train first).
    data_dir : str or os.PathLike, optional
        Only for ``fashion-mnist``; default :data:`FASHION_MNIST_DIR`.
    seed : int
    n_samples : int, optional

    Examples
    --------
    >>> from deltaprop.data import load_builtin
    >>> load_builtin("xor").y.tolist()
    [0, 1, 1, 0]
    """
    if name not in BUILTIN_DATASETS:
        close = difflib.get_close_matches(str(name), BUILTIN_DATASETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise InputError(f"unknown data set {name!r}{hint} Built-in data sets: {', '.join(BUILTIN_DATASETS)}")
    if part is not None and part not in PARTS:
        raise InputError(f"part must be 'train' or 'test', got {part!r}")
    if name != "fashion-mnist":
        if part is not None:
            raise InputError(
                f"the {name} data set has no predefined train/test parts; leave part out and split it yourself "
                "(e.g. sklearn.model_selection.train_test_split)"
            )
        if data_dir is not None:
            raise InputError(f"data_dir applies only to fashion-mnist, not to {name!r}")
    if name not in ("moons", "circles") and n_samples is not None:
        raise InputError(f"n_samples applies only to moons and circles, not to {name!r}")
    if name == "fashion-mnist":
        return _fashion_mnist(part, data_dir)
    if name == "xor":
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        return Dataset(X, np.array([0, 1, 1, 0]), ["x0", "x1"], "y", name="xor", class_names=["0", "1"], task="classification")
    if name in ("moons", "circles"):
        from sklearn.datasets import make_circles, make_moons

        n = 200 if n_samples is None else n_samples
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise InputError(f"n_samples must be an integer >= 2, got {n!r}")
        if name == "moons":
            X, y = make_moons(n_samples=n, noise=0.2, random_state=seed)
        else:
            X, y = make_circles(n_samples=n, noise=0.1, factor=0.5, random_state=seed)
        return Dataset(X, y.astype(np.int64), ["x0", "x1"], "y", name=name, class_names=["0", "1"], task="classification")
    import sklearn.datasets

    loader = {
        "digits": sklearn.datasets.load_digits,
        "iris": sklearn.datasets.load_iris,
        "breast-cancer": sklearn.datasets.load_breast_cancer,
        "wine": sklearn.datasets.load_wine,
        "diabetes": sklearn.datasets.load_diabetes,
    }[name]
    bunch = loader()
    regression = name == "diabetes"
    y = bunch.target.astype(np.float64 if regression else np.int64)
    classes = None if regression else [str(c) for c in bunch.target_names]
    return Dataset(
        np.asarray(bunch.data, dtype=np.float64), y, list(bunch.feature_names), "target", name=name,
        class_names=classes, task="regression" if regression else "classification",
    )  # fmt: skip


def _fashion_mnist(part: str | None, data_dir) -> Dataset:
    folder = FASHION_MNIST_DIR if data_dir is None else fspath(data_dir, argument="data_dir")
    parts = PARTS if part is None else (part,)
    Xs, ys = [], []
    for p in parts:
        prefix = "train" if p == "train" else "t10k"
        files = []
        for kind in ("images-idx3", "labels-idx1"):
            base = os.path.join(folder, f"{prefix}-{kind}-ubyte")
            found = next((f for f in (base + ".gz", base) if os.path.isfile(f)), None)
            if found is None:
                where = "the Debian package's folder" if data_dir is None else "data_dir"
                raise MissingFileError(
                    f"the fashion-mnist data set is not installed: {where} {folder!r} has no "
                    f"{os.path.basename(base)}.gz. Install it with `apt-get install dataset-fashion-mnist` "
                    "(Debian/Ubuntu), or pass data_dir (--data-dir) a folder holding the four Fashion-MNIST "
                    "IDX files; deltaprop never downloads data"
                )
            files.append(found)
        ds = read_idx_dataset(*files)
        Xs.append(ds.X)
        ys.append(ds.y.astype(np.int64))
    X = Xs[0] if len(Xs) == 1 else np.concatenate(Xs)
    y = ys[0] if len(ys) == 1 else np.concatenate(ys)
    name = "fashion-mnist" if part is None else f"fashion-mnist ({part})"
    return Dataset(X, y, _pixel_names((28, 28)), "label", name=name, class_names=list(FASHION_MNIST_CLASSES),
                   task="classification")  # fmt: skip
