import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def randomize_biases(net, rng, scale=0.5):
    """Nonzero biases keep relu units off their kink at net = 0 in gradient checks."""
    for b in net.biases:
        b[...] = rng.uniform(-scale, scale, size=b.shape)
    return net


@pytest.fixture
def prices_csv(tmp_path):
    """A 300-row table with an integer target ``price`` (regressed from the CLI), as a CSV path."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    price = (X @ [30, -20, 50] * 100 + 20000).round().astype(int)
    path = tmp_path / "prices.csv"
    path.write_text("a,b,c,price\n" + "".join(f"{a:.3f},{b:.3f},{c:.3f},{p}\n" for (a, b, c), p in zip(X, price)))
    return path
