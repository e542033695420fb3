import dataclasses
import math

import pytest

import deltaprop as dp
from deltaprop._settings import Settings, resolve
from deltaprop.stopping import StoppingRule


def test_settings_are_frozen():
    s = resolve(dp.Trainer())
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.learning_rate = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.stopping.tol = 1.0


def test_resolve_fills_the_solvers_defaults_and_merges_the_options():
    s = resolve(dp.Trainer(solver="irprop-", tol=1e-3, n_iter_no_change=4, early_stopping=True,
                           solver_options={"delta0": 0.2}, batch_size="auto"))
    assert isinstance(s, Settings)
    assert s.opt.name == "rprop" and s.solver_kwargs == {"variant": "irprop-", "delta0": 0.2}
    assert math.isnan(s.learning_rate) and s.reduction == "mean" and s.mean and s.batch_size is None
    assert s.stopping == StoppingRule(tol=1e-3, n_iter_no_change=4, early_stopping=True)


def test_resolve_keeps_explicit_settings_off_their_defaults():
    s = resolve(dp.Trainer(solver="sgd", learning_rate=0.3, batch_size=16, reduction="sum", momentum=0.5,
                           nesterov=True, weight_decay=0.01, clip_norm=2, shuffle=False, schedule="step",
                           schedule_options={"step_size": 3}, epochs=7))
    assert (s.learning_rate, s.batch_size, s.reduction, s.weight_decay, s.clip_norm, s.shuffle, s.epochs) == (
        0.3, 16, "sum", 0.01, 2.0, False, 7)
    assert s.solver_kwargs == {"momentum": 0.5, "nesterov": True}
    assert s.schedule.name == "step" and s.schedule_kwargs == {"step_size": 3}


def test_hooks_group_the_callbacks_methods_by_event():
    class OnlyEpoch:
        def on_epoch_end(self, trainer, net, epoch, logs):
            return None

    cb = OnlyEpoch()
    hooks = resolve(dp.Trainer(callbacks=[cb])).hooks
    assert hooks.epoch == (cb.on_epoch_end,) and hooks.begin == hooks.step == hooks.end == ()
