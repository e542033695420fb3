"""Data sources: the one port through which the trainer reads training data.

:class:`DataSource` is the protocol every engine implements (in-memory arrays here,
memory-mapped chunks, a Dask cluster in the ``deltaprop.dask`` package); the small
protocols after it are optional capabilities the trainer asks for with ``hasattr`` and uses
when a source has them. :class:`ArrayData` is the in-memory source, and :func:`as_source`
turns what a user passes to ``fit`` into a source.

A source only serves data and gradients: it knows no optimizer. The fast paths that fuse
a step into the gradient computation live in :mod:`deltaprop._stepper`, which reads an
in-memory source's arrays through :class:`InMemory`.
"""

from __future__ import annotations

import math
from typing import Iterator, Protocol, runtime_checkable

import numpy as np

from ._kernels import Workspace
from ._watch import largest_magnitude
from .errors import InputError
from .network import Network, forward_pass

__all__ = ["DataSource", "Splittable", "HasLoss", "Checked", "InMemory", "ArrayData", "as_source",
           "is_data_source"]


@runtime_checkable
class DataSource(Protocol):
    """What the trainer needs from training data.

    Attributes
    ----------
    n_examples : int
        N, the number of examples.

    Methods
    -------
    loss_and_gradient(net) -> (J, dW, db)
        ``J = sum_i s_i J_i`` over *all* N examples and its gradient, summed (not averaged),
        as lists of arrays shaped like ``net.weights`` / ``net.biases``. The caller may
        overwrite the returned arrays. Used by the full-batch solvers.
    batches(batch_size, rng) -> iterator of (X_b, Y_b, sw_b)
        One epoch's mini-batches of at most ``batch_size`` examples: arrays of the network's
        dtype, ``X_b`` (n, n_inputs), ``Y_b`` (n, n_outputs), ``sw_b`` (n,) or None when
        there are no sample weights. ``rng`` is a ``numpy.random.Generator`` to shuffle
        with, or None to keep the stored order. A batch may be a view that the next batch
        overwrites.
    """

    n_examples: int

    def loss_and_gradient(self, net: Network) -> tuple[float, list, list]: ...

    def batches(self, batch_size: int, rng: np.random.Generator | None) -> Iterator[tuple]: ...


class Splittable(Protocol):
    """Optional: the source can hold out a validation part itself (``validation_fraction``).

    ``split(fraction, rng) -> (train, validation, val_index)`` draws ``ceil(fraction * N)``
    examples for validation with ``rng`` (``val_index``: their sorted positions, saved with
    the run); ``split_at(val_index) -> (train, validation)`` repeats that split on resume.
    Both parts are data sources; ``InputError`` when either part would be empty.
    """

    def split(self, fraction: float, rng: np.random.Generator) -> tuple: ...

    def split_at(self, val_index: np.ndarray) -> tuple: ...


class HasLoss(Protocol):
    """Optional: ``loss(net) -> J`` without the gradient (the validation loss); else the
    trainer takes J from ``loss_and_gradient``."""

    def loss(self, net: Network) -> float: ...


class Checked(Protocol):
    """Optional: ``check(net)`` validates the source against the network once per fit and
    raises ``InputError`` naming the mismatch."""

    def check(self, net: Network) -> None: ...


class InMemory(Protocol):
    """Optional: ``arrays() -> (X, Y, sample_weight)``, the whole data set as arrays of the
    network's dtype (``sample_weight`` None without weights).

    The stepper's whole-epoch and fused full-batch paths use it, and ``metric`` receives
    the validation data's arrays from it.
    """

    def arrays(self) -> tuple: ...


def is_data_source(obj) -> bool:
    """True when ``obj`` has the members of :class:`DataSource`."""
    return isinstance(obj, DataSource)


def _is_dask_collection(obj) -> bool:
    # Recognised by the defining package's name, so that deltaprop never imports Dask.
    return type(obj).__module__.split(".")[0] == "dask"


def as_source(net: Network, X, Y=None, sample_weight=None, *, what: str = "X") -> DataSource:
    """The data source for ``fit(net, X, Y, sample_weight)``.

    Parameters
    ----------
    net : Network
    X : array (N, n_inputs), or a :class:`DataSource` (then ``Y`` and ``sample_weight`` are None)
    Y : array (N, n_outputs); for one output a 1-D array of length N is accepted
    sample_weight : array (N,), optional
    what : str
        The argument's name in error messages.

    Returns
    -------
    DataSource
        A source passed in, checked against ``net`` when it has ``check``; else an
        :class:`ArrayData` of the arrays validated against ``net`` in its dtype.

    Raises
    ------
    InputError
        For a source given with ``Y`` or ``sample_weight``, for a Dask collection (wrap it
        in ``deltaprop.dask.DaskData``), and for arrays that do not fit the network.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> as_source(net, np.zeros((5, 2)), np.ones(5)).n_examples
    5
    """
    if is_data_source(X):
        if Y is not None or sample_weight is not None:
            raise InputError(f"{what} is a data source, which carries its own targets and weights; "
                             "pass Y=None and sample_weight=None")
        if hasattr(X, "check"):
            X.check(net)
        return X
    if any(_is_dask_collection(a) for a in (X, Y, sample_weight)):
        raise InputError(f"{what} is a Dask collection; pass deltaprop.dask.DaskData(X, Y) (from the "
                         "deltaprop[dask] extra) as the data source instead, or compute it into NumPy arrays")
    return ArrayData(X, Y, sample_weight, net=net)


