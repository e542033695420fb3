"""The estimators' default settings: one rule, chosen by the task, the data's size and the solver.

Measured against scikit-learn's defaults on the development suite of
``benchmarks/defaults.py`` and checked on its held-out guard suite (tables in
``benchmarks/defaults.md`` and the README's "Good by default" section). The rule:

* ``solver="auto"`` (the default), ``n <= LARGE_N`` rows: full-batch RPROP.
  Classifier: logistic hidden units, softmax outputs with cross-entropy, ``alpha=0.03``,
  ``tol=None`` (every one of ``max_iter`` epochs runs: each epoch is a single RPROP step,
  and the tol rule would stop it in its early overshoot). Regressor: relu hidden units,
  identity outputs with squared error, ``alpha=0.3``, early stopping on a 20 % hold-out
  (:data:`AUTO_VALIDATION_FRACTION`) with patience ``n_iter_no_change=50`` and
  ``tol=1e-4`` (without early stopping when the hold-out would hold fewer than
  :data:`MIN_VALIDATION` rows).
* ``solver="auto"``, ``n > LARGE_N`` (and data not in memory, the Dask engine):
  scikit-learn's model, mini-batch Adam (``learning_rate_init=1e-3``, batches of
  ``min(200, n)``), relu units, ``alpha=1e-4``, ``tol=1e-4``, ``n_iter_no_change=10``;
  classifier outputs softmax with cross-entropy, regressor outputs identity with squared error.
* a scikit-learn solver named (``"sgd"``, ``"adam"``, ``"lbfgs"``): scikit-learn's
  model for everything left out, its outputs included (one sigmoid output with binary
  cross-entropy for two classes and for multilabel targets, softmax with cross-entropy
  otherwise; identity with squared error for regression), whatever n.
* one of deltaprop's solvers named (``"rprop"``, ``"gd"``, ``"quickprop"``): the small-data
  rule above with that solver, whatever n.

Every network whose hidden units are relu (or leaky relu), and every network trained by a
scikit-learn solver, starts from scikit-learn's initialisation (``Network(init="sklearn")``:
uniform biases as well as weights); the others keep the notes' Glorot weights with zero biases.

A parameter the user sets keeps its value; only those left at ``"auto"`` (``None`` for
``output_activation``) are filled in. ``validation_fraction="auto"`` is the regressor's 20 %
when its early stopping is the rule's (``early_stopping`` left at ``"auto"``, small data,
a deltaprop solver), and scikit-learn's 0.1 otherwise (``early_stopping=True`` given, a
scikit-learn solver named, the classifier). A classifier's output activation given without a loss
takes its canonical loss (softmax: cross-entropy, sigmoid: binary cross-entropy, others:
squared error; the regressor's is always squared error), a loss given without an output its
canonical output (the classifier's squared error: the notes' sigmoid outputs).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

from ..activations import get_activation
from ..errors import InputError
from ..losses import get_loss
from ..optimizers import get_optimizer

__all__ = ["LARGE_N", "MIN_VALIDATION", "AUTO_VALIDATION_FRACTION", "VALIDATION_FRACTION", "AUTO", "Settings",
           "default_settings", "resolve", "solver_settings", "trainer_learning_rate", "clip_batch_size"]

#: Above this many rows given to ``fit``, ``solver="auto"`` switches from full-batch RPROP to
#: mini-batch Adam (Fashion-MNIST: level at 3k rows, Adam ahead from 5k; benchmarks/defaults.md).
LARGE_N = 2_000
#: The regressor's automatic early stopping needs at least this many held-out rows.
MIN_VALIDATION = 10
#: The hold-out share of the regressor's automatic early stopping (``validation_fraction="auto"``):
#: relu units with a 10 % hold-out were unstable on the benchmark's sines (alpha 0.1, 5 seeds: R^2
#: 0.57 ± 0.57), with 20 % stable (0.84 ± 0.06).
AUTO_VALIDATION_FRACTION = 0.2
#: scikit-learn's ``validation_fraction``: ``"auto"`` everywhere else (early stopping the user asked for).
VALIDATION_FRACTION = 0.1
#: The sentinel of parameters resolved in ``fit``.
AUTO = "auto"
SKLEARN_SOLVERS = ("sgd", "adam", "lbfgs")
#: scikit-learn's learning_rate_init, used for its solvers "sgd" and "adam" when none is given.
SKLEARN_LEARNING_RATE_INIT = 1e-3
#: The estimators' parameters that :func:`solver_settings` turns into the trainer's.
SOLVER_PARAMS = ("learning_rate_init", "batch_size", "momentum", "nesterovs_momentum")
TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Settings:
    """The resolved values of the parameters that default to ``"auto"``.

    ``batch_size`` None means the solver's own (full batch; ``min(200, n)`` for sgd/adam);
    ``init`` is :class:`~deltaprop.network.Network`'s scheme; ``validation_fraction`` is
    the share early stopping holds out (when it is on).
    """

    solver: str
    activation: str
    output_activation: str
    loss: str
    alpha: float
    tol: float | None
    n_iter_no_change: int
    early_stopping: bool
    validation_fraction: float
    init: str

    def as_dict(self) -> dict:
        return asdict(self)


def _rule(task: str, solver: str, large: bool, target_kind: str | None) -> dict:
    """The defaults for everything, before the user's own values replace any of them."""
    classify = task == "classification"
    if solver in SKLEARN_SOLVERS or (solver == AUTO and large):
        if not classify:
            output = "identity"
        elif solver == AUTO:
            output = "sigmoid" if target_kind == "multilabel" else "softmax"
        else:  # scikit-learn's own choice: logistic outputs for two classes and for multilabel
            output = "sigmoid" if target_kind in ("binary", "multilabel") else "softmax"
        return dict(solver="adam" if solver == AUTO else solver, activation="relu", output_activation=output,
                    alpha=1e-4, tol=1e-4, n_iter_no_change=10, early_stopping=False)
    solver = "rprop" if solver == AUTO else solver
    if classify:
        output = "sigmoid" if target_kind == "multilabel" else "softmax"
        return dict(solver=solver, activation="sigmoid", output_activation=output, alpha=0.03, tol=None,
                    n_iter_no_change=10, early_stopping=False)
    return dict(solver=solver, activation="relu", output_activation="identity", alpha=0.3, tol=1e-4,
                n_iter_no_change=50, early_stopping=True)


