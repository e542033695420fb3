"""Model files: round trips, atomic writes under crashes, and damaged or hostile files."""

import hashlib
import json
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop import modelfile
from deltaprop.modelfile import data_fingerprint, load_state, register_kind, save_state

SRC = os.path.join(os.path.dirname(__file__), os.pardir, "src")


def same_network(a, b):
    """Bitwise equal parameters (dtype included) and the same architecture."""
    return a.config() == b.config() and all(
        x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
        for x, y in zip(a.weights + a.biases, b.weights + b.biases)
    )


def craft(path, arrays, meta, *, checksum=True, extra_header=None):
    """Write a file the way a careless or hostile program might, with full control of every part."""
    text = json.dumps(meta)
    digest = modelfile._checksum(text, arrays) if checksum else "0" * 64
    header_meta = {"deltaprop": text, "deltaprop.sha256": digest}
    data = safetensors.numpy.save(arrays, metadata=header_meta)
    path.write_bytes(data)
    return path


def good_meta(sizes=(2, 3, 1), dtype="float64", **extra):
    meta = {
        "format": "deltaprop",
        "format_version": 1,
        "kind": "network",
        "architecture": {
            "layer_sizes": list(sizes),
            "activation": ["sigmoid"] * (len(sizes) - 2),
            "output_activation": "sigmoid",
            "loss": "squared_error",
            "dtype": dtype,
            "init": "auto",
        },
    }
    meta.update(extra)
    return meta


def good_arrays(sizes=(2, 3, 1), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for t, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        arrays[f"weights.{t}"] = rng.normal(size=(n_out, n_in)).astype(dtype)
        arrays[f"biases.{t}"] = rng.normal(size=n_out).astype(dtype)
    return arrays


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "sizes, kwargs",
    [
        ([2, 3, 1], {}),
        ([4, 8, 3], {"activation": "tanh", "output_activation": "softmax", "loss": "cross_entropy"}),
        ([5, 4, 6, 2], {"activation": ["relu", "leaky_relu"], "output_activation": "identity", "init": "glorot"}),
        ([3, 2], {"output_activation": "sigmoid", "loss": "binary_cross_entropy"}),
    ],
)
def test_network_round_trip_is_bitwise_in_both_dtypes(tmp_path, rng, dtype, sizes, kwargs):
    net = dp.Network(sizes, dtype=dtype, seed=3, **kwargs)
    for b in net.biases:
        b[...] = rng.normal(size=b.shape)
    path = tmp_path / "net.safetensors"
    dp.save(net, path)
    loaded = dp.load(path)
    assert type(loaded) is dp.Network
    assert same_network(net, loaded)
    X = rng.normal(size=(7, sizes[0]))
    assert net.forward(X).tobytes() == loaded.forward(X).tobytes()


def test_loaded_arrays_are_writable_and_independent_of_the_file(tmp_path):
    net = dp.Network([2, 3, 1], seed=0)
    dp.save(net, tmp_path / "m")
    loaded = dp.load(tmp_path / "m")
    loaded.weights[0][0, 0] += 1.0  # would raise on a read-only buffer view
    assert dp.load(tmp_path / "m").weights[0][0, 0] == net.weights[0][0, 0]


def test_metadata_sections_and_versions_are_stored(tmp_path):
    net = dp.Network([2, 2, 1], seed=0)
    fingerprint = data_fingerprint(np.zeros((4, 2)), np.array([0, 1, 1, 0]))
    dp.save(
        net,
        tmp_path / "m",
        metadata={"seed": np.int64(5), "history": {"loss": np.array([0.5, 0.25])}, "data_fingerprint": fingerprint},
    )
    arrays, meta = modelfile.read(tmp_path / "m")
    assert meta["format"] == "deltaprop" and meta["format_version"] == modelfile.FORMAT_VERSION
    assert meta["kind"] == "network"
    assert meta["architecture"] == net.config()
    assert meta["seed"] == 5 and meta["history"] == {"loss": [0.5, 0.25]}
    assert meta["data_fingerprint"] == fingerprint
    assert meta["versions"]["deltaprop"] == dp.__version__ and meta["versions"]["numpy"] == np.__version__
    assert sorted(arrays) == ["biases.0", "biases.1", "weights.0", "weights.1"]


def test_file_is_plain_safetensors_readable_by_the_reference_library(tmp_path):
    net = dp.Network([3, 4, 2], seed=0)
    dp.save(net, tmp_path / "m.safetensors")
    tensors = safetensors.numpy.load_file(str(tmp_path / "m.safetensors"))
    assert np.array_equal(tensors["weights.0"], net.weights[0]) and np.array_equal(tensors["biases.1"], net.biases[1])


