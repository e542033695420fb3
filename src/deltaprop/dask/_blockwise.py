"""Prediction and scoring of a fitted model on a Dask array, one block of rows at a time."""

from __future__ import annotations

import copy
import warnings

import numpy as np

from ..errors import InputError, InputTypeError
from ._cluster import import_dask

__all__ = ["predict_blockwise", "score_blockwise"]


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
    dask, da, _ = import_dask()
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


def score_blockwise(model, X, y, sample_weight=None, *, classifier: bool | None = None) -> float:
    """The estimator's score on Dask arrays, predicted block by block.

    Classifiers give the accuracy, regressors the coefficient of determination R^2 averaged
    over outputs, both as scikit-learn's ``score`` defines them.
    The predictions stay on the cluster; only the few sums that make up the score come back.

    Parameters
    ----------
    model : fitted MLPClassifier or MLPRegressor (or any estimator with ``predict``)
    X : dask.array.Array (N, d) or dask DataFrame
    y : dask.array.Array (N,) or (N, k), or dask Series
    sample_weight : dask.array.Array (N,) or None
    classifier : bool or None
        Whether to score as a classifier; None asks ``sklearn.base.is_classifier(model)``.

    Returns
    -------
    float
    """
    dask, da, _ = import_dask()
    if hasattr(y, "to_dask_array"):
        y = y.to_dask_array(lengths=True)
    if hasattr(sample_weight, "to_dask_array"):
        sample_weight = sample_weight.to_dask_array(lengths=True)
    pred = predict_blockwise(model, X)
    y = y.rechunk({0: pred.chunks[0]}) if y.ndim == 1 else y.rechunk({0: pred.chunks[0], 1: -1})
    sw = None if sample_weight is None else sample_weight.rechunk({0: pred.chunks[0]})
    if classifier is None:
        from sklearn.base import is_classifier

        classifier = is_classifier(model)
    if classifier:
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


