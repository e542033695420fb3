"""Data readers and built-in data sets: each format on files the tests write, and every error."""

import gzip
import io
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.data import (
    BUILTIN_DATASETS,
    FASHION_MNIST_DIR,
    Dataset,
    load_builtin,
    load_dataset,
    read_csv,
    read_idx,
    read_idx_dataset,
    read_npy,
    read_npz,
    read_parquet,
    write_idx,
)


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- CSV / TSV
def test_csv_target_by_name_keeps_string_labels_and_column_order(tmp_path):
    path = write(tmp_path / "d.csv", "a,label,b\n1,cat,2.5\n-3,dog,4e1\n0.5,cat,6\n")
    X, y, names, target = load_dataset(path, target="label")
    assert X.dtype == np.float64 and X.tolist() == [[1.0, 2.5], [-3.0, 40.0], [0.5, 6.0]]
    assert y.tolist() == ["cat", "dog", "cat"] and y.dtype.kind == "U"
    assert names == ["a", "b"] and target == "label"


def test_csv_default_target_is_the_last_column_and_integer_labels_stay_integers(tmp_path):
    path = write(tmp_path / "d.csv", "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    ds = load_dataset(path)
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [0, 1, 1, 0]
    assert ds.feature_names == ["x1", "x2"] and ds.target_name == "y" and ds.X.shape == (4, 2)


def test_csv_real_targets_are_floats(tmp_path):
    ds = load_dataset(write(tmp_path / "d.csv", "x,t\n1,0.5\n2,1\n"))
    assert ds.y.dtype == np.float64 and ds.y.tolist() == [0.5, 1.0]


def test_csv_target_by_index_and_without_target(tmp_path):
    path = write(tmp_path / "d.csv", "t,a,b\n1,2,3\n4,5,6\n")
    ds = load_dataset(path, target=0)
    assert ds.target_name == "t" and ds.y.tolist() == [1, 4] and ds.X.tolist() == [[2, 3], [5, 6]]
    ds = load_dataset(path, has_target=False)
    assert ds.y is None and ds.target_name is None and ds.feature_names == ["t", "a", "b"]


def test_csv_quotes_bom_blank_lines_and_spaces(tmp_path):
    text = '\ufeffa, b ,"name, with comma"\n\n 1 , 2,"x, y"\n3,4,z\n\n'
    ds = load_dataset(write(tmp_path / "d.csv", text))
    assert ds.feature_names == ["a", "b"] and ds.target_name == "name, with comma"
    assert ds.X.tolist() == [[1, 2], [3, 4]] and ds.y.tolist() == ["x, y", "z"]
    assert ds.skipped_lines == [2]  # the empty line after the header; the one at the end is padding


def rows_of(X) -> list:
    """X's rows with NaN and None written as None (NaN != NaN)."""
    return [[None if v is None or v != v else v for v in row] for row in X.tolist()]


@pytest.mark.parametrize("source", ["d.csv", "d.tsv", "d.csv.gz", "-"])
def test_a_line_of_delimiters_only_is_a_row_of_missing_values(tmp_path, monkeypatch, source):
    sep = "\t" if source == "d.tsv" else ","
    text = "\n".join(sep.join(row) for row in [["age", "income", "city", "visits"], ["40", "", "paris", "3"],
                                                 ["", "", "", ""], ["50", "60000", "lyon", "2"]]) + "\n"
    if source == "-":
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    elif source.endswith(".gz"):
        (tmp_path / source).write_bytes(gzip.compress(text.encode()))
    else:
        write(tmp_path / source, text)
    ds = read_csv(source if source == "-" else tmp_path / source, has_target=False)
    assert rows_of(ds.X) == [[40.0, None, "paris", 3.0], [None, None, None, None], [50.0, 60000.0, "lyon", 2.0]]
    assert ds.skipped_lines == []


def test_a_line_of_delimiters_only_with_a_missing_target_is_refused_naming_its_line(tmp_path):
    path = write(tmp_path / "d.csv", "a,b,y\n1,2,0\n,,\n3,4,1\n")
    with pytest.raises(dp.DataFileError, match=r"line\(s\) 3: the target 'y' is missing"):
        read_csv(path)


def test_a_line_of_delimiters_of_the_wrong_length_is_refused_like_any_row(tmp_path):
    with pytest.raises(dp.DataFileError, match=r"line 3: 2 fields but the header \(line 1\) has 3"):
        read_csv(write(tmp_path / "d.csv", "a,b,y\n1,2,0\n,\n"))


def test_empty_lines_are_not_rows_and_those_between_rows_are_listed(tmp_path):
    text = "\n,,\na,b,y\n\n1,2,0\n  \n\n3,4,1\n5,6,0\n\n \n"
    ds = read_csv(write(tmp_path / "d.csv", text))
    assert ds.X.tolist() == [[1, 2], [3, 4], [5, 6]] and ds.y.tolist() == [0, 1, 0]
    # Before the header: skipped (a line of delimiters too); after the last row: padding, not listed.
    assert ds.skipped_lines == [4, 6, 7]


def test_in_a_one_column_table_an_empty_line_is_a_missing_value(tmp_path):
    # pandas writes a missing value of a one-column table as "", a hand-written file as an empty line;
    # empty lines after the last row are padding.
    ds = read_csv(write(tmp_path / "x.csv", 'x\n\n0.5\n""\n  \n0.7\n\n\n'), has_target=False)
    assert rows_of(ds.X) == [[None], [0.5], [None], [None], [0.7]] and ds.skipped_lines == []


def test_a_tsv_of_many_rows_of_tabs_only_is_not_taken_for_blank_padding(tmp_path, monkeypatch):
    monkeypatch.setattr("deltaprop.data._csv.MAX_BLANK_RUN", 3)
    ds = read_csv(write(tmp_path / "d.tsv", "a\tb\n" + "\t\n" * 5 + "1\t2\n"), has_target=False)
    assert len(ds.X) == 6 and np.isnan(ds.X[:5]).all()
    with pytest.raises(dp.DataFileError, match=r"more than 3 blank lines in a row from line 2"):
        read_csv(write(tmp_path / "e.tsv", "a\tb\n" + "\n" * 5 + "1\t2\n"), has_target=False)


def test_tsv_and_gzipped_csv(tmp_path):
    tsv = write(tmp_path / "d.tsv", "a\tb\tc\n1\t2\tu\n3\t4\tv\n")
    assert load_dataset(tsv).X.tolist() == [[1, 2], [3, 4]]
    gz = tmp_path / "d.csv.gz"
    gz.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n"))
    ds = load_dataset(gz)
    assert ds.X.tolist() == [[1], [3]] and ds.y.tolist() == [2, 4]


def test_custom_delimiter(tmp_path):
    ds = load_dataset(write(tmp_path / "d.csv", "a;b\n1;2\n"), delimiter=";")
    assert ds.X.tolist() == [[1.0]] and ds.y.tolist() == [2]


def test_dash_reads_csv_from_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("f,g,label\n1,2,a\n3,4,b\n"))
    X, y, names, target = load_dataset("-", target="label")
    assert X.tolist() == [[1, 2], [3, 4]] and y.tolist() == ["a", "b"] and names == ["f", "g"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty; a table needs a header row"),
        ("\n\n  \n", "is empty; a table needs a header row"),
        ("a,b,c\n", "has a header but no data rows"),
        ("a,b,c\n1,2,3\n4,5\n", r"line 3: 2 fields but the header \(line 1\) has 3"),
        ("a,b,c\n1,2,3\n\n4,5,6,7\n", "line 4: 4 fields"),
        ("a,b,y\n1,2,0\n1,-inf,0\n", "line 3: column 'b' holds '-inf'; remove or impute non-finite values"),
        ("a,b,y\n1,2,\n", r"line\(s\) 2: the target 'y' is missing \(empty, NA, \? or NaN\) in 1 of 1 rows"),
        ("a,b,y\n1,2,1\n1,2,nan\n", r"line\(s\) 3: the target 'y' is missing"),
        ("a,b,y\n1,2,1\n1,2,inf\n", r"line\(s\) 3: the target 'y' holds infinity"),
        ("a,b,y\n1,2,0\n3,x,1\n4,5,1\n", r"column 'b' is numeric but holds text \('x'\) on line\(s\) 3"),
        ("a,,y\n1,2,3\n", "column 2 has no name in the header row.*to_csv\\(index=False\\)"),
        ("a,b,a\n1,2,3\n", r"names 'a' twice \(columns 1 and 3\); rename one"),
        ("a\n1\n", "has a single column 'a': no room for features and a target"),
        ('a,b,y\n1,"2"x,3\n', "line 2: malformed CSV"),
    ],
)
def test_each_malformed_csv_names_the_problem(tmp_path, text, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(dp.DataFileError, match="data file '.*bad.csv'.*" + message):
        load_dataset(path)


def test_non_utf8_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    with pytest.raises(dp.DataFileError, match="is not UTF-8 text .* save it as UTF-8"):
        load_dataset(path)


def test_only_a_target_column_selected_leaves_no_features(tmp_path):
    with pytest.raises(dp.DataFileError, match="has only the target column 'a'"):
        read_csv(write(tmp_path / "d.csv", "a\n1\n"), target="a")


def test_unknown_target_column_suggests_the_closest_name(tmp_path):
    path = write(tmp_path / "d.csv", "sepal,petal,label\n1,2,a\n")
    with pytest.raises(dp.InputError, match="unknown target column 'labl'.*did you mean 'label'.*'sepal', 'petal', 'label'"):
        load_dataset(path, target="labl")
    with pytest.raises(dp.InputError, match="target column index 3 is out of range .* has 3 columns"):
        load_dataset(path, target=3)
    with pytest.raises(dp.InputTypeError, match="target must be a column name or index, got 1.5"):
        load_dataset(path, target=1.5)


# --------------------------------------------------------------------------- path problems
def test_missing_directory_and_unreadable_data_files(tmp_path, monkeypatch):
    with pytest.raises(dp.MissingFileError, match="data file '.*none.csv' does not exist") as info:
        load_dataset(tmp_path / "none.csv")
    assert isinstance(info.value, FileNotFoundError)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(dp.NotAFileError, match="is a directory, not a file"):
        load_dataset(folder)
    path = write(tmp_path / "locked.csv", "a,b\n1,2\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("deltaprop._files.open", refuse, raising=False)
    with pytest.raises(dp.FileAccessDeniedError, match="cannot read data file '.*locked.csv': permission denied") as info:
        load_dataset(path)
    assert isinstance(info.value, PermissionError)


def test_unknown_names_and_suffixes(tmp_path):
    with pytest.raises(dp.MissingFileError, match="no data file or built-in data set named 'irs'; built-in data sets: xor, moons"):
        load_dataset("irs")
    path = write(tmp_path / "d.xlsx", "x")
    with pytest.raises(dp.InputError, match="cannot tell the format of data file .*d.xlsx.*use .csv, .tsv, .npy"):
        load_dataset(path)
    with pytest.raises(dp.InputError, match="part='train' applies only to built-in data sets"):
        load_dataset(write(tmp_path / "d.csv", "a,b\n1,2\n"), part="train")


# --------------------------------------------------------------------------- NumPy
def test_npy_features_only_target_column_and_images(tmp_path):
    A = np.arange(12.0).reshape(4, 3)
    np.save(tmp_path / "a.npy", A)
    ds = load_dataset(tmp_path / "a.npy")
    assert ds.y is None and np.array_equal(ds.X, A) and ds.feature_names == ["x0", "x1", "x2"]
    ds = load_dataset(tmp_path / "a.npy", target=1)
    assert np.array_equal(ds.X, A[:, [0, 2]]) and np.array_equal(ds.y, A[:, 1])
    assert ds.feature_names == ["x0", "x2"] and ds.target_name == "x1"
    images = np.arange(2 * 3 * 2, dtype=np.uint8).reshape(2, 3, 2)
    np.save(tmp_path / "img.npy", images)
    ds = load_dataset(tmp_path / "img.npy")
    assert ds.X.shape == (2, 6) and ds.X.dtype == np.uint8 and ds.feature_names[:3] == ["pixel_0_0", "pixel_0_1", "pixel_1_0"]
    assert np.array_equal(ds.X[1], images[1].ravel())


@pytest.mark.parametrize(
    "array, target, error, message",
    [
        (np.arange(3.0), None, dp.DataFileError, "holds a 1-D array of shape \\(3,\\); save a 2-D array"),
        (np.array([["a", "b"]]), None, dp.DataFileError, "array has dtype <U1, which is not numeric"),
        (np.zeros((2, 2)), "y", dp.InputError, "has no column names; pass target as a column index"),
        (np.zeros((2, 2, 2)), 0, dp.InputError, "a target column index applies only to 2-D arrays"),
        (np.zeros((2, 2)), 5, dp.InputError, "target column index 5 is out of range"),
    ],
)
def test_npy_errors(tmp_path, array, target, error, message):
    np.save(tmp_path / "a.npy", array)
    with pytest.raises(error, match=message):
        read_npy(tmp_path / "a.npy", target)


def test_npy_object_array_is_never_unpickled(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(dp.DataFileError, match="holds Python objects, which deltaprop never unpickles"):
        load_dataset(tmp_path / "o.npy")


def test_a_binary_file_named_npy_is_not_a_npy_file_rather_than_python_objects(tmp_path):
    path = tmp_path / "b.npy"
    path.write_bytes(bytes(range(7, 256)) * 8)  # starts neither with NumPy's magic nor a pickle's 0x80
    with pytest.raises(dp.DataFileError, match=r"is not a \.npy file \(it does not start with NumPy's magic bytes\)"):
        load_dataset(path)


def test_a_binary_file_named_npz_is_not_a_npz_file_rather_than_python_objects(tmp_path):
    path = tmp_path / "b.npz"
    path.write_bytes(bytes(range(7, 256)) * 8)
    with pytest.raises(dp.DataFileError, match=r"is not a \.npz file \(not a zip archive of arrays\)"):
        load_dataset(path)


def test_truncated_npy_claiming_a_huge_array_is_refused_without_allocating_it(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((10, 10)))
    data = (tmp_path / "a.npy").read_bytes().replace(b"(10, 10)", b"(99999999, 1000)")
    (tmp_path / "a.npy").write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(dp.DataFileError, match="not a valid .npy file"):
            load_dataset(tmp_path / "a.npy")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_npz_with_X_y_or_x_y_or_another_labels_key(tmp_path):
    X, y = np.arange(6.0).reshape(3, 2), np.array([1, 0, 1])
    np.savez(tmp_path / "a.npz", X=X, y=y)
    ds = load_dataset(tmp_path / "a.npz")
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y) and ds.target_name == "y"
    np.savez(tmp_path / "b.npz", x=X, labels=y.reshape(-1, 1))
    ds = load_dataset(tmp_path / "b.npz", target="labels")
    assert np.array_equal(ds.y, y) and ds.target_name == "labels"
    ds = load_dataset(tmp_path / "b.npz")
    assert ds.y is None and np.array_equal(ds.X, X)


@pytest.mark.parametrize(
    "arrays, target, error, message",
    [
        ({"data": np.zeros((2, 2))}, None, dp.DataFileError, "holds 'data' but no 'X' \\(or 'x'\\); save it with np.savez"),
        ({"X": np.zeros((3, 2)), "y": np.zeros(2)}, None, dp.DataFileError, "y has shape \\(2,\\) but X has 3 examples"),
        ({"X": np.zeros(3)}, None, dp.DataFileError, "X has shape \\(3,\\); save a 2-D array"),
        ({"X": np.zeros((3, 2))}, "labels", dp.InputError, "has no array 'labels'; its arrays are 'X'"),
    ],
)
def test_npz_errors(tmp_path, arrays, target, error, message):
    np.savez(tmp_path / "a.npz", **arrays)
    with pytest.raises(error, match=message):
        load_dataset(tmp_path / "a.npz", target=target)


def test_npz_object_arrays_and_damaged_archives(tmp_path):
    np.savez(tmp_path / "o.npz", X=np.array([[object()]], dtype=object))
    with pytest.raises(dp.DataFileError, match="never unpickles"):
        load_dataset(tmp_path / "o.npz")
    (tmp_path / "d.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(dp.DataFileError, match="is not a valid .npz file"):
        load_dataset(tmp_path / "d.npz")


# --------------------------------------------------------------------------- Parquet
def test_parquet_numeric_features_and_string_labels(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "label": ["x", "y", "x"]}), tmp_path / "d.parquet")
    X, y, names, target = load_dataset(tmp_path / "d.parquet")
    assert X.tolist() == [[1, 0.5], [2, 1.5], [3, 2.5]] and y.tolist() == ["x", "y", "x"]
    assert names == ["a", "b"] and target == "label"
    pq.write_table(pa.table({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "flag": [True, False, True]}), tmp_path / "n.parquet")
    ds = load_dataset(tmp_path / "n.parquet", target="a")
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [1, 2, 3] and ds.feature_names == ["b", "flag"]
    assert ds.X.tolist() == [[0.5, 1], [1.5, 0], [2.5, 1]]
    assert load_dataset(tmp_path / "n.parquet", target="b").y.dtype == np.float64


@pytest.mark.parametrize(
    "columns, message",
    [
        ({"a": [b"u", b"v"], "y": [0, 1]}, r"column 'a' is neither numbers nor text \(type binary\)"),
        ({"a": [1.0, float("inf")], "y": [0, 1]}, r"column 'a' holds infinity in row\(s\) 1"),
        ({"a": [1.0, 2.0], "y": [0, None]}, r"the target 'y' is missing in row\(s\) 1 \(1 of 2 rows\)"),
    ],
)
def test_parquet_errors(tmp_path, columns, message):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), tmp_path / "d.parquet")
    with pytest.raises(dp.DataFileError, match=message):
        load_dataset(tmp_path / "d.parquet")


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(dp.DataFileError, match=r"needs pyarrow; install it with: pip install 'deltaprop\[parquet\]'"):
        read_parquet(tmp_path / "d.parquet")


