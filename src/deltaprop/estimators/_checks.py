"""The estimators' checks of their parameters and inputs, with deltaprop's messages and errors."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._kernels import numba_available
from .._validation import _nonfinite_error, check_table
from .._watch import largest_magnitude
from ..errors import InputError, InputTypeError

__all__ = ["_check_choice", "_check_number", "_hidden_sizes", "_check_inputs", "_check_sample_weight",
           "_float_dtype", "_normalised"]


# --------------------------------------------------------------------------- parameter checks
def _check_choice(value, choices, name):
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name}={value!r} is not one of {valid}; choose one of them")
    return value


def _check_number(value, name, *, low=None, high=None, low_open=False, high_open=False, integer=False):
    """A real (or integer) parameter in an interval; the message names the interval."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise InputTypeError(f"{name} must be {what}, got {value!r}")
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise InputError(f"{name}={value!r} is outside {interval}; pass a value in that range")
    return value


def _hidden_sizes(hidden_layer_sizes) -> list[int]:
    sizes = [hidden_layer_sizes] if isinstance(hidden_layer_sizes, numbers.Integral) else hidden_layer_sizes
    try:
        sizes = list(sizes)
    except TypeError:
        raise InputTypeError(
            f"hidden_layer_sizes must be an int or a sequence of ints such as (100,), got {hidden_layer_sizes!r}"
        ) from None
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0:
            raise InputError(f"hidden_layer_sizes must hold positive integers, got {hidden_layer_sizes!r}")
    return [int(s) for s in sizes]


def _check_inputs(X, y=None, *, fit: bool = False) -> float | None:
    """deltaprop's messages (naming the cell and the fix) for the commonest bad inputs.

    Runs before scikit-learn's ``validate_data``, which does the rest of the checking but
    reports NaN, ragged rows, text or mismatched lengths without saying where or what to do.

    Returns ``max |X|`` when it was read (``fit``, a contiguous float array and Numba
    installed): the one pass over X that both proves X finite here and bounds the inputs in
    the trainer's proof that the final outputs are finite (:mod:`deltaprop._loop`). Else None.
    """
    if hasattr(X, "tocsr") or hasattr(X, "todense"):  # scipy.sparse matrices and arrays
        raise InputTypeError(
            f"X is a sparse {type(X).__name__}; the estimators train on dense arrays: pass X.toarray() "
            "(mind the memory: n_examples x n_features values)"
        )
    _check_frame_missing(X)
    x_max = None
    if (fit and isinstance(X, np.ndarray) and X.ndim == 2 and X.size and X.dtype in (np.float32, np.float64)
            and X.flags.c_contiguous and numba_available()):
        check_table(X, name="X", finite=False)
        x_max = largest_magnitude(X)
        if not math.isfinite(x_max):
            raise _nonfinite_error(X, "X")
    else:
        check_table(X, name="X")
    if y is None:
        return x_max
    y_arr = np.asarray(y)
    check_table(y_arr[:, None] if y_arr.ndim == 1 and y_arr.dtype.kind in "fc" else y_arr, name="y")
    shape_X = X.shape if hasattr(X, "shape") else np.asarray(X).shape
    if not shape_X or not y_arr.ndim:
        return x_max  # scalars: scikit-learn's message asks for arrays
    n_X, n_y = shape_X[0], y_arr.shape[0]
    if n_X != n_y:
        raise InputError(f"X has {n_X} examples but y has {n_y} targets; pass one target per example")
    return x_max


def _check_frame_missing(X) -> None:
    """A DataFrame with missing values (pandas NA, NaN or None) names the columns and rows.

    Nullable columns (``Int64``, ``boolean``, ``string``, ...) would otherwise become object
    arrays whose NA scikit-learn reports without a column.
    """
    if not (hasattr(X, "columns") and hasattr(X, "isna")):
        return
    missing = X.isna()
    per_column = missing.sum(axis=0)
    bad = [c for c, k in per_column.items() if k]
    if not bad:
        return
    column = bad[0]
    rows = np.flatnonzero(np.asarray(missing[column]))
    others = f" (and in columns {', '.join(map(repr, bad[1:4]))}{', ...' if len(bad) > 4 else ''})" if len(bad) > 1 else ""
    raise InputError(
        f"X column {column!r} holds {rows.size} missing value(s) (pandas NA or NaN), first in row {int(rows[0])}{others}; "
        "fill them (X.fillna(...), or sklearn.impute.SimpleImputer in a pipeline) or drop those rows"
    )


def _float_dtype(dtype) -> np.dtype:
    from .._validation import check_dtype

    return check_dtype(dtype)


def _normalised(sw: np.ndarray | None, reduction: str) -> np.ndarray | None:
    """For "mean": weights rescaled to sum to n, so that dividing by n divides by sum_i s_i."""
    if sw is None or reduction != "mean":
        return sw
    return sw * (sw.shape[0] / sw.sum())


def _check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """Per-example weights s_i >= 0 with at least one non-zero (None: all ones)."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.shape != (n,):
        raise InputError(f"sample_weight has shape {sw.shape} but X has {n} examples; pass one weight per example")
    if not np.isfinite(sw).all() or (sw < 0).any():
        raise InputError("sample_weight must be finite and non-negative")
    if not sw.any():
        raise InputError("sample_weight is zero for every example; at least one weight must be non-zero")
    return sw
