"""Training and prediction on a Dask cluster: deltaprop's optional Dask package (extra ``dask``).

The notes' gradient is a sum over examples, ``dJ/dw = sum_i dJ_i/dw``, so it splits over any
partition of the rows: each chunk of rows computes its partial ``J`` and gradient sum where
the chunk lives (:func:`deltaprop.chunked.chunk_sums`, the trainer's own step), the partial
sums are added on the cluster, and the optimizer updates the weights once, here.

This package plugs into deltaprop from the outside: the core and the trainer never import it.
It implements the trainer's data-source port (``n_examples``, ``loss_and_gradient(net) ->
(J, dW, db)`` summed over all examples, ``batches(batch_size, rng)``, and ``check(net)``):

* :class:`DaskData`: Dask arrays or DataFrames persisted on the workers; pass it to the
  trainer: ``dp.Trainer(solver="lbfgs").fit(net, DaskData(X, Y))``.
* :class:`SampledDaskData` (``DaskData(...).sampled(B)``): synchronous large-batch SGD.
* :func:`local_sgd`: local SGD with weight averaging.
* :func:`predict_blockwise` / :func:`score_blockwise`: a fitted model over a Dask array,
  block by block.

The estimators (``MLPClassifier``, ``MLPRegressor``) import it when, and only when, they are
handed a Dask collection, and call the hooks in :mod:`deltaprop.dask._hooks`
(:func:`fit_inputs`, :func:`target_summary`, :func:`encode_targets`,
:func:`training_source`, :func:`row_blocks`, :func:`compute`).

Without a ``Client`` a threads-only local cluster is started (:func:`get_client`). For
worker processes or a real cluster make the client yourself, inside the
``if __name__ == "__main__":`` guard that worker processes need; see ``docs/dask.md``.
Importing this package does not import Dask; the first use does.
"""

from ._blockwise import predict_blockwise, score_blockwise
from ._cluster import ClusterError, get_client, is_dask_collection
from ._hooks import compute, encode_targets, fit_inputs, row_blocks, target_summary, training_source
from ._local_sgd import local_sgd
from ._source import SCATTER_THRESHOLD_BYTES, TREE_FANIN, DaskData, SampledDaskData

__all__ = [
    "DaskData",
    "SampledDaskData",
    "local_sgd",
    "ClusterError",
    "SCATTER_THRESHOLD_BYTES",
    "TREE_FANIN",
    "get_client",
    "is_dask_collection",
    "predict_blockwise",
    "score_blockwise",
    "compute",
    "row_blocks",
    "fit_inputs",
    "target_summary",
    "encode_targets",
    "training_source",
]
