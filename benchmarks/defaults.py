"""The defaults benchmark: deltaprop's estimators against scikit-learn's defaults (issue 16).

One run fits, on every case of a suite, scikit-learn's default ``MLPClassifier`` /
``MLPRegressor`` and one or more deltaprop settings ("candidates"), side by side, with the
same ``StandardScaler`` pipeline, the same train/test split and the same seeds. Seed ``s``
draws the synthetic data, the split and both models' ``random_state``.

Scores (on the held-out 25 %, stratified for classification):

* classification: accuracy;
* imbalanced binary (weights 0.92 / 0.08): balanced accuracy, and the minority class's F1
  reported beside it;
* regression: R^2.

Time is the fit's CPU time (``time.process_time``, BLAS limited to one thread), so the
numbers hold on a shared machine. Each cell is the mean over seeds ± the seed-to-seed
standard deviation; the last rows give the mean over cases (an R^2 below 0 counted as 0)
and the cases where a candidate is behind scikit-learn by more than the seed-to-seed
standard deviation of the paired difference (and by more than 0.005).

Two suites: ``dev`` (the data used to choose defaults) and ``guard`` (held out: other
generators, shapes, noise levels and seeds, and the bundled wine and breast-cancer sets;
the slow test that guards the defaults uses these). Fashion-MNIST cases run every
estimator with its defaults (fixed ``max_iter``, not a time budget) at 1k and 10k training
rows; 60k is behind ``--fmnist-60k`` because it is long. ``--budgets 5 20 60`` then reports
Fashion-MNIST accuracy at fixed CPU-time budgets (``benchmarks/fmnist_budget.py``: each
library's defaults trained epoch by epoch, the model after the last epoch within each budget).

Run (from the repository root)::

    python benchmarks/defaults.py --quick                        # the defaults, 2 seeds, no 10k
    python benchmarks/defaults.py --suite guard --candidates rule
    python benchmarks/defaults.py --only circles moons --params '{"alpha": 1e-3, "tol": null}'
    python benchmarks/defaults.py --params '{"classifier": {...}, "regressor": {...}}' --json out.json
    python benchmarks/defaults.py --only circles --sklearn-params '{"solver": "sgd", "learning_rate_init": 0.1}' \
        --params '{"solver": "sgd", "learning_rate_init": 0.1, "activation": "relu", "alpha": 1e-4}'

``--params`` may be given several times; each is a JSON object of deltaprop estimator
arguments (for both estimators, or split by the keys "classifier" and "regressor"),
optionally prefixed by ``NAME=``.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sklearn
from sklearn import datasets as skd
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import deltaprop
from deltaprop import MLPClassifier, MLPRegressor


# --------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    """One data set: ``load(seed) -> (X, y)``; kind is "clf", "imbalanced" or "reg".

    ``split(seed)`` is the train/test split (25 % test); ``scaled_target`` wraps both
    regressors in a ``TransformedTargetRegressor`` with a ``StandardScaler`` on y.
    """

    name: str
    kind: str
    load: Callable[[int], tuple]
    suite: str
    scaled_target: bool = False
    fixed_split: Callable[[int], tuple] | None = None

    def split(self, seed: int):
        if self.fixed_split is not None:
            return self.fixed_split(seed)
        X, y = self.load(seed)
        stratify = y if self.kind != "reg" else None
        return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=stratify)


def _bundled(loader):
    return lambda seed: loader(return_X_y=True)


def _sine(n, freq, low, high, noise):
    """n noisy samples of sin(freq x), x uniform on [low, high]: a 1-D smooth regression."""

    def load(seed):
        rng = np.random.default_rng(seed)
        X = rng.uniform(low, high, size=(n, 1))
        return X, np.sin(freq * X).ravel() + noise * rng.normal(size=n)

    return load


def _offset(load, scale=1e4, offset=2e5):
    """The same regression with the target at a large offset and scale: y * scale + offset."""

    def shifted(seed):
        X, y = load(seed)
        return X, y * scale + offset

    return shifted


def _counts(n, d, seed_shift=0):
    """Integer targets: Poisson counts with log-mean linear-plus-quadratic in d features."""

    def load(seed):
        rng = np.random.default_rng(seed + seed_shift)
        X = rng.normal(size=(n, d))
        w = rng.normal(scale=0.5, size=d)
        return X, rng.poisson(np.exp(1.5 + X @ w * 0.5 + 0.2 * X[:, 0] ** 2)).astype(float)

    return load


def _negbin_counts(n, d, r=3.0, seed_shift=0):
    """Over-dispersed integer targets: negative-binomial counts (variance mu + mu^2 / r) with
    log-mean linear plus a pairwise interaction in d features."""

    def load(seed):
        rng = np.random.default_rng(seed + seed_shift)
        X = rng.normal(size=(n, d))
        w = rng.normal(scale=0.5, size=d)
        mu = np.exp(1.0 + 0.5 * X @ w + 0.3 * X[:, 0] * X[:, 1])
        return X, rng.negative_binomial(r, r / (r + mu)).astype(float)

    return load


@functools.lru_cache(maxsize=1)
def _fmnist():
    """Fashion-MNIST's 60k training and 10k test images (Debian package dataset-fashion-mnist)."""
    from deltaprop.data import load_dataset

    return load_dataset("fashion-mnist", part="train"), load_dataset("fashion-mnist", part="test")


