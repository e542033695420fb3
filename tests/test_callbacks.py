import os
import signal

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.callbacks import Checkpoint, LambdaCallback, StopOnSignal, load_checkpoint

rng = np.random.default_rng(0)
X = rng.normal(size=(30, 3))
Y = 1 / (1 + np.exp(-X[:, :1]))


def test_lambda_callback_runs_only_the_given_hooks():
    events = []
    cb = LambdaCallback(on_train_begin=lambda t, n: events.append("begin"),
                        on_train_end=lambda t, n, h: events.append(("end", h.n_epochs)))
    assert not hasattr(cb, "on_step_end") and not hasattr(cb, "on_epoch_end")
    dp.train(dp.Network([3, 2, 1], seed=0), X, Y, epochs=3, callbacks=[cb])
    assert events == ["begin", ("end", 3)]


def test_on_train_end_runs_when_training_diverges():
    ends = []
    cb = LambdaCallback(on_train_end=lambda t, n, h: ends.append(h.stop_reason))
    net = dp.Network([3, 8, 1], activation="relu", output_activation="identity", seed=0)
    try:
        dp.train(net, X * 100, Y, learning_rate=1e6, epochs=50, callbacks=[cb])
    except dp.DivergenceError:
        pass
    assert ends == ["diverged"]


def test_stop_on_signal_finishes_the_epoch_and_resumes_bitwise():
    def interrupt_at_step_4(trainer, net, step, logs):
        if step == 4:
            os.kill(os.getpid(), signal.SIGINT)

    kw = dict(solver="sgd", batch_size=5, momentum=0.9, epochs=6, seed=1)
    net = dp.Network([3, 2, 1], seed=0)
    stopper = StopOnSignal()
    trainer = dp.Trainer(callbacks=[stopper, LambdaCallback(on_step_end=interrupt_at_step_4)], **kw)
    history = trainer.fit(net, X, Y)  # no KeyboardInterrupt escapes
    assert history.stop_reason == "interrupted" and history.n_epochs == 1  # step 4 is in epoch 0 (6 steps)
    assert stopper.received == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    resumed = dp.Trainer(**kw)
    resumed.load_state_dict(trainer.state_dict())
    resumed.fit(net, X, Y, resume=True)
    straight = dp.Network([3, 2, 1], seed=0)
    dp.Trainer(**kw).fit(straight, X, Y)
    for a, b in zip(net.weights + net.biases, straight.weights + straight.biases):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ Checkpoint
def _data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(24, 3))
    return X, (X[:, :2] > 0).astype(float)


class _Crash(Exception):
    pass


def _crash_after(n_epochs):
    def on_epoch_end(trainer, net, epoch, logs):
        if epoch + 1 == n_epochs:
            raise _Crash

    return LambdaCallback(on_epoch_end=on_epoch_end)


@pytest.mark.parametrize("solver, kw", [
    ("gd", {"learning_rate": 0.5}),
    ("sgd", {"batch_size": 5, "momentum": 0.9, "nesterov": True}),
    ("adam", {"batch_size": 5}),
    ("rprop", {}),
    ("quickprop", {}),
    ("sgd", {"batch_size": 5, "early_stopping": True, "validation_fraction": 0.25}),
])
def test_checkpoint_after_a_crash_resumes_bitwise(tmp_path, solver, kw):
    X, Y = _data()
    reference = dp.Network([3, 4, 2], seed=1)
    dp.Trainer(solver=solver, epochs=12, seed=3, **kw).fit(reference, X, Y)

    path = tmp_path / "run.ckpt"
    crashed = dp.Network([3, 4, 2], seed=1)
    trainer = dp.Trainer(solver=solver, epochs=12, seed=3, callbacks=[Checkpoint(path, every=3), _crash_after(8)], **kw)
    with pytest.raises(_Crash):
        trainer.fit(crashed, X, Y)

    saved = load_checkpoint(path)
    assert saved.epoch == 6  # the last multiple of 3 before the crash; the crash saved nothing
    again = dp.Trainer(**saved.settings)
    again.load_state_dict(saved.state)
    again.fit(saved.network, X, Y, resume=True)
    for a, b in zip(reference.weights + reference.biases, saved.network.weights + saved.network.biases):
        assert np.array_equal(a, b)


def test_checkpoint_is_written_where_a_signal_stopped_training(tmp_path):
    X, Y = _data()
    path = tmp_path / "run.ckpt"
    def ring(trainer, net, epoch, logs):
        if epoch == 4:
            signal.raise_signal(signal.SIGINT)

    ring = LambdaCallback(on_epoch_end=ring)
    trainer = dp.Trainer(solver="adam", batch_size=6, epochs=50, seed=0,
                         callbacks=[ring, StopOnSignal(), Checkpoint(path, every=100)])
    history = trainer.fit(dp.Network([3, 4, 2], seed=0), X, Y)
    assert history.stop_reason == "interrupted"
    saved = load_checkpoint(path)
    assert saved.epoch == 5 and saved.state["history"]["stop_reason"] == "interrupted"


def test_checkpoint_keeps_the_last_good_file_when_training_diverges(tmp_path):
    X, Y = _data()
    path = tmp_path / "run.ckpt"
    net = dp.Network([3, 4, 2], activation="identity", output_activation="identity", seed=0)
    trainer = dp.Trainer(solver="gd", learning_rate=1e3, epochs=40, callbacks=[Checkpoint(path, every=1)])
    with pytest.raises(dp.DivergenceError) as info:
        trainer.fit(net, X * 1e3, Y)
    saved = load_checkpoint(path)
    assert saved.epoch == info.value.epoch
    assert all(np.isfinite(p).all() for p in saved.network.weights)


def test_checkpoint_metadata_round_trips_and_a_model_file_is_refused(tmp_path):
    X, Y = _data()
    path = tmp_path / "run.ckpt"
    dp.Trainer(solver="rprop", epochs=2, callbacks=[Checkpoint(path, metadata={"note": "hello"})]).fit(
        dp.Network([3, 2, 2], seed=0), X, Y)
    assert load_checkpoint(path).metadata == {"note": "hello"}
    model = tmp_path / "model.safetensors"
    dp.save(dp.Network([3, 2, 2], seed=0), model)
    with pytest.raises(dp.ModelFileError, match="not a training checkpoint"):
        load_checkpoint(model)
