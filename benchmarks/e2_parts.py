"""What bounds E2 (784-256-10, batch 128, Nesterov, float32): each part of its step, timed in the loop.

Run (one BLAS thread; the OPENBLAS variables unset as for every benchmark here)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/e2_parts.py

Every part runs in the order a step runs it, over one shuffled epoch of Fashion-MNIST (so the
gather reads rows from memory, not from a cache warmed by repeating one batch), and is timed
with ``perf_counter_ns`` around it: microseconds per step, the median of 5 epochs. Then the
two libraries' fits (``MLPClassifier.fit``, E2's settings, medians of 5 alternating rounds)
and deltaprop's fixed per-fit work (the fit's time outside its one epoch).

The last lines give the fastest step these parts allow and the ratio it would give against
scikit-learn's measured fit. benchmarks/README.md ("What bounds E2") quotes them.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import deltaprop as dp
from deltaprop._kernels import Workspace, numba_available

sys.path.insert(0, str(Path(__file__).parent))
import fashion_mnist  # noqa: E402
import run  # noqa: E402

B = 128


def step_parts(X, Y, ws, nb, nn_storage, rounds=5):
    """Median us per step of each part of a mixed E2 step, over ``rounds`` shuffled epochs;
    ``nn_storage``: the first layer's GEMMs on W1 stored as scikit-learn stores it (784 x 256)."""
    net = ws.net
    (W1, W2), (b1, b2) = net.weights, net.biases
    (o1, o2), (g1, g2), s1 = ws._o, ws._g, ws._scratch[0]
    (dW1, dW2), (db1, db2) = ws.dW, ws.db
    if nn_storage:  # scikit-learn's storage of the first layer, (784, 256): plain NN products
        W1_nn = np.ascontiguousarray(W1.T)
        dW1_nn = np.empty_like(W1_nn)
    sigmoid = net.activations[0].inplace_forward
    theta = np.concatenate([p.ravel() for p in net.weights + net.biases])
    grad, vel = np.zeros_like(theta), np.zeros_like(theta)
    n_w = sum(W.size for W in net.weights)
    theta_W = theta[:n_w]
    f32 = np.float32
    Xb, Yb = np.empty((B, X.shape[1]), X.dtype), np.empty((B, Y.shape[1]), Y.dtype)
    parts = {
        "gather of the batch (shuffled rows of X and Y)": lambda: (X.take(idx, 0, Xb, "clip"),
                                                                  Y.take(idx, 0, Yb, "clip")),
        "GEMM X W1^T": (lambda: np.matmul(Xb, W1_nn, out=o1)) if nn_storage else (
            lambda: np.matmul(Xb, W1.T, out=o1)),
        "bias + sigmoid over 128 x 256 (NumPy, 5 passes)": lambda: (np.add(o1, b1, out=o1), sigmoid(o1, s1)),
        "output layer GEMM 128 x 256 x 10": lambda: np.matmul(o1, W2.T, out=o2),
        "bias + softmax, loss and output deltas (compiled)": lambda: (
            nb.bias_act(o2, b2, ws._codes[1]),
            nb.output_step(o2, Yb, ws._no_weights, False, g2, ws._out_code, ws._eps)),
        "dW2 GEMM and db2": lambda: (np.matmul(g2.T, o1, out=dW2), nb.column_sum(g2, db2)),
        "back to the hidden layer: GEMM and sigmoid derivative (compiled)": lambda: (
            np.matmul(g2, W2, out=g1), nb.hidden_backward(o1, g1, ws._codes[0])),
        "GEMM g1^T X (dW1)": (lambda: np.matmul(Xb.T, g1, out=dW1_nn)) if nn_storage else (
            lambda: np.matmul(g1.T, Xb, out=dW1)),
        "db1 (compiled)": lambda: nb.column_sum(g1, db1),
        "penalty (alpha/2)||W||^2: one dot": lambda: float(np.dot(theta_W, theta_W)),
        f"Nesterov update of {theta.size:,} parameters (compiled)": lambda: nb.momentum_loop(
            theta, grad, vel, f32(1e-3 / B), f32(0.9), True, f32(1e-4), n_w),
    }
    rng = np.random.default_rng(0)
    per_round = {name: [] for name in parts}
    for _ in range(rounds):
        spent = dict.fromkeys(parts, 0)
        batches = rng.permutation(len(X))[: len(X) // B * B].reshape(-1, B)
        for idx in batches:
            for name, f in parts.items():
                t = time.perf_counter_ns()
                f()
                spent[name] += time.perf_counter_ns() - t
        for name in parts:
            per_round[name].append(spent[name] / len(batches) / 1000)
    return {name: statistics.median(v) for name, v in per_round.items()}


def fits(X, labels, rounds=5):
    """Median fit seconds of both libraries, and deltaprop's fit time outside its epoch."""
    import deltaprop._stepper as stepper

    e = run.ESTIMATOR_WORKLOADS["E2"]
    epoch, inside = stepper.Stepper.epoch, []

    def timed_epoch(self, lr, rng):
        t = time.perf_counter()
        try:
            return epoch(self, lr, rng)
        finally:
            inside.append(time.perf_counter() - t)

    stepper.Stepper.epoch = timed_epoch
    times = {"sklearn": [], "deltaprop": [], "fixed": []}
    try:
        for seed in range(rounds + 1):
            for lib in ("deltaprop", "sklearn"):
                inside.clear()
                wall, _, _, _ = run.fit_estimator(lib, e, X, labels, seed)
                if seed:  # the first round compiles and warms up
                    times[lib].append(wall)
                    if lib == "deltaprop":
                        times["fixed"].append(wall - sum(inside))
    finally:
        stepper.Stepper.epoch = epoch
    return {k: statistics.median(v) for k, v in times.items()}


def main():
    if not numba_available():
        sys.exit("e2_parts.py measures the compiled parts of the mixed step: pip install 'deltaprop[fast]'")
    from deltaprop import _numba as nb

    X, labels, source = fashion_mnist.load("float32")
    Y = np.eye(10, dtype=np.float32)[labels]
    net = dp.Network([784, 256, 10], activation="sigmoid", output_activation="softmax", loss="cross_entropy",
                     dtype="float32", seed=0)
    ws = Workspace(net, B)
    assert ws._act_compiled == [False, True] and ws._back_compiled, "E2 takes the mixed step"
    with threadpool_limits(1):
        parts = step_parts(X, Y, ws, nb, False)
        nn = step_parts(X, Y, ws, nb, True)
        f = fits(X, labels)
    print(f"data: {source}; microseconds per step, median of 5 shuffled epochs, one BLAS thread")
    print(f"  {'part':66s} {'deltaprop':>10s} {'W1 as 784 x 256':>16s}")
    for name, us in parts.items():
        print(f"  {name:66s} {us:10.1f} {nn[name]:16.1f}")
    steps = -(-len(X) // B)
    print(f"fits (median of 5, s): scikit-learn {f['sklearn']:.3f}, deltaprop {f['deltaprop']:.3f} "
          f"(ratio {f['sklearn'] / f['deltaprop']:.2f}x); deltaprop's fixed per-fit work {f['fixed'] * 1e3:.1f} ms")
    for label, d in (("the parts as deltaprop runs them", parts), ("with W1 stored 784 x 256", nn)):
        us = sum(d.values())
        best = steps * us * 1e-6 + f["fixed"]
        print(f"{label}: {us:.0f} us per step, {best:.3f} s per fit, {f['sklearn'] / best:.2f}x scikit-learn")
    print(f"1.4x would need {f['sklearn'] / 1.4:.3f} s per fit: "
          f"{(f['sklearn'] / 1.4 - f['fixed']) / steps * 1e6:.0f} us per step")


if __name__ == "__main__":
    main()
