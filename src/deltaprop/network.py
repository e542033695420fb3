"""The feedforward network and backpropagation, as derived in the notes.

Notation (the notes' symbols, and where they live in the code):

* ``W[r, q]`` is ``w_rq``, the weight from input ``q`` of unit ``r``; row ``r`` of a layer's
  ``W`` is unit ``r``'s weight vector ``w_r``. ``W`` has shape ``(units, inputs)``.
* ``b[r]`` is unit ``r``'s bias. The notes fold the bias into ``w_r`` as the weight of a
  constant input ``u = 1``; the code keeps it apart, and ``dJ/db_r = -delta_r``.
* ``u`` is a layer's input (``X`` for the first layer, the previous layer's ``o`` after),
  ``net_r = sum_q w_rq u_rq + b_r`` and ``o_r = f(net_r)``.
* ``delta_r = -dJ/dnet_r`` with the notes' sign: for sigmoid outputs and squared error
  ``delta_l = (y_l - o_l) o_l (1 - o_l)``; for a hidden unit
  ``delta_j = f'(o_j) sum_l delta_l w_lj``.
* ``dJ/dw_rq = -delta_r u_rq``, summed over the examples: ``dJ/dW = -delta^T U``.
* ``J = sum_i J_i``, the notes' sum over examples (optionally ``sum_i s_i J_i``).

Everything is vectorised over a batch: arrays hold one example per row, so ``net`` for a
layer is ``U @ W.T + b`` with shape ``(N, units)``.

Backpropagation runs in Nielsen's two halves: :func:`deltas` (every layer's ``delta``, output
layer first) and then :func:`gradients` (``dJ/dW = -delta^T U``, ``dJ/db = -sum_i delta_i``);
:func:`backward_pass` and :meth:`Network.trace` call both. The functions here are plain: they
return new arrays and take no buffers (the trainer's in-place version is
:class:`deltaprop._kernels.Workspace`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._memory import check_network_fits
from ._validation import as_float_matrix, check_dtype, check_positive, check_sample_weight
from .activations import Activation, get_activation
from .errors import InputError, InputTypeError
from .losses import Loss, get_loss, output_delta

__all__ = [
    "Network", "LayerTrace", "forward_pass", "deltas", "gradients", "backward_pass", "network_of", "INIT_SCHEMES",
]

#: Initialisation schemes. ``"auto"`` picks by each layer's activation.
INIT_SCHEMES = ("auto", "glorot", "he", "sklearn")


@dataclass(frozen=True)
class LayerTrace:
    """What one layer computed for one example (see :meth:`Network.trace`).

    All arrays are 1-D: ``u`` has one entry per input of the layer, the others one per unit.

    Attributes
    ----------
    u : ndarray (inputs,)
        The layer's input vector u_r (the same for every unit r of a layer).
    net : ndarray (units,)
        net_r = sum_q w_rq u_q + b_r.
    o : ndarray (units,)
        o_r = f(net_r).
    delta : ndarray (units,)
        delta_r = -dJ/dnet_r, the notes' sign.
    dW : ndarray (units, inputs)
        dJ/dw_rq = -delta_r u_q.
    db : ndarray (units,)
        dJ/db_r = -delta_r.
    """

    u: np.ndarray
    net: np.ndarray
    o: np.ndarray
    delta: np.ndarray
    dW: np.ndarray
    db: np.ndarray


def forward_pass(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activations: Sequence[Activation],
    X: np.ndarray,
) -> list[np.ndarray]:
    """Outputs of every layer: ``[X, o_1, ..., o_L]``.

    Parameters
    ----------
    weights, biases : sequences of arrays, shapes ``(units, inputs)`` and ``(units,)``
    activations : one :class:`~deltaprop.activations.Activation` per layer
    X : ndarray (N, n_inputs), already validated

    Returns
    -------
    list of ndarray
        ``outs[0]`` is ``X``; ``outs[t]`` is layer t's output, shape ``(N, units_t)``.
    """
    outs = [X]
    u = X
    for W, b, f in zip(weights, biases, activations):
        net = u @ W.T + b  # net_r = sum_q w_rq u_q + b_r
        u = f.forward(net)  # o_r = f(net_r)
        outs.append(u)
    return outs


def deltas(
    weights: Sequence[np.ndarray],
    activations: Sequence[Activation],
    loss: Loss,
    outs: Sequence[np.ndarray],
    Y: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> list[np.ndarray]:
    """The first half of backpropagation: every layer's ``delta = -dJ/dnet``, output first.

    The output layer's delta is the loss's (:func:`~deltaprop.losses.output_delta`; the
    seed's ``delta_l = (y_l - o_l) o_l (1 - o_l)``); each hidden layer's follows from the
    layer above as ``delta_j = f'(o_j) sum_l delta_l w_lj``, with ``f'`` written with the
    output ``o`` (the activation record's ``grad``).

    Parameters
    ----------
    weights : per-layer ``W``, shapes ``(units, inputs)``
    activations : per-layer activations (hidden ones elementwise)
    loss : the :class:`~deltaprop.losses.Loss`
    outs : the list :func:`forward_pass` returned
    Y : ndarray (N, k), targets
    sample_weight : ndarray (N,) or None
        Weights ``s_i`` of ``J = sum_i s_i J_i``: example i's deltas are scaled by ``s_i``.

    Returns
    -------
    list of ndarray
        ``delta[t]`` of layer t, shape ``(N, units_t)``, in layer order (first hidden first).
    """
    delta = output_delta(loss, activations[-1], outs[-1], Y)  # delta_l = -dJ/dnet_l, owned by the loss
    if sample_weight is not None:
        delta = delta * sample_weight[:, None]  # for J = sum_i s_i J_i
    result = [delta]
    for t in range(len(weights) - 1, 0, -1):
        # Hidden: delta_j = f'(o_j) sum_l delta_l w_lj, and sum_l delta_l w_lj = (delta @ W)_j.
        delta = activations[t - 1].grad(outs[t]) * (delta @ weights[t])
        result.append(delta)
    return result[::-1]


def gradients(deltas: Sequence[np.ndarray], outs: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The second half of backpropagation: ``dJ/dW = -delta^T U`` and ``dJ/db = -sum_i delta_i``.

    Parameters
    ----------
    deltas : the list :func:`deltas` returned, shapes ``(N, units_t)``
    outs : the list :func:`forward_pass` returned; ``outs[t]`` is layer t's input ``U``

    Returns
    -------
    dW, db : lists of arrays shaped ``(units_t, inputs_t)`` and ``(units_t,)``
        ``dW[t][r, q] = -sum_i delta_ir u_iq`` and ``db[t][r] = -sum_i delta_ir``.
    """
    dW = [-(delta.T @ U) for delta, U in zip(deltas, outs)]  # dJ/dw_rq = -sum_i delta_ir u_iq
    db = [-delta.sum(axis=0) for delta in deltas]  # dJ/db_r = -sum_i delta_ir
    return dW, db


def backward_pass(
    weights: Sequence[np.ndarray],
    activations: Sequence[Activation],
    loss: Loss,
    outs: Sequence[np.ndarray],
    Y: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Backpropagation: ``(dW, db)``, the gradient of ``J = sum_i s_i J_i``.

    The two halves in turn: :func:`deltas`, then :func:`gradients`.

    Parameters
    ----------
    weights : per-layer ``W``, shapes ``(units, inputs)``
    activations : per-layer activations
    loss : the :class:`~deltaprop.losses.Loss`
    outs : the list :func:`forward_pass` returned
    Y : ndarray (N, k), targets
    sample_weight : ndarray (N,) or None

    Returns
    -------
    dW, db : lists of arrays shaped like the weights and biases
    """
    return gradients(deltas(weights, activations, loss, outs, Y, sample_weight), outs)


def network_of(model, *, caller: str) -> "Network":
    """The :class:`Network` of ``model``: itself, or its ``network_`` (a fitted estimator).

    Raises
    ------
    InputTypeError
        If ``model`` is neither; the message names ``caller``.
    """
    if isinstance(model, Network):
        return model
    inner = getattr(model, "network_", None)
    if isinstance(inner, Network):
        return inner
    raise InputTypeError(
        f"{caller} needs a deltaprop Network or a fitted estimator with network_, got {type(model).__name__}"
    )


class Network:
    """A feedforward network of fully connected layers, trained by backpropagation.

    With the defaults it is exactly the notes' network: sigmoid hidden and output units
    and the squared error ``J_i = 1/2 sum_l (y_l - o_l)^2``.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_inputs, hidden_1, ..., n_outputs]``; ``[d, m, k]`` is the notes' network with
        ``m`` hidden and ``k`` output units. At least two entries, all positive.
    activation : str or sequence of str, default "sigmoid"
        The hidden units' activation: one name for all hidden layers or one per hidden layer.
        See :mod:`deltaprop.activations`.
    output_activation : str, default "sigmoid"
        The output units' activation; ``"softmax"`` is allowed here only.
    loss : str, default "squared_error"
        See :mod:`deltaprop.losses`.
    seed : int, numpy.random.Generator or None
        Source of the initial weights. The same int gives bitwise the same network.
    dtype : {"float64", "float32"}
        The dtype of the parameters and of all computation.
    init : {"auto", "glorot", "he", "sklearn"}
        Weight initialisation. ``"glorot"``: uniform on ``[-a, a]`` with
        ``a = sqrt(6 / (fan_in + fan_out))`` (Glorot and Bengio 2010, eq. 16);
        ``"he"``: uniform with ``a = sqrt(6 / fan_in)`` (He et al. 2015). ``"auto"`` uses
        He for relu and leaky_relu layers and Glorot for all others; with these three the
        biases start at 0. ``"sklearn"``: scikit-learn's ``MLPClassifier`` initialisation,
        weights *and* biases uniform on ``[-a, a]`` with ``a = sqrt(k / (fan_in + fan_out))``,
        ``k = 2`` when the hidden units are logistic and 6 otherwise (scikit-learn takes k from
        the hidden activation for every layer, the output layer included; without hidden
        layers, from the output activation). Relu layers need the random biases: with zero
        biases every unit's kink starts at the origin (issue 16, benchmarks/defaults.md).

    Attributes
    ----------
    weights : list of ndarray, shapes ``(units, inputs)``
        ``weights[t][r, q]`` is w_rq of layer t. Plain arrays: assign into them freely.
    biases : list of ndarray, shapes ``(units,)``
    activations : list of Activation, one per layer (hidden..., output)

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> net = dp.Network([2, 2, 1], seed=0)
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> net.forward(X).shape
    (4, 1)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        *,
        activation: str | Sequence[str] = "sigmoid",
        output_activation: str = "sigmoid",
        loss: str = "squared_error",
        seed: int | np.random.Generator | None = None,
        dtype: str | np.dtype = "float64",
        init: str = "auto",
    ):
        check_network_fits(layer_sizes, dtype)  # before anything is allocated (issue 14, finding 5)
        sizes = self._check_sizes(layer_sizes)
        n_hidden = len(sizes) - 2
        if isinstance(activation, (str, Activation)):
            hidden = [get_activation(activation)] * n_hidden
        else:
            try:
                names = list(activation)
            except TypeError:
                raise InputTypeError(
                    f"activation must be a name such as 'sigmoid' or one name per hidden layer, got {activation!r}"
                ) from None
            if len(names) != n_hidden:
                raise InputError(
                    f"activation lists {len(names)} names but the network has {n_hidden} hidden "
                    "layers; pass one name, or one per hidden layer"
                )
            hidden = [get_activation(a) for a in names]
        for a in hidden:
            if not a.elementwise:
                raise InputError(f"{a.name!r} can only be the output activation; choose another hidden activation")
        out = get_activation(output_activation, argument="output_activation")
        if init not in INIT_SCHEMES:
            raise InputError(f"unknown init {init!r}; choose one of {', '.join(map(repr, INIT_SCHEMES))}")
        self.sizes: list[int] = sizes
        self.activations: list[Activation] = hidden + [out]
        self.loss_function: Loss = get_loss(loss)
        self.dtype: np.dtype = check_dtype(dtype)
        self.init = init
        rng = np.random.default_rng(seed)  # an int, None or a Generator (passed through)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        sklearn_k = 2.0 if self.activations[0].name == "sigmoid" else 6.0
        for fan_in, fan_out, f in zip(sizes[:-1], sizes[1:], self.activations):
            if init == "sklearn":  # scikit-learn's _init_coef: W, then b, from one bound
                bound = np.sqrt(sklearn_k / (fan_in + fan_out))
                self.weights.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(self.dtype))
                self.biases.append(rng.uniform(-bound, bound, size=fan_out).astype(self.dtype))
                continue
            scheme = init if init != "auto" else ("he" if f.name in ("relu", "leaky_relu") else "glorot")
            bound = np.sqrt(6.0 / (fan_in + fan_out)) if scheme == "glorot" else np.sqrt(6.0 / fan_in)
            self.weights.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(self.dtype))
            self.biases.append(np.zeros(fan_out, dtype=self.dtype))

    @staticmethod
    def _check_sizes(layer_sizes) -> list[int]:
        try:
            sizes = list(layer_sizes)
        except TypeError:
            raise InputTypeError(
                f"layer_sizes must be a sequence like [n_inputs, n_hidden, n_outputs], got {layer_sizes!r}"
            ) from None
        if len(sizes) < 2:
            raise InputError(
                f"layer_sizes needs at least an input and an output size, got {sizes}; e.g. [4, 8, 3]"
            )
        for i, s in enumerate(sizes):
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
                raise InputTypeError(f"layer_sizes[{i}] must be an integer, got {s!r}")
            if s <= 0:
                raise InputError(f"layer_sizes[{i}] is {s}; every layer needs at least one unit")
        return [int(s) for s in sizes]

    # ----------------------------------------------------------------- structure
    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    @property
    def n_parameters(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    @property
    def hidden_activation(self) -> str | list[str]:
        names = [f.name for f in self.activations[:-1]]
        return names[0] if len(set(names)) == 1 else names

    @property
    def output_activation(self) -> str:
        return self.activations[-1].name

    def config(self) -> dict:
        """The architecture as plain data (what a model file stores besides the arrays)."""
        return {
            "layer_sizes": list(self.sizes),
            "activation": [f.name for f in self.activations[:-1]],
            "output_activation": self.activations[-1].name,
            "loss": self.loss_function.name,
            "dtype": self.dtype.name,
            "init": self.init,
        }

    @classmethod
    def from_config(cls, config: dict, weights=None, biases=None) -> "Network":
        """Build a network from :meth:`config`, optionally setting its parameters."""
        net = cls(
            config["layer_sizes"],
            activation=config["activation"] if len(config["layer_sizes"]) > 2 else "sigmoid",
            output_activation=config["output_activation"],
            loss=config["loss"],
            dtype=config["dtype"],
            init=config.get("init", "auto"),
            seed=0,
        )
        if weights is not None:
            net.set_parameters(weights, biases)
        return net

    # ----------------------------------------------------------------- model files
    _modelfile_kind = "network"

    def _to_modelfile(self) -> tuple[dict, dict]:
        """Arrays ``weights.t`` / ``biases.t`` and the architecture, for :func:`deltaprop.save`."""
        arrays = {}
        for t, (W, b) in enumerate(zip(self.weights, self.biases)):
            arrays[f"weights.{t}"] = W
            arrays[f"biases.{t}"] = b
        return arrays, {"architecture": self.config()}

    @classmethod
    def _from_modelfile(cls, arrays: dict, meta: dict) -> "Network":
        """Rebuild a network from :meth:`_to_modelfile`'s output (shapes already checked by the loader)."""
        config = meta["architecture"]
        n_layers = len(config["layer_sizes"]) - 1
        names = [f"{kind}.{t}" for t in range(n_layers) for kind in ("weights", "biases")]
        extra = sorted(set(arrays) - set(names))
        if extra:
            raise InputError(f"a network file holds only weights and biases, but this one also has {extra}")
        weights = [arrays[f"weights.{t}"] for t in range(n_layers)]
        biases = [arrays[f"biases.{t}"] for t in range(n_layers)]
        return cls.from_config(config, weights, biases)

    def set_parameters(self, weights, biases) -> None:
        """Replace all weights and biases, checking every shape."""
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise InputError(f"expected {self.n_layers} weight and bias arrays, got {len(weights)} and {len(biases)}")
        new_w, new_b = [], []
        for t, (W, b, W0, b0) in enumerate(zip(weights, biases, self.weights, self.biases)):
            W, b = np.asarray(W), np.asarray(b)
            if W.shape != W0.shape or b.shape != b0.shape:
                raise InputError(
                    f"layer {t}: weights {W.shape} / biases {b.shape} do not match the architecture's "
                    f"{W0.shape} / {b0.shape}"
                )
            new_w.append(np.array(W, dtype=self.dtype))
            new_b.append(np.array(b, dtype=self.dtype))
        self.weights, self.biases = new_w, new_b

    def copy(self) -> "Network":
        """An independent copy of the same class (arrays copied; the immutable records shared)."""
        records = {id(f): f for f in (*self.activations, self.loss_function)}
        return copy.deepcopy(self, memo=records)

    def get_flat_parameters(self) -> np.ndarray:
        """All parameters as one vector: W_1 (row-major), b_1, W_2, b_2, ..."""
        return np.concatenate([p.ravel() for W, b in zip(self.weights, self.biases) for p in (W, b)])

    def set_flat_parameters(self, theta: np.ndarray) -> None:
        """Write a vector laid out as :meth:`get_flat_parameters` back into the arrays (in place)."""
        theta = np.asarray(theta)
        if theta.shape != (self.n_parameters,):
            raise InputError(f"theta has shape {theta.shape}; expected ({self.n_parameters},)")
        i = 0
        for W, b in zip(self.weights, self.biases):
            for p in (W, b):
                p[...] = theta[i : i + p.size].reshape(p.shape)
                i += p.size

    def __repr__(self) -> str:
        hidden = self.hidden_activation
        return (
            f"Network({self.sizes}, activation={hidden!r}, output_activation={self.output_activation!r}, "
            f"loss={self.loss_function.name!r}, dtype={self.dtype.name!r})"
        )

    # ----------------------------------------------------------------- checks
    def check_X(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a validated ``(N, n_inputs)`` array of the network's dtype."""
        return as_float_matrix(X, name=name, dtype=self.dtype, n_columns=self.n_inputs, columns_what="features")

    def check_Y(self, Y, n_examples: int, name: str = "Y") -> np.ndarray:
        """``Y`` as a validated ``(N, n_outputs)`` array; a 1-D Y is taken as one column for k = 1.

        Targets must lie in the loss's range (probabilities for the cross-entropies) and,
        for a bounded output activation (sigmoid, tanh, softmax), in the range its outputs
        can reach.
        """
        if Y is not None and np.ndim(Y) == 1 and self.n_outputs == 1:
            Y = np.reshape(Y, (-1, 1))
        Y = as_float_matrix(Y, name=name, dtype=self.dtype, n_columns=self.n_outputs, columns_what="outputs")
        if Y.shape[0] != n_examples:
            raise InputError(f"X has {n_examples} examples but {name} has {Y.shape[0]}; pass one target row per example")
        lo, hi = self.loss_function.target_range
        if lo > -np.inf and ((Y < lo).any() or (Y > hi).any()):
            raise InputError(
                f"{name} has values outside [{lo:g}, {hi:g}], which loss {self.loss_function.name!r} "
                "requires; one-hot encode labels or choose loss='squared_error'"
            )
        # A bounded output activation (sigmoid, tanh, softmax) can never reach a target
        # outside its range: squared error would push its units into the flat tails forever.
        f = self.activations[-1]
        lo, hi = f.output_range
        if np.isfinite(lo) and np.isfinite(hi) and ((Y < lo).any() or (Y > hi).any()):
            bad = Y.min() if Y.min() < lo else Y.max()
            raise InputError(
                f"{name} has values outside [{lo:g}, {hi:g}] (e.g. {bad:g}), which {f.name} outputs cannot "
                f"reach; scale the targets into [{lo:g}, {hi:g}] or choose output_activation='identity'"
            )
        return Y

    def _checked(self, X, Y, sample_weight):
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[0])
        return X, Y, check_sample_weight(sample_weight, X.shape[0], self.dtype)

    # ----------------------------------------------------------------- the math
    def forward(self, X) -> np.ndarray:
        """The network's outputs ``o``, shape ``(N, n_outputs)``, for inputs ``X`` of shape ``(N, n_inputs)``."""
        X = self.check_X(X)
        return forward_pass(self.weights, self.biases, self.activations, X)[-1]

    def loss(self, X, Y, sample_weight=None) -> float:
        """``J = sum_i J_i`` over the examples (``sum_i s_i J_i`` with sample weights).

        Parameters
        ----------
        X : array (N, n_inputs)
        Y : array (N, n_outputs); for one output a 1-D array of length N is accepted
        sample_weight : array (N,), optional

        Returns
        -------
        float
        """
        X, Y, sw = self._checked(X, Y, sample_weight)
        o = forward_pass(self.weights, self.biases, self.activations, X)[-1]
        return self._J(o, Y, sw)

    def _J(self, o: np.ndarray, Y: np.ndarray, sw: np.ndarray | None) -> float:
        Ji = self.loss_function.value(o, Y)
        return float(Ji.sum() if sw is None else Ji @ sw)

    def gradient(self, X, Y, sample_weight=None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``(dW, db)``: dJ/dW and dJ/db of ``J = sum_i J_i``, summed over the examples.

        ``dW[t][r, q] = -sum_i delta_ir u_iq`` has the shape of ``weights[t]``.
        """
        return self.loss_and_gradient(X, Y, sample_weight)[1:]

    def loss_and_gradient(self, X, Y, sample_weight=None):
        """``(J, dW, db)`` from one forward and one backward pass."""
        X, Y, sw = self._checked(X, Y, sample_weight)
        outs = forward_pass(self.weights, self.biases, self.activations, X)
        J = self._J(outs[-1], Y, sw)
        dW, db = backward_pass(self.weights, self.activations, self.loss_function, outs, Y, sw)
        return J, dW, db

    def trace(self, x, y) -> list[LayerTrace]:
        """Every quantity of the derivation for one example, layer by layer.

        Parameters
        ----------
        x : array (n_inputs,) or (1, n_inputs)
        y : array (n_outputs,) or (1, n_outputs)

        Returns
        -------
        list of LayerTrace
            One record per layer (hidden layers first, output layer last), each with
            ``u, net, o, delta`` (``delta = -dJ/dnet``) and the gradient ``dW, db``.

        Examples
        --------
        >>> import deltaprop as dp
        >>> net = dp.Network([2, 2, 1], seed=0)
        >>> [rec.delta.shape for rec in net.trace([1.0, 0.0], [1.0])]
        [(2,), (1,)]
        """
        X = self.check_X(np.reshape(np.asarray(x, dtype=self.dtype), (1, -1)) if np.ndim(x) == 1 else x, "x")
        if X.shape[0] != 1:
            raise InputError(f"trace takes one example; x has {X.shape[0]} rows. Pass x[i] for example i")
        Y = self.check_Y(np.reshape(y, (1, -1)) if np.ndim(y) <= 1 else y, 1, "y")
        outs = forward_pass(self.weights, self.biases, self.activations, X)
        ds = deltas(self.weights, self.activations, self.loss_function, outs, Y)
        dW, db = gradients(ds, outs)
        records = []
        for t, (W, b) in enumerate(zip(self.weights, self.biases)):
            u = outs[t][0]
            net = u @ W.T + b  # net_r, as forward_pass computes it
            records.append(LayerTrace(u=u, net=net, o=outs[t + 1][0], delta=ds[t][0], dW=dW[t], db=db[t]))
        return records


def gradient_descent(net: Network, X, Y, *, learning_rate: float, epochs: int, sample_weight=None) -> np.ndarray:
    """The notes' batch gradient descent: ``w <- w - eta * sum_i dJ_i/dw``, ``epochs`` times.

    Each epoch runs one forward and one backward pass over all N examples and then
    updates every weight and bias once. The network is updated in place.

    Parameters
    ----------
    net : Network
    X : array (N, n_inputs)
    Y : array (N, n_outputs)
    learning_rate : float
        eta. The gradient is the *sum* over examples, so a good eta shrinks as N grows:
        eta_sum = eta_mean / N relates it to the per-example-average convention.
    epochs : int
    sample_weight : array (N,), optional
        Weights s_i in ``J = sum_i s_i J_i``.

    Returns
    -------
    ndarray (epochs,)
        ``J`` at the start of each epoch (with the weights that epoch's gradient used).

    Raises
    ------
    DivergenceError
        If J or a weight becomes NaN or infinite; the network keeps the last finite weights.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> J = dp.gradient_descent(net, X, Y, learning_rate=2.0, epochs=100)
    >>> bool(J[-1] < J[0])
    True
    """
    from .errors import DivergenceError

    check_positive(learning_rate, name="learning_rate")
    check_positive(epochs, name="epochs", integer=True)
    X, Y, sw = net._checked(X, Y, sample_weight)
    eta = float(learning_rate)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        outs = forward_pass(net.weights, net.biases, net.activations, X)
        J = net._J(outs[-1], Y, sw)
        losses[epoch] = J
        if not np.isfinite(J):
            raise DivergenceError(
                f"the loss became {J} at epoch {epoch}; the network keeps the weights of the last finite "
                f"epoch. Use a smaller learning rate than {eta:g}",
                epoch=epoch,
            )
        dW, db = backward_pass(net.weights, net.activations, net.loss_function, outs, Y, sw)
        new_w = [W - eta * g for W, g in zip(net.weights, dW)]
        new_b = [b - eta * g for b, g in zip(net.biases, db)]
        if not all(np.isfinite(p).all() for p in new_w + new_b):
            raise DivergenceError(
                f"a weight became non-finite at epoch {epoch}; the network keeps the last finite weights. "
                f"Use a smaller learning rate than {eta:g}",
                epoch=epoch,
            )
        for W, nW, b, nb in zip(net.weights, new_w, net.biases, new_b):
            W[...] = nW  # in place: arrays the user holds stay the network's arrays
            b[...] = nb
    return losses
