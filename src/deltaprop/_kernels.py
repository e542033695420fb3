"""The trainer's inner step: loss and summed gradient of one batch into reusable buffers.

:class:`Workspace` is the one place the hot loop spends its time, so it reuses buffers and
works in place (STYLE principle 9); what it computes is exactly
:func:`deltaprop.network.backward_pass` on the batch, which ``tests/test_kernels.py`` checks
for every activation, loss, dtype and batch size.

How it stays fast (measured in ``benchmarks/``):

* Every array a step touches is allocated once per fit: per layer the outputs ``o`` and
  ``g = dJ/dnet = -delta`` (``batch_size`` rows; a smaller last batch uses views of them) and
  the gradient ``dW, db``. A step allocates nothing of the batch's or the weights' size.
* All GEMMs go through NumPy's ``matmul(..., out=...)``, one BLAS and one thread pool
  (mixing in ``scipy.linalg.blas`` brings a second OpenBLAS pool that fights the first).
* The code keeps ``g = -delta`` rather than ``delta``, so ``dJ/dW = g^T U`` needs no negation.
* The output layer's ``g`` and the batch loss ``J`` come from one fused computation for the
  common loss/activation pairs (see :meth:`Workspace._output`).
* :meth:`Workspace.sgd_step` fuses the gradient with the plain gradient-descent update
  ``w <- w - eta dJ/dw``: ``eta`` scales the small delta matrix before the weight-gradient
  GEMM, and each layer is updated as soon as the deltas below it are known.
* With Numba installed (the ``fast`` extra) small networks run the elementwise parts of a
  step (bias, activation, output delta and loss, derivative, bias update) as a few compiled
  loops instead of thirty-odd ufunc calls (:mod:`deltaprop._numba`). Larger ones take a
  *mixed* step: compiled where the loop vectorises (derivatives, bias sums, relu-like
  units, a small softmax output), NumPy's SIMD ``tanh`` and ``exp`` for sigmoid, tanh and
  softmax layers (see :data:`MIXED_SOFTMAX_UNITS`).

Everything per activation and per loss comes from their records: the in-place forms
(``Activation.inplace_forward`` / ``inplace_backward``, with a fallback to the pure
``forward`` / ``backward`` for a record without them), the compiled-loop codes
(``Activation.kernel_code``, ``Loss.kernel_outputs``). The core's signatures carry no buffers;
the buffers live here.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from .activations import ACTIVATIONS
from .network import Network

__all__ = ["Workspace", "COMPILED_MAX_ELEMENTS", "flat_views"]

#: With ``compiled=None`` the Numba path is taken when ``batch_size * (hidden + output
#: units)`` is at most this (Nielsen's 784-30-10 with batches of 10 has 400).
COMPILED_MAX_ELEMENTS = 4096
#: A one-hidden-layer network whose output layer has at most this many weights runs all of
#: a compiled step but the two GEMMs with the input in one call (``_numba.small_output_layer``).
SMALL_OUTPUT_WEIGHTS = 4096
#: Beyond ``COMPILED_MAX_ELEMENTS`` (``compiled=None``) a step is *mixed*: the loops that
#: LLVM vectorises are compiled at any size (activation derivatives, bias sums, and relu,
#: leaky relu and identity units: one pass where NumPy takes two or three, 5 against 10 us
#: for 128 x 256 sigmoid derivatives, 47 against 167 us for 256 x 1024 relu units), while
#: sigmoid, tanh and softmax layers stay on NumPy's SIMD tanh and exp (the compiled ones
#: call libm once per entry: 275 against 26 us for 128 x 256 sigmoid units), except an
#: output layer of at most this many softmax units, whose per-row reductions NumPy does
#: slowly (softmax + cross-entropy over 128 x 10: 15 against 34 us; over 256 x 32 NumPy
#: wins), or of at most ``MIXED_OUTPUT_ELEMENTS`` outputs per batch, where NumPy's ten-odd
#: calls cost more than the scalar loop (sigmoid + log-loss over 256 x 1: 5 against 16 us).
#: ``benchmarks/e2_parts.py`` measures them.
MIXED_SOFTMAX_UNITS = 16
MIXED_OUTPUT_ELEMENTS = 1024

_VECTORISED_CODES = frozenset(ACTIVATIONS[n].kernel_code for n in ("relu", "leaky_relu", "identity"))


def _mixed_compiles(code: int, batch_size: int, units: int, output: bool) -> bool:
    """Whether a mixed step compiles a layer's bias and activation (see MIXED_SOFTMAX_UNITS)."""
    if code in _VECTORISED_CODES:
        return True
    return output and (batch_size * units <= MIXED_OUTPUT_ELEMENTS
                       or (code == ACTIVATIONS["softmax"].kernel_code and units <= MIXED_SOFTMAX_UNITS))


