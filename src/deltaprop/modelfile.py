"""Model files: named arrays in safetensors format plus JSON metadata, never pickle.

A model file is a `safetensors <https://huggingface.co/docs/safetensors>`_ file: an 8-byte
little-endian header length, a JSON header describing every array (dtype, shape, byte
offsets), then the arrays' bytes. Its ``__metadata__`` holds two strings:

``"deltaprop"``
    A JSON object: ``format`` (``"deltaprop"``), ``format_version`` (an int, currently
    :data:`FORMAT_VERSION`), ``kind`` (``"network"``, ``"MLPClassifier"``,
    ``"MLPRegressor"``, ``"checkpoint"``), ``architecture`` (:meth:`Network.config`), the
    sections the saved object and the caller provide (preprocessing, label map, training
    settings, history, data fingerprint, seed, ...) and ``versions`` (deltaprop, numpy,
    Python).
``"deltaprop.sha256"``
    The SHA-256 of that JSON text and of every array (name, dtype, shape and bytes), so a
    flipped byte anywhere in a file is found instead of giving a slightly wrong model.

A network's arrays are named ``weights.0, biases.0, weights.1, ...`` (``weights.t`` has the
shape ``(units, inputs)`` of ``Network.weights[t]``); an estimator's file carries the same
arrays plus its own.

Loading trusts nothing in the file: the header length is checked against the file's real
size (and a cap) before anything is read or allocated; the header must be one JSON object
without repeated keys; every array's dtype, shape and byte range must agree with each other
and tile the data exactly; the format name, version and checksum must match; every array
of the architecture must be present with its exact shape and dtype; no float may be NaN or
infinite; the header may hold at most :data:`MAX_CONTAINERS` lists and objects and the file
must fit three times in the memory available; every metadata section must pass the schema
of :mod:`deltaprop._schema` (the checksum is not a signature: an edited file can be
re-signed, so the schema is what stands between it and the code). Only then is the object
built. Every failure raises one
:class:`~deltaprop.errors.ModelFileError` naming the file and the problem; path problems
raise :class:`~deltaprop.errors.FileAccessError` subclasses (which are also
``FileNotFoundError``, ``IsADirectoryError``, ``PermissionError``). Loading never runs code
from the file: the kind picks a class from a fixed table.

Writes are atomic (temporary file in the same directory, flush, fsync, ``os.replace``), so a
crash during a save leaves the previous file intact.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import re
import struct

import numpy as np

from . import _schema
from ._json import json_default
from ._files import atomic_write_bytes, fspath, open_for_reading
from ._memory import available_bytes, format_bytes
from ._version import __version__
from .errors import DeltapropError, InputError, InputTypeError, ModelFileError

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "save",
    "load",
    "read",
    "save_state",
    "load_state",
    "register_kind",
    "data_fingerprint",
]

FORMAT_NAME = "deltaprop"
#: The model-file format version this deltaprop writes; it reads every version up to it.
FORMAT_VERSION = 1
META_KEY = "deltaprop"
CHECKSUM_KEY = "deltaprop.sha256"
#: The largest JSON header accepted (the safetensors reference implementation's limit).
MAX_HEADER_BYTES = 100 * 2**20
MAX_NDIM = 8
#: The most JSON lists and objects a header may hold (a real file has a few hundred).
MAX_CONTAINERS = 100_000
#: Keys of the metadata that deltaprop itself writes; objects and callers may not set them.
RESERVED_KEYS = ("format", "format_version", "kind", "versions")

# safetensors dtype codes and the numpy dtypes they are read as (all little-endian).
_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in _DTYPES.items()}

_DAMAGED = "the file is damaged or is not a deltaprop model file; re-save the model or restore a good copy"
#: safetensors checks the layout of the arrays in the data itself; what its messages mean.
_SAFETENSORS_LAYOUT = {
    "invalid offset": "its arrays overlap or leave gaps in the data",
    "not fully covered": "bytes follow the last array in the data",
}


def _looks_like_text(head: bytes) -> bool:
    """Printable ASCII (and tabs, line breaks): what a CSV or a script starts with, never a header length."""
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head)

# ------------------------------------------------------------------------------ kinds
_KINDS: dict[str, type] = {}
# Built-in kinds are imported only when a file of that kind is loaded, so that loading a
# Network never imports the estimators (and a kind string can only pick from this table).
_LAZY_KINDS = {
    "network": ("deltaprop.network", "Network"),
    "MLPClassifier": ("deltaprop.estimators", "MLPClassifier"),
    "MLPRegressor": ("deltaprop.estimators", "MLPRegressor"),
}
CHECKPOINT_KIND = "checkpoint"


def register_kind(name: str, cls: type) -> None:
    """Let :func:`load` build ``cls`` from files whose metadata says ``kind == name``.

    ``cls`` must have a classmethod ``_from_modelfile(arrays, meta)``; instances to be saved
    need ``_to_modelfile() -> (arrays, meta)`` and a class attribute ``_modelfile_kind = name``
    (without it the class name is the kind).

    Examples
    --------
    >>> import deltaprop as dp
    >>> from deltaprop.modelfile import register_kind
    >>> register_kind("network", dp.Network)
    """
    if not isinstance(name, str) or not name or name == CHECKPOINT_KIND:
        raise InputError(f"kind name must be a non-empty string other than {CHECKPOINT_KIND!r}, got {name!r}")
    if not callable(getattr(cls, "_from_modelfile", None)):
        raise InputTypeError(f"{cls!r} has no classmethod _from_modelfile(arrays, meta); it cannot be loaded")
    _KINDS[name] = cls


def _kind_class(kind: str, fail) -> type:
    if kind in _KINDS:
        return _KINDS[kind]
    if kind in _LAZY_KINDS:
        module, attr = _LAZY_KINDS[kind]
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            fail(f"it holds a {kind}, which needs {module}.{attr}, not available in this deltaprop {__version__}")
    if kind == CHECKPOINT_KIND:
        fail("it is a training checkpoint, not a model; resume training from it (deltaprop train --resume) "
             "or read it with deltaprop.modelfile.load_state")
    known = ", ".join(sorted(set(_LAZY_KINDS) | set(_KINDS)))
    fail(f"it holds an unknown kind of object {kind!r}; this deltaprop loads {known}")
    raise AssertionError  # unreachable: fail raises


def _kind_of(obj) -> str:
    if not callable(getattr(obj, "_to_modelfile", None)):
        raise InputTypeError(
            f"cannot save a {type(obj).__name__}; dp.save saves a Network, MLPClassifier or MLPRegressor"
        )
    return getattr(type(obj), "_modelfile_kind", type(obj).__name__)


# ------------------------------------------------------------------------------ writing
def save(obj, path, *, metadata: dict | None = None) -> None:
    """Save a model (a :class:`~deltaprop.Network` or an estimator) to ``path``, atomically.

    Parameters
    ----------
    obj : Network, MLPClassifier or MLPRegressor
        Anything with ``_to_modelfile() -> (arrays, meta)``.
    path : str or os.PathLike
        The file to write (conventionally ``*.safetensors``); an existing file is replaced
        only once the new one is complete.
    metadata : dict, optional
        Extra JSON-serialisable sections stored with the model (for example ``training``
        settings, ``data_fingerprint``, ``metrics``, ``seed``). NumPy scalars and arrays are
        stored as numbers and lists. The keys ``format``, ``format_version``, ``kind`` and
        ``versions`` are deltaprop's own.

    Raises
    ------
    InputError
        A float array holds NaN or infinity, or the metadata is not JSON-serialisable.
    FileAccessError
        The directory is missing or not writable.

    Examples
    --------
    >>> import os, tempfile, numpy as np, deltaprop as dp
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "xor.safetensors")
    >>> dp.save(net, path)
    >>> all(np.array_equal(a, b) for a, b in zip(dp.load(path).weights, net.weights))
    True
    """
    kind = _kind_of(obj)
    arrays, meta = obj._to_modelfile()
    meta = dict(meta)
    for key, value in (metadata or {}).items():
        meta[key] = value
    atomic_write_bytes(path, encode(kind, arrays, meta), what="model file")


def save_state(path, arrays: dict, meta: dict) -> None:
    """Save a training checkpoint (kind ``"checkpoint"``): named arrays plus plain-data state.

    The trainer and the CLI store the weights, optimizer state, RNG state, epoch and history
    this way; the write is atomic like :func:`save`. If ``meta`` has an ``"architecture"``,
    the network's arrays must be named ``weights.t`` / ``biases.t`` and are checked against
    it on loading.

    Parameters
    ----------
    path : str or os.PathLike
    arrays : dict of str to ndarray
        Numeric or boolean arrays; float arrays must be finite.
    meta : dict
        JSON-serialisable plain data (NaN and infinity are allowed here).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from deltaprop.modelfile import save_state, load_state
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save_state(path, {"velocity": np.zeros(3)}, {"epoch": 7})
    >>> arrays, meta = load_state(path)
    >>> meta["epoch"], arrays["velocity"].shape
    (7, (3,))
    """
    if not isinstance(meta, dict):
        raise InputTypeError(f"meta must be a dict of plain data, got {type(meta).__name__}")
    atomic_write_bytes(path, encode(CHECKPOINT_KIND, arrays, dict(meta)), what="checkpoint")


def encode(kind: str, arrays: dict, meta: dict) -> bytes:
    """The bytes of a model file holding ``arrays`` and ``meta`` (what :func:`save` writes)."""
    import safetensors.numpy

    reserved = sorted(set(meta) & set(RESERVED_KEYS))
    if reserved:
        raise InputError(f"metadata may not set {', '.join(map(repr, reserved))}; deltaprop writes those itself")
    prepared = {name: _prepare_array(name, a) for name, a in _check_arrays_mapping(arrays).items()}
    full = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "kind": kind}
    full.update(meta)
    full["versions"] = _versions()
    try:
        text = json.dumps(full, default=json_default)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"the model's metadata cannot be stored as JSON ({exc}); keep it to numbers, strings, lists and dicts"
        ) from exc
    digest = _checksum(text, prepared)
    return safetensors.numpy.save(prepared, metadata={META_KEY: text, CHECKSUM_KEY: digest})


def _check_arrays_mapping(arrays) -> dict:
    if not isinstance(arrays, dict):
        raise InputTypeError(f"arrays must be a dict of name -> ndarray, got {type(arrays).__name__}")
    for name in arrays:
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise InputError(f"array names must be non-empty strings other than '__metadata__', got {name!r}")
    return arrays


def _prepare_array(name: str, a) -> np.ndarray:
    """``a`` as a contiguous little-endian array of a dtype safetensors stores."""
    a = np.asarray(a)
    if a.dtype.newbyteorder("=") not in _CODES:
        raise InputError(
            f"array {name!r} has dtype {a.dtype}, which a model file cannot hold; "
            "use a float, integer or bool dtype"
        )
    if a.ndim > MAX_NDIM:
        raise InputError(f"array {name!r} has {a.ndim} dimensions; a model file holds at most {MAX_NDIM}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise InputError(f"array {name!r} holds {a[where]} at index {where}; only finite weights can be saved")
    return np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")


def _versions() -> dict:
    return {"deltaprop": __version__, "numpy": np.__version__, "python": platform.python_version()}


def _checksum(text: str, arrays: dict) -> str:
    """SHA-256 of the metadata text and of every array's name, dtype, shape and bytes (in name order)."""
    h = hashlib.sha256()
    h.update(text.encode("utf-8"))
    for name in sorted(arrays):
        a = arrays[name]
        h.update(b"\0" + json.dumps([name, _CODES[a.dtype.newbyteorder("=")], list(a.shape)]).encode() + b"\0")
        h.update(np.ascontiguousarray(a).reshape(-1).view(np.uint8))
    return h.hexdigest()


