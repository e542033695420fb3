"""``deltaprop train`` through ``main(argv)``: option checks before any data, targets by index,
delimiters and header hints, safe resume, outputs never over inputs, Ctrl-C, progress lines,
the summary, warnings and divergence (issues 12, 13, 14, 16); the solver's settings and checks
with DATA, as the estimators'."""

import json
import os
import re
import signal
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from deltaprop import MLPClassifier, MLPRegressor
from deltaprop.cli import EXIT_DIVERGED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, main
from deltaprop.modelfile import load_state, read, save_state

from conftest import assert_same_network

SGD = ["--solver", "sgd", "--batch-size", "8", "--learning-rate", "0.2", "--hidden", "3"]


def write_blobs_csv(path, n=60, seed=0, sep=",", header=True):
    """Two features, string labels 'left'/'right' decided by the sign of x0 + x1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "right", "left")
    with open(path, "w") as f:
        if header:
            f.write(sep.join(["x0", "x1", "side"]) + "\n")
        for (a, b), label in zip(X, labels):
            f.write(sep.join([repr(float(a)), repr(float(b)), str(label)]) + "\n")
    return X, labels


@pytest.fixture
def blobs(tmp_path):
    path = tmp_path / "blobs.csv"
    write_blobs_csv(path)
    return str(path)


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("deltaprop: error: ") and "Traceback" not in err, err
    return lines[0]


def resign(path, edit) -> None:
    """Edit a checkpoint's metadata with ``edit(meta)`` and save it again with a fresh checksum."""
    arrays, meta = load_state(path)
    edit(meta)
    for key in ("format", "format_version", "kind", "versions"):
        meta.pop(key, None)  # written by save_state itself
    save_state(path, arrays, meta)


def weights(path):
    arrays, _ = read(path)
    return [arrays[k] for k in sorted(arrays)]


# ------------------------------------------------------------------------------ option values, before any data
BAD_VALUES = [
    (["--epochs", "0"], ["--epochs", "0", "from 1"]),
    (["--epochs", "-5"], ["--epochs", "-5", "from 1"]),
    (["--epochs", "1e20"], ["--epochs", "1e20", "whole number"]),
    (["--epochs", "100000000000000000000"], ["--epochs", "100000000000000000000", "whole number"]),
    (["--epochs", "٣"], ["--epochs", "٣", "whole number"]),
    (["--batch-size", "0"], ["--batch-size", "'0'", "positive whole number"]),
    (["--learning-rate", "-1"], ["--learning-rate", "-1", "above 0"]),
    (["--learning-rate", "nan"], ["--learning-rate", "nan", "finite"]),
    (["--hidden", "0"], ["--hidden", "'0'", "positive whole numbers"]),
    (["--hidden", ""], ["--hidden", "''", "positive whole numbers"]),
    (["--hidden", "٣"], ["--hidden", "'٣'", "ASCII"]),
    (["--hidden", "1_000"], ["--hidden", "'1_000'", "ASCII"]),
    (["--momentum", "1.5"], ["--momentum", "1.5", "[0, 1]"]),
    (["--validation-fraction", "1"], ["--validation-fraction", "1", "[0, 1)"]),
    (["--early-stopping", "--validation-fraction", "0"], ["--validation-fraction 0", "--early-stopping", "0.1"]),
    (["--solver", "rprop", "--solver-option", "delta0=abc"],
     ["--solver-option delta0=abc", "delta0 of solver 'rprop'", "number"]),
    (["--solver", "lbfgs", "--solver-option", "max_fun=abc"], ["--solver-option max_fun=abc", "whole number"]),
    (["--solver", "rprop", "--solver-option", "nope=1"], ["--solver-option nope=1", "'nope' is not an option", "delta0"]),
    (["--solver", "sgd", "--schedule", "step", "--schedule-option", "drop=x"],
     ["--schedule-option drop=x", "drop of schedule 'step'", "number"]),
    (["--activation", "softmax"], ["--activation", "'softmax'", "sigmoid"]),
    (["--solver", "rprop", "--batch-size", "10"], ["--batch-size 10 with --solver rprop", "full batch", "sgd or adam"]),
    (["--solver", "lbfgs", "--schedule", "invscaling"], ["--schedule invscaling with --solver lbfgs", "no learning rate"]),
    (["--threads", "0"], ["--threads", "0", "from 1"]),
    (["--log-every", "0"], ["--log-every", "0", "from 1"]),
    (["--delimiter", ";;"], ["--delimiter", "';;'", "one separator character"]),
]


