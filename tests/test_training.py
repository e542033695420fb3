import math
import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DivergenceError, InputError
from deltaprop.training import ArrayData

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def regression_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.tanh(X @ np.array([[0.5], [-1.0], [0.3]])) * 0.4 + 0.5
    return X, Y


def params(net):
    return [p.copy() for p in net.weights + net.biases]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------- the notes' rule
def test_trainer_gd_takes_exactly_the_steps_of_the_notes_gradient_descent():
    X, Y = regression_data()
    sw = np.linspace(0.5, 2.0, len(X))
    a, b = dp.Network([3, 4, 1], seed=1), dp.Network([3, 4, 1], seed=1)
    J = dp.gradient_descent(a, X, Y, learning_rate=0.05, epochs=25, sample_weight=sw)
    history = dp.Trainer(solver="gd", learning_rate=0.05, epochs=25).fit(b, X, Y, sample_weight=sw)
    # The trainer's fused, in-place kernels (deltaprop._kernels) round differently from the
    # core's plain formulas, so the steps agree to float rounding rather than bitwise.
    for x, y in zip(params(a), params(b)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.loss, J, rtol=1e-12)  # J at the start of each epoch


def test_gd_sum_with_eta_equals_mean_with_eta_times_n_step_by_step():
    X, Y = regression_data(n=16)  # N a power of two: eta * N / N is exact
    eta = 0.03
    a, b = dp.Network([3, 4, 1], seed=2), dp.Network([3, 4, 1], seed=2)
    ta = dp.Trainer(solver="gd", learning_rate=eta, epochs=1, reduction="sum")
    tb = dp.Trainer(solver="gd", learning_rate=eta * len(X), epochs=1, reduction="mean")
    for _ in range(10):  # step by step
        ta.partial_fit(a, X, Y)
        tb.partial_fit(b, X, Y)
        assert_same(params(a), params(b))
    np.testing.assert_allclose(ta.history.loss, np.array(tb.history.loss) * len(X), rtol=1e-15)


