"""The exceptions deltaprop raises on purpose.

Every error deltaprop raises for bad input is a :class:`DeltapropError` and also a
subclass of the built-in type that Python and scikit-learn users expect
(``ValueError``, ``TypeError``, ``FileNotFoundError``...), so ``except ValueError`` keeps
working and the CLI can turn any of them into one readable line.
"""

from __future__ import annotations

__all__ = [
    "DeltapropError",
    "DeltapropWarning",
    "ConvergenceWarning",
    "SaturationWarning",
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
    """Training diverged: a non-finite value (loss, weight, validation output or metric, the
    outputs of the updated network) or a blow-up caught before it overflowed.

    The network keeps the last weights whose outputs are finite. The README's "Reliability"
    section lists the rules and their thresholds.

    Attributes
    ----------
    epoch : int or None
        The 0-based epoch in which it happened.
    solver : str or None
        The solver's name.
    learning_rate : float or None
        The learning rate of that epoch (NaN for solvers without one: rprop, lbfgs).
    """

    def __init__(self, message: str, *, epoch: int | None = None, solver: str | None = None,
                 learning_rate: float | None = None):
        super().__init__(message)
        self.epoch = epoch
        self.solver = solver
        self.learning_rate = learning_rate


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


class DeltapropWarning(UserWarning):
    """Base class of the warnings deltaprop gives (through :mod:`warnings`)."""


# The warnings about a run's outcome are also scikit-learn's ConvergenceWarning, so
# ``warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)`` silences them
# as it does scikit-learn's own. scikit-learn takes over a second to import and
# ``import deltaprop`` must not pay for it: the two classes are made on first use
# (module ``__getattr__``, PEP 562) and kept, so each name is always the same class.
_LAZY_WARNINGS = {
    "ConvergenceWarning": (
        "A run ended without converging, or at a model worse than it started (a subclass of\n"
        "    :class:`DeltapropWarning` and of ``sklearn.exceptions.ConvergenceWarning``)."
    ),
    "SaturationWarning": (
        "The loss stopped moving because units are saturated (outputs pinned at their bounds,\n"
        "    gradient near zero); a :class:`ConvergenceWarning`."
    ),
}


def __getattr__(name: str):
    if name not in _LAZY_WARNINGS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in globals():  # made already (a base class is asked for by name below)
        return globals()[name]
    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

    bases = (DeltapropWarning, SklearnConvergenceWarning) if name == "ConvergenceWarning" else (
        __getattr__("ConvergenceWarning"),)
    cls = type(name, bases, {"__doc__": _LAZY_WARNINGS[name], "__module__": __name__, "__qualname__": name})
    globals()[name] = cls
    return cls
