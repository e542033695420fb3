"""Learning-rate schedules: plain-data state, updated once per epoch.

A schedule is three small functions on a ``dict`` state (plain data, saved in
checkpoints), looked up by name in :data:`SCHEDULES`:

* ``init(learning_rate, **options) -> state``; ``state["learning_rate"]`` is the rate the
  next epoch uses.
* ``epoch_end(state, epochs_done, examples_seen) -> learning_rate`` after every epoch.
* ``on_plateau(state) -> bool`` when the trainer sees ``n_iter_no_change`` epochs without
  an improvement of at least ``tol``: True means "handled, keep training" (the rate was
  reduced); False lets the trainer stop, with the schedule's ``plateau_stop`` as the stop
  reason when it has one (``"min_learning_rate"`` for ``adaptive``), else the stopping
  rule's own (:mod:`deltaprop.stopping`).

==============  ===========================================================================
``constant``    eta_t = eta_0
``invscaling``  eta_t = eta_0 / (t + 1)^power_t, t = examples seen so far (scikit-learn's
                "invscaling", updated at the end of each epoch)
``step``        eta_t = eta_0 * drop^floor(epochs / step_size)
``adaptive``    constant until a plateau, then eta / factor (5); training stops when eta
                would go below ``min_learning_rate`` (1e-6): scikit-learn's "adaptive",
                i.e. reduce-on-plateau
==============  ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .errors import InputError, InputTypeError

__all__ = ["Schedule", "SCHEDULES", "get_schedule"]


def _never(state: dict) -> bool:
    return False


def _keep(state: dict, epochs_done: int, examples_seen: int) -> float:
    return state["learning_rate"]


def constant_init(learning_rate: float) -> dict:
    """eta_t = eta_0 for every epoch."""
    return {"learning_rate": float(learning_rate)}


def invscaling_init(learning_rate: float, *, power_t: float = 0.5) -> dict:
    """eta_t = eta_0 / (t + 1)^power_t with t the number of examples seen (scikit-learn)."""
    if not float(power_t) >= 0:
        raise InputError(f"power_t must be >= 0, got {power_t!r}")
    return {"learning_rate": float(learning_rate), "learning_rate_init": float(learning_rate), "power_t": float(power_t)}


def invscaling_epoch_end(state: dict, epochs_done: int, examples_seen: int) -> float:
    state["learning_rate"] = state["learning_rate_init"] / (examples_seen + 1) ** state["power_t"]
    return state["learning_rate"]


def step_init(learning_rate: float, *, step_size: int = 10, drop: float = 0.5) -> dict:
    """eta_t = eta_0 * drop^floor(epochs / step_size): multiply by ``drop`` every ``step_size`` epochs."""
    if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
        raise InputError(f"step_size must be a positive integer, got {step_size!r}")
    if not 0.0 < float(drop) <= 1.0:
        raise InputError(f"drop must be in (0, 1], got {drop!r}")
    return {"learning_rate": float(learning_rate), "learning_rate_init": float(learning_rate),
            "step_size": step_size, "drop": float(drop)}


def step_epoch_end(state: dict, epochs_done: int, examples_seen: int) -> float:
    state["learning_rate"] = state["learning_rate_init"] * state["drop"] ** (epochs_done // state["step_size"])
    return state["learning_rate"]


def adaptive_init(learning_rate: float, *, factor: float = 5.0, min_learning_rate: float = 1e-6) -> dict:
    """Reduce on plateau: divide eta by ``factor`` whenever training stalls (scikit-learn's "adaptive")."""
    if not float(factor) > 1.0:
        raise InputError(f"factor must be > 1, got {factor!r}")
    return {"learning_rate": float(learning_rate), "factor": float(factor),
            "min_learning_rate": float(min_learning_rate)}


def adaptive_on_plateau(state: dict) -> bool:
    # scikit-learn: stop once the rate is already at or below 1e-6, else divide by 5.
    if state["learning_rate"] <= state["min_learning_rate"]:
        return False
    state["learning_rate"] /= state["factor"]
    return True


@dataclass(frozen=True)
class Schedule:
    """A named learning-rate schedule (see the module docstring for the protocol)."""

    name: str
    init: Callable[..., dict]
    epoch_end: Callable[[dict, int, int], float] = _keep
    on_plateau: Callable[[dict], bool] = _never
    options: tuple[str, ...] = field(default=())
    #: The stop reason when ``on_plateau`` declines (the rate cannot go lower); None: the
    #: stopping rule's own reason.
    plateau_stop: str | None = None


SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule("constant", constant_init),
    "invscaling": Schedule("invscaling", invscaling_init, invscaling_epoch_end, options=("power_t",)),
    "step": Schedule("step", step_init, step_epoch_end, options=("step_size", "drop")),
    "adaptive": Schedule("adaptive", adaptive_init, on_plateau=adaptive_on_plateau,
                         options=("factor", "min_learning_rate"), plateau_stop="min_learning_rate"),
}


def get_schedule(name) -> Schedule:
    """The :class:`Schedule` called ``name``; an unknown name raises InputError listing the valid ones.

    Examples
    --------
    >>> from deltaprop.schedules import get_schedule
    >>> s = get_schedule("step")
    >>> state = s.init(0.1, step_size=2, drop=0.5)
    >>> [s.epoch_end(state, e, 0) for e in (1, 2, 3, 4)]
    [0.1, 0.05, 0.05, 0.025]
    """
    if not isinstance(name, str):
        raise InputTypeError(f"schedule must be a name (str), got {name!r}")
    if name not in SCHEDULES:
        raise InputError(f"unknown schedule {name!r}; choose one of {', '.join(map(repr, SCHEDULES))}")
    return SCHEDULES[name]
