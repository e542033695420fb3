"""What the commands share: a model file with its preprocessing, and reading DATA for it.

A model trained by ``deltaprop train`` is a :class:`~deltaprop.Network` file whose metadata
also holds the encoding fitted on the training data (``preprocessing``: the inputs'
standardisation, the label map or the target scaling; see :mod:`deltaprop.encoding`), the task, the feature and target names, the training
settings, history, data fingerprint and metrics. Files of the estimators saved from Python
(``dp.save(MLPClassifier(...).fit(...))``) and bare networks work as well.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sys
import warnings
from dataclasses import dataclass, field

import click
import numpy as np

from .. import modelfile
from ..data import BUILTIN_DATASETS, Dataset, load_dataset
from ..encoding import ClassEncoder, Encoding, output_targets
from ..errors import DeltapropError, InputError, ModelFileError
from ..network import Network

#: The MODEL argument of the commands that read a model file.
model_argument = click.argument("model", type=click.Path(dir_okay=False))

CLASSIFICATION = "classification"
REGRESSION = "regression"
_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", ".parquet", ".pq")


# ------------------------------------------------------------------------------ the model
@dataclass
class Model:
    """A loaded model file: the network, how to prepare inputs, how to read its outputs."""

    path: str
    obj: object  # Network, MLPClassifier or MLPRegressor
    meta: dict
    pre: Encoding = field(default_factory=Encoding)
    task: str = REGRESSION

    @property
    def network(self) -> Network:
        return self.obj if isinstance(self.obj, Network) else self.obj.network_

    @property
    def is_estimator(self) -> bool:
        return not isinstance(self.obj, Network)

    @property
    def n_features(self) -> int:
        """Raw input columns (a table's, before its text columns are one-hot encoded)."""
        if self.is_estimator:
            return int(self.obj.n_features_in_)
        return self.pre.n_features_in or self.network.n_inputs

    @property
    def feature_names(self) -> list[str] | None:
        names = self.meta.get("features") or self.meta.get("feature_names_in")
        return list(names) if names else None

    @property
    def target_name(self) -> str | None:
        return self.meta.get("target")

    @property
    def classes(self) -> np.ndarray | None:
        if self.is_estimator:
            return self.obj.classes_ if self.task == CLASSIFICATION else None
        return None if self.pre.classes is None else self.pre.classes.classes

    def history(self) -> dict:
        """Per-epoch ``loss``, ``val_loss``, ``val_metric`` (what plot_history draws)."""
        if "history" in self.meta and "loss" in self.meta["history"]:
            return self.meta["history"]
        h = self.meta.get("history") or {}
        return {"loss": h.get("loss_curve_") or [], "val_loss": h.get("validation_loss_curve_") or [],
                "val_metric": h.get("validation_scores_") or []}

    def outputs(self, X: np.ndarray) -> np.ndarray:
        """The network's outputs ``o`` for raw inputs (preprocessing applied)."""
        self.check_features(X)
        return self.network.forward(self.pre.transform_inputs(X, self.feature_names))

    def class_encoder(self) -> ClassEncoder:
        """How outputs map to classes: the file's label map, or output i = class i for a bare network."""
        if self.pre.classes is not None:
            return self.pre.classes
        net = self.network
        return ClassEncoder(np.arange(net.n_outputs), net.n_outputs, *output_targets(net.output_activation))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels (classification) or values, shape (N,) or (N, n_outputs)."""
        self.check_features(X)
        if self.is_estimator:
            with _columns_matched_by_name():
                return np.asarray(self.obj.predict(_estimator_input(X)))
        o = self.outputs(X)
        if self.task == CLASSIFICATION:
            return self.class_encoder().labels(o)
        y = o.astype(np.float64) if self.pre.targets is None else self.pre.targets.inverse_transform(o)
        return y.ravel() if y.shape[1] == 1 else y

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (N, n_classes), as the estimators give them (:meth:`ClassEncoder.proba`)."""
        if self.task != CLASSIFICATION:
            raise InputError(f"model {self.path!r} is a regressor; --proba applies to classifiers only")
        self.check_features(X)
        if self.is_estimator:
            with _columns_matched_by_name():
                return self.obj.predict_proba(_estimator_input(X))
        return self.class_encoder().proba(self.outputs(X))

    def check_features(self, X: np.ndarray) -> None:
        if X.ndim != 2 or X.shape[1] != self.n_features:
            got = X.shape[1] if X.ndim == 2 else X.shape
            names = self.feature_names
            listed = f" ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
            raise InputError(f"the data has {got} feature columns but model {self.path!r} expects "
                             f"{self.n_features}{listed}; pass data with the model's features")


def _estimator_input(X: np.ndarray) -> np.ndarray:
    """A table for an estimator: float64, or as read when it has text columns (``preprocess=True``)."""
    X = np.asarray(X)
    return X if X.dtype == object else X.astype(np.float64, copy=False)


class _columns_matched_by_name(warnings.catch_warnings):
    """Silence scikit-learn's "X does not have valid feature names" for an estimator fitted on a DataFrame.

    :func:`data_for_model` has already put DATA's columns in the model's order by name, so
    the plain array handed on is right; the warning would only alarm the user.
    """

    def __enter__(self):
        super().__enter__()
        warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)


