"""Compiled elementwise parts of the training step (optional: the ``fast`` extra, Numba).

For small layers (Nielsen's 784-30-10 with mini-batches of 10) a step spends most of its
time not in the GEMMs but in the thirty-odd NumPy calls around them, about a microsecond
each: bias, activation, output delta, loss, activation derivative, bias update. Each
function here does one of those groups in a single compiled loop. The GEMMs of a step stay in
NumPy's ``matmul``, except in :func:`small_epoch`, the whole epoch of a small network in one
call, whose ``np.dot`` calls the BLAS SciPy ships (a second thread pool, which the thread
policy of :mod:`deltaprop._threads` limits as well).

Every function computes the same formula as its NumPy counterpart in
:mod:`deltaprop._kernels`, in the same order up to float rounding; ``tests/test_kernels.py``
runs both and compares them with the core. Of ``fastmath`` only reassociation and
contraction are allowed (sums may be reordered and fused into FMAs, which changes rounding
only), so NaN and infinity propagate as in NumPy and divergence is still detected.

This module imports Numba, so it is imported only when a :class:`~deltaprop._kernels.Workspace`
takes the compiled path (``import deltaprop`` stays fast). The loops branch on the codes the
records carry: ``Activation.kernel_code`` (read below into module constants, which Numba
compiles in) and ``Loss.kernel_outputs`` for the output step. A record without a code has no
compiled form, and the Workspace stays on NumPy for it. (Numba's on-disk cache is keyed on
this file, so after changing a code in :mod:`deltaprop.activations` or :mod:`deltaprop.losses`
clear ``__pycache__``.)
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .activations import ACTIVATIONS
from .activations import LEAKY_RELU_SLOPE as _SLOPE
from .losses import LOSSES

# The branches of the loops, as the records number them.
_SIGMOID = ACTIVATIONS["sigmoid"].kernel_code
_TANH = ACTIVATIONS["tanh"].kernel_code
_RELU = ACTIVATIONS["relu"].kernel_code
_LEAKY_RELU = ACTIVATIONS["leaky_relu"].kernel_code
_SOFTMAX = ACTIVATIONS["softmax"].kernel_code  # identity: every other code leaves x as it is
_SOFTMAX_CE = LOSSES["cross_entropy"].kernel_outputs["softmax"]
_SIGMOID_BCE = LOSSES["binary_cross_entropy"].kernel_outputs["sigmoid"]
_SIGMOID_SE = LOSSES["squared_error"].kernel_outputs["sigmoid"]  # identity + squared error: the rest

# reassoc and contract let LLVM vectorise the sums; unlike full fastmath they keep NaN and
# infinity semantics, so a diverging step is still seen as one. error_model="numpy": a
# division by zero gives inf or NaN as in NumPy instead of raising, and the check Python's
# model puts before every division kept loops with one from being vectorised (Adam's update
# of 200k float32 weights: 486 us scalar, 58 us vectorised, the same bits).
_jit = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"}, error_model="numpy")
# Strict IEEE arithmetic: no reassociation or FMA contraction, for loops that must give
# bitwise NumPy's result (the optimizer updates, the bias sums).
_strict = numba.njit(cache=True, nogil=True, error_model="numpy")

@_jit
def bias_act(o, b, code):
    """o <- f(o + b) row by row: the layer's net input plus bias through its activation."""
    n, m = o.shape
    for i in range(n):
        if code == _SOFTMAX:  # softmax: subtract the row maximum, so exp never overflows
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
                if code == _SIGMOID:
                    # The core's formula in the core's order, (1 + tanh(x/2)) / 2: never
                    # overflows; "contract" may fuse the last two steps into one FMA, so the
                    # result may differ from NumPy's in the last bit (tested).
                    x = math.tanh(x * 0.5) * 0.5 + 0.5
                elif code == _TANH:
                    x = math.tanh(x)
                elif code == _RELU:
                    x = x if x > 0 else 0.0 * x  # keeps NaN; max(x, 0)
                elif code == _LEAKY_RELU:
                    x = x if x > 0 else _SLOPE * x
                o[i, r] = x

@_jit
def hidden_backward(o, g, code):
    """g <- g f'(net) with f' written in terms of the output o (in place)."""
    n, m = o.shape
    for i in range(n):
        for r in range(m):
            y = o[i, r]
            if code == _SIGMOID:
                g[i, r] *= y * (1.0 - y)
            elif code == _TANH:
                g[i, r] *= 1.0 - y * y
            elif code == _RELU:
                g[i, r] *= 1.0 if y > 0 else 0.0
            elif code == _LEAKY_RELU:
                g[i, r] *= 1.0 if y > 0 else _SLOPE

