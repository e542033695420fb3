"""Activation functions: one record per name, holding every facet the library uses.

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
same thing everywhere. Every other module reads the facets it needs from the record
(ONNX export, explain's formulas, the Workspace's in-place forms and compiled-loop code,
the estimators' target interval); none keeps a table of its own, so adding an activation
is one new entry in :data:`ACTIVATIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .errors import InputError, InputTypeError

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "activation_names", "LEAKY_RELU_SLOPE"]

#: Slope of the leaky ReLU for negative inputs (the common default of 0.01).
LEAKY_RELU_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """One activation function and every facet of it the library uses.

    A facet that is ``None`` means "not available for this activation"; the consumer that
    needs it raises an error naming the activation (ONNX export) or takes a plainer path
    (the Workspace's NumPy fallbacks, explain's generic formula text).

    Attributes
    ----------
    name : str
        The canonical name (the key in :data:`ACTIVATIONS`).
    forward : callable ``(net) -> o``
        ``o = f(net)`` elementwise (row-wise for softmax), a new array of ``net``'s shape.
    grad : callable ``(o) -> f'(net)`` or None
        The elementwise derivative written with the output ``o`` (the notes' ``o (1 - o)``),
        a new array. ``None`` for softmax, whose derivative is a Jacobian.
    output_range : tuple of float
        The closed interval the outputs live in, used to check targets.
    target_interval : tuple of float or None
        For a bounded output activation, the interval regression targets are scaled into
        (inside ``output_range``, away from the flat tails where ``f'`` vanishes). The
        estimators read it; ``None`` for an unbounded output (targets are used as given).
    formula : tuple of str or None
        ``f'(net)`` written with the output placeholder ``{o}``, as ``(plain text, LaTeX)``,
        for :func:`deltaprop.explain`. ``None``: explain prints the generic ``f'(net)``.
    onnx : tuple ``(operator, attributes)`` or None
        The ONNX operator computing ``f`` (:mod:`deltaprop.export`). ``None``: not exportable.
    jacobian_product : callable ``(o, g) -> g J`` or None
        For a non-elementwise activation (softmax): ``dJ/dnet`` from ``g = dJ/do``.
    inplace_forward : callable ``(a, scratch) -> a`` or None
        ``a <- f(a)`` in place, ``scratch`` a free buffer of ``a``'s shape: the trainer's
        Workspace (:mod:`deltaprop._kernels`) uses it so a step allocates nothing.
        ``None``: the Workspace assigns ``forward``'s result instead.
    inplace_backward : callable ``(o, g, scratch) -> g`` or None
        ``g <- g f'(net)`` in place (the Jacobian product for softmax), for the Workspace.
        ``None``: the Workspace assigns :meth:`backward`'s result instead.
    kernel_code : int or None
        The branch of the compiled loops in :mod:`deltaprop._numba` computing this
        activation; ``None``: no compiled form (the Workspace stays on NumPy).
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray] | None
    output_range: tuple[float, float]
    target_interval: tuple[float, float] | None = None
    formula: tuple[str, str] | None = None
    onnx: tuple[str, dict] | None = field(default=None, hash=False)  # a dict inside: not hashable
    jacobian_product: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    inplace_forward: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    inplace_backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = field(
        default=None, repr=False
    )
    kernel_code: int | None = None

    @property
    def elementwise(self) -> bool:
        """False for softmax, whose output for one unit depends on all units of the layer."""
        return self.grad is not None

    def __call__(self, net: np.ndarray) -> np.ndarray:
        return self.forward(net)

    def backward(self, o: np.ndarray, g: np.ndarray) -> np.ndarray:
        """``dJ/dnet`` from the outputs ``o`` and ``g = dJ/do`` (both ``(N, units)``), a new array.

        Elementwise: ``g * f'(net)`` with ``f'`` written with ``o``; softmax: the Jacobian
        product ``o_l (g_l - sum_j g_j o_j)``.
        """
        if self.grad is None:
            return self.jacobian_product(o, g)
        return g * self.grad(o)


# --------------------------------------------------------------------------- sigmoid
def _sigmoid(net: np.ndarray) -> np.ndarray:
    # sigma(x) = 1/(1+exp(-x)) = (1 + tanh(x/2)) / 2. The tanh form never overflows for
    # any finite x, stays within [0, 1] and is several times faster than
    # scipy.special.expit; it is accurate to a few ulps of the result. The in-place form
    # and the compiled loop (_numba.bias_act) use the same formula in the same order.
    return np.tanh(net * 0.5) * 0.5 + 0.5


def _sigmoid_grad(o: np.ndarray) -> np.ndarray:
    return o * (1.0 - o)  # do/dnet = o (1 - o), the notes' form


def _sigmoid_inplace(a: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _sigmoid_backward_inplace(o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    # g <- g * o * (1 - o), as scikit-learn writes it ("delta *= Z; delta *= 1 - Z").
    one_minus_o = np.subtract(1.0, o, out=scratch)
    g *= o
    g *= one_minus_o
    return g


# --------------------------------------------------------------------------- tanh
def _tanh_grad(o: np.ndarray) -> np.ndarray:
    return 1.0 - o * o


def _tanh_inplace(a: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    return np.tanh(a, out=a)


def _tanh_backward_inplace(o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    d = np.multiply(o, o, out=scratch)  # g <- g (1 - o^2)
    np.subtract(1.0, d, out=d)
    g *= d
    return g


# --------------------------------------------------------------------------- relu
def _relu(net: np.ndarray) -> np.ndarray:
    return np.maximum(net, 0)


def _relu_grad(o: np.ndarray) -> np.ndarray:
    return (o > 0).astype(o.dtype)


def _relu_inplace(a: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0, out=a)


def _relu_backward_inplace(o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    # g <- g [o > 0], a product with the 0/1 mask (a NaN in g stays NaN, so divergence shows).
    g *= np.greater(o, 0, out=scratch)
    return g


# --------------------------------------------------------------------------- leaky relu
def _leaky_relu(net: np.ndarray) -> np.ndarray:
    # max(x, a x) equals x for x > 0 and a x otherwise, since 0 < a < 1.
    return np.maximum(net, net * LEAKY_RELU_SLOPE)


def _leaky_relu_grad(o: np.ndarray) -> np.ndarray:
    # o > 0 exactly when net > 0, so the output decides the slope.
    return np.where(o > 0, 1.0, LEAKY_RELU_SLOPE).astype(o.dtype)


def _leaky_relu_inplace(a: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    return np.maximum(a, np.multiply(a, LEAKY_RELU_SLOPE, out=scratch), out=a)


def _leaky_relu_backward_inplace(o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    # g <- g * (1 if o > 0 else a), computed as a + (1 - a) [o > 0]
    d = np.greater(o, 0, out=scratch)
    d *= 1.0 - LEAKY_RELU_SLOPE
    d += LEAKY_RELU_SLOPE
    g *= d
    return g


# --------------------------------------------------------------------------- identity
def _identity(net: np.ndarray) -> np.ndarray:
    return net.copy()


def _identity_grad(o: np.ndarray) -> np.ndarray:
    return np.ones_like(o)


def _identity_inplace(a: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    return a


def _identity_backward_inplace(o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    return g


# --------------------------------------------------------------------------- softmax
def _softmax(net: np.ndarray) -> np.ndarray:
    # Subtracting the row maximum leaves softmax unchanged and keeps exp() <= 1,
    # so no input overflows.
    e = np.exp(net - net.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_jacobian_product(o: np.ndarray, g: np.ndarray) -> np.ndarray:
    # Vector-Jacobian product with J = diag(o) - o o^T:
    # (dJ/dnet)_l = o_l (g_l - sum_j g_j o_j).
    return o * (g - np.einsum("ij,ij->i", g, o)[:, None])


def _softmax_inplace(a: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    col = scratch[:, :1]  # one column of the scratch buffer holds the row maxima, then sums
    np.max(a, axis=1, keepdims=True, out=col)
    a -= col
    np.exp(a, out=a)
    np.sum(a, axis=1, keepdims=True, out=col)
    a /= col
    return a


def _softmax_backward_inplace(o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    # g <- o_l (g_l - sum_j g_j o_j), the Jacobian product; the sums go into scratch's first column.
    np.einsum("ij,ij->i", g, o, out=scratch[:, 0])
    g -= scratch[:, :1]
    g *= o
    return g


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid", _sigmoid, _sigmoid_grad, (0.0, 1.0), target_interval=(0.1, 0.9),
            formula=("{o} (1 - {o})", r"{o}(1 - {o})"), onnx=("Sigmoid", {}),
            inplace_forward=_sigmoid_inplace, inplace_backward=_sigmoid_backward_inplace, kernel_code=0,
        ),
        Activation(
            "tanh", np.tanh, _tanh_grad, (-1.0, 1.0), target_interval=(-0.8, 0.8),
            formula=("(1 - {o}^2)", r"(1 - {o}^2)"), onnx=("Tanh", {}),
            inplace_forward=_tanh_inplace, inplace_backward=_tanh_backward_inplace, kernel_code=1,
        ),
        Activation(
            "relu", _relu, _relu_grad, (0.0, np.inf),
            formula=("[{o} > 0]", r"[{o} > 0]"), onnx=("Relu", {}),
            inplace_forward=_relu_inplace, inplace_backward=_relu_backward_inplace, kernel_code=2,
        ),
        Activation(
            "leaky_relu", _leaky_relu, _leaky_relu_grad, (-np.inf, np.inf),
            formula=(f"(1 if {{o}} > 0 else {LEAKY_RELU_SLOPE:g})",
                     rf"(1 \mbox{{ if }} {{o}} > 0 \mbox{{ else }} {LEAKY_RELU_SLOPE:g})"),
            onnx=("LeakyRelu", {"alpha": LEAKY_RELU_SLOPE}),
            inplace_forward=_leaky_relu_inplace, inplace_backward=_leaky_relu_backward_inplace, kernel_code=3,
        ),
        Activation(
            "identity", _identity, _identity_grad, (-np.inf, np.inf),
            formula=("1", "1"), onnx=("Identity", {}),
            inplace_forward=_identity_inplace, inplace_backward=_identity_backward_inplace, kernel_code=4,
        ),
        Activation(
            "softmax", _softmax, None, (0.0, 1.0),
            onnx=("Softmax", {"axis": -1}), jacobian_product=_softmax_jacobian_product,
            inplace_forward=_softmax_inplace, inplace_backward=_softmax_backward_inplace, kernel_code=5,
        ),
    )
}  # fmt: skip

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
