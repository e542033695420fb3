"""A run tells the truth (issue 12): divergence, blow-ups, saturation and bad stops are reported.

Each case of the issue is a test with its right behaviour; the rules and thresholds are
those of :mod:`deltaprop._watch` (and the README's "Reliability" section). The suite runs
with warnings as errors, so every test here also proves that no NumPy RuntimeWarning leaks
and that a run which is not expected to warn does not.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.preprocessing import StandardScaler

import deltaprop as dp
from deltaprop import _watch
from deltaprop.errors import ConvergenceWarning, DeltapropWarning, DivergenceError, SaturationWarning
from deltaprop.estimators import MLPClassifier, MLPRegressor
from deltaprop.stopping import StoppingRule


def issue_data(n=200, seed=0):
    """Issue 12's data: X ~ U(0, 1000) (n x 3), y = X @ [3, -2, 5] + 1e4."""
    X = np.random.default_rng(seed).uniform(0, 1000, (n, 3))
    return X, X @ np.array([3.0, -2.0, 5.0]) + 1e4


def finite_outputs(net, X):
    with np.errstate(all="raise"):
        return bool(np.isfinite(net.forward(X)).all())


def standardised_digits(n=None):
    digits = load_digits()
    X = StandardScaler().fit_transform(digits.data)[:n]
    return X, digits.target[:n]


# --------------------------------------------------------------------------- the warning classes
def test_deltaprop_warnings_are_scikit_learns_convergence_warning_and_made_once():
    assert issubclass(ConvergenceWarning, SklearnConvergenceWarning)
    assert issubclass(ConvergenceWarning, DeltapropWarning)
    assert issubclass(SaturationWarning, ConvergenceWarning)
    from deltaprop import errors

    assert errors.ConvergenceWarning is ConvergenceWarning and errors.SaturationWarning is SaturationWarning
    with pytest.raises(AttributeError):
        errors.NoSuchWarning  # noqa: B018


# --------------------------------------------------------------------------- case 1: non-finite anywhere
def test_case1_identity_sgd_early_stopping_on_large_inputs_ends_in_divergence_not_a_nan_error():
    X, y = issue_data()
    reg = MLPRegressor(hidden_layer_sizes=(10,), activation="identity", solver="sgd", learning_rate_init=0.01,
                       early_stopping=True, random_state=0)
    with pytest.raises(DivergenceError) as info:
        reg.fit(X, y)
    err = info.value
    assert err.solver == "sgd" and err.learning_rate == 0.01 and err.epoch is not None
    assert "smaller learning rate" in str(err) and "epoch" in str(err)
    assert all(np.isfinite(p).all() for p in reg.network_.weights + reg.network_.biases)
    assert finite_outputs(reg.network_, X)


def test_a_non_finite_validation_loss_is_divergence_with_the_epoch():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 2)), rng.uniform(size=(30, 1))
    X_val = np.full((5, 2), 1e300)  # finite inputs whose forward pass overflows
    net = dp.Network([2, 3, 1], activation="identity", output_activation="identity", seed=0)
    with pytest.raises(DivergenceError, match="the validation loss became NaN or infinite in epoch 0") as info:
        dp.train(net, X, Y, solver="rprop", epochs=5, validation_data=(X_val, Y[:5]))
    assert info.value.epoch == 0 and info.value.solver == "rprop" and math.isnan(info.value.learning_rate)
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)


def test_a_non_finite_validation_metric_is_divergence():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 2)), rng.uniform(size=(30, 1))
    net = dp.Network([2, 3, 1], seed=0)
    before = net.get_flat_parameters()

    def metric(net, X, Y):
        return math.nan

    with pytest.raises(DivergenceError, match="the validation metric became NaN or infinite in epoch 0"):
        dp.train(net, X, Y, solver="sgd", learning_rate=0.1, epochs=5, early_stopping=True, metric=metric, seed=0)
    # The weights after epoch 0 have finite outputs on both data sets: they are the ones kept.
    assert not np.array_equal(net.get_flat_parameters(), before)
    assert finite_outputs(net, X)


