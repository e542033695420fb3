"""How much memory an operation will need, checked against what the machine can give, up front.

A request that cannot fit (``Network([10**6, 10**5, 1])``, a file that claims a 2 GB array)
is refused with one :class:`~deltaprop.errors.InputError` naming the option and the estimate,
before anything is allocated, instead of growing until the operating system or Python's
``MemoryError`` stops it.

"Available" is the smaller of the kernel's estimate of memory that can be given without
swapping (``MemAvailable`` in ``/proc/meminfo``; ``os.sysconf`` page counts elsewhere) and
the room left under the process's address-space limit (``RLIMIT_AS``, as set by
``ulimit -v``), whichever the platform reports.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import InputError

__all__ = ["available_bytes", "network_bytes", "check_fits", "format_bytes", "check_network_fits",
           "check_gradcheck_size"]

#: Arrays the trainer keeps per parameter besides the parameters themselves: the flat
#: parameter copy, the flat gradient, the best weights and up to three optimizer slots
#: (Adam's m and v, Rprop's step sizes, previous gradients and changes).
PARAMETER_COPIES = 7
#: Activations and deltas kept per unit and example of a batch (o, net, delta, scratch).
BATCH_COPIES = 4
#: The batch size assumed when none is known (the trainer's automatic ``min(200, N)``).
DEFAULT_BATCH = 200


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _sysconf_available() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _address_space_left() -> int | None:
    """Room under ``RLIMIT_AS``: the soft limit minus the process's current virtual size."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmSize:"):
                    used = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - used, 0)


def available_bytes() -> int | None:
    """Bytes this process can still allocate, or None where the platform does not say.

    Examples
    --------
    >>> from deltaprop._memory import available_bytes
    >>> n = available_bytes()
    >>> n is None or n >= 0
    True
    """
    known = [n for n in (_meminfo_available() or _sysconf_available(), _address_space_left()) if n is not None]
    return min(known) if known else None


def format_bytes(n: float) -> str:
    """``n`` bytes as a short human figure: ``'1.5 GB'``, ``'812 kB'``."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def network_bytes(layer_sizes, itemsize: int = 8, batch_size: int = DEFAULT_BATCH) -> int:
    """The bytes that building and training a network of ``layer_sizes`` needs, estimated.

    Parameters: ``sum (n_in + 1) n_out`` numbers, kept :data:`PARAMETER_COPIES` + 1 times
    (the parameters, flat copies, gradient, best weights, optimizer state); batch buffers:
    :data:`BATCH_COPIES` arrays of ``batch_size x units`` for every layer. Python integers,
    so a huge size cannot overflow.

    Examples
    --------
    >>> from deltaprop._memory import network_bytes
    >>> network_bytes([2, 3, 1], itemsize=8, batch_size=4)
    1056
    """
    sizes = [int(n) for n in layer_sizes]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    n_units = sum(sizes)
    return itemsize * ((PARAMETER_COPIES + 1) * n_params + BATCH_COPIES * batch_size * n_units)


def check_fits(n_bytes: int, *, what: str, fix: str) -> None:
    """Refuse, with an InputError naming ``what`` and the estimate, when ``n_bytes`` cannot fit.

    Parameters
    ----------
    n_bytes : int
        The estimate.
    what : str
        What needs it, naming the option (``"layer_sizes=[1000000, 100000, 1]"``).
    fix : str
        What the user can do instead.

    Raises
    ------
    InputError
        ``n_bytes`` exceeds :func:`available_bytes` (never raised where that is unknown).

    Examples
    --------
    >>> from deltaprop._memory import check_fits
    >>> check_fits(1000, what="a small example", fix="ask for less")  # fits: returns None
    """
    available = available_bytes()
    if available is not None and n_bytes > available:
        raise InputError(f"{what} needs about {format_bytes(n_bytes)} of memory but only "
                         f"{format_bytes(available)} is available; {fix}")


def check_network_fits(layer_sizes, dtype="float64", *, option: str = "layer_sizes", shown: str | None = None) -> None:
    """Refuse a network whose training would not fit in memory, before anything is allocated.

    Called first thing by :class:`~deltaprop.Network`; sizes that are not a list of
    positive integers are left for the network's own checks to report.

    ``shown``, when given, is how the option was written (e.g. ``"100000,100000"`` for the
    CLI's ``--hidden``, checked before the data gives the input and output sizes: the count
    is then a lower bound).

    Raises
    ------
    InputError
        Naming ``option``, the sizes and the estimate of :func:`network_bytes`.

    Examples
    --------
    >>> from deltaprop._memory import check_network_fits
    >>> check_network_fits([4, 8, 3])  # fits: returns None
    """
    try:
        sizes = [int(n) for n in layer_sizes]
        itemsize = np.dtype(dtype).itemsize
    except (TypeError, ValueError, OverflowError):
        return
    if len(sizes) < 2 or min(sizes) < 1 or sizes != list(layer_sizes):
        return
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if shown is not None:
        described = f"{option} {shown} (at least {n_params:,} parameters"
    else:
        listed = str(sizes) if len(sizes) <= 8 else f"[{sizes[0]}, ..., {sizes[-1]}] ({len(sizes)} layers)"
        described = f"{option}={listed} ({n_params:,} parameters"
    check_fits(network_bytes(sizes, itemsize),
               what=f"a network with {described}, kept with its gradient, optimizer state and batch buffers)",
               fix="use fewer or smaller layers")


#: The most loss evaluations a full finite-difference check may cost before it is refused:
#: two per parameter, each a forward pass over every example.
MAX_GRADCHECK_WORK = 10**10


def check_gradcheck_size(n_parameters: int, n_examples: int, work_per_example: int, *,
                         option: str = "the network") -> None:
    """Refuse a finite-difference check that would run for hours (gradcheck.py calls this).

    A full check evaluates the loss twice per parameter; each evaluation costs about
    ``work_per_example`` multiply-adds per example (the number of weights), so the whole
    check costs ``2 * n_parameters * n_examples * work_per_example``. A 400-400-400 network
    on 150 examples is 2 * 3.2e5 * 150 * 3.2e5, about 3e13: hours.

    Raises
    ------
    InputError
        Naming ``option`` and the estimate, with the fix (fewer examples, a smaller network,
        or checking a sample of the parameters).

    Examples
    --------
    >>> from deltaprop._memory import check_gradcheck_size
    >>> check_gradcheck_size(23, 5, 20)  # tiny: returns None
    """
    work = 2 * int(n_parameters) * int(n_examples) * int(work_per_example)
    if work > MAX_GRADCHECK_WORK:
        raise InputError(f"a finite-difference check of {option} ({n_parameters:,} parameters, {n_examples} "
                         f"examples) needs about {work:.2g} multiply-adds, more than the {MAX_GRADCHECK_WORK:.0g} "
                         "allowed; check fewer examples, a smaller network, or a sample of the parameters")