def _fmnist_split(n_train):
    """The first n_train of a seeded permutation of the 60k training images; all 10k test images."""

    def split(seed):
        train, test = _fmnist()
        order = np.random.default_rng(seed).permutation(len(train.y))[:n_train]
        return train.X[order].astype(float), test.X.astype(float), train.y[order], test.y

    return split


def _gen(fn, **kw):
    return lambda seed: fn(random_state=seed, **kw)


DEV = [
    Case("digits", "clf", _bundled(skd.load_digits), "dev"),
    Case("iris", "clf", _bundled(skd.load_iris), "dev"),
    Case("circles n300 noise.1", "clf", _gen(skd.make_circles, n_samples=300, noise=0.1, factor=0.5), "dev"),
    Case("circles n300 noise.2", "clf", _gen(skd.make_circles, n_samples=300, noise=0.2, factor=0.5), "dev"),
    Case("moons n300 noise.2", "clf", _gen(skd.make_moons, n_samples=300, noise=0.2), "dev"),
    Case("moons n300 noise.35", "clf", _gen(skd.make_moons, n_samples=300, noise=0.35), "dev"),
    Case("blobs n300 4c std2", "clf", _gen(skd.make_blobs, n_samples=300, centers=4, cluster_std=2.0), "dev"),
    Case("imbalanced n1000 .92/.08", "imbalanced",
         _gen(skd.make_classification, n_samples=1000, n_features=20, n_informative=5,
              weights=[0.92, 0.08], flip_y=0.01), "dev"),
    Case("multiclass n1000 f100 c5", "clf",
         _gen(skd.make_classification, n_samples=1000, n_features=100, n_informative=20, n_classes=5), "dev"),
    Case("diabetes", "reg", _bundled(skd.load_diabetes), "dev"),
    Case("diabetes (std target)", "reg", _bundled(skd.load_diabetes), "dev", scaled_target=True),
    Case("friedman1 n500", "reg", _gen(skd.make_friedman1, n_samples=500, noise=1.0), "dev"),
    Case("friedman2 n500 (std target)", "reg", _gen(skd.make_friedman2, n_samples=500, noise=10.0), "dev",
         scaled_target=True),
    Case("friedman3 n500 (std target)", "reg", _gen(skd.make_friedman3, n_samples=500, noise=0.1), "dev",
         scaled_target=True),
    Case("sine n150", "reg", _sine(150, 2.0, -3, 3, 0.1), "dev"),
    Case("sine n150 noise.3", "reg", _sine(150, 2.0, -3, 3, 0.3), "dev"),
    Case("friedman1 y*1e4+2e5", "reg", _offset(_gen(skd.make_friedman1, n_samples=500, noise=1.0)), "dev"),
    Case("counts n500 d5", "reg", _counts(500, 5), "dev"),
    Case("linear n400 d20 (std target)", "reg",
         _gen(skd.make_regression, n_samples=400, n_features=20, n_informative=10, noise=5.0), "dev",
         scaled_target=True),
    Case("linear n400 d10 (std target)", "reg",
         _gen(skd.make_regression, n_samples=400, n_features=10, n_informative=5, noise=10.0), "dev",
         scaled_target=True),
    Case("fmnist 1k", "clf", None, "dev", fixed_split=_fmnist_split(1000)),
    Case("fmnist 10k", "clf", None, "dev", fixed_split=_fmnist_split(10000)),
]