def test_sum_and_mean_agree_to_rounding_for_any_n():
    X, Y = regression_data(n=21)
    a, b = dp.Network([3, 4, 1], seed=2), dp.Network([3, 4, 1], seed=2)
    dp.train(a, X, Y, solver="gd", learning_rate=0.01, epochs=30, reduction="sum", momentum=0.5)
    dp.train(b, X, Y, solver="gd", learning_rate=0.01 * 21, epochs=30, reduction="mean", momentum=0.5)
    for x, y in zip(params(a), params(b)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


def test_weight_decay_step_by_hand():
    # One mean-reduced gd step: W <- W - eta (sum_i g_i + alpha W) / n ; b <- b - eta sum_i g_i / n.
    X, Y = regression_data(n=10)
    net = dp.Network([3, 2, 1], seed=3)
    W0, b0 = params(net), None
    _, dW, db = net.loss_and_gradient(X, Y)
    eta, alpha, n = 0.2, 0.5, 10
    expected_W = [W - eta * (g + alpha * W) / n for W, g in zip(W0[:2], dW)]
    expected_b = [b - eta * g / n for b, g in zip(W0[2:], db)]
    history = dp.train(net, X, Y, solver="gd", reduction="mean", learning_rate=eta, weight_decay=alpha, epochs=1)
    for got, want in zip(params(net), expected_W + expected_b):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    J = dp.Network.loss(dp.Network.from_config(net.config(), W0[:2], W0[2:]), X, Y)
    penalty = 0.5 * alpha * sum(float((W**2).sum()) for W in W0[:2])
    assert history.loss[0] == pytest.approx((J + penalty) / n, rel=1e-13)
    del b0


def test_clip_norm_limits_the_step():
    X, Y = regression_data()
    net = dp.Network([3, 4, 1], seed=0)
    before = np.concatenate([p.ravel() for p in params(net)])
    dp.train(net, X, Y, solver="gd", learning_rate=1.0, clip_norm=1e-3, epochs=1)
    after = np.concatenate([p.ravel() for p in params(net)])
    assert np.linalg.norm(after - before) == pytest.approx(1e-3, rel=1e-12)


def test_integer_sample_weights_equal_repeating_examples_for_gd():
    X, Y = regression_data(n=8)
    counts = np.array([1, 2, 0, 3, 1, 1, 2, 1])
    a, b = dp.Network([3, 4, 1], seed=4), dp.Network([3, 4, 1], seed=4)
    dp.train(a, X, Y, sample_weight=counts, learning_rate=0.1, epochs=20)
    dp.train(b, np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0), learning_rate=0.1, epochs=20)
    for x, y in zip(params(a), params(b)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- scikit-learn parity
def sklearn_regressor_from(net, **kw):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    reg = MLPRegressor(hidden_layer_sizes=(net.sizes[1],), activation="logistic", warm_start=True,
                       n_iter_no_change=10_000, tol=0.0, **kw)
    X, Y = regression_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.set_params(max_iter=1).fit(X, Y.ravel())  # creates the attributes
    reg.coefs_ = [W.T.copy() for W in net.weights]  # scikit-learn stores (n_in, n_out)
    reg.intercepts_ = [b.copy() for b in net.biases]
    reg.loss_curve_ = []
    return reg


def assert_six_epochs_take_scikit_learns_steps(solver_kw: dict, ours: dict, *, count_from_zero: bool = False):
    """Six epochs of MLPRegressor(**solver_kw) and dp.train(**ours) from the same weights: equal to 1e-10.

    ``count_from_zero`` resets scikit-learn's count of examples seen (``t_``, which
    invscaling reads; the fit that created its attributes counted 40).
    """
    from sklearn.exceptions import ConvergenceWarning

    X, Y = regression_data()
    net = dp.Network([3, 5, 1], output_activation="identity", seed=5)
    reg = sklearn_regressor_from(net, alpha=1e-2, batch_size=7, learning_rate_init=0.05, shuffle=False, **solver_kw)
    if count_from_zero:
        reg.t_ = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.set_params(max_iter=6).fit(X, Y.ravel())
    history = dp.train(net, X, Y, learning_rate=0.05, batch_size=7, weight_decay=1e-2, shuffle=False, epochs=6,
                       **ours)
    for W, c in zip(net.weights, reg.coefs_):
        np.testing.assert_allclose(W, c.T, rtol=0, atol=1e-10)
    for b, c in zip(net.biases, reg.intercepts_):
        np.testing.assert_allclose(b, c, rtol=0, atol=1e-10)
    np.testing.assert_allclose(history.loss, reg.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver_kw, ours", [
    (dict(solver="sgd", momentum=0.9, nesterovs_momentum=True), dict(solver="sgd", momentum=0.9, nesterov=True)),
    (dict(solver="sgd", momentum=0.0), dict(solver="sgd")),
    (dict(solver="adam"), dict(solver="adam")),
])
def test_sgd_and_adam_take_scikit_learns_steps(solver_kw, ours):
    assert_six_epochs_take_scikit_learns_steps(solver_kw, ours)


# --------------------------------------------------------------------------- convergence
@pytest.mark.parametrize("solver, kw", [
    ("gd", dict(learning_rate=2.0, epochs=3000)),
    ("gd", dict(learning_rate=1.0, momentum=0.9, nesterov=True, epochs=1000)),
    ("sgd", dict(learning_rate=0.5, batch_size=1, momentum=0.9, epochs=600)),
    ("adam", dict(learning_rate=0.05, batch_size=2, epochs=600)),
    ("irprop-", dict(epochs=300)),
    ("rprop+", dict(epochs=300)),
    ("quickprop", dict(epochs=600)),
    ("lbfgs", dict(epochs=200)),
])
def test_each_solver_learns_xor(solver, kw):
    net = dp.Network([2, 3, 1], seed=0)
    history = dp.train(net, XOR_X, XOR_Y, solver=solver, seed=0, **kw)
    assert history.loss[-1] < 0.02 * history.loss[0]
    np.testing.assert_array_equal(net.forward(XOR_X).round(), XOR_Y)


def test_lbfgs_reaches_a_low_loss_quickly():
    X, Y = regression_data(n=60)
    net = dp.Network([3, 6, 1], output_activation="identity", seed=0)
    history = dp.train(net, X, Y, solver="lbfgs", epochs=500, tol=1e-10)
    assert history.loss[-1] < 1e-5
    assert history.n_epochs < 500
    assert history.stop_reason == "converged"
    assert history.loss[-1] == pytest.approx(net.loss(X, Y) / 60, rel=1e-9)


# --------------------------------------------------------------------------- stopping
def test_tol_stops_after_n_iter_no_change_epochs_without_improvement():
    net = dp.Network([2, 3, 1], seed=0)
    history = dp.train(net, XOR_X, XOR_Y, solver="gd", learning_rate=1e-9, tol=1e-3, n_iter_no_change=3, epochs=100)
    # Every epoch fails to improve by tol; epoch 0 sets the best, epochs 1-4 count to 4 > 3.
    assert history.n_epochs == 5
    assert history.stop_reason == "tol"