def test_checkpoint_round_trip_keeps_arrays_and_plain_state(tmp_path):
    arrays = {"velocity.0": np.arange(6.0).reshape(2, 3), "step": np.array(3, dtype=np.int64), "mask": np.array([True, False])}
    meta = {"epoch": 12, "rng": {"state": 2**100 + 7}, "best_loss": float("inf"), "history": {"loss": [1.0, 0.5]}}
    save_state(tmp_path / "ckpt", arrays, meta)
    got_arrays, got_meta = load_state(tmp_path / "ckpt")
    for name, a in arrays.items():
        assert got_arrays[name].dtype == a.dtype and np.array_equal(got_arrays[name], a)
    assert got_meta["kind"] == "checkpoint"
    assert {k: got_meta[k] for k in meta} == meta


def test_registered_kind_is_dispatched_by_name(tmp_path):
    class Box:
        _modelfile_kind = "test-box"

        def __init__(self, values):
            self.values = values

        def _to_modelfile(self):
            return {"values": self.values}, {"label": "box"}

        @classmethod
        def _from_modelfile(cls, arrays, meta):
            assert meta["label"] == "box"
            return cls(arrays["values"])

    register_kind("test-box", Box)
    try:
        dp.save(Box(np.array([1.0, 2.0])), tmp_path / "box")
        loaded = dp.load(tmp_path / "box")
    finally:
        modelfile._KINDS.pop("test-box")
    assert isinstance(loaded, Box) and np.array_equal(loaded.values, [1.0, 2.0])


def test_a_failure_inside_from_modelfile_becomes_a_model_file_error(tmp_path):
    class Fussy:
        _modelfile_kind = "test-fussy"

        def _to_modelfile(self):
            return {}, {}

        @classmethod
        def _from_modelfile(cls, arrays, meta):
            raise KeyError("label_map")

    register_kind("test-fussy", Fussy)
    try:
        dp.save(Fussy(), tmp_path / "f")
        with pytest.raises(dp.ModelFileError, match="not describe a valid test-fussy.*label_map"):
            dp.load(tmp_path / "f")
    finally:
        modelfile._KINDS.pop("test-fussy")


# --------------------------------------------------------------------------- refusing to save
def test_save_refuses_nan_weights_naming_the_array(tmp_path):
    net = dp.Network([2, 2, 1], seed=0)
    net.weights[1][0, 1] = np.nan
    with pytest.raises(dp.InputError, match=r"'weights.1' holds nan at index \(0, 1\)"):
        dp.save(net, tmp_path / "m")
    assert not os.listdir(tmp_path)


def test_save_refuses_reserved_and_unserialisable_metadata(tmp_path):
    net = dp.Network([2, 2, 1], seed=0)
    with pytest.raises(dp.InputError, match="may not set 'kind'"):
        dp.save(net, tmp_path / "m", metadata={"kind": "other"})
    with pytest.raises(dp.InputError, match="cannot be stored as JSON.*object"):
        dp.save(net, tmp_path / "m", metadata={"callback": object()})


def test_save_refuses_objects_that_are_not_models(tmp_path):
    with pytest.raises(dp.InputTypeError, match="cannot save a dict; dp.save saves a Network"):
        dp.save({"W": 1}, tmp_path / "m")


def test_save_state_refuses_unstorable_arrays(tmp_path):
    with pytest.raises(dp.InputError, match="'names' has dtype <U1"):
        save_state(tmp_path / "c", {"names": np.array(["a", "b"])}, {})
    with pytest.raises(dp.InputError, match="array names must be non-empty strings"):
        save_state(tmp_path / "c", {"": np.zeros(1)}, {})


# --------------------------------------------------------------------------- path problems
def test_missing_model_file_is_a_file_not_found_deltaprop_error(tmp_path):
    with pytest.raises(dp.MissingFileError, match="model file '.*nothing.safetensors' does not exist; check the path") as info:
        dp.load(tmp_path / "nothing.safetensors")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, dp.DeltapropError)


def test_directory_instead_of_model_file(tmp_path):
    with pytest.raises(dp.NotAFileError, match="is a directory, not a file") as info:
        dp.load(tmp_path)
    assert isinstance(info.value, IsADirectoryError)
    with pytest.raises(dp.NotAFileError, match="cannot write model file .* is a directory"):
        dp.save(dp.Network([1, 1]), tmp_path)


def test_saving_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(dp.MissingFileError, match="directory '.*no-such-dir' does not exist; create it first"):
        dp.save(dp.Network([1, 1]), tmp_path / "no-such-dir" / "m")


