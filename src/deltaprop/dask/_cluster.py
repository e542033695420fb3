"""The cluster: importing Dask, choosing the ``distributed.Client``, and the cluster's error."""

from __future__ import annotations

from ..errors import DeltapropError, InputTypeError


class ClusterError(DeltapropError, RuntimeError):
    """The Dask cluster could not finish an iteration (workers lost, data gone, task failed).

    Training stops rather than continue with a partial gradient; the network keeps the
    weights of the last completed update.
    """


def import_dask():
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


_LOCAL = {}  # the threads-only local cluster started by get_client, kept so it starts at most once


def get_client(client=None):
    """The ``distributed.Client`` to train on.

    Parameters
    ----------
    client : distributed.Client or None
        Used as given. When None, the current client (the one a ``with Client(...)`` block
        or the last ``Client(...)`` made the default); when there is none, a local cluster of
        worker *threads* in this process (``LocalCluster(processes=False)``, no dashboard),
        started once and reused. Threads need no ``if __name__ == "__main__":`` guard in the
        calling script, unlike worker processes; for processes or a real cluster, make a
        ``Client`` yourself (see ``docs/dask.md``).

    Returns
    -------
    distributed.Client

    Raises
    ------
    InputTypeError
        ``client`` is not a ``distributed.Client``.
    ImportError
        Dask is not installed.

    Examples
    --------
    >>> from distributed import Client, LocalCluster       # doctest: +SKIP
    >>> if __name__ == "__main__":                         # doctest: +SKIP
    ...     with Client(LocalCluster(n_workers=2)) as c:
    ...         assert get_client() is c
    """
    _, _, distributed = import_dask()
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise InputTypeError(f"client must be a distributed.Client, got {type(client).__name__}")
        return client
    try:
        return distributed.default_client()
    except ValueError:  # no client yet
        pass
    if "client" not in _LOCAL or _LOCAL["client"].status in ("closed", "closing"):
        # No dashboard; the scheduler's small HTTP server (metrics) on a free loopback port,
        # so that another cluster on this machine (default port 8787) causes no warning.
        cluster = distributed.LocalCluster(
            processes=False, dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}
        )
        _LOCAL["client"] = distributed.Client(cluster, set_as_default=True)
    return _LOCAL["client"]
