"""What a run watches for besides its stopping rule: blow-ups, saturation, a worse model than at the start.

The rules (the README's "Reliability" section states them; the thresholds were chosen
from the loss curves of gd, sgd, momentum, adam, rprop, irprop-, quickprop and lbfgs on
digits, diabetes (raw and standardised target), iris and the data of issue 12):

* **Blow-up** (:func:`blow_up`): the epoch's loss is more than ``BLOWUP_FACTOR`` (1e4)
  times the best loss of the run and more than ``BLOWUP_FACTOR * START_FLOOR`` (10) times
  its start; or a weight's magnitude exceeds ``weight_bound(dtype)`` (the fourth root of
  the dtype's largest value: 1.2e77 for float64, 4.3e9 for float32, where a layer's
  ``net`` or its square is near overflow). Measured: the legitimate rises of those runs
  stayed below 600 times the best (RPROP on iris 23x, sgd at 0.5 on diabetes 600x); every
  run that went on to overflow or to a useless model passed 1e11 first.
* **No better than a constant; saturation** (:func:`constant_loss`,
  :func:`saturated_units`): after a run of at least ``MIN_EPOCHS`` (10) epochs, the
  final model's training loss (without the weight-decay term) is no lower than that of
  the best constant output (the targets' mean), and units are saturated: their
  derivative is below ``SATURATED_GRAD`` (1e-6) of the largest in their layer, or 0, for
  ``SATURATED_SHARE`` (99%) of the examples (outputs pinned at their bounds, dead relu
  units), so the loss stops moving; or the ``tol`` rule stopped the run there (it would
  call such a model converged).
* **Worse than the start**: the final model's training objective is higher than the
  run's start: the first epoch's loss (for full-batch solvers and L-BFGS the objective at
  the starting weights; for mini-batches the mean over the first epoch's steps).

The run keeps its part of this as plain data, ``Run.watch`` (saved with the run's state,
so a resumed run decides as the uninterrupted one would):

``start_loss`` : float or None
    The run's first epoch loss, as :class:`~deltaprop.training.History` records it (None
    before the first epoch).
``best_loss`` : float
    The lowest epoch loss so far (+inf before the first epoch).
``warned_saturation`` : bool
    The no-better-than-a-constant warning has been given (it is given once per run).
"""

from __future__ import annotations

import math

import numpy as np

from .network import Network, forward_pass

__all__ = ["BLOWUP_FACTOR", "START_FLOOR", "MIN_EPOCHS", "SATURATED_GRAD", "SATURATED_SHARE",
           "init", "weight_bound", "blow_up", "constant_loss", "saturated_units", "finite_by_bound"]

BLOWUP_FACTOR = 1e4
START_FLOOR = 1e-3
MIN_EPOCHS = 10
SATURATED_GRAD = 1e-6
SATURATED_SHARE = 0.99


def init() -> dict:
    """The watch state of a new run."""
    return {"start_loss": None, "best_loss": math.inf, "warned_saturation": False}


def weight_bound(dtype) -> float:
    """The largest weight magnitude a run may reach: ``finfo(dtype).max ** 0.25``."""
    return float(np.finfo(dtype).max) ** 0.25


def blow_up(watch: dict, loss: float, theta: np.ndarray) -> str | None:
    """Record the epoch's ``loss``; say what blew up (None when nothing did).

    ``theta`` is the flat vector of the parameters after the epoch. A loss that is a
    blow-up is not recorded as the best.
    """
    best = watch["best_loss"]
    start = watch["start_loss"]
    if start is not None and math.isfinite(best) and loss > BLOWUP_FACTOR * max(best, START_FLOOR * start):
        return f"the loss grew to {loss:.3g}, {loss / best:.2g} times its best ({best:.3g})"
    bound = weight_bound(theta.dtype)
    sum_sq = float(np.dot(theta, theta))  # at least max|w|**2: one pass, and no scan unless it is large
    if not sum_sq <= bound * bound and max(float(theta.max()), -float(theta.min())) > bound:
        return f"a weight grew past {bound:.2g} in magnitude"
    watch["best_loss"] = min(best, loss)
    return None


