"""CSV/TSV tables: bounded reading of the rows, the header, the target column, strict numbers."""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import sys
import zlib

import numpy as np

from .._files import fspath, open_for_reading
from .._memory import available_bytes, format_bytes
from ..errors import DataFileError, InputError, InputTypeError
from ._columns import refuse, table_block, target_from_text
from ._dataset import Dataset, _format_of, _out_of_memory_is_one_error

@_out_of_memory_is_one_error
def read_csv(source, target=None, *, delimiter: str | None = None, has_target: bool = True,
             target_values: bool = True) -> Dataset:
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
    target_values : bool
        False: the target column is found and set aside without reading its cells (``y`` is
        ``None``), so a table to predict may hold it empty.

    Returns
    -------
    Dataset
        ``X`` float64 ``(N, d)`` with NaN for missing cells, or an object array when a
        column holds text (see :mod:`deltaprop.data._columns`: floats in numeric columns,
        ``str``/``None`` in text columns); ``y`` int64 when every target is an integer,
        float64 when every target is a number, strings otherwise. One row per data line:
        a line of delimiters only (``,,,``) is a row of missing values; an empty line is
        not a row (its number is in ``skipped_lines`` when a row follows it), except in a
        one-column table, where it is a missing value.

    Raises
    ------
    DataFileError
        An empty file, a header without rows, a row of the wrong length (with its line);
        or, all listed in one error: infinities, numbers not plainly written, stray words
        in a numeric column, missing targets (each with its lines and column).
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
        header, rows, skipped = _read_rows(stream, sep, where)
    finally:
        if raw is not None:
            stream.close()
            raw.close()  # a GzipFile does not close the file it was given
    n_cols = len(header)
    t = _target_index(header, target, where) if has_target else None
    features = [j for j in range(n_cols) if j != t]
    if not features:
        raise DataFileError(f"{where} has only the target column {header[t]!r}; it needs at least one feature column")
    lines = [line for line, _ in rows]
    problems: list[str] = []
    X = table_block([[fields[j].strip(" \t") for _, fields in rows] for j in features],
                    [header[j] for j in features], lines, where, problems)
    y = None
    if t is not None and target_values:
        y = target_from_text([fields[t].strip() for _, fields in rows], header[t], lines, where, problems)
    refuse(problems, where)
    return Dataset(X, y, [header[j] for j in features], None if t is None else header[t], name=str(source),
                   skipped_lines=skipped)


#: The longest line and field a table may have (a 100 000-column row of numbers fits).
MAX_LINE_CHARS = 16 * 2**20
#: The most blank lines in a row a table may have before it is taken for padding, not data.
MAX_BLANK_RUN = 100_000
#: Rows between two checks of the memory the rows read so far are taking.
_MEMORY_CHECK_ROWS = 1 << 16


def _bounded_lines(stream, where: str, sep: str):
    """The physical lines of ``stream``, refusing NUL bytes, endless lines and endless blank runs.

    A blank line has nothing but spaces on it; a line holding the delimiter (a tab in a TSV)
    is a row of missing values, not a blank line.

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
        if line.isspace() and sep not in line:
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


def _read_rows(stream, sep: str, where: str) -> tuple[list[str], list[tuple[int, list[str]]], list[int]]:
    """The header, the ``(line number, fields)`` of each data row, and the empty lines skipped between rows.

    A line of delimiters only (``,,,``) is a row of missing values, like any other row. An
    empty line (nothing but spaces) is not a row, except in a one-column table, where it is
    how a missing value is written: there it is a row of one missing cell. Empty lines count
    only when a data row follows them; those after the last row are end-of-file padding. Before
    the header, empty lines and lines of delimiters only are skipped.
    """
    reader = csv.reader(_bounded_lines(stream, where, sep), delimiter=sep, strict=True)
    header, rows, skipped, empty = None, [], [], []
    checked = chars = 0
    try:
        for fields in reader:
            if header is None:
                if any(f.strip() for f in fields):
                    header, header_line = [f.strip() for f in fields], reader.line_num
                    _check_header(header, where)
                continue
            if _is_empty_line(fields):
                empty.append(reader.line_num)
                continue
            if len(fields) != len(header):
                raise DataFileError(
                    f"{where}, line {reader.line_num}: {len(fields)} fields but the header (line {header_line}) "
                    f"has {len(header)}; fix the row (quote values that contain {sep!r})"
                )
            if len(header) == 1:  # the empty lines above are missing values
                rows += [(line, [""]) for line in empty]
            else:
                skipped += empty
            empty = []
            rows.append((reader.line_num, fields))
            if len(rows) - checked >= _MEMORY_CHECK_ROWS:
                chars += sum(len(f) for _, fs in rows[checked:] for f in fs)
                checked = len(rows)
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
    return header, rows, skipped


def _is_empty_line(fields: list[str]) -> bool:
    """A line with nothing but spaces on it: no delimiter, no text. (``""``, a quoted empty cell, is a cell.)"""
    return not fields or (len(fields) == 1 and fields[0].isspace())


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
