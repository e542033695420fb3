"""ONNX export of a trained model (extra ``onnx``: ``pip install 'deltaprop[onnx]'``).

The graph is built in three stages, each one function:

1. **inputs** (:func:`_input_stage`): the input ``"X"`` (N, n_features) in the chosen
   ``input_dtype`` (float32 by default, what serving stacks send; float64; or uint8 for
   images) is cast and standardised, ``u = (X - mean) / scale``. Standardisation is done in
   float64, as :meth:`InputScaler.transform <deltaprop.encoding.InputScaler.transform>` does,
   then cast to the network's dtype. New input encoders (one-hot, imputation) are added here.
2. **network** (:func:`_network_stage`): the forward pass in the network's dtype::

       u --Gemm(W, b, transB=1)--> net_1 --f--> o_1 --Gemm--> ... --> o

   One ``Gemm`` per layer computes ``net = u W^T + b`` (``W`` keeps deltaprop's
   ``(units, inputs)`` layout through ``transB=1``), followed by the operator named by the
   activation record's ``onnx`` facet (``Sigmoid``, ``Tanh``, ``Relu``, ``LeakyRelu(alpha=0.01)``,
   ``Identity``, ``Softmax(axis=-1)``). (In float64 a ``LeakyRelu`` is written
   ``Max(net, Mul(net, alpha))``: the operator's ``alpha`` is a 32-bit float and would differ
   from 0.01 at 2e-8.)
3. **outputs** (:func:`_class_outputs`, :func:`_regression_outputs`): what ``predict`` and
   ``predict_proba`` compute from ``o``, in float64 as :mod:`deltaprop.encoding` does, with
   skl2onnx's output names:

   * a classifier: ``"label"`` (N,) (int64, string, double or bool tensor as the classes
     were; a 0/1 int64 indicator matrix (N, n_labels) for multilabel) and
     ``"probabilities"`` (N, n_classes) exactly as :meth:`ClassEncoder.proba
     <deltaprop.encoding.ClassEncoder.proba>` maps outputs (clipped, one sigmoid output
     p giving ``[1 - p, p]``, rows normalised except for multilabel); the class names are in
     the model's ``metadata_props`` (``"classes"``, a JSON list);
   * a regressor: ``"variable"`` (N, n_outputs), the targets un-scaled as
     :meth:`TargetScaler.inverse_transform <deltaprop.encoding.TargetScaler.inverse_transform>`
     does for bounded outputs.

   ``"probabilities"`` and ``"variable"`` come out in the network's dtype. The raw output
   ``"o"`` (N, n_outputs) is always the last output; a bare :class:`~deltaprop.Network`
   (no classes, no target scaling known) has only ``"o"``.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ._files import atomic_write_bytes
from ._optional import import_optional
from .encoding import EPS, ClassEncoder, Encoding, InputScaler, TableEncoder, TargetScaler
from .errors import InputError, InputTypeError
from .network import Network, network_of

__all__ = ["export_onnx", "DEFAULT_OPSET", "MIN_OPSET", "INPUT_DTYPES"]

#: The default ONNX opset: supported by onnxruntime releases since 1.14 (2023).
DEFAULT_OPSET = 17
#: Softmax(axis=-1) over the last axis only has its current meaning from opset 13 on.
MIN_OPSET = 13
#: The element types the graph's input ``"X"`` may have.
INPUT_DTYPES = ("float32", "float64", "uint8")


def export_onnx(
    model,
    path: str | os.PathLike,
    *,
    opset: int = DEFAULT_OPSET,
    input_dtype: str = "float32",
    encoding: Encoding | None = None,
    input_mean=None,
    input_scale=None,
):
    """Write a model as an ONNX graph that gives what ``predict`` and ``predict_proba`` give.

    Parameters
    ----------
    model : Network, MLPClassifier or MLPRegressor
        The network, or an object with a ``network_`` attribute holding one (a fitted
        estimator). A fitted classifier's classes and a regressor's target scaling are
        built into the graph.
    path : str or path-like
        The ``.onnx`` file to write; written atomically (temporary file, fsync, rename).
    opset : int, default 17
        The ONNX operator set version, at least 13.
    input_dtype : {"float32", "float64", "uint8"}, default "float32"
        The element type of the input ``"X"``; a ``Cast`` inside the graph converts it to
        the network's dtype. float32 is what most serving stacks send; a float64 model fed
        float32 inputs computes what ``predict`` computes on the same float32 values. Use
        "float64" to feed float64 data unrounded, "uint8" for raw image pixels.
    encoding : Encoding, optional
        The preprocessing a ``deltaprop train`` model file carries (:class:`deltaprop.encoding.Encoding`):
        its input standardisation, and its class encoder (classifier outputs) or its target
        scaler (regressor outputs). By default taken from the estimator; a bare network
        without it gets the raw output ``"o"`` only.
    input_mean, input_scale : array (n_inputs,), optional
        Standardisation ``u = (X - input_mean) / input_scale`` before the first layer, for a
        network whose encoding is not given; either or both.

    Returns
    -------
    onnx.ModelProto
        The model written, already checked by ``onnx.checker.check_model``.

    Raises
    ------
    MissingDependencyError
        If the ``onnx`` package is not installed.
    InputError
        For an unsupported opset or input dtype, standardisation given twice, arrays of the
        wrong shape or with zero or non-finite scales, or an activation whose record has no
        ONNX operator.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, deltaprop as dp
    >>> from deltaprop.export import export_onnx
    >>> net = dp.Network([2, 3, 1], seed=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.onnx"
    >>> model = export_onnx(net, path)
    >>> [n.op_type for n in model.graph.node]
    ['Cast', 'Gemm', 'Sigmoid', 'Gemm', 'Sigmoid']
    >>> clf = dp.MLPClassifier(hidden_layer_sizes=(3,), random_state=0).fit([[0.], [1.]], ["no", "yes"])
    >>> [o.name for o in export_onnx(clf, path).graph.output]
    ['label', 'probabilities', 'o']
    """
    onnx = import_optional("onnx", extra="onnx", purpose="ONNX export")
    from onnx import helper

    net = network_of(model, caller="export_onnx")
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise InputTypeError(f"opset must be an integer such as {DEFAULT_OPSET}, got {opset!r}")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise InputError(
            f"opset {opset} is not supported: choose one from {MIN_OPSET} to {newest} (default {DEFAULT_OPSET})"
        )
    if input_dtype not in INPUT_DTYPES:
        raise InputError(f"input_dtype {input_dtype!r} is not supported: choose one of {', '.join(INPUT_DTYPES)}")
    for f in net.activations:
        if f.onnx is None:
            raise InputError(
                f"activation {f.name!r} has no ONNX operator, so this network cannot be exported; "
                "choose activations whose record names one (e.g. 'sigmoid', 'tanh', 'relu')"
            )
    encoding = _encoding_of(model, net) if encoding is None else encoding
    table = encoding.inputs if encoding is not None and isinstance(encoding.inputs, TableEncoder) else None
    if table is not None:
        if input_mean is not None or input_scale is not None:
            raise InputError("the encoding already standardises the inputs; pass input_mean/input_scale only "
                             "for a model without one")
        encoding = Encoding(None, encoding.classes, encoding.targets)
    scaler = _input_scaler(encoding, input_mean, input_scale, net)

    g = _Graph(net.dtype)
    u = _input_stage(g, "X", input_dtype, scaler, net) if table is None else _table_stage(g, "X", input_dtype,
                                                                                          table, net)
    o = _network_stage(g, u, net)
    metadata = {"deltaprop_config": json.dumps(net.config()), "input_dtype": input_dtype}
    from onnx import TensorProto

    n_x = net.n_inputs if table is None else len(table.numeric)
    inputs = [g.value_info("X", _tensor_type(np.dtype(input_dtype)), ["N", n_x])]
    if table is not None and table.text:
        # Text columns come as a second input of strings, in the table's column order.
        inputs.append(g.value_info("X_text", TensorProto.STRING, ["N", len(table.text)]))
        metadata["columns"] = json.dumps({"X": table.numeric, "X_text": table.text})
    if encoding is None:
        outputs = []
    elif encoding.classes is not None:
        outputs = _class_outputs(g, o, encoding.classes)
        metadata["classes"] = json.dumps(encoding.classes.classes.tolist())
        metadata["multilabel"] = json.dumps(bool(encoding.classes.multilabel))
    else:
        outputs = _regression_outputs(g, o, encoding.targets or TargetScaler(None), net.n_outputs)
    outputs.append(g.value_info("o", g.elem, ["N", net.n_outputs]))

    graph = helper.make_graph(
        g.nodes,
        "deltaprop_network",
        inputs=inputs,
        outputs=outputs,
        initializer=g.inits,
    )
    opsets = [helper.make_opsetid("", int(opset))]
    if table is not None and table.text:
        opsets.append(helper.make_opsetid("ai.onnx.ml", 1))  # OneHotEncoder
    from ._version import __version__

    names = ", ".join(f"{v.name}" for v in outputs)
    model_proto = helper.make_model(
        graph,
        opset_imports=opsets,
        # The oldest IR version that carries this opset, so older runtimes load the file.
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="deltaprop",
        producer_version=__version__,
        doc_string=f"deltaprop {net!r}: input X (N, {n_x}) {input_dtype}"
                   + (f" and X_text (N, {len(table.text)}) strings" if table is not None and table.text else "")
                   + f", outputs {names}",
    )
    helper.set_model_props(model_proto, metadata)
    onnx.checker.check_model(model_proto, full_check=True)
    atomic_write_bytes(path, model_proto.SerializeToString())
    return model_proto


# ------------------------------------------------------------------------------ what to build
def _encoding_of(model, net: Network) -> Encoding | None:
    """The outputs' encoding of a fitted estimator (its classes or its target scaling); None for a network.

    The estimators keep their encoders behind ``_class_encoder`` / ``_target_scaler``
    (built from ``classes_`` or ``target_range_`` for the output activation).
    """
    if isinstance(model, Network):
        return None
    inputs = getattr(model, "preprocessor_", None)  # preprocess=True: a TableEncoder
    if hasattr(model, "_class_encoder"):
        return Encoding(inputs, classes=model._class_encoder(net.output_activation))
    if hasattr(model, "_target_scaler"):
        return Encoding(inputs, targets=model._target_scaler(net.output_activation))
    return None


def _input_scaler(encoding: Encoding | None, mean, scale, net: Network) -> InputScaler | None:
    """The standardisation to build in: the encoding's, or ``input_mean``/``input_scale`` (1 and 0 if missing)."""
    mean = _standardisation(mean, "input_mean", net)
    scale = _standardisation(scale, "input_scale", net)
    if encoding is not None and encoding.inputs is not None:
        if mean is not None or scale is not None:
            raise InputError("the encoding already standardises the inputs; pass input_mean/input_scale "
                             "only for a model without one")
        mean, scale = _standardisation(encoding.inputs.mean, "mean", net), _standardisation(
            encoding.inputs.scale, "scale", net)
    if scale is not None and (scale == 0).any():
        raise InputError("input_scale contains zeros; a constant feature's scale must be 1 (as scikit-learn sets it)")
    if mean is None and scale is None:
        return None
    return InputScaler(np.zeros(net.n_inputs) if mean is None else mean,
                       np.ones(net.n_inputs) if scale is None else scale)


class _Graph:
    """Nodes and initializers under construction; ``elem`` is the network's ONNX element type."""

    def __init__(self, dtype: np.dtype):
        self.nodes, self.inits = [], []
        self.elem = _tensor_type(np.dtype(dtype))

    def const(self, name: str, value) -> str:
        from onnx import numpy_helper

        if not any(i.name == name for i in self.inits):
            self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, *, label: str | None = None, **attrs) -> str:
        """Append ``output = op(*inputs, **attrs)``; the node is named ``label`` (default: its output)."""
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=label or output, **attrs))
        return output

    def cast(self, x: str, elem: int, output: str) -> str:
        return self.node("Cast", [x], output, to=elem)

    def in_network_dtype(self, x: str, output: str) -> str:
        """``output``: the float64 tensor ``x`` in the network's dtype (an Identity for float64 networks)."""
        from onnx import TensorProto

        if self.elem == TensorProto.DOUBLE:
            return self.node("Identity", [x], output)
        return self.cast(x, self.elem, output)

    @staticmethod
    def value_info(name: str, elem: int, shape: list):
        from onnx import helper

        return helper.make_tensor_value_info(name, elem, shape)


