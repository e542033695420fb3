"""``deltaprop train DATA`` as the estimators: what the command line leaves out, as they would set it.

With DATA, the options left out follow ``MLPClassifier``/``MLPRegressor``'s defaults rule
for the training rows (:func:`deltaprop.estimators.default_settings`); with a scikit-learn
solver, named or the rule's, the trainer options left out take the estimators' values for it
(:func:`deltaprop.estimators._defaults.solver_settings`); a ``--batch-size`` above the rows
trained on is clipped as theirs is. So the command and the estimators fit bitwise the same
network with the same settings. Without DATA none of this applies (the notes' quick start).
"""

from __future__ import annotations

import numpy as np

from ._model import CLASSIFICATION

#: With DATA, the options the user leaves out that follow the estimators' defaults rule
#: (deltaprop.estimators.default_settings).
RULED = ("solver", "activation", "output_activation", "loss", "weight_decay", "tol", "n_iter_no_change",
         "early_stopping", "validation_fraction")
#: With DATA and a scikit-learn solver (named, or the rule's adam), the trainer options left out that
#: take the estimators' values for it (deltaprop.estimators._defaults.solver_settings).
SOLVER_RULED = ("learning_rate", "batch_size", "momentum", "nesterov")
#: The estimators' names of the options, where they differ.
ESTIMATOR_NAMES = {"weight_decay": "alpha", "learning_rate": "learning_rate_init", "nesterov": "nesterovs_momentum"}


def apply_defaults_rule(opts: dict, ruled: tuple, task: str, y_train: np.ndarray) -> str:
    """Set the options in ``ruled`` (left out by the user) as ``MLPClassifier``/``MLPRegressor`` would.

    The rule is :func:`deltaprop.estimators.default_settings` for these training rows, around
    what the user did set, so ``deltaprop train DATA`` and the estimators fit the same model
    by default; a scikit-learn solver then brings the estimators' values of the trainer
    options left out (:func:`_apply_solver_settings`). Returns the weight initialisation
    the rule uses (``Network(init=...)``).
    """
    from ..estimators import default_settings  # brings in scikit-learn, needed here anyway
    from ..estimators._defaults import SKLEARN_SOLVERS

    given = {ESTIMATOR_NAMES.get(k, k): opts[k] for k in RULED if k not in ruled}
    kind = None
    if task == CLASSIFICATION:
        kind = "binary" if np.unique(y_train).size == 2 else "multiclass"
    rule = default_settings(task, len(y_train), target_kind=kind, given=given)
    for name in RULED:
        if name in ruled:
            opts[name] = rule[ESTIMATOR_NAMES.get(name, name)]
    if "validation_fraction" in ruled and not opts["early_stopping"]:
        opts["validation_fraction"] = None  # no hold-out without early stopping, as the estimators
    if opts["solver"] in SKLEARN_SOLVERS:
        _apply_solver_settings(opts, ruled, task)
    return rule["init"]


def _apply_solver_settings(opts: dict, ruled: tuple, task: str) -> None:
    """A scikit-learn solver's trainer options left out (in ``ruled``) take the estimators' values.

    Those are the estimators' own defaults (``get_params()``: scikit-learn's) around the
    options the user did give, resolved as their ``fit`` resolves them
    (:func:`deltaprop.estimators._defaults.solver_settings`): for sgd, learning rate 1e-3,
    batches of min(200, N) and Nesterov's momentum 0.9, unlike the trainer's own defaults.
    """
    from ..estimators import MLPClassifier, MLPRegressor
    from ..estimators._defaults import solver_settings

    estimator = MLPClassifier() if task == CLASSIFICATION else MLPRegressor()
    given = {ESTIMATOR_NAMES.get(k, k): opts[k] for k in SOLVER_RULED if k not in ruled}
    values = solver_settings(opts["solver"], {**estimator.get_params(), **given})
    for name in SOLVER_RULED:
        if name in ruled:
            opts[name] = values[name]


def fit_batch_size(batch_size, n_fit: int):
    """``--batch-size`` for the ``n_fit`` rows trained on, as the estimators (and scikit-learn) take theirs.

    A size above ``n_fit`` uses all of them, with a warning (one ``deltaprop: warning:``
    line) naming ``--batch-size`` and ``n_fit``; None or ``"auto"`` stays the solver's own.
    """
    if not isinstance(batch_size, int):
        return batch_size
    from ..estimators._defaults import clip_batch_size

    return clip_batch_size(batch_size, n_fit, f"--batch-size {batch_size}")
