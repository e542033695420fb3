"""scikit-learn estimators around the deltaprop network and trainer.

:class:`MLPClassifier` and :class:`MLPRegressor` take scikit-learn's parameter names and
meanings where they exist, follow the estimator contract (``__init__`` only stores its
arguments, ``fit`` validates them and returns ``self``, learned state ends in ``_``) and
pass scikit-learn's own estimator checks. They are thin: a fit builds a
:class:`~deltaprop.network.Network`, hands it to a :class:`~deltaprop.training.Trainer`,
and copies the run's history into scikit-learn's attribute names.

What differs from scikit-learn, and why:

* The defaults are the notes' model: logistic (sigmoid) hidden units and, for the
  classifier, sigmoid outputs trained with squared error. scikit-learn does not allow
  that output/loss pair; here any output activation and loss may be chosen.
* The default solver is RPROP (full batch), measured to train this model best out of the
  box on standardised data (see the README's table). scikit-learn's adam, sgd and lbfgs
  are available by name, and so are the notes' summed gradient descent (``"gd"``) and
  Quickprop.
* Weight orientation: :attr:`coefs_` are scikit-learn's ``(n_in, n_out)`` matrices, the
  transposes of the network's ``W`` (shape ``(units, inputs)``, row r is w_r).
"""

from __future__ import annotations

import logging
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._json import to_json
from ._validation import check_table
from .activations import get_activation
from .dask_engine import blockwise_on_dask, fit_estimator, is_dask_collection, score_blockwise, select_engine
from .encoding import TARGET_INTERVALS, ClassEncoder, TargetScaler, output_targets
from .errors import InputError, InputTypeError
from .losses import get_loss
from .network import Network
from .optimizers import get_optimizer
from .training import Trainer

__all__ = ["MLPClassifier", "MLPRegressor"]

SOLVERS = ("gd", "sgd", "adam", "rprop", "quickprop", "lbfgs")
LEARNING_RATE_SCHEDULES = ("constant", "invscaling", "adaptive", "step")
#: scikit-learn's learning_rate_init, used for its solvers "sgd" and "adam" when none is given.
SKLEARN_LEARNING_RATE_INIT = 1e-3
#: scikit-learn's names of the output activations (``out_activation_``).
_SKLEARN_ACTIVATION_NAMES = {"sigmoid": "logistic"}
# TARGET_INTERVALS (where a bounded output puts the regressor's scaled targets) and EPS (the
# probabilities' clipping) live in deltaprop.encoding, which encodes targets for every front end.


# --------------------------------------------------------------------------- parameter checks
def _check_choice(value, choices, name):
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name}={value!r} is not one of {valid}; choose one of them")
    return value