def test_permission_refused_by_the_system_becomes_a_deltaprop_error(tmp_path, monkeypatch):
    dp.save(dp.Network([1, 1]), tmp_path / "m")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("deltaprop._files.open", refuse, raising=False)
    with pytest.raises(dp.FileAccessDeniedError, match="cannot read model file '.*/m': permission denied"):
        dp.load(tmp_path / "m")
    monkeypatch.setattr("deltaprop._files.os.open", refuse)
    with pytest.raises(dp.FileAccessDeniedError, match="cannot write model file '.*/m': permission denied") as info:
        dp.save(dp.Network([1, 1]), tmp_path / "m")
    assert isinstance(info.value, PermissionError)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_model_file(tmp_path):
    path = tmp_path / "m"
    dp.save(dp.Network([1, 1]), path)
    path.chmod(0)
    try:
        with pytest.raises(dp.FileAccessDeniedError, match="cannot read model file .*permission denied") as info:
            dp.load(path)
        assert isinstance(info.value, PermissionError)
    finally:
        path.chmod(0o600)


# --------------------------------------------------------------------------- each refusal, by name
def write_raw(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: write_raw(p, b""), "0 bytes long, too short"),
        (lambda p: write_raw(p, b"\x05\x00"), "2 bytes long, too short"),
        (lambda p: write_raw(p, struct.pack("<Q", 10**6) + b"{}"), "header claims 1000000 bytes but only 2 follow"),
        (lambda p: write_raw(p, struct.pack("<Q", 2**63) + b"{}"), "header claims 9223372036854775808 bytes"),
        (lambda p: write_raw(p, b"PK\x03\x04" + b"\0" * 60), "header claims .* bytes but only"),
        (lambda p: write_raw(p, struct.pack("<Q", 4) + b"[1] "), r"wrong magic"),
        (lambda p: write_raw(p, struct.pack("<Q", 4) + b"{1: "), "header is not valid JSON"),
        (lambda p: write_raw(p, struct.pack("<Q", 4) + b"{\xff} "), "header is not valid JSON.*UnicodeDecodeError"),
        (lambda p: write_raw(p, struct.pack("<Q", 16) + b'{"a":1, "a":1}  '), "repeats the key 'a'"),
        (lambda p: write_raw(p, safetensors.numpy.save({"x": np.zeros(2)})), "not a deltaprop model file: its header has no 'deltaprop'"),
        (lambda p: write_raw(p, struct.pack("<Q", 2**20) + b"{" + b" " * 100), "header claims 1048576 bytes but only 101"),
    ],
)
def test_each_damaged_file_is_refused_with_its_reason(tmp_path, make, message):
    path = make(tmp_path / "bad.safetensors")
    with pytest.raises(dp.ModelFileError, match="cannot load model file '.*bad.safetensors': " + ".*" + message):
        dp.load(path)


def with_entry(data, name, **changes):
    """Rewrite one tensor entry of a file's header (keeping the length field consistent)."""
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    header[name].update(changes)
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data[8 + n :]


def valid_bytes(tmp_path):
    dp.save(dp.Network([2, 3, 1], seed=0), tmp_path / "ok")
    return (tmp_path / "ok").read_bytes()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dtype": "F8_E4M3"}, "dtype 'F8_E4M3', which is not one of"),
        ({"dtype": 32}, "dtype 32"),
        ({"shape": [2**40, 2**40]}, r"shape \(1099511627776, 1099511627776\) needs 9671406556917033397649408 bytes"),
        ({"shape": [-3, 2]}, "shape \\[-3, 2\\]; a shape is a list"),
        ({"shape": [1] * 9}, "at most 8"),
        ({"data_offsets": [0, 2**62]}, "needs .* bytes but its offsets give"),
        ({"data_offsets": [5, 1]}, "expected \\[begin, end\\]"),
        ({"data_offsets": [0]}, "expected \\[begin, end\\]"),
        ({"junk": 1}, "is not \\{dtype, shape, data_offsets\\}"),
    ],
)
def test_inconsistent_tensor_entries_are_refused(tmp_path, changes, message):
    data = with_entry(valid_bytes(tmp_path), "weights.0", **changes)
    with pytest.raises(dp.ModelFileError, match=message):
        dp.load(write_raw(tmp_path / "bad", data))


def test_overlapping_arrays_are_refused(tmp_path):
    data = valid_bytes(tmp_path)
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    # biases.1 (8 bytes) moved onto the first bytes of another array
    start = min(e["data_offsets"][0] for k, e in header.items() if k != "__metadata__" and k != "biases.1")
    data = with_entry(data, "biases.1", data_offsets=[start, start + 8])
    with pytest.raises(dp.ModelFileError, match=r"its arrays overlap or leave gaps in the data \(.*invalid offset"):
        dp.load(write_raw(tmp_path / "bad", data))