class ScriptedMetric:
    def __init__(self, scores):
        self.scores = list(scores)

    def __call__(self, net, X, Y):
        return self.scores.pop(0)


class Recorder:
    def __init__(self):
        self.weights, self.calls = [], []

    def on_train_begin(self, trainer, net):
        self.calls.append("begin")

    def on_epoch_end(self, trainer, net, epoch, logs):
        self.weights.append(params(net))
        self.calls.append(epoch)

    def on_train_end(self, trainer, net, history):
        self.calls.append("end")


def test_early_stopping_restores_the_best_epochs_weights():
    X, Y = regression_data()
    net = dp.Network([3, 4, 1], seed=0)
    rec = Recorder()
    metric = ScriptedMetric([0.1, 0.5, 0.3, 0.2, 0.4, 0.9, 0.9])
    history = dp.train(net, X, Y, solver="sgd", learning_rate=0.1, batch_size=8, early_stopping=True, tol=0.0,
                       n_iter_no_change=2, metric=metric, callbacks=[rec], epochs=50, seed=0)
    assert history.n_epochs == 5 and history.stop_reason == "early_stopping"
    assert history.best_epoch == 1 and history.val_metric == [0.1, 0.5, 0.3, 0.2, 0.4]
    assert_same(params(net), rec.weights[1])
    assert rec.calls == ["begin", 0, 1, 2, 3, 4, "end"]
    assert len(history.val_loss) == 5


def test_early_stopping_on_validation_loss_picks_its_minimum():
    X, Y = regression_data(n=60)
    Xv, Yv = regression_data(n=20, seed=1)
    net = dp.Network([3, 30, 1], seed=0)
    rec = Recorder()
    history = dp.train(net, X, Y, validation_data=(Xv, Yv + 0.05), solver="adam", learning_rate=0.05, batch_size=10,
                       early_stopping=True, n_iter_no_change=5, callbacks=[rec], epochs=200, seed=0)
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert_same(params(net), rec.weights[history.best_epoch])


def test_adaptive_schedule_divides_the_rate_by_5_on_plateaus():
    net = dp.Network([2, 3, 1], seed=0)
    history = dp.train(net, XOR_X, XOR_Y, solver="sgd", learning_rate=1e-3, batch_size=4, schedule="adaptive",
                       tol=10.0, n_iter_no_change=1, epochs=30, seed=0)
    rates = sorted(set(history.learning_rate), reverse=True)
    np.testing.assert_allclose(rates, [1e-3 / 5**k for k in range(len(rates))], rtol=1e-12)
    assert history.stop_reason == "min_learning_rate"
    assert min(rates) <= 1e-6


def test_a_callback_stops_training():
    class StopAt:
        def __init__(self):
            self.steps = 0

        def on_step_end(self, trainer, net, step, logs):
            self.steps += 1

        def on_epoch_end(self, trainer, net, epoch, logs):
            return epoch == 3

    cb = StopAt()
    history = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, solver="sgd", batch_size=1, callbacks=[cb],
                       epochs=100)
    assert history.n_epochs == 4 and history.stop_reason == "callback"
    assert cb.steps == 16


def test_a_callback_can_name_the_stop_reason():
    cb = type("C", (), {"on_epoch_end": lambda self, t, n, e, logs: "interrupted" if e == 1 else None})()
    history = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, callbacks=[cb], epochs=10)
    assert history.stop_reason == "interrupted" and history.n_epochs == 2


