"""Real tables (issue 16, items 4, 5, 7): text columns, missing values, every problem at once, the
preprocessing that travels with the model, the task from the data, Fashion-MNIST's standard split."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.data import load_dataset, read_csv


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading
def test_text_columns_are_kept_and_every_missing_spelling_is_missing(tmp_path):
    path = write(tmp_path / "shop.csv", "age,city,income,y\n31,Paris,52000,0\nNA,?,,1\n45,,NaN,0\n27,Lyon,48000.5,1\n")
    ds = read_csv(path)
    assert ds.X.dtype == object and ds.feature_names == ["age", "city", "income"]
    assert ds.X[:, 1].tolist() == ["Paris", None, None, "Lyon"]
    age, income = ds.X[:, 0].astype(float), ds.X[:, 2].astype(float)
    np.testing.assert_array_equal(np.isnan(age), [False, True, False, False])
    np.testing.assert_array_equal(np.isnan(income), [False, True, True, False])
    assert age[[0, 2, 3]].tolist() == [31.0, 45.0, 27.0] and income[3] == 48000.5
    assert ds.y.tolist() == [0, 1, 0, 1]


def test_an_all_numeric_table_with_missing_cells_stays_float64_with_nan(tmp_path):
    ds = read_csv(write(tmp_path / "n.csv", "a,b,y\n1,NA,0\n?,2.5,1\n"))
    assert ds.X.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(ds.X), [[False, True], [True, False]])


def test_every_problem_of_a_file_is_listed_in_one_error(tmp_path):
    text = "a,b,c,y\n1,2,3,0\n1_000,inf,5,1\n7,8,-inf,NA\n9,10,11,1\n"
    with pytest.raises(dp.DataFileError) as caught:
        read_csv(write(tmp_path / "bad.csv", text))
    message = str(caught.value)
    assert "has 4 problems" in message
    for part in ("line 3: column 'a' holds '1_000', which is not a plainly written number",
                 "line 3: column 'b' holds 'inf'", "line 4: column 'c' holds '-inf'",
                 "line(s) 4: the target 'y' is missing"):
        assert part in message
    assert "\n" not in message


def test_na_in_a_numeric_column_is_missing_not_a_text_value(tmp_path):
    ds = read_csv(write(tmp_path / "na.csv", "a,y\nNA,0\n2,1\n3,0\n"))
    assert ds.X.dtype == np.float64 and np.isnan(ds.X[0, 0])


def test_a_numeric_target_with_na_names_the_rows_instead_of_becoming_a_class(tmp_path):
    text = "a,price\n" + "".join(f"{i},{100.5 + i}\n" for i in range(10)) + "3,NA\n4,?\n"
    with pytest.raises(dp.DataFileError, match=r"line\(s\) 12, 13: the target 'price' is missing .* in 2 of 12 rows; "
                                               r"drop those rows or fill them in"):
        read_csv(write(tmp_path / "p.csv", text))


def test_parquet_keeps_string_columns_and_nulls_as_missing(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"a": [1.0, None, 3.0], "city": ["x", None, "NA"], "y": [0, 1, 0]}), tmp_path / "t.parquet")
    ds = load_dataset(tmp_path / "t.parquet")
    assert ds.X.dtype == object and ds.X[:, 1].tolist() == ["x", None, None]
    assert np.isnan(ds.X[1, 0]) and ds.X[2, 0] == 3.0
