"""scikit-learn estimators around the deltaprop network and trainer.

:class:`MLPClassifier` and :class:`MLPRegressor` take scikit-learn's parameter names and
meanings where they exist, follow the estimator contract (``__init__`` only stores its
arguments, ``fit`` validates them and returns ``self``, learned state ends in ``_``) and
pass scikit-learn's own estimator checks. They are thin: a fit builds a
:class:`~deltaprop.network.Network`, hands it to a :class:`~deltaprop.training.Trainer`,
and copies the run's history into scikit-learn's attribute names.

Their defaults are one rule, measured against scikit-learn's (``benchmarks/defaults.md``):
:func:`default_settings` gives it for a task and a number of rows, for every front end.

Modules: ``_base`` (the shared :class:`_BaseMLP`: parameters, ``_fit``, the trainer, model
files), ``_classifier``, ``_regressor``, ``_defaults`` (the rule), ``_checks`` (parameter and input checks),
``_random`` (``random_state``).
"""

from ._classifier import MLPClassifier
from ._defaults import LARGE_N, default_settings
from ._regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "default_settings", "LARGE_N"]