def load_model(path: str) -> Model:
    """Read a model file (network, estimator, or a ``deltaprop train`` model) with its metadata.

    An estimator's label map or target scaling becomes the :class:`Model`'s encoding too, so
    ``explain --y setosa`` and ``gradcheck --data`` treat it as a ``deltaprop train`` model.

    Raises
    ------
    ModelFileError
        The file is damaged or hostile; also when its checked metadata still cannot be
        used (the loader's schema should have refused it: this is the CLI's second net).
    """
    _, meta = modelfile.read(path)
    obj = modelfile.load(path)
    try:
        return _model(path, obj, meta)
    except DeltapropError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        raise ModelFileError(f"cannot use model file {path!r}: its metadata does not fit its network "
                             f"({type(exc).__name__}: {exc}); re-save the model or restore a good copy") from exc


def _model(path: str, obj, meta: dict) -> Model:
    kind = meta["kind"]
    if kind in ("MLPClassifier", "MLPRegressor"):
        task = CLASSIFICATION if kind == "MLPClassifier" else REGRESSION
        net = obj.network_
        section = {"label_map": meta.get("label_map"), "target_scaling": meta.get("target_scaling")}
        pre = Encoding.from_meta(section, classify=task == CLASSIFICATION, output_activation=net.output_activation,
                                 n_outputs=net.n_outputs)
        return Model(path, obj, meta, pre, task)
    task = meta.get("task")
    if task is None:  # a bare network saved from Python: classes are its outputs when it has several
        task = CLASSIFICATION if obj.n_outputs > 1 and obj.output_activation in ("softmax", "sigmoid") else REGRESSION
    pre = Encoding.from_meta(meta.get("preprocessing"), classify=task == CLASSIFICATION,
                             output_activation=obj.output_activation, n_outputs=obj.n_outputs)
    return Model(path, obj, meta, pre, task)


# ------------------------------------------------------------------------------ reading DATA
def is_table(source: str) -> bool:
    name = source.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return source == "-" or name.endswith(_TABLE_SUFFIXES)


def table_columns(source: str) -> list[str] | None:
    """The header of a CSV/TSV file (None for other formats, or when it cannot be read here).

    Standard input is read into memory and put back, so the reader sees all of it.
    """
    name = source.lower().removesuffix(".gz")
    if source == "-":
        text = sys.stdin.read()
        sys.stdin = io.StringIO(text)
        first = text.splitlines()[:1]
        sep = ","
    elif name.endswith((".csv", ".txt", ".tsv", ".tab")) and os.path.isfile(source):
        try:
            opener = gzip.open if source.lower().endswith(".gz") else open
            with opener(source, "rt", encoding="utf-8-sig", newline="") as f:
                first = [f.readline()]
        except (OSError, UnicodeDecodeError, EOFError):
            return None  # the reader reports it properly
        sep = "\t" if name.endswith((".tsv", ".tab")) else ","
    else:
        return None
    if not first or not first[0].strip():
        return None
    return [c.strip() for c in next(csv.reader([first[0]], delimiter=sep))]


#: Built-in data sets whose labels stay the integers of their files (so that a model trained on
#: the built-in name and one trained on the IDX files mix freely); class names are metadata only.
INTEGER_LABELS = ("fashion-mnist",)


def read_data(source: str, *, target=None, has_target: bool = True, data_dir=None, part=None,
              target_values: bool = True) -> Dataset:
    """``load_dataset`` with the CLI's conventions (a built-in name never takes --target).

    Built-in labels are read by name ("setosa", not 0), except for :data:`INTEGER_LABELS`.
    """
    if source in BUILTIN_DATASETS:
        if target is not None:
            raise InputError(f"--target does not apply to the built-in data set {source!r}, which knows its target")
        ds = load_dataset(source, data_dir=data_dir, part=part)
        if not has_target:
            ds.y = None
        elif ds.class_names is not None and source not in INTEGER_LABELS:
            ds.y = np.asarray(ds.class_names)[ds.y]  # labels by name: "setosa", not 0
        return ds
    return load_dataset(source, target=target, has_target=has_target, data_dir=data_dir, target_values=target_values)