# --------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_huge_learning_rate_raises_divergence_with_finite_weights(solver):
    X, Y = regression_data()
    net = dp.Network([3, 8, 1], activation="relu", output_activation="identity", seed=0)
    rec = Recorder()
    with pytest.raises(DivergenceError, match="smaller learning rate") as info:
        dp.train(net, X * 100, Y, solver=solver, learning_rate=1e6, epochs=50, callbacks=[rec])
    assert all(np.isfinite(p).all() for p in params(net))
    # The weights are those at the start of the diverging epoch: the end of the last recorded one.
    expected = rec.weights[-1] if rec.weights else None
    if expected is not None:
        assert_same(params(net), expected)
    assert info.value.epoch == len(rec.weights)


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_gives_bitwise_identical_weights():
    X, Y = regression_data()
    runs = []
    for _ in range(2):
        net = dp.Network([3, 4, 1], seed=0)
        dp.train(net, X, Y, solver="sgd", batch_size=5, momentum=0.9, early_stopping=True, epochs=15, seed=7)
        runs.append(params(net))
    assert_same(*runs)
    other = dp.Network([3, 4, 1], seed=0)
    dp.train(other, X, Y, solver="sgd", batch_size=5, momentum=0.9, early_stopping=True, epochs=15, seed=8)
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], params(other)))


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_plain_sgd_epoch_loop_is_bitwise_the_per_batch_loop(shuffle, weighted):
    # Without step callbacks plain sgd runs each epoch through the stepper's whole-epoch
    # path; a step callback forces the per-batch loop. Both must take the very same steps
    # (23 examples in batches of 5: four full batches and a last one of 3).
    from deltaprop.callbacks import LambdaCallback

    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(23, 4)), np.eye(3)[rng.integers(0, 3, 23)]
    sw = rng.random(23) if weighted else None
    runs, steps = [], []
    for callbacks in ([], [LambdaCallback(on_step_end=lambda *a: steps.append(a[2]))]):
        net = dp.Network([4, 6, 3], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
        trainer = dp.Trainer(solver="sgd", learning_rate=0.1, batch_size=5, epochs=3, shuffle=shuffle, seed=1,
                             callbacks=callbacks)
        history = trainer.fit(net, X, Y, sample_weight=sw)
        runs.append(params(net) + [np.array(history.loss)])
        assert trainer.state_dict()["step"] == 15
    assert steps == list(range(1, 16))
    assert_same(*runs)


def is_plain(obj):
    if isinstance(obj, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(is_plain(v) for v in obj)
    return obj is None or isinstance(obj, (bool, int, float, str, np.ndarray))


@pytest.mark.parametrize("kw", [
    dict(solver="gd", learning_rate=0.5, momentum=0.9),
    dict(solver="sgd", batch_size=6, momentum=0.9, nesterov=True, schedule="invscaling", learning_rate=0.5),
    dict(solver="adam", batch_size=7, learning_rate=0.01, weight_decay=1e-3),
    dict(solver="adam", batch_size=7, early_stopping=True, schedule="adaptive", tol=1e-4, n_iter_no_change=2),
    dict(solver="rprop+"),
    dict(solver="quickprop"),
])
def test_resume_from_state_dict_is_bitwise_identical(kw):
    X, Y = regression_data()
    straight = dp.Network([3, 4, 1], seed=0)
    full = dp.Trainer(epochs=10, seed=3, **kw).fit(straight, X, Y)

    first = dp.Network([3, 4, 1], seed=0)
    trainer = dp.Trainer(epochs=4, seed=3, **kw)
    trainer.fit(first, X, Y)
    state = trainer.state_dict()
    assert is_plain(state)

    resumed_net = dp.Network([3, 4, 1], seed=99)  # the state carries the weights
    resumed = dp.Trainer(epochs=10, seed=3, **kw)
    resumed.load_state_dict(state)
    history = resumed.fit(resumed_net, X, Y, resume=True)
    assert_same(params(straight), params(resumed_net))
    assert history.loss == full.loss and history.n_epochs == full.n_epochs
    assert history.best_epoch == full.best_epoch


def test_partial_fit_continues_the_run_like_fit():
    X, Y = regression_data()
    a, b = dp.Network([3, 4, 1], seed=0), dp.Network([3, 4, 1], seed=0)
    dp.Trainer(solver="adam", batch_size=8, epochs=3, seed=1).fit(a, X, Y)
    t = dp.Trainer(solver="adam", batch_size=8, seed=1)
    for _ in range(3):
        t.partial_fit(b, X, Y)
    assert_same(params(a), params(b))
    assert t.epoch == 3 and t.examples_seen == 3 * len(X) and t.step == 3 * 5


def test_fit_accepts_a_data_source_in_place_of_X():
    X, Y = regression_data()
    a, b = dp.Network([3, 4, 1], seed=0), dp.Network([3, 4, 1], seed=0)
    dp.train(a, X, Y, solver="sgd", batch_size=8, epochs=3, seed=0)
    dp.train(b, ArrayData(X, Y, net=b), solver="sgd", batch_size=8, epochs=3, seed=0)
    assert_same(params(a), params(b))


def test_history_to_dict_round_trips():
    X, Y = regression_data()
    h = dp.train(dp.Network([3, 4, 1], seed=0), X, Y, validation_data=(X[:5], Y[:5]), metric=lambda n, x, y: 1.0,
                 epochs=3)
    d = h.to_dict()
    assert is_plain(d) and dp.History.from_dict(d) == h
    assert len(d["val_loss"]) == len(d["val_metric"]) == len(d["time"]) == len(d["learning_rate"]) == 3


# --------------------------------------------------------------------------- bad settings
@pytest.mark.parametrize("kw, message", [
    (dict(solver="newton"), "unknown solver 'newton'; choose one of 'gd'"),
    (dict(solver="gd", batch_size=2), "full batch"),
    (dict(solver="sgd", batch_size=50), "larger than the 4 training examples"),
    (dict(learning_rate=-1.0), "learning_rate must be > 0"),
    (dict(epochs=0), "epochs must be > 0"),
    (dict(reduction="avg"), "reduction must be 'sum' or 'mean'"),
    (dict(solver="rprop", solver_options={"mu": 2.0}), r"solver_options \['mu'\]"),
    (dict(solver="rprop", schedule="step"), "no learning rate to schedule"),
    (dict(schedule="cosine"), "unknown schedule 'cosine'"),
    (dict(early_stopping=True, validation_fraction=0.9), "leaves 4 for validation and 0 for training"),
])
def test_bad_settings_raise_input_errors_that_name_the_fix(kw, message):
    with pytest.raises(InputError, match=message):
        dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, **kw)


def test_resume_without_a_run_is_an_input_error():
    with pytest.raises(InputError, match="nothing to resume"):
        dp.Trainer().fit(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, resume=True)


@pytest.mark.parametrize("solver", ["rprop", "lbfgs"])
def test_solvers_without_a_rate_record_nan_rates_beside_finite_losses(solver):
    h = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, solver=solver, epochs=2)
    assert len(h.learning_rate) == len(h.loss) == 2
    assert all(math.isnan(v) for v in h.learning_rate)
    assert all(math.isfinite(v) for v in h.loss)