def test_the_outputs_of_the_final_network_are_checked_and_the_last_finite_weights_kept():
    # RPROP's steps do not depend on the gradient's scale, so inputs of 1e100 train with a
    # finite loss. A callback then moves a weight to 1e60 (below the weight bound): the final
    # network's loss overflows, and the run raises with the weights after the last step.
    X = np.array([[1e100], [-1e100], [2e100]])
    Y = np.array([[0.0], [1.0], [0.5]])
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    after_step = []

    class Spoil:
        def on_epoch_end(self, trainer, net, epoch, logs):
            after_step.append(net.get_flat_parameters())
            net.weights[0][0, 0] = 1e60

    with pytest.raises(DivergenceError, match="the outputs of the network became NaN or infinite after epoch 0"):
        dp.train(net, X, Y, solver="rprop", epochs=1, callbacks=[Spoil()])
    np.testing.assert_array_equal(net.get_flat_parameters(), after_step[0])
    assert math.isfinite(net.loss(X, Y))


def count_final_reads(monkeypatch):
    """The number of whole-data loss evaluations (the final check's pass) made from now on."""
    from deltaprop.sources import ArrayData

    calls, loss = [], ArrayData.loss
    monkeypatch.setattr(ArrayData, "loss", lambda self, net: calls.append(1) or loss(self, net))
    return calls


@pytest.mark.parametrize("solver, batch_size, reads", [("sgd", 10, 0), ("adam", 10, 0), ("adam", None, 0),
                                                       ("sgd", 300, 1), ("gd", None, 1), ("rprop", None, 1),
                                                       ("lbfgs", None, 0)])
def test_a_mini_batch_run_proves_its_final_outputs_finite_without_reading_the_data_again(monkeypatch, solver,
                                                                                         batch_size, reads):
    X, y = standardised_digits(300)
    Y = np.eye(10)[y]
    calls = count_final_reads(monkeypatch)
    dp.train(dp.Network([64, 10, 10], seed=0), X, Y, solver=solver, batch_size=batch_size, learning_rate=0.01,
             epochs=2, seed=0)
    # A full-batch run (one step per epoch) computes its final loss exactly; L-BFGS knows it
    # from its own last evaluation, at the final weights.
    assert len(calls) == reads


def test_a_mini_batch_run_whose_final_outputs_the_weights_cannot_prove_finite_is_read_again_and_caught(
        monkeypatch):
    # Three identity layers with weights of 1e60 give outputs near 1e180 on inputs near 1:
    # finite, but their squared error overflows. The bound cannot prove the loss finite, so
    # the data is read again and the run raises, keeping the weights after the last step.
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(0.5, 1.0, (40, 1)), rng.uniform(size=(40, 1))
    net = dp.Network([1, 1, 1, 1], activation="identity", output_activation="identity", seed=0)
    calls, after_step = count_final_reads(monkeypatch), []

    class Spoil:
        def on_epoch_end(self, trainer, net, epoch, logs):
            after_step.append(net.get_flat_parameters())
            for W in net.weights:
                W[...] = 1e60

    with pytest.raises(DivergenceError, match="the outputs of the network became NaN or infinite after epoch 0"):
        dp.train(net, X, Y, solver="sgd", batch_size=8, learning_rate=1e-3, epochs=1, callbacks=[Spoil()], seed=0)
    assert calls  # read again
    np.testing.assert_array_equal(net.get_flat_parameters(), after_step[0])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), log_scale=st.floats(-2.0, 120.0), log_x=st.floats(-2.0, 120.0),
       hidden=st.sampled_from(["sigmoid", "tanh", "relu", "identity", "leaky_relu"]),
       output=st.sampled_from([("identity", "squared_error"), ("sigmoid", "squared_error"),
                               ("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]),
       dtype=st.sampled_from(["float32", "float64"]))
def test_when_the_bound_proves_the_loss_finite_it_is_finite(seed, log_scale, log_x, hidden, output, dtype):
    rng = np.random.default_rng(seed)
    net = dp.Network([3, 4, 4, 2], activation=hidden, output_activation=output[0], loss=output[1], dtype=dtype,
                     seed=seed)
    with np.errstate(over="ignore"):  # weights past the dtype's range become inf: left out below
        for p in net.weights + net.biases:
            p[...] = rng.uniform(-1, 1, p.shape) * 10.0 ** log_scale
    x_max = min(10.0 ** log_x, float(np.finfo(dtype).max))
    X = (rng.uniform(-1, 1, (20, 3)) * x_max).astype(dtype)
    X[0, :] = x_max  # the extreme corner, where sums of same-signed terms are largest
    Y = np.eye(2, dtype=dtype)[rng.integers(0, 2, 20)]
    sw = rng.uniform(0, 3, 20)
    if all(np.isfinite(p).all() for p in net.weights + net.biases) and _watch.finite_by_bound(
            net, float(np.abs(X).max()), 1.0, float(sw.sum())):
        with np.errstate(all="ignore"):
            assert math.isfinite(net._J(net.forward(X), Y, sw))


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=40),
       dtype=st.sampled_from(["float32", "float64"]), contiguous=st.booleans())