def test_damaged_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    (tmp_path / "d.parquet").write_bytes(b"PAR1 garbage")
    with pytest.raises(dp.DataFileError, match="is not a valid Parquet file"):
        load_dataset(tmp_path / "d.parquet")


# --------------------------------------------------------------------------- IDX
def idx_bytes(type_code, dims, payload):
    """An IDX file written by hand from the format's definition (not by write_idx)."""
    return bytes([0, 0, type_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_reads_hand_written_files(tmp_path, gz):
    values = np.array([[1, -2], [300, 4]], dtype=">i2")
    raw = idx_bytes(0x0B, (2, 2), values.tobytes())
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    got = read_idx(path)
    assert got.dtype == np.int16 and got.tolist() == [[1, -2], [300, 4]]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, rng, dtype, suffix):
    a = (rng.normal(size=(5, 3, 4)) * 50).astype(dtype)
    write_idx(tmp_path / f"x-idx3-ubyte{suffix}", a)
    b = read_idx(tmp_path / f"x-idx3-ubyte{suffix}")
    assert b.dtype == dtype and b.shape == a.shape and b.tobytes() == a.tobytes()


def test_idx_images_are_flattened_and_paired_with_their_labels(tmp_path, rng):
    images = rng.integers(0, 256, size=(6, 4, 3)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5, 9], dtype=np.uint8)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(0x08, images.shape, images.tobytes())))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(0x08, labels.shape, labels.tobytes())))
    X, y, names, target = load_dataset(tmp_path / "train-images-idx3-ubyte.gz")
    assert X.shape == (6, 12) and np.array_equal(X[2], images[2].ravel()) and y.tolist() == labels.tolist()
    assert names[:4] == ["pixel_0_0", "pixel_0_1", "pixel_0_2", "pixel_1_0"] and target == "label"
    os.remove(tmp_path / "train-labels-idx1-ubyte.gz")
    assert load_dataset(tmp_path / "train-images-idx3-ubyte.gz").y is None


