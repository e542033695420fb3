"""Local SGD with periodic weight averaging on a Dask cluster."""

from __future__ import annotations

import numpy as np

from .._validation import check_positive
from ..errors import InputError
from ..network import Network
from ..training import Trainer
from ._source import DaskData, seed_entropy

__all__ = ["local_sgd"]


def local_sgd(net: Network, data: DaskData, *, rounds: int, seed=None, **trainer_kwargs) -> np.ndarray:
    """Local SGD with periodic weight averaging (model averaging) on a Dask cluster.

    Each round, every chunk trains a copy of the current weights on its own rows with
    ``deltaprop.Trainer(**trainer_kwargs)`` (by default one epoch of its SGD),
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
    entropy = seed_entropy(seed)
    losses = np.empty(rounds)
    for r in range(rounds):
        extra = [(kwargs, (entropy, r, c)) for c in range(data.n_chunks)]
        vec = data._map_reduce(net, _chunk_local_fit, extra, expected=data.n_examples)
        losses[r] = vec[0]
        net.set_flat_parameters((vec[2:] / vec[1]).astype(net.dtype))
    return losses


def _chunk_local_fit(net, X, Y, sw, trainer_kwargs: dict, key) -> np.ndarray:
    """``[J of the incoming weights, n, n * trained weights]`` for one chunk (see :func:`local_sgd`)."""
    J = net.loss(X, Y, sw)
    local = net.copy()
    Trainer(**trainer_kwargs, seed=np.random.default_rng(list(key))).fit(local, X, Y, sw)
    out = np.empty(2 + net.n_parameters)
    out[0], out[1] = J, len(X)
    np.multiply(local.get_flat_parameters(), len(X), out=out[2:], casting="same_kind")
    return out


