import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import InputError
from deltaprop.schedules import SCHEDULES, get_schedule

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_registry_names():
    assert set(SCHEDULES) == {"constant", "invscaling", "step", "adaptive"}


@pytest.mark.parametrize("name, options", [("constant", {}), ("invscaling", {"power_t": 0.25}),
                                           ("step", {"step_size": 2, "drop": 0.5}), ("adaptive", {})])
def test_the_trainer_follows_each_registered_schedule_epoch_by_epoch(name, options):
    # The trainer's learning-rate record is the schedule's own sequence: state from init,
    # then epoch_end after every epoch with the epochs done and the examples seen (4 per epoch).
    kw = {k: v for k, v in options.items() if k != "power_t"}
    h = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, solver="gd", learning_rate=0.4, epochs=5,
                 schedule=name, power_t=options.get("power_t", 0.5), schedule_options=kw or None)
    s = dp.SCHEDULES[name]
    state = s.init(0.4, **options)
    expected = [state["learning_rate"]] + [s.epoch_end(state, e, 4 * e) for e in range(1, 5)]
    assert h.learning_rate == expected
    if name != "constant":
        assert len(set(expected)) > 1 or name == "adaptive"


def test_only_adaptive_names_a_stop_reason_for_a_plateau_it_cannot_handle():
    assert {name: s.plateau_stop for name, s in SCHEDULES.items()} == {
        "constant": None, "invscaling": None, "step": None, "adaptive": "min_learning_rate"}


def test_constant_never_changes_and_never_handles_a_plateau():
    s = get_schedule("constant")
    state = s.init(0.3)
    assert [s.epoch_end(state, e, 100 * e) for e in range(1, 4)] == [0.3, 0.3, 0.3]
    assert s.on_plateau(state) is False


def test_invscaling_is_eta0_over_t_plus_1_to_the_power_t():
    s = get_schedule("invscaling")
    state = s.init(0.1, power_t=0.25)
    for t in (0, 7, 100):
        assert s.epoch_end(state, 1, t) == pytest.approx(0.1 / (t + 1) ** 0.25, rel=1e-15)


def test_invscaling_matches_scikit_learns_sgd_optimizer():
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    ref = SGDOptimizer([np.zeros(1)], learning_rate_init=0.05, lr_schedule="invscaling", power_t=0.5)
    s = get_schedule("invscaling")
    state = s.init(0.05, power_t=0.5)
    for t in (40, 80, 120):
        ref.iteration_ends(t)
        assert s.epoch_end(state, t // 40, t) == ref.learning_rate


def test_step_decay_drops_every_step_size_epochs():
    s = get_schedule("step")
    state = s.init(1.0, step_size=3, drop=0.1)
    rates = [s.epoch_end(state, e, 0) for e in range(1, 8)]
    np.testing.assert_allclose(rates, [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01], rtol=1e-15)


def test_adaptive_divides_by_5_until_the_minimum_then_stops():
    s = get_schedule("adaptive")
    state = s.init(1e-4)
    seen = []
    while s.on_plateau(state):
        seen.append(state["learning_rate"])
    np.testing.assert_allclose(seen, [2e-5, 4e-6, 8e-7], rtol=1e-12)
    assert state["learning_rate"] <= 1e-6


def test_trainer_records_the_scheduled_rates():
    history = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, solver="sgd", batch_size=2, learning_rate=0.2,
                       schedule="invscaling", power_t=0.5, epochs=4, seed=0)
    # epoch e uses eta_0 / (4 e + 1)^0.5: the rate is updated after each epoch of N = 4 examples
    np.testing.assert_allclose(history.learning_rate, [0.2 / (4 * e + 1) ** 0.5 for e in range(4)], rtol=1e-15)
    history = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, learning_rate=0.2, schedule="step",
                       schedule_options={"step_size": 2, "drop": 0.5}, epochs=5)
    assert history.learning_rate == [0.2, 0.2, 0.1, 0.1, 0.05]


@pytest.mark.parametrize("name, options, message", [
    ("invscaling", {"power_t": -1}, "power_t"),
    ("step", {"step_size": 0}, "step_size"),
    ("step", {"drop": 2.0}, "drop"),
    ("adaptive", {"factor": 1.0}, "factor"),
])
def test_bad_schedule_options_name_the_problem(name, options, message):
    with pytest.raises(InputError, match=message):
        get_schedule(name).init(0.1, **options)


def test_unknown_schedule_lists_the_valid_ones():
    with pytest.raises(InputError, match="'constant', 'invscaling', 'step', 'adaptive'"):
        get_schedule("cosine")
