"""Choose the estimators' defaults: 5-fold CV on scikit-learn's bundled data.

Classifiers: accuracy; each candidate is the default MLPClassifier with one setting changed,
standardised inside the cross-validation (a Pipeline with StandardScaler), 5 stratified
folds, random_state=0; scikit-learn's default MLPClassifier is the reference.
Regressors (``--regression``): R^2 with inputs and target standardised inside the folds.
Run:

    PYTHONPATH=src python benchmarks/estimator_defaults.py [--candidates] [--regression]

Without options it prints only the README's table (deltaprop's default vs scikit-learn's).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from deltaprop import MLPClassifier, MLPRegressor

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer, "wine": load_wine}

CANDIDATES = {
    "rprop, alpha=0.3 (the default)": {},
    "rprop, alpha=1e-4 (scikit-learn's alpha)": {"alpha": 1e-4},
    "rprop, alpha=0.03": {"alpha": 0.03},
    "rprop, alpha=0.1": {"alpha": 0.1},
    "rprop, alpha=1": {"alpha": 1.0},
    "adam, lr=1e-3, alpha=1e-4 (scikit-learn's settings)": {"solver": "adam", "alpha": 1e-4},
    "adam, lr=1e-2, alpha=0.3": {"solver": "adam", "learning_rate_init": 1e-2},
    "sgd, lr=0.1, momentum 0.9, alpha=0.3": {"solver": "sgd", "learning_rate_init": 0.1},
    "quickprop, alpha=0.3": {"solver": "quickprop"},
    "lbfgs, alpha=0.3": {"solver": "lbfgs"},
}


def small_sine(return_X_y=True):
    """100 noisy samples of sin(2x) on [-2, 2]: a small, smooth problem."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(100, 1))
    return X, np.sin(2 * X).ravel() + 0.1 * rng.normal(size=100)


def friedman1(return_X_y=True):
    return make_friedman1(500, noise=1.0, random_state=0)


REGRESSION_DATASETS = {"diabetes": load_diabetes, "friedman1 (500)": friedman1, "sine (100)": small_sine}

REGRESSION_CANDIDATES = {
    "rprop, alpha=0.01 (the default)": {},
    "rprop, alpha=1e-4 (scikit-learn's alpha)": {"alpha": 1e-4},
    "rprop, alpha=0.1": {"alpha": 0.1},
    "rprop, alpha=0.3": {"alpha": 0.3},
    "lbfgs, alpha=0.01": {"solver": "lbfgs"},
}


def cv_score(model, load, regression=False) -> tuple[float, float, float]:
    """Mean and standard deviation of the 5-fold score, and the seconds it took."""
    X, y = load(return_X_y=True)
    if regression:
        folds = KFold(5, shuffle=True, random_state=0)
        model = TransformedTargetRegressor(make_pipeline(StandardScaler(), model), transformer=StandardScaler())
    else:
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        model = make_pipeline(StandardScaler(), model)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model, X, y, cv=folds)
    return scores.mean(), scores.std(), time.perf_counter() - t0


def table(models: dict, datasets: dict = DATASETS, regression=False) -> None:
    print("| model | " + " | ".join(datasets) + " |")
    print("|---|" + "---|" * len(datasets))
    for name, model in models.items():
        cells = []
        for load in datasets.values():
            mean, std, seconds = cv_score(model, load, regression)
            cells.append(f"{mean:.4f} ± {std:.4f} ({seconds:.1f} s)")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    if "--regression" in sys.argv:
        models = {"scikit-learn MLPRegressor()": SklearnRegressor(random_state=0)}
        models.update({name: MLPRegressor(random_state=0, **kw) for name, kw in REGRESSION_CANDIDATES.items()})
        table(models, REGRESSION_DATASETS, regression=True)
        sys.exit(0)
    models = {"scikit-learn MLPClassifier()": SklearnMLP(random_state=0)}
    if "--candidates" in sys.argv:
        models.update({name: MLPClassifier(random_state=0, **kw) for name, kw in CANDIDATES.items()})
    else:
        models["deltaprop MLPClassifier()"] = MLPClassifier(random_state=0)
    table(models)
