"""Checking backpropagation against central finite differences."""

from __future__ import annotations

import numpy as np

from ._memory import check_gradcheck_size
from ._validation import check_positive
from .network import Network, forward_pass

__all__ = ["gradcheck", "numerical_gradient"]


def numerical_gradient(net: Network, X, Y, *, h: float = 1e-6, sample_weight=None):
    """Central finite differences ``(J(w + h) - J(w - h)) / 2h`` for every parameter.

    Computed in float64 on a float64 copy of ``net`` whatever its dtype.

    Returns
    -------
    dW, db : lists shaped like ``net.weights`` / ``net.biases``

    Raises
    ------
    InputError
        When the check would need more than ``deltaprop._memory.MAX_GRADCHECK_WORK``
        multiply-adds (2 loss evaluations per parameter): check fewer examples or a smaller net.
    """
    check_positive(h, name="h")
    check_gradcheck_size(net.n_parameters, len(X), net.n_parameters, option="the network")
    net64 = net.copy() if net.dtype == np.float64 else _as_float64(net)
    X, Y, sw = net64._checked(X, Y, sample_weight)

    def J() -> float:
        o = forward_pass(net64.weights, net64.biases, net64.activations, X)[-1]
        return net64._J(o, Y, sw)

    grads_W, grads_b = [], []
    for W, b in zip(net64.weights, net64.biases):
        pair = []
        for p in (W, b):
            g = np.empty(p.shape)
            flat, gflat = p.reshape(-1), g.reshape(-1)  # views: writes reach the network
            for i in range(flat.size):
                saved = flat[i]
                flat[i] = saved + h
                plus = J()
                flat[i] = saved - h
                minus = J()
                flat[i] = saved
                gflat[i] = (plus - minus) / (2 * h)
            pair.append(g)
        grads_W.append(pair[0])
        grads_b.append(pair[1])
    return grads_W, grads_b


def _as_float64(net: Network) -> Network:
    cfg = dict(net.config(), dtype="float64")
    return Network.from_config(cfg, net.weights, net.biases)


def gradcheck(net: Network, X, Y, *, h: float = 1e-6, sample_weight=None) -> list[float]:
    """The worst relative error per layer between :meth:`Network.gradient` and finite differences.

    For layer t the error is ``max |g - n| / max(max |g|, max |n|)`` over all of the
    layer's weights and its bias, where ``g`` is backpropagation's gradient and ``n`` the
    central difference (:func:`numerical_gradient`); both are computed in float64. Scaling
    by the layer's largest gradient keeps entries that are nearly zero from dominating.
    Values around 1e-8 or smaller mean the gradient is right; a wrong gradient gives
    values near 1.

    Parameters
    ----------
    net : Network
    X : array (N, n_inputs)
    Y : array (N, n_outputs)
    h : float
        The finite-difference step.

    Returns
    -------
    list of float, one per layer

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> rng = np.random.default_rng(0)
    >>> net = dp.Network([3, 4, 2], seed=0)
    >>> X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    >>> max(dp.gradcheck(net, X, Y)) < 1e-6
    True
    """
    net64 = net.copy() if net.dtype == np.float64 else _as_float64(net)
    _, dW, db = net64.loss_and_gradient(X, Y, sample_weight)
    nW, nb = numerical_gradient(net64, X, Y, h=h, sample_weight=sample_weight)
    errors = []
    for gW, gb, fW, fb in zip(dW, db, nW, nb):
        g = np.concatenate([gW.ravel(), gb.ravel()])
        n = np.concatenate([fW.ravel(), fb.ravel()])
        scale = max(np.abs(g).max(), np.abs(n).max())
        errors.append(0.0 if scale == 0 else float(np.abs(g - n).max() / scale))
    return errors
