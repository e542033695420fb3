"""Out-of-core training data on one machine, and the per-chunk gradient sums it shares with Dask.

The notes' gradient is a sum over examples, ``dJ/dw = sum_i dJ_i/dw``, so it splits over any
partition of the rows: each chunk of rows computes its partial ``J`` and gradient sum, the
partial sums are added, and the optimizer updates the weights once. :func:`chunk_sums` is the
per-chunk step (the trainer's own :class:`~deltaprop._kernels.Workspace`, i.e.
:func:`~deltaprop.network.forward_pass` and :func:`~deltaprop.network.backward_pass`), so
there is one code path for the math; :class:`ChunkedData` adds the chunks up here, and
:mod:`deltaprop.dask` adds them up on a cluster.

This module needs only NumPy. A Zarr array, a ``numpy.memmap`` or an HDF5 dataset is just an
array-like that :class:`ChunkedData` slices by rows.

What is equal to training in memory, and what is not
----------------------------------------------------
* **Each chunk's sums are the in-memory sums of its rows**, to rounding: the same Workspace
  computes them, in the network's dtype, and they are packed into float64 without loss.
* **The total differs from the in-memory total by summation order only.** In memory the sum
  over the N rows happens inside one matrix product ``delta^T U`` (BLAS chooses its own order);
  here the chunks' products are added one after another. The two totals differ by a few units
  in the last place (about 1e-16 relative in float64) and are not bitwise equal in general.
* **With one chunk** (``chunk_size >= N``) nothing is added: ``J`` and the gradient are
  bitwise those of the in-memory :class:`~deltaprop.training.ArrayData`, and so is a whole
  run of a full-batch solver.
* **What a run makes of a 1e-16 difference depends on the solver.** Gradient descent,
  Quickprop and L-BFGS are smooth in the gradient: their weights stay within about 1e-10
  relative of the in-memory run over hundreds of epochs. RPROP, iRPROP- and RPROP+ use only
  the *sign* of each partial derivative: while every sign is clear both runs are identical up
  to rounding, but where a partial derivative passes near zero the two runs can take
  different sign decisions and from then on follow different (equally valid) paths. On
  standardised iris with ``chunk_size=40`` that happens at epoch 72. ``tests/test_chunked.py``
  checks each of these statements.
* Mini-batch SGD: without shuffling the batches are the in-memory batches; with shuffling
  the chunks are visited in random order and rows are shuffled within a chunk only (see
  :func:`shuffled_batches`), which is another (valid) order than the in-memory shuffle.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator

import numpy as np

from ._kernels import Workspace
from ._validation import check_positive, check_sample_weight
from .errors import InputError, InputTypeError
from .network import Network

__all__ = ["ChunkedData", "CHUNK_BYTES", "chunk_sums", "unpack_sums", "shuffled_batches"]

#: Rows per chunk that :class:`ChunkedData` aims for when the array does not say: about
#: this many bytes of X at a time.
CHUNK_BYTES = 64 * 2**20


def chunk_sums(net: Network, X: np.ndarray, Y: np.ndarray, sw: np.ndarray | None) -> np.ndarray:
    """``[J, n, dJ/dW_1 (row-major), dJ/db_1, dJ/dW_2, ...]`` of one chunk, in float64.

    Parameters
    ----------
    net : Network
        Its current weights; not modified.
    X : ndarray (n, n_inputs), Y : ndarray (n, n_outputs), sw : ndarray (n,) or None
        Validated arrays in the network's dtype.

    Returns
    -------
    ndarray (2 + net.n_parameters,), float64
        The layout is :meth:`Network.get_flat_parameters`'s with ``J`` and the row count in
        front, so that a chunk's result is one message and chunks add up with ``+``. The
        arithmetic is the trainer's :class:`~deltaprop._kernels.Workspace`; float64 holds a
        float32 network's sums without loss.
    """
    ws = Workspace(net, max(len(X), 1))
    J = ws.loss_and_gradient(X, Y, sw)
    grads = [g.ravel() for dW, db in zip(ws.dW, ws.db) for g in (dW, db)]
    out = np.empty(2 + net.n_parameters)
    out[0], out[1] = J, len(X)
    np.concatenate(grads, out=out[2:], casting="same_kind")
    return out


def unpack_sums(net: Network, vec: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """``(J, dW, db)`` from a (summed) :func:`chunk_sums` vector, in the network's dtype.

    Returns
    -------
    J : float
    dW, db : lists of ndarray shaped like ``net.weights`` / ``net.biases``
    """
    dW, db, i = [], [], 2
    for W, b in zip(net.weights, net.biases):
        dW.append(vec[i : i + W.size].reshape(W.shape).astype(net.dtype))
        i += W.size
        db.append(vec[i : i + b.size].astype(net.dtype))
        i += b.size
    return float(vec[0]), dW, db


def shuffled_batches(
    read_chunk: Callable[[int], tuple], n_chunks: int, batch_size: int, rng: np.random.Generator | None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Mini-batches from chunks: chunks in random order, rows shuffled within each chunk.

    Parameters
    ----------
    read_chunk : callable ``i -> (X_i, Y_i, sw_i)``
        Reads chunk ``i`` (``sw_i`` may be None).
    n_chunks : int
    batch_size : int
    rng : numpy.random.Generator or None
        None keeps the chunks and rows in order (the trainer's ``shuffle=False``).

    Yields
    ------
    (X_b, Y_b, sw_b)
        Batches of ``batch_size`` rows (the last one may be shorter); every example appears
        exactly once per pass.

    Notes
    -----
    Only one chunk (plus the rows left over from the previous one) is in memory at a time;
    the shuffle is therefore local to a chunk, the usual trade-off of out-of-core SGD
    (Bottou 2012, "Stochastic gradient descent tricks", sec. 4.1: shuffle, or at least
    visit the data in a random order).
    """
    carry = None
    for c in range(n_chunks) if rng is None else rng.permutation(n_chunks):
        X, Y, sw = read_chunk(int(c))
        if rng is not None:
            perm = rng.permutation(len(X))
            X, Y = X[perm], Y[perm]
            sw = None if sw is None else sw[perm]
        if carry is not None:
            X, Y = np.concatenate([carry[0], X]), np.concatenate([carry[1], Y])
            sw = None if sw is None else np.concatenate([carry[2], sw])
        n_full = len(X) // batch_size * batch_size
        for start in range(0, n_full, batch_size):
            sl = slice(start, start + batch_size)
            yield X[sl], Y[sl], None if sw is None else sw[sl]
        carry = (X[n_full:], Y[n_full:], None if sw is None else sw[n_full:]) if n_full < len(X) else None
    if carry is not None:
        yield carry


