import numpy as np

from deltaprop._validation import all_finite


def test_all_finite_finds_a_nan_in_any_row_block():
    a = np.zeros((50, 3))
    assert all_finite(a, rows=8)
    for r in (0, 7, 8, 49):
        b = a.copy()
        b[r, 1] = np.nan
        assert not all_finite(b, rows=8)