def numba_available() -> bool:
    """Whether Numba is installed (the ``fast`` extra), without importing it."""
    return importlib.util.find_spec("numba") is not None


def flat_views(flat: np.ndarray, weights: list, biases: list, name: str) -> tuple[list, list]:
    """Views of the vector ``flat`` shaped like ``weights`` and then ``biases`` (one layout for
    the stepper's parameters, gradient and optimizer state).

    Raises
    ------
    InputError
        When ``flat`` is not a contiguous vector of the arrays' dtype and total size.
    """
    arrays = list(weights) + list(biases)
    n = sum(a.size for a in arrays)
    if flat.shape != (n,) or flat.dtype != arrays[0].dtype or not flat.flags.c_contiguous:
        from .errors import InputError

        raise InputError(f"{name} must be a contiguous vector of {n} {arrays[0].dtype} elements "
                         f"(the network's parameters), got shape {flat.shape} of {flat.dtype}")
    views, offset = [], 0
    for a in arrays:
        views.append(flat[offset:offset + a.size].reshape(a.shape))
        offset += a.size
    return views[:len(weights)], views[len(weights):]


class _Views:
    """The buffers cut to a batch of ``n`` rows (one set for a full batch, one for the last)."""

    __slots__ = ("n", "o", "g", "scratch", "col")

    def __init__(self, ws: "Workspace", n: int):
        self.n = n
        self.o = [a[:n] for a in ws._o]
        self.g = [a[:n] for a in ws._g]
        self.scratch = [a[:n] for a in ws._scratch]
        self.col = ws._col[:n]