def test_idx_label_count_must_match(tmp_path):
    write_idx(tmp_path / "i-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8))
    write_idx(tmp_path / "i-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(dp.DataFileError, match=r"has shape \(2,\) but .* has 3 examples"):
        read_idx_dataset(tmp_path / "i-images-idx3-ubyte")


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x00\x00", "2 bytes long, too short for an IDX header"),
        (b"\x01\x00\x08\x01" + b"\0" * 8, "magic number 0x01000801, not an IDX one"),
        (b"\x00\x00\x07\x01" + b"\0" * 8, "magic number 0x00000701"),
        (b"\x00\x00\x08\x00" + b"\0" * 8, "magic number 0x00000800"),
        (idx_bytes(0x08, (3,), b"\1\2"), r"claims dimensions \(3,\) \(3 bytes of data\) but holds 2; it is truncated"),
        (idx_bytes(0x08, (2,), b"\1\2\3"), r"claims dimensions \(2,\) \(2 bytes of data\) but holds 3"),
        (b"\x00\x00\x08\x03\x00\x00", "ends inside its header"),
        (idx_bytes(0x0C, (2**32 - 1, 2**32 - 1, 2**32 - 1), b""), "claims dimensions .* but holds 0"),
    ],
)
def test_damaged_idx_files_are_refused(tmp_path, raw, message):
    (tmp_path / "d.idx").write_bytes(raw)
    with pytest.raises(dp.DataFileError, match="IDX file '.*d.idx' .*" + message):
        read_idx(tmp_path / "d.idx")