def test_trailing_bytes_after_the_arrays_are_refused(tmp_path):
    with pytest.raises(dp.ModelFileError, match=r"bytes follow the last array in the data \(.*not fully covered"):
        dp.load(write_raw(tmp_path / "bad", valid_bytes(tmp_path) + b"\0" * 8))


def test_truncated_file_is_refused(tmp_path):
    with pytest.raises(dp.ModelFileError, match="truncated"):
        dp.load(write_raw(tmp_path / "bad", valid_bytes(tmp_path)[:-5]))


def test_a_flipped_weight_byte_fails_the_checksum(tmp_path):
    data = bytearray(valid_bytes(tmp_path))
    data[-3] ^= 0x01  # the last weight's bytes: still a finite float, a slightly different model
    with pytest.raises(dp.ModelFileError, match="do not match their SHA-256 checksum"):
        dp.load(write_raw(tmp_path / "bad", bytes(data)))


@pytest.mark.parametrize(
    "meta_changes, message",
    [
        ({"format_version": 2}, "format version 2, but deltaprop .* reads versions up to 1; upgrade deltaprop"),
        ({"format_version": 99, "versions": {"deltaprop": "9.0"}}, r"version 99 \(written by deltaprop 9.0\)"),
        ({"format_version": 0}, "format_version 0 is not a positive integer"),
        ({"format_version": "1"}, "format_version '1' is not a positive integer"),
        ({"format_version": True}, "format_version True"),
        ({"format": "keras"}, "names the format 'keras', not 'deltaprop'"),
        ({"kind": 3}, "no 'kind'"),
        ({"kind": "Transformer"}, "unknown kind of object 'Transformer'; this deltaprop loads"),
        ({"kind": "checkpoint"}, "is a training checkpoint, not a model; resume training"),
        ({"architecture": [2, 3, 1]}, "'architecture' is not a JSON object"),
        ({"architecture": {"layer_sizes": [2, 3, 0], "dtype": "float64"}}, "layer_sizes \\[2, 3, 0\\]"),
        ({"architecture": {"layer_sizes": [2, 3, 1], "dtype": "int8"}}, "dtype 'int8'"),
        ({"architecture": {"layer_sizes": [10**9, 10**9, 1], "dtype": "float64"}}, r"needs shape \(1000000000, 1000000000\)"),
        (
            {"architecture": {"layer_sizes": [2, 3], "dtype": "float64"}},
            "an array '(weights|biases).1' that the architecture \\[2, 3\\] does not use",
        ),
        (
            {"architecture": {"layer_sizes": [2, 3, 1, 1], "dtype": "float64"}},
            "needs an array 'weights.2' of shape \\(1, 1\\), which is missing",
        ),
        ({"architecture": {"layer_sizes": [2, 3, 1], "dtype": "float32"}}, "dtype float64, but the architecture .* needs .* dtype float32"),
    ],
)
def test_metadata_that_contradicts_the_file_is_refused(tmp_path, meta_changes, message):
    meta = good_meta()
    meta.update(meta_changes)
    path = craft(tmp_path / "bad", good_arrays(), meta)
    with pytest.raises(dp.ModelFileError, match=message):
        dp.load(path)


def test_unknown_activation_in_an_otherwise_consistent_file_is_refused(tmp_path):
    meta = good_meta()
    meta["architecture"]["activation"] = ["swish"]
    with pytest.raises(dp.ModelFileError, match=r"field 'architecture.activation\[0\]' is 'swish'; expected one of 'sigmoid'"):
        dp.load(craft(tmp_path / "bad", good_arrays(), meta))


def test_network_file_with_an_extra_array_is_refused(tmp_path):
    arrays = good_arrays()
    arrays["mean"] = np.zeros(2)
    with pytest.raises(dp.ModelFileError, match=r"also has \['mean'\]"):
        dp.load(craft(tmp_path / "bad", arrays, good_meta()))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_in_a_file_are_refused(tmp_path, bad):
    arrays = good_arrays()
    arrays["weights.1"][0, 2] = bad
    with pytest.raises(dp.ModelFileError, match=rf"'weights.1' holds {bad} at index \(0, 2\); a model's weights must be finite"):
        dp.load(craft(tmp_path / "bad", arrays, good_meta()))


def test_checksum_missing_is_refused(tmp_path):
    data = safetensors.numpy.save(good_arrays(), metadata={"deltaprop": json.dumps(good_meta())})
    with pytest.raises(dp.ModelFileError, match="checksum 'deltaprop.sha256' is missing"):
        dp.load(write_raw(tmp_path / "bad", data))


