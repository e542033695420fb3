"""MLPClassifier and MLPRegressor: scikit-learn's contract, labels, outputs, model files."""

import json
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import deltaprop as dp
from deltaprop import MLPClassifier, MLPRegressor
from deltaprop._kernels import numba_available
from deltaprop.errors import InputError, InputTypeError, ModelFileError


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small_regression(rng, n=60, n_outputs=1):
    X = rng.normal(size=(n, 3))
    Y = np.column_stack([np.sin(X[:, 0]) + 0.5 * X[:, 1] * k for k in range(1, n_outputs + 1)])
    return X, (Y.ravel() if n_outputs == 1 else Y)


# --------------------------------------------------------------------------- scikit-learn tools
def test_pipeline_grid_search_and_cross_val_score_run_the_classifier(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__alpha": [0.01, 0.3]}, cv=3).fit(X, y)
    assert search.best_params_["mlpclassifier__alpha"] in (0.01, 0.3)
    assert search.best_score_ > 0.9
    scores = cross_val_score(MLPClassifier(hidden_layer_sizes=(8,), random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85


def test_clone_and_set_params_keep_parameters_and_drop_fitted_state(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="adam", class_weight="balanced", random_state=3)
    clf.set_params(alpha=0.01, max_iter=30)
    assert clf.get_params()["alpha"] == 0.01 and clf.max_iter == 30
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "network_") and hasattr(clf, "network_")


def test_same_random_state_gives_identical_weights(iris):
    X, y = iris
    a = MLPClassifier(hidden_layer_sizes=(6,), random_state=7).fit(X, y)
    b = MLPClassifier(hidden_layer_sizes=(6,), random_state=7).fit(X, y)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)


# --------------------------------------------------------------------------- classification
def test_binary_labels_use_one_sigmoid_output_and_predict_the_string_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    # The notes' model, named (the defaults give softmax outputs: test_defaults.py).
    clf = MLPClassifier(hidden_layer_sizes=(4,), output_activation="sigmoid", loss="squared_error",
                        random_state=0).fit(X, y)
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert list(clf.classes_) == ["no", "yes"]
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.score(X, y) > 0.9
    # Column 1 of predict_proba is the sigmoid output itself.
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], np.clip(clf.network_.forward(X)[:, 0], 0, 1), atol=1e-15)


def test_multiclass_integer_labels_have_one_output_per_class_and_normalised_probabilities(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(10,), random_state=0).fit(X, y + 10)
    assert clf.n_outputs_ == 3 and list(clf.classes_) == [10, 11, 12]
    P = clf.predict_proba(X)
    o = clf.network_.forward(X)
    np.testing.assert_allclose(P, o / o.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(o, axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))
    assert clf.score(X, y + 10) > 0.95


def test_softmax_output_gives_two_outputs_for_two_classes_and_probabilities_equal_to_outputs():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(5,), output_activation="softmax", loss="cross_entropy", random_state=0)
    clf.fit(X, y)
    assert clf.n_outputs_ == 2 and clf.out_activation_ == "softmax"
    np.testing.assert_allclose(clf.predict_proba(X), np.clip(clf.network_.forward(X), dp.encoding.EPS, 1))
    assert clf.score(X, y) > 0.95


def test_multilabel_indicator_targets_predict_an_indicator_matrix():
    X, Y = make_multilabel_classification(n_samples=120, n_features=5, n_classes=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(20,), random_state=0).fit(X, Y)
    assert clf.n_outputs_ == 3 and list(clf.classes_) == [0, 1, 2]
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (clf.network_.forward(X) > 0.5).astype(int))
    P = clf.predict_proba(X)
    assert P.shape == Y.shape and (P > 0).all() and (P < 1).all()
    assert (pred == Y).mean() > 0.8


