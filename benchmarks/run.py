"""deltaprop against scikit-learn and PyTorch on identical work, on the CPU.

One command runs every configuration and writes one Markdown report::

    python benchmarks/run.py --threads 1 2 --openblas unset set --repeats 5 \\
        --out benchmarks/results/report.md

Each configuration (BLAS threads x OPENBLAS_* variables) runs in its own subprocess,
because OpenBLAS reads ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` once, when it is
loaded. Inside it, the implementations alternate over ``--repeats`` rounds (the order
rotates each round) and the report gives medians. Peak resident memory is measured in one
fresh subprocess per implementation.

Workloads (sigmoid hidden units, softmax + cross-entropy outputs, plain SGD without momentum,
mean reduction, shuffled each epoch, 1 epoch unless said):

* W1: 784-30-10, mini-batch 10 (Nielsen's setting; per-step overhead dominates).
* W2: 784-256-10, mini-batch 128.
* W3: 784-1024-1024-10, mini-batch 256 (GEMM dominates); ``--w3-examples`` of the data.
* W4: 784-100-10, full-batch gradient descent over all 60000 examples, 10 iterations.

Issue 15's workloads through the estimators (``MLPClassifier.fit`` of deltaprop and of
scikit-learn, float32, logistic hidden units, softmax + log-loss, ``alpha=1e-4``,
``learning_rate_init=1e-3``; the report gives fit times, ratios and % of the GEMM limit):

* E1: 784-30-10, batch 10, sgd, momentum 0.9 Nesterov, 1 epoch.
* E2: 784-256-10, batch 128, the same.
* E2a: 784-256-10, batch 200, adam, 1 epoch.
* E4: 784-100-10, lbfgs, 10 iterations (a step is one evaluation of the objective and gradient).

``--examples N`` shrinks every workload to the first N examples (a smoke run), and
``--thread-sweep`` only times one layer's GEMMs with each of ``--threads`` on these shapes (the
measurements behind ``deltaprop._threads.MIN_FLOPS_PER_THREAD``).

The GEMM limit: the same GEMMs a step needs (forward ``2NW`` flops, weight gradients
``2NW``, input deltas ``2N(W - W_first)``), timed alone through NumPy's ``matmul`` on the
same shapes; "% of GEMM limit" is that time divided by the implementation's time per step.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: Used for the "set" configuration when the environment does not set them itself.
OPENBLAS_SET_DEFAULT = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "1048576"}

WORKLOADS = {
    "W1": dict(sizes=[784, 30, 10], batch=10, epochs=1, lr=0.1),
    "W2": dict(sizes=[784, 256, 10], batch=128, epochs=1, lr=0.1),
    "W3": dict(sizes=[784, 1024, 1024, 10], batch=256, epochs=1, lr=0.1),
    "W4": dict(sizes=[784, 100, 10], batch=None, epochs=10, lr=0.5),
}
IMPLS = ["deltaprop-f32", "sklearn-f32", "torch-f32", "deltaprop-f64", "sklearn-f64"]

#: Issue 15's workloads through the estimators, float32: deltaprop.MLPClassifier and
#: sklearn.neural_network.MLPClassifier with the same settings (logistic hidden units, softmax +
#: log-loss, alpha=1e-4, scikit-learn's learning_rate_init 1e-3, shuffled, random_state = round).
#: "shape" names the trainer-level workload whose GEMMs a step does (for the GEMM limit);
#: "issue" is issue 15's measurement (scikit-learn s, deltaprop s) and its target ratio.
ESTIMATOR_WORKLOADS = {
    "E1": dict(shape="W1", hidden=(30,), solver="sgd", batch=10, max_iter=1, issue=(0.73, 0.38), target=5.0),
    "E2": dict(shape="W2", hidden=(256,), solver="sgd", batch=128, max_iter=1, issue=(0.46, 0.40), target=1.4),
    "E2a": dict(shape="W2", hidden=(256,), solver="adam", batch=200, max_iter=1, issue=(0.49, 0.39), target=1.4),
    "E4": dict(shape="W4", hidden=(100,), solver="lbfgs", batch=None, max_iter=10, issue=(1.66, 1.43),
               target=1.35),
}
ESTIMATOR_IMPLS = ["deltaprop-f32", "sklearn-f32"]

# ---------------------------------------------------------------------------------- workers


def _clock():
    return time.perf_counter(), time.process_time()


def _elapsed(t0):
    """(wall seconds, process CPU seconds) since ``t0``. With one thread the CPU time leaves
    out the time the process waited for a core, so it is steadier on a shared machine."""
    wall, cpu = _clock()
    return wall - t0[0], cpu - t0[1]


def _steps(w, n):
    return w["epochs"] * (1 if w["batch"] is None else -(-n // w["batch"]))


def fit_deltaprop(w, X, labels, seed):
    import numpy as np

    import deltaprop as dp

    Y = np.eye(10, dtype=X.dtype)[labels]
    net = dp.Network(w["sizes"], activation="sigmoid", output_activation="softmax", loss="cross_entropy",
                     dtype=X.dtype, seed=seed)
    t0 = _clock()
    if hasattr(dp, "Trainer"):
        full = w["batch"] is None
        dp.Trainer(solver="gd" if full else "sgd", learning_rate=w["lr"], batch_size=w["batch"],
                   epochs=w["epochs"], reduction="mean", shuffle=True, seed=seed).fit(net, X, Y)
    else:  # before the trainer lands: the same loop over the Workspace
        from deltaprop._kernels import Workspace

        B = w["batch"] or len(X)
        ws, rng = Workspace(net, B), np.random.default_rng(seed)
        Xb, Yb = np.empty((B, X.shape[1]), X.dtype), np.empty((B, 10), X.dtype)
        for _ in range(w["epochs"]):
            perm = rng.permutation(len(X))
            for i in range(0, len(X), B):
                idx = perm[i:i + B]
                n = len(idx)
                np.take(X, idx, axis=0, out=Xb[:n], mode="clip")
                np.take(Y, idx, axis=0, out=Yb[:n], mode="clip")
                ws.sgd_step(Xb[:n], Yb[:n], None, w["lr"] / n)
    return _elapsed(t0)


def fit_sklearn(w, X, labels, seed):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=tuple(w["sizes"][1:-1]), activation="logistic", solver="sgd",
                        momentum=0.0, nesterovs_momentum=False, learning_rate="constant",
                        learning_rate_init=w["lr"], batch_size=w["batch"] or len(X), max_iter=w["epochs"],
                        shuffle=True, tol=0.0, n_iter_no_change=10**9, alpha=0.0, random_state=seed)
    t0 = _clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, labels)
    return _elapsed(t0)


def fit_torch(w, X, labels, seed):
    import torch

    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(w["sizes"][:-1], w["sizes"][1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(w["sizes"]) - 2:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)
    opt = torch.optim.SGD(model.parameters(), lr=w["lr"], momentum=0.0)
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy, mean over the batch
    B, N = w["batch"] or len(X), len(X)
    gen = torch.Generator().manual_seed(seed)
    t0 = _clock()
    for _ in range(w["epochs"]):
        perm = torch.randperm(N, generator=gen)
        for i in range(0, N, B):
            idx = perm[i:i + B]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return _elapsed(t0)


FITS = {"deltaprop": fit_deltaprop, "sklearn": fit_sklearn, "torch": fit_torch}


def estimator_params(e, lib, seed, dtype="float32"):
    """The keyword arguments of ``lib``'s MLPClassifier for estimator workload ``e``."""
    kw = dict(hidden_layer_sizes=e["hidden"], activation="logistic", solver=e["solver"], alpha=1e-4,
              max_iter=e["max_iter"], shuffle=True, random_state=seed)
    if e["solver"] != "lbfgs":
        kw.update(batch_size=e["batch"], learning_rate="constant", learning_rate_init=1e-3)
    if e["solver"] == "sgd":
        kw.update(momentum=0.9, nesterovs_momentum=True)
    if lib == "deltaprop":  # scikit-learn's output layer and loss; deltaprop's defaults differ
        kw.update(output_activation="softmax", loss="cross_entropy", dtype=dtype)
    return kw


