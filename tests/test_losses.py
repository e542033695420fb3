import numpy as np
import pytest

from deltaprop.activations import get_activation
from deltaprop.losses import CANONICAL, LOSSES, get_loss, output_delta


def test_seed_output_delta_is_y_minus_o_times_o_one_minus_o():
    o = np.array([[0.2, 0.9]])
    y = np.array([[1.0, 0.0]])
    delta = output_delta(get_loss("squared_error"), get_activation("sigmoid"), o, y)
    np.testing.assert_allclose(delta, (y - o) * o * (1 - o), rtol=1e-15)


@pytest.mark.parametrize("pair", sorted(CANONICAL))
def test_canonical_shortcut_equals_general_chain_rule(pair, rng):
    act_name, loss_name = pair
    act, loss = get_activation(act_name), get_loss(loss_name)
    o = act(rng.normal(size=(6, 3)))
    y = rng.dirichlet(np.ones(3), size=6) if act_name == "softmax" else rng.uniform(size=(6, 3))
    y = y * 0.7  # rows not summing to 1 exercise softmax's general form
    general = -act.backward(o, loss.grad(o, y))
    np.testing.assert_allclose(output_delta(loss, act, o, y), general, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_gradient_matches_finite_difference(name, rng):
    loss = get_loss(name)
    o = rng.uniform(0.1, 0.9, size=(3, 4))
    y = rng.uniform(size=(3, 4))
    h = 1e-7
    num = np.zeros_like(o)
    for idx in np.ndindex(o.shape):
        p, m = o.copy(), o.copy()
        p[idx] += h
        m[idx] -= h
        num[idx] = (loss.value(p, y).sum() - loss.value(m, y).sum()) / (2 * h)
    np.testing.assert_allclose(loss.grad(o, y), num, rtol=1e-6)


def test_squared_error_is_half_the_sum_of_squares():
    o = np.array([[0.5, 0.25]])
    y = np.array([[1.0, 0.0]])
    assert get_loss("squared_error").value(o, y)[0] == pytest.approx(0.5 * (0.25 + 0.0625), rel=1e-15)


def test_cross_entropy_is_finite_when_an_output_is_exactly_zero():
    o = np.array([[0.0, 1.0]])
    y = np.array([[1.0, 0.0]])
    assert np.isfinite(get_loss("cross_entropy").value(o, y)).all()
    assert np.isfinite(get_loss("binary_cross_entropy").value(o, y)).all()


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="choose one of 'squared_error', 'binary_cross_entropy', 'cross_entropy'"):
        get_loss("hinge")
