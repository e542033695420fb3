"""W3 through the Trainer alone: ms per step with a given number of BLAS threads.

Run: ``python benchmarks/w3_trainer_threads.py 1`` and ``... 2`` (unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE in the command, as run.py does). One fit of 80 steps (784-1024-1024-10,
batches of 256, plain SGD, float32, random data) per round, 7 rounds, each fit in the same
process with nothing else in it: the 2-thread scaling of deltaprop without run.py's
alternation with the other libraries (benchmarks/README.md, "W3 with 2 threads").
"""
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits
import deltaprop as dp
rng = np.random.default_rng(0)
N = 256*80
X = rng.random((60000, 784), dtype=np.float32)[:N]; Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, N)]
th = int(sys.argv[1])
threadpool_limits(th)
ts = []
for r in range(7):
    net = dp.Network([784,1024,1024,10], output_activation="softmax", loss="cross_entropy", dtype="float32", seed=r)
    t = time.perf_counter()
    dp.Trainer(solver="sgd", learning_rate=0.1, batch_size=256, epochs=1, shuffle=True, seed=r).fit(net, X, Y)
    ts.append((time.perf_counter() - t) / 80 * 1e3)
print(th, "median ms/step %.2f best %.2f" % (statistics.median(ts), min(ts)), [round(t, 1) for t in ts])
