"""The parts of an E2 step (784-256-10, batch 128, float32) timed alone: what bounds E2.

Run: ``python benchmarks/e2_parts.py`` (one BLAS thread, process CPU time, microseconds per
call, best of 3 runs of 300 calls). benchmarks/README.md ("What bounds E2") uses these: a
1.4x ratio leaves about 71 us per step beside the GEMMs.
"""

import time

import numpy as np
from threadpoolctl import threadpool_limits

import deltaprop as dp
from deltaprop._kernels import Workspace, numba_available


def cpu_us(f, n=300, repeats=3):
    f()
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        for _ in range(n):
            f()
        best = min(best, (time.process_time() - t) / n)
    return best * 1e6


def main():
    B = 128
    rng = np.random.default_rng(0)
    net = dp.Network([784, 256, 10], activation="sigmoid", output_activation="softmax", loss="cross_entropy",
                     dtype="float32", seed=0)
    ws = Workspace(net, B)
    X = rng.random((60000, 784), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60000)]
    idx = rng.permutation(60000)[:B]
    Xb, Yb = np.empty((B, 784), np.float32), np.empty((B, 10), np.float32)
    X.take(idx, 0, Xb, "clip")
    Y.take(idx, 0, Yb, "clip")
    W1 = net.weights[0]
    o1, g1 = np.empty((B, 256), np.float32), rng.random((B, 256), dtype=np.float32)
    dW1, db1 = np.empty_like(W1), np.empty(256, np.float32)
    sigmoid = net.activations[0]
    parts = {
        "gather of the batch (X and Y rows)": lambda: (X.take(idx, 0, Xb, "clip"), Y.take(idx, 0, Yb, "clip")),
        "GEMM X W1^T": lambda: np.matmul(Xb, W1.T, out=o1),
        "GEMM g1^T X (dW1)": lambda: np.matmul(g1.T, Xb, out=dW1),
        "sigmoid over 128 x 256, in place": lambda: sigmoid.inplace_forward(o1, g1),
        "its derivative, in place": lambda: sigmoid.inplace_backward(o1, g1, dW1[:B, :256]),
        "bias sum of 128 x 256": lambda: np.sum(g1, axis=0, out=db1),
        "Workspace.loss_and_gradient (whole step without update)": lambda: ws.loss_and_gradient(Xb, Yb),
    }
    if numba_available():
        from deltaprop import _numba as nb

        n = sum(p.size for p in net.weights + net.biases)
        p, g, v, t = (rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32),
                      rng.random(n, dtype=np.float32), np.float32)
        n_w = sum(W.size for W in net.weights)
        parts[f"Nesterov update of {n:,} parameters (compiled)"] = lambda: nb.momentum_loop(
            p, g, v, t(1e-3), t(0.9), True, t(1e-4), n_w)
    with threadpool_limits(1):
        for name, f in parts.items():
            print(f"{name:60s} {cpu_us(f):9.1f} us")


if __name__ == "__main__":
    main()
