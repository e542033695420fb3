import json
import os

import numpy as np
import pytest

from deltaprop.cli._model import load_model
from deltaprop.encoding import EPS, ClassEncoder, Encoding, InputScaler, TargetScaler
from deltaprop.errors import InputError

OLD = os.path.join(os.path.dirname(__file__), "data", "old_format")
OLD_FILES = ["cli_three", "cli_two_tanh", "cli_values", "estimator_classifier", "estimator_binary_tanh",
             "estimator_regressor_sigmoid"]


# ------------------------------------------------------------------------------ files written before the encoding module
@pytest.fixture(scope="module")
def recorded():
    with open(os.path.join(OLD, "recorded.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("name", OLD_FILES)
def test_model_files_written_before_the_encoding_module_predict_what_they_predicted(name, recorded):
    X = np.asarray(recorded["X"])
    m = load_model(os.path.join(OLD, name + ".safetensors"))
    expected = recorded[name]
    predicted = np.asarray(m.predict(X))
    if predicted.dtype.kind in "fc":
        np.testing.assert_allclose(predicted, expected["predict"], rtol=1e-12, atol=1e-12)
    else:
        assert predicted.tolist() == expected["predict"]
    if "predict_proba" in expected:
        np.testing.assert_allclose(m.predict_proba(X), expected["predict_proba"], rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------------------ inputs
def test_input_scaler_standardises_raw_columns_and_passes_constant_ones_through():
    X = np.array([[100.0, -3.0, 7.0], [300.0, 1.0, 7.0], [200.0, 2.0, 7.0]])
    s = InputScaler.fit(X)
    Z = s.transform(X)
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1.0)
    assert s.scale[2] == 1.0 and (Z[:, 2] == 0.0).all()
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    again = InputScaler.from_meta(json.loads(json.dumps(s.to_meta())))
    np.testing.assert_array_equal(again.transform(X), Z)


# ------------------------------------------------------------------------------ classes
def test_two_classes_take_one_output_unless_the_outputs_are_softmax():
    y = np.array(["no", "yes", "yes", "no"])
    one = ClassEncoder.fit(y, output_activation="sigmoid")
    assert one.n_outputs == 1
    np.testing.assert_array_equal(one.transform(y), [[0.0], [1.0], [1.0], [0.0]])
    tanh = ClassEncoder.fit(y, output_activation="tanh")
    np.testing.assert_array_equal(tanh.transform(y), [[-1.0], [1.0], [1.0], [-1.0]])
    soft = ClassEncoder.fit(y, output_activation="softmax")
    assert soft.n_outputs == 2
    np.testing.assert_array_equal(soft.transform(y), [[1, 0], [0, 1], [0, 1], [1, 0]])


def test_encoded_targets_decode_to_their_own_labels():
    y = np.array([3, 1, 2, 2, 1, 3])
    for activation in ("sigmoid", "tanh", "softmax", "identity"):
        enc = ClassEncoder.fit(y, output_activation=activation)
        assert enc.labels(enc.transform(y)).tolist() == y.tolist()


def test_probabilities_map_outputs_onto_zero_one_clip_and_normalise():
    enc = ClassEncoder.fit(np.array(["a", "b"]), output_activation="tanh")
    # tanh outputs -0.5 and 0.6 are p = 0.25 and 0.8 of "b"; 1.5 is clipped to 1 - eps.
    p = enc.proba(np.array([[-0.5], [0.6], [1.5]]))
    np.testing.assert_allclose(p, [[0.75, 0.25], [0.2, 0.8], [EPS, 1 - EPS]])
    three = ClassEncoder.fit(np.array([0, 1, 2]), output_activation="sigmoid")
    np.testing.assert_allclose(three.proba(np.array([[0.2, 0.6, -0.3]])), [[0.25, 0.75, EPS / (0.8 + EPS)]])
    assert three.proba(np.array([[0.2, 0.6, -0.3]]))[0, :2] == pytest.approx([0.2 / (0.8 + EPS), 0.6 / (0.8 + EPS)])


def test_multilabel_targets_keep_one_output_per_label_and_unnormalised_probabilities():
    Y = np.array([[1, 0, 1], [0, 0, 1]])
    enc = ClassEncoder.fit(Y, output_activation="sigmoid")
    assert enc.multilabel and enc.n_outputs == 3
    np.testing.assert_array_equal(enc.transform(Y), Y)
    np.testing.assert_allclose(enc.proba(np.array([[0.9, 0.8, 0.7]])), [[0.9, 0.8, 0.7]])
    np.testing.assert_array_equal(enc.labels(np.array([[0.9, 0.2, 0.7]])), [[1, 0, 1]])


def test_unseen_labels_and_a_single_class_are_refused_with_the_fix():
    with pytest.raises(InputError, match=r"y contains only one class \('a'\)"):
        ClassEncoder.fit(np.array(["a", "a"]), output_activation="sigmoid")
    enc = ClassEncoder.fit(np.array(["a", "b"]), output_activation="sigmoid")
    with pytest.raises(InputError, match=r"y has labels \['c'\] not among classes_ \['a', 'b'\]; pass every label"):
        enc.transform(np.array(["a", "c"]))


def test_label_maps_round_trip_and_old_sections_read_with_their_encoding():
    enc = ClassEncoder.fit(np.array([True, False, True]), output_activation="tanh")
    again = ClassEncoder.from_meta(json.loads(json.dumps(enc.to_meta())), output_activation="tanh", n_outputs=1)
    assert again.classes.tolist() == [False, True] and again.classes.dtype == bool
    assert (again.n_outputs, again.low, again.high, again.multilabel) == (1, -1.0, 1.0, False)
    # deltaprop train before the encoding module: always one output per class, low/high stored
    old_cli = {"classes": ["no", "yes"], "dtype": "<U3", "encoding": "one-hot", "low": -1.0, "high": 1.0}
    cli = ClassEncoder.from_meta(old_cli, output_activation="tanh", n_outputs=2)
    np.testing.assert_array_equal(cli.transform(np.array(["yes"])), [[-1.0, 1.0]])
    # the estimators before it: no low/high, they follow from the output activation
    old_est = {"classes": [0, 1], "dtype": "<i8", "multilabel": False}
    est = ClassEncoder.from_meta(old_est, output_activation="tanh", n_outputs=1)
    assert (est.low, est.high, est.n_outputs, est.multilabel) == (-1.0, 1.0, 1, False)


# ------------------------------------------------------------------------------ regression targets
def test_bounded_outputs_get_targets_scaled_into_their_interval_and_back():
    Y = np.array([[10.0, 5.0], [30.0, 5.0], [20.0, 5.0]])
    s = TargetScaler.fit(Y, output_activation="sigmoid")
    # column 0: 10 -> 0.1, 30 -> 0.9; the constant column 1 sits at the interval's low end
    np.testing.assert_allclose(s.transform(Y), [[0.1, 0.1], [0.9, 0.1], [0.5, 0.1]])
    np.testing.assert_allclose(s.inverse_transform(s.transform(Y)), Y)
    tanh = TargetScaler.fit(Y, output_activation="tanh")
    np.testing.assert_allclose(tanh.transform(Y)[:, 0], [-0.8, 0.8, 0.0])
    np.testing.assert_array_equal(TargetScaler.fit(Y, output_activation="identity").transform(Y), Y)
    again = TargetScaler.from_meta(json.loads(json.dumps(s.to_meta())), output_activation="sigmoid")
    np.testing.assert_array_equal(again.transform(Y), s.transform(Y))


# ------------------------------------------------------------------------------ the preprocessing section
@pytest.mark.parametrize("classify, activation", [(True, "sigmoid"), (True, "softmax"), (False, "tanh"), (False, "identity")])
def test_preprocessing_section_is_plain_json_and_restores_the_same_encoding(classify, activation):
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(20, 3))
    y = np.where(X[:, 0] > 5, "up", "down") if classify else 4.0 * X[:, 1] - 7.0
    enc = Encoding.fit(X, y, standardize=True, classify=classify, output_activation=activation)
    n_outputs = enc.transform_targets(y).shape[1]
    meta = json.loads(json.dumps(enc.to_meta()))
    again = Encoding.from_meta(meta, classify=classify, output_activation=activation, n_outputs=n_outputs)
    np.testing.assert_array_equal(again.transform_inputs(X), enc.transform_inputs(X))
    np.testing.assert_array_equal(again.transform_targets(y), enc.transform_targets(y))