def _tensor_type(dtype: np.dtype) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(dtype)


# ------------------------------------------------------------------------------ stage 1: inputs
def _input_stage(g: _Graph, x: str, input_dtype: str, scaler: InputScaler | None, net: Network) -> str:
    """The first layer's input ``u`` (N, n_inputs) in the network's dtype, from raw inputs ``x``.

    Without preprocessing ``x`` is cast to the network's dtype (if it differs); with
    standardisation ``x`` is cast to float64, centred and scaled as
    :meth:`InputScaler.transform <deltaprop.encoding.InputScaler.transform>` does, then cast.
    Each further input encoder is one more float64 step here.
    """
    from onnx import TensorProto

    elem_in = _tensor_type(np.dtype(input_dtype))
    if scaler is None:
        return x if elem_in == g.elem else g.cast(x, g.elem, "X_cast")
    u = x if elem_in == TensorProto.DOUBLE else g.cast(x, TensorProto.DOUBLE, "X_double")
    u = g.node("Sub", [u, g.const("input_mean", scaler.mean.astype(np.float64))], "X_centred")
    u = g.node("Div", [u, g.const("input_scale", scaler.scale.astype(np.float64))], "X_standardised")
    return u if g.elem == TensorProto.DOUBLE else g.cast(u, g.elem, "X_standardised_cast")