GUARD = [
    Case("wine", "clf", _bundled(skd.load_wine), "guard"),
    Case("breast cancer", "clf", _bundled(skd.load_breast_cancer), "guard"),
    Case("circles n500 noise.15 f.3", "clf",
         lambda s: skd.make_circles(n_samples=500, noise=0.15, factor=0.3, random_state=100 + s), "guard"),
    Case("moons n200 noise.25", "clf", lambda s: skd.make_moons(n_samples=200, noise=0.25, random_state=100 + s),
         "guard"),
    Case("blobs n600 6c d10", "clf",
         lambda s: skd.make_blobs(n_samples=600, centers=6, n_features=10, cluster_std=4.0, random_state=100 + s),
         "guard"),
    Case("imbalanced n600 d10 .92/.08", "imbalanced",
         lambda s: skd.make_classification(n_samples=600, n_features=10, n_informative=4, weights=[0.92, 0.08],
                                           class_sep=0.8, random_state=100 + s), "guard"),
    Case("gaussian quantiles n500 c3", "clf",
         lambda s: skd.make_gaussian_quantiles(n_samples=500, n_features=2, n_classes=3, random_state=100 + s),
         "guard"),
    Case("friedman1 n1000 noise.5", "reg",
         lambda s: skd.make_friedman1(n_samples=1000, noise=0.5, random_state=100 + s), "guard"),
    Case("regression n400 d20 (std target)", "reg",
         lambda s: skd.make_regression(n_samples=400, n_features=20, n_informative=10, noise=5.0,
                                       random_state=100 + s), "guard", scaled_target=True),
    Case("sine3 n200", "reg", lambda s: _sine(200, 3.0, -2, 2, 0.15)(100 + s), "guard"),
    Case("sine3 n200 y*1e4+2e5", "reg", lambda s: _offset(_sine(200, 3.0, -2, 2, 0.15))(100 + s), "guard"),
    Case("counts n400 d8", "reg", _counts(400, 8, seed_shift=100), "guard"),
    # Added with the regressor's relu rule, before its one guard run (benchmarks/defaults.md).
    Case("negbin counts n600 d6", "reg", _negbin_counts(600, 6, seed_shift=200), "guard"),
    Case("friedman2 n300 y*10-3e5", "reg",
         lambda s: _offset(_gen(skd.make_friedman2, n_samples=300, noise=10.0), scale=10.0, offset=-3e5)(200 + s),
         "guard"),
]
#: Regression with more rows than LARGE_N, to choose the regressor's large-data branch (``--large``).
LARGE_REG = [
    Case("friedman1 n20000", "reg", _gen(skd.make_friedman1, n_samples=20000, noise=1.0), "dev"),
    Case("friedman3 n8000 (std target)", "reg", _gen(skd.make_friedman3, n_samples=8000, noise=0.1), "dev",
         scaled_target=True),
    Case("regression n8000 d40 (std target)", "reg",
         _gen(skd.make_regression, n_samples=8000, n_features=40, n_informative=20, noise=10.0), "dev",
         scaled_target=True),
]
FMNIST_60K = Case("fmnist 60k", "clf", None, "dev", fixed_split=_fmnist_split(60000))
#: The sizes between 1k and 10k where the rule's solver switch was placed (``--fmnist-more``).
FMNIST_MORE = [Case(f"fmnist {n // 1000}k", "clf", None, "dev", fixed_split=_fmnist_split(n)) for n in (3000, 5000)]


# --------------------------------------------------------------------------- candidates
#: Above this many training rows the rule switches from full-batch RPROP to mini-batch Adam.
LARGE_N = 2_000