def test_tanh_outputs_are_trained_on_minus_one_and_one_targets(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(8,), output_activation="tanh", random_state=0).fit(X, y)
    Y = clf._encode_targets(y, first=False, classes=None, activation="tanh")
    assert set(np.unique(Y)) == {-1.0, 1.0}
    assert clf.score(X, y) > 0.9
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_class_weight_equals_the_same_weights_given_per_sample(iris):
    X, y = iris
    weights = {0: 3.0, 1: 1.0, 2: 0.5}
    a = MLPClassifier(hidden_layer_sizes=(5,), class_weight=weights, random_state=0).fit(X, y)
    b = MLPClassifier(hidden_layer_sizes=(5,), random_state=0).fit(X, y, sample_weight=np.vectorize(weights.get)(y))
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)


def test_integer_sample_weights_equal_repeating_the_examples(iris):
    X, y = iris
    sw = np.random.default_rng(0).integers(0, 3, size=len(y))
    a = MLPClassifier(hidden_layer_sizes=(5,), random_state=0, max_iter=20)
    b = clone(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y, sample_weight=sw)
        b.fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)
    assert a.loss_curve_ == pytest.approx(b.loss_curve_, rel=1e-9)


def test_one_class_is_refused_with_a_message_naming_classes():
    X = np.zeros((5, 2))
    with pytest.raises(InputError, match="only one class"):
        MLPClassifier().fit(X, ["a"] * 5)


def test_pandas_dataframe_sets_feature_names_and_predicts_from_a_frame(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])
    labels = pd.Series(np.array(["setosa", "versicolor", "virginica"])[y])
    clf = MLPClassifier(hidden_layer_sizes=(6,), random_state=0).fit(frame, labels)
    assert list(clf.feature_names_in_) == list(frame.columns)
    np.testing.assert_array_equal(clf.predict(frame), clf.classes_[np.argmax(clf.network_.forward(X), axis=1)])
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)  # as scikit-learn warns
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[frame.columns[::-1]])


# --------------------------------------------------------------------------- regression
def test_regressor_defaults_to_identity_outputs_and_fits_single_and_multi_output(rng):
    X, y = small_regression(rng)
    reg = MLPRegressor(hidden_layer_sizes=(10,), random_state=0).fit(X, y)
    assert reg.out_activation_ == "identity" and reg.target_range_ is None
    assert reg.predict(X).shape == (60,) and reg.score(X, y) > 0.9
    X2, Y2 = small_regression(rng, n_outputs=2)
    # max_iter 400: early stopping on the default 20 % hold-out is still improving at 200 epochs here.
    reg2 = MLPRegressor(hidden_layer_sizes=(10,), max_iter=400, random_state=0).fit(X2, Y2)
    assert reg2.n_outputs_ == 2 and reg2.predict(X2).shape == (60, 2) and reg2.score(X2, Y2) > 0.9


def test_sigmoid_outputs_scale_targets_into_the_unit_interval_and_back(rng):
    X, y = small_regression(rng)
    y = 1000 + 50 * y  # far outside a sigmoid's range
    reg = MLPRegressor(hidden_layer_sizes=(10,), output_activation="sigmoid", alpha=1e-4, random_state=0).fit(X, y)
    np.testing.assert_allclose(reg.target_range_, [[y.min()], [y.max()]])
    Y = reg._encode_targets(y, first=False, classes=None, activation="sigmoid")
    assert Y.min() == pytest.approx(0.1) and Y.max() == pytest.approx(0.9)
    o = reg.network_.forward(X)[:, 0]
    expected = y.min() + (o - 0.1) / 0.8 * (y.max() - y.min())
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-12)
    assert reg.score(X, y) > 0.9


def test_regressor_partial_fit_continues_from_the_first_calls_scaling(rng):
    X, y = small_regression(rng)
    reg = MLPRegressor(hidden_layer_sizes=(4,), output_activation="tanh", random_state=0)
    reg.partial_fit(X[:30], y[:30])
    first_range = reg.target_range_.copy()
    reg.partial_fit(X[30:], y[30:])
    np.testing.assert_array_equal(reg.target_range_, first_range)
    np.testing.assert_allclose(first_range, [[y[:30].min()], [y[:30].max()]])
    assert reg.n_iter_ == 1 and reg.t_ == 60 and len(reg.loss_curve_) == 2
    with pytest.raises(InputError, match="outputs"):
        reg.partial_fit(X, np.column_stack([y, y]))


