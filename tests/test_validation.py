import numpy as np

from deltaprop._validation import all_finite


def test_all_finite_finds_a_nan_in_any_row_block():
    a = np.zeros((50, 3))
    assert all_finite(a, rows=8)
    for r in (0, 7, 8, 49):
        b = a.copy()
        b[r, 1] = np.nan
        assert not all_finite(b, rows=8)


def test_all_finite_is_true_for_finite_entries_whose_sum_overflows_and_false_for_inf_or_nan():
    a = np.full((20, 3), 3e38, dtype=np.float32)  # every entry finite, the float32 sum overflows
    assert all_finite(a, rows=8)
    for bad in (np.inf, -np.inf, np.nan):
        b = a.copy()
        b[17, 2] = bad
        assert not all_finite(b, rows=8)
    c = np.ones((20, 3))
    c[[3, 4], 0] = [np.inf, -np.inf]  # inf + (-inf) = NaN in the sum: still found
    assert not all_finite(c, rows=8)
