import subprocess
import sys

import pytest

from deltaprop.cli import main


def test_train_on_builtin_digits_reports_accuracy(capsys):
    assert main(["train", "--epochs", "300"]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("test accuracy:")[1].split()[0])
    assert acc > 0.9


def test_version_is_printed(capsys):
    assert main(["--version"]) == 0
    assert "deltaprop" in capsys.readouterr().out


def test_bad_option_value_exits_nonzero_with_one_line(capsys):
    assert main(["train", "--epochs", "many"]) == 2
    err = capsys.readouterr().err
    assert "Invalid value" in err and "Traceback" not in err


def test_python_dash_m_runs_the_cli():
    r = subprocess.run([sys.executable, "-m", "deltaprop", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "train" in r.stdout
