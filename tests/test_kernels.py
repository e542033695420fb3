"""The Workspace computes exactly the core's loss and gradient, only faster.

This is a consistency test: it checks the Workspace (NumPy and compiled paths) against the
core's :func:`deltaprop.network.backward_pass`, so on its own it would pass for a core and a
Workspace that were wrong in the same way. The core is backed by the independent tests:
central finite differences and autograd for every activation and loss, and the notes' worked
examples computed by hand (``tests/test_network.py``, ``tests/test_explain.py``).
"""

from unittest import mock

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import _kernels
from deltaprop._kernels import Workspace, numba_available
from deltaprop.activations import ACTIVATIONS
from deltaprop.losses import LOSSES

from conftest import randomize_biases

HIDDEN = [n for n, a in ACTIVATIONS.items() if a.elementwise]
OUTPUT_LOSS = [(f, loss) for f in ACTIVATIONS for loss in LOSSES]
TOL = {"float64": 1e-11, "float32": 2e-4}
COMPILED_OUTPUTS = [("softmax", "cross_entropy"), ("sigmoid", "squared_error"), ("identity", "squared_error"),
                    ("sigmoid", "binary_cross_entropy")]
needs_numba = pytest.mark.skipif(not numba_available(), reason="the compiled path needs numba (extra 'fast')")
PATHS = [False, pytest.param(True, marks=needs_numba), pytest.param("mixed", marks=needs_numba)]


def on_paths(cases):
    """Each case on the NumPy path, and on the compiled and mixed paths where they exist for its output and loss."""
    return [(*case, False) for case in cases] + [
        pytest.param(*case, path, marks=needs_numba)
        for path in (True, "mixed") for case in cases if tuple(case[-2:]) in COMPILED_OUTPUTS
    ]


def workspace(net, batch_size, compiled):
    """A Workspace on one path: False (NumPy), True (every part compiled) or "mixed", the step
    ``compiled=None`` takes beyond COMPILED_MAX_ELEMENTS, here with the output layer on NumPy
    unless it is a softmax (so both kinds of output layer are covered)."""
    if compiled != "mixed":
        return Workspace(net, batch_size=batch_size, compiled=compiled)
    with mock.patch.multiple(_kernels, COMPILED_MAX_ELEMENTS=0, MIXED_OUTPUT_ELEMENTS=0):
        ws = Workspace(net, batch_size=batch_size)
    assert not ws.compiled and ws._back_compiled
    return ws


def make_problem(hidden, output, loss, dtype, n, rng, sizes=(5, 6, 4, 3)):
    net = dp.Network(list(sizes), activation=hidden, output_activation=output, loss=loss, seed=1, dtype=dtype)
    randomize_biases(net, rng)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    k = sizes[-1]
    if loss == "cross_entropy":
        Y = rng.dirichlet(np.ones(k), size=n)  # soft targets exercise the general softmax form
    elif loss == "binary_cross_entropy":
        Y = rng.uniform(size=(n, k))
    else:
        # Targets the output units can reach (squared error with bounded outputs refuses others).
        lo, hi = net.activations[-1].output_range
        Y = rng.normal(size=(n, k)) if np.isinf(lo) else rng.uniform(max(lo, -1.0), min(hi, 1.0), size=(n, k))
    return net, X, Y.astype(dtype)


