"""deltaprop.gradcheck: the finite-difference check refuses work that would take hours."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.gradcheck import numerical_gradient


def test_numerical_gradient_refuses_a_check_of_hours_before_evaluating_anything():
    # 400-400-400 on 150 examples: about 3e13 multiply-adds, the 495 s case and worse.
    net = dp.Network([400, 400, 400], seed=0)
    X, Y = np.zeros((150, 400)), np.zeros((150, 400))
    with pytest.raises(dp.InputError, match="finite-difference check .* multiply-adds"):
        numerical_gradient(net, X, Y)


def test_numerical_gradient_of_a_small_network_still_runs():
    net = dp.Network([2, 3, 1], seed=0)
    X, Y = np.array([[0.5, -1.0]]), np.array([[1.0]])
    dW, _ = numerical_gradient(net, X, Y)
    np.testing.assert_allclose(dW[0], net.gradient(X, Y)[0][0], rtol=1e-6, atol=1e-9)