# ------------------------------------------------------------------------------ reading
def load(path):
    """Load a model saved by :func:`save`, after checking every part of the file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Network, MLPClassifier or MLPRegressor
        Whatever was saved, with bitwise the saved parameters.

    Raises
    ------
    ModelFileError
        The file is damaged, truncated, of a newer format version, inconsistent, holds
        NaN or infinite weights, or is a checkpoint rather than a model.
    MissingFileError, NotAFileError, FileAccessDeniedError
        The path does not exist, is a directory, or cannot be read.

    Examples
    --------
    >>> import os, tempfile, deltaprop as dp
    >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
    >>> dp.save(dp.Network([4, 8, 3], output_activation="softmax", loss="cross_entropy", seed=1), path)
    >>> dp.load(path)
    Network([4, 8, 3], activation='sigmoid', output_activation='softmax', loss='cross_entropy', dtype='float64')
    """
    path = fspath(path)
    arrays, meta = read(path)
    fail = _failer(path, "model file")
    cls = _kind_class(meta["kind"], fail)
    try:
        return cls._from_modelfile(arrays, meta)
    except ModelFileError:
        raise
    except (DeltapropError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            RecursionError) as exc:
        fail(f"its contents do not describe a valid {meta['kind']} ({type(exc).__name__}: {exc})", cause=exc)
    except MemoryError as exc:
        fail("building it ran out of memory; free memory or load it on a larger machine", cause=exc)