def fit_estimator(lib, e, X, labels, seed):
    """Time ``MLPClassifier.fit`` of ``lib`` on workload ``e``.

    Returns ``(wall s, CPU s, n_iter_, evaluations)``; evaluations are the objective and
    gradient evaluations L-BFGS made (both libraries call ``scipy.optimize.minimize``, counted
    through a wrapper that reads ``nfev`` after the solver returns), else None.
    """
    import warnings

    import scipy.optimize
    from sklearn.exceptions import ConvergenceWarning

    if lib == "deltaprop":
        from deltaprop import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(**estimator_params(e, lib, seed, X.dtype.name))
    nfev, minimize = [], scipy.optimize.minimize

    def counting_minimize(*args, **kwargs):
        res = minimize(*args, **kwargs)
        nfev.append(int(res.nfev))
        return res

    scipy.optimize.minimize = counting_minimize
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 or 10 stops before convergence
            t0 = _clock()
            clf.fit(X, labels)
            wall, cpu = _elapsed(t0)
    finally:
        scipy.optimize.minimize = minimize
    return wall, cpu, int(clf.n_iter_), (sum(nfev) if nfev else None)


def run_estimators(name, cfg, X, labels, out):
    """Workload ``name`` of ESTIMATOR_WORKLOADS over ``cfg["repeats"]`` rounds into ``out``."""
    import numpy as np

    e = ESTIMATOR_WORKLOADS[name]
    w = WORKLOADS[e["shape"]]
    n = min(cfg["examples"], len(X))
    X, labels = X[:n], labels[:n]
    n_step = e["batch"] or n
    impls = [i for i in ESTIMATOR_IMPLS if i.split("-")[0] in cfg["impls"]]
    if not impls:
        return
    for impl in impls:  # warm-up, not timed
        m = min(n, 4 * (e["batch"] or 1000))
        fit_estimator(impl.split("-")[0], dict(e, max_iter=1), X[:m], labels[:m], seed=0)
    res = {"n_examples": n, "wall": {i: [] for i in impls}, "cpu": {i: [] for i in impls},
           "n_iter": {i: [] for i in impls}, "steps": {i: [] for i in impls}, "gemm": []}
    for r in range(cfg["repeats"]):
        res["gemm"].append(gemm_seconds_per_step(w, n_step, np.dtype("float32"), repeats=2))
        for impl in impls[r % len(impls):] + impls[: r % len(impls)]:
            wall, cpu, n_iter, evaluations = fit_estimator(impl.split("-")[0], e, X, labels, seed=r)
            res["wall"][impl].append(wall)
            res["cpu"][impl].append(cpu)
            res["n_iter"][impl].append(n_iter)
            res["steps"][impl].append(evaluations if e["solver"] == "lbfgs" else n_iter * -(-n // n_step))
    res["gemm_per_step"] = min(g[0] for g in res["gemm"])
    res["gemm_per_step_cpu"] = min(g[1] for g in res["gemm"])
    out["estimators"][name] = res


def gemm_seconds_per_step(w, n, dtype, repeats=5):
    """Best time of exactly the GEMMs one step needs, on the step's shapes, via np.matmul."""
    import numpy as np

    rng = np.random.default_rng(0)
    sizes = w["sizes"]
    U = [rng.random((n, s), dtype=dtype) for s in sizes]
    Ws = [rng.random((b, a), dtype=dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    dW = [np.empty_like(W) for W in Ws]

    def step():
        for t, W in enumerate(Ws):
            np.matmul(U[t], W.T, out=U[t + 1])  # forward: 2 n W_t
        for t in range(len(Ws) - 1, -1, -1):
            np.matmul(U[t + 1].T, U[t], out=dW[t])  # weight gradient: 2 n W_t
            if t > 0:
                np.matmul(U[t + 1], Ws[t], out=U[t])  # input deltas: 2 n W_t (not the first layer)

    step()
    inner = max(1, int(0.2 / max(1e-7, _time(step))))
    return (min(_time(step, inner) for _ in range(repeats)),
            min(_time(step, inner, cpu=True) for _ in range(repeats)))


def _time(f, number=1, cpu=False):
    clock = time.process_time if cpu else time.perf_counter
    start = clock()
    for _ in range(number):
        f()
    return (clock() - start) / number


def gemm_flops(w, n):
    sizes = w["sizes"]
    W = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 2 * n * W + 2 * n * W + 2 * n * (W - sizes[0] * sizes[1])


def run_worker(cfg):
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    sys.path.insert(0, os.path.join(ROOT, "src"))
    sys.path.insert(0, HERE)
    import fashion_mnist

    import scipy.optimize  # noqa: F401  (SciPy's own OpenBLAS, which L-BFGS-B calls, loaded before the limit)

    threads = cfg["threads"]
    threadpool_limits(limits=threads)
    if "torch" in cfg["impls"]:
        import torch

        torch.set_num_threads(threads)
    data = {}
    trainer_level = any(name in WORKLOADS for name in cfg["workloads"])
    for dt in ("float32", "float64") if trainer_level else ("float32",):
        X, labels, source = fashion_mnist.load(dt)
        data[dt] = (X, labels)
    out = {"threads": threads, "data": source, "blas": threadpool_info(), "results": {}, "gemm": {}, "gemm_cpu": {},
           "estimators": {}}
    impls = [i for i in IMPLS if i.split("-")[0] in cfg["impls"]]
    for name in cfg["workloads"]:
        if name in ESTIMATOR_WORKLOADS:
            run_estimators(name, cfg, *data["float32"], out)
            continue
        w = WORKLOADS[name]
        n_examples = min(cfg["w3_examples"] if name == "W3" else 60000, cfg["examples"], len(data["float32"][0]))
        steps = _steps(w, n_examples)
        n_step = w["batch"] or n_examples
        for impl in impls:  # warm-up (JIT caches, first-touch allocations), not timed
            lib, bits = impl.split("-")
            X, labels = data["float32" if bits == "f32" else "float64"]
            m = min(n_examples, 4 * (w["batch"] or 1000))
            FITS[lib](dict(w, epochs=1), X[:m], labels[:m], seed=0)
        gemm = {"float32": [], "float64": []}
        times = {i: [] for i in impls}
        cpu_times = {i: [] for i in impls}
        for r in range(cfg["repeats"]):
            for dt in gemm:  # the GEMM limit is re-measured every round; the best round counts
                gemm[dt].append(gemm_seconds_per_step(w, n_step, np.dtype(dt), repeats=2))
            order = impls[r % len(impls):] + impls[: r % len(impls)]
            for impl in order:
                lib, bits = impl.split("-")
                X, labels = data["float32" if bits == "f32" else "float64"]
                wall, cpu = FITS[lib](w, X[:n_examples], labels[:n_examples], seed=r)
                times[impl].append(wall / steps)
                cpu_times[impl].append(cpu / steps)
        out["gemm"][name] = {dt: min(x[0] for x in v) for dt, v in gemm.items()} | {"flops": gemm_flops(w, n_step)}
        out["gemm_cpu"][name] = {dt: min(x[1] for x in v) for dt, v in gemm.items()}
        out["results"][name] = {"steps": steps, "n_examples": n_examples, "per_step": times,
                                "per_step_cpu": cpu_times}
    return out


def _vm_hwm():
    """Peak resident memory of this process in bytes (``VmHWM``; unlike ``ru_maxrss`` it is not
    inherited from the parent that started this process)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_memory(impl, examples=60000):
    """Peak RSS of one fit of W2 on (the first ``examples`` rows of) the float32 data, in this
    (fresh) process."""
    import numpy as np
    import psutil
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, os.path.join(ROOT, "src"))
    sys.path.insert(0, HERE)
    import fashion_mnist

    import scipy.optimize  # noqa: F401  (loaded before the limit, as in run_worker)

    threadpool_limits(limits=1)
    lib = impl.split("-")[0]
    if lib == "torch":
        import torch

        torch.set_num_threads(1)
    elif lib == "sklearn":
        import sklearn.neural_network  # noqa: F401  (imports outside the measured growth)
    else:
        import deltaprop  # noqa: F401
    np.ones((64, 64)) @ np.ones((64, 64))  # BLAS buffers allocated before the baseline
    X, labels, _ = fashion_mnist.load("float32")
    X, labels = X[:examples], labels[:examples]
    before = psutil.Process().memory_info().rss
    peak_before = _vm_hwm()
    try:  # reset VmHWM to the current RSS (Linux >= 4.0), so the peak is the fit's own
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    FITS[lib](WORKLOADS["W2"], X, labels, seed=0)
    return {"impl": impl, "rss_before_fit": before, "peak_before_fit": peak_before, "peak": _vm_hwm(),
            "data_bytes": X.nbytes + labels.nbytes}


#: (label, N, fan-in a, fan-out b): the GEMMs of one layer of a step, on the workloads' shapes
#: and a sweep of batch sizes between them, for choosing the thread policy's threshold.
SWEEP_SHAPES = [
    ("W1 layer 1", 10, 784, 30), ("W1 layer 2", 10, 30, 10),
    ("784-30, N=100", 100, 784, 30), ("784-30, N=200", 200, 784, 30), ("784-30, N=400", 400, 784, 30),
    ("784-30, N=1000", 1000, 784, 30), ("784-30, N=2000", 2000, 784, 30), ("784-100, N=100", 100, 784, 100),
    ("784-100, N=200", 200, 784, 100), ("784-100, N=400", 400, 784, 100),
    ("784-256, N=10", 10, 784, 256), ("784-256, N=16", 16, 784, 256), ("784-256, N=24", 24, 784, 256),
    ("784-256, N=32", 32, 784, 256), ("784-256, N=64", 64, 784, 256),
    ("W2 layer 1", 128, 784, 256), ("W2a layer 1", 200, 784, 256), ("784-256, N=512", 512, 784, 256),
    ("W3 layer 1", 256, 784, 1024), ("W3 layer 2", 256, 1024, 1024),
    ("784-100, N=1000", 1000, 784, 100), ("784-100, N=6000", 6000, 784, 100),
]


def thread_sweep(rounds=7, threads=(1, 2), target_s=0.01, max_flops=None):
    """Time one layer's three GEMMs of a step (forward ``U W^T``, weight gradient ``G^T U``,
    input deltas ``G W``: ``6 N a b`` flops) with each thread count, float32, via NumPy's matmul.

    The thread counts alternate within each round, so a burst of load on a shared machine
    hits both; shapes of more than ``max_flops`` flops per GEMM are left out. Returns
    ``{label: {"flops_per_gemm": 2Nab, "inner": calls per timing, t: [seconds per triple]}}``.
    """
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    out = {}
    for label, n, a, b in SWEEP_SHAPES:
        if max_flops is not None and 2 * n * a * b > max_flops:
            continue
        U, W = rng.random((n, a), dtype=np.float32), rng.random((b, a), dtype=np.float32)
        G, O = rng.random((n, b), dtype=np.float32), np.empty((n, b), np.float32)
        dW, dU = np.empty((b, a), np.float32), np.empty((n, a), np.float32)

        def triple():
            np.matmul(U, W.T, out=O)
            np.matmul(G.T, U, out=dW)
            np.matmul(G, W, out=dU)

        with threadpool_limits(limits=1, user_api="blas"):
            triple()
            inner = max(1, int(target_s / max(1e-7, _time(triple))))
        res = {"flops_per_gemm": 2 * n * a * b, "inner": inner}
        for t in threads:
            res[t] = []
        for _ in range(rounds):
            for t in threads:
                with threadpool_limits(limits=t, user_api="blas"):
                    triple()
                    res[t].append(_time(triple, inner))
        out[label] = res
    return out


def sweep_report(sweep, threads):
    """The Markdown table of :func:`thread_sweep`: medians and minima, speed-ups over 1 thread."""
    lines = ["| GEMMs | flops per GEMM | " + " | ".join(f"{t} thr. us (median / min)" for t in threads)
             + " | " + " | ".join(f"speed-up {t} thr. (median / min)" for t in threads[1:]) + " |",
             "|---|---:|" + "---:|" * (2 * len(threads) - 1)]
    for label, res in sweep.items():
        med = {t: statistics.median(res[t]) for t in threads}
        low = {t: min(res[t]) for t in threads}
        lines.append(f"| {label} | {res['flops_per_gemm']:,} | "
                     + " | ".join(f"{_us(med[t])} / {_us(low[t])}" for t in threads) + " | "
                     + " | ".join(f"{med[1] / med[t]:.2f}x / {low[1] / low[t]:.2f}x" for t in threads[1:]) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- driver


def _env_for(mode, set_values):
    env = dict(os.environ)
    for v in OPENBLAS_VARS:
        env.pop(v, None)
    if mode == "set":
        env.update(set_values)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def _subprocess_json(args, env):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        path = fh.name
    try:
        subprocess.run([sys.executable, os.path.abspath(__file__), *args, "--json", path], env=env, check=True)
        with open(path) as fh:
            return json.load(fh)
    finally:
        os.unlink(path)


def versions():
    out = {"python": platform.python_version()}
    import importlib

    for mod in ("numpy", "scipy", "sklearn", "torch", "numba", "threadpoolctl"):
        try:
            out[mod] = importlib.import_module(mod).__version__
        except ImportError:
            out[mod] = "not installed"
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import deltaprop

    out["deltaprop"] = deltaprop.__version__
    out["deltaprop Trainer"] = "yes" if hasattr(deltaprop, "Trainer") else "no (Workspace loop)"
    return out


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform(), "load_at_start": load}


def _med(xs):
    return statistics.median(xs)


def _us(x):
    return f"{x * 1e6:,.0f}" if x >= 1e-4 else f"{x * 1e6:.1f}"


TARGETS = {  # (max us per step, min % of GEMM, min x sklearn f32, min x torch)
    "W1": dict(us=20, sk=5.0, torch=5.0),
    "W2": dict(pct=80, sk=1.7, torch=2.3),
    "W3": dict(pct=90, sk=1.4, torch=2.2),
    "W4": dict(pct=75, sk=1.35),
}


def _tables(run, runs, key, gemm_key):
    """The float32 and float64 tables of one configuration, from medians of ``run[...][key]``."""
    lines = ["| workload | deltaprop f32 us/step | sklearn f32 | torch f32 | sklearn/deltaprop | torch/deltaprop "
             "| sgemm limit us/step | deltaprop % of limit | sklearn % | torch % | targets |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    mode = run["openblas"]["mode"]
    one_thread = next((r for r in runs if r["threads"] == 1 and r["openblas"]["mode"] == mode), None)

    def cell(x):
        return _us(x) if x else "-"

    def ratio(a, b):
        return f"{a / b:.2f}x" if a and b else "-"

    for name, res in run["results"].items():
        ps = {k: _med(v) for k, v in res[key].items()}
        g = run[gemm_key][name]["float32"]
        dp32, sk32, th = ps.get("deltaprop-f32"), ps.get("sklearn-f32"), ps.get("torch-f32")
        verdict, tg = [], TARGETS[name]

        def judge(ok, text):
            verdict.append(("met " if ok else "NOT met ") + text)

        if dp32:
            if "us" in tg:
                judge(dp32 * 1e6 <= tg["us"], f"<= {tg['us']} us")
            if "pct" in tg:
                judge(g / dp32 * 100 >= tg["pct"], f">= {tg['pct']}% of sgemm")
            if sk32:
                judge(sk32 / dp32 >= tg["sk"], f">= {tg['sk']}x sklearn")
            if th and "torch" in tg:
                judge(th / dp32 >= tg["torch"], f">= {tg['torch']}x torch")
            if name == "W3" and run["threads"] == 2 and one_thread and name in one_thread["results"]:
                t1 = _med(one_thread["results"][name][key]["deltaprop-f32"])
                judge(t1 / dp32 >= 1.75, f"2 threads {t1 / dp32:.2f}x 1 thread (>= 1.75x)")

        def pct(x):
            return f"{g / x * 100:.0f}%" if x else "-"

        w = WORKLOADS[name]
        lines.append(f"| {name} ({'-'.join(map(str, w['sizes']))}, "
                     f"{'batch ' + str(w['batch']) if w['batch'] else 'full batch'}, {res['steps']} steps) | "
                     f"{cell(dp32)} | {cell(sk32)} | {cell(th)} | {ratio(sk32, dp32)} | {ratio(th, dp32)} | "
                     f"{_us(g)} | {pct(dp32)} | {pct(sk32)} | {pct(th)} | {'; '.join(verdict)} |")
    lines += ["", "| workload | deltaprop f64 us/step | sklearn f64 | sklearn/deltaprop | dgemm limit us/step "
              "| deltaprop % of limit | sklearn % | target 1.5x sklearn |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, res in run["results"].items():
        ps = {k: _med(v) for k, v in res[key].items()}
        g = run[gemm_key][name]["float64"]
        dp64, sk64 = ps.get("deltaprop-f64"), ps.get("sklearn-f64")
        if not dp64:
            continue
        r = sk64 / dp64 if sk64 else None
        lines.append(f"| {name} | {_us(dp64)} | {cell(sk64)} | {ratio(sk64, dp64)} | {_us(g)} | "
                     f"{g / dp64 * 100:.0f}% | {f'{g / sk64 * 100:.0f}%' if sk64 else '-'} | "
                     f"{('met' if r >= 1.5 else 'NOT met') if r else '-'} |")
    return lines + [""]


def _estimator_tables(run):
    """Issue 15's table for one configuration: ``fit`` times through the two estimators."""
    lines = ["Through the estimators (`MLPClassifier.fit`, float32; medians; the fit's wall-clock time, "
             "and the sgemm limit of the fit: the GEMMs of one step alone times the steps the fit took, "
             "an L-BFGS step being one evaluation of the objective and gradient):", "",
             "| workload | sklearn fit s | deltaprop fit s | sklearn/deltaprop | target | issue 15 (sklearn, "
             "deltaprop, ratio) | steps sklearn / deltaprop | sgemm limit us/step | deltaprop % of limit "
             "| sklearn % | CPU s sklearn / deltaprop (ratio) |", "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|"]
    for name, res in run["estimators"].items():
        e = ESTIMATOR_WORKLOADS[name]
        med = {k: _med(v) for k, v in res["wall"].items()}
        # None: an L-BFGS fit that did not go through scipy.optimize.minimize (steps not counted)
        steps = {k: _med(v) for k, v in res["steps"].items() if None not in v}
        dp, sk = med.get("deltaprop-f32"), med.get("sklearn-f32")
        cpu = {k: _med(v) for k, v in res["cpu"].items()}
        cpu_text = " / ".join(f"{cpu[k]:.3f}" for k in ESTIMATOR_IMPLS[::-1] if k in cpu)
        if dp and sk:
            cpu_text += f" ({cpu['sklearn-f32'] / cpu['deltaprop-f32']:.2f}x)"
        g = res["gemm_per_step"]

        def pct(impl):
            return f"{g * steps[impl] / med[impl] * 100:.0f}%" if impl in med and impl in steps else "-"

        ratio = sk / dp if dp and sk else None
        sizes = "-".join(map(str, [784, *e["hidden"], 10]))
        setting = (f"batch {e['batch']}, {e['solver']}{', momentum 0.9 Nesterov' if e['solver'] == 'sgd' else ''}, "
                   f"{e['max_iter']} epoch" if e["batch"] else f"full batch lbfgs, {e['max_iter']} iterations")
        lines.append(
            f"| {name} {sizes}, {setting}, {res['n_examples']} examples | "
            f"{f'{sk:.3f}' if sk else '-'} | {f'{dp:.3f}' if dp else '-'} | "
            f"{f'{ratio:.2f}x' if ratio else '-'} | "
            f"{('met' if ratio >= e['target'] else 'NOT met') if ratio else '-'} >= {e['target']}x | "
            f"{e['issue'][0]} s, {e['issue'][1]} s, {e['issue'][0] / e['issue'][1]:.2f}x | "
            f"{' / '.join(f'{steps[k]:g}' for k in ESTIMATOR_IMPLS[::-1] if k in steps)} | {_us(g)} | "
            f"{pct('deltaprop-f32')} | {pct('sklearn-f32')} | "
            f"{cpu_text} |")
    lines += ["", "Spread of the fit times (min-max s over the rounds): " + "; ".join(
        f"{name} " + ", ".join(f"{k} {min(v):.3f}-{max(v):.3f}" for k, v in res["wall"].items())
        for name, res in run["estimators"].items()), ""]
    return lines


def report(runs, mem, meta, args):
    m = meta["machine"]
    lines = [f"# deltaprop benchmark report, {meta['date']}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['os']}; load average at start "
             f"{', '.join(f'{x:.2f}' for x in m['load_at_start'])} (with more than {m['cores']} the machine "
             "was shared with other work while measuring).", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()), "",
             f"Command: `{meta['command']}`", "",
             f"Data: {runs[0]['data']}; {args.repeats} rounds per configuration, implementations alternating; "
             "medians of the time per step (one fit's time / its steps; a fit includes each library's own "
             "setup, and deltaprop's and PyTorch's include the per-epoch shuffle). \"% of limit\" is the time the "
             "same GEMMs take alone through NumPy's matmul divided by the time per step.", ""]
    for run in runs:
        ob = run["openblas"]
        values = f" ({', '.join(f'{k}={v}' for k, v in ob['values'].items())})" if ob["mode"] == "set" else ""
        lines += [f"## {run['threads']} thread(s), OPENBLAS variables {ob['mode']}{values}", ""]
        kernels = sorted({f"{b['internal_api']} {b.get('version')} {b.get('architecture')} ({b['prefix']})"
                          for b in run["blas"] if b["user_api"] == "blas"})
        lines += ["BLAS: " + "; ".join(kernels), ""]
        if run.get("estimators"):
            lines += _estimator_tables(run)
        if not run["results"]:
            continue
        lines += ["Trainer level, wall-clock time:", ""]
        lines += _tables(run, runs, "per_step", "gemm")
        if run["threads"] == 1:
            lines += ["Process CPU time (one thread: leaves out time spent waiting for a core; steadier "
                      "under load):", ""]
            lines += _tables(run, runs, "per_step_cpu", "gemm_cpu")
        lines += ["GEMM rate on these shapes (wall): " + ", ".join(
            f"{name} sgemm {run['gemm'][name]['flops'] / run['gemm'][name]['float32'] / 1e9:.0f} / dgemm "
            f"{run['gemm'][name]['flops'] / run['gemm'][name]['float64'] / 1e9:.0f} GFLOP/s"
            for name in run["results"]), ""]
        lines += ["Spread of the wall times (min-max us/step over the rounds): " + "; ".join(
            f"{name} " + ", ".join(f"{k} {_us(min(v))}-{_us(max(v))}" for k, v in res["per_step"].items())
            for name, res in run["results"].items()), ""]
    if mem:
        mb = 1 / 2**20
        lines += ["## Peak resident memory, W2 on the float32 data (1 epoch, a fresh process each)", "",
                  "| implementation | data X + labels (MB) | RSS before fit (MB) | peak RSS during the fit (MB) "
                  "| growth: peak - RSS before fit (MB) |", "|---|---:|---:|---:|---:|"]
        for r in mem:
            lines.append(f"| {r['impl']} | {r['data_bytes'] * mb:.0f} | {r['rss_before_fit'] * mb:.0f} | "
                         f"{r['peak'] * mb:.0f} | {(r['peak'] - r['rss_before_fit']) * mb:.0f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--openblas", nargs="+", choices=["unset", "set"], default=["unset", "set"],
                   help="run with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset, and/or set")
    p.add_argument("--openblas-values", default=None,
                   help="values for 'set', e.g. OPENBLAS_CORETYPE=Haswell,OPENBLAS_L2_SIZE=1048576 "
                        "(default: this environment's own values, else those)")
    p.add_argument("--workloads", nargs="+", default=[*WORKLOADS, *ESTIMATOR_WORKLOADS],
                   choices=[*WORKLOADS, *ESTIMATOR_WORKLOADS],
                   help="trainer-level W1-W4 and issue 15's estimator workloads E1, E2, E2a, E4 (default: all)")
    p.add_argument("--impls", nargs="+", default=["deltaprop", "sklearn", "torch"], choices=list(FITS))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--w3-examples", type=int, default=20480, help="W3 trains on this many examples (1 epoch)")
    p.add_argument("--examples", type=int, default=60000,
                   help="use only the first this many examples everywhere (a quick smoke run; default all 60000)")
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--out", default=None, help="Markdown report path (default: print)")
    p.add_argument("--thread-sweep", action="store_true",
                   help="only time one layer's GEMMs with each of --threads (1 first) on the workloads' shapes "
                        "and a sweep of batch sizes, in this process, and print a table (the thread policy's "
                        "measurements; set the OPENBLAS variables in the command)")
    p.add_argument("--sweep-max-flops", type=float, default=None,
                   help="--thread-sweep: leave out shapes of more flops per GEMM (more rounds of the small ones)")
    p.add_argument("--sweep-seconds", type=float, default=0.01,
                   help="--thread-sweep: each timing repeats the GEMMs for about this long (one thread)")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--memory", default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.thread_sweep:
        if args.threads[0] != 1:
            p.error("--thread-sweep compares with one thread: give --threads 1 ...")
        import numpy  # noqa: F401  (loads the BLAS that threadpool_info reports)
        from threadpoolctl import threadpool_info

        kernels = sorted({f"{b['internal_api']} {b.get('version')} {b.get('architecture')}"
                          for b in threadpool_info() if b["user_api"] == "blas"})
        print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}; BLAS: "
              f"{'; '.join(kernels)}; OPENBLAS variables: "
              f"{ {v: os.environ.get(v) for v in OPENBLAS_VARS} }; {args.repeats} rounds\n")
        sweep = thread_sweep(rounds=args.repeats, threads=tuple(args.threads), target_s=args.sweep_seconds,
                             max_flops=args.sweep_max_flops)
        print(sweep_report(sweep, tuple(args.threads)))
        return 0

    if args.worker or args.memory:
        result = run_worker(json.loads(args.worker)) if args.worker else run_memory(args.memory, args.examples)
        with open(args.json, "w") as fh:
            json.dump(result, fh)
        return 0

    if args.openblas_values:
        set_values = dict(kv.split("=", 1) for kv in args.openblas_values.split(","))
    else:
        set_values = {v: os.environ[v] for v in OPENBLAS_VARS if v in os.environ} or dict(OPENBLAS_SET_DEFAULT)
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "versions": versions(), "command": "python " + " ".join(sys.argv),
            "environment_openblas": {v: os.environ.get(v) for v in OPENBLAS_VARS}}
    runs = []
    for mode in args.openblas:
        for threads in args.threads:
            cfg = {"threads": threads, "workloads": args.workloads, "impls": args.impls,
                   "repeats": args.repeats, "w3_examples": args.w3_examples, "examples": args.examples}
            print(f"running: {threads} thread(s), OPENBLAS variables {mode}", file=sys.stderr, flush=True)
            res = _subprocess_json(["--worker", json.dumps(cfg)], _env_for(mode, set_values))
            res["openblas"] = {"mode": mode, "values": set_values if mode == "set" else {}}
            runs.append(res)
    mem = []
    if not args.no_memory:
        for impl in ("deltaprop-f32", "sklearn-f32", "torch-f32"):
            if impl.split("-")[0] in args.impls:
                print(f"memory: {impl}", file=sys.stderr, flush=True)
                mem.append(_subprocess_json(["--memory", impl, "--examples", str(args.examples)],
                                            _env_for(args.openblas[0], set_values)))
    text = report(runs, mem, meta, args)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        tmp = args.out + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, args.out)
        json_path = os.path.splitext(args.out)[0] + ".json"
        with open(json_path + ".tmp", "w") as fh:
            json.dump({"meta": meta, "runs": runs, "memory": mem}, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(json_path + ".tmp", json_path)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