def test_gzipped_idx_claiming_more_than_gzip_can_hold_is_refused_without_reading(tmp_path):
    (tmp_path / "d.idx.gz").write_bytes(gzip.compress(idx_bytes(0x08, (60000, 60000), b"\0" * 100)))
    tracemalloc.start()
    try:
        message = r"claims dimensions \(60000, 60000\) \(3600000000 bytes\), more than a .*-byte gzip file can hold"
        with pytest.raises(dp.DataFileError, match=message):
            read_idx(tmp_path / "d.idx.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_truncated_and_corrupt_gzipped_idx(tmp_path):
    good = gzip.compress(idx_bytes(0x08, (1000,), bytes(range(256)) * 3 + bytes(232)))
    (tmp_path / "t.idx.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(dp.DataFileError, match="cannot be decompressed|but holds"):
        read_idx(tmp_path / "t.idx.gz")
    bad = bytearray(good)
    bad[20] ^= 0xFF
    (tmp_path / "c.idx.gz").write_bytes(bytes(bad))
    with pytest.raises(dp.DataFileError):
        read_idx(tmp_path / "c.idx.gz")


def test_write_idx_refuses_types_idx_cannot_hold(tmp_path):
    with pytest.raises(dp.InputError, match="IDX files hold uint8, int8, int16, int32, float32 or float64, not int64"):
        write_idx(tmp_path / "a.idx", np.zeros(3, dtype=np.int64))
    with pytest.raises(dp.InputError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "a.idx", np.float32(1.0))


# --------------------------------------------------------------------------- built-in data sets
@pytest.mark.parametrize(
    "name, shape, n_classes, task",
    [
        # sizes as documented by scikit-learn's dataset reference
        ("digits", (1797, 64), 10, "classification"),
        ("iris", (150, 4), 3, "classification"),
        ("breast-cancer", (569, 30), 2, "classification"),
        ("wine", (178, 13), 3, "classification"),
        ("diabetes", (442, 10), None, "regression"),
        ("moons", (200, 2), 2, "classification"),
        ("circles", (200, 2), 2, "classification"),
        ("xor", (4, 2), 2, "classification"),
    ],
)
def test_builtin_data_sets_have_their_documented_shapes(name, shape, n_classes, task):
    ds = load_dataset(name)
    assert ds.X.shape == shape and ds.y.shape == (shape[0],) and len(ds.feature_names) == shape[1]
    assert ds.task == task and ds.name == name
    if n_classes is None:
        assert ds.y.dtype == np.float64 and ds.class_names is None
    else:
        assert ds.y.dtype == np.int64 and set(ds.y.tolist()) == set(range(n_classes)) and len(ds.class_names) == n_classes


def test_builtin_names_are_the_documented_list():
    assert BUILTIN_DATASETS == ("xor", "moons", "circles", "digits", "iris", "breast-cancer", "wine", "diabetes", "fashion-mnist")


def test_xor_is_the_four_points_of_the_truth_table():
    X, y, _, _ = load_dataset("xor")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]


def test_generated_data_sets_follow_the_seed():
    a, b, c = load_dataset("moons", seed=1), load_dataset("moons", seed=1), load_dataset("moons", seed=2)
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)
    assert load_dataset("circles", n_samples=50).X.shape == (50, 2)


