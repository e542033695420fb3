"""What the estimators share: :class:`_BaseMLP` (parameters, the network, the trainer, model files).

The contract they follow is in the package docstring (:mod:`deltaprop.estimators`).

What differs from scikit-learn, and why:

* The defaults are one rule chosen by the data's size and the solver
  (:mod:`deltaprop.estimators._defaults`, measured in ``benchmarks/defaults.md``): full-batch
  RPROP for small data, scikit-learn's own model for large data and whenever one of its
  solvers is named. Any output activation and loss may be chosen, including the notes'
  sigmoid outputs with squared error, which scikit-learn does not allow.
* Weight orientation: :attr:`coefs_` are scikit-learn's ``(n_in, n_out)`` matrices, the
  transposes of the network's ``W`` (shape ``(units, inputs)``, row r is w_r).
"""

from __future__ import annotations

import copy
import functools
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._json import to_json
from .._validation import all_finite
from ..encoding import TableEncoder
from ..activations import get_activation
from ..errors import InputError, InputTypeError
from ..losses import get_loss
from ..network import Network
from ..optimizers import get_optimizer
from ..sources import ArrayData
from ..training import Trainer
from ._checks import (
    _check_choice,
    _check_inputs,
    _check_number,
    _hidden_sizes,
    _normalised,
)
from ._defaults import AUTO, Settings, clip_batch_size, resolve, solver_settings, trainer_learning_rate
from ._random import _generator, _int_seed
from ._on_dask import _encode_target_block, _is_dask_collection
from ._table import encode_inputs, feature_names, preprocessed, raw_table

__all__ = ["SOLVERS", "LEARNING_RATE_SCHEDULES"]

