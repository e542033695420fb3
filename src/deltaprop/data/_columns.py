"""A table's cells as columns: numbers, text and missing values, with every problem listed at once.

A feature column is *numeric* when each of its cells is a plainly written number or a
missing value, and *text* otherwise. Missing values are the cells in :data:`MISSING` (an
empty cell, ``NA``, ``N/A``, ``?``, ``NaN``): NaN in a numeric column, ``None`` in a text
column. A table with a text column comes back as an object array (floats in its numeric
columns, ``str`` or ``None`` in its text columns); an all-numeric table as float64.

Refused, all in one error (:class:`~deltaprop.errors.DataFileError`) listing every
problem with its line: infinities, numbers that only Python's lenient ``float`` reads
(``1_000``, Arabic-Indic digits), a column of numbers with a few stray words (a typo,
not a text column), and a target with missing values.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from ..errors import DataFileError, DeltapropWarning

__all__ = ["MISSING", "STRICT_NUMBER", "is_text_column", "table_block", "target_from_text", "refuse"]

#: The cells that mean "missing" (compared after stripping spaces and tabs).
MISSING = frozenset({"", "NA", "N/A", "?", "NaN", "nan", "NAN"})
#: A number as a table may write it: ASCII digits, an optional sign, point and exponent, with
#: spaces or tabs around (``inf`` is recognised to be reported as non-finite).
#: Python's ``float`` also takes ``1_000``, Arabic-Indic digits and control characters as
#: whitespace; a table cell may not.
STRICT_NUMBER = re.compile(r"[ \t]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)[ \t]*",
                           re.ASCII | re.IGNORECASE)
# Characters no strictly written number holds: one of them anywhere sends the cells to the
# cell-by-cell check (the fast path parses with float, which is more lenient).
_NOT_IN_NUMBERS = re.compile(r"[^0-9eE+\-. \tinfatyINFATY]")
#: The most problems one error lists (the count of the rest follows).
MAX_LISTED = 20


def refuse(problems: list[str], where: str) -> None:
    """Raise one DataFileError listing ``problems`` (at most :data:`MAX_LISTED`), or return if none.

    One problem reads ``"<where>, <problem>"``; several ``"<where> has n problems: <p1>; <p2>; ..."``,
    on one line (the CLI prints errors on one line).
    """
    if not problems:
        return
    if len(problems) == 1:
        raise DataFileError(f"{where}, {problems[0]}")
    more = f"; ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise DataFileError(f"{where} has {len(problems)} problems: " + "; ".join(problems[:MAX_LISTED]) + more)


def _lenient_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lines(lines: list, limit: int = 8) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _column(cells: list[str], lines: list, name: str, problems: list[str]):
    """One column's values: a float64 array (numeric) or a list of str/None (text)."""
    values = np.full(len(cells), np.nan)
    words, odd, infinite = [], [], []
    for i, text in enumerate(cells):
        if text in MISSING:
            continue
        if STRICT_NUMBER.fullmatch(text):
            v = float(text)
            if np.isfinite(v):
                values[i] = v
            else:
                infinite.append(i)
        elif _lenient_float(text):
            odd.append(i)
        else:
            words.append(i)
    for i in infinite:
        problems.append(f"line {lines[i]}: column {name!r} holds {cells[i][:40]!r}; remove or impute non-finite "
                        "values (or write them as missing: empty, NA or ?)")
    for i in odd:
        problems.append(f"line {lines[i]}: column {name!r} holds {cells[i][:40]!r}, which is not a plainly written "
                        "number; write it with ASCII digits, without '_' separators or control characters")
    n_numbers = int(np.isfinite(values).sum()) + len(infinite) + len(odd)
    if not words:
        return values
    if n_numbers > len(words):  # mostly numbers: the words are typos, not categories
        problems.append(f"column {name!r} is numeric but holds text ({cells[words[0]][:40]!r}) on line(s) "
                        f"{_lines([lines[i] for i in words])}; fix those cells or write them as missing "
                        "(empty, NA or ?)")
        return values
    separated = [i for i in words if _THOUSANDS.fullmatch(cells[i])]
    if separated and len(separated) >= 0.9 * len(words):
        warnings.warn(
            f"column {name!r} is read as text, but its values look like numbers written with thousands "
            f"separators ({cells[separated[0]][:40]!r}, line {lines[separated[0]]}); write them without separators "
            "to use them as numbers (as text, each distinct value is a category of its own)",
            DeltapropWarning, stacklevel=2)
    return [None if text in MISSING else text for text in cells]


#: A number written with thousands separators ("45,000", "1,234,567.5", "-2,000"): almost
#: always meant as a number, never as a category.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def table_block(columns: list[list[str]], names: list[str], lines: list, where: str,
                problems: list[str] | None = None) -> np.ndarray:
    """The feature columns (each a list of stripped cells) as one (N, d) array.

    float64 when every column is numeric (NaN for missing), else object: floats in the
    numeric columns, ``str``/``None`` in the text columns. Every problem is raised at once,
    or appended to ``problems`` when given (the caller raises them with its own).
    """
    own = problems is None
    problems = [] if own else problems
    n, d = len(lines), len(columns)
    cells = [c for col in columns for c in col]
    try:  # fast path: every cell a plain finite number
        X = np.fromiter(map(float, cells), dtype=np.float64, count=n * d).reshape(d, n).T
        if np.isfinite(X).all() and not _NOT_IN_NUMBERS.search("".join(cells)):
            return np.ascontiguousarray(X)
    except ValueError:
        pass
    parsed = [_column(col, lines, name, problems) for col, name in zip(columns, names)]
    if own:
        refuse(problems, where)
    if all(isinstance(p, np.ndarray) for p in parsed):
        return np.column_stack(parsed) if parsed else np.empty((n, 0))
    X = np.empty((n, d), dtype=object)
    for j, p in enumerate(parsed):
        X[:, j] = p if isinstance(p, list) else p.tolist()
    return X


def is_text_column(column: np.ndarray) -> bool:
    """Whether an object column holds text (any ``str``), as :func:`table_block` writes them."""
    return column.dtype == object and any(isinstance(v, str) for v in column)


def target_from_text(cells: list[str], name: str, lines: list, where: str,
                     problems: list[str] | None = None) -> np.ndarray | None:
    """Target labels or values from stripped cells: int64 if all are integers, else float64 if all
    are numbers, else the strings. Missing targets are refused naming every line (appended to
    ``problems`` when given, and None returned)."""
    missing = [line for line, c in zip(lines, cells) if c in MISSING]
    if missing:
        problem = (f"line(s) {_lines(missing, 20)}: the target {name!r} is missing (empty, NA, ? or NaN) in "
                   f"{len(missing)} of {len(cells)} rows; drop those rows or fill them in")
        if problems is not None:
            problems.append(problem)
            return None
        refuse([problem], where)
    text = np.array(cells, dtype=str)
    if not all(STRICT_NUMBER.fullmatch(c) for c in cells):
        return text  # labels such as "1_000" or Arabic-Indic digits stay text, as written
    try:
        return text.astype(np.int64)
    except (ValueError, OverflowError):
        pass
    y = text.astype(np.float64)
    if not np.isfinite(y).all():
        bad = [line for line, v in zip(lines, y) if not np.isfinite(v)]
        refuse([f"line(s) {_lines(bad)}: the target {name!r} holds infinity; remove those rows"], where)
    return y
