"""The exceptions deltaprop raises on purpose.

Every error deltaprop raises for bad input is a :class:`DeltapropError` and also a
subclass of the built-in type that Python and scikit-learn users expect
(``ValueError``, ``TypeError``, ``FileNotFoundError``...), so ``except ValueError`` keeps
working and the CLI can turn any of them into one readable line.
"""

from __future__ import annotations

__all__ = [
    "DeltapropError",
    "InputError",
    "InputTypeError",
    "DivergenceError",
    "ModelFileError",
    "DataFileError",
    "MissingDependencyError",
    "FileAccessError",
    "MissingFileError",
    "NotAFileError",
    "FileAccessDeniedError",
]


class DeltapropError(Exception):
    """Base class of the errors deltaprop raises deliberately."""


class InputError(DeltapropError, ValueError):
    """An argument has the wrong value or shape; the message names it and the fix."""


class InputTypeError(DeltapropError, TypeError):
    """An argument has the wrong type; the message names it and the fix."""


class DivergenceError(DeltapropError, FloatingPointError):
    """Training produced a non-finite loss or weight.

    The network keeps the last finite weights; ``epoch`` is where it happened.
    """

    def __init__(self, message: str, *, epoch: int | None = None):
        super().__init__(message)
        self.epoch = epoch


class ModelFileError(DeltapropError, ValueError):
    """A model or checkpoint file is damaged, of an unknown format, or inconsistent."""


class DataFileError(DeltapropError, ValueError):
    """A data file could not be read as the format it claims to be."""


class MissingDependencyError(DeltapropError, ImportError):
    """An optional dependency (an extra such as ``deltaprop[plot]``) is not installed.

    The message names the package and the ``pip install`` command that adds it.
    """


class FileAccessError(DeltapropError, OSError):
    """A file cannot be opened or written; the subclasses say why."""


class MissingFileError(FileAccessError, FileNotFoundError):
    """A file (or the directory to write it in) does not exist."""


class NotAFileError(FileAccessError, IsADirectoryError):
    """A path names a directory where a file was expected."""


class FileAccessDeniedError(FileAccessError, PermissionError):
    """The operating system refused to read or write a file."""
