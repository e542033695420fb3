"""The BLAS thread policy (deltaprop._threads): the count chosen from the sizes, the override,
the caps, and the limit restored on exit."""

import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from deltaprop._threads import (
    MIN_FLOPS_PER_THREAD,
    available_cores,
    blas_threads,
    choose_threads,
    largest_gemm_flops,
)
from deltaprop.errors import InputError, InputTypeError

W1 = ([784, 30, 10], 10)  # issue 15's workloads: (sizes, batch)
W3 = ([784, 1024, 1024, 10], 256)
W4 = ([784, 100, 10], 60000)


def blas_limits() -> list[int]:
    """The thread limit of every BLAS threadpoolctl sees loaded, or skip if it sees none."""
    np.ones((2, 2)) @ np.ones((2, 2))
    limits = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    if not limits:
        pytest.skip("threadpoolctl finds no BLAS in this NumPy")
    return limits


def test_largest_gemm_flops_is_twice_batch_times_widest_layer_product():
    assert largest_gemm_flops(*W1) == 2 * 10 * 784 * 30
    assert largest_gemm_flops(*W3) == 2 * 256 * 1024 * 1024  # the 1024-1024 layer, not 784-1024
    assert largest_gemm_flops(np.array([3, 5]), np.int64(7)) == 2 * 7 * 15  # NumPy integers accepted


@pytest.mark.parametrize(
    "sizes, batch",
    [([784], 10), ([], 10), ([784, 0, 10], 10), ([784, 30, 10], 0), ([784, 30, 10], 2.5), ([784, 30.0, 10], 10),
     ([784, 30, 10], True)],
)
def test_largest_gemm_flops_rejects_bad_sizes_and_batch(sizes, batch):
    with pytest.raises(InputError):
        largest_gemm_flops(sizes, batch)


def test_tiny_layers_get_one_thread_even_with_many_cores():
    assert choose_threads(*W1, cap=64) == 1
    assert choose_threads([4, 8, 3], 150, cap=64) == 1  # the iris quick start of issue 13


def test_large_layers_get_every_core_allowed():
    assert choose_threads(*W3, cap=2) == 2
    assert choose_threads(*W4, cap=16) == 16


def test_thread_count_grows_with_the_flops_per_thread_up_to_the_cap():
    # sizes [a, 1] with one example: one GEMM of 2a flops
    assert choose_threads([MIN_FLOPS_PER_THREAD - 1, 1], 1, cap=8) == 1  # 2 threads would get < MIN each
    assert choose_threads([MIN_FLOPS_PER_THREAD, 1], 1, cap=8) == 2
    assert choose_threads([MIN_FLOPS_PER_THREAD, 1], 3, cap=8) == 6
    assert choose_threads([MIN_FLOPS_PER_THREAD, 1], 3, cap=4) == 4


def test_explicit_threads_override_the_policy_in_both_directions():
    assert choose_threads(*W1, threads=4, cap=2) == 4  # the user's count, even above the cap
    assert choose_threads(*W3, threads=1, cap=16) == 1
    assert choose_threads(*W3, threads=np.int64(3)) == 3


@pytest.mark.parametrize("threads", [0, -1])
def test_threads_below_one_are_an_input_error(threads):
    with pytest.raises(InputError, match="threads must be None"):
        choose_threads(*W1, threads=threads)


@pytest.mark.parametrize("threads", [1.5, "2", True])
def test_threads_of_another_type_are_a_type_error(threads):
    with pytest.raises(InputTypeError, match="threads must be None"):
        choose_threads(*W1, threads=threads)


@pytest.mark.parametrize("cap", [0, 1.5, True])
def test_bad_cap_is_an_input_error(cap):
    with pytest.raises(InputError, match="cap"):
        choose_threads(*W3, cap=cap)


def test_default_cap_is_at_most_the_cores_this_process_may_use():
    blas_limits()
    with threadpool_limits(limits=available_cores() + 4, user_api="blas"):
        assert choose_threads(*W4) == min(available_cores(), largest_gemm_flops(*W4) // MIN_FLOPS_PER_THREAD)


def test_default_cap_never_raises_an_enclosing_blas_limit():
    blas_limits()
    with threadpool_limits(limits=1, user_api="blas"):
        assert choose_threads(*W4) == 1
        with blas_threads(*W4) as n:
            assert n == 1
            assert blas_limits() == [1] * len(blas_limits())


def test_blas_threads_sets_the_chosen_limit_inside_and_restores_it_after():
    before = blas_limits()
    with threadpool_limits(limits=2, user_api="blas"):
        with blas_threads(*W1) as n:
            assert n == 1
            assert set(blas_limits()) == {1}
        with blas_threads(*W1, threads=3) as n:
            assert n == 3
            assert set(blas_limits()) == {3}
        assert set(blas_limits()) == {2}
    assert blas_limits() == before


def test_blas_threads_restores_the_previous_limit_after_an_exception():
    blas_limits()
    with threadpool_limits(limits=2, user_api="blas"):
        with pytest.raises(RuntimeError, match="inside the fit"):
            with blas_threads(*W1, threads=1):
                assert set(blas_limits()) == {1}
                raise RuntimeError("inside the fit")
        assert set(blas_limits()) == {2}


def test_blas_threads_rejects_a_bad_override_before_changing_the_limit():
    with threadpool_limits(limits=2, user_api="blas"):
        with pytest.raises(InputError):
            with blas_threads(*W1, threads=0):
                pytest.fail("the body must not run")
        assert set(blas_limits()) == {2}


def test_blas_threads_limits_scipys_own_blas_loaded_later_by_lbfgs():
    # In a fresh process SciPy's OpenBLAS is not loaded yet; L-BFGS-B (scipy.optimize) loads
    # and calls it inside the fit, where a limit set on NumPy's BLAS alone would not reach it.
    code = (
        "import sys\n"
        "from threadpoolctl import threadpool_info\n"
        "from deltaprop._threads import blas_threads\n"
        "assert 'scipy.linalg' not in sys.modules, 'scipy.linalg already loaded: nothing to test'\n"
        "with blas_threads([784, 30, 10], 10, threads=1):\n"
        "    import scipy.optimize\n"
        "    limits = [lib['num_threads'] for lib in threadpool_info() if lib['user_api'] == 'blas']\n"
        "print(len(limits), max(limits))\n"
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")  # a default above 1 on any machine
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    n_blas, most = map(int, done.stdout.split())
    if n_blas < 2:
        pytest.skip("NumPy and SciPy share one BLAS here")
    assert most == 1


def test_a_user_limit_set_before_scipys_blas_is_loaded_is_never_raised():
    # The user limits NumPy's BLAS to one thread before SciPy's own BLAS is loaded; the
    # policy then loads SciPy's (left at its default of 2) and must still choose 1 thread
    # for a step large enough for 2.
    code = (
        "import sys\n"
        "import numpy\n"
        "from threadpoolctl import threadpool_limits\n"
        "assert 'scipy.linalg' not in sys.modules, 'scipy.linalg already loaded: nothing to test'\n"
        "threadpool_limits(1)\n"
        "from deltaprop._threads import blas_threads\n"
        "with blas_threads([784, 1024, 10], 256) as n:\n"
        "    print(n)\n"
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 1
