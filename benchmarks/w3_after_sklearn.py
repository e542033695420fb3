"""W3 through the Trainer at 2 threads, each fit after a scikit-learn fit of the same network or none.

Run: ``python benchmarks/w3_after_sklearn.py none`` / ``sk32`` / ``sk64`` (unset OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE in the command). Checks whether run.py's alternation of libraries in one
process slows a 2-thread deltaprop fit (benchmarks/README.md, "W3 with 2 threads": it does not
beyond the machine's own spread).
"""

import statistics
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits
import deltaprop as dp
from sklearn.neural_network import MLPClassifier
rng = np.random.default_rng(0)
N = 256*80
X = rng.random((N, 784), dtype=np.float32); y = rng.integers(0, 10, N); Y = np.eye(10, dtype=np.float32)[y]
threadpool_limits(2)
mode = sys.argv[1]
ts = []
for r in range(6):
    if mode in ("sk32", "sk64"):
        Xs = X if mode == "sk32" else X.astype(np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MLPClassifier((1024, 1024), activation="logistic", solver="sgd", batch_size=256, max_iter=1, random_state=r).fit(Xs, y)
    net = dp.Network([784,1024,1024,10], output_activation="softmax", loss="cross_entropy", dtype="float32", seed=r)
    t = time.perf_counter()
    dp.Trainer(solver="sgd", learning_rate=0.1, batch_size=256, epochs=1, shuffle=True, seed=r).fit(net, X, Y)
    ts.append((time.perf_counter() - t) / 80 * 1e3)
print(mode, "median ms/step %.2f" % statistics.median(ts), [round(t, 1) for t in ts])
