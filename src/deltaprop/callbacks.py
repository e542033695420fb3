"""Ready-made training callbacks.

A callback is any object with some of the hooks :class:`~deltaprop.training.Trainer` calls
(``on_train_begin``, ``on_epoch_end``, ``on_step_end``, ``on_train_end``). The library never
prints: progress display lives in the command line, which supplies its own callback.

:class:`Checkpoint` saves the full training state (weights, optimizer state, random
generator state, epoch counters, history) atomically every few epochs, so an interrupted
run continues bitwise identically from the last checkpoint::

    ckpt = Checkpoint("run.ckpt", every=10)
    trainer = dp.Trainer(solver="adam", epochs=500, seed=0, callbacks=[ckpt])
    with ckpt.catch_interrupt():          # Ctrl-C: finish the epoch, save, stop
        trainer.fit(net, X, Y)

    saved = load_checkpoint("run.ckpt")   # later, in another process
    trainer = dp.Trainer(**saved.settings, callbacks=[ckpt])
    trainer.load_state_dict(saved.state)
    trainer.fit(saved.network, X, Y, resume=True)
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from . import modelfile
from ._validation import check_positive
from .errors import ModelFileError
from .network import Network

__all__ = ["Checkpoint", "SavedCheckpoint", "load_checkpoint", "INTERRUPTED"]

#: The stop reason of a run that :meth:`Checkpoint.catch_interrupt` ended on Ctrl-C.
INTERRUPTED = "interrupted"

# Nested trainer state is stored as JSON with each ndarray replaced by a reference to a
# named array of the file: {"__array__": "state.optimizer.velocity.0"}.
_ARRAY_REF = "__array__"


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
    interrupted : bool
        True once Ctrl-C was caught by :meth:`catch_interrupt`.

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
        self.interrupted = False

    # ------------------------------------------------------------------ hooks
    def on_epoch_end(self, trainer, net: Network, epoch: int, logs: dict):
        done = epoch + 1
        if self.interrupted or done % self.every == 0:
            # During a run the trainer's own copy of the last weights is stale: take the net's.
            self.save(trainer, net, params=net.weights + net.biases)
        return INTERRUPTED if self.interrupted else None

    def on_train_end(self, trainer, net: Network, history) -> None:
        # After early stopping the net holds the best epoch's weights; the state's "params"
        # are the last ones, which is what a resumed run continues from.
        state_params = trainer.state_dict()["params"]
        self.save(trainer, net, params=state_params)

    # ------------------------------------------------------------------ saving
    def save(self, trainer, net: Network, *, params=None) -> None:
        """Write the checkpoint now: ``trainer.state_dict()`` with ``params`` as its last weights."""
        state = trainer.state_dict()
        if params is not None:
            state["params"] = [np.array(p, copy=True) for p in params]
        n = len(net.weights)
        current = state["params"] if state["params"] is not None else net.weights + net.biases
        arrays = {f"weights.{t}": current[t] for t in range(n)}
        arrays.update({f"biases.{t}": current[n + t] for t in range(n)})
        tree = _to_tree(state, "state", arrays)
        meta = {"architecture": net.config(), "trainer_state": tree, "metadata": self.metadata}
        modelfile.save_state(self.path, arrays, meta)
        self.last_epoch = int(state["epoch"])

    @contextlib.contextmanager
    def catch_interrupt(self) -> Iterator["Checkpoint"]:
        """Within the block, Ctrl-C (SIGINT) ends training cleanly at the end of the epoch.

        The first Ctrl-C sets :attr:`interrupted`; the epoch finishes, a checkpoint is saved
        and training stops with ``history.stop_reason == "interrupted"``. A second Ctrl-C
        interrupts at once (``KeyboardInterrupt``). Outside the main thread, where signal
        handlers cannot be set, the block changes nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):
            self.interrupted = True
            signal.signal(signal.SIGINT, previous if callable(previous) else signal.default_int_handler)

        signal.signal(signal.SIGINT, handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


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
    try:
        state = _from_tree(meta["trainer_state"], arrays)
        n = len(meta["architecture"]["layer_sizes"]) - 1
        net = Network.from_config(meta["architecture"], [arrays[f"weights.{t}"] for t in range(n)],
                                  [arrays[f"biases.{t}"] for t in range(n)])
        return SavedCheckpoint(state=state, network=net, settings=dict(state["settings"]),
                               metadata=dict(meta.get("metadata") or {}), epoch=int(state["epoch"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(
            f"checkpoint {str(path)!r} does not hold a deltaprop training state ({exc!r}); "
            "it was not written by deltaprop.callbacks.Checkpoint"
        ) from exc


def _to_tree(obj, name: str, arrays: dict):
    """Plain data with every ndarray moved into ``arrays`` under a dotted name."""
    if isinstance(obj, np.ndarray):
        arrays[name] = obj
        return {_ARRAY_REF: name}
    if isinstance(obj, dict):
        return {str(k): _to_tree(v, f"{name}.{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_tree(v, f"{name}.{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _from_tree(obj, arrays: dict):
    if isinstance(obj, dict):
        if set(obj) == {_ARRAY_REF}:
            return arrays[obj[_ARRAY_REF]]
        return {k: _from_tree(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_tree(v, arrays) for v in obj]
    return obj
