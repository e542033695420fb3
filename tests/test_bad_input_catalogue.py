"""A catalogue of bad inputs: each one ends in the exact deltaprop error, naming the problem and the fix.

One table (:data:`CASES`) covers the Python API (Network, gradcheck, Trainer/train), the
estimators, the data readers and model files. Each row is a function of the prepared
:class:`Files` that must raise exactly ``error`` (``type(exc) is error``, not a subclass
or parent) with a message matching ``match``. A message matches only when it names what
was wrong (the row and column, the argument, the file, expected vs found) *and* what to do,
so each regex has both halves.

The command-line rows (:data:`CLI_CASES`) run ``deltaprop`` over the same bad files and
arguments and check the CLI contract: a non-zero exit code, exactly one line on stderr
(the library's message), and no traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import builtins
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import EXIT_ERROR, EXIT_USAGE, main
from deltaprop.data import load_dataset
from deltaprop.callbacks import load_checkpoint
from deltaprop.errors import (
    DataFileError,
    FileAccessError,
    FileAccessDeniedError,
    InputError,
    InputTypeError,
    MissingFileError,
    ModelFileError,
    NotAFileError,
)
from deltaprop.estimators import MLPClassifier, MLPRegressor

RNG = np.random.default_rng(7)
X = RNG.normal(size=(10, 3))
Y = RNG.uniform(0.1, 0.9, size=(10, 1))
LABELS = np.array([0, 1] * 5)


def with_value(a: np.ndarray, row: int, col: int, value) -> np.ndarray:
    """A copy of ``a`` with one entry replaced."""
    b = np.array(a, dtype=float)
    b[row, col] = value
    return b


def net(**kwargs) -> dp.Network:
    return dp.Network([3, 4, 1], seed=0, **kwargs)


def fitted_classifier() -> MLPClassifier:
    return MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=200, random_state=0).fit(X, LABELS)


class Files:
    """Bad (and good) files written once per test into ``tmp_path``.

    ``locked`` names a file that exists but which opening fails with PermissionError: the
    tests run as root, where ``chmod 000`` blocks nothing, so ``open`` is monkeypatched
    for that one path (see :func:`deny_locked`).
    """

    CONTENTS = {
        "good.csv": "a,b,c,label\n1,2,3,cat\n4,5,6,dog\n7,8,9,cat\n",
        "ragged.csv": "a,b,c,label\n1,2,3,cat\n4,5,dog\n",
        "quote.csv": 'a,b,c,label\n1,"2,3,cat\n',
        "empty.csv": "",
        "header.csv": "a,b,c,label\n",
        "text.csv": "a,b,c,label\n1,2,3,cat\n4,five,6,dog\n7,8,9,cat\n",
        "natarget.csv": "a,b,c,label\n1,2,3,cat\n4,5,6,NA\n",
        "nan.csv": "a,b,c,label\n1,2,3,cat\n4,nan,6,dog\n",
        "inf.csv": "a,b,c,label\n1,2,3,cat\n4,5,inf,dog\n",
        "unnamed.csv": ",a,b,label\n0,1,2,cat\n",
        "locked.csv": "a,b,c,label\n1,2,3,cat\n4,5,6,dog\n",
        "data.xyz": "1,2,3\n",
        "unseen.csv": "a,b,c,label\n1,2,3,cat\n4,5,6,bird\n",
        "twofeatures.csv": "a,b,label\n1,2,cat\n4,5,dog\n",
        "one.csv": "a,b,c,label\n1,2,3,cat\n",
        "onevalue.csv": "a,b,c,y\n1,2,3,0.5\n",
        "train.csv": "a,b,c,label\n"
        + "".join(f"{i % 7},{i % 5},{i % 3},{'cat' if i % 2 else 'dog'}\n" for i in range(30)),
        "regression.csv": "a,b,c,y\n" + "".join(f"{i % 7},{i % 5},{i % 3},{i * 0.5}\n" for i in range(30)),
    }

    def __init__(self, root):
        self.root = root
        for name, text in self.CONTENTS.items():
            (root / name).write_text(text)
        (root / "folder.csv").mkdir()
        (root / "notutf8.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
        (root / "empty.safetensors").write_bytes(b"")
        (root / "garbage.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
        model = dp.Network([3, 2, 1], seed=0)
        dp.save(model, root / "net.safetensors")
        dp.save(model, root / "locked.safetensors")

    def __getattr__(self, name: str) -> str:
        # files.good_csv -> ".../good.csv"
        stem, _, ext = name.rpartition("_")
        return str(self.root / f"{stem}.{ext}")


def deny_locked(monkeypatch) -> None:
    """Make opening any file named ``locked.*`` fail as a file without read permission would."""
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.basename(os.fspath(file)).startswith("locked."):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)


def resigned(f: "Files", name: str, edit, *, checkpoint: bool = False) -> str:
    """A model (or checkpoint) file edited by ``edit(meta)`` with its SHA-256 recomputed (issue 14)."""
    import json

    import safetensors.numpy

    from deltaprop import modelfile
    from deltaprop.callbacks import Checkpoint

    source = f.root / f"source-{name}"
    if checkpoint:
        dp.Trainer(solver="adam", batch_size=5, epochs=1, seed=0, callbacks=[Checkpoint(source)]).fit(net(), X, Y)
    else:
        dp.save(net(), source, metadata={"preprocessing": {"standardize": {"mean": [0.0] * 3, "scale": [1.0] * 3},
                                                          "label_map": None}})
    arrays, meta = modelfile.read(source, what="checkpoint" if checkpoint else "model file")
    edit(meta)
    text = json.dumps(meta)
    path = f.root / name
    path.write_bytes(safetensors.numpy.save(arrays, metadata={"deltaprop": text,
                                                              "deltaprop.sha256": modelfile._checksum(text, arrays)}))
    return str(path)


def _zip_with_text_member() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("X", b"not an array")
    return buffer.getvalue()


def huge_npz(f: "Files") -> str:
    import zipfile

    path = f.root / "huge.npz"
    with zipfile.ZipFile(path, "w") as z:
        with z.open("X.npy", "w", force_zip64=True) as fp:
            np.lib.format.write_array_header_1_0(fp, {"descr": "<f8", "fortran_order": False, "shape": (10**7, 10**5)})
    return str(path)


def fifo(f: "Files", name: str) -> str:
    path = f.root / name
    os.mkfifo(path)
    return str(path)


def write_bytes(f: "Files", name: str, data: bytes) -> str:
    (f.root / name).write_bytes(data)
    return str(f.root / name)


def zero_link(f: "Files") -> str:
    (f.root / "zeros.csv").symlink_to("/dev/zero")
    return str(f.root / "zeros.csv")


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[Files], object]
    error: type
    match: str


CASES = [
    # --------------------------------------------------------------- Network construction
    Case("zero-size hidden layer", lambda f: dp.Network([3, 0, 1]), InputError,
         r"layer_sizes\[1\] is 0; every layer needs at least one unit"),
    Case("negative layer size", lambda f: dp.Network([3, -2, 1]), InputError,
         r"layer_sizes\[1\] is -2; every layer needs at least one unit"),
    Case("zero inputs", lambda f: dp.Network([0, 2, 1]), InputError,
         r"layer_sizes\[0\] is 0; every layer needs at least one unit"),
    Case("only one layer size", lambda f: dp.Network([3]), InputError,
         r"needs at least an input and an output size, got \[3\]; e\.g\. \[4, 8, 3\]"),
    Case("fractional layer size", lambda f: dp.Network([3, 2.5, 1]), InputTypeError,
         r"layer_sizes\[1\] must be an integer, got 2\.5"),
    Case("unknown activation", lambda f: dp.Network([3, 2, 1], activation="sigmod"), InputError,
         r"unknown activation 'sigmod'; choose one of 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'"),
    Case("unknown output activation", lambda f: dp.Network([3, 2, 1], output_activation="sofmax"), InputError,
         r"unknown output_activation 'sofmax'; choose one of 'sigmoid', .*'softmax'"),
    Case("unknown loss", lambda f: dp.Network([3, 2, 1], loss="mse"), InputError,
         r"unknown loss 'mse'; choose one of 'squared_error', 'binary_cross_entropy', 'cross_entropy'"),
    Case("activation not a name", lambda f: dp.Network([3, 2, 1], activation=3), InputTypeError,
         r"activation must be a name such as 'sigmoid' or one name per hidden layer, got 3"),
    Case("softmax as hidden activation", lambda f: dp.Network([3, 2, 1], activation="softmax"), InputError,
         r"'softmax' can only be the output activation; choose another hidden activation"),
    Case("integer dtype", lambda f: dp.Network([3, 2, 1], dtype="int64"), InputError,
         r"dtype must be 'float64' or 'float32', got 'int64'"),
    # --------------------------------------------------------------- inputs to forward / predict
    Case("NaN in X", lambda f: net().forward(with_value(X, 2, 1, np.nan)), InputError,
         r"X contains NaN at row 2, column 1; remove or impute non-finite values"),
    Case("inf in X", lambda f: net().forward(with_value(X, 4, 0, np.inf)), InputError,
         r"X contains inf at row 4, column 0; remove or impute non-finite values"),
    Case("-inf in X", lambda f: net().forward(with_value(X, 9, 2, -np.inf)), InputError,
         r"X contains -inf at row 9, column 2; remove or impute"),
    Case("empty X", lambda f: net().forward(np.empty((0, 3))), InputError,
         r"X is empty \(0 examples\); pass at least one example"),
    Case("wrong feature count", lambda f: net().forward(X[:, :2]), InputError,
         r"X has 2 features but the network expects 3; pass data with 3 features"),
    Case("text in X", lambda f: net().forward([["1", "a", "2"]]), InputError,
         r"X contains non-numeric values at row 0, column 1 \('a'\); encode or drop those columns"),
    Case("object array", lambda f: net().forward(np.array([[1.0, {}, 2.0]], dtype=object)), InputError,
         r"X contains non-numeric values at row 0, column 1 \(\{\}\); encode or drop"),
    Case("ragged rows", lambda f: net().forward([[1.0, 2.0, 3.0], [1.0, 2.0]]), InputError,
         r"X is ragged \(rows of different lengths\); pass a rectangular 2-D array"),
    Case("3-D X", lambda f: net().forward(np.zeros((2, 3, 1))), InputError,
         r"X must be 2-D \(n_examples, n_features\), got shape \(2, 3, 1\); flatten each example"),
    Case("1-D X", lambda f: net().forward(np.zeros(3)), InputError,
         r"got shape \(3,\); reshape it with X\.reshape\(1, -1\) for one example"),
    Case("X is None", lambda f: net().forward(None), InputTypeError,
         r"X is None; pass a 2-D array of shape \(n_examples, n_features\)"),
    Case("complex X", lambda f: net().forward(X.astype(complex)), InputTypeError,
         r"X has dtype complex128, which is not numeric; pass real numbers"),
    # --------------------------------------------------------------- train / Trainer
    Case("mismatched X/Y lengths", lambda f: dp.train(net(), X, Y[:7], epochs=1), InputError,
         r"X has 10 examples but Y has 7; pass one target row per example"),
    Case("NaN in Y", lambda f: dp.train(net(), X, with_value(Y, 3, 0, np.nan), epochs=1), InputError,
         r"Y contains NaN at row 3, column 0; remove or impute"),
    Case("wrong number of target columns", lambda f: dp.train(net(), X, np.hstack([Y, Y]), epochs=1), InputError,
         r"Y has 2 outputs but the network expects 1; pass data with 1 outputs"),
    Case("targets above sigmoid range (squared error)", lambda f: dp.train(net(), X, 5 * Y, epochs=1), InputError,
         r"Y has values outside \[0, 1\] \(e\.g\. \d\.\d+\), which sigmoid outputs cannot reach; "
         r"scale the targets into \[0, 1\] or choose output_activation='identity'"),
    Case("targets below tanh range", lambda f: dp.train(net(output_activation="tanh"), X, Y - 3, epochs=1),
         InputError, r"outside \[-1, 1\] \(e\.g\. -2\.\d+\), which tanh outputs cannot reach; scale the targets"),
    Case("targets outside [0, 1] for cross-entropy",
         lambda f: dp.train(net(loss="binary_cross_entropy"), X, 2 * Y, epochs=1), InputError,
         r"outside \[0, 1\], which loss 'binary_cross_entropy' requires; one-hot encode labels"),
    Case("zero learning rate", lambda f: dp.train(net(), X, Y, learning_rate=0.0, epochs=1), InputError,
         r"learning_rate must be > 0, got 0\.0"),
    Case("negative learning rate", lambda f: dp.train(net(), X, Y, learning_rate=-0.5, epochs=1), InputError,
         r"learning_rate must be > 0, got -0\.5"),
    Case("NaN learning rate", lambda f: dp.train(net(), X, Y, learning_rate=float("nan"), epochs=1), InputError,
         r"learning_rate must be > 0, got nan"),
    Case("unknown solver", lambda f: dp.train(net(), X, Y, solver="adagrad", epochs=1), InputError,
         r"unknown solver 'adagrad'; choose one of 'gd', 'sgd', 'adam', 'rprop', 'quickprop', 'lbfgs'"),
    Case("unknown schedule", lambda f: dp.train(net(), X, Y, schedule="cosine", epochs=1), InputError,
         r"unknown schedule 'cosine'.*(choose|valid).*'constant'"),
    Case("batch size larger than the data", lambda f: dp.train(net(), X, Y, solver="sgd", batch_size=11, epochs=1),
         InputError, r"batch_size=11 is larger than the 10 training examples; use at most 10"),
    Case("batch size for a full-batch solver", lambda f: dp.train(net(), X, Y, solver="gd", batch_size=4, epochs=1),
         InputError, r"solver 'gd' uses the full batch every step; drop batch_size=4 or choose solver='sgd'"),
    Case("zero epochs", lambda f: dp.train(net(), X, Y, epochs=0), InputError, r"epochs must be > 0, got 0"),
    Case("unknown solver option", lambda f: dp.train(net(), X, Y, solver="rprop", solver_options={"eta": 1}),
         InputError, r"solver_options \['eta'\] are not options of solver 'rprop'; valid: .*delta0"),
    Case("one example with a validation split", lambda f: dp.train(net(), X[:1], Y[:1], early_stopping=True),
         InputError, r"of 1 examples leaves 1 for validation and 0 for training; both need at least one\. "
                     r"Change validation_fraction or pass validation_data"),
    Case("negative sample weight", lambda f: dp.train(net(), X, Y, sample_weight=-np.ones(10), epochs=1),
         InputError, r"sample_weight must be finite and non-negative"),
    Case("validation data of the wrong width", lambda f: dp.train(net(), X, Y, validation_data=(X[:, :2], Y)),
         InputError, r"validation_data: X has 2 features but the network expects 3"),
    # --------------------------------------------------------------- gradcheck
    Case("gradcheck: NaN in X", lambda f: dp.gradcheck(net(), with_value(X, 0, 2, np.nan), Y), InputError,
         r"X contains NaN at row 0, column 2; remove or impute"),
    Case("gradcheck: mismatched lengths", lambda f: dp.gradcheck(net(), X, Y[:3]), InputError,
         r"X has 10 examples but Y has 3; pass one target row per example"),
    Case("gradcheck: zero step", lambda f: dp.gradcheck(net(), X, Y, h=0.0), InputError, r"h must be > 0, got 0\.0"),
    Case("gradcheck: targets outside sigmoid range", lambda f: dp.gradcheck(net(), X, Y + 1), InputError,
         r"outside \[0, 1\] .*which sigmoid outputs cannot reach"),
    # --------------------------------------------------------------- estimators
    Case("estimator: NaN in X", lambda f: MLPClassifier().fit(with_value(X, 5, 2, np.nan), LABELS), InputError,
         r"X contains NaN at row 5, column 2; remove or impute"),
    Case("estimator: inf in y", lambda f: MLPRegressor().fit(X, with_value(Y, 6, 0, np.inf)[:, 0]), InputError,
         r"y contains inf at row 6, column 0; remove or impute"),
    Case("estimator: empty data", lambda f: MLPClassifier().fit(np.empty((0, 3)), []), InputError,
         r"X is empty \(0 examples\); pass at least one example"),
    Case("estimator: one example", lambda f: MLPClassifier().fit(X[:1], LABELS[:1]), InputError,
         r"y contains only one class \(0\); a classifier needs at least two classes"),
    Case("estimator: one example with early stopping",
         lambda f: MLPRegressor(early_stopping=True).fit(X[:1], Y[:1, 0]), InputError,
         r"cannot hold out validation_fraction=0\.1 of 1 examples .*use more data, another validation_fraction"),
    Case("estimator: mismatched X/y lengths", lambda f: MLPClassifier().fit(X, LABELS[:6]), InputError,
         r"X has 10 examples but y has 6 targets; pass one target per example"),
    Case("estimator: text column", lambda f: MLPClassifier().fit([[1, "x", 2], [3, 4, 5]], [0, 1]), InputError,
         r"X contains non-numeric values at row 0, column 1 \('x'\); encode or drop those columns"),
    Case("estimator: ragged X", lambda f: MLPRegressor().fit([[1, 2, 3], [1, 2]], [0.0, 1.0]), InputError,
         r"X is ragged \(rows of different lengths\)"),
    Case("estimator: 3-D X", lambda f: MLPClassifier().fit(np.zeros((4, 3, 2)), [0, 1, 0, 1]), InputError,
         r"X must be 2-D .*got shape \(4, 3, 2\); flatten each example"),
    Case("estimator: wrong feature count at predict", lambda f: fitted_classifier().predict(X[:, :2]), ValueError,
         r"X has 2 features, but MLPClassifier is expecting 3 features"),
    Case("estimator: NaN at predict", lambda f: fitted_classifier().predict(with_value(X, 1, 1, np.nan)), InputError,
         r"X contains NaN at row 1, column 1"),
    Case("estimator: labels unseen in the first fit",
         lambda f: fitted_classifier().partial_fit(X[:3], np.array([0, 1, 7])), InputError,
         r"y has labels \[7\] not among classes_ \[0, 1\]; pass every label in classes="),
    Case("estimator: unknown solver", lambda f: MLPClassifier(solver="adagrad").fit(X, LABELS), InputError,
         r"solver='adagrad' is not one of 'gd', 'sgd', 'adam', 'rprop', 'quickprop', 'lbfgs'"),
    Case("estimator: unknown activation", lambda f: MLPRegressor(activation="swish").fit(X, Y[:, 0]), InputError,
         r"unknown activation 'swish'; choose one of 'sigmoid'"),
    Case("estimator: unknown loss", lambda f: MLPRegressor(loss="huber").fit(X, Y[:, 0]), InputError,
         r"unknown loss 'huber'; choose one of 'squared_error'"),
    Case("estimator: zero learning rate", lambda f: MLPClassifier(learning_rate_init=0).fit(X, LABELS), InputError,
         r"learning_rate_init=0 is outside \(0, inf\]; pass a value in that range"),
    Case("estimator: zero-size hidden layer", lambda f: MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, LABELS),
         InputError, r"hidden_layer_sizes must hold positive integers, got \(4, 0\)"),
    # --------------------------------------------------------------- data files
    Case("CSV row of the wrong length", lambda f: load_dataset(f.ragged_csv), DataFileError,
         r"ragged\.csv', line 3: 3 fields but the header \(line 1\) has 4; fix the row"),
    Case("CSV with an unclosed quote", lambda f: load_dataset(f.quote_csv), DataFileError,
         r"quote\.csv', line \d: malformed CSV \(.*\); check the quoting and the delimiter"),
    Case("empty CSV file", lambda f: load_dataset(f.empty_csv), DataFileError,
         r"empty\.csv' is empty; a table needs a header row"),
    Case("CSV with a header only", lambda f: load_dataset(f.header_csv), DataFileError,
         r"header\.csv' has a header but no data rows; add at least one example"),
    Case("CSV with a word in a numeric column", lambda f: load_dataset(f.text_csv), DataFileError,
         r"text\.csv', column 'b' is numeric but holds text \('five'\) on line\(s\) 3; fix those cells"),
    Case("CSV with a missing target", lambda f: load_dataset(f.natarget_csv), DataFileError,
         r"natarget\.csv', line\(s\) 3: the target 'label' is missing"),
    Case("CSV with inf", lambda f: load_dataset(f.inf_csv), DataFileError,
         r"inf\.csv', line 3: column 'c' holds 'inf'; remove or impute"),
    Case("CSV column without a name", lambda f: load_dataset(f.unnamed_csv), DataFileError,
         r"column 1 has no name in the header row; name it or drop it"),
    Case("CSV that is not UTF-8", lambda f: load_dataset(f.notutf8_csv), DataFileError,
         r"notutf8\.csv' is not UTF-8 text .*; save it as UTF-8"),
    Case("unknown target column", lambda f: load_dataset(f.good_csv, target="lable"), InputError,
         r"unknown target column 'lable' in data file .*good\.csv'; did you mean 'label'\? "
         r"The columns are: 'a', 'b', 'c', 'label'; name one of them"),
    Case("a directory instead of a data file", lambda f: load_dataset(f.folder_csv), NotAFileError,
         r"data file '.*folder\.csv' is a directory, not a file; give the path of a file"),
    Case("missing data file", lambda f: load_dataset(f.missing_csv), MissingFileError,
         r"data file '.*missing\.csv' does not exist; check the path"),
    Case("unreadable data file", lambda f: load_dataset(f.locked_csv), FileAccessDeniedError,
         r"cannot read data file '.*locked\.csv': permission denied; check the file's permissions"),
    Case("data file of unknown format", lambda f: load_dataset(f.data_xyz), InputError,
         r"cannot tell the format of data file '.*data\.xyz' from its name; use \.csv, \.tsv"),
    # --------------------------------------------------------------- model files
    Case("empty model file", lambda f: dp.load(f.empty_safetensors), ModelFileError,
         r"empty\.safetensors': it is 0 bytes long.*re-save the model or restore a good copy"),
    Case("a CSV file loaded as a model", lambda f: dp.load(f.good_csv), ModelFileError,
         r"cannot load model file '.*good\.csv': it is not a model file but text starting 'a,b,c,la'"),
    Case("a damaged model header", lambda f: dp.load(f.garbage_safetensors), ModelFileError,
         r"garbage\.safetensors'.*re-save the model or restore a good copy"),
    Case("a directory instead of a model file", lambda f: dp.load(f.folder_csv), NotAFileError,
         r"model file '.*folder\.csv' is a directory, not a file; give the path of a file"),
    Case("unreadable model file", lambda f: dp.load(f.locked_safetensors), FileAccessDeniedError,
         r"cannot read model file '.*locked\.safetensors': permission denied; check the file's permissions"),
    Case("saving into a missing directory", lambda f: dp.save(net(), f.root / "no" / "such" / "m.safetensors"),
         MissingFileError, r"cannot write model file .*: the directory '.*such' does not exist; create it first"),
    Case("saving over a directory", lambda f: dp.save(net(), f.folder_csv), NotAFileError,
         r"cannot write model file '.*folder\.csv': it is a directory; give the path of a file"),
    # --------------------------------------------------------------- issue 14: files that lie, unbounded inputs
    Case("re-signed label map without dtype",
         lambda f: dp.load(resigned(f, "nodtype.safetensors", lambda m: m.update(
             label_map={"classes": ["a"], "multilabel": False}))), ModelFileError,
         r"nodtype\.safetensors': its metadata field 'label_map\.dtype' is missing; .*restore a good copy"),
    Case("re-signed standardisation scale of zero",
         lambda f: dp.load(resigned(f, "scale0.safetensors", lambda m: m["preprocessing"]["standardize"].update(
             scale=[1.0, 0.0, 1.0]))), ModelFileError,
         r"scale0\.safetensors': its metadata field 'preprocessing\.standardize\.scale\[1\]' is 0\.0; expected a "
         r"number >= 1e-100 .*restore a good copy"),
    Case("re-signed checkpoint with a negative epoch",
         lambda f: load_checkpoint(resigned(f, "epoch.ckpt", lambda m: m["trainer_state"].update(epoch=-2**63),
                                            checkpoint=True)), ModelFileError,
         r"cannot load checkpoint '.*epoch\.ckpt': its field 'trainer_state\.epoch' is -9223372036854775808; "
         r"expected an integer from 0 .*use an unedited checkpoint"),
    Case("re-signed checkpoint with empty Adam moments",
         lambda f: load_checkpoint(resigned(f, "adam.ckpt", lambda m: m["trainer_state"]["optimizer"].update(m=[]),
                                            checkpoint=True)), ModelFileError,
         r"its field 'trainer_state\.optimizer\.m' holds arrays of shapes \[\]; expected one flat vector of 21 "
         r"numbers .*use an unedited checkpoint"),
    Case("model header of 200 000 empty lists",
         lambda f: dp.load(resigned(f, "wide.safetensors", lambda m: m.update(padding=[[]] * 200_000))),
         ModelFileError, r"wide\.safetensors': its header holds \d+ lists and objects, more than the 100000 a model "
                         r"file may have; .*restore a good copy"),
    Case("network too large for memory", lambda f: dp.Network([10**6, 10**5, 1]), InputError,
         r"a network with layer_sizes=\[1000000, 100000, 1\] .* needs about 6\.41 TB of memory but only .* is "
         r"available; use fewer or smaller layers"),
    Case("npz declaring an 8 TB array", lambda f: load_dataset(huge_npz(f)), InputError,
         r"huge\.npz': array 'X' of shape \(10000000, 100000\) \(8 TB\) needs about 8 TB of memory but only .* is "
         r"available; use a smaller file"),
    Case("npz member that is not an array",
         lambda f: load_dataset(write_bytes(f, "odd.npz", _zip_with_text_member())), DataFileError,
         r"odd\.npz': its member 'X' is not a \.npy array .*; save arrays with np\.savez\(path, X=X, y=y\)"),
    Case("IDX file with 255 dimensions",
         lambda f: load_dataset(write_bytes(f, "odd-idx3-ubyte", b"\0\0\x08\xff" + b"\0\0\0\x01" * 255 + b"\x07")),
         DataFileError, r"announces 255 dimensions; deltaprop reads IDX files of at most 8 .*; is it an IDX file\?"),
    Case("number with an underscore", lambda f: load_dataset(write_bytes(f, "u.csv", b"a,y\n1_000,0\n2,1\n")),
         DataFileError, r"u\.csv', line 2: column 'a' holds '1_000', which is not a plainly written number; write it "
                        r"with ASCII digits"),
    Case("Arabic-Indic digit", lambda f: load_dataset(write_bytes(f, "ar.csv", "a,y\n\u0663,0\n2,1\n".encode())),
         DataFileError, r"ar\.csv', line 2: column 'a' holds '\u0663', which is not a plainly written number"),
    Case("unit separator in a numeric cell",
         lambda f: load_dataset(write_bytes(f, "us.csv", b"a,y\nx\x1fy,0\n2,1\n3,1\n")),
         DataFileError, r"us\.csv', column 'a' is numeric but holds text \('x\\x1fy'\) on line\(s\) 2"),
    Case("NUL-only data", lambda f: load_dataset(write_bytes(f, "nul.csv", b"\0" * 1000)), DataFileError,
         r"nul\.csv', line 1: holds a NUL character, so it is binary data, not a CSV/TSV text; give a text table"),
    Case("CSV that is a link to /dev/zero", lambda f: load_dataset(zero_link(f)), NotAFileError,
         r"data file '.*zeros\.csv' is a character device, not a regular file; copy what it holds to a file"),
    Case("model file that is a FIFO with no writer", lambda f: dp.load(fifo(f, "pipe.safetensors")), NotAFileError,
         r"model file '.*pipe\.safetensors' is a FIFO \(named pipe\), not a regular file; copy what it holds"),
    Case("saving to a FIFO with no reader", lambda f: dp.save(net(), fifo(f, "out.safetensors")), FileAccessError,
         r"cannot write model file '.*out\.safetensors': it is a FIFO \(named pipe\) with no reader; start the "
         r"reading program first"),
    # Estimator inputs (issue 14, point 10): deltaprop's own error types, naming the fix.
    Case("sparse X for an estimator",
         lambda f: MLPClassifier(hidden_layer_sizes=(3,)).fit(_sparse(X), LABELS), InputTypeError,
         r"X is a sparse csr_matrix; the estimators train on dense arrays: pass X\.toarray\(\)"),
    Case("pandas nullable column holding NA",
         lambda f: MLPRegressor(hidden_layer_sizes=(3,)).fit(_frame_with_na(), Y.ravel()), InputError,
         r"X column 'income' holds 2 missing value\(s\) \(pandas NA or NaN\), first in row 3; fill them "
         r"\(X\.fillna"),
    Case("continuous labels for the classifier",
         lambda f: MLPClassifier(hidden_layer_sizes=(3,)).fit(X, Y.ravel()), InputError,
         r"y is continuous \(values such as 0\.\d+\); MLPClassifier predicts class labels: use MLPRegressor"),
    Case("class_weight naming a class y does not have",
         lambda f: MLPClassifier(hidden_layer_sizes=(3,), class_weight={0: 1.0, 2: 5.0}).fit(X, LABELS), InputError,
         r"class_weight names \[2\], which are not classes of y \(\[0, 1\]\); key class_weight by the labels"),
]


def _sparse(a):
    from scipy import sparse

    return sparse.csr_matrix(a)


def _frame_with_na():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["income"] = pd.array([1, 2, 3, None, 5, 6, None, 8, 9, 10], dtype="Int64")
    return frame


def test_the_catalogue_has_at_least_forty_distinct_bad_inputs():
    ids = [case.id for case in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_raises_the_named_error(case, tmp_path, monkeypatch):
    files = Files(tmp_path)
    deny_locked(monkeypatch)
    with pytest.raises(Exception) as excinfo:
        case.call(files)
    assert type(excinfo.value) is case.error, f"{type(excinfo.value).__name__}: {excinfo.value}"
    assert re.search(case.match, str(excinfo.value)), str(excinfo.value)


def test_every_deltaprop_error_is_also_the_builtin_type_users_catch():
    # ``except ValueError`` / ``except OSError`` keep working around deltaprop.
    assert issubclass(InputError, ValueError) and issubclass(InputTypeError, TypeError)
    assert issubclass(DataFileError, ValueError) and issubclass(ModelFileError, ValueError)
    assert issubclass(MissingFileError, FileNotFoundError) and issubclass(NotAFileError, IsADirectoryError)
    assert issubclass(FileAccessDeniedError, PermissionError)


# ====================================================================================== CLI
@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    """The catalogue's files plus a classifier trained by the CLI on ``train.csv`` (features a, b, c)."""
    files = Files(tmp_path_factory.mktemp("cli"))
    argv = ["train", files.train_csv, "--target", "label", "--hidden", "3", "--epochs", "3", "-q",
            "-o", files.model_safetensors]
    assert main(argv) == 0
    return files


