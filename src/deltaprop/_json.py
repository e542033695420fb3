"""The one coercion of numpy values into plain JSON types, for model files, checkpoints and ``--json``."""

from __future__ import annotations

import numpy as np

__all__ = ["to_json", "json_default"]


def to_json(value):
    """``value`` with numpy arrays and scalars, tuples and non-string dict keys in plain JSON types.

    Arrays become (nested) lists, numpy scalars Python numbers, tuples lists, dict keys
    strings; anything else is returned as it is (``json.dumps`` judges it).

    Examples
    --------
    >>> to_json({1: (np.float32(0.5), np.arange(2))})
    {'1': [0.5, [0, 1]]}
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def json_default(value):
    """``json.dumps(..., default=json_default)``: numpy arrays and scalars as plain values.

    Raises
    ------
    TypeError
        For any other type, naming it (as ``json.dumps`` itself would).
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return to_json(value)
    raise TypeError(f"a value of type {type(value).__name__} is not JSON-serialisable")
