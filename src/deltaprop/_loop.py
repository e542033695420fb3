"""The epoch loop of :class:`~deltaprop.training.Trainer`: steps, checks, validation, stopping, callbacks.

Each epoch: one :meth:`Stepper.epoch <deltaprop._stepper.Stepper.epoch>` (or one
iteration of a driver such as L-BFGS), the divergence checks (:mod:`deltaprop._watch`:
a non-finite loss or weight, a blow-up), the validation loss and metric (non-finite is
divergence too), the stopping rule (:mod:`deltaprop.stopping`), the schedule, and the
callbacks. After the last epoch: the outputs of the final network are checked, early
stopping's best weights restored, and the run's outcome reported through :mod:`warnings`
(:class:`~deltaprop.errors.ConvergenceWarning`, :class:`~deltaprop.errors.SaturationWarning`).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from . import _watch, errors
from ._lbfgs import run_lbfgs
from ._settings import Settings
from ._state import History, Run
from ._stepper import AUTO_BATCH_SIZE, Stepper
from .errors import DivergenceError
from .network import Network

__all__ = ["run_epochs"]

# Every floating-point event on the way to divergence is detected by the checks and
# reported as a DivergenceError; none leaks as a NumPy RuntimeWarning.
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


class _NonFinite(Exception):
    """Internal: what diverged, and in which epoch (caught by the loop, never seen by users)."""

    def __init__(self, what: str, epoch: int):
        super().__init__(what)
        self.epoch = epoch


class _Guard:
    """The weights at the start of the current and of the previous epoch, to fall back on.

    Three flat buffers (``net.weights`` then ``net.biases``) rotate: ``capture()`` copies
    the weights after an epoch into the free one, ``advance()`` makes it the start of the
    next epoch. ``restore()`` writes back the latest of the two starts whose outputs are
    finite on the training data (and the validation data, when there is some) and returns
    the epoch it began.
    """

    def __init__(self, net: Network, data, val, epoch: int):
        self.net, self.data, self.val = net, data, val
        self.params = net.weights + net.biases
        self.start = np.concatenate(self.params, axis=None)
        self.prev = self.start.copy()
        self.free = self.start.copy()
        self.epoch = epoch  # the epoch that self.start begins
        self.lr = math.nan  # the learning rate of the current epoch

    def capture(self) -> np.ndarray:
        """The network's weights now, in the free buffer."""
        return np.concatenate(self.params, axis=None, out=self.free)

    def advance(self, theta: np.ndarray) -> None:
        """``theta`` (from :meth:`capture`, after an epoch that passed its checks) starts the next epoch."""
        self.prev, self.start, self.free = self.start, theta, self.prev
        self.epoch += 1

    def training_loss(self) -> float:
        """``sum_i s_i J_i`` over the training data at the current weights; NaN when the
        validation data's outputs are not finite."""
        net = self.net
        J = math.nan
        for source in (self.data, self.val):
            if source is None:
                continue
            J_source = source.loss(net) if hasattr(source, "loss") else source.loss_and_gradient(net)[0]
            if not math.isfinite(J_source):
                return math.nan
            if source is self.data:
                J = J_source
        return J

    def finite_outputs(self) -> bool:
        return math.isfinite(self.training_loss())

    def restore(self) -> int:
        for theta, epoch in ((self.start, self.epoch), (self.prev, max(self.epoch - 1, 0))):
            offset = 0
            for p in self.params:
                np.copyto(p, theta[offset:offset + p.size].reshape(p.shape))
                offset += p.size
            if self.finite_outputs():
                return epoch
        return epoch