@dataclass(frozen=True)
class CliCase:
    id: str
    argv: Callable[[Files], list]
    exit_code: int
    match: str


def train_on(data: str, *options: str) -> Callable[[Files], list]:
    """``deltaprop train FILES.data OPTIONS --epochs 2 -q`` (the epochs only if not given)."""
    def argv(f: Files) -> list:
        extra = [] if "--epochs" in options else ["--epochs", "2"]
        return ["train", getattr(f, data), *options, *extra, "-q"]
    return argv


CLI_CASES = [
    # --------------------------------------------------------------- data files
    CliCase("CSV row of the wrong length", train_on("ragged_csv"), EXIT_ERROR,
            r"ragged\.csv', line 3: 3 fields but the header \(line 1\) has 4; fix the row"),
    CliCase("CSV with an unclosed quote", train_on("quote_csv"), EXIT_ERROR,
            r"malformed CSV .*; check the quoting and the delimiter"),
    CliCase("empty CSV file", train_on("empty_csv"), EXIT_ERROR, r"empty\.csv' is empty; a table needs a header row"),
    CliCase("CSV with a header only", train_on("header_csv"), EXIT_ERROR,
            r"has a header but no data rows; add at least one example"),
    CliCase("CSV with a word in a numeric column", train_on("text_csv"), EXIT_ERROR,
            r"column 'b' is numeric but holds text \('five'\) on line\(s\) 3; fix those cells"),
    CliCase("CSV with NaN and --missing error", train_on("nan_csv", "--missing", "error"), EXIT_ERROR,
            r"column 'b' has 1 missing value \(rows 1, counted from 0\); fill them in or drop those rows, or "
            r"impute them \(--missing impute\)"),
    CliCase("CSV with inf", train_on("inf_csv"), EXIT_ERROR, r"line 3: column 'c' holds 'inf'; remove or impute"),
    CliCase("CSV that is not UTF-8", train_on("notutf8_csv"), EXIT_ERROR, r"is not UTF-8 text .*; save it as UTF-8"),
    CliCase("a directory instead of a data file", train_on("folder_csv"), EXIT_ERROR,
            r"folder\.csv' is a directory, not a file; give the path of a file"),
    CliCase("missing data file", train_on("missing_csv"), EXIT_ERROR, r"missing\.csv' does not exist; check the path"),
    CliCase("unreadable data file", train_on("locked_csv"), EXIT_ERROR,
            r"cannot read data file '.*locked\.csv': permission denied; check the file's permissions"),
    CliCase("data file of unknown format", train_on("data_xyz"), EXIT_ERROR,
            r"cannot tell the format of data file '.*data\.xyz' from its name; use \.csv"),
    CliCase("unknown target column", train_on("good_csv", "--target", "lable"), EXIT_ERROR,
            r"unknown target column 'lable' .*did you mean 'label'\? The columns are: 'a', 'b', 'c', 'label'"),
    CliCase("one example", train_on("one_csv"), EXIT_ERROR,
            r"the target has only one class \('cat'\); a classifier needs at least two"),
    CliCase("one example with a validation split", train_on("onevalue_csv", "--validation-fraction", "0.5"), EXIT_USAGE,
            r"--validation-fraction 0\.5 leaves 0 of 1 examples to train on; at least 2 are needed"),
    # --------------------------------------------------------------- train options
    CliCase("zero learning rate", train_on("train_csv", "--learning-rate", "0"), EXIT_USAGE,
            r"Invalid value for '--learning-rate' / '--eta': 0\.0 is not a finite number above 0"),
    CliCase("negative learning rate", train_on("train_csv", "--eta", "-1"), EXIT_USAGE,
            r"Invalid value for '--learning-rate' / '--eta': -1\.0 is not a finite number above 0"),
    CliCase("zero-size hidden layer", train_on("train_csv", "--hidden", "4,0"), EXIT_USAGE,
            r"Invalid value for '--hidden': '4,0' is not a list of layer sizes: give positive whole numbers"),
    CliCase("zero epochs", train_on("train_csv", "--epochs", "0"), EXIT_USAGE,
            r"Invalid value for '--epochs': 0 is not a whole number from 1 to 1000000000"),
    CliCase("unknown activation", train_on("train_csv", "--activation", "sigmod"), EXIT_USAGE,
            r"Invalid value for '--activation': 'sigmod' is not one of 'identity', 'leaky_relu', 'relu', "
            r"'sigmoid', 'tanh'\. \(see 'deltaprop train --help'\)"),
    CliCase("unknown loss", train_on("train_csv", "--loss", "mse"), EXIT_USAGE,
            r"'mse' is not one of 'binary_cross_entropy', 'cross_entropy', 'squared_error'\. \(see"),
    CliCase("unknown solver", train_on("train_csv", "--solver", "adagrad"), EXIT_USAGE,
            r"'adagrad' is not one of 'adam', 'gd', 'lbfgs', 'quickprop', 'rprop', 'sgd'\. \(see"),
    CliCase("non-numeric option value", train_on("train_csv", "--epochs", "many"), EXIT_USAGE,
            r"Invalid value for '--epochs': 'many' is not a whole number from 1 to 1000000000 \(see 'deltaprop "
            r"train --help'\)"),
    CliCase("unknown option", train_on("train_csv", "--epoch", "3"), EXIT_USAGE,
            r"No such option '--epoch'.*Did you mean one of: '--epochs'"),
    # (a batch size larger than the data now uses all of it, with a warning, as the estimators: see test_cli_train.py)
    CliCase("batch size for the rule's full-batch solver", train_on("train_csv", "--batch-size", "8"), EXIT_USAGE,
            r"--batch-size 8: the default solver for 30 training rows is rprop, which uses the full batch every "
            r"step; leave --batch-size out, or name --solver sgd or adam"),
    # (--task regress --output-activation sigmoid now scales the targets, as MLPRegressor does: see test_cli.py)
    CliCase("model output into a missing directory",
            lambda f: ["train", f.train_csv, "--epochs", "1", "-q", "-o", str(f.root / "no" / "m.safetensors")],
            EXIT_ERROR,
            r"cannot write --output '.*m\.safetensors': the directory '.*no' does not exist; create it first"),
    CliCase("model output over a directory", lambda f: ["train", f.train_csv, "--epochs", "1", "-o", f.folder_csv],
            EXIT_USAGE, r"Invalid value for '-o' / '--output': .*folder\.csv' is a directory"),
    # --------------------------------------------------------------- evaluate / predict / info / resume
    CliCase("wrong feature count at evaluate", lambda f: ["evaluate", f.model_safetensors, f.twofeatures_csv],
            EXIT_ERROR, r"the data has 2 feature columns but model '.*' expects 3 \(a, b, c\); pass data with"),
    CliCase("wrong feature count at predict", lambda f: ["predict", f.model_safetensors, f.twofeatures_csv],
            EXIT_ERROR, r"the data has 2 feature columns but model '.*' expects 3 \(a, b, c\)"),
    CliCase("labels unseen in training", lambda f: ["evaluate", f.model_safetensors, f.unseen_csv], EXIT_ERROR,
            r"the data has labels \['bird'\] the model was not trained on \(its classes: \['cat', 'dog'\]\); "
            r"evaluate on data with the model's classes"),
    CliCase("NaN in data at predict", lambda f: ["predict", f.model_safetensors, f.nan_csv], EXIT_ERROR,
            r"column 'b' has 1 missing value \(rows 1, counted from 0\); the model was trained without imputation"),
    CliCase("a CSV file as the model", lambda f: ["evaluate", f.good_csv, f.good_csv], EXIT_ERROR,
            r"cannot load model file '.*good\.csv': it is not a model file but text starting 'a,b,c,la' \(a data "
            r"table\?\); commands take MODEL first, then DATA"),
    CliCase("empty model file", lambda f: ["info", f.empty_safetensors], EXIT_ERROR,
            r"it is 0 bytes long.*re-save the model or restore a good copy"),
    CliCase("missing model file", lambda f: ["info", f.missing_safetensors], EXIT_ERROR,
            r"model file '.*missing\.safetensors' does not exist; check the path"),
    CliCase("unreadable model file", lambda f: ["info", f.locked_safetensors], EXIT_ERROR,
            r"cannot read model file '.*locked\.safetensors': permission denied; check the file's permissions"),
    CliCase("a directory as the model", lambda f: ["evaluate", f.folder_csv, f.good_csv], EXIT_USAGE,
            r"Invalid value for 'MODEL': .*folder\.csv' is a directory\. \(see 'deltaprop evaluate --help'\)"),
    CliCase("resume from a missing checkpoint", lambda f: ["train", "--resume", f.missing_ckpt], EXIT_ERROR,
            r"checkpoint '.*missing\.ckpt' does not exist; check the path"),
    CliCase("resume from a damaged checkpoint", lambda f: ["train", "--resume", f.garbage_safetensors], EXIT_ERROR,
            r"cannot load checkpoint '.*garbage\.safetensors': its header is not valid JSON.*restore a good copy"),
    CliCase("resume from a model instead of a checkpoint", lambda f: ["train", "--resume", f.model_safetensors],
            EXIT_ERROR, r"it holds a network model, not a training checkpoint; load it with dp\.load"),
    CliCase("gradcheck with a zero-size layer", lambda f: ["gradcheck", "--layers", "2,0,1"], EXIT_ERROR,
            r"--layers takes at least two positive layer sizes such as 2,3,1, got '2,0,1'"),
    # --------------------------------------------------------------- issue 14 through the CLI
    # 2. metadata edited and re-signed: every command that reads a model refuses it in one line
    *(CliCase(f"re-signed model with one class at {cmd}", (lambda cmd: lambda f: [
        cmd, one_class_model(f), *COMMAND_TAIL[cmd](f)])(cmd), EXIT_ERROR,
        r"cannot load model file '.*one-class\.safetensors': its metadata field 'preprocessing\.label_map\.classes' "
        r"lists 1 class; a classifier has at least two; the file is damaged")
      for cmd in ("info", "predict", "evaluate", "explain", "gradcheck", "export", "plot")),
    CliCase("re-signed model whose label map has no dtype",
            lambda f: ["info", resigned_once(f, "no-dtype.safetensors", lambda m: m["preprocessing"].update(
                label_map={"classes": ["a", "b"]}))], EXIT_ERROR,
            r"its metadata field 'preprocessing\.label_map\.dtype' is missing; the file is damaged"),
    CliCase("re-signed model with an infinite input scale",
            lambda f: ["predict", resigned_once(f, "inf-scale.safetensors", lambda m: m["preprocessing"]["standardize"]
                                                .update(scale=[float("inf")] * 3)), f.good_csv], EXIT_ERROR,
            r"its metadata field 'preprocessing\.standardize\.scale\[0\]' is inf; expected a finite number"),
    CliCase("re-signed checkpoint with a negative epoch",
            lambda f: ["train", "--resume", resigned_once(f, "minus-epoch.ckpt", lambda m: m["trainer_state"].update(
                epoch=-2**63), checkpoint=True), "-q"], EXIT_ERROR,
            r"its field 'trainer_state\.epoch' is -9223372036854775808; expected an integer from 0 to"),
    # 4. unbounded inputs
    CliCase("a link to /dev/zero as the data of predict", lambda f: ["predict", f.model_safetensors, zeros_once(f)],
            EXIT_ERROR, r"data file '.*zeros\.csv' is a character device, not a regular file"),
    CliCase("/dev/zero as the model", lambda f: ["info", "/dev/zero"], EXIT_ERROR,
            r"model file '/dev/zero' is a character device, not a regular file"),
    CliCase("an npz declaring an 8 TB array", lambda f: ["train", huge_npz(f), "-q"], EXIT_ERROR,
            r"array 'X' of shape \(10000000, 100000\) \(8 TB\) needs about 8 TB of memory but only .* is available"),
    # 5. sizes refused up front
    CliCase("train hidden layers too big for memory", train_on("train_csv", "--hidden", "100000,100000"), EXIT_ERROR,
            r"a network with --hidden 100000,100000 \(at least 10,000,400,001 parameters.*\) needs about 641 GB"),
    CliCase("explain a network too big to print", lambda f: ["explain", "--layers", "100000,100000,1"], EXIT_ERROR,
            r"--layers 100000,100000,1 has 10,000,200,001 weights and biases, more than the 1,000,000 explain "
            r"prints at most \(--max-weights\); explain a smaller network"),
    CliCase("explain a network over --max-weights", lambda f: ["explain", "--layers", "100,30,1"], EXIT_ERROR,
            r"--layers 100,30,1 has 3,061 weights and biases, more than --max-weights 2000; pass --max-weights 3061 "
            r"to print them all \(one row each, about \d+(\.\d+)? kB of output\), or explain a smaller network"),
    CliCase("explain --max-weights past its bound", lambda f: ["explain", "--max-weights", "1000001"], EXIT_USAGE,
            r"Invalid value for '--max-weights': 1000001 is not a whole number from 1 to 1000000"),
    CliCase("explain --max-weights with an underscore", lambda f: ["explain", "--max-weights", "1_000"], EXIT_USAGE,
            r"'1_000' is not a whole number from 1 to 1000000"),
    CliCase("explain --max-weights 0", lambda f: ["explain", "--max-weights", "0"], EXIT_USAGE,
            r"0 is not a whole number from 1 to 1000000"),
    CliCase("gradcheck that would take hours", lambda f: ["gradcheck", "--layers", "400,400,400"], EXIT_ERROR,
            r"a finite-difference check of --layers 400,400,400 \(320,800 parameters, 5 examples\) needs about 1e\+12 "
            r"multiply-adds, more than the 1e\+10 allowed"),
    # 8. special files as outputs
    CliCase("a FIFO with no reader as -o", lambda f: ["train", f.train_csv, "-q", "--epochs", "1", "-o",
                                                      fifo(f, "out-no-reader.fifo")], EXIT_ERROR,
            r"cannot write model file '.*out-no-reader\.fifo': it is a FIFO \(named pipe\) with no reader"),
    # 9. odd cells
    CliCase("a control character in a CSV cell",
            lambda f: ["train", write_bytes(f, "unit-sep.csv", b"a,b,c,label\n1,2\x1f,3,cat\n4,5,6,dog\n7,8,9,cat\n"),
                       "-q"],
            EXIT_ERROR, r"column 'b' is numeric but holds text \('2\\x1f'\) on line\(s\) 2"),
    CliCase("a number with an underscore", lambda f: ["predict", f.model_safetensors, write_bytes(
                f, "underscore.csv", b"a,b,c\n1_000,2,3\n")], EXIT_ERROR,
            r"line 2: column 'a' holds '1_000', which is not a plainly written number"),
    # 10. smaller points
    CliCase("a FIFO as the model", lambda f: ["predict", fifo(f, "model.fifo"), f.good_csv], EXIT_ERROR,
            r"model file '.*model\.fifo' is a FIFO \(named pipe\), not a regular file"),
    CliCase("an npz member that is not an array",
            lambda f: ["train", write_bytes(f, "text-member.npz", _zip_with_text_member()), "-q"], EXIT_ERROR,
            r"its member 'X' is not a \.npy array"),
    CliCase("an IDX file of 255 dimensions",
            lambda f: ["train", write_bytes(f, "deep-idx3-ubyte", b"\x00\x00\x08\xff" + b"\x00\x00\x00\x01" * 255),
                       "-q"], EXIT_ERROR, r"announces 255 dimensions; deltaprop reads IDX files of at most 8"),
]