def test_builtin_options_that_do_not_apply_are_refused():
    with pytest.raises(dp.InputError, match="iris data set has no predefined train/test parts"):
        load_dataset("iris", part="test")
    with pytest.raises(dp.InputError, match="part must be 'train' or 'test', got 'validation'"):
        load_dataset("fashion-mnist", part="validation")
    with pytest.raises(dp.InputError, match="target does not apply to the built-in data set 'wine'"):
        load_dataset("wine", target="class")
    with pytest.raises(dp.InputError, match="n_samples applies only to moons and circles"):
        load_dataset("digits", n_samples=10)
    with pytest.raises(dp.InputError, match="data_dir applies only to fashion-mnist"):
        load_dataset("digits", data_dir="/tmp")
    with pytest.raises(dp.InputError, match="n_samples must be an integer >= 2"):
        load_dataset("moons", n_samples=1)
    with pytest.raises(dp.InputError, match="unknown data set 'irsi'; did you mean 'iris'"):
        load_builtin("irsi")


def test_without_target_builtin_y_is_dropped():
    assert load_dataset("iris", has_target=False).y is None


def test_fashion_mnist_from_a_data_dir_and_its_missing_message(tmp_path, rng):
    for prefix, n in (("train", 5), ("t10k", 3)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n).astype(np.uint8))
    assert load_dataset("fashion-mnist", part="train", data_dir=tmp_path).X.shape == (5, 784)
    ds = load_dataset("fashion-mnist", data_dir=tmp_path)
    assert ds.X.shape == (8, 784) and ds.y.dtype == np.int64 and ds.class_names[0] == "T-shirt/top"
    os.remove(tmp_path / "t10k-labels-idx1-ubyte")
    with pytest.raises(dp.MissingFileError, match="fashion-mnist data set is not installed.*t10k-labels-idx1-ubyte.gz.*"
                       "apt-get install dataset-fashion-mnist.*never downloads"):
        load_dataset("fashion-mnist", part="test", data_dir=tmp_path)