class ArrayData:
    """In-memory training data: the reference :class:`DataSource`.

    Implements the protocol and every optional capability (:class:`Splittable`,
    :class:`HasLoss`, :class:`InMemory`).

    Parameters
    ----------
    X : array (N, n_inputs)
    Y : array (N, n_outputs); for one output a 1-D array of length N is accepted
    sample_weight : array (N,), optional
        s_i >= 0 in ``J = sum_i s_i J_i``.
    net : Network, optional
        When given, the arrays are validated against it and converted to its dtype (the
        trainer always passes it); otherwise they are taken as they are.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> data = dp.ArrayData(np.zeros((5, 2)), np.ones((5, 1)), net=net)
    >>> [len(Xb) for Xb, Yb, sw in data.batches(2, rng=None)]
    [2, 2, 1]
    """

    def __init__(self, X, Y, sample_weight=None, *, net: Network | None = None):
        if net is not None:
            X, Y, sample_weight = net._checked(X, Y, sample_weight)
        self.X: np.ndarray = X
        self.Y: np.ndarray = Y
        self.sample_weight: np.ndarray | None = sample_weight
        self.n_examples: int = int(X.shape[0])
        self._workspace: Workspace | None = None
        self._shuffled: tuple | None = None
        # max |X| as the estimator's check read it just before its fit (None: not read). Not
        # cached here: the caller may change X in place between fits.
        self._x_max: float | None = None

    def largest_magnitudes(self) -> tuple[float, float]:
        """``(max |X|, max |Y|)`` (``inf`` for a non-finite entry): the bounds of the trainer's proof
        that the final outputs are finite (:mod:`deltaprop._loop`); X is not read again when the
        estimator's check has just read it."""
        x_max = largest_magnitude(self.X) if self._x_max is None else self._x_max
        return x_max, largest_magnitude(self.Y)

    def arrays(self) -> tuple:
        """``(X, Y, sample_weight)``, the stored arrays themselves (not copies)."""
        return self.X, self.Y, self.sample_weight

    def loss_and_gradient(self, net: Network):
        """``(J, dW, db)`` over all examples, summed; the arrays are reused by the next call."""
        ws = self._workspace
        if ws is None or ws.net is not net:
            ws = self._workspace = Workspace(net, self.n_examples)
        J = ws.loss_and_gradient(self.X, self.Y, self.sample_weight)
        return J, ws.dW, ws.db

    def loss(self, net: Network) -> float:
        """``J = sum_i s_i J_i`` over all examples, without the gradient."""
        o = forward_pass(net.weights, net.biases, net.activations, self.X)[-1]
        return net._J(o, self.Y, self.sample_weight)

    def batches(self, batch_size: int, rng: np.random.Generator | None = None) -> Iterator[tuple]:
        """One epoch's batches ``(X_b, Y_b, sw_b)``; shuffled with one permutation from ``rng``."""
        X, Y, sw = self.X, self.Y, self.sample_weight
        N = self.n_examples
        if rng is None:
            for start in range(0, N, batch_size):
                stop = start + batch_size
                yield X[start:stop], Y[start:stop], None if sw is None else sw[start:stop]
            return
        # One permutation per epoch; each batch is gathered into buffers of one batch's size,
        # reused for the whole fit (no copy of the data set). The batches are views of them,
        # valid until the next batch. mode="clip" lets np.take write straight into `out`
        # (the default mode allocates a temporary); perm's indices are all in range.
        perm = rng.permutation(N)
        Xb, Yb, swb = self.batch_buffers(batch_size)
        for start in range(0, N, batch_size):
            idx = perm[start:start + batch_size]
            n = idx.shape[0]
            X.take(idx, axis=0, out=Xb[:n], mode="clip")  # the method skips np.take's wrapper
            Y.take(idx, axis=0, out=Yb[:n], mode="clip")
            if sw is not None:
                sw.take(idx, out=swb[:n], mode="clip")
            yield Xb[:n], Yb[:n], None if sw is None else swb[:n]

    def batch_buffers(self, batch_size: int) -> tuple:
        """``(Xb, Yb, swb)``: one batch's buffers to gather shuffled batches into, reused for the fit."""
        X, Y, sw = self.X, self.Y, self.sample_weight
        B = min(batch_size, self.n_examples)
        if self._shuffled is None or self._shuffled[0].shape[0] != B:
            self._shuffled = (np.empty((B,) + X.shape[1:], X.dtype), np.empty((B,) + Y.shape[1:], Y.dtype),
                              None if sw is None else np.empty(B, sw.dtype))
        return self._shuffled

    def take(self, index: np.ndarray) -> "ArrayData":
        """The examples at ``index`` (in that order) as a new ArrayData."""
        sw = None if self.sample_weight is None else self.sample_weight[index]
        return ArrayData(self.X[index], self.Y[index], sw)

    def split(self, fraction: float, rng: np.random.Generator) -> tuple["ArrayData", "ArrayData", np.ndarray]:
        """A random ``(train, validation, validation_index)`` split; ``fraction`` goes to validation.

        The training part keeps the original order of its examples.
        """
        n_val = int(math.ceil(fraction * self.n_examples))
        if n_val < 1 or n_val >= self.n_examples:
            raise InputError(
                f"validation_fraction={fraction} of {self.n_examples} examples leaves "
                f"{n_val} for validation and {self.n_examples - n_val} for training; both need at least one. "
                "Change validation_fraction or pass validation_data"
            )
        val_index = np.sort(rng.permutation(self.n_examples)[:n_val])
        return (*self.split_at(val_index), val_index)

    def split_at(self, val_index: np.ndarray) -> tuple["ArrayData", "ArrayData"]:
        """``(train, validation)`` with the examples at ``val_index`` held out."""
        mask = np.ones(self.n_examples, dtype=bool)
        mask[val_index] = False
        return self.take(np.flatnonzero(mask)), self.take(np.asarray(val_index))
