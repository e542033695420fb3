"""Numerics end to end: divergence from the command line, and float32 training on Fashion-MNIST.

The Fashion-MNIST tests read the Debian package ``dataset-fashion-mnist`` (nothing is ever
downloaded) and are skipped, with the reason, where it is not installed.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.callbacks import load_checkpoint
from deltaprop.cli import EXIT_DIVERGED, main
from deltaprop.data import load_dataset
from deltaprop.errors import MissingFileError


# ------------------------------------------------------------------------------ divergence
def test_cli_divergence_exits_with_the_clear_error_and_writes_no_model(tmp_path, capsys):
    data = tmp_path / "regression.csv"
    data.write_text("a,b,c,y\n" + "".join(f"{i % 7},{i % 5},{i % 3},{i * 0.5}\n" for i in range(30)))
    model, ckpt = tmp_path / "model.safetensors", tmp_path / "run.ckpt"
    argv = ["train", str(data), "--task", "regress", "--solver", "gd", "--learning-rate", "1000", "--epochs", "200",
            "-q", "-o", str(model), "--checkpoint", str(ckpt), "--checkpoint-every", "1"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == EXIT_DIVERGED
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    # Caught as a blow-up (issue 12: the loss over 1e4 times its best) before it overflows.
    diverged = re.match(r"deltaprop: error: training diverged: the loss (became NaN or infinite|grew to [^ ]+, "
                        r"[^ ]+ times its best \([^)]+\)) in epoch (\d+)", err)
    assert diverged, err
    assert "use a smaller learning rate than 1000 (e.g. 100)" in err
    assert not model.exists()
    # The last checkpoint is the last finite state: the epochs before the one that diverged.
    epoch = int(diverged.group(2))
    saved = load_checkpoint(ckpt)
    assert saved.epoch == epoch
    assert all(np.isfinite(p).all() for p in saved.network.weights + saved.network.biases)
    assert all(np.isfinite(saved.state["history"]["loss"]))


# ------------------------------------------------------------------------------ Fashion-MNIST in float32
def fashion_mnist(part: str):
    try:
        return load_dataset("fashion-mnist", part=part)
    except MissingFileError as exc:
        pytest.skip(f"Fashion-MNIST is not installed here ({exc})")


def one_hot(y: np.ndarray, k: int = 10) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[y]


def train_seed_network_float32(X: np.ndarray, y: np.ndarray, *, epochs: int, hidden: int = 30):
    """The notes' network (sigmoid units, squared error, batch gradient descent on the summed
    gradient) in float32, with every warning an error."""
    X = (X / np.float32(255)).astype(np.float32)
    net = dp.Network([X.shape[1], hidden, 10], seed=0, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = dp.train(net, X, one_hot(y), solver="gd", learning_rate=3.0 / len(X), epochs=epochs)
    return net, history, X


def test_float32_seed_network_trains_on_fashion_mnist_with_finite_weights_and_no_warnings():
    ds = fashion_mnist("test")
    X, y = ds.X[:1000], ds.y[:1000]
    net, history, Xs = train_seed_network_float32(X, y, epochs=30)
    assert all(p.dtype == np.float32 for p in net.weights + net.biases)
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)
    assert np.isfinite(history.loss).all() and history.loss[-1] < 0.75 * history.loss[0]
    accuracy = float((net.forward(Xs).argmax(axis=1) == y).mean())
    assert accuracy > 0.4  # ten classes: chance is 0.1; it really learned in float32


@pytest.mark.slow
def test_float32_full_fashion_mnist_epochs_from_the_cli_keep_weights_finite(tmp_path, capsys):
    fashion_mnist("test")  # skip early when the package is missing
    model = tmp_path / "fashion.safetensors"
    argv = ["train", "fashion-mnist", "--dtype", "float32", "--solver", "gd", "--hidden", "30", "--epochs", "3",
            "--standardize", "-q", "-o", str(model)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(argv) == 0
    assert capsys.readouterr().err == ""
    net = dp.load(model)
    assert net.dtype == np.float32
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)
