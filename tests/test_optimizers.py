"""Each optimizer's first steps against its published rule, written out scalar by scalar.

The objective is a separable quadratic f(w) = 1/2 sum_k a_k (w_k - c_k)^2 with gradient
g_k = a_k (w_k - c_k), so every step can be followed by hand.
"""

import math

import numpy as np
import pytest

from deltaprop.errors import InputError
from deltaprop.optimizers import OPTIMIZERS, get_optimizer

A = [1.0, 4.0, 0.5]
C = [0.3, -0.2, 2.0]


def grad(w):
    return [a * (wk - c) for a, wk, c in zip(A, w, C)]


def run(name, w0, steps, lr, scale=1.0, **options):
    """Apply ``steps`` updates of optimizer ``name`` to one parameter array; return the iterates."""
    opt, preset = get_optimizer(name)
    p = np.array(w0, dtype=float)
    state = opt.init([p], **{**preset, **options})
    out = []
    for _ in range(steps):
        g = np.array(grad(p.tolist())) / scale  # the "summed" gradient; scale brings it back
        opt.update(state, [p], [g], lr, scale)
        out.append(p.tolist())
    return out


def test_gd_step_is_the_notes_rule_w_minus_eta_g():
    w = [1.0, 1.0, 1.0]
    expected = []
    for _ in range(3):
        w = [wk - 0.1 * gk for wk, gk in zip(w, grad(w))]
        expected.append(w)
    assert run("gd", [1.0, 1.0, 1.0], 3, lr=0.1) == expected  # bitwise


def test_sgd_momentum_follows_rumelhart_hinton_williams():
    mu, eta = 0.9, 0.1
    w, v = [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]
    expected = []
    for _ in range(3):
        g = grad(w)
        v = [mu * vk - eta * gk for vk, gk in zip(v, g)]  # dw(t) = -eta g + mu dw(t-1)
        w = [wk + vk for wk, vk in zip(w, v)]
        expected.append(w)
    np.testing.assert_allclose(run("sgd", [1.0, 1.0, 1.0], 3, lr=eta, momentum=mu), expected, rtol=1e-15)


def test_sgd_nesterov_follows_the_sutskever_reformulation():
    mu, eta = 0.8, 0.05
    w, v = [1.0, -1.0, 0.0], [0.0, 0.0, 0.0]
    expected = []
    for _ in range(3):
        g = grad(w)
        v = [mu * vk - eta * gk for vk, gk in zip(v, g)]
        w = [wk + mu * vk - eta * gk for wk, vk, gk in zip(w, v, g)]
        expected.append(w)
    got = run("sgd", [1.0, -1.0, 0.0], 3, lr=eta, momentum=mu, nesterov=True)
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_first_momentum_step_by_hand():
    # w = 1, g = a (w - c) = 1 * 0.7 = 0.7 on the first coordinate: v = -0.1 * 0.7, w = 0.93.
    got = run("sgd", [1.0, 1.0, 1.0], 1, lr=0.1, momentum=0.9)
    assert got[0][0] == pytest.approx(0.93, abs=1e-15)


def test_adam_follows_kingma_and_ba():
    b1, b2, eps, eta = 0.9, 0.999, 1e-8, 0.01
    w = [1.0, 1.0, 1.0]
    m, v = [0.0] * 3, [0.0] * 3
    expected = []
    for t in range(1, 4):
        g = grad(w)
        m = [b1 * mk + (1 - b1) * gk for mk, gk in zip(m, g)]
        v = [b2 * vk + (1 - b2) * gk * gk for vk, gk in zip(v, g)]
        eta_t = eta * math.sqrt(1 - b2**t) / (1 - b1**t)  # section 2, the efficient form
        w = [wk - eta_t * mk / (math.sqrt(vk) + eps) for wk, mk, vk in zip(w, m, v)]
        expected.append(w)
    np.testing.assert_allclose(run("adam", [1.0, 1.0, 1.0], 3, lr=eta), expected, rtol=1e-14)
    # The first Adam step moves every weight by about eta against its gradient's sign.
    first = np.array(expected[0]) - 1.0
    np.testing.assert_allclose(first, -eta * np.sign(grad([1.0, 1.0, 1.0])), rtol=1e-6)


