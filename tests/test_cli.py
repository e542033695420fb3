import io
import json
import os
import signal
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import deltaprop as dp
from deltaprop.cli import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_USAGE, main
from deltaprop.encoding import TARGET_INTERVALS
from deltaprop.modelfile import read

from conftest import assert_same_network

COMMANDS = ["train", "evaluate", "predict", "gradcheck", "explain", "plot", "info", "export"]


# ------------------------------------------------------------------------------ data the tests write
def write_blobs_csv(path, n=60, seed=0):
    """Two features, string labels 'left'/'right' decided by the sign of x0 + x1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "right", "left")
    with open(path, "w") as f:
        f.write("x0,x1,side\n")
        for (a, b), label in zip(X, labels):
            f.write(f"{float(a)!r},{float(b)!r},{label}\n")
    return X, labels


def write_line_csv(path, n=40, seed=1):
    """A regression table: y = 2 x0 - x1 + 0.5 with real-valued targets."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = 2 * X[:, 0] - X[:, 1] + 0.5
    with open(path, "w") as f:
        f.write("x0,x1,y\n")
        for (a, b), t in zip(X, y):
            f.write(f"{float(a)!r},{float(b)!r},{float(t)!r}\n")
    return X, y


@pytest.fixture
def blobs(tmp_path):
    path = tmp_path / "blobs.csv"
    X, labels = write_blobs_csv(path)
    return str(path), X, labels


@pytest.fixture
def blobs_model(tmp_path, blobs, capsys):
    path, X, labels = blobs
    model = str(tmp_path / "blobs.safetensors")
    assert main(["train", path, "--target", "side", "--hidden", "4", "--epochs", "40", "--standardize",
                 "-o", model, "-q"]) == 0
    capsys.readouterr()
    return model, path, X, labels


def read_predictions(text):
    lines = text.strip().splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("deltaprop: error: ") and "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------------------ train