def _rule(kind: str, n_train: int) -> dict:
    """The recommended defaults (benchmarks/defaults.md): a solver chosen by the training size.

    Small data (n_train <= LARGE_N), full-batch RPROP: the classifier keeps logistic hidden
    units and gets softmax outputs with cross-entropy, alpha=0.03 and no tol rule (all
    max_iter=200 epochs, each one step); the regressor gets relu hidden units (scikit-learn's
    initialisation), alpha=0.3 and early stopping on 20 % held out with patience 50. Large
    data: scikit-learn's model (relu, Adam at 1e-3, mini-batches of 200, alpha=1e-4, its tol
    rule), softmax/cross-entropy.
    """
    if n_train > LARGE_N:
        params = {"activation": "relu", "solver": "adam", "learning_rate_init": 1e-3, "alpha": 1e-4}
    elif kind == "reg":
        return {"activation": "relu", "alpha": 0.3, "early_stopping": True, "n_iter_no_change": 50,
                "validation_fraction": 0.2}
    else:
        params = {"alpha": 0.03, "tol": None}
    if kind != "reg":
        params.update(output_activation="softmax", loss="cross_entropy")
    return params


#: Built-in candidates: name -> f(kind, n_train) -> deltaprop arguments.
CANDIDATES: dict[str, Callable[[str, int], dict]] = {
    "defaults": lambda kind, n: {},
    # The defaults before the rule (deltaprop 0.1.0 until issue 16): the notes' model by RPROP.
    "notes": lambda kind, n: (
        {"activation": "logistic", "solver": "rprop", "alpha": 0.01, "tol": 1e-4, "early_stopping": False,
         "n_iter_no_change": 10} if kind == "reg" else
        {"activation": "logistic", "solver": "rprop", "alpha": 0.3, "tol": 1e-4, "n_iter_no_change": 10,
         "output_activation": "sigmoid", "loss": "squared_error"}),
    "tol=None": lambda kind, n: {"tol": None},
    "alpha=1e-3 tol=None": lambda kind, n: {"alpha": 1e-3, "tol": None},
    "softmax/CE alpha=1e-3 tol=None": lambda kind, n: (
        {"alpha": 1e-3, "tol": None} if kind == "reg" else
        {"alpha": 1e-3, "tol": None, "output_activation": "softmax", "loss": "cross_entropy"}),
    "tanh softmax/CE alpha=1e-3 tol=None": lambda kind, n: (
        {"activation": "tanh", "alpha": 1e-3, "tol": None} if kind == "reg" else
        {"activation": "tanh", "alpha": 1e-3, "tol": None, "output_activation": "softmax",
         "loss": "cross_entropy"}),
    "lbfgs alpha=1e-3": lambda kind, n: (
        {"solver": "lbfgs", "alpha": 1e-3} if kind == "reg" else
        {"solver": "lbfgs", "alpha": 1e-3, "output_activation": "softmax", "loss": "cross_entropy"}),
    "rule": _rule,
}


def _from_json(text: str) -> tuple[str, Callable[[str, int], dict]]:
    """``[NAME=]{json}`` -> (name, candidate). Keys "classifier"/"regressor" split the arguments.

    NAME ends at the first ``={``, so it may itself contain "=".
    """
    cut = text.find("={")
    name, body = (text[:cut], text[cut + 1:]) if cut >= 0 else ("", text)
    params = json.loads(body)
    if not isinstance(params, dict):
        raise SystemExit(f"--params {text!r}: expected a JSON object of estimator arguments")
    if "classifier" in params or "regressor" in params:
        clf, reg = params.get("classifier", {}), params.get("regressor", {})
        return name or body, lambda kind, n: dict(reg if kind == "reg" else clf)
    return name or body, lambda kind, n: dict(params)


# --------------------------------------------------------------------------- running
def _model(estimator, case: Case):
    pipe = make_pipeline(StandardScaler(), estimator)
    if case.kind == "reg" and case.scaled_target:
        return TransformedTargetRegressor(pipe, transformer=StandardScaler())
    return pipe


def _score(case: Case, y_test, pred) -> dict:
    if case.kind == "reg":
        return {"score": float(r2_score(y_test, pred))}
    if case.kind == "imbalanced":
        minority = np.unique(y_test, return_counts=True)
        minority = minority[0][np.argmin(minority[1])]
        return {"score": float(balanced_accuracy_score(y_test, pred)),
                "minority_f1": float(f1_score(y_test, pred, pos_label=minority, average="binary"))}
    return {"score": float(accuracy_score(y_test, pred))}


