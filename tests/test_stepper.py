import dataclasses
import math

import numpy as np
import pytest

import deltaprop as dp
from deltaprop._kernels import Workspace, numba_available
from deltaprop._settings import resolve
from deltaprop._stepper import Stepper
from deltaprop.errors import InputError
from deltaprop.optimizers import OPTIMIZERS
from deltaprop.sources import ArrayData, as_source


def problem(n=23, seed=3, weighted=True):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, 4)), np.eye(3)[rng.integers(0, 3, n)]
    return X, Y, (rng.random(n) if weighted else None)


def network():
    return dp.Network([4, 6, 3], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")


def stepper_for(net, data, on_step=None, **trainer_kw):
    s = resolve(dp.Trainer(**trainer_kw))
    state = s.opt.init([np.concatenate(net.weights + net.biases, axis=None)], **s.solver_kwargs)
    return Stepper(net, data, s, state, on_step)


class NoArrays:
    """An in-memory source that hides its arrays: the stepper must take the general path."""

    def __init__(self, inner):
        self.inner, self.n_examples = inner, inner.n_examples

    def loss_and_gradient(self, net):
        return self.inner.loss_and_gradient(net)

    def batches(self, batch_size, rng):
        return self.inner.batches(batch_size, rng)


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
def test_whole_epoch_path_is_bitwise_the_reference_per_batch_steps(shuffle, weighted):
    X, Y, sw = problem(weighted=weighted)
    net, ref = network(), network()
    data = as_source(net, X, Y, sw)
    stepper = stepper_for(net, data, solver="sgd", batch_size=5, learning_rate=0.1)
    assert stepper.whole_epoch
    # The reference: the source's own batches, one Workspace step each, eta = lr / n ("mean").
    ref_data, ws = as_source(ref, X, Y, sw), Workspace(ref, 5)
    for epoch in range(3):
        total = stepper.epoch(0.1, np.random.default_rng(epoch) if shuffle else None)
        expected = 0.0
        for Xb, Yb, swb in ref_data.batches(5, np.random.default_rng(epoch) if shuffle else None):
            expected += ws.sgd_step(Xb, Yb, swb, 0.1 / Xb.shape[0])
        assert total == expected and stepper.steps == 5
        for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(stepper.theta, np.concatenate(net.weights + net.biases, axis=None))


def test_a_step_callback_takes_the_per_batch_path_with_the_same_steps():
    X, Y, sw = problem()
    a, b = network(), network()
    calls = []
    fast = stepper_for(a, as_source(a, X, Y, sw), solver="sgd", batch_size=5, learning_rate=0.1)
    slow = stepper_for(b, as_source(b, X, Y, sw), lambda J, n: calls.append(n), solver="sgd", batch_size=5,
                       learning_rate=0.1)
    assert fast.whole_epoch and not slow.whole_epoch and slow.fused
    assert fast.epoch(0.1, np.random.default_rng(0)) == slow.epoch(0.1, np.random.default_rng(0))
    assert calls == [5, 5, 5, 5, 3]
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(x, y)


def reference_epoch(ref, data, settings, state, lr, rng):
    """The reference for the general path: the source's batches (or its full-batch gradient),
    a Workspace on the network itself, the gradient concatenated into a fresh flat vector, the
    decay and clipping of the training module's docstring, the optimizer on a flat copy of the
    parameters, and that copy written back after every step. Returns the summed objective."""
    params = ref.weights + ref.biases
    theta = np.concatenate(params, axis=None)
    n_w = sum(W.size for W in ref.weights)
    alpha, clip = settings.weight_decay, settings.clip_norm
    if settings.opt.full_batch:
        batches = [data.arrays()]
    else:
        batches = data.batches(settings.batch_size, rng)
    ws = Workspace(ref, settings.batch_size or data.n_examples)
    total = 0.0
    for Xb, Yb, swb in batches:
        J = ws.loss_and_gradient(Xb, Yb, swb)
        g = np.concatenate(ws.dW + ws.db, axis=None)
        if alpha:
            g[:n_w] += alpha * theta[:n_w]
            J += 0.5 * alpha * float(np.dot(theta[:n_w], theta[:n_w]))
        scale = 1.0 / Xb.shape[0] if settings.mean else 1.0
        if clip is not None:
            norm = math.sqrt(float(np.dot(g, g))) * scale  # a Python float: NumPy scalars would change the rounding
            if norm > clip:
                scale *= clip / norm
        settings.opt.update(state, [theta], [g], lr, scale)
        offset = 0
        for p in params:
            p[...] = theta[offset:offset + p.size].reshape(p.shape)
            offset += p.size
        total += J
    return total


GENERAL_SETTINGS = {
    "momentum": dict(solver="sgd", batch_size=5, momentum=0.9),
    "nesterov": dict(solver="sgd", batch_size=5, momentum=0.9, nesterov=True),
    "nesterov_decay": dict(solver="sgd", batch_size=5, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "sgd_decay": dict(solver="sgd", batch_size=5, weight_decay=1e-2),
    "sgd_clipping": dict(solver="sgd", batch_size=5, learning_rate=0.5, clip_norm=0.05),
    "adam": dict(solver="adam", batch_size=5, learning_rate=0.01),
    "adam_decay_clipping": dict(solver="adam", batch_size=5, learning_rate=0.01, weight_decay=1e-3, clip_norm=0.5),
    "gd_momentum": dict(solver="gd", learning_rate=0.05, momentum=0.5),
    "gd_decay": dict(solver="gd", learning_rate=0.05, weight_decay=1e-2),
    "irprop-": dict(solver="irprop-"),
    "rprop+": dict(solver="rprop+", weight_decay=1e-3),
    "quickprop": dict(solver="quickprop", learning_rate=0.05),
}


@pytest.mark.parametrize("with_callback", [False, True], ids=["whole_epoch", "per_batch_callback"])
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("name", list(GENERAL_SETTINGS))
def test_general_path_is_bitwise_the_reference_generic_step(name, weighted, with_callback):
    """Every optimizer setting the fused sgd step does not cover takes the general path, on
    the shadow network over theta: bitwise the reference (per-batch generic step on the
    network itself, flat copy written back each step), losses included, for three epochs."""
    kw = GENERAL_SETTINGS[name]
    X, Y, sw = problem(weighted=weighted)
    net, ref = network(), network()
    seen = []
    stepper = stepper_for(net, as_source(net, X, Y, sw), (lambda J, n: seen.append(J)) if with_callback else None,
                          **kw)
    assert not stepper.fused
    assert stepper.whole_epoch == (not with_callback and not stepper.full_batch)
    settings = resolve(dp.Trainer(**kw))
    state = settings.opt.init([np.concatenate(ref.weights + ref.biases, axis=None)], **settings.solver_kwargs)
    ref_data = as_source(ref, X, Y, sw)
    lr = kw.get("learning_rate", 0.1)
    for epoch in range(3):
        total = stepper.epoch(lr, np.random.default_rng(epoch))
        expected = reference_epoch(ref, ref_data, settings, state, lr, np.random.default_rng(epoch))
        assert total == expected
        for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
            np.testing.assert_array_equal(a, b)
    assert len(seen) == (3 * stepper.steps if with_callback else 0)


def test_general_path_leaves_the_networks_own_arrays_updated_and_reads_changes_made_between_epochs():
    X, Y, _ = problem()
    net = network()
    held = net.weights[0]  # an array a user holds stays the network's
    stepper = stepper_for(net, as_source(net, X, Y), solver="sgd", batch_size=5, momentum=0.9)
    before = held.copy()
    stepper.epoch(0.1, None)
    assert net.weights[0] is held and not np.array_equal(held, before)
    np.testing.assert_array_equal(stepper.theta[:held.size], held.ravel())
    held[...] = 0.0  # a change made between epochs (a callback, a user) is the next epoch's start
    stepper.epoch(0.1, None)
    np.testing.assert_array_equal(stepper.snapshot[:held.size], np.zeros(held.size, held.dtype))  # its start


def test_a_full_batch_source_without_arrays_computes_from_the_network_with_the_same_steps():
    X, Y, sw = problem()
    a, b = network(), network()
    general = stepper_for(a, NoArrays(as_source(a, X, Y, sw)), solver="irprop-")
    in_memory = stepper_for(b, as_source(b, X, Y, sw), solver="irprop-")
    assert not general.in_memory and in_memory.in_memory
    for _ in range(3):
        assert general.epoch(0.0, None) == in_memory.epoch(0.0, None)
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kw", [dict(momentum=0.5), dict(weight_decay=1e-3), dict(clip_norm=1.0)])
def test_fusing_needs_plain_descent_without_decay_or_clipping(kw):
    X, Y, _ = problem()
    net = network()
    assert not stepper_for(net, as_source(net, X, Y), solver="sgd", batch_size=5, **kw).fused
    assert stepper_for(net, as_source(net, X, Y), solver="sgd", batch_size=5).fused


def test_full_batch_fuses_only_for_a_source_with_arrays_and_agrees_to_rounding():
    X, Y, sw = problem()
    a, b = network(), network()
    fused = stepper_for(a, as_source(a, X, Y, sw), solver="gd", learning_rate=0.05)
    general = stepper_for(b, NoArrays(as_source(b, X, Y, sw)), solver="gd", learning_rate=0.05)
    assert fused.fused and not general.fused
    for _ in range(3):
        Ja, Jb = fused.epoch(0.05, None), general.epoch(0.05, None)
        assert Ja == pytest.approx(Jb, rel=1e-6) and fused.steps == general.steps == 1
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_the_optimizers_capability_not_its_name_decides_fusing():
    X, Y, _ = problem()
    net = network()
    s = resolve(dp.Trainer(solver="adam", batch_size=5))
    plain_adam = dataclasses.replace(s, opt=dataclasses.replace(s.opt, is_plain=lambda state: True))
    state = s.opt.init([np.concatenate(net.weights + net.biases, axis=None)], **s.solver_kwargs)
    assert not Stepper(net, as_source(net, X, Y), s, state).fused
    assert Stepper(net, as_source(net, X, Y), plain_adam, state).fused


def test_a_diverged_epoch_is_undone_and_named():
    X, Y, _ = problem()
    net = network()
    stepper = stepper_for(net, as_source(net, X, Y), solver="sgd", batch_size=5)
    stepper.epoch(0.01, None)
    start = [p.copy() for p in net.weights + net.biases]  # the weights at the start of the next epoch
    total = stepper.epoch(0.01, None)
    assert stepper.restore_if_diverged(total) is None  # finite: the epoch's steps stay
    assert not any(np.array_equal(p, s) for p, s in zip(net.weights, start))
    stepper.theta[0] = np.inf
    assert stepper.restore_if_diverged(total) == "a weight"
    for p, s in zip(net.weights + net.biases, start):
        np.testing.assert_array_equal(p, s)
    assert stepper.restore_if_diverged(float("nan")) == "the loss"
    for p, s in zip(net.weights + net.biases, start):
        np.testing.assert_array_equal(p, s)


def test_batch_size_larger_than_the_data_is_refused():
    X, Y, _ = problem(n=4)
    net = network()
    with pytest.raises(dp.InputError, match="batch_size=5 is larger than the 4 training examples"):
        stepper_for(net, as_source(net, X, Y), solver="sgd", batch_size=5)


@pytest.mark.parametrize("alpha", [0.0, 1e-2])
@pytest.mark.parametrize("wrap", [False, True], ids=["workspace", "source_gradient"])
def test_lbfgs_through_the_preallocated_workspace_is_bitwise_the_reference_objective(alpha, wrap):
    """The L-BFGS driver's objective (one Workspace per fit, gradient cast into scipy's vector in
    one pass; or the source's own gradient) against the plain one: a fresh concatenation,
    float64 conversion and division per evaluation, run through the same scipy minimiser."""
    from deltaprop.optimizers import lbfgs_minimize

    X, Y, sw = problem(n=40)
    net, ref = network(), network()
    data = as_source(net, X, Y, sw)
    trainer = dp.Trainer(solver="lbfgs", epochs=6, weight_decay=alpha, tol=None)
    trainer.fit(net, NoArrays(data) if wrap else data)
    ref_data = as_source(ref, X, Y, sw)

    def objective(theta):
        ref.set_flat_parameters(theta)
        J, dW, db = ref_data.loss_and_gradient(ref)
        for W, g in zip(ref.weights, dW):
            g += alpha * W
            J += 0.5 * alpha * float(np.vdot(W, W))
        grad = np.concatenate([g.ravel() for pair in zip(dW, db) for g in pair]).astype(np.float64)
        return J / 40, grad / 40

    res = lbfgs_minimize(objective, ref.get_flat_parameters(), max_iter=6)
    np.testing.assert_array_equal(net.get_flat_parameters(), res.x.astype(np.float32))
    assert trainer.history.n_epochs == 6


def _blas_threads_now():
    from threadpoolctl import threadpool_info

    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


@pytest.mark.parametrize("solver, sizes, batch_size", [("sgd", [4, 6, 3], 5), ("lbfgs", [4, 6, 3], None),
                                                       ("sgd", [784, 1024, 3], 256)])
def test_every_fit_runs_under_the_thread_policy_and_restores_the_limit(solver, sizes, batch_size):
    """Trainer.fit and partial_fit (and so the estimators) run inside fit_threads: tiny layers on
    one BLAS thread, a W3-sized layer on as many as choose_threads allows; the limit the fit
    found is back afterwards."""
    from threadpoolctl import threadpool_limits

    from deltaprop._threads import available_cores, choose_threads
    from deltaprop.callbacks import LambdaCallback

    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, sizes[0])).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 256)]
    net = dp.Network(sizes, output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
    seen = []
    record = LambdaCallback(on_epoch_end=lambda *args: seen.append(_blas_threads_now()))
    with threadpool_limits(limits=2, user_api="blas"):
        expected = choose_threads(sizes, batch_size or 256)
        trainer = dp.Trainer(solver=solver, batch_size=batch_size, epochs=1, callbacks=[record])
        trainer.fit(net, X, Y)
        if solver == "sgd":
            trainer.partial_fit(net, X, Y)
        assert _blas_threads_now() == 2
    assert seen == [expected] * len(seen) and len(seen) == (2 if solver == "sgd" else 1)
    assert expected == (1 if sizes[1] == 6 else min(2, available_cores()))


@pytest.mark.skipif(not numba_available(), reason="the compiled updates need numba (extra 'fast')")
@pytest.mark.parametrize("name", ["sgd", "adam"])
@pytest.mark.parametrize("via", ["compiled", "bind_compiled"])
def test_compiled_updates_refuse_arrays_whose_flattening_would_be_a_copy(name, via):
    opt = OPTIMIZERS[name]
    params = [np.asfortranarray(np.ones((3, 4)))]
    state, grads = opt.init(params, **({"momentum": 0.9} if name == "sgd" else {})), [np.ones((3, 4))]
    with pytest.raises(InputError, match="C-contiguous"):
        if via == "compiled":
            opt.compiled(state, params, grads, 0.1, 1.0)
        else:
            opt.bind_compiled(state, params, grads)


@pytest.mark.skipif(not numba_available(),
                    reason="the compiled updates need numba (extra 'fast')")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, options, scale", [
    ("sgd", dict(momentum=0.0), 0.2), ("sgd", dict(momentum=0.9), 1.0), ("sgd", dict(momentum=0.9, nesterov=True), 0.2),
    ("adam", dict(), 1.0), ("adam", dict(beta_1=0.5, epsilon=1e-4), 0.2)])
