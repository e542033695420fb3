"""Property-based tests (hypothesis) of the numerical core over random networks and data.

Architectures (depth, widths), hidden activations, output activation/loss pairs, dtypes and
data are all drawn at random. The numbers inside a case come from a numpy Generator seeded
by hypothesis: shrinking then moves to smaller networks and other seeds, never towards
hand-crafted degenerate values, and every failure replays from its printed seed.

Properties:

* backpropagation's gradient equals central finite differences (float64) for every
  activation x loss combination the library accepts;
* ``forward`` returns finite outputs for finite inputs, in both dtypes;
* sigmoid and softmax (alone, and as the output layer with their losses and gradients)
  stay finite and in range for inputs of magnitude up to 1e4, without a floating-point
  warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import randomize_biases
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop.activations import ACTIVATIONS
from deltaprop.network import forward_pass

PROPERTY = settings(max_examples=60, deadline=None)

#: Every elementwise activation may be a hidden activation.
HIDDEN = [name for name, f in ACTIVATIONS.items() if f.elementwise]
#: Output activation / loss pairs: the canonical ones and the general chain rule for the rest.
OUTPUT_LOSS = [
    ("sigmoid", "squared_error"),
    ("sigmoid", "binary_cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("softmax", "cross_entropy"),
    ("softmax", "squared_error"),
    ("tanh", "squared_error"),
    ("identity", "squared_error"),
    ("relu", "squared_error"),
    ("leaky_relu", "squared_error"),
]
KINKED = {"relu", "leaky_relu"}


def targets(rng: np.random.Generator, out: str, loss: str, n: int, k: int) -> np.ndarray:
    """Targets the pair accepts: probabilities for the cross-entropies, the activation's range otherwise."""
    if loss == "cross_entropy":
        return rng.dirichlet(np.ones(k), size=n)  # soft targets: rows sum to 1
    if loss == "binary_cross_entropy" or out in ("sigmoid", "softmax"):
        return rng.uniform(0, 1, size=(n, k))
    if out == "tanh":
        return rng.uniform(-1, 1, size=(n, k))
    return rng.normal(size=(n, k))


@st.composite
def cases(draw, dtypes=("float64",)):
    """``(net, X, Y, rng)``: a random network with random nonzero biases, data and targets."""
    depth = draw(st.integers(0, 3))  # hidden layers
    sizes = [draw(st.integers(1, 5)) for _ in range(depth + 2)]
    out, loss = draw(st.sampled_from(OUTPUT_LOSS))
    if out == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(depth)]
    dtype = draw(st.sampled_from(dtypes))
    n = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    net = dp.Network(sizes, activation=hidden if depth else "sigmoid", output_activation=out, loss=loss,
                     seed=rng, dtype=dtype)
    randomize_biases(net, rng)
    X = rng.normal(size=(n, sizes[0]))
    Y = targets(rng, out, loss, n, sizes[-1])
    return net, X, Y, rng


def smallest_kink_distance(net: dp.Network, X: np.ndarray) -> float:
    """The smallest |net_r| over all examples and units of relu / leaky_relu layers (inf if none)."""
    u, smallest = X, np.inf
    for W, b, f in zip(net.weights, net.biases, net.activations):
        pre = u @ W.T + b
        if f.name in KINKED:
            smallest = min(smallest, float(np.abs(pre).min()))
        u = f.forward(pre)
    return smallest


@PROPERTY
@given(cases())
def test_backprop_gradient_matches_central_differences(case):
    net, X, Y, _ = case
    # relu and leaky_relu have a kink at net = 0 where the derivative jumps; a central
    # difference with step h straddles it when |net| < h times the unit's fan-in weights'
    # size, and then measures the average of two slopes, not the derivative. Random
    # nonzero biases make that rare; the cases where a kink still lies within 1e-4 of the
    # stencil (well above h = 1e-6 times any weight here) are discarded, so no tolerance
    # has to be loosened for them.
    assume(smallest_kink_distance(net, X) > 1e-4)
    J, dW, db = net.loss_and_gradient(X, Y)
    nW, nb = dp.numerical_gradient(net, X, Y, h=1e-6)
    # Central differences in float64 err by O(h^2) (truncation, ~1e-12 here) plus the
    # rounding of J divided by 2h (~1e-16 |J| / 2e-6 ~ 1e-10 |J|): atol covers both
    # with a margin of ~100; a wrong gradient is off by O(1) of the gradient's size.
    atol = 1e-7 * (1.0 + abs(J))
    for analytic, numeric in zip(dW + db, nW + nb):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=atol)