SOLVERS = ("gd", "sgd", "adam", "rprop", "quickprop", "lbfgs")
LEARNING_RATE_SCHEDULES = ("constant", "invscaling", "adaptive", "step")
#: scikit-learn's names of the output activations (``out_activation_``).
_SKLEARN_ACTIVATION_NAMES = {"sigmoid": "logistic"}
# TARGET_INTERVALS (where a bounded output puts the regressor's scaled targets) and EPS (the
# probabilities' clipping) live in deltaprop.encoding, which encodes targets for every front end.


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, the network, the trainer."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="auto",
        *,
        solver="auto",
        alpha="auto",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=None,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol="auto",
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping="auto",
        validation_fraction="auto",
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change="auto",
        max_fun=15000,
        output_activation=None,
        loss="auto",
        reduction=None,
        dtype="float64",
        callbacks=None,
        clip_norm=None,
        solver_options=None,
        schedule_options=None,
        engine=None,
        client=None,
        preprocess=False,
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
        self.preprocess = preprocess

    # ------------------------------------------------------------------ parameters
    def _checked_params(self, n_examples: int | None = None, *, target_kind: str | None = None,
                        incremental: bool = False) -> dict:
        """Validate every parameter (in ``fit``, never in ``__init__``); return normalised values.

        Parameters left at ``"auto"`` are resolved for ``n_examples`` rows and the classifier's
        ``target_kind`` by :func:`~deltaprop.estimators._defaults.resolve` (None rows: data not
        in memory, the large-data rule). The returned dict holds the resolved ``solver``,
        ``activation``, ``output_activation``, ``loss``, ``alpha``, ``tol``,
        ``n_iter_no_change``, ``early_stopping``, ``validation_fraction`` and ``init``.
        """
        given = {
            "solver": self.solver if self.solver == AUTO else _check_choice(self.solver, SOLVERS, "solver"),
            "activation": self.activation if self.activation == AUTO else get_activation(self.activation).name,
            "output_activation": None if self.output_activation is None else get_activation(
                self.output_activation, argument="output_activation").name,
            "loss": self.loss if self.loss == AUTO else get_loss(self.loss).name,
            "alpha": self.alpha, "tol": self.tol, "n_iter_no_change": self.n_iter_no_change,
            "early_stopping": self.early_stopping, "validation_fraction": self.validation_fraction,
        }
        if self.alpha != AUTO:
            _check_number(self.alpha, "alpha", low=0)
        _check_number(self.power_t, "power_t", low=0)
        _check_number(self.max_iter, "max_iter", low=1, integer=True)
        if self.tol is not None and self.tol != AUTO:
            _check_number(self.tol, "tol", low=0)
        _check_number(self.momentum, "momentum", low=0, high=1)
        if self.validation_fraction != AUTO:
            _check_number(self.validation_fraction, "validation_fraction", low=0, high=1, low_open=True,
                          high_open=True)
        _check_number(self.beta_1, "beta_1", low=0, high=1, high_open=True)
        _check_number(self.beta_2, "beta_2", low=0, high=1, high_open=True)
        _check_number(self.epsilon, "epsilon", low=0, low_open=True)
        if self.n_iter_no_change != AUTO:
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
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping", "preprocess"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)) and not (name == "early_stopping" and value == AUTO):
                raise InputTypeError(f"{name} must be True or False, got {value!r}")
        for name in ("solver_options", "schedule_options"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), dict):
                raise InputTypeError(f"{name} must be a dict of trainer options, got {getattr(self, name)!r}")
        task = "classification" if isinstance(self, ClassifierMixin) else "regression"
        settings = resolve(given, task, n_examples, target_kind=target_kind, incremental=incremental)
        p = {**settings.as_dict(), "hidden": _hidden_sizes(self.hidden_layer_sizes),
             "learning_rate": _check_choice(self.learning_rate, LEARNING_RATE_SCHEDULES, "learning_rate")}
        p["activation"] = get_activation(p["activation"]).name
        p["output_activation"] = get_activation(p["output_activation"], argument="output_activation").name
        p["loss"] = get_loss(p["loss"]).name
        p["reduction"] = get_optimizer(p["solver"])[0].reduction if self.reduction is None else self.reduction
        if p["activation"] == "softmax":
            raise InputError("activation='softmax' is for the output layer only; set output_activation='softmax'")
        return p

    def _record_settings(self, p: dict, n_examples: int | None) -> None:
        """The resolved settings as fitted attributes, so that a user sees what ran.

        ``settings_`` holds every value the rule chose (:class:`~deltaprop.estimators._defaults.Settings`)
        and the ``n_examples`` it chose them for; ``solver_``, ``activation_``, ``alpha_``,
        ``tol_`` and ``early_stopping_`` repeat the commonest ones.
        """
        self.settings_ = {**{k: p[k] for k in Settings.__dataclass_fields__}, "n_examples": n_examples}
        self.solver_, self.activation_, self.alpha_ = p["solver"], p["activation"], p["alpha"]
        self.tol_, self.early_stopping_ = p["tol"], p["early_stopping"]

    # ------------------------------------------------------------------ fitting
    def _fit(self, X, y, sample_weight=None, *, incremental: bool, classes=None, engine=None):
        """The one fit of both estimators, for ``fit`` and ``partial_fit``, in memory or on Dask.

        Dask collections (and only they) bring in :mod:`deltaprop.dask`, imported here: with
        ``engine="local"`` they are computed into memory; ``partial_fit`` runs this fit on
        each block of rows in turn, as ``dask_ml.wrappers.Incremental`` does; ``fit`` takes
        its inputs, target encoding and data source from :meth:`_dask_fit_data` and
        :meth:`_training_data`, and everything else (checks, the defaults rule,
        initialisation, trainer, history, the ConvergenceWarning rule) is the code below.
        ``engine`` overrides ``self.engine`` for this call.
        """
        engine = self.engine if engine is None else engine
        if engine is not None:
            _check_choice(engine, ("local", "dask"), "engine")
        on_dask = any(_is_dask_collection(a) for a in (X, y, sample_weight))
        if on_dask and (engine == "local" or incremental):
            from .. import dask as dask_plugin  # the optional Dask package, only for Dask collections

            if engine == "local":
                X, y, sample_weight = dask_plugin.compute(X, y, sample_weight)
                on_dask = False
            else:
                for X_b, y_b, sw_b in dask_plugin.row_blocks(X, y, sample_weight):
                    self._fit(X_b, y_b, sw_b, incremental=True, classes=classes, engine="local")
                return self
        if incremental and self.early_stopping is True:
            raise InputError("partial_fit does not support early_stopping=True; use fit, or turn it off")
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        if on_dask:
            if self.preprocess:
                raise InputError("preprocess=True applies to in-memory tables; fit a Dask pipeline's encoder "
                                 "first, or pass engine='local'")
            X, y, sw, summary = self._dask_fit_data(X, y, sample_weight, first=first)
            x_max = None
            self.preprocessor_ = None
            target = summary
        else:
            X, pre, _ = encode_inputs(self, X, first=first)
            table_names = getattr(self, "feature_names_in_", None) if pre is not None else None
            raw_dtype = getattr(X, "dtype", None)
            # X was checked finite before its dtype conversion: without one, no second check, and
            # max |X| (x_max, when the check read it) bounds the inputs of the trainer's proof.
            X, y, x_max = self._validate_fit_data(X, y, reset=first or pre is not None)
            converted = not (isinstance(raw_dtype, np.dtype) and raw_dtype == X.dtype)
            self.preprocessor_ = pre
            if pre is not None:
                self.n_features_in_ = pre.n_features  # the raw columns; the network sees pre.n_outputs
                if table_names is not None:  # the raw table's (encode_inputs recorded them), not the encoding's
                    self.feature_names_in_ = table_names
            target = y
        # The defaults rule for the first fit's rows, so that a continued fit keeps its settings;
        # on Dask without automatic early stopping (no hold-out there).
        n_rows = X.shape[0] if np.isfinite(X.shape[0]) else None
        n_rule = n_rows if first else (getattr(self, "settings_", None) or {}).get("n_examples", n_rows)
        p = self._checked_params(n_rule, target_kind=self._target_kind(target, classes, first=first),
                                 incremental=incremental or on_dask)
        self._record_settings(p, n_rule)
        if on_dask:
            n_outputs = self._encode_targets(summary, first=first, classes=None, activation=p["output_activation"]).shape[1]
        else:
            Y = self._encode_targets(y, first=first, classes=classes, activation=p["output_activation"])
            sw = self._sample_weights(sample_weight, X, y, incremental=incremental)
            n_outputs = Y.shape[1]
        rng = _generator(self.random_state)
        if first:
            self._initialize(p, X.shape[1], n_outputs, rng)
        elif self.network_.sizes != [X.shape[1], *p["hidden"], n_outputs]:
            raise InputError(
                f"warm_start and partial_fit continue the fitted network {self.network_.sizes}; "
                "fit from scratch (warm_start=False) after changing hidden_layer_sizes"
            )
        if on_dask:
            Y = self._dask_targets(y, p["output_activation"])
        validation = None
        if p["early_stopping"]:
            X, Y, sw, validation = self._validation_split(X, Y, y, sw, rng, p["validation_fraction"])
        trainer = self._make_trainer(p, X.shape[0], sw, rng)
        data = self._training_data(X, Y, _normalised(sw, p["reduction"]), engine=engine, on_dask=on_dask,
                                   checked=not on_dask and not converted, x_max=x_max)
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
        if not incremental and history.stop_reason == "max_epochs" and p["tol"] is not None:
            # "Still improving" only when the training loss did improve over the last
            # n_iter_no_change epochs (the validation score may improve while it grows).
            window = history.loss[-(p["n_iter_no_change"] + 1):]
            if window[-1] < min(window[:-1], default=float("inf")):
                how = f"while the loss was still improving by more than tol={p['tol']}"
            else:
                how = (f"without converging: the training loss went from {window[0]:.6g} to {window[-1]:.6g} "
                       f"over the last {len(window) - 1} epochs")
            warnings.warn(f"{type(self).__name__} stopped at max_iter={self.max_iter} epochs {how}; raise max_iter "
                          "(or tol) to let it converge", ConvergenceWarning, stacklevel=3)
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
            init=p["init"],
        )
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(p["hidden"]) + 2
        self.out_activation_ = _SKLEARN_ACTIVATION_NAMES.get(p["output_activation"], p["output_activation"])
        self.t_ = 0
        self.loss_curve_ = []
        self.validation_loss_curve_ = [] if p["early_stopping"] else None
        self.validation_scores_ = [] if p["early_stopping"] else None
        self._trainer_state = None

    def _training_data(self, X, Y, sw, *, engine, on_dask: bool, checked: bool = False,
                       x_max: float | None = None) -> tuple:
        """The trainer's data arguments: ``(X, Y, sample_weight)``, or ``(source,)`` for a data source.

        The one place where the data source is chosen: arrays stay arrays, unless the data
        is on Dask or ``engine="dask"`` sends NumPy data to the cluster; then the source is
        :func:`deltaprop.dask.training_source`'s :class:`~deltaprop.dask.DaskData`.
        """
        if not (on_dask or engine == "dask"):
            dt = self.network_.dtype
            if (checked and X.dtype == dt and Y.dtype == dt and (sw is None or sw.dtype == dt)
                    and all_finite(Y) and (sw is None or all_finite(sw[:, None]))):
                # X checked finite, no conversion after; Y, weights, network made from it: no 2nd pass.
                data = ArrayData(X, Y, sw)
                data._x_max = x_max  # the check's max |X| (None: not read), for the trainer's proof
                return (data,)
            return X, Y, sw
        from .. import dask as dask_plugin

        return (dask_plugin.training_source(X, Y, sw, client=self.client),)

    # ------------------------------------------------------------------ fitting on Dask
    def _dask_fit_data(self, X, y, sample_weight, *, first: bool):
        """``(X, y, sw, summary)`` for :meth:`_fit` from Dask collections (see :mod:`deltaprop.dask`).

        The checks that need all of the data run on the cluster; the target encoding is
        fitted, by the estimator's own :meth:`_encode_targets`, on the few numbers
        :func:`deltaprop.dask.target_summary` brings back (``summary``: the classes, or the
        target range). ``class_weight`` and ``early_stopping=True`` are refused (they would
        need the labels or a split here).
        """
        from .. import dask as dask_plugin

        if self.early_stopping is True:  # "auto" resolves to False on Dask
            raise InputError(
                "early_stopping=True is not available when fitting on Dask; set early_stopping=False "
                "and choose max_iter and tol, or fit on NumPy data"
            )
        if getattr(self, "class_weight", None) is not None:
            raise InputError("class_weight is not available when fitting on Dask; multiply it into sample_weight")
        X, y, sw, names = dask_plugin.fit_inputs(X, y, sample_weight)
        d = int(X.shape[1])
        if not first and d != self.n_features_in_:
            raise InputError(f"X has {d} features, but the model was fitted with {self.n_features_in_}")
        self.n_features_in_ = d
        if names is not None:
            self.feature_names_in_ = names
        elif first and hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        classifier = is_classifier(self)
        summary = dask_plugin.target_summary(y, classifier=classifier)
        if classifier and summary.ndim == 1:
            check_classification_targets(summary)
        return X, y, sw, summary

    def _dask_targets(self, y, activation: str):
        """``y`` encoded where it lives, block by block, by this estimator's fitted encoding."""
        from .. import dask as dask_plugin

        encoder = copy.copy(self)
        encoder.client = None  # a live connection: neither picklable nor needed on a worker
        encoder.callbacks = None
        encode = functools.partial(_encode_target_block, encoder, activation)
        return dask_plugin.encode_targets(y, encode, self.n_outputs_, self.network_.dtype)

    def _validation_split(self, X, Y, y, sw, rng, fraction: float):
        """Hold out ``fraction`` (the resolved ``validation_fraction``), stratified by class for single-label targets.

        Returns the training part ``X, Y, sw`` and the held-out ``(X_val, Y_val, sw_val)``.
        """
        stratify = y if self._stratify_validation(y) else None
        try:
            train, val = train_test_split(
                np.arange(X.shape[0]), test_size=fraction, stratify=stratify, random_state=_int_seed(rng)
            )
        except ValueError as exc:
            raise InputError(
                f"cannot hold out validation_fraction={fraction} of {X.shape[0]} examples ({exc}); "
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

    def _target_kind(self, y, classes, *, first: bool) -> str | None:
        """The classifier's targets for the rule ("binary", "multiclass", "multilabel"); None here."""
        return None

    def _make_trainer(self, p: dict, n_train: int, sw, rng: np.random.Generator):
        """The :class:`~deltaprop.training.Trainer` these parameters describe.

        scikit-learn's objective is ``(sum_i s_i J_i + alpha/2 sum ||W||^2) / sum_i s_i``; the
        trainer's "mean" divides by the number of examples n instead, so with sample weights
        they are rescaled to sum to n (:func:`_normalised`) and alpha by ``n / sum_i s_i``.
        """
        alpha = float(p["alpha"])
        if sw is not None and p["reduction"] == "mean":
            alpha *= n_train / float(sw.sum())
        solver_options = dict(self.solver_options or {})
        if p["solver"] == "lbfgs":
            solver_options.setdefault("max_fun", self.max_fun)
        solver_args = solver_settings(p["solver"], self.get_params(deep=False))
        learning_rate = trainer_learning_rate(p["solver"], solver_args["learning_rate"], solver_options)
        callbacks = list(self.callbacks or ())
        if self.verbose:  # losses printed per example, as loss_curve_ holds them
            weight_sum = n_train if sw is None else float(sw.sum())
            callbacks.append(_LogProgress(1.0 if p["reduction"] == "mean" else 1.0 / weight_sum))
        return Trainer(
            solver=p["solver"],
            learning_rate=learning_rate,
            epochs=self.max_iter,
            batch_size=self._batch_size(solver_args["batch_size"], n_train),
            reduction=p["reduction"],
            momentum=solver_args["momentum"],
            nesterov=solver_args["nesterov"],
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            weight_decay=alpha,
            clip_norm=self.clip_norm,
            schedule=p["learning_rate"],
            power_t=self.power_t,
            schedule_options=self.schedule_options,
            solver_options=solver_options or None,
            tol=p["tol"],
            n_iter_no_change=p["n_iter_no_change"],
            early_stopping=p["early_stopping"],
            metric=self._validation_metric if p["early_stopping"] else None,
            shuffle=self.shuffle,
            callbacks=callbacks,
            seed=rng,
        )

    def _batch_size(self, batch_size, n_train: int):
        """The trainer's batch size: None (the solver's own) for the full batch or "auto", else at most n_train."""
        if batch_size is None or batch_size == AUTO:
            return None
        return clip_batch_size(batch_size, n_train, f"batch_size={batch_size}", stacklevel=5)

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
        if validation is not None:
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
        if getattr(self, "preprocessor_", None) is not None:
            names = feature_names(self, X, reset=False)  # named columns by name, as scikit-learn checks them
            X = preprocessed(self.preprocessor_, raw_table(X), names)
            return self.network_.forward(X.astype(self.network_.dtype, copy=False))
        _check_inputs(X)
        X = validate_data(self, X, reset=False, dtype=self.network_.dtype)
        return self.network_.forward(X)

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy (classifier) or R^2 (regressor), as scikit-learn's; computed blockwise on Dask arrays."""
        if _is_dask_collection(X):
            from .. import dask as dask_plugin

            return dask_plugin.score_blockwise(self, X, y, sample_weight, classifier=is_classifier(self))
        mixin = ClassifierMixin if isinstance(self, ClassifierMixin) else RegressorMixin
        return mixin.score(self, X, y, sample_weight=sample_weight)

    # ------------------------------------------------------------------ model files
    #: Fitted attributes a model file restores as they were (plain numbers, lists or None).
    _HISTORY_ATTRIBUTES = (
        "n_iter_", "t_", "loss_", "best_loss_", "loss_curve_", "validation_loss_curve_",
        "validation_scores_", "best_validation_score_", "settings_",
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
        if getattr(self, "preprocessor_", None) is not None:
            meta["table"] = self.preprocessor_.to_meta()
            meta["n_features_in"] = self.preprocessor_.n_features
        return arrays, meta

    @classmethod
    def _from_modelfile(cls, arrays: dict[str, np.ndarray], meta: dict):
        """Rebuild a fitted estimator from what :meth:`_to_modelfile` returned."""
        from ..errors import ModelFileError

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
        if est.settings_ is not None:  # files written before the defaults rule have none
            s = est.settings_
            est.solver_, est.activation_, est.alpha_ = s["solver"], s["activation"], s["alpha"]
            est.tol_, est.early_stopping_ = s["tol"], s["early_stopping"]
        est._trainer_state = None
        est.preprocessor_ = TableEncoder.from_meta(meta["table"]) if meta.get("table") else None
        est._restore_extra_meta(meta)
        return est

    def _extra_meta(self) -> dict:
        return {}

    def _restore_extra_meta(self, meta: dict) -> None:
        pass


class _LogProgress:
    """``verbose=True``: "Iteration n, loss = ..." on standard output each epoch, as scikit-learn prints it.

    The user's explicit request is the one place the library prints. ``per_example`` turns
    the trainer's loss into the per-example loss of ``loss_curve_``. With early stopping
    the validation score follows ("Validation score: ...").
    """

    def __init__(self, per_example: float = 1.0):
        self.per_example = per_example

    def on_epoch_end(self, trainer, net, epoch, logs):
        print(f"Iteration {epoch + 1}, loss = {logs['loss'] * self.per_example:.8f}", flush=True)
        if logs.get("val_metric") is not None:
            print(f"Validation score: {logs['val_metric']:.6f}", flush=True)
