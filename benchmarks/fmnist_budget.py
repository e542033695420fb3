"""Fashion-MNIST at fixed CPU-time budgets: deltaprop's defaults against scikit-learn's (issue 16).

The defaults benchmark (``defaults.py``) fits each estimator with its defaults and its own
stopping rule; that says how good each library's *defaults* are, not how much accuracy each
buys per second. Issue 16 asks for both: "Fashion-MNIST at 1k, 10k and 60k with accuracy at
fixed time budgets". This study trains scikit-learn's default ``MLPClassifier`` and
deltaprop's default ``deltaprop.MLPClassifier`` side by side, one epoch at a time, and
reports the test accuracy each has reached within B seconds of CPU time.

What is measured, for each training size n (1000, 10000, 60000) and each seed:

* the data: the same split as ``defaults.py`` (``_fmnist_split(n)``: the first n of a seeded
  permutation of the 60k training images; all 10k test images), scaled by one
  ``StandardScaler`` fitted on the training rows *outside* the timed part, the same arrays
  for both libraries (``defaults.py``'s ``make_pipeline(StandardScaler(), estimator)``
  preprocessing, done once);
* the models: each library's defaults for n rows, trained epoch by epoch with
  ``partial_fit(X, y, classes=...)`` on all n rows. Both continue their optimizer state
  across calls (scikit-learn keeps ``_optimizer``; deltaprop reloads its trainer's state:
  optimizer, step counters, random generator). deltaprop's ``partial_fit`` resolves its
  ``"auto"`` parameters with the same rule as ``fit``, for the n rows of its first call
  (n <= 2000: full-batch RPROP, logistic units, softmax/cross-entropy, alpha 0.03, one step
  per epoch; n > 2000: scikit-learn's model, Adam 1e-3 on batches of 200, relu, alpha 1e-4,
  softmax/cross-entropy): k calls are bitwise ``fit(max_iter=k)`` (checked at 1k and 2.5k
  rows, k = 3). scikit-learn is given ``random_state=np.random.RandomState(seed)`` rather
  than the int: with an int its ``partial_fit`` re-seeds its generator on every call and so
  shuffles the rows in the *same* order every epoch, where ``fit`` draws a new order each
  epoch. With the generator object the calls continue one stream and every epoch gets a
  new order (the first epoch is bitwise ``fit``'s with ``random_state=seed``; later orders
  differ from ``fit``'s only because ``fit`` permutes the previous epoch's order and
  ``partial_fit`` a fresh ``arange``);
* time: the cumulative CPU time (``time.process_time``) of the ``partial_fit`` calls only,
  with the BLAS limited to one thread (threadpoolctl, as in ``defaults.py``), so the numbers
  hold on a shared machine. Each call includes the library's per-call cost: scikit-learn's
  is negligible (its CPU time per epoch equals its ``fit``'s), deltaprop's is not (each
  call checks the inputs, saves and reloads the trainer state and makes the final pass over
  the data that ``fit`` makes once: about +60 % per epoch at 10k rows, +70 % at 1k). So the
  third column, "deltaprop in fit" (``--no-in-fit`` leaves it out), times the same epochs
  inside one ``fit`` of the same defaults, through a callback that records the CPU time at
  each epoch's end (less its own) and stops the fit when the loop below would stop
  (``tol=None`` so that the tol rule does not stop it first; tol only decides when to stop);
* accuracy: after an epoch, on the 10k test images, not timed (the weights of each epoch
  are copied aside, and only those a row needs are evaluated, after training).

Before the first timed run of each size every column runs one untimed epoch on the first
``min(n, 2001)`` rows (the same branch of the defaults rule), so that one-off costs such
as loading deltaprop's compiled Numba kernels are not charged to a budget.

Reported, per n: for each budget B, the test accuracy of the model after the last epoch
that finished within B CPU seconds ("-" when not even one epoch did), with the epochs that
took; the accuracy and CPU time after a fixed 20 epochs (``--epochs``); the mean CPU
seconds per epoch; and, with ``--fit``, each library's plain ``fit`` at its defaults (its
own stopping rule, through the ``StandardScaler`` pipeline: exactly ``defaults.py``'s
``fit_one``) with that fit's CPU time and epochs. A column's epoch loop stops once its CPU
time has passed the largest budget and the 20 epochs are done. Cells are the mean over
seeds ± the seed-to-seed standard deviation.

Run (from the repository root)::

    python benchmarks/fmnist_budget.py                                   # 1k, 10k, 60k; 5 20 60 s; seeds 0 1 2
    python benchmarks/fmnist_budget.py --sizes 1000 10000 --budgets 5 20 --seeds 0 --fit
    python benchmarks/fmnist_budget.py --sizes 1000 --budgets 1 2 --seeds 0   # a smoke run
    python benchmarks/defaults.py --only fmnist --budgets 5 20 60 [--budget-sizes 1000 10000 60000]

The last runs the study after the defaults suite, on the suite's Fashion-MNIST sizes (1k
and 10k; 60k with ``--fmnist-60k``) unless ``--budget-sizes`` names others, with the
suite's seeds (the suite's own table holds the plain fits). The whole study at 60k takes
each column max(largest budget, 20 epochs of about 0.6-1 s) of CPU per seed, plus the
evaluations; ``--fit`` adds the two plain fits (minutes each at 60k).
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import platform
import re
import shlex
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import deltaprop
from defaults import Case, _cell, _fmnist_split, fit_one

SIZES = (1000, 10000, 60000)
BUDGETS = (5.0, 20.0, 60.0)
EPOCHS = 20
#: Warm-up rows: above deltaprop's LARGE_N (2000) as soon as n is, so the same branch runs.
WARM_UP_ROWS = 2001
#: The column of deltaprop timed inside one fit (``--no-in-fit`` leaves it out).
IN_FIT = "deltaprop in fit"


def _sklearn(seed):
    """scikit-learn's default classifier for partial_fit (see the module docstring for the generator)."""
    return SkClassifier(random_state=np.random.RandomState(seed))


