"""The built-in data sets (:data:`BUILTIN_DATASETS`); nothing is ever downloaded."""

from __future__ import annotations

import difflib
import os

import numpy as np

from .._files import fspath
from ..errors import InputError, MissingFileError
from ._dataset import Dataset, _pixel_names
from ._idx import read_idx_dataset

BUILTIN_DATASETS = ("xor", "moons", "circles", "digits", "iris", "breast-cancer", "wine", "diabetes", "fashion-mnist")
#: Where the Debian package ``dataset-fashion-mnist`` installs the four IDX files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
PARTS = ("train", "test")


def load_builtin(
    name: str, *, part: str | None = None, data_dir=None, seed: int = 0, n_samples: int | None = None
) -> Dataset:
    """One of :data:`BUILTIN_DATASETS`. Nothing is downloaded.

    Parameters
    ----------
    name : str
        ``xor``: the four XOR points. ``moons``, ``circles``: scikit-learn's two-class 2-D
        generators (``noise`` 0.2 and 0.1, ``factor`` 0.5) with ``n_samples`` points
        (default 200) from ``seed``. ``digits`` (1797 x 64, 10 classes), ``iris`` (150 x 4,
        3 classes), ``breast-cancer`` (569 x 30, 2 classes), ``wine`` (178 x 13, 3 classes),
        ``diabetes`` (442 x 10, regression): scikit-learn's bundled copies.
        ``fashion-mnist``: 60000 train + 10000 test 28x28 uint8 images, 10 classes, from the
        Debian package ``dataset-fashion-mnist`` or ``data_dir``.
    part : {"train", "test"}, optional
        Only for ``fashion-mnist`` (default: both, train first).
    data_dir : str or os.PathLike, optional
        Only for ``fashion-mnist``; default :data:`FASHION_MNIST_DIR`.
    seed : int
    n_samples : int, optional

    Examples
    --------
    >>> from deltaprop.data import load_builtin
    >>> load_builtin("xor").y.tolist()
    [0, 1, 1, 0]
    """
    if name not in BUILTIN_DATASETS:
        close = difflib.get_close_matches(str(name), BUILTIN_DATASETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise InputError(f"unknown data set {name!r}{hint} Built-in data sets: {', '.join(BUILTIN_DATASETS)}")
    if part is not None and part not in PARTS:
        raise InputError(f"part must be 'train' or 'test', got {part!r}")
    if name != "fashion-mnist":
        if part is not None:
            raise InputError(
                f"the {name} data set has no predefined train/test parts; leave part out and split it yourself "
                "(e.g. sklearn.model_selection.train_test_split)"
            )
        if data_dir is not None:
            raise InputError(f"data_dir applies only to fashion-mnist, not to {name!r}")
    if name not in ("moons", "circles") and n_samples is not None:
        raise InputError(f"n_samples applies only to moons and circles, not to {name!r}")
    if name == "fashion-mnist":
        return _fashion_mnist(part, data_dir)
    if name == "xor":
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        return Dataset(X, np.array([0, 1, 1, 0]), ["x0", "x1"], "y", name="xor", class_names=["0", "1"], task="classification")
    if name in ("moons", "circles"):
        from sklearn.datasets import make_circles, make_moons

        n = 200 if n_samples is None else n_samples
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise InputError(f"n_samples must be an integer >= 2, got {n!r}")
        if name == "moons":
            X, y = make_moons(n_samples=n, noise=0.2, random_state=seed)
        else:
            X, y = make_circles(n_samples=n, noise=0.1, factor=0.5, random_state=seed)
        return Dataset(X, y.astype(np.int64), ["x0", "x1"], "y", name=name, class_names=["0", "1"], task="classification")
    import sklearn.datasets

    loader = {
        "digits": sklearn.datasets.load_digits,
        "iris": sklearn.datasets.load_iris,
        "breast-cancer": sklearn.datasets.load_breast_cancer,
        "wine": sklearn.datasets.load_wine,
        "diabetes": sklearn.datasets.load_diabetes,
    }[name]
    bunch = loader()
    regression = name == "diabetes"
    y = bunch.target.astype(np.float64 if regression else np.int64)
    classes = None if regression else [str(c) for c in bunch.target_names]
    return Dataset(
        np.asarray(bunch.data, dtype=np.float64), y, list(bunch.feature_names), "target", name=name,
        class_names=classes, task="regression" if regression else "classification",
    )  # fmt: skip


def _fashion_mnist(part: str | None, data_dir) -> Dataset:
    folder = FASHION_MNIST_DIR if data_dir is None else fspath(data_dir, argument="data_dir")
    parts = PARTS if part is None else (part,)
    Xs, ys = [], []
    for p in parts:
        prefix = "train" if p == "train" else "t10k"
        files = []
        for kind in ("images-idx3", "labels-idx1"):
            base = os.path.join(folder, f"{prefix}-{kind}-ubyte")
            found = next((f for f in (base + ".gz", base) if os.path.isfile(f)), None)
            if found is None:
                where = "the Debian package's folder" if data_dir is None else "data_dir"
                raise MissingFileError(
                    f"the fashion-mnist data set is not installed: {where} {folder!r} has no "
                    f"{os.path.basename(base)}.gz. Install it with `apt-get install dataset-fashion-mnist` "
                    "(Debian/Ubuntu), or pass data_dir (--data-dir) a folder holding the four Fashion-MNIST "
                    "IDX files; deltaprop never downloads data"
                )
            files.append(found)
        ds = read_idx_dataset(*files)
        Xs.append(ds.X)
        ys.append(ds.y.astype(np.int64))
    X = Xs[0] if len(Xs) == 1 else np.concatenate(Xs)
    y = ys[0] if len(ys) == 1 else np.concatenate(ys)
    name = "fashion-mnist" if part is None else f"fashion-mnist ({part})"
    return Dataset(X, y, _pixel_names((28, 28)), "label", name=name, class_names=list(FASHION_MNIST_CLASSES),
                   task="classification")  # fmt: skip
