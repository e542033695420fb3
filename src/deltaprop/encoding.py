"""How data meets the network: the one encoding shared by the estimators, the CLI and model files.

Three encoders, each fitted on training data, applied to any data, and stored in a model
file as plain JSON (never pickle):

* :class:`InputScaler`: the inputs' standardisation ``(X - mean) / scale`` (constant
  columns pass through unchanged).
* :class:`TableEncoder`: a table with text columns or missing values made numeric, fitted
  with scikit-learn's transformers (a ``ColumnTransformer`` of ``SimpleImputer`` (median) and
  ``StandardScaler`` for numeric columns, ``SimpleImputer`` (most frequent) and
  ``OneHotEncoder(handle_unknown="ignore")`` for text columns); only their learned arrays are
  kept, and the transform is rebuilt from them in NumPy.
* :class:`ClassEncoder`: labels as target rows and back. Class c is the row with the
  "yes" value at c's output and "no" elsewhere (1 and 0; 1 and -1 for tanh outputs, see
  :func:`output_targets`); two classes use ONE output (the second class's) unless the
  outputs are softmax, as scikit-learn does; multilabel indicator targets keep one output
  per label. It also owns the mapping from outputs to probabilities (:meth:`ClassEncoder.proba`),
  the one meaning of ``predict_proba`` everywhere.
* :class:`TargetScaler`: regression targets min-max scaled into the inner part of a
  bounded output's range (:data:`TARGET_INTERVALS`) and back; unbounded outputs take the
  targets as they are, or standardised (``standardize=True``, what ``deltaprop train`` does).

:class:`Encoding` bundles an input scaler with a class encoder or a target scaler: what
``deltaprop train`` saves in the model file's ``preprocessing`` section. The section's
format is a superset of the one written before this module existed (``standardize``,
``label_map``), so those files load unchanged.

Adding an encoder means one more class with ``fit``, ``transform``, ``to_meta``/``from_meta``
and one more key of the ``preprocessing`` section (declared in :mod:`deltaprop._schema`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .data._columns import STRICT_NUMBER
from .errors import InputError

__all__ = ["TARGET_INTERVALS", "EPS", "MISSING_POLICIES", "output_targets", "InputScaler", "TableEncoder",
           "UnknownCategoryWarning", "ClassEncoder", "TargetScaler", "Encoding", "needs_table_encoder"]

#: What to do with missing inputs (NaN, None): fill them (median / most frequent) or refuse.
MISSING_POLICIES = ("impute", "error")

#: Where bounded output activations put min-max scaled regression targets: inside the
#: range, away from the flat tails where a squared-error gradient o(1-o)(y-o) vanishes.
TARGET_INTERVALS = {"sigmoid": (0.1, 0.9), "tanh": (-0.8, 0.8)}

#: Probabilities are clipped into [EPS, 1 - EPS] so that their logarithms stay finite.
EPS = np.finfo(np.float64).eps


def output_targets(activation: str) -> tuple[float, float]:
    """The target values ``(no, yes)`` of an output unit: ``(-1, 1)`` for tanh, else ``(0, 1)``.

    Examples
    --------
    >>> output_targets("tanh"), output_targets("sigmoid")
    ((-1.0, 1.0), (0.0, 1.0))
    """
    return (-1.0, 1.0) if activation == "tanh" else (0.0, 1.0)


# ------------------------------------------------------------------------------ inputs
@dataclass
class InputScaler:
    """Standardisation of the inputs, ``(X - mean) / scale``, fitted on the training data.

    ``mean`` and ``scale`` have shape (n_features,); ``scale`` is the population standard
    deviation, with 1 for constant columns (they pass through, shifted to 0).

    Examples
    --------
    >>> s = InputScaler.fit(np.array([[0., 5.], [2., 5.]]))
    >>> s.transform(np.array([[1., 5.]])).tolist()
    [[0.0, 0.0]]
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> "InputScaler":
        X = np.asarray(X, dtype=np.float64)
        scale = X.std(axis=0)
        scale[scale == 0] = 1.0
        return cls(X.mean(axis=0), scale)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Standardised inputs, shape (N, n_features), float64."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """The raw inputs of standardised ones: ``Z * scale + mean``."""
        return np.asarray(Z, dtype=np.float64) * self.scale + self.mean

    def to_meta(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_meta(cls, meta: dict) -> "InputScaler":
        return cls(np.asarray(meta["mean"], dtype=np.float64), np.asarray(meta["scale"], dtype=np.float64))


# ------------------------------------------------------------------------------ tables
class UnknownCategoryWarning(UserWarning):
    """A text column holds a value not seen in training; it is encoded as all zeros."""


def _text_columns(X: np.ndarray) -> list[int]:
    """Columns of an object array holding text (any ``str``), as :mod:`deltaprop.data` writes them."""
    if X.dtype != object:
        return []
    return [j for j in range(X.shape[1]) if any(isinstance(v, str) for v in X[:, j])]


def _is_missing(column: np.ndarray) -> np.ndarray:
    """Missing cells of a column: None, or a float NaN."""
    if column.dtype != object:
        return np.isnan(column.astype(np.float64))
    return np.array([v is None or (isinstance(v, float) and v != v) for v in column], dtype=bool)


def needs_table_encoder(X: np.ndarray) -> bool:
    """Whether inputs ``X`` (N, d) have a text column or a missing value (NaN, None)."""
    X = np.asarray(X)
    if X.dtype != object:
        return X.dtype.kind == "f" and bool(np.isnan(X).any())
    return True


def refuse_missing(X: np.ndarray, names=None, *, fix: str) -> None:
    """Raise InputError listing every column of ``X`` with missing values (and its first rows)."""
    X = np.asarray(X)
    problems = []
    for j in range(X.shape[1]):
        rows = np.flatnonzero(_is_missing(X[:, j]))
        if rows.size:
            name = names[j] if names is not None else f"x{j}"
            shown = ", ".join(map(str, rows[:8].tolist())) + (f" and {rows.size - 8} more" if rows.size > 8 else "")
            problems.append(f"column {name!r} has {rows.size} missing value{'s' if rows.size > 1 else ''} "
                            f"(rows {shown}, counted from 0)")
    if problems:
        raise InputError("; ".join(problems) + f"; {fix}")


@dataclass
class TableEncoder:
    """A table's columns made numeric: numeric ones imputed and standardised, text ones one-hot.

    Fitted with scikit-learn (:meth:`fit`); only the learned arrays are kept, and
    :meth:`transform` rebuilds the ``ColumnTransformer``'s output from them: the numeric
    columns first (missing -> ``median``, then ``(x - mean) / scale``), then one indicator per
    category of each text column (missing -> ``most_frequent``; a value not in
    ``categories`` -> all zeros, with an :class:`UnknownCategoryWarning`).

    Attributes
    ----------
    n_features : int
        Columns of the raw table.
    numeric, text : list of int
        Indices of the numeric and the text columns.
    median : ndarray (len(numeric),) or None
        Fill values of the numeric columns; None: missing values are refused.
    mean, scale : ndarray (len(numeric),) or None
        The standardisation (None: not standardised); ``scale`` 1 for constant columns.
    most_frequent : list of str or None
        Fill values of the text columns; None: missing values are refused.
    categories : list of list of str
        The sorted categories of each text column.
    """

    n_features: int
    numeric: list
    text: list
    median: np.ndarray | None
    mean: np.ndarray | None
    scale: np.ndarray | None
    most_frequent: list | None
    categories: list

    @classmethod
    def fit(cls, X: np.ndarray, *, standardize: bool = True, missing: str = "impute",
            feature_names=None) -> "TableEncoder":
        """Fitted on training inputs ``X`` (N, d): float64, or object with text columns.

        Raises
        ------
        InputError
            ``missing="error"`` and ``X`` has missing values (every column listed), or an
            unknown ``missing``.
        """
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        if missing not in MISSING_POLICIES:
            raise InputError(f"missing must be one of {', '.join(MISSING_POLICIES)}, got {missing!r}")
        X = np.asarray(X)
        if missing == "error":
            refuse_missing(X, feature_names, fix="fill them in or drop those rows, or impute them "
                                                 "(--missing impute)")
        text = _text_columns(X)
        numeric = [j for j in range(X.shape[1]) if j not in text]
        num_steps = [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
        if standardize:
            num_steps.append(("scale", StandardScaler()))
        columns = ColumnTransformer([
            ("numeric", Pipeline(num_steps), numeric),
            ("text", Pipeline([("impute", SimpleImputer(missing_values=None, strategy="most_frequent")),
                               ("onehot", OneHotEncoder(handle_unknown="ignore"))]), text),
        ], sparse_threshold=0.0)
        if X.dtype == object:
            X = X.copy()
            for j in numeric:  # None in a numeric column is NaN to the imputer
                X[:, j] = X[:, j].astype(np.float64)
        columns.fit(X)
        num, txt = columns.named_transformers_["numeric"], columns.named_transformers_["text"]
        median = mean = scale = None
        if numeric:
            median = num.named_steps["impute"].statistics_.astype(np.float64)
            if standardize:
                mean, scale = num.named_steps["scale"].mean_, num.named_steps["scale"].scale_
        most_frequent, categories = None, []
        if text:
            most_frequent = [str(v) for v in txt.named_steps["impute"].statistics_]
            categories = [[str(c) for c in cats] for cats in txt.named_steps["onehot"].categories_]
        if missing == "error":
            median, most_frequent = None, None
        return cls(X.shape[1], numeric, text, median, mean, scale, most_frequent, categories)

    @property
    def n_outputs(self) -> int:
        """Columns of the encoded table (the network's inputs)."""
        return len(self.numeric) + sum(len(c) for c in self.categories)

    def transform(self, X: np.ndarray, feature_names=None) -> np.ndarray:
        """Encoded inputs (N, n_outputs), float64, for raw inputs ``X`` (N, n_features).

        Raises
        ------
        InputError
            Missing values when the encoder refuses them (every column listed); text in a
            column the encoder fitted as numeric (naming the column and the first row).
        """
        X = np.asarray(X)
        if (self.median is None and self.numeric) or (self.most_frequent is None and self.text):
            refuse_missing(X, feature_names, fix="the model was trained without imputation; fill them in or "
                                                 "drop those rows")
        if X.dtype == object and self.numeric:
            X = X.copy()
            for j in self.numeric:  # a numeric column read as text in this file: its numbers, or the bad cell named
                column = X[:, j]
                texts = [i for i, v in enumerate(column) if isinstance(v, str)]
                bad = [i for i in texts if not (STRICT_NUMBER.fullmatch(column[i]) and math.isfinite(float(column[i])))]
                if bad:
                    name = feature_names[j] if feature_names is not None else f"x{j}"
                    raise InputError(f"column {name!r} holds text ({column[bad[0]]!r}, row {bad[0] + 1} of the "
                                     f"data; {len(bad)} such rows) where the model has a numeric column; write "
                                     "those cells as plain numbers (no thousands separators), or leave them empty")
                for i in texts:
                    column[i] = float(column[i])
        Z = X[:, self.numeric].astype(np.float64) if self.numeric else np.empty((len(X), 0))
        if self.median is not None and Z.size:
            Z = np.where(np.isnan(Z), self.median, Z)
        if self.mean is not None:
            Z = (Z - self.mean) / self.scale
        blocks = [Z]
        unknown = []
        for k, (j, cats) in enumerate(zip(self.text, self.categories)):
            index = {c: i for i, c in enumerate(cats)}
            fill = None if self.most_frequent is None else self.most_frequent[k]
            values = [fill if v is None or (isinstance(v, float) and v != v) else str(v) for v in X[:, j]]
            where = np.array([index.get(v, -1) for v in values], dtype=np.int64)
            block = np.zeros((len(X), len(cats)))
            block[np.flatnonzero(where >= 0), where[where >= 0]] = 1.0
            if (where < 0).any():
                name = feature_names[j] if feature_names is not None else f"x{j}"
                unknown.append(f"{name!r} ({values[int(np.argmax(where < 0))]!r} in {(where < 0).sum()} rows)")
            blocks.append(block)
        if unknown:
            warnings.warn("categories not seen in training encode as all zeros: " + ", ".join(unknown),
                          UnknownCategoryWarning, stacklevel=2)
        return np.hstack(blocks)

    def to_meta(self) -> dict:
        """The ``preprocessing.table`` section: the learned arrays, as plain JSON."""
        listed = lambda a: None if a is None else np.asarray(a, dtype=np.float64).tolist()  # noqa: E731
        return {"n_features": self.n_features, "numeric": list(self.numeric), "text": list(self.text),
                "median": listed(self.median), "mean": listed(self.mean), "scale": listed(self.scale),
                "most_frequent": self.most_frequent, "categories": self.categories}

    @classmethod
    def from_meta(cls, meta: dict) -> "TableEncoder":
        array = lambda v: None if v is None else np.asarray(v, dtype=np.float64)  # noqa: E731
        return cls(int(meta["n_features"]), [int(j) for j in meta["numeric"]], [int(j) for j in meta["text"]],
                   array(meta["median"]), array(meta["mean"]), array(meta["scale"]),
                   None if meta["most_frequent"] is None else [str(v) for v in meta["most_frequent"]],
                   [[str(c) for c in cats] for cats in meta["categories"]])


# ------------------------------------------------------------------------------ class labels
@dataclass
class ClassEncoder:
    """Labels to target rows, and network outputs to probabilities and labels.

    Parameters
    ----------
    classes : ndarray (n_classes,)
        The labels, sorted; output i stands for ``classes[i]`` (with one output for two
        classes, the output stands for ``classes[1]``). For multilabel targets ``arange(n_labels)``.
    n_outputs : int
        1 for two classes (non-softmax outputs), else ``n_classes``.
    low, high : float
        The target values of "no" and "yes" (:func:`output_targets`).
    multilabel : bool
        Targets are 0/1 indicator matrices (n_samples, n_labels), not labels.
    """

    classes: np.ndarray
    n_outputs: int
    low: float = 0.0
    high: float = 1.0
    multilabel: bool = False

    @classmethod
    def fit(cls, y: np.ndarray, *, output_activation: str, classes=None) -> "ClassEncoder":
        """The encoder for labels ``y`` (N,) or an indicator matrix (N, n_labels).

        ``classes`` lists every label when ``y`` may lack some (``partial_fit``).

        Raises
        ------
        InputError
            When there is only one class.
        """
        y = np.asarray(y)
        low, high = output_targets(output_activation)
        if y.ndim == 2:
            return cls(np.arange(y.shape[1]), y.shape[1], low, high, multilabel=True)
        found = np.unique(y if classes is None else np.asarray(classes))
        if found.size < 2:
            raise InputError(f"y contains only one class ({found.tolist()[0]!r}); a classifier needs at least "
                             "two classes to learn from")
        n_outputs = 1 if found.size == 2 and output_activation != "softmax" else found.size
        return cls(found, n_outputs, low, high)

    def transform(self, y: np.ndarray, dtype=np.float64) -> np.ndarray:
        """Target rows ``Y`` (N, n_outputs) for labels ``y`` (N,) or an indicator matrix (N, n_labels).

        Raises
        ------
        InputError
            When ``y`` holds a label outside ``classes``.
        """
        y = np.asarray(y)
        if self.multilabel:
            return np.where(y > 0, self.high, self.low).astype(dtype)
        unseen = np.setdiff1d(y, self.classes)
        if unseen.size:
            raise InputError(f"y has labels {unseen.tolist()[:10]} not among classes_ {self.classes.tolist()[:20]}; "
                             "pass every label in classes= on the first call to partial_fit")
        index = np.searchsorted(self.classes, y)
        Y = np.full((y.shape[0], self.n_outputs), self.low, dtype=dtype)
        if self.n_outputs == 1:
            Y[index == 1, 0] = self.high
        else:
            Y[np.arange(y.shape[0]), index] = self.high
        return Y

    def proba(self, o: np.ndarray) -> np.ndarray:
        """Probabilities from outputs ``o`` (N, n_outputs): shape (N, n_classes), float64.

        Each output is mapped from [low, high] onto [0, 1] and clipped into
        ``[EPS, 1 - EPS]``; one output p for two classes gives ``[1 - p, p]``; rows are then
        normalised to sum to one (multilabel outputs are not: each label is its own yes/no).
        Softmax outputs come back as they are, up to the clipping.
        """
        p = np.clip((np.asarray(o, dtype=np.float64) - self.low) / (self.high - self.low), EPS, 1 - EPS)
        if self.multilabel:
            return p
        if p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p / p.sum(axis=1, keepdims=True)

    def labels(self, o: np.ndarray) -> np.ndarray:
        """Labels (N,) of the most probable class, or a 0/1 indicator matrix for multilabel.

        Encoded targets decode to their own labels.
        """
        p = self.proba(o)
        if self.multilabel:
            return (p > 0.5).astype(int)
        return self.classes[np.argmax(p, axis=1)]

    def to_meta(self) -> dict:
        """The ``label_map`` section; ``classes`` with their dtype, so strings, ints, floats or bools return."""
        # Labels fitted from pandas are an object array: store the text (or numbers) they hold.
        classes = np.asarray(self.classes.tolist()) if self.classes.dtype == object else self.classes
        return {"classes": classes.tolist(), "dtype": classes.dtype.str, "multilabel": bool(self.multilabel),
                "encoding": "one-output" if self.n_outputs == 1 and not self.multilabel else "one-hot",
                "low": self.low, "high": self.high}

    @classmethod
    def from_meta(cls, meta: dict, *, output_activation: str, n_outputs: int) -> "ClassEncoder":
        """The encoder a ``label_map`` section describes, for a network with these outputs.

        Reads files written before this module: the estimators' (no ``low``/``high``: they
        follow from the output activation) and ``deltaprop train``'s (always one-hot).
        """
        classes = np.asarray(meta["classes"], dtype=np.dtype(meta["dtype"]))
        low, high = output_targets(output_activation)
        low, high = float(meta.get("low", low)), float(meta.get("high", high))
        return cls(classes, int(n_outputs), low, high, bool(meta.get("multilabel", False)))


# ------------------------------------------------------------------------------ regression targets
@dataclass
class TargetScaler:
    """Regression targets into a bounded output's interval, or standardised, and back.

    For an output activation in :data:`TARGET_INTERVALS` (interval [lo, hi]), column j is
    mapped by ``lo + (y - y_min_j) * (hi - lo) / (y_max_j - y_min_j)`` (a constant column by
    ``lo + (y - y_min_j) * (hi - lo)``), with the training targets' minima and maxima
    ``target_range`` (2, n_outputs). Other outputs take the targets unchanged
    (``target_range`` None), or, fitted with ``standardize=True``, standardised:
    ``(y - mean_j) / scale_j`` (population deviation, 1 for a constant column), so that
    prices near 200000 do not leave an identity output stuck at one constant.

    Examples
    --------
    >>> s = TargetScaler.fit(np.array([[0.], [10.]]), output_activation="sigmoid")
    >>> s.transform(np.array([[5.]])).round(6).tolist(), s.inverse_transform(np.array([[0.9]])).round(6).tolist()
    ([[0.5]], [[10.0]])
    >>> z = TargetScaler.fit(np.array([[1e5], [3e5]]), output_activation="identity", standardize=True)
    >>> z.transform(np.array([[3e5]])).tolist(), z.inverse_transform(np.array([[-1.0]])).tolist()
    ([[1.0]], [[100000.0]])
    """

    target_range: np.ndarray | None
    interval: tuple[float, float] | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    @classmethod
    def fit(cls, Y: np.ndarray, *, output_activation: str, standardize: bool = False) -> "TargetScaler":
        """Fitted on targets ``Y`` (N, n_outputs); ``standardize`` applies to unbounded outputs."""
        Y = np.asarray(Y)
        if output_activation not in TARGET_INTERVALS:
            if not standardize:
                return cls(None)
            scale = Y.std(axis=0).astype(np.float64)
            scale[scale == 0] = 1.0
            return cls(None, mean=Y.mean(axis=0).astype(np.float64), scale=scale)
        target_range = np.vstack([Y.min(axis=0), Y.max(axis=0)]).astype(np.float64)
        return cls(target_range, TARGET_INTERVALS[output_activation])

    def _scaling(self):
        """``(y_min, scale)``: the scaled target is ``lo + (y - y_min) * scale``."""
        lo, hi = self.interval
        y_min, y_max = self.target_range
        return y_min, (hi - lo) / np.where(y_max > y_min, y_max - y_min, 1.0)

    def transform(self, Y: np.ndarray) -> np.ndarray:
        """The network's targets (N, n_outputs), in ``Y``'s dtype."""
        Y = np.asarray(Y)
        if self.mean is not None:
            return ((Y - self.mean) / self.scale).astype(Y.dtype)
        if self.target_range is None:
            return Y
        y_min, scale = self._scaling()
        return ((Y - y_min) * scale + self.interval[0]).astype(Y.dtype)

    def inverse_transform(self, o: np.ndarray) -> np.ndarray:
        """Predicted values (N, n_outputs), float64, from the network's outputs."""
        y = np.asarray(o, dtype=np.float64)
        if self.mean is not None:
            return y * self.scale + self.mean
        if self.target_range is None:
            return y
        y_min, scale = self._scaling()
        return (y - self.interval[0]) / scale + y_min

    def to_meta(self) -> dict | None:
        """The ``target_scaling`` section (None when the targets are not scaled)."""
        if self.mean is not None:
            return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}
        if self.target_range is None:
            return None
        y_min, y_max = self.target_range.tolist()
        return {"min": y_min, "max": y_max, "interval": list(self.interval)}

    @classmethod
    def from_meta(cls, meta: dict | None, *, output_activation: str) -> "TargetScaler":
        if meta is None:
            return cls(None)
        if "mean" in meta:
            return cls(None, mean=np.asarray(meta["mean"], dtype=np.float64),
                       scale=np.asarray(meta["scale"], dtype=np.float64))
        interval = tuple(meta.get("interval") or TARGET_INTERVALS[output_activation])
        return cls(np.array([meta["min"], meta["max"]], dtype=np.float64), (float(interval[0]), float(interval[1])))