def assert_same_gradient(ws, J, net, X, Y, sw, dtype):
    J_ref, dW, db = net.loss_and_gradient(X, Y, sw)
    tol = TOL[dtype]
    assert J == pytest.approx(J_ref, rel=tol, abs=tol)
    for a, b in zip(ws.dW + ws.db, dW + db):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("output,loss", OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_workspace_gradient_equals_core_for_every_activation_and_loss(hidden, output, loss, dtype, rng):
    net, X, Y = make_problem(hidden, output, loss, dtype, 7, rng)
    ws = Workspace(net, batch_size=7)
    J = ws.loss_and_gradient(X, Y)
    assert_same_gradient(ws, J, net, X, Y, None, dtype)


@needs_numba
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("output,loss", COMPILED_OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("sizes", [(5, 6, 4, 3), (5, 6, 3)], ids=["two-hidden", "one-hidden"])
def test_compiled_workspace_gradient_equals_core(hidden, output, loss, dtype, sizes, rng):
    # One hidden layer takes the fused small-output-layer kernel, two take the per-layer loops.
    net, X, Y = make_problem(hidden, output, loss, dtype, 7, rng, sizes=sizes)
    ws = Workspace(net, batch_size=7, compiled=True)
    J = ws.loss_and_gradient(X, Y)
    assert_same_gradient(ws, J, net, X, Y, None, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("output,loss,compiled", on_paths(OUTPUT_LOSS))
def test_workspace_gradient_equals_core_with_sample_weights(output, loss, compiled, dtype, rng):
    net, X, Y = make_problem("tanh", output, loss, dtype, 6, rng)
    sw = rng.uniform(0.1, 3.0, size=6).astype(dtype)
    ws = workspace(net, 6, compiled)
    J = ws.loss_and_gradient(X, Y, sw)
    assert_same_gradient(ws, J, net, X, Y, sw, dtype)


@pytest.mark.parametrize("compiled", PATHS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_workspace_handles_full_then_smaller_then_single_example_batches(dtype, compiled, rng):
    net, X, Y = make_problem("sigmoid", "softmax", "cross_entropy", dtype, 16, rng)
    Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 16)]
    ws = workspace(net, 16, compiled)
    for n in (16, 7, 1, 16):
        J = ws.loss_and_gradient(X[:n], Y[:n])
        assert_same_gradient(ws, J, net, X[:n], Y[:n], None, dtype)


def test_workspace_reads_weights_changed_in_place_and_reassigned(rng):
    net, X, Y = make_problem("relu", "sigmoid", "squared_error", "float64", 5, rng)
    ws = Workspace(net, batch_size=5)
    ws.loss_and_gradient(X, Y)
    net.weights[0] *= 0.5
    net.weights[1] = net.weights[1] + 0.25
    J = ws.loss_and_gradient(X, Y)
    assert_same_gradient(ws, J, net, X, Y, None, "float64")


def test_workspace_refuses_a_batch_larger_than_its_buffers(rng):
    net, X, Y = make_problem("tanh", "identity", "squared_error", "float64", 5, rng)
    ws = Workspace(net, batch_size=4)
    with pytest.raises(dp.InputError, match="batch has 5 examples but the workspace holds 4"):
        ws.loss_and_gradient(X, Y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden,output,loss,compiled", on_paths([
    ("sigmoid", "sigmoid", "squared_error"),  # the notes' network
    ("sigmoid", "softmax", "cross_entropy"),
    ("relu", "identity", "squared_error"),
    ("leaky_relu", "sigmoid", "binary_cross_entropy"),
    ("tanh", "tanh", "squared_error"),
]))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sizes", [(5, 6, 4, 3), (5, 6, 3)], ids=["two-hidden", "one-hidden"])
def test_sgd_step_equals_gradient_then_update(hidden, output, loss, compiled, dtype, weighted, sizes, rng):
    net, X, Y = make_problem(hidden, output, loss, dtype, 9, rng, sizes=sizes)
    sw = rng.uniform(0.5, 2.0, size=9).astype(dtype) if weighted else None
    eta = 0.05
    expected = net.copy()
    J_ref, dW, db = expected.loss_and_gradient(X, Y, sw)
    for p, g in zip(expected.weights + expected.biases, dW + db):
        p -= eta * g
    W_ids = [id(W) for W in net.weights]
    J = workspace(net, 9, compiled).sgd_step(X, Y, sw, eta)
    tol = TOL[dtype]
    assert J == pytest.approx(J_ref, rel=tol)
    assert [id(W) for W in net.weights] == W_ids  # updated in place
    for a, b in zip(net.weights + net.biases, expected.weights + expected.biases):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("compiled", PATHS)