def load_state(path) -> tuple[dict, dict]:
    """Read a checkpoint written by :func:`save_state`, checked like :func:`load`.

    Returns
    -------
    arrays : dict of str to ndarray
        Writable copies.
    meta : dict
        The saved ``meta`` plus ``format``, ``format_version``, ``kind`` and ``versions``.
    """
    path = fspath(path)
    arrays, meta = read(path, what="checkpoint")
    if meta["kind"] != CHECKPOINT_KIND:
        _failer(path, "checkpoint")(f"it holds a {meta['kind']} model, not a training checkpoint; load it with dp.load")
    return arrays, meta


def read(path, *, what: str = "model file") -> tuple[dict, dict]:
    """The checked arrays and metadata of a model or checkpoint file, without building the object.

    ``deltaprop info`` uses this. All the checks of :func:`load` except the final
    construction are made.

    Returns
    -------
    arrays : dict of str to ndarray
    meta : dict
        The parsed ``"deltaprop"`` metadata.
    """
    path = fspath(path)
    fail = _failer(path, what)
    with open_for_reading(path, what=what) as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            fail(f"it is {size} bytes long, too short to hold the 8-byte header length; {_DAMAGED}")
        first = f.read(8)
        (n_header,) = struct.unpack("<Q", first)
        # Check the claimed header size against the real file before reading or allocating it.
        if n_header > size - 8 and _looks_like_text(first):
            # A safetensors file starts with a binary length; text here is a data table or
            # script given where the model goes (``predict data.csv model.safetensors``).
            fail(f"it is not a model file but text starting {first.decode('ascii')!r} (a data table?); commands "
                 "take MODEL first, then DATA, as in: deltaprop predict model.safetensors data.csv")
        if n_header > size - 8:
            fail(f"its header claims {n_header} bytes but only {size - 8} follow the header length: "
                 "it is truncated, or it is not a deltaprop model file; re-save the model or restore a good copy")
        if n_header > MAX_HEADER_BYTES:
            fail(f"its header claims {n_header} bytes, more than the {MAX_HEADER_BYTES} a model file may have; {_DAMAGED}")
        header = f.read(n_header)
        # Lists and objects cost ~50 bytes each once parsed, whatever their size in the file:
        # count them (an upper bound: brackets inside strings count too) before parsing.
        containers = header.count(b"[") + header.count(b"{")
        if containers > MAX_CONTAINERS:
            fail(f"its header holds {containers} lists and objects, more than the {MAX_CONTAINERS} a model "
                 f"file may have; {_DAMAGED}")
        # Reading holds the file's bytes, safetensors' arrays and the checked copies at once.
        available = available_bytes()
        if available is not None and 3 * size > available:
            fail(f"it is {format_bytes(size)} long and loading it needs about {format_bytes(3 * size)} of memory, "
                 f"but only {format_bytes(available)} is available; free memory or load it on a larger machine")
        data = header + f.read()
    if len(data) != size - 8:
        fail("it changed while being read; try again once no other program is writing it")
    return decode(data, n_header, fail)


