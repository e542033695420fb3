"""Printing for the commands: rich tables on stdout, metrics, and the training progress display."""

from __future__ import annotations

import contextlib
import json
import math
import sys
import warnings

import click
import numpy as np

from .._json import json_default, to_json
from ..errors import InputError
from ._model import CLASSIFICATION, Model


def console():
    """A rich Console on the current stdout (looked up at each call, so tests can capture it)."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def user_text(text):
    """``text`` as a rich ``Text`` shown exactly as it is: column names, labels and file names are
    never read as markup, so ``mass [kg]`` keeps its unit and ``[/]x`` cannot raise MarkupError."""
    from rich.text import Text

    return Text(str(text))


@contextlib.contextmanager
def warnings_as_lines(*, quiet: bool = False, action: str | None = None):
    """Each warning raised inside as one line ``deltaprop: warning: ...`` on stderr, never Python's
    two lines of file, line number and source.

    :func:`deltaprop.cli.main` wraps every command in it with ``action="default"`` (each
    distinct warning once, whatever filters were set before); a command with ``--quiet``
    wraps its run again with ``quiet``: no warnings at all.
    """
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        elif action is not None:
            warnings.simplefilter(action)

        def show(message, category, filename, lineno, file=None, line=None):
            click.echo(f"deltaprop: warning: {' '.join(str(message).split())}", err=True)

        warnings.showwarning = show
        yield


def echo_json(obj) -> None:
    """``obj`` as strict JSON (RFC 8259): NaN and infinities, which it has no words for, become null."""
    loose = json.dumps(obj, default=json_default)
    strict = json.loads(loose, parse_constant=lambda name: None)  # NaN, Infinity, -Infinity
    click.echo(json.dumps(strict, indent=2, allow_nan=False))


def network_line(name: str, net) -> str:
    """One short line describing ``net`` (the header of ``deltaprop train``): sizes, activations, loss, dtype.

    ``repr(net)`` lists every size and keyword and wraps on a terminal; this stays under
    80 columns for the networks people train (``4-30-3 sigmoid -> sigmoid, squared_error, float64``).
    """
    sizes = "-".join(map(str, net.sizes))
    hidden = net.hidden_activation if isinstance(net.hidden_activation, str) else ",".join(net.hidden_activation)
    return (f"{name}: network {sizes}, {hidden} -> {net.output_activation}, "
            f"{net.loss_function.name}, {net.dtype.name}")


def fmt(value, digits: int = 4) -> str:
    """A number as the commands print it: ``digits`` decimals, or significant digits below 0.001
    (``0.0003889``); ``-`` for None. Never ``-0``: see :func:`fixed`."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0 or (math.isfinite(value) and abs(value) >= 1e-3):
            return fixed(value, digits)
        return f"{value:.{digits}g}"
    return str(value)