#: What each command takes after MODEL in the re-signed rows above.
COMMAND_TAIL = {
    "info": lambda f: [], "explain": lambda f: [], "gradcheck": lambda f: [],
    "predict": lambda f: [f.good_csv], "evaluate": lambda f: [f.good_csv],
    "export": lambda f: ["--onnx", str(f.root / "one-class.onnx")],
    "plot": lambda f: ["-o", str(f.root / "one-class.png")],
}


def resigned_once(f: Files, name: str, edit, *, checkpoint: bool = False) -> str:
    """:func:`resigned`, written on first use (the CLI rows share one folder)."""
    path = f.root / name
    return str(path) if path.exists() else resigned(f, name, edit, checkpoint=checkpoint)


def one_class_model(f: Files) -> str:
    return resigned_once(f, "one-class.safetensors", lambda m: m["preprocessing"].update(
        label_map={"classes": ["a"], "dtype": "<U1"}))


def zeros_once(f: Files) -> str:
    path = f.root / "zeros.csv"
    return str(path) if path.is_symlink() else zero_link(f)


def test_the_cli_catalogue_covers_files_options_and_every_command_that_reads_them():
    assert len(CLI_CASES) >= 40
    assert len({case.id for case in CLI_CASES}) == len(CLI_CASES)


@pytest.mark.parametrize("case", CLI_CASES, ids=[case.id for case in CLI_CASES])
def test_cli_reports_bad_input_on_one_line_without_a_traceback(case, cli_files, capsys, monkeypatch):
    deny_locked(monkeypatch)
    code = main(case.argv(cli_files))
    err = capsys.readouterr().err
    assert code == case.exit_code, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("deltaprop: error: ")
    assert "Traceback" not in err
    assert re.search(case.match, lines[0]), lines[0]


def test_debug_shows_the_traceback_and_still_ends_with_the_one_line_error(cli_files, capsys):
    code = main(["--debug", "train", cli_files.ragged_csv, "-q"])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert err.startswith("Traceback (most recent call last):")
    assert "deltaprop.errors.DataFileError: data file" in err
    assert "_read_rows" in err  # the frame that raised
    assert err.splitlines()[-1].startswith("deltaprop: error: data file")


def test_the_installed_command_reports_a_bad_file_as_one_line_and_exit_code_one(cli_files):
    result = subprocess.run([sys.executable, "-m", "deltaprop", "train", cli_files.quote_csv], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == EXIT_ERROR
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("deltaprop: error: ")
    assert "Traceback" not in result.stderr
