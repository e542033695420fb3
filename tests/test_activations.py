import warnings

import numpy as np
import pytest

from deltaprop.activations import ACTIVATIONS, get_activation

ELEMENTWISE = [n for n, a in ACTIVATIONS.items() if a.elementwise]


def test_sigmoid_matches_the_logistic_formula():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(get_activation("sigmoid")(x), 1 / (1 + np.exp(-x)), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "tanh"])
def test_activation_stays_finite_without_warnings_for_huge_inputs(name):
    x = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o = get_activation(name)(x)
    assert np.isfinite(o).all()
    lo, hi = ACTIVATIONS[name].output_range
    assert (o >= lo).all() and (o <= hi).all()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_written_with_output_matches_finite_difference(name):
    f = get_activation(name)
    x = np.linspace(-3, 3, 61) + 0.013  # away from relu's kink at 0
    h = 1e-6
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(f.grad(f(x)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_multiplies_upstream_by_local_derivative(name, rng):
    f = get_activation(name)
    o = f(rng.normal(size=(4, 5)))
    g = rng.normal(size=(4, 5))
    np.testing.assert_allclose(f.backward(o, g.copy()), g * f.grad(o))


def test_softmax_backward_is_the_jacobian_product(rng):
    f = get_activation("softmax")
    net = rng.normal(size=(1, 4))
    o = f(net)[0]
    jac = np.diag(o) - np.outer(o, o)
    g = rng.normal(size=4)
    np.testing.assert_allclose(f.backward(o[None], g[None].copy())[0], jac @ g)


def test_aliases_resolve_to_canonical_names():
    assert get_activation("logistic").name == "sigmoid"
    assert get_activation("LINEAR").name == "identity"


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of 'sigmoid'"):
        get_activation("swish")