def _check_number(value, name, *, low=None, high=None, low_open=False, high_open=False, integer=False):
    """A real (or integer) parameter in an interval; the message names the interval."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise InputTypeError(f"{name} must be {what}, got {value!r}")
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise InputError(f"{name}={value!r} is outside {interval}; pass a value in that range")
    return value


def _hidden_sizes(hidden_layer_sizes) -> list[int]:
    sizes = [hidden_layer_sizes] if isinstance(hidden_layer_sizes, numbers.Integral) else hidden_layer_sizes
    try:
        sizes = list(sizes)
    except TypeError:
        raise InputTypeError(
            f"hidden_layer_sizes must be an int or a sequence of ints such as (100,), got {hidden_layer_sizes!r}"
        ) from None
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0:
            raise InputError(f"hidden_layer_sizes must hold positive integers, got {hidden_layer_sizes!r}")
    return [int(s) for s in sizes]


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, the network, the trainer."""

    # Subclasses say which output activation and loss their defaults are.
    _default_output_activation: str

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="logistic",
        *,
        solver="rprop",
        alpha=0.01,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=None,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        output_activation=None,
        loss="squared_error",
        reduction=None,
        dtype="float64",
        callbacks=None,
        clip_norm=None,
        solver_options=None,
        schedule_options=None,
        engine=None,
        client=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.output_activation = output_activation
        self.loss = loss
        self.reduction = reduction
        self.dtype = dtype
        self.callbacks = callbacks
        self.clip_norm = clip_norm
        self.solver_options = solver_options
        self.schedule_options = schedule_options
        self.engine = engine
        self.client = client

    # ------------------------------------------------------------------ parameters
    def _checked_params(self) -> dict:
        """Validate every parameter (in ``fit``, never in ``__init__``); return normalised values."""
        p = {
            "hidden": _hidden_sizes(self.hidden_layer_sizes),
            "activation": get_activation(self.activation).name,
            "output_activation": get_activation(
                self._default_output_activation if self.output_activation is None else self.output_activation,
                argument="output_activation",
            ).name,
            "loss": get_loss(self.loss).name,
            "solver": _check_choice(self.solver, SOLVERS, "solver"),
            "learning_rate": _check_choice(self.learning_rate, LEARNING_RATE_SCHEDULES, "learning_rate"),
        }
        _check_number(self.alpha, "alpha", low=0)
        _check_number(self.power_t, "power_t", low=0)
        _check_number(self.max_iter, "max_iter", low=1, integer=True)
        if self.tol is not None:
            _check_number(self.tol, "tol", low=0)
        _check_number(self.momentum, "momentum", low=0, high=1)
        _check_number(self.validation_fraction, "validation_fraction", low=0, high=1, low_open=True, high_open=True)
        _check_number(self.beta_1, "beta_1", low=0, high=1, high_open=True)
        _check_number(self.beta_2, "beta_2", low=0, high=1, high_open=True)
        _check_number(self.epsilon, "epsilon", low=0, low_open=True)
        _check_number(self.n_iter_no_change, "n_iter_no_change", low=1, integer=True)
        _check_number(self.max_fun, "max_fun", low=1, integer=True)
        if self.learning_rate_init is not None:
            _check_number(self.learning_rate_init, "learning_rate_init", low=0, low_open=True)
        if self.clip_norm is not None:
            _check_number(self.clip_norm, "clip_norm", low=0, low_open=True)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _check_number(self.batch_size, "batch_size", low=1, integer=True)
        if self.reduction is not None:
            _check_choice(self.reduction, ("sum", "mean"), "reduction")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InputTypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        for name in ("solver_options", "schedule_options"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), dict):
                raise InputTypeError(f"{name} must be a dict of trainer options, got {getattr(self, name)!r}")
        p["reduction"] = get_optimizer(p["solver"])[0].reduction if self.reduction is None else self.reduction
        if p["activation"] == "softmax":
            raise InputError("activation='softmax' is for the output layer only; set output_activation='softmax'")
        return p

    # ------------------------------------------------------------------ fitting
    def _fit(self, X, y, sample_weight=None, *, incremental: bool, classes=None):
        if any(is_dask_collection(a) for a in (X, y, sample_weight)):  # the Dask engine: dask_engine.py
            if self.engine != "local":
                return fit_estimator(self, X, y, sample_weight, incremental=incremental, classes=classes)
            X, y, sample_weight = select_engine(X, y, sample_weight, engine="local")
        p = self._checked_params()
        if incremental and self.early_stopping:
            raise InputError("partial_fit does not support early_stopping=True; use fit, or turn it off")
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        X, y = self._validate_fit_data(X, y, reset=first)
        Y = self._encode_targets(y, first=first, classes=classes, activation=p["output_activation"])
        sw = self._sample_weights(sample_weight, X, y, incremental=incremental)
        rng = _generator(self.random_state)
        if first:
            self._initialize(p, X.shape[1], Y.shape[1], rng)
        elif self.network_.sizes != [X.shape[1], *p["hidden"], Y.shape[1]]:
            raise InputError(
                f"warm_start and partial_fit continue the fitted network {self.network_.sizes}; "
                "fit from scratch (warm_start=False) after changing hidden_layer_sizes"
            )
        validation = None
        if self.early_stopping:
            X, Y, sw, validation = self._validation_split(X, Y, y, sw, rng)
        trainer = self._make_trainer(p, X.shape[0], sw, rng)
        data = self._training_data(X, Y, _normalised(sw, p["reduction"]))
        if incremental:
            if self._trainer_state is not None:
                trainer.load_state_dict(self._trainer_state)
            history = trainer.partial_fit(self.network_, *data)
            n_new = 1
        else:
            if validation is not None:
                X_val, Y_val, sw_val = validation
                validation = (X_val, Y_val, _normalised(sw_val, p["reduction"]))
            history = trainer.fit(self.network_, *data, validation_data=validation)
            n_new = history.n_epochs
        self._trainer_state = trainer.state_dict()
        weight_sum = X.shape[0] if sw is None else float(sw.sum())
        self._record(history, n_new, p["reduction"], X.shape[0], weight_sum, validation)
        if not incremental and history.stop_reason == "max_epochs" and self.tol is not None:
            # "Still improving" only when the training loss did improve over the last
            # n_iter_no_change epochs (with early stopping the validation score may improve
            # while the training loss grows; that is said as it is).
            window = history.loss[-(self.n_iter_no_change + 1):]
            if window[-1] < min(window[:-1], default=float("inf")):
                how = f"while the loss was still improving by more than tol={self.tol}"
            else:
                how = (f"without converging: the training loss went from {window[0]:.6g} to {window[-1]:.6g} "
                       f"over the last {len(window) - 1} epochs")
            warnings.warn(
                f"{type(self).__name__} stopped at max_iter={self.max_iter} epochs {how}; raise max_iter "
                "(or tol) to let it converge",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _initialize(self, p: dict, n_features: int, n_outputs: int, rng: np.random.Generator) -> None:
        """A fresh network and empty histories (the first fit, or any fit without warm_start)."""
        self.network_ = Network(
            [n_features, *p["hidden"], n_outputs],
            activation=p["activation"],
            output_activation=p["output_activation"],
            loss=p["loss"],
            seed=rng,
            dtype=self.dtype,
        )
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(p["hidden"]) + 2
        self.out_activation_ = _SKLEARN_ACTIVATION_NAMES.get(p["output_activation"], p["output_activation"])
        self.t_ = 0
        self.loss_curve_ = []
        self.validation_loss_curve_ = [] if self.early_stopping else None
        self.validation_scores_ = [] if self.early_stopping else None
        self._trainer_state = None

    def _training_data(self, X, Y, sw) -> tuple:
        """The trainer's data arguments: ``(X, Y, sample_weight)``, or ``(source,)`` for a data source.

        The one place where the data source is chosen; the Dask engine returns its own here.
        """
        return X, Y, sw

    def _validation_split(self, X, Y, y, sw, rng):
        """Hold out ``validation_fraction`` of the data, stratified by class for single-label targets.

        Returns the training part ``X, Y, sw`` and the held-out ``(X_val, Y_val, sw_val)``.
        """
        stratify = y if self._stratify_validation(y) else None
        try:
            train, val = train_test_split(
                np.arange(X.shape[0]), test_size=self.validation_fraction, stratify=stratify, random_state=_int_seed(rng)
            )
        except ValueError as exc:
            raise InputError(
                f"cannot hold out validation_fraction={self.validation_fraction} of {X.shape[0]} examples ({exc}); "
                "use more data, another validation_fraction, or early_stopping=False"
            ) from None
        if val.size < 2:
            raise InputError(
                f"the validation set would hold {val.size} example(s); raise validation_fraction "
                "or use more data for early_stopping"
            )
        sw_train, sw_val = (None, None) if sw is None else (sw[train], sw[val])
        return X[train], Y[train], sw_train, (X[val], Y[val], sw_val)

    def _stratify_validation(self, y) -> bool:
        return False

    def _make_trainer(self, p: dict, n_train: int, sw, rng: np.random.Generator):
        """The :class:`~deltaprop.training.Trainer` these parameters describe.

        scikit-learn's objective is ``(sum_i s_i J_i + alpha/2 sum ||W||^2) / sum_i s_i``; the
        trainer's "mean" divides by the number of examples n instead, so with sample weights
        they are rescaled to sum to n (:func:`_normalised`) and alpha by ``n / sum_i s_i``.
        """
        alpha = float(self.alpha)
        if sw is not None and p["reduction"] == "mean":
            alpha *= n_train / float(sw.sum())
        solver_options = dict(self.solver_options or {})
        if p["solver"] == "lbfgs":
            solver_options.setdefault("max_fun", self.max_fun)
        learning_rate = self.learning_rate_init
        if learning_rate is None and p["solver"] in ("sgd", "adam"):
            learning_rate = SKLEARN_LEARNING_RATE_INIT
        if p["solver"] == "rprop" and learning_rate is not None:
            solver_options.setdefault("delta0", learning_rate)  # RPROP's initial step size
            learning_rate = None
        elif p["solver"] == "lbfgs":
            learning_rate = None
        callbacks = list(self.callbacks or ())
        if self.verbose:
            callbacks.append(_LogProgress())
        return Trainer(
            solver=p["solver"],
            learning_rate=learning_rate,
            epochs=self.max_iter,
            batch_size=self._batch_size(p["solver"], n_train),
            reduction=p["reduction"],
            momentum=self.momentum,
            nesterov=bool(self.nesterovs_momentum and self.momentum > 0),  # scikit-learn allows it at 0
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            weight_decay=alpha,
            clip_norm=self.clip_norm,
            schedule=p["learning_rate"],
            power_t=self.power_t,
            schedule_options=self.schedule_options,
            solver_options=solver_options or None,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping,
            metric=self._validation_metric if self.early_stopping else None,
            shuffle=self.shuffle,
            callbacks=callbacks,
            seed=rng,
        )

    def _batch_size(self, solver: str, n_train: int):
        if solver not in ("sgd", "adam") or self.batch_size == "auto":
            return None
        if self.batch_size > n_train:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_train} training examples; using {n_train}",
                UserWarning,
                stacklevel=5,
            )
        return min(self.batch_size, n_train)

    def _validation_metric(self, net, X_val, Y_val, sample_weight=None) -> float:
        """The validation score (accuracy or R^2) from encoded targets; higher is better."""
        return float(self._score_outputs(net.forward(X_val), Y_val, sample_weight, net.output_activation))

    def _record(self, history, n_new: int, reduction: str, n_train: int, weight_sum: float, validation) -> None:
        """Copy the last ``n_new`` epochs of a run's history into scikit-learn's attribute names.

        Losses are reported per example, as scikit-learn reports them:
        ``(sum_i s_i J_i + alpha/2 sum ||W||^2) / sum_i s_i``.
        """
        per_example = 1.0 if reduction == "mean" else 1.0 / weight_sum
        self.loss_curve_.extend(float(J) * per_example for J in history.loss[-n_new:])
        self.n_iter_ = n_new
        self.t_ += n_new * n_train
        self.loss_ = self.loss_curve_[-1]
        if self.early_stopping:
            X_val, _, sw_val = validation
            val_per_example = 1.0 if reduction == "mean" else 1.0 / (X_val.shape[0] if sw_val is None else sw_val.sum())
            self.validation_loss_curve_.extend(float(v) * val_per_example for v in history.val_loss)
            self.validation_scores_.extend(float(v) for v in history.val_metric)
            self.best_validation_score_ = float(history.val_metric[history.best_epoch])
            self.best_loss_ = None
        else:
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)

    # ------------------------------------------------------------------ the fitted network
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices in scikit-learn's orientation, shapes ``(n_in, n_out)``.

        ``coefs_[t]`` is ``network_.weights[t].T``, a *view*: writing into it changes the
        network. Assigning a new list replaces the network's weights (copied, transposed).
        """
        return [W.T for W in self.network_.weights]

    @coefs_.setter
    def coefs_(self, coefs) -> None:
        self.network_.set_parameters([np.asarray(c).T for c in coefs], self.network_.biases)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, shapes ``(n_out,)``: the network's ``biases`` themselves (not copies)."""
        return list(self.network_.biases)

    @intercepts_.setter
    def intercepts_(self, intercepts) -> None:
        self.network_.set_parameters(self.network_.weights, list(intercepts))

    def _outputs(self, X) -> np.ndarray:
        """The network's outputs ``o`` for ``X``, shape ``(N, n_outputs_)``."""
        check_is_fitted(self)
        _check_inputs(X)
        X = validate_data(self, X, reset=False, dtype=self.network_.dtype)
        return self.network_.forward(X)

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy (classifier) or R^2 (regressor), as scikit-learn's; computed blockwise on Dask arrays."""
        if is_dask_collection(X):
            return score_blockwise(self, X, y, sample_weight)
        mixin = ClassifierMixin if isinstance(self, ClassifierMixin) else RegressorMixin
        return mixin.score(self, X, y, sample_weight=sample_weight)

    # ------------------------------------------------------------------ model files
    #: Fitted attributes a model file restores as they were (plain numbers, lists or None).
    _HISTORY_ATTRIBUTES = (
        "n_iter_", "t_", "loss_", "best_loss_", "loss_curve_", "validation_loss_curve_",
        "validation_scores_", "best_validation_score_",
    )

    def _to_modelfile(self) -> tuple[dict[str, np.ndarray], dict]:
        """The fitted estimator as named arrays and JSON-able metadata (see :mod:`deltaprop.modelfile`).

        Arrays: the network's ``weights.t`` and ``biases.t`` (its own orientation, as a
        saved Network has them). Metadata: the ``architecture`` (:meth:`Network.config`),
        the constructor ``params`` (``callbacks`` and a ``RandomState`` instance cannot be
        stored and are saved as None; dict values as ``{"items": [[key, value], ...]}`` so
        that integer class keys survive JSON), ``n_features_in``, ``feature_names_in``, the
        training ``history`` (the fitted attributes ``loss_curve_``, ``n_iter_``, ...), and
        the subclass's ``label_map`` or ``target_scaling``. The ``kind`` is the class name,
        which :func:`deltaprop.save` writes itself. The optimizer state is not saved:
        ``partial_fit`` after loading starts a fresh optimizer from the saved weights.
        """
        check_is_fitted(self)
        net = self.network_
        arrays = {}
        for t, (W, b) in enumerate(zip(net.weights, net.biases)):
            arrays[f"weights.{t}"] = W
            arrays[f"biases.{t}"] = b
        params = self.get_params(deep=False)
        params["callbacks"] = None
        params["client"] = None  # a live connection to a Dask cluster: not storable
        if not (params["random_state"] is None or isinstance(params["random_state"], numbers.Integral)):
            params["random_state"] = None
        # Dicts (class_weight, solver_options) keep their keys' types as [key, value] pairs.
        params = {k: {"items": to_json(list(v.items()))} if isinstance(v, dict) else to_json(v) for k, v in params.items()}
        names = getattr(self, "feature_names_in_", None)
        meta = {
            "architecture": net.config(),
            "params": params,
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
            "history": {a: to_json(getattr(self, a)) for a in self._HISTORY_ATTRIBUTES},
            **self._extra_meta(),
        }
        return arrays, meta

    @classmethod
    def _from_modelfile(cls, arrays: dict[str, np.ndarray], meta: dict):
        """Rebuild a fitted estimator from what :meth:`_to_modelfile` returned."""
        from .errors import ModelFileError

        kind = meta.get("kind", cls.__name__)
        if kind != cls.__name__:
            raise ModelFileError(f"the model file holds a {kind!r}, not an {cls.__name__}")
        params = {k: dict(map(tuple, v["items"])) if isinstance(v, dict) else v for k, v in meta["params"].items()}
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est = cls(**params)
        config = meta["architecture"]
        n_layers = len(config["layer_sizes"]) - 1
        try:
            weights = [arrays[f"weights.{t}"] for t in range(n_layers)]
            biases = [arrays[f"biases.{t}"] for t in range(n_layers)]
        except KeyError as exc:
            raise ModelFileError(f"the model file lacks the array {exc.args[0]!r} its architecture needs") from None
        try:
            est.network_ = Network.from_config(config, weights, biases)
        except InputError as exc:
            raise ModelFileError(f"the model file's arrays do not fit its architecture: {exc}") from None
        net = est.network_
        est.n_features_in_ = int(meta["n_features_in"])
        if meta.get("feature_names_in") is not None:
            est.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
        est.n_outputs_ = net.n_outputs
        est.n_layers_ = net.n_layers + 1
        est.out_activation_ = _SKLEARN_ACTIVATION_NAMES.get(net.output_activation, net.output_activation)
        for a in cls._HISTORY_ATTRIBUTES:
            setattr(est, a, meta["history"].get(a))
        est._trainer_state = None
        est._restore_extra_meta(meta)
        return est

    def _extra_meta(self) -> dict:
        return {}

    def _restore_extra_meta(self, meta: dict) -> None:
        pass