def test_tol_none_runs_every_epoch_without_a_convergence_warning(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(3,), tol=None, max_iter=40, random_state=0).fit(X, y)
    assert clf.n_iter_ == 40 and len(clf.loss_curve_) == 40


def test_regressor_early_stopping_records_validation_r2_and_restores_the_best_epoch(rng):
    X, y = small_regression(rng, n=200)
    reg = MLPRegressor(hidden_layer_sizes=(10,), early_stopping=True, random_state=0, max_iter=300).fit(X, y)
    assert len(reg.validation_scores_) == len(reg.validation_loss_curve_) == reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.best_loss_ is None


# --------------------------------------------------------------------------- attributes
def test_coefs_are_views_of_the_networks_transposed_weights(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(7, 5), activation="logistic", output_activation="sigmoid", loss="squared_error", random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (5,), (3,)]
    for c, W in zip(clf.coefs_, clf.network_.weights):
        assert np.shares_memory(c, W)
        np.testing.assert_array_equal(c, W.T)
    # scikit-learn's forward pass with coefs_ and intercepts_ gives the network's outputs.
    a = X
    for c, b in zip(clf.coefs_, clf.intercepts_):
        a = 1 / (1 + np.exp(-(a @ c + b)))
    np.testing.assert_allclose(a, clf.network_.forward(X), rtol=1e-12)
    assert clf.n_layers_ == 4 and clf.n_features_in_ == 4


