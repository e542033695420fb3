"""Transitional: what ``Trainer(engine=, client=)`` still imports until the trainer drops them.

Dask lives in the plug-in package :mod:`deltaprop.dask`, and ``ChunkedData`` in
:mod:`deltaprop.chunked`. The trainer is losing its ``engine``/``client`` arguments (issue
17, item 4: it takes a :class:`deltaprop.dask.DaskData` through its data-source port
instead); delete this module when ``training.py`` no longer imports it.
"""

from __future__ import annotations

import numpy as np

from .errors import InputError

ENGINES = ("local", "dask")


def is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask collection, without importing Dask."""
    return hasattr(obj, "__dask_graph__") and hasattr(obj, "__dask_keys__")


def select_engine(X, Y=None, sample_weight=None, *, engine: str | None = None, client=None):
    """``(DaskData, None, None)`` for the Dask engine, else ``(X, Y, sample_weight)`` in memory.

    engine None: Dask when X is a Dask collection; "dask": NumPy data goes to the cluster
    too; "local": Dask inputs are computed into memory.
    """
    if engine is not None and engine not in ENGINES:
        raise InputError(f"engine must be 'local', 'dask' or None, got {engine!r}")
    if hasattr(X, "loss_and_gradient") and hasattr(X, "batches"):  # already a data source
        return X, Y, sample_weight
    from . import dask as dask_plugin

    dask_inputs = any(is_dask_collection(a) for a in (X, Y, sample_weight))
    if engine == "local" or (engine is None and not dask_inputs):
        if dask_inputs:
            X, Y, sample_weight = (None if a is None else np.asarray(a) for a in dask_plugin.compute(X, Y, sample_weight))
        return X, Y, sample_weight
    return dask_plugin.DaskData(X, Y, sample_weight, client=client), None, None