def test_repeated_sgd_steps_follow_the_core_gradient_descent(compiled, rng):
    # Full-batch steps through the workspace are the notes' gradient descent.
    net, X, Y = make_problem("sigmoid", "sigmoid", "squared_error", "float64", 8, rng, sizes=(3, 4, 2))
    Y = rng.uniform(size=Y.shape)
    ref = net.copy()
    J_ref = dp.gradient_descent(ref, X, Y, learning_rate=0.5, epochs=20)
    ws = workspace(net, 8, compiled)
    J = [ws.sgd_step(X, Y, None, 0.5) for _ in range(20)]
    np.testing.assert_allclose(J, J_ref, rtol=1e-12)
    for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@needs_numba
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_compiled_and_numpy_paths_train_to_the_same_weights(dtype, rng):
    net, X, Y = make_problem("sigmoid", "softmax", "cross_entropy", dtype, 40, rng, sizes=(12, 8, 4))
    Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, 40)]
    nets = [net.copy(), net.copy(), net.copy()]
    for trained, compiled in zip(nets, (False, True, "mixed")):
        ws = workspace(trained, 10, compiled)
        assert ws.compiled is (compiled is True)
        for epoch in range(5):
            for i in range(0, 40, 10):
                ws.sgd_step(X[i:i + 10], Y[i:i + 10], None, 0.1)
    moved = np.abs(nets[0].weights[0] - net.weights[0]).max()
    assert moved > 1e-2  # training happened
    tol = TOL[dtype] * 10
    for other in nets[1:]:
        for a, b in zip(nets[0].weights + nets[0].biases, other.weights + other.biases):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@needs_numba
@pytest.mark.parametrize("hidden,k,batch,act_compiled", [
    ("sigmoid", 10, 128, [False, True]),  # issue 15's E2: NumPy's SIMD tanh, a compiled softmax of 10 units
    ("relu", 10, 128, [True, True]),  # relu vectorises compiled at any size
    ("sigmoid", 32, 256, [False, False]),  # 32 softmax units: NumPy's row reductions are the faster
])
def test_larger_networks_take_the_mixed_step_with_the_parts_that_are_faster_compiled(hidden, k, batch,
                                                                                      act_compiled):
    net = dp.Network([784, 256, k], activation=hidden, output_activation="softmax", loss="cross_entropy",
                     dtype="float32", seed=0)
    ws = Workspace(net, batch_size=batch)
    assert not ws.compiled and not ws._small_output
    assert ws._act_compiled == act_compiled and ws._out_compiled == act_compiled[-1]
    assert ws._back_compiled  # derivatives and bias sums: vectorised loops at any size


@needs_numba
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_compiled_bias_sum_is_bitwise_numpys_sum_over_rows(dtype, rng):
    from deltaprop import _numba

    for n in (1, 2, 7, 128):
        g = (rng.normal(size=(n, 37)) * 10.0 ** rng.integers(-6, 6, size=(n, 37))).astype(dtype)
        db = np.empty(37, dtype)
        _numba.column_sum(g, db)
        np.testing.assert_array_equal(db, g.sum(axis=0))


def test_compiled_path_refuses_a_network_it_does_not_cover(rng):
    net, X, Y = make_problem("tanh", "softmax", "squared_error", "float64", 3, rng)
    with pytest.raises(dp.InputError, match="compiled=None to fall back to NumPy"):
        Workspace(net, batch_size=3, compiled=True)


