"""Sizes refused up front (issue 14, finding 5): estimates, available memory, and the guards under RLIMIT_AS."""

import subprocess
import sys
import textwrap

import pytest

import deltaprop as dp
from deltaprop._memory import (
    BATCH_COPIES,
    PARAMETER_COPIES,
    available_bytes,
    check_fits,
    check_gradcheck_size,
    format_bytes,
    network_bytes,
)


def test_network_bytes_counts_parameters_copies_and_batch_buffers():
    # [2, 3, 1]: (2 + 1) * 3 + (3 + 1) * 1 = 13 parameters; 6 units.
    expected = 8 * ((PARAMETER_COPIES + 1) * 13 + BATCH_COPIES * 4 * 6)
    assert network_bytes([2, 3, 1], itemsize=8, batch_size=4) == expected
    assert network_bytes([2, 3, 1], itemsize=4, batch_size=4) * 2 == network_bytes([2, 3, 1], itemsize=8, batch_size=4)


def test_huge_sizes_are_estimated_without_overflow():
    assert network_bytes([10, 10**30, 1]) > 10**31


def test_format_bytes_uses_decimal_units():
    assert [format_bytes(n) for n in (512, 1500, 2.5e6, 6.41e12)] == ["512 bytes", "1.5 kB", "2.5 MB", "6.41 TB"]


def test_available_memory_is_known_on_linux_and_positive():
    n = available_bytes()
    assert n is not None and n > 0


def test_check_fits_names_what_needs_the_memory_and_the_fix():
    with pytest.raises(dp.InputError, match=r"^a test needs about 1e\+18 TB of memory but only .* is available; "
                                            r"ask for less$"):
        check_fits(10**30, what="a test", fix="ask for less")


def test_a_network_too_large_for_memory_is_refused_before_allocating():
    with pytest.raises(dp.InputError, match=r"a network with layer_sizes=\[1000000, 100000, 1\] \(100,000,200,001 "
                                            r"parameters, .*\) needs about 6\.41 TB of memory but only .* is "
                                            r"available; use fewer or smaller layers"):
        dp.Network([10**6, 10**5, 1])


def run_limited(code: str, headroom_mb: int) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter whose address space is capped ``headroom_mb`` above its use."""
    script = textwrap.dedent("""
        import resource
        import deltaprop as dp
        used = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + {headroom} * 2**20, resource.RLIM_INFINITY))
    """).format(headroom=headroom_mb) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def test_under_an_address_space_limit_the_limit_is_what_is_available():
    out = run_limited("""
        from deltaprop._memory import available_bytes
        print(available_bytes() // 2**20)
    """, headroom_mb=300)
    assert out.returncode == 0, out.stderr
    assert 200 <= int(out.stdout) <= 300


def test_under_an_address_space_limit_a_network_that_would_not_fit_is_one_input_error():
    # 4 * 3000 * 3000 parameters ~ 36 million: about 2.3 GB with the training copies, over 400 MB.
    out = run_limited("""
        try:
            dp.Network([3000, 3000, 3000, 3000, 3000])
        except dp.InputError as exc:
            print(type(exc).__name__, exc)
    """, headroom_mb=400)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert out.stdout.startswith("InputError a network with layer_sizes=[3000, 3000, 3000, 3000, 3000]")
    assert "use fewer or smaller layers" in out.stdout


def test_the_gradcheck_guard_refuses_a_check_that_would_take_hours_and_passes_small_ones():
    check_gradcheck_size(23, 5, 20)
    n = 400 * 400 * 2 + 5 * 400  # the issue's --layers 400,400,400 on iris-sized data
    with pytest.raises(dp.InputError, match=r"a finite-difference check of --layers 400,400,400 \(322,000 parameters, "
                                            r"150 examples\) needs about .* multiply-adds, more than the 1e\+10 "
                                            r"allowed; check fewer examples, a smaller network, or a sample"):
        check_gradcheck_size(n, 150, n, option="--layers 400,400,400")
