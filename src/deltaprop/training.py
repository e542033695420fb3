"""The trainer: any optimizer on a :class:`~deltaprop.network.Network`, with full control of a run.

One epoch is one pass over the training data. Full-batch solvers (``gd``, ``rprop``,
``quickprop``, ``lbfgs``) take one step per epoch from the gradient over all N examples;
mini-batch solvers (``sgd``, ``adam``) take one step per batch.

What a step minimises
---------------------
For a batch B of n examples with sample weights s_i (1 when not given) and L2 weight decay
alpha (``weight_decay``, on the weights W only, never the biases), the objective is

    J_B = sum_{i in B} s_i J_i + (alpha / 2) sum_t ||W_t||^2

and the step uses its gradient ``g_B = sum_{i in B} s_i dJ_i/dw + alpha W`` reduced as

* ``reduction="sum"``  (the notes'; the default for ``gd``):   g = g_B
* ``reduction="mean"`` (the default for the others):          g = g_B / n

so ``eta_sum = eta_mean / N``: ``gd`` with ``reduction="sum"`` and learning rate eta takes
the same steps as ``reduction="mean"`` with ``eta * N`` (bitwise when N is a power of two,
to the last few ulps otherwise). With "mean" the divisor is the batch's number of examples
``n`` even when sample weights are given. This is scikit-learn's ``MLP`` objective (its
``alpha`` is ``weight_decay``); scikit-learn 1.7+ divides by the sum of the sample
weights instead of ``n``. Gradient-norm clipping (``clip_norm``, Pascanu et al. 2013)
rescales the reduced gradient to that norm when it is longer.

The loss recorded per epoch in :class:`History` is the sum over the epoch's batches of
``J_B`` (each at the weights before its step), divided by N for "mean": for full-batch
solvers it is the objective at the start of the epoch; for mini-batches it is
scikit-learn's ``loss_curve_``.

Stopping
--------
After every epoch the trainer counts epochs without improvement: without early stopping
the training loss must fall below its best so far minus ``tol``; with early stopping the
validation score (``metric`` if given, higher is better, else minus the validation loss)
must rise above its best plus ``tol`` (scikit-learn's rule). After more than
``n_iter_no_change`` such epochs, a schedule that handles plateaus ("adaptive") divides the
learning rate by 5 and training goes on; otherwise training stops if ``tol`` is set or
early stopping is on (``tol=None`` runs all epochs). Early stopping restores the weights of
the best validation epoch at the end. A callback returning True from ``on_epoch_end`` stops
training as well.

Reproducibility and resume
--------------------------
All randomness (the validation split, the shuffling of examples each epoch) comes from
``numpy.random.default_rng(seed)``, so two fits with the same seed give bitwise identical
weights. :meth:`Trainer.state_dict` captures everything a run needs to continue bitwise
identically, as plain data: the last weights, the optimizer state, the Generator state,
epoch and step counters, the schedule, the history, the early-stopping record and the
validation split. ``epochs`` is the total target: ``fit(..., resume=True)`` continues the
run until the history has ``epochs`` epochs. (L-BFGS is the exception: scipy does not expose
its curvature memory, so a resumed lbfgs run restarts it from the last weights.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from ._kernels import Workspace
from ._validation import check_positive
from .errors import DivergenceError, InputError, InputTypeError
from .network import Network, forward_pass
from .optimizers import Optimizer, get_optimizer, lbfgs_minimize, sgd_update
from .schedules import get_schedule

__all__ = ["ArrayData", "History", "Trainer", "train", "split_state", "join_state", "STATE_FORMAT"]

#: Version of the layout of :meth:`Trainer.state_dict`.
STATE_FORMAT = 1

#: scikit-learn's ``batch_size="auto"``: min(200, N).
AUTO_BATCH_SIZE = 200


# ============================================================================ data sources
class ArrayData:
    """In-memory training data: the reference implementation of the data-source protocol.

    The trainer reads data only through this protocol, so other engines (Dask, memory-mapped
    files) plug in by implementing it:

    ``n_examples`` : int
        N, the number of examples.
    ``loss_and_gradient(net) -> (J, dW, db)``
        ``J = sum_i s_i J_i`` over *all* examples and its gradient, summed (not averaged),
        as lists shaped like ``net.weights`` / ``net.biases``. The caller may overwrite the
        returned arrays. Used by the full-batch solvers.
    ``batches(batch_size, rng) -> iterator of (X_b, Y_b, sw_b)``
        One epoch's mini-batches of at most ``batch_size`` examples, validated arrays of the
        network's dtype (``sw_b`` None when there are no sample weights). ``rng`` is a
        ``numpy.random.Generator`` to shuffle with, or None to keep the stored order.

    Optional: ``loss(net) -> float`` (J without the gradient, for validation), ``split(
    fraction, rng)`` (for ``validation_fraction``), ``take(index)`` and the attributes
    ``X``, ``Y``, ``sample_weight`` (for ``metric``).

    Parameters
    ----------
    X : array (N, n_inputs)
    Y : array (N, n_outputs); for one output a 1-D array of length N is accepted
    sample_weight : array (N,), optional
        s_i >= 0 in ``J = sum_i s_i J_i``.
    net : Network, optional
        When given, the arrays are validated against it and converted to its dtype (the
        trainer always passes it); otherwise they are taken as they are.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> data = dp.ArrayData(np.zeros((5, 2)), np.ones((5, 1)), net=net)
    >>> [len(Xb) for Xb, Yb, sw in data.batches(2, rng=None)]
    [2, 2, 1]
    """

    def __init__(self, X, Y, sample_weight=None, *, net: Network | None = None):
        if net is not None:
            X, Y, sample_weight = net._checked(X, Y, sample_weight)
        self.X: np.ndarray = X
        self.Y: np.ndarray = Y
        self.sample_weight: np.ndarray | None = sample_weight
        self.n_examples: int = int(X.shape[0])
        self._workspace: Workspace | None = None
        self._shuffled: tuple | None = None

    def loss_and_gradient(self, net: Network):
        ws = self._workspace
        if ws is None or ws.net is not net:
            ws = self._workspace = Workspace(net, self.n_examples)
        J = ws.loss_and_gradient(self.X, self.Y, self.sample_weight)
        return J, ws.dW, ws.db

    def sgd_step(self, net: Network, eta: float) -> float:
        """One full-batch step ``w <- w - eta dJ/dw`` in place; returns J before it."""
        ws = self._workspace
        if ws is None or ws.net is not net:
            ws = self._workspace = Workspace(net, self.n_examples)
        return ws.sgd_step(self.X, self.Y, self.sample_weight, eta)

    def loss(self, net: Network) -> float:
        o = forward_pass(net.weights, net.biases, net.activations, self.X)[-1]
        return net._J(o, self.Y, self.sample_weight)

    def batches(self, batch_size: int, rng: np.random.Generator | None = None) -> Iterator[tuple]:
        X, Y, sw = self.X, self.Y, self.sample_weight
        N = self.n_examples
        if rng is None:
            for start in range(0, N, batch_size):
                stop = start + batch_size
                yield X[start:stop], Y[start:stop], None if sw is None else sw[start:stop]
            return
        # One permutation per epoch; each batch is gathered into buffers of one batch's size,
        # reused for the whole fit (no copy of the data set). The batches are views of them,
        # valid until the next batch. mode="clip" lets np.take write straight into `out`
        # (the default mode allocates a temporary); perm's indices are all in range.
        perm = rng.permutation(N)
        Xb, Yb, swb = self._batch_buffers(batch_size)
        for start in range(0, N, batch_size):
            idx = perm[start:start + batch_size]
            n = idx.shape[0]
            X.take(idx, axis=0, out=Xb[:n], mode="clip")  # the method skips np.take's wrapper
            Y.take(idx, axis=0, out=Yb[:n], mode="clip")
            if sw is not None:
                sw.take(idx, out=swb[:n], mode="clip")
            yield Xb[:n], Yb[:n], None if sw is None else swb[:n]

    def _batch_buffers(self, batch_size: int) -> tuple:
        """``(Xb, Yb, swb)``: one batch's buffers to gather shuffled batches into, reused for the fit."""
        X, Y, sw = self.X, self.Y, self.sample_weight
        B = min(batch_size, self.n_examples)
        if self._shuffled is None or self._shuffled[0].shape[0] != B:
            self._shuffled = (np.empty((B,) + X.shape[1:], X.dtype), np.empty((B,) + Y.shape[1:], Y.dtype),
                              None if sw is None else np.empty(B, sw.dtype))
        return self._shuffled

    def sgd_epoch(self, ws: Workspace, batch_size: int, rng: np.random.Generator | None, lr: float,
                  mean: bool) -> float:
        """One epoch of plain SGD steps; returns the sum of the batch losses, each before its step.

        Bitwise the same as ``ws.sgd_step(Xb, Yb, swb, lr / n if mean else lr)`` for every
        ``(Xb, Yb, swb)`` of ``batches(batch_size, rng)`` (the same permutation, gathers and
        steps in the same order), without the per-batch Python work around them: for tiny
        layers that work costs as much as a third of the step. The full batches' index rows
        come from one reshape of the permutation and are gathered into the same buffers.
        """
        X, Y, sw = self.X, self.Y, self.sample_weight
        N = self.n_examples
        step = ws.sgd_step
        total = 0.0
        if rng is None:
            for start in range(0, N, batch_size):
                stop = min(start + batch_size, N)
                total += step(X[start:stop], Y[start:stop], None if sw is None else sw[start:stop],
                              lr / (stop - start) if mean else lr)
            return total
        perm = rng.permutation(N)
        Xb, Yb, swb = self._batch_buffers(batch_size)
        take_X, take_Y = X.take, Y.take  # positional (indices, axis, out, mode): no keyword parsing
        n_full = N // batch_size
        eta = lr / batch_size if mean else lr
        for idx in perm[:n_full * batch_size].reshape(n_full, batch_size):
            take_X(idx, 0, Xb, "clip")
            take_Y(idx, 0, Yb, "clip")
            if sw is not None:
                sw.take(idx, 0, swb, "clip")
            total += step(Xb, Yb, swb, eta)
        n = N - n_full * batch_size
        if n:
            idx = perm[n_full * batch_size:]
            take_X(idx, 0, Xb[:n], "clip")
            take_Y(idx, 0, Yb[:n], "clip")
            if sw is not None:
                sw.take(idx, 0, swb[:n], "clip")
            total += step(Xb[:n], Yb[:n], None if sw is None else swb[:n], lr / n if mean else lr)
        return total

    def take(self, index: np.ndarray) -> "ArrayData":
        """The examples at ``index`` (in that order) as a new ArrayData."""
        sw = None if self.sample_weight is None else self.sample_weight[index]
        return ArrayData(self.X[index], self.Y[index], sw)

    def split(self, fraction: float, rng: np.random.Generator) -> tuple["ArrayData", "ArrayData", np.ndarray]:
        """A random ``(train, validation, validation_index)`` split; ``fraction`` goes to validation.

        The training part keeps the original order of its examples.
        """
        n_val = int(math.ceil(fraction * self.n_examples))
        if n_val < 1 or n_val >= self.n_examples:
            raise InputError(
                f"validation_fraction={fraction} of {self.n_examples} examples leaves "
                f"{n_val} for validation and {self.n_examples - n_val} for training; both need at least one. "
                "Change validation_fraction or pass validation_data"
            )
        val_index = np.sort(rng.permutation(self.n_examples)[:n_val])
        return (*self.split_at(val_index), val_index)

    def split_at(self, val_index: np.ndarray) -> tuple["ArrayData", "ArrayData"]:
        """``(train, validation)`` with the examples at ``val_index`` held out."""
        mask = np.ones(self.n_examples, dtype=bool)
        mask[val_index] = False
        return self.take(np.flatnonzero(mask)), self.take(np.asarray(val_index))


