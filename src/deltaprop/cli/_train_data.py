"""``deltaprop train``'s DATA: ``--target`` by name or index, ``--delimiter``, and hints about the header."""

from __future__ import annotations

import csv
import gzip
import os
import shlex
import sys
import warnings

from ..data import BUILTIN_DATASETS, load_dataset
from ..errors import DataFileError, InputError
from ._model import is_table, read_data
from ._train_options import ASCII_INT, ASCII_REAL

def read_training_data(opts: dict):
    """DATA as a Dataset: ``--target`` by name or index, ``--delimiter``, and hints about the header."""
    source = opts["data"]
    if source in BUILTIN_DATASETS:
        return read_data(source, target=opts["target"], data_dir=opts["data_dir"])
    header = _peek_header(source, opts["delimiter"]) if is_table(source) else None
    target = _target_argument(opts["target"], source, header)
    hints = _header_hints(header, opts["delimiter"], source)
    try:
        ds = load_dataset(source, target=target, delimiter=opts["delimiter"], data_dir=opts["data_dir"])
    except (DataFileError, InputError) as exc:
        if hints:
            raise type(exc)(f"{exc}; {hints[0]}") from None
        raise
    if hints and not opts["quiet"]:
        warnings.warn(hints[-1], UserWarning, stacklevel=1)
    return ds


def _target_argument(target, source: str, header: list[str] | None):
    """``--target 3`` is the column of index 3 unless the table has a column named "3"."""
    if target is None or not ASCII_INT.fullmatch(target.strip()):
        return target
    if header is not None and target in header:
        return target
    name = source.lower().removesuffix(".gz")
    if source == "-" or name.endswith((".csv", ".tsv", ".tab", ".txt", ".npy")):
        return int(target)
    return target


def _peek_header(source: str, delimiter: str | None) -> list[str] | None:
    """The first line's cells of a CSV/TSV table, read without consuming standard input (None if unknown)."""
    head = b""
    try:
        if source == "-":
            stream = sys.stdin
            if stream is None:
                return None
            if stream.seekable():
                at = stream.tell()
                line = stream.readline(1 << 16)
                stream.seek(at)
                head = line.encode("utf-8", "replace")
            elif hasattr(getattr(stream, "buffer", None), "peek"):
                head = stream.buffer.peek(1 << 16)[: 1 << 16]
        elif os.path.isfile(source):
            opener = gzip.open if source.lower().endswith(".gz") else open
            with opener(source, "rb") as f:
                head = f.read(1 << 16)
    except (OSError, ValueError, EOFError):
        return None
    text = head.decode("utf-8-sig", "replace")
    if "\n" not in text:
        return None
    first = text.split("\n", 1)[0].rstrip("\r")
    name = source.lower().removesuffix(".gz")
    sep = delimiter or ("\t" if name.endswith((".tsv", ".tab")) else ",")
    try:
        return [c.strip() for c in next(csv.reader([first], delimiter=sep))]
    except (csv.Error, StopIteration):
        return None


def _header_hints(header: list[str] | None, delimiter: str | None, source: str) -> list[str]:
    """What may be wrong with a table's first row: another separator, or no header at all."""
    if not header:
        return []
    if len(header) == 1 and delimiter is None:
        counts = {c: header[0].count(c) for c in ";\t|:"}
        sep = max(counts, key=counts.get)
        if counts[sep]:
            spelled = "'\\t'" if sep == "\t" else shlex.quote(sep)
            return [f"its header reads as one column; if its fields are separated by {sep!r}, pass --delimiter "
                    f"{spelled}"]
    if len(header) > 1 and all(ASCII_REAL.fullmatch(c) for c in header[:-1]):
        shown = ",".join(header)[:60]
        return [f"the first row of {'standard input' if source == '-' else repr(source)} ({shown}) was read as the "
                "header, but its cells look like values: deltaprop reads column names from the first row; add a "
                "header line such as " + ",".join([f"x{j}" for j in range(min(len(header) - 1, 3))] +
                                                  (["..."] if len(header) > 4 else []) + ["target"])]
    return []