def test_the_largest_magnitude_of_the_inputs_is_max_abs_or_inf_for_any_non_finite_entry(values, dtype,
                                                                                          contiguous):
    # The bits kernel (Numba) for contiguous arrays, NumPy's max and min for the others.
    a = np.array(values * 2, dtype=dtype).reshape(2, -1)
    a = a if contiguous else a[:, ::2]
    expected = float(np.abs(a).max()) if np.isfinite(a).all() else math.inf
    assert _watch.largest_magnitude(a) == expected
    assert _watch.largest_magnitude(a[:0]) == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "quickprop", "lbfgs", "rprop"])
def test_every_solver_and_dtype_ends_a_run_on_exploding_inputs_in_divergence_or_a_finite_model(solver, dtype):
    X, y = issue_data(60)
    net = dp.Network([3, 5, 1], activation="relu", output_activation="identity", seed=0, dtype=dtype)
    kwargs = {} if solver in ("lbfgs", "rprop") else {"learning_rate": 1e3}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a finished run may warn; never leak NumPy's
            dp.train(net, X, y[:, None], solver=solver, epochs=30, **kwargs)
    except DivergenceError as err:
        assert err.solver is not None
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)
    assert finite_outputs(net, X.astype(dtype))


# --------------------------------------------------------------------------- case 2: blow-ups
def test_case2_relu_sgd_at_half_is_caught_as_a_blow_up_before_it_overflows():
    X, y = issue_data()
    reg = MLPRegressor(hidden_layer_sizes=(10,), activation="relu", solver="sgd", learning_rate_init=0.5,
                       random_state=0)
    with pytest.raises(DivergenceError, match="blow-up") as info:
        reg.fit(X, y)
    assert "times its best" in str(info.value) and info.value.learning_rate == 0.5
    assert finite_outputs(reg.network_, X)


@pytest.mark.parametrize("solver, extra", [("gd", {}), ("sgd", {}), ("sgd", {"momentum": 0.9}), ("adam", {})])
def test_case2_sigmoid_networks_at_a_learning_rate_of_1e300_raise_divergence(solver, extra):
    X, y = standardised_digits(200)
    clf = MLPClassifier(solver=solver, learning_rate_init=1e300, max_iter=20, random_state=0, **extra)
    with pytest.raises(DivergenceError, match="smaller learning rate than 1e\\+300"):
        clf.fit(X, y)
    assert all(np.abs(p).max() < _watch.weight_bound(np.float64) for p in clf.network_.weights)


def test_case2_quickprop_at_its_defaults_on_diabetes_is_stopped_when_its_loss_grows_by_orders():
    data = load_diabetes()
    X = StandardScaler().fit_transform(data.data)
    Y = (data.target - data.target.mean())[:, None] / data.target.std()
    net = dp.Network([10, 20, 1], activation="relu", output_activation="identity", seed=0)
    with pytest.raises(DivergenceError, match="blow-up") as info:
        dp.train(net, X, Y, solver="quickprop", epochs=100)
    assert info.value.solver == "quickprop"
    assert math.isfinite(net.loss(X, Y))


def test_a_weight_past_the_bound_is_a_blow_up_even_when_the_loss_is_bounded():
    # Sigmoid outputs bound the loss, so only the weights show a rate of 1e100 going wrong.
    X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    net = dp.Network([2, 2, 1], seed=0)
    with pytest.raises(DivergenceError, match="a weight grew past 1.2e\\+77"):
        dp.train(net, X, Y, solver="gd", learning_rate=1e100, epochs=5)


def test_the_weight_bound_is_the_fourth_root_of_the_dtypes_largest_value():
    assert _watch.weight_bound(np.float64) == pytest.approx(1.16e77, rel=1e-2)
    assert _watch.weight_bound(np.float32) == pytest.approx(4.29e9, rel=1e-2)