def test_solvers_with_a_rate_record_it_not_nan():
    h = dp.train(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, solver="quickprop", epochs=2)
    assert h.learning_rate == [0.7, 0.7]


def test_state_survives_a_trip_through_json_and_named_arrays():
    import json

    from deltaprop.training import join_state, split_state

    X, Y = regression_data()
    kw = dict(solver="adam", batch_size=8, early_stopping=True, epochs=8, seed=2)
    trainer = dp.Trainer(**{**kw, "epochs": 3})
    net = dp.Network([3, 4, 1], seed=0)
    trainer.fit(net, X, Y)
    arrays, meta = split_state(trainer.state_dict())
    assert all(isinstance(a, np.ndarray) for a in arrays.values()) and "optimizer.m.0" in arrays
    meta = json.loads(json.dumps(meta))
    resumed = dp.Trainer(**kw)
    resumed.load_state_dict(join_state({k: a.copy() for k, a in arrays.items()}, meta))
    resumed.fit(net, X, Y, resume=True)
    straight = dp.Network([3, 4, 1], seed=0)
    dp.Trainer(**kw).fit(straight, X, Y)
    assert_same(params(net), params(straight))


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "irprop-", "rprop+", "quickprop", "lbfgs"])
def test_float32_training_stays_float32_and_finite_without_warnings(solver):
    X, Y = regression_data()
    net = dp.Network([3, 4, 1], seed=0, dtype="float32")
    arrays = net.weights + net.biases
    history = dp.train(net, X, Y, solver=solver, epochs=20, weight_decay=1e-3, seed=0)
    assert all(p.dtype == np.float32 for p in net.weights + net.biases)
    assert all(a is b for a, b in zip(arrays, net.weights + net.biases))  # updated in place
    assert all(np.isfinite(p).all() for p in arrays)
    assert history.loss[-1] < history.loss[0]


def test_validation_metric_receives_validation_sample_weights():
    X, Y = regression_data()
    seen = []

    def metric(net, Xv, Yv, sample_weight=None):
        seen.append(sample_weight)
        return 0.0

    sw = np.arange(5, dtype=float)
    dp.train(dp.Network([3, 4, 1], seed=0), X, Y, validation_data=(X[:5], Y[:5], sw), metric=metric, epochs=2)
    assert len(seen) == 2 and all(np.array_equal(s, sw) for s in seen)