def test_adam_gradient_scale_is_applied_before_the_moments():
    # With scale = 1/4 the optimizer must see the mean gradient; epsilon makes the step scale-sensitive.
    a = run("adam", [1.0, 1.0, 1.0], 3, lr=0.01, scale=0.25, epsilon=1e-1)
    b = run("adam", [1.0, 1.0, 1.0], 3, lr=0.01, scale=1.0, epsilon=1e-1)
    np.testing.assert_allclose(a, b, rtol=1e-14)


def rprop_by_hand(w, steps, variant, delta0=0.1, ep=1.2, em=0.5, dmin=1e-6, dmax=50.0):
    sign = lambda x: (x > 0) - (x < 0)  # noqa: E731
    n = len(w)
    delta, prev, change = [delta0] * n, [0.0] * n, [0.0] * n
    out = []
    for _ in range(steps):
        g = grad(w)
        w = list(w)
        for k in range(n):
            s = prev[k] * g[k]
            if s > 0:
                delta[k] = min(delta[k] * ep, dmax)
            elif s < 0:
                delta[k] = max(delta[k] * em, dmin)
            if variant == "rprop+":
                if s < 0:
                    w[k] -= change[k]  # weight-backtracking
                    change[k] = -change[k]
                    g[k] = 0.0
                else:
                    change[k] = -sign(g[k]) * delta[k]
                    w[k] += change[k]
            else:
                if s < 0:
                    g[k] = 0.0
                w[k] -= sign(g[k]) * delta[k]
            prev[k] = g[k]
        out.append(w)
    return out


@pytest.mark.parametrize("variant", ["irprop-", "rprop+"])
def test_rprop_follows_the_published_rule(variant):
    w0 = [0.45, 0.0, 1.0]
    expected = rprop_by_hand(w0, 8, variant)
    got = run(variant, w0, 8, lr=None)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_rprop_first_steps_by_hand():
    # First coordinate: a = 1, c = 0.3, w = 0.45, so g = 0.15 > 0 and Delta = 0.1.
    irprop = run("irprop-", [0.45, 0.0, 1.0], 3, lr=None)
    plus = run("rprop+", [0.45, 0.0, 1.0], 3, lr=None)
    # step 1: no previous gradient: w = 0.45 - 0.1 = 0.35 (both variants)
    assert irprop[0][0] == pytest.approx(0.35) and plus[0][0] == pytest.approx(0.35)
    # step 2: g = 0.05, same sign: Delta = 0.12, w = 0.23
    assert irprop[1][0] == pytest.approx(0.23) and plus[1][0] == pytest.approx(0.23)
    # step 3: g = -0.07, sign change: Delta = 0.06; iRprop- stays, Rprop+ undoes the last step
    assert irprop[2][0] == pytest.approx(0.23)
    assert plus[2][0] == pytest.approx(0.35)


def test_rprop_ignores_the_gradient_scale():
    a = run("rprop+", [0.45, 0.0, 1.0], 5, lr=None, scale=1.0)
    b = run("rprop+", [0.45, 0.0, 1.0], 5, lr=None, scale=1e-3)
    np.testing.assert_allclose(a, b, rtol=1e-15)