def test_rprops_legitimate_first_rise_is_no_blow_up():
    # RPROP on iris with sigmoid units: the loss rises to 23 times its best before it falls
    # (the largest legitimate rise measured); the run trains to a loss far below its start.
    iris = load_iris()
    X, Y = StandardScaler().fit_transform(iris.data), np.eye(3)[iris.target]
    net = dp.Network([4, 20, 3], seed=0)
    history = dp.train(net, X, Y, solver="rprop", epochs=100)
    rise = max(b / a for a, b in zip(np.minimum.accumulate(history.loss), history.loss[1:]))
    assert rise > 10
    assert history.loss[-1] < 0.05 * history.loss[0]


def test_the_advice_for_the_summed_gradient_names_eta_sum_equals_eta_mean_over_n():
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    with pytest.raises(DivergenceError, match="eta_sum = eta_mean / N"):
        dp.train(net, X, Y, solver="gd", learning_rate=10.0, epochs=50)
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    with pytest.raises(DivergenceError) as info:
        dp.train(net, X, Y, solver="gd", reduction="mean", learning_rate=20.0, epochs=50)
    assert "eta_sum" not in str(info.value) and "smaller learning rate than 20" in str(info.value)


def test_a_resumed_run_diverges_in_the_same_epoch_with_the_same_message():
    # The blow-up rule's record (start and best loss) travels in the run's state: a run cut
    # after one epoch and resumed decides exactly as the uninterrupted one (epoch 2, 2.6e5
    # times the best loss of 0.114, which was seen before the cut).
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])

    def diverge(trainer, net, **kw):
        with pytest.raises(DivergenceError) as info:
            trainer.fit(net, X, Y, **kw)
        return str(info.value), info.value.epoch, net.get_flat_parameters()

    whole = diverge(dp.Trainer(solver="gd", learning_rate=10.0, epochs=50),
                    dp.Network([1, 1], output_activation="identity", seed=0))
    first = dp.Trainer(solver="gd", learning_rate=10.0, epochs=1)
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    with pytest.warns(ConvergenceWarning, match="higher training loss"):  # 96.8 after one epoch, from 0.114
        first.fit(net, X, Y)
    state = first.state_dict()
    assert state["watch"]["start_loss"] == state["watch"]["best_loss"] == state["history"]["loss"][0]
    again = dp.Trainer(solver="gd", learning_rate=10.0, epochs=50)
    again.load_state_dict(state)
    resumed = diverge(again, net, resume=True)
    assert resumed[:2] == whole[:2] and whole[1] == 2
    np.testing.assert_array_equal(resumed[2], whole[2])


# --------------------------------------------------------------------------- case 3: saturation
def test_case3_the_notes_rule_at_eta_0_1_on_digits_warns_of_saturation_once():
    X, target = standardised_digits()
    Y = np.eye(10)[target]
    net = dp.Network([64, 30, 10], seed=0)
    trainer = dp.Trainer(solver="gd")
    with pytest.warns(SaturationWarning, match="saturated") as record:
        history = trainer.fit(net, X, Y)
    assert len(record) == 1
    message = str(record[0].message)
    assert "eta_sum = eta_mean / N" in message and "smaller learning rate than 0.1" in message
    assert "10 of 10 units in layer 2" in message
    assert history.loss[-1] == history.loss[-2]  # the loss does not move
    assert trainer.state_dict()["watch"]["warned_saturation"] is True


def test_case3_the_readme_gd_sum_classifier_on_digits_warns_of_saturation():
    X, y = standardised_digits()
    # Issue 12 case 3: the notes' exact rule at a rate that suits the mean, not the sum.
    clf = MLPClassifier(solver="gd", reduction="sum", learning_rate_init=0.01, alpha=0.0, activation="logistic",
                        output_activation="sigmoid", loss="squared_error", random_state=0)
    with pytest.warns(SaturationWarning, match="no lower than predicting the targets' mean"):
        clf.fit(X, y)
    assert clf.score(X, y) < 0.2


