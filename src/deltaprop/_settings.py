"""The trainer's settings, checked once per fit and resolved into one frozen record."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ._validation import check_positive
from .errors import InputError, InputTypeError
from .optimizers import Optimizer, get_optimizer
from .schedules import Schedule, get_schedule
from .stopping import StoppingRule

__all__ = ["Hooks", "Settings", "resolve"]


@dataclass(frozen=True)
class Hooks:
    """The callbacks' bound methods, grouped by event (empty tuples for events nobody handles)."""

    begin: tuple = ()
    epoch: tuple = ()
    step: tuple = ()
    end: tuple = ()

    @classmethod
    def of(cls, callbacks) -> "Hooks":
        callbacks = list(callbacks or ())
        return cls(*(tuple(getattr(cb, name) for cb in callbacks if hasattr(cb, name))
                     for name in ("on_train_begin", "on_epoch_end", "on_step_end", "on_train_end")))


@dataclass(frozen=True)
class Settings:
    """Everything a fit needs from the :class:`~deltaprop.training.Trainer`'s arguments, resolved.

    Attributes
    ----------
    opt : Optimizer
    solver_kwargs : dict
        The keyword options for ``opt.init`` (alias presets and ``solver_options`` merged).
    learning_rate : float
        The initial rate; NaN for solvers without one (rprop, lbfgs).
    reduction : {"sum", "mean"}
    batch_size : int or None
        None: min(200, N) for mini-batch solvers, the full batch for the others.
    schedule : Schedule
    schedule_kwargs : dict
    weight_decay : float
        alpha, >= 0.
    clip_norm : float or None
    shuffle : bool
    epochs : int
    stopping : StoppingRule
    validation_fraction : float
        In (0, 1).
    metric : callable or None
    hooks : Hooks
    """

    opt: Optimizer
    solver_kwargs: dict
    learning_rate: float
    reduction: str
    batch_size: int | None
    schedule: Schedule
    schedule_kwargs: dict
    weight_decay: float
    clip_norm: float | None
    shuffle: bool
    epochs: int
    stopping: StoppingRule
    validation_fraction: float
    metric: Callable | None
    hooks: Hooks

    @property
    def mean(self) -> bool:
        return self.reduction == "mean"


def resolve(t) -> Settings:
    """Check every setting of the trainer ``t`` and return them resolved.

    Raises
    ------
    InputError, InputTypeError
        Naming the setting and how to fix it.
    """
    opt, preset = get_optimizer(t.solver)
    check_positive(t.epochs, name="epochs", integer=True)
    lr = opt.learning_rate if t.learning_rate is None else check_positive(t.learning_rate, name="learning_rate")
    reduction = opt.reduction if t.reduction is None else t.reduction
    if reduction not in ("sum", "mean"):
        raise InputError(f"reduction must be 'sum' or 'mean', got {t.reduction!r}")
    bs = t.batch_size
    if bs is not None and bs != "auto":
        if isinstance(bs, str):
            raise InputError(f"batch_size must be a positive integer, 'auto' or None, got {bs!r}")
        check_positive(bs, name="batch_size", integer=True)
        if opt.full_batch:
            raise InputError(
                f"solver {t.solver!r} uses the full batch every step; drop batch_size={bs} "
                "or choose solver='sgd' or 'adam' for mini-batches"
            )
    check_positive(t.weight_decay, name="weight_decay", allow_zero=True)
    if t.clip_norm is not None:
        check_positive(t.clip_norm, name="clip_norm")
    if t.tol is not None:
        check_positive(t.tol, name="tol", allow_zero=True)
    check_positive(t.n_iter_no_change, name="n_iter_no_change", integer=True)
    check_positive(t.validation_fraction, name="validation_fraction")
    if not t.validation_fraction < 1.0:
        raise InputError(f"validation_fraction must be in (0, 1), got {t.validation_fraction!r}")
    if t.metric is not None and not callable(t.metric):
        raise InputTypeError(f"metric must be a callable metric(net, X, Y) -> float, got {t.metric!r}")

    explicit = {"momentum": t.momentum, "nesterov": t.nesterov, "beta_1": t.beta_1, "beta_2": t.beta_2,
                "epsilon": t.epsilon}
    solver_kwargs = {k: explicit[k] for k in opt.options if k in explicit}
    solver_kwargs.update(preset)
    extra = dict(t.solver_options or {})
    unknown = sorted(set(extra) - set(opt.options))
    if unknown:
        valid = ", ".join(opt.options) or "none"
        raise InputError(f"solver_options {unknown} are not options of solver {opt.name!r}; valid: {valid}")
    solver_kwargs.update(extra)

    sched = get_schedule(t.schedule)
    sched_kwargs = {"power_t": t.power_t} if "power_t" in sched.options else {}
    s_extra = dict(t.schedule_options or {})
    unknown = sorted(set(s_extra) - set(sched.options))
    if unknown:
        raise InputError(f"schedule_options {unknown} are not options of schedule {sched.name!r}; "
                         f"valid: {', '.join(sched.options) or 'none'}")
    sched_kwargs.update(s_extra)
    if lr is None and sched.name != "constant":
        raise InputError(f"solver {opt.name!r} has no learning rate to schedule; use schedule='constant'")

    early_stopping = bool(t.early_stopping)
    return Settings(
        opt=opt, solver_kwargs=solver_kwargs, learning_rate=math.nan if lr is None else lr, reduction=reduction,
        batch_size=None if bs == "auto" else bs, schedule=sched, schedule_kwargs=sched_kwargs,
        weight_decay=float(t.weight_decay), clip_norm=None if t.clip_norm is None else float(t.clip_norm),
        shuffle=bool(t.shuffle), epochs=t.epochs,
        stopping=StoppingRule(tol=None if t.tol is None else float(t.tol), n_iter_no_change=t.n_iter_no_change,
                              early_stopping=early_stopping),
        validation_fraction=float(t.validation_fraction), metric=t.metric, hooks=Hooks.of(t.callbacks),
    )