# ------------------------------------------------------------------------------ all of it
@dataclass
class Encoding:
    """The preprocessing a ``deltaprop train`` model carries: inputs, and classes or targets.

    ``inputs`` is an :class:`InputScaler` (numeric tables), a :class:`TableEncoder` (tables
    with text columns or missing values) or None (inputs as they are); exactly one of
    ``classes`` (classification) and ``targets`` (regression) is set once fitted.
    """

    inputs: InputScaler | TableEncoder | None = None
    classes: ClassEncoder | None = None
    targets: TargetScaler | None = None

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, *, standardize: bool, classify: bool, output_activation: str,
            missing: str | None = None, scale_targets: bool = False, feature_names=None) -> "Encoding":
        """Fitted on the training inputs ``X`` (N, d) and targets ``y`` (N,) or (N, n_outputs).

        ``missing`` (:data:`MISSING_POLICIES`) enables a :class:`TableEncoder` when ``X`` has
        text columns or missing values (``None``: such inputs are refused); ``scale_targets``
        standardises regression targets of unbounded outputs.

        Raises
        ------
        InputError
            Text columns or missing values without ``missing``, or with ``missing="error"``.
        """
        if needs_table_encoder(X):
            if missing is None:
                if np.asarray(X).dtype == object:
                    raise InputError("the inputs have text columns; encode them (deltaprop train does) or "
                                     "drop them")
                refuse_missing(X, feature_names, fix="fill them in or drop those rows")
            inputs = TableEncoder.fit(X, standardize=standardize, missing=missing, feature_names=feature_names)
        else:
            inputs = InputScaler.fit(X) if standardize else None
        if classify:
            return cls(inputs, classes=ClassEncoder.fit(y, output_activation=output_activation))
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return cls(inputs, targets=TargetScaler.fit(Y, output_activation=output_activation, standardize=scale_targets))

    @property
    def n_outputs(self) -> int | None:
        return self.classes.n_outputs if self.classes is not None else None

    @property
    def n_features_in(self) -> int | None:
        """Raw input columns when a :class:`TableEncoder` changes their number, else None."""
        return self.inputs.n_features if isinstance(self.inputs, TableEncoder) else None

    def transform_inputs(self, X: np.ndarray, feature_names=None) -> np.ndarray:
        """The network's inputs (N, n_inputs), float64, for raw inputs ``X``.

        Raises
        ------
        InputError
            Missing values or text the encoding cannot take (every column listed).
        """
        if isinstance(self.inputs, TableEncoder):
            return self.inputs.transform(X, feature_names)
        X = np.asarray(X)
        if X.dtype == object:
            raise InputError("the data has text columns but the model was trained on numbers only; pass the "
                             "model's numeric features")
        X = X.astype(np.float64, copy=False)
        if np.isnan(X).any():
            refuse_missing(X, feature_names, fix="the model was trained without imputation; fill them in or drop "
                                                 "those rows")
        return X if self.inputs is None else self.inputs.transform(X)

    def transform_targets(self, y: np.ndarray) -> np.ndarray:
        """The network's target rows (N, n_outputs) for labels or values ``y``."""
        if self.classes is not None:
            return self.classes.transform(y)
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return Y if self.targets is None else self.targets.transform(Y)

    def to_meta(self) -> dict:
        """The model file's ``preprocessing`` section: ``standardize`` (an InputScaler) or ``table``
        (a TableEncoder), ``label_map``, ``target_scaling``."""
        meta = {
            "standardize": self.inputs.to_meta() if isinstance(self.inputs, InputScaler) else None,
            "label_map": None if self.classes is None else self.classes.to_meta(),
            "target_scaling": None if self.targets is None else self.targets.to_meta(),
        }
        if isinstance(self.inputs, TableEncoder):
            meta["table"] = self.inputs.to_meta()
        return meta

    @classmethod
    def from_meta(cls, meta: dict | None, *, classify: bool, output_activation: str, n_outputs: int) -> "Encoding":
        """The encoding a ``preprocessing`` section describes (None or missing keys: nothing to do)."""
        meta = meta or {}
        inputs = InputScaler.from_meta(meta["standardize"]) if meta.get("standardize") else None
        if meta.get("table"):
            inputs = TableEncoder.from_meta(meta["table"])
        labels = meta.get("label_map")
        if classify and labels:
            return cls(inputs, classes=ClassEncoder.from_meta(labels, output_activation=output_activation,
                                                              n_outputs=n_outputs))
        if classify:
            return cls(inputs)
        return cls(inputs, targets=TargetScaler.from_meta(meta.get("target_scaling"),
                                                          output_activation=output_activation))