@pytest.mark.parametrize("alpha", [0.0, 1e-2])
@pytest.mark.parametrize("via", ["compiled", "bind_compiled"])
def test_compiled_optimizer_updates_are_bitwise_the_numpy_updates(name, options, scale, dtype, alpha, via):
    """Including the weight-decay term folded into the pass (on the first 20 entries of each
    array), called per step or bound once per fit (the stepper's way)."""
    opt = OPTIMIZERS[name]
    rng = np.random.default_rng(1)
    params = [rng.normal(size=(7, 5)).astype(dtype), rng.normal(size=300).astype(dtype)]
    ref_params = [p.copy() for p in params]
    state, ref_state = opt.init(params, **options), opt.init(ref_params, **options)
    grad_buffers = [np.empty_like(p) for p in params]
    if via == "compiled":
        def compiled(state, params, grads, lr, scale, alpha, n_decay):
            opt.compiled(state, params, grads, lr, scale, alpha=alpha, n_decay=n_decay)
    else:
        bound = opt.bind_compiled(state, params, grad_buffers, alpha=alpha, n_decay=20)

        def compiled(state, params, grads, lr, scale, alpha, n_decay):
            for buffer, g in zip(grad_buffers, grads):
                buffer[...] = g
            bound(lr, scale)
    for step in range(4):
        grads = [rng.normal(size=p.shape).astype(dtype) for p in params]
        compiled(state, params, [g.copy() for g in grads], 0.05, scale, alpha=alpha, n_decay=20)
        for p, g in zip(ref_params, grads):
            g.reshape(-1)[:20] += alpha * p.reshape(-1)[:20]
        opt.update(ref_state, ref_params, grads, 0.05, scale)
    for a, b in zip(params + state.get("velocity", []) + state.get("m", []) + state.get("v", []),
                    ref_params + ref_state.get("velocity", []) + ref_state.get("m", []) + ref_state.get("v", [])):
        np.testing.assert_array_equal(a, b)
    assert state.get("t") == ref_state.get("t")