def test_loss_is_reported_per_example_with_the_l2_term_like_scikit_learn(iris):
    X, y = iris
    alpha = 0.5
    clf = MLPClassifier(hidden_layer_sizes=(4,), alpha=alpha, max_iter=1, tol=1e-4, activation="logistic", output_activation="sigmoid", loss="squared_error", random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    # The first entry is the objective at the initial weights, which the same seed rebuilds.
    net = dp.Network([4, 4, 3], seed=np.random.default_rng(0))
    Y = np.eye(3)[y]
    o = net.forward(X)
    expected = (0.5 * ((Y - o) ** 2).sum() + alpha / 2 * sum((W**2).sum() for W in net.weights)) / len(y)
    assert clf.loss_curve_[0] == pytest.approx(expected, rel=1e-12)
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.n_iter_ == 1 and clf.t_ == len(y)


def test_classifier_early_stopping_scores_accuracy_on_a_stratified_split(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(6,), early_stopping=True, validation_fraction=0.2, random_state=0)
    clf.fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    # 30 held-out examples: every accuracy is a multiple of 1/30.
    scores = np.array(clf.validation_scores_) * 30
    np.testing.assert_allclose(scores, np.round(scores), atol=1e-9)
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.85


def test_warm_start_continues_the_loss_curve_and_partial_fit_takes_one_epoch(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = clf.coefs_[0].copy()
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 10 and clf.t_ == 10 * len(y)
    assert not np.array_equal(first, clf.coefs_[0])
    assert clf.loss_curve_[5] < clf.loss_curve_[0]

    inc = MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", random_state=0)
    with pytest.raises(InputError, match="classes"):
        inc.partial_fit(X[:50], y[:50])
    inc.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    inc.partial_fit(X[50:], y[50:])
    assert inc.n_iter_ == 1 and inc.t_ == 150 and len(inc.loss_curve_) == 2
    assert list(inc.classes_) == [0, 1, 2]
    with pytest.raises(InputError, match="not among classes_"):
        inc.partial_fit(X[:3], [0, 1, 5])


def test_a_batch_size_above_the_training_rows_uses_them_all_with_a_warning_at_the_fit_call(iris):
    # scikit-learn's rule: batch_size > n warns and takes n (deltaprop train --batch-size does the same).
    X, y = iris
    params = dict(hidden_layer_sizes=(5,), solver="adam", max_iter=2, tol=None, random_state=0)
    with pytest.warns(UserWarning, match="batch_size=1000 is larger than the 150 training examples; using 150") as seen:
        big = MLPClassifier(batch_size=1000, **params).fit(X, y)
    assert seen[0].filename == __file__  # the warning points at the user's fit call
    exact = MLPClassifier(batch_size=150, **params).fit(X, y)
    for a, b in zip(big.coefs_, exact.coefs_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_keeps_the_optimizer_state_between_calls(iris):
    """Two partial_fit epochs of adam equal a two-epoch fit (the moments carry over)."""
    X, y = iris
    params = dict(hidden_layer_sizes=(5,), solver="adam", shuffle=False, batch_size=150, random_state=0)
    inc = MLPClassifier(**params)
    inc.partial_fit(X, y, classes=[0, 1, 2])
    inc.partial_fit(X, y)
    full = MLPClassifier(max_iter=2, **params)
    with pytest.warns(ConvergenceWarning):
        full.fit(X, y)
    for a, b in zip(inc.coefs_, full.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_callbacks_and_verbose_printing_see_every_epoch(iris, capsys):
    X, y = iris
    seen = []

    class Count:
        def on_epoch_end(self, trainer, net, epoch, logs):
            seen.append(logs["loss"])

    clf = MLPClassifier(hidden_layer_sizes=(4,), callbacks=[Count()], verbose=True, random_state=0).fit(X, y)
    assert seen == pytest.approx(clf.loss_curve_)
    lines = capsys.readouterr().out.splitlines()  # scikit-learn's "Iteration n, loss = ..." lines
    assert lines == [f"Iteration {n}, loss = {J:.8f}" for n, J in enumerate(clf.loss_curve_, start=1)]


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"solver": "newton"}, InputError, "solver"),
        ({"alpha": -1.0}, InputError, "alpha"),
        ({"hidden_layer_sizes": (5, 0)}, InputError, "hidden_layer_sizes"),
        ({"max_iter": 2.5}, InputTypeError, "max_iter"),
        ({"learning_rate": "cosine"}, InputError, "learning_rate"),
        ({"activation": "softmax"}, InputError, "output layer"),
        ({"validation_fraction": 1.0}, InputError, "validation_fraction"),
        ({"solver_options": [1]}, InputTypeError, "solver_options"),
    ],
)
def test_invalid_parameters_fail_in_fit_with_the_parameters_name(iris, params, error, match):
    X, y = iris
    clf = MLPClassifier(**params)  # __init__ only stores
    with pytest.raises(error, match=match):
        clf.fit(X, y)


# --------------------------------------------------------------------------- model files
@pytest.mark.parametrize("kind", ["strings", "multilabel", "regression", "scaled_regression"])
def test_model_file_methods_round_trip_through_json(rng, kind):
    if kind == "strings":
        X, y = rng.normal(size=(60, 3)), rng.choice(["cat", "dog", "emu"], size=60)
        est = MLPClassifier(hidden_layer_sizes=(4,), class_weight={"cat": 2.0, "dog": 1.0, "emu": 1.0}, random_state=0)
    elif kind == "multilabel":
        X, y = make_multilabel_classification(n_samples=60, n_features=3, n_classes=3, random_state=0)
        est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    else:
        X, y = small_regression(rng)
        act = "sigmoid" if kind == "scaled_regression" else "identity"
        est = MLPRegressor(hidden_layer_sizes=(4,), output_activation=act, early_stopping=True, n_iter_no_change=10,
                           random_state=0)
    est.fit(X, y)
    arrays, meta = est._to_modelfile()
    assert "kind" not in meta  # deltaprop.save writes the kind (the class name) itself
    meta = {"kind": type(est).__name__, **json.loads(json.dumps(meta))}  # plain JSON, as in a file
    back = type(est)._from_modelfile({k: v.copy() for k, v in arrays.items()}, meta)
    assert back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    if isinstance(est, MLPClassifier):
        np.testing.assert_array_equal(back.classes_, est.classes_)
        assert back.classes_.dtype == est.classes_.dtype
        np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    for name in type(est)._HISTORY_ATTRIBUTES:
        assert getattr(back, name) == getattr(est, name)