def decode(data: bytes, n_header: int, fail) -> tuple[dict, dict]:
    """Check and decode a file's bytes after the 8-byte length (see :func:`read`)."""
    import safetensors.numpy

    header_bytes = data[:n_header]
    if not header_bytes.startswith(b"{"):
        fail(f"it does not start with a safetensors JSON header (wrong magic); {_DAMAGED}")
    header = _parse_json(header_bytes, "header", fail)
    specs = _check_tensor_table(header, len(data) - n_header, fail)
    meta_text, digest = _deltaprop_metadata(header, fail)
    meta = _parse_json(meta_text.encode("utf-8"), "deltaprop metadata", fail)
    _check_format(meta, fail)
    try:
        # The whole buffer: safetensors checks the layout again, independently.
        loaded = safetensors.numpy.load(struct.pack("<Q", n_header) + data)
    except Exception as exc:  # noqa: BLE001 -- any failure of the parser is a damaged file
        said = str(exc)
        what = next((meaning for key, meaning in _SAFETENSORS_LAYOUT.items() if key in said), "safetensors cannot read it")
        fail(f"{what} ({said}); {_DAMAGED}", cause=exc)
    arrays = {}
    for name, (dtype, shape) in specs.items():
        a = loaded.get(name)
        if a is None or a.shape != shape or a.dtype.newbyteorder("=") != dtype.newbyteorder("="):
            fail(f"safetensors read array {name!r} differently from its header; {_DAMAGED}")
        arrays[name] = np.array(a, dtype=dtype.newbyteorder("="))  # an owned, writable, native copy
    if set(loaded) != set(specs):
        fail(f"safetensors found arrays the header does not list; {_DAMAGED}")
    if _checksum(meta_text, arrays) != digest:
        fail(f"its contents do not match their SHA-256 checksum; {_DAMAGED}")
    for name, a in arrays.items():
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
            fail(f"array {name!r} holds {a[where]} at index {where}; a model's weights must be finite")
    if "architecture" in meta:
        _check_architecture(meta["architecture"], arrays, fail)
    # Then every section, so an edited (and re-signed) file cannot reach the code.
    _schema.check_meta(meta, lambda field, problem: fail(f"its metadata field {field!r} {problem}; {_DAMAGED}"))
    return arrays, meta