def _table_stage(g: _Graph, x: str, input_dtype: str, table: TableEncoder, net: Network) -> str:
    """``u`` from raw numeric inputs as :meth:`TableEncoder.transform <deltaprop.encoding.TableEncoder.transform>`
    computes it (a table without text columns): NaN -> the column's median, then standardised.

    Without medians (``missing="error"``) NaN passes through to the outputs. Text columns
    come as the second input ``X_text`` (N, n_text) of strings, in the table's order; each
    is one-hot encoded by ONNX-ML's ``OneHotEncoder`` over the fitted categories (a value
    not among them: all zeros, as :meth:`TableEncoder.transform` without its warning), and
    an empty string, the missing value, counts as the column's most frequent category.
    """
    from onnx import TensorProto

    if table.numeric:
        elem_in = _tensor_type(np.dtype(input_dtype))
        u = x if elem_in == TensorProto.DOUBLE else g.cast(x, TensorProto.DOUBLE, "X_double")
        if table.median is not None:
            missing = g.node("IsNaN", [u], "X_missing")
            u = g.node("Where", [missing, g.const("input_median", table.median.astype(np.float64)), u], "X_imputed")
        if table.mean is not None:
            u = g.node("Sub", [u, g.const("input_mean", table.mean.astype(np.float64))], "X_centred")
            u = g.node("Div", [u, g.const("input_scale", table.scale.astype(np.float64))], "X_standardised")
        blocks = [u]
    else:
        blocks = []
    for k, cats in enumerate(table.categories):
        column = g.node("Gather", ["X_text", g.const(f"text_{k}_index", np.array(k, dtype=np.int64))], f"text_{k}",
                        axis=1)
        keys = list(cats) + ([""] if table.most_frequent is not None else [])
        hot = g.node("OneHotEncoder", [column], f"text_{k}_keys", domain="ai.onnx.ml", cats_strings=keys, zeros=1)
        hot = g.cast(hot, TensorProto.DOUBLE, f"text_{k}_keys_double")
        if table.most_frequent is not None:
            # The "" key's column is added to the most frequent category's: missing -> that category.
            fold = np.vstack([np.eye(len(cats)), np.eye(len(cats))[list(cats).index(table.most_frequent[k])]])
            hot = g.node("MatMul", [hot, g.const(f"text_{k}_fold", fold)], f"text_{k}_onehot")
        blocks.append(hot)
    u = blocks[0] if len(blocks) == 1 else g.node("Concat", blocks, "X_encoded", axis=1)
    return u if g.elem == TensorProto.DOUBLE else g.cast(u, g.elem, "X_standardised_cast")


