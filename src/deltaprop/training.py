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

The pieces
----------
The trainer reads data through one port, :class:`deltaprop.sources.DataSource` (arrays
become a :class:`~deltaprop.sources.ArrayData` by :func:`~deltaprop.sources.as_source`);
one epoch of steps is :meth:`deltaprop._stepper.Stepper.epoch`, which owns every fused and
whole-epoch fast path, and :func:`deltaprop._loop.run_epochs` the epoch's bookkeeping
around it; the stopping rule is :class:`deltaprop.stopping.StoppingRule`; the
run state and its file layout are in :mod:`deltaprop._state`; L-BFGS runs in
:mod:`deltaprop._lbfgs`; the settings are resolved once per fit into the frozen
:class:`deltaprop._settings.Settings`.

Stopping
--------
After every epoch the trainer counts epochs without improvement: without early stopping
the training loss must fall below its best so far minus ``tol``; with early stopping the
validation score (``metric`` if given, higher is better, else minus the validation loss)
must rise above its best plus ``tol`` (scikit-learn's rule). After more than
``n_iter_no_change`` such epochs, a schedule that handles plateaus ("adaptive") divides the
learning rate by 5 and training goes on; otherwise training stops if ``tol`` is set or
early stopping is on (``tol=None`` runs all epochs), but the ``tol`` rule never stops while
the training loss is above the run's start. With early stopping a tie with the best score
is no improvement, and the weights of the best validation epoch are restored at the end
(``History.restored_epoch``). A callback returning True from ``on_epoch_end`` stops
training as well.

A run tells the truth
---------------------
Every epoch is checked (:mod:`deltaprop._watch` has the rules and thresholds): a
non-finite loss, weight, validation loss or metric, a non-finite loss of the final
network, or a blow-up (the loss above 1e4 times its best and 10 times its start, a weight
past ``finfo(dtype).max ** 0.25``) raises :class:`~deltaprop.errors.DivergenceError` with
the epoch, solver and learning rate, the network holding the last weights whose outputs
are finite. At the end, :mod:`warnings` reports a model worse than at the start, a model
no better than a constant (naming saturated units), and a solver stopped by its own limit
(:class:`~deltaprop.errors.ConvergenceWarning`, :class:`~deltaprop.errors.SaturationWarning`).

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

import copy

import numpy as np

from ._loop import run_epochs
from ._stepper import fit_threads
from ._settings import Settings, resolve
from ._state import STATE_FORMAT, History, Run, join_state, run_from_state, run_state, split_state
from .errors import InputError
from .network import Network
from .optimizers import get_optimizer
from .sources import ArrayData, as_source, is_data_source

__all__ = ["ArrayData", "History", "Trainer", "train", "split_state", "join_state", "STATE_FORMAT"]


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
        self._run: Run | None = None
        self._live_net: Network | None = None

    # ------------------------------------------------------------------ settings
    _SETTINGS = ("solver", "learning_rate", "epochs", "batch_size", "reduction", "momentum", "nesterov", "beta_1",
                 "beta_2", "epsilon", "weight_decay", "clip_norm", "schedule", "power_t", "schedule_options",
                 "solver_options", "tol", "n_iter_no_change", "early_stopping", "validation_fraction", "shuffle")

    def get_config(self) -> dict:
        """The settings as plain data (not ``metric``, ``callbacks`` or ``seed``), e.g. for model files."""
        return copy.deepcopy({name: getattr(self, name) for name in self._SETTINGS})

    def _new_run(self, net: Network, s: Settings) -> Run:
        params = net.weights + net.biases
        if s.opt.init is None:  # a driver (lbfgs): its options only
            opt_state = dict(s.solver_kwargs)
        else:  # the stepper steps one flat vector of all parameters
            opt_state = s.opt.init([np.concatenate(params, axis=None)], **s.solver_kwargs)
        run = Run(s.opt.name, np.random.default_rng(self.seed), opt_state,
                  s.schedule.init(s.learning_rate, **s.schedule_kwargs), s.stopping.init())
        run.layer_shapes = [list(p.shape) for p in params]
        return run

    def _validation(self, net: Network, validation_data):
        if validation_data is None:
            return None
        if is_data_source(validation_data):
            return as_source(net, validation_data, what="validation_data")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise InputError("validation_data must be (X_val, Y_val), (X_val, Y_val, sample_weight_val) "
                             "or a data source")
        Xv, Yv, *rest = validation_data
        try:
            return as_source(net, Xv, Yv, rest[0] if rest else None, what="validation_data")
        except InputError as exc:
            raise InputError(f"validation_data: {exc}") from exc

    # ------------------------------------------------------------------ public API
    def fit(self, net: Network, X, Y=None, sample_weight=None, validation_data=None, *, resume: bool = False) -> History:
        """Train ``net`` in place from its current weights; return the run's :class:`History`.

        Parameters
        ----------
        net : Network
        X : array (N, n_inputs) or a :class:`~deltaprop.sources.DataSource` (then ``Y=None``)
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
            If the loss, a weight, the validation loss or metric, or the final network's
            outputs become non-finite, or the loss or a weight blows up (see the module
            docstring); ``net`` keeps the last weights whose outputs are finite.
        InputError
            For bad settings or data; for a Dask collection (pass ``deltaprop.dask.DaskData``).

        Warns
        -----
        ConvergenceWarning
            (``deltaprop.errors``, also scikit-learn's) When the final model is worse than
            at the start, no better than a constant, or L-BFGS stopped at its own limit.
        SaturationWarning
            When that model's units are saturated; once per run.
        """
        s = resolve(self)
        train_data = as_source(net, X, Y, sample_weight)
        val = self._validation(net, validation_data)
        if resume:
            run = self._resumable(net, s)
            if s.stopping.early_stopping and val is None:
                if run.val_index is None or not hasattr(train_data, "split_at"):
                    raise InputError("the run being resumed has no validation split to reuse; pass validation_data")
                train_data, val = train_data.split_at(run.val_index)
        else:
            run = self._new_run(net, s)
            if s.stopping.early_stopping and val is None:
                if not hasattr(train_data, "split"):
                    raise InputError("early_stopping needs validation_data for this data source, which cannot "
                                     "split off a validation_fraction itself")
                train_data, val, run.val_index = train_data.split(s.validation_fraction, run.rng)
        self._run = run
        with fit_threads(net, s, train_data.n_examples):  # BLAS threads chosen from the step's size
            return run_epochs(self, net, train_data, val, s, run, target=s.epochs)

    def partial_fit(self, net: Network, X, Y=None, sample_weight=None) -> History:
        """One epoch over the given data, keeping the optimizer state between calls.

        The first call (or a call with a network of another shape) starts a run; later
        calls continue it: optimizer state, schedule, step counters, random generator and
        history carry over. No validation or early stopping (as in scikit-learn).
        """
        s = resolve(self)
        if s.opt.minimize is not None:
            raise InputError(f"partial_fit needs an iterative solver; {s.opt.name} runs only through fit")
        if s.stopping.early_stopping:
            raise InputError("partial_fit does not support early_stopping=True; use fit, or turn it off")
        train_data = as_source(net, X, Y, sample_weight)
        run = self._run
        if run is None or run.solver != s.opt.name or run.layer_shapes != [
                list(p.shape) for p in net.weights + net.biases]:
            run = self._run = self._new_run(net, s)
        with fit_threads(net, s, train_data.n_examples):
            return run_epochs(self, net, train_data, None, s, run, target=run.epoch + 1, incremental=True)

    def _resumable(self, net: Network, s: Settings | None) -> Run:
        run = self._run
        if run is None:
            raise InputError("nothing to resume: this trainer has no run; call fit first or load_state_dict(state)")
        if s is not None and run.solver != s.opt.name:
            raise InputError(f"the run being resumed used solver {run.solver!r}, this trainer {s.opt.name!r}; "
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

        A dict of dicts, lists, strings, numbers, None and ndarrays (no objects), laid out as
        :mod:`deltaprop._state` says (format :data:`STATE_FORMAT`): the format version, the
        settings, the counters, ``rng`` (the Generator's ``bit_generator.state``), the
        optimizer and schedule states, the history, the early-stopping record (best value,
        best weights), the validation split, and the last weights as ``params``
        (``net.weights + net.biases``, in that order).

        Called from a callback's ``on_epoch_end`` (how checkpoints are taken) it captures the
        run at that epoch boundary, the live weights included; a run resumed from it
        continues exactly as the uninterrupted one.

        Raises
        ------
        InputError
            Before the first fit.

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
        return run_state(run, self.get_config(), run.last_params if live is None else live.weights + live.biases)

    def load_state_dict(self, state: dict, net: Network | None = None) -> None:
        """Take over a run saved by :meth:`state_dict`; ``fit(..., resume=True)`` continues it.

        Parameters
        ----------
        state : dict
        net : Network, optional
            When given, the run's last weights are written into it now (``fit(resume=True)``
            does so anyway).

        Raises
        ------
        InputError
            When ``state`` is not a trainer state of this format, or does not fit ``net``.
        """
        run = run_from_state(state)
        get_optimizer(run.solver)  # an unknown solver fails now, naming the valid ones
        self._run = run
        if net is not None:
            self._resumable(net, None)


def train(net: Network, X, Y=None, *, sample_weight=None, validation_data=None, **trainer_kwargs) -> History:
    """Train ``net`` in place: ``Trainer(**trainer_kwargs).fit(net, X, Y, ...)``.

    Parameters
    ----------
    net : Network
    X : array (N, n_inputs) or a :class:`~deltaprop.sources.DataSource`
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