def run_epochs(trainer, net: Network, data, val, s: Settings, run: Run, *, target: int,
               incremental: bool = False) -> History:
    """Train ``net`` over ``data`` from ``run.epoch`` until ``target`` epochs or a stop; return the history.

    ``trainer`` is what the callbacks receive (and what ``state_dict`` is taken from during
    the run, through its ``_live_net``). With early stopping the best epoch's weights are
    restored at the end (``History.restored_epoch`` says so); ``run.last_params`` keeps the
    last ones (a resume starts there). The run's outcome is reported through
    :mod:`warnings`: a model worse than at the start (not for ``incremental`` calls, whose
    data changes from call to call), a stop at a solver's own limit
    (:class:`~deltaprop.errors.ConvergenceWarning`), saturated units
    (:class:`~deltaprop.errors.SaturationWarning`, once per run).

    The final network's outputs and loss are checked after the last epoch: from an
    in-memory source (:class:`~deltaprop.sources.InMemory`) read once more for full-batch
    solvers; L-BFGS gives the loss of its last evaluation, at the final weights; a
    mini-batch run is read again only when the weights cannot prove the outputs finite
    (:func:`_proven_finite`). Other sources (Dask, out-of-core) are not read again: their
    final check is the last epoch's.

    Raises
    ------
    DivergenceError
        When a loss, weight, validation loss or metric, or the final network's outputs
        become non-finite, or the loss or a weight blows up (:mod:`deltaprop._watch`);
        the network holds the last weights whose outputs are finite.
    """
    hooks = s.hooks
    run.history.solver, run.history.reduction = run.solver, s.reduction
    trainer._live_net = net  # state_dict() during training reads the live weights
    for f in hooks.begin:
        f(trainer, net)
    try:
        with np.errstate(**_QUIET):
            guard = _Guard(net, data, val, run.epoch)
            first = len(run.history.loss)
            final = None  # sum_i s_i J_i at the final weights, when the data is read again
            try:
                known = None  # sum_i s_i J_i at the final weights, when the solver computed it there
                if s.opt.minimize is not None:
                    known = _train_driver(trainer, net, data, val, s, run, target, guard)
                else:
                    _train_steps(trainer, net, data, val, s, run, target, guard)
                if known is not None and run.history.loss[first:]:
                    final = known
                    if not math.isfinite(final):
                        raise _NonFinite(f"the outputs of the network became NaN or infinite after epoch "
                                         f"{run.epoch - 1}", run.epoch - 1)
                elif hasattr(data, "arrays") and run.history.loss[first:] and not _proven_finite(net, data, s):
                    final = guard.training_loss()
                    if not math.isfinite(final):
                        raise _NonFinite(f"the outputs of the network became NaN or infinite after epoch "
                                         f"{run.epoch - 1}", run.epoch - 1)
            except _NonFinite as exc:
                _diverged(run, s, data, guard, exc)
            run.last_params = [p.copy() for p in net.weights + net.biases]
            best = run.stopping["best_params"]
            hist = run.history
            if s.stopping.early_stopping and best is not None:
                for p, b in zip(net.weights + net.biases, best):
                    p[...] = b
                if hist.best_epoch is not None and hist.best_epoch != run.epoch - 1:
                    hist.restored_epoch = hist.best_epoch
                    final = guard.training_loss() if final is not None else None
            _report(net, data, s, run, final, first, incremental, guard)
    finally:
        trainer._live_net = None
        for f in hooks.end:
            f(trainer, net, run.history)
    return run.history


def _proven_finite(net: Network, data, s: Settings) -> bool:
    """Whether a mini-batch run may skip the final pass over the data.

    A full-batch epoch is one step, and its loss is taken before that step: the final
    network's loss needs one forward pass (a third of a step), which also makes the
    "worse than at the start" comparison exact. A mini-batch epoch's loss is the running
    loss of its steps, as in scikit-learn's ``loss_curve_``; the final pass would cost a
    third of an epoch, so it is made only when the weights cannot prove the outputs finite
    (:func:`deltaprop._watch.finite_by_bound`; the inputs' and targets' largest magnitudes
    are one cheap reduction each). The run's outcome is then judged on the running losses.
    """
    batch = AUTO_BATCH_SIZE if s.batch_size is None else s.batch_size  # None: min(200, N), the stepper's
    if s.opt.minimize is not None or s.opt.full_batch or batch >= data.n_examples:
        return False
    X, Y, sw = data.arrays()
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(sw.sum()) if sw is not None else float(len(X))
    read = getattr(data, "largest_magnitudes", None)  # ArrayData: X read once, or by the estimator's check
    x_max, y_max = read() if read is not None else (_watch.largest_magnitude(X), _watch.largest_magnitude(Y))
    return _watch.finite_by_bound(net, x_max, y_max, total)


def _check_step(run: Run, guard: _Guard, loss: float) -> np.ndarray:
    """The checks after an epoch's steps; returns the new weights as one flat vector."""
    theta = guard.capture()
    e = run.epoch
    if not math.isfinite(loss):
        raise _NonFinite(f"the loss became NaN or infinite in epoch {e}", e)
    if not math.isfinite(float(np.dot(theta, theta))) and not np.isfinite(theta).all():  # one pass when finite
        raise _NonFinite(f"a weight became NaN or infinite in epoch {e}", e)
    if run.watch["start_loss"] is None:  # the run's first epoch (L-BFGS records its first evaluation)
        run.watch["start_loss"] = loss
    what = _watch.blow_up(run.watch, loss, theta)
    if what is not None:
        raise _NonFinite(f"{what} in epoch {e} (a blow-up, caught before it overflows)", e)
    return theta


