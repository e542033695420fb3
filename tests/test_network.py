import dataclasses
import math

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.activations import ACTIVATIONS
from deltaprop.losses import LOSSES

from conftest import randomize_biases


# --------------------------------------------------------------------------- worked examples
def sigma(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_worked_example_2_2_1_matches_the_notes_formulas_by_hand():
    """A 2-2-1 sigmoid network, one example, every quantity written out with the notes' formulas."""
    x1, x2, y = 0.6, -0.3, 1.0
    w11, w12, b1 = 0.1, -0.2, 0.05  # hidden unit 1: w_1 = (w_11, w_12)
    w21, w22, b2 = 0.4, 0.3, -0.1  # hidden unit 2
    v1, v2, c = 0.7, -0.5, 0.2  # output unit l = 1: weights from hidden 1 and 2, bias
    eta = 0.5

    # Forward: net_r = sum_q w_rq u_rq (+ bias), o_r = sigma(net_r).
    net_h1 = w11 * x1 + w12 * x2 + b1
    net_h2 = w21 * x1 + w22 * x2 + b2
    o_h1, o_h2 = sigma(net_h1), sigma(net_h2)
    net_o = v1 * o_h1 + v2 * o_h2 + c
    o = sigma(net_o)
    J = 0.5 * (y - o) ** 2
    # Output delta: delta_l = (y_l - o_l) o_l (1 - o_l).
    d_o = (y - o) * o * (1 - o)
    # Hidden deltas: delta_j = o_j (1 - o_j) sum_l delta_l w_lj.
    d_h1 = o_h1 * (1 - o_h1) * d_o * v1
    d_h2 = o_h2 * (1 - o_h2) * d_o * v2
    # dJ/dw_rq = -delta_r u_rq; updated weights w_rq - eta dJ/dw_rq.
    grad_hidden = [[-d_h1 * x1, -d_h1 * x2], [-d_h2 * x1, -d_h2 * x2]]
    grad_out = [[-d_o * o_h1, -d_o * o_h2]]

    net = dp.Network([2, 2, 1], seed=0)
    net.weights[0][...] = [[w11, w12], [w21, w22]]
    net.biases[0][...] = [b1, b2]
    net.weights[1][...] = [[v1, v2]]
    net.biases[1][...] = [c]

    hidden, out = net.trace([x1, x2], [y])
    np.testing.assert_allclose(hidden.u, [x1, x2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.net, [net_h1, net_h2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.o, [o_h1, o_h2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.delta, [d_h1, d_h2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.net, [net_o], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.o, [o], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.delta, [d_o], rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.dW, grad_hidden, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.dW, grad_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.db, [-d_o], rtol=0, atol=1e-12)
    assert net.loss([[x1, x2]], [[y]]) == pytest.approx(J, abs=1e-12)

    dp.gradient_descent(net, [[x1, x2]], [[y]], learning_rate=eta, epochs=1)
    expected_W0 = np.array([[w11, w12], [w21, w22]]) - eta * np.array(grad_hidden)
    expected_W1 = np.array([[v1, v2]]) - eta * np.array(grad_out)
    np.testing.assert_allclose(net.weights[0], expected_W0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.weights[1], expected_W1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.biases[0], [b1 + eta * d_h1, b2 + eta * d_h2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.biases[1], [c + eta * d_o], rtol=0, atol=1e-12)


def test_published_hand_computation_of_a_2_2_2_network_is_reproduced():
    """Matt Mazur's widely used worked example ("A Step by Step Backpropagation Example",
    2015): inputs (0.05, 0.10), targets (0.01, 0.99), eta = 0.5, figures published to 8-9 digits."""
    net = dp.Network([2, 2, 2], seed=0)
    net.weights[0][...] = [[0.15, 0.20], [0.25, 0.30]]
    net.biases[0][...] = 0.35
    net.weights[1][...] = [[0.40, 0.45], [0.50, 0.55]]
    net.biases[1][...] = 0.60
    x, y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    hidden, out = net.trace(x[0], y[0])
    np.testing.assert_allclose(hidden.o, [0.593269992, 0.596884378], atol=1e-9)
    np.testing.assert_allclose(out.o, [0.75136507, 0.772928465], atol=1e-8)
    assert net.loss(x, y) == pytest.approx(0.298371109, abs=1e-9)
    dp.gradient_descent(net, x, y, learning_rate=0.5, epochs=1)
    np.testing.assert_allclose(net.weights[1], [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=1e-8)
    np.testing.assert_allclose(net.weights[0], [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=1e-8)


# --------------------------------------------------------------------------- finite differences
OUTPUT_LOSS_PAIRS = [
    (out, loss)
    for out in ACTIVATIONS
    for loss in LOSSES
    # Cross-entropies need outputs that are probabilities.
    if loss == "squared_error" or ACTIVATIONS[out].output_range == (0.0, 1.0)
]


@pytest.mark.parametrize("hidden", [a for a in ACTIVATIONS if ACTIVATIONS[a].elementwise])
@pytest.mark.parametrize("output,loss", OUTPUT_LOSS_PAIRS)
@pytest.mark.parametrize("sizes", [[3, 2], [3, 5, 2], [3, 5, 4, 2]], ids=["depth1", "depth2", "depth3"])
def test_gradient_matches_finite_differences_for_every_activation_and_loss(hidden, output, loss, sizes, rng):
    net = dp.Network(sizes, activation=hidden, output_activation=output, loss=loss, seed=3)
    randomize_biases(net, rng)
    X = rng.normal(size=(7, sizes[0]))
    Y = rng.dirichlet(np.ones(sizes[-1]), size=7)
    errors = dp.gradcheck(net, X, Y)
    assert len(errors) == len(sizes) - 1
    assert max(errors) < 1e-6, errors


def test_gradcheck_detects_a_wrong_gradient(rng, monkeypatch):
    import deltaprop.activations as acts

    net = dp.Network([3, 4, 2], seed=0)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    broken = dataclasses.replace(acts.ACTIVATIONS["sigmoid"], grad=np.ones_like, inplace_backward=None)
    net.activations = [broken, net.activations[1]]  # hidden derivative forgotten
    assert max(dp.gradcheck(net, X, Y)) > 1e-2


def test_sample_weights_scale_each_examples_contribution(rng):
    net = dp.Network([3, 4, 2], seed=1)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    s = np.array([0.0, 1.0, 2.0, 0.5, 3.0])
    J = sum(s[i] * net.loss(X[i : i + 1], Y[i : i + 1]) for i in range(5))
    assert net.loss(X, Y, sample_weight=s) == pytest.approx(J, rel=1e-12)
    dW, _ = net.gradient(X, Y, sample_weight=s)
    ref = sum(s[i] * net.gradient(X[i : i + 1], Y[i : i + 1])[0][0] for i in range(5))
    np.testing.assert_allclose(dW[0], ref, rtol=1e-12, atol=1e-15)
    assert max(dp.gradcheck(net, X, Y, sample_weight=s)) < 1e-6


# --------------------------------------------------------------------------- independent reference
@pytest.mark.parametrize(
    "hidden,output,loss",
    [
        ("sigmoid", "sigmoid", "squared_error"),
        ("tanh", "softmax", "cross_entropy"),
        ("relu", "identity", "squared_error"),
        ("leaky_relu", "sigmoid", "binary_cross_entropy"),
        ("tanh", "softmax", "squared_error"),
    ],
)
def test_gradient_equals_autograd_on_random_networks(hidden, output, loss, rng):
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    import autograd.scipy.special as asp

    fns = {
        "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
        "tanh": anp.tanh,
        "relu": lambda z: anp.maximum(z, 0.0),
        "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
        "identity": lambda z: z,
        "softmax": lambda z: anp.exp(z - asp.logsumexp(z, axis=1, keepdims=True)),
    }
    losses = {
        "squared_error": lambda o, y: 0.5 * anp.sum((y - o) ** 2),
        "cross_entropy": lambda o, y: -anp.sum(y * anp.log(o)),
        "binary_cross_entropy": lambda o, y: -anp.sum(y * anp.log(o) + (1 - y) * anp.log(1 - o)),
    }
    sizes = [4, 6, 5, 3]
    net = dp.Network(sizes, activation=hidden, output_activation=output, loss=loss, seed=7)
    randomize_biases(net, rng)
    X, Y = rng.normal(size=(9, 4)), rng.dirichlet(np.ones(3), size=9)

    def J(params):
        u = X
        for t, (W, b) in enumerate(params):
            f = fns[output] if t == len(params) - 1 else fns[hidden]
            u = f(anp.dot(u, W.T) + b)
        return losses[loss](u, Y)

    params = [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases)]
    ref = ag.grad(J)(params)
    dW, db = net.gradient(X, Y)
    assert net.loss(X, Y) == pytest.approx(J(params), rel=1e-12)
    for (rW, rb), gW, gb in zip(ref, dW, db):
        np.testing.assert_allclose(gW, rW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(gb, rb, rtol=1e-10, atol=1e-13)


# --------------------------------------------------------------------------- gradient descent
def test_one_gradient_descent_step_is_eta_times_the_sum_of_per_example_gradients(rng):
    net = dp.Network([3, 4, 2], activation="tanh", seed=2)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    per_example = [net.gradient(X[i : i + 1], Y[i : i + 1]) for i in range(6)]
    eta = 0.3
    expected_W = [W - eta * sum(g[0][t] for g in per_example) for t, W in enumerate(net.weights)]
    expected_b = [b - eta * sum(g[1][t] for g in per_example) for t, b in enumerate(net.biases)]
    dp.gradient_descent(net, X, Y, learning_rate=eta, epochs=1)
    for t in range(2):
        np.testing.assert_allclose(net.weights[t], expected_W[t], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(net.biases[t], expected_b[t], rtol=1e-13, atol=1e-15)


def test_gradient_descent_updates_the_users_arrays_in_place_and_returns_losses():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    Y = np.array([[1.0], [0.0]])
    net = dp.Network([2, 2, 1], seed=0)
    W0 = net.weights[0]
    J = dp.gradient_descent(net, X, Y, learning_rate=1.0, epochs=5)
    assert J.shape == (5,)
    assert W0 is net.weights[0]
    assert J[0] == pytest.approx(dp.Network([2, 2, 1], seed=0).loss(X, Y))


def test_xor_is_learned_to_full_accuracy_by_gradient_descent():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    net = dp.Network([2, 3, 1], seed=0)
    J = dp.gradient_descent(net, X, Y, learning_rate=2.0, epochs=3000)
    assert J[-1] < 0.01 < J[0]
    assert np.array_equal(net.forward(X) > 0.5, Y > 0.5)


def test_huge_learning_rate_raises_divergence_error_with_finite_weights():
    X = np.array([[1e3, -1e3]])
    net = dp.Network([2, 3, 1], output_activation="identity", seed=0)
    with pytest.raises(dp.DivergenceError, match="smaller learning rate"):
        dp.gradient_descent(net, X, [[1.0]], learning_rate=1e200, epochs=50)
    assert all(np.isfinite(W).all() for W in net.weights)


# --------------------------------------------------------------------------- construction
def test_same_seed_gives_bitwise_the_same_network():
    a = dp.Network([5, 7, 3], activation="relu", seed=42)
    b = dp.Network([5, 7, 3], activation="relu", seed=42)
    c = dp.Network([5, 7, 3], activation="relu", seed=43)
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_weights_have_the_notes_orientation_and_documented_init_bounds():
    net = dp.Network([10, 20, 30, 4], activation=["relu", "tanh"], seed=0)
    assert [W.shape for W in net.weights] == [(20, 10), (30, 20), (4, 30)]
    assert [b.shape for b in net.biases] == [(20,), (30,), (4,)]
    assert np.abs(net.weights[0]).max() <= np.sqrt(6 / 10)  # He for relu
    assert np.abs(net.weights[1]).max() <= np.sqrt(6 / 50)  # Glorot for tanh
    assert all((b == 0).all() for b in net.biases)


def test_float32_network_computes_in_float32_throughout(rng):
    net = dp.Network([4, 8, 8, 3], activation="tanh", output_activation="softmax", loss="cross_entropy",
                     seed=0, dtype="float32")
    X = rng.normal(size=(5, 4))  # float64 input is cast to the network's dtype
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    assert net.forward(X).dtype == np.float32
    dW, db = net.gradient(X, Y)
    assert all(g.dtype == np.float32 for g in dW + db)
    assert all(W.dtype == np.float32 for W in net.weights)
    dp.gradient_descent(net, X, Y, learning_rate=0.1, epochs=2)
    assert all(W.dtype == np.float32 for W in net.weights + net.biases)
    assert max(dp.gradcheck(net, X, Y)) < 1e-6  # checked in float64 on a copy


def test_flat_parameters_round_trip():
    net = dp.Network([3, 4, 2], seed=0)
    theta = net.get_flat_parameters()
    assert theta.shape == (net.n_parameters,) == (3 * 4 + 4 + 4 * 2 + 2,)
    other = dp.Network([3, 4, 2], seed=1)
    other.set_flat_parameters(theta)
    assert all(np.array_equal(a, b) for a, b in zip(net.weights + net.biases, other.weights + other.biases))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "sizes,error,match",
    [
        ([3], dp.InputError, "at least an input and an output"),
        ([3, 0, 2], dp.InputError, r"layer_sizes\[1\] is 0"),
        ([3, 2.5, 1], dp.InputTypeError, r"layer_sizes\[1\] must be an integer"),
        (5, dp.InputTypeError, "layer_sizes must be a sequence"),
    ],
)
def test_bad_layer_sizes_are_named(sizes, error, match):
    with pytest.raises(error, match=match):
        dp.Network(sizes)


def test_bad_names_and_dtypes_are_rejected_with_the_valid_choices():
    with pytest.raises(ValueError, match="unknown activation 'sigmoidal'"):
        dp.Network([2, 2, 1], activation="sigmoidal")
    with pytest.raises(ValueError, match="unknown output_activation"):
        dp.Network([2, 2, 1], output_activation="nope")
    with pytest.raises(ValueError, match="'softmax' can only be the output activation"):
        dp.Network([2, 2, 1], activation="softmax")
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32', got 'int64'"):
        dp.Network([2, 1], dtype="int64")
    with pytest.raises(ValueError, match="activation lists 1 names but the network has 2 hidden layers"):
        dp.Network([2, 3, 3, 1], activation=["tanh"])


@pytest.mark.parametrize(
    "X,match",
    [
        (np.ones((3, 4)), "X has 4 features but the network expects 3"),
        (np.ones(3), r"X must be 2-D \(n_examples, n_features\), got shape \(3,\); reshape"),
        (np.ones((2, 3, 1)), "X must be 2-D"),
        (np.empty((0, 3)), "X is empty"),
        (np.array([[1.0, np.nan, 0.0]]), "X contains NaN at row 0, column 1"),
        (np.array([[1.0, 0.0, 0.0], [0.0, 0.0, np.inf]]), "X contains inf at row 1, column 2"),
        ([[1.0, 2.0, 3.0], [1.0, 2.0]], "X is ragged"),
        (np.array([["a", "b", "c"]]), "X contains non-numeric values"),
    ],
)
def test_bad_inputs_raise_errors_naming_the_argument(X, match):
    net = dp.Network([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=match):
        net.forward(X)


def test_bad_targets_are_named(rng):
    net = dp.Network([3, 2, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    X = rng.normal(size=(4, 3))
    with pytest.raises(ValueError, match="X has 4 examples but Y has 3"):
        net.loss(X, np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="Y has 3 outputs but the network expects 2"):
        net.gradient(X, np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match=r"outside \[0, 1\], which loss 'cross_entropy' requires"):
        net.loss(X, np.full((4, 2), 2.0))
    with pytest.raises(ValueError, match="sample_weight has shape"):
        net.loss(X, np.full((4, 2), 0.5), sample_weight=[1.0, 2.0])


def test_bad_training_arguments_are_named():
    net = dp.Network([2, 1], seed=0)
    with pytest.raises(ValueError, match="learning_rate must be > 0, got -0.1"):
        dp.gradient_descent(net, [[0.0, 1.0]], [[1.0]], learning_rate=-0.1, epochs=1)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        dp.gradient_descent(net, [[0.0, 1.0]], [[1.0]], learning_rate=0.1, epochs=1.5)


def test_import_deltaprop_loads_neither_scikit_learn_nor_the_optional_extras():
    import subprocess
    import sys

    code = (
        "import sys, deltaprop as dp; "
        "heavy = [m for m in ('sklearn', 'matplotlib', 'onnx', 'dask', 'numba', 'pandas') if m in sys.modules]; "
        "assert not heavy, heavy; assert dp.MLPClassifier.__name__ == 'MLPClassifier'; "
        "assert 'sklearn' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --------------------------------------------------------------------------- the two halves
def test_deltas_are_the_notes_output_and_hidden_deltas_for_the_seed_network(rng):
    from deltaprop.network import deltas, forward_pass

    net = randomize_biases(dp.Network([3, 4, 2], seed=2), rng)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    outs = forward_pass(net.weights, net.biases, net.activations, X)
    d_hidden, d_out = deltas(net.weights, net.activations, net.loss_function, outs, Y)
    o_j, o_l = outs[1], outs[2]
    # delta_l = (y_l - o_l) o_l (1 - o_l) and delta_j = o_j (1 - o_j) sum_l delta_l w_lj, the notes' formulas.
    np.testing.assert_allclose(d_out, (Y - o_l) * o_l * (1 - o_l), rtol=1e-15, atol=1e-17)
    W = net.weights[1]
    by_hand = np.array([[o_j[i, j] * (1 - o_j[i, j]) * sum(d_out[i, l] * W[l, j] for l in range(2))
                         for j in range(4)] for i in range(5)])  # fmt: skip
    np.testing.assert_allclose(d_hidden, by_hand, rtol=1e-13, atol=1e-17)


def test_gradients_are_minus_delta_transpose_u_and_backward_pass_is_the_two_halves(rng):
    from deltaprop.network import backward_pass, deltas, forward_pass, gradients

    net = randomize_biases(dp.Network([3, 4, 5, 2], activation="tanh", seed=4), rng)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    s = rng.uniform(size=6)
    outs = forward_pass(net.weights, net.biases, net.activations, X)
    ds = deltas(net.weights, net.activations, net.loss_function, outs, Y, s)
    dW, db = gradients(ds, outs)
    for t in range(3):
        by_hand = -sum(np.outer(ds[t][i], outs[t][i]) for i in range(6))  # dJ/dw_rq = -sum_i delta_ir u_iq
        np.testing.assert_allclose(dW[t], by_hand, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(db[t], -ds[t].sum(axis=0), rtol=0, atol=0)
    W2, b2 = backward_pass(net.weights, net.activations, net.loss_function, outs, Y, s)
    for a, b in zip(dW + db, W2 + b2):
        np.testing.assert_array_equal(a, b)


def test_trace_holds_the_deltas_and_gradients_of_the_two_halves(rng):
    from deltaprop.network import deltas, forward_pass, gradients

    net = randomize_biases(dp.Network([3, 4, 2], activation="relu", output_activation="softmax",
                                      loss="cross_entropy", seed=5), rng)  # fmt: skip
    x, y = rng.normal(size=3), np.array([0.0, 1.0])
    outs = forward_pass(net.weights, net.biases, net.activations, x[None])
    ds = deltas(net.weights, net.activations, net.loss_function, outs, y[None])
    dW, db = gradients(ds, outs)
    for t, rec in enumerate(net.trace(x, y)):
        np.testing.assert_array_equal(rec.delta, ds[t][0])
        np.testing.assert_array_equal(rec.dW, dW[t])
        np.testing.assert_array_equal(rec.db, db[t])


def test_copy_keeps_the_subclass_and_shares_no_arrays():
    class Tagged(dp.Network):
        tag = "mine"

    net = Tagged([2, 3, 1], seed=0)
    net.note = ["kept"]
    twin = net.copy()
    assert type(twin) is Tagged and twin.note == ["kept"] and twin.note is not net.note
    assert twin.activations[0] is net.activations[0] is ACTIVATIONS["sigmoid"]
    twin.weights[0][0, 0] += 1.0
    twin.biases[1][0] += 1.0
    assert net.weights[0][0, 0] != twin.weights[0][0, 0] and net.biases[1][0] == 0.0


def test_a_generator_seed_is_used_as_given():
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    a = dp.Network([2, 3, 1], seed=rng_a)
    rng_b.uniform(size=1)  # the same stream advanced once: a differently drawn network
    assert np.array_equal(a.weights[0], dp.Network([2, 3, 1], seed=np.random.default_rng(7)).weights[0])
    assert not np.array_equal(a.weights[0], dp.Network([2, 3, 1], seed=rng_b).weights[0])


def test_validation_module_imports_nothing_from_the_network_module():
    import ast
    import inspect

    import deltaprop._validation as validation

    tree = ast.parse(inspect.getsource(validation))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported <= {"__future__", "numbers", "numpy", "errors"}, imported
    from deltaprop.network import network_of

    net = dp.Network([2, 1], seed=0)
    assert network_of(net, caller="t") is net
    with pytest.raises(TypeError, match="plot needs a deltaprop Network"):
        network_of(object(), caller="plot")


def test_the_estimators_export_and_plotting_subpackages_are_attributes_loaded_on_first_use():
    import subprocess
    import sys

    code = (
        "import sys, deltaprop as dp; "
        "assert 'sklearn' not in sys.modules; "
        "assert dp.estimators.default_settings('classification', 500)['solver'] == 'rprop'; "
        "assert 'sklearn' in sys.modules; "
        "assert dp.export.__name__ == 'deltaprop.export' and dp.plotting.__name__ == 'deltaprop.plotting'; "
        "assert {'estimators', 'export', 'plotting'} <= set(dir(dp))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
