"""The L-BFGS driver: scipy's L-BFGS-B over the flat parameter vector, one iteration per epoch.

Each objective evaluation of an in-memory source runs one preallocated
:class:`~deltaprop._kernels.Workspace` of all N examples (made once per fit) and gathers the
gradient into scipy's float64 vector in one pass (``np.concatenate(..., out=)`` casts as it
copies); weight decay uses a preallocated scratch per layer. Other sources compute the
gradient themselves (``data.loss_and_gradient(net)``). The values are bitwise those of
concatenating, converting and dividing step by step.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ._kernels import Workspace
from ._settings import Settings
from ._state import Run
from .network import Network

__all__ = ["run_lbfgs"]


#: How many of the last evaluations are kept to find the final weights' loss among them.
_RECENT = 3


def run_lbfgs(net: Network, data, settings: Settings, run: Run, target: int,
              epoch_end: Callable[[float, float], bool], final: dict | None = None) -> str | None:
    """Minimise the objective over ``data`` with ``settings.opt.minimize`` until ``target`` epochs.

    The objective is ``sum_i s_i J_i + (alpha/2) sum ||W||^2``, divided by N for "mean"
    (as :mod:`deltaprop.training` defines it). After every scipy iteration the network
    holds its weights, ``run.examples_seen`` grows by N and ``epoch_end(loss, t0)`` records
    the epoch (``t0``: the epoch's start on ``time.perf_counter``); a True answer stops.
    ``run.step`` counts objective evaluations. A non-finite objective is reported to scipy
    as +inf (it backtracks). The first finite one, at the starting weights, becomes the
    run's ``run.watch["start_loss"]`` (:mod:`deltaprop._watch`) if it has none.

    ``final``, when given, receives ``final["J"] = sum_i s_i J_i`` (without the decay term)
    at the final weights when one of the last evaluations was at them (scipy returns the
    last accepted point, almost always the last evaluated one): the caller then need not
    read the data again to check the final network (a third of an evaluation).

    Returns
    -------
    str or None
        None when the final weights are finite (``net`` holds them, and
        ``run.history.stop_reason`` is set); ``"a weight"`` when they are not, with ``net``
        back at the weights of the last completed iteration.
    """
    params = net.weights + net.biases
    N = data.n_examples
    alpha = settings.weight_decay
    divisor = N if settings.mean else 1
    snapshot = [p.copy() for p in params]
    clock = [time.perf_counter()]

    ws = Workspace(net, N) if hasattr(data, "arrays") else None
    arrays = data.arrays() if ws is not None else None
    decay = [np.empty_like(W) for W in net.weights] if alpha else []
    grad = np.empty(net.n_parameters, dtype=np.float64)  # scipy's layout: W_1, b_1, W_2, b_2, ...

    recent: list[tuple[np.ndarray, float]] = []  # the last evaluations: (theta, sum_i s_i J_i)

    def fun(theta):
        net.set_flat_parameters(theta)
        if ws is not None:
            J = ws.loss_and_gradient(*arrays)
            dW, db = ws.dW, ws.db
        else:
            J, dW, db = data.loss_and_gradient(net)
        if final is not None:
            recent.append((np.array(theta, copy=True), float(J)))
            del recent[:-_RECENT]
        if alpha:
            for W, g, tmp in zip(net.weights, dW, decay):
                np.multiply(W, alpha, out=tmp)
                g += tmp
                J += 0.5 * alpha * float(np.vdot(W, W))
        np.concatenate([g.reshape(-1) for pair in zip(dW, db) for g in pair], out=grad)  # float32 -> float64 exactly
        run.step += 1
        if not math.isfinite(J):
            return math.inf, np.zeros_like(grad)
        if run.watch["start_loss"] is None:  # scipy's first evaluation is at the starting weights
            run.watch["start_loss"] = J / divisor
        return J / divisor, grad / divisor  # a new array: scipy keeps the gradients it is given

    def callback(intermediate_result):
        net.set_flat_parameters(intermediate_result.x)
        for s, p in zip(snapshot, params):
            np.copyto(s, p)
        run.examples_seen += N
        stop = epoch_end(float(intermediate_result.fun), clock[0])
        clock[0] = time.perf_counter()
        if stop or run.epoch >= target:
            raise StopIteration

    res = settings.opt.minimize(fun, net.get_flat_parameters(), max_iter=target - run.epoch,
                                max_fun=run.opt_state.get("max_fun", 15000), gtol=settings.stopping.tol,
                                callback=callback)
    theta = np.asarray(res.x)
    if not np.isfinite(theta).all():
        for p, last in zip(params, snapshot):
            p[...] = last
        return "a weight"
    net.set_flat_parameters(theta)
    if final is not None:
        for seen, J in reversed(recent):
            if np.array_equal(seen, theta):
                final["J"] = J
                break
    if run.history.stop_reason is None:
        run.history.stop_reason = "max_epochs" if run.epoch >= target else (
            "converged" if res.success else f"lbfgs: {res.message}")
    return None
