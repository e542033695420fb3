"""Training and prediction where the data lives: on a Dask cluster, or chunk by chunk from disk.

The notes' gradient is a sum over examples, ``dJ/dw = sum_i dJ_i/dw``, so it splits over any
partition of the rows: each chunk of rows computes its partial ``J`` and gradient sum where the
chunk lives, the partial sums are added, and the optimizer updates the weights once. That is
all this module does; the per-chunk arithmetic is the trainer's own step
(:class:`deltaprop._kernels.Workspace`, i.e. :func:`~deltaprop.network.forward_pass` and
:func:`~deltaprop.network.backward_pass`), so there is one code path for the math.

Two data sources implement the trainer's data-source protocol (``n_examples``,
``loss_and_gradient(net) -> (J, dW, db)`` summed over all examples, and
``batches(batch_size, rng)`` yielding ``(X_b, Y_b, sw_b)``):

* :class:`DaskData`: Dask arrays or DataFrames persisted on the workers of a
  ``distributed`` cluster. One task per chunk per iteration returns one flat vector
  ``[J, n, dJ/dW_1, dJ/db_1, ...]``; the vectors are tree-summed on the cluster and only the
  sum comes back. The weights travel inside the task graph when they are small and through
  ``client.scatter(..., broadcast=True)`` when they are larger than
  :data:`SCATTER_THRESHOLD_BYTES`, so the graph of an iteration has a constant, small size.
* :class:`ChunkedData`: out-of-core on one machine. Any array that can be sliced by rows
  without being read whole (``numpy.memmap``, ``numpy.load(..., mmap_mode="r")``, a Zarr
  array, an HDF5 dataset) is read one chunk of rows at a time.

Full-batch solvers (gd, RPROP, Quickprop, L-BFGS) are therefore exact: they see the same
``J`` and gradient as with the data in memory, up to the order of floating-point additions.
For mini-batches there are three ways, with their trade-offs in ``docs/dask.md``: batches
streamed from the workers (:meth:`DaskData.batches`), synchronous large-batch SGD
(:class:`SampledDaskData`) and local SGD with weight averaging (:func:`local_sgd`).
:func:`predict_blockwise` and :func:`score_blockwise` run a fitted model over a Dask array
block by block; :func:`select_engine` and :func:`fit_estimator` are the hooks through which
``Trainer`` and the estimators choose this engine.

Dask is an optional dependency (``pip install 'deltaprop[dask]'``), imported only when a
Dask feature is used; :class:`ChunkedData` needs only NumPy.
"""

from __future__ import annotations

import copy
import math
import uuid
import warnings
from typing import Callable, Iterator

import numpy as np

from ._kernels import Workspace
from ._validation import check_positive, check_sample_weight
from .errors import DeltapropError, InputError, InputTypeError
from .network import Network

__all__ = [
    "DaskData",
    "SampledDaskData",
    "ChunkedData",
    "local_sgd",
    "ClusterError",
    "SCATTER_THRESHOLD_BYTES",
    "TREE_FANIN",
    "get_client",
    "select_engine",
    "is_dask_collection",
    "predict_blockwise",
    "score_blockwise",
]

#: Weights larger than this (in bytes, all layers together) are sent to the workers with
#: ``client.scatter(..., broadcast=True)`` instead of inside the task graph. Below it,
#: embedding is cheaper (one message instead of a scatter round trip); above a few MB the
#: scheduler would have to forward the weights with every graph and Dask starts warning
#: about large graphs (at 10 MB).
SCATTER_THRESHOLD_BYTES = 4 * 2**20

#: How many partial sums one reduction task adds: the tree has depth ceil(log_8(chunks)).
TREE_FANIN = 8

#: Rows per chunk that :class:`ChunkedData` aims for when the array does not say: about
#: this many bytes of X at a time.
CHUNK_BYTES = 64 * 2**20


class ClusterError(DeltapropError, RuntimeError):
    """The Dask cluster could not finish an iteration (workers lost, data gone, task failed).

    Training stops rather than continue with a partial gradient; the network keeps the
    weights of the last completed update.
    """


# --------------------------------------------------------------------------- dask plumbing
def _import_dask():
    """``(dask, dask.array, distributed)``, or an ImportError that says what to install."""
    try:
        import dask
        import dask.array as da
        import distributed
    except ImportError as exc:  # pragma: no cover - the test environment has Dask
        raise ImportError(
            "training or predicting on Dask collections needs Dask: install deltaprop[dask] "
            "(pip install 'deltaprop[dask]')"
        ) from exc
    return dask, da, distributed


