"""``preprocess=True``: the table encoder of :mod:`deltaprop.encoding` inside the estimators.

The same encoder ``deltaprop train`` fits (numeric columns imputed and standardised, text
columns one-hot encoded), fitted on the first fit's raw X and applied to every X after.
"""

from __future__ import annotations

import numpy as np

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


def preprocessed(pre: TableEncoder, raw: np.ndarray) -> np.ndarray:
    """``pre`` applied to a raw table (N, n_features), its width checked first."""
    if raw.ndim != 2 or raw.shape[1] != pre.n_features:
        raise InputError(f"X has {raw.shape[1] if raw.ndim == 2 else raw.shape} columns but the estimator was "
                         f"fitted on {pre.n_features}; pass the same columns")
    return pre.transform(raw)


def encode_inputs(estimator, X, *, first: bool):
    """``(X, encoder)``: X through the estimator's table encoder (fitted on a first fit), or as given.

    Raises
    ------
    InputError
        ``preprocess=True`` set only after the first fit (no encoder to continue with).
    """
    pre = None if first else getattr(estimator, "preprocessor_", None)
    if not estimator.preprocess:
        return X, None
    raw = raw_table(X)
    if first:
        pre = TableEncoder.fit(raw, standardize=True, missing="impute")
    if pre is None:
        raise InputError("preprocess=True was set after the first fit; fit from scratch to fit the encoder")
    return preprocessed(pre, raw), pre
