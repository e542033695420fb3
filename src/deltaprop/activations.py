"""Activation functions, each with its derivative written in terms of its output.

The derivation in the notes uses the sigmoid and its derivative in the form
``d o / d net = o (1 - o)``: the derivative is a function of the unit's output ``o``,
not of ``net``. Every activation here follows that pattern, so backpropagation never
needs to keep ``net`` around:

=========== ============================== ===========================
name        o = f(net)                     f'(net) written with o
=========== ============================== ===========================
sigmoid     1 / (1 + exp(-net))            o (1 - o)
tanh        tanh(net)                      1 - o^2
relu        max(0, net)                    1 if o > 0 else 0
leaky_relu  net if net > 0 else a * net    1 if o > 0 else a
identity    net                            1
softmax     exp(net_l) / sum exp(net)      Jacobian diag(o) - o o^T
=========== ============================== ===========================

The table :data:`ACTIVATIONS` maps each name (and the aliases ``logistic`` and
``linear`` used by scikit-learn and R's neuralnet) to its :class:`Activation`. The API,
the estimators, the CLI and the model file all look names up here, so a name means the
same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import InputError, InputTypeError

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "activation_names", "LEAKY_RELU_SLOPE"]

#: Slope of the leaky ReLU for negative inputs (the common default of 0.01).
LEAKY_RELU_SLOPE = 0.01


def _sigmoid(net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # sigma(x) = 1/(1+exp(-x)) = (1 + tanh(x/2)) / 2. The tanh form never overflows for
    # any finite x, stays within [0, 1] and is several times faster than
    # scipy.special.expit; it is accurate to a few ulps of the result.
    out = np.multiply(net, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _sigmoid_grad(o: np.ndarray) -> np.ndarray:
    # do/dnet = o (1 - o), the notes' form.
    return o * (1.0 - o)


def _scratch(o: np.ndarray, scratch: np.ndarray | None) -> np.ndarray:
    # The trainer's step passes a preallocated buffer of o's shape; other callers get a fresh one.
    return np.empty_like(o) if scratch is None else scratch


def _sigmoid_backward(o: np.ndarray, g: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    # In place on g: g <- g * o * (1 - o), the notes' o(1-o) ("delta *= Z; delta *= 1 - Z").
    one_minus_o = np.subtract(1.0, o, out=_scratch(o, scratch))
    g *= o
    g *= one_minus_o
    return g


def _tanh(net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.tanh(net, out=out)


def _tanh_grad(o: np.ndarray) -> np.ndarray:
    return 1.0 - o * o


def _tanh_backward(o: np.ndarray, g: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    # g <- g (1 - o^2)
    d = np.multiply(o, o, out=_scratch(o, scratch))
    np.subtract(1.0, d, out=d)
    g *= d
    return g


def _relu(net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.maximum(net, 0, out=out)


def _relu_grad(o: np.ndarray) -> np.ndarray:
    return (o > 0).astype(o.dtype)


def _relu_backward(o: np.ndarray, g: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    # g <- g [o > 0], a product with the 0/1 mask (a NaN in g stays NaN, so divergence shows).
    g *= np.greater(o, 0, out=_scratch(o, scratch))
    return g


def _leaky_relu(net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # max(x, a x) equals x for x > 0 and a x otherwise, since 0 < a < 1.
    return np.maximum(net, net * LEAKY_RELU_SLOPE, out=out)


def _leaky_relu_grad(o: np.ndarray) -> np.ndarray:
    # o > 0 exactly when net > 0, so the output decides the slope.
    return np.where(o > 0, 1.0, LEAKY_RELU_SLOPE).astype(o.dtype)


def _leaky_relu_backward(o: np.ndarray, g: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    # g <- g * (1 if o > 0 else a), computed as a + (1 - a) [o > 0]
    d = np.greater(o, 0, out=_scratch(o, scratch))
    d *= 1.0 - LEAKY_RELU_SLOPE
    d += LEAKY_RELU_SLOPE
    g *= d
    return g


def _identity(net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return net.copy()
    out[...] = net
    return out


def _identity_grad(o: np.ndarray) -> np.ndarray:
    return np.ones_like(o)


def _identity_backward(o: np.ndarray, g: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    return g


def _softmax(net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # Subtracting the row maximum leaves softmax unchanged and keeps exp() <= 1,
    # so no input overflows.
    out = np.subtract(net, net.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def _softmax_backward(o: np.ndarray, g: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    # Vector-Jacobian product with J = diag(o) - o o^T:
    # (dJ/dnet)_l = o_l (g_l - sum_j g_j o_j).
    s = np.einsum("ij,ij->i", g, o)[:, None]
    g -= s
    g *= o
    return g


@dataclass(frozen=True)
class Activation:
    """One activation function of the table.

    Attributes
    ----------
    name : str
        The canonical name (the key in :data:`ACTIVATIONS`).
    forward : callable ``(net, out=None) -> o``
        Computes ``o = f(net)`` elementwise (row-wise for softmax); ``out`` may be ``net``.
    grad : callable ``(o) -> f'(net)`` or None
        The elementwise derivative written in terms of the output ``o``. ``None`` for
        softmax, whose derivative is a Jacobian, not elementwise.
    backward : callable ``(o, g, scratch=None) -> g * f'(net)``
        Multiplies an upstream gradient ``g = dJ/do`` by the local derivative, in place
        on ``g``, giving ``dJ/dnet``. For softmax this is the Jacobian-vector product.
    output_range : tuple of float
        The closed interval the outputs live in, used to check targets.
    elementwise : bool
        False for softmax, whose output for one unit depends on all units of the layer.
    """

    name: str
    forward: Callable[..., np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray] | None
    backward: Callable[..., np.ndarray]
    output_range: tuple[float, float]
    elementwise: bool = True

    def __call__(self, net: np.ndarray) -> np.ndarray:
        return self.forward(net)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_grad, _sigmoid_backward, (0.0, 1.0)),
    "tanh": Activation("tanh", _tanh, _tanh_grad, _tanh_backward, (-1.0, 1.0)),
    "relu": Activation("relu", _relu, _relu_grad, _relu_backward, (0.0, np.inf)),
    "leaky_relu": Activation(
        "leaky_relu", _leaky_relu, _leaky_relu_grad, _leaky_relu_backward, (-np.inf, np.inf)
    ),
    "identity": Activation("identity", _identity, _identity_grad, _identity_backward, (-np.inf, np.inf)),
    "softmax": Activation("softmax", _softmax, None, _softmax_backward, (0.0, 1.0), elementwise=False),
}

#: Other spellings accepted for the same functions (scikit-learn, R neuralnet, Keras).
ALIASES: dict[str, str] = {"logistic": "sigmoid", "linear": "identity", "leakyrelu": "leaky_relu"}


def activation_names() -> list[str]:
    """The canonical activation names, in table order."""
    return list(ACTIVATIONS)


def get_activation(name: str | Activation, *, argument: str = "activation") -> Activation:
    """Look an activation up by name (or alias); raise an InputError (a ValueError) listing valid names.

    Examples
    --------
    >>> get_activation("logistic").name
    'sigmoid'
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise InputTypeError(f"{argument} must be a name such as 'sigmoid', got {type(name).__name__}")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        valid = ", ".join(repr(n) for n in ACTIVATIONS)
        raise InputError(f"unknown {argument} {name!r}; choose one of {valid}")
    return ACTIVATIONS[key]