def test_a_good_run_on_digits_gives_no_warning():
    X, target = standardised_digits()
    net = dp.Network([64, 30, 10], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dp.train(net, X, np.eye(10)[target], solver="adam", learning_rate=0.01, epochs=20, seed=0)
    assert (net.forward(X).argmax(1) == target).mean() > 0.95


def test_saturated_units_are_those_whose_derivative_vanishes_on_almost_every_example():
    net = dp.Network([1, 2, 1], seed=0)
    net.weights[0][:] = [[1e3], [0.1]]  # unit 1 of layer 1 pinned at 0 or 1, unit 2 not
    net.biases[0][:] = 0.0
    X = np.linspace(1, 2, 50)[:, None]
    assert _watch.saturated_units(net, X) == [(1, 1, 2)]


# --------------------------------------------------------------------------- case 4: worse than the start
def test_case4_bounded_output_regressors_on_iris_end_better_than_a_constant_or_warn():
    iris = load_iris()
    X, y = StandardScaler().fit_transform(iris.data[:, 1:]), iris.data[:, 0]
    for output in ("sigmoid", "tanh"):
        for seed in range(20):
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter("always")
                r2 = MLPRegressor(output_activation=output, random_state=seed).fit(X, y).score(X, y)
            warned = [w for w in record if issubclass(w.category, ConvergenceWarning)]
            assert r2 >= 0 or warned, (output, seed, r2)


def test_a_run_that_ends_worse_than_it_started_warns():
    # gd on a linear unit at a rate where each step multiplies the loss by about 3: from
    # 0.11 to 5.5 in 5 epochs (50-fold, far from a blow-up at 1e4).
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    with pytest.warns(ConvergenceWarning, match="higher training loss .* than at the start of the run"):
        history = dp.train(net, X, Y, solver="gd", learning_rate=0.4, epochs=5)
    assert history.loss[-1] > history.loss[0]


def test_the_tol_rule_does_not_stop_while_the_loss_is_above_its_start():
    rule = StoppingRule(tol=1e-4, n_iter_no_change=1)
    state = rule.init()
    for epoch, loss in enumerate([1.0, 2.0, 2.0]):
        plateau = rule.update(state, -loss, epoch)
    assert plateau
    assert rule.on_plateau(state, dp.schedules.get_schedule("constant"), {}, worse_than_start=True) is None
    assert rule.on_plateau(state, dp.schedules.get_schedule("constant"), {}) == "tol"


# --------------------------------------------------------------------------- case 5: other limits
def test_case5_lbfgs_stopped_by_max_fun_warns_from_the_trainer_and_the_estimator():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = X @ np.array([3.0, -2.0, 5.0])
    net = dp.Network([3, 10, 1], output_activation="identity", seed=0)
    with pytest.warns(ConvergenceWarning, match="L-BFGS stopped before converging .*EVALUATIONS EXCEEDS LIMIT"):
        history = dp.train(net, X, y[:, None], solver="lbfgs", epochs=200, solver_options={"max_fun": 10})
    assert history.stop_reason.startswith("lbfgs:")
    with pytest.warns(ConvergenceWarning, match="max_fun"):
        MLPRegressor(solver="lbfgs", max_fun=5, random_state=0).fit(X, y)


def diabetes_standardised():
    data = load_diabetes()
    return StandardScaler().fit_transform(data.data), (data.target - data.target.mean()) / data.target.std()


@pytest.mark.parametrize("max_iter, improving", [(3, True), (4, False)])
def test_max_iter_warning_says_still_improving_only_when_the_training_loss_improved(max_iter, improving):
    # Measured loss curve: 0.471, 0.301, 0.259, 0.276: improving after 3 epochs, risen after 4.
    X, y = diabetes_standardised()
    reg = MLPRegressor(hidden_layer_sizes=(20,), activation="tanh", output_activation="identity", alpha=1e-4,
                       solver="sgd", learning_rate_init=0.05, max_iter=max_iter, n_iter_no_change=2, tol=1e-4,
                       random_state=0)
    with pytest.warns(SklearnConvergenceWarning, match=f"stopped at max_iter={max_iter}") as record:
        reg.fit(X, y)
    message = str(record[0].message)
    assert ("still improving" in message) == improving
    assert ("the training loss went from" in message) == (not improving)


# --------------------------------------------------------------------------- early stopping (issue 16, item 6)
def test_early_stopping_ties_do_not_reset_patience_and_the_restore_is_recorded():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 2)), rng.uniform(size=(40, 1))
    net = dp.Network([2, 3, 1], seed=0)
    history = dp.train(net, X, Y, solver="sgd", learning_rate=0.1, epochs=100, early_stopping=True,
                       metric=lambda net, X, Y: 0.5, n_iter_no_change=3, seed=0)
    assert history.stop_reason == "early_stopping" and history.n_epochs == 5
    assert history.best_epoch == 0 and history.restored_epoch == 0
    assert dp.History.from_dict(history.to_dict()).restored_epoch == 0


