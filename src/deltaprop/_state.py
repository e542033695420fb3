"""Run state: the :class:`History` of a run, its mutable :class:`Run` record, and the plain-data
layout of :meth:`Trainer.state_dict <deltaprop.training.Trainer.state_dict>` (format
:data:`STATE_FORMAT`) with :func:`split_state` / :func:`join_state` for files.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np

from . import _watch
from .errors import InputError

__all__ = ["STATE_FORMAT", "History", "Run", "run_state", "run_from_state", "split_state", "join_state"]

#: Version of the layout of :meth:`Trainer.state_dict <deltaprop.training.Trainer.state_dict>`.
STATE_FORMAT = 1


@dataclass
class History:
    """What happened in a run, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Training objective per epoch (see :mod:`deltaprop.training`: summed or averaged
        over the examples as the reduction says, weight-decay term included).
    val_loss : list of float
        Validation loss per epoch (``sum_i s_i J_i`` over the validation examples, divided
        by their number for "mean"; no weight-decay term). Empty without validation data.
    val_metric : list of float
        ``metric(net, X_val, Y_val)`` per epoch when a metric is given (higher is better).
    time : list of float
        Wall-clock seconds of each epoch, validation included.
    learning_rate : list of float
        The learning rate each epoch used (NaN for solvers without one: rprop, lbfgs).
    best_epoch : int or None
        Index of the best epoch: the best validation score with early stopping (its weights
        are the ones restored), otherwise the lowest training loss.
    restored_epoch : int or None
        The epoch whose weights the network holds when they are not the last epoch's: with
        early stopping, ``best_epoch`` when its weights were restored at the end; None when
        the network holds the last epoch's weights.
    solver : str or None
        The solver's name (None before the first fit).
    reduction : {"sum", "mean"} or None
        Whether ``loss`` is the sum over the examples or the per-example mean (the
        gradient's reduction; ``eta_sum = eta_mean / N``).
    stop_reason : str or None
        ``"max_epochs"``, ``"tol"``, ``"early_stopping"``, ``"min_learning_rate"``,
        ``"callback"`` (or the string a callback returned), ``"diverged"``, or for lbfgs
        ``"converged"`` / scipy's message.
    """

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    time: list = field(default_factory=list)
    learning_rate: list = field(default_factory=list)
    best_epoch: int | None = None
    stop_reason: str | None = None
    restored_epoch: int | None = None
    solver: str | None = None
    reduction: str | None = None

    _LISTS = ("loss", "val_loss", "val_metric", "time", "learning_rate")

    @property
    def n_epochs(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        """One line: epochs, final and best loss, the best epoch and why the run stopped (not every float).

        Examples
        --------
        >>> History(loss=[0.9, 0.5, 0.6], best_epoch=1, stop_reason="tol")
        History(epochs=3, loss=0.6 (best 0.5 at epoch 1), stop_reason='tol')
        """
        if not self.loss:
            return f"History(epochs=0, stop_reason={self.stop_reason!r})"
        loss = np.asarray(self.loss, dtype=np.float64)
        finite = np.flatnonzero(np.isfinite(loss))  # a diverged run ends in inf or NaN
        best = f" (best {_short(loss[finite].min())} at epoch {finite[np.argmin(loss[finite])]})" if finite.size else ""
        parts = [f"epochs={self.n_epochs}", f"loss={_short(loss[-1])}{best}"]
        if self.val_loss:
            parts.append(f"val_loss={_short(self.val_loss[-1])}")
        if self.val_metric:
            parts.append(f"val_metric={_short(self.val_metric[-1])} (best {_short(max(self.val_metric))})")
        if self.best_epoch is not None and (self.val_loss or self.val_metric):
            parts.append(f"best_epoch={self.best_epoch}")
        parts.append(f"stop_reason={self.stop_reason!r}")
        return f"History({', '.join(parts)})"

    def to_dict(self) -> dict:
        """Plain data (lists of floats, ints, strings) for model files and checkpoints."""
        d = asdict(self)
        for name in self._LISTS:
            d[name] = [float(v) for v in d[name]]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls(**{name: list(d.get(name, [])) for name in cls._LISTS},
                   best_epoch=d.get("best_epoch"), stop_reason=d.get("stop_reason"),
                   restored_epoch=d.get("restored_epoch"), solver=d.get("solver"),
                   reduction=d.get("reduction"))


def _short(value: float) -> str:
    """A loss or score with 6 significant digits."""
    return f"{float(value):.6g}"


@dataclass
class Run:
    """The mutable state of one run: everything :meth:`Trainer.state_dict` saves.

    ``stopping`` is :class:`~deltaprop.stopping.StoppingRule`'s plain-data state;
    ``last_params`` the weights at the end of the last fit (what a resume starts from);
    ``watch`` the plain-data state of the run's divergence and saturation rules
    (:mod:`deltaprop._watch`).
    """

    solver: str
    rng: np.random.Generator
    opt_state: dict
    schedule_state: dict
    stopping: dict
    history: History = field(default_factory=History)
    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    examples_seen: int = 0  # scikit-learn's t_
    last_params: list | None = None
    val_index: np.ndarray | None = None
    layer_shapes: list | None = None
    watch: dict = field(default_factory=_watch.init)


def run_state(run: Run, settings: dict, params: list | None) -> dict:
    """The state dict of ``run`` (format :data:`STATE_FORMAT`), deep copies throughout.

    ``settings`` is the trainer's ``get_config()``; ``params`` the weights to save (the live
    ones during training, else ``run.last_params``).
    """
    stop = run.stopping
    return copy.deepcopy({
        "format": STATE_FORMAT,
        "solver": run.solver,
        "settings": settings,
        "epoch": run.epoch,
        "step": run.step,
        "examples_seen": run.examples_seen,
        "rng": run.rng.bit_generator.state,
        "optimizer": run.opt_state,
        "schedule": run.schedule_state,
        "history": run.history.to_dict(),
        "no_improvement": stop["no_improvement"],
        "best_value": stop["best_value"],
        "best_params": stop["best_params"],
        "val_index": run.val_index,
        "layer_shapes": run.layer_shapes,
        "watch": run.watch,
        "params": params,
    })


def _rng_from_state(state: dict) -> np.random.Generator:
    """The Generator whose ``bit_generator.state`` is ``state`` (numpy has no constructor for it)."""
    name = state["bit_generator"]
    bit_generator_cls = getattr(np.random, name, None)
    if bit_generator_cls is None:
        raise InputError(f"the state's random generator {name!r} is not one numpy provides")
    bg = bit_generator_cls()
    bg.state = state
    return np.random.Generator(bg)


def run_from_state(state: dict) -> Run:
    """The :class:`Run` a state dict describes (deep copies: the run never aliases ``state``).

    Raises
    ------
    InputError
        When ``state`` is not a trainer state of format :data:`STATE_FORMAT`.
    """
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise InputError(f"not a deltaprop trainer state of format {STATE_FORMAT} (found {found!r}); "
                         "pass what Trainer.state_dict() returned")
    state = copy.deepcopy(state)
    history = History.from_dict(state["history"])
    return Run(
        solver=state["solver"],
        rng=_rng_from_state(state["rng"]),
        opt_state=state["optimizer"],
        schedule_state=state["schedule"],
        stopping={"best_value": float(state["best_value"]), "no_improvement": int(state["no_improvement"]),
                  "best_epoch": history.best_epoch, "best_params": state["best_params"]},
        history=history,
        epoch=int(state["epoch"]),
        step=int(state["step"]),
        examples_seen=int(state["examples_seen"]),
        last_params=state["params"],
        val_index=None if state["val_index"] is None else np.asarray(state["val_index"]),
        layer_shapes=[list(s) for s in state["layer_shapes"]],
        watch=state.get("watch") or _watch.init(),
    )


# split/join walk the tree with module-level functions that take the arrays dict as an
# argument: a nested recursive closure refers to itself through its cell, a reference cycle
# that would keep every state array alive until the cyclic garbage collector runs.
def _split(obj, path: str, arrays: dict):
    if isinstance(obj, np.ndarray):
        arrays[path] = obj
        return {"__array__": path}
    if isinstance(obj, dict):
        return {k: _split(v, f"{path}.{k}" if path else k, arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split(v, f"{path}.{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _join(obj, arrays: dict):
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            name = obj["__array__"]
            if name not in arrays:
                raise InputError(f"the trainer state refers to array {name!r}, which is missing")
            return np.asarray(arrays[name])
        return {k: _join(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join(v, arrays) for v in obj]
    return obj


def split_state(state: dict) -> tuple[dict[str, np.ndarray], dict]:
    """Split a :meth:`Trainer.state_dict` into named arrays and JSON-ready metadata.

    Every ndarray is replaced by ``{"__array__": name}`` with ``name`` its path
    (``"optimizer.m.0"``), so the pair can be written as safetensors arrays plus one JSON
    string; :func:`join_state` reverses it. No reference cycle is formed: the arrays are
    freed as soon as the caller drops the result.

    Returns
    -------
    arrays : dict of str to ndarray
        The state's own arrays (not copies).
    meta : dict
        Plain data that ``json.dumps`` accepts (non-finite floats as NaN / Infinity).

    Examples
    --------
    >>> import numpy as np
    >>> arrays, meta = split_state({"epoch": 3, "optimizer": {"m": [np.zeros(2)]}})
    >>> list(arrays), meta
    (['optimizer.m.0'], {'epoch': 3, 'optimizer': {'m': [{'__array__': 'optimizer.m.0'}]}})
    """
    arrays: dict[str, np.ndarray] = {}
    return arrays, _split(state, "", arrays)


def join_state(arrays: dict, meta: dict) -> dict:
    """The state dict that :func:`split_state` split into ``(arrays, meta)``.

    Raises
    ------
    InputError
        When ``meta`` names an array that ``arrays`` lacks.
    """
    return _join(meta, arrays)