def _failer(path: str, what: str):
    def fail(problem: str, cause: BaseException | None = None):
        raise ModelFileError(f"cannot load {what} {path!r}: {problem}") from cause

    return fail


def _parse_json(raw: bytes, what: str, fail):
    def no_repeats(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                fail(f"its {what} repeats the key {key!r}; {_DAMAGED}")
            seen.add(key)
        return dict(pairs)

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=no_repeats)
    except ModelFileError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        fail(f"its {what} is not valid JSON ({type(exc).__name__}: {str(exc)[:200]}); {_DAMAGED}", cause=exc)


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_tensor_table(header, data_size: int, fail) -> dict:
    """Every array's dtype, shape and byte range, checked against each other and the file size.

    Returns ``{name: (numpy dtype, shape)}``. Sizes are computed with Python integers, so a
    huge claimed shape cannot overflow, and nothing is allocated from them.
    """
    if not isinstance(header, dict):
        fail(f"its header is not a JSON object; {_DAMAGED}")
    specs = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            fail(f"its header entry for array {name!r} is not {{dtype, shape, data_offsets}}; {_DAMAGED}")
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(code, str) or code not in _DTYPES:
            fail(f"array {name!r} has dtype {code!r}, which is not one of {', '.join(_DTYPES)}; {_DAMAGED}")
        if not isinstance(shape, list) or len(shape) > MAX_NDIM or not all(_is_int(n) and n >= 0 for n in shape):
            fail(f"array {name!r} has shape {shape!r}; a shape is a list of at most {MAX_NDIM} "
                 f"non-negative integers; {_DAMAGED}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(n) for n in offsets)
                and 0 <= offsets[0] <= offsets[1]):
            fail(f"array {name!r} has data_offsets {offsets!r}; expected [begin, end] with 0 <= begin <= end; {_DAMAGED}")
        n_bytes = _DTYPES[code].itemsize
        for n in shape:
            n_bytes *= n
        begin, end = offsets
        if end - begin != n_bytes:
            fail(f"array {name!r} of dtype {code} and shape {tuple(shape)} needs {n_bytes} bytes but its "
                 f"offsets give {end - begin}; {_DAMAGED}")
        if end > data_size:
            fail(f"array {name!r} ends at byte {end} of the data but the file holds only {data_size}: "
                 f"it is truncated; {_DAMAGED}")
        specs[name] = (_DTYPES[code], tuple(shape))
    # That the arrays tile the data exactly (no gaps, no overlaps, nothing after the last one)
    # is safetensors' own check, made when it reads the buffer (see _SAFETENSORS_LAYOUT).
    return specs


def _deltaprop_metadata(header: dict, fail) -> tuple[str, str]:
    info = header.get("__metadata__")
    if not isinstance(info, dict) or not isinstance(info.get(META_KEY), str):
        fail(f"it is not a deltaprop model file: its header has no {META_KEY!r} metadata "
             "(files written by other programs cannot be loaded)")
    digest = info.get(CHECKSUM_KEY)
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        fail(f"its checksum {CHECKSUM_KEY!r} is missing or malformed; {_DAMAGED}")
    return info[META_KEY], digest


