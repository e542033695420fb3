"""Per-iteration time of a full-batch gradient: in memory vs on a local Dask cluster.

One iteration is what every full-batch solver does per epoch: ``J`` and the gradient summed
over all N examples. "local" is ``Network.loss_and_gradient`` on NumPy arrays in this
process with BLAS limited to one thread, like each worker; "dask" is :class:`deltaprop.dask.DaskData` on a ``LocalCluster`` of worker
processes (data generated and persisted on the workers), for several chunk counts. The
overhead column is the Dask time minus the busiest worker's compute (the per-chunk step timed
inside the worker, summed over its chunks), i.e. what Dask itself costs per iteration:
scheduling, messages, the reduction and shipping the weights.

Run from the repository root::

    PYTHONPATH=src python benchmarks/dask_overhead.py --workers 2 --out benchmarks/dask.md

The machine's other load adds noise; the fastest of ``--repeat`` iterations is reported. The
smallest size has almost no compute, so its Dask time is the overhead itself.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time


def _best_time(fn, repeat: int) -> float:
    """The fastest of ``repeat`` runs after a warm-up: on a shared machine other processes only
    ever add time, so the minimum is the steadiest estimate of the cost (timeit's advice)."""
    fn()  # warm-up: first-touch, graph caches, worker imports
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _one_thread():
    """Limit BLAS to one thread (threadpoolctl, extra "bench"), or do nothing without it."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1)


def _timed_chunk(net, X, Y, sw):
    """The per-chunk step on a worker, timed there: (worker address, seconds)."""
    from distributed import get_worker

    from deltaprop.chunked import chunk_sums

    t = time.perf_counter()
    chunk_sums(net, X, Y, sw)
    return get_worker().address, time.perf_counter() - t


def _busiest_worker_compute(client, data, net, repeat: int) -> float:
    """The busiest worker's compute time per iteration (no Dask overhead), best of ``repeat``."""
    per_iteration = []
    for _ in range(repeat):
        done = client.gather([client.submit(_timed_chunk, net, *part, pure=False) for part in data._parts])
        busy = {}
        for address, seconds in done:
            busy[address] = busy.get(address, 0.0) + seconds
        per_iteration.append(max(busy.values()))
    return min(per_iteration)


def run(sizes, chunk_counts, n_workers: int, repeat: int, layers) -> list[dict]:
    import dask.array as da
    import distributed

    import deltaprop as dp
    from deltaprop.dask import DaskData

    rows = []
    with distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        net = dp.Network(layers, activation="tanh", seed=0)
        d, k = layers[0], layers[-1]
        for n in sizes:
            g = da.random.default_rng(0)
            X = g.normal(size=(n, d), chunks=(n, d))
            Y = g.uniform(size=(n, k), chunks=(n, k))
            Xl, Yl = client.compute([X, Y], sync=True)
            with _one_thread():  # like each worker: one process, one thread
                local = _best_time(lambda: net.loss_and_gradient(Xl, Yl), repeat)
            for c in chunk_counts:
                rows_per_chunk = -(-n // c)
                data = DaskData(X.rechunk((rows_per_chunk, d)), Y.rechunk((rows_per_chunk, k)), client=client)
                t = _best_time(lambda: data.loss_and_gradient(net), repeat)
                compute = _busiest_worker_compute(client, data, net, repeat)
                data.close()
                rows.append(
                    dict(n=n, chunks=c, local_ms=1e3 * local, dask_ms=1e3 * t, compute_ms=1e3 * compute,
                         overhead_ms=1e3 * (t - compute), speedup=local / t)
                )
            del Xl, Yl
    return rows


def to_markdown(rows, args) -> str:
    lines = [
        f"Network {args.layers} (tanh hidden, sigmoid outputs, squared error), float64; "
        f"LocalCluster: {args.workers} worker processes x 1 thread on {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}); fastest of {args.repeat} iterations. "
        f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        "| N | chunks | local ms/iter | Dask ms/iter | busiest worker's compute ms | Dask overhead ms | local / Dask |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['chunks']} | {r['local_ms']:.1f} | {r['dask_ms']:.1f} | {r['compute_ms']:.1f} | "
            f"{r['overhead_ms']:.1f} | {r['speedup']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".md")
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 20_000, 200_000])
    parser.add_argument("--chunks", type=int, nargs="+", default=[2, 4, 16])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--layers", type=int, nargs="+", default=[32, 64, 4])
    parser.add_argument("--out", help="write the Markdown table here (atomically) as well as to stdout")
    args = parser.parse_args(argv)
    text = to_markdown(run(args.sizes, args.chunks, args.workers, args.repeat, args.layers), args)
    print(text, end="")
    if args.out:
        _write_atomic(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