def test_model_file_refuses_another_kind_and_missing_arrays(iris):
    X, y = iris
    arrays, meta = MLPClassifier(hidden_layer_sizes=(3,), random_state=0).fit(X, y)._to_modelfile()
    meta["kind"] = "MLPClassifier"
    with pytest.raises(ModelFileError, match="MLPClassifier"):
        MLPRegressor._from_modelfile(arrays, meta)
    del arrays["weights.1"]
    with pytest.raises(ModelFileError, match="weights.1"):
        MLPClassifier._from_modelfile(arrays, meta)


# --------------------------------------------------------------------------- against scikit-learn
def test_sgd_takes_the_same_steps_as_scikit_learn_from_the_same_weights(rng):
    """Identity outputs, squared error, mean reduction, plain SGD, no shuffling, same L2 penalty."""
    X = rng.normal(size=(30, 4))
    y = X @ np.array([0.5, -1.0, 0.3, 0.0]) + 0.2 * rng.normal(size=30)
    common = dict(hidden_layer_sizes=(6,), activation="logistic", solver="sgd", alpha=0.01, batch_size=10,
                  learning_rate_init=0.05, momentum=0.0, shuffle=False, n_iter_no_change=100, random_state=0)
    ours = MLPRegressor(reduction="mean", warm_start=True, max_iter=1, **common)
    theirs = SklearnRegressor(warm_start=True, max_iter=1, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)  # allocates scikit-learn's state; the weights are set next
        ours.fit(X, y)
        W0 = [rng.uniform(-0.5, 0.5, size=c.shape) for c in theirs.coefs_]
        b0 = [rng.uniform(-0.5, 0.5, size=b.shape) for b in theirs.intercepts_]
        theirs.coefs_, theirs.intercepts_ = [w.copy() for w in W0], [b.copy() for b in b0]
        ours.coefs_, ours.intercepts_ = W0, b0
        theirs.set_params(max_iter=8).fit(X, y)
        ours.set_params(max_iter=8).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.loss_curve_[-8:], theirs.loss_curve_[-8:], rtol=1e-10)
    assert ours.n_iter_ == theirs.n_iter_ == 8 and ours.t_ == theirs.t_


# --------------------------------------------------------------------------- options off their defaults
@pytest.mark.parametrize("options, weighted", [
    (dict(solver="sgd", momentum=0.8, nesterovs_momentum=False), False),
    (dict(solver="sgd", momentum=0.9, learning_rate="invscaling", power_t=0.25), False),
    (dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-3), False),
    (dict(solver="sgd", momentum=0.0, batch_size=30), True),  # one batch: see the note below
])
def test_options_off_their_defaults_take_scikit_learns_steps(rng, options, weighted):
    # Each option changes every step, so one that does not reach the trainer leaves
    # scikit-learn's path; the features are neither centred nor of unit scale.
    X = rng.normal(size=(30, 4)) * np.array([3.0, 0.5, 1.0, 2.0]) + np.array([1.0, -2.0, 0.5, 0.0])
    y = np.tanh(X @ np.array([0.5, -1.0, 0.3, 0.1])) + 0.2 * rng.normal(size=30)
    sw = rng.uniform(0.2, 3.0, size=30) if weighted else None
    # With sample weights and mini-batches the two differ by design: scikit-learn divides each
    # batch by the batch's weight sum, deltaprop by its size after scaling all weights to sum
    # to n; over the full batch both minimise (sum_i s_i J_i + alpha/2 sum ||W||^2) / sum_i s_i.
    common = dict(hidden_layer_sizes=(6,), activation="logistic", alpha=0.01, learning_rate_init=0.02,
                  shuffle=False, n_iter_no_change=100, random_state=0, **{"batch_size": 10, **options})
    ours = MLPRegressor(reduction="mean", warm_start=True, max_iter=1, **common)
    theirs = SklearnRegressor(warm_start=True, max_iter=1, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y, sample_weight=sw)  # allocates scikit-learn's state; the weights are set next
        ours.fit(X, y, sample_weight=sw)
        W0 = [rng.uniform(-0.5, 0.5, size=c.shape) for c in theirs.coefs_]
        b0 = [rng.uniform(-0.5, 0.5, size=b.shape) for b in theirs.intercepts_]
        theirs.coefs_, theirs.intercepts_ = [w.copy() for w in W0], [b.copy() for b in b0]
        ours.coefs_, ours.intercepts_ = W0, b0
        theirs.t_ = ours.t_ = 0  # examples seen, which invscaling reads
        theirs.set_params(max_iter=6, warm_start=True).fit(X, y, sample_weight=sw)
        ours.set_params(max_iter=6, warm_start=True).fit(X, y, sample_weight=sw)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.loss_curve_[-6:], theirs.loss_curve_[-6:], rtol=1e-10)