def _deltaprop(seed):
    return deltaprop.MLPClassifier(random_state=seed)


#: Each library's default classifier for plain fit (``--fit``): exactly ``defaults.py``'s.
FIT = {
    "scikit-learn": lambda seed: SkClassifier(random_state=seed),
    "deltaprop": lambda seed: deltaprop.MLPClassifier(random_state=seed),
}


def _snapshot(model) -> tuple[list, list]:
    """Copies of the weights (scikit-learn's orientation) and biases, to evaluate later."""
    return [np.array(c, copy=True) for c in model.coefs_], [np.array(b, copy=True) for b in model.intercepts_]


class _Evaluator:
    """Test accuracy of weight snapshots, through a copy of the fitted model (not timed)."""

    def __init__(self, model, X_test, y_test):
        self.model, self.X_test, self.y_test = copy.deepcopy(model), X_test, y_test

    def __call__(self, snapshot) -> float:
        self.model.coefs_, self.model.intercepts_ = snapshot
        return float(accuracy_score(self.y_test, self.model.predict(self.X_test)))


class _Curve:
    """One training run's bookkeeping: the cumulative CPU time after each epoch, and the
    weights of the epochs a row needs (the last epoch within each budget, epoch ``epochs``)."""

    def __init__(self, budgets, epochs: int):
        self.pending, self.epochs = sorted(float(b) for b in budgets), epochs
        self.cpu, self.kept, self.budget_epoch, self.latest = [], {}, {}, None

    def add(self, t: float, snapshot) -> bool:
        """An epoch ended at ``t`` cumulative CPU seconds; True while more epochs are wanted."""
        self.cpu.append(t)
        epoch = len(self.cpu)
        while self.pending and t > self.pending[0]:  # past a budget: the epoch before is its answer
            self.budget_epoch[self.pending.pop(0)] = epoch - 1 if epoch > 1 else None
            if epoch > 1:
                self.kept[epoch - 1] = self.latest
        if epoch == self.epochs:
            self.kept[epoch] = snapshot
        self.latest = snapshot
        return bool(self.pending) or epoch < self.epochs

    def result(self, model, X_test, y_test) -> dict:
        """``{"budgets": {B: {"accuracy", "epochs", "cpu_s"} or None}, "fixed": the same after
        ``epochs`` epochs, "cpu_s": [cumulative CPU s after each epoch]}``."""
        evaluate = _Evaluator(model, X_test, y_test)
        accuracy = {e: evaluate(snap) for e, snap in self.kept.items()}

        def at(e):
            return None if e is None else {"accuracy": accuracy[e], "epochs": e, "cpu_s": self.cpu[e - 1]}

        return {"budgets": {b: at(e) for b, e in self.budget_epoch.items()},
                "fixed": at(self.epochs) if self.epochs in accuracy else None, "cpu_s": self.cpu}


def partial_fit_curve(make, seed, data, budgets, epochs=EPOCHS) -> dict:
    """Epochs of ``partial_fit`` until the CPU time passes max(budgets) and ``epochs`` are done;
    :meth:`_Curve.result`. Only the ``partial_fit`` calls are timed."""
    X, y, X_test, y_test, classes = data
    model, curve, t, more = make(seed), _Curve(budgets, epochs), 0.0, True
    while more:
        start = time.process_time()
        model.partial_fit(X, y, classes=classes)
        t += time.process_time() - start
        more = curve.add(t, _snapshot(model))
    return curve.result(model, X_test, y_test)


