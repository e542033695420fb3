"""Hostile files never execute code, and damaged checkpoints are refused like damaged models.

``tests/test_modelfile.py`` fuzzes ``dp.load`` over damaged and hostile model files; this
adds what it leaves out: pickle payloads (as a model, a checkpoint and NumPy data files)
whose unpickling would create a file, and damaged *checkpoints* through
:func:`deltaprop.callbacks.load_checkpoint` and ``deltaprop train --resume``.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop.callbacks import Checkpoint, load_checkpoint
from deltaprop.cli import EXIT_ERROR, main
from deltaprop.data import load_dataset
from deltaprop.errors import DataFileError, ModelFileError


class TouchOnUnpickle:
    """Unpickling this object creates ``path``: proof that code ran."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_the_payload_would_run_if_unpickled(tmp_path):
    # The control: without it, a sentinel that never appears would prove nothing.
    sentinel = tmp_path / "ran"
    pickle.loads(pickle.dumps(TouchOnUnpickle(sentinel)))
    assert sentinel.exists()


@pytest.mark.parametrize("loader, suffix, error, match", [
    (dp.load, ".safetensors", ModelFileError, "is not a deltaprop model file"),
    (load_checkpoint, ".ckpt", ModelFileError, "is not a deltaprop model file"),
    (lambda p: load_dataset(p), ".npy", DataFileError, "holds Python objects, which deltaprop never unpickles"),
    (lambda p: load_dataset(p), ".npz", DataFileError, "holds Python objects, which deltaprop never unpickles"),
])
def test_pickled_payloads_are_refused_without_running(tmp_path, loader, suffix, error, match):
    sentinel = tmp_path / "ran"
    path = tmp_path / f"hostile{suffix}"
    payload = np.array([TouchOnUnpickle(sentinel), 1.0], dtype=object)
    if suffix == ".npy":
        np.save(path, payload, allow_pickle=True)
    elif suffix == ".npz":
        np.savez(path, X=payload.reshape(1, 2), y=np.array([0]))
    else:
        path.write_bytes(pickle.dumps(payload))
    with pytest.raises(error, match=match):
        loader(path)
    assert not sentinel.exists()


# ------------------------------------------------------------------------------ damaged checkpoints
X = np.random.default_rng(0).normal(size=(16, 2))
Y = (X[:, :1] > 0).astype(float)


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "run.ckpt"
    trainer = dp.Trainer(solver="adam", batch_size=4, epochs=3, seed=0, callbacks=[Checkpoint(path)])
    trainer.fit(dp.Network([2, 3, 1], seed=0), X, Y)
    return path.read_bytes()


def same_checkpoint(a, b) -> bool:
    return a.epoch == b.epoch and all(
        np.array_equal(p, q) for p, q in zip(a.network.weights + a.network.biases, b.network.weights + b.network.biases)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_damaged_checkpoints_end_in_one_clear_error(tmp_path, checkpoint_bytes, data):
    base = checkpoint_bytes
    if data.draw(st.booleans()):
        damaged = base[: data.draw(st.integers(0, len(base) - 1))]
    else:
        damaged = bytearray(base)
        for pos, mask in data.draw(st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(1, 255)),
                                            min_size=1, max_size=3)):
            damaged[pos] ^= mask
    path = tmp_path / "damaged.ckpt"
    path.write_bytes(bytes(damaged))
    good = tmp_path / "good.ckpt"
    good.write_bytes(base)
    try:
        loaded = load_checkpoint(path)
    except ModelFileError:
        return
    # Accepted only if the damage did not touch what the checkpoint means (e.g. JSON whitespace).
    assert same_checkpoint(loaded, load_checkpoint(good))


def test_resume_from_a_truncated_checkpoint_is_one_clear_line(tmp_path, checkpoint_bytes, capsys):
    path = tmp_path / "run.ckpt"
    path.write_bytes(checkpoint_bytes[: len(checkpoint_bytes) // 2])
    assert main(["train", "--resume", str(path)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"deltaprop: error: cannot load checkpoint {str(path)!r}")
    assert "restore a good copy" in err
