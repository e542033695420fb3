import numpy as np
import pytest

import deltaprop as dp
import deltaprop.training
from deltaprop.errors import InputError
from deltaprop.sources import ArrayData, DataSource, as_source, is_data_source


def data(n=7, seed=0, weighted=True):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, 2)), rng.random((n, 1))
    return X, Y, (rng.random(n) if weighted else None)


class Minimal:
    """The protocol's three members and nothing else."""

    def __init__(self, n):
        self.n_examples = n

    def loss_and_gradient(self, net):
        raise AssertionError("not called here")

    def batches(self, batch_size, rng):
        return iter(())


def test_array_data_is_the_one_class_behind_every_import_path():
    assert dp.ArrayData is deltaprop.training.ArrayData is ArrayData


def test_array_data_serves_data_and_knows_no_optimizer():
    assert isinstance(ArrayData(*data()), DataSource)
    assert not hasattr(ArrayData, "sgd_step") and not hasattr(ArrayData, "sgd_epoch")


def test_is_data_source_needs_all_three_members():
    assert is_data_source(Minimal(3))
    partial = Minimal(3)
    del partial.n_examples
    assert not is_data_source(partial)
    assert not is_data_source(np.zeros((3, 2)))


def test_as_source_validates_arrays_into_the_networks_dtype():
    net = dp.Network([2, 3, 1], seed=0, dtype="float32")
    X, Y, sw = data()
    src = as_source(net, X, Y[:, 0], sw)
    got = src.arrays()
    assert [a.dtype for a in got] == [np.float32] * 3 and got[1].shape == (7, 1)
    np.testing.assert_array_equal(got[0], X.astype(np.float32))


def test_as_source_passes_a_source_through_after_its_check():
    checked = []
    src = Minimal(3)
    src.check = checked.append
    net = dp.Network([2, 3, 1], seed=0)
    assert as_source(net, src) is src
    assert checked == [net]


@pytest.mark.parametrize("extra", [dict(Y=np.zeros(3)), dict(sample_weight=np.ones(3))])
def test_as_source_refuses_targets_or_weights_beside_a_source(extra):
    with pytest.raises(InputError, match="carries its own targets and weights; pass Y=None and sample_weight=None"):
        as_source(dp.Network([2, 3, 1], seed=0), Minimal(3), **extra)


def test_unshuffled_batches_are_consecutive_slices_with_a_short_last_one():
    X, Y, sw = data()
    got = list(ArrayData(X, Y, sw).batches(3, None))
    assert [len(b[0]) for b in got] == [3, 3, 1]
    for (Xb, Yb, swb), start in zip(got, (0, 3, 6)):
        np.testing.assert_array_equal(Xb, X[start:start + 3])
        np.testing.assert_array_equal(Yb, Y[start:start + 3])
        np.testing.assert_array_equal(swb, sw[start:start + 3])


def test_shuffled_batches_follow_one_permutation_of_the_generator():
    X, Y, sw = data()
    perm = np.random.default_rng(5).permutation(7)
    for (Xb, Yb, swb), start in zip(ArrayData(X, Y, sw).batches(3, np.random.default_rng(5)), (0, 3, 6)):
        idx = perm[start:start + 3]
        np.testing.assert_array_equal(Xb, X[idx])
        np.testing.assert_array_equal(Yb, Y[idx])
        np.testing.assert_array_equal(swb, sw[idx])


def test_split_holds_out_the_ceiling_of_the_fraction_and_split_at_repeats_it():
    X, Y, sw = data(n=10)
    src = ArrayData(X, Y, sw)
    train, val, idx = src.split(0.25, np.random.default_rng(1))
    assert val.n_examples == 3 and train.n_examples == 7 and list(idx) == sorted(idx)
    np.testing.assert_array_equal(val.X, X[idx])
    rest = np.setdiff1d(np.arange(10), idx)
    np.testing.assert_array_equal(train.X, X[rest])  # the training part keeps the stored order
    np.testing.assert_array_equal(train.sample_weight, sw[rest])
    again_train, again_val = src.split_at(idx)
    np.testing.assert_array_equal(again_train.X, train.X)
    np.testing.assert_array_equal(again_val.Y, val.Y)


def test_loss_without_gradient_equals_the_loss_of_loss_and_gradient():
    net = dp.Network([2, 3, 1], seed=0)
    src = as_source(net, *data())
    assert src.loss(net) == pytest.approx(src.loss_and_gradient(net)[0], rel=1e-14)