@_jit
def output_step(o, Y, sw, weighted, g, code, eps):
    """g <- dJ/dnet of the output layer (times s_i); returns J = sum_i s_i J_i."""
    n, k = o.shape
    J = 0.0
    for i in range(n):
        Ji = 0.0
        if code == _SOFTMAX_CE:  # softmax + cross-entropy: g = o sum_j y_j - y, J_i = -sum y log o
            sy = 0.0
            for r in range(k):
                sy += Y[i, r]
            for r in range(k):
                p = min(max(o[i, r], eps), 1.0 - eps)
                Ji -= Y[i, r] * math.log(p)
                g[i, r] = o[i, r] * sy - Y[i, r]
        elif code == _SIGMOID_BCE:  # sigmoid + binary cross-entropy: g = o - y
            for r in range(k):
                p = min(max(o[i, r], eps), 1.0 - eps)
                Ji -= Y[i, r] * math.log(p) + (1.0 - Y[i, r]) * math.log1p(-p)
                g[i, r] = o[i, r] - Y[i, r]
        else:  # squared error: dJ/do = o - y, J_i = 1/2 sum (o - y)^2
            for r in range(k):
                d = o[i, r] - Y[i, r]
                Ji += 0.5 * d * d
                if code == _SIGMOID_SE:
                    d *= o[i, r] * (1.0 - o[i, r])  # the notes' o(1 - o)
                g[i, r] = d
        if weighted:
            Ji *= sw[i]
            for r in range(k):
                g[i, r] *= sw[i]
        J += Ji
    return J

@_strict
def column_sum(g, db):
    """db <- sum_i g_i, the rows added in order as NumPy's ``g.sum(axis=0)`` adds them (one
    vectorised pass over contiguous rows; the per-column form strides and was four times slower)."""
    n, m = g.shape
    for r in range(m):
        db[r] = g[0, r] if n else 0.0
    for i in range(1, n):
        for r in range(m):
            db[r] += g[i, r]

@_jit
def scale_and_bias_step(g, b, eta, db):
    """g <- eta g, then b <- b - sum_i g_i: the bias step of w <- w - eta dJ/dw (``db``: scratch
    of b's shape that receives the sum). Row by row, so the loops vectorise over contiguous
    rows (column by column, 256 x 1024 deltas took ten times as long)."""
    n, m = g.shape
    for r in range(m):
        db[r] = 0.0
    for i in range(n):
        for r in range(m):
            x = g[i, r] * eta
            g[i, r] = x
            db[r] += x
    for r in range(m):
        b[r] -= db[r]


@_jit
def small_output_layer(o1, b1, code1, W2, b2, o2, Y, sw, weighted, g2, g1, code2, out_code, eps,
                       update, eta, dW2, db2, db1):
    """Everything of a one-hidden-layer step except the two GEMMs with the input layer.

    Given ``o1 = X W1^T`` (before bias and activation) this finishes the hidden layer,
    runs the (small) output layer forward, forms the output deltas and J, backpropagates
    to ``g1 = dJ/dnet_1`` and then either

    * ``update``: updates ``W2, b2, b1`` in place and leaves ``eta g1`` in ``g1`` (the
      caller finishes with ``W1 -= g1^T X``), or
    * otherwise: writes the gradient ``dW2, db2, db1`` and leaves ``g1``.

    One compiled call instead of about fifteen small NumPy calls; for Nielsen's 784-30-10
    network with batches of 10 these were most of the step's time.
    """
    n, m = o1.shape
    k = W2.shape[0]
    bias_act(o1, b1, code1)
    for i in range(n):  # net_2 = o1 W2^T
        for l in range(k):
            s = 0.0
            for j in range(m):
                s += o1[i, j] * W2[l, j]
            o2[i, l] = s
    bias_act(o2, b2, code2)
    J = output_step(o2, Y, sw, weighted, g2, out_code, eps)
    for i in range(n):  # g1 = f'(o1) (g2 W2), with W2 before its update
        for j in range(m):
            s = 0.0
            for l in range(k):
                s += g2[i, l] * W2[l, j]
            g1[i, j] = s
    hidden_backward(o1, g1, code1)
    if update:
        scale_and_bias_step(g2, b2, eta, db2)  # db2, db1: scratch here
        for l in range(k):  # W2 <- W2 - (eta g2)^T o1
            for i in range(n):
                c = g2[i, l]
                for j in range(m):
                    W2[l, j] -= c * o1[i, j]
        scale_and_bias_step(g1, b1, eta, db1)
    else:
        for l in range(k):
            s = 0.0
            for i in range(n):
                s += g2[i, l]
            db2[l] = s
            for j in range(m):
                dW2[l, j] = 0.0
            for i in range(n):
                c = g2[i, l]
                for j in range(m):
                    dW2[l, j] += c * o1[i, j]
        for j in range(m):
            s = 0.0
            for i in range(n):
                s += g1[i, j]
            db1[j] = s
    return J