def _is_data_source(obj) -> bool:
    return all(hasattr(obj, name) for name in ("n_examples", "loss_and_gradient", "batches"))


# ============================================================================ history
@dataclass
class History:
    """What happened in a run, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Training objective per epoch (see the module docstring: summed or averaged over the
        examples as the reduction says, weight-decay term included).
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

    @property
    def n_epochs(self) -> int:
        return len(self.loss)

    def to_dict(self) -> dict:
        """Plain data (lists of floats, ints, strings) for model files and checkpoints."""
        return {
            "loss": [float(v) for v in self.loss],
            "val_loss": [float(v) for v in self.val_loss],
            "val_metric": [float(v) for v in self.val_metric],
            "time": [float(v) for v in self.time],
            "learning_rate": [float(v) for v in self.learning_rate],
            "best_epoch": self.best_epoch,
            "stop_reason": self.stop_reason,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls(
            loss=list(d.get("loss", [])),
            val_loss=list(d.get("val_loss", [])),
            val_metric=list(d.get("val_metric", [])),
            time=list(d.get("time", [])),
            learning_rate=list(d.get("learning_rate", [])),
            best_epoch=d.get("best_epoch"),
            stop_reason=d.get("stop_reason"),
        )


# ============================================================================ run state
class _Run:
    """The mutable state of one run: everything :meth:`Trainer.state_dict` saves."""

    def __init__(self, solver: str, rng: np.random.Generator, opt_state: dict, schedule_state: dict):
        self.solver = solver
        self.rng = rng
        self.opt_state = opt_state
        self.schedule_state = schedule_state
        self.history = History()
        self.epoch = 0  # epochs completed
        self.step = 0  # optimizer steps taken
        self.examples_seen = 0  # scikit-learn's t_
        self.no_improvement = 0
        self.best_value = -math.inf  # higher is better (minus the loss, or the val metric)
        self.best_params: list[np.ndarray] | None = None
        self.last_params: list[np.ndarray] | None = None
        self.val_index: np.ndarray | None = None
        self.layer_shapes: list | None = None


def _copy_state(obj):
    """A deep copy of plain data (dicts, lists, tuples, arrays, scalars)."""
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, dict):
        return {k: _copy_state(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_copy_state(v) for v in obj]
    return obj


def _rng_from_state(state: dict) -> np.random.Generator:
    name = state["bit_generator"]
    bit_generator_cls = getattr(np.random, name, None)
    if bit_generator_cls is None:
        raise InputError(f"the state's random generator {name!r} is not one numpy provides")
    bg = bit_generator_cls()
    bg.state = state
    return np.random.Generator(bg)


@dataclass
class _Hooks:
    begin: list
    epoch: list
    step: list
    end: list


# ============================================================================ trainer
class Trainer:
    """Train a :class:`~deltaprop.network.Network` with any optimizer, schedule and stopping rule.

    ``__init__`` only stores the settings; they are checked when training starts.

    Parameters
    ----------
    solver : str, default "gd"
        ``"gd"`` (the notes' full-batch rule), ``"sgd"``, ``"adam"``, ``"rprop"`` (also
        ``"irprop-"``, ``"rprop+"``), ``"quickprop"``, ``"lbfgs"``; see
        :mod:`deltaprop.optimizers`.
    learning_rate : float, optional
        eta. Default per solver: gd 0.1, sgd 0.01, adam 0.001, quickprop 0.7 (FANN's);
        unused by rprop and lbfgs.
    epochs : int, default 200
        The total number of epochs of the run (``resume=True`` continues up to it).
    batch_size : int, "auto" or None
        Mini-batch size for sgd and adam; None or "auto" means min(200, N). The full-batch
        solvers accept only None / "auto".
    reduction : {"sum", "mean"} or None
        How a batch's gradient is reduced; None: "sum" for gd, "mean" otherwise.
    momentum : float, default 0.0
        For gd and sgd: ``v <- mu v - eta g; w <- w + v``.
    nesterov : bool, default False
        Nesterov's momentum for gd and sgd.
    beta_1, beta_2, epsilon : float
        Adam's constants (0.9, 0.999, 1e-8).
    weight_decay : float, default 0.0
        alpha in the L2 penalty ``(alpha / 2) sum ||W||^2`` on the weights (not the biases),
        added to each batch's summed loss (scikit-learn's ``alpha``).
    clip_norm : float, optional
        Rescale the reduced gradient to at most this Euclidean norm.
    schedule : str, default "constant"
        ``"constant"``, ``"invscaling"``, ``"step"`` or ``"adaptive"``; see :mod:`deltaprop.schedules`.
    power_t : float, default 0.5
        The exponent of ``"invscaling"``.
    schedule_options : dict, optional
        More schedule options: ``step_size``, ``drop`` (step); ``factor``,
        ``min_learning_rate`` (adaptive).
    solver_options : dict, optional
        Solver-specific options: rprop ``variant``, ``eta_plus``, ``eta_minus``, ``delta0``,
        ``delta_min``, ``delta_max``; quickprop ``mu``, ``decay``, ``weight_limit``; lbfgs
        ``max_fun``.
    tol : float or None, default None
        The improvement that counts (see the module docstring). None never stops on a
        training-loss plateau (the notes run a fixed number of epochs); scikit-learn uses
        1e-4. For lbfgs it is scipy's ``gtol``.
    n_iter_no_change : int, default 10
        Epochs without improvement tolerated before stopping or reducing the rate.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (or use ``validation_data``),
        stop when the validation score stalls, and restore the best epoch's weights.
    validation_fraction : float, default 0.1
    metric : callable, optional
        ``metric(net, X_val, Y_val) -> float``, higher is better (called with
        ``sample_weight=`` when the validation data has weights). Recorded per epoch and,
        when given, used by early stopping instead of the validation loss.
    shuffle : bool, default True
        Reshuffle the examples every epoch (mini-batch solvers).
    callbacks : sequence, optional
        Objects with any of ``on_train_begin(trainer, net)``, ``on_epoch_end(trainer, net,
        epoch, logs) -> bool | str | None`` (a truthy return stops training; a string is the
        stop reason), ``on_step_end(trainer, net, step, logs)`` and ``on_train_end(trainer,
        net, history)`` (which runs even when training ends in an error). ``epoch`` is the
        0-based index of the epoch just finished. See :mod:`deltaprop.callbacks`.
    seed : int, numpy.random.Generator or None
        The source of all randomness (validation split, shuffling).
    engine : {None, "local", "dask"}
        Where the gradient is computed. None: on the Dask cluster when X is a Dask array or
        DataFrame, else here; "dask" also sends NumPy data to the cluster; "local" computes
        Dask inputs into memory. See :mod:`deltaprop.dask_engine`.
    client : distributed.Client, optional
        The cluster for engine "dask"; default the current client or a local cluster.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> history = dp.Trainer(solver="gd", learning_rate=2.0, epochs=100).fit(net, X, Y)
    >>> len(history.loss), bool(history.loss[-1] < history.loss[0])
    (100, True)
    """

    def __init__(
        self,
        solver: str = "gd",
        learning_rate: float | None = None,
        epochs: int = 200,
        batch_size: int | str | None = None,
        reduction: str | None = None,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
        schedule: str = "constant",
        power_t: float = 0.5,
        schedule_options: dict | None = None,
        solver_options: dict | None = None,
        tol: float | None = None,
        n_iter_no_change: int = 10,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        metric=None,
        shuffle: bool = True,
        callbacks=(),
        seed: int | np.random.Generator | None = None,
        engine: str | None = None,
        client=None,
    ):
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.reduction = reduction
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.schedule = schedule
        self.power_t = power_t
        self.schedule_options = schedule_options
        self.solver_options = solver_options
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.metric = metric
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.seed = seed
        self.engine = engine
        self.client = client
        self._run: _Run | None = None
        self._live_net: Network | None = None

    # ------------------------------------------------------------------ settings
    _SETTINGS = ("solver", "learning_rate", "epochs", "batch_size", "reduction", "momentum", "nesterov", "beta_1",
                 "beta_2", "epsilon", "weight_decay", "clip_norm", "schedule", "power_t", "schedule_options",
                 "solver_options", "tol", "n_iter_no_change", "early_stopping", "validation_fraction", "shuffle")

    def get_config(self) -> dict:
        """The settings as plain data (not ``metric``, ``callbacks`` or ``seed``), e.g. for model files."""
        return {name: _copy_state(getattr(self, name)) for name in self._SETTINGS}

    def _resolve(self) -> dict:
        """Check every setting once per fit and return the resolved configuration."""
        opt, preset = get_optimizer(self.solver)
        check_positive(self.epochs, name="epochs", integer=True)
        lr = opt.learning_rate if self.learning_rate is None else check_positive(self.learning_rate,
                                                                                  name="learning_rate")
        reduction = opt.reduction if self.reduction is None else self.reduction
        if reduction not in ("sum", "mean"):
            raise InputError(f"reduction must be 'sum' or 'mean', got {self.reduction!r}")
        bs = self.batch_size
        if bs is not None and bs != "auto":
            if isinstance(bs, str):
                raise InputError(f"batch_size must be a positive integer, 'auto' or None, got {bs!r}")
            check_positive(bs, name="batch_size", integer=True)
            if opt.full_batch:
                raise InputError(
                    f"solver {self.solver!r} uses the full batch every step; drop batch_size={bs} "
                    "or choose solver='sgd' or 'adam' for mini-batches"
                )
        check_positive(self.weight_decay, name="weight_decay", allow_zero=True)
        if self.clip_norm is not None:
            check_positive(self.clip_norm, name="clip_norm")
        if self.tol is not None:
            check_positive(self.tol, name="tol", allow_zero=True)
        check_positive(self.n_iter_no_change, name="n_iter_no_change", integer=True)
        check_positive(self.validation_fraction, name="validation_fraction")
        if not self.validation_fraction < 1.0:
            raise InputError(f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}")
        if self.metric is not None and not callable(self.metric):
            raise InputTypeError(f"metric must be a callable metric(net, X, Y) -> float, got {self.metric!r}")

        explicit = {"momentum": self.momentum, "nesterov": self.nesterov, "beta_1": self.beta_1,
                    "beta_2": self.beta_2, "epsilon": self.epsilon}
        solver_kwargs = {k: explicit[k] for k in opt.options if k in explicit}
        solver_kwargs.update(preset)
        extra = dict(self.solver_options or {})
        unknown = sorted(set(extra) - set(opt.options))
        if unknown:
            valid = ", ".join(opt.options) or "none"
            raise InputError(f"solver_options {unknown} are not options of solver {opt.name!r}; valid: {valid}")
        solver_kwargs.update(extra)

        sched = get_schedule(self.schedule)
        sched_kwargs = {"power_t": self.power_t} if "power_t" in sched.options else {}
        s_extra = dict(self.schedule_options or {})
        unknown = sorted(set(s_extra) - set(sched.options))
        if unknown:
            raise InputError(f"schedule_options {unknown} are not options of schedule {sched.name!r}; "
                             f"valid: {', '.join(sched.options) or 'none'}")
        sched_kwargs.update(s_extra)
        if lr is None and sched.name != "constant":
            raise InputError(f"solver {opt.name!r} has no learning rate to schedule; use schedule='constant'")

        callbacks = list(self.callbacks or ())
        hooks = _Hooks(*([getattr(cb, name) for cb in callbacks if hasattr(cb, name)]
                         for name in ("on_train_begin", "on_epoch_end", "on_step_end", "on_train_end")))
        return {
            "opt": opt, "solver_kwargs": solver_kwargs, "lr": lr, "reduction": reduction,
            "batch_size": None if bs == "auto" else bs, "schedule": sched, "schedule_kwargs": sched_kwargs,
            "hooks": hooks,
        }

    def _new_run(self, net: Network, cfg: dict) -> _Run:
        opt: Optimizer = cfg["opt"]
        params = net.weights + net.biases
        if opt.init is None:  # lbfgs: its options only
            opt_state = dict(cfg["solver_kwargs"])
        else:  # the trainer steps one flat vector of all parameters (see _train_steps)
            opt_state = opt.init([np.concatenate(params, axis=None)], **cfg["solver_kwargs"])
        lr = cfg["lr"] if cfg["lr"] is not None else math.nan
        sched_state = cfg["schedule"].init(lr, **cfg["schedule_kwargs"])
        seed = self.seed
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        run = _Run(opt.name, rng, opt_state, sched_state)
        run.layer_shapes = [list(p.shape) for p in params]
        return run

    def _as_data(self, net: Network, X, Y, sample_weight, what: str):
        from .dask_engine import is_dask_collection, select_engine  # Dask itself is imported only if used

        if self.engine is not None or is_dask_collection(X):
            X, Y, sample_weight = select_engine(X, Y, sample_weight, engine=self.engine, client=self.client)
        if _is_data_source(X):
            if Y is not None or sample_weight is not None:
                raise InputError(f"{what} is a data source, which carries its own targets and weights; "
                                 "pass Y=None and sample_weight=None")
            if hasattr(X, "check"):
                X.check(net)
            return X
        return ArrayData(X, Y, sample_weight, net=net)

    def _validation(self, net: Network, validation_data):
        if validation_data is None:
            return None
        if _is_data_source(validation_data):
            return self._as_data(net, validation_data, None, None, "validation_data")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise InputError("validation_data must be (X_val, Y_val), (X_val, Y_val, sample_weight_val) "
                             "or a data source")
        Xv, Yv, *rest = validation_data
        try:
            Xv, Yv, swv = net._checked(Xv, Yv, rest[0] if rest else None)
        except InputError as exc:
            raise InputError(f"validation_data: {exc}") from exc
        return ArrayData(Xv, Yv, swv)

    # ------------------------------------------------------------------ public API
    def fit(self, net: Network, X, Y=None, sample_weight=None, validation_data=None, *, resume: bool = False) -> History:
        """Train ``net`` in place from its current weights; return the run's :class:`History`.

        Parameters
        ----------
        net : Network
        X : array (N, n_inputs) or a data source (see :class:`ArrayData`; then ``Y=None``)
        Y : array (N, n_outputs)
        sample_weight : array (N,), optional
            s_i in ``J = sum_i s_i J_i``.
        validation_data : (X_val, Y_val[, sw_val]) or a data source, optional
            Evaluated after every epoch; used by early stopping instead of a split.
        resume : bool, default False
            False starts a new run (fresh optimizer state, history and random generator,
            from the net's current weights). True continues the run this trainer holds
            (from the previous fit or :meth:`load_state_dict`) exactly where it stopped,
            writing its last weights into ``net``, until ``epochs`` epochs in total.

        Returns
        -------
        History

        Raises
        ------
        DivergenceError
            If the loss or a weight becomes non-finite; ``net`` keeps the weights from the
            start of that epoch (the last finite ones).
        """
        cfg = self._resolve()
        train_data = self._as_data(net, X, Y, sample_weight, "X")
        val = self._validation(net, validation_data)
        if resume:
            run = self._resumable(net, cfg)
            if self.early_stopping and val is None:
                if run.val_index is None or not hasattr(train_data, "split_at"):
                    raise InputError("the run being resumed has no validation split to reuse; pass validation_data")
                train_data, val = train_data.split_at(run.val_index)
        else:
            run = self._new_run(net, cfg)
            if self.early_stopping and val is None:
                if not hasattr(train_data, "split"):
                    raise InputError("early_stopping needs validation_data for this data source, which cannot "
                                     "split off a validation_fraction itself")
                train_data, val, run.val_index = train_data.split(float(self.validation_fraction), run.rng)
        self._run = run
        return self._train(net, train_data, val, cfg, run, target=self.epochs, early_stopping=bool(self.early_stopping))

    def partial_fit(self, net: Network, X, Y=None, sample_weight=None) -> History:
        """One epoch over the given data, keeping the optimizer state between calls.

        The first call (or a call with a network of another shape) starts a run; later
        calls continue it: optimizer state, schedule, step counters, random generator and
        history carry over. No validation or early stopping (as in scikit-learn).
        """
        cfg = self._resolve()
        if cfg["opt"].name == "lbfgs":
            raise InputError("partial_fit needs an iterative solver; lbfgs runs only through fit")
        if self.early_stopping:
            raise InputError("partial_fit does not support early_stopping=True; use fit, or turn it off")
        train_data = self._as_data(net, X, Y, sample_weight, "X")
        run = self._run
        if run is None or run.solver != cfg["opt"].name or run.layer_shapes != [
                list(p.shape) for p in net.weights + net.biases]:
            run = self._run = self._new_run(net, cfg)
        return self._train(net, train_data, None, cfg, run, target=run.epoch + 1, early_stopping=False)

    def _resumable(self, net: Network, cfg: dict) -> _Run:
        run = self._run
        if run is None:
            raise InputError("nothing to resume: this trainer has no run; call fit first or load_state_dict(state)")
        if run.solver != cfg["opt"].name:
            raise InputError(f"the run being resumed used solver {run.solver!r}, this trainer {cfg['opt'].name!r}; "
                             "resume with the same solver")
        shapes = [list(p.shape) for p in net.weights + net.biases]
        if run.layer_shapes != shapes:
            raise InputError(f"the run being resumed trained parameters of shapes {run.layer_shapes}, "
                             f"but this network's are {shapes}; resume with the same architecture")
        if run.last_params is not None:
            for p, last in zip(net.weights + net.biases, run.last_params):
                p[...] = last
        return run

    # ------------------------------------------------------------------ state
    @property
    def history(self) -> History | None:
        """The current run's history (None before the first fit)."""
        return None if self._run is None else self._run.history

    @property
    def epoch(self) -> int:
        """Epochs completed in the current run."""
        return 0 if self._run is None else self._run.epoch

    @property
    def step(self) -> int:
        """Optimizer steps taken in the current run."""
        return 0 if self._run is None else self._run.step

    @property
    def examples_seen(self) -> int:
        """Examples processed in the current run (scikit-learn's ``t_``)."""
        return 0 if self._run is None else self._run.examples_seen

    @property
    def current_learning_rate(self) -> float | None:
        """The learning rate the next epoch will use."""
        return None if self._run is None else self._run.schedule_state["learning_rate"]

    def state_dict(self) -> dict:
        """Everything needed to continue the current run bitwise identically, as plain data.

        A dict of dicts, lists, strings, numbers, None and ndarrays (no objects): the
        format version, the settings, the counters, ``rng`` (the Generator's
        ``bit_generator.state``), the optimizer and schedule states, the history, the
        early-stopping record (best value, best weights), the validation split, and the
        last weights as ``params`` (``net.weights + net.biases``, in that order).

        Called from a callback's ``on_epoch_end`` (how checkpoints are taken) it captures the
        run at that epoch boundary, the live weights included; a run resumed from it
        continues exactly as the uninterrupted one.

        Examples
        --------
        >>> import numpy as np, deltaprop as dp
        >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
        >>> net = dp.Network([2, 3, 1], seed=0)
        >>> trainer = dp.Trainer(solver="sgd", batch_size=2, epochs=4, seed=0)
        >>> _ = trainer.fit(net, X, Y)
        >>> state = trainer.state_dict()
        >>> again = dp.Trainer(solver="sgd", batch_size=2, epochs=6, seed=0)
        >>> again.load_state_dict(state)
        >>> again.fit(net, X, Y, resume=True).n_epochs
        6
        """
        run = self._run
        if run is None:
            raise InputError("this trainer has no run yet; call fit or partial_fit before state_dict()")
        live = self._live_net
        last = run.last_params if live is None else [p.copy() for p in live.weights + live.biases]
        return {
            "format": STATE_FORMAT,
            "solver": run.solver,
            "settings": self.get_config(),
            "epoch": run.epoch,
            "step": run.step,
            "examples_seen": run.examples_seen,
            "rng": _copy_state(run.rng.bit_generator.state),
            "optimizer": _copy_state(run.opt_state),
            "schedule": _copy_state(run.schedule_state),
            "history": run.history.to_dict(),
            "no_improvement": run.no_improvement,
            "best_value": run.best_value,
            "best_params": _copy_state(run.best_params),
            "val_index": None if run.val_index is None else run.val_index.copy(),
            "layer_shapes": _copy_state(run.layer_shapes),
            "params": _copy_state(last),
        }

    def load_state_dict(self, state: dict, net: Network | None = None) -> None:
        """Take over a run saved by :meth:`state_dict`; ``fit(..., resume=True)`` continues it.

        Parameters
        ----------
        state : dict
        net : Network, optional
            When given, the run's last weights are written into it now (``fit(resume=True)``
            does so anyway).
        """
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise InputError(f"not a deltaprop trainer state of format {STATE_FORMAT} (found {found!r}); "
                             "pass what Trainer.state_dict() returned")
        rng = _rng_from_state(state["rng"])
        run = _Run(state["solver"], rng, _copy_state(state["optimizer"]), _copy_state(state["schedule"]))
        run.history = History.from_dict(state["history"])
        run.epoch = int(state["epoch"])
        run.step = int(state["step"])
        run.examples_seen = int(state["examples_seen"])
        run.no_improvement = int(state["no_improvement"])
        run.best_value = float(state["best_value"])
        run.best_params = _copy_state(state["best_params"])
        run.val_index = None if state["val_index"] is None else np.asarray(state["val_index"])
        run.layer_shapes = [list(s) for s in state["layer_shapes"]]
        run.last_params = _copy_state(state["params"])
        self._run = run
        if net is not None:
            self._resumable(net, {"opt": get_optimizer(run.solver)[0]})

    # ------------------------------------------------------------------ the loop
    def _train(self, net: Network, data, val, cfg: dict, run: _Run, *, target: int, early_stopping: bool) -> History:
        hooks: _Hooks = cfg["hooks"]
        params = net.weights + net.biases
        self._live_net = net  # state_dict() during training reads the live weights
        for f in hooks.begin:
            f(self, net)
        try:
            # Overflow on the way to divergence is detected and reported as a DivergenceError.
            with np.errstate(over="ignore", invalid="ignore"):
                if cfg["opt"].name == "lbfgs":
                    self._train_lbfgs(net, data, val, cfg, run, target, early_stopping)
                else:
                    self._train_steps(net, data, val, cfg, run, target, early_stopping)
            run.last_params = [p.copy() for p in params]
            if early_stopping and run.best_params is not None:
                for p, best in zip(params, run.best_params):
                    p[...] = best
        finally:
            self._live_net = None
            for f in hooks.end:
                f(self, net, run.history)
        return run.history

    def _train_steps(self, net, data, val, cfg, run: _Run, target: int, early_stopping: bool) -> None:
        """The loop of the init/update optimizers: one step per batch, bookkeeping per epoch.

        The optimizer works on one flat copy ``theta`` of all parameters (weights first, then
        biases) and one flat gradient, so a step costs a fixed handful of array operations
        however many layers there are; after each step ``theta`` is copied back into the
        network's own arrays, which the next gradient reads. Every operation is elementwise,
        so the result is bitwise that of the same rule applied array by array.
        """
        hooks: _Hooks = cfg["hooks"]
        params = net.weights + net.biases
        N = data.n_examples
        full_batch = cfg["opt"].full_batch
        bs = cfg["batch_size"]
        if not full_batch:
            bs = min(AUTO_BATCH_SIZE, N) if bs is None else bs
            if bs > N:
                raise InputError(f"batch_size={bs} is larger than the {N} training examples; "
                                 f"use at most {N}, or None for min(200, N)")
            ws = Workspace(net, bs)
        theta = np.concatenate(params, axis=None)
        views, offset = [], 0
        for p in params:
            views.append(theta[offset:offset + p.size].reshape(p.shape))
            offset += p.size
        n_w = sum(W.size for W in net.weights)
        theta_W = theta[:n_w]
        g = np.empty_like(theta)
        g_W = g[:n_w]
        flat_params, flat_grads = [theta], [g]
        update, opt_state = cfg["opt"].update, run.opt_state
        alpha = float(self.weight_decay)
        mean = cfg["reduction"] == "mean"
        clip = None if self.clip_norm is None else float(self.clip_norm)
        shuffle = bool(self.shuffle)
        # Plain gd/sgd (no momentum, decay or clipping) takes the Workspace's fused step,
        # w <- w - eta dJ/dw applied to the network's arrays as each layer's gradient is formed
        # (the same result to rounding); theta is brought up to date once per epoch.
        fused = (update is sgd_update and not opt_state["momentum"] and not alpha and clip is None
                 and (not full_batch or isinstance(data, ArrayData)))
        snapshot = theta.copy()
        step_hooks = hooks.step
        # Without step callbacks, plain sgd on in-memory data runs each epoch in one call.
        fast_epoch = fused and not full_batch and not step_hooks and isinstance(data, ArrayData)
        steps_per_epoch = -(-N // bs) if not full_batch else 1

        def step(J: float, grads: list, n: int, lr: float) -> float:
            np.concatenate(grads, axis=None, out=g)
            if alpha:
                np.add(g_W, alpha * theta_W, out=g_W)  # d/dW of (alpha/2)||W||^2, weights only
                J += 0.5 * alpha * float(np.dot(theta_W, theta_W))
            scale = 1.0 / n if mean else 1.0
            if clip is not None:
                norm = math.sqrt(float(np.dot(g, g))) * scale
                if norm > clip:
                    scale *= clip / norm
            update(opt_state, flat_params, flat_grads, lr, scale)
            for p, v in zip(params, views):
                np.copyto(p, v)
            return J

        divisor = N if mean else 1
        while run.epoch < target:
            np.copyto(snapshot, theta)  # the last finite weights, should this epoch diverge
            t0 = time.perf_counter()
            lr = run.schedule_state["learning_rate"]
            total = 0.0
            if full_batch and fused:
                total = data.sgd_step(net, lr / N if mean else lr)
                run.step += 1
                if step_hooks:
                    self._call_step_hooks(step_hooks, net, run, total, N)
            elif full_batch:
                J, dW, db = data.loss_and_gradient(net)
                total = step(J, list(dW) + list(db), N, lr)
                run.step += 1
                if step_hooks:
                    self._call_step_hooks(step_hooks, net, run, total, N)
            elif fast_epoch:
                total = data.sgd_epoch(ws, bs, run.rng if shuffle else None, lr, mean)
                run.step += steps_per_epoch
            else:
                for Xb, Yb, swb in data.batches(bs, run.rng if shuffle else None):
                    if fused:
                        J = ws.sgd_step(Xb, Yb, swb, lr / Xb.shape[0] if mean else lr)
                        total += J
                    else:
                        J = ws.loss_and_gradient(Xb, Yb, swb)
                        total += step(J, ws.dW + ws.db, Xb.shape[0], lr)
                    run.step += 1
                    if step_hooks:
                        self._call_step_hooks(step_hooks, net, run, J, Xb.shape[0])
            if fused:
                for p, v in zip(params, views):
                    np.copyto(v, p)
            if not (math.isfinite(total) and np.isfinite(theta).all()):
                np.copyto(theta, snapshot)
                for p, v in zip(params, views):
                    np.copyto(p, v)
                self._diverged(run, "the loss" if not math.isfinite(total) else "a weight", lr)
            run.examples_seen += N
            if self._epoch_end(net, val, cfg, run, total / divisor, lr, t0, early_stopping, plateau_rule=True):
                break
        else:
            run.history.stop_reason = "max_epochs"

    def _call_step_hooks(self, hooks, net, run: _Run, J: float, n: int) -> None:
        logs = {"loss": J, "batch_size": n, "epoch": run.epoch}
        for f in hooks:
            f(self, net, run.step, logs)

    def _diverged(self, run: _Run, what: str, lr: float) -> None:
        run.history.stop_reason = "diverged"
        hint = (f"use a smaller learning rate than {lr:g} (e.g. {lr / 10:g})" if math.isfinite(lr)
                else "use smaller step sizes (solver_options delta0 / delta_max)")
        raise DivergenceError(
            f"training diverged: {what} became NaN or infinite in epoch {run.epoch} (solver {run.solver!r}); "
            f"the network keeps the weights from the start of that epoch, the last finite ones. "
            f"To fix it, {hint}, or standardise the inputs",
            epoch=run.epoch,
        )

    def _epoch_end(self, net, val, cfg, run: _Run, loss: float, lr: float, t0: float, early_stopping: bool,
                   plateau_rule: bool) -> bool:
        """Record the epoch, apply the stopping rules and callbacks; True means stop."""
        hist = run.history
        epoch = run.epoch
        run.epoch += 1
        hist.loss.append(float(loss))
        hist.learning_rate.append(float(lr))
        mean = cfg["reduction"] == "mean"
        val_loss = val_metric = None
        if val is not None:
            J = val.loss(net) if hasattr(val, "loss") else val.loss_and_gradient(net)[0]
            val_loss = float(J) / (val.n_examples if mean else 1)
            hist.val_loss.append(val_loss)
            if self.metric is not None:
                extra = {} if getattr(val, "sample_weight", None) is None else {"sample_weight": val.sample_weight}
                val_metric = float(self.metric(net, val.X, val.Y, **extra))
                hist.val_metric.append(val_metric)
        # scikit-learn's rule: count epochs that fail to improve on the best by tol.
        if early_stopping:
            value = val_metric if self.metric is not None else -val_loss
        else:
            value = -float(loss)
        tol = 0.0 if self.tol is None else float(self.tol)
        if value < run.best_value + tol:
            run.no_improvement += 1
        else:
            run.no_improvement = 0
        if value > run.best_value:
            run.best_value = value
            hist.best_epoch = epoch
            if early_stopping:
                if run.best_params is None:
                    run.best_params = [p.copy() for p in net.weights + net.biases]
                else:
                    for b, p in zip(run.best_params, net.weights + net.biases):
                        np.copyto(b, p)
        sched = cfg["schedule"]
        sched.epoch_end(run.schedule_state, run.epoch, run.examples_seen)
        stop = None
        if plateau_rule and run.no_improvement > self.n_iter_no_change:
            if sched.on_plateau(run.schedule_state):
                run.no_improvement = 0
            elif sched.name == "adaptive":
                stop = "min_learning_rate"
            elif early_stopping:
                stop = "early_stopping"
            elif self.tol is not None:
                stop = "tol"
        hist.time.append(time.perf_counter() - t0)
        if cfg["hooks"].epoch:
            logs = {"loss": hist.loss[-1], "val_loss": val_loss, "val_metric": val_metric,
                    "learning_rate": lr, "time": hist.time[-1]}
            for f in cfg["hooks"].epoch:
                answer = f(self, net, epoch, logs)
                if answer and stop is None:
                    stop = answer if isinstance(answer, str) else "callback"
        if stop is not None:
            hist.stop_reason = stop
            return True
        return False

    def _train_lbfgs(self, net, data, val, cfg, run: _Run, target: int, early_stopping: bool) -> None:
        """L-BFGS over the flat parameter vector; one scipy iteration is one epoch."""
        params = net.weights + net.biases
        if run.epoch >= target:
            run.history.stop_reason = "max_epochs"
            return
        N = data.n_examples
        alpha = float(self.weight_decay)
        divisor = N if cfg["reduction"] == "mean" else 1
        snapshot = [p.copy() for p in params]
        clock = [time.perf_counter()]

        def fun(theta):
            net.set_flat_parameters(theta)
            J, dW, db = data.loss_and_gradient(net)
            if alpha:
                for W, g in zip(net.weights, dW):
                    g += alpha * W
                    J += 0.5 * alpha * float(np.vdot(W, W))
            grad = np.concatenate([g.ravel() for pair in zip(dW, db) for g in pair]).astype(np.float64)
            run.step += 1
            if not math.isfinite(J):
                return math.inf, np.zeros_like(grad)
            return J / divisor, grad / divisor

        def callback(intermediate_result):
            net.set_flat_parameters(intermediate_result.x)
            for s, p in zip(snapshot, params):
                np.copyto(s, p)
            run.examples_seen += N
            stop = self._epoch_end(net, val, cfg, run, float(intermediate_result.fun), math.nan, clock[0],
                                   early_stopping, plateau_rule=early_stopping)
            clock[0] = time.perf_counter()
            if stop or run.epoch >= target:
                raise StopIteration

        res = lbfgs_minimize(fun, net.get_flat_parameters(), max_iter=target - run.epoch,
                             max_fun=run.opt_state.get("max_fun", 15000), gtol=self.tol, callback=callback)
        theta = np.asarray(res.x)
        if not np.isfinite(theta).all():
            for p, last in zip(params, snapshot):
                p[...] = last
            self._diverged(run, "a weight", math.nan)
        net.set_flat_parameters(theta)
        if run.history.stop_reason is None:
            run.history.stop_reason = "max_epochs" if run.epoch >= target else (
                "converged" if res.success else f"lbfgs: {res.message}")


def split_state(state: dict) -> tuple[dict[str, np.ndarray], dict]:
    """Split a :meth:`Trainer.state_dict` into named arrays and JSON-ready metadata.

    Every ndarray is replaced by ``{"__array__": name}`` with ``name`` its path
    (``"optimizer.m.0"``), so the pair can be written as safetensors arrays plus one JSON
    string; :func:`join_state` reverses it.

    Returns
    -------
    arrays : dict of str to ndarray
    meta : dict
        Plain data that ``json.dumps`` accepts (non-finite floats as NaN / Infinity).
    """
    arrays: dict[str, np.ndarray] = {}

    def walk(obj, path):
        if isinstance(obj, np.ndarray):
            arrays[path] = obj
            return {"__array__": path}
        if isinstance(obj, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(obj)]
        if isinstance(obj, np.generic):
            return obj.item()
        return obj

    return arrays, walk(state, "")


def join_state(arrays: dict, meta: dict) -> dict:
    """The state dict that :func:`split_state` split into ``(arrays, meta)``."""

    def walk(obj):
        if isinstance(obj, dict):
            if set(obj) == {"__array__"}:
                name = obj["__array__"]
                if name not in arrays:
                    raise InputError(f"the trainer state refers to array {name!r}, which is missing")
                return np.asarray(arrays[name])
            return {k: walk(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        return obj

    return walk(meta)


def train(net: Network, X, Y=None, *, sample_weight=None, validation_data=None, **trainer_kwargs) -> History:
    """Train ``net`` in place: ``Trainer(**trainer_kwargs).fit(net, X, Y, ...)``.

    Parameters
    ----------
    net : Network
    X : array (N, n_inputs) or a data source
    Y : array (N, n_outputs)
    sample_weight : array (N,), optional
    validation_data : (X_val, Y_val[, sw_val]), optional
    **trainer_kwargs
        Any :class:`Trainer` argument (solver, learning_rate, epochs, ...).

    Returns
    -------
    History

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> history = dp.train(net, X, Y, solver="rprop", epochs=50)
    >>> history.stop_reason
    'max_epochs'
    """
    return Trainer(**trainer_kwargs).fit(net, X, Y, sample_weight=sample_weight, validation_data=validation_data)
