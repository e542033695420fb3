import json
import os

import numpy as np
import pytest

from deltaprop.cli._model import load_model

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
