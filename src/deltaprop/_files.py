"""Opening and writing files with deltaprop's errors and atomic writes.

Used by the model files (:mod:`deltaprop.modelfile`), the data readers
(:mod:`deltaprop.data`), checkpoints and the CLI, so that every path problem reads the same:
a missing file, a directory where a file was expected, and a refused permission each become
a :class:`~deltaprop.errors.FileAccessError` subclass naming the path and the fix.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import BinaryIO, Iterator

from .errors import FileAccessDeniedError, FileAccessError, InputTypeError, MissingFileError, NotAFileError

__all__ = ["fspath", "open_for_reading", "atomic_open", "atomic_write_bytes"]


def fspath(path, *, argument: str = "path") -> str:
    """``path`` as a ``str``, refusing anything that is not a path."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"{argument} must be a str or os.PathLike file path, got {type(path).__name__}")
    return os.fspath(path)


def _access_error(exc: OSError, path: str, what: str, action: str) -> FileAccessError:
    """The deltaprop error for an OSError met while ``action``-ing ``what`` at ``path``."""
    if isinstance(exc, FileNotFoundError):
        if action == "write":
            folder = os.path.dirname(os.path.abspath(path))
            return MissingFileError(f"cannot write {what} {path!r}: the directory {folder!r} does not exist; create it first")
        return MissingFileError(f"{what} {path!r} does not exist; check the path")
    if isinstance(exc, IsADirectoryError):
        return NotAFileError(f"{what} {path!r} is a directory, not a file; give the path of a file")
    if isinstance(exc, PermissionError):
        return FileAccessDeniedError(f"cannot {action} {what} {path!r}: permission denied; check the file's permissions")
    return FileAccessError(f"cannot {action} {what} {path!r}: {exc.strerror or exc}")


def open_for_reading(path, *, what: str = "file") -> BinaryIO:
    """Open ``path`` for binary reading, turning OS errors into deltaprop errors.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        How messages name the file (``"model file"``, ``"data file"``).

    Returns
    -------
    file object opened ``"rb"``

    Raises
    ------
    MissingFileError, NotAFileError, FileAccessDeniedError, FileAccessError
    """
    path = fspath(path)
    if os.path.isdir(path):
        raise NotAFileError(f"{what} {path!r} is a directory, not a file; give the path of a file")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise _access_error(exc, path, what, "read") from exc


@contextlib.contextmanager
def atomic_open(path, *, what: str = "file") -> Iterator[BinaryIO]:
    """A binary file for writing that appears at ``path`` only when the block succeeds.

    The bytes go to a temporary file in the same directory, which is flushed, fsynced and
    then renamed over ``path`` with :func:`os.replace` (atomic on POSIX and Windows). A
    reader therefore sees either the old file or the complete new one. If anything fails
    (an exception, KeyboardInterrupt), the temporary file is removed and the old file is
    left as it was. (A process killed with SIGKILL cannot clean up: a hidden
    ``.NAME.XXXX.tmp`` file may then remain, but the file at ``path`` is still the old one.)
    A new file gets the permissions an ordinary ``open(path, "wb")`` would give it.

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its directory must exist.
    what : str
        How error messages name the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from deltaprop._files import atomic_open
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
    >>> with atomic_open(path) as f:
    ...     _ = f.write(b"abc")
    >>> path.read_bytes()
    b'abc'
    """
    path = fspath(path)
    if os.path.isdir(path):
        raise NotAFileError(f"cannot write {what} {path!r}: it is a directory; give the path of a file")
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        while tmp is None:
            candidate = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
            try:
                # Mode 0o666 is reduced by the umask, as for any newly created file.
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            except FileExistsError:
                continue
            tmp = candidate
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _access_error(exc, path, what, "write") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _fsync_directory(folder)


def atomic_write_bytes(path, data: bytes, *, what: str = "file") -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from deltaprop._files import atomic_write_bytes
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
    >>> atomic_write_bytes(path, b"abc")
    >>> path.read_bytes()
    b'abc'
    """
    with atomic_open(path, what=what) as f:
        f.write(data)


def _fsync_directory(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