def test_state_taken_in_on_epoch_end_resumes_bitwise():
    X, Y = regression_data()
    kw = dict(solver="sgd", batch_size=6, momentum=0.9, early_stopping=True, epochs=9, seed=4)
    saved = {}

    def checkpoint(trainer, net, epoch, logs):
        if epoch == 4:
            saved["state"] = trainer.state_dict()

    net = dp.Network([3, 4, 1], seed=0)
    from deltaprop.callbacks import LambdaCallback

    dp.Trainer(callbacks=[LambdaCallback(on_epoch_end=checkpoint)], **kw).fit(net, X, Y)
    resumed_net = dp.Network([3, 4, 1], seed=1)
    resumed = dp.Trainer(**kw)
    resumed.load_state_dict(saved["state"], net=resumed_net)
    assert resumed.epoch == 5
    resumed.fit(resumed_net, X, Y, resume=True)
    assert_same(params(net), params(resumed_net))


def test_resume_on_the_same_trainer_continues_from_the_last_not_the_best_weights():
    X, Y = regression_data()
    kw = dict(solver="adam", batch_size=8, learning_rate=0.05, early_stopping=True, n_iter_no_change=100, seed=5)
    straight = dp.Network([3, 4, 1], seed=0)
    dp.Trainer(epochs=10, **kw).fit(straight, X, Y)
    net = dp.Network([3, 4, 1], seed=0)
    trainer = dp.Trainer(epochs=4, **kw)
    trainer.fit(net, X, Y)  # ends by restoring the best epoch's weights
    trainer.epochs = 10
    trainer.fit(net, X, Y, resume=True)
    assert_same(params(net), params(straight))


class MinimalSource:
    """Only the three required members of the data-source protocol."""

    def __init__(self, X, Y):
        self.inner = ArrayData(X, Y)
        self.n_examples = len(X)

    def loss_and_gradient(self, net):
        J, dW, db = net.loss_and_gradient(self.inner.X, self.inner.Y)
        return J, dW, db

    def batches(self, batch_size, rng):
        return self.inner.batches(batch_size, rng)


@pytest.mark.parametrize("solver", ["gd", "sgd", "rprop", "lbfgs"])
def test_a_minimal_data_source_trains_like_arrays(solver):
    X, Y = regression_data()
    Xv, Yv = regression_data(n=10, seed=1)
    kw = dict(solver=solver, epochs=5, seed=0, **({"batch_size": 8} if solver == "sgd" else {}))
    a, b = dp.Network([3, 4, 1], seed=0), dp.Network([3, 4, 1], seed=0)
    ha = dp.train(a, X, Y, validation_data=(Xv, Yv), **kw)
    hb = dp.train(b, MinimalSource(X, Y), validation_data=MinimalSource(Xv, Yv), **kw)
    for x, y in zip(params(a), params(b)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ha.val_loss, hb.val_loss, rtol=1e-12)


# --------------------------------------------------------------------------- options off their defaults
# Each test below pins a setting away from its default value, with a fixture that does not
# hide the bug it guards against (issue 17, item 9).
def flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


@pytest.mark.parametrize("clip_over_norm", [0.5, 2.0])
def test_clip_norm_under_mean_reduction_measures_the_mean_gradient(clip_over_norm):
    # One sgd step over N = 12 examples, mean-reduced: g = (1/N) sum_i g_i, and the step is
    # -eta g scaled to at most clip_norm. A clip of half |g| shortens it; a clip of twice |g|
    # leaves it alone (it would shorten it if the summed gradient, N times longer, were measured).
    X, Y = regression_data(n=12)
    net = dp.Network([3, 4, 1], seed=0)
    before = params(net)
    _, dW, db = net.loss_and_gradient(X, Y)
    g = flat(list(dW) + list(db)) / 12
    clip, eta = clip_over_norm * float(np.linalg.norm(g)), 0.3
    expected = flat(before) - eta * g * min(1.0, clip / float(np.linalg.norm(g)))
    dp.train(net, X, Y, solver="sgd", batch_size=12, shuffle=False, learning_rate=eta, clip_norm=clip, epochs=1)
    np.testing.assert_allclose(flat(params(net)), expected, rtol=1e-12, atol=1e-15)


def regularised_objective(net, X, Y, alpha):
    """theta -> J(theta) + (alpha / 2) sum ||W||^2, evaluated on a copy of ``net``."""
    probe = dp.Network.from_config(net.config(), [W.copy() for W in net.weights], [b.copy() for b in net.biases])

    def objective(theta):
        probe.set_flat_parameters(theta)
        return probe.loss(X, Y) + 0.5 * alpha * sum(float(np.vdot(W, W)) for W in probe.weights)

    return objective


