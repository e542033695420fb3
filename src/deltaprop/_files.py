"""Opening and writing files with deltaprop's errors and atomic writes.

Used by the model files (:mod:`deltaprop.modelfile`), the data readers
(:mod:`deltaprop.data`), checkpoints and the CLI, so that every path problem reads the same:
a missing file, a directory where a file was expected, and a refused permission each become
a :class:`~deltaprop.errors.FileAccessError` subclass naming the path and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
import warnings
from typing import BinaryIO, Iterator

from .errors import FileAccessDeniedError, FileAccessError, InputTypeError, MissingFileError, NotAFileError

__all__ = ["fspath", "open_for_reading", "atomic_open", "atomic_write_bytes", "remove_stale_temporaries"]


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


def open_for_reading(path, *, what: str = "file", allow_pipes: bool = False) -> BinaryIO:
    """Open ``path`` for binary reading, turning OS errors into deltaprop errors.

    Only regular files are read, and pipes where ``allow_pipes`` (a data file given as
    ``<(zcat data.csv.gz)``): a directory, a character device (``/dev/zero``, a terminal),
    a block device or a socket is refused with one error, so reading never grows without
    bound on an endless device. The file is opened with ``O_NONBLOCK``, so opening a FIFO
    with no writer cannot hang (reading it then finds it empty), and checked with ``fstat``
    on the open descriptor, so a path swapped after the check cannot slip through. A
    symlink is followed to what it names.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        How messages name the file (``"model file"``, ``"data file"``).
    allow_pipes : bool
        Accept a FIFO or pipe (read as a stream) besides regular files.

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
        f = open(path, "rb", opener=_nonblocking_opener)
    except OSError as exc:
        raise _access_error(exc, path, what, "read") from exc
    mode = os.fstat(f.fileno()).st_mode
    if not (stat.S_ISREG(mode) or (allow_pipes and stat.S_ISFIFO(mode))):
        f.close()
        raise NotAFileError(f"{what} {path!r} is {_kind_of_file(mode)}, not a regular file; "
                            "copy what it holds to a file and give that file's path")
    _set_blocking(f.fileno())
    return f


def _nonblocking_opener(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _set_blocking(fd: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.set_blocking(fd, True)


def _kind_of_file(mode: int) -> str:
    """``"a character device"``, ``"a FIFO (named pipe)"``, ... for an ``st_mode``."""
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so leftovers are recognised by their age alone
    fcntl = None

#: Where locks cannot tell a live save from a dead one, temporaries older than this are leftovers.
STALE_TEMP_SECONDS = 3600


@contextlib.contextmanager
def atomic_open(path, *, what: str = "file") -> Iterator[BinaryIO]:
    """A binary file for writing that appears at ``path`` only when the block succeeds.

    The bytes go to a temporary file in the same directory, which is flushed, fsynced and
    then renamed over ``path`` with :func:`os.replace` (atomic on POSIX and Windows). A
    reader therefore sees either the old file or the complete new one. If anything fails
    (an exception, KeyboardInterrupt), the temporary file is removed and the old file is
    left as it was. A process killed with SIGKILL cannot clean up: its hidden
    ``.NAME.XXXXXXXX.tmp`` file remains, and the next successful save of ``path`` removes
    it (see :func:`remove_stale_temporaries`). A new file gets the permissions an ordinary
    ``open(path, "wb")`` would give it.

    Special targets are written in place, never replaced: a character device
    (``/dev/null``), a FIFO, a socket or a pipe such as ``/dev/fd/3`` from a shell's
    ``>(...)`` receive the bytes directly. A symlink is followed, so its target is written
    (atomically when it is a regular file) and the link itself stays.

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
    try:
        mode = os.stat(path).st_mode  # follows symlinks
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with _direct_open(path, what) as f:
            yield f
        return
    target = os.path.realpath(path)  # a link's target is what gets replaced
    folder = os.path.dirname(target)
    tmp = None
    try:
        while tmp is None:
            candidate = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
            try:
                # Mode 0o666 is reduced by the umask, as for any newly created file.
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            except FileExistsError:
                continue
            tmp = candidate
        if fcntl is not None:  # held until the file is closed or the process dies: "a save is running"
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not os.path.isdir(folder):
            raise MissingFileError(f"cannot write {what} {path!r}: the directory {folder!r} does not exist; "
                                   "create it first") from exc
        raise _access_error(exc, path, what, "write") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _fsync_directory(folder)
    remove_stale_temporaries(target)


@contextlib.contextmanager
def _direct_open(path: str, what: str) -> Iterator[BinaryIO]:
    """Write a non-regular target (device, FIFO, pipe) in place, as a shell redirection would."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads
            raise FileAccessError(f"cannot write {what} {path!r}: it is a FIFO (named pipe) with no reader; "
                                  "start the reading program first") from exc
        raise _access_error(exc, path, what, "write") from exc
    _set_blocking(fd)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
    except OSError as exc:
        raise _access_error(exc, path, what, "write") from exc


class ConcurrentWriteWarning(UserWarning):
    """Two saves of the same path overlapped: one run's file replaces the other's."""


def remove_stale_temporaries(path, *, older_than: float | None = None) -> list[str]:
    """Remove the temporary siblings ``.NAME.XXXXXXXX.tmp`` that killed saves of ``path`` left.

    A save holds an exclusive ``flock`` on its temporary file until it ends, and the
    kernel drops the lock when the process dies; so a temporary whose lock can be taken
    belongs to no running save and is removed. Where there are no such locks (Windows),
    temporaries not modified for ``older_than`` seconds (default
    :data:`STALE_TEMP_SECONDS`) are removed instead. Only regular files named exactly as
    :func:`atomic_open` names them are touched; errors are ignored (another process may be
    removing them too). A temporary still locked is another process's save of the same path,
    running now: that race is reported with a :class:`ConcurrentWriteWarning` (the last save
    to finish wins). Returns the paths removed.

    Examples
    --------
    >>> import os, pathlib, tempfile
    >>> from deltaprop._files import remove_stale_temporaries
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / ".m.safetensors.0123abcd.tmp").write_bytes(b"partial")
    7
    >>> [os.path.basename(p) for p in remove_stale_temporaries(folder / "m.safetensors", older_than=0)]
    ['.m.safetensors.0123abcd.tmp']
    """
    path = os.path.realpath(fspath(path))
    folder, name = os.path.split(path)
    pattern = re.compile(r"\." + re.escape(name) + r"\.[0-9a-f]{8}\.tmp")
    if older_than is None:
        older_than = 0.0 if fcntl is not None else STALE_TEMP_SECONDS
    removed, running = [], []
    try:
        entries = [e for e in os.scandir(folder) if pattern.fullmatch(e.name)]
    except OSError:
        return removed
    for entry in entries:
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime < older_than:
                continue
            if fcntl is None:
                os.unlink(entry.path)
            else:
                fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    os.unlink(entry.path)
                except BlockingIOError:  # locked: another save of the same path is running now
                    running.append(entry.path)
                    continue
                finally:
                    os.close(fd)
            removed.append(entry.path)
    if running:
        warnings.warn(ConcurrentWriteWarning(
            f"another process is saving to {path!r} at the same time ({len(running)} save(s) in progress); the "
            "last save to finish is the file that stays: give each run its own -o / --checkpoint"), stacklevel=3)
    return removed


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