def test_no_restored_epoch_when_the_last_epoch_was_the_best():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 2)), rng.uniform(size=(40, 1))
    scores = iter(range(100))
    history = dp.train(dp.Network([2, 3, 1], seed=0), X, Y, solver="sgd", learning_rate=0.1, epochs=6,
                       early_stopping=True, metric=lambda net, X, Y: float(next(scores)), seed=0)
    assert history.best_epoch == 5 and history.restored_epoch is None


# --------------------------------------------------------------------------- the property
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), log_rate=st.floats(-1.0, 300.0),
       solver=st.sampled_from(["gd", "sgd", "momentum", "adam", "quickprop"]),
       task=st.sampled_from(["regression", "classification"]))
def test_a_bad_learning_rate_ends_in_a_good_model_a_warning_or_divergence_never_silently(seed, log_rate, solver,
                                                                                           task):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(10, 40)), int(rng.integers(1, 4))
    X = rng.normal(size=(n, d)) * 10 ** rng.uniform(0, 3)
    if task == "regression":
        Y = X @ rng.normal(size=(d, 1)) + rng.normal(size=(n, 1))
        net = dp.Network([d, 4, 1], activation="tanh", output_activation="identity", seed=seed)
    else:
        Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
        net = dp.Network([d, 4, 2], seed=seed)
    kwargs = {"solver": "sgd", "momentum": 0.9} if solver == "momentum" else {"solver": solver}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            history = dp.train(net, X, Y, learning_rate=10.0 ** log_rate, epochs=20, seed=seed, **kwargs)
        except DivergenceError:
            assert all(np.isfinite(p).all() for p in net.weights + net.biases)
            assert math.isfinite(net.loss(X, Y))
            return
    assert not [w for w in record if not issubclass(w.category, DeltapropWarning)]  # no NumPy warning leaks
    if record:
        return
    # Silent: then the model is finite, within the weight bound, and no worse than its start.
    final = net.loss(X, Y) / (1 if solver == "gd" else n)  # gd sums, the others take the mean
    assert math.isfinite(final)
    assert np.abs(net.get_flat_parameters()).max() <= _watch.weight_bound(np.float64)
    assert final <= history.loss[0]


# --------------------------------------------------------------------------- what the CLI shows
@pytest.mark.parametrize("solver, reduction", [("gd", "sum"), ("sgd", "mean"), ("rprop", "mean")])
def test_history_records_the_solver_the_reduction_and_the_learning_rate(solver, reduction):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 2)), rng.uniform(size=(20, 1))
    trainer = dp.Trainer(solver=solver, epochs=2, seed=0)
    history = trainer.fit(dp.Network([2, 3, 1], seed=0), X, Y)
    assert history.solver == solver and history.reduction == reduction
    assert len(history.learning_rate) == 2 and (solver == "rprop") == math.isnan(history.learning_rate[0])
    again = dp.History.from_dict(trainer.state_dict()["history"])
    assert (again.solver, again.reduction) == (solver, reduction)


@pytest.mark.parametrize("learning_rate, epochs", [(1e150, 1), (1e12, 10)])
def test_issue_cases_of_relu_gd_on_diabetes_at_huge_rates_end_in_divergence_with_finite_outputs(learning_rate,
                                                                                                epochs):
    # `deltaprop train diabetes --activation relu --solver gd --learning-rate 1e150 --epochs 1`
    # ended in "Input contains infinity" from the metrics; at 1e12 for 10 epochs it saved a
    # model whose training MSE was inf.
    X, y = diabetes_standardised()
    net = dp.Network([10, 20, 1], activation="relu", output_activation="identity", seed=0)
    with pytest.raises(DivergenceError, match="smaller learning rate") as info:
        dp.train(net, X, y[:, None], solver="gd", learning_rate=learning_rate, epochs=epochs)
    assert info.value.epoch < epochs
    assert finite_outputs(net, X) and math.isfinite(net.loss(X, y[:, None]))
