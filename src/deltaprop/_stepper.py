"""The stepper: one epoch of optimizer steps, and the one home of every fast path.

The trainer calls :meth:`Stepper.epoch` once per epoch and gets the epoch's summed loss;
how the steps are taken is decided here, once per fit, from what the optimizer and the
data source can do:

* **general** (momentum, Nesterov, Adam, Rprop, Quickprop, weight decay, clipping): per
  batch, ``Workspace.loss_and_gradient`` writes the gradient straight into one flat vector
  ``g`` (its ``dW``, ``db`` are views of it), weight decay and clipping are applied to ``g``,
  and the optimizer's ``update`` runs once on the flat parameter vector ``theta``. During an
  epoch ``theta`` *is* the weights: the Workspace reads a shadow of the network whose arrays
  are views of ``theta``, so no step copies parameters or gradients; the network's own
  arrays receive ``theta`` once at the end of the epoch (and after every step when a step
  callback may look at them). Bitwise the reference: the same gradient, the same flat
  update, in the same order. Full-batch solvers on an in-memory source use one
  Workspace of all N examples the same way;
* **fused**: when the optimizer says its step is plain gradient descent for this state
  (``Optimizer.is_plain``) and there is no weight decay or clipping, the Workspace's
  ``sgd_step`` applies ``w <- w - eta dJ/dw`` as each layer's gradient is formed (the same
  result to rounding; full batch only for an in-memory source,
  :class:`~deltaprop.sources.InMemory`);
* **whole epoch**: on an in-memory source without step callbacks, either step runs over
  the whole epoch in one loop with the batches gathered straight into reused buffers (for
  tiny layers the per-batch Python work costs as much as a third of the step). Bitwise the
  same as the per-batch path: the same permutation, gathers and steps in the same order.
  For a one-hidden-layer network with a small output layer and Numba installed, the fused
  step or an optimizer with an epoch kernel (``Optimizer.epoch_kernel``: sgd with momentum,
  Nesterov and decay; Adam) runs the whole epoch in one compiled call
  (``_numba.small_epoch``): half of such a step was calls from Python. Bitwise the Python
  loop here (``tests/test_stepper.py``).

Every buffer and in-place trick of training lives here, behind that one call.
"""

from __future__ import annotations

import copy
import math
from contextlib import AbstractContextManager
from typing import Callable

import numpy as np

from ._kernels import Workspace, flat_views, numba_available
from ._settings import Settings
from ._threads import blas_threads
from .errors import InputError
from .network import Network

__all__ = ["AUTO_BATCH_SIZE", "Stepper", "fit_threads"]

#: scikit-learn's ``batch_size="auto"``: min(200, N).
AUTO_BATCH_SIZE = 200