class Workspace:
    """Buffers for the loss and summed gradient of batches of up to ``batch_size`` examples.

    Parameters
    ----------
    net : Network
        The network whose weights the step reads (they may change between calls, in
        place or by assignment to ``net.weights[t]``).
    batch_size : int
        The largest batch that will be passed.
    grads : ndarray or None
        A vector of ``net.n_parameters`` elements in the network's dtype to hold the gradient:
        :attr:`dW` and :attr:`db` are then views of it, all weights first and then all biases,
        each row-major (the stepper's flat layout, so its optimizer reads the gradient
        without a copy). None: arrays of their own.
    compiled : bool or None
        Use the Numba loops of :mod:`deltaprop._numba` for the elementwise parts of a step
        (``None``: when Numba is installed and the network is covered, every part for small
        layers (:data:`COMPILED_MAX_ELEMENTS`), else the parts that are faster compiled at
        any size, see :data:`MIXED_SOFTMAX_UNITS`; ``False``: NumPy only). The paths compute
        the same numbers up to rounding.

    Attributes
    ----------
    dW, db : lists of ndarray
        After :meth:`loss_and_gradient`, dJ/dW and dJ/db summed over the batch, shaped like
        ``net.weights`` / ``net.biases``. Overwritten by the next call.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> from deltaprop._kernels import Workspace
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> ws = Workspace(net, batch_size=4)
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> J = ws.loss_and_gradient(X, Y)
    >>> bool(np.allclose(ws.dW[0], net.gradient(X, Y)[0][0]))
    True
    """

    def __init__(self, net: Network, batch_size: int, *, grads: np.ndarray | None = None,
                 compiled: bool | None = None):
        self.net = net
        self.batch_size = B = int(batch_size)
        dt = net.dtype
        if grads is None:
            self.dW = [np.zeros_like(W) for W in net.weights]
            self.db = [np.zeros_like(b) for b in net.biases]
        else:
            self.dW, self.db = flat_views(grads, net.weights, net.biases, "grads")
        units = net.sizes[1:]
        self._o = [np.empty((B, m), dtype=dt) for m in units]  # o_t, layer t's output
        self._g = [np.empty((B, m), dtype=dt) for m in units]  # g_t = dJ/dnet_t = -delta_t
        self._scratch = [np.empty((B, m), dtype=dt) for m in units]
        self._col = np.empty((B, 1), dtype=dt)
        self._views: dict[int, _Views] = {}
        acts = net.activations
        loss = net.loss_function
        self._output_kind = self._output_kind_of(acts[-1].name, loss.name)
        self._out_code = loss.kernel_outputs.get(acts[-1].name)
        self._codes = [f.kernel_code for f in acts]
        supported = self._out_code is not None and None not in self._codes and numba_available()
        mixed = False
        if compiled is None:
            # Small layers: every part compiled (a NumPy call costs about a microsecond, the
            # compiled transcendental loops are scalar); larger ones: mixed (see MIXED_SOFTMAX_UNITS).
            compiled = supported and B * sum(units) <= COMPILED_MAX_ELEMENTS
            mixed = supported and not compiled
        elif compiled and not supported:
            from .losses import LOSSES
            from .errors import InputError

            names = [n for n, f in ACTIVATIONS.items() if f.kernel_code is not None]
            pairs = [f"{a} + {n}" for n, lo in LOSSES.items() for a in lo.kernel_outputs]
            raise InputError(
                "the compiled step needs Numba (pip install 'deltaprop[fast]') and covers "
                f"{', '.join(names)} units with {', '.join(pairs)} outputs; "
                "pass compiled=None to fall back to NumPy"
            )
        self.compiled = bool(compiled)  # every elementwise part compiled
        # Per part: layer t's bias and activation, the output step (delta and loss, with
        # the output layer), and the derivatives and bias sums of the backward pass.
        self._act_compiled = [self.compiled or (mixed and _mixed_compiles(code, B, m, t == len(units) - 1))
                              for t, (code, m) in enumerate(zip(self._codes, units))]
        self._out_compiled = self._act_compiled[-1]
        self._back_compiled = self.compiled or mixed
        if self._back_compiled:
            from . import _numba  # imports Numba (slow), so only here

            self._nb = _numba
            self._no_weights = np.empty(0, dtype=dt)
            self._eps = float(np.finfo(dt).eps)
        self._small_output = self.compiled and net.n_layers == 2 and net.weights[1].size <= SMALL_OUTPUT_WEIGHTS

    @staticmethod
    def _output_kind_of(activation: str, loss: str) -> str:
        return {
            ("softmax", "cross_entropy"): "softmax_ce",
            ("sigmoid", "binary_cross_entropy"): "sigmoid_bce",
            ("identity", "squared_error"): "identity_se",
            ("sigmoid", "squared_error"): "sigmoid_se",
        }.get((activation, loss), "general")

    def _views_for(self, n: int) -> _Views:
        v = self._views.get(n)
        if v is None:
            if n > self.batch_size:
                from .errors import InputError

                raise InputError(
                    f"the batch has {n} examples but the workspace holds {self.batch_size}; "
                    "make the Workspace with the largest batch size"
                )
            v = self._views[n] = _Views(self, n)
        return v

    # ------------------------------------------------------------------ forward
    def _forward(self, X: np.ndarray, v: _Views) -> None:
        net = self.net
        u = X
        for t, (W, b, f, o) in enumerate(zip(net.weights, net.biases, net.activations, v.o)):
            np.matmul(u, W.T, out=o)  # net_r = sum_q w_rq u_q ...
            if self._act_compiled[t]:
                self._nb.bias_act(o, b, self._codes[t])  # ... + b_r, o_r = f(net_r)
                u = o
                continue
            o += b  # ... + b_r
            if f.inplace_forward is not None:
                f.inplace_forward(o, v.scratch[t])  # o_r = f(net_r), in place
            else:
                o[...] = f.forward(o)  # a record without an in-place form
            u = o

    # ------------------------------------------------------------------ output layer
    def _output(self, Y: np.ndarray, sw: np.ndarray | None, v: _Views) -> float:
        """``g_L = dJ/dnet_L`` (weighted by ``sw``) into ``v.g[-1]``; returns J."""
        o, g, tmp = v.o[-1], v.g[-1], v.scratch[-1]
        if self._out_compiled:
            weighted = sw is not None
            return self._nb.output_step(
                o, Y, sw if weighted else self._no_weights, weighted, g, self._out_code, self._eps
            )
        kind = self._output_kind
        f_out, loss = self.net.activations[-1], self.net.loss_function
        if kind == "softmax_ce":
            # g = o sum_j y_j - y (= o - y for one-hot rows; see losses.CANONICAL);
            # J_i = -sum_l y_l log o_l with o clipped away from 0 as the loss does.
            np.sum(Y, axis=1, keepdims=True, out=v.col)
            np.multiply(o, v.col, out=g)
            g -= Y
            eps = np.finfo(o.dtype).eps
            np.clip(o, eps, 1 - eps, out=tmp)
            np.log(tmp, out=tmp)
            tmp *= Y
            J = -self._weighted_sum(tmp, sw, v)
        elif kind in ("identity_se", "sigmoid_se"):
            np.subtract(o, Y, out=g)  # dJ/do = o - y
            J = 0.5 * self._weighted_sum_of_squares(g, sw, v)
            if kind == "sigmoid_se":
                self._backward_inplace(f_out, o, g, tmp)  # g = (o - y) o (1 - o) = -delta, the notes' delta
        elif kind == "sigmoid_bce":
            np.subtract(o, Y, out=g)  # canonical: dJ/dnet = o - y
            eps = np.finfo(o.dtype).eps
            # J_i = -sum_l [y log p + (1 - y) log(1 - p)], p = o clipped as the loss does.
            p = np.clip(o, eps, 1 - eps, out=tmp)
            Ji = loss.value(p, Y)
            J = float(Ji.sum() if sw is None else Ji @ sw)
        else:
            J = self.net._J(o, Y, sw)
            g[...] = loss.grad(o, Y)  # dJ/do
            self._backward_inplace(f_out, o, g, tmp)  # dJ/dnet through the output activation
        if sw is not None:
            g *= sw[:, None]  # dJ/dnet for J = sum_i s_i J_i
        return J

    @staticmethod
    def _weighted_sum(a: np.ndarray, sw, v: _Views) -> float:
        if sw is None:
            return float(a.sum())
        np.sum(a, axis=1, keepdims=True, out=v.col)
        return float(v.col[:, 0] @ sw)

    @staticmethod
    def _weighted_sum_of_squares(r: np.ndarray, sw, v: _Views) -> float:
        if sw is None:
            flat = r.reshape(-1)
            return float(flat @ flat)
        return float(np.einsum("ij,ij,i->", r, r, sw))

    # ------------------------------------------------------------------ backward
    def _backward_to(self, t: int, v: _Views) -> None:
        """From ``g_t`` to ``g_{t-1}``: ``g_{t-1} = f'(o_{t-1}) (g_t W_t)``."""
        W = self.net.weights[t]
        g_prev, o_prev = v.g[t - 1], v.o[t - 1]
        np.matmul(v.g[t], W, out=g_prev)  # sum_l (-delta_l) w_lj
        if self._back_compiled:
            self._nb.hidden_backward(o_prev, g_prev, self._codes[t - 1])
            return
        self._backward_inplace(self.net.activations[t - 1], o_prev, g_prev, v.scratch[t - 1])

    @staticmethod
    def _backward_inplace(f, o: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
        """``g <- dJ/dnet`` from ``g = dJ/do``: the record's in-place form, else its pure one."""
        if f.inplace_backward is not None:
            f.inplace_backward(o, g, scratch)
        else:
            g[...] = f.backward(o, g)

    def loss_and_gradient(self, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        """``J = sum_i s_i J_i`` of the batch; fills :attr:`dW` and :attr:`db`.

        Parameters
        ----------
        X : ndarray (n, n_inputs), validated, of the network's dtype, n <= batch_size
        Y : ndarray (n, n_outputs), validated
        sample_weight : ndarray (n,) or None

        Returns
        -------
        float
            The batch loss with the weights before any update.
        """
        if self._small_output:
            return self._one_hidden_layer_step(X, Y, sample_weight, False, 0.0)
        v = self._views_for(X.shape[0])
        self._forward(X, v)
        J = self._output(Y, sample_weight, v)
        L = self.net.n_layers
        for t in range(L - 1, -1, -1):
            u = X if t == 0 else v.o[t - 1]
            np.matmul(v.g[t].T, u, out=self.dW[t])  # dJ/dw_rq = sum_i (-delta_ir) u_iq
            if self._back_compiled:
                self._nb.column_sum(v.g[t], self.db[t])  # dJ/db_r = sum_i (-delta_ir), NumPy's order
            else:
                np.sum(v.g[t], axis=0, out=self.db[t])
            if t > 0:
                self._backward_to(t, v)
        return J

    def sgd_step(self, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None, eta: float) -> float:
        """One plain gradient-descent step on the batch: ``w <- w - eta * dJ/dw`` in place.

        The same update as :meth:`loss_and_gradient` followed by ``W -= eta * dW`` for every
        layer, with the same result up to float rounding, but fused: each layer's gradient is
        formed and applied right after its deltas are known (the deltas of the layer below use
        the weights *before* the update). :attr:`dW` and :attr:`db` are left undefined.

        Parameters
        ----------
        X, Y, sample_weight : as for :meth:`loss_and_gradient`
        eta : float
            The step size applied to the summed gradient (``learning_rate / n`` for a mean).

        Returns
        -------
        float
            The batch loss J with the weights before the step.
        """
        if self._small_output:
            return self._one_hidden_layer_step(X, Y, sample_weight, True, float(eta))
        v = self._views_for(X.shape[0])
        self._forward(X, v)
        J = self._output(Y, sample_weight, v)
        net = self.net
        eta = float(eta)
        for t in range(net.n_layers - 1, -1, -1):
            if t > 0:
                self._backward_to(t, v)  # uses W_t before its update
            g, b, dW, db = v.g[t], net.biases[t], self.dW[t], self.db[t]
            u = X if t == 0 else v.o[t - 1]
            if self._back_compiled:
                self._nb.scale_and_bias_step(g, b, eta, db)  # g <- eta g; b <- b - sum_i g_i
                np.matmul(g.T, u, out=dW)
            elif g.size <= dW.size:
                # eta folded into the deltas (the smaller array) before the GEMM.
                g *= eta
                np.sum(g, axis=0, out=db)
                b -= db
                np.matmul(g.T, u, out=dW)
            else:  # a large batch: scaling the gradient is the cheaper pass
                np.sum(g, axis=0, out=db)
                db *= eta
                b -= db
                np.matmul(g.T, u, out=dW)
                dW *= eta
            net.weights[t] -= dW  # W <- W - eta dJ/dW
        return J

    def _one_hidden_layer_step(self, X, Y, sw, update: bool, eta: float) -> float:
        """A compiled step of a one-hidden-layer network with a small output layer.

        NumPy's BLAS does the two GEMMs with the input layer (``X W1^T`` and ``g1^T X``);
        one compiled call does everything between them (see ``_numba.small_output_layer``).
        """
        v = self._views_for(X.shape[0])
        net = self.net
        (W1, W2), (b1, b2) = net.weights, net.biases
        (o1, o2), (g1, g2) = v.o, v.g
        np.matmul(X, W1.T, out=o1)
        weighted = sw is not None
        J = self._nb.small_output_layer(
            o1, b1, self._codes[0], W2, b2, o2, Y, sw if weighted else self._no_weights, weighted, g2, g1,
            self._codes[1], self._out_code, self._eps, update, eta, self.dW[1], self.db[1], self.db[0],
        )
        np.matmul(g1.T, X, out=self.dW[0])  # with update: (eta g1)^T X
        if update:
            W1 -= self.dW[0]
        return J
