"""The Dask package (deltaprop.dask) against in-memory training.

A LocalCluster of two worker processes (one thread each, bound to 127.0.0.1, no dashboard)
runs for the whole module. Test data is generated on the workers (``da.random`` with a seed),
never shipped from the client in the task graph; the in-memory reference is the same data
computed back to NumPy. ChunkedData (NumPy only) is tested in test_chunked.py.
"""

import ast
import os
import pathlib
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import deltaprop as dp

pytestmark = pytest.mark.dask

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import deltaprop.dask  # noqa: E402
from deltaprop.dask import ClusterError, DaskData, local_sgd, predict_blockwise  # noqa: E402
from deltaprop.dask import _cluster, _source  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # The scheduler's HTTP server on a free loopback port: another cluster on this machine
    # holding Dask's default 8787 would otherwise make it warn (an error in this suite).
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def _targets(X):
    """Two sigmoid-friendly targets computed from X on the workers."""
    return da.stack([(X[:, 0] + X[:, 1] > 0), (X[:, 2] * X[:, 3] > 0)], axis=1).astype(np.float64)


@pytest.fixture(scope="module")
def dataset(client):
    """(X, Y, sw) as Dask arrays with uneven row chunks, and the same data in memory."""
    g = da.random.default_rng(7)
    X = g.normal(size=(2500, 5), chunks=((700, 700, 700, 400), 5))
    Y = _targets(X)
    sw = g.uniform(0.5, 2.0, size=2500, chunks=700)
    local = client.compute([X, Y, sw], sync=True)
    return (X, Y, sw), tuple(local)


def _net(dtype="float64", sizes=(5, 4, 2)):
    return dp.Network(list(sizes), seed=3, dtype=dtype)


def _assert_same_gradient(got, want, rtol):
    J, dW, db = got
    J_ref, dW_ref, db_ref = want
    assert J == pytest.approx(J_ref, rel=rtol)
    for a, b in zip(dW + db, dW_ref + db_ref):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def test_dask_loss_and_gradient_equal_the_in_memory_sums(client, dataset):
    (X, Y, sw), (Xl, Yl, swl) = dataset
    net = _net()
    data = DaskData(X, Y, sw, client=client)
    assert data.n_examples == 2500 and data.chunks == (700, 700, 700, 400)
    _assert_same_gradient(data.loss_and_gradient(net), net.loss_and_gradient(Xl, Yl, swl), 1e-12)


def test_dask_gradient_follows_the_network_dtype_float32(client, dataset):
    (X, Y, _), (Xl, Yl, _) = dataset
    net = _net("float32")
    got = DaskData(X, Y, client=client).loss_and_gradient(net)
    _assert_same_gradient(got, net.loss_and_gradient(Xl, Yl), 1e-5)


def test_numpy_inputs_are_scattered_not_embedded_and_give_the_same_gradient(client, dataset):
    _, (Xl, Yl, swl) = dataset
    net = _net()
    data = DaskData(Xl, Yl, swl, client=client)
    assert data.n_chunks == 4  # two per worker
    _assert_same_gradient(data.loss_and_gradient(net), net.loss_and_gradient(Xl, Yl, swl), 1e-12)


def test_dask_dataframe_inputs_give_the_same_gradient(client, dataset):
    dd = pytest.importorskip("dask.dataframe")
    (X, Y, _), (Xl, Yl, _) = dataset
    frame = dd.from_dask_array(X, columns=[f"x{i}" for i in range(5)])
    target = dd.from_dask_array(Y[:, 0], columns="y")
    net = _net(sizes=(5, 3, 1))
    got = DaskData(frame, target, client=client).loss_and_gradient(net)
    _assert_same_gradient(got, net.loss_and_gradient(Xl, Yl[:, :1]), 1e-12)


def test_weights_above_the_threshold_are_broadcast_and_give_the_same_gradient(client, dataset, monkeypatch):
    (X, Y, _), (Xl, Yl, _) = dataset
    calls = []
    scatter = client.scatter
    monkeypatch.setattr(client, "scatter", lambda *a, **k: calls.append(k) or scatter(*a, **k))
    net = _net()
    data = DaskData(X, Y, client=client)
    data.loss_and_gradient(net)
    assert calls == []  # small weights travel in the graph
    monkeypatch.setattr(_source, "SCATTER_THRESHOLD_BYTES", 0)
    got = data.loss_and_gradient(net)
    assert calls == [{"broadcast": True, "hash": False}]
    _assert_same_gradient(got, net.loss_and_gradient(Xl, Yl), 1e-12)


