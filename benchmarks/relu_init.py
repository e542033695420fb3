"""Which initial biases help relu networks (issue 16 items 2-3)? A measurement, not a feature.

deltaprop's ``Network`` starts every bias at zero (He-uniform weights for relu), so every
relu unit of the first layer has its kink at the origin of the standardised inputs;
scikit-learn draws the biases like the weights, uniform on ``[-a, a]`` with
``a = sqrt(6 / (fan_in + fan_out))``. The estimators cannot take initial weights, so this
script fits once for one epoch with ``warm_start=True`` (to build the network), overwrites
its weights and biases with the initialisation under test, and fits again from there with
the remaining arguments. Data: the defaults benchmark's sine cases (1-D, 150 points).

Run::

    python benchmarks/relu_init.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from defaults import DEV  # noqa: E402

from deltaprop import MLPRegressor  # noqa: E402

ARGS = {"hidden_layer_sizes": (50, 50), "activation": "relu", "solver": "adam"}


def init_sklearn(net, rng: np.random.Generator) -> None:
    """scikit-learn's initialisation: weights and biases uniform on +-sqrt(6 / (fan_in + fan_out))."""
    for t, W in enumerate(net.weights):
        fan_out, fan_in = W.shape
        a = np.sqrt(6.0 / (fan_in + fan_out))
        net.weights[t][...] = rng.uniform(-a, a, size=W.shape)
        net.biases[t][...] = rng.uniform(-a, a, size=fan_out)


def init_deltaprop(net, rng: np.random.Generator) -> None:
    """deltaprop's own: He-uniform relu weights (Glorot for the identity output), zero biases."""
    for t, W in enumerate(net.weights):
        fan_out, fan_in = W.shape
        relu = t < len(net.weights) - 1
        a = np.sqrt(6.0 / fan_in) if relu else np.sqrt(6.0 / (fan_in + fan_out))
        net.weights[t][...] = rng.uniform(-a, a, size=W.shape)
        net.biases[t][...] = 0.0


def init_deltaprop_biases(net, rng: np.random.Generator) -> None:
    """deltaprop's weights with scikit-learn's biases: isolates the biases' effect."""
    init_deltaprop(net, rng)
    for t, b in enumerate(net.biases):
        fan_out, fan_in = net.weights[t].shape
        a = np.sqrt(6.0 / (fan_in + fan_out))
        b[...] = rng.uniform(-a, a, size=fan_out)


INITS = {"deltaprop (zero biases)": init_deltaprop, "deltaprop weights, uniform biases": init_deltaprop_biases,
         "scikit-learn's": init_sklearn}


def fit_from(init, X, y, seed: int, **extra) -> MLPRegressor:
    reg = MLPRegressor(**ARGS, random_state=seed, warm_start=True, max_iter=1, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
        init(reg.network_, np.random.default_rng(seed))
        reg.set_params(max_iter=200).fit(X, y)
    return reg


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    cases = [c for c in DEV if c.name.startswith("sine")]
    print("| case | model | R^2 (mean ± std over seeds) | epochs |\n|---|---|---|---|")
    with threadpool_limits(1):
        for case in cases:
            rows = {"scikit-learn, same arguments": []}
            for seed in args.seeds:
                X, X_test, y, y_test = case.split(seed)
                scaler = StandardScaler().fit(X)
                X, X_test = scaler.transform(X), scaler.transform(X_test)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    sk = SkRegressor(**ARGS, random_state=seed).fit(X, y)
                rows["scikit-learn, same arguments"].append((sk.score(X_test, y_test), sk.n_iter_))
                for name, init in INITS.items():
                    for extra_name, extra in (("", {}), (", tol=None", {"tol": None})):
                        reg = fit_from(init, X, y, seed, **extra)
                        rows.setdefault(f"deltaprop, {name} init{extra_name}", []).append(
                            (reg.score(X_test, y_test), reg.n_iter_))
            for name, values in rows.items():
                r2 = np.array([v[0] for v in values])
                epochs = ", ".join(str(v[1]) for v in values)
                print(f"| {case.name} | {name} | {r2.mean():.3f} ± {r2.std(ddof=1):.3f} | {epochs} |", flush=True)
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; seeds {args.seeds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