def fit_one(case: Case, make_estimator, split) -> dict:
    """Fit the pipeline on the split; the test scores and the fit's CPU seconds."""
    X_train, X_test, y_train, y_test = split
    model = _model(make_estimator(), case)
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    cpu = time.process_time() - start
    return {**_score(case, y_test, model.predict(X_test)), "cpu_s": cpu}


def run(cases, candidates: dict, seeds, *, sklearn_baseline=True, sklearn_params=None, progress=None) -> dict:
    """Every case x seed x model; returns {case: {model: [result per seed]}}.

    ``sklearn_params`` (the same JSON form as a candidate's) replaces scikit-learn's defaults
    by those arguments, to compare drop-in arguments given to both libraries.
    """
    results = {}
    for case in cases:
        results[case.name] = per_model = {}
        for seed in seeds:
            split = case.split(seed)
            n_train = len(split[2])
            models = {}
            if sklearn_baseline:
                sk = SkRegressor if case.kind == "reg" else SkClassifier
                sk_params = sklearn_params(case.kind, n_train) if sklearn_params else {}
                models["scikit-learn"] = lambda sk=sk, kw=sk_params: sk(random_state=seed, **kw)
            for name, candidate in candidates.items():
                dp = MLPRegressor if case.kind == "reg" else MLPClassifier
                params = candidate(case.kind, n_train)
                models[name] = lambda dp=dp, params=params: dp(random_state=seed, **params)
            for name, make in models.items():
                per_model.setdefault(name, []).append(fit_one(case, make, split))
                if progress:
                    r = per_model[name][-1]
                    progress(f"{case.name} seed {seed} {name}: {r['score']:.4f} ({r['cpu_s']:.2f} s)")
    return results


# --------------------------------------------------------------------------- reporting
def _cell(values, digits=3):
    values = np.asarray(values, dtype=float)
    spread = f" ± {values.std(ddof=1):.{digits}f}" if len(values) > 1 else ""
    return f"{values.mean():.{digits}f}{spread}"


def summarise(results: dict, cases) -> dict:
    """Per model: the mean score and CPU time over cases, and the cases at or above scikit-learn."""
    models = list(next(iter(results.values())))
    summary = {}
    for m in models:
        # An R^2 below 0 (worse than predicting the mean) counts as 0 in the mean over cases,
        # so that one diverged case (scikit-learn's -47 on an offset target) does not swamp it.
        scores = [max(np.mean([r["score"] for r in results[c][m]]), 0.0) for c in results]
        cpu = [np.mean([r["cpu_s"] for r in results[c][m]]) for c in results]
        s = {"mean_score": float(np.mean(scores)), "mean_cpu_s": float(np.mean(cpu)),
             "total_cpu_s": float(np.sum(cpu))}
        if "scikit-learn" in results[next(iter(results))] and m != "scikit-learn":
            behind = []
            for c in results:
                diff = np.array([a["score"] - b["score"] for a, b in zip(results[c][m], results[c]["scikit-learn"])])
                noise = diff.std(ddof=1) if len(diff) > 1 else 0.0
                if diff.mean() < -max(noise, 0.005):
                    behind.append(c)
            s["behind"] = behind
        summary[m] = s
    return summary