@pytest.mark.skipif(not numba_available(), reason="the compiled epoch needs numba (extra 'fast')")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("units", [("sigmoid", "softmax", "cross_entropy"), ("tanh", "sigmoid", "binary_cross_entropy"),
                                   ("relu", "identity", "squared_error"), ("sigmoid", "sigmoid", "squared_error")])
@pytest.mark.parametrize("kw", [dict(solver="sgd"), dict(solver="sgd", momentum=0.9, nesterov=True, weight_decay=1e-2),
                                dict(solver="sgd", momentum=0.5, reduction="sum", learning_rate=1e-3),
                                dict(solver="sgd", weight_decay=1e-2), dict(solver="adam", weight_decay=1e-2),
                                dict(solver="adam", beta_1=0.5, epsilon=1e-4)], ids=str)
@pytest.mark.parametrize("weighted", [False, True])
def test_the_compiled_whole_epoch_is_bitwise_the_python_whole_epoch(kw, units, dtype, weighted):
    # 23 examples in batches of 5: four full batches and a last one of 3.
    X, Y, sw = problem(weighted=weighted)
    hidden, output, loss = units
    if loss == "binary_cross_entropy":
        Y = Y[:, :1]
    results = []
    for compiled in (True, False):
        net = dp.Network([4, 6, Y.shape[1]], activation=hidden, output_activation=output, loss=loss, seed=0,
                         dtype=dtype)
        data = as_source(net, X.astype(dtype), Y.astype(dtype), sw)
        stepper = stepper_for(net, data, batch_size=5, **kw)
        assert stepper.epoch_compiled
        stepper.epoch_compiled = compiled  # False: the Python loop over the same steps
        totals = [stepper.epoch(0.05, np.random.default_rng(epoch) if epoch else None) for epoch in range(3)]
        results.append((totals, net.get_flat_parameters(), stepper._opt_state, stepper.steps))
    (t1, p1, s1, n1), (t2, p2, s2, n2) = results
    assert t1 == t2 and n1 == n2 == 5
    np.testing.assert_array_equal(p1, p2)
    for key in ("velocity", "m", "v"):
        for a, b in zip(s1.get(key, []), s2.get(key, [])):
            np.testing.assert_array_equal(a, b)
    assert s1.get("t") == s2.get("t")


def test_the_compiled_whole_epoch_is_not_taken_with_clipping_a_step_callback_or_two_hidden_layers():
    X, Y, sw = problem()
    net = network()
    data = as_source(net, X, Y, sw)
    assert not stepper_for(net, data, solver="sgd", batch_size=5, clip_norm=1.0).epoch_compiled
    assert not stepper_for(net, data, on_step=lambda J, n: None, solver="sgd", batch_size=5).epoch_compiled
    deep = dp.Network([4, 6, 5, 3], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
    assert not stepper_for(deep, as_source(deep, X, Y, sw), solver="sgd", batch_size=5).epoch_compiled