def data_for_model(model: Model, source: str, *, target=None, need_target: bool, data_dir=None) -> Dataset:
    """DATA read for ``model``: the target column found, the features in the model's order.

    The target is ``target`` if given; else, in a table with a header, the model's target
    column, or the one column that is not among the model's features (a model saved from
    Python does not know its target's name); else the last column (``need_target``), unless
    the header shows the target is missing: the model's target column is not in it, or it
    holds only the model's features (an error naming the target and ``deltaprop predict``).
    Without ``need_target`` the target column so found is dropped. Features are picked and
    ordered by name when the table has every feature the model was trained on.

    Raises
    ------
    InputError
        ``need_target`` and a table's header without the target column (see above);
        the feature count differs from the model's, or a table's header names other
        feature columns than the model was trained on (a renamed column: expected vs found).
    """
    columns = table_columns(source) if is_table(source) else None
    if source in INTEGER_LABELS and target is None:  # a standard split: its test part
        ds = read_data(source, data_dir=data_dir, part="test", has_target=need_target)
        model.check_features(ds.X)
        return ds
    if target is None and columns is not None:
        target = _target_column(model, columns)
        if target is None and need_target:
            _refuse_missing_target(model, source, columns)
    if need_target:
        ds = read_data(source, target=target, data_dir=data_dir)
        if ds.y is None:
            raise InputError(f"data {source!r} has no target to evaluate against; name its column with --target")
        if model.task == REGRESSION and np.asarray(ds.y).dtype.kind not in "biuf":
            raise InputError(f"the target column {ds.target_name!r} of data {source!r} is not numeric, but model "
                             f"{model.path!r} is a regressor; name its target column with --target")
    elif target is not None:  # set aside unread: rows to predict may leave their target empty
        ds = read_data(source, target=target, data_dir=data_dir, target_values=False)
    else:
        ds = read_data(source, has_target=source in BUILTIN_DATASETS, data_dir=data_dir)
        ds.y = None
    names = model.feature_names
    if names and set(names) <= set(ds.feature_names) and ds.feature_names != names:
        index = [ds.feature_names.index(n) for n in names]
        ds.X, ds.feature_names = ds.X[:, index], list(names)
    model.check_features(ds.X)
    if columns is not None and names and ds.feature_names != names and not _generated(names):
        missing = [n for n in names if n not in ds.feature_names]
        found = [c for c in ds.feature_names if c not in names]
        raise InputError(f"data {source!r} has feature columns {_names(found)} where model {model.path!r} "
                         f"expects {_names(missing)} (its features: {_names(names)}); rename the columns or "
                         f"pass the data the model was trained on")
    return ds


def _target_column(model: Model, columns: list[str]) -> str | None:
    if model.target_name in columns:
        return model.target_name
    names = model.feature_names
    if names and set(names) <= set(columns):
        others = [c for c in columns if c not in names]
        if len(others) == 1:
            return others[0]
    return None


def _refuse_missing_target(model: Model, source: str, columns: list[str]) -> None:
    """Raise when a table's header shows that it has no target column: it lacks the model's
    target by name, or holds just the model's features. Return otherwise (the last column is the target)."""
    name, names = model.target_name, model.feature_names
    if name is not None:
        lacks = f"has no column {name!r}, the target of model {model.path!r}"
    elif names and set(columns) <= set(names):
        lacks = f"has only feature columns of model {model.path!r}, no target column"
    else:
        return
    shown = ", ".join(repr(c) for c in columns[:8]) + (", ..." if len(columns) > 8 else "")
    raise InputError(f"{data_name(source)} {lacks} (its columns: {shown}); name the target column with --target, or "
                     f"predict without one: deltaprop predict {model.path} {source}")


def data_name(source: str) -> str:
    """DATA as messages name it: ``standard input`` for ``-``, else ``data 'new.csv'``."""
    return "standard input" if source == "-" else f"data {source!r}"


def _generated(names: list[str]) -> bool:
    """Names the readers make up for a table without a header (``x0, x1, ...`` of ``.npy``)."""
    return names == [f"x{j}" for j in range(len(names))]


def _names(names: list[str], most: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f", ... ({len(names)} in all)" if len(names) > most else "")