@pytest.mark.parametrize("options, words", BAD_VALUES, ids=[" ".join(o) for o, _ in BAD_VALUES])
def test_a_bad_option_value_exits_2_with_one_line_before_the_data_is_read(tmp_path, capsys, options, words):
    missing = str(tmp_path / "never-read.csv")  # reading it would fail with exit 1 "does not exist"
    assert main(["train", missing, *options]) == EXIT_USAGE
    line = error_line(capsys)
    assert "does not exist" not in line
    for word in words:
        assert word in line, (word, line)


def test_hidden_layers_too_large_for_memory_are_refused_before_the_data_with_the_estimate(tmp_path, capsys):
    assert main(["train", str(tmp_path / "never-read.csv"), "--hidden", "100000,100000"]) == EXIT_ERROR
    line = error_line(capsys)
    assert "--hidden 100000,100000 (at least 10,000,400,001 parameters" in line and "GB" in line


def test_a_validation_fraction_leaving_too_few_examples_is_refused(capsys):
    assert main(["train", "iris", "--early-stopping", "--validation-fraction", "0.99"]) == EXIT_USAGE
    line = error_line(capsys)
    assert "--validation-fraction 0.99 leaves 1 of 150 examples to train on; at least 3 are needed" in line


def test_a_test_fraction_leaving_too_few_examples_is_refused(capsys):
    assert main(["train", "iris", "--test-fraction", "0.995"]) == EXIT_USAGE
    assert "--test-fraction 0.995 leaves 0 of 150 examples" in error_line(capsys)


def test_a_config_file_value_out_of_range_is_refused_naming_the_key(blobs, tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("epochs = 0\n")
    assert main(["train", blobs, "--config", str(config)]) == EXIT_ERROR
    assert "epochs = 0" in error_line(capsys)


def test_help_says_the_rule_chooses_what_it_fills_in_and_the_quick_start_s_values(capsys, monkeypatch):
    from deltaprop.cli.train import QUICK_START, RULE_LARGE_N, RULED
    from deltaprop.estimators._defaults import LARGE_N, SKLEARN_LEARNING_RATE_INIT

    monkeypatch.setenv("COLUMNS", "200")  # one line per option
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for wrong in ("[default: rprop]", "[default: squared_error]", "[default: sigmoid]", "[default: no-early-stopping]"):
        assert wrong not in text
    rule = "[default: chosen from the data by the estimators' rule"
    chunks = text.split(" --")  # one an option ("early-stopping / --no-early-stopping": two)
    for option in RULED:
        flag = {"n_iter_no_change": "patience"}.get(option, option).replace("_", "-")
        assert any(rule in c for c in chunks if c.startswith((f"{flag} ", f"no-{flag} "))), flag
    assert RULE_LARGE_N == LARGE_N
    assert QUICK_START["solver"] == "gd" and "the notes' gd without DATA" in text
    assert f"rprop up to {LARGE_N} training rows, else adam" in text
    assert f"[default: 200; {QUICK_START['epochs']} without DATA]" in text
    assert f"[default: 0; {QUICK_START['test_fraction']} without DATA]" in text
    # The estimators' values for a scikit-learn solver, as the help says them.
    assert (f"[default: the solver's, with DATA scikit-learn's {SKLEARN_LEARNING_RATE_INIT:g} for sgd and adam as the "
            f"estimators; {QUICK_START['learning_rate']} without DATA]") in text
    assert f"[default: 0; with DATA and --solver sgd, the estimators' {MLPClassifier().momentum:g}]" in text
    assert MLPClassifier().nesterovs_momentum and "[default: off; with DATA and --solver sgd, on" in text


# ------------------------------------------------------------------------------ targets, delimiters, headers
def test_target_by_index_on_a_csv_picks_that_column(tmp_path):
    path, model = tmp_path / "t.csv", str(tmp_path / "m.st")
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(40, 4))
    with open(path, "w") as f:
        f.write("a,b,c,label,d\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{'yes' if r[0] > 0 else 'no'},{r[3]}\n")
    assert main(["train", str(path), "--target", "3", "--epochs", "2", "-o", model, "-q"]) == 0
    _, meta = read(model)
    assert meta["target"] == "label" and meta["features"] == ["a", "b", "c", "d"]
    assert meta["preprocessing"]["label_map"]["classes"] == ["no", "yes"]


def test_a_column_named_like_an_index_is_taken_by_its_name(tmp_path):
    path, model = tmp_path / "t.csv", str(tmp_path / "m.st")
    path.write_text("0,1,2\n" + "".join(f"{i % 3},{i % 2},{i}\n" for i in range(20)))
    assert main(["train", str(path), "--target", "1", "--epochs", "2", "-o", model, "-q"]) == 0
    assert read(model)[1]["target"] == "1" and read(model)[1]["features"] == ["0", "2"]


