import gc
import json
import weakref

import numpy as np
import pytest

import deltaprop as dp
import deltaprop.training
from deltaprop._state import History, join_state, run_from_state, split_state
from deltaprop.errors import InputError


def trained_state():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.random((20, 1))
    trainer = dp.Trainer(solver="adam", batch_size=8, early_stopping=True, epochs=3, seed=2)
    trainer.fit(dp.Network([3, 4, 1], seed=0), X, Y)
    return trainer.state_dict()


def test_split_and_join_stay_importable_from_training():
    assert deltaprop.training.split_state is split_state and deltaprop.training.join_state is join_state


def test_split_then_join_gives_back_the_same_state():
    state = trained_state()
    arrays, meta = split_state(state)
    assert "optimizer.m.0" in arrays and "best_params.0" in arrays
    back = join_state(arrays, json.loads(json.dumps(meta)))
    assert back.keys() == state.keys()
    for a, b in zip(back["params"], state["params"]):
        np.testing.assert_array_equal(a, b)
    assert back["rng"] == state["rng"] and back["history"] == state["history"]


def test_join_names_a_missing_array():
    with pytest.raises(InputError, match="refers to array 'optimizer.m.0', which is missing"):
        join_state({}, {"optimizer": {"m": [{"__array__": "optimizer.m.0"}]}})


def test_split_and_join_form_no_reference_cycle_that_keeps_arrays_alive():
    # Issue 14 point 3: with the cyclic collector off, every array must be freed as soon as
    # the last reference to the state goes (a recursive closure used to keep them all alive).
    gc.collect()
    gc.disable()
    try:
        refs = []
        for _ in range(20):
            big = np.ones(250_000)
            state = {"optimizer": {"m": [big, np.zeros(3)]}, "params": [big + 1.0]}
            arrays, meta = split_state(state)
            joined = join_state(arrays, meta)
            refs += [weakref.ref(big), weakref.ref(joined["params"][0])]
            del big, state, arrays, meta, joined
        assert [r() for r in refs] == [None] * len(refs)
    finally:
        gc.enable()


def test_state_dict_and_load_do_not_alias_the_trainers_run():
    state = trained_state()
    run = run_from_state(state)
    run.opt_state["m"][0][...] = 123.0
    run.stopping["best_params"][0][...] = 7.0
    assert not (state["optimizer"]["m"][0] == 123.0).any()
    assert not (state["best_params"][0] == 7.0).any()


def test_history_round_trips_through_plain_data():
    h = History(loss=[np.float32(1.5), 1.0], learning_rate=[0.1, 0.1], best_epoch=1, stop_reason="tol")
    d = h.to_dict()
    assert d["loss"] == [1.5, 1.0] and type(d["loss"][0]) is float
    assert History.from_dict(d) == h


def test_history_repr_is_one_short_line_not_every_float():
    h = History(loss=list(np.linspace(2.0, 0.1, 5000)), val_loss=[0.3] * 5000, val_metric=[0.5] * 4999 + [0.75],
                time=[0.01] * 5000, learning_rate=[0.1] * 5000, best_epoch=4999, stop_reason="max_epochs")
    text = repr(h)
    assert text == ("History(epochs=5000, loss=0.1 (best 0.1 at epoch 4999), val_loss=0.3, val_metric=0.75 "
                    "(best 0.75), best_epoch=4999, stop_reason='max_epochs')")
    assert repr(History()) == "History(epochs=0, stop_reason=None)"
    diverged = History(loss=[1.0, 0.5, float("nan")], best_epoch=1, stop_reason="diverged")
    assert repr(diverged) == "History(epochs=3, loss=nan (best 0.5 at epoch 1), stop_reason='diverged')"
