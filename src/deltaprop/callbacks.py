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

:class:`Checkpoint` saves the full training state (weights, optimizer state, random
generator state, epoch counters, history) atomically every few epochs and where training
stops, so an interrupted run continues bitwise identically from the last checkpoint::

    ckpt = Checkpoint("run.ckpt", every=10)
    trainer = dp.Trainer(solver="adam", epochs=500, seed=0, callbacks=[StopOnSignal(), ckpt])
    trainer.fit(net, X, Y)                # Ctrl-C: finish the epoch, save, stop

    saved = load_checkpoint("run.ckpt")   # later, in another process
    trainer = dp.Trainer(**saved.settings, callbacks=[ckpt])
    trainer.load_state_dict(saved.state)
    trainer.fit(saved.network, X, Y, resume=True)
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from typing import Callable

from . import modelfile
from ._validation import check_positive
from ._schema import check_trainer_state
from .errors import ModelFileError
from .network import Network
from .training import join_state, split_state

__all__ = ["LambdaCallback", "StopOnSignal", "Checkpoint", "SavedCheckpoint", "load_checkpoint"]


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


class Checkpoint:
    """Save the training state to ``path`` every ``every`` epochs and when training ends.

    Each save is one atomic write (:func:`deltaprop.modelfile.save_state`): a crash or a
    kill during a save leaves the previous checkpoint in place. The file holds the network
    (``weights.t`` / ``biases.t`` and its architecture), :meth:`Trainer.state_dict` and
    ``metadata``; :func:`load_checkpoint` reads it back.

    Resuming from a checkpoint gives bitwise the weights of an uninterrupted run with the
    same settings and data, for every solver except ``lbfgs`` (scipy's L-BFGS restarts its
    curvature memory, so a resumed run is close but not identical).

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file (overwritten at each save).
    every : int, default 1
        Save after every ``every``-th epoch (counting from the start of the run).
    metadata : dict, optional
        JSON-serialisable data stored with every checkpoint (the CLI keeps its settings
        and preprocessing here).

    Attributes
    ----------
    last_epoch : int or None
        The number of epochs completed at the last save.

    Examples
    --------
    >>> import os, tempfile, numpy as np, deltaprop as dp
    >>> from deltaprop.callbacks import Checkpoint, load_checkpoint
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> path = os.path.join(tempfile.mkdtemp(), "xor.ckpt")
    >>> trainer = dp.Trainer(solver="sgd", batch_size=2, epochs=6, seed=0, callbacks=[Checkpoint(path, every=3)])
    >>> _ = trainer.fit(dp.Network([2, 3, 1], seed=0), X, Y)
    >>> load_checkpoint(path).epoch
    6
    """

    def __init__(self, path, every: int = 1, *, metadata: dict | None = None):
        check_positive(every, name="every", integer=True)
        self.path = path
        self.every = int(every)
        self.metadata = dict(metadata or {})
        self.last_epoch: int | None = None

    # ------------------------------------------------------------------ hooks
    def on_epoch_end(self, trainer, net: Network, epoch: int, logs: dict) -> None:
        if (epoch + 1) % self.every == 0:
            self.save(trainer, net)

    def on_train_end(self, trainer, net: Network, history) -> None:
        # A run that ended cleanly (all epochs, a stopping rule, a callback such as
        # StopOnSignal) is saved where it stopped. A run cut short by an error (divergence,
        # KeyboardInterrupt mid-epoch) is not: the last good checkpoint stays.
        if history.stop_reason is not None and history.stop_reason != "diverged":
            self.save(trainer, net)

    # ------------------------------------------------------------------ saving
    def save(self, trainer, net: Network) -> None:
        """Write the checkpoint now, from ``trainer.state_dict()`` (its ``params`` are the last weights)."""
        state = trainer.state_dict()
        n = len(net.weights)
        params = state.pop("params")  # stored once, as the network's arrays
        arrays, tree = split_state(state)
        arrays.update({f"weights.{t}": params[t] for t in range(n)})
        arrays.update({f"biases.{t}": params[n + t] for t in range(n)})
        meta = {"architecture": net.config(), "trainer_state": tree, "metadata": self.metadata}
        modelfile.save_state(self.path, arrays, meta)
        self.last_epoch = int(state["epoch"])


@dataclass
class SavedCheckpoint:
    """What :func:`load_checkpoint` returns.

    Attributes
    ----------
    state : dict
        For :meth:`Trainer.load_state_dict`.
    network : Network
        The network at the checkpoint (its last weights).
    settings : dict
        The trainer's settings (``Trainer(**settings)`` rebuilds it, without ``metric``,
        ``callbacks`` and ``seed``, which a resumed run does not need: the random
        generator's state is in ``state``).
    metadata : dict
        What the :class:`Checkpoint` was given.
    epoch : int
        Epochs completed.
    """

    state: dict
    network: Network
    settings: dict
    metadata: dict
    epoch: int


def load_checkpoint(path) -> SavedCheckpoint:
    """Read a checkpoint written by :class:`Checkpoint`, checked like a model file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    SavedCheckpoint

    Raises
    ------
    ModelFileError
        The file is damaged, is a model rather than a checkpoint, or lacks the trainer state.
    MissingFileError, NotAFileError, FileAccessDeniedError

    Examples
    --------
    See :class:`Checkpoint`.
    """
    arrays, meta = modelfile.load_state(path)

    def fail(field: str, problem: str):
        raise ModelFileError(f"cannot load checkpoint {str(path)!r}: its field {field!r} {problem}; it was not written "
                             "by deltaprop.callbacks.Checkpoint or was edited; use an unedited checkpoint")

    for key in ("architecture", "trainer_state"):
        if key not in meta:
            fail(key, "is missing")
    # The schema and the relations to the file's arrays and layers, before any value is used.
    check_trainer_state(meta["trainer_state"], arrays, meta["architecture"]["layer_sizes"], fail)
    try:
        state = join_state(arrays, meta["trainer_state"])
        n = len(meta["architecture"]["layer_sizes"]) - 1
        weights = [arrays[f"weights.{t}"] for t in range(n)]
        biases = [arrays[f"biases.{t}"] for t in range(n)]
        state["params"] = [p.copy() for p in weights + biases]
        net = Network.from_config(meta["architecture"], weights, biases)
        return SavedCheckpoint(state=state, network=net, settings=dict(state["settings"]),
                               metadata=dict(meta.get("metadata") or {}), epoch=int(state["epoch"]))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, RecursionError) as exc:
        raise ModelFileError(
            f"checkpoint {str(path)!r} does not hold a deltaprop training state ({exc!r}); "
            "it was not written by deltaprop.callbacks.Checkpoint"
        ) from exc
