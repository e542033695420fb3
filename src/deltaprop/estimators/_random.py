"""``random_state`` as a numpy Generator: the estimators' one source of randomness.

Imports nothing of deltaprop's but the errors, so that any layer may use it.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import InputTypeError

__all__ = ["_generator", "_int_seed"]


def _generator(random_state) -> np.random.Generator:
    """``random_state`` (None, int, Generator or RandomState) as a numpy Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**32, dtype=np.uint64))
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    raise InputTypeError(f"random_state must be None, an int or a numpy Generator, got {random_state!r}")


def _int_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))