def fixed(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` decimals; a negative zero, or a negative number that rounds to
    zero, prints as ``0.0000``, not ``-0.0000``."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


# ------------------------------------------------------------------------------ metrics
def metrics(model: Model, X: np.ndarray, y: np.ndarray) -> dict:
    """Classifier: accuracy, per-class and macro precision/recall/F1, confusion matrix.
    Regressor: MSE, MAE and R^2 (averaged over outputs)."""
    from sklearn import metrics as skm

    pred = model.predict(X)
    if model.task == CLASSIFICATION:
        labels = model.classes
        if labels is None:
            labels = np.unique(np.concatenate([np.unique(y), np.unique(pred)]))
        y = np.asarray(y)
        if labels.dtype.kind in "US" and y.dtype.kind not in "US":
            y = y.astype(str)
        unseen = np.setdiff1d(y, labels)
        if model.classes is not None and unseen.size:
            # They would silently drop out of the per-class table and the confusion matrix.
            raise InputError(f"the data has labels {unseen.tolist()[:10]} the model was not trained on (its classes: "
                             f"{labels.tolist()[:20]}); evaluate on data with the model's classes")
        p, r, f, s = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
        mp, mr, mf, _ = skm.precision_recall_fscore_support(y, pred, labels=labels, average="macro", zero_division=0)
        return {
            "task": CLASSIFICATION,
            "n_examples": int(len(y)),
            "accuracy": float(skm.accuracy_score(y, pred)),
            "per_class": [
                {"class": to_json(c), "precision": float(p[i]), "recall": float(r[i]),
                 "f1": float(f[i]), "support": int(s[i])}
                for i, c in enumerate(labels)
            ],
            "macro": {"precision": float(mp), "recall": float(mr), "f1": float(mf)},
            "labels": to_json(labels),
            "confusion_matrix": skm.confusion_matrix(y, pred, labels=labels).tolist(),
        }  # fmt: skip
    y = np.asarray(y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64).reshape(y.shape)
    return {
        "task": "regression",
        "n_examples": int(len(y)),
        "mse": float(skm.mean_squared_error(y, pred)),
        "mae": float(skm.mean_absolute_error(y, pred)),
        "r2": float(skm.r2_score(y, pred)) if len(y) > 1 else float("nan"),
    }


def headline(m: dict) -> str:
    """One line: accuracy, or MSE/MAE/R^2."""
    if m["task"] == CLASSIFICATION:
        return f"accuracy {fixed(m['accuracy'])}"
    return f"MSE {fmt(m['mse'])}, MAE {fmt(m['mae'])}, R^2 {fixed(m['r2'])}"


def print_metrics(m: dict, title: str) -> None:
    """The metrics as tables under a heading line: ``title`` (for a classifier with its accuracy and
    example count). The heading is a line of its own, never broken by rich (a long one wraps as the
    terminal wraps it); as a table title it was wrapped to the width of the table, mid-sentence."""
    from rich.table import Table

    out = console()
    if m["task"] != CLASSIFICATION:
        out.print(user_text(title), soft_wrap=True)
        t = Table()
        for col in ("examples", "MSE", "MAE", "R^2"):
            t.add_column(col, justify="right")
        t.add_row(str(m["n_examples"]), fmt(m["mse"]), fmt(m["mae"]), fmt(m["r2"]))
        out.print(t)
        return
    out.print(user_text(f"{title}: {headline(m)} on {m['n_examples']} examples"), soft_wrap=True)
    t = Table()
    for col in ("class", "precision", "recall", "F1", "support"):
        t.add_column(col, justify="left" if col == "class" else "right")
    for row in m["per_class"]:
        t.add_row(user_text(row["class"]), fmt(row["precision"]), fmt(row["recall"]), fmt(row["f1"]),
                  str(row["support"]))
    t.add_section()
    t.add_row("macro", fmt(m["macro"]["precision"]), fmt(m["macro"]["recall"]), fmt(m["macro"]["f1"]),
              str(m["n_examples"]))
    out.print(t)
    cm = Table(title="confusion matrix")  # short, so it never wraps; the corner cell says which way is which
    cm.add_column("true \\ predicted")
    for c in m["labels"]:
        cm.add_column(user_text(c), justify="right")
    for c, row in zip(m["labels"], m["confusion_matrix"]):
        cm.add_row(user_text(c), *map(str, row))
    out.print(cm)


# ------------------------------------------------------------------------------ progress
class ProgressDisplay:
    """A training callback that shows progress: a rich bar on a terminal, else one line per epoch.

    It reads the trainer's ``logs`` (loss, validation loss and metric); the library itself
    never prints.
    """

    def __init__(self, total_epochs: int, *, metric_name: str, quiet: bool = False):
        self.total = total_epochs
        self.metric_name = metric_name
        self.quiet = quiet
        self._bar = None
        self._task = None

    def on_train_begin(self, trainer, net) -> None:
        if self.quiet:
            return
        out = console()
        if out.is_terminal:
            self._bar = self.progress_bar(out)
            self._task = self._bar.add_task("train", total=self.total, completed=trainer.epoch, status="")
            self._bar.start()

    @staticmethod
    def progress_bar(out):
        """The rich bar: epoch, bar, status, time elapsed and left, on one line of ``out``'s width.

        On a narrow terminal (80 columns) the status is cut with an ellipsis first; the bar
        keeps 10 to 20 cells and the counts and times are never cut.
        """
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.table import Column

        def whole():
            return Column(no_wrap=True)

        return Progress(
            TextColumn("epoch {task.completed}/{task.total}", table_column=whole()),
            BarColumn(bar_width=None, table_column=Column(ratio=1, min_width=10, max_width=20, no_wrap=True)),
            TextColumn("{task.fields[status]}",
                       table_column=Column(ratio=3, min_width=4, no_wrap=True, overflow="ellipsis")),
            TimeElapsedColumn(table_column=whole()), TextColumn("left", table_column=whole()),
            TimeRemainingColumn(table_column=whole()),
            console=out, expand=True,
        )  # fmt: skip

    def on_epoch_end(self, trainer, net, epoch: int, logs: dict) -> None:
        if self.quiet:
            return
        status = f"loss {fmt(logs['loss'], 6)}"
        if logs.get("val_loss") is not None:
            status += f"  val loss {fmt(logs['val_loss'], 6)}"
        if logs.get("val_metric") is not None:
            status += f"  val {self.metric_name} {fixed(logs['val_metric'])}"
        if self._bar is not None:
            # Shorter for the bar's line: the validation metric before the validation loss.
            short = f"loss {fmt(logs['loss'])}"
            if logs.get("val_metric") is not None:
                short += f"  val {self.metric_name} {fixed(logs['val_metric'])}"
            if logs.get("val_loss") is not None:
                short += f"  val loss {fmt(logs['val_loss'])}"
            self._bar.update(self._task, completed=epoch + 1, status=short)
        else:
            click.echo(f"epoch {epoch + 1}/{self.total}  {status}  ({logs['time']:.3f} s)")

    def on_train_end(self, trainer, net, history) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
