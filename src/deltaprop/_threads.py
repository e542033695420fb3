"""How many BLAS threads a fit uses: chosen from the size of its matrix products.

A step's time is its GEMMs (``np.matmul``, run by NumPy's BLAS) plus single-threaded
elementwise work. A BLAS thread pays only when a GEMM is large enough to split: on a tiny
layer the extra threads cost more to wake and join than they save, and on a busy machine a
woken thread that waits for a core stalls the whole product (the quick start of issue 13 took
0.1 s with one BLAS thread and, from run to run, up to 7-10 s with two on a loaded 2-core
machine). So the policy is

    threads = clip(floor(F / MIN_FLOPS_PER_THREAD), 1, cap)

where ``F = 2 N max_t(n_t n_{t+1})`` is the flop count of the step's largest GEMM (batch of
``N`` examples, layer ``t`` of fan-in ``n_t`` and fan-out ``n_{t+1}``), so every thread gets at
least ``MIN_FLOPS_PER_THREAD`` flops of each large product, and ``cap`` is the smaller of the
cores this process may run on (``os.sched_getaffinity``) and the BLAS's current limit (so an
``OPENBLAS_NUM_THREADS=1`` or an enclosing ``threadpoolctl.threadpool_limits`` of the user
is never raised). An explicit ``threads=`` overrides the policy.

Entry point: :func:`blas_threads`, a context manager around a fit::

    with blas_threads(net.sizes, batch_size, threads=None) as n:
        ...  # every np.matmul here runs on at most n BLAS threads

It sets the limit through threadpoolctl (``user_api="blas"``) and restores the previous
limits on exit, also when the body raises. Elementwise NumPy work is single-threaded either
way.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

from .errors import InputError, InputTypeError

__all__ = ["MIN_FLOPS_PER_THREAD", "available_cores", "largest_gemm_flops", "choose_threads", "blas_threads"]

#: The fewest flops of one GEMM each BLAS thread should get: 2 threads from 20 MFLOP per GEMM.
#: Measured 2026-11-29 09:07 UTC (benchmarks/README.md, "The thread policy", has the table
#: and the command): float32 NumPy matmul, OpenBLAS 0.3.31 (SkylakeX kernel), AMD EPYC, 2 cores under
#: a load average of 12, a layer's three GEMMs, 1 and 2 threads alternating, best of 41 rounds
#: (the rounds least disturbed by the load), speed-up of 2 threads over 1:
#:   MFLOP per GEMM  0.5 (W1)  4.7    9.4    15.7   18.8   25.7   31.4   47     51 (W2)  80 (W2a)
#:   fan-in-out      784-30    784-30 784-30 784-100 784-30 784-256 784-100 784-30 784-256 784-256
#:   2 threads       1.00x     0.65x  0.80x  0.95x  1.30x  1.17x  1.34x  1.64x  1.85x    1.94x
#: Every shape of 20 MFLOP or more gained from the second thread; every one that lost was
#: below (784-256 layers gained from 4 MFLOP: 1.19-1.67x at batches 10-32, given up here for a
#: rule that lost nowhere). The medians mostly measure the load: with 2 threads they were
#: 0.01-0.7x at 12 of the 17 sizes; the policy cannot see the load, ``threads=1`` is the
#: remedy there.
MIN_FLOPS_PER_THREAD = 10_000_000

_controller: ThreadpoolController | None = None
_modules_seen = -1


def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries, cached.

    Making it scans every loaded shared library (7-10 ms measured here, on a loaded machine);
    :func:`blas_threads` through a cached one costs about 0.02 ms. A BLAS is loaded by
    importing an extension module (NumPy's with ``import numpy``, SciPy's with
    ``scipy.linalg``), so the view is made again whenever ``sys.modules`` has changed size:
    repeated fits reuse it, a newly loaded BLAS is seen.
    """
    global _controller, _modules_seen
    # SciPy's own OpenBLAS is loaded by scipy.linalg (scipy.optimize imports it). L-BFGS-B's
    # setulb calls it, and a limit set before it is loaded does not reach it: left at its
    # default it made 10 L-BFGS iterations on 300 examples take 0.7-2.6 s instead of 0.2 s
    # (2 cores, loaded machine; both libraries alike). So it is loaded before limiting.
    import scipy.linalg  # noqa: F401

    if _controller is None or len(sys.modules) != _modules_seen:
        _controller = ThreadpoolController().select(user_api="blas")
        _modules_seen = len(sys.modules)
    return _controller