def is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series), without importing Dask.

    Examples
    --------
    >>> import numpy as np
    >>> is_dask_collection(np.zeros(3))
    False
    """
    return hasattr(obj, "__dask_graph__") and hasattr(obj, "__dask_keys__")


_LOCAL = {}  # the local cluster started by get_client, kept so it is started at most once


def get_client(client=None):
    """The ``distributed.Client`` to train on.

    Parameters
    ----------
    client : distributed.Client or None
        Used as given. When None, the current client (the one a ``with Client(...)`` block
        or the last ``Client(...)`` made the default); when there is none, a local cluster
        of worker processes on this machine, bound to 127.0.0.1 without a dashboard, started
        once and reused.

    Returns
    -------
    distributed.Client

    Examples
    --------
    >>> from distributed import Client, LocalCluster       # doctest: +SKIP
    >>> with Client(LocalCluster(n_workers=2)) as c:       # doctest: +SKIP
    ...     assert get_client() is c
    """
    _, _, distributed = _import_dask()
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise InputTypeError(f"client must be a distributed.Client, got {type(client).__name__}")
        return client
    try:
        return distributed.default_client()
    except ValueError:  # no client yet
        pass
    if "client" not in _LOCAL or _LOCAL["client"].status in ("closed", "closing"):
        cluster = distributed.LocalCluster(host="127.0.0.1", dashboard_address=None, processes=True)
        _LOCAL["client"] = distributed.Client(cluster, set_as_default=True)
    return _LOCAL["client"]


ENGINES = ("local", "dask")


def select_engine(X, Y=None, sample_weight=None, *, engine: str | None = None, client=None):
    """The trainer's engine choice: ``(data_source, None, None)`` for Dask, or in-memory arrays.

    Parameters
    ----------
    X, Y, sample_weight : arrays, Dask arrays/DataFrames, or a data source in X
    engine : {None, "local", "dask"}
        None: Dask when X is a Dask collection, else local. "dask": NumPy inputs are sent to
        the cluster too. "local": Dask inputs are computed into memory (they must fit).
    client : distributed.Client or None
        See :func:`get_client`.

    Returns
    -------
    tuple
        ``(DaskData, None, None)`` for the Dask engine; ``(X, Y, sample_weight)`` as NumPy
        arrays (or unchanged) for the local one.
    """
    if engine is not None and engine not in ENGINES:
        raise InputError(f"engine must be 'local', 'dask' or None, got {engine!r}")
    if hasattr(X, "loss_and_gradient") and hasattr(X, "batches"):  # already a data source
        return X, Y, sample_weight
    dask_inputs = any(is_dask_collection(a) for a in (X, Y, sample_weight))
    if engine == "local" or (engine is None and not dask_inputs):
        if dask_inputs:
            dask, _, _ = _import_dask()
            X, Y, sample_weight = dask.compute(X, Y, sample_weight)
            X, Y, sample_weight = (None if a is None else np.asarray(a) for a in (X, Y, sample_weight))
        return X, Y, sample_weight
    return DaskData(X, Y, sample_weight, client=client), None, None


# --------------------------------------------------------------------------- the per-chunk step
def _chunk_sums(net: Network, X: np.ndarray, Y: np.ndarray, sw: np.ndarray | None) -> np.ndarray:
    """``[J, n, dJ/dW_1 (row-major), dJ/db_1, dJ/dW_2, ...]`` of one chunk, in float64.

    The layout is :meth:`Network.get_flat_parameters`'s with ``J`` and the row count in front.
    The arithmetic is the trainer's :class:`~deltaprop._kernels.Workspace`; only the packing
    into one vector (one message per chunk) is added here. Float64 keeps the sum over chunks
    as exact as the sum inside one matrix product.
    """
    ws = Workspace(net, max(len(X), 1))
    J = ws.loss_and_gradient(X, Y, sw)
    grads = [g.ravel() for dW, db in zip(ws.dW, ws.db) for g in (dW, db)]
    out = np.empty(2 + net.n_parameters)
    out[0], out[1] = J, len(X)
    np.concatenate(grads, out=out[2:], casting="same_kind")
    return out


def _sum_vectors(*vectors: np.ndarray) -> np.ndarray:
    """One node of the reduction tree."""
    total = vectors[0].copy()
    for v in vectors[1:]:
        total += v
    return total


def _unpack(net: Network, vec: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """``(J, dW, db)`` from a summed :func:`_chunk_sums` vector, in the network's dtype."""
    dW, db, i = [], [], 2
    for W, b in zip(net.weights, net.biases):
        dW.append(vec[i : i + W.size].reshape(W.shape).astype(net.dtype))
        i += W.size
        db.append(vec[i : i + b.size].astype(net.dtype))
        i += b.size
    return float(vec[0]), dW, db


