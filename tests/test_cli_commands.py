"""The commands other than ``train``, help and output (issue 13), and the CLI side of issue 14.

Everything runs through ``deltaprop.cli.main(argv)``: the exit code, what reaches stdout,
and for a failure exactly one ``deltaprop: error: ...`` line on stderr without a traceback.
"""

import io
import json
import os
import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, main
from deltaprop.modelfile import read

# Column names and labels that rich would read as markup (issue 14 point 6).
FEATURES = ["mass [kg]", "length [/m]", "w"]
CLASSES = ["[/]x", "b [red]", "c"]


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("deltaprop: error: "), err
    assert "Traceback" not in err
    return lines[0]


def fit_quietly(estimator, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A CSV with markup-like column names and class labels: 3 features, target 'species'."""
    root = tmp_path_factory.mktemp("cmds")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array(CLASSES)[np.argmax(X, axis=1)]
    path = root / "table.csv"
    with open(path, "w") as f:
        f.write(",".join(f'"{c}"' if "," in c else c for c in [*FEATURES, "species"]) + "\n")
        for row, label in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")
    return root, str(path), X, y


@pytest.fixture(scope="module")
def cli_model(table):
    root, path, _, _ = table
    model = str(root / "cli.safetensors")
    assert main(["train", path, "--target", "species", "--hidden", "4", "--epochs", "5", "--weight-decay", "0.01",
                 "--early-stopping", "--validation-fraction", "0.2", "-q", "-o", model]) == 0
    return model


@pytest.fixture(scope="module")
def frame_classifier(table):
    """An MLPClassifier fitted on a pandas DataFrame (feature names kept) and saved from Python."""
    pd = pytest.importorskip("pandas")
    root, _, X, y = table
    clf = fit_quietly(dp.MLPClassifier((4,), alpha=1e-3, max_iter=30, random_state=0),
                      pd.DataFrame(X, columns=FEATURES), pd.Series(y, name="species"))
    path = str(root / "frame_clf.safetensors")
    dp.save(clf, path)
    return path, clf


@pytest.fixture(scope="module")
def array_classifier(table):
    """An MLPClassifier fitted on plain arrays with integer labels, saved from Python."""
    root, _, X, y = table
    clf = fit_quietly(dp.MLPClassifier((4,), max_iter=30, random_state=0), X, np.argmax(X, axis=1))
    path = str(root / "array_clf.safetensors")
    dp.save(clf, path)
    return path, clf


# ------------------------------------------------------------------------------ usage and help
def test_no_arguments_prints_the_multiline_usage_with_its_commands(capsys):
    assert main([]) == EXIT_USAGE
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "Usage: deltaprop [OPTIONS] COMMAND [ARGS]..."
    assert "Commands:" in lines and len(lines) > 15
    assert "deltaprop: error" not in err


def test_help_shows_every_command_description_whole_on_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    commands = out[out.index("Commands:"):].splitlines()[1:9]
    assert [line.split()[0] for line in commands] == sorted(
        ["train", "evaluate", "predict", "gradcheck", "explain", "plot", "info", "export"])
    assert not any("..." in line or "…" in line for line in commands)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_explain_help_names_the_default_2_3_1_network(capsys):
    assert main(["explain", "--help"]) == 0
    out = capsys.readouterr().out
    assert "2-3-1" in out and "2-2-1" not in out


def test_gradcheck_takes_the_step_as_step_and_keeps_h_as_a_hidden_alias(capsys):
    assert main(["gradcheck", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--step" in out and "--h " not in out
    assert main(["gradcheck", "--step", "1e-5"]) == 0
    assert "(h = 1e-05)" in capsys.readouterr().out
    assert main(["gradcheck", "--h", "1e-4"]) == 0
    assert "(h = 0.0001)" in capsys.readouterr().out
    assert main(["gradcheck", "--step", "0"]) == EXIT_USAGE
    assert "'--step'" in one_error_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------ info
def test_info_shows_the_settings_that_matter_of_a_cli_model(cli_model, capsys):
    assert main(["info", cli_model]) == 0
    out = capsys.readouterr().out
    for text in ("hidden layers", "4 (sigmoid)", "weight decay", "0.0100", "early stopping", "0.2000 of the",
                 "learning rate", "not used by rprop", "loss over a batch", "classes", "3: [/]x, b [red], c"):
        assert text in out, text


def test_info_counts_epochs_as_train_does_and_reports_the_restored_models_loss(prices_csv, capsys):
    model = str(prices_csv.with_name("m.safetensors"))
    assert main(["train", str(prices_csv), "--target", "price", "-o", model]) == 0
    summary = " ".join(capsys.readouterr().out.split())
    restored = re.search(r"restored the weights of epoch (\d+) .*?that model's loss ([0-9.e-]+)", summary)
    assert restored, summary
    assert main(["info", model]) == 0
    info = " ".join(capsys.readouterr().out.replace("│", " ").split())
    epoch, loss = restored.groups()
    assert f"weights of epoch {epoch} restored (its loss {float(loss):.6f})" in info and f"best epoch {epoch}" in info


def test_info_shows_classes_and_settings_of_an_estimator_file(frame_classifier, capsys):
    path, _ = frame_classifier
    assert main(["info", path]) == 0
    out = capsys.readouterr().out
    for text in ("3: [/]x, b [red], c", "weight decay", "0.0010", "rprop, 30 epochs", "mean over its examples",
                 "early stopping", "mass [kg], length [/m], w"):
        assert text in out, text


def test_info_json_is_strict_json_with_null_for_nan(cli_model, capsys):
    _, meta = read(cli_model)
    assert "NaN" in json.dumps(meta)  # rprop records its unused learning rate as NaN
    assert main(["info", cli_model, "--json"]) == 0
    out = capsys.readouterr().out

    def refuse(name):
        raise AssertionError(f"{name} in strict JSON")

    strict = json.loads(out, parse_constant=refuse)
    assert None in strict["history"]["learning_rate"]


# ------------------------------------------------------------------------------ user text is never markup
def test_column_names_and_labels_show_as_written_in_info_and_evaluate(cli_model, table, capsys):
    _, path, _, _ = table
    assert main(["info", cli_model]) == 0
    out = capsys.readouterr().out
    assert "mass [kg]" in out and "length [/m]" in out and "[/]x" in out
    assert main(["evaluate", cli_model, path]) == 0
    out = capsys.readouterr().out
    assert "[/]x" in out and "b [red]" in out


# ------------------------------------------------------------------------------ files saved from Python
def test_predict_ignores_the_target_column_of_an_estimator_by_name(frame_classifier, table, capsys):
    model, clf = frame_classifier
    _, path, X, _ = table
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's "X does not have valid feature names" must not leak
        assert main(["predict", model, path]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # the CLI prints any warning as a line
    rows = out.splitlines()
    assert rows[0] == "prediction"
    import pandas as pd

    assert rows[1:] == [str(label) for label in clf.predict(pd.DataFrame(X, columns=FEATURES))]


def test_evaluate_refuses_a_renamed_feature_column_naming_expected_and_found(cli_model, frame_classifier, table,
                                                                             tmp_path, capsys):
    _, path, _, _ = table
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(Path(path).read_text().replace("mass [kg]", "mass [g]", 1))
    for model in (cli_model, frame_classifier[0]):
        assert main(["evaluate", model, str(renamed)]) == EXIT_ERROR
        line = one_error_line(capsys.readouterr().err)
        assert "has feature columns 'mass [g]' where model" in line
        assert "expects 'mass [kg]'" in line


def test_explain_takes_a_class_label_or_its_index_for_an_estimator(frame_classifier, array_classifier, capsys):
    model, _ = frame_classifier
    outputs = []
    for y in ("b [red]", "1"):
        assert main(["explain", model, "--x", "0.1,0.2,0.3", "--y", y, "--format", "text"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "y = (0, 1, 0)" in outputs[0]
    model, _ = array_classifier
    assert main(["explain", model, "--x", "0.1,0.2,0.3", "--y", "2", "--format", "text"]) == 0
    assert "y = (0, 0, 1)" in capsys.readouterr().out
    assert main(["explain", model, "--x", "0.1,0.2,0.3", "--y", "7"]) == EXIT_ERROR
    assert "nor a class index 0 to 2" in one_error_line(capsys.readouterr().err)


def test_gradcheck_with_data_checks_an_estimator_file(frame_classifier, table, capsys):
    model, _ = frame_classifier
    _, path, _, _ = table
    assert main(["gradcheck", model, "--data", path]) == 0
    out = capsys.readouterr().out
    assert "on 5 examples of" in out and out.count(" ok ") == 2 and "FAIL" not in out


def test_a_regressor_evaluated_on_a_text_target_names_the_column(table, tmp_path, capsys):
    _, path, X, _ = table
    reg = fit_quietly(dp.MLPRegressor((3,), max_iter=5, random_state=0), X[:, :2], X[:, 2])
    model = str(tmp_path / "reg.safetensors")
    dp.save(reg, model)
    assert main(["evaluate", model, path]) == EXIT_ERROR
    assert "the target column 'species' of data" in one_error_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------ failures are one line
def test_closed_standard_input_is_one_line_for_train_and_predict(cli_model, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", None)
    for argv in (["train", "-", "-q"], ["predict", cli_model, "-"]):
        assert main(argv) == EXIT_ERROR
        assert "standard input is closed" in one_error_line(capsys.readouterr().err)
    assert sys.stdin is None  # restored as it was


def test_closed_standard_output_is_one_line_for_predict_and_info(cli_model, table, monkeypatch, capsys):
    _, path, _, _ = table
    monkeypatch.setattr(sys, "stdout", None)
    for argv in (["predict", cli_model, path], ["info", cli_model]):
        assert main(argv) == EXIT_ERROR
        assert "standard output is closed" in one_error_line(capsys.readouterr().err)


def test_closed_streams_in_a_real_process_end_in_one_line(cli_model, table):
    _, path, _, _ = table
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for argv, closing in ((["train", "-", "-q"], "<&-"), (["predict", cli_model, path], ">&-")):
        command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "deltaprop", *argv]) + " " + closing
        result = subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, timeout=120, env=env)
        assert result.returncode == EXIT_ERROR
        assert "is closed" in one_error_line(result.stderr)


def test_memory_error_anywhere_is_one_line_with_exit_code_1(cli_model, table, monkeypatch, capsys):
    from deltaprop.cli import commands

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(commands, "metrics", exhausted)
    _, path, _, _ = table
    assert main(["evaluate", cli_model, path]) == EXIT_ERROR
    assert "out of memory" in one_error_line(capsys.readouterr().err)


def test_ctrl_c_while_the_command_line_is_parsed_exits_130_without_a_traceback(monkeypatch, capsys):
    import click

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(click.Command, "parse_args", interrupted)
    assert main(["info", "m.safetensors"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "deltaprop: interrupted\n"


def test_an_error_no_check_foresaw_in_a_model_file_is_one_line(cli_model, table, monkeypatch, capsys):
    from deltaprop.cli import _model

    def broken(*args, **kwargs):
        raise KeyError("dtype")

    monkeypatch.setattr(_model.Encoding, "from_meta", broken)
    _, path, _, _ = table
    assert main(["predict", cli_model, path]) == EXIT_ERROR
    line = one_error_line(capsys.readouterr().err)
    assert "cannot use model file" in line and "KeyError" in line

    def too_deep(path):
        raise RecursionError("too deep")

    monkeypatch.setattr("deltaprop.cli.commands.load_model", too_deep)
    assert main(["predict", cli_model, path]) == EXIT_ERROR
    assert "unexpected RecursionError: too deep" in one_error_line(capsys.readouterr().err)


def test_a_fifo_without_a_writer_as_data_or_model_does_not_block(cli_model, tmp_path):
    data, model = tmp_path / "data.csv", tmp_path / "model.safetensors"
    os.mkfifo(data)
    os.mkfifo(model)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for argv in (["predict", cli_model, str(data)], ["info", str(model)]):
        result = subprocess.run([sys.executable, "-m", "deltaprop", *argv], capture_output=True, text=True,
                                timeout=120, env=env)  # a block would hit the timeout
        assert result.returncode == EXIT_ERROR
        one_error_line(result.stderr)


# ------------------------------------------------------------------------------ progress and headers
def test_progress_bar_keeps_its_bar_and_time_left_on_80_columns():
    from rich.console import Console

    from deltaprop.cli._output import ProgressDisplay

    buf = io.StringIO()
    out = Console(file=buf, width=80, force_terminal=True, color_system=None)
    bar = ProgressDisplay.progress_bar(out)
    task = bar.add_task("train", total=200, completed=0, status="")
    bar.update(task, completed=57, status="loss 0.1235  val accuracy 0.9333  val loss 0.1234")
    out.print(bar.get_renderable())
    lines = buf.getvalue().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 80
    line = lines[0]
    assert line.startswith("epoch 57/200 ━")
    assert line.index("loss") - len("epoch 57/200 ") >= 10  # the bar's cells
    assert line.rstrip().endswith("left -:--:--")


def test_network_header_stays_short_for_a_wide_network():
    from deltaprop.cli._output import network_line

    net = dp.Network([784, 30, 10], activation="relu", output_activation="softmax", loss="cross_entropy")
    line = network_line("fashion-mnist", net)
    assert line == "fashion-mnist: network 784-30-10, relu -> softmax, cross_entropy, float64"
    assert len(repr(net)) > len(line)


def test_explain_plain_text_table_keeps_a_space_inside_each_border(capsys):
    assert main(["explain", "--x", "0.6,-0.3", "--y", "1", "--format", "text"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|") and "--" not in line]
    assert rows
    for row in rows:
        assert row.startswith("| ") and row.endswith(" |"), row


@pytest.mark.parametrize("argv, message", [
    (["explain", "--layers", "100,30,1"], "has 3,061 weights and biases, more than --max-weights 2000; pass "
                                          "--max-weights 3061 to print them all"),
    (["explain", "--layers", "3000,3000,1", "--max-weights", "1000000"],
     "has 9,006,001 weights and biases, more than the 1,000,000 explain prints at most (--max-weights)"),
    (["gradcheck", "--layers", "400,400,400"], "a finite-difference check of --layers 400,400,400"),
])
def test_explain_and_gradcheck_refuse_a_big_network_before_building_it(argv, message, monkeypatch, capsys):
    from deltaprop.cli import commands

    def never(*args, **kwargs):
        raise AssertionError("the network was built before the size was checked")

    monkeypatch.setattr(commands, "Network", never)
    assert main(argv) == EXIT_ERROR
    assert message in one_error_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------ a table with a text column
@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A table model with a text column: city (text), income, age, visits; target bought (yes/no)."""
    root = tmp_path_factory.mktemp("shop")
    rng = np.random.default_rng(0)
    rows = ["city,income,age,visits,bought"]
    for _ in range(120):
        income, visits = rng.normal(50000, 10000), int(rng.integers(0, 10))
        bought = "yes" if (income > 50000) ^ (visits > 5) else "no"
        rows.append(f"{rng.choice(['paris', 'lyon', 'nice'])},{income:.0f},{rng.integers(18, 70)},{visits},{bought}")
    data = root / "shop.csv"
    data.write_text("\n".join(rows) + "\n")
    model = str(root / "shop.safetensors")
    assert main(["train", str(data), "--target", "bought", "--epochs", "5", "-q", "-o", model]) == 0
    unseen = root / "unseen.csv"
    unseen.write_text("city,income,age,visits,bought\nberlin,52000,40,3,yes\nparis,48000,30,7,no\n")
    return root, model, str(unseen)


def one_warning_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("deltaprop: warning: "), err
    return lines[0]


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_category_not_seen_in_training_warns_in_one_line(shop, command, capsys):
    _, model, unseen = shop
    assert main([command, model, unseen]) == 0
    line = one_warning_line(capsys.readouterr().err)
    assert line == ("deltaprop: warning: categories not seen in training encode as all zeros: 'city' "
                    "('berlin' in 1 rows)")


def test_any_command_s_warning_is_one_line(cli_model, table, monkeypatch, capsys):
    from deltaprop.cli import commands

    load = commands.load_model

    def warning_load(path):
        warnings.warn("a warning\nover two lines", UserWarning)
        return load(path)

    monkeypatch.setattr(commands, "load_model", warning_load)
    assert main(["evaluate", cli_model, table[1]]) == 0
    assert capsys.readouterr().err == "deltaprop: warning: a warning over two lines\n"


def explained_x(capsys, argv) -> str:
    assert main(["explain", *argv, "--format", "text"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return next(line for line in out.splitlines() if line.strip().startswith("x = "))


def test_explain_takes_a_raw_row_with_text_and_missing_cells_as_predict_reads_it(shop, capsys):
    from deltaprop.cli._model import load_model

    _, model, _ = shop
    encoder = load_model(model).pre.inputs
    frequent = encoder.most_frequent[encoder.text.index(0)]
    x = explained_x(capsys, [model, "--x", "paris,52000,40,3", "--y", "yes"])
    assert x != explained_x(capsys, [model, "--x", "lyon,52000,40,3", "--y", "yes"])
    # An empty cell is a missing value, imputed as in training (the most frequent city here).
    assert explained_x(capsys, [model, "--x", ",52000,40,3", "--y", "yes"]) == \
        explained_x(capsys, [model, "--x", f"{frequent},52000,40,3", "--y", "yes"])
    assert explained_x(capsys, [model, "--x", "paris,,40,3", "--y", "no"]) != x


def test_explain_names_the_model_s_columns_for_a_wrong_raw_row(shop, capsys):
    _, model, _ = shop
    assert main(["explain", model, "--x", "berlin,52000,40,3", "--y", "yes"]) == 0
    assert "'city' ('berlin' in 1 rows)" in one_warning_line(capsys.readouterr().err)
    assert main(["explain", model, "--x", "paris,52000,40", "--y", "yes"]) == EXIT_ERROR
    assert "--x has 3 cells but model" in one_error_line(capsys.readouterr().err)
    assert main(["explain", model, "--x", "paris,lots,40,3", "--y", "yes"]) == EXIT_ERROR
    assert "'lots' for column 'income'" in one_error_line(capsys.readouterr().err)


def test_evaluate_without_the_target_column_names_it_and_predict(shop, tmp_path, capsys):
    _, model, _ = shop
    features = tmp_path / "features.csv"
    features.write_text("city,income,age,visits\nlyon,52000,40,3\nparis,48000,30,7\n")
    assert main(["evaluate", model, str(features)]) == EXIT_ERROR
    line = one_error_line(capsys.readouterr().err)
    assert "has no column 'bought', the target of model" in line
    assert f"deltaprop predict {model} {features}" in line
    assert main(["predict", model, str(features)]) == 0


def test_evaluate_of_an_estimator_file_on_its_features_only_says_the_target_is_missing(frame_classifier, table,
                                                                                      tmp_path, capsys):
    model, _ = frame_classifier
    _, path, _, _ = table
    features = tmp_path / "features.csv"
    features.write_text("\n".join(line.rsplit(",", 1)[0] for line in Path(path).read_text().splitlines()) + "\n")
    assert main(["evaluate", model, str(features)]) == EXIT_ERROR
    assert "no target column" in one_error_line(capsys.readouterr().err)


def test_export_prints_the_graph_s_real_inputs(shop, cli_model, tmp_path, capsys):
    pytest.importorskip("onnx")
    _, model, _ = shop
    out = tmp_path / "shop.onnx"
    assert main(["export", model, "--onnx", str(out)]) == 0
    assert capsys.readouterr().out == (f"wrote {out}: inputs X (N, 3) float32 (income, age, visits), "
                                       f"X_text (N, 1) string (city) -> outputs label, probabilities, o\n")
    assert main(["export", cli_model, "--onnx", str(out), "--input-dtype", "uint8"]) == 0
    assert capsys.readouterr().out == f"wrote {out}: input X (N, 3) uint8 -> outputs label, probabilities, o\n"


def test_info_of_a_table_model_says_how_it_prepares_its_inputs(shop, capsys):
    from deltaprop.cli._info import _info_rows

    _, model, _ = shop
    rows = dict(_info_rows(read(model)[1]))
    assert rows["standardised inputs"] == "yes, the 3 numeric columns (training mean and deviation)"
    assert rows["text columns"] == "one-hot: city (3 categories); an unseen category encodes as all zeros"
    assert rows["missing values"] == "imputed (numeric: the training median, text: the most frequent category)"
    assert main(["info", model]) == 0
    assert "standardised inputs │ yes, the 3 numeric" in capsys.readouterr().out


# ------------------------------------------------------------------------------ predict: one row per row of DATA
def predictions(out: str) -> list[list[str]]:
    """The rows of predict's CSV, without its header."""
    return [line.split(",") for line in out.strip().splitlines()[1:]]


@pytest.fixture(scope="module")
def shop_refusing(shop):
    """The shop model trained with --missing error: it refuses missing values."""
    root, _, _ = shop
    model = str(root / "refusing.safetensors")
    assert main(["train", str(root / "shop.csv"), "--target", "bought", "--epochs", "2", "--missing", "error", "-q",
                 "-o", model]) == 0
    return model


def test_predict_keeps_a_row_of_delimiters_only_and_imputes_it_as_training_did(shop, tmp_path, capsys):
    from deltaprop.cli._model import load_model

    _, model, _ = shop
    encoder = load_model(model).pre.inputs
    filled = [encoder.most_frequent[0], *(repr(float(v)) for v in encoder.median)]  # city; income, age, visits
    data, imputed = tmp_path / "new.csv", tmp_path / "imputed.csv"
    data.write_text("city,income,age,visits\nparis,,40,3\n,,,\nlyon,60000,50,2\n")
    imputed.write_text("city,income,age,visits\nparis,,40,3\n" + ",".join(filled) + "\nlyon,60000,50,2\n")
    assert main(["predict", model, str(data), "--proba"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and len(predictions(out)) == 3
    assert main(["predict", model, str(imputed), "--proba"]) == 0
    assert predictions(out) == predictions(capsys.readouterr().out)  # the same probabilities, exactly


def test_predict_refuses_a_row_of_delimiters_only_as_any_missing_cell_when_the_model_cannot_impute(
        shop_refusing, tmp_path, capsys):
    data = tmp_path / "new.csv"
    for rows in ("paris,,40,3\n", "paris,52000,40,3\n,,,\n"):
        data.write_text("city,income,age,visits\n" + rows)
        assert main(["predict", shop_refusing, str(data)]) == EXIT_ERROR
        out, err = capsys.readouterr()
        assert out == "" and one_error_line(err).endswith(
            "the model was trained without imputation; fill them in or drop those rows")


def test_predict_sets_aside_a_target_column_whose_cells_are_empty_as_rows_to_predict_leave_them(
        shop, tmp_path, capsys):
    _, model, _ = shop
    data = tmp_path / "unlabelled.csv"
    data.write_text("city,income,age,visits,bought\nparis,52000,40,3,\nlyon,60000,50,2,\n")  # bought: empty
    assert main(["predict", model, str(data)]) == 0
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("city,income,age,visits\nparis,52000,40,3\nlyon,60000,50,2\n")
    unlabelled_out = capsys.readouterr().out
    assert main(["predict", model, str(labelled)]) == 0
    assert predictions(unlabelled_out) == predictions(capsys.readouterr().out)


def test_the_empty_line_warning_writes_the_empty_row_for_the_tables_own_column_count(tmp_path, capsys):
    rng = np.random.default_rng(0)
    train = tmp_path / "three.csv"
    train.write_text("a,b,y\n" + "".join(f"{x:.3f},{z:.3f},{int(x > z)}\n" for x, z in rng.random((60, 2))))
    model = tmp_path / "three.safetensors"
    assert main(["train", str(train), "--target", "y", "-q", "-o", str(model)]) == 0
    data = tmp_path / "gap.csv"
    data.write_text("a,b\n0.1,0.2\n\n0.3,0.1\n")
    assert main(["predict", str(model), str(data)]) == 0
    assert "(',' for these 2 columns)" in one_warning_line(capsys.readouterr().err)


def test_predict_warns_in_one_line_naming_the_empty_lines_that_get_no_prediction(shop, tmp_path, monkeypatch,
                                                                                 capsys):
    _, model, _ = shop
    data = tmp_path / "gaps.csv"
    data.write_text("city,income,age,visits\n\nparis,52000,40,3\n\n\nlyon,60000,50,2\n\n")
    assert main(["predict", model, str(data)]) == 0
    out, err = capsys.readouterr()
    assert len(predictions(out)) == 2
    assert one_warning_line(err) == (
        f"deltaprop: warning: data '{data}': empty lines 2, 4, 5 are not rows, so no prediction (output row i is "
        "DATA's i-th row); to keep a row's place, write its empty cells with their delimiters (',,,' for these "
        "4 columns)")
    monkeypatch.setattr(sys, "stdin", io.StringIO("city,income,age,visits\nparis,52000,40,3\n\nlyon,60000,50,2\n"))
    assert main(["predict", model, "-"]) == 0
    assert "standard input: empty line 3 is not a row, so no prediction" in one_warning_line(capsys.readouterr().err)
    data.write_text("city,income,age,visits\nparis,52000,40,3\n\n\n")  # padding at the end: no row is displaced
    assert main(["predict", model, str(data)]) == 0
    assert capsys.readouterr().err == ""


@pytest.fixture(scope="module")
def one_feature(tmp_path_factory):
    """Regressors of y = 2x + 1 on a one-column table: one trained with a missing x (it imputes), one without."""
    root = tmp_path_factory.mktemp("one")
    xs = np.linspace(0, 1, 30).tolist()
    models = []
    for name, missing in (("imputing", 7), ("refusing", None)):
        data = root / f"{name}.csv"
        cells = ["" if i == missing else repr(x) for i, x in enumerate(xs)]
        data.write_text("x,y\n" + "".join(f"{c},{2 * x + 1!r}\n" for c, x in zip(cells, xs)))
        models.append(str(root / f"{name}.safetensors"))
        assert main(["train", str(data), "--epochs", "5", "-q", "-o", models[-1]]) == 0
    return root, *models


def test_predict_with_a_one_feature_model_reads_an_empty_line_as_a_missing_value(one_feature, capsys):
    from deltaprop.cli._model import load_model

    root, imputing, refusing = one_feature
    data, median = root / "new.csv", root / "median.csv"
    data.write_text("x\n0.5\n\n0.7\n")
    median.write_text(f"x\n0.5\n{float(load_model(imputing).pre.inputs.median[0])!r}\n0.7\n")
    assert main(["predict", imputing, str(data)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and len(predictions(out)) == 3
    assert main(["predict", imputing, str(median)]) == 0
    assert predictions(out) == predictions(capsys.readouterr().out)
    assert main(["predict", refusing, str(data)]) == EXIT_ERROR
    assert "column 'x' has 1 missing value" in one_error_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------ info: the batch size the run used
def weights_of(path) -> list:
    net = dp.load(path)
    net = getattr(net, "network_", net)
    return [*net.weights, *net.biases]


def same_weights(a, b) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(weights_of(a), weights_of(b)))


def test_info_gives_min_200_n_with_its_value_for_an_adam_run_of_the_cli(shop, tmp_path, capsys):
    from deltaprop.cli._info import _info_rows

    root, _, _ = shop
    run = ["train", str(root / "shop.csv"), "--target", "bought", "--solver", "adam", "--early-stopping",
           "--epochs", "3", "-q", "-o"]
    paths = {size: str(tmp_path / f"{size}.safetensors") for size in ("auto", "108", "107")}
    for size, path in paths.items():
        assert main(run + [path] + ([] if size == "auto" else ["--batch-size", size])) == 0
    # 120 rows less the 12 held out for early stopping: N = 108, and the steps were those of batches of 108.
    assert dict(_info_rows(read(paths["auto"])[1]))["solver"] == "adam, 3 epochs, batch size min(200, N) = 108"
    assert same_weights(paths["auto"], paths["108"]) and not same_weights(paths["auto"], paths["107"])
    assert dict(_info_rows(read(paths["108"])[1]))["solver"] == "adam, 3 epochs, batch size 108"
    assert main(["info", paths["auto"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["resolved"] == {
        "full_batch": False, "n_fit_examples": 108, "batch_size": 108, "batch_size_rule": "min(200, N)"}
    _, meta = read(paths["auto"])
    del meta["data"]  # N unknown: the rule alone
    assert dict(_info_rows(meta))["solver"] == "adam, 3 epochs, batch size min(200, N)"


def test_info_gives_min_200_n_with_its_value_for_an_estimator_fitted_on_mini_batches(tmp_path, capsys):
    from deltaprop.cli._info import _info_rows

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    y = (X[:, 0] > 0).astype(int)
    paths = {}
    for size in ("auto", 200, 199):
        clf = fit_quietly(dp.MLPClassifier((5,), solver="adam", early_stopping=True, max_iter=3, batch_size=size,
                                           random_state=0), X, y)
        dp.save(clf, paths.setdefault(size, str(tmp_path / f"{size}.safetensors")))
    # 500 examples less the 50 held out: N = 450, so batches of 200, bitwise.
    assert dict(_info_rows(read(paths["auto"])[1]))["solver"] == "adam, 3 epochs, batch size min(200, N) = 200"
    assert same_weights(paths["auto"], paths[200]) and not same_weights(paths["auto"], paths[199])
    assert main(["info", paths["auto"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["resolved"] == {
        "full_batch": False, "n_fit_examples": 450, "batch_size": 200, "batch_size_rule": "min(200, N)"}
    with pytest.warns(UserWarning, match="batch_size=1000 is larger than the 450 training examples"):
        big = fit_quietly(dp.MLPClassifier((5,), solver="sgd", early_stopping=True, max_iter=2, batch_size=1000,
                                           random_state=0), X, y)
    dp.save(big, path := str(tmp_path / "big.safetensors"))
    assert dict(_info_rows(read(path)[1]))["solver"] == \
        "sgd, 2 epochs, batch size 450 (all N examples; 1000 was asked)"


def test_info_gives_all_examples_for_full_batch_solvers(cli_model, tmp_path, capsys):
    from deltaprop.cli._info import _info_rows

    assert dict(_info_rows(read(cli_model)[1]))["solver"].endswith("batch size all examples")  # rprop
    X = np.random.default_rng(0).normal(size=(40, 2))
    clf = fit_quietly(dp.MLPClassifier((3,), solver="lbfgs", batch_size=8, max_iter=5, random_state=0),
                      X, (X[:, 0] > 0).astype(int))
    dp.save(clf, path := str(tmp_path / "lbfgs.safetensors"))
    assert dict(_info_rows(read(path)[1]))["solver"] == "lbfgs, 5 epochs, batch size all examples"
    assert main(["info", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["resolved"] == {
        "full_batch": True, "n_fit_examples": 40, "batch_size": 40, "batch_size_rule": "all examples"}


# ------------------------------------------------------------------------------ explain --max-weights
@pytest.fixture(scope="module")
def wide_network(tmp_path_factory):
    """A bare 100-30-1 network: 3,061 weights and biases, more than explain's default 2,000."""
    path = str(tmp_path_factory.mktemp("wide") / "wide.safetensors")
    dp.save(dp.Network([100, 30, 1], seed=0), path)
    return path


def test_explain_refuses_a_model_over_max_weights_naming_the_option_and_the_output_size(wide_network, capsys):
    assert main(["explain", wide_network]) == EXIT_ERROR
    line = one_error_line(capsys.readouterr().err)
    assert line == (f"deltaprop: error: model '{wide_network}' has 3,061 weights and biases, more than --max-weights "
                    "2000; pass --max-weights 3061 to print them all (one row each, about 275 kB of output), or "
                    "explain a smaller network")
    assert "max_weights=" not in line  # the Python keyword is the library's word, not the command line's


def test_explain_max_weights_prints_a_network_over_the_default(wide_network, capsys):
    assert main(["explain", wide_network, "--max-weights", "3061", "--format", "markdown"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and sum(line.startswith("| hidden |") or line.startswith("| output |")
                             for line in out.splitlines()) == 31 + 3061  # a row per unit, then per weight
    assert main(["explain", wide_network, "--max-weights", "3060"]) == EXIT_ERROR
    assert "more than --max-weights 3060" in one_error_line(capsys.readouterr().err)


def test_explain_refuses_tables_that_would_not_fit_in_memory_naming_markdown(wide_network, monkeypatch, capsys):
    monkeypatch.setattr("deltaprop._memory.available_bytes", lambda: 10**7)
    assert main(["explain", wide_network, "--max-weights", "3061"]) == EXIT_ERROR
    assert one_error_line(capsys.readouterr().err) == (
        f"deltaprop: error: explaining the 3,061 weights and biases of model '{wide_network}' as --format table "
        "needs about 24.5 MB of memory but only 10 MB is available; use --format markdown, or explain a smaller "
        "network")
    assert main(["explain", wide_network, "--max-weights", "3061", "--format", "markdown"]) == 0


# ------------------------------------------------------------------------------ numbers and headings
def test_numbers_never_print_as_minus_zero():
    from deltaprop.cli._output import fixed, fmt, headline

    assert fmt(-0.0) == "0.0000" and fmt(0.0) == "0.0000" and fmt(-0.00004, 4) == "-4e-05"
    assert fixed(-0.0) == "0.0000" and fixed(-0.00004) == "0.0000" and fixed(-0.5) == "-0.5000"
    assert headline({"task": "regression", "mse": 1.0, "mae": 1.0, "r2": -0.00001}).endswith("R^2 0.0000")


def test_explain_shows_a_zero_gradient_as_0_not_minus_0(capsys):
    assert main(["explain", "--layers", "2,1", "--x", "0,0", "--y", "1", "--format", "text"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| output | l = 1  | 1")]
    assert rows and re.search(r"\| +0 \|", rows[0]) and not re.search(r"(?<![\w.])-0(?![\w.])", out)


def test_evaluate_headings_stay_whole_on_80_columns(cli_model, table, monkeypatch, capsys):
    root, path, _, _ = table
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(root)
    assert main(["evaluate", os.path.basename(cli_model), os.path.basename(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"cli\.safetensors on table\.csv: accuracy \d\.\d{4} on 60 examples", lines[0]), lines[0]
    assert any(line.strip() == "confusion matrix" for line in lines)
    assert not any(line.strip() in ("examples", "predicted)") for line in lines)  # no title broken in two
