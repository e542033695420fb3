import os
import signal

import numpy as np

import deltaprop as dp
from deltaprop.callbacks import LambdaCallback, StopOnSignal

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
