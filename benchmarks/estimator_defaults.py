"""Choose MLPClassifier's default solver: 5-fold CV accuracy on scikit-learn's bundled data.

Each candidate is the default estimator with one setting changed, standardised inside the
cross-validation (a Pipeline with StandardScaler), 5 stratified folds, random_state=0.
scikit-learn's default MLPClassifier is the reference. Run:

    PYTHONPATH=src python benchmarks/estimator_defaults.py [--candidates]

Without --candidates it prints only the README's table (deltaprop's default vs scikit-learn's).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from deltaprop import MLPClassifier

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


def cv_accuracy(model, load) -> tuple[float, float, float]:
    """Mean and standard deviation of 5-fold accuracy, and the seconds it took."""
    X, y = load(return_X_y=True)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=folds)
    return scores.mean(), scores.std(), time.perf_counter() - t0


def table(models: dict) -> None:
    print("| model | " + " | ".join(DATASETS) + " |")
    print("|---|" + "---|" * len(DATASETS))
    for name, model in models.items():
        cells = []
        for load in DATASETS.values():
            mean, std, seconds = cv_accuracy(model, load)
            cells.append(f"{mean:.4f} ± {std:.4f} ({seconds:.1f} s)")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    models = {"scikit-learn MLPClassifier()": SklearnMLP(random_state=0)}
    if "--candidates" in sys.argv:
        models.update({name: MLPClassifier(random_state=0, **kw) for name, kw in CANDIDATES.items()})
    else:
        models["deltaprop MLPClassifier()"] = MLPClassifier(random_state=0)
    table(models)
