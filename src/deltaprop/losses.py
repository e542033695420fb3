"""Losses, each owning the output-layer delta.

For one example the notes define ``J = 1/2 sum_l (y_l - o_l)^2`` and derive

    dJ/dnet_l = dJ/do_l * do_l/dnet_l = -(y_l - o_l) o_l (1 - o_l) = -delta_l.

A :class:`Loss` gives ``J_i`` per example and ``dJ/do``; :func:`output_delta` applies the
chain rule through any output activation to get ``delta = -dJ/dnet`` with the notes'
sign. For the three canonical loss/activation pairs the product collapses to
``delta = y - o`` and that shortcut is used (see :data:`CANONICAL`).

=====================  ==========================================  =============================
name                   J_i                                         dJ/do_l
=====================  ==========================================  =============================
squared_error          1/2 sum_l (y_l - o_l)^2                     -(y_l - o_l)
binary_cross_entropy   -sum_l [y_l log o_l + (1-y_l) log(1-o_l)]   (o_l - y_l) / (o_l (1 - o_l))
cross_entropy          -sum_l y_l log o_l                          -y_l / o_l
=====================  ==========================================  =============================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .activations import Activation
from .errors import InputError, InputTypeError

__all__ = ["Loss", "LOSSES", "CANONICAL", "get_loss", "loss_names", "output_delta"]


def _clip(o: np.ndarray) -> np.ndarray:
    # log(0) is -inf; keep probabilities a few ulps away from 0 and 1.
    eps = np.finfo(o.dtype).eps
    return np.clip(o, eps, 1 - eps)


def _se_value(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = y - o
    return 0.5 * np.einsum("ij,ij->i", r, r)


def _se_grad(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    return o - y  # = -(y - o)


def _bce_value(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = _clip(o)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p)).sum(axis=1)


def _bce_grad(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = _clip(o)
    return (p - y) / (p * (1 - p))


def _ce_value(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(y * np.log(_clip(o))).sum(axis=1)


def _ce_grad(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -y / _clip(o)


@dataclass(frozen=True)
class Loss:
    """One loss and every facet of it the library uses.

    Attributes
    ----------
    name : str
        The canonical name (the key in :data:`LOSSES`).
    value : callable ``(o, y) -> J_i``
        The loss of each example, shape ``(N,)``, from outputs and targets ``(N, k)``.
    grad : callable ``(o, y) -> dJ_i/do``
        The derivative with respect to the outputs, shape ``(N, k)``.
    target_range : tuple of float
        Targets must lie in this interval (cross-entropies need probabilities).
    formula : tuple of str
        ``J_i`` as ``(plain text, LaTeX)``, for :func:`deltaprop.explain`.
    canonical_activation : str or None
        The output activation whose pairing with this loss is canonical: the chain-rule
        product ``dJ/do * f'(net)`` collapses to ``o - y`` (see :data:`CANONICAL`).
    kernel_outputs : mapping of str to int
        Output activations for which the Workspace has a fused output step, and the code
        the compiled loop (:func:`deltaprop._numba.output_step`) knows the pair by. An
        activation not listed takes the general rule in NumPy.
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    target_range: tuple[float, float]
    formula: tuple[str, str]
    canonical_activation: str | None = None
    kernel_outputs: Mapping[str, int] = field(default_factory=dict, hash=False)  # a dict: not hashable


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "squared_error", _se_value, _se_grad, (-np.inf, np.inf),
            formula=("1/2 sum_l (y_l - o_l)^2", r"\frac{1}{2} \sum_l (y_l - o_l)^2"),
            canonical_activation="identity", kernel_outputs={"sigmoid": 1, "identity": 2},
        ),
        Loss(
            "binary_cross_entropy", _bce_value, _bce_grad, (0.0, 1.0),
            formula=("-sum_l [y_l log o_l + (1 - y_l) log(1 - o_l)]",
                     r"-\sum_l [y_l \log o_l + (1 - y_l) \log(1 - o_l)]"),
            canonical_activation="sigmoid", kernel_outputs={"sigmoid": 3},
        ),
        Loss(
            "cross_entropy", _ce_value, _ce_grad, (0.0, 1.0),
            formula=("-sum_l y_l log o_l", r"-\sum_l y_l \log o_l"),
            canonical_activation="softmax", kernel_outputs={"softmax": 0},
        ),
    )
}  # fmt: skip

