"""scikit-learn's own estimator checks, every one, on both estimators with their defaults."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from deltaprop import MLPClassifier, MLPRegressor


# The checks fit on tiny random data with the default max_iter; a run that is still
# improving when it stops warns, as scikit-learn's MLP does, and that is not a failure.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_scikit_learn_estimator_check_passes(estimator, check):
    check(estimator)