class ChunkedData:
    """Out-of-core training data on one machine, read one chunk of rows at a time.

    A data source for the trainer (``n_examples``, ``loss_and_gradient``, ``batches``,
    ``check``). ``X`` (and ``Y``, ``sample_weight``) may be anything sliceable by rows without
    being loaded whole: ``numpy.load(path, mmap_mode="r")``, a ``numpy.memmap``, a Zarr
    array, an HDF5 dataset, or an ordinary array. Each pass reads every chunk once and keeps
    only one chunk in memory. What equals the in-memory run is stated in the module
    docstring: each chunk's sums exactly, the total up to summation order, and with one
    chunk everything bitwise.

    Parameters
    ----------
    X : array-like (N, d), sliceable by rows
    Y : array-like (N, k) or (N,)
        The targets, already encoded as the network's outputs.
    sample_weight : array-like (N,) or None
    chunk_size : int or None
        Rows per chunk. None: the array's own row chunking when it has one (Zarr), else about
        :data:`CHUNK_BYTES` of X.

    Raises
    ------
    InputTypeError
        X or Y cannot be sliced by rows.
    InputError
        Shapes that do not match, or ``chunk_size`` < 1.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> X = np.random.default_rng(0).normal(size=(100, 3)); Y = (X[:, :1] > 0) * 1.0
    >>> data = ChunkedData(X, Y, chunk_size=32)
    >>> net = dp.Network([3, 4, 1], seed=0)
    >>> J, dW, db = data.loss_and_gradient(net)
    >>> bool(np.isclose(J, net.loss(X, Y)))
    True
    """

    def __init__(self, X, Y, sample_weight=None, *, chunk_size: int | None = None):
        for name, a in (("X", X), ("Y", Y)):
            if not hasattr(a, "shape") or not hasattr(a, "__getitem__"):
                raise InputTypeError(
                    f"{name} must be an array sliceable by rows (ndarray, memmap, Zarr array), got {type(a).__name__}"
                )
        if len(X.shape) != 2:
            raise InputError(f"X must be 2-D (n_examples, n_features), got shape {X.shape}")
        if Y.shape[0] != X.shape[0]:
            raise InputError(f"X has {X.shape[0]} examples but Y has {Y.shape[0]}; pass one row per example")
        if sample_weight is not None and np.shape(sample_weight) != (X.shape[0],):
            raise InputError(
                f"sample_weight has shape {np.shape(sample_weight)} but X has {X.shape[0]} examples; "
                "pass one weight per example"
            )
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.n_examples = int(X.shape[0])
        if chunk_size is None:
            own = getattr(X, "chunks", None)
            if isinstance(own, tuple) and own and isinstance(own[0], (int, np.integer)):
                chunk_size = int(own[0])
            else:
                row_bytes = max(int(X.shape[1]) * np.dtype(getattr(X, "dtype", np.float64)).itemsize, 1)
                chunk_size = max(CHUNK_BYTES // row_bytes, 1)
        self.chunk_size = check_positive(chunk_size, name="chunk_size", integer=True)
        self.n_chunks = max(math.ceil(self.n_examples / self.chunk_size), 1)
        self._net = None

    def check(self, net: Network) -> None:
        """Remember ``net`` so that :meth:`batches` returns its dtype (the trainer calls this).

        The data itself is checked chunk by chunk as it is read, so nothing is read here.
        """
        self._net = net

    def _rows(self, i: int) -> slice:
        return slice(i * self.chunk_size, min((i + 1) * self.chunk_size, self.n_examples))

    def _read(self, net: Network, i: int):
        """Chunk ``i`` as validated arrays of the network's dtype."""
        sl = self._rows(i)
        X = net.check_X(np.asarray(self.X[sl]))
        Y = net.check_Y(np.asarray(self.Y[sl]), len(X))
        sw = None if self.sample_weight is None else check_sample_weight(
            np.asarray(self.sample_weight[sl]), len(X), net.dtype
        )
        return X, Y, sw

    def loss_and_gradient(self, net: Network) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """``(J, dW, db)`` summed over all examples, reading one chunk at a time.

        The chunks' :func:`chunk_sums` are added in chunk order, in float64.

        Parameters
        ----------
        net : Network

        Returns
        -------
        J : float
            ``sum_i s_i J_i``.
        dW, db : lists of ndarray shaped like ``net.weights`` / ``net.biases``

        Raises
        ------
        InputError
            A chunk with NaN or infinite values, or targets outside the loss's range.
        """
        total = chunk_sums(net, *self._read(net, 0))
        for i in range(1, self.n_chunks):
            total += chunk_sums(net, *self._read(net, i))
        return unpack_sums(net, total)

    def batches(self, batch_size: int, rng: np.random.Generator | None = None, net: Network | None = None):
        """Mini-batches ``(X_b, Y_b, sw_b)``: chunks in random order, rows shuffled within a chunk.

        ``net`` (or the one given to :meth:`check`) sets the dtype and validates each chunk;
        without one the chunks are float64 arrays with a 2-D ``Y``. ``rng=None`` keeps the
        order of the rows. See :func:`shuffled_batches`.
        """
        check_positive(batch_size, name="batch_size", integer=True)
        net = net if net is not None else self._net

        def read(i):
            if net is not None:
                return self._read(net, i)
            sl = self._rows(i)
            X = np.asarray(self.X[sl], dtype=np.float64)
            Y = np.asarray(self.Y[sl], dtype=np.float64).reshape(len(X), -1)
            sw = None if self.sample_weight is None else np.asarray(self.sample_weight[sl], dtype=np.float64)
            return X, Y, sw

        return shuffled_batches(read, self.n_chunks, batch_size, rng)
