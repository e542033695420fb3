import math

import numpy as np
import pytest

from deltaprop.schedules import get_schedule
from deltaprop.stopping import StoppingRule


def run(rule, losses):
    """Feed minus each loss (higher is better); return the plateau flags and the final state."""
    state = rule.init()
    return [rule.update(state, -loss, epoch) for epoch, loss in enumerate(losses)], state


def test_init_is_plain_data_with_nothing_seen():
    assert StoppingRule().init() == {"best_value": -math.inf, "no_improvement": 0, "best_epoch": None,
                                     "best_params": None}


def test_improvements_smaller_than_tol_count_as_none():
    flags, state = run(StoppingRule(tol=0.1, n_iter_no_change=2), [1.0, 0.95, 0.91, 0.87, 0.5])
    assert flags == [False, False, False, True, False]
    assert state["best_epoch"] == 4 and state["best_value"] == -0.5 and state["no_improvement"] == 0


def test_a_tie_is_no_new_best_and_with_tol_none_no_plateau_either():
    flags, state = run(StoppingRule(tol=None, n_iter_no_change=1), [1.0, 1.0, 1.0, 1.0])
    # With tol None the comparison is against the best plus 0: a tie is not worse, so not counted.
    assert flags == [False] * 4 and state["best_epoch"] == 0 and state["no_improvement"] == 0


def test_a_tie_counts_against_a_positive_tol():
    flags, state = run(StoppingRule(tol=1e-9, n_iter_no_change=1), [1.0, 1.0, 1.0])
    assert flags == [False, False, True] and state["best_epoch"] == 0 and state["no_improvement"] == 2


@pytest.mark.parametrize("tol", [None, 0.0])
def test_with_early_stopping_a_tie_counts_as_no_improvement_so_the_run_stops(tol):
    # issue 16, item 6: a tied (discrete) validation score used to reset the count, so
    # early stopping never stopped. The values here are scores (higher is better).
    rule = StoppingRule(tol=tol, n_iter_no_change=1, early_stopping=True)
    state = rule.init()
    flags = [rule.update(state, 0.9, epoch, [np.zeros(1)]) for epoch in range(3)]
    assert flags == [False, False, True] and state["best_epoch"] == 0 and state["no_improvement"] == 2


def test_a_plateau_needs_more_than_n_iter_no_change_epochs():
    flags, _ = run(StoppingRule(tol=0.0, n_iter_no_change=3), [1.0, 2.0, 2.0, 2.0, 2.0])
    assert flags == [False, False, False, False, True]


def test_a_worse_epoch_then_a_new_best_resets_the_count():
    flags, state = run(StoppingRule(tol=0.0, n_iter_no_change=1), [1.0, 2.0, 0.5, 3.0, 3.0])
    assert flags == [False, False, False, False, True] and state["best_epoch"] == 2


def test_early_stopping_keeps_copies_of_the_best_epochs_parameters():
    rule = StoppingRule(tol=0.0, n_iter_no_change=5, early_stopping=True)
    state = rule.init()
    params = [np.array([1.0, 2.0])]
    for epoch, (score, value) in enumerate([(0.5, 10.0), (0.9, 20.0), (0.7, 30.0)]):
        params[0][:] = value
        rule.update(state, score, epoch, params)
    assert state["best_epoch"] == 1 and state["best_value"] == 0.9
    np.testing.assert_array_equal(state["best_params"][0], [20.0, 20.0])
    assert state["best_params"][0] is not params[0]


def test_without_early_stopping_no_parameters_are_kept():
    rule = StoppingRule(tol=0.0)
    state = rule.init()
    rule.update(state, 1.0, 0, [np.zeros(2)])
    assert state["best_params"] is None


@pytest.mark.parametrize("rule, schedule, reason", [
    (StoppingRule(tol=1e-4), "constant", "tol"),
    (StoppingRule(tol=None), "constant", None),
    (StoppingRule(tol=None, early_stopping=True), "constant", "early_stopping"),
    (StoppingRule(tol=1e-4, early_stopping=True), "step", "early_stopping"),
])
def test_on_plateau_names_the_stop_reason(rule, schedule, reason):
    state = rule.init()
    state["no_improvement"] = 11
    sched = get_schedule(schedule)
    assert rule.on_plateau(state, sched, sched.init(0.1)) == reason
    assert state["no_improvement"] == 11


def test_adaptive_lowers_the_rate_and_restarts_the_count_until_it_reaches_its_minimum():
    rule, sched = StoppingRule(tol=1e-4), get_schedule("adaptive")
    state, sched_state = rule.init(), sched.init(1e-5, min_learning_rate=1e-6)
    state["no_improvement"] = 11
    assert rule.on_plateau(state, sched, sched_state) is None
    assert state["no_improvement"] == 0 and sched_state["learning_rate"] == pytest.approx(2e-6)
    state["no_improvement"] = 11
    assert rule.on_plateau(state, sched, sched_state) is None  # 2e-6 is above the minimum: one more cut
    assert sched_state["learning_rate"] == pytest.approx(4e-7)
    state["no_improvement"] = 11
    assert rule.on_plateau(state, sched, sched_state) == "min_learning_rate"
    assert state["no_improvement"] == 11 and sched_state["learning_rate"] == pytest.approx(4e-7)