def test_large_weights_raise_no_large_graph_warning(client):
    # 5 MB of weights: above the scatter threshold, and over Dask's 10 MB graph warning if
    # they were embedded once per chunk. Warnings are errors in this test suite.
    g = da.random.default_rng(1)
    X = g.normal(size=(64, 1200), chunks=(16, 1200))
    Y = (X[:, :1] > 0).astype(np.float64)
    net = dp.Network([1200, 500, 1], seed=0)
    assert sum(W.nbytes for W in net.weights) > deltaprop.dask.SCATTER_THRESHOLD_BYTES
    _, dW, _ = DaskData(X, Y, client=client).loss_and_gradient(net)
    Xl, Yl = client.compute([X, Y], sync=True)
    np.testing.assert_allclose(dW[0], net.gradient(Xl, Yl)[0][0], rtol=1e-10, atol=1e-12)


def test_the_scheduler_holds_a_constant_number_of_tasks_across_iterations(client, dataset):
    (X, Y, _), _ = dataset
    data = DaskData(X, Y, client=client)
    net = _net()

    def n_tasks():
        return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))

    data.loss_and_gradient(net)
    before = n_tasks()
    for _ in range(5):
        data.loss_and_gradient(net)
    # The scheduler forgets finished tasks asynchronously (earlier tests' too), so allow it a
    # moment to settle; tasks accumulating per iteration would never get back to `before`.
    deadline = time.monotonic() + 10
    while n_tasks() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert n_tasks() <= before


def test_bad_dask_data_is_refused_with_a_message_naming_the_fix(client, dataset):
    (X, Y, _), _ = dataset
    with pytest.raises(dp.InputError, match="features but the network expects 3"):
        DaskData(X, Y, client=client).loss_and_gradient(_net(sizes=(3, 2, 2)))
    X_nan = da.where(X > 2.5, np.nan, X)
    with pytest.raises(dp.InputError, match="X contains NaN"):
        DaskData(X_nan, Y, client=client).loss_and_gradient(_net())
    bce = dp.Network([5, 2, 2], loss="binary_cross_entropy", seed=0)
    with pytest.raises(dp.InputError, match="outside"):
        DaskData(X, Y * 3, client=client).loss_and_gradient(bce)
    with pytest.raises(dp.InputError, match="Y has 1000"):
        DaskData(X, Y[:1000], client=client)


def _assert_same_weights(net, ref, rtol=1e-12):
    for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="gd", learning_rate=2e-3, epochs=12),
        dict(solver="rprop", epochs=12),
        dict(solver="quickprop", reduction="sum", learning_rate=1e-3, epochs=8),
        dict(solver="lbfgs", epochs=15),
    ],
    ids=lambda d: d["solver"],
)
def test_full_batch_solvers_on_dask_train_the_same_model_as_in_memory(client, dataset, settings):
    (X, Y, sw), (Xl, Yl, swl) = dataset
    ref, net = _net(), _net()
    h_ref = dp.Trainer(**settings).fit(ref, Xl, Yl, swl)
    h = dp.Trainer(**settings).fit(net, DaskData(X, Y, sw, client=client))
    assert len(h.loss) == len(h_ref.loss) > 3
    np.testing.assert_allclose(h.loss, h_ref.loss, rtol=1e-9)
    _assert_same_weights(net, ref, rtol=1e-9 if settings["solver"] == "lbfgs" else 1e-11)


def test_streamed_mini_batch_sgd_on_dask_sees_every_example_each_epoch(client, dataset):
    (X, Y, _), (Xl, Yl, _) = dataset
    net = _net()
    J0 = net.loss(Xl, Yl)
    h = dp.Trainer(solver="sgd", learning_rate=0.05, batch_size=100, epochs=3, seed=0).fit(
        net, DaskData(X, Y, client=client)
    )
    assert h.loss[-1] < J0 / len(Xl)
    unshuffled, ref = _net(), _net()
    dp.Trainer(solver="sgd", learning_rate=0.05, batch_size=100, epochs=2, shuffle=False).fit(ref, Xl, Yl)
    dp.Trainer(solver="sgd", learning_rate=0.05, batch_size=100, epochs=2, shuffle=False).fit(
        unshuffled, DaskData(X, Y, client=client)
    )
    _assert_same_weights(unshuffled, ref)  # without shuffling, exactly in-memory SGD