def fit_threads(net: Network, settings: Settings, n_examples: int) -> AbstractContextManager[int]:
    """The BLAS thread limit for a fit: :func:`deltaprop._threads.blas_threads` on the sizes of
    one step (``batch_size`` examples, min(200, N) for None; all N for a full-batch solver).

    Parameters
    ----------
    net : Network
    settings : Settings
    n_examples : int
        N, the training examples.

    Returns
    -------
    context manager
        Entered around the fit (``with fit_threads(...) as n:``); restores the limits on exit.
    """
    bs = settings.batch_size
    if settings.opt.full_batch:
        bs = n_examples
    elif bs is None:
        bs = min(AUTO_BATCH_SIZE, n_examples)
    return blas_threads(net.sizes, max(1, min(bs, n_examples)))


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
    fused, whole_epoch, in_memory, compiled : bool
        The paths chosen for this fit (see the module docstring); ``compiled``: the
        optimizer record's compiled update is used (Numba installed).
    theta : ndarray (n_parameters,)
        The flat parameters, weights first; the network's arrays hold them after each epoch.

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
        self.batch_size = bs
        self.mean = settings.mean
        self.steps = 0
        # theta: all parameters in one vector (weights first, then biases), the weights the
        # steps read and write during an epoch; `shadow` is the network with views of it.
        self.theta = theta = np.concatenate(params, axis=None)
        W_views, b_views = flat_views(theta, net.weights, net.biases, "theta")
        self.views = W_views + b_views
        self.shadow = shadow = copy.copy(net)
        shadow.weights, shadow.biases = W_views, b_views
        self.snapshot = theta.copy()
        self.in_memory = in_memory = hasattr(data, "arrays")
        plain = (opt.is_plain is not None and opt.is_plain(opt_state) and not settings.weight_decay
                 and settings.clip_norm is None)
        self.fused = plain and (not full_batch or in_memory)
        self.whole_epoch = not full_batch and on_step is None and in_memory
        self.g = g = np.empty_like(theta)  # the flat gradient, filled by the Workspace
        self.ws = None
        if not full_batch:
            self.ws = Workspace(shadow, bs, grads=g)
        elif in_memory:
            self.ws = Workspace(shadow, N, grads=g)
        self._opt, self._opt_state, self._alpha = opt, opt_state, settings.weight_decay
        self._n_w = sum(W.size for W in net.weights)  # theta's weights come first, its biases after
        self._step = self._general_step(net, settings, opt_state)
        # The compiled whole-epoch loop (Numba) for a one-hidden-layer network with a small
        # output layer: the fused step, or an optimizer whose record gives its epoch kernel.
        self.epoch_compiled = bool(
            self.whole_epoch and self.ws is not None and self.ws._small_output and settings.clip_norm is None
            and (self.fused or (self.compiled and opt.epoch_kernel is not None)))

    def _general_step(self, net: Network, settings: Settings, opt_state: dict):
        """The optimizer step on the flat vectors: ``step(J, n, lr) -> J`` (decay term added).

        Reads the gradient from ``self.g`` (overwritten: it is the optimizer's scratch). With
        the record's compiled update (Numba installed) and no clipping, the decay term
        ``g_W += alpha W`` is folded into that one pass (bitwise the same).
        """
        theta, g = self.theta, self.g
        n_w = self._n_w
        theta_W, g_W = theta[:n_w], g[:n_w]
        opt, alpha, clip, mean = settings.opt, settings.weight_decay, settings.clip_norm, self.mean
        flat_params, flat_grads = [theta], [g]
        self.compiled = opt.compiled is not None and numba_available()
        if self.compiled and clip is None:
            if opt.bind_compiled is not None:  # the per-fit arguments bound once (a tenth of a small step)
                update = opt.bind_compiled(opt_state, flat_params, flat_grads, alpha=alpha, n_decay=n_w)
            else:
                compiled = opt.compiled

                def update(lr: float, scale: float) -> None:
                    compiled(opt_state, flat_params, flat_grads, lr, scale, alpha=alpha, n_decay=n_w)

            dot, half_alpha = np.dot, 0.5 * alpha
            if not alpha:
                def step(J: float, n: int, lr: float) -> float:
                    update(lr, 1.0 / n if mean else 1.0)
                    return J

                return step

            def step(J: float, n: int, lr: float) -> float:
                J += half_alpha * float(dot(theta_W, theta_W))  # (alpha/2)||W||^2, weights only
                update(lr, 1.0 / n if mean else 1.0)
                return J

            return step
        update = opt.compiled if self.compiled else opt.update
        decay = np.empty_like(theta_W) if alpha else None

        def step(J: float, n: int, lr: float) -> float:
            if alpha:
                np.multiply(theta_W, alpha, out=decay)
                np.add(g_W, decay, out=g_W)  # d/dW of (alpha/2)||W||^2, weights only
                J += 0.5 * alpha * float(np.dot(theta_W, theta_W))
            scale = 1.0 / n if mean else 1.0
            if clip is not None:
                norm = math.sqrt(float(np.dot(g, g))) * scale
                if norm > clip:
                    scale *= clip / norm
            update(opt_state, flat_params, flat_grads, lr, scale)
            return J

        return step

    def epoch(self, lr: float, rng: np.random.Generator | None) -> float:
        """One epoch of steps at learning rate ``lr``; returns the sum of the batch objectives.

        ``rng`` shuffles the examples (None keeps their order). Each batch's objective is
        taken at the weights before its step. The epoch starts from the network's arrays and
        leaves its weights in them; the weights at its start are kept for
        :meth:`restore_if_diverged`.
        """
        np.concatenate(self.params, axis=None, out=self.theta)  # the network's weights, as it holds them now
        np.copyto(self.snapshot, self.theta)  # the last finite weights, should this epoch diverge
        data, N, mean, on_step = self.data, self.N, self.mean, self.on_step
        total = 0.0
        if self.full_batch:
            if self.fused:
                X, Y, sw = data.arrays()
                total = self.ws.sgd_step(X, Y, sw, lr / N if mean else lr)
            elif self.in_memory:
                total = self._step(self.ws.loss_and_gradient(*data.arrays()), N, lr)
            else:  # the source computes the gradient from the network (its arrays hold theta now)
                J, dW, db = data.loss_and_gradient(self.net)
                np.concatenate(list(dW) + list(db), axis=None, out=self.g)
                total = self._step(J, N, lr)
            self.steps = 1
            if on_step is not None:
                self._publish()
                on_step(total, N)
        elif self.whole_epoch:
            total = self._whole_epoch(lr, rng)
        else:
            ws, step, fused = self.ws, self._step, self.fused
            steps = 0
            for Xb, Yb, swb in data.batches(self.batch_size, rng):
                if fused:
                    J = ws.sgd_step(Xb, Yb, swb, lr / Xb.shape[0] if mean else lr)
                    total += J
                else:
                    J = ws.loss_and_gradient(Xb, Yb, swb)  # on_step sees it without the decay term
                    total += step(J, Xb.shape[0], lr)
                steps += 1
                if on_step is not None:
                    self._publish()
                    on_step(J, Xb.shape[0])
            self.steps = steps
        self._publish()
        return total

    def _publish(self) -> None:
        """Copy ``theta`` into the network's own arrays (the arrays users hold)."""
        for p, v in zip(self.params, self.views):
            np.copyto(p, v)

    def restore_if_diverged(self, total: float) -> str | None:
        """After an epoch: None when ``total`` and every weight are finite; else restore the
        weights from the start of the epoch and say what diverged (``"the loss"`` or ``"a weight"``)."""
        if math.isfinite(total) and np.isfinite(self.theta).all():
            return None
        np.copyto(self.theta, self.snapshot)
        self._publish()
        return "the loss" if not math.isfinite(total) else "a weight"

    def _whole_epoch(self, lr: float, rng: np.random.Generator | None) -> float:
        """The whole-epoch path over the in-memory arrays, batches gathered in place.

        Bitwise the same as the per-batch path over ``data.batches(batch_size, rng)``: fused,
        ``ws.sgd_step(Xb, Yb, swb, lr / n if mean else lr)``; else ``ws.loss_and_gradient``
        and the optimizer step. The full batches' index rows come from one reshape of the
        permutation and are gathered into reused buffers.
        """
        if self.epoch_compiled:
            return self._compiled_epoch(lr, rng)
        X, Y, sw = self.data.arrays()
        N, batch_size, mean = self.N, self.batch_size, self.mean
        if self.fused:
            sgd_step = self.ws.sgd_step

            def step(Xb, Yb, swb, n):
                return sgd_step(Xb, Yb, swb, lr / n if mean else lr)
        else:
            gradient, update = self.ws.loss_and_gradient, self._step

            def step(Xb, Yb, swb, n):
                return update(gradient(Xb, Yb, swb), n, lr)
        total = 0.0
        n_full = N // batch_size
        self.steps = -(-N // batch_size)
        if rng is None:
            for start in range(0, N, batch_size):
                stop = min(start + batch_size, N)
                total += step(X[start:stop], Y[start:stop], None if sw is None else sw[start:stop], stop - start)
            return total
        perm = rng.permutation(N)
        Xb, Yb, swb = self._buffers(X, Y, sw)
        take_X, take_Y = X.take, Y.take  # positional (indices, axis, out, mode): no keyword parsing
        for idx in perm[:n_full * batch_size].reshape(n_full, batch_size):
            take_X(idx, 0, Xb, "clip")  # mode="clip" writes straight into out; indices are in range
            take_Y(idx, 0, Yb, "clip")
            if sw is not None:
                sw.take(idx, 0, swb, "clip")
            total += step(Xb, Yb, swb, batch_size)
        n = N - n_full * batch_size
        if n:
            idx = perm[n_full * batch_size:]
            take_X(idx, 0, Xb[:n], "clip")
            take_Y(idx, 0, Yb[:n], "clip")
            if sw is not None:
                sw.take(idx, 0, swb[:n], "clip")
            total += step(Xb[:n], Yb[:n], None if sw is None else swb[:n], n)
        return total

    def _compiled_epoch(self, lr: float, rng: np.random.Generator | None) -> float:
        """The whole epoch in one compiled call (``_numba.small_epoch``).

        The same permutation (one ``rng.permutation(N)``, or the data's order), the same
        batches and the same steps in the same order as :meth:`_whole_epoch`'s loop, with the
        two GEMMs per step through ``np.dot`` in Numba (the BLAS SciPy ships): bitwise the
        Python loop with this machine's BLAS builds (``tests/test_stepper.py``); another build
        of one of them could round a product differently.
        """
        from ._numba import EPOCH_FUSED_SGD, small_epoch

        X, Y, sw = self.data.arrays()
        N, B, mean, ws, theta = self.N, self.batch_size, self.mean, self.ws, self.theta
        perm = rng.permutation(N) if rng is not None else np.arange(N)
        n_full = N // B
        batches, last = perm[:n_full * B].reshape(n_full, B), perm[n_full * B:]
        n_steps = self.steps = n_full + (1 if last.size else 0)
        n_last = last.size or B
        Xb, Yb, swb = self._buffers(X, Y, sw)
        weighted = sw is not None
        if self.fused:
            kind, s1, s2, consts = EPOCH_FUSED_SGD, theta, theta, ()
            steps = [lr / B if mean else lr, lr / n_last if mean else lr]
        else:
            scales = (1.0 / B if mean else 1.0, 1.0 / n_last if mean else 1.0)
            kind, s1, s2, consts, steps = self._opt.epoch_kernel(self._opt_state, [theta], lr, scales, n_steps)
        dt = theta.dtype
        (W1, W2), (b1, b2) = ws.net.weights, ws.net.biases
        (o1, o2), (g1, g2) = ws._o, ws._g
        return float(small_epoch(
            X, Y, sw if weighted else ws._no_weights, weighted, batches, last, Xb, Yb,
            swb if weighted else ws._no_weights, W1, b1, W2, b2, o1, o2, g1, g2, ws.dW[0], ws.dW[1], ws.db[0],
            ws.db[1], ws._codes[0], ws._codes[1], ws._out_code, ws._eps, kind, np.asarray(steps, dtype=np.float64),
            theta, self.g, s1, s2, np.asarray(consts, dtype=dt), float(self._alpha or 0.0), self._n_w,
            theta[:self._n_w], np.empty(1, dtype=dt)))

    def _buffers(self, X: np.ndarray, Y: np.ndarray, sw: np.ndarray | None) -> tuple:
        """One batch's buffers ``(Xb, Yb, swb)``, made on first use and kept for the fit."""
        buffers = getattr(self, "_gather", None)
        if buffers is None:
            B = min(self.batch_size, self.N)
            buffers = self._gather = (np.empty((B,) + X.shape[1:], X.dtype), np.empty((B,) + Y.shape[1:], Y.dtype),
                                      None if sw is None else np.empty(B, sw.dtype))
        return buffers
