"""Ready-made training callbacks.

A callback is any object with some of these methods (see :class:`deltaprop.Trainer`):

``on_train_begin(trainer, net)``
    once, before the first epoch of a ``fit`` / ``partial_fit`` call;
``on_epoch_end(trainer, net, epoch, logs) -> bool | str | None``
    after every epoch (``epoch`` is its 0-based index; ``logs`` has ``loss``, ``val_loss``,
    ``val_metric``, ``learning_rate``, ``time``). A truthy return stops training after this
    epoch, cleanly: the run can be saved with ``trainer.state_dict()`` and resumed. A string
    becomes ``history.stop_reason``;
``on_step_end(trainer, net, step, logs)``
    after every optimizer step (``logs`` has ``loss``, ``batch_size``, ``epoch``); only
    define it when needed, since it runs in the hot loop;
``on_train_end(trainer, net, history)``
    once, after the last epoch; also when training ends in an error such as
    :class:`~deltaprop.errors.DivergenceError` (then ``history.stop_reason == "diverged"``)
    or ``KeyboardInterrupt``, before the error propagates.

The library never prints: progress display belongs to callbacks that the CLI supplies.
"""

from __future__ import annotations

import signal
import threading
from typing import Callable

__all__ = ["LambdaCallback", "StopOnSignal"]


class LambdaCallback:
    """A callback from plain functions, for the hooks you need.

    Parameters
    ----------
    on_train_begin, on_epoch_end, on_step_end, on_train_end : callables, optional
        Called with the arguments listed in the module docstring.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> from deltaprop.callbacks import LambdaCallback
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> losses = []
    >>> cb = LambdaCallback(on_epoch_end=lambda trainer, net, epoch, logs: losses.append(logs["loss"]))
    >>> _ = dp.train(dp.Network([2, 3, 1], seed=0), X, Y, epochs=5, callbacks=[cb])
    >>> len(losses)
    5
    """

    def __init__(self, on_train_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_step_end: Callable | None = None, on_train_end: Callable | None = None):
        # Only the hooks given become attributes, so the trainer skips the others entirely.
        for name, f in (("on_train_begin", on_train_begin), ("on_epoch_end", on_epoch_end),
                        ("on_step_end", on_step_end), ("on_train_end", on_train_end)):
            if f is not None:
                if not callable(f):
                    raise TypeError(f"{name} must be callable, got {f!r}")
                setattr(self, name, f)


class StopOnSignal:
    """Stop training cleanly at the end of the current epoch when a signal arrives (Ctrl-C).

    While training runs, the signals (default SIGINT) set a flag instead of raising
    ``KeyboardInterrupt``; the epoch finishes, training stops with ``stop_reason ==
    "interrupted"``, and the trainer's state is consistent, ready for
    ``trainer.state_dict()``. The previous handlers come back at the end of training. A
    second signal during the same epoch calls the previous handler (so a second Ctrl-C still
    interrupts at once). Outside the main thread (where Python cannot install handlers) it
    does nothing.

    Attributes
    ----------
    received : int or None
        The signal that stopped training, if any.
    """

    def __init__(self, signals=(signal.SIGINT,)):
        self.signals = tuple(signals)
        self.received: int | None = None
        self._previous: dict = {}

    def _handle(self, signum, frame):
        if self.received is not None:
            previous = self._previous.get(signum)
            if callable(previous):
                previous(signum, frame)
            return
        self.received = signum

    def on_train_begin(self, trainer, net) -> None:
        self.received = None
        if threading.current_thread() is not threading.main_thread():
            return
        for s in self.signals:
            self._previous[s] = signal.signal(s, self._handle)

    def on_epoch_end(self, trainer, net, epoch, logs):
        return "interrupted" if self.received is not None else None

    def on_train_end(self, trainer, net, history) -> None:
        for s, previous in self._previous.items():
            signal.signal(s, previous)
        self._previous = {}