def test_target_minus_one_on_a_npy_table_trains_on_its_last_column(tmp_path):
    path, model = tmp_path / "d.npy", str(tmp_path / "m.st")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    np.save(path, np.column_stack([X, (X[:, 0] > 0).astype(float)]))
    assert main(["train", str(path), "--target", "-1", "--task", "classify", "--epochs", "2", "-o", model, "-q"]) == 0
    _, meta = read(model)
    assert meta["features"] == ["x0", "x1", "x2"] and meta["target"] == "x3"


def test_a_npy_table_without_target_says_to_pass_a_column_index(tmp_path, capsys):
    path = tmp_path / "d.npy"
    np.save(path, np.zeros((4, 3)))
    assert main(["train", str(path)]) == EXIT_ERROR
    assert "--target -1" in error_line(capsys)


def test_delimiter_reads_a_semicolon_table(tmp_path):
    path, model = tmp_path / "semi.csv", str(tmp_path / "m.st")
    write_blobs_csv(path, sep=";")
    assert main(["train", str(path), "--delimiter", ";", "--epochs", "2", "-o", model, "-q"]) == 0
    assert read(model)[1]["features"] == ["x0", "x1"]


def test_a_semicolon_table_read_as_one_column_gets_a_delimiter_hint(tmp_path, capsys):
    path = tmp_path / "semi.csv"
    write_blobs_csv(path, sep=";")
    assert main(["train", str(path), "--epochs", "2"]) == EXIT_ERROR
    line = error_line(capsys)
    assert "single column" in line and "pass --delimiter ';'" in line


def test_a_headerless_table_that_fails_gets_a_header_hint(tmp_path, capsys):
    path = tmp_path / "noheader.csv"
    write_blobs_csv(path, header=False)
    assert main(["train", str(path), "--target", "side"]) == EXIT_ERROR
    line = error_line(capsys)
    assert "unknown target column 'side'" in line and "was read as the header" in line and "add a header line" in line


