"""Where a training step's time goes: the Workspace step alone against its GEMMs, and W1's parts.

Run: ``PYTHONPATH=src python benchmarks/step_breakdown.py`` (one BLAS thread, process CPU
time, so it is steadier on a shared machine). Prints, per workload, the fused SGD step of
``deltaprop._kernels.Workspace`` (no data gathering, no trainer) against the same GEMMs timed
alone, then the pieces of a W1 step (784-30-10, batch 10) one by one.
"""

import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the suite's workloads and GEMM-limit timer)

import deltaprop as dp  # noqa: E402
from deltaprop._kernels import Workspace  # noqa: E402


def cpu_us(f, seconds=0.3, repeats=3):
    f()
    n = max(1, int(seconds / max(1e-7, bench._time(f, cpu=True))))
    return min(bench._time(f, n, cpu=True) for _ in range(repeats)) * 1e6


def problem(sizes, n, rng):
    net = dp.Network(sizes, output_activation="softmax", loss="cross_entropy", dtype="float32", seed=0)
    X = rng.random((n, sizes[0]), dtype=np.float32)
    Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], n)]
    return net, X, Y


def main():
    threadpool_limits(1)
    rng = np.random.default_rng(0)
    print("workload  compiled  step us  GEMMs alone us  GEMMs / step")
    for name in ("W1", "W2", "W3"):
        w = bench.WORKLOADS[name]
        for compiled in ((False, True) if name == "W1" else (False,)):
            net, X, Y = problem(w["sizes"], w["batch"], rng)
            ws = Workspace(net, w["batch"], compiled=compiled)
            step = cpu_us(lambda: ws.sgd_step(X, Y, None, 1e-6))
            gemm = bench.gemm_seconds_per_step(w, w["batch"], np.dtype("float32"), repeats=3)[1] * 1e6
            print(f"{name:8}  {str(compiled):8}  {step:7.1f}  {gemm:14.1f}  {gemm / step:11.0%}")

    print("\nW1 pieces (us):")
    net, X, Y = problem([784, 30, 10], 10, rng)
    ws = Workspace(net, 10, compiled=True)
    (W1, W2), (b1, b2) = net.weights, net.biases
    v = ws._views_for(10)
    (o1, o2), (g1, g2) = v.o, v.g
    ws.sgd_step(X, Y, None, 1e-6)
    nb = ws._nb
    data = rng.random((60000, 784), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60000)]
    Xb, Yb = np.empty((10, 784), np.float32), np.empty((10, 10), np.float32)
    perm = rng.permutation(60000)
    state = {"i": 0}

    def gather():
        i = state["i"] = (state["i"] + 10) % 60000
        idx = perm[i:i + 10]
        data.take(idx, axis=0, out=Xb, mode="clip")
        labels.take(idx, axis=0, out=Yb, mode="clip")

    def middle():
        nb.small_output_layer(o1, b1, 0, W2, b2, o2, Y, ws._no_weights, False, g2, g1, 5, 0, ws._eps,
                              True, 0.0, ws.dW[1], ws.db[1], ws.db[0])

    zeros = np.zeros_like(W1)
    pieces = {
        "forward GEMM X W1^T": lambda: np.matmul(X, W1.T, out=o1),
        "weight GEMM g1^T X": lambda: np.matmul(g1.T, X, out=ws.dW[0]),
        "W1 -= dW1": lambda: np.subtract(W1, zeros, out=W1),
        "compiled rest of the step": middle,
        "gather 10 shuffled rows of X, Y": gather,
        "whole Workspace.sgd_step": lambda: ws.sgd_step(X, Y, None, 0.0),
    }
    for label, f in pieces.items():
        print(f"  {label:34} {cpu_us(f):6.1f}")


if __name__ == "__main__":
    main()
