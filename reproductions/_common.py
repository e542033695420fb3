"""What the reproduction scripts share: the data, per-epoch accuracy, and result files.

The scripts are thin: each builds networks or estimators from the public API, trains
them with a fixed seed, and hands the per-epoch numbers to :func:`write_results`, which
writes a Markdown table, a PNG plot and the raw numbers as JSON into ``results/``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from deltaprop import data as _data
from deltaprop._files import atomic_open

#: Where the Debian package ``dataset-fashion-mnist`` installs the four gzipped IDX files.
FASHION_MNIST_DIR = Path(_data.FASHION_MNIST_DIR)
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def fashion_mnist_available() -> bool:
    """True when the ``dataset-fashion-mnist`` files are installed."""
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return all((FASHION_MNIST_DIR / n).is_file() for n in names)


def load_fashion_mnist():
    """Fashion-MNIST as ``(X_train, y_train, X_test, y_test)``.

    ``X`` holds the raw pixels as float64 in [0, 255], shape ``(N, 784)``; ``y`` the labels
    0-9, shape ``(N,)``. 60,000 training and 10,000 test images, in the files' order.
    """
    train = _data.load_dataset("fashion-mnist", part="train", data_dir=FASHION_MNIST_DIR)
    test = _data.load_dataset("fashion-mnist", part="test", data_dir=FASHION_MNIST_DIR)
    return train.X.astype(np.float64), train.y, test.X.astype(np.float64), test.y


def one_hot(y: np.ndarray, k: int = 10) -> np.ndarray:
    """Labels ``(N,)`` as one-hot targets ``(N, k)``."""
    Y = np.zeros((len(y), k))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def accuracy(net, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of examples whose largest output is the true class."""
    return float(np.mean(net.forward(X).argmax(axis=1) == y))


class AccuracyPerEpoch:
    """Trainer callback: the accuracy on named data sets after every epoch.

    ``sets`` maps a name to ``(X, y)``; after training, ``curves[name]`` is the list of
    accuracies, one per epoch. Evaluation only reads the network.
    """

    def __init__(self, **sets):
        self.sets = sets
        self.curves = {name: [] for name in sets}

    def on_epoch_end(self, trainer, net, epoch, logs):
        for name, (X, y) in self.sets.items():
            self.curves[name].append(accuracy(net, X, y))
        return None


# --------------------------------------------------------------------------- output files
def _atomic_write(path: Path, write) -> None:
    """Write through deltaprop's atomic file writer (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, what="result file") as f:
        write(f)


def markdown_table(headers, rows) -> str:
    """A GitHub Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def run_info(command: str, wall_s: float) -> str:
    """Provenance lines for a result file: command, date, machine, versions, time."""
    import deltaprop

    return (
        f"Command: `{command}`  \n"
        f"Run on {time.strftime('%Y-%m-%d', time.gmtime())}, {platform.machine()} "
        f"({os.cpu_count()} CPUs), Python {sys.version.split()[0]}, NumPy {np.__version__}, "
        f"deltaprop {deltaprop.__version__}; wall time {wall_s / 60:.1f} min."
    )


def plot_curves(path: Path, panels, *, title: str, ylabel: str = "test accuracy (%)") -> None:
    """One PNG with one panel per entry of ``panels``.

    ``panels`` is a list of ``(panel_title, {label: per-epoch values}, {label: y})``, the
    last mapping horizontal reference lines (for example a published figure).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, (panel_title, curves, refs) in zip(axes[0], panels):
        for label, values in curves.items():
            ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=label)
        for (label, y), style in zip(refs.items(), ("--", ":", "-.", (0, (5, 5)))):
            ax.axhline(y, linestyle=style, color="gray", linewidth=1, label=label)
        ax.set_title(panel_title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if curves or refs:
            ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    _atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)


def write_results(name: str, markdown: str, raw: dict, out_dir: Path = RESULTS_DIR) -> Path:
    """Write ``name.md`` and ``name.json`` into ``out_dir``; returns the Markdown path."""
    out_dir = Path(out_dir)
    md = out_dir / f"{name}.md"
    _atomic_write(md, lambda f: f.write(markdown.encode()))
    _atomic_write(out_dir / f"{name}.json", lambda f: f.write(json.dumps(raw, indent=1).encode()))
    return md