ALIASES: dict[str, str] = {
    "squared": "squared_error",
    "sse": "squared_error",
    "quadratic": "squared_error",
    "bce": "binary_cross_entropy",
    "log_loss": "binary_cross_entropy",
    "categorical_cross_entropy": "cross_entropy",
    "ce": "cross_entropy",
}

#: Loss/output-activation pairs whose chain-rule product dJ/do * f'(net) is exactly o - y
#: (each loss record's ``canonical_activation``):
#: - identity + squared_error: dJ/do = o - y and f' = 1.
#: - sigmoid + binary_cross_entropy: (o - y) / (o (1 - o)) times o (1 - o).
#: - softmax + cross_entropy: o_l (g_l - sum_j g_j o_j) with g = -y/o gives
#:   -y_l + o_l sum_j y_j, which is o_l - y_l when each row of y sums to 1 (one-hot
#:   labels); the general form is used so soft targets stay exact too.
#: The shortcut is exact, cheaper, and avoids dividing by outputs that round to 0 or 1.
CANONICAL: frozenset[tuple[str, str]] = frozenset(
    (loss.canonical_activation, loss.name) for loss in LOSSES.values() if loss.canonical_activation
)


def loss_names() -> list[str]:
    """The canonical loss names, in table order."""
    return list(LOSSES)


def get_loss(name: str | Loss, *, argument: str = "loss") -> Loss:
    """Look a loss up by name (or alias); raise an InputError (a ValueError) listing valid names.

    Examples
    --------
    >>> get_loss("sse").name
    'squared_error'
    """
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise InputTypeError(f"{argument} must be a name such as 'squared_error', got {type(name).__name__}")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in LOSSES:
        valid = ", ".join(repr(n) for n in LOSSES)
        raise InputError(f"unknown {argument} {name!r}; choose one of {valid}")
    return LOSSES[key]


def output_delta(loss: Loss, activation: Activation, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The output deltas ``delta_l = -dJ/dnet_l`` (the notes' sign), shape ``(N, k)``.

    The general rule is ``delta = -dJ/do * f'(net)`` with ``f'`` written with ``o``; for the
    seed's squared error (``-dJ/do = y - o``) and sigmoid (``f' = o (1 - o)``) it is the
    notes' ``delta_l = (y_l - o_l) o_l (1 - o_l)``. Canonical pairs (:data:`CANONICAL`)
    take the exact shortcut ``y - o``.

    Parameters
    ----------
    loss, activation : the records of the loss and the output activation
    o, y : ndarray (N, k), the outputs and the targets

    Returns
    -------
    ndarray (N, k), a new array

    Examples
    --------
    >>> import numpy as np
    >>> from deltaprop.activations import get_activation
    >>> o, y = np.array([[0.75]]), np.array([[1.0]])
    >>> output_delta(get_loss("squared_error"), get_activation("sigmoid"), o, y)
    array([[0.046875]])
    """
    if activation.name == loss.canonical_activation:
        # Canonical pair: dJ/do * f'(net) collapses to o - y (see CANONICAL). For softmax the
        # general form o sum_j y_j - y keeps soft targets (rows not summing to 1) exact.
        return y - o * y.sum(axis=1, keepdims=True) if not activation.elementwise else y - o
    if not activation.elementwise:  # softmax with another loss: the Jacobian product
        return -activation.jacobian_product(o, loss.grad(o, y))
    if loss.name == "squared_error":
        # The notes' Observation 2: -dJ/do_l = y_l - o_l, so with sigmoid units
        # (grad(o) = o (1 - o)) this line is delta_l = (y_l - o_l) o_l (1 - o_l).
        return (y - o) * activation.grad(o)
    return -loss.grad(o, y) * activation.grad(o)  # the general rule, -dJ/do * f'(net)
