"""What the estimators' one fit calls when it is handed Dask collections.

:class:`~deltaprop.estimators.MLPClassifier` and :class:`~deltaprop.estimators.MLPRegressor`
have one ``fit`` (``_BaseMLP._fit``). When X, y or the sample weights are Dask collections it
imports this package (and only then) and asks it, with explicit arguments, for what an
in-memory fit gets from NumPy: validated inputs (:func:`fit_inputs`), the few numbers that
fix the target encoding (:func:`target_summary`), the targets encoded where they live
(:func:`encode_targets`) and the trainer's data source (:func:`training_source`). For
``partial_fit`` it iterates :func:`row_blocks`; for ``engine="local"`` it calls
:func:`compute`. Nothing here reads or writes an estimator's attributes.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from ..errors import InputError, InputTypeError
from ._cluster import import_dask, is_dask_collection
from ._source import DaskData, as_dask_array

__all__ = ["compute", "row_blocks", "fit_inputs", "target_summary", "encode_targets", "training_source"]


def compute(X, y=None, sample_weight=None) -> tuple:
    """The inputs brought into memory as NumPy arrays (None stays None); for ``engine="local"``.

    DataFrames keep their type (pandas after computing), so that column names still reach
    the estimator's validation.
    """
    dask, _, _ = import_dask()
    X, y, sample_weight = dask.compute(X, y, sample_weight)
    return tuple(a if a is None or hasattr(a, "columns") else np.asarray(a) for a in (X, y, sample_weight))


def row_blocks(X, y, sample_weight=None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """``(X_b, y_b, sw_b)`` as NumPy arrays, one block of X's rows at a time, in order.

    This is how ``dask_ml.wrappers.Incremental`` feeds ``partial_fit``: each block is
    computed in turn, so each must fit in memory. y and sample_weight are rechunked to X's
    row blocks.

    Raises
    ------
    InputTypeError
        X is not a Dask array or DataFrame.
    """
    dask, da, _ = import_dask()
    if not is_dask_collection(X):
        raise InputTypeError("partial_fit on Dask takes X as a Dask array or DataFrame; convert it with dask.array.from_array")
    X = as_dask_array(X, "X").rechunk({1: -1})
    y = as_dask_array(y, "y") if is_dask_collection(y) else da.asarray(y)
    y = y.rechunk({0: X.chunks[0]}) if y.ndim == 1 else y.rechunk({0: X.chunks[0], 1: -1})
    sw = sample_weight
    if sw is not None:
        sw = (as_dask_array(sw, "sample_weight") if is_dask_collection(sw) else da.asarray(sw)).rechunk({0: X.chunks[0]})
    Xb, yb = X.to_delayed().ravel(), y.to_delayed().ravel()
    swb = [None] * len(Xb) if sw is None else sw.to_delayed().ravel()
    for xd, yd, sd in zip(Xb, yb, swb):
        yield dask.compute(xd, yd, sd)


def fit_inputs(X, y, sample_weight=None) -> tuple:
    """``(X, y, sw, feature_names)`` for a fit on the cluster: Dask arrays checked for shape and type.

    Parameters
    ----------
    X : dask.array.Array (N, d) or dask DataFrame
    y : dask.array.Array (N,) or (N, k), or dask Series/DataFrame
    sample_weight : dask.array.Array (N,), dask Series, ndarray (N,) or None

    Returns
    -------
    X : dask.array.Array (N, d), numeric
    y : dask.array.Array (N,) or (N, k); an (N, 1) column becomes (N,)
    sw : dask.array.Array (N,) or None
    feature_names : ndarray of str (d,) or None
        The DataFrame's column names when they are all strings (scikit-learn's rule).

    Raises
    ------
    InputTypeError
        X or y is in memory, or X is not numeric.
    InputError
        X is not 2-D, or every sample weight is zero.
    """
    _, da, _ = import_dask()
    if not (is_dask_collection(X) and is_dask_collection(y)):
        raise InputTypeError(
            "X and y must both be Dask collections to fit on Dask (one was in memory); convert the other "
            "with dask.array.from_array, or pass engine='local'"
        )
    columns = list(X.columns) if hasattr(X, "columns") else None
    names = np.asarray(columns, dtype=object) if columns and all(isinstance(c, str) for c in columns) else None
    X, y = as_dask_array(X, "X"), as_dask_array(y, "y")
    if X.ndim != 2:
        raise InputError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise InputTypeError(f"X has dtype {X.dtype}, which is not numeric; encode those columns first")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    sw = sample_weight
    if sw is not None:
        sw = as_dask_array(sw, "sample_weight") if is_dask_collection(sw) else da.from_array(
            np.asarray(sw, dtype=np.float64), chunks=(X.chunks[0],)
        )
        if float(sw.sum().compute()) <= 0:
            raise InputError("sample_weight is zero for every example; at least one weight must be non-zero")
    return X, y, sw, names


def target_summary(y, *, classifier: bool) -> np.ndarray:
    """A small NumPy stand-in for ``y`` from which a target encoding learns what it learns from all of y.

    Parameters
    ----------
    y : dask.array.Array (N,) or (N, k)
    classifier : bool

    Returns
    -------
    ndarray
        Classifier with labels (1-D y): the sorted distinct labels (``da.unique``).
        Classifier with an indicator matrix: its first row (the number of labels).
        Regressor: two rows, the column minima and maxima (the min-max target scaling).
        Only these few numbers come back from the cluster.
    """
    dask, da, _ = import_dask()
    if classifier:
        return np.asarray(da.unique(y).compute()) if y.ndim == 1 else np.asarray(y[:1].compute())
    Y = y[:, None] if y.ndim == 1 else y
    return np.vstack(dask.compute(Y.min(axis=0), Y.max(axis=0))).astype(np.float64)


def _encode_block(y, encode):
    return encode(y)


def encode_targets(y, encode: Callable[[np.ndarray], np.ndarray], n_outputs: int, dtype) -> object:
    """The targets encoded block by block on the workers: a lazy Dask array (N, n_outputs).

    Parameters
    ----------
    y : dask.array.Array (N,) or (N, k)
    encode : callable ``y_block -> ndarray (n, n_outputs)``
        The estimator's fitted encoding; it travels to the workers once (pickled), so it must
        not hold a live client.
    n_outputs : int
    dtype : numpy dtype
        The network's dtype.
    """
    dask, _, _ = import_dask()
    encode_ref = dask.delayed(encode, traverse=False)
    return y.map_blocks(
        _encode_block, encode_ref, dtype=dtype, chunks=(y.chunks[0], (n_outputs,)),
        new_axis=None if y.ndim == 2 else 1, meta=np.empty((0, n_outputs), dtype=dtype),
    )


def training_source(X, Y, sample_weight=None, *, client=None) -> DaskData:
    """The trainer's data source on the cluster for encoded targets: a :class:`DaskData`.

    Parameters
    ----------
    X : dask.array.Array (N, d) or ndarray (N, d)
        NumPy data is scattered to the workers (the estimators' ``engine="dask"``).
    Y : dask.array.Array or ndarray (N, n_outputs)
    sample_weight : (N,) or None
    client : distributed.Client or None
        See :func:`deltaprop.dask.get_client`.
    """
    return DaskData(X, Y, sample_weight, client=client)