def largest_magnitude(a: np.ndarray) -> float:
    """``max |a|`` of a float array, ``inf`` when an entry is NaN or infinite (0 when empty).

    One pass over the bits when Numba is installed and ``a`` is contiguous (6 against 13 ms
    for NumPy's max and min of 60000 x 784 float32), else NumPy's max and min.
    """
    if a.size == 0:
        return 0.0
    from ._kernels import numba_available

    if a.flags.c_contiguous and a.dtype in (np.float32, np.float64) and numba_available():
        from ._numba import largest_magnitude_bits

        info = np.finfo(a.dtype)
        ints = np.dtype(f"i{a.dtype.itemsize}")
        sign = 1 << (info.bits - 1)
        exponent_ones = ((1 << (info.bits - 1 - info.nmant)) - 1) << info.nmant  # inf's bits
        m = int(largest_magnitude_bits(a.reshape(-1).view(ints), ints.type(sign - 1)))
        return math.inf if m >= exponent_ones else float(np.array(m, dtype=ints).view(a.dtype))
    with np.errstate(over="ignore", invalid="ignore"):
        m = max(abs(float(a.max())), abs(float(a.min())))
    return m if math.isfinite(m) else math.inf


def finite_by_bound(net: Network, x_max: float, y_max: float, weight_sum: float) -> bool:
    """True when the weights prove ``sum_i s_i J_i`` finite on every input with ``|x| <= x_max``.

    Interval arithmetic, layer by layer: ``|net_r| <= sum_q |w_rq| b_q + |w_r0|`` where ``b``
    bounds the layer's inputs (``x_max`` for the first); a unit's output is bounded by its
    activation's ``output_range`` when that is finite, else by ``|net_r| + 1`` (identity,
    relu, leaky relu and softplus all stay below it). Every bound is a sum of absolute
    values, so no partial sum of the forward pass can exceed it: a bound below
    ``finfo(dtype).max / 16`` (room for rounding) proves every output finite. The loss:
    a loss on probabilities (finite ``target_range``) clips its outputs, so it is finite;
    squared error is bounded by ``weight_sum * k * (y_max + b) ** 2 / 2`` (``y_max`` the
    targets' largest magnitude, ``weight_sum`` the examples' total weight).

    Costs ``O(parameters)``, no pass over the data: what lets a mini-batch run skip the
    final forward pass (:mod:`deltaprop._loop`). False means "not proven" (then the data is
    read again), never "not finite".
    """
    limit = float(np.finfo(net.dtype).max) / 16
    if not (math.isfinite(x_max) and math.isfinite(y_max) and math.isfinite(weight_sum)):
        return False
    b = np.full(net.sizes[0], float(x_max))
    with np.errstate(over="ignore", invalid="ignore"):
        for W, bias, f in zip(net.weights, net.biases, net.activations):
            z = np.abs(W).astype(np.float64, copy=False) @ b + np.abs(bias).astype(np.float64, copy=False)
            if not bool(np.all(z < limit)):
                return False
            lo, hi = f.output_range
            b = np.full(z.shape, max(abs(lo), abs(hi))) if math.isfinite(lo) and math.isfinite(hi) else z + 1.0
        lo, hi = net.loss_function.target_range
        if math.isfinite(lo) and math.isfinite(hi):
            return True
        return bool(weight_sum * b.size * np.square(y_max + b.max(initial=0.0)) / 2 < limit)


def constant_loss(net: Network, Y: np.ndarray, sw: np.ndarray | None) -> float:
    """``sum_i s_i J_i`` of the best constant output: the (weighted) mean of the targets,
    clipped into the output activation's range."""
    mean = np.average(Y, axis=0, weights=sw)
    lo, hi = net.activations[-1].output_range
    eps = np.finfo(Y.dtype).eps
    o = np.broadcast_to(np.clip(mean, lo + eps, hi - eps), Y.shape)
    return net._J(np.ascontiguousarray(o, dtype=Y.dtype), Y, sw)


def saturated_units(net: Network, X: np.ndarray) -> list[tuple[int, int, int]]:
    """Per layer with saturated units: ``(layer, saturated, units)``, layers counted from 1.

    A unit is saturated when its derivative ``f'(o)`` (written with its output, as the
    activation records give it) is below ``SATURATED_GRAD`` times the largest derivative
    in its layer on the examples ``X`` (or that is 0), for ``SATURATED_SHARE`` of them.
    """
    outs = forward_pass(net.weights, net.biases, net.activations, X)
    found = []
    for t, (f, o) in enumerate(zip(net.activations, outs[1:]), start=1):
        if f.grad is None or f.name == "softmax":
            continue
        g = np.abs(f.grad(o))
        top = float(g.max()) if g.size else 0.0
        flat = (g <= SATURATED_GRAD * top) if top > 0 else np.ones_like(g, dtype=bool)
        n = int((flat.mean(axis=0) >= SATURATED_SHARE).sum())
        if n:
            found.append((t, n, o.shape[1]))
    return found