def quickprop_by_hand(w, steps, eps, mu=1.75, decay=0.0):
    shrink = mu / (1 + mu)
    n = len(w)
    prev_step, prev_slope = [0.0] * n, [0.0] * n
    out = []
    for _ in range(steps):
        g = grad(w)
        w = list(w)
        for k in range(n):
            slope = -(g[k] + decay * w[k])  # FANN's slope: the negative gradient
            step = 0.0
            if prev_step[k] > 0.001:
                if slope > 0:
                    step += eps * slope
                if slope > shrink * prev_slope[k]:
                    step += mu * prev_step[k]
                else:
                    step += prev_step[k] * slope / (prev_slope[k] - slope)
            elif prev_step[k] < -0.001:
                if slope < 0:
                    step += eps * slope
                if slope < shrink * prev_slope[k]:
                    step += mu * prev_step[k]
                else:
                    step += prev_step[k] * slope / (prev_slope[k] - slope)
            else:
                step += eps * slope
            prev_step[k], prev_slope[k] = step, slope
            w[k] += step
        out.append(w)
    return out


def test_quickprop_follows_fanns_rule():
    w0 = [1.0, 1.0, 1.0]
    expected = quickprop_by_hand(w0, 6, eps=0.3, decay=1e-4)
    got = run("quickprop", w0, 6, lr=0.3, decay=1e-4)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def test_quickprop_first_steps_by_hand():
    # Third coordinate: a = 0.5, c = 2, w = 0: g = -1, slope = 1.
    got = run("quickprop", [0.3, -0.2, 0.0], 3, lr=1.0, decay=0.0)
    # step 1 (no previous step): dw = eps * slope = 1 -> w = 1
    assert got[0][2] == pytest.approx(1.0)
    # step 2: slope = 0.5 > 0 adds eps*slope = 0.5; 0.5 <= shrink * 1 = 0.636, so the parabola
    # term 1 * 0.5 / (1 - 0.5) = 1 is added too: w = 2.5
    assert got[1][2] == pytest.approx(2.5)
    # step 3: slope = -0.25, parabola only: 1.5 * -0.25 / (0.5 + 0.25) = -0.5 -> w = 2, the minimum
    assert got[2][2] == pytest.approx(2.0)
    # Coordinates already at their minimum never move.
    assert got[2][:2] == [0.3, -0.2]


def test_quickprop_clips_weights_like_fann():
    opt, _ = get_optimizer("quickprop")
    p = np.array([1499.0])
    state = opt.init([p])
    opt.update(state, [p], [np.array([-100.0])], 0.7, 1.0)
    assert p[0] == 1500.0


def test_optimizer_registry_names_and_aliases():
    assert set(OPTIMIZERS) == {"gd", "sgd", "adam", "rprop", "quickprop", "lbfgs"}
    assert get_optimizer("rprop+")[1] == {"variant": "rprop+"}
    with pytest.raises(InputError, match="'gd'.*'lbfgs'"):
        get_optimizer("newton")


@pytest.mark.parametrize("name, options, message", [
    ("sgd", {"momentum": 1.0}, "momentum"),
    ("sgd", {"nesterov": True}, "nesterov"),
    ("adam", {"beta_1": 1.5}, "beta_1"),
    ("rprop", {"variant": "rprop-"}, "variant"),
    ("rprop", {"eta_plus": 0.9}, "eta_plus"),
    ("rprop", {"delta0": 100.0}, "delta_max"),
])
def test_bad_optimizer_options_name_the_problem(name, options, message):
    opt, _ = get_optimizer(name)
    with pytest.raises(InputError, match=message):
        opt.init([np.zeros(2)], **options)


def test_only_plain_gradient_descent_offers_to_be_fused():
    from deltaprop.optimizers import OPTIMIZERS, lbfgs_minimize

    plain = {name for name, opt in OPTIMIZERS.items() if opt.is_plain is not None}
    assert plain == {"gd", "sgd"}
    params = [np.zeros(3)]
    for name in plain:
        opt = OPTIMIZERS[name]
        assert opt.is_plain(opt.init(params)) is True
        assert opt.is_plain(opt.init(params, momentum=0.9)) is False
    assert {name for name, opt in OPTIMIZERS.items() if opt.minimize is not None} == {"lbfgs"}
    assert OPTIMIZERS["lbfgs"].minimize is lbfgs_minimize
