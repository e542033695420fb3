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