class _LogProgress:
    """``verbose=True``: one ``logging`` record per epoch on the ``deltaprop`` logger (never print)."""

    def on_epoch_end(self, trainer, net, epoch, logs):
        logging.getLogger("deltaprop").info("epoch %d: %s", epoch + 1, logs)


def _generator(random_state) -> np.random.Generator:
    """``random_state`` (None, int, Generator or RandomState) as a numpy Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**32, dtype=np.uint64))
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    raise InputTypeError(f"random_state must be None, an int or a numpy Generator, got {random_state!r}")


def _int_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier: scikit-learn's interface, the notes' network.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same parameter names and
    meanings, the same fitted attributes, and it passes scikit-learn's estimator checks. By
    default it is the notes' model: sigmoid hidden units, one sigmoid output per class
    (one output for two classes, as scikit-learn does) and the squared error
    ``J_i = 1/2 sum_l (y_l - o_l)^2`` against 0/1 targets, trained by RPROP.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default (100,)
        Units per hidden layer; ``()`` gives no hidden layer.
    activation : {"logistic", "tanh", "relu", "leaky_relu", "identity"}, default "logistic"
        The hidden units' activation (``"sigmoid"`` is an alias of ``"logistic"``).
    solver : {"rprop", "adam", "sgd", "gd", "quickprop", "lbfgs"}, default "rprop"
        The training algorithm (see :mod:`deltaprop.optimizers`). ``"rprop"`` (iRPROP-,
        full batch) trains this model best out of the box on standardised data: see the
        README's comparison. ``solver="gd", reduction="sum"`` is the notes' exact rule
        ``w <- w - eta sum_i dJ_i/dw``.
    alpha : float, default 0.3
        L2 penalty as scikit-learn defines it: the objective is
        ``(sum_i s_i J_i + alpha/2 sum_t ||W_t||^2) / sum_i s_i`` under mean reduction
        (biases are not penalised), so the gradient gains ``alpha W / n``. The default is
        larger than scikit-learn's 1e-4: full-batch RPROP fits the training data closely,
        and 0.3 was the best of the values measured (see the README) on all three data sets.
    batch_size : int or "auto", default "auto"
        Mini-batch size of "sgd" and "adam"; "auto" is ``min(200, n_samples)``. The
        full-batch solvers ignore it.
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        The learning-rate schedule, as scikit-learn's: ``eta_t = eta_0 / (t + 1)^power_t``
        with t the examples seen, or divide by 5 each time ``n_iter_no_change`` epochs fail
        to improve by ``tol``.
    learning_rate_init : float or None, default None
        The initial step: eta for gd, sgd, adam and quickprop, the initial update value
        Delta_0 for RPROP; lbfgs has none. None means scikit-learn's 1e-3 for sgd and adam,
        and the trainer's default for the others (gd 0.1 with summed gradients, quickprop
        0.7, RPROP Delta_0 = 0.1).
    power_t : float, default 0.5
    max_iter : int, default 200
        The most epochs (full passes over the data; iterations for lbfgs).
    shuffle : bool, default True
        Reshuffle mini-batches every epoch (sgd, adam).
    random_state : int, numpy Generator, RandomState or None
        Seeds the initial weights, the shuffling and the validation split.
    tol : float or None, default 1e-4
        None runs all ``max_iter`` epochs (for lbfgs, scipy's gradient tolerance).
    n_iter_no_change : int, default 10
        Stop when the training loss (or, with ``early_stopping``, the validation loss) has not
        improved by ``tol`` for this many epochs.
    verbose : bool, default False
        Log one record per epoch to the ``"deltaprop"`` logger (the library never prints).
    warm_start : bool, default False
        Continue from the fitted weights on the next ``fit``.
    momentum : float, default 0.9
    nesterovs_momentum : bool, default True
        Momentum of "sgd" (and "gd").
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified), stop when the validation
        loss stops improving and restore the best epoch's weights.
    validation_fraction : float, default 0.1
    beta_1, beta_2, epsilon : float
        Adam's parameters.
    max_fun : int, default 15000
        Most function evaluations of "lbfgs".
    output_activation : str or None, default None
        None means "sigmoid". ``"softmax"`` gives one output per class even for two classes.
    loss : {"squared_error", "binary_cross_entropy", "cross_entropy"}, default "squared_error"
        ``loss="cross_entropy", output_activation="softmax"`` is scikit-learn's multiclass
        model, ``loss="log_loss"`` (an alias of binary cross-entropy) with sigmoid outputs its
        binary and multilabel one.
    reduction : {"sum", "mean"} or None, default None
        How the gradient is reduced over a batch; None is the trainer's default ("sum" for
        gd, "mean" for the others).
    dtype : {"float64", "float32"}, default "float64"
    callbacks : sequence of callback objects or None
        Passed to the trainer (see :mod:`deltaprop.training`).
    clip_norm : float or None
        Clip the gradient's global norm to this value.
    solver_options : dict or None
        More keyword arguments for :class:`~deltaprop.training.Trainer` (e.g. RPROP's step
        factors, Quickprop's maximum growth factor, other schedules).
    class_weight : dict, "balanced" or None
        Weights per class, multiplied into the sample weights (``J = sum_i s_i J_i``).
    engine : {None, "local", "dask"}
        Where training runs. None: on the Dask cluster when X is a Dask array or DataFrame,
        else here; "dask" also trains NumPy data on the cluster; "local" computes Dask inputs
        into memory. ``predict``, ``predict_proba`` and ``score`` on Dask arrays always run
        blockwise on the cluster. See :mod:`deltaprop.dask_engine` and ``docs/dask.md``.
    client : distributed.Client or None
        The cluster; default the current client, or a local cluster started on first use.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
        The class labels (for multilabel targets, ``arange(n_labels)``).
    network_ : Network
        The fitted network in the notes' orientation.
    coefs_ : list of ndarray, shapes (n_in, n_out)
        Views of ``network_.weights[t].T``.
    intercepts_ : list of ndarray, shapes (n_out,)
    loss_ : float
        The last epoch's loss, reported as scikit-learn reports it: the per-example mean
        ``sum_i s_i J_i / sum_i s_i`` plus ``alpha/2 sum ||W||^2 / sum_i s_i``.
    best_loss_ : float or None
        The smallest ``loss_curve_`` entry (None with early stopping, as in scikit-learn).
    loss_curve_ : list of float
        ``loss_`` after each epoch.
    validation_loss_curve_ : list of float or None
        The held-out loss per epoch, reported like ``loss_curve_`` (early stopping only).
    validation_scores_ : list of float or None
        Accuracy on the held-out set per epoch (early stopping only).
    best_validation_score_ : float or None
        The validation accuracy at the restored (best) epoch.
    n_iter_ : int
        Epochs run by the last call to ``fit`` or ``partial_fit``.
    t_ : int
        Training examples seen so far (``n_iter_ * n_samples`` summed over calls).
    n_layers_ : int
        Layers including input and output (hidden layers + 2).
    n_outputs_ : int
        Output units.
    out_activation_ : str
        The output activation by scikit-learn's name ("logistic", "softmax", ...).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Set when X is a DataFrame with string column names.

    Notes
    -----
    **Probabilities.** A network with sigmoid outputs trained with squared error estimates
    the conditional probability of each class in the limit of infinite data, but for a
    finite fit its outputs are scores, not calibrated probabilities. :meth:`predict_proba`
    returns them mapped onto [0, 1], clipped into ``[eps, 1 - eps]`` and normalised to sum
    to one per row (for multilabel targets each label's output, not normalised). Use
    :class:`sklearn.calibration.CalibratedClassifierCV` when calibrated probabilities
    matter, or ``output_activation="softmax", loss="cross_entropy"``.

    **Targets.** Class c is the target vector with 1 at c's output and 0 elsewhere (-1 and
    1 for tanh outputs); :meth:`predict` takes the output nearest to 1 (for two classes
    with one output, ``o > 1/2``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> import deltaprop as dp
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), dp.MLPClassifier(random_state=0)).fit(X, y)
    >>> bool(model.score(X, y) > 0.95)
    True
    """

    _default_output_activation = "sigmoid"
    score = _BaseMLP.score  # before ClassifierMixin's: blockwise on Dask arrays

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="logistic",
        *,
        solver="rprop",
        alpha=0.3,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=None,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        output_activation=None,
        loss="squared_error",
        reduction=None,
        dtype="float64",
        callbacks=None,
        clip_norm=None,
        solver_options=None,
        schedule_options=None,
        class_weight=None,
        engine=None,
        client=None,
    ):
        shared = {k: v for k, v in locals().items() if k not in ("self", "class_weight", "__class__")}
        super().__init__(**shared)
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------ labels
    def _validate_fit_data(self, X, y, *, reset: bool):
        _check_inputs(X, y)
        X, y = validate_data(self, X, y, reset=reset, multi_output=True, dtype=_float_dtype(self.dtype))
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise InputError(
                f"y is {kind}; MLPClassifier handles binary, multiclass and multilabel-indicator "
                "targets. Fit one classifier per output for multiclass-multioutput targets"
            )
        return X, y

    def _encode_targets(self, y, *, first: bool, classes, activation: str) -> np.ndarray:
        """Target rows for the labels ``y`` (:class:`~deltaprop.encoding.ClassEncoder`); sets ``classes_`` on the first fit."""
        if first:
            encoder = ClassEncoder.fit(y, output_activation=activation, classes=classes)
            self.classes_, self._multilabel = encoder.classes, encoder.multilabel
        elif (y.ndim == 2) != self._multilabel or (self._multilabel and y.shape[1] != self.classes_.size):
            raise InputError(
                "y has a different form than in the first fit (multilabel indicator vs labels, or "
                "another number of labels); pass targets like the first call's"
            )
        return self._class_encoder(activation).transform(y, dtype=_float_dtype(self.dtype))

    def _class_encoder(self, activation: str) -> ClassEncoder:
        """The encoding of ``classes_`` at outputs with this activation (one output for two classes)."""
        n_outputs = 1 if self.classes_.size == 2 and activation != "softmax" and not self._multilabel else self.classes_.size
        return ClassEncoder(self.classes_, n_outputs, *output_targets(activation), multilabel=self._multilabel)

    def _sample_weights(self, sample_weight, X, y, *, incremental: bool):
        sw = _check_sample_weight(sample_weight, X.shape[0])
        if self.class_weight is not None:
            if incremental and isinstance(self.class_weight, str):
                raise InputError("class_weight='balanced' needs all the data; pass a dict of weights to partial_fit")
            cw = compute_sample_weight(self.class_weight, y)
            sw = cw if sw is None else sw * cw
        if sw is not None and not incremental and not self._multilabel:
            weighted = np.unique(y[sw > 0])
            if weighted.size < 2:
                raise InputError(
                    f"only one class ({weighted.tolist()[0]!r}) has non-zero sample weight; a classifier "
                    "needs at least two classes to learn from"
                )
        return sw

    def _stratify_validation(self, y) -> bool:
        return y.ndim == 1

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,) or (n_samples, n_labels).

        Parameters
        ----------
        X : array-like or DataFrame (n_samples, n_features)
        y : array-like (n_samples,) of labels, or a 0/1 indicator matrix (n_samples, n_labels)
        sample_weight : array-like (n_samples,), optional
            Weights s_i in ``J = sum_i s_i J_i``.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch on ``(X, y)``, continuing from the current weights and optimizer state.

        Parameters
        ----------
        X, y, sample_weight : as for :meth:`fit`
        classes : array-like, optional
            All the labels; required on the first call unless y is a multilabel indicator.

        Returns
        -------
        self
        """
        if not hasattr(self, "classes_") and classes is None and np.ndim(y) == 1:
            raise InputError("classes must be passed on the first call to partial_fit, e.g. classes=np.unique(y_all)")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------------ prediction
    @blockwise_on_dask
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes): the outputs normalised (see Notes).

        Examples
        --------
        >>> import numpy as np, deltaprop as dp
        >>> X = np.array([[0.], [1.], [2.], [3.]]); y = ["a", "a", "b", "b"]
        >>> dp.MLPClassifier(hidden_layer_sizes=(3,), random_state=0).fit(X, y).predict_proba(X).shape
        (4, 2)
        """
        return self._proba(self._outputs(X), self.network_.output_activation)

    def _proba(self, o: np.ndarray, activation: str) -> np.ndarray:
        return self._class_encoder(activation).proba(o)

    @blockwise_on_dask
    def predict_log_proba(self, X) -> np.ndarray:
        """``log(predict_proba(X))``; finite, since probabilities are clipped into [eps, 1 - eps]."""
        return np.log(self.predict_proba(X))

    @blockwise_on_dask
    def predict(self, X) -> np.ndarray:
        """Labels, shape (n_samples,), or a 0/1 indicator matrix (n_samples, n_labels) for multilabel fits."""
        return self._labels(self._outputs(X), self.network_.output_activation)

    def _labels(self, o: np.ndarray, activation: str) -> np.ndarray:
        """Labels from outputs (or from encoded targets, which decode to their own labels)."""
        return self._class_encoder(activation).labels(o)

    def _score_outputs(self, o, Y, sample_weight, activation: str) -> float:
        from sklearn.metrics import accuracy_score

        return accuracy_score(self._labels(Y, activation), self._labels(o, activation), sample_weight=sample_weight)

    # ------------------------------------------------------------------ model files
    def _extra_meta(self) -> dict:
        # classes_ may hold strings, ints, floats or bools: the values and the dtype restore it.
        return {"label_map": self._class_encoder(self.network_.output_activation).to_meta()}

    def _restore_extra_meta(self, meta: dict) -> None:
        net = self.network_
        encoder = ClassEncoder.from_meta(meta["label_map"], output_activation=net.output_activation,
                                         n_outputs=net.n_outputs)
        self.classes_, self._multilabel = encoder.classes, encoder.multilabel


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor: scikit-learn's interface, the notes' backpropagation.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`. The outputs are identity
    units by default, the notes' rule with ``f' = 1``: ``delta_l = y_l - o_l``. The
    parameters are :class:`MLPClassifier`'s, without ``class_weight`` and with
    ``alpha=0.01`` by default: on the regression data measured (see the README) a larger
    penalty under-fits small smooth problems and scikit-learn's 1e-4 over-fits noisy ones.

    With a bounded output activation (``"sigmoid"`` or ``"tanh"``) the targets are min-max
    scaled column by column into the inner part of the activation's range (``[0.1, 0.9]``
    for sigmoid, ``[-0.8, 0.8]`` for tanh, see :data:`TARGET_INTERVALS`) with the training
    data's minimum and maximum, and predictions are scaled back; ``target_range_`` holds
    those minima and maxima. The loss and ``loss_curve_`` are then on the scaled targets.

    Attributes
    ----------
    target_range_ : ndarray (2, n_outputs) or None
        The training targets' minimum (row 0) and maximum (row 1) per output when the
        outputs are bounded, else None.

    Other fitted attributes are :class:`MLPClassifier`'s, without ``classes_``;
    ``validation_scores_`` holds R^2 on the held-out set.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> X = np.linspace(-2, 2, 100).reshape(-1, 1); y = np.sin(2 * X).ravel()
    >>> reg = dp.MLPRegressor(hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _default_output_activation = "identity"
    score = _BaseMLP.score  # before RegressorMixin's: blockwise on Dask arrays

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _validate_fit_data(self, X, y, *, reset: bool):
        dtype = _float_dtype(self.dtype)
        _check_inputs(X, y)
        X, y = validate_data(self, X, y, reset=reset, multi_output=True, y_numeric=True, dtype=dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y.astype(dtype, copy=False)

    def _encode_targets(self, y, *, first: bool, classes, activation: str) -> np.ndarray:
        Y = y.reshape(y.shape[0], -1)
        if activation == "softmax":
            raise InputError("output_activation='softmax' is for classification; use 'identity' or 'sigmoid'")
        if first:
            self.target_range_ = TargetScaler.fit(Y, output_activation=activation).target_range
        elif Y.shape[1] != self.n_outputs_:
            raise InputError(f"y has {Y.shape[1]} outputs but the model was fitted with {self.n_outputs_}")
        return self._target_scaler(activation).transform(Y)

    def _target_scaler(self, activation: str) -> TargetScaler:
        """The scaling of ``target_range_`` into this activation's interval (:class:`~deltaprop.encoding.TargetScaler`)."""
        interval = None if self.target_range_ is None else TARGET_INTERVALS[activation]
        return TargetScaler(self.target_range_, interval)

    def _sample_weights(self, sample_weight, X, y, *, incremental: bool):
        return _check_sample_weight(sample_weight, X.shape[0])

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or (n_samples, n_outputs).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on ``(X, y)``, continuing from the current weights and optimizer state.

        With bounded outputs the target scaling is fitted on the first call's ``y``.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=True)

    @blockwise_on_dask
    def predict(self, X) -> np.ndarray:
        """Predictions, shape (n_samples,) for one output, else (n_samples, n_outputs), float64."""
        return self._values(self._outputs(X))

    def _values(self, o: np.ndarray) -> np.ndarray:
        y = self._target_scaler(self.network_.output_activation).inverse_transform(o)
        return y.ravel() if y.shape[1] == 1 else y

    def _score_outputs(self, o, Y, sample_weight, activation: str) -> float:
        # R^2 is unchanged by the per-output affine target scaling, so the scaled targets do.
        from sklearn.metrics import r2_score

        return r2_score(Y, o, sample_weight=sample_weight)

    def _extra_meta(self) -> dict:
        return {"target_scaling": self._target_scaler(self.network_.output_activation).to_meta()}

    def _restore_extra_meta(self, meta: dict) -> None:
        scaler = TargetScaler.from_meta(meta.get("target_scaling"), output_activation=self.network_.output_activation)
        self.target_range_ = scaler.target_range


def _check_inputs(X, y=None) -> None:
    """deltaprop's messages (naming the cell and the fix) for the commonest bad inputs.

    Runs before scikit-learn's ``validate_data``, which does the rest of the checking but
    reports NaN, ragged rows, text or mismatched lengths without saying where or what to do.
    """
    check_table(X, name="X")
    if y is None:
        return
    y_arr = np.asarray(y)
    check_table(y_arr[:, None] if y_arr.ndim == 1 and y_arr.dtype.kind in "fc" else y_arr, name="y")
    shape_X = X.shape if hasattr(X, "shape") else np.asarray(X).shape
    if not shape_X or not y_arr.ndim:
        return  # scalars: scikit-learn's message asks for arrays
    n_X, n_y = shape_X[0], y_arr.shape[0]
    if n_X != n_y:
        raise InputError(f"X has {n_X} examples but y has {n_y} targets; pass one target per example")


def _float_dtype(dtype) -> np.dtype:
    from ._validation import check_dtype

    return check_dtype(dtype)


def _normalised(sw: np.ndarray | None, reduction: str) -> np.ndarray | None:
    """For "mean": weights rescaled to sum to n, so that dividing by n divides by sum_i s_i."""
    if sw is None or reduction != "mean":
        return sw
    return sw * (sw.shape[0] / sw.sum())


def _check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """Per-example weights s_i >= 0 with at least one non-zero (None: all ones)."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.shape != (n,):
        raise InputError(f"sample_weight has shape {sw.shape} but X has {n} examples; pass one weight per example")
    if not np.isfinite(sw).all() or (sw < 0).any():
        raise InputError("sample_weight must be finite and non-negative")
    if not sw.any():
        raise InputError("sample_weight is zero for every example; at least one weight must be non-zero")
    return sw
