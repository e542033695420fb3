"""The epoch loop of :class:`~deltaprop.training.Trainer`: steps, validation, stopping, callbacks.

Each epoch: one :meth:`Stepper.epoch <deltaprop._stepper.Stepper.epoch>` (or one
iteration of a driver such as L-BFGS), the divergence check, the validation loss and
metric, the stopping rule (:mod:`deltaprop.stopping`), the schedule, and the callbacks.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ._lbfgs import run_lbfgs
from ._settings import Settings
from ._state import History, Run
from ._stepper import Stepper
from .errors import DivergenceError
from .network import Network

__all__ = ["run_epochs"]


def run_epochs(trainer, net: Network, data, val, s: Settings, run: Run, *, target: int) -> History:
    """Train ``net`` over ``data`` from ``run.epoch`` until ``target`` epochs or a stop; return the history.

    ``trainer`` is what the callbacks receive (and what ``state_dict`` is taken from during
    the run, through its ``_live_net``). With early stopping the best epoch's weights are
    restored at the end; ``run.last_params`` keeps the last ones (a resume starts there).

    Raises
    ------
    DivergenceError
        With the weights from the start of the diverging epoch restored.
    """
    hooks = s.hooks
    trainer._live_net = net  # state_dict() during training reads the live weights
    for f in hooks.begin:
        f(trainer, net)
    try:
        # Overflow on the way to divergence is detected and reported as a DivergenceError.
        with np.errstate(over="ignore", invalid="ignore"):
            if s.opt.minimize is not None:
                _train_driver(trainer, net, data, val, s, run, target)
            else:
                _train_steps(trainer, net, data, val, s, run, target)
        run.last_params = [p.copy() for p in net.weights + net.biases]
        best = run.stopping["best_params"]
        if s.stopping.early_stopping and best is not None:
            for p, b in zip(net.weights + net.biases, best):
                p[...] = b
    finally:
        trainer._live_net = None
        for f in hooks.end:
            f(trainer, net, run.history)
    return run.history


def _train_steps(trainer, net: Network, data, val, s: Settings, run: Run, target: int) -> None:
    """The init/update optimizers: one :meth:`Stepper.epoch` per epoch, bookkeeping after it."""
    on_step = None  # the stepper calls it after every step when there are step callbacks
    if s.hooks.step:
        def on_step(J: float, n: int) -> None:
            run.step += 1
            logs = {"loss": J, "batch_size": n, "epoch": run.epoch}
            for f in s.hooks.step:
                f(trainer, net, run.step, logs)

    stepper = Stepper(net, data, s, run.opt_state, on_step)
    N = data.n_examples
    divisor = N if s.mean else 1
    while run.epoch < target:
        t0 = time.perf_counter()
        lr = run.schedule_state["learning_rate"]
        total = stepper.epoch(lr, run.rng if s.shuffle else None)
        if on_step is None:
            run.step += stepper.steps
        what = stepper.restore_if_diverged(total)
        if what is not None:
            _diverged(run, what, lr)
        run.examples_seen += N
        if _epoch_end(trainer, net, val, s, run, total / divisor, lr, t0, plateau_rule=True):
            break
    else:
        run.history.stop_reason = "max_epochs"


def _train_driver(trainer, net: Network, data, val, s: Settings, run: Run, target: int) -> None:
    """A solver with its own loop (L-BFGS): one of its iterations is one epoch."""
    if run.epoch >= target:
        run.history.stop_reason = "max_epochs"
        return
    early_stopping = s.stopping.early_stopping

    def epoch_end(loss: float, t0: float) -> bool:
        return _epoch_end(trainer, net, val, s, run, loss, math.nan, t0, plateau_rule=early_stopping)

    what = run_lbfgs(net, data, s, run, target, epoch_end)
    if what is not None:
        _diverged(run, what, math.nan)


def _diverged(run: Run, what: str, lr: float) -> None:
    run.history.stop_reason = "diverged"
    hint = (f"use a smaller learning rate than {lr:g} (e.g. {lr / 10:g})" if math.isfinite(lr)
            else "use smaller step sizes (solver_options delta0 / delta_max)")
    raise DivergenceError(
        f"training diverged: {what} became NaN or infinite in epoch {run.epoch} (solver {run.solver!r}); "
        f"the network keeps the weights from the start of that epoch, the last finite ones. "
        f"To fix it, {hint}, or standardise the inputs",
        epoch=run.epoch,
    )


def _epoch_end(trainer, net: Network, val, s: Settings, run: Run, loss: float, lr: float, t0: float,
               plateau_rule: bool) -> bool:
    """Record the epoch, apply the stopping rule and callbacks; True means stop."""
    hist = run.history
    epoch = run.epoch
    run.epoch += 1
    hist.loss.append(float(loss))
    hist.learning_rate.append(float(lr))
    val_loss = val_metric = None
    if val is not None:
        J = val.loss(net) if hasattr(val, "loss") else val.loss_and_gradient(net)[0]
        val_loss = float(J) / (val.n_examples if s.mean else 1)
        hist.val_loss.append(val_loss)
        if s.metric is not None:
            Xv, Yv, swv = val.arrays() if hasattr(val, "arrays") else (
                val.X, val.Y, getattr(val, "sample_weight", None))
            extra = {} if swv is None else {"sample_weight": swv}
            val_metric = float(s.metric(net, Xv, Yv, **extra))
            hist.val_metric.append(val_metric)
    rule = s.stopping
    if rule.early_stopping:
        value = val_metric if s.metric is not None else -val_loss
    else:
        value = -float(loss)
    plateau = rule.update(run.stopping, value, epoch, net.weights + net.biases)
    hist.best_epoch = run.stopping["best_epoch"]
    s.schedule.epoch_end(run.schedule_state, run.epoch, run.examples_seen)
    stop = rule.on_plateau(run.stopping, s.schedule, run.schedule_state) if plateau and plateau_rule else None
    hist.time.append(time.perf_counter() - t0)
    if s.hooks.epoch:
        logs = {"loss": hist.loss[-1], "val_loss": val_loss, "val_metric": val_metric,
                "learning_rate": lr, "time": hist.time[-1]}
        for f in s.hooks.epoch:
            answer = f(trainer, net, epoch, logs)
            if answer and stop is None:
                stop = answer if isinstance(answer, str) else "callback"
    if stop is not None:
        hist.stop_reason = stop
        return True
    return False
