import numpy as np
import pytest

from deltaprop.modelfile import read


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def randomize_biases(net, rng, scale=0.5):
    """Nonzero biases keep relu units off their kink at net = 0 in gradient checks."""
    for b in net.biases:
        b[...] = rng.uniform(-scale, scale, size=b.shape)
    return net


def assert_same_network(model_path, estimator):
    """The model file of ``deltaprop train`` holds bitwise the fitted estimator's network."""
    arrays, meta = read(model_path)
    net = estimator.network_
    assert meta["architecture"]["layer_sizes"] == net.sizes
    assert meta["architecture"]["output_activation"] == net.output_activation
    for t, (W, b) in enumerate(zip(net.weights, net.biases)):
        np.testing.assert_array_equal(arrays[f"weights.{t}"], W)
        np.testing.assert_array_equal(arrays[f"biases.{t}"], b)


@pytest.fixture
def prices_csv(tmp_path):
    """A 300-row table with an integer target ``price`` (regressed from the CLI), as a CSV path."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    price = (X @ [30, -20, 50] * 100 + 20000).round().astype(int)
    path = tmp_path / "prices.csv"
    path.write_text("a,b,c,price\n" + "".join(f"{a:.3f},{b:.3f},{c:.3f},{p}\n" for (a, b, c), p in zip(X, price)))
    return path
