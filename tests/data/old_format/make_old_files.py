"""Wrote these old-format model files (before deltaprop.encoding, at commit 498be7b) and their recorded predictions.

Run from this folder with that commit's code; kept to show how the fixtures were made, not run by the tests.
"""
import json
import numpy as np
import deltaprop as dp
from deltaprop.cli import main
from deltaprop.cli._model import load_model

rng = np.random.default_rng(7)
# a table whose inputs are far from standardised: three classes by the sum of columns
X = rng.normal(loc=[50.0, -3.0, 0.5], scale=[10.0, 2.0, 0.1], size=(45, 3))
s = (X[:, 0] - 50) / 10 + (X[:, 1] + 3) / 2
labels = np.where(s > 0.7, "high", np.where(s < -0.7, "low", "mid"))
with open("three.csv", "w") as f:
    f.write("a,b,c,level\n")
    for row, lab in zip(X, labels):
        f.write(",".join(repr(float(v)) for v in row) + f",{lab}\n")
binary = np.where(s > 0, "yes", "no")
with open("two.csv", "w") as f:
    f.write("a,b,c,answer\n")
    for row, lab in zip(X, binary):
        f.write(",".join(repr(float(v)) for v in row) + f",{lab}\n")
yv = 2.0 * X[:, 1] + 0.3 * X[:, 0] + 7.0
with open("values.csv", "w") as f:
    f.write("a,b,c,value\n")
    for row, t in zip(X, yv):
        f.write(",".join(repr(float(v)) for v in row) + f",{float(t)!r}\n")
assert main(["train", "three.csv", "--hidden", "5", "--epochs", "30", "--standardize", "-o", "cli_three.safetensors", "-q"]) == 0
assert main(["train", "two.csv", "--hidden", "4", "--epochs", "30", "--standardize", "--output-activation", "tanh",
             "-o", "cli_two_tanh.safetensors", "-q"]) == 0
assert main(["train", "values.csv", "--hidden", "4", "--epochs", "30", "--standardize", "-o", "cli_values.safetensors", "-q"]) == 0
clf = dp.MLPClassifier((5,), random_state=0, max_iter=30, tol=None).fit(X, labels)
dp.save(clf, "estimator_classifier.safetensors")
clf2 = dp.MLPClassifier((4,), random_state=0, max_iter=30, tol=None, output_activation="tanh").fit(X, binary)
dp.save(clf2, "estimator_binary_tanh.safetensors")
reg = dp.MLPRegressor((4,), random_state=0, max_iter=30, tol=None, output_activation="sigmoid").fit(X, yv)
dp.save(reg, "estimator_regressor_sigmoid.safetensors")
rec = {"X": X.tolist()}
for name in ["cli_three", "cli_two_tanh", "cli_values", "estimator_classifier", "estimator_binary_tanh",
             "estimator_regressor_sigmoid"]:
    m = load_model(name + ".safetensors")
    r = {"predict": np.asarray(m.predict(X)).tolist()}
    if m.task == "classification":
        r["predict_proba"] = np.asarray(m.predict_proba(X)).tolist()
    rec[name] = r
with open("recorded.json", "w") as f:
    json.dump(rec, f)