def test_a_headerless_table_that_trains_gets_one_warning_line_and_none_with_quiet(tmp_path, capsys):
    path = tmp_path / "noheader.csv"
    write_blobs_csv(path, header=False)
    assert main(["train", str(path), "--epochs", "2"]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("deltaprop: warning: ")]
    # The hint once, as one line (two epochs may also say the run did not improve: its own line).
    assert len([w for w in warned if "was read as the header" in w]) == 1
    assert main(["train", str(path), "--epochs", "2", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_a_headerless_table_on_standard_input_gets_the_hint_too(tmp_path, monkeypatch, capsys):
    import io

    path = tmp_path / "noheader.csv"
    write_blobs_csv(path, header=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(path.read_text()))
    assert main(["train", "-", "--target", "side"]) == EXIT_ERROR
    assert "the first row of standard input" in error_line(capsys)


# ------------------------------------------------------------------------------ outputs over inputs
def test_an_output_over_the_training_data_is_refused_and_the_data_kept(blobs, capsys):
    before = Path(blobs).read_text()
    assert main(["train", blobs, "-o", blobs]) == EXIT_USAGE
    assert "-o" in error_line(capsys) and Path(blobs).read_text() == before


def test_an_output_over_the_data_through_another_spelling_is_refused(blobs, capsys):
    other = os.path.join(os.path.dirname(blobs), ".", os.path.basename(blobs))
    link = os.path.join(os.path.dirname(blobs), "link.csv")
    os.symlink(blobs, link)
    for out in (other, link):
        assert main(["train", blobs, "-o", out]) == EXIT_USAGE
        assert "is the same file as DATA" in error_line(capsys)


def test_the_model_and_the_checkpoint_cannot_be_one_file(blobs, tmp_path, capsys):
    same = str(tmp_path / "x")
    assert main(["train", blobs, "-o", same, "--checkpoint", same]) == EXIT_USAGE
    assert "-o" in error_line(capsys) and not os.path.exists(same)


def test_the_model_cannot_replace_the_checkpoint_resumed_from(blobs, tmp_path, capsys):
    ckpt = str(tmp_path / "run.ckpt")
    assert main(["train", blobs, *SGD, "--epochs", "2", "--checkpoint", ckpt, "-q"]) == 0
    assert main(["train", blobs, "--resume", ckpt, "-o", ckpt]) == EXIT_USAGE
    assert "is the same file as --resume" in error_line(capsys)


# ------------------------------------------------------------------------------ resume
def test_the_same_full_command_with_resume_continues_bitwise(blobs, tmp_path):
    full, resumed, ckpt = (str(tmp_path / n) for n in ("full.st", "resumed.st", "run.ckpt"))
    command = ["train", blobs, *SGD, "--target", "side", "--seed", "3"]
    assert main([*command, "--epochs", "9", "-o", full, "-q"]) == 0
    assert main([*command, "--epochs", "4", "--checkpoint", ckpt, "-q"]) == 0
    assert main([*command, "--epochs", "9", "--checkpoint", ckpt, "--resume", ckpt, "-o", resumed, "-q"]) == 0
    for a, b in zip(weights(full), weights(resumed)):
        assert np.array_equal(a, b)


def test_a_changed_setting_on_resume_names_the_option_with_old_and_new_value(blobs, tmp_path, capsys):
    ckpt = str(tmp_path / "run.ckpt")
    assert main(["train", blobs, *SGD, "--epochs", "2", "--checkpoint", ckpt, "-q"]) == 0
    assert main(["train", blobs, "--resume", ckpt, "--hidden", "5", "--learning-rate", "0.2"]) == EXIT_ERROR
    line = error_line(capsys)
    assert "--hidden cannot change when resuming (the checkpoint has 3, the command line 5)" in line
    assert "--learning-rate" not in line


def test_resume_writes_only_where_the_command_line_says_and_back_to_its_checkpoint(blobs, tmp_path, capsys):
    ckpt, model = str(tmp_path / "run.ckpt"), str(tmp_path / "first.st")
    assert main(["train", blobs, *SGD, "--epochs", "2", "--checkpoint", ckpt, "-o", model, "-q"]) == 0
    model_bytes = Path(model).read_bytes()
    assert main(["train", blobs, "--resume", ckpt, "--epochs", "4"]) == 0
    out = capsys.readouterr().out
    assert "resuming" in out and "model not saved" in out  # -q was not inherited, -o not reused
    assert Path(model).read_bytes() == model_bytes
    assert load_state(ckpt)[1]["trainer_state"]["epoch"] == 4  # written back where it was resumed from
    other = str(tmp_path / "other.ckpt")
    assert main(["train", blobs, "--resume", ckpt, "--epochs", "6", "--checkpoint", other, "-q"]) == 0
    assert load_state(other)[1]["trainer_state"]["epoch"] == 6 and load_state(ckpt)[1]["trainer_state"]["epoch"] == 4


def test_a_recorded_output_path_in_an_edited_checkpoint_is_never_written(blobs, tmp_path):
    ckpt, target = str(tmp_path / "run.ckpt"), tmp_path / "victim"
    assert main(["train", blobs, *SGD, "--epochs", "2", "--checkpoint", ckpt, "-q"]) == 0
    # Re-signed: the checksum is no defence.
    resign(ckpt, lambda meta: meta["metadata"]["cli"]["options"].update(output=str(target), checkpoint=str(target)))
    assert main(["train", blobs, "--resume", ckpt, "--epochs", "3", "-q"]) == 0
    assert not target.exists()


def test_resume_needs_the_data_path_again_but_reuses_a_built_in_name(blobs, tmp_path, capsys):
    ckpt = str(tmp_path / "run.ckpt")
    assert main(["train", blobs, *SGD, "--epochs", "2", "--checkpoint", ckpt, "-q"]) == 0
    assert main(["train", "--resume", ckpt]) == EXIT_ERROR
    assert "needs the DATA the run trained on" in error_line(capsys)
    iris = str(tmp_path / "iris.ckpt")
    assert main(["train", "iris", *SGD, "--epochs", "2", "--checkpoint", iris, "-q"]) == 0
    assert main(["train", "--resume", iris, "--epochs", "3", "-q"]) == 0


@pytest.mark.parametrize("edit, field", [
    (lambda cli: cli["options"].update(epochs="many"), "options.epochs"),
    (lambda cli: cli["options"].update(hidden=[0]), "options.hidden"),
    (lambda cli: cli["options"].update(frobnicate=1), "options.frobnicate"),
    (lambda cli: cli["options"].pop("solver"), "options"),
    (lambda cli: cli.update(fingerprint=12), "fingerprint"),
    (lambda cli: cli["options"].update(solver_options=["delta0=x"]), "options"),
    (lambda cli: cli.update(options=[]), "options"),
])
def test_a_hand_edited_cli_section_of_a_checkpoint_is_one_model_file_error(blobs, tmp_path, capsys, edit, field):
    ckpt = str(tmp_path / "run.ckpt")
    assert main(["train", blobs, "--epochs", "2", "--hidden", "3", "--checkpoint", ckpt, "-q"]) == 0
    resign(ckpt, lambda meta: edit(meta["metadata"]["cli"]))
    assert main(["train", blobs, "--resume", ckpt]) == EXIT_ERROR
    line = error_line(capsys)
    assert f"its field 'metadata.cli.{field}" in line and "was edited" in line


def test_the_summary_after_a_resume_counts_only_this_process(blobs, tmp_path, capsys):
    ckpt = str(tmp_path / "run.ckpt")
    assert main(["train", blobs, *SGD, "--epochs", "3", "--checkpoint", ckpt, "-q"]) == 0
    assert main(["train", blobs, "--resume", ckpt, "--epochs", "5"]) == 0
    assert "(this process's 2 epochs; the 3 before the resume ran in another)" in capsys.readouterr().out


# ------------------------------------------------------------------------------ Ctrl-C
def press_ctrl_c_after_epoch(monkeypatch, k):
    from deltaprop.cli import _output

    def handler(self, trainer, net, epoch, logs):
        if epoch == k - 1:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(_output.ProgressDisplay, "on_epoch_end", handler)


def test_ctrl_c_without_checkpoint_saves_the_weights_reached_marked_interrupted(blobs, tmp_path, monkeypatch, capsys):
    model = str(tmp_path / "m.st")
    press_ctrl_c_after_epoch(monkeypatch, 3)
    assert main(["train", blobs, *SGD, "--epochs", "10", "-o", model]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted after epoch 3; the weights reached were saved to" in err
    _, meta = read(model)
    assert meta["interrupted"]["epoch"] == 3 and len(meta["history"]["loss"]) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_without_any_output_says_nothing_was_saved_and_how_to_avoid_it(blobs, monkeypatch, capsys):
    press_ctrl_c_after_epoch(monkeypatch, 2)
    assert main(["train", blobs, *SGD, "--epochs", "10"]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted after epoch 2; nothing was saved" in err
    assert "-o PATH" in err and "--checkpoint PATH" in err


# ------------------------------------------------------------------------------ progress and summary
def epoch_lines(out):
    return [int(line.split()[1].split("/")[0]) for line in out.splitlines() if line.startswith("epoch ")]


def test_without_a_terminal_about_ten_progress_lines_are_printed(blobs, capsys):
    assert main(["train", blobs, "--epochs", "25", "--hidden", "2"]) == 0
    assert epoch_lines(capsys.readouterr().out) == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 25]


def test_log_every_sets_the_progress_interval(blobs, capsys):
    assert main(["train", blobs, "--epochs", "12", "--hidden", "2", "--log-every", "5"]) == 0
    assert epoch_lines(capsys.readouterr().out) == [5, 10, 12]


@pytest.mark.parametrize("options, words", [
    (["--solver", "sgd", "--learning-rate", "0.05"], ["sgd, learning rate 0.05, loss: mean", "per-example mean"]),
    (["--solver", "gd", "--learning-rate", "0.01"], ["gd, learning rate 0.01, loss: sum", "sum over the 60"]),
    (["--solver", "rprop"], ["rprop, its own step sizes (no learning rate)"]),
    (["--solver", "sgd", "--learning-rate", "0.1", "--schedule", "step", "--schedule-option", "step_size=2"],
     ["learning rate 0.1 -> 0.025"]),
])
def test_the_summary_shows_the_learning_rate_and_the_reduction(blobs, capsys, options, words):
    assert main(["train", blobs, "--epochs", "5", "--hidden", "2", *options]) == 0
    out = capsys.readouterr().out
    for word in words:
        assert word in out, (word, out)


def test_early_stopping_reports_the_restored_epoch_and_that_models_loss(tmp_path, capsys):
    model = str(tmp_path / "m.st")
    argv = ["train", "iris", "--epochs", "30", "--hidden", "4", "--early-stopping", "--solver", "sgd", "-o", model]
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    _, meta = read(model)
    best = meta["history"]["best_epoch"]
    assert report["restored_epoch"] == best + 1 < report["epochs"]
    assert report["loss"] == meta["history"]["loss"][best] != meta["history"]["loss"][-1]
    assert main(argv) == 0
    assert f"early stopping restored the weights of epoch {best + 1}" in capsys.readouterr().out


def test_float64_on_large_data_gets_a_note_about_float32(tmp_path, capsys, monkeypatch):
    from deltaprop.cli import train as train_module

    monkeypatch.setattr(train_module, "FLOAT32_NOTE_VALUES", 100)
    assert main(["train", "iris", "--epochs", "1", "--hidden", "2"]) == 0
    assert "--dtype float32 trains several times faster" in capsys.readouterr().out
    assert main(["train", "iris", "--epochs", "1", "--hidden", "2", "--dtype", "float32"]) == 0
    assert "--dtype float32" not in capsys.readouterr().out


# ------------------------------------------------------------------------------ threads, warnings, divergence
def test_threads_reaches_the_blas_limit(blobs, monkeypatch):
    import contextlib

    from deltaprop import _threads

    seen = []

    @contextlib.contextmanager
    def spy(sizes, batch_size, *, threads=None):
        seen.append((list(sizes), batch_size, threads))
        yield threads

    monkeypatch.setattr(_threads, "blas_threads", spy)
    assert main(["train", blobs, "--epochs", "1", "--hidden", "2", "--threads", "1", "-q"]) == 0
    assert main(["train", blobs, *SGD, "--epochs", "1", "-q"]) == 0
    # With DATA the defaults rule gives two classes two softmax outputs, or with a scikit-learn
    # solver (sgd) scikit-learn's one logistic output: the estimators' models.
    assert seen == [([2, 2, 2], 60, 1), ([2, 3, 1], 8, None)]


def test_library_warnings_print_as_one_line_each_and_quiet_silences_them(blobs, monkeypatch, capsys):
    from sklearn.exceptions import ConvergenceWarning

    from deltaprop.cli import train as train_module

    fit = train_module.Trainer.fit

    def warning_fit(self, *args, **kwargs):
        warnings.warn("the loss is still\nimproving", ConvergenceWarning)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(train_module.Trainer, "fit", warning_fit)
    assert main(["train", blobs, "--epochs", "1", "--hidden", "2"]) == 0
    assert capsys.readouterr().err == "deltaprop: warning: the loss is still improving\n"
    assert main(["train", blobs, "--epochs", "1", "--hidden", "2", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_a_blow_up_seen_only_by_the_metrics_exits_3(capsys):
    # Issue 12 case 1: the outputs overflow after the step; the metrics used to end in exit 1.
    code = main(["train", "diabetes", "--activation", "relu", "--solver", "gd", "--learning-rate", "1e150",
                 "--epochs", "1"])
    assert code == EXIT_DIVERGED
    assert "diverged" in error_line(capsys)


def test_divergence_with_a_validation_set_exits_3(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "".join(f"{v},{3 * v}\n" for v in (1e3, -2e3, 5e2, 4e3, 2e3, -1e3, 3e3, -4e3)))
    code = main(["train", str(path), "--solver", "gd", "--learning-rate", "10", "--hidden", "2",
                 "--activation", "identity", "--epochs", "50", "--validation-fraction", "0.25"])
    assert code == EXIT_DIVERGED
    assert "diverged" in error_line(capsys)


def test_a_config_file_that_is_not_utf8_is_named_with_the_fix(tmp_path, capsys):
    path = tmp_path / "run.toml"
    path.write_bytes(b'epochs = 3\nhidden = "\xff\xfe"\n')
    assert main(["train", "iris", "--config", str(path), "-q"]) == EXIT_ERROR
    assert re.search(r"config file '.*run\.toml' is not UTF-8 text \(byte 21 is 0xff\); save it as UTF-8",
                     error_line(capsys))


def test_a_deeply_nested_config_file_is_refused_before_parsing(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["train", "iris", "--config", str(path), "-q"]) == EXIT_ERROR
    assert "nests or lists more than 1000 arrays and tables" in error_line(capsys)


def test_the_summary_says_how_many_rows_were_fitted_and_how_many_held_out_for_early_stopping(prices_csv, capsys):
    assert main(["train", str(prices_csv), "--target", "price"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "over the 240 training examples fitted; 60 more held out for early stopping; on the standardised target" in out
    assert "on 300 examples" in out


# ------------------------------------------------------------------------------ the solver with DATA: the estimators'
def write_table(path, n: int, task: str, seed: int = 0):
    """``n`` rows of three standard-normal features ``a, b, c`` and a target ``y`` (classes 0/1 or values)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) if task == "classify" else np.sin(X[:, 0]) + X[:, 2]
    with open(path, "w") as f:
        f.write("a,b,c,y\n" + "".join(f"{u!r},{v!r},{w!r},{t!r}\n" for (u, v, w), t in zip(X.tolist(), y.tolist())))
    return X, y


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """``name -> (path, X, y)``: classes in 3000 rows (the rule's adam) and 300 (its rprop), values in 3000."""
    root = tmp_path_factory.mktemp("tables")
    out = {}
    for name, n, task in (("classes3000", 3000, "classify"), ("classes300", 300, "classify"),
                          ("values3000", 3000, "regress")):
        out[name] = (str(root / f"{name}.csv"), *write_table(root / f"{name}.csv", n, task))
    return out


def train_table(table, model: str, *options: str) -> int:
    """``deltaprop train TABLE --target y --no-standardize -o MODEL -q OPTIONS`` (5 epochs unless given)."""
    epochs = [] if "--epochs" in options else ["--epochs", "5"]
    return main(["train", table[0], "--target", "y", "--no-standardize", "-o", model, "-q", *epochs, *options])


def fit_estimator(table, max_iter: int = 5, **params):
    """``MLPClassifier`` (integer targets) or ``MLPRegressor`` with ``random_state=0`` fitted on the table's columns."""
    _, X, y = table
    estimator = (MLPClassifier if y.dtype.kind == "i" else MLPRegressor)(max_iter=max_iter, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs: the CLI says so as a line, silenced by -q
        return estimator.fit(X, y)


SOLVER_PARITY = [
    ("classes3000", ["--solver", "sgd"], dict(solver="sgd")),
    ("classes300", ["--solver", "sgd"], dict(solver="sgd")),  # at any n: scikit-learn's model, not the small rule
    ("values3000", ["--solver", "sgd"], dict(solver="sgd")),
    ("classes3000", ["--solver", "sgd", "--momentum", "0.5"], dict(solver="sgd", momentum=0.5)),  # Nesterov's stays
    ("classes3000", ["--solver", "sgd", "--no-nesterov"], dict(solver="sgd", nesterovs_momentum=False)),
    ("classes3000", ["--solver", "sgd", "--momentum", "0"], dict(solver="sgd", momentum=0.0)),  # then plain steps
    ("classes3000", ["--solver", "sgd", "--learning-rate", "0.01", "--batch-size", "64"],
     dict(solver="sgd", learning_rate_init=0.01, batch_size=64)),
    ("classes3000", ["--solver", "adam"], dict(solver="adam")),
    ("classes300", ["--solver", "lbfgs"], dict(solver="lbfgs")),
    ("values3000", ["--solver", "lbfgs"], dict(solver="lbfgs")),
    ("classes3000", [], {}),  # the rule's adam
    ("classes3000", ["--batch-size", "64"], dict(batch_size=64)),  # the rule's adam takes mini-batches of 64
    ("classes3000", ["--schedule", "invscaling"], dict(learning_rate="invscaling")),  # and has a rate to schedule
    ("classes300", ["--learning-rate", "0.05"], dict(learning_rate_init=0.05)),  # the rule's rprop: delta0 0.05
    ("classes300", ["--solver", "rprop", "--learning-rate", "0.05"], dict(solver="rprop", learning_rate_init=0.05)),
]


@pytest.mark.parametrize("table, options, params", SOLVER_PARITY,
                         ids=[f"{t} {' '.join(o) or 'defaults'}" for t, o, _ in SOLVER_PARITY])
def test_with_data_a_scikit_learn_solver_fits_bitwise_the_estimators_network_with_the_same_settings(
        tables, tmp_path, table, options, params):
    # README "Good by default": naming a scikit-learn solver gives scikit-learn's model for every
    # argument left out, and the CLI and the estimator fit the same network with the same settings.
    model = str(tmp_path / "m.safetensors")
    assert train_table(tables[table], model, *options) == 0
    assert_same_network(model, fit_estimator(tables[table], **params))


def test_with_data_solver_sgd_trains_with_scikit_learns_rate_batches_and_nesterov_momentum(tables, tmp_path):
    # The newcomer's case: the trainer's own sgd defaults (eta 0.01, no momentum) are not the estimators'.
    model = str(tmp_path / "m.safetensors")
    assert train_table(tables["classes3000"], model, "--solver", "sgd") == 0
    trainer = read(model)[1]["training"]["trainer"]
    assert {k: trainer[k] for k in ("learning_rate", "batch_size", "momentum", "nesterov")} == \
        {"learning_rate": 1e-3, "batch_size": "auto", "momentum": 0.9, "nesterov": True}


def test_without_data_a_named_sgd_keeps_the_quick_start_and_the_trainers_settings(tmp_path):
    model = str(tmp_path / "m.safetensors")
    assert main(["train", "--solver", "sgd", "--epochs", "1", "-q", "-o", model]) == 0
    trainer = read(model)[1]["training"]["trainer"]
    assert {k: trainer[k] for k in ("learning_rate", "batch_size", "reduction", "momentum", "nesterov")} == \
        {"learning_rate": 0.0022, "batch_size": None, "reduction": "sum", "momentum": 0.0, "nesterov": False}


RULED_SOLVER_REFUSALS = [
    ("classes300", ["--batch-size", "64"],
     ["--batch-size 64: the default solver for 300 training rows is rprop, which uses the full batch every step",
      "leave --batch-size out, or name --solver sgd or adam to train on mini-batches"]),
    ("classes300", ["--schedule", "invscaling"],
     ["--schedule invscaling: the default solver for 300 training rows is rprop, which has no learning rate",
      "use --schedule constant, or name --solver gd, sgd, adam or quickprop"]),
    ("classes300", ["--momentum", "0.5"],
     ["--momentum 0.5: the default solver for 300 training rows is rprop, which takes no momentum",
      "leave --momentum out, or name --solver gd or sgd"]),
    ("classes3000", ["--momentum", "0.5"],
     ["--momentum 0.5: the default solver for 3000 training rows is adam, which takes no momentum"]),
    ("classes3000", ["--solver-option", "delta0=0.1"],
     ["--solver-option delta0=0.1: 'delta0' is not an option of solver 'adam' (the default for 3000 training rows; "
      "name another with --solver); valid: beta_1, beta_2, epsilon"]),
]


@pytest.mark.parametrize("table, options, words", RULED_SOLVER_REFUSALS,
                         ids=[f"{t} {' '.join(o)}" for t, o, _ in RULED_SOLVER_REFUSALS])
def test_an_option_that_does_not_fit_the_rules_solver_is_refused_naming_the_rules_choice(
        tables, capsys, table, options, words):
    # Checked with the solver the rule chose from the rows (not the option's default, rprop), and
    # the message says it was the rule's choice: no --solver was given.
    assert main(["train", tables[table][0], "--target", "y", "--epochs", "1", *options]) == EXIT_USAGE
    line = error_line(capsys)
    assert not re.search(r"with --solver (rprop|adam)", line)
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("options, words", [
    (["--solver", "lbfgs", "--learning-rate", "0.01"],
     "--learning-rate 0.01 with --solver lbfgs: lbfgs takes its own steps; leave --learning-rate out"),
    (["--solver", "adam", "--momentum", "0.5"], "--momentum 0.5 with --solver adam: adam takes no momentum"),
], ids=["lbfgs learning rate", "adam momentum"])
def test_a_learning_rate_or_momentum_the_named_solver_would_not_use_is_refused_not_silently_dropped(
        tables, capsys, options, words):
    # Before, the run trained as without the option while its summary and info showed the value.
    assert main(["train", tables["classes300"][0], "--target", "y", "--epochs", "1", *options]) == EXIT_USAGE
    assert words in error_line(capsys)
    assert main(["train", "--epochs", "1", "-q", *options]) == EXIT_USAGE  # without DATA too
    assert words in error_line(capsys)


def test_the_quick_starts_own_learning_rate_does_not_count_as_set_for_another_solver(tmp_path):
    assert main(["train", "--solver", "rprop", "--epochs", "2", "-q", "-o", str(tmp_path / "m.safetensors")]) == 0


@pytest.mark.parametrize("options, params, n_fit", [([], {}, 3000), (["--early-stopping"], {"early_stopping": True}, 2700)],
                         ids=["all rows", "early stopping's fit rows"])
def test_a_batch_size_above_the_training_rows_uses_them_all_with_one_warning_line_as_the_estimator(
        tables, tmp_path, capsys, options, params, n_fit):
    model = str(tmp_path / "m.safetensors")
    argv = ["train", tables["classes3000"][0], "--target", "y", "--no-standardize", "--solver", "adam",
            "--batch-size", "100000", "--epochs", "3", "-o", model, *options]
    assert main(argv) == 0
    err = capsys.readouterr().err
    expected = f"deltaprop: warning: --batch-size 100000 is larger than the {n_fit} training examples; using {n_fit}"
    assert [line for line in err.splitlines() if "batch" in line] == [expected]
    assert "None" not in err and "Traceback" not in err
    with pytest.warns(UserWarning, match=f"batch_size=100000 is larger than the {n_fit} training examples"):
        estimator = fit_estimator(tables["classes3000"], 3, solver="adam", batch_size=100000, **params)
    assert_same_network(model, estimator)
