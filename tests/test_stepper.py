import dataclasses

import numpy as np
import pytest

import deltaprop as dp
from deltaprop._kernels import Workspace
from deltaprop._settings import resolve
from deltaprop._stepper import Stepper
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


def test_momentum_takes_the_general_path_bitwise_the_update_applied_layer_by_layer():
    X, Y, sw = problem(weighted=False)
    net, ref = network(), network()
    stepper = stepper_for(net, as_source(net, X, Y), solver="sgd", batch_size=5, learning_rate=0.1, momentum=0.9)
    assert not stepper.fused and not stepper.whole_epoch
    opt = OPTIMIZERS["sgd"]
    ref_params = ref.weights + ref.biases
    state, ws = opt.init(ref_params, momentum=0.9), Workspace(ref, 5)
    for epoch in range(2):
        stepper.epoch(0.1, np.random.default_rng(epoch))
        for Xb, Yb, swb in as_source(ref, X, Y).batches(5, np.random.default_rng(epoch)):
            ws.loss_and_gradient(Xb, Yb, swb)
            opt.update(state, ref_params, [g.copy() for g in ws.dW + ws.db], 0.1, 1.0 / Xb.shape[0])
    for a, b in zip(net.weights + net.biases, ref_params):
        np.testing.assert_array_equal(a, b)


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