def test_reduction_sum_with_eta_equals_mean_with_eta_times_the_batch_size(rng):
    # Batches of 10 from 30 examples: the summed gradient with eta is the mean gradient with
    # 10 eta (the L2 term included), so the runs agree; the same eta for both would not.
    X = rng.normal(size=(30, 3)) * 4.0 + 2.0
    y = np.sin(X[:, 0]) + 0.1 * X[:, 1]
    common = dict(hidden_layer_sizes=(5,), solver="sgd", momentum=0.0, alpha=0.01, batch_size=10, shuffle=False,
                  max_iter=5, tol=None, random_state=0)
    summed = MLPRegressor(reduction="sum", learning_rate_init=0.002, **common).fit(X, y)
    mean = MLPRegressor(reduction="mean", learning_rate_init=0.02, **common).fit(X, y)
    mean_small = MLPRegressor(reduction="mean", learning_rate_init=0.002, **common).fit(X, y)
    for a, b in zip(summed.coefs_ + summed.intercepts_, mean.coefs_ + mean.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.allclose(summed.coefs_[0], mean_small.coefs_[0], rtol=1e-6, atol=0)


def test_dtype_float32_trains_a_float32_network_close_to_the_float64_one(rng):
    X = rng.normal(size=(40, 3)) * 5.0 - 1.0
    y = np.tanh(X[:, 0] / 5.0) - 0.2 * X[:, 2] / 5.0
    common = dict(hidden_layer_sizes=(4,), solver="adam", max_iter=20, tol=None, random_state=0)
    single = MLPRegressor(dtype="float32", **common).fit(X, y)
    double = MLPRegressor(**common).fit(X, y)
    assert single.network_.dtype == np.float32
    assert all(p.dtype == np.float32 for p in single.coefs_ + single.intercepts_)
    np.testing.assert_allclose(single.predict(X), double.predict(X), rtol=0, atol=1e-3)


@pytest.mark.parametrize("n_iter_no_change", [1, 4])
def test_n_iter_no_change_stops_after_as_many_epochs_as_scikit_learn(rng, n_iter_no_change):
    # tol larger than any improvement: every epoch after the first fails to improve, so the
    # fit stops after n_iter_no_change + 2 epochs, as scikit-learn's does.
    X = rng.normal(size=(30, 3)) * 3.0 + 1.0
    y = np.cos(X[:, 0])
    common = dict(hidden_layer_sizes=(4,), solver="adam", tol=1e3, n_iter_no_change=n_iter_no_change, max_iter=50,
                  random_state=0)
    ours = MLPRegressor(**common).fit(X, y)
    theirs = SklearnRegressor(**common).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == n_iter_no_change + 2


def test_verbose_prints_per_example_losses_and_validation_scores_as_scikit_learn(iris, capsys):
    X, y = iris
    reg = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", batch_size=30, max_iter=3, early_stopping=True,
                       verbose=True, tol=None, random_state=0).fit(X, y.astype(float))  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0::2] == [f"Iteration {n}, loss = {J:.8f}" for n, J in enumerate(reg.loss_curve_, start=1)]
    assert lines[1::2] == [f"Validation score: {s:.6f}" for s in reg.validation_scores_]
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, tol=None, random_state=0).fit(X, y.astype(float))
    assert capsys.readouterr().out == ""  # the library prints only when asked


