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


# ------------------------------------------------------------------------------ edited and re-signed files
# The SHA-256 finds damage, but anyone can recompute it: these files are edited and then
# re-signed, so only the metadata schema (deltaprop._schema) stands between them and the code.
HOSTILE_VALUES = [
    None, True, False, 0, -1, 1, 3, -2**63, 2**63, 2**200, 1e308, -1e308, 0.5, float("inf"), float("-inf"),
    float("nan"), "", "x", "swish", "<U1", "O", "|V8", [], {}, [0], [1, 2], ["a"], [[]], {"__array__": "nope"},
    {"__array__": "weights.0"}, {"dtype": "<f8"}, "sigmoid", "float64",
]


def nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def nodes(tree, path=()):
    """Every (path, value) of a JSON tree, the root excluded."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        yield path + (key,), value
        yield from nodes(value, path + (key,))


def mutate(meta: dict, arrays: dict, rng: np.random.Generator) -> None:
    """One random edit of the metadata (or, one time in eight, of the arrays), in place."""
    if rng.random() < 0.125 and arrays:
        name = sorted(arrays)[rng.integers(len(arrays))]
        how = rng.integers(4)
        if how == 0:
            del arrays[name]
        elif how == 1:
            arrays[name] = np.zeros(arrays[name].size + 1)
        elif how == 2:
            arrays[name] = arrays[name].astype(np.float32)
        else:
            arrays[name] = np.zeros((0,))
        return
    paths = [p for p, _ in nodes(meta)]
    path = paths[rng.integers(len(paths))]
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    key, how = path[-1], rng.integers(6)
    if how == 0 and isinstance(parent, dict):
        del parent[key]
    elif how == 1 and isinstance(parent[key], list) and parent[key]:
        parent[key] = parent[key][: rng.integers(len(parent[key]))]
    elif how == 2 and isinstance(parent[key], list):
        parent[key] = parent[key] + [HOSTILE_VALUES[rng.integers(len(HOSTILE_VALUES))]]
    elif how == 3:
        parent[key] = nested(int(rng.integers(20, 400)))
    elif how == 4 and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
        parent[key] = type(parent[key])(-parent[key] - 1) if rng.random() < 0.5 else parent[key] * 10**6
    else:
        parent[key] = HOSTILE_VALUES[rng.integers(len(HOSTILE_VALUES))]


def resign(path, arrays: dict, meta: dict) -> None:
    """Write ``arrays`` and ``meta`` with a correct checksum, as an editor who knows the format would."""
    import json

    import safetensors.numpy

    from deltaprop import modelfile

    text = json.dumps(meta)
    prepared = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    digest = modelfile._checksum(text, prepared)
    path.write_bytes(safetensors.numpy.save(prepared, metadata={"deltaprop": text, "deltaprop.sha256": digest}))


def model_sources(root):
    """Model files of every kind deltaprop writes: a network, both estimators, a CLI-style model."""
    from deltaprop.estimators import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(3)
    Xm = rng.normal(size=(30, 3))
    labels = np.array(["cat", "dog", "emu"] * 10)
    models = {
        "network": dp.Network([3, 4, 2], output_activation="softmax", loss="cross_entropy", seed=0),
        "classifier": MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, tol=None, random_state=0)
        .fit(Xm, labels),
        "regressor": MLPRegressor(hidden_layer_sizes=(4,), output_activation="sigmoid", solver="lbfgs",
                                  max_iter=20, tol=None, random_state=0).fit(Xm, Xm[:, 0]),
    }
    cli_meta = {
        "task": "classification", "features": ["a", "b", "c"], "target": "kind", "seed": 0,
        "preprocessing": {"standardize": {"mean": [0.1, 0.2, 0.3], "scale": [1.0, 2.0, 0.5]},
                          "label_map": {"classes": ["x", "y"], "dtype": "<U1", "encoding": "one-hot",
                                        "low": 0.0, "high": 1.0}},
        "metrics": {"train": {"accuracy": 0.5}},
    }  # fmt: skip
    paths = {}
    for name, model in models.items():
        paths[name] = root / f"{name}.safetensors"
        dp.save(model, paths[name])
    paths["cli"] = root / "cli.safetensors"
    dp.save(dp.Network([3, 5, 2], seed=1), paths["cli"], metadata=cli_meta)
    return paths, Xm


def use_model(path, Xm):
    """What users and ``deltaprop predict`` do with a model file: load it and predict."""
    from deltaprop.cli._model import load_model

    model = dp.load(path)
    out = [model.forward(Xm)] if isinstance(model, dp.Network) else [model.predict(Xm)]
    if hasattr(model, "predict_proba"):
        out.append(model.predict_proba(Xm))
    cli_model = load_model(str(path))
    out += [cli_model.predict(Xm), cli_model.outputs(Xm)]
    if cli_model.classes is not None:
        out.append(cli_model.predict_proba(Xm))
    return out


def same_output(a, b) -> bool:
    if isinstance(a, list):
        return all(same_output(x, y) for x, y in zip(a, b))
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


FUZZ_MODELS, FUZZ_CHECKPOINTS = 600, 400


def test_fuzz_edited_and_resigned_model_files_are_refused_or_load_as_a_working_model(tmp_path):
    from deltaprop.modelfile import read

    paths, Xm = model_sources(tmp_path)
    rng = np.random.default_rng(20261129)
    outcomes = {"refused": 0, "same model": 0, "other valid model": 0}
    for i in range(FUZZ_MODELS):
        source = list(paths)[i % len(paths)]
        arrays, meta = read(paths[source])
        original = use_model(paths[source], Xm)
        for _ in range(rng.integers(1, 4)):
            mutate(meta, arrays, rng)
        edited = tmp_path / "edited.safetensors"
        resign(edited, arrays, meta)
        try:
            # Accepted only if the edit described a valid model (a renamed class, another alpha), which must work.
            output = use_model(edited, Xm)
        except dp.ModelFileError:
            outcomes["refused"] += 1
            continue
        outcomes["same model" if same_output(output, original) else "other valid model"] += 1
    print(f"\nre-signed model files: {FUZZ_MODELS} tried, {outcomes}")
    assert sum(outcomes.values()) == FUZZ_MODELS
    assert outcomes["refused"] > FUZZ_MODELS // 2  # the edits are mostly hostile: the schema must see them


def checkpoint_sources(root):
    Xc = np.random.default_rng(1).normal(size=(24, 2))
    Yc = (Xc[:, :1] > 0).astype(float)
    runs = {
        "adam": dict(solver="adam", batch_size=6),
        "sgd-momentum-early-stopping": dict(solver="sgd", batch_size=6, momentum=0.9, early_stopping=True),
        "rprop+": dict(solver="rprop+"),
        "quickprop": dict(solver="quickprop"),
    }
    paths = {}
    for name, kwargs in runs.items():
        paths[name] = root / f"{name}.ckpt"
        dp.Trainer(epochs=3, seed=0, callbacks=[Checkpoint(paths[name])], **kwargs).fit(
            dp.Network([2, 3, 1], seed=0), Xc, Yc)
    return paths, Xc, Yc


def resume(saved, Xc, Yc):
    trainer = dp.Trainer(**{**saved.settings, "epochs": saved.epoch + 1})
    trainer.load_state_dict(saved.state)
    net = saved.network
    trainer.fit(net, Xc, Yc, resume=True)
    return net.weights + net.biases


@pytest.mark.parametrize("source, section", [("cli", ("preprocessing", "label_map")), ("classifier", ("label_map",))])
def test_a_label_map_whose_high_is_not_above_low_is_refused(tmp_path, source, section):
    # Found by the fuzz above: high == low divided by zero when probabilities were read.
    from deltaprop.modelfile import read

    paths, _ = model_sources(tmp_path)
    arrays, meta = read(paths[source])
    labels = meta
    for key in section:
        labels = labels[key]
    labels["low"], labels["high"] = 0.0, 0.0
    edited = tmp_path / "edited.safetensors"
    resign(edited, arrays, meta)
    with pytest.raises(dp.ModelFileError, match=r"label_map\.high.*is 0\.0, not above low=0\.0"):
        dp.load(edited)


def test_fuzz_edited_and_resigned_checkpoints_are_refused_or_resume(tmp_path):
    from deltaprop.modelfile import read

    paths, Xc, Yc = checkpoint_sources(tmp_path)
    rng = np.random.default_rng(20261130)
    outcomes = {"refused": 0, "refused by the trainer for this data": 0, "same run": 0, "other valid run": 0}
    for i in range(FUZZ_CHECKPOINTS):
        source = list(paths)[i % len(paths)]
        arrays, meta = read(paths[source], what="checkpoint")
        original = resume(load_checkpoint(paths[source]), Xc, Yc)
        for _ in range(rng.integers(1, 4)):
            mutate(meta, arrays, rng)
        edited = tmp_path / "edited.ckpt"
        resign(edited, arrays, meta)
        try:
            saved = load_checkpoint(edited)
        except dp.ModelFileError:
            outcomes["refused"] += 1
            continue
        try:
            params = resume(saved, Xc, Yc)
        except dp.InputError:
            # Settings that are valid but do not fit these 24 examples (batch_size=10**6).
            outcomes["refused by the trainer for this data"] += 1
            continue
        same = len(params) == len(original) and all(np.array_equal(p, q) for p, q in zip(params, original))
        outcomes["same run" if same else "other valid run"] += 1
    print(f"\nre-signed checkpoints: {FUZZ_CHECKPOINTS} tried, {outcomes}")
    assert outcomes["refused"] > FUZZ_CHECKPOINTS // 2