def _check_format(meta, fail) -> None:
    if not isinstance(meta, dict):
        fail(f"its deltaprop metadata is not a JSON object; {_DAMAGED}")
    if meta.get("format") != FORMAT_NAME:
        fail(f"its metadata names the format {meta.get('format')!r}, not {FORMAT_NAME!r}; {_DAMAGED}")
    version = meta.get("format_version")
    if not _is_int(version) or version < 1:
        fail(f"its format_version {version!r} is not a positive integer; {_DAMAGED}")
    if version > FORMAT_VERSION:
        written_by = meta.get("versions", {}).get("deltaprop") if isinstance(meta.get("versions"), dict) else None
        fail(f"it uses model-file format version {version}"
             + (f" (written by deltaprop {written_by})" if isinstance(written_by, str) else "")
             + f", but deltaprop {__version__} reads versions up to {FORMAT_VERSION}; upgrade deltaprop to load it")
    if not isinstance(meta.get("kind"), str):
        fail(f"its metadata has no 'kind' naming what it holds; {_DAMAGED}")


def _check_architecture(arch, arrays: dict, fail) -> None:
    """The network arrays must exist with exactly the shapes and dtype the architecture implies.

    Checked before any object is built, so a huge ``layer_sizes`` written in the file can
    never make the loader allocate more than the arrays the file really holds.
    """
    if not isinstance(arch, dict):
        fail(f"its 'architecture' is not a JSON object; {_DAMAGED}")
    sizes = arch.get("layer_sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(_is_int(n) and n > 0 for n in sizes)):
        fail(f"its architecture has layer_sizes {sizes!r}; expected a list of at least two positive integers; {_DAMAGED}")
    dtype = arch.get("dtype")
    if dtype not in ("float32", "float64"):
        fail(f"its architecture has dtype {dtype!r}; expected 'float32' or 'float64'; {_DAMAGED}")
    for t in range(len(sizes) - 1):
        for name, shape in ((f"weights.{t}", (sizes[t + 1], sizes[t])), (f"biases.{t}", (sizes[t + 1],))):
            a = arrays.get(name)
            if a is None:
                fail(f"its architecture {sizes} needs an array {name!r} of shape {shape}, which is missing; {_DAMAGED}")
            if a.shape != shape or a.dtype != np.dtype(dtype):
                fail(f"array {name!r} has shape {a.shape} and dtype {a.dtype}, but the architecture {sizes} "
                     f"needs shape {shape} and dtype {dtype}; {_DAMAGED}")
    for name in arrays:
        m = re.fullmatch(r"(weights|biases)\.(\d+)", name)
        if m and int(m.group(2)) >= len(sizes) - 1:
            fail(f"it has an array {name!r} that the architecture {sizes} does not use; {_DAMAGED}")


# ------------------------------------------------------------------------------ fingerprint
def data_fingerprint(X, y=None) -> str:
    """A SHA-256 fingerprint of training data, stored in model files to recognise the data later.

    The hash covers, for ``X`` and then ``y``: the name, the dtype (little-endian, e.g.
    ``<f8``), the shape and the raw bytes in C order. String and object labels are hashed as
    NumPy unicode strings. So the same values in the same dtype and order always give the
    same fingerprint; a changed value, dtype, shape, row order or label gives another.

    Parameters
    ----------
    X : array_like (N, d)
    y : array_like (N,) or (N, k), optional

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 hex digits.

    Examples
    --------
    >>> import numpy as np
    >>> from deltaprop.modelfile import data_fingerprint
    >>> fp = data_fingerprint(np.zeros((2, 3)), np.array([0, 1]))
    >>> fp.startswith("sha256:"), len(fp)
    (True, 71)
    """
    h = hashlib.sha256(b"deltaprop data fingerprint v1\0")
    for label, a in (("X", X), ("y", y)):
        if a is None:
            h.update(f"{label}:none\0".encode())
            continue
        a = np.asarray(a)
        if a.dtype.kind in "OSU":
            a = a.astype(str)
        a = np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")
        h.update(f"{label}:{a.dtype.str}:{a.shape}\0".encode())
        h.update(a.reshape(-1).view(np.uint8))
    return "sha256:" + h.hexdigest()
