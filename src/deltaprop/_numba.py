"""Compiled elementwise parts of the training step (optional: the ``fast`` extra, Numba).

For small layers (Nielsen's 784-30-10 with mini-batches of 10) a step spends most of its
time not in the GEMMs but in the thirty-odd NumPy calls around them, about a microsecond
each: bias, activation, output delta, loss, activation derivative, bias update. Each
function here does one of those groups in a single compiled loop. The GEMMs stay in NumPy's
``matmul``, so there is still exactly one BLAS (Numba's ``np.dot`` would call SciPy's
OpenBLAS, a second thread pool).

Every function computes the same formula as its NumPy counterpart in
:mod:`deltaprop._kernels`, in the same order up to float rounding; ``tests/test_kernels.py``
runs both and compares them with the core. Nothing here uses ``fastmath``, so NaN and
infinity propagate as in NumPy and divergence is still detected.
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised when the extra is installed
    import numba
except ImportError:  # pragma: no cover
    numba = None

__all__ = ["AVAILABLE", "ACT_CODES", "OUTPUT_CODES", "supports"]

AVAILABLE = numba is not None

#: Activation name -> code understood by the compiled loops.
ACT_CODES = {"sigmoid": 0, "tanh": 1, "relu": 2, "leaky_relu": 3, "identity": 4, "softmax": 5}
#: Output kinds (see ``Workspace._output_kind_of``) with a compiled output step.
OUTPUT_CODES = {"softmax_ce": 0, "sigmoid_se": 1, "identity_se": 2, "sigmoid_bce": 3}


def supports(activations, output_kind: str) -> bool:
    """Whether the compiled loops cover this network's activations and output layer."""
    return AVAILABLE and output_kind in OUTPUT_CODES and all(f.name in ACT_CODES for f in activations)


if AVAILABLE:  # pragma: no branch
    from .activations import LEAKY_RELU_SLOPE as _SLOPE

    _jit = numba.njit(cache=True, nogil=True)

    @_jit
    def bias_act(o, b, code):
        """o <- f(o + b) row by row: the layer's net input plus bias through its activation."""
        n, m = o.shape
        for i in range(n):
            if code == 5:  # softmax: subtract the row maximum, so exp never overflows
                mx = -np.inf
                for r in range(m):
                    o[i, r] += b[r]
                    if o[i, r] > mx:
                        mx = o[i, r]
                s = 0.0
                for r in range(m):
                    e = math.exp(o[i, r] - mx)
                    o[i, r] = e
                    s += e
                for r in range(m):
                    o[i, r] /= s
            else:
                for r in range(m):
                    x = o[i, r] + b[r]
                    if code == 0:
                        # 1 / (1 + exp(-x)): exp overflows to inf for x << 0 and the
                        # result is then exactly 0, never NaN; exact to a few ulps.
                        x = 1.0 / (1.0 + math.exp(-x))
                    elif code == 1:
                        x = math.tanh(x)
                    elif code == 2:
                        x = x if x > 0 else 0.0 * x  # keeps NaN; max(x, 0)
                    elif code == 3:
                        x = x if x > 0 else _SLOPE * x
                    o[i, r] = x

    @_jit
    def hidden_backward(o, g, code):
        """g <- g f'(net) with f' written in terms of the output o (in place)."""
        n, m = o.shape
        for i in range(n):
            for r in range(m):
                y = o[i, r]
                if code == 0:
                    g[i, r] *= y * (1.0 - y)
                elif code == 1:
                    g[i, r] *= 1.0 - y * y
                elif code == 2:
                    g[i, r] *= 1.0 if y > 0 else 0.0
                elif code == 3:
                    g[i, r] *= 1.0 if y > 0 else _SLOPE

    @_jit
    def output_step(o, Y, sw, weighted, g, code, eps):
        """g <- dJ/dnet of the output layer (times s_i); returns J = sum_i s_i J_i."""
        n, k = o.shape
        J = 0.0
        for i in range(n):
            Ji = 0.0
            if code == 0:  # softmax + cross-entropy: g = o sum_j y_j - y, J_i = -sum y log o
                sy = 0.0
                for r in range(k):
                    sy += Y[i, r]
                for r in range(k):
                    p = min(max(o[i, r], eps), 1.0 - eps)
                    Ji -= Y[i, r] * math.log(p)
                    g[i, r] = o[i, r] * sy - Y[i, r]
            elif code == 3:  # sigmoid + binary cross-entropy: g = o - y
                for r in range(k):
                    p = min(max(o[i, r], eps), 1.0 - eps)
                    Ji -= Y[i, r] * math.log(p) + (1.0 - Y[i, r]) * math.log1p(-p)
                    g[i, r] = o[i, r] - Y[i, r]
            else:  # squared error: dJ/do = o - y, J_i = 1/2 sum (o - y)^2
                for r in range(k):
                    d = o[i, r] - Y[i, r]
                    Ji += 0.5 * d * d
                    if code == 1:
                        d *= o[i, r] * (1.0 - o[i, r])  # the notes' o(1 - o)
                    g[i, r] = d
            if weighted:
                Ji *= sw[i]
                for r in range(k):
                    g[i, r] *= sw[i]
            J += Ji
        return J

    @_jit
    def scale_and_bias_step(g, b, eta):
        """g <- eta g, then b <- b - sum_i g_i: the bias step of w <- w - eta dJ/dw."""
        n, m = g.shape
        for r in range(m):
            s = 0.0
            for i in range(n):
                g[i, r] *= eta
                s += g[i, r]
            b[r] -= s
