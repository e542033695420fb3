"""scikit-learn's own MLPClassifier on the Table 3 protocol, as today's reference.

The Fashion-MNIST paper's Table 3 was measured with the scikit-learn of 2017. This script
runs today's ``sklearn.neural_network.MLPClassifier`` with its defaults on exactly the data
of ``fashion_mnist_table3.py`` (the same standardisation, the same reshuffled order for run
i, ``random_state=i``), so deltaprop can be compared with both the published numbers and
the library it replaces.

Run (about 2 minutes per run on one core)::

    python reproductions/sklearn_reference.py --configs relu-100 --runs 5
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS_DIR, markdown_table, run_info, write_results  # noqa: E402
from fashion_mnist_table3 import CONFIGS, PUBLISHED, PUBLISHED_SOURCE, prepare, published  # noqa: E402

NAME = "sklearn_reference"


def main(argv=None) -> int:
    from sklearn import __version__ as sklearn_version
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per configuration; run i uses seed i")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=["relu-100"])
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)

    X, y, X_test, y_test = prepare()
    start_all = time.perf_counter()
    rows, raw = [], []
    for key in args.configs:
        act, hidden = CONFIGS[key]
        accs = []
        for seed in range(args.runs):
            order = np.random.default_rng(seed).permutation(len(X))  # as fashion_mnist_table3.run_one
            clf = MLPClassifier(hidden_layer_sizes=hidden, activation=act, random_state=seed)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # runs that reach max_iter=200
                clf.fit(X[order], y[order])
            acc = float(clf.score(X_test, y_test))
            accs.append(acc)
            raw.append({"activation": act, "hidden": list(hidden), "seed": seed, "accuracy": acc,
                        "n_iter": int(clf.n_iter_), "seconds": time.perf_counter() - start})
        a = np.array(accs)
        spread = f"± {a.std(ddof=1):.3f}" if len(a) > 1 else "(1 run)"
        rows.append([act, str(hidden), published(act, hidden), f"{a.mean():.3f} {spread}",
                     f"{a.min():.3f}-{a.max():.3f}", ", ".join(f"{v:.4f}" for v in a)])
    command = " ".join(["python reproductions/sklearn_reference.py", *(sys.argv[1:] if argv is None else argv)])
    md = "\n\n".join([
        f"# Today's scikit-learn ({sklearn_version}) MLPClassifier on the Table 3 protocol",
        "scikit-learn's defaults (the paper's settings), inputs standardised, run i on the i-th "
        "reshuffle with `random_state=i`: the same data and order as `fashion_mnist_table3.py`.",
        markdown_table(["activation", "hidden_layer_sizes", "published", "scikit-learn mean ± std",
                        "min-max", "runs"], rows),
        f"Published values: {PUBLISHED_SOURCE}.",
        run_info(command, time.perf_counter() - start_all),
    ]) + "\n"
    write_results(NAME, md, {"published": {k: PUBLISHED[CONFIGS[k]] for k in args.configs}, "runs": raw}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