class _EpochClock:
    """A deltaprop callback: each epoch's end (CPU time since ``start``, less the callback's
    own) into a :class:`_Curve`; stops the fit once the curve wants no more epochs."""

    def __init__(self, curve: _Curve):
        self.curve, self.start, self.own = curve, None, 0.0

    def on_epoch_end(self, trainer, net, epoch, logs):
        now = time.process_time()
        snapshot = [W.T.copy() for W in net.weights], [b.copy() for b in net.biases]
        more = self.curve.add(now - self.start - self.own, snapshot)
        self.own += time.process_time() - now
        return not more


def in_fit_curve(seed, data, budgets, epochs=EPOCHS) -> dict:
    """deltaprop's default classifier timed epoch by epoch inside one ``fit`` (a callback), the
    tol rule off (``tol=None``, ``max_iter`` unbounded: the callback stops it) so that it runs as
    long as :func:`partial_fit_curve`; the same epochs as ``partial_fit``, without its per-call cost."""
    X, y, X_test, y_test, classes = data
    curve = _Curve(budgets, epochs)
    clock = _EpochClock(curve)
    model = deltaprop.MLPClassifier(random_state=seed, tol=None, max_iter=10**9, callbacks=[clock])
    clock.start = time.process_time()
    model.fit(X, y)
    return curve.result(model, X_test, y_test)


#: The columns: name -> f(seed, data, budgets, epochs) -> :meth:`_Curve.result`.
LIBRARIES = {
    "scikit-learn": functools.partial(partial_fit_curve, _sklearn),
    "deltaprop": functools.partial(partial_fit_curve, _deltaprop),
    IN_FIT: in_fit_curve,
}


def fit_defaults(make, seed, n, split=_fmnist_split) -> dict:
    """``defaults.py``'s plain fit (scaler pipeline, the library's own stopping rule), plus its epochs."""
    made = []

    def estimator():
        made.append(make(seed))
        return made[-1]

    case = Case(f"fmnist {n}", "clf", None, "dev", fixed_split=split(n))
    r = fit_one(case, estimator, case.split(seed))
    return {"accuracy": r["score"], "cpu_s": r["cpu_s"], "epochs": int(made[-1].n_iter_)}


def study(sizes=SIZES, budgets=BUDGETS, seeds=(0, 1, 2), *, epochs=EPOCHS, with_fit=False, in_fit=True,
          split=_fmnist_split, progress=None) -> dict:
    """Every size x seed x column: ``{n: {column: [result per seed]}}`` (:meth:`_Curve.result`).

    With ``with_fit`` the scikit-learn and deltaprop results also hold ``"fit"``:
    :func:`fit_defaults`. Run it under ``threadpool_limits(1)`` (``report`` does).
    """
    libraries = {k: f for k, f in LIBRARIES.items() if in_fit or k != IN_FIT}
    results = {}
    for n in sizes:
        results[n] = per_lib = {name: [] for name in libraries}
        for i, seed in enumerate(seeds):
            X, X_test, y, y_test = split(n)(seed)
            scaler = StandardScaler().fit(X)
            data = (scaler.transform(X), y, scaler.transform(X_test), y_test, np.unique(y))
            for name, train in libraries.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    if i == 0:  # untimed: one epoch on the first rows, the same branch of the rule
                        m = WARM_UP_ROWS
                        train(0, (data[0][:m], y[:m], data[2][:100], y_test[:100], data[4]), (), 1)
                    r = train(seed, data, budgets, epochs)
                    if with_fit and name in FIT:
                        r["fit"] = fit_defaults(FIT[name], seed, n, split)
                per_lib[name].append(r)
                if progress:
                    cells = ", ".join(f"{b:g} s: {_budget_cell([r], b)}" for b in sorted(budgets))
                    fixed = r["fixed"]
                    fit = (f"; fit {r['fit']['accuracy']:.4f} ({r['fit']['cpu_s']:.1f} s, {r['fit']['epochs']} epochs)"
                           if "fit" in r else "")
                    progress(f"fmnist {n} seed {seed} {name}: {cells}; {epochs} epochs {fixed['accuracy']:.4f} "
                             f"({fixed['cpu_s']:.1f} s){fit}")
    return results


# --------------------------------------------------------------------------- reporting
def _budget_cell(runs, budget) -> str:
    hits = [r["budgets"][budget] for r in runs]
    if any(h is None for h in hits):
        done = len(hits) - hits.count(None)
        return "-" if not done else f"- ({done} of {len(hits)} seeds: {_cell([h['accuracy'] for h in hits if h])})"
    return f"{_cell([h['accuracy'] for h in hits])} ({np.mean([h['epochs'] for h in hits]):.3g} epochs)"