def test_synchronous_large_batch_sgd_takes_the_gradient_of_one_sampled_batch_per_step(client, dataset):
    (X, Y, sw), (Xl, Yl, swl) = dataset
    data = DaskData(X, Y, sw, client=client)
    sampled = data.sampled(500, seed=1)
    assert sampled.n_examples == 500 and sum(sampled.counts) == 500
    net = _net()
    J1, _, _ = sampled.loss_and_gradient(net)
    J2, _, _ = sampled.loss_and_gradient(net)
    assert J1 != J2  # a new batch each step
    again = data.sampled(500, seed=1)
    assert again.loss_and_gradient(net)[0] == J1  # the batches are a function of the seed
    full = net.loss(Xl, Yl, swl)
    assert 0.1 * full < J1 < 0.3 * full  # 500 of 2500 examples
    h = dp.Trainer(solver="gd", reduction="mean", learning_rate=0.5, momentum=0.9, epochs=15).fit(net, sampled)
    assert net.loss(Xl, Yl, swl) < 0.9 * full and len(h.loss) == 15


def test_local_sgd_averages_the_chunk_models_weighted_by_their_rows(client, dataset):
    (X, Y, _), (Xl, Yl, _) = dataset
    settings = dict(solver="sgd", learning_rate=0.5, batch_size=50, epochs=2)
    net = _net()
    # The reference: each chunk's rows trained here by the same trainer and seed, then averaged.
    models, bounds = [], np.cumsum((0,) + X.chunks[0])
    for c, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        local = net.copy()
        dp.Trainer(**settings, seed=np.random.default_rng([5, 0, c])).fit(local, Xl[a:b], Yl[a:b])
        models.append(local.get_flat_parameters() * (b - a))
    ref = net.copy()
    ref.set_flat_parameters(np.sum(models, axis=0) / len(Xl))

    J = local_sgd(net, DaskData(X, Y, client=client), rounds=1, seed=5, **settings)
    assert J[0] == pytest.approx(_net().loss(Xl, Yl), rel=1e-12)  # J of the weights the round started from
    _assert_same_weights(net, ref)
    assert net.loss(Xl, Yl) < 0.9 * J[0]


class AtEpoch:
    """A callback that runs ``action`` once, after epoch ``epoch``."""

    def __init__(self, epoch, action):
        self.epoch, self.action = epoch, action

    def on_epoch_end(self, trainer, net, epoch, logs):
        if epoch == self.epoch:
            self.action()


def test_a_worker_killed_mid_training_is_survived_with_the_exact_model(client, dataset):
    (X, Y, _), (Xl, Yl, _) = dataset
    settings = dict(solver="rprop", epochs=5)
    ref, net = _net(), _net()
    dp.Trainer(**settings).fit(ref, Xl, Yl)

    def kill_a_worker():
        worker = sorted(client.scheduler_info()["workers"])[0]
        with pytest.raises(Exception):  # the worker dies before it can answer
            client.run(os._exit, 1, workers=[worker])

    dp.Trainer(**settings, callbacks=[AtEpoch(2, kill_a_worker)]).fit(net, DaskData(X, Y, client=client))
    _assert_same_weights(net, ref)
    client.wait_for_workers(2)


@pytest.mark.slow  # a restart of every worker process: seconds, tens under load
def test_client_restart_mid_training_reloads_the_data_and_gives_the_exact_model(client, dataset):
    (X, Y, _), (Xl, Yl, _) = dataset
    settings = dict(solver="gd", learning_rate=1e-3, epochs=3)
    ref, net = _net(), _net()
    dp.Trainer(**settings).fit(ref, Xl, Yl)
    dp.Trainer(**settings, callbacks=[AtEpoch(0, client.restart)]).fit(net, DaskData(X, Y, client=client))
    _assert_same_weights(net, ref)



def test_lost_training_data_without_retries_left_raises_cluster_error(client, dataset):
    (X, Y, _), _ = dataset
    data = DaskData(X, Y, client=client, max_retries=0)
    net = _net()
    data.loss_and_gradient(net)
    client.cancel([f for part in data._parts for f in part if f is not None])  # as a restart does
    with pytest.raises(ClusterError, match="lost workers or the training data"):
        data.loss_and_gradient(net)


def test_predict_blockwise_returns_a_lazy_dask_array_equal_to_forward(client, dataset):
    (X, _, _), (Xl, _, _) = dataset
    net = _net()
    out = predict_blockwise(net, X, method="forward")
    assert isinstance(out, da.Array) and out.shape == (2500, 2) and out.chunks[0] == X.chunks[0]
    np.testing.assert_allclose(out.compute(), net.forward(Xl), rtol=1e-14)


