"""The stepper: one epoch of optimizer steps, and the one home of every fast path.

The trainer calls :meth:`Stepper.epoch` once per epoch and gets the epoch's summed loss;
how the steps are taken is decided here, once per fit, from what the optimizer and the
data source can do:

* **general**: per batch, ``Workspace.loss_and_gradient`` (or the source's full-batch
  ``loss_and_gradient``), then the optimizer's ``update`` on one flat vector of all
  parameters (weight decay and clipping applied to the flat gradient);
* **fused**: when the optimizer says its step is plain gradient descent for this state
  (``Optimizer.is_plain``) and there is no weight decay or clipping, the Workspace's
  ``sgd_step`` applies ``w <- w - eta dJ/dw`` to the network's arrays as each layer's
  gradient is formed (the same result to rounding; full batch only for an in-memory
  source, :class:`~deltaprop.sources.InMemory`);
* **whole epoch**: the fused step on an in-memory source without step callbacks runs the
  whole epoch in one loop with the batches gathered straight into reused buffers (for tiny
  layers the per-batch Python work costs as much as a third of the step). Bitwise the same
  as the fused per-batch path: the same permutation, gathers and steps in the same order.

Every buffer and in-place trick of training lives here, behind that one call.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._kernels import Workspace
from ._settings import Settings
from .errors import InputError
from .network import Network

__all__ = ["AUTO_BATCH_SIZE", "Stepper"]

#: scikit-learn's ``batch_size="auto"``: min(200, N).
AUTO_BATCH_SIZE = 200


class Stepper:
    """Takes one epoch of steps of ``settings.opt`` on ``net`` over ``data``.

    Parameters
    ----------
    net : Network
        Updated in place; its arrays stay the network's own.
    data : DataSource
    settings : Settings
    opt_state : dict
        The optimizer's state (from ``opt.init`` on one flat vector of all parameters,
        ``net.weights`` then ``net.biases``), updated in place.
    on_step : callable, optional
        ``on_step(J, n)`` after every step, with the batch's objective and size. When it is
        given the whole-epoch path is not taken (the steps are the same).

    Attributes
    ----------
    steps : int
        The number of steps the last :meth:`epoch` took.

    Raises
    ------
    InputError
        When ``batch_size`` is larger than the number of examples.
    """

    def __init__(self, net: Network, data, settings: Settings, opt_state: dict,
                 on_step: Callable[[float, int], None] | None = None):
        opt = settings.opt
        self.net, self.data, self.on_step = net, data, on_step
        self.params = params = net.weights + net.biases
        N = self.N = data.n_examples
        self.full_batch = full_batch = opt.full_batch
        bs = settings.batch_size
        if not full_batch:
            bs = min(AUTO_BATCH_SIZE, N) if bs is None else bs
            if bs > N:
                raise InputError(f"batch_size={bs} is larger than the {N} training examples; "
                                 f"use at most {N}, or None for min(200, N)")
            self.ws = Workspace(net, bs)
        self.batch_size = bs
        self.mean = settings.mean
        self.steps = 0
        # The optimizer works on one flat copy theta of all parameters (weights first, then
        # biases) and one flat gradient, so a step costs a fixed handful of array operations
        # however many layers there are; after each step theta is copied back into the
        # network's own arrays, which the next gradient reads. Every operation is
        # elementwise, so the result is bitwise that of the same rule applied array by array.
        self.theta = theta = np.concatenate(params, axis=None)
        self.views, offset = [], 0
        for p in params:
            self.views.append(theta[offset:offset + p.size].reshape(p.shape))
            offset += p.size
        self.snapshot = theta.copy()
        in_memory = hasattr(data, "arrays")
        plain = (opt.is_plain is not None and opt.is_plain(opt_state) and not settings.weight_decay
                 and settings.clip_norm is None)
        self.fused = plain and (not full_batch or in_memory)
        self.whole_epoch = self.fused and not full_batch and on_step is None and in_memory
        self._step = self._general_step(net, settings, opt_state)

    def _general_step(self, net: Network, settings: Settings, opt_state: dict):
        """The optimizer step on the flat vector: ``step(J, grads, n, lr) -> J`` (decay term added)."""
        theta, params, views = self.theta, self.params, self.views
        n_w = sum(W.size for W in net.weights)
        theta_W = theta[:n_w]
        g = np.empty_like(theta)
        g_W = g[:n_w]
        flat_params, flat_grads = [theta], [g]
        update = settings.opt.update
        alpha = settings.weight_decay
        mean = self.mean
        clip = settings.clip_norm

        def step(J: float, grads: list, n: int, lr: float) -> float:
            np.concatenate(grads, axis=None, out=g)
            if alpha:
                np.add(g_W, alpha * theta_W, out=g_W)  # d/dW of (alpha/2)||W||^2, weights only
                J += 0.5 * alpha * float(np.dot(theta_W, theta_W))
            scale = 1.0 / n if mean else 1.0
            if clip is not None:
                norm = math.sqrt(float(np.dot(g, g))) * scale
                if norm > clip:
                    scale *= clip / norm
            update(opt_state, flat_params, flat_grads, lr, scale)
            for p, v in zip(params, views):
                np.copyto(p, v)
            return J

        return step

    def epoch(self, lr: float, rng: np.random.Generator | None) -> float:
        """One epoch of steps at learning rate ``lr``; returns the sum of the batch objectives.

        ``rng`` shuffles the examples (None keeps their order). Each batch's objective is
        taken at the weights before its step. The weights at the start of the epoch are
        kept for :meth:`restore_if_diverged`.
        """
        np.copyto(self.snapshot, self.theta)  # the last finite weights, should this epoch diverge
        data, net, N, mean, on_step = self.data, self.net, self.N, self.mean, self.on_step
        total = 0.0
        if self.full_batch:
            if self.fused:
                X, Y, sw = data.arrays()
                total = self._full_batch_workspace().sgd_step(X, Y, sw, lr / N if mean else lr)
            else:
                J, dW, db = data.loss_and_gradient(net)
                total = self._step(J, list(dW) + list(db), N, lr)
            self.steps = 1
            if on_step is not None:
                on_step(total, N)
        elif self.whole_epoch:
            total = self._sgd_epoch(lr, rng)
        else:
            ws, step, fused = self.ws, self._step, self.fused
            steps = 0
            for Xb, Yb, swb in data.batches(self.batch_size, rng):
                if fused:
                    J = ws.sgd_step(Xb, Yb, swb, lr / Xb.shape[0] if mean else lr)
                    total += J
                else:
                    J = ws.loss_and_gradient(Xb, Yb, swb)  # on_step sees it without the decay term
                    total += step(J, ws.dW + ws.db, Xb.shape[0], lr)
                steps += 1
                if on_step is not None:
                    on_step(J, Xb.shape[0])
            self.steps = steps
        if self.fused:  # the fused steps wrote the network's arrays: bring theta up to date
            for p, v in zip(self.params, self.views):
                np.copyto(v, p)
        return total

    def restore_if_diverged(self, total: float) -> str | None:
        """After an epoch: None when ``total`` and every weight are finite; else restore the
        weights from the start of the epoch and say what diverged (``"the loss"`` or ``"a weight"``)."""
        if math.isfinite(total) and np.isfinite(self.theta).all():
            return None
        np.copyto(self.theta, self.snapshot)
        for p, v in zip(self.params, self.views):
            np.copyto(p, v)
        return "the loss" if not math.isfinite(total) else "a weight"

    def _full_batch_workspace(self) -> Workspace:
        ws = getattr(self, "ws", None)
        if ws is None:
            ws = self.ws = Workspace(self.net, self.N)
        return ws

    def _sgd_epoch(self, lr: float, rng: np.random.Generator | None) -> float:
        """The whole-epoch path: plain sgd over the in-memory arrays, batches gathered in place.

        Bitwise the same as ``ws.sgd_step(Xb, Yb, swb, lr / n if mean else lr)`` for every
        ``(Xb, Yb, swb)`` of ``data.batches(batch_size, rng)``. The full batches' index rows
        come from one reshape of the permutation and are gathered into reused buffers.
        """
        X, Y, sw = self.data.arrays()
        N, batch_size, mean = self.N, self.batch_size, self.mean
        step = self.ws.sgd_step
        total = 0.0
        n_full = N // batch_size
        self.steps = -(-N // batch_size)
        if rng is None:
            for start in range(0, N, batch_size):
                stop = min(start + batch_size, N)
                total += step(X[start:stop], Y[start:stop], None if sw is None else sw[start:stop],
                              lr / (stop - start) if mean else lr)
            return total
        perm = rng.permutation(N)
        Xb, Yb, swb = self._buffers(X, Y, sw)
        take_X, take_Y = X.take, Y.take  # positional (indices, axis, out, mode): no keyword parsing
        eta = lr / batch_size if mean else lr
        for idx in perm[:n_full * batch_size].reshape(n_full, batch_size):
            take_X(idx, 0, Xb, "clip")  # mode="clip" writes straight into out; indices are in range
            take_Y(idx, 0, Yb, "clip")
            if sw is not None:
                sw.take(idx, 0, swb, "clip")
            total += step(Xb, Yb, swb, eta)
        n = N - n_full * batch_size
        if n:
            idx = perm[n_full * batch_size:]
            take_X(idx, 0, Xb[:n], "clip")
            take_Y(idx, 0, Yb[:n], "clip")
            if sw is not None:
                sw.take(idx, 0, swb[:n], "clip")
            total += step(Xb[:n], Yb[:n], None if sw is None else swb[:n], lr / n if mean else lr)
        return total

    def _buffers(self, X: np.ndarray, Y: np.ndarray, sw: np.ndarray | None) -> tuple:
        """One batch's buffers ``(Xb, Yb, swb)``, made on first use and kept for the fit."""
        buffers = getattr(self, "_gather", None)
        if buffers is None:
            B = min(self.batch_size, self.N)
            buffers = self._gather = (np.empty((B,) + X.shape[1:], X.dtype), np.empty((B,) + Y.shape[1:], Y.dtype),
                                      None if sw is None else np.empty(B, sw.dtype))
        return buffers