def test_lbfgs_with_weight_decay_ends_at_a_stationary_point_of_the_regularised_objective():
    # The gradient of J + (alpha/2)||W||^2 by central finite differences (independent of the
    # library's backward pass) vanishes at L-BFGS's result; the decay term alone, alpha W,
    # is far from zero there, so a wrong decay gradient would leave a large residual.
    X, Y = regression_data()
    alpha = 0.5
    net = dp.Network([3, 4, 1], seed=0)
    history = dp.train(net, X, Y, solver="lbfgs", weight_decay=alpha, tol=1e-12, epochs=1000)
    assert history.stop_reason == "converged"
    objective = regularised_objective(net, X, Y, alpha)
    theta = net.get_flat_parameters()
    h = 1e-6
    grad = np.array([(objective(theta + h * e) - objective(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    decay = alpha * flat(net.weights)
    assert np.linalg.norm(grad) < 1e-2 * np.linalg.norm(decay)  # about 7e-4 of it; 0.5 with alpha/2 W


def test_a_loss_on_its_way_to_overflow_is_caught_as_a_blow_up_while_still_finite():
    # A linear unit on squared error with a large rate: each gd step multiplies the error by
    # about -49, so the loss would overflow to +inf in epoch 85. The blow-up rule (more than
    # 1e4 times its best and 10 times its start) stops it in epoch 2, when the loss is 4.4e5,
    # and the network keeps the weights from the start of that epoch, whose outputs are finite.
    # (Before issue 12 the run went on to epoch 85 and kept weights with an infinite loss.)
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    rec = Recorder()
    with pytest.raises(DivergenceError, match="the loss grew to .* in epoch 2 .*blow-up") as info:
        dp.train(net, X, Y, solver="gd", learning_rate=10.0, epochs=500, callbacks=[rec])
    assert info.value.epoch == 2 and len(rec.weights) == 2
    assert info.value.solver == "gd" and info.value.learning_rate == 10.0
    assert_same(params(net), rec.weights[-1])
    assert math.isfinite(net.loss(X, Y))


def test_a_loss_that_is_infinite_from_the_start_is_divergence_in_epoch_0():
    # Inputs near the float range: the first forward pass overflows, +inf without NaN.
    X, Y = np.array([[1e300], [2e300]]), np.array([[0.0], [1.0]])
    net = dp.Network([1, 1], output_activation="identity", seed=0)
    before = params(net)
    with pytest.raises(DivergenceError, match="the loss became NaN or infinite in epoch 0") as info:
        dp.train(net, X, Y, solver="gd", learning_rate=0.1, epochs=5)
    assert info.value.epoch == 0
    assert_same(params(net), before)  # nothing finite to go back to: the weights it started from


def test_a_weight_that_overflows_to_inf_without_nan_is_divergence():
    # The same unit with a rate so large that one step takes a weight past the float range
    # (to -inf) while the loss it was taken from is still finite.
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    net = dp.Network([1, 1, 1], activation="identity", output_activation="identity", seed=0)
    before = params(net)
    with pytest.raises(DivergenceError, match="a weight became NaN or infinite in epoch 0") as info:
        dp.train(net, X, Y, solver="gd", learning_rate=1e308, epochs=5)
    assert info.value.epoch == 0
    assert_same(params(net), before)


class OrderRecorder:
    """A data source over ArrayData that records, per epoch, which examples its batches held.

    Column 0 of X is each example's index, so a batch names its own examples.
    """

    def __init__(self, n=20, seed=0):
        X, Y = regression_data(n=n, seed=seed)
        self.inner = ArrayData(np.hstack([np.arange(n)[:, None], X]), Y)
        self.n_examples = n
        self.epochs = []

    def loss_and_gradient(self, net):
        return self.inner.loss_and_gradient(net)

    def batches(self, batch_size, rng=None):
        order = []
        self.epochs.append(order)
        for Xb, Yb, swb in self.inner.batches(batch_size, rng):
            order.extend(int(i) for i in Xb[:, 0])
            yield Xb, Yb, swb


def orders_seen(seed, shuffle=True, epochs=3):
    data = OrderRecorder()
    dp.train(dp.Network([4, 3, 1], seed=0), data, solver="sgd", batch_size=6, learning_rate=0.001, epochs=epochs,
             shuffle=shuffle, seed=seed)
    return data.epochs


def test_shuffling_draws_a_new_order_every_epoch_that_depends_on_the_seed():
    first = orders_seen(seed=0)
    assert len(first) == 3 and all(sorted(order) == list(range(20)) for order in first)
    assert first[0] != first[1] and first[1] != first[2] and first[0] != first[2]
    assert all(order != list(range(20)) for order in first)
    assert orders_seen(seed=0) == first
    assert all(a != b for a, b in zip(orders_seen(seed=1), first))


def test_shuffle_false_keeps_the_stored_order_every_epoch():
    assert orders_seen(seed=0, shuffle=False) == [list(range(20))] * 3


def test_plain_sgd_fast_epoch_depends_on_the_seed():
    # Plain sgd on arrays runs through ArrayData.sgd_epoch (its own permutation per epoch):
    # two seeds give two different runs, one seed the same run.
    X, Y = regression_data(n=20)
    runs = []
    for seed in (0, 0, 1):
        net = dp.Network([3, 3, 1], seed=0)
        dp.train(net, X, Y, solver="sgd", batch_size=5, learning_rate=0.5, epochs=2, seed=seed)
        runs.append(params(net))
    assert_same(runs[0], runs[1])
    assert all(not np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))


@pytest.mark.parametrize("solver_kw, ours", [
    (dict(solver="sgd", momentum=0.8, nesterovs_momentum=False), dict(solver="sgd", momentum=0.8, nesterov=False)),
    (dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-3), dict(solver="adam", beta_1=0.5, beta_2=0.9,
                                                                     epsilon=1e-3)),
    (dict(solver="sgd", momentum=0.0, learning_rate="invscaling", power_t=0.25),
     dict(solver="sgd", schedule="invscaling", power_t=0.25)),
])
def test_options_off_their_defaults_take_scikit_learns_steps(solver_kw, ours):
    # Plain (not Nesterov) momentum, Adam's constants and the invscaling exponent each change
    # every step, so any of them dropped on the way to the optimizer leaves scikit-learn's path.
    assert_six_epochs_take_scikit_learns_steps(solver_kw, ours, count_from_zero=True)


def test_validation_fraction_holds_out_that_share_and_val_loss_is_its_mean_loss():
    # 0.3 of 20 examples: 6 held out (not the default 0.1's 2). Early stopping restores the
    # best epoch's weights, whose recorded val_loss is the mean loss on exactly those 6, and
    # the run equals full-batch training on the other 14 with those 6 passed as validation data.
    X, Y = regression_data(n=20)
    kw = dict(solver="gd", learning_rate=0.5, reduction="mean", early_stopping=True, n_iter_no_change=3, epochs=60)
    net = dp.Network([3, 4, 1], seed=0)
    trainer = dp.Trainer(validation_fraction=0.3, seed=0, **kw)
    history = trainer.fit(net, X, Y)
    val_index = trainer.state_dict()["val_index"]
    assert len(val_index) == 6 and len(set(val_index.tolist())) == 6
    assert history.val_loss[history.best_epoch] == pytest.approx(net.loss(X[val_index], Y[val_index]) / 6,
                                                                rel=1e-12)
    train_index = np.setdiff1d(np.arange(20), val_index)
    again = dp.Network([3, 4, 1], seed=0)
    dp.Trainer(**kw).fit(again, X[train_index], Y[train_index], validation_data=(X[val_index], Y[val_index]))
    assert_same(params(again), params(net))


# --------------------------------------------------------------------------- Dask is a plug-in
class FakeDaskArray:
    """Stands for a Dask collection: recognised by its defining package, as deltaprop never imports Dask."""

    __module__ = "dask.array.core"

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.a, dtype=dtype)


@pytest.mark.parametrize("where", ["X", "Y", "validation_data"])
def test_a_dask_collection_is_refused_with_the_data_source_to_use(where):
    X, Y = FakeDaskArray(XOR_X) if where == "X" else XOR_X, FakeDaskArray(XOR_Y) if where == "Y" else XOR_Y
    val = (FakeDaskArray(XOR_X), XOR_Y) if where == "validation_data" else None
    with pytest.raises(InputError, match=r"Dask collection; pass deltaprop\.dask\.DaskData\(X, Y\)"):
        dp.train(dp.Network([2, 3, 1], seed=0), X, Y, validation_data=val, epochs=1)


def test_the_trainer_takes_no_engine_or_client_and_never_imports_the_dask_engine():
    import subprocess
    import sys

    with pytest.raises(TypeError, match="engine"):
        dp.Trainer(engine="dask")
    code = ("import sys, numpy as np, deltaprop as dp; net = dp.Network([2, 3, 1], seed=0); "
            "dp.train(net, np.zeros((4, 2)), np.zeros((4, 1)), epochs=1, validation_data=(np.zeros((2, 2)), "
            "np.zeros((2, 1)))); print(sorted(m for m in sys.modules if 'dask' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