def markdown(results: dict, cases, summary: dict) -> str:
    models = list(next(iter(results.values())))
    lines = ["| case | metric | " + " | ".join(models) + " |", "|---|---|" + "---|" * len(models)]
    for case in cases:
        if case.name not in results:
            continue
        per = results[case.name]
        metric = {"reg": "R^2", "imbalanced": "bal. acc (minority F1)", "clf": "accuracy"}[case.kind]
        cells = []
        for m in models:
            rs = per[m]
            extra = f" (F1 {np.mean([r['minority_f1'] for r in rs]):.3f})" if case.kind == "imbalanced" else ""
            cells.append(f"{_cell([r['score'] for r in rs])}{extra}, {np.mean([r['cpu_s'] for r in rs]):.2f} s")
        lines.append(f"| {case.name} | {metric} | " + " | ".join(cells) + " |")
    lines.append("| **mean over cases** (R^2 < 0 as 0) | score, CPU s | "
                 + " | ".join(f"**{summary[m]['mean_score']:.4f}**, {summary[m]['mean_cpu_s']:.2f} s" for m in models)
                 + " |")
    if any("behind" in summary[m] for m in models):
        lines.append("| **behind scikit-learn** (by more than the seed spread) | cases | "
                     + " | ".join(", ".join(summary[m].get("behind", ["-"])) or "none" for m in models) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=("dev", "guard", "all"), default="dev")
    parser.add_argument("--quick", action="store_true", help="2 seeds, without Fashion-MNIST 10k")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds (default 0 1 2; --quick 0 1)")
    parser.add_argument("--only", nargs="+", metavar="TEXT", help="cases whose name contains one of these")
    parser.add_argument("--skip", nargs="+", metavar="TEXT", help="leave out cases whose name contains one of these")
    parser.add_argument("--candidates", nargs="*", choices=list(CANDIDATES), default=None,
                        help="built-in deltaprop candidates (default: the estimators' defaults, unless --params)")
    parser.add_argument("--params", action="append", default=[], metavar="[NAME=]JSON",
                        help="a deltaprop candidate as JSON estimator arguments (repeatable)")
    parser.add_argument("--sklearn-params", metavar="JSON",
                        help="arguments for scikit-learn's estimators instead of its defaults (drop-in checks)")
    parser.add_argument("--no-sklearn", action="store_true", help="leave out scikit-learn's defaults")
    parser.add_argument("--fmnist-more", action="store_true", help="add Fashion-MNIST with 3k and 5k training rows")
    parser.add_argument("--large", action="store_true", help="add the regression cases with more than 2000 rows")
    parser.add_argument("--fmnist-60k", action="store_true", help="add Fashion-MNIST with all 60k training rows")
    parser.add_argument("--json", type=str, help="write the raw results here")
    parser.add_argument("--budgets", type=float, nargs="+", metavar="SECONDS",
                        help="then Fashion-MNIST accuracy at these CPU budgets (benchmarks/fmnist_budget.py)")
    parser.add_argument("--budget-sizes", type=int, nargs="+", metavar="N",
                        help="training rows for --budgets (default: this run's Fashion-MNIST cases)")
    args = parser.parse_args(argv)

    cases = {"dev": DEV, "guard": GUARD, "all": DEV + GUARD}[args.suite]
    if args.fmnist_more:
        cases = cases + FMNIST_MORE
    if args.fmnist_60k:
        cases = cases + [FMNIST_60K]
    if args.large:
        cases = cases + LARGE_REG
    if args.quick:
        cases = [c for c in cases if c.name != "fmnist 10k"]
    if args.only:
        cases = [c for c in cases if any(t in c.name for t in args.only)]
    if args.skip:
        cases = [c for c in cases if not any(t in c.name for t in args.skip)]
    seeds = args.seeds or ([0, 1] if args.quick else [0, 1, 2])
    names = args.candidates if args.candidates is not None else ([] if args.params else ["defaults"])
    candidates = {n: CANDIDATES[n] for n in names}
    candidates.update(_from_json(p) for p in args.params)

    start = time.time()
    with threadpool_limits(1):
        results = run(cases, candidates, seeds, sklearn_baseline=not args.no_sklearn,
                      sklearn_params=_from_json(args.sklearn_params)[1] if args.sklearn_params else None,
                      progress=lambda s: print(s, file=sys.stderr, flush=True))
    summary = summarise(results, cases)
    baseline = f"scikit-learn with {args.sklearn_params}" if args.sklearn_params else "scikit-learn's defaults"
    print(f"Suite {args.suite}, seeds {seeds}, baseline {baseline}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(start))}, "
          f"deltaprop {deltaprop.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()}; one BLAS thread; fit CPU time per seed.\n")
    print(markdown(results, cases, summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"suite": args.suite, "seeds": seeds, "candidates": list(candidates),
                       "results": results, "summary": summary}, f, indent=1)
    if args.budgets:
        import fmnist_budget  # benchmarks/fmnist_budget.py, beside this file

        print("\n" + fmnist_budget.from_suite(args, seeds, cases, split=_fmnist_split))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