def test_train_without_data_runs_the_quick_start_on_digits(capsys):
    assert main(["train", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "digits: network 64-30-10, sigmoid -> sigmoid" in out  # the short header (issue 13)
    assert "test accuracy:" in out and "on 450 held-out examples" in out  # a quarter of digits' 1797
    # The notes' rule: gradient descent on the summed gradient, at a rate that suits that sum.
    assert "(gd, learning rate 0.0022, loss: sum;" in out


@pytest.mark.slow
def test_quick_start_reaches_ninety_percent_test_accuracy(capsys):
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    assert float(out.split("test accuracy:")[1].split()[0]) > 0.9


def test_train_saves_preprocessing_and_label_map_in_the_model_file(blobs_model):
    model, path, X, labels = blobs_model
    _, meta = read(model)
    assert meta["task"] == "classification"
    assert meta["preprocessing"]["label_map"]["classes"] == ["left", "right"]
    np.testing.assert_array_equal(meta["preprocessing"]["standardize"]["mean"], X.mean(axis=0))
    np.testing.assert_array_equal(meta["preprocessing"]["standardize"]["scale"], X.std(axis=0))
    assert meta["features"] == ["x0", "x1"] and meta["target"] == "side"
    assert len(meta["history"]["loss"]) == 40
    assert meta["data_fingerprint"] == dp.modelfile.data_fingerprint(X, labels)


def test_train_prints_plain_lines_per_epoch_when_not_a_terminal(blobs, capsys):
    assert main(["train", blobs[0], "--epochs", "3", "--hidden", "2"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")] == ["1/3", "2/3", "3/3"]


def test_train_quiet_prints_nothing(blobs, capsys):
    assert main(["train", blobs[0], "--epochs", "3", "-q"]) == 0
    assert capsys.readouterr().out == ""


def test_train_reports_validation_metric_with_early_stopping(blobs, capsys):
    assert main(["train", blobs[0], "--epochs", "5", "--early-stopping", "--validation-fraction", "0.25"]) == 0
    assert "val accuracy" in capsys.readouterr().out


def test_train_builds_the_network_the_options_describe(blobs, tmp_path):
    model = str(tmp_path / "m.safetensors")
    assert main(["train", blobs[0], "--hidden", "5,4", "--hidden", "3", "--activation", "tanh",
                 "--output-activation", "softmax", "--loss", "cross_entropy", "--solver", "adam",
                 "--batch-size", "16", "--learning-rate", "0.01", "--epochs", "2", "--dtype", "float32",
                 "-o", model, "-q"]) == 0
    net = dp.load(model)
    assert net.sizes == [2, 5, 4, 3, 2]
    assert net.output_activation == "softmax" and net.dtype == np.float32
    _, meta = read(model)
    assert meta["training"]["trainer"]["batch_size"] == 16 and meta["training"]["trainer"]["solver"] == "adam"


def test_config_file_sets_options_and_flags_override_it(blobs, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('hidden = [3]\nsolver = "sgd"\nbatch-size = 10\nepochs = 7\nmomentum = 0.5\n')
    model = str(tmp_path / "m.safetensors")
    assert main(["train", blobs[0], "--config", str(config), "--epochs", "2", "-o", model, "-q"]) == 0
    _, meta = read(model)
    trainer = meta["training"]["trainer"]
    assert (trainer["solver"], trainer["batch_size"], trainer["momentum"]) == ("sgd", 10, 0.5)
    assert len(meta["history"]["loss"]) == 2  # the flag, not the file's 7
    assert meta["architecture"]["layer_sizes"] == [2, 3, 1]  # two classes: one output, as MLPClassifier


def test_config_file_with_an_unknown_key_is_refused(blobs, tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("hiden = [3]\n")
    assert main(["train", blobs[0], "--config", str(config)]) == 1
    assert "unknown key 'hiden'" in one_error_line(capsys.readouterr().err)


def test_regression_is_chosen_for_real_valued_targets(tmp_path, capsys):
    path = tmp_path / "line.csv"
    write_line_csv(path)
    model = str(tmp_path / "line.safetensors")
    assert main(["train", str(path), "--hidden", "4", "--epochs", "100", "-o", model, "-q"]) == 0
    _, meta = read(model)
    assert meta["task"] == "regression" and meta["architecture"]["output_activation"] == "identity"


# ------------------------------------------------------------------------------ evaluate / predict
def test_evaluate_json_matches_the_predictions(blobs_model, capsys):
    model, path, X, labels = blobs_model
    assert main(["predict", model, path]) == 0
    header, rows = read_predictions(capsys.readouterr().out)
    predicted = np.array([r[0] for r in rows])
    assert main(["evaluate", model, path, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] == pytest.approx(np.mean(predicted == labels))
    assert result["labels"] == ["left", "right"]
    cm = np.array(result["confusion_matrix"])
    assert cm.sum() == len(labels) and np.trace(cm) == np.sum(predicted == labels)
    left = result["per_class"][0]
    true_left, said_left = labels == "left", predicted == "left"
    assert left["precision"] == pytest.approx(np.sum(true_left & said_left) / np.sum(said_left))
    assert left["recall"] == pytest.approx(np.sum(true_left & said_left) / np.sum(true_left))


def test_evaluate_prints_tables_of_per_class_scores_and_confusion_matrix(blobs_model, capsys):
    model, path, _, _ = blobs_model
    assert main(["evaluate", model, path]) == 0
    out = capsys.readouterr().out
    for word in ("precision", "recall", "F1", "macro", "confusion matrix", "left", "right"):
        assert word in out


def test_evaluate_regressor_reports_mse_mae_r2(tmp_path, capsys):
    path = tmp_path / "line.csv"
    X, y = write_line_csv(path)
    model = str(tmp_path / "line.safetensors")
    assert main(["train", str(path), "--hidden", "4", "--epochs", "60", "-o", model, "-q"]) == 0
    assert main(["predict", model, str(path)]) == 0
    _, rows = read_predictions(capsys.readouterr().out)
    pred = np.array([float(r[0]) for r in rows])
    assert main(["evaluate", model, str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mse"] == pytest.approx(np.mean((pred - y) ** 2))
    assert result["mae"] == pytest.approx(np.mean(np.abs(pred - y)))
    assert result["r2"] == pytest.approx(1 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2))


def test_predict_proba_columns_are_probabilities_per_class(blobs_model, tmp_path):
    model, path, _, _ = blobs_model
    out = tmp_path / "pred.csv"
    assert main(["predict", model, path, "--proba", "-o", str(out)]) == 0
    header, rows = read_predictions(out.read_text())
    assert header == ["prediction", "proba_left", "proba_right"]
    p = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert [r[0] for r in rows] == list(np.array(["left", "right"])[p.argmax(axis=1)])


def test_predict_reads_stdin_and_writes_stdout(blobs_model, monkeypatch, capsys):
    model, path, X, _ = blobs_model
    features_only = "x0,x1\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in X[:5])
    monkeypatch.setattr(sys, "stdin", io.StringIO(features_only))
    assert main(["predict", model, "-"]) == 0
    from_stdin = capsys.readouterr().out
    assert main(["predict", model, path]) == 0
    from_file = capsys.readouterr().out
    assert from_stdin.splitlines() == from_file.splitlines()[:6]


def test_predict_picks_the_models_features_by_name(blobs_model, tmp_path, capsys):
    model, path, X, _ = blobs_model
    shuffled = tmp_path / "swapped.csv"
    shuffled.write_text("x1,x0\n" + "".join(f"{float(b)!r},{float(a)!r}\n" for a, b in X))
    assert main(["predict", model, str(shuffled)]) == 0
    swapped = capsys.readouterr().out
    assert main(["predict", model, path]) == 0
    assert swapped == capsys.readouterr().out


def test_estimator_model_files_work_with_evaluate_and_predict(blobs, tmp_path, capsys):
    path, X, labels = blobs
    clf = dp.MLPClassifier(hidden_layer_sizes=(3,), max_iter=300, random_state=0).fit(X, labels)
    model = str(tmp_path / "clf.safetensors")
    dp.save(clf, model)
    # Fitted on a bare array, the estimator knows no column names: name the column to leave out.
    assert main(["predict", model, path, "--target", "side"]) == 0
    _, rows = read_predictions(capsys.readouterr().out)
    assert [r[0] for r in rows] == list(clf.predict(X))
    assert main(["evaluate", model, path, "--target", "side", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == pytest.approx(clf.score(X, labels))


# ------------------------------------------------------------------------------ info / export / plot
def test_info_shows_architecture_settings_fingerprint_metrics_versions(blobs_model, capsys):
    model, _, X, labels = blobs_model
    assert main(["info", model]) == 0
    out = capsys.readouterr().out
    for text in ("2 -> 4 -> 2", "rprop", "train metrics", "deltaprop 0.", "numpy"):  # the defaults: softmax outputs
        assert text in out
    assert main(["info", model, "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["data_fingerprint"] == dp.modelfile.data_fingerprint(X, labels)


def test_export_onnx_runs_to_the_same_outputs(blobs_model, tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime")
    model, _, X, _ = blobs_model
    out = str(tmp_path / "m.onnx")
    assert main(["export", model, "--onnx", out, "--input-dtype", "float64"]) == 0
    session = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
    o = session.run(["o"], {"X": X})[0]
    _, meta = read(model)
    std = meta["preprocessing"]["standardize"]
    expected = dp.load(model).forward((X - np.array(std["mean"])) / np.array(std["scale"]))
    np.testing.assert_allclose(o, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["history", "network", "boundary"])
def test_plot_writes_a_png_of_the_requested_size(blobs_model, tmp_path, kind):
    pytest.importorskip("matplotlib")
    model, path, _, _ = blobs_model
    out = tmp_path / f"{kind}.png"
    extra = ["--data", path] if kind == "boundary" else []
    assert main(["plot", model, "--kind", kind, "-o", str(out), "--size", "320x240", "--dpi", "80", *extra]) == 0
    assert png_size(out) == (320, 240)


def test_plot_writes_svg(blobs_model, tmp_path):
    pytest.importorskip("matplotlib")
    model, _, _, _ = blobs_model
    out = tmp_path / "loss.svg"
    assert main(["plot", model, "-o", str(out), "--size", "400x300", "--dpi", "100"]) == 0
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg") and root.get("width") == "288pt" and root.get("height") == "216pt"


# ------------------------------------------------------------------------------ gradcheck / explain
def test_gradcheck_on_a_fresh_network_passes_per_layer(capsys):
    assert main(["gradcheck", "--layers", "3,4,2", "--activation", "tanh", "--output-activation", "softmax",
                 "--loss", "cross_entropy"]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok ") == 2 and "3x" not in out.split("layer")[0]


def test_gradcheck_on_a_model_file_with_its_data(blobs_model, capsys):
    model, path, _, _ = blobs_model
    assert main(["gradcheck", model, "--data", path]) == 0
    assert "examples of" in capsys.readouterr().out


def test_gradcheck_fails_when_the_tolerance_is_impossible(capsys):
    assert main(["gradcheck", "--tolerance", "0"]) == 1
    assert "gradient check failed" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1e-6", "nan", "inf"])
def test_gradcheck_refuses_a_negative_or_non_finite_tolerance_in_one_line(value, capsys):
    assert main(["gradcheck", "--tolerance", value]) == 2
    err = capsys.readouterr().err
    assert "--tolerance" in err and "is not a finite number of at least 0" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["gradcheck", "explain"])
def test_a_negative_seed_is_refused_naming_the_option_in_one_line(command, capsys):
    assert main([command, "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "-1 is not a whole number of at least 0" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt, marker", [("text", "delta_r"), ("markdown", "| "), ("latex", r"\begin{tabular}"),
                                         ("table", "delta_r")])
def test_explain_renders_each_format(fmt, marker, capsys):
    assert main(["explain", "--x", "0.6,-0.3", "--y", "1", "--format", fmt]) == 0
    assert marker in capsys.readouterr().out


def test_explain_shows_the_notes_worked_numbers(capsys):
    # A 1-1-1 network with w = 0.5, b = 0 everywhere: net_1 = 0.5, o_1 = sigmoid(0.5).
    assert main(["explain", "--layers", "1,1,1", "--x", "1", "--y", "1", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "x = (1)" in out and "y = (1)" in out and "eta = 0.5" in out


# ------------------------------------------------------------------------------ checkpoints
def _weights(model):
    net = dp.load(model)
    return net.weights + net.biases


SGD = ["--solver", "sgd", "--batch-size", "8", "--learning-rate", "0.5", "--momentum", "0.9", "--hidden", "3"]


def test_resume_from_checkpoint_is_bitwise_the_uninterrupted_run(blobs, tmp_path):
    path = blobs[0]
    full, resumed, ckpt = (str(tmp_path / n) for n in ("full.st", "resumed.st", "run.ckpt"))
    assert main(["train", path, *SGD, "--epochs", "12", "-o", full, "-q"]) == 0
    assert main(["train", path, *SGD, "--epochs", "5", "--checkpoint", ckpt, "--checkpoint-every", "2", "-q"]) == 0
    assert main(["train", path, "--resume", ckpt, "--epochs", "12", "-o", resumed, "-q"]) == 0
    for a, b in zip(_weights(full), _weights(resumed)):
        assert np.array_equal(a, b)
    _, meta = read(resumed)
    assert len(meta["history"]["loss"]) == 12


def test_ctrl_c_saves_a_checkpoint_exits_130_and_resumes_bitwise(blobs, tmp_path, monkeypatch, capsys):
    from deltaprop.cli import _output

    path = blobs[0]
    full, resumed, ckpt = (str(tmp_path / n) for n in ("full.st", "resumed.st", "run.ckpt"))
    assert main(["train", path, *SGD, "--epochs", "10", "-o", full, "-q"]) == 0

    def press_ctrl_c_in_epoch_4(self, trainer, net, epoch, logs):
        if epoch == 3:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(_output.ProgressDisplay, "on_epoch_end", press_ctrl_c_in_epoch_4)
    code = main(["train", path, *SGD, "--epochs", "10", "--checkpoint", ckpt, "--checkpoint-every", "100", "-o",
                 str(tmp_path / "never.st")])
    err = capsys.readouterr().err
    assert code == EXIT_INTERRUPTED
    assert err.count("\n") == 1 and "interrupted after epoch 4" in err and "--resume" in err
    assert not os.path.exists(tmp_path / "never.st")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    monkeypatch.undo()
    assert main(["train", path, "--resume", ckpt, "-o", resumed, "-q"]) == 0
    for a, b in zip(_weights(full), _weights(resumed)):
        assert np.array_equal(a, b)


def test_ctrl_c_without_checkpoint_exits_130_with_one_line_saying_nothing_was_saved(blobs, monkeypatch, capsys):
    from deltaprop.cli import _output

    def interrupt(self, trainer, net, epoch, logs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_output.ProgressDisplay, "on_epoch_end", interrupt)
    assert main(["train", blobs[0], "--epochs", "5"]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("deltaprop: interrupted") and "nothing was saved" in err


def test_resume_refuses_changed_settings_and_other_data(blobs, tmp_path, capsys):
    ckpt = str(tmp_path / "run.ckpt")
    assert main(["train", blobs[0], *SGD, "--epochs", "2", "--checkpoint", ckpt, "-q"]) == 0
    assert main(["train", "--resume", ckpt, "--solver", "adam"]) == 1
    assert "--solver cannot change when resuming" in one_error_line(capsys.readouterr().err)
    other = tmp_path / "other.csv"
    write_blobs_csv(other, seed=5)
    assert main(["train", str(other), "--resume", ckpt]) == 1
    assert "not the data the checkpointed run trained on" in one_error_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------ failures
def test_error_paths_print_one_line_and_exit_nonzero(blobs_model, tmp_path, capsys):
    model, path, _, _ = blobs_model
    malformed = tmp_path / "bad.csv"
    malformed.write_text("x0,x1,side\n1,2,left\n3,oops,right\n5,6,left\n")
    three = tmp_path / "three.csv"
    three.write_text("a,b,c,side\n1,2,3,left\n4,5,6,right\n")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    cases = [
        (["train", str(tmp_path / "missing.csv")], "does not exist"),
        (["train", path, "--target", "nope"], "nope"),
        (["train", str(malformed)], "is numeric but holds text ('oops') on line(s) 3"),
        (["predict", model, str(three)], "expects 2"),
        (["evaluate", str(tmp_path / "missing.st"), path], "does not exist"),
        (["evaluate", path, path], "model file"),
        (["train", path, "--epochs", "0"], "epochs"),
        (["train", path, "-o", str(tmp_path / "no" / "dir" / "m.st")], "does not exist"),
        (["train", str(folder)], "directory"),
        (["plot", model, "--kind", "boundary", "-o", str(tmp_path / "b.png")], "--data"),
    ]
    for argv, words in cases:
        code = main(argv)
        line = one_error_line(capsys.readouterr().err)
        assert code != 0 and words in line, (argv, line)


@pytest.mark.parametrize("argv", [["train", "--solver", "nope"], ["train", "--epochs", "many"], ["frobnicate"],
                                  ["evaluate", "only-one-argument"]])
def test_usage_errors_exit_2_with_one_line(argv, capsys):
    assert main(argv) == EXIT_USAGE
    one_error_line(capsys.readouterr().err)


def test_divergence_has_its_own_exit_code(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "".join(f"{v},{3 * v}\n" for v in (1e3, -2e3, 5e2, 4e3)))
    code = main(["train", str(path), "--solver", "gd", "--learning-rate", "10", "--hidden", "2",
                 "--activation", "identity", "--epochs", "50"])
    assert code == EXIT_DIVERGED
    assert "diverged" in one_error_line(capsys.readouterr().err)


def test_debug_shows_the_traceback(tmp_path, capsys):
    assert main(["--debug", "train", str(tmp_path / "missing.csv")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("deltaprop: error:")


# ------------------------------------------------------------------------------ help, version, process
def test_version_is_printed(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"deltaprop, version {dp.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: deltaprop " + command in out and "Example" in out


def test_python_dash_m_runs_the_cli():
    r = subprocess.run([sys.executable, "-m", "deltaprop", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "train" in r.stdout


def test_train_predict_evaluate_end_to_end_as_processes(tmp_path):
    data = tmp_path / "blobs.csv"
    X, labels = write_blobs_csv(data, n=80, seed=3)
    model, pred = tmp_path / "m.safetensors", tmp_path / "pred.csv"

    def run(*argv, stdin=None):
        r = subprocess.run([sys.executable, "-m", "deltaprop", *argv], capture_output=True, text=True, timeout=120,
                           cwd=tmp_path, input=stdin)
        assert r.returncode == 0, r.stderr
        return r.stdout

    run("train", str(data), "--target", "side", "--standardize", "--hidden", "4", "--epochs", "100", "-o", str(model))
    run("predict", str(model), str(data), "-o", str(pred))
    _, rows = read_predictions(pred.read_text())
    accuracy = np.mean(np.array([r[0] for r in rows]) == labels)
    assert accuracy > 0.9  # a linearly separable rule
    result = json.loads(run("evaluate", str(model), str(data), "--json"))
    assert result["accuracy"] == pytest.approx(accuracy)
    piped = run("predict", str(model), "-", stdin=data.read_text())
    assert piped == pred.read_text()


# ------------------------------------------------------------------------------ options off their defaults
def write_far_from_standard_csv(path, n=50, seed=2):
    """A regression table whose features are far from mean 0, sd 1: x * [1000, 0.01] + [5000, -3]."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 2))
    X = Z * np.array([1000.0, 0.01]) + np.array([5000.0, -3.0])
    y = np.tanh(Z[:, 0] - 0.5 * Z[:, 1])
    with open(path, "w") as f:
        f.write("x0,x1,y\n")
        for (a, b), t in zip(X, y):
            f.write(f"{float(a)!r},{float(b)!r},{float(t)!r}\n")
    return X, y


def test_standardize_is_applied_at_predict_and_evaluate_time(tmp_path, capsys):
    # predict and evaluate must give exactly the outputs of the network on (X - mean) / scale,
    # with the training mean and scale stored in the model file.
    path = tmp_path / "far.csv"
    X, y = write_far_from_standard_csv(path)
    model = str(tmp_path / "far.safetensors")
    assert main(["train", str(path), "--target", "y", "--task", "regress", "--standardize", "--hidden", "4",
                 "--epochs", "30", "-o", model, "-q"]) == 0
    _, meta = read(model)
    std = meta["preprocessing"]["standardize"]
    mean, scale = np.asarray(std["mean"]), np.asarray(std["scale"])
    assert np.all(np.abs(mean) > 1.0)  # the fixture is not already standardised
    targets = meta["preprocessing"]["target_scaling"]  # identity outputs: the targets were standardised too
    expected = (dp.load(model).forward((X - mean) / scale) * targets["scale"] + targets["mean"]).ravel()
    capsys.readouterr()
    assert main(["predict", model, str(path)]) == 0
    _, rows = read_predictions(capsys.readouterr().out)
    np.testing.assert_array_equal(np.array([float(r[0]) for r in rows]), expected)
    assert main(["evaluate", model, str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mse"] == pytest.approx(np.mean((expected - y) ** 2), rel=1e-12)


BASE_TRAIN = ["--hidden", "3", "--batch-size", "8", "--learning-rate", "0.05", "--epochs", "3", "-q"]


@pytest.mark.parametrize("solver, options", [
    ("adam", ["--beta1", "0.5"]),
    ("adam", ["--beta2", "0.9"]),
    ("adam", ["--epsilon", "0.1"]),
    ("sgd", ["--momentum", "0.5"]),
    ("sgd", ["--momentum", "0.5", "--no-nesterov"]),
    ("sgd", ["--weight-decay", "0.5"]),
    ("sgd", ["--clip-norm", "0.01"]),
    ("sgd", ["--reduction", "sum"]),
    ("sgd", ["--no-shuffle"]),
    ("sgd", ["--schedule", "step", "--schedule-option", "step_size=1", "--schedule-option", "drop=0.1"]),
    ("sgd", ["--schedule", "invscaling", "--power-t", "0.1"]),
])
def test_each_training_option_reaches_the_trainer(blobs, tmp_path, solver, options):
    # The same run with and without the option (the baseline: its default, or the step before
    # it: the momentum for --no-nesterov, Nesterov's with DATA and sgd as in the estimators;
    # invscaling's default power_t for --power-t) trains different weights, so the option is
    # not only recorded but used.
    base = ["--solver", solver, *BASE_TRAIN]
    if options[-1] == "--no-nesterov":
        base += options[:-1]
    if options[0] == "--schedule" and "--power-t" in options:
        base += options[:2]
    with_option, without = str(tmp_path / "with.safetensors"), str(tmp_path / "without.safetensors")
    assert main(["train", blobs[0], *base, *options, "-o", with_option]) == 0
    assert main(["train", blobs[0], *base, "-o", without]) == 0
    a, b = dp.load(with_option), dp.load(without)
    assert not np.array_equal(a.weights[0], b.weights[0])


# ------------------------------------------------------------------------------ the CLI fits the estimators' model
#: The notes' model, named on the command line (with DATA, what is left out follows the estimators' rule).
NOTES_SETTINGS = ["--activation", "sigmoid", "--solver", "rprop", "--output-activation", "sigmoid", "--loss",
                  "squared_error", "--weight-decay", "0"]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_train_data_by_default_fits_the_estimators_default_model(tmp_path, task):
    # Issue 16/17: the same data, no settings: deltaprop train DATA and MLPClassifier() /
    # MLPRegressor() resolve the same defaults rule and build bitwise the same network.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) if task == "classification" else np.sin(X[:, 0]) + X[:, 2]
    path = str(tmp_path / "t.csv")
    with open(path, "w") as f:
        f.write("a,b,c,y\n" + "".join(f"{float(u)!r},{float(v)!r},{float(w)!r},{t!r}\n" for (u, v, w), t in
                                      zip(X, y.tolist())))
    model = str(tmp_path / "m.safetensors")
    assert main(["train", path, "--no-standardize", "--epochs", "40", "-o", model, "-q"]) == 0
    est = (dp.MLPClassifier if task == "classification" else dp.MLPRegressor)(max_iter=40, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 40 epochs is short; the CLI says so as a line
        est.fit(X, y)
    assert est.network_.sizes == [3, 100, 2 if task == "classification" else 1]
    assert_same_network(model, est)
    if task == "regression":  # the rule's own early stopping holds out a fifth, in both
        trainer = read(model)[1]["training"]["trainer"]
        assert trainer["early_stopping"] and trainer["validation_fraction"] == est.settings_["validation_fraction"] == 0.2


def test_train_on_a_classification_csv_fits_the_network_and_probabilities_of_mlpclassifier(blobs, tmp_path):
    path, X, labels = blobs
    model, out = str(tmp_path / "m.safetensors"), tmp_path / "pred.csv"
    assert main(["train", path, "--target", "side", "--hidden", "4", "--epochs", "25", "--no-standardize", "-o",
                 model, "-q", *NOTES_SETTINGS]) == 0
    clf = dp.MLPClassifier((4,), alpha=0.0, max_iter=25, tol=None, random_state=0,  # the notes' model, named
                           activation="logistic", solver="rprop", output_activation="sigmoid",
                           loss="squared_error").fit(X, labels)
    assert clf.network_.sizes == [2, 4, 1]  # two classes: one sigmoid output on both sides
    assert_same_network(model, clf)
    assert main(["predict", model, path, "--proba", "-o", str(out)]) == 0
    header, rows = read_predictions(out.read_text())
    assert header == ["prediction", "proba_left", "proba_right"]
    assert [r[0] for r in rows] == clf.predict(X).tolist()
    np.testing.assert_array_equal(np.array([[float(v) for v in r[1:]] for r in rows]), clf.predict_proba(X))


def test_train_with_early_stopping_holds_out_the_estimators_validation_set(blobs, tmp_path):
    path, X, labels = blobs
    model = str(tmp_path / "m.safetensors")
    assert main(["train", path, "--target", "side", "--hidden", "3", "--epochs", "60", "--no-standardize",
                 "--early-stopping", "--tol", "1e-4", "--patience", "5", "--seed", "3", "-o", model, "-q",
                 *NOTES_SETTINGS]) == 0
    clf = dp.MLPClassifier((3,), alpha=0.0, max_iter=60, tol=1e-4, n_iter_no_change=5, early_stopping=True,
                           random_state=3, activation="logistic", solver="rprop", output_activation="sigmoid",
                           loss="squared_error").fit(X, labels)
    assert_same_network(model, clf)
    _, meta = read(model)
    assert meta["history"]["val_metric"] == clf.validation_scores_


@pytest.mark.parametrize("output_activation", ["identity", "sigmoid", "tanh"])
def test_train_on_a_regression_csv_fits_the_network_and_predictions_of_mlpregressor(tmp_path, output_activation):
    path = str(tmp_path / "line.csv")
    X, y = write_line_csv(path)
    y = 10 * y + 100  # far outside every bounded output's range: the targets must be scaled
    with open(path, "w") as f:
        f.write("x0,x1,y\n" + "".join(f"{float(a)!r},{float(b)!r},{float(t)!r}\n" for (a, b), t in zip(X, y)))
    model, out = str(tmp_path / "m.safetensors"), tmp_path / "pred.csv"
    assert main(["train", path, "--hidden", "5", "--epochs", "30", "--no-standardize", "--output-activation",
                 output_activation, "--activation", "sigmoid", "--solver", "rprop", "--loss", "squared_error",
                 "--weight-decay", "0", "--no-early-stopping", "--tol", "1e-4", "--patience", "10",
                 "-o", model, "-q"]) == 0
    reg = dp.MLPRegressor((5,), alpha=0.0, max_iter=30, tol=1e-4, n_iter_no_change=10, random_state=0,
                          activation="logistic", solver="rprop", early_stopping=False, loss="squared_error",
                          output_activation=output_activation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs is short; the CLI says so as a line
        reg.fit(X, y)
    assert_same_network(model, reg)
    assert main(["predict", model, path, "-o", str(out)]) == 0
    _, rows = read_predictions(out.read_text())
    np.testing.assert_array_equal([float(r[0]) for r in rows], reg.predict(X))
    _, meta = read(model)
    assert meta["preprocessing"]["target_scaling"] == (None if output_activation == "identity" else
                                                       {"min": [y.min()], "max": [y.max()],
                                                        "interval": list(TARGET_INTERVALS[output_activation])})


def test_ctrl_c_while_the_library_loads_ends_in_one_line_and_exit_130():
    # Issue 14 point 10: the `deltaprop` command's entry point loads the library inside its own
    # handler. Deterministically: the import of deltaprop.cli is made to raise KeyboardInterrupt.
    code = ("import sys\n"
            "class Interrupt:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'deltaprop.cli':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, Interrupt())\n"
            "import _deltaprop_start\n"
            "sys.exit(_deltaprop_start.main())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stderr) == (EXIT_INTERRUPTED, "deltaprop: interrupted while starting\n")
