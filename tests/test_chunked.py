"""ChunkedData (NumPy only) against in-memory training, and what exactly is equal.

The claims tested here are the ones the module docstring of deltaprop.chunked makes: each
chunk's sums are the in-memory sums of its rows; one chunk gives bitwise the in-memory run;
gradient descent and L-BFGS stay within 1e-10 over a run; RPROP's weights are bitwise equal
until the first sign decision at a partial derivative that is zero up to rounding.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris

import deltaprop as dp
from deltaprop._kernels import Workspace
from deltaprop.chunked import ChunkedData, chunk_sums, unpack_sums
from deltaprop.training import ArrayData


@pytest.fixture(scope="module")
def iris():
    """Standardised iris with one-hot targets (150 examples)."""
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), np.eye(3)[y]


def _same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.weights + a.biases, b.weights + b.biases))


def _assert_close_weights(net, ref, rtol):
    for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def _flat(dW, db):
    return np.concatenate([g.ravel() for pair in zip(dW, db) for g in pair])


class Record:
    """A callback keeping the flat parameters after every epoch."""

    def __init__(self):
        self.params = []

    def on_epoch_end(self, trainer, net, epoch, logs):
        self.params.append(net.get_flat_parameters().copy())


def test_each_chunks_sums_are_bitwise_the_workspace_sums_of_its_rows(rng):
    X, Y, sw = rng.normal(size=(90, 3)), rng.uniform(size=(90, 2)), rng.uniform(0.5, 2, size=90)
    net = dp.Network([3, 4, 2], seed=0)
    for rows in (slice(0, 40), slice(40, 80), slice(80, 90)):
        J, dW, db = unpack_sums(net, chunk_sums(net, X[rows], Y[rows], sw[rows]))
        ws = Workspace(net, 40)
        assert J == ws.loss_and_gradient(X[rows], Y[rows], sw[rows])
        assert np.array_equal(_flat(dW, db), _flat(ws.dW, ws.db))


def test_chunked_float32_sums_keep_the_network_dtype(rng):
    X, Y = rng.normal(size=(70, 3)), rng.uniform(size=(70, 1))
    net = dp.Network([3, 2, 1], seed=0, dtype="float32")
    J, dW, db = ChunkedData(X, Y, chunk_size=32).loss_and_gradient(net)
    J_ref, dW_ref, db_ref = net.loss_and_gradient(X, Y)
    assert all(g.dtype == np.float32 for g in dW + db)
    np.testing.assert_allclose(_flat(dW, db), _flat(dW_ref, db_ref), rtol=1e-5, atol=1e-6)
    assert J == pytest.approx(J_ref, rel=1e-5)


def test_the_sum_over_chunks_differs_from_the_in_memory_sum_only_at_rounding_level(iris):
    X, Y = iris
    net = dp.Network([4, 30, 3], seed=0)
    J_ref, dW_ref, db_ref = ArrayData(X, Y, net=net).loss_and_gradient(net)
    J, dW, db = ChunkedData(X, Y, chunk_size=40).loss_and_gradient(net)
    g, g_ref = _flat(dW, db), _flat(dW_ref, db_ref)
    assert J == pytest.approx(J_ref, rel=1e-14)
    assert np.abs(g - g_ref).max() <= 1e-14 * np.abs(g_ref).max()


@pytest.mark.parametrize(
    "settings",
    [dict(solver="rprop"), dict(solver="quickprop", reduction="sum", learning_rate=1e-3), dict(solver="lbfgs")],
    ids=lambda d: d["solver"],
)
def test_one_chunk_gives_bitwise_the_in_memory_run(iris, settings):
    X, Y = iris
    ref, net = dp.Network([4, 30, 3], seed=0), dp.Network([4, 30, 3], seed=0)
    h_ref = dp.Trainer(**settings, epochs=60, tol=None).fit(ref, X, Y)
    h = dp.Trainer(**settings, epochs=60, tol=None).fit(net, ChunkedData(X, Y, chunk_size=len(X)))
    assert h.loss == h_ref.loss and len(h.loss) > 20
    assert _same_weights(net, ref)


def test_one_chunk_gd_equals_the_in_memory_fused_step_to_rounding(iris):
    # In memory, gd takes the trainer's fused step (gradient and update in one pass), which
    # rounds differently from loss_and_gradient followed by the update.
    X, Y = iris
    ref, net = dp.Network([4, 8, 3], seed=0), dp.Network([4, 8, 3], seed=0)
    dp.Trainer(solver="gd", learning_rate=1e-3, epochs=200, tol=None).fit(ref, X, Y)
    dp.Trainer(solver="gd", learning_rate=1e-3, epochs=200, tol=None).fit(net, ChunkedData(X, Y, chunk_size=150))
    _assert_close_weights(net, ref, rtol=1e-12)


@pytest.mark.parametrize(
    "settings", [dict(solver="gd", learning_rate=1e-3, epochs=200), dict(solver="lbfgs", epochs=200)],
    ids=lambda d: d["solver"],
)
def test_gradient_descent_and_lbfgs_on_chunks_stay_within_1e_10_of_the_in_memory_run(iris, settings):
    X, Y = iris
    ref, net = dp.Network([4, 8, 3], seed=0), dp.Network([4, 8, 3], seed=0)
    h_ref = dp.Trainer(**settings, tol=None).fit(ref, X, Y)
    h = dp.Trainer(**settings, tol=None).fit(net, ChunkedData(X, Y, chunk_size=40))
    assert len(h.loss) == len(h_ref.loss) > 30
    np.testing.assert_allclose(h.loss, h_ref.loss, rtol=1e-10)
    _assert_close_weights(net, ref, rtol=1e-10)


def test_rprop_on_chunks_is_bitwise_the_in_memory_run_until_a_sign_decision_at_a_rounding_level_derivative(iris):
    X, Y = iris
    sizes, settings = [4, 30, 3], dict(solver="rprop", epochs=60, tol=None)
    ref, net, rec_ref, rec = dp.Network(sizes, seed=0), dp.Network(sizes, seed=0), Record(), Record()
    dp.Trainer(**settings, callbacks=[rec_ref]).fit(ref, X, Y)
    dp.Trainer(**settings, callbacks=[rec]).fit(net, ChunkedData(X, Y, chunk_size=40))
    apart = [e for e, (p, q) in enumerate(zip(rec_ref.params, rec.params)) if not np.array_equal(p, q)]
    assert apart, "the runs never left each other: this fixture no longer shows the effect"
    e = apart[0]
    assert e > 10  # bitwise equal for every epoch before e
    # Epoch e stepped from the same weights; the two sums of the gradient there disagree in
    # sign only where a partial derivative is zero up to rounding.
    at = dp.Network(sizes, seed=0)
    at.set_flat_parameters(rec_ref.params[e - 1])
    g_ref = _flat(*ArrayData(X, Y, net=at).loss_and_gradient(at)[1:])
    g = _flat(*ChunkedData(X, Y, chunk_size=40).loss_and_gradient(at)[1:])
    flipped = np.sign(g) != np.sign(g_ref)
    assert flipped.any()
    scale = np.abs(g_ref).max()
    assert np.abs(g_ref[flipped]).max() < 1e-12 * scale and np.abs(g[flipped]).max() < 1e-12 * scale


# --------------------------------------------------------------------------- reading chunks
class CountingRows:
    """Wraps an array and records the rows of every slice read from it."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.reads = a, a.shape, a.dtype, []

    def __getitem__(self, key):
        self.reads.append(key.stop - key.start)
        return self.a[key]