def _train_steps(trainer, net: Network, data, val, s: Settings, run: Run, target: int, guard: _Guard) -> None:
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
        guard.lr = lr
        total = stepper.epoch(lr, run.rng if s.shuffle else None)
        if on_step is None:
            run.step += stepper.steps
        guard.advance(_check_step(run, guard, total / divisor))
        run.examples_seen += N
        if _epoch_end(trainer, net, val, s, run, total / divisor, lr, t0, plateau_rule=True):
            break
    else:
        run.history.stop_reason = "max_epochs"


def _train_driver(trainer, net: Network, data, val, s: Settings, run: Run, target: int,
                  guard: _Guard) -> float | None:
    """A solver with its own loop (L-BFGS): one of its iterations is one epoch.

    Returns ``sum_i s_i J_i`` at the final weights when the driver evaluated it there
    (None otherwise): the final check then needs no pass over the data.
    """
    if run.epoch >= target:
        run.history.stop_reason = "max_epochs"
        return None
    early_stopping = s.stopping.early_stopping
    final: dict = {}

    def epoch_end(loss: float, t0: float) -> bool:
        guard.advance(_check_step(run, guard, loss))
        return _epoch_end(trainer, net, val, s, run, loss, math.nan, t0, plateau_rule=early_stopping)

    if run_lbfgs(net, data, s, run, target, epoch_end, final) is not None:
        raise _NonFinite(f"a weight became NaN or infinite in epoch {run.epoch}", run.epoch)
    return final.get("J")


def _advice(s: Settings, lr: float, N: int) -> str:
    """How to avoid the divergence, for this solver and reduction."""
    name = s.opt.name
    if name.startswith("rprop") or name.startswith("irprop"):
        return "use smaller step sizes (solver_options delta0 / delta_max)"
    if not math.isfinite(lr):
        return "add weight decay, or standardise the targets"
    advice = f"use a smaller learning rate than {lr:g} (e.g. {lr / 10:g})"
    if not s.mean and N > 1:
        advice += (f"; the summed gradient (reduction='sum') grows with N, so eta_sum = eta_mean / N: "
                   f"about {0.1 / N:.2g} here (N = {N}) for the eta_mean = 0.1 of reduction='mean'")
    return advice


def _diverged(run: Run, s: Settings, data, guard: _Guard, exc: _NonFinite) -> None:
    run.history.stop_reason = "diverged"
    lr = guard.lr
    kept = guard.restore()
    rate = f", learning rate {lr:g}" if math.isfinite(lr) else ""  # rprop and lbfgs have none
    raise DivergenceError(
        f"training diverged: {exc} (solver {run.solver!r}{rate}); the network keeps "
        f"the weights from the start of epoch {kept}, the last whose outputs are finite. "
        f"To fix it, {_advice(s, lr, data.n_examples)}, or standardise the inputs",
        epoch=exc.epoch, solver=run.solver, learning_rate=lr,
    ) from None


def _epoch_end(trainer, net: Network, val, s: Settings, run: Run, loss: float, lr: float, t0: float,
               plateau_rule: bool) -> bool:
    """Validate and record the epoch, apply the stopping rule and callbacks; True means stop."""
    hist = run.history
    epoch = run.epoch
    val_loss = val_metric = None
    if val is not None:
        J = val.loss(net) if hasattr(val, "loss") else val.loss_and_gradient(net)[0]
        val_loss = float(J) / (val.n_examples if s.mean else 1)
        if not math.isfinite(val_loss):
            raise _NonFinite(f"the validation loss became NaN or infinite in epoch {epoch}", epoch)
        if s.metric is not None:
            Xv, Yv, swv = val.arrays() if hasattr(val, "arrays") else (
                val.X, val.Y, getattr(val, "sample_weight", None))
            extra = {} if swv is None else {"sample_weight": swv}
            val_metric = float(s.metric(net, Xv, Yv, **extra))
            if not math.isfinite(val_metric):
                raise _NonFinite(f"the validation metric became NaN or infinite in epoch {epoch}", epoch)
    run.epoch += 1
    hist.loss.append(float(loss))
    hist.learning_rate.append(float(lr))
    if val_loss is not None:
        hist.val_loss.append(val_loss)
    if val_metric is not None:
        hist.val_metric.append(val_metric)
    rule = s.stopping
    if rule.early_stopping:
        value = val_metric if s.metric is not None else -val_loss
    else:
        value = -float(loss)
    plateau = rule.update(run.stopping, value, epoch, net.weights + net.biases)
    hist.best_epoch = run.stopping["best_epoch"]
    s.schedule.epoch_end(run.schedule_state, run.epoch, run.examples_seen)
    stop = None
    if plateau and plateau_rule:
        start = run.watch["start_loss"]
        stop = rule.on_plateau(run.stopping, s.schedule, run.schedule_state,
                               worse_than_start=start is not None and float(loss) > start)
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