@_jit
def largest_magnitude_bits(bits, mask):
    """max_i (bits[i] & mask): over the integer view of a float array with the sign bit masked
    out, the bit pattern of the largest |x| (IEEE floats of one sign order as their bits;
    infinity and NaN come out at or above the exponent's all-ones pattern). Integer max
    reductions vectorise, and this is one pass where NumPy's min and max take two."""
    m = bits.dtype.type(0)
    for i in range(bits.shape[0]):
        m = max(m, bits[i] & mask)
    return m


# ----------------------------------------------------------------------------- optimizer updates
# The flat updates of deltaprop.optimizers as one pass each (NumPy needs five to twelve passes
# over all parameters). Strict IEEE arithmetic (no fastmath: no FMA contraction), and every
# scalar is given in the arrays' dtype, exactly as NumPy casts a Python float next to a
# float32 array, so the result is bitwise that of the NumPy update; tests/test_stepper.py
# checks it. :mod:`deltaprop.optimizers` wraps them (``sgd_update_compiled``,
# ``adam_update_compiled``, named by ``Optimizer.compiled``).


@_strict
def momentum_loop(p, g, v, step, mu, nesterov, alpha, n_decay):
    """One pass of sgd_update over the vectors p, g, v (v unused when mu == 0); the first
    ``n_decay`` entries of g first get the weight-decay term ``alpha p`` (the stepper's
    ``g_W += alpha W``).

    Two loops (the entries with the decay term, then the rest) and one per case, so that
    each body has no branch and LLVM vectorises it (the same operations per entry).
    """
    n = p.shape[0]
    nd = min(max(n_decay, 0), n)
    if mu == 0:
        for i in range(nd):
            p[i] = p[i] - (g[i] + p[i] * alpha) * step  # w <- w - eta (g + alpha w)
        for i in range(nd, n):
            p[i] = p[i] - g[i] * step  # w <- w - eta g
    elif nesterov:
        for i in range(nd):
            gi = (g[i] + p[i] * alpha) * step
            vi = v[i] * mu - gi  # v <- mu v - eta g
            v[i] = vi
            p[i] = p[i] + (mu * vi - gi)  # w <- w + mu v - eta g
        for i in range(nd, n):
            gi = g[i] * step
            vi = v[i] * mu - gi
            v[i] = vi
            p[i] = p[i] + (mu * vi - gi)
    else:
        for i in range(nd):
            vi = v[i] * mu - (g[i] + p[i] * alpha) * step
            v[i] = vi
            p[i] = p[i] + vi  # w <- w + v
        for i in range(nd, n):
            vi = v[i] * mu - g[i] * step
            v[i] = vi
            p[i] = p[i] + vi


@_strict
def _adam_range(p, g, m, v, lo, hi, decay, scale, scaled, b1, c1, b2, c2, eps, eta_t, alpha):
    for i in range(lo, hi):
        gi = g[i] + p[i] * alpha if decay else g[i]
        if scaled:
            gi = gi * scale
        mi = m[i] * b1 + c1 * gi  # m <- b1 m + (1 - b1) g
        m[i] = mi
        vi = v[i] * b2 + gi * gi * c2  # v <- b2 v + (1 - b2) g^2
        v[i] = vi
        p[i] = p[i] - (mi * eta_t) / (math.sqrt(vi) + eps)  # w <- w - eta_t m / (sqrt(v) + eps)


@_strict
def adam_loop(p, g, m, v, scale, scaled, b1, c1, b2, c2, eps, eta_t, alpha, n_decay):
    """One pass of adam_update over the vectors p, g, m, v (c1 = 1 - b1, c2 = 1 - b2), with
    the weight-decay term on the first ``n_decay`` entries as in :func:`momentum_loop` (in
    two loops, whose branches do not depend on the entry)."""
    n = p.shape[0]
    nd = min(max(n_decay, 0), n)
    _adam_range(p, g, m, v, 0, nd, True, scale, scaled, b1, c1, b2, c2, eps, eta_t, alpha)
    _adam_range(p, g, m, v, nd, n, False, scale, scaled, b1, c1, b2, c2, eps, eta_t, alpha)