def _canonical_loss(output_activation: str, task: str) -> str:
    if task == "regression":  # values, at any output: the notes' squared error
        return "squared_error"
    return {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(output_activation, "squared_error")


def _canonical_output(loss: str, task: str) -> str:
    if loss == "squared_error":  # the notes' model for classes; identity units for values
        return "sigmoid" if task == "classification" else "identity"
    return get_loss(loss).canonical_activation


def resolve(params: dict, task: str, n_examples: int | None, *, target_kind: str | None = None,
            incremental: bool = False) -> Settings:
    """The settings a fit runs with: the user's ``params`` where given, the rule elsewhere.

    Parameters
    ----------
    params : dict
        The estimator's ``solver, activation, output_activation, loss, alpha, tol,
        n_iter_no_change, early_stopping, validation_fraction`` as given (``"auto"`` /
        ``None`` where left out, or missing); names already checked. The hold-out share
        also decides whether automatic early stopping has rows enough.
    task : {"classification", "regression"}
    n_examples : int or None
        Rows given to ``fit`` (before any early-stopping hold-out); None for data that is not
        in memory (the Dask engine), which takes the large-data branch.
    target_kind : {"binary", "multiclass", "multilabel"} or None
        The classifier's targets (None: multiclass).
    incremental : bool
        ``partial_fit``: automatic early stopping is off (it needs ``fit``).

    Returns
    -------
    Settings
    """
    if task not in TASKS:
        raise InputError(f"task={task!r} is not one of {', '.join(map(repr, TASKS))}")
    large = n_examples is None or n_examples > LARGE_N
    rule = _rule(task, params.get("solver", AUTO), large, target_kind)
    given = {k: v for k, v in params.items() if not (v is None and k == "output_activation") and v != AUTO}
    values = {**rule, **{k: v for k, v in given.items() if k in rule}}
    output, loss = given.get("output_activation"), given.get("loss")
    if output is not None and loss is None:
        loss = _canonical_loss(get_activation(output, argument="output_activation").name, task)
    elif loss is not None and output is None:
        values["output_activation"] = _canonical_output(get_loss(loss).name, task)
    values["loss"] = loss if loss is not None else _canonical_loss(values["output_activation"], task)
    automatic = params.get("early_stopping", AUTO) == AUTO and values["early_stopping"]
    fraction = params.get("validation_fraction", AUTO)
    if fraction == AUTO:
        fraction = AUTO_VALIDATION_FRACTION if automatic else VALIDATION_FRACTION
    values["validation_fraction"] = fraction
    if automatic:
        held_out = math.ceil(fraction * n_examples) if n_examples is not None else 0
        values["early_stopping"] = not incremental and held_out >= MIN_VALIDATION
    relu = get_activation(values["activation"]).name in ("relu", "leaky_relu")
    init = "sklearn" if relu or values["solver"] in SKLEARN_SOLVERS else "auto"
    return Settings(init=init, **values)


def default_settings(task: str, n_examples: int | None, *, target_kind: str | None = None,
                     given: dict | None = None) -> dict:
    """The estimators' defaults for ``n_examples`` rows, around the values the user ``given``.

    The one place the rule lives for every front end: ``MLPClassifier()`` /
    ``MLPRegressor()`` resolve their ``"auto"`` parameters with it, and ``deltaprop train
    DATA`` should pass the same values to the trainer.

    Parameters
    ----------
    task : {"classification", "regression"}
    n_examples : int or None
        Training rows (all rows given to fit, before an early-stopping hold-out).
    target_kind : {"binary", "multiclass", "multilabel"} or None
    given : dict or None
        Values the user chose, by the estimators' names (``solver``, ``activation``,
        ``output_activation``, ``loss``, ``alpha``, ``tol``, ``n_iter_no_change``,
        ``early_stopping``, ``validation_fraction``); they are kept, and decide the rest (a
        scikit-learn solver brings scikit-learn's model). None: everything left out.

    Returns
    -------
    dict
        ``solver, activation, output_activation, loss, alpha, tol, n_iter_no_change,
        early_stopping, validation_fraction, init`` (see :class:`Settings`); the rest of the
        estimators' parameters keep their scikit-learn defaults (``max_iter=200``,
        ``learning_rate_init=1e-3`` and batches of ``min(200, n)`` for adam).

    Examples
    --------
    >>> default_settings("classification", 500)["solver"], default_settings("classification", 5000)["solver"]
    ('rprop', 'adam')
    >>> s = default_settings("regression", 500); s["early_stopping"], s["validation_fraction"]
    (True, 0.2)
    >>> default_settings("regression", 500, given={"early_stopping": True})["validation_fraction"]
    0.1
    >>> default_settings("classification", 500, given={"solver": "sgd"})["activation"]
    'relu'
    """
    return resolve(dict(given or {}), task, n_examples, target_kind=target_kind).as_dict()


def solver_settings(solver: str, params: dict) -> dict:
    """The trainer's ``learning_rate``, ``batch_size``, ``momentum`` and ``nesterov`` for ``solver``.

    From the estimators' parameters of :data:`SOLVER_PARAMS` in ``params`` (their own values,
    or their defaults: ``MLPClassifier().get_params()``), as scikit-learn reads them:
    ``learning_rate_init=None`` is 1e-3 for sgd and adam (for the others None: the solver's
    own step, or none); ``batch_size`` counts for sgd and adam only (``"auto"``: min(200, n);
    the others take the full batch, None); Nesterov's momentum is on only with a momentum
    above 0 (scikit-learn accepts it at 0, where it is plain gradient descent).

    Examples
    --------
    >>> params = {"learning_rate_init": None, "batch_size": "auto", "momentum": 0.9, "nesterovs_momentum": True}
    >>> solver_settings("sgd", params)
    {'learning_rate': 0.001, 'batch_size': 'auto', 'momentum': 0.9, 'nesterov': True}
    >>> solver_settings("lbfgs", params)["batch_size"], solver_settings("sgd", {**params, "momentum": 0})["nesterov"]
    (None, False)
    """
    learning_rate = params["learning_rate_init"]
    if learning_rate is None and solver in ("sgd", "adam"):
        learning_rate = SKLEARN_LEARNING_RATE_INIT
    full_batch = get_optimizer(solver)[0].full_batch
    return {"learning_rate": learning_rate, "batch_size": None if full_batch else params["batch_size"],
            "momentum": params["momentum"], "nesterov": bool(params["nesterovs_momentum"] and params["momentum"] > 0)}


def trainer_learning_rate(solver: str, learning_rate: float | None, solver_options: dict) -> float | None:
    """The trainer's ``learning_rate`` for the estimators' ``learning_rate_init``.

    RPROP takes it as its initial step size ``delta0`` (set in ``solver_options``, in place,
    unless they give one), L-BFGS has none (its line search takes the steps); the other
    solvers use it as it is.
    """
    if solver == "rprop" and learning_rate is not None:
        solver_options.setdefault("delta0", learning_rate)  # RPROP's initial step size
        return None
    return None if solver == "lbfgs" else learning_rate


def clip_batch_size(batch_size: int, n_train: int, shown: str, *, stacklevel: int = 1) -> int:
    """A mini-batch of at most the ``n_train`` training rows, as scikit-learn's.

    A larger ``batch_size`` warns (a ``UserWarning`` naming it as ``shown``, such as
    ``"batch_size=500"``, and ``n_train``) and uses all ``n_train`` rows; ``stacklevel``
    counts from the caller.

    Examples
    --------
    >>> clip_batch_size(64, 3000, "batch_size=64")
    64
    """
    if batch_size > n_train:
        warnings.warn(f"{shown} is larger than the {n_train} training examples; using {n_train}", UserWarning,
                      stacklevel=stacklevel + 1)
    return min(batch_size, n_train)
