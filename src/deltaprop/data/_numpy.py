"""NumPy files: ``.npy`` arrays and ``.npz`` archives, never unpickled."""

from __future__ import annotations

import numpy as np

from .._files import fspath, open_for_reading
from .._memory import check_fits, format_bytes
from ..errors import DataFileError, InputError, InputTypeError
from ._csv import _target_index
from ._dataset import Dataset, _out_of_memory_is_one_error, _pixel_names

@_out_of_memory_is_one_error
def read_npy(path, target: int | None = None) -> Dataset:
    """Read a ``.npy`` array of examples; ``target`` is the index of the target column, if any.

    A 3-D or higher array (a stack of images) is flattened to one row per example. The
    array is never unpickled, and its header's shape is checked against the file size
    (through a memory map) before anything is allocated.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from deltaprop.data import read_npy
    >>> path = os.path.join(tempfile.mkdtemp(), "d.npy")
    >>> np.save(path, np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]))
    >>> X, y, names, target = read_npy(path, target=-1)
    >>> X.shape, y.tolist(), names
    ((2, 2), [0.0, 1.0], ['x0', 'x1'])
    """
    path = fspath(path)
    where = f"data file {path!r}"
    with open_for_reading(path, what="data file"):
        pass  # the path errors (missing, directory, permission) in their usual words
    with open(path, "rb") as f:
        magic = f.read(6)
    try:
        A = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if magic != b"\x93NUMPY" and not magic.startswith(b"\x80"):  # neither .npy nor a pickle's protocol byte
            raise DataFileError(f"{where} is not a .npy file (it does not start with NumPy's magic bytes); "
                                "save the array with np.save, or name the file by its format") from exc
        if "pickle" in str(exc) or "object" in str(exc).lower():
            raise DataFileError(f"{where} holds Python objects, which deltaprop never unpickles; save a numeric array") from exc
        raise DataFileError(f"{where} is not a valid .npy file ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise DataFileError(f"{where} is not a valid .npy file ({exc}); is it truncated?") from exc
    if not isinstance(A, np.ndarray):
        raise DataFileError(f"{where} is not a single array; save one with np.save")
    check_fits(A.nbytes, what=f"{where} (an array of shape {A.shape}, {format_bytes(A.nbytes)})",
               fix="use a smaller file or a machine with more memory")
    A = np.array(A)  # from the memory map into memory
    if A.ndim < 2:
        raise DataFileError(f"{where} holds a {A.ndim}-D array of shape {A.shape}; save a 2-D array (examples x features)")
    _check_numeric(A, where, "array")
    if A.ndim > 2:
        if target is not None:
            raise InputError(f"{where} holds a {A.ndim}-D array; a target column index applies only to 2-D arrays")
        return Dataset(A.reshape(len(A), -1), None, _pixel_names(A.shape[1:]), None, name=path)
    if target is None:
        return Dataset(A, None, [f"x{j}" for j in range(A.shape[1])], None, name=path)
    if isinstance(target, str):
        raise InputError(f"{where} has no column names; pass target as a column index such as -1")
    t = _target_index([f"x{j}" for j in range(A.shape[1])], target, where)
    keep = [j for j in range(A.shape[1]) if j != t]
    return Dataset(A[:, keep], A[:, t].copy(), [f"x{j}" for j in keep], f"x{t}", name=path)


@_out_of_memory_is_one_error
def read_npz(path, target: str = "y", *, required: bool = False) -> Dataset:
    """Read a ``.npz`` archive holding ``X`` (or ``x``) and optionally ``y``.

    Parameters
    ----------
    path : str or os.PathLike
    target : str
        The key of the targets (default ``"y"``).
    required : bool
        Raise if the ``target`` key is missing (otherwise ``y`` is ``None``).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from deltaprop.data import read_npz
    >>> path = os.path.join(tempfile.mkdtemp(), "d.npz")
    >>> np.savez(path, X=np.eye(3), y=np.array([0, 1, 2]))
    >>> read_npz(path).y.tolist()
    [0, 1, 2]
    """
    path = fspath(path)
    where = f"data file {path!r}"
    if not isinstance(target, str):
        raise InputTypeError(f"target of a .npz file is the key of its labels array (e.g. 'y'), got {target!r}")
    with open_for_reading(path, what="data file") as f:
        magic = f.read(4)
        f.seek(0)
        if magic != b"PK\x03\x04" and magic != b"PK\x05\x06" and magic != b"\x93NUM" and not magic.startswith(b"\x80"):
            raise DataFileError(f"{where} is not a .npz file (not a zip archive of arrays); save the arrays with "
                                "np.savez(path, X=X, y=y), or name the file by its format")
        try:
            with np.load(f, allow_pickle=False) as archive:
                keys = list(archive.keys())
                x_key = "X" if "X" in keys else "x" if "x" in keys else None
                if x_key is None:
                    raise DataFileError(
                        f"{where} holds {', '.join(map(repr, keys)) or 'no arrays'} but no 'X' (or 'x'); "
                        "save it with np.savez(path, X=X, y=y)"
                    )
                if required and target not in keys:
                    raise InputError(f"{where} has no array {target!r}; its arrays are {', '.join(map(repr, keys))}")
                X = _npz_member(archive, x_key, where)
                y = _npz_member(archive, target, where) if target in keys else None
        except DataFileError:
            raise
        except InputError:
            raise
        except ValueError as exc:
            if "pickle" in str(exc):
                raise DataFileError(f"{where} holds Python objects, which deltaprop never unpickles; save numeric arrays") from exc
            raise DataFileError(f"{where} is not a valid .npz file ({exc})") from exc
        except Exception as exc:  # noqa: BLE001 -- zipfile and numpy raise many types for a damaged archive
            raise DataFileError(f"{where} is not a valid .npz file ({type(exc).__name__}: {exc})") from exc
    if X.ndim < 2:
        raise DataFileError(f"{where}: {x_key} has shape {X.shape}; save a 2-D array (examples x features)")
    _check_numeric(X, where, x_key)
    names = [f"x{j}" for j in range(int(np.prod(X.shape[1:])))] if X.ndim == 2 else _pixel_names(X.shape[1:])
    X = X.reshape(len(X), -1)
    if y is not None:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != len(X):
            raise DataFileError(
                f"{where}: {target} has shape {y.shape} but {x_key} has {len(X)} examples; save one target per example"
            )
    return Dataset(X, y, names, None if y is None else target, name=path)


def _npz_member(archive, key: str, where: str) -> np.ndarray:
    """Member ``key`` of an open ``.npz``, after checking it is an array whose declared size fits.

    The ``.npy`` header inside the archive declares the shape and dtype; the size they imply
    is checked against the memory available before numpy allocates it (a 2.6 MB archive
    can declare, and really hold, a 2.4 GB array of zeros).
    """
    member = key + ".npy"
    if member not in archive.zip.namelist():
        raise DataFileError(f"{where}: its member {key!r} is not a .npy array (a file of another kind was "
                            "stored in the archive); save arrays with np.savez(path, X=X, y=y)")
    with archive.zip.open(member) as fp:
        version = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(fp)
    n_bytes = dtype.itemsize
    for n in shape:
        n_bytes *= n
    check_fits(n_bytes, what=f"{where}: array {key!r} of shape {shape} ({format_bytes(n_bytes)})",
               fix="use a smaller file or a machine with more memory")
    return archive[key]


def _check_numeric(A: np.ndarray, where: str, what: str) -> None:
    if A.dtype.kind not in "biuf":
        raise DataFileError(f"{where}: {what} has dtype {A.dtype}, which is not numeric; save numbers")