def _size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _fixed_cell(runs) -> str:
    return f"{_cell([r['fixed']['accuracy'] for r in runs])}, {np.mean([r['fixed']['cpu_s'] for r in runs]):.2f} s"


def _fit_cell(runs) -> str:
    if not all("fit" in r for r in runs):
        return ""
    fits = [r["fit"] for r in runs]
    return (f"{_cell([f['accuracy'] for f in fits])}, {np.mean([f['cpu_s'] for f in fits]):.2f} s, "
            f"{np.mean([f['epochs'] for f in fits]):.3g} epochs "
            f"({np.mean([f['cpu_s'] / f['epochs'] for f in fits]):.3f} s/epoch)")


def markdown(results: dict, budgets, epochs=EPOCHS) -> str:
    """Rows n x (budgets, ``epochs`` epochs, CPU s per epoch, plain fit); a column per library."""
    libs = list(next(iter(results.values())))
    lines = ["| n | budget | " + " | ".join(libs) + " |", "|---|---|" + "---|" * len(libs)]

    def row(n, label, cell):
        lines.append(f"| {_size(n)} | {label} | " + " | ".join(cell(per[m]) for m in libs) + " |")

    for n, per in results.items():
        for b in sorted(budgets):
            row(n, f"{b:g} s CPU", lambda runs: _budget_cell(runs, b))
        row(n, f"{epochs} epochs", _fixed_cell)
        row(n, "CPU s / epoch (mean over the run)",
            lambda runs: f"{np.mean([r['cpu_s'][-1] / len(r['cpu_s']) for r in runs]):.3f}")
        if any("fit" in r for m in libs for r in per[m]):
            row(n, "plain fit, own stopping rule", _fit_cell)
    return "\n".join(lines)


def header(sizes, budgets, seeds, command, start) -> str:
    return (f"Fashion-MNIST at fixed CPU budgets, sizes {list(sizes)}, budgets {[float(b) for b in budgets]} s, "
            f"seeds {list(seeds)}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(start))}, "
            f"deltaprop {deltaprop.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
            f"Python {platform.python_version()}; one BLAS thread; cumulative CPU time of partial_fit epochs "
            f"(\"{IN_FIT}\": of the epochs inside one fit); test accuracy on the 10k test images; "
            f"command: `{command}`")


def report(sizes, budgets, seeds, *, epochs=EPOCHS, with_fit=False, in_fit=True, split=_fmnist_split,
           json_path=None) -> str:
    """Run the study (one BLAS thread, progress on stderr) and return its header and table."""
    start = time.time()
    with threadpool_limits(1):
        results = study(sizes, budgets, seeds, epochs=epochs, with_fit=with_fit, in_fit=in_fit, split=split,
                        progress=lambda s: print(s, file=sys.stderr, flush=True))
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"sizes": list(sizes), "budgets": list(budgets), "seeds": list(seeds), "epochs": epochs,
                       "results": {str(n): per for n, per in results.items()}}, f, indent=1)
    command = shlex.join(["python", *sys.argv])
    return header(sizes, budgets, seeds, command, start) + "\n\n" + markdown(results, budgets, epochs)


def from_suite(args, seeds, cases, split=_fmnist_split) -> str:
    """The hook of ``defaults.py --budgets``: the study on ``--budget-sizes``, else the suite's fmnist cases."""
    sizes = args.budget_sizes or sorted({int(m.group(1)) * 1000 for c in cases
                                         if (m := re.fullmatch(r"fmnist (\d+)k", c.name))})
    if not sizes:
        return "(--budgets: no Fashion-MNIST case in this run; name the sizes with --budget-sizes)"
    return report(sizes, args.budgets, seeds, split=split)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", "--budget-sizes", type=int, nargs="+", default=list(SIZES), metavar="N",
                        help="training rows (default 1000 10000 60000)")
    parser.add_argument("--budgets", type=float, nargs="+", default=list(BUDGETS), metavar="SECONDS",
                        help="CPU-time budgets in seconds (default 5 20 60)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="the fixed number of epochs reported (default 20)")
    parser.add_argument("--fit", action="store_true",
                        help="also each library's plain fit at its defaults (long at 60k)")
    parser.add_argument("--no-in-fit", action="store_true", help=f"leave out the column {IN_FIT!r}")
    parser.add_argument("--json", type=str, help="write the raw results here")
    args = parser.parse_args(argv)
    print(report(args.sizes, args.budgets, args.seeds, epochs=args.epochs, with_fit=args.fit,
                 in_fit=not args.no_in_fit, json_path=args.json))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