def test_dask_batches_visit_every_example_once_per_epoch(client, dataset):
    (X, Y, _), (Xl, _, _) = dataset
    data = DaskData(X, Y, client=client)
    batches = list(data.batches(300, np.random.default_rng(0)))
    assert [len(b[0]) for b in batches[:-1]] == [300] * 8 and len(batches[-1][0]) == 100
    seen = np.concatenate([b[0] for b in batches])
    np.testing.assert_array_equal(np.sort(seen, axis=0), np.sort(Xl, axis=0))


# --------------------------------------------------------------------------- estimators
@pytest.fixture(scope="module")
def labelled(client):
    """Three-class labels computed on the workers from Dask features, and both in memory."""
    g = da.random.default_rng(11)
    X = g.normal(size=(900, 4), chunks=(300, 4))
    y = ((X[:, 0] > 0).astype(np.int64) + 2 * (X[:, 1] > 0.5).astype(np.int64)) % 3
    return (X, y), tuple(client.compute([X, y], sync=True))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_classifier_fitted_on_dask_arrays_equals_the_in_memory_fit(client, labelled):
    (X, y), (Xl, yl) = labelled
    kw = dict(hidden_layer_sizes=(5,), max_iter=15, random_state=0)
    ref = dp.MLPClassifier(**kw).fit(Xl, yl)
    clf = dp.MLPClassifier(**kw, client=client).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ref.classes_)
    assert clf.n_iter_ == ref.n_iter_ and clf.n_features_in_ == 4
    np.testing.assert_allclose(clf.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(clf.coefs_ + clf.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)

    proba, labels = clf.predict_proba(X), clf.predict(X)
    assert isinstance(proba, da.Array) and isinstance(labels, da.Array)
    np.testing.assert_allclose(proba.compute(), ref.predict_proba(Xl), rtol=1e-8)
    np.testing.assert_array_equal(labels.compute(), ref.predict(Xl))
    assert clf.score(X, y) == pytest.approx(ref.score(Xl, yl), abs=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_regressor_on_dask_learns_the_target_range_and_scores_blockwise(client, labelled):
    (X, _), (Xl, _) = labelled
    y = 3.0 * X[:, 0] - X[:, 2] + 10.0
    yl = 3.0 * Xl[:, 0] - Xl[:, 2] + 10.0
    w = da.random.default_rng(3).uniform(0.5, 1.5, size=900, chunks=300)
    wl = w.compute()
    kw = dict(hidden_layer_sizes=(4,), output_activation="sigmoid", solver="lbfgs", max_iter=20, random_state=1)
    ref = dp.MLPRegressor(**kw).fit(Xl, yl, sample_weight=wl)
    reg = dp.MLPRegressor(**kw, client=client).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(reg.target_range_, ref.target_range_, rtol=1e-15)
    np.testing.assert_allclose(reg.coefs_[0], ref.coefs_[0], rtol=1e-7, atol=1e-10)
    assert isinstance(reg.predict(X), da.Array)
    assert reg.score(X, y, sample_weight=w) == pytest.approx(ref.score(Xl, yl, sample_weight=wl), rel=1e-9)


def test_estimator_partial_fit_on_dask_goes_block_by_block_like_incremental(client, labelled):
    (X, y), (Xl, yl) = labelled
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", random_state=0)
    ref = dp.MLPClassifier(**kw)
    for a in range(0, 900, 300):
        ref.partial_fit(Xl[a : a + 300], yl[a : a + 300], classes=[0, 1, 2])
    clf = dp.MLPClassifier(**kw).partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(clf.coefs_[0], ref.coefs_[0], rtol=1e-12)


def test_dask_ml_incremental_trains_through_partial_fit_block_by_block(client, labelled):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    (X, y), (Xl, yl) = labelled
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", random_state=0)
    ref = dp.MLPClassifier(**kw)
    for a in range(0, 900, 300):
        ref.partial_fit(Xl[a : a + 300], yl[a : a + 300], classes=[0, 1, 2])
    inc = wrappers.Incremental(dp.MLPClassifier(**kw), shuffle_blocks=False)
    inc.fit(X, y, classes=[0, 1, 2])
    for a, b in zip(inc.estimator_.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(inc.predict(X).compute(), ref.predict(Xl))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_engine_local_computes_dask_inputs_and_dask_dataframes_keep_feature_names(client, labelled):
    dd = pytest.importorskip("dask.dataframe")
    (X, y), (Xl, yl) = labelled
    kw = dict(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
    ref = dp.MLPClassifier(**kw).fit(Xl, yl)
    local = dp.MLPClassifier(**kw, engine="local").fit(X, y)
    np.testing.assert_array_equal(local.coefs_[0], ref.coefs_[0])
    frame = dd.from_dask_array(X, columns=["a", "b", "c", "d"])
    clf = dp.MLPClassifier(**kw, client=client).fit(frame, dd.from_dask_array(y))
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(clf.predict(frame).compute(), ref.predict(Xl))
    with pytest.raises(dp.InputError, match="early_stopping"):
        dp.MLPClassifier(early_stopping=True, client=client).fit(X, y)


def test_without_a_client_a_threads_only_local_cluster_is_started_once_without_dashboard(monkeypatch):
    started = {}

    class FakeCluster:
        def __init__(self, **kwargs):
            started.update(kwargs)

    class FakeClient:
        status = "running"

        def __init__(self, cluster, set_as_default):
            self.cluster = cluster

    def no_client():
        raise ValueError("No clients found")

    monkeypatch.setattr(distributed, "default_client", no_client)
    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    monkeypatch.setattr(distributed, "Client", FakeClient)
    monkeypatch.setattr(_cluster, "_LOCAL", {})
    first = deltaprop.dask.get_client()
    assert started == {
        "processes": False, "dashboard_address": None, "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"}
    }
    assert deltaprop.dask.get_client() is first  # started once, then reused


_SCRIPT_WITHOUT_MAIN_GUARD = """
import multiprocessing
import dask.array as da
import deltaprop as dp

X = da.random.default_rng(0).normal(size=(200, 3), chunks=100)
y = (X[:, 0] > 0).astype(int)
clf = dp.MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, tol=None, random_state=0).fit(X, y)
print(clf.predict(X).compute().shape, len(multiprocessing.active_children()))
"""


@pytest.mark.slow  # a fresh interpreter that imports Dask and starts a cluster: a few seconds
def test_a_script_without_a_main_guard_fits_on_dask_without_a_client_in_threads_without_tracebacks(tmp_path):
    script = tmp_path / "plain_script.py"
    script.write_text(_SCRIPT_WITHOUT_MAIN_GUARD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Nanny" not in done.stderr, done.stderr
    assert done.stdout.split() == ["(200,)", "0"]  # predicted, and no worker process was started


# --------------------------------------------------------------------------- one estimator fit
def test_the_dask_package_imports_nothing_from_the_estimators():
    package = pathlib.Path(deltaprop.dask.__file__).parent
    imported = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                imported.add(("." * node.level) + (node.module or ""))
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not any("estimators" in name for name in imported), imported
    assert "..training" in imported  # local_sgd trains each chunk with the trainer: the layer below


def test_a_dask_fit_with_tol_none_warns_nothing_and_with_tol_warns_as_the_local_fit(client, labelled):
    (X, y), (Xl, yl) = labelled
    kw = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dp.MLPClassifier(**kw, tol=None, client=client).fit(X, y)
        dp.MLPClassifier(**kw, tol=None).fit(Xl, yl)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        dp.MLPClassifier(**kw, tol=1e-4).fit(Xl, yl)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        dp.MLPClassifier(**kw, tol=1e-4, client=client).fit(X, y)


class RenamedClassifier(dp.MLPClassifier):
    """A subclass with another name: still a classifier, found by scikit-learn's is_classifier."""


def test_a_renamed_classifier_subclass_fits_on_dask_as_a_classifier(client, labelled):
    (X, y), (Xl, yl) = labelled
    kw = dict(hidden_layer_sizes=(4,), max_iter=6, tol=None, random_state=2)
    ref = RenamedClassifier(**kw).fit(Xl, yl)
    clf = RenamedClassifier(**kw, client=client).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.network_.sizes == ref.network_.sizes == [4, 4, 3]
    np.testing.assert_allclose(clf.loss_curve_, ref.loss_curve_, rtol=1e-10)


def test_estimator_engine_dask_sends_numpy_data_through_the_training_data_hook(client, labelled, monkeypatch):
    _, (Xl, yl) = labelled
    used = []
    original = DaskData.loss_and_gradient
    monkeypatch.setattr(DaskData, "loss_and_gradient", lambda self, net: used.append(1) or original(self, net))
    kw = dict(hidden_layer_sizes=(3,), solver="gd", learning_rate_init=1e-3, max_iter=4, tol=None, random_state=0)
    ref = dp.MLPClassifier(**kw).fit(Xl, yl)
    assert used == []
    on_cluster = dp.MLPClassifier(**kw, engine="dask", client=client).fit(Xl, yl)
    assert len(used) == 4
    for a, b in zip(on_cluster.coefs_ + on_cluster.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)
    with pytest.raises(dp.InputError, match="engine='spark' is not one of"):
        dp.MLPClassifier(engine="spark").fit(Xl, yl)
