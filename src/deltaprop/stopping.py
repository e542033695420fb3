"""The stopping rule: scikit-learn's ``tol`` / ``n_iter_no_change`` rule as init/update on plain data.

After every epoch the trainer hands the rule one score, higher is better: minus the
training loss, or with early stopping the validation metric (or minus the validation
loss). An epoch counts as "no improvement" when its score fails to beat the best so far
by ``tol``; with early stopping a tie with the best counts as no improvement too (a
discrete score such as accuracy ties often, and a tie that reset the count would never
let the run stop); after more than ``n_iter_no_change`` such epochs in a row the run is
on a plateau. What happens then (:meth:`StoppingRule.on_plateau`): a schedule that
handles plateaus ("adaptive") lowers the learning rate and the count starts again;
otherwise training stops if ``tol`` is set or early stopping is on (``tol=None`` runs all
epochs), except that the ``tol`` rule does not stop a run whose loss is still above the
loss it started from (it would lock in a model worse than the start; the run goes on).

The state is a ``dict`` of plain data, saved in checkpoints like the optimizer's:

``best_value`` : float
    The best score so far (-inf before the first epoch).
``no_improvement`` : int
    Epochs in a row without an improvement of at least ``tol``.
``best_epoch`` : int or None
    The 0-based epoch of ``best_value``.
``best_params`` : list of ndarray or None
    With early stopping, a copy of the parameters at ``best_epoch`` (restored at the end).

>>> rule = StoppingRule(tol=0.1, n_iter_no_change=1)
>>> state = rule.init()
>>> [rule.update(state, -loss, epoch) for epoch, loss in enumerate([1.0, 0.95, 0.92, 0.5])]
[False, False, True, False]
>>> state["best_epoch"], state["no_improvement"]
(3, 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["StoppingRule"]


@dataclass(frozen=True)
class StoppingRule:
    """The settings of the rule; the state it works on is plain data (see the module docstring).

    Parameters
    ----------
    tol : float or None
        The improvement that counts; None counts against 0 and never stops (the notes run a
        fixed number of epochs).
    n_iter_no_change : int
        Epochs without improvement tolerated before the plateau action.
    early_stopping : bool
        The score is the validation score; the best epoch's parameters are kept.
    """

    tol: float | None = None
    n_iter_no_change: int = 10
    early_stopping: bool = False

    def init(self) -> dict:
        """A fresh state: nothing seen yet."""
        return {"best_value": -math.inf, "no_improvement": 0, "best_epoch": None, "best_params": None}

    def update(self, state: dict, value: float, epoch: int, params: list | None = None) -> bool:
        """Record epoch ``epoch``'s score ``value``; True when the run is now on a plateau.

        ``params`` (the network's arrays) are copied into ``state["best_params"]`` when the
        score is a new best and early stopping is on. A tie with the best is no new best
        and, with early stopping or a positive ``tol``, no improvement.
        """
        tol = 0.0 if self.tol is None else self.tol
        best = state["best_value"]
        if value < best + tol or (self.early_stopping and value == best):
            state["no_improvement"] += 1
        else:
            state["no_improvement"] = 0
        if value > state["best_value"]:
            state["best_value"] = value
            state["best_epoch"] = epoch
            if self.early_stopping and params is not None:
                best = state["best_params"]
                if best is None:
                    state["best_params"] = [p.copy() for p in params]
                else:
                    for b, p in zip(best, params):
                        np.copyto(b, p)
        return state["no_improvement"] > self.n_iter_no_change

    def on_plateau(self, state: dict, schedule, schedule_state: dict, *, worse_than_start: bool = False
                   ) -> str | None:
        """What a plateau does: None to train on, else the stop reason.

        ``schedule.on_plateau(schedule_state)`` gets the first word: when it lowers the rate
        the count starts again; when it declines, its ``plateau_stop`` reason (if any) ends
        the run. Otherwise early stopping stops with ``"early_stopping"`` and a set ``tol``
        with ``"tol"``, unless ``worse_than_start`` (the training loss is above the run's
        start): then the run goes on rather than stop at a model worse than its start.
        """
        if schedule.on_plateau(schedule_state):
            state["no_improvement"] = 0
            return None
        if schedule.plateau_stop is not None:
            return schedule.plateau_stop
        if self.early_stopping:
            return "early_stopping"
        if self.tol is not None and not worse_than_start:
            return "tol"
        return None