def _shuffled_batches(
    read_chunk: Callable[[int], tuple], n_chunks: int, batch_size: int, rng: np.random.Generator | None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Mini-batches from chunks: chunks in random order, rows shuffled within each chunk.

    With ``rng=None`` the chunks and rows keep their order (the trainer's ``shuffle=False``).

    Only one chunk (plus the rows left over from the previous one) is in memory at a time;
    the shuffle is therefore local to a chunk, which is the usual trade-off of out-of-core
    SGD (Bottou 2012, "Stochastic gradient descent tricks", sec. 4.1: shuffle, or at least
    visit the data in a random order). Every example appears exactly once per epoch.
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


# --------------------------------------------------------------------------- Dask data source
class DaskData:
    """Training data on a Dask cluster: the trainer's data source for Dask arrays and DataFrames.

    The data is persisted on the workers once, in row chunks. Each call of
    :meth:`loss_and_gradient` then runs one task per chunk, where the chunk lives, that
    computes the chunk's ``J`` and gradient sums with the trainer's own step and returns one
    flat vector; a tree of additions (fan-in :data:`TREE_FANIN`) reduces them on the cluster
    and only the total comes back. The weights are embedded in the small task graph, or
    broadcast with ``client.scatter`` when larger than :data:`SCATTER_THRESHOLD_BYTES`.

    Parameters
    ----------
    X : dask.array.Array (N, d), dask.dataframe.DataFrame, or ndarray (N, d)
        The inputs. Chunks split the rows only (columns are merged into one chunk). A NumPy
        array is split into chunks and sent to the workers with ``client.scatter``.
    Y : dask.array.Array (N, k) or (N,), dask Series/DataFrame, or ndarray
        The targets, already encoded as the network's outputs (e.g. one-hot). Rechunked to
        X's row chunks.
    sample_weight : dask.array.Array (N,), dask Series, ndarray (N,) or None
        Weights s_i in ``J = sum_i s_i J_i``.
    client : distributed.Client or None
        See :func:`get_client`.
    max_retries : int, default 2
        How many times an iteration is retried after the cluster lost workers or data (the
        data is re-persisted from its source first). After that, :class:`ClusterError`.

    Attributes
    ----------
    n_examples : int
    n_chunks : int
    chunks : tuple of int
        Rows per chunk.

    Notes
    -----
    Load the data on the workers (``da.from_zarr``, ``dd.read_parquet``, ``da.random``, ...);
    ``da.from_array`` on a local NumPy array puts the whole array into the task graph.
    Good chunks are large: a few per worker, each with well over 100 ms of work per
    iteration, since Dask's cost per iteration is tens of milliseconds (``docs/dask.md``).

    Examples
    --------
    >>> import dask.array as da, deltaprop as dp                     # doctest: +SKIP
    >>> from distributed import Client                                # doctest: +SKIP
    >>> client = Client("tcp://scheduler:8786")                       # doctest: +SKIP
    >>> X = da.from_zarr("s3://bucket/X.zarr"); Y = da.from_zarr("s3://bucket/Y.zarr")  # doctest: +SKIP
    >>> data = DaskData(X, Y, client=client)                          # doctest: +SKIP
    >>> net = dp.Network([X.shape[1], 32, Y.shape[1]], seed=0)         # doctest: +SKIP
    >>> J, dW, db = data.loss_and_gradient(net)                       # doctest: +SKIP
    """

    def __init__(self, X, Y, sample_weight=None, *, client=None, max_retries: int = 2):
        _, da, _ = _import_dask()
        self.client = get_client(client)
        self.max_retries = check_positive(max_retries, name="max_retries", integer=True, allow_zero=True)
        self._local = None  # NumPy inputs: kept to scatter again after a loss
        if not is_dask_collection(X):
            self._local = self._numpy_inputs(X, Y, sample_weight)
            self._lazy = None
        else:
            self._lazy = self._lazy_inputs(da, X, Y, sample_weight)
        self._dtype = None  # the dtype the persisted chunks have
        self._validated = None  # (n_inputs, n_outputs, loss name) already checked
        self._parts: list[tuple] = []  # per chunk: futures of (X, Y, sw); empty until loaded
        if self._local is not None:  # NumPy data: two chunks per worker
            n_workers = max(len(self.client.scheduler_info().get("workers", {})), 1)
            bounds = np.linspace(0, len(self._local[0]), min(len(self._local[0]), 2 * n_workers) + 1).astype(int)
            self.chunks = tuple(int(b - a) for a, b in zip(bounds[:-1], bounds[1:]))
        else:
            self.chunks = tuple(int(c) for c in self._lazy[0].chunks[0])
        self.n_examples = int(sum(self.chunks))

    # ---- inputs
    @staticmethod
    def _as_dask_array(da, a, name):
        if a is None:
            return None
        if hasattr(a, "to_dask_array"):  # dask DataFrame / Series
            a = a.to_dask_array(lengths=True)
        elif not isinstance(a, da.Array):
            raise InputTypeError(
                f"{name} is a {type(a).__name__}; DaskData takes dask arrays, dask DataFrames/Series "
                "or NumPy arrays. Convert it with .to_dask_array() first"
            )
        if any(math.isnan(c) for c in a.chunks[0]):
            a = a.compute_chunk_sizes()
        return a

    def _lazy_inputs(self, da, X, Y, sample_weight):
        X = self._as_dask_array(da, X, "X")
        Y = self._as_dask_array(da, Y, "Y")
        sw = self._as_dask_array(da, sample_weight, "sample_weight")
        if X.ndim != 2:
            raise InputError(f"X must be 2-D (n_examples, n_features), got shape {X.shape}")
        if Y is None:
            raise InputTypeError("Y is None; pass the targets as a dask array with one row per example")
        if Y.ndim == 1:
            Y = Y.reshape((-1, 1)) if not math.isnan(Y.shape[0]) else Y[:, None]
        for name, a in (("Y", Y), ("sample_weight", sw)):
            if a is not None and a.shape[0] != X.shape[0]:
                raise InputError(
                    f"X has {X.shape[0]} examples but {name} has {a.shape[0]}; pass one row per example"
                )
        if sw is not None and sw.ndim != 1:
            raise InputError(f"sample_weight must be 1-D (n_examples,), got shape {sw.shape}")
        for name, a in (("X", X), ("Y", Y), ("sample_weight", sw)):
            if a is not None and a.dtype.kind not in "biuf":
                raise InputTypeError(f"{name} has dtype {a.dtype}, which is not numeric; encode it first")
        rows = X.chunks[0]
        X = X.rechunk({0: rows, 1: -1})
        Y = Y.rechunk({0: rows, 1: -1})
        sw = None if sw is None else sw.rechunk({0: rows})
        return X, Y, sw

    @staticmethod
    def _numpy_inputs(X, Y, sample_weight):
        X = np.asarray(X)
        Y = np.asarray(Y)
        if X.ndim != 2:
            raise InputError(f"X must be 2-D (n_examples, n_features), got shape {X.shape}")
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if len(Y) != len(X):
            raise InputError(f"X has {len(X)} examples but Y has {len(Y)}; pass one row per example")
        sw = check_sample_weight(sample_weight, len(X), np.float64)
        return X, Y, sw

    # ---- persisting / scattering
    def _load(self, dtype) -> None:
        """Put the data on the workers in ``dtype`` (None: as it is) and index its chunks."""
        dask, _, distributed = _import_dask()
        client = self.client
        if self._local is not None:
            X, Y, sw = self._local
            dt = dtype or (X.dtype if X.dtype.kind == "f" else np.float64)
            bounds = np.cumsum((0,) + self.chunks)
            pieces = []
            for a, b in zip(bounds[:-1], bounds[1:]):
                pieces.append(
                    (X[a:b].astype(dt), Y[a:b].astype(dt), None if sw is None else sw[a:b].astype(dt))
                )
            futures = client.scatter([p for piece in pieces for p in piece if p is not None], hash=False)
            it = iter(futures)
            self._parts = [(next(it), next(it), next(it) if sw is not None else None) for _ in pieces]
        else:
            X, Y, sw = self._lazy
            if dtype is not None:
                X, Y = X.astype(dtype), Y.astype(dtype)
                sw = None if sw is None else sw.astype(dtype)
            arrays = [X, Y] if sw is None else [X, Y, sw]
            persisted = client.persist(arrays)
            by_key = {f.key: f for f in distributed.futures_of(persisted)}
            columns = [[by_key[k] for k in dask.core.flatten(a.__dask_keys__())] for a in persisted]
            if sw is None:
                columns.append([None] * len(columns[0]))
            self._parts = list(zip(*columns))
            self._persisted = persisted
        self._dtype = dtype

    @property
    def n_chunks(self) -> int:
        return len(self.chunks)

    def _prepare(self, net: Network) -> None:
        """Once per network dtype and shape: persist in its dtype on the workers and check the data."""
        if self._dtype != net.dtype or not self._parts:
            self._load(net.dtype)
            self._validated = None
        key = (net.n_inputs, net.n_outputs, net.loss_function.name)
        if self._validated == key:
            return
        d, k = self._shape_of(0), self._shape_of(1)
        if d != net.n_inputs:
            raise InputError(f"X has {d} features but the network expects {net.n_inputs}; pass data with {net.n_inputs} features")
        if k != net.n_outputs:
            raise InputError(f"Y has {k} outputs but the network has {net.n_outputs}; encode the targets to {net.n_outputs} columns")
        stats = self.client.gather(
            [self.client.submit(_chunk_stats, *part, pure=False) for part in self._parts]
        )
        if not all(s[0] for s in stats):
            raise InputError("X contains NaN or infinite values; remove or impute them before training")
        if not all(s[1] for s in stats):
            raise InputError("Y contains NaN or infinite values; remove those rows before training")
        if not all(s[2] for s in stats):
            raise InputError("sample_weight must be finite and non-negative")
        lo, hi = net.loss_function.target_range
        y_min, y_max = min(s[3] for s in stats), max(s[4] for s in stats)
        if lo > -np.inf and (y_min < lo or y_max > hi):
            raise InputError(
                f"Y has values outside [{lo:g}, {hi:g}], which loss {net.loss_function.name!r} requires; "
                "one-hot encode labels or choose loss='squared_error'"
            )
        self._validated = key

    def _shape_of(self, which: int) -> int:
        if self._local is not None:
            return self._local[which].shape[1]
        return int(self._lazy[which].shape[1])

    # ---- the protocol
    def check(self, net: Network) -> None:
        """Prepare the data for ``net`` (its dtype and shapes) and check it, once; the trainer calls this."""
        self._prepare(net)

    def loss_and_gradient(self, net: Network) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """``(J, dW, db)`` summed over all examples on the cluster, for the network's current weights.

        Parameters
        ----------
        net : Network
            Its weights are sent to the workers; it is not modified.

        Returns
        -------
        J : float
            ``sum_i s_i J_i``.
        dW, db : lists of ndarray
            dJ/dW and dJ/db, shaped like ``net.weights`` / ``net.biases``.

        Raises
        ------
        ClusterError
            When the iteration still fails after :attr:`max_retries` re-loads of the data.
        """
        vec = self._map_reduce(net, _chunk_sums, expected=self.n_examples)
        return _unpack(net, vec)

    def _map_reduce(self, net: Network, task: Callable, extra=None, expected: int | None = None) -> np.ndarray:
        """``sum over chunks of task(net, X_c, Y_c, sw_c, *extra[c])``, retried after lost workers.

        ``task`` returns a vector whose entry 1 is the number of examples it used; the sum
        must equal ``expected`` (when given), or the iteration is refused.
        """
        _, _, distributed = _import_dask()
        lost = (distributed.CancelledError, distributed.KilledWorker)
        self._prepare(net)
        for attempt in range(self.max_retries + 1):
            try:
                vec = self._reduce(net, task, extra)
            except lost as exc:
                if attempt == self.max_retries:
                    raise ClusterError(
                        f"the Dask cluster lost workers or the training data {attempt + 1} times in one "
                        f"iteration ({type(exc).__name__}: {exc}); training stopped with the weights of the "
                        "last completed update. Check the workers' logs (memory limits?) and fit again"
                    ) from exc
                self._load(self._dtype)
                continue
            if expected is not None and int(round(vec[1])) != expected:  # a lost chunk must never go unnoticed
                raise ClusterError(
                    f"the cluster summed over {int(vec[1])} examples instead of {expected}; the data on the "
                    "workers is incomplete. Fit again"
                )
            return vec
        raise AssertionError("unreachable")  # pragma: no cover

    def _reduce(self, net: Network, task: Callable, extra) -> np.ndarray:
        """One iteration's graph: a task per chunk, a tree of sums; returns the total vector."""
        dask, _, _ = _import_dask()
        token = uuid.uuid4().hex
        weights_bytes = sum(p.nbytes for p in net.weights + net.biases)
        scattered = None
        if weights_bytes > SCATTER_THRESHOLD_BYTES:
            scattered = self.client.scatter(net, broadcast=True, hash=False)
            net_ref = scattered
        else:
            net_ref = dask.delayed(net, name=f"deltaprop-weights-{token}", traverse=False)
        chunk_task = dask.delayed(task, pure=False)
        parts = [
            chunk_task(net_ref, X, Y, sw, *(extra[i] if extra else ()), dask_key_name=f"deltaprop-chunk-{token}-{i}")
            for i, (X, Y, sw) in enumerate(self._parts)
        ]
        level = 0
        while len(parts) > 1:
            parts = [
                dask.delayed(_sum_vectors, pure=False)(
                    *parts[i : i + TREE_FANIN], dask_key_name=f"deltaprop-sum-{token}-{level}-{i}"
                )
                for i in range(0, len(parts), TREE_FANIN)
            ]
            level += 1
        try:
            return self.client.compute(parts[0]).result()
        finally:
            if scattered is not None:
                scattered.release()

    def sampled(self, batch_size: int, *, seed=None) -> "SampledDaskData":
        """A data source for synchronous large-batch SGD: a fresh random batch per step.

        See :class:`SampledDaskData`.
        """
        return SampledDaskData(self, batch_size, seed=seed)

    def batches(self, batch_size: int, rng: np.random.Generator | None = None):
        """Mini-batches ``(X_b, Y_b, sw_b)`` streamed from the workers, one chunk at a time.

        Chunks are visited in random order and shuffled inside; see :func:`_shuffled_batches`.
        The batches are computed on by the caller (the trainer's sequential SGD): use this
        when the data does not fit in memory, not for speed. For parallel SGD see
        ``docs/dask.md``.
        """
        check_positive(batch_size, name="batch_size", integer=True)
        if not self._parts:
            self._load(None)

        def read(i):
            X, Y, sw = self._parts[i]
            got = self.client.gather([X, Y] + ([] if sw is None else [sw]))
            return got[0], got[1], got[2] if sw is not None else None

        return _shuffled_batches(read, self.n_chunks, batch_size, rng)

    def close(self) -> None:
        """Release the data held on the workers."""
        for part in self._parts:
            for f in part:
                if f is not None:
                    f.release()
        self._parts = []
        self._persisted = None


def _seed_entropy(seed) -> int:
    """An integer seed from an int, a Generator or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    return int(np.random.SeedSequence(seed).entropy)


class SampledDaskData:
    """Synchronous large-batch SGD on a Dask cluster, as a data source for full-batch solvers.

    Each call of :meth:`loss_and_gradient` is one SGD step: it draws a new batch of
    ``batch_size`` examples without replacement, stratified over the chunks (chunk c gives
    ``batch_size * n_c / N`` rows, rounded so that the total is exact), and every chunk
    computes its part of the batch gradient where it lives; the parts are summed as in
    :class:`DaskData`. With a full-batch solver each trainer "epoch" is therefore one step;
    ``n_examples`` is ``batch_size``, so ``reduction="mean"`` averages over the batch.

    Parameters
    ----------
    data : DaskData
    batch_size : int
        Examples per step, at most ``data.n_examples``. Each step costs one Dask round trip
        (tens of ms), so this pays only for large batches; see ``docs/dask.md``.
    seed : int, numpy.random.Generator or None
        The batches are a function of ``(seed, step, chunk)``: the same seed gives the same
        batches, also when an iteration is retried after a lost worker.

    Examples
    --------
    >>> import deltaprop as dp                                        # doctest: +SKIP
    >>> from deltaprop.training import Trainer                        # doctest: +SKIP
    >>> data = DaskData(X, Y)                                         # doctest: +SKIP
    >>> trainer = Trainer(solver="gd", reduction="mean", learning_rate=0.1, momentum=0.9,
    ...                   epochs=500)                                 # doctest: +SKIP
    >>> trainer.fit(net, data.sampled(8192, seed=0))                   # 500 steps  # doctest: +SKIP
    """

    def __init__(self, data: DaskData, batch_size: int, *, seed=None):
        check_positive(batch_size, name="batch_size", integer=True)
        if batch_size > data.n_examples:
            raise InputError(
                f"batch_size={batch_size} is larger than the {data.n_examples} examples; use at most {data.n_examples}"
            )
        self.data = data
        sizes = np.asarray(data.chunks, dtype=float)
        share = batch_size * sizes / sizes.sum()
        counts = np.floor(share).astype(int)
        # Largest remainders get the rows that rounding down left over (Hamilton's method).
        for c in np.argsort(counts - share)[: batch_size - counts.sum()]:
            counts[c] += 1
        self.counts = [int(c) for c in counts]
        self.n_examples = int(batch_size)
        self._entropy = _seed_entropy(seed)
        self.step = 0

    def check(self, net: Network) -> None:
        self.data.check(net)

    def loss_and_gradient(self, net: Network) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """``(J, dW, db)`` summed over this step's batch; the next call draws a new batch."""
        extra = [(n, (self._entropy, self.step, c)) for c, n in enumerate(self.counts)]
        vec = self.data._map_reduce(net, _chunk_sample_sums, extra, expected=self.n_examples)
        self.step += 1
        return _unpack(net, vec)

    def batches(self, batch_size, rng=None):
        raise InputError(
            "SampledDaskData is for full-batch solvers (each 'epoch' is one step of synchronous "
            "large-batch SGD); use solver='gd' (with momentum), or DaskData itself for streamed mini-batches"
        )


def _chunk_sample_sums(net, X, Y, sw, n_take: int, key) -> np.ndarray:
    """:func:`_chunk_sums` over ``n_take`` rows of the chunk drawn without replacement from ``key``."""
    index = np.sort(np.random.default_rng(list(key)).choice(len(X), size=n_take, replace=False))
    return _chunk_sums(net, X[index], Y[index], None if sw is None else sw[index])


def local_sgd(net: Network, data: DaskData, *, rounds: int, seed=None, **trainer_kwargs) -> np.ndarray:
    """Local SGD with periodic weight averaging (model averaging) on a Dask cluster.

    Each round, every chunk trains a copy of the current weights on its own rows with
    ``deltaprop.training.Trainer(**trainer_kwargs)`` (by default one epoch of its SGD),
    where the chunk lives; the resulting weights are averaged, each chunk weighted by its
    number of rows, ``w <- sum_c n_c w_c / N``, and become the network's weights.
    Communication is one round trip per round instead of one per step (Zinkevich et al.
    2010, "Parallelized stochastic gradient descent"; McMahan et al. 2017, "FedAvg"; Stich
    2019, "Local SGD converges fast and communicates little"). The price: the averaged model
    is not what sequential SGD would reach, and chunks that are not alike (data sorted by
    label, say) slow convergence or bias it; shuffle the rows before chunking.

    Parameters
    ----------
    net : Network
        Updated in place.
    data : DaskData
    rounds : int
        Number of train-then-average rounds.
    seed : int, numpy.random.Generator or None
        Each chunk's trainer in each round gets its own seed derived from this one.
    **trainer_kwargs
        Passed to :class:`deltaprop.training.Trainer` on the workers, e.g.
        ``solver="sgd", learning_rate=0.01, batch_size=64, epochs=1``.

    Returns
    -------
    ndarray (rounds,)
        ``J`` over all the data at the start of each round (with the weights being averaged).

    Examples
    --------
    >>> J = local_sgd(net, DaskData(X, Y), rounds=20, solver="sgd", learning_rate=0.05,
    ...               batch_size=32, epochs=1, seed=0)               # doctest: +SKIP
    """
    check_positive(rounds, name="rounds", integer=True)
    if "seed" in trainer_kwargs or "callbacks" in trainer_kwargs:
        raise InputError("local_sgd sets each worker's seed from seed= and runs no callbacks; drop them")
    kwargs = {"solver": "sgd", "epochs": 1, **trainer_kwargs}
    entropy = _seed_entropy(seed)
    losses = np.empty(rounds)
    for r in range(rounds):
        extra = [(kwargs, (entropy, r, c)) for c in range(data.n_chunks)]
        vec = data._map_reduce(net, _chunk_local_fit, extra, expected=data.n_examples)
        losses[r] = vec[0]
        net.set_flat_parameters((vec[2:] / vec[1]).astype(net.dtype))
    return losses


def _chunk_local_fit(net, X, Y, sw, trainer_kwargs: dict, key) -> np.ndarray:
    """``[J of the incoming weights, n, n * trained weights]`` for one chunk (see :func:`local_sgd`)."""
    from .network import forward_pass
    from .training import Trainer

    J = net._J(forward_pass(net.weights, net.biases, net.activations, X)[-1], Y, sw)
    local = net.copy()
    Trainer(**trainer_kwargs, seed=np.random.default_rng(list(key))).fit(local, X, Y, sw)
    out = np.empty(2 + net.n_parameters)
    out[0], out[1] = J, len(X)
    np.multiply(local.get_flat_parameters(), len(X), out=out[2:], casting="same_kind")
    return out


def _chunk_stats(X, Y, sw=None):
    """Validation of one chunk on its worker: finiteness flags and the target range."""
    sw_ok = True if sw is None else bool(np.isfinite(sw).all() and (sw >= 0).all())
    return (
        bool(np.isfinite(X).all()),
        bool(np.isfinite(Y).all()),
        sw_ok,
        float(Y.min()) if Y.size else np.inf,
        float(Y.max()) if Y.size else -np.inf,
    )


# --------------------------------------------------------------------------- out-of-core
class ChunkedData:
    """Out-of-core training data on one machine, read one chunk of rows at a time.

    ``X`` (and ``Y``, ``sample_weight``) may be anything sliceable by rows without being
    loaded whole: ``numpy.load(path, mmap_mode="r")``, a ``numpy.memmap``, a Zarr array, an
    HDF5 dataset, or an ordinary array. Each pass reads every chunk once and keeps only one
    chunk in memory; the gradient is the same per-chunk function the Dask engine uses.

    Parameters
    ----------
    X : array-like (N, d), sliceable by rows
    Y : array-like (N, k) or (N,)
    sample_weight : array-like (N,) or None
    chunk_size : int or None
        Rows per chunk. None: the array's own row chunking when it has one (Zarr), else about
        :data:`CHUNK_BYTES` of X.

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

    def _read(self, net: Network, i: int):
        """Chunk ``i`` as validated arrays of the network's dtype."""
        sl = slice(i * self.chunk_size, min((i + 1) * self.chunk_size, self.n_examples))
        X = net.check_X(np.asarray(self.X[sl]))
        Y = net.check_Y(np.asarray(self.Y[sl]), len(X))
        sw = None if self.sample_weight is None else check_sample_weight(
            np.asarray(self.sample_weight[sl]), len(X), net.dtype
        )
        return X, Y, sw

    def loss_and_gradient(self, net: Network) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """``(J, dW, db)`` summed over all examples, reading one chunk at a time.

        Parameters
        ----------
        net : Network

        Returns
        -------
        J : float
        dW, db : lists of ndarray shaped like ``net.weights`` / ``net.biases``
        """
        total = np.zeros(2 + net.n_parameters)
        for i in range(self.n_chunks):
            total += _chunk_sums(net, *self._read(net, i))
        return _unpack(net, total)

    def batches(self, batch_size: int, rng: np.random.Generator | None = None, net: Network | None = None):
        """Mini-batches ``(X_b, Y_b, sw_b)``: chunks in random order, rows shuffled within a chunk.

        ``net`` (or the one given to :meth:`check`) sets the dtype and validates each chunk;
        without one the chunks are float64 arrays with a 2-D ``Y``. ``rng=None`` keeps the
        order of the rows.
        """
        check_positive(batch_size, name="batch_size", integer=True)
        net = net if net is not None else self._net

        def read(i):
            if net is not None:
                return self._read(net, i)
            sl = slice(i * self.chunk_size, min((i + 1) * self.chunk_size, self.n_examples))
            X = np.asarray(self.X[sl], dtype=np.float64)
            Y = np.asarray(self.Y[sl], dtype=np.float64).reshape(len(X), -1)
            sw = None if self.sample_weight is None else np.asarray(self.sample_weight[sl], dtype=np.float64)
            return X, Y, sw

        return _shuffled_batches(read, self.n_chunks, batch_size, rng)


# --------------------------------------------------------------------------- blockwise prediction
def _output_meta(model, method: str, X):
    """Shape tail and dtype of ``model.method`` on one row (zeros), to describe the Dask output."""
    probe = np.zeros((1, X.shape[1]), dtype=X.dtype if X.dtype.kind == "f" else np.float64)
    out = np.asarray(getattr(model, method)(probe))
    return out.shape[1:], out.dtype


def _shippable(model, *, drop_feature_names: bool = False):
    """``model`` as it can travel to the workers: without its client (not picklable, not needed).

    ``drop_feature_names``: the DataFrame's columns were checked here, and the blocks reach
    the model as plain arrays, so the copy forgets the names rather than warn on each block.
    """
    if getattr(model, "client", None) is None and not (drop_feature_names and hasattr(model, "feature_names_in_")):
        return model
    model = copy.copy(model)
    if getattr(model, "client", None) is not None:
        model.client = None
    if drop_feature_names and hasattr(model, "feature_names_in_"):
        del model.feature_names_in_
    return model


def _apply(block, model, method):
    return np.asarray(getattr(model, method)(block))


def predict_blockwise(model, X, method: str = "predict"):
    """``model.method(X)`` on a Dask array, one block of rows at a time; returns a Dask array.

    Parameters
    ----------
    model : fitted estimator or Network
        Anything with ``method`` taking an ``(n, d)`` array. For a :class:`Network`, use
        ``method="forward"``. The model is put into the graph once, not once per block.
    X : dask.array.Array (N, d) or dask DataFrame
    method : str
        ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"``, ``"forward"``, ...

    Returns
    -------
    dask.array.Array
        Shape ``(N,)`` or ``(N, k)`` as ``method`` returns, chunked like X's rows. Nothing is
        computed until you call ``.compute()`` (or persist, or store it).

    Examples
    --------
    >>> import dask.array as da, deltaprop as dp                       # doctest: +SKIP
    >>> net = dp.Network([3, 4, 2], seed=0)                             # doctest: +SKIP
    >>> X = da.random.default_rng(0).normal(size=(1000, 3), chunks=250)  # doctest: +SKIP
    >>> predict_blockwise(net, X, "forward").shape                       # doctest: +SKIP
    (1000, 2)
    """
    dask, da, _ = _import_dask()
    names = getattr(model, "feature_names_in_", None)
    if hasattr(X, "to_dask_array"):
        if names is not None and hasattr(X, "columns") and list(X.columns) != list(names):
            raise InputError(
                f"X has columns {list(X.columns)} but the model was fitted with {list(names)}; "
                "select the fitted columns in that order"
            )
        X = X.to_dask_array(lengths=True)
    elif names is not None:
        warnings.warn(
            f"X has no feature names, but {type(model).__name__} was fitted with feature names",
            UserWarning,
            stacklevel=3,
        )
    if not isinstance(X, da.Array):
        raise InputTypeError(f"X must be a dask array or DataFrame, got {type(X).__name__}")
    if X.ndim != 2:
        raise InputError(f"X must be 2-D (n_examples, n_features), got shape {X.shape}")
    if not hasattr(model, method):
        raise InputError(f"{type(model).__name__} has no method {method!r}")
    X = X.rechunk({1: -1})
    model = _shippable(model, drop_feature_names=True)
    tail, dtype = _output_meta(model, method, X)
    model_ref = dask.delayed(model, traverse=False)
    if tail:
        return X.map_blocks(_apply, model_ref, method, dtype=dtype, chunks=(X.chunks[0], tail),
                            meta=np.empty((0,) + tail, dtype=dtype))
    return X.map_blocks(_apply, model_ref, method, dtype=dtype, drop_axis=1, chunks=(X.chunks[0],),
                        meta=np.empty((0,), dtype=dtype))


def score_blockwise(model, X, y, sample_weight=None) -> float:
    """The estimator's score on Dask arrays, predicted block by block.

    Classifiers (models with ``classes_``) give the accuracy, regressors the coefficient of
    determination R^2 averaged over outputs, both as scikit-learn's ``score`` defines them.
    The predictions stay on the cluster; only the few sums that make up the score come back.

    Parameters
    ----------
    model : fitted MLPClassifier or MLPRegressor (or any estimator with ``predict``)
    X : dask.array.Array (N, d) or dask DataFrame
    y : dask.array.Array (N,) or (N, k), or dask Series
    sample_weight : dask.array.Array (N,) or None

    Returns
    -------
    float
    """
    dask, da, _ = _import_dask()
    if hasattr(y, "to_dask_array"):
        y = y.to_dask_array(lengths=True)
    if hasattr(sample_weight, "to_dask_array"):
        sample_weight = sample_weight.to_dask_array(lengths=True)
    pred = predict_blockwise(model, X)
    y = y.rechunk({0: pred.chunks[0]}) if y.ndim == 1 else y.rechunk({0: pred.chunks[0], 1: -1})
    sw = None if sample_weight is None else sample_weight.rechunk({0: pred.chunks[0]})
    if hasattr(model, "classes_"):
        hit = (pred == y) if y.ndim == 1 else (pred == y).all(axis=1)
        hit = hit.astype(np.float64)
        num, den = (hit.sum(), hit.shape[0]) if sw is None else ((hit * sw).sum(), sw.sum())
        num, den = dask.compute(num, den)
        return float(num / den)
    p = pred.reshape((pred.shape[0], -1)) if pred.ndim == 1 else pred
    t = y.reshape((y.shape[0], -1)) if y.ndim == 1 else y
    w = da.ones(t.shape[0], chunks=(t.chunks[0],)) if sw is None else sw
    w = w[:, None]
    mean = (w * t).sum(axis=0) / w.sum()
    ss_res, ss_tot = dask.compute((w * (t - p) ** 2).sum(axis=0), (w * (t - mean) ** 2).sum(axis=0))
    # scikit-learn's r2_score: outputs with a constant target score 1 if predicted exactly, else 0.
    r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
    return float(np.mean(r2))


# --------------------------------------------------------------------------- estimators on Dask
def blockwise_on_dask(method):
    """Decorator for an estimator's ``predict``-like method: Dask input gives a lazy Dask result.

    A NumPy (or other) input calls the method itself; a Dask array or DataFrame is mapped
    over its row blocks with :func:`predict_blockwise`, which calls the same method on each
    block.
    """
    import functools

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if is_dask_collection(X):
            return predict_blockwise(self, X, method.__name__)
        return method(self, X, *args, **kwargs)

    return wrapper


def _encode_block(y, estimator, activation):
    return estimator._encode_targets(y, first=False, classes=None, activation=activation)


def fit_estimator(estimator, X, y, sample_weight=None, *, incremental: bool, classes=None):
    """``MLPClassifier`` / ``MLPRegressor`` ``fit`` and ``partial_fit`` on Dask collections.

    ``fit`` trains on the cluster through :class:`DaskData` with the estimator's own trainer
    settings: the labels' classes (or the regressor's target range) are found with Dask
    reductions, the targets are encoded block by block with the estimator's own encoding,
    and nothing is brought to the client but those few numbers. ``partial_fit`` follows
    ``dask_ml.wrappers.Incremental``: one ``partial_fit`` per block of rows, in order, each
    block computed in turn (so each must fit in memory).

    Not available on Dask: ``early_stopping=True`` (pass no validation split; use
    ``max_iter``/``tol``) and ``class_weight`` (fold it into ``sample_weight``).

    Returns
    -------
    estimator
    """
    dask, da, _ = _import_dask()
    if estimator.early_stopping is True:  # "auto" resolves to False on Dask
        raise InputError(
            "early_stopping=True is not available when fitting on Dask; set early_stopping=False "
            "and choose max_iter and tol, or fit on NumPy data"
        )
    if getattr(estimator, "class_weight", None) is not None:
        raise InputError("class_weight is not available when fitting on Dask; multiply it into sample_weight")
    columns = list(X.columns) if hasattr(X, "columns") else None
    X = DaskData._as_dask_array(da, X, "X") if is_dask_collection(X) else X
    y = DaskData._as_dask_array(da, y, "y") if is_dask_collection(y) else y
    if sample_weight is not None and is_dask_collection(sample_weight):
        sample_weight = DaskData._as_dask_array(da, sample_weight, "sample_weight")
    if incremental:
        return _partial_fit_blocks(estimator, X, y, sample_weight, classes)
    _fit_on_cluster(dask, da, estimator, X, y, sample_weight)
    if columns is not None and all(isinstance(c, str) for c in columns):
        estimator.feature_names_in_ = np.asarray(columns, dtype=object)
    return estimator


def _partial_fit_blocks(estimator, X, y, sample_weight, classes):
    dask, da, _ = _import_dask()
    if not is_dask_collection(X):
        raise InputError("engine='dask' partial_fit takes Dask arrays; pass dask arrays or use engine=None")
    y = da.asarray(y) if not is_dask_collection(y) else y
    y = y.rechunk({0: X.chunks[0]}) if y.ndim == 1 else y.rechunk({0: X.chunks[0], 1: -1})
    sw = None if sample_weight is None else da.asarray(sample_weight).rechunk({0: X.chunks[0]})
    X = X.rechunk({1: -1})
    Xb, yb = X.to_delayed().ravel(), y.to_delayed().ravel()
    swb = [None] * len(Xb) if sw is None else sw.to_delayed().ravel()
    engine = estimator.engine
    estimator.engine = "local"  # each block is fitted here, as NumPy data
    try:
        for i, (xd, yd, sd) in enumerate(zip(Xb, yb, swb)):
            x_i, y_i, s_i = dask.compute(xd, yd, sd)
            kwargs = {} if sd is None else {"sample_weight": s_i}
            if classes is not None and i == 0:
                kwargs["classes"] = classes
            estimator.partial_fit(x_i, y_i, **kwargs)
    finally:
        estimator.engine = engine
    return estimator


def _fit_on_cluster(dask, da, estimator, X, y, sample_weight):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.multiclass import check_classification_targets

    from .estimators._random import _generator  # not the package: it imports this engine

    client = get_client(getattr(estimator, "client", None))
    if not (is_dask_collection(X) and is_dask_collection(y)):
        raise InputTypeError(
            "X and y must both be Dask collections to fit on Dask (one was in memory); convert the other "
            "with dask.array.from_array, or pass engine='local'"
        )
    if X.ndim != 2:
        raise InputError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise InputTypeError(f"X has dtype {X.dtype}, which is not numeric; encode those columns first")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    first = not hasattr(estimator, "network_") or not estimator.warm_start
    n, d = int(X.shape[0]), int(X.shape[1])
    if not first and d != estimator.n_features_in_:
        raise InputError(f"X has {d} features, but the model was fitted with {estimator.n_features_in_}")
    estimator.n_features_in_ = d
    if hasattr(estimator, "feature_names_in_") and first:
        del estimator.feature_names_in_
    # What the first fit learns from all of y (classes, or the target range), from a few
    # reduced numbers: the estimator's own encoder then sees a tiny stand-in for y.
    if hasattr(estimator, "classes_") or type(estimator).__name__ == "MLPClassifier":
        if y.ndim == 1:
            summary = np.asarray(da.unique(y).compute())
            check_classification_targets(summary)
        else:
            summary = np.asarray(y[:1].compute())
    else:
        if y.ndim == 1:
            y = y[:, None]
        summary = np.vstack(dask.compute(y.min(axis=0), y.max(axis=0))).astype(np.float64)
    # The defaults rule (deltaprop.estimators._defaults) for n rows and these targets, as in memory.
    n_rule = n if first else (getattr(estimator, "settings_", None) or {}).get("n_examples", n)
    p = estimator._checked_params(n_rule, target_kind=estimator._target_kind(summary, None, first=first),
                                  incremental=True)  # no automatic early stopping: no hold-out on Dask
    estimator._record_settings(p, n_rule)
    activation = p["output_activation"]
    if first:
        n_outputs = estimator._encode_targets(summary, first=True, classes=None, activation=activation).shape[1]
    else:
        n_outputs = estimator.n_outputs_
    rng = _generator(estimator.random_state)
    if first:
        estimator._initialize(p, d, n_outputs, rng)
    elif estimator.network_.sizes != [d, *p["hidden"], n_outputs]:
        raise InputError(
            f"warm_start continues the fitted network {estimator.network_.sizes}; fit from scratch "
            "(warm_start=False) after changing hidden_layer_sizes"
        )
    encoder = dask.delayed(_shippable(estimator), traverse=False)
    Y = y.map_blocks(
        _encode_block, encoder, activation, dtype=estimator.network_.dtype,
        chunks=(y.chunks[0], (n_outputs,)), new_axis=None if y.ndim == 2 else 1,
        meta=np.empty((0, n_outputs), dtype=estimator.network_.dtype),
    )
    sw = sample_weight
    if sw is not None:
        weight_sum = float(sw.sum().compute())
        if weight_sum <= 0:
            raise InputError("sample_weight is zero for every example; at least one weight must be non-zero")
    else:
        weight_sum = float(n)
    trainer = estimator._make_trainer(p, n, sw, rng)
    trainer.engine, trainer.client = "dask", client
    # The estimator's _normalised, for a Dask array: for "mean", weights that sum to n.
    train_sw = None if sw is None else (sw * (n / weight_sum) if p["reduction"] == "mean" else sw)
    history = trainer.fit(estimator.network_, X, Y, train_sw)
    estimator._trainer_state = trainer.state_dict()
    estimator._record(history, history.n_epochs, p["reduction"], n, weight_sum, None)
    if history.stop_reason == "max_epochs" and p["tol"] is not None:
        warnings.warn(
            f"{type(estimator).__name__} stopped at max_iter={estimator.max_iter} epochs while the loss was still "
            f"improving by more than tol={p['tol']}; raise max_iter (or tol) to let it converge",
            ConvergenceWarning,
            stacklevel=4,
        )
    return estimator