# Random labels at eta 0.5: the sgd run ends above its first epoch's loss, which the
# trainer reports (issue 12); this test compares the two paths' weights, not the model.
@pytest.mark.filterwarnings("ignore:.*higher training loss:deltaprop.errors.ConvergenceWarning")
@pytest.mark.parametrize("solver,batch_size", [("sgd", 7), ("gd", None)])
def test_trainer_fused_step_gives_the_optimizer_path_weights(solver, batch_size, rng):
    # Plain gd/sgd takes Workspace.sgd_step; a clip_norm no gradient reaches sends the same
    # run through the general optimizer update instead. Both must train the same weights.
    net, X, Y = make_problem("sigmoid", "softmax", "cross_entropy", "float64", 30, rng, sizes=(6, 5, 3))
    Y = np.eye(3)[rng.integers(0, 3, 30)]
    fused, general = net.copy(), net.copy()
    kw = dict(solver=solver, learning_rate=0.5, batch_size=batch_size, epochs=6, reduction="mean", seed=3)
    h1 = dp.Trainer(**kw).fit(fused, X, Y)
    h2 = dp.Trainer(**kw, clip_norm=1e300).fit(general, X, Y)
    assert np.abs(fused.weights[0] - net.weights[0]).max() > 1e-3  # it trained
    np.testing.assert_allclose(h1.loss, h2.loss, rtol=1e-12)
    for a, b in zip(fused.weights + fused.biases, general.weights + general.biases):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)



@pytest.mark.parametrize("compiled", PATHS)
def test_a_nan_input_reaches_the_loss_and_the_weights_so_divergence_is_seen(compiled, rng):
    net, X, Y = make_problem("sigmoid", "softmax", "cross_entropy", "float32", 4, rng, sizes=(5, 6, 3))
    Y = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
    X[2, 1] = np.nan
    J = workspace(net, 4, compiled).sgd_step(X, Y, None, 0.1)
    assert np.isnan(J)
    assert np.isnan(net.weights[0]).any() and np.isnan(net.weights[1]).any()


# --------------------------------------------------------------------------- the records
def test_workspace_takes_its_kernel_codes_from_the_records():
    net = dp.Network([3, 4, 4, 2], activation=["tanh", "relu"], output_activation="softmax", loss="cross_entropy")
    ws = Workspace(net, batch_size=5, compiled=False)
    assert ws._codes == [ACTIVATIONS[n].kernel_code for n in ("tanh", "relu", "softmax")]
    assert ws._out_code == LOSSES["cross_entropy"].kernel_outputs["softmax"]


def test_a_record_without_kernel_code_keeps_the_workspace_on_numpy_with_the_same_gradient(rng):
    import dataclasses

    net, X, Y = make_problem("tanh", "sigmoid", "squared_error", "float64", 7, rng)
    plain = dataclasses.replace(ACTIVATIONS["tanh"], kernel_code=None, inplace_forward=None, inplace_backward=None)
    net.activations = [plain, plain, net.activations[-1]]
    ws = Workspace(net, batch_size=7)
    assert not ws.compiled
    J = ws.loss_and_gradient(X, Y)
    assert_same_gradient(ws, J, net, X, Y, None, "float64")
    if numba_available():
        with pytest.raises(dp.errors.InputError, match="compiled step"):
            Workspace(net, batch_size=7, compiled=True)


@needs_numba
@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n != "softmax"])
def test_compiled_activation_uses_the_cores_formula_to_the_last_bit(name, rng):
    from deltaprop import _numba

    f = ACTIVATIONS[name]
    net = np.concatenate([rng.normal(scale=4.0, size=(50, 8)), np.linspace(-40, 40, 400).reshape(50, 8)])
    o = net.copy()
    _numba.bias_act(o, np.zeros(8), f.kernel_code)
    # The same formula in the same order: Numba's tanh (libm) and NumPy's may differ in the last
    # bit, and so may an FMA, which moves the result by at most half of float64's eps. (The
    # former compiled sigmoid, 1 / (1 + exp(-x)), differs from the core by up to eps here.)
    np.testing.assert_allclose(o, f.forward(net), rtol=0, atol=np.finfo(np.float64).eps / 2 * 1.01)