def test_load_state_refuses_a_model_and_load_refuses_a_checkpoint(tmp_path):
    dp.save(dp.Network([1, 1]), tmp_path / "model")
    save_state(tmp_path / "ckpt", {}, {"epoch": 1})
    with pytest.raises(dp.ModelFileError, match="cannot load checkpoint .* holds a network model, not a training checkpoint"):
        load_state(tmp_path / "model")
    with pytest.raises(dp.ModelFileError, match="training checkpoint, not a model"):
        dp.load(tmp_path / "ckpt")


# --------------------------------------------------------------------------- no allocation from claimed sizes
@pytest.mark.parametrize(
    "data",
    [
        struct.pack("<Q", 2**40) + b"{" + b" " * 64,  # header length far beyond the file
        struct.pack("<Q", 90 * 2**20) + b"{" + b" " * 64,  # just under the header cap, beyond the file
    ],
)
def test_a_huge_claimed_header_is_never_allocated(tmp_path, data):
    path = write_raw(tmp_path / "bad", data)
    tracemalloc.start()
    try:
        with pytest.raises(dp.ModelFileError, match="header claims"):
            dp.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_huge_claimed_dimensions_are_never_allocated(tmp_path):
    meta = good_meta()
    meta["architecture"]["layer_sizes"] = [50_000, 50_000, 1]  # 20 GB of float64 if believed
    path = craft(tmp_path / "bad", good_arrays(), meta)
    tracemalloc.start()
    try:
        with pytest.raises(dp.ModelFileError, match="needs shape"):
            dp.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


