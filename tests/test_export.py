import sys

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.export import export_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from conftest import randomize_biases  # noqa: E402

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OUTPUT = HIDDEN + ["softmax"]
TOL = {"float64": dict(rtol=1e-12, atol=1e-14), "float32": dict(rtol=1e-5, atol=1e-6)}


def run_onnx(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["X"] and [o.name for o in session.get_outputs()] == ["o"]
    return session.run(["o"], {"X": X})[0]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", HIDDEN)
def test_onnxruntime_matches_forward_for_every_hidden_activation(tmp_path, rng, dtype, activation):
    net = randomize_biases(dp.Network([4, 6, 3], activation=activation, output_activation="softmax",
                                      dtype=dtype, seed=1), rng)  # fmt: skip
    X = rng.normal(size=(11, 4)).astype(dtype)
    export_onnx(net, tmp_path / "net.onnx")
    got = run_onnx(tmp_path / "net.onnx", X)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, net.forward(X), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("output_activation", OUTPUT)
@pytest.mark.parametrize("sizes", [[3, 2], [3, 5, 2], [3, 5, 4, 2]], ids=["depth1", "depth2", "depth3"])
def test_onnxruntime_matches_forward_for_every_output_activation_and_depth(
    tmp_path, rng, dtype, output_activation, sizes
):
    net = randomize_biases(dp.Network(sizes, activation="leaky_relu", output_activation=output_activation,
                                      dtype=dtype, seed=2), rng)  # fmt: skip
    X = (3 * rng.normal(size=(9, sizes[0]))).astype(dtype)
    model = export_onnx(net, tmp_path / "net.onnx")
    assert sum(n.op_type == "Gemm" for n in model.graph.node) == len(sizes) - 1
    np.testing.assert_allclose(run_onnx(tmp_path / "net.onnx", X), net.forward(X), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_standardisation_is_applied_inside_the_graph(tmp_path, rng, dtype):
    net = randomize_biases(dp.Network([3, 4, 2], activation="tanh", dtype=dtype, seed=3), rng)
    mean, scale = np.array([10.0, -5.0, 0.5]), np.array([2.0, 0.25, 4.0])
    X = (mean + scale * rng.normal(size=(8, 3))).astype(dtype)
    export_onnx(net, tmp_path / "std.onnx", input_mean=mean, input_scale=scale)
    expected = net.forward(((X - mean) / scale).astype(dtype))
    np.testing.assert_allclose(run_onnx(tmp_path / "std.onnx", X), expected, **TOL[dtype])
    export_onnx(net, tmp_path / "mean_only.onnx", input_mean=mean)
    np.testing.assert_allclose(run_onnx(tmp_path / "mean_only.onnx", X), net.forward((X - mean).astype(dtype)),
                               **TOL[dtype])  # fmt: skip


def test_batch_dimension_is_dynamic_and_the_file_passes_the_checker(tmp_path, rng):
    net = dp.Network([2, 3, 1], seed=0)
    path = tmp_path / "net.onnx"
    export_onnx(net, path, opset=13)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.opset_import[0].version == 13
    dims = loaded.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 2
    for n in (1, 50):
        X = rng.normal(size=(n, 2))
        np.testing.assert_allclose(run_onnx(path, X), net.forward(X), rtol=1e-12, atol=1e-14)


def test_an_object_with_network_attribute_is_exported_through_it(tmp_path, rng):
    class Fitted:
        network_ = dp.Network([2, 2], output_activation="softmax", seed=4)

    export_onnx(Fitted(), tmp_path / "est.onnx")
    X = rng.normal(size=(5, 2))
    np.testing.assert_allclose(run_onnx(tmp_path / "est.onnx", X), Fitted.network_.forward(X), rtol=1e-12)


def test_bad_arguments_raise_errors_naming_them(tmp_path):
    net = dp.Network([3, 2], seed=0)
    with pytest.raises(dp.InputError, match="input_scale has shape"):
        export_onnx(net, tmp_path / "x.onnx", input_scale=[1.0, 2.0])
    with pytest.raises(dp.InputError, match="zeros"):
        export_onnx(net, tmp_path / "x.onnx", input_scale=[1.0, 0.0, 2.0])
    with pytest.raises(dp.InputError, match="opset 9"):
        export_onnx(net, tmp_path / "x.onnx", opset=9)
    with pytest.raises(dp.InputTypeError, match="Network"):
        export_onnx(object(), tmp_path / "x.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_onnx(net, tmp_path / "missing" / "x.onnx")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_missing_onnx_names_the_extra_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    with pytest.raises(dp.MissingDependencyError, match=r"deltaprop\[onnx\]"):
        export_onnx(dp.Network([2, 1], seed=0), tmp_path / "x.onnx")


def test_the_operator_comes_from_the_activation_record(tmp_path, rng):
    import dataclasses

    net = dp.Network([3, 4, 2], activation="tanh", seed=0)
    relu_named = dataclasses.replace(net.activations[0], onnx=("Relu", {}))
    net.activations = [relu_named, net.activations[1]]
    model = export_onnx(net, tmp_path / "net.onnx")
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Relu", "Gemm", "Sigmoid"]


def test_an_activation_without_onnx_operator_is_refused_naming_it(tmp_path):
    import dataclasses

    net = dp.Network([3, 4, 2], activation="tanh", seed=0)
    net.activations = [dataclasses.replace(net.activations[0], name="mystery", onnx=None), net.activations[1]]
    with pytest.raises(dp.errors.InputError, match="activation 'mystery' has no ONNX operator"):
        export_onnx(net, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()