def _warn(message: str, category) -> None:
    warnings.warn(message, category, stacklevel=5)  # _report, run_epochs, fit: the caller of fit


def _report(net: Network, data, s: Settings, run: Run, J: float | None, first: int, incremental: bool,
            guard: _Guard) -> None:
    """The run's outcome, through :mod:`warnings`: a solver's own limit, a model worse than at
    the start, a model no better than a constant when units are saturated or the tol rule
    stopped the run (once per run).

    ``J`` is ``sum_i s_i J_i`` over the training data at the network's final weights (None
    when the data was not read again: the last epoch's loss stands in); ``first`` the
    index of this call's first epoch in the history.
    """
    hist, watch = run.history, run.watch
    if len(hist.loss) <= first:  # nothing trained in this call
        return
    reason = hist.stop_reason or ""
    if reason.startswith("lbfgs:"):
        _warn(f"L-BFGS stopped before converging after {hist.n_epochs} iterations ({reason[7:]}); "
              "raise max_fun (or epochs / max_iter), or standardise the data", errors.ConvergenceWarning)
    divisor = data.n_examples if s.mean else 1
    if J is None:
        final = hist.loss[-1]
    else:
        decay = 0.5 * s.weight_decay * sum(float(np.vdot(W, W)) for W in net.weights) if s.weight_decay else 0.0
        final = (J + decay) / divisor
    start = watch["start_loss"]
    if not incremental and start is not None and final > start:
        which = f"the restored model of epoch {hist.restored_epoch}" if hist.restored_epoch is not None else (
            "the final model")
        _warn(f"{which} has a higher training loss ({final:.6g}) than at the start of the run ({start:.6g}); "
              "the run made the network worse. Try a smaller learning rate, another solver, or more epochs",
              errors.ConvergenceWarning)
    if watch["warned_saturation"] or not hasattr(data, "arrays") or hist.n_epochs < _watch.MIN_EPOCHS:
        return
    X, Y, sw = data.arrays()
    with np.errstate(**_QUIET):
        constant = _watch.constant_loss(net, Y, sw)
        if J is None:  # a mini-batch run not read again: its running loss decides whether to look
            if not hist.loss[-1] * divisor >= constant:
                return
            J = guard.training_loss()
        if not J >= constant:
            return
        layers = _watch.saturated_units(net, X)
    converged = reason == "tol"  # the tol rule says "converged": not to a model no better than a constant
    if not (layers or converged):
        return
    watch["warned_saturation"] = True
    lr = hist.learning_rate[-1] if hist.learning_rate else math.nan
    advice = "standardise the inputs, lower the weight decay, or start from smaller weights"
    if math.isfinite(lr):
        advice = f"use a smaller learning rate than {lr:g}, " + advice
        if not s.mean:
            advice += (f"; with the summed gradient eta_sum = eta_mean / N (about {0.1 / data.n_examples:.2g} "
                       f"for N = {data.n_examples}), or use reduction='mean'")
    what = (f"the training loss of the final model ({J / divisor:.6g} without weight decay) is no lower than "
            f"predicting the targets' mean ({constant / divisor:.6g})")
    if not layers:
        _warn(f"the tol rule stopped the run, but {what}: the network learned nothing usable. To fix it, "
              f"{advice}, or set tol=None to run all epochs", errors.ConvergenceWarning)
        return
    where = ", ".join(f"{n} of {m} units in layer {t}" for t, n, m in layers)
    _warn(f"{what}, and units are saturated (outputs pinned at their bounds, gradient near zero): {where}. "
          f"To fix it, {advice}", errors.SaturationWarning)
