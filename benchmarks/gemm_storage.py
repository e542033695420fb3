"""The GEMMs of one layer with its weights stored as the notes store them or as scikit-learn does.

deltaprop stores a layer's weights as the notes write them, ``W[r, q] = w_rq`` (outputs x
inputs, C order), so its forward product is ``X W^T``; scikit-learn stores ``coefs_`` inputs
x outputs and multiplies ``X coefs``. The same numbers, different GEMM forms, and OpenBLAS
is faster at some shapes in one form and at others in the other. Per shape (batch B, n_in,
n_out; float32, one BLAS thread, best of 3 runs, us per call): the forward product, the
weight gradient and, for layers above the first, the product back to the layer below.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/gemm_storage.py``.
benchmarks/README.md ("What bounds E2, part by part") quotes it.
"""

import time

import numpy as np
from threadpoolctl import threadpool_limits

#: (name, B, n_in, n_out, first layer): the layers of the benchmark's workloads.
SHAPES = [
    ("E1 layer 1", 10, 784, 30, True),
    ("E2 layer 1", 128, 784, 256, True),
    ("E2a layer 1", 200, 784, 256, True),
    ("E4 layer 1 (all 60000 rows)", 60000, 784, 100, True),
    ("W3 layer 1", 256, 784, 1024, True),
    ("W3 layer 2", 256, 1024, 1024, False),
]


def cpu_us(f, budget=0.3):
    f()
    t = time.process_time()
    f()
    n = max(1, int(budget / max(time.process_time() - t, 1e-6)))
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        for _ in range(n):
            f()
        best = min(best, (time.process_time() - t) / n)
    return best * 1e6


def main():
    rng = np.random.default_rng(0)
    print(f"{'layer':30s} {'storage':>26s} {'forward':>10s} {'gradient':>10s} {'back':>10s} {'sum':>10s}")
    with threadpool_limits(1):
        for name, B, n_in, n_out, first in SHAPES:
            X = rng.random((B, n_in), dtype=np.float32)
            G = rng.random((B, n_out), dtype=np.float32)
            out, back = np.empty((B, n_out), np.float32), np.empty((B, n_in), np.float32)
            notes = rng.random((n_out, n_in), dtype=np.float32)  # W[r, q], outputs x inputs
            coefs = np.ascontiguousarray(notes.T)  # scikit-learn's, inputs x outputs
            d_notes, d_coefs = np.empty_like(notes), np.empty_like(coefs)
            forms = {
                "notes' (out x in)": (lambda: np.matmul(X, notes.T, out=out), lambda: np.matmul(G.T, X, out=d_notes),
                                      lambda: np.matmul(G, notes, out=back)),
                "scikit-learn's (in x out)": (lambda: np.matmul(X, coefs, out=out),
                                              lambda: np.matmul(X.T, G, out=d_coefs),
                                              lambda: np.matmul(G, coefs.T, out=back)),
            }
            for storage, (fwd, grad, bwd) in forms.items():
                t = [cpu_us(fwd), cpu_us(grad), cpu_us(bwd) if not first else 0.0]
                back_txt = f"{t[2]:10.1f}" if not first else f"{'-':>10s}"
                print(f"{name:30s} {storage:>26s} {t[0]:10.1f} {t[1]:10.1f} {back_txt} {sum(t):10.1f}")


if __name__ == "__main__":
    main()
