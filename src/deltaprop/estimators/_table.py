"""``preprocess=True``: the table encoder of :mod:`deltaprop.encoding` inside the estimators.

The same encoder ``deltaprop train`` fits (numeric columns imputed and standardised, text
columns one-hot encoded), fitted on the first fit's raw X and applied to every X after.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

from ..encoding import TableEncoder
from ..errors import InputError


def raw_table(X) -> np.ndarray:
    """``X`` as the table encoder takes it: object (text as str, missing as None/NaN) or float64.

    A DataFrame's missing cells (NaN, None, pd.NA) become None.
    """
    if hasattr(X, "columns") and hasattr(X, "notna"):
        return X.astype(object).where(X.notna(), None).to_numpy()
    A = np.asarray(X)
    if A.dtype.kind in "US":
        return A.astype(object)
    return A if A.dtype == object else A.astype(np.float64, copy=False)


def preprocessed(pre: TableEncoder, raw: np.ndarray, names=None) -> np.ndarray:
    """``pre`` applied to a raw table (N, n_features), its width checked first; ``names`` name
    the columns in its messages (an unseen category, a missing value)."""
    if raw.ndim != 2 or raw.shape[1] != pre.n_features:
        raise InputError(f"X has {raw.shape[1] if raw.ndim == 2 else raw.shape} columns but the estimator was "
                         f"fitted on {pre.n_features}; pass the same columns")
    return pre.transform(raw, names)


def feature_names(estimator, X, *, reset: bool):
    """scikit-learn's feature-name rule for the raw table ``X``; the names the encoder's messages use.

    ``reset`` (a first fit): records ``n_features_in_`` and, for a DataFrame with string
    column names, ``feature_names_in_``. Otherwise checks ``X`` against them as every
    scikit-learn estimator does (the same names in the same order; a warning when a
    fitted-with-names estimator gets an array), so a table's columns are never taken by
    position when they were named. Returns the names (``x0, x1, ...`` without them).
    """
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    names = getattr(estimator, "feature_names_in_", None)
    n = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else np.asarray(X).shape[-1]
    return [str(v) for v in names] if names is not None else [f"x{j}" for j in range(n)]


def encode_inputs(estimator, X, *, first: bool):
    """``(X, encoder, names)``: X through the estimator's table encoder (fitted on a first fit), or as given.

    ``names`` are the raw table's column names (:func:`feature_names`), None without the encoder.

    Raises
    ------
    InputError
        ``preprocess=True`` set only after the first fit (no encoder to continue with).
    """
    pre = None if first else getattr(estimator, "preprocessor_", None)
    if not estimator.preprocess:
        return X, None, None
    names = feature_names(estimator, X, reset=first)
    raw = raw_table(X)
    if first:
        pre = TableEncoder.fit(raw, standardize=True, missing="impute", feature_names=names)
    if pre is None:
        raise InputError("preprocess=True was set after the first fit; fit from scratch to fit the encoder")
    return preprocessed(pre, raw, names), pre, names
