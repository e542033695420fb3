"""How data meets the network: the one encoding shared by the estimators, the CLI and model files.

Three encoders, each fitted on training data, applied to any data, and stored in a model
file as plain JSON (never pickle):

* :class:`InputScaler`: the inputs' standardisation ``(X - mean) / scale`` (constant
  columns pass through unchanged).
* :class:`ClassEncoder`: labels as target rows and back. Class c is the row with the
  "yes" value at c's output and "no" elsewhere (1 and 0; 1 and -1 for tanh outputs, see
  :func:`output_targets`); two classes use ONE output (the second class's) unless the
  outputs are softmax, as scikit-learn does; multilabel indicator targets keep one output
  per label. It also owns the mapping from outputs to probabilities (:meth:`ClassEncoder.proba`),
  the one meaning of ``predict_proba`` everywhere.
* :class:`TargetScaler`: regression targets min-max scaled into the inner part of a
  bounded output's range (:data:`TARGET_INTERVALS`) and back; unbounded outputs take the
  targets as they are.

:class:`Encoding` bundles an input scaler with a class encoder or a target scaler: what
``deltaprop train`` saves in the model file's ``preprocessing`` section. The section's
format is a superset of the one written before this module existed (``standardize``,
``label_map``), so those files load unchanged.

Adding an encoder (one-hot text columns, imputation) means one more class with ``fit``,
``transform``, ``to_meta``/``from_meta`` and one more key of the ``preprocessing`` section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError

__all__ = ["TARGET_INTERVALS", "EPS", "output_targets", "InputScaler", "ClassEncoder", "TargetScaler", "Encoding"]

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
    """Regression targets into a bounded output's interval and back.

    For an output activation in :data:`TARGET_INTERVALS` (interval [lo, hi]), column j is
    mapped by ``lo + (y - y_min_j) * (hi - lo) / (y_max_j - y_min_j)`` (a constant column by
    ``lo + (y - y_min_j) * (hi - lo)``), with the training targets' minima and maxima
    ``target_range`` (2, n_outputs). Other outputs take the targets unchanged
    (``target_range`` None).

    Examples
    --------
    >>> s = TargetScaler.fit(np.array([[0.], [10.]]), output_activation="sigmoid")
    >>> s.transform(np.array([[5.]])).round(6).tolist(), s.inverse_transform(np.array([[0.9]])).round(6).tolist()
    ([[0.5]], [[10.0]])
    """

    target_range: np.ndarray | None
    interval: tuple[float, float] | None = None

    @classmethod
    def fit(cls, Y: np.ndarray, *, output_activation: str) -> "TargetScaler":
        """Fitted on targets ``Y`` (N, n_outputs)."""
        if output_activation not in TARGET_INTERVALS:
            return cls(None)
        Y = np.asarray(Y)
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
        if self.target_range is None:
            return Y
        y_min, scale = self._scaling()
        return ((Y - y_min) * scale + self.interval[0]).astype(Y.dtype)

    def inverse_transform(self, o: np.ndarray) -> np.ndarray:
        """Predicted values (N, n_outputs), float64, from the network's outputs."""
        y = np.asarray(o, dtype=np.float64)
        if self.target_range is None:
            return y
        y_min, scale = self._scaling()
        return (y - self.interval[0]) / scale + y_min

    def to_meta(self) -> dict | None:
        """The ``target_scaling`` section (None when the targets are not scaled)."""
        if self.target_range is None:
            return None
        y_min, y_max = self.target_range.tolist()
        return {"min": y_min, "max": y_max, "interval": list(self.interval)}

    @classmethod
    def from_meta(cls, meta: dict | None, *, output_activation: str) -> "TargetScaler":
        if meta is None:
            return cls(None)
        interval = tuple(meta.get("interval") or TARGET_INTERVALS[output_activation])
        return cls(np.array([meta["min"], meta["max"]], dtype=np.float64), (float(interval[0]), float(interval[1])))


# ------------------------------------------------------------------------------ all of it
@dataclass
class Encoding:
    """The preprocessing a ``deltaprop train`` model carries: inputs, and classes or targets.

    ``inputs`` is None when inputs are not standardised; exactly one of ``classes``
    (classification) and ``targets`` (regression) is set once fitted.
    """

    inputs: InputScaler | None = None
    classes: ClassEncoder | None = None
    targets: TargetScaler | None = None

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, *, standardize: bool, classify: bool,
            output_activation: str) -> "Encoding":
        """Fitted on the training inputs ``X`` (N, d) and targets ``y`` (N,) or (N, n_outputs)."""
        inputs = InputScaler.fit(X) if standardize else None
        if classify:
            return cls(inputs, classes=ClassEncoder.fit(y, output_activation=output_activation))
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return cls(inputs, targets=TargetScaler.fit(Y, output_activation=output_activation))

    @property
    def n_outputs(self) -> int | None:
        return self.classes.n_outputs if self.classes is not None else None

    def transform_inputs(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return X if self.inputs is None else self.inputs.transform(X)

    def transform_targets(self, y: np.ndarray) -> np.ndarray:
        """The network's target rows (N, n_outputs) for labels or values ``y``."""
        if self.classes is not None:
            return self.classes.transform(y)
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return Y if self.targets is None else self.targets.transform(Y)

    def to_meta(self) -> dict:
        """The model file's ``preprocessing`` section: ``standardize``, ``label_map``, ``target_scaling``."""
        return {
            "standardize": None if self.inputs is None else self.inputs.to_meta(),
            "label_map": None if self.classes is None else self.classes.to_meta(),
            "target_scaling": None if self.targets is None else self.targets.to_meta(),
        }

    @classmethod
    def from_meta(cls, meta: dict | None, *, classify: bool, output_activation: str, n_outputs: int) -> "Encoding":
        """The encoding a ``preprocessing`` section describes (None or missing keys: nothing to do)."""
        meta = meta or {}
        inputs = InputScaler.from_meta(meta["standardize"]) if meta.get("standardize") else None
        labels = meta.get("label_map")
        if classify and labels:
            return cls(inputs, classes=ClassEncoder.from_meta(labels, output_activation=output_activation,
                                                              n_outputs=n_outputs))
        if classify:
            return cls(inputs)
        return cls(inputs, targets=TargetScaler.from_meta(meta.get("target_scaling"),
                                                          output_activation=output_activation))