FASHION_PRESENT = os.path.exists(os.path.join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"))


@pytest.mark.skipif(not FASHION_PRESENT, reason="the Debian package dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_the_debian_package_has_60000_train_and_10000_test_images():
    train = load_dataset("fashion-mnist", part="train")
    assert train.X.shape == (60000, 784) and train.X.dtype == np.uint8 and train.y.shape == (60000,)
    assert np.bincount(train.y).tolist() == [6000] * 10  # Fashion-MNIST's training set is balanced
    test = load_dataset("fashion-mnist", part="test")
    assert test.X.shape == (10000, 784) and np.bincount(test.y).tolist() == [1000] * 10
    assert 0 < train.X.mean() < 255


def test_dataset_unpacks_and_reprs():
    ds = Dataset(np.zeros((2, 1)), None, ["a"], None, name="n")
    X, y, names, target = ds
    assert X.shape == (2, 1) and y is None and names == ["a"] and target is None
    assert repr(ds) == "Dataset('n': X (2, 1) float64, y None, target None)"


# --------------------------------------------------------------------------- bounded and strict reading (issue 14)
@pytest.mark.parametrize("cell", ["1_000", "\u0663", "\u0661\u0662", "\uff11", "\x0b2"])
def test_numbers_are_parsed_strictly_and_the_cell_is_named(tmp_path, cell):
    # Python's float accepts each of these; a table cell written so is a mistake to report.
    assert float(cell) == float(cell)
    path = write(tmp_path / "odd.csv", f"a,b,y\n1,2,0\n3,{cell},1\n")
    with pytest.raises(dp.DataFileError, match=r"odd\.csv', line 3: column 'b' holds .*, which is not a plainly "
                                               r"written number; write it with ASCII digits"):
        read_csv(path)


def test_a_unit_separator_inside_a_text_cell_is_kept_as_written_in_a_text_column(tmp_path):
    path = write(tmp_path / "us.csv", "a,b,y\n1,z,0\n3,x\x1fy,1\n")
    assert read_csv(path).X[:, 1].tolist() == ["z", "x\x1fy"]


def test_numeric_looking_labels_written_oddly_stay_text(tmp_path):
    path = write(tmp_path / "labels.csv", "a,y\n1,1_000\n2,\u0663\n")
    assert read_csv(path).y.tolist() == ["1_000", "\u0663"]


def test_plain_numbers_still_read_in_every_ordinary_spelling(tmp_path):
    path = write(tmp_path / "ok.csv", "a,b,c,y\n 1 ,-2.5e3,.5,0\n+3,4.,1E-2,1\n")
    assert read_csv(path).X.tolist() == [[1.0, -2500.0, 0.5], [3.0, 4.0, 0.01]]


def test_nul_bytes_are_binary_data_not_a_table(tmp_path):
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"\0" * 4096)
    with pytest.raises(dp.DataFileError, match=r"zeros\.csv', line 1: holds a NUL character, so it is binary "
                                               r"data, not a CSV/TSV text"):
        read_csv(path)


def test_a_line_longer_than_the_bound_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr("deltaprop.data._csv.MAX_LINE_CHARS", 1000)
    path = write(tmp_path / "long.csv", "a,y\n" + "1" * 5000 + ",0\n")
    with pytest.raises(dp.DataFileError, match=r"long\.csv', line 2: longer than 1000 characters"):
        read_csv(path)


def test_a_small_gzip_of_a_billion_newlines_is_refused_in_well_under_a_second(tmp_path):
    path = tmp_path / "newlines.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(1000):
            f.write(b"\n" * 10**6)
    assert path.stat().st_size < 2 * 2**20
    started = time.process_time()
    with pytest.raises(dp.DataFileError, match=r"more than 100000 blank lines in a row from line 1; remove them"):
        read_csv(path)
    assert time.process_time() - started < 5


def test_a_npz_member_that_is_not_an_array_is_named(tmp_path):
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("X", b"not an array")
    with pytest.raises(dp.DataFileError, match=r"odd\.npz': its member 'X' is not a \.npy array"):
        read_npz(path)


def huge_npz(path, shape=(10**7, 10**5)):
    """A small .npz whose X.npy declares an enormous float64 array (only the header is stored)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("X.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return path


def test_a_npz_member_declaring_more_than_the_memory_available_is_refused_before_loading(tmp_path):
    path = huge_npz(tmp_path / "huge.npz")
    assert path.stat().st_size < 4096
    with pytest.raises(dp.InputError, match=r"huge\.npz': array 'X' of shape \(10000000, 100000\) \(8 TB\) needs "
                                            r"about 8 TB of memory but only .* is available"):
        read_npz(path)


def test_an_idx_file_announcing_255_dimensions_is_refused(tmp_path):
    path = tmp_path / "odd-idx3-ubyte"
    path.write_bytes(b"\0\0\x08\xff" + b"\0\0\0\x01" * 255 + b"\x07")
    with pytest.raises(dp.DataFileError, match=r"announces 255 dimensions; deltaprop reads IDX files of at most 8"):
        read_idx(path)


def test_a_memory_error_while_reading_is_one_data_file_error(tmp_path, monkeypatch):
    path = write(tmp_path / "t.csv", "a,y\n1,0\n")

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("deltaprop.data._csv._read_rows", exhausted)
    with pytest.raises(dp.DataFileError, match=r"reading '.*t\.csv' ran out of memory; use a smaller file"):
        load_dataset(path)


def test_a_fifo_with_no_writer_reads_as_an_empty_table_at_once(tmp_path):
    fifo = tmp_path / "stream.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(dp.DataFileError, match=r"stream\.csv' is empty"):
        load_dataset(fifo)
    assert time.monotonic() - started < 5


def test_an_endless_table_stops_at_the_memory_limit_with_one_error(tmp_path):
    # Under RLIMIT_AS (300 MB above what the interpreter already uses), a table of 1.5 million
    # short rows stops with one error instead of a MemoryError traceback.
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:
        f.write(b"a,b,y\n" + b"1,2,0\n" * 1_500_000)
    script = textwrap.dedent(f"""
        import resource, sys
        import deltaprop as dp
        from deltaprop.data import read_csv
        used = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20, resource.RLIM_INFINITY))
        try:
            read_csv({str(path)!r})
        except dp.DataFileError as exc:
            print(type(exc).__name__, exc)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert re.match(r"DataFileError (data file '.*big\.csv' is too large for the memory available|reading '.*' ran "
                    r"out of memory)", out.stdout), out.stdout