def test_chunked_data_trains_from_a_memmap_reading_one_chunk_at_a_time(tmp_path, rng):
    X = rng.normal(size=(1000, 4))
    Y = (X[:, :1] > 0).astype(np.float64)
    np.save(tmp_path / "X.npy", X)
    Xm = CountingRows(np.load(tmp_path / "X.npy", mmap_mode="r"))
    data = ChunkedData(Xm, Y, chunk_size=128)
    net = dp.Network([4, 3, 1], seed=0)
    ref = net.copy()
    dp.Trainer(solver="rprop", epochs=3).fit(net, data)
    dp.Trainer(solver="rprop", epochs=3).fit(ref, X, Y)
    _assert_close_weights(net, ref, rtol=1e-12)
    assert max(Xm.reads) == 128 and sum(Xm.reads) == 3 * 1000  # never more than one chunk at once


def test_chunked_data_uses_a_zarr_arrays_own_chunks(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    X = rng.normal(size=(300, 3))
    Y = rng.uniform(size=(300, 2))
    zX = zarr.open_array(str(tmp_path / "X.zarr"), mode="w", shape=X.shape, chunks=(64, 3), dtype="f8")
    zX[:] = X
    data = ChunkedData(zX, Y)
    assert data.chunk_size == 64 and data.n_chunks == 5
    net = dp.Network([3, 2, 2], seed=0)
    J, dW, db = data.loss_and_gradient(net)
    J_ref, dW_ref, db_ref = net.loss_and_gradient(X, Y)
    assert J == pytest.approx(J_ref, rel=1e-12)
    np.testing.assert_allclose(_flat(dW, db), _flat(dW_ref, db_ref), rtol=1e-12, atol=1e-14)


def test_chunked_batches_with_a_network_are_validated_and_cover_the_data(rng):
    X = rng.normal(size=(250, 3))
    Y = rng.uniform(size=250)
    net = dp.Network([3, 2, 1], seed=0, dtype="float32")
    batches = list(ChunkedData(X, Y, chunk_size=60).batches(32, np.random.default_rng(1), net=net))
    assert sum(len(b[0]) for b in batches) == 250
    assert all(b[0].dtype == np.float32 and b[1].shape[1] == 1 for b in batches)
    X[3, 1] = np.inf
    with pytest.raises(dp.InputError, match="inf"):
        list(ChunkedData(X, Y, chunk_size=60).batches(32, np.random.default_rng(1), net=net))


def test_chunked_data_feeds_the_trainers_sgd_like_arrays_when_not_shuffled(rng):
    X = rng.normal(size=(300, 3))
    Y = rng.uniform(size=(300, 1))
    settings = dict(solver="sgd", learning_rate=0.1, batch_size=50, epochs=2, shuffle=False)
    net, ref = dp.Network([3, 4, 1], seed=0), dp.Network([3, 4, 1], seed=0)
    dp.Trainer(**settings).fit(net, ChunkedData(X, Y, chunk_size=128))  # batches straddle chunks
    dp.Trainer(**settings).fit(ref, X, Y)
    _assert_close_weights(net, ref, rtol=1e-14)


def test_bad_chunked_inputs_are_refused_naming_the_fix(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(dp.InputTypeError, match="sliceable by rows"):
        ChunkedData([[0.0, 1.0]] * 10, X[:, :1])
    with pytest.raises(dp.InputError, match="X has 10 examples but Y has 9"):
        ChunkedData(X, X[:9, :1])
    with pytest.raises(dp.InputError, match="one weight per example"):
        ChunkedData(X, X[:, :1], sample_weight=np.ones(3))


def test_training_on_chunks_imports_no_dask():
    code = (
        "import sys, numpy as np, deltaprop as dp\n"
        "from deltaprop.chunked import ChunkedData\n"
        "X = np.random.default_rng(0).normal(size=(50, 2)); Y = (X[:, :1] > 0) * 1.0\n"
        "dp.Trainer(solver='rprop', epochs=2).fit(dp.Network([2, 2, 1], seed=0), ChunkedData(X, Y, chunk_size=20))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed') or m == 'deltaprop.dask' or m.startswith('deltaprop.dask.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