# --------------------------------------------------------------------------- atomic writes
def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in os.listdir(folder)}


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
@pytest.mark.parametrize("exc_type", [OSError, KeyboardInterrupt])
def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, failing, exc_type):
    old = dp.Network([2, 3, 1], seed=0)
    dp.save(old, tmp_path / "m")
    before = snapshot(tmp_path)

    def boom(*args, **kwargs):
        raise exc_type(28, "No space left on device") if exc_type is OSError else exc_type()

    if failing == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])
                boom()

        monkeypatch.setattr("deltaprop._files.os.fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(f"deltaprop._files.os.{failing}", boom)
    expected = dp.FileAccessError if exc_type is OSError else KeyboardInterrupt
    with pytest.raises(expected):
        dp.save(dp.Network([2, 3, 1], seed=1), tmp_path / "m")
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    assert same_network(dp.load(tmp_path / "m"), old)


def test_a_writer_killed_mid_save_never_leaves_a_damaged_model(tmp_path):
    """SIGKILL a process that saves a ~8 MB model over and over; the file must always load whole."""
    path = tmp_path / "model.safetensors"
    writer = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {os.path.abspath(SRC)!r})
        import deltaprop as dp
        net = dp.Network([1000, 1000, 1], seed=0)
        i = 0
        while True:
            i += 1
            for W, b in zip(net.weights, net.biases):
                W[...] = i
                b[...] = i
            dp.save(net, {str(path)!r}, metadata={{"i": i}})
            if i == 1:
                print("saved", flush=True)
        """
    )
    rng = np.random.default_rng(0)
    versions, mid_save_kills = set(), 0
    for _ in range(40):  # usually done in a few rounds; more leave room for a loaded machine
        proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE)
        try:
            assert proc.stdout.readline() == b"saved\n"
            time.sleep(rng.uniform(0.02, 0.3))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        leftovers = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
        mid_save_kills += bool(leftovers)  # a temporary file left behind: killed inside a save
        for name in leftovers:
            os.remove(tmp_path / name)
        arrays, meta = modelfile.read(path)
        net = dp.load(path)
        i = meta["i"]
        versions.add(i)
        # one complete version: every parameter holds that save's number
        assert all((p == i).all() for p in net.weights + net.biases)
        if mid_save_kills >= 2 and len(versions) >= 2:
            break
    assert mid_save_kills >= 1, "no kill landed inside a save; the test proved nothing"
    assert len(versions) >= 2, "the kills never landed after a later save; the test proved nothing"


# --------------------------------------------------------------------------- fuzzing
BASE_NET = dp.Network([3, 4, 2], seed=0, dtype="float32")
for _b in BASE_NET.biases:
    _b[...] = 0.25


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    dp.save(BASE_NET, folder / "base", metadata={"history": {"loss": [0.5, 0.25]}, "seed": 0})
    return folder


def load_or_refuse(folder, data):
    """Load ``data`` from a file: the outcome must be a ModelFileError or a correct model."""
    path = folder / "case"
    path.write_bytes(data)
    try:
        return dp.load(path)
    except dp.ModelFileError:
        return None


FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.timeout(120)
@FUZZ
@given(data=st.data())
def test_fuzz_damaged_bytes_end_in_model_file_error_or_the_original_model(fuzz_dir, data):
    base = (fuzz_dir / "base").read_bytes()
    mutation = data.draw(st.sampled_from(["truncate", "flip", "length", "append", "splice"]))
    if mutation == "truncate":
        damaged = base[: data.draw(st.integers(0, len(base) - 1))]
    elif mutation == "flip":
        damaged = bytearray(base)
        for pos, mask in data.draw(st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(1, 255)), min_size=1, max_size=4)):
            damaged[pos] ^= mask
        damaged = bytes(damaged)
    elif mutation == "length":
        damaged = struct.pack("<Q", data.draw(st.integers(0, 2**64 - 1))) + base[8:]
    elif mutation == "append":
        damaged = base + data.draw(st.binary(min_size=1, max_size=64))
    else:
        start = data.draw(st.integers(0, len(base)))
        damaged = base[:start] + data.draw(st.binary(max_size=32)) + base[start + data.draw(st.integers(0, 32)) :]
    loaded = load_or_refuse(fuzz_dir, damaged)
    assert loaded is None or same_network(loaded, BASE_NET)


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=5))


@pytest.mark.timeout(120)
@FUZZ
@given(
    sizes=st.lists(st.one_of(st.integers(1, 4), st.integers(-2, 2**40)), min_size=1, max_size=4),
    shapes=st.lists(st.lists(st.one_of(st.integers(0, 4), st.integers(2**31, 2**62)), max_size=3), min_size=0, max_size=6),
    version=st.one_of(st.just(1), st.integers(-1, 3), json_scalars),
    dtype=st.sampled_from(["float32", "float64", "int64", "x"]),
    kind=st.sampled_from(["network", "checkpoint", "MLPThing"]),
    poison=st.sampled_from([None, np.nan, np.inf, -np.inf]),
    checksum=st.booleans(),
    consistent=st.booleans(),
)
def test_fuzz_hostile_headers_end_in_model_file_error_or_a_faithful_model(
    fuzz_dir, sizes, shapes, version, dtype, kind, poison, checksum, consistent
):
    if consistent:  # half the cases have arrays that fit the architecture, so acceptance is reachable
        sizes = [min(max(n, 1), 4) for n in sizes] + [1] * (len(sizes) < 2)
        shapes = [s for n_in, n_out in zip(sizes[:-1], sizes[1:]) for s in ([n_out, n_in], [n_out])]
    def claims_huge(shape):
        return any(n > 64 for n in shape)

    arrays = {}
    for t, shape in enumerate(shapes):
        if claims_huge(shape):
            # claim a huge shape for a small array by editing the header afterwards
            arrays[f"{'weights' if t % 2 == 0 else 'biases'}.{t // 2}"] = np.ones(4, dtype=np.float32)
            continue
        a = np.arange(int(np.prod(shape)), dtype=np.float64 if dtype == "float64" else np.float32).reshape(shape)
        if poison is not None and a.size:
            a.reshape(-1)[0] = poison
        arrays[f"{'weights' if t % 2 == 0 else 'biases'}.{t // 2}"] = a
    architecture = {
        "layer_sizes": sizes,
        "activation": ["sigmoid"] * max(len(sizes) - 2, 0),
        "output_activation": "sigmoid",
        "loss": "squared_error",
        "dtype": dtype,
    }
    meta = {"format": "deltaprop", "format_version": version, "kind": kind, "architecture": architecture}
    text = json.dumps(meta)
    digest = modelfile._checksum(text, arrays) if checksum else "f" * 64
    raw = safetensors.numpy.save(arrays, metadata={"deltaprop": text, "deltaprop.sha256": digest})
    for name, shape in zip(sorted(arrays), shapes):
        if claims_huge(shape):
            raw = with_entry(raw, name, shape=shape)
    loaded = load_or_refuse(fuzz_dir, raw)
    if loaded is not None:
        # accepted only when everything was consistent: then the model is exactly what was written
        assert checksum and version == 1 and poison is None and kind == "network"
        assert loaded.sizes == sizes
        assert all(np.array_equal(loaded.weights[t], arrays[f"weights.{t}"]) for t in range(len(sizes) - 1))
        assert all(np.array_equal(loaded.biases[t], arrays[f"biases.{t}"]) for t in range(len(sizes) - 1))
    event("accepted" if loaded is not None else "refused")


# --------------------------------------------------------------------------- data fingerprint
def test_data_fingerprint_follows_its_documented_recipe():
    X = np.arange(6, dtype=np.float64).reshape(3, 2)
    y = np.array(["a", "bb", "a"], dtype=object)
    h = hashlib.sha256(b"deltaprop data fingerprint v1\0")
    h.update(b"X:<f8:(3, 2)\0" + X.tobytes())
    h.update(b"y:<U2:(3,)\0" + np.array(["a", "bb", "a"], dtype="<U2").tobytes())
    assert data_fingerprint(X, y) == "sha256:" + h.hexdigest()


def test_data_fingerprint_changes_with_values_dtype_order_and_labels():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 1, 0])
    base = data_fingerprint(X, y)
    assert data_fingerprint(X.copy(), y.copy()) == base
    X2 = X.copy()
    X2[5, 1] += 1e-9
    assert data_fingerprint(X2, y) != base
    assert data_fingerprint(X.astype(np.float32), y) != base
    assert data_fingerprint(X[::-1], y[::-1]) != base
    assert data_fingerprint(X, 1 - y) != base
    assert data_fingerprint(X) != base
    assert data_fingerprint(np.asfortranarray(X), y) == base  # memory layout is not data


# --------------------------------------------------------------------------- edited and re-signed files (issue 14)
# Each file below has a correct SHA-256 (recomputed after the edit, as anyone can), so only
# the metadata schema can refuse it; each edit is one the issue found ending in a traceback.
def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def edited(tmp_path, source, edit, *, what="model file"):
    """``source`` with ``edit(meta, arrays)`` applied and the checksum recomputed."""
    arrays, meta = modelfile.read(source, what=what)
    edit(meta, arrays)
    return craft(tmp_path / f"edited{source.suffix}", arrays, meta)


@pytest.fixture(scope="module")
def saved_files(tmp_path_factory):
    from deltaprop.callbacks import Checkpoint
    from deltaprop.estimators import MLPClassifier

    root = tmp_path_factory.mktemp("saved")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=30, tol=None, random_state=0)
    dp.save(clf.fit(X, np.array(["a", "b", "c"] * 10)), root / "clf.safetensors")
    cli_meta = {"preprocessing": {"standardize": {"mean": [0.0, 0.0, 0.0], "scale": [1.0, 2.0, 3.0]},
                                  "label_map": None}, "task": "regression"}
    dp.save(dp.Network([3, 4, 1], seed=0), root / "cli.safetensors", metadata=cli_meta)
    Y = (X[:, :1] > 0).astype(float)
    dp.Trainer(solver="adam", batch_size=10, epochs=2, seed=0, callbacks=[Checkpoint(root / "run.ckpt")]).fit(
        dp.Network([3, 4, 1], seed=0), X, Y)
    return root


def set_path(tree, path, value):
    for key in path[:-1]:
        tree = tree[key]
    if value is KeyError:
        del tree[path[-1]]
    else:
        tree[path[-1]] = value


@pytest.mark.parametrize("source, path, value, message", [
    ("clf.safetensors", ("label_map", "dtype"), KeyError, r"field 'label_map\.dtype' is missing"),
    ("clf.safetensors", ("label_map", "classes"), ["a", "b"],
     r"field 'label_map\.classes' lists 2 classes but the network has 3 output units"),
    ("clf.safetensors", ("label_map", "dtype"), "O", r"field 'label_map\.dtype' is 'O'; labels are bools, integers"),
    ("clf.safetensors", ("label_map", "dtype"), "<i8", r"field 'label_map\.dtype' is '<i8', which cannot hold"),
    ("clf.safetensors", ("n_features_in",), float("inf"), r"field 'n_features_in' is inf; expected an integer"),
    ("clf.safetensors", ("n_features_in",), 7, r"field 'n_features_in' is 7 but the network has 3 inputs"),
    ("cli.safetensors", ("preprocessing", "standardize", "mean"), "0,0,0",
     r"field 'preprocessing\.standardize\.mean' is '0,0,0'; expected a list"),
    ("cli.safetensors", ("preprocessing", "standardize", "scale"), [1.0, 0.0, 1.0],
     r"field 'preprocessing\.standardize\.scale\[1\]' is 0\.0; expected a number >= 1e-100"),
    ("cli.safetensors", ("preprocessing", "standardize", "scale"), [1.0, float("inf"), 1.0],
     r"field 'preprocessing\.standardize\.scale\[1\]' is inf; expected a finite number"),
    ("cli.safetensors", ("preprocessing", "standardize", "mean"), [0.0, 0.0],
     r"field 'preprocessing\.standardize' has 2 means but 3 scales"),
    ("cli.safetensors", ("architecture", "loss"), "hinge", r"field 'architecture\.loss' is 'hinge'; expected one of"),
    ("cli.safetensors", ("history",), nested(60), r"field 'metadata' is nested more than 24 levels deep"),
])
def test_an_edited_and_resigned_model_file_is_one_model_file_error_naming_the_field(
        tmp_path, saved_files, source, path, value, message):
    bad = edited(tmp_path, saved_files / source, lambda meta, arrays: set_path(meta, path, value))
    with pytest.raises(dp.ModelFileError, match=rf"cannot load model file '.*edited\.safetensors': its metadata "
                                                rf".*{message}.*restore a good copy"):
        dp.load(bad)


@pytest.mark.parametrize("path, value, message", [
    (("trainer_state", "epoch"), -2**63, r"field 'trainer_state\.epoch' is -9223372036854775808; expected an "
                                          r"integer from 0"),
    (("trainer_state", "optimizer", "m"), [], r"field 'trainer_state\.optimizer\.m' holds arrays of shapes \[\]; "
                                              r"expected one flat vector of 21 numbers"),
    (("trainer_state", "optimizer", "v"), nested(200), r"field 'metadata' is nested more than 24 levels deep"),
    (("trainer_state", "optimizer", "t"), -1, r"field 'trainer_state\.optimizer\.t' is -1"),
    (("trainer_state", "rng", "bit_generator"), "default_rng", r"field 'trainer_state\.rng\.bit_generator' is "
                                                               r"'default_rng'; expected one of 'PCG64'"),
    (("trainer_state", "rng", "state"), {}, r"field 'trainer_state\.rng' is not a valid PCG64 state"),
    (("trainer_state", "layer_shapes"), [[4, 3], [1, 4], [4], [2]], r"field 'trainer_state\.layer_shapes'"),
    (("trainer_state", "settings", "epochs"), float("nan"), r"field 'trainer_state\.settings\.epochs' is nan"),
    (("trainer_state", "schedule", "learning_rate"), "fast", r"field 'trainer_state\.schedule\.learning_rate'"),
    (("trainer_state", "step"), 0, r"field 'trainer_state\.step' is 0, fewer than the \d+ epochs completed"),
])
def test_an_edited_and_resigned_checkpoint_is_one_model_file_error_naming_the_field(
        tmp_path, saved_files, path, value, message):
    from deltaprop.callbacks import load_checkpoint

    bad = edited(tmp_path, saved_files / "run.ckpt", lambda meta, arrays: set_path(meta, path, value),
                 what="checkpoint")
    with pytest.raises(dp.ModelFileError, match=rf"cannot load checkpoint '.*edited\.ckpt': .*{message}"):
        load_checkpoint(bad)


def test_a_checkpoint_whose_optimizer_arrays_do_not_match_the_layers_is_refused(tmp_path, saved_files):
    from deltaprop.callbacks import load_checkpoint

    def shrink(meta, arrays):
        arrays["optimizer.m.0"] = arrays["optimizer.m.0"][:5]

    bad = edited(tmp_path, saved_files / "run.ckpt", shrink, what="checkpoint")
    with pytest.raises(dp.ModelFileError, match=r"field 'trainer_state\.optimizer\.m' holds arrays of shapes "
                                                r"\[\(5,\)\]; expected one flat vector of 21 numbers"):
        load_checkpoint(bad)


def test_a_header_of_many_nested_empty_lists_is_refused_before_parsing(tmp_path):
    meta = good_meta(padding=[[]] * 200_000)
    path = craft(tmp_path / "wide.safetensors", good_arrays(), meta)
    tracemalloc.start()
    try:
        with pytest.raises(dp.ModelFileError, match=r"its header holds 2000\d\d lists and objects, more than the "
                                                    r"100000 a model file may have"):
            dp.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the header's bytes, never the parsed lists


def test_a_model_file_larger_than_the_memory_left_is_refused_before_reading_it(tmp_path):
    # A valid 8-byte length and header, then a 4 GB sparse tail: under RLIMIT_AS it is refused
    # from the size alone, not read until MemoryError.
    path = craft(tmp_path / "sparse.safetensors", good_arrays(), good_meta())
    with open(path, "r+b") as f:
        f.truncate(4 * 2**30)
    script = textwrap.dedent(f"""
        import resource
        import deltaprop as dp
        used = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + 1024 * 2**20, resource.RLIM_INFINITY))
        try:
            dp.load({str(path)!r})
        except dp.ModelFileError as exc:
            print(exc)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert re.search(r"sparse\.safetensors': it is 4\.29 GB long and loading it needs about 12\.9 GB of memory, "
                     r"but only .* is available; free memory", out.stdout), out.stdout


def test_a_data_table_given_as_the_model_is_named_as_text_with_the_argument_order(tmp_path):
    # A newcomer's mistake: `deltaprop predict data.csv model.safetensors`; the 8 bytes of text
    # read as a header length claim exabytes, which is true but says nothing useful.
    table = tmp_path / "iris_new.csv"
    table.write_text("sepal_length,sepal_width\n5.1,3.5\n")
    with pytest.raises(dp.ModelFileError, match=r"not a model file but text starting 'sepal_le' \(a data table\?\); "
                                                r"commands take MODEL first, then DATA"):
        dp.load(table)