@pytest.mark.parametrize("estimator, solver", [("classifier", "sgd"), ("classifier", "adam"),
                                               ("classifier", "lbfgs"), ("regressor", "adam")])
def test_float32_fit_makes_no_copy_of_the_data(estimator, solver):
    """Issue 15: a float32 fit trains on the caller's X itself (no float64 copy, no copy at
    all): the peak of traced allocations during a second fit stays below a quarter of X."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.random((20000, 400), dtype=np.float32)  # 32 MB; a float64 copy would be 64 MB
    y = rng.integers(0, 5, 20000) if estimator == "classifier" else rng.random(20000)
    cls = MLPClassifier if estimator == "classifier" else MLPRegressor
    kw = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=1, tol=None, random_state=0, dtype="float32")
    if solver == "sgd":
        kw.update(momentum=0.9, nesterovs_momentum=True, batch_size=10, alpha=1e-4)
    cls(**kw).fit(X, y)  # compiles and caches whatever a first fit loads
    tracemalloc.start()
    try:
        cls(**kw).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 4, f"peak {peak / 1e6:.1f} MB during the fit of {X.nbytes / 1e6:.1f} MB of data"


def test_a_value_that_overflows_float32_is_refused_naming_its_cell():
    X = np.ones((6, 2))
    X[4, 1] = 1e300  # finite in float64, inf once converted to float32
    with pytest.warns(RuntimeWarning, match="overflow"), pytest.raises(InputError, match=r"inf at row 4, column 1"):
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, dtype="float32").fit(X, [0, 1] * 3)


def test_a_regression_target_beyond_float32_is_refused_naming_the_value_and_row():
    X = np.random.default_rng(0).random((50, 3))
    y = np.ones(50)
    y[7] = 1e300
    with pytest.raises(InputError, match=r"y has values beyond the range of float32 \(e.g. 1e\+300 at row 7\)"):
        MLPRegressor(max_iter=5, dtype="float32").fit(X, y)


@pytest.mark.parametrize("solver", ["default", "sgd"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_fit_in_the_networks_dtype_reads_X_once_to_check_it_and_bound_its_outputs(monkeypatch, dtype, solver):
    # The estimator checks X; the trainer then takes the checked arrays without a second pass
    # (unless a dtype conversion, which can overflow, came after the check), and a mini-batch
    # run's proof that its final outputs are finite takes max |X| from that same pass.
    import deltaprop._validation as validation
    import deltaprop._watch as watch
    from deltaprop import sources
    from deltaprop.estimators import _checks

    if solver == "sgd" and not numba_available():
        pytest.skip("without Numba the check sums X and the proof reads max |X| in a second pass")
    reads, all_finite, magnitude = [], validation.all_finite, watch.largest_magnitude
    monkeypatch.setattr(validation, "all_finite", lambda a, rows_=8192: reads.append(a.shape) or all_finite(a, rows_))
    for module in (watch, sources, _checks):
        monkeypatch.setattr(module, "largest_magnitude", lambda a: reads.append(a.shape) or magnitude(a))
    X = np.random.default_rng(0).random((300, 4)).astype(dtype)
    y = (X[:, 0] > 0.5).astype(int)
    kw = {} if solver == "default" else dict(solver="sgd", batch_size=32)
    MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, dtype=dtype, tol=None, **kw).fit(X, y)
    assert reads.count((300, 4)) == 1