# ----------------------------------------------------------------------------- the whole epoch
# For a one-hidden-layer network with a small output layer (the Workspace's ``_small_output``
# case, Nielsen's 784-30-10 with batches of 10) a step's compiled parts take a few
# microseconds, and calling them from Python (the gathers, three dispatches of twenty-odd
# arguments, the optimizer call) took as long again: about 15 of a step's 40 us. This loop
# runs the whole epoch in one call: the same gathers, the same two GEMMs per step (np.dot,
# through the BLAS SciPy ships, which the thread policy limits too), the same compiled
# parts and the same update, in the same order. Bitwise the Python loop here
# (tests/test_stepper.py); another BLAS build could round a product differently. The
# update's code (an optimizer record's ``epoch_kernel`` returns it):
EPOCH_FUSED_SGD = 0  # plain gradient descent applied inside the step (the fused path)
EPOCH_SGD = 1  # sgd_update: momentum and Nesterov, decay folded in (momentum_loop)
EPOCH_ADAM = 2  # adam_update (adam_loop), with the step sizes eta_t given per step


@_strict
def _cast(value, like):
    """``value`` rounded to ``like``'s dtype, as NumPy casts a Python float beside an array."""
    like[0] = value
    return like[0]


@_strict
def small_epoch(X, Y, sw, weighted, batches, last, Xb, Yb, swb, W1, b1, W2, b2, o1, o2, g1, g2, dW1, dW2,
                db1, db2, code1, code2, out_code, eps, kind, steps, theta, g, s1, s2, consts, alpha, n_decay,
                theta_W, one):
    """One epoch of steps; returns the summed objective (each batch's at its weights before the step).

    ``batches`` (n_full, B) holds the full batches' example indices, ``last`` the rest (may be
    empty). ``W1 ... db2`` are views of ``theta`` and ``g`` (weights first). ``steps`` gives
    each step's scalar: for ``EPOCH_FUSED_SGD`` and ``EPOCH_SGD`` two (a full batch's, the
    last batch's: ``eta`` or ``lr * scale``), for ``EPOCH_ADAM`` ``eta_t`` of every step then
    the two scales. ``consts``: sgd ``(mu, nesterov)``, adam ``(b1, 1 - b1, b2, 1 - b2, eps)``,
    already of theta's dtype; ``s1, s2`` the velocity, or Adam's m and v. ``one`` a
    1-element scratch of theta's dtype.
    """
    n_full, B = batches.shape
    total = 0.0
    n_steps = n_full + (1 if last.shape[0] else 0)
    for s in range(n_steps):
        idx = batches[s] if s < n_full else last
        n = idx.shape[0]
        for i in range(n):
            r = idx[i]
            Xb[i, :] = X[r, :]
            Yb[i, :] = Y[r, :]
            if weighted:
                swb[i] = sw[r]
        x, y, w = Xb[:n], Yb[:n], swb[:n]
        h, out, gh, go = o1[:n], o2[:n], g1[:n], g2[:n]
        np.dot(x, W1.T, h)
        full = s < n_full
        if kind == EPOCH_FUSED_SGD:
            eta = steps[0] if full else steps[1]
            J = small_output_layer(h, b1, code1, W2, b2, out, y, w, weighted, go, gh, code2, out_code, eps,
                                   True, eta, dW2, db2, db1)
            np.dot(gh.T, x, dW1)
            for a in range(W1.shape[0]):
                for q in range(W1.shape[1]):
                    W1[a, q] = W1[a, q] - dW1[a, q]
            total += J
            continue
        J = small_output_layer(h, b1, code1, W2, b2, out, y, w, weighted, go, gh, code2, out_code, eps,
                               False, 0.0, dW2, db2, db1)
        np.dot(gh.T, x, dW1)
        if alpha != 0.0:
            J += 0.5 * alpha * np.dot(theta_W, theta_W)
        if kind == EPOCH_SGD:
            step = _cast(steps[0] if full else steps[1], one)
            momentum_loop(theta, g, s1, step, consts[0], consts[1] != 0, _cast(alpha, one), n_decay)
        else:
            scale = steps[n_steps] if full else steps[n_steps + 1]
            adam_loop(theta, g, s1, s2, _cast(scale, one), scale != 1.0, consts[0], consts[1], consts[2],
                      consts[3], consts[4], _cast(steps[s], one), _cast(alpha, one), n_decay)
        total += J
    return total