# ------------------------------------------------------------------------------ stage 2: the network
def _network_stage(g: _Graph, u: str, net: Network) -> str:
    """The forward pass from ``u`` to the output ``"o"`` (N, n_outputs), one Gemm and activation per layer."""
    from onnx import TensorProto

    last = net.n_layers
    for t, (W, b, f) in enumerate(zip(net.weights, net.biases, net.activations), start=1):
        # net_r = sum_q w_rq u_q + b_r for every example: Gemm(u, W, b) with W transposed.
        net_t = g.node("Gemm", [u, g.const(f"W_{t}", W), g.const(f"b_{t}", b)], f"net_{t}", label=f"layer_{t}",
                       transB=1)
        u = "o" if t == last else f"o_{t}"
        op, attrs = f.onnx
        if op == "LeakyRelu" and g.elem == TensorProto.DOUBLE:
            # LeakyRelu's alpha attribute is a 32-bit float (0.0099999998); in float64 the
            # exact max(net, alpha net) that deltaprop computes needs a float64 constant.
            slope = g.const("leaky_slope", np.array(attrs["alpha"], dtype=np.float64))
            g.node("Max", [net_t, g.node("Mul", [net_t, slope], f"slope_net_{t}")], u)
            continue
        g.node(op, [net_t], u, label=f"{f.name}_{t}", **attrs)
    return u


