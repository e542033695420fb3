"""Where W3's second thread goes: its GEMMs, the fused step, and a GEMM followed by an update.

Run: ``python benchmarks/w3_threads_parts.py`` (wall clock, median and best of 40 calls, with 1
and 2 BLAS threads; unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE in the command as run.py does).
benchmarks/README.md ("W3 with 2 threads") quotes its output: the eight GEMMs of a W3 step
alone against ``Workspace.sgd_step``, and one weight-gradient GEMM (1024 x 256 by 256 x
1024) with and without the update ``dW *= eta; W -= dW`` that reads its result.
"""

import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

import deltaprop as dp
from deltaprop._kernels import Workspace


def timed(f, n=40):
    f()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, min(times) * 1e3


def main():
    B, rng = 256, np.random.default_rng(0)
    net = dp.Network([784, 1024, 1024, 10], output_activation="softmax", loss="cross_entropy", dtype="float32",
                     seed=0)
    ws = Workspace(net, B)
    X = rng.random((B, 784), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, B)]
    W1, W2, W3 = (W.copy() for W in net.weights)
    o1, o2, o3 = (np.empty((B, m), np.float32) for m in (1024, 1024, 10))
    g1, g2, g3 = (rng.random((B, m), dtype=np.float32) for m in (1024, 1024, 10))
    d1, d2, d3 = np.empty_like(W1), np.empty_like(W2), np.empty_like(W3)
    eta = np.float32(1e-4)

    def gemms():
        np.matmul(X, W1.T, out=o1)
        np.matmul(o1, W2.T, out=o2)
        np.matmul(o2, W3.T, out=o3)
        np.matmul(g3.T, o2, out=d3)
        np.matmul(g3, W3, out=g2)
        np.matmul(g2.T, o1, out=d2)
        np.matmul(g2, W2, out=g1)
        np.matmul(g1.T, X, out=d1)

    def gradient_gemm():
        np.matmul(g2.T, o1, out=d2)

    def gradient_gemm_and_update():
        np.matmul(g2.T, o1, out=d2)
        np.multiply(d2, eta, out=d2)
        np.subtract(W2, d2, out=W2)

    def update():
        np.multiply(d2, eta, out=d2)
        np.subtract(W2, d2, out=W2)

    parts = {"the step's 8 GEMMs": gemms, "Workspace.sgd_step (fused step)": lambda: ws.sgd_step(X, Y, None, 1e-4),
             "weight-gradient GEMM 1024x256x1024": gradient_gemm, "its update alone": update,
             "the GEMM, then its update": gradient_gemm_and_update}
    for threads in (1, 2):
        with threadpool_limits(threads):
            for name, f in parts.items():
                median, best = timed(f)
                print(f"{threads} thread(s)  {name:40s} {median:8.2f} ms median {best:8.2f} ms best")


if __name__ == "__main__":
    main()
