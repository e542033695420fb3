"""The estimators' glue for Dask collections: recognising them, and predicting blockwise.

Dask itself is imported only when a Dask collection arrives (:mod:`deltaprop.dask`).
"""

from __future__ import annotations

import functools


def _is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series), without importing Dask."""
    return hasattr(obj, "__dask_graph__") and hasattr(obj, "__dask_keys__")


def _blockwise_on_dask(method):
    """Decorator for a ``predict``-like method: a Dask input gives a lazy Dask result.

    Other inputs call the method itself; a Dask array or DataFrame is mapped over its row
    blocks by :func:`deltaprop.dask.predict_blockwise`, which calls the same method on each
    block. Dask is imported only then.
    """

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if _is_dask_collection(X):
            from .. import dask as dask_plugin

            return dask_plugin.predict_blockwise(self, X, method.__name__)
        return method(self, X, *args, **kwargs)

    return wrapper


def _encode_target_block(estimator, activation: str, y):
    """One block of targets encoded by a fitted estimator (runs on a Dask worker)."""
    return estimator._encode_targets(y, first=False, classes=None, activation=activation)
