"""The trainer's data sources on a Dask cluster: :class:`DaskData` and :class:`SampledDaskData`.

Each iteration runs one task per chunk, where the chunk lives, that computes
:func:`deltaprop.chunked.chunk_sums` (the trainer's own step) and returns one flat vector
``[J, n, dJ/dW_1, dJ/db_1, ...]``; the vectors are tree-summed on the cluster and only the
sum comes back. The weights travel inside the task graph when they are small and through
``client.scatter(..., broadcast=True)`` when they are larger than
:data:`SCATTER_THRESHOLD_BYTES`, so the graph of an iteration has a constant, small size.
"""

from __future__ import annotations

import math
import uuid
from typing import Callable

import numpy as np

from .._validation import check_positive, check_sample_weight
from ..chunked import chunk_sums, shuffled_batches, unpack_sums
from ..errors import InputError, InputTypeError
from ..network import Network
from ._cluster import ClusterError, get_client, import_dask, is_dask_collection

__all__ = ["DaskData", "SampledDaskData", "SCATTER_THRESHOLD_BYTES", "TREE_FANIN", "as_dask_array"]

#: embedding is cheaper (one message instead of a scatter round trip); above a few MB the
#: scheduler would have to forward the weights with every graph and Dask starts warning
#: about large graphs (at 10 MB).
SCATTER_THRESHOLD_BYTES = 4 * 2**20

#: How many partial sums one reduction task adds: the tree has depth ceil(log_8(chunks)).
TREE_FANIN = 8


def as_dask_array(a, name: str):
    """``a`` as a Dask array with known row chunks (a Dask DataFrame/Series is converted); None stays None.

    Raises
    ------
    InputTypeError
        ``a`` is neither a Dask array nor a Dask DataFrame/Series.
    """
    if a is None:
        return None
    _, da, _ = import_dask()
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


def _sum_vectors(*vectors: np.ndarray) -> np.ndarray:
    """One node of the reduction tree."""
    total = vectors[0].copy()
    for v in vectors[1:]:
        total += v
    return total


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
    >>> dp.Trainer(solver="rprop", epochs=100).fit(net, data)         # doctest: +SKIP
    """

    def __init__(self, X, Y, sample_weight=None, *, client=None, max_retries: int = 2):
        import_dask()
        self.client = get_client(client)
        self.max_retries = check_positive(max_retries, name="max_retries", integer=True, allow_zero=True)
        self._local = None  # NumPy inputs: kept to scatter again after a loss
        if not is_dask_collection(X):
            self._local = self._numpy_inputs(X, Y, sample_weight)
            self._lazy = None
        else:
            self._lazy = self._lazy_inputs(X, Y, sample_weight)
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
    def _lazy_inputs(self, X, Y, sample_weight):
        X = as_dask_array(X, "X")
        Y = as_dask_array(Y, "Y")
        sw = as_dask_array(sample_weight, "sample_weight")
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
        dask, _, distributed = import_dask()
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
        vec = self._map_reduce(net, chunk_sums, expected=self.n_examples)
        return unpack_sums(net, vec)

    def _map_reduce(self, net: Network, task: Callable, extra=None, expected: int | None = None) -> np.ndarray:
        """``sum over chunks of task(net, X_c, Y_c, sw_c, *extra[c])``, retried after lost workers.

        ``task`` returns a vector whose entry 1 is the number of examples it used; the sum
        must equal ``expected`` (when given), or the iteration is refused.
        """
        _, _, distributed = import_dask()
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
        dask, _, _ = import_dask()
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

        Chunks are visited in random order and shuffled inside; see :func:`deltaprop.chunked.shuffled_batches`.
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

        return shuffled_batches(read, self.n_chunks, batch_size, rng)

    def close(self) -> None:
        """Release the data held on the workers."""
        for part in self._parts:
            for f in part:
                if f is not None:
                    f.release()
        self._parts = []
        self._persisted = None



def seed_entropy(seed) -> int:
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
        self._entropy = seed_entropy(seed)
        self.step = 0

    def check(self, net: Network) -> None:
        self.data.check(net)

    def loss_and_gradient(self, net: Network) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """``(J, dW, db)`` summed over this step's batch; the next call draws a new batch."""
        extra = [(n, (self._entropy, self.step, c)) for c, n in enumerate(self.counts)]
        vec = self.data._map_reduce(net, _chunk_sample_sums, extra, expected=self.n_examples)
        self.step += 1
        return unpack_sums(net, vec)

    def batches(self, batch_size, rng=None):
        raise InputError(
            "SampledDaskData is for full-batch solvers (each 'epoch' is one step of synchronous "
            "large-batch SGD); use solver='gd' (with momentum), or DaskData itself for streamed mini-batches"
        )


def _chunk_sample_sums(net, X, Y, sw, n_take: int, key) -> np.ndarray:
    """:func:`~deltaprop.chunked.chunk_sums` over ``n_take`` rows of the chunk drawn without replacement from ``key``."""
    index = np.sort(np.random.default_rng(list(key)).choice(len(X), size=n_take, replace=False))
    return chunk_sums(net, X[index], Y[index], None if sw is None else sw[index])



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