# ------------------------------------------------------------------------------ stage 3: outputs
def _as_double(g: _Graph, o: str) -> str:
    from onnx import TensorProto

    return o if g.elem == TensorProto.DOUBLE else g.cast(o, TensorProto.DOUBLE, "o_double")


def _class_outputs(g: _Graph, o: str, encoder: ClassEncoder) -> list:
    """``"label"`` and ``"probabilities"`` from ``o``, as :meth:`ClassEncoder.labels` and :meth:`ClassEncoder.proba`.

    p = clip((o - low) / (high - low), EPS, 1 - EPS) in float64; one output gives
    ``[1 - p, p]``; rows are normalised (not for multilabel); the label is the class of the
    first largest probability (multilabel: ``p > 0.5`` per label).
    """
    from onnx import TensorProto

    p = _as_double(g, o)
    if (encoder.low, encoder.high) != (0.0, 1.0):  # numpy's (o - 0) / 1 is o itself
        p = g.node("Sub", [p, g.const("no_value", np.float64(encoder.low))], "o_shifted")
        p = g.node("Div", [p, g.const("yes_minus_no", np.float64(encoder.high - encoder.low))], "o_unit")
    p = g.node("Clip", [p, g.const("eps", np.float64(EPS)), g.const("one_minus_eps", np.float64(1 - EPS))], "p")
    n_classes = encoder.classes.size
    if encoder.multilabel:
        proba = p
        g.node("Cast", [g.node("Greater", [p, g.const("half", np.float64(0.5))], "above_half")], "label",
               to=TensorProto.INT64)
        label_info = g.value_info("label", TensorProto.INT64, ["N", n_classes])
    else:
        if encoder.n_outputs == 1:  # one output p stands for classes[1]: [1 - p, p]
            complement = g.node("Sub", [g.const("one", np.float64(1.0)), p], "p_complement")
            proba = g.node("Concat", [complement, p], "p_both", axis=1)
        else:
            total = g.node("ReduceSum", [p, g.const("class_axis", np.array([1], dtype=np.int64))], "p_sum",
                           keepdims=1)
            proba = g.node("Div", [p, total], "p_normalised")
        index = g.node("ArgMax", [proba], "class_index", axis=1, keepdims=0)
        classes = _label_tensor(encoder.classes)
        g.node("Gather", [g.const("classes", classes), index], "label", axis=0)
        label_info = g.value_info("label", _tensor_type(classes.dtype), ["N"])
    g.in_network_dtype(proba, "probabilities")
    return [label_info, g.value_info("probabilities", g.elem, ["N", n_classes])]


def _label_tensor(classes: np.ndarray) -> np.ndarray:
    """The classes as an ONNX-typed array: int64, double, bool, or strings (object array)."""
    kind = classes.dtype.kind
    if kind in "iu":
        return classes.astype(np.int64)
    if kind == "f":
        return classes.astype(np.float64)
    if kind == "b":
        return classes.astype(bool)
    return np.array([str(c) for c in classes.tolist()], dtype=object)


def _regression_outputs(g: _Graph, o: str, scaler: TargetScaler, n_outputs: int) -> list:
    """``"variable"`` (N, n_outputs): ``o`` un-scaled, ``(o - lo) / scale + y_min`` (bounded outputs) or
    ``o * scale + mean`` (standardised targets).

    The same float64 operations as :meth:`TargetScaler.inverse_transform`; unbounded outputs pass through.
    """
    if scaler.mean is not None:  # standardised targets of unbounded outputs: o * scale + mean
        y = g.node("Mul", [_as_double(g, o), g.const("target_std", np.asarray(scaler.scale, dtype=np.float64))],
                   "o_unscaled")
        y = g.node("Add", [y, g.const("target_mean", np.asarray(scaler.mean, dtype=np.float64))], "y_double")
        g.in_network_dtype(y, "variable")
    elif scaler.target_range is None:  # unbounded outputs: the targets are the outputs
        g.node("Identity", [o], "variable")
    else:
        y_min, scale = scaler._scaling()
        y = g.node("Sub", [_as_double(g, o), g.const("target_low", np.float64(scaler.interval[0]))], "o_shifted")
        y = g.node("Div", [y, g.const("target_scale", np.asarray(scale, dtype=np.float64))], "o_unscaled")
        y = g.node("Add", [y, g.const("target_min", np.asarray(y_min, dtype=np.float64))], "y_double")
        g.in_network_dtype(y, "variable")
    return [g.value_info("variable", g.elem, ["N", n_outputs])]


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
    return arr.astype(np.float64)
