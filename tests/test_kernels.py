import numpy as np
import pytest

import deltaprop as dp
from deltaprop._kernels import Workspace


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [1, 7, 16])
def test_workspace_gradient_equals_the_core_gradient(dtype, n, rng):
    net = dp.Network([5, 6, 4, 3], activation="tanh", output_activation="softmax", loss="cross_entropy",
                     seed=0, dtype=dtype)
    X = rng.normal(size=(n, 5)).astype(dtype)
    Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, n)]
    ws = Workspace(net, batch_size=16)
    J = ws.loss_and_gradient(X, Y)
    J_ref, dW, db = net.loss_and_gradient(X, Y)
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert J == pytest.approx(J_ref, rel=tol)
    for a, b in zip(ws.dW + ws.db, dW + db):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