def available_cores() -> int:
    """The number of CPU cores this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


def largest_gemm_flops(sizes: Sequence[int], batch_size: int) -> int:
    """Flops ``2 N max_t(n_t n_{t+1})`` of the largest GEMM in one step of a network.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first (``Network.sizes``), at least two.
    batch_size : int
        Examples per step ``N`` (the whole training set for full-batch solvers).

    Returns
    -------
    int
        The multiply-adds of the forward product ``U W^T`` of the widest layer, times 2; the
        weight-gradient and input-delta products of that layer have the same count.

    Raises
    ------
    InputError
        Fewer than two sizes, or a size or ``batch_size`` below 1.

    Examples
    --------
    >>> largest_gemm_flops([784, 30, 10], 10)
    470400
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise InputError(f"sizes needs at least an input and an output layer, got {sizes}")
    for name, value in [("batch_size", batch_size), *(("sizes", s) for s in sizes)]:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise InputError(f"{name} must hold positive integers, got {value!r}")
    return 2 * int(batch_size) * max(int(a) * int(b) for a, b in zip(sizes[:-1], sizes[1:]))


def _current_blas_limit() -> int | None:
    """The smallest thread count any loaded BLAS is set to now, or None if none was found.

    The smallest, not the largest: a user's ``threadpool_limits(1)`` made before SciPy's own
    BLAS was loaded (by :func:`_blas_controller`) leaves that one at its default, and the
    largest count would then raise the user's limit on NumPy's BLAS (measured: a 1-thread
    benchmark ran deltaprop's fits on 2 threads).
    """
    counts = [lib.num_threads for lib in _blas_controller().lib_controllers]
    return min(counts) if counts else None


def _check_threads(threads) -> int:
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise InputTypeError(f"threads must be None (chosen from the layer sizes) or an int >= 1, got {threads!r}")
    if threads < 1:
        raise InputError(f"threads must be None (chosen from the layer sizes) or an int >= 1, got {threads}")
    return int(threads)


def choose_threads(sizes: Sequence[int], batch_size: int, *, threads: int | None = None,
                   cap: int | None = None) -> int:
    """The number of BLAS threads for a step of this shape (the module docstring's rule).

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first.
    batch_size : int
        Examples per step (the whole training set for full-batch solvers).
    threads : int or None, default None
        An explicit count, returned as given (it may exceed the cores; the user asked for it).
        None applies the policy.
    cap : int or None, default None
        The most threads the policy may choose; None means the smaller of
        :func:`available_cores` and the loaded BLAS's current limit.

    Returns
    -------
    int
        ``threads`` if given, else ``clip(largest_gemm_flops // MIN_FLOPS_PER_THREAD, 1, cap)``.

    Raises
    ------
    InputError
        ``threads`` or ``cap`` below 1, or bad sizes (see :func:`largest_gemm_flops`).
    InputTypeError
        ``threads`` neither None nor an int.

    Examples
    --------
    >>> choose_threads([784, 30, 10], 10, cap=16)   # 0.5 MFLOP per GEMM: one thread
    1
    >>> choose_threads([784, 30, 10], 10, threads=4)
    4
    """
    flops = largest_gemm_flops(sizes, batch_size)
    if threads is not None:
        return _check_threads(threads)
    if cap is None:
        blas = _current_blas_limit()
        cap = available_cores() if blas is None else min(available_cores(), blas)
    elif isinstance(cap, bool) or not isinstance(cap, numbers.Integral) or cap < 1:
        raise InputError(f"cap must be an int >= 1, got {cap!r}")
    return int(max(1, min(cap, flops // MIN_FLOPS_PER_THREAD)))


@contextmanager
def blas_threads(sizes: Sequence[int], batch_size: int, *, threads: int | None = None) -> Iterator[int]:
    """Run the body with the BLAS limited to :func:`choose_threads` threads; restore on exit.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first (``Network.sizes``).
    batch_size : int
        Examples per step (the whole training set for full-batch solvers).
    threads : int or None, default None
        An explicit count (the CLI's ``--threads``); None chooses from the sizes.

    Yields
    ------
    int
        The thread count in force inside the body.

    Raises
    ------
    InputError, InputTypeError
        As :func:`choose_threads`; raised before any limit changes.

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads([784, 30, 10], 10) as n:
    ...     _ = np.ones((10, 784)) @ np.ones((784, 30))
    >>> n
    1
    """
    n = choose_threads(sizes, batch_size, threads=threads)
    with _blas_controller().limit(limits=n, user_api="blas"):
        yield n
