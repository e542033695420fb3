"""The classifier: :class:`MLPClassifier` (labels, class weights, probabilities)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d, validate_data

from ..encoding import ClassEncoder, output_targets
from ..errors import InputError
from ._base import _BaseMLP
from ._on_dask import _blockwise_on_dask
from ._checks import _check_inputs, _check_sample_weight, _float_dtype

__all__ = ["MLPClassifier"]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier: scikit-learn's interface, the notes' backpropagation.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same parameter names and
    meanings, the same fitted attributes, and it passes scikit-learn's estimator checks.

    **Defaults that differ from scikit-learn's, and why.** The parameters ``solver``,
    ``activation``, ``alpha``, ``tol``, ``n_iter_no_change``, ``early_stopping``,
    ``validation_fraction`` and ``loss`` default to ``"auto"`` (``output_activation`` to
    None) and are resolved in ``fit`` by one rule
    (:func:`deltaprop.estimators.default_settings`); ``settings_`` records what ran.
    With n rows given to ``fit``:

    * n <= 2000 (``LARGE_N``): full-batch RPROP, logistic hidden units, softmax outputs with
      cross-entropy, ``alpha=0.03``, ``tol=None`` (all ``max_iter=200`` epochs). scikit-learn's
      adam/relu/``alpha=1e-4`` with its tol rule is behind here: on the benchmark's held-out
      guard suite (3 seeds) circles 0.992 vs 0.992, moons 0.887 vs 0.880, Gaussian quantiles
      0.963 vs 0.947, imbalanced 92/8 balanced accuracy 0.812 vs 0.799; mean over the guard
      suite 0.803 vs 0.777 in 0.09 s vs 0.14 s of CPU per fit. ``tol=None`` because each
      RPROP epoch is one step and the tol rule stopped it in its early overshoot (imbalanced
      0.68 with it); ``alpha=0.03`` because 0.3 (the notes' earlier default) traps circles at
      a constant output (0.48) and 0.01 falls behind on blobs.
    * n > 2000: scikit-learn's own model (adam at 1e-3, batches of ``min(200, n)``, relu,
      ``alpha=1e-4``, ``tol=1e-4``, ``n_iter_no_change=10``) with softmax outputs: full-batch
      RPROP over-fits 10k Fashion-MNIST images (0.829 vs Adam's 0.856, scikit-learn 0.857).
    * Naming a scikit-learn solver (``"sgd"``, ``"adam"``, ``"lbfgs"``) gives scikit-learn's
      model for everything left out, its outputs included (one logistic output with
      binary cross-entropy for two classes, softmax otherwise), at any n; naming one of
      deltaprop's (``"rprop"``, ``"gd"``, ``"quickprop"``) gives the small-n rule with it.
    * Relu hidden units and scikit-learn's solvers start from scikit-learn's initialisation
      (uniform biases as well as weights, ``Network(init="sklearn")``): with zero biases every
      relu kink starts at the origin (a 1-D sine: R^2 0.31 instead of 0.84).
    * Multilabel targets always get logistic outputs with binary cross-entropy.

    Tables: ``benchmarks/defaults.md`` and the README's "Good by default" section. The notes'
    own model is one argument set away:
    ``activation="logistic", output_activation="sigmoid", loss="squared_error"``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default (100,)
        Units per hidden layer; ``()`` gives no hidden layer.
    activation : {"auto", "logistic", "tanh", "relu", "leaky_relu", "identity"}, default "auto"
        The hidden units' activation (``"sigmoid"`` is an alias of ``"logistic"``); "auto":
        logistic for RPROP and deltaprop's solvers, relu for scikit-learn's (see above).
    solver : {"auto", "rprop", "adam", "sgd", "gd", "quickprop", "lbfgs"}, default "auto"
        The training algorithm (see :mod:`deltaprop.optimizers`); "auto": ``"rprop"``
        (iRPROP-, full batch) up to 2000 rows, ``"adam"`` above. ``solver="gd",
        reduction="sum"`` is the notes' exact rule ``w <- w - eta sum_i dJ_i/dw``.
    alpha : float or "auto", default "auto"
        L2 penalty as scikit-learn defines it: the objective is
        ``(sum_i s_i J_i + alpha/2 sum_t ||W_t||^2) / sum_i s_i`` under mean reduction
        (biases are not penalised), so the gradient gains ``alpha W / n``. "auto": 0.03 with
        RPROP and deltaprop's solvers (full-batch RPROP fits the training data closely),
        scikit-learn's 1e-4 with its solvers.
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
    tol : float, None or "auto", default "auto"
        None runs all ``max_iter`` epochs (for lbfgs, scipy's gradient tolerance). "auto":
        None with RPROP and deltaprop's solvers, 1e-4 with scikit-learn's.
    n_iter_no_change : int or "auto", default "auto"
        Stop when the training loss (or, with ``early_stopping``, the validation loss) has not
        improved by ``tol`` for this many epochs. "auto": 10.
    verbose : bool, default False
        Log one record per epoch to the ``"deltaprop"`` logger (the library never prints).
    warm_start : bool, default False
        Continue from the fitted weights on the next ``fit``.
    momentum : float, default 0.9
    nesterovs_momentum : bool, default True
        Momentum of "sgd" (and "gd").
    early_stopping : bool or "auto", default "auto"
        ("auto": False.) Hold out ``validation_fraction`` of the data (stratified), stop when the validation
        loss stops improving and restore the best epoch's weights.
    validation_fraction : float or "auto", default "auto"
        The share early stopping holds out. "auto": 0.1 (scikit-learn's); the regressor's
        automatic early stopping (``early_stopping="auto"`` on small data) holds out 0.2.
    beta_1, beta_2, epsilon : float
        Adam's parameters.
    max_fun : int, default 15000
        Most function evaluations of "lbfgs".
    output_activation : str or None, default None
        None: chosen with the loss (see above): "softmax" by the rule, which gives one output
        per class even for two classes; scikit-learn's solvers' one logistic output for two
        classes; the loss's canonical output when only ``loss`` is given (``"sigmoid"`` for
        ``"squared_error"``, the notes' model).
    loss : {"auto", "squared_error", "binary_cross_entropy", "cross_entropy"}, default "auto"
        "auto": the output's canonical loss (softmax: cross-entropy, sigmoid: binary
        cross-entropy, others: squared error). ``loss="cross_entropy",
        output_activation="softmax"`` is scikit-learn's multiclass model, ``loss="log_loss"``
        (an alias of binary cross-entropy) with sigmoid outputs its binary and multilabel one.
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
    preprocess : bool, default False
        Fit a table encoder on the first fit's X and apply it everywhere after
        (:class:`deltaprop.encoding.TableEncoder`, what ``deltaprop train`` does): numeric
        columns imputed (median) and standardised, text columns (``str`` cells) one-hot
        encoded (a category not seen in training: all zeros, with an ``UnknownCategoryWarning``),
        missing values (NaN, None) imputed (most frequent). X may then be a DataFrame or an
        object array. Its learned arrays are saved in the model file (section ``table``);
        ``MLPRegressor`` with an unbounded output also standardises its targets (and maps
        predictions back).
        Off by default, so that the estimator stays a drop-in for scikit-learn's.
    engine : {None, "local", "dask"}
        Where training runs. None: on the Dask cluster when X is a Dask array or DataFrame,
        else here; "dask" also trains NumPy data on the cluster; "local" computes Dask inputs
        into memory. ``predict``, ``predict_proba`` and ``score`` on Dask arrays always run
        blockwise on the cluster. See :mod:`deltaprop.dask` (extra ``dask``) and ``docs/dask.md``.
    client : distributed.Client or None
        The cluster; default the current client, else a threads-only local cluster in this
        process, started on first use (:func:`deltaprop.dask.get_client`).

    Attributes
    ----------
    settings_ : dict
        What the ``"auto"`` parameters resolved to (solver, activation, output_activation,
        loss, alpha, tol, n_iter_no_change, early_stopping, init) and the ``n_examples`` the
        rule saw; ``solver_``, ``activation_``, ``alpha_``, ``tol_`` and ``early_stopping_``
        repeat the commonest. A warm start or ``partial_fit`` keeps the first fit's.
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

    score = _BaseMLP.score  # before ClassifierMixin's: blockwise on Dask arrays

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
        class_weight=None,
        engine=None,
        client=None,
        preprocess=False,
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
        x_max = _check_inputs(X, y, fit=True)
        # X's finiteness is checked by _check_inputs before and by the trainer after the one dtype
        # conversion here (which can overflow), so scikit-learn's own pass over X is skipped.
        X, y = validate_data(self, X, y, reset=reset, multi_output=True, dtype=_float_dtype(self.dtype),
                             ensure_all_finite=False)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        kind = type_of_target(y)
        if kind in ("continuous", "continuous-multioutput"):
            example = np.asarray(y, dtype=float).ravel()
            example = example[example != np.round(example)][:1].tolist() or example[:1].tolist()
            raise InputError(
                f"Unknown label type: y is {kind} (values such as {example[0]!r}); MLPClassifier predicts class "
                "labels: use MLPRegressor for real-valued targets, or pass the classes as integers or strings"
            )
        check_classification_targets(y)
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise InputError(
                f"y is {kind}; MLPClassifier handles binary, multiclass and multilabel-indicator "
                "targets. Fit one classifier per output for multiclass-multioutput targets"
            )
        return X, y, x_max

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
            if isinstance(self.class_weight, dict):
                unknown = [k for k in self.class_weight if k not in set(self.classes_.tolist())]
                if unknown:
                    raise InputError(
                        f"class_weight names {unknown!r}, which are not classes of y ({self.classes_.tolist()!r}); "
                        "key class_weight by the labels in y"
                    )
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

    def _target_kind(self, y, classes, *, first: bool) -> str:
        """"binary", "multiclass" or "multilabel": the default outputs depend on it (see ``_defaults``)."""
        if y.ndim == 2:
            return "multilabel"
        if not first:
            n_classes = self.classes_.size
        else:
            n_classes = np.unique(y if classes is None else np.asarray(classes)).size
        return "binary" if n_classes <= 2 else "multiclass"

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
    @_blockwise_on_dask
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

    @_blockwise_on_dask
    def predict_log_proba(self, X) -> np.ndarray:
        """``log(predict_proba(X))``; finite, since probabilities are clipped into [eps, 1 - eps]."""
        return np.log(self.predict_proba(X))

    @_blockwise_on_dask
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