@PROPERTY
@given(cases(dtypes=("float64", "float32")), st.sampled_from([1.0, 1e2, 1e4, 1e6]))
def test_forward_is_finite_for_finite_inputs(case, magnitude):
    net, X, _, rng = case
    X = (X * magnitude).astype(net.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o = net.forward(X)
    assert o.dtype == net.dtype
    assert o.shape == (X.shape[0], net.n_outputs)
    assert np.isfinite(o).all()
    lo, hi = net.activations[-1].output_range
    assert (o >= lo).all() and (o <= hi).all()


big_inputs = st.builds(
    lambda seed, n, k, scale: np.random.default_rng(seed).uniform(-scale, scale, size=(n, k)),
    st.integers(0, 2**32 - 1),
    st.integers(1, 8),
    st.integers(1, 12),
    st.sampled_from([1.0, 50.0, 1e3, 1e4]),
)


@PROPERTY
@given(big_inputs, st.sampled_from(["float64", "float32"]), st.booleans())
def test_sigmoid_and_softmax_stay_finite_up_to_1e4_without_warnings(net_values, dtype, pin_extremes):
    net_values = net_values.astype(dtype)
    if pin_extremes:  # the exact limits, where exp(+-1e4) overflows in a naive formula
        net_values[0, 0] = 1e4
        net_values[-1, -1] = -1e4
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = ACTIVATIONS["sigmoid"].forward(net_values.copy())
        p = ACTIVATIONS["softmax"].forward(net_values.copy())
    for o in (s, p):
        assert o.dtype == net_values.dtype
        assert np.isfinite(o).all() and (o >= 0).all() and (o <= 1).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=10 * np.finfo(dtype).eps * net_values.shape[1])
    # Monotone: a larger net never gives a smaller sigmoid.
    order = np.argsort(net_values, axis=None)
    assert (np.diff(s.ravel()[order]) >= 0).all()


@PROPERTY
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([("sigmoid", "squared_error"), ("sigmoid", "binary_cross_entropy"),
                     ("softmax", "cross_entropy"), ("softmax", "squared_error")]),
    st.sampled_from(["float64", "float32"]),
)
def test_saturated_sigmoid_and_softmax_outputs_give_finite_loss_and_gradient(seed, pair, dtype):
    # Inputs of magnitude 1e4 into a network with ten-fold weights drive the
    # output units to exactly 0 or 1 in floating point: the losses must clip their logs
    # and the deltas must stay finite.
    rng = np.random.default_rng(seed)
    out, loss = pair
    net = dp.Network([4, 3, 3], output_activation=out, loss=loss, seed=rng, dtype=dtype)
    for W in net.weights:
        W *= 10
    X = rng.uniform(-1e4, 1e4, size=(6, 4))
    Y = targets(rng, out, loss, 6, 3)
    if loss == "cross_entropy":
        Y = np.eye(3)[rng.integers(0, 3, size=6)]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        J, dW, db = net.loss_and_gradient(X, Y)
        outs = forward_pass(net.weights, net.biases, net.activations, net.check_X(X))
    assert np.isfinite(J)
    assert all(np.isfinite(g).all() for g in dW + db)
    assert np.isfinite(outs[-1]).all()


@pytest.mark.parametrize("name", ["sigmoid", "softmax"])
def test_a_naive_exponential_would_fail_the_range_the_properties_use(name):
    # The properties above are not vacuous: at 1e4 the textbook formula overflows.
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        if name == "sigmoid":
            1.0 / (1.0 + np.exp(-np.array([-1e4])))
        else:
            np.exp(np.array([1e4]))
