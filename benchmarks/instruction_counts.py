"""Instructions per training step, counted by valgrind's callgrind: a before/after check that a
busy machine cannot disturb.

Wall-clock benchmarks (``run.py``) need a quiet machine; on a shared one their figures move
by tens of percent. Callgrind counts the instructions a process executes, which for the same
program, inputs and environment is the same number on every run, whatever else the machine
is doing. Each workload runs twice in fresh subprocesses under callgrind: once with ``W``
warm-up epochs, once with ``W + M`` epochs; the difference divided by ``M`` epochs' steps is
the instructions of one step, free of start-up, imports and JIT compilation.

Run (valgrind is a Debian package; one BLAS thread, Numba hidden so every version of the code
takes its NumPy path; a few minutes)::

    python benchmarks/instruction_counts.py [--workloads sgd momentum ...] [--json out.json]

Compare two versions of the library by running it with ``PYTHONPATH`` pointing at each one's
``src``. Instructions are not time (a cache miss costs more than an add), so this says whether
the Python and NumPy work per step grew or shrank, not by how many microseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Each workload: the Trainer or estimator call to time. Small data keeps callgrind fast; the
# layer sizes are those of the real benchmarks (run.py's W1, W2, W4), N is smaller.
WORKLOADS = {
    # name: (code that builds `fit(epochs)`, steps per epoch)
    "sgd": ("""
net = dp.Network([784, 30, 10], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
def fit(epochs):
    dp.Trainer(solver="sgd", learning_rate=0.1, batch_size=10, epochs=epochs, reduction="mean", seed=0).fit(net, X, Y)
""", 200),
    "momentum": ("""
net = dp.Network([784, 30, 10], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
def fit(epochs):
    dp.Trainer(solver="sgd", learning_rate=0.1, batch_size=10, epochs=epochs, momentum=0.9, nesterov=True,
               weight_decay=1e-4, reduction="mean", seed=0).fit(net, X, Y)
""", 200),
    "adam": ("""
net = dp.Network([784, 256, 10], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
def fit(epochs):
    dp.Trainer(solver="adam", learning_rate=1e-3, batch_size=200, epochs=epochs, weight_decay=1e-4,
               reduction="mean", seed=0).fit(net, X, Y)
""", 10),
    "rprop": ("""
net = dp.Network([784, 100, 10], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
def fit(epochs):
    dp.Trainer(solver="rprop", epochs=epochs, seed=0).fit(net, X, Y)
""", 1),
    "lbfgs": ("""
net = dp.Network([784, 100, 10], output_activation="softmax", loss="cross_entropy", seed=0, dtype="float32")
def fit(epochs):
    dp.Trainer(solver="lbfgs", epochs=epochs, weight_decay=1e-4, tol=None, seed=0).fit(net, X, Y)
""", 1),
    "estimator_adam": ("""
def fit(epochs):
    dp.MLPClassifier(hidden_layer_sizes=(256,), activation="logistic", solver="adam", alpha=1e-4,
                     output_activation="softmax", loss="cross_entropy", batch_size=200, max_iter=epochs,
                     tol=None, random_state=0, dtype="float32").fit(X, y)
""", 10),
}

PRELUDE = """
import sys, warnings
sys.modules["numba"] = None  # the NumPy path in every version (find_spec then answers None)
warnings.simplefilter("ignore")
import numpy as np
import deltaprop as dp
rng = np.random.default_rng(0)
X = rng.random((2000, 784), dtype=np.float32)
y = rng.integers(0, 10, 2000)
Y = np.eye(10, dtype=np.float32)[y]
"""


def instructions(code: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                            sys.executable, "-c", code], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise SystemExit(f"workload failed:\n{r.stderr[-2000:]}")
        m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
        if m is None:
            raise SystemExit(f"callgrind printed no total:\n{r.stderr[-2000:]}")
        return int(m.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--warmup", type=int, default=1, help="epochs run in both processes")
    parser.add_argument("--measured", type=int, default=2, help="extra epochs in the second process")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    import deltaprop

    print(f"deltaprop from {os.path.dirname(deltaprop.__file__)}")
    print(f"{'workload':<16}{'instructions per step':>24}")
    results = {}
    for name in args.workloads:
        body, steps = WORKLOADS[name]
        base = instructions(PRELUDE + body + f"\nfit({args.warmup})\n")
        full = instructions(PRELUDE + body + f"\nfit({args.warmup + args.measured})\n")
        per_step = (full - base) / (args.measured * steps)
        results[name] = per_step
        print(f"{name:<16}{per_step:>24,.0f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
