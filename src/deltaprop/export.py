"""ONNX export of a trained network (extra ``onnx``: ``pip install 'deltaprop[onnx]'``).

The graph is the forward pass written with ONNX operators, in the network's dtype::

    X --(Sub mean, Div scale)--> u --Gemm(W, b, transB=1)--> net_1 --f--> o_1 --Gemm--> ... --> o

One ``Gemm`` per layer computes ``net = u W^T + b`` (``W`` keeps deltaprop's
``(units, inputs)`` layout through ``transB=1``), followed by the layer's activation:
the operator named by the activation record's ``onnx`` facet (``Sigmoid``, ``Tanh``, ``Relu``,
``LeakyRelu(alpha=0.01)``, ``Identity``, ``Softmax(axis=-1)``). (In float64 a ``LeakyRelu`` is
written ``Max(net, Mul(net, alpha))``: the operator's ``alpha`` is a 32-bit float and would
differ from 0.01 at 2e-8.) The input ``"X"`` has shape ``(N, n_inputs)`` with a dynamic batch
dimension ``N``; the output ``"o"`` is the network's output ``o``, shape ``(N, n_outputs)``
(probabilities for a classifier: mapping them to labels is left to the caller).
"""

from __future__ import annotations

import json
import os

import numpy as np

from ._files import atomic_write_bytes
from ._optional import import_optional
from .errors import InputError, InputTypeError
from .network import Network, network_of

__all__ = ["export_onnx", "DEFAULT_OPSET", "MIN_OPSET"]

#: The default ONNX opset: supported by onnxruntime releases since 1.14 (2023).
DEFAULT_OPSET = 17
#: Softmax(axis=-1) over the last axis only has its current meaning from opset 13 on.
MIN_OPSET = 13

def export_onnx(
    model,
    path: str | os.PathLike,
    *,
    opset: int = DEFAULT_OPSET,
    input_mean=None,
    input_scale=None,
):
    """Write a network's forward pass as an ONNX model.

    Parameters
    ----------
    model : Network
        The network, or an object with a ``network_`` attribute holding one (a fitted
        estimator).
    path : str or path-like
        The ``.onnx`` file to write; written atomically (temporary file, fsync, rename).
    opset : int, default 17
        The ONNX operator set version, at least 13.
    input_mean, input_scale : array (n_inputs,), optional
        Standardisation applied to ``X`` inside the graph before the first layer:
        ``u = (X - input_mean) / input_scale``. Give either or both.

    Returns
    -------
    onnx.ModelProto
        The model written, already checked by ``onnx.checker.check_model``.

    Raises
    ------
    MissingDependencyError
        If the ``onnx`` package is not installed.
    InputError
        For an unsupported opset, standardisation arrays of the wrong shape or with zero
        or non-finite scales, or an activation whose record has no ONNX operator.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, deltaprop as dp
    >>> from deltaprop.export import export_onnx
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.onnx"
    >>> model = export_onnx(net, path)
    >>> [n.op_type for n in model.graph.node]
    ['Gemm', 'Sigmoid', 'Gemm', 'Sigmoid']
    """
    onnx = import_optional("onnx", extra="onnx", purpose="ONNX export")
    from onnx import TensorProto, helper, numpy_helper

    net = network_of(model, caller="export_onnx")
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise InputTypeError(f"opset must be an integer such as {DEFAULT_OPSET}, got {opset!r}")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise InputError(
            f"opset {opset} is not supported: choose one from {MIN_OPSET} to {newest} (default {DEFAULT_OPSET})"
        )
    elem = TensorProto.DOUBLE if net.dtype == np.float64 else TensorProto.FLOAT
    mean = _standardisation(input_mean, "input_mean", net)
    scale = _standardisation(input_scale, "input_scale", net)
    if scale is not None and (scale == 0).any():
        raise InputError("input_scale contains zeros; a constant feature's scale must be 1 (as scikit-learn sets it)")

    for f in net.activations:
        if f.onnx is None:
            raise InputError(
                f"activation {f.name!r} has no ONNX operator, so this network cannot be exported; "
                "choose activations whose record names one (e.g. 'sigmoid', 'tanh', 'relu')"
            )
    nodes, inits = [], []
    u = "X"
    if mean is not None:
        inits.append(numpy_helper.from_array(mean, "input_mean"))
        nodes.append(helper.make_node("Sub", [u, "input_mean"], ["X_centred"], name="centre"))
        u = "X_centred"
    if scale is not None:
        inits.append(numpy_helper.from_array(scale, "input_scale"))
        nodes.append(helper.make_node("Div", [u, "input_scale"], ["X_standardised"], name="scale"))
        u = "X_standardised"
    last = net.n_layers
    for t, (W, b, f) in enumerate(zip(net.weights, net.biases, net.activations), start=1):
        inits += [numpy_helper.from_array(W, f"W_{t}"), numpy_helper.from_array(b, f"b_{t}")]
        # net_r = sum_q w_rq u_q + b_r for every example: Gemm(u, W, b) with W transposed.
        nodes.append(helper.make_node("Gemm", [u, f"W_{t}", f"b_{t}"], [f"net_{t}"], name=f"layer_{t}", transB=1))
        u = "o" if t == last else f"o_{t}"
        op, attrs = f.onnx
        if op == "LeakyRelu" and elem == TensorProto.DOUBLE:
            # LeakyRelu's alpha attribute is a 32-bit float (0.0099999998); in float64 the
            # exact max(net, alpha net) that deltaprop computes needs a float64 constant.
            if not any(i.name == "leaky_slope" for i in inits):
                inits.append(numpy_helper.from_array(np.array(attrs["alpha"], dtype=np.float64), "leaky_slope"))
            nodes += [
                helper.make_node("Mul", [f"net_{t}", "leaky_slope"], [f"slope_net_{t}"], name=f"leaky_slope_{t}"),
                helper.make_node("Max", [f"net_{t}", f"slope_net_{t}"], [u], name=f"leaky_relu_{t}"),
            ]
            continue
        nodes.append(helper.make_node(op, [f"net_{t}"], [u], name=f"{f.name}_{t}", **attrs))

    graph = helper.make_graph(
        nodes,
        "deltaprop_network",
        inputs=[helper.make_tensor_value_info("X", elem, ["N", net.n_inputs])],
        outputs=[helper.make_tensor_value_info("o", elem, ["N", net.n_outputs])],
        initializer=inits,
    )
    opsets = [helper.make_opsetid("", int(opset))]
    from ._version import __version__

    model_proto = helper.make_model(
        graph,
        opset_imports=opsets,
        # The oldest IR version that carries this opset, so older runtimes load the file.
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="deltaprop",
        producer_version=__version__,
        doc_string=f"deltaprop {net!r}: input X (N, {net.n_inputs}), output o (N, {net.n_outputs})",
    )
    helper.set_model_props(model_proto, {"deltaprop_config": json.dumps(net.config())})
    onnx.checker.check_model(model_proto, full_check=True)
    atomic_write_bytes(path, model_proto.SerializeToString())
    return model_proto


def _standardisation(values, name: str, net: Network) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.shape != (net.n_inputs,):
        raise InputError(f"{name} has shape {arr.shape}; pass one value per input feature, shape ({net.n_inputs},)")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite values; pass finite numbers")
    return arr.astype(net.dtype)
