"""Per-step cost of the trainer and optimizer, with and without the gradient computation.

``real`` runs the actual Workspace; ``stub`` replaces it with one that only refills constant
gradients, so what remains is the trainer's loop and the optimizer's update: the overhead
that matters for tiny layers. Run: ``PYTHONPATH=src python benchmarks/trainer_step_overhead.py``.

The first lines are W1's setting (784-30-10, float32, batches of 10 gathered from 60000
shuffled rows): the trainer's loop with the stub step, the same gathers in a bare loop, and
the difference, the trainer's own cost per step. Process CPU time of epochs 2-4 (epoch 1,
which includes the fit's setup such as the finite-value scan of X, is subtracted out).
"""

import time

import numpy as np

import deltaprop as dp
import deltaprop._stepper as stepper  # the module that builds the Workspace
from deltaprop._kernels import Workspace


class StubWorkspace:
    def __init__(self, net, batch_size):
        self.dW = [np.empty_like(W) for W in net.weights]
        self.db = [np.empty_like(b) for b in net.biases]

    def loss_and_gradient(self, X, Y, sample_weight=None):
        for g in self.dW + self.db:
            g.fill(1e-3)
        return 1.0

    def sgd_step(self, X, Y, sample_weight, eta):
        # Plain sgd's update happens inside the real Workspace (fused), so the stub does nothing.
        return 1.0


def per_step_us(sizes, X, Y, stub, repeats=3, **kw):
    stepper.Workspace = StubWorkspace if stub else Workspace
    try:
        best = np.inf
        for _ in range(repeats):
            net = dp.Network(sizes, seed=0)
            t = time.perf_counter()
            dp.train(net, X, Y, batch_size=10, epochs=3, seed=0, shuffle=False, **kw)
            best = min(best, (time.perf_counter() - t) / (3 * len(X) // 10) * 1e6)
        return best
    finally:
        stepper.Workspace = Workspace


def w1_loop_us(repeats=5):
    """(trainer loop with the stub step, bare gather loop) in us per step, W1's shapes."""
    rng = np.random.default_rng(0)
    N, B = 60000, 10
    X = rng.random((N, 784), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, N)]

    def fit_cpu(epochs):
        net = dp.Network([784, 30, 10], output_activation="softmax", loss="cross_entropy", dtype="float32", seed=0)
        t = time.process_time()
        dp.train(net, X, Y, solver="sgd", batch_size=B, epochs=epochs, shuffle=True, seed=0)
        return time.process_time() - t

    def bare_cpu():
        Xb, Yb = np.empty((B, 784), np.float32), np.empty((B, 10), np.float32)
        perm = rng.permutation(N)
        t = time.process_time()
        for start in range(0, N, B):
            idx = perm[start:start + B]
            X.take(idx, 0, Xb, "clip")
            Y.take(idx, 0, Yb, "clip")
        return time.process_time() - t

    stepper.Workspace = StubWorkspace
    try:
        loop = min((fit_cpu(4) - fit_cpu(1)) / 3 for _ in range(repeats)) / (N // B) * 1e6
    finally:
        stepper.Workspace = Workspace
    bare = min(bare_cpu() for _ in range(repeats)) / (N // B) * 1e6
    return loop, bare


def main():
    loop, bare = w1_loop_us()
    print(f"W1 trainer loop with a stub step {loop:5.2f} us/step; the gathers alone {bare:5.2f}; "
          f"trainer's own cost {loop - bare:5.2f}")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 10))
    Y = (X[:, :1] > 0).astype(float)
    settings = [dict(solver="sgd"), dict(solver="sgd", momentum=0.9, nesterov=True), dict(solver="adam"),
                dict(solver="sgd", weight_decay=1e-4)]
    for sizes in ([10, 5, 1], [10, 5, 5, 1]):
        for kw in settings:
            real = per_step_us(sizes, X, Y, stub=False, **kw)
            stub = per_step_us(sizes, X, Y, stub=True, **kw)
            print(f"{str(sizes):14} {str(kw):52} real {real:7.1f} us/step   trainer+optimizer {stub:6.1f} us/step")


if __name__ == "__main__":
    main()
