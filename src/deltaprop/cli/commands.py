"""The commands that read a model file: evaluate, predict, export, plot (``info``: :mod:`._info`); and gradcheck,
explain."""

from __future__ import annotations

import csv
import io
import sys
import warnings

import click
import numpy as np

from .._files import atomic_write_bytes
from .._memory import check_fits, check_gradcheck_size, format_bytes
from ..activations import ACTIVATIONS
from ..errors import DeltapropWarning, InputError
from ..explain import MAX_WEIGHTS
from ..losses import LOSSES
from ..network import Network
from ._exit import EXIT_ERROR
from ._model import CLASSIFICATION, Model, data_for_model, data_name, load_model, model_argument
from ._output import console, echo_json, metrics, network_line, print_metrics, user_text
from ._train_options import Real, Whole

EXIT_CHECK_FAILED = EXIT_ERROR  # a failed gradient check


# ------------------------------------------------------------------------------ evaluate
@click.command(short_help="Score MODEL on DATA (accuracy, P/R/F1, or MSE, MAE, R^2).", epilog="""
\b
Examples:
  deltaprop evaluate model.safetensors test.csv
  deltaprop evaluate model.safetensors test.csv --target species --json
  deltaprop evaluate digits.safetensors digits""")
@model_argument
@click.argument("data")
@click.option("--target", help="The target column [default: the model's target column, else the last].")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the Fashion-MNIST IDX files.")
def evaluate(model: str, data: str, target: str | None, as_json: bool, data_dir) -> None:
    """Score MODEL on DATA.

    Classifiers: accuracy, precision, recall and F1 per class and macro-averaged, and the
    confusion matrix. Regressors: mean squared error, mean absolute error and R^2.
    """
    m = load_model(model)
    ds = data_for_model(m, data, target=target, need_target=True, data_dir=data_dir)
    result = metrics(m, ds.X, ds.y)
    if as_json:
        echo_json(result)
    else:
        print_metrics(result, f"{model} on {data}")


# ------------------------------------------------------------------------------ predict
@click.command(short_help="Write MODEL's predictions for DATA as CSV.", epilog="""
\b
Examples:
  deltaprop predict model.safetensors new.csv -o predictions.csv
  deltaprop predict model.safetensors new.csv --proba
  cat new.csv | deltaprop predict model.safetensors - > predictions.csv""")
@model_argument
@click.argument("data")
@click.option("-o", "--output", default="-", show_default=True, help="The CSV file to write ('-': standard output).")
@click.option("--proba", is_flag=True, help="Add one probability column per class (classifiers).")
@click.option("--target", help="A column of DATA to leave out [default: the model's target column, if present].")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the Fashion-MNIST IDX files.")
def predict(model: str, data: str, output: str, proba: bool, target: str | None, data_dir) -> None:
    """Write MODEL's predictions for DATA as CSV; '-' reads DATA from standard input.

    One row per example, in DATA's order: the predicted label (or value), then with
    --proba the probability of each class, in the columns proba_<class>. In a CSV/TSV
    table a line of delimiters only (,,,) is a row of missing values, imputed as in
    training (or refused, like any missing cell, by a model trained without
    imputation). An empty line is not a row, and a warning names those between rows;
    in a one-column table an empty line is a missing value.
    """
    m = load_model(model)
    ds = data_for_model(m, data, target=target, need_target=False, data_dir=data_dir)
    _warn_of_skipped_lines(ds, data)
    pred = m.predict(ds.X)
    columns = [pred] if pred.ndim == 1 else list(pred.T)
    header = ["prediction"] if pred.ndim == 1 else [f"prediction_{j}" for j in range(pred.shape[1])]
    if proba:
        p = m.predict_proba(ds.X)
        columns += list(p.T)
        header += [f"proba_{c}" for c in m.classes]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in zip(*columns):
        writer.writerow([repr(float(v)) if isinstance(v, (float, np.floating)) else v for v in row])
    if output == "-":
        sys.stdout.write(text.getvalue())
        sys.stdout.flush()
    else:
        atomic_write_bytes(output, text.getvalue().encode("utf-8"), what="predictions file")


def _warn_of_skipped_lines(ds, source: str) -> None:
    """Output row i is DATA's i-th row: say which empty lines of a table are not rows (no prediction)."""
    from ..data._columns import _lines

    if not ds.skipped_lines:
        return
    lines = _lines(ds.skipped_lines)
    what = f"line {lines} is not a row" if len(ds.skipped_lines) == 1 else f"lines {lines} are not rows"
    n_columns = len(ds.feature_names) + (ds.target_name is not None)
    empty_row = "," * (n_columns - 1) if n_columns > 1 else '""'
    warnings.warn(f"{data_name(source)}: empty {what}, so no prediction (output row i is DATA's i-th row); "
                  f"to keep a row's place, write its empty cells with their delimiters ('{empty_row}' for "
                  f"these {n_columns} columns)", DeltapropWarning, stacklevel=1)


# ------------------------------------------------------------------------------ export
@click.command(short_help="Write MODEL's forward pass as an ONNX graph.", epilog="""
\b
Examples:
  deltaprop export model.safetensors --onnx model.onnx
  deltaprop export digits.safetensors --onnx digits.onnx --input-dtype uint8""")
@model_argument
@click.option("--onnx", "onnx_path", required=True, type=click.Path(dir_okay=False), help="The ONNX file to write.")
@click.option("--opset", type=int, default=17, show_default=True, help="ONNX operator set version.")
@click.option("--input-dtype", type=click.Choice(["float32", "float64", "uint8"]), default="float32",
              show_default=True, help="The element type of the input X (cast inside the graph).")
def export(model: str, onnx_path: str, opset: int, input_dtype: str) -> None:
    """Write MODEL as ONNX that gives what `deltaprop predict` gives.

    The graph maps raw inputs "X" (N, n_features), float32 by default, through the model's
    input standardisation and network to "label" and "probabilities" (a classifier; the
    class names are in the metadata as "classes") or "variable" (a regressor, targets
    un-scaled), plus the raw network outputs "o". A model trained on a table with text
    columns takes its numeric columns as "X" and its text columns as strings in a second
    input "X_text" (N, n_text), imputed and one-hot encoded inside the graph; the line
    printed names each input with its shape, type and columns.
    """
    from ..encoding import Encoding
    from ..export import export_onnx

    m = load_model(model)
    encoding = None
    if not m.is_estimator:  # an estimator carries its own classes or target scaling
        classes = m.class_encoder() if m.task == CLASSIFICATION else None
        encoding = Encoding(m.pre.inputs, classes=classes, targets=None if classes else m.pre.targets)
    proto = export_onnx(m.obj, onnx_path, opset=opset, input_dtype=input_dtype, encoding=encoding)
    outputs = ", ".join(o.name for o in proto.graph.output)
    inputs = _graph_inputs(proto, m.feature_names)
    click.echo(f"wrote {onnx_path}: input{'s' if len(proto.graph.input) > 1 else ''} {inputs} -> outputs {outputs}")


def _graph_inputs(proto, feature_names: list[str] | None) -> str:
    """The ONNX graph's inputs as they are: ``X (N, 3) float32 (income, age, visits), X_text (N, 1) string (city)``.

    The columns of each input are named when the graph records them (a table with text columns)."""
    import json

    from onnx import TensorProto

    props = {p.key: p.value for p in proto.metadata_props}
    columns = json.loads(props["columns"]) if "columns" in props else {}
    types = {TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64", TensorProto.UINT8: "uint8",
             TensorProto.STRING: "string"}
    shown = []
    for value in proto.graph.input:
        tensor = value.type.tensor_type
        dims = ", ".join(d.dim_param or str(d.dim_value) for d in tensor.shape.dim)
        kind = types.get(tensor.elem_type) or TensorProto.DataType.Name(tensor.elem_type).lower()
        text = f"{value.name} ({dims}) {kind}"
        if feature_names and value.name in columns:
            picked = [str(feature_names[j]) for j in columns[value.name]]
            text += f" ({', '.join(picked[:8])}{', ...' if len(picked) > 8 else ''})"
        shown.append(text)
    return ", ".join(shown)


# ------------------------------------------------------------------------------ plot
@click.command(short_help="Plot MODEL: loss curves, decision regions, network.", epilog="""
\b
Examples:
  deltaprop plot model.safetensors --kind history -o loss.png
  deltaprop plot moons.safetensors --kind boundary --data moons -o boundary.svg
  deltaprop plot model.safetensors --kind network -o net.png --size 1200x800""")
@model_argument
@click.option("--kind", type=click.Choice(["history", "boundary", "network"]), default="history", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="A .png or .svg file.")
@click.option("--data", help="The 2-D data of a decision-boundary plot.")
@click.option("--target", help="The target column of DATA.")
@click.option("--size", default="640x480", show_default=True, help="WIDTHxHEIGHT in pixels.")
@click.option("--dpi", type=float, default=100, show_default=True)
@click.option("--log", "log_loss", is_flag=True, help="Logarithmic loss axis (history).")
def plot(model: str, kind: str, output: str, data: str | None, target: str | None, size: str, dpi: float,
         log_loss: bool) -> None:
    """Plot MODEL: loss curves (history), decision regions on 2-D data, or the network.

    The network diagram draws each weight as an edge coloured by its sign (blue
    positive, red negative) and as wide as its magnitude, as R's neuralnet plot.nn does.
    """
    from .. import plotting

    try:
        w, h = (int(v) for v in size.lower().split("x"))
        if w < 1 or h < 1:
            raise ValueError
    except ValueError:
        raise InputError(f"--size takes WIDTHxHEIGHT in pixels such as 640x480, got {size!r}") from None
    figsize = (w / dpi, h / dpi)
    m = load_model(model)
    if kind == "history":
        history = m.history()
        if not history.get("loss"):
            raise InputError(f"model {model!r} has no training history to plot; train it with deltaprop train")
        label = "validation accuracy" if m.task == CLASSIFICATION else "validation R^2"
        fig = plotting.plot_history(history, output, figsize=figsize, dpi=dpi, metric_label=label, log_loss=log_loss)
    elif kind == "boundary":
        if data is None:
            raise InputError("--kind boundary needs the data to draw: pass --data DATA (two feature columns)")
        if m.task != CLASSIFICATION or m.n_features != 2:
            raise InputError(f"a decision boundary needs a classifier with 2 inputs; model {model!r} is a "
                             f"{m.task} model with {m.n_features}")
        ds = data_for_model(m, data, target=target, need_target=True)
        names = tuple(ds.feature_names[:2]) if len(ds.feature_names) == 2 else ("$x_1$", "$x_2$")
        fig = plotting.plot_decision_boundary(m, ds.X, ds.y, output, figsize=figsize, dpi=dpi, feature_names=names)
    else:
        one_per_class = m.classes is not None and len(m.classes) == m.network.n_outputs
        outputs = [str(c) for c in m.classes] if one_per_class else None
        fig = plotting.plot_network(m.network, output, figsize=figsize, dpi=dpi, input_names=m.feature_names,
                                    output_names=outputs)
    fig.clear()
    click.echo(f"wrote {output} ({w}x{h} pixels)")


# ------------------------------------------------------------------------------ gradcheck
def _floats(text: str | None, option: str) -> np.ndarray | None:
    if text is None:
        return None
    try:
        return np.array([float(v) for v in text.replace(" ", "").split(",") if v != ""])
    except ValueError:
        raise InputError(f"{option} takes comma-separated numbers such as 0.6,-0.3, got {text!r}") from None


def _layer_sizes(text: str) -> list[int]:
    try:
        sizes = [int(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or min(sizes) < 1:
        raise InputError(f"--layers takes at least two positive layer sizes such as 2,3,1, got {text!r}")
    return sizes


def _network(model: str | None, layers: str, activation: str, output_activation: str, loss: str, seed: int,
             check_sizes=None):
    """The model file's network (and its Model), or a fresh one from the options.

    ``check_sizes(sizes, n_parameters)`` may refuse --layers before anything is allocated.
    """
    if model is not None:
        m = load_model(model)
        return m.network, m
    sizes = _layer_sizes(layers)
    if check_sizes is not None:
        check_sizes(sizes, sum((a + 1) * b for a, b in zip(sizes, sizes[1:])))
    net = Network(sizes, activation=activation, output_activation=output_activation, loss=loss, seed=seed)
    return net, None


def _random_targets(net: Network, n: int, rng: np.random.Generator) -> np.ndarray:
    """Targets the loss accepts: one-hot for softmax/cross-entropy, values in the output range otherwise."""
    if net.output_activation == "softmax" or net.loss_function.name == "cross_entropy":
        return np.eye(net.n_outputs)[rng.integers(net.n_outputs, size=n)]
    lo, hi = net.activations[-1].output_range
    lo, hi = (lo, hi) if np.isfinite(lo) and np.isfinite(hi) else (-1.0, 1.0)
    return rng.uniform(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), size=(n, net.n_outputs))


_network_options = [
    click.option("--layers", default="2,3,1", show_default=True, help="Layer sizes of a fresh network."),
    click.option("--activation", type=click.Choice(sorted(ACTIVATIONS)), default="sigmoid", show_default=True),
    click.option("--output-activation", type=click.Choice(sorted(ACTIVATIONS)), default="sigmoid", show_default=True),
    click.option("--loss", type=click.Choice(sorted(LOSSES)), default="squared_error", show_default=True),
    click.option("--seed", type=Whole(0, 2**128), default=0, show_default=True, help="Seed of a fresh network and random data."),
]


def network_options(f):
    for option in reversed(_network_options):
        f = option(f)
    return f


@click.command(short_help="Check backpropagation against finite differences.", epilog="""
\b
Examples:
  deltaprop gradcheck                                   # the notes' 2-3-1 sigmoid network
  deltaprop gradcheck --layers 4,8,8,3 --activation tanh --output-activation softmax --loss cross_entropy
  deltaprop gradcheck model.safetensors --data test.csv""")
@click.argument("model", required=False, type=click.Path(dir_okay=False))
@network_options
@click.option("--data", help="Check on these examples (with MODEL) instead of random ones.")
@click.option("--target", help="The target column of --data [default: the model's target column, else the last].")
@click.option("--examples", "n_examples", type=click.IntRange(min=1), default=5, show_default=True,
              help="Number of random examples (or the first rows of --data).")
@click.option("--step", "h", type=float, default=1e-6, show_default=True,
              help="Finite-difference step h of (J(w + h) - J(w - h)) / 2h.")
@click.option("--h", "h_alias", type=float, hidden=True)  # the option's name before --step; kept working
@click.option("--tolerance", type=Real(0.0), default=1e-6, show_default=True, help="Largest relative error that passes.")
def gradcheck(model, layers, activation, output_activation, loss, seed, data, target, n_examples, h, h_alias,
              tolerance) -> int:
    """Compare backpropagation's gradient with central finite differences, layer by layer.

    Checks MODEL, or a fresh network built from --layers and the activation and loss
    options, on random data (or the first rows of --data). Exits with 1 if a layer's
    relative error exceeds --tolerance.
    """
    from rich.table import Table

    from ..gradcheck import gradcheck as check

    h = h if h_alias is None else h_alias
    if not (np.isfinite(h) and h > 0):
        raise click.BadParameter(f"the finite-difference step must be a positive number, got {h!r}",
                                 param_hint="'--step'")

    def affordable(sizes, n_parameters):  # a check that would take hours, refused before building it
        check_gradcheck_size(n_parameters, n_examples, n_parameters, option=f"--layers {layers}")

    net, m = _network(model, layers, activation, output_activation, loss, seed, affordable)
    rng = np.random.default_rng(seed)
    if data is not None:
        if m is None:
            raise InputError("--data needs a MODEL to read the data for; without one, gradcheck uses random data")
        ds = data_for_model(m, data, target=target, need_target=True)
        X, Y = m.pre.transform_inputs(ds.X[:n_examples]), m.pre.transform_targets(ds.y[:n_examples])
    else:
        X = rng.normal(size=(n_examples, net.n_inputs))
        Y = _random_targets(net, n_examples, rng)
    errors = check(net, X, Y, h=h)
    click.echo("gradient check of " + network_line(model or f"random weights (seed {seed})", net))
    t = Table(title=user_text(f"on {len(X)} {'examples of ' + data if data else 'random examples'} (h = {h:g})"))
    for col in ("layer", "weights", "relative error", ""):
        t.add_column(col, justify="right")
    for i, e in enumerate(errors):
        t.add_row(str(i + 1), f"{net.sizes[i + 1]}x{net.sizes[i]} + {net.sizes[i + 1]}", f"{e:.3e}",
                  "ok" if e <= tolerance else "FAIL")
    console().print(t)
    worst = max(errors)
    if worst > tolerance:
        click.echo(f"deltaprop: gradient check failed: relative error {worst:.3e} exceeds --tolerance {tolerance:g}",
                   err=True)
        return EXIT_CHECK_FAILED
    return 0


# ------------------------------------------------------------------------------ explain
#: The most weights and biases ``explain --max-weights`` may allow: a million table rows.
MAX_EXPLAIN_WEIGHTS = 10**6
#: Memory a weight's row takes while it is rendered (measured): a terminal table or plain text
#: (rich keeps an object per cell, about 7 kB a row), Markdown or LaTeX (strings, under 1 kB).
_RICH_ROW_BYTES, _DOCUMENT_ROW_BYTES = 8000, 1000


@click.command(short_help="Show one step of backpropagation in the notes' notation.", epilog="""
\b
Examples:
  deltaprop explain                                        # the 2-3-1 sigmoid network, a random example
  deltaprop explain --x 0.6,-0.3 --y 1 --learning-rate 0.5 --format markdown
  deltaprop explain --layers 3,2,2 --activation tanh --format latex
  deltaprop explain xor.safetensors --x 1,0 --y 1""")
@click.argument("model", required=False, type=click.Path(dir_okay=False))
@network_options
@click.option("--x", "x_text", help="The example's inputs, comma-separated; with MODEL a raw row of its table, "
                                    "such as paris,52000,,3 (empty: missing) [default: random].")
@click.option("--y", "y_text", help="Its target: output values, or a class label of MODEL [default: random].")
@click.option("--learning-rate", "--eta", "learning_rate", type=float, default=0.5, show_default=True)
@click.option("--format", "fmt_", type=click.Choice(["table", "text", "markdown", "latex"]), default="table",
              show_default=True, help="A terminal table, plain text, Markdown or LaTeX.")
@click.option("--digits", type=click.IntRange(min=1), default=6, show_default=True, help="Significant digits.")
@click.option("--max-weights", type=Whole(1, MAX_EXPLAIN_WEIGHTS), default=MAX_WEIGHTS, show_default=True,
              help=f"Refuse networks with more weights and biases than this (one row of about 100 characters "
                   f"each; 100,000 rows take about a minute as a table or text, a second as Markdown; at most "
                   f"{MAX_EXPLAIN_WEIGHTS:,}).")
def explain(model, layers, activation, output_activation, loss, seed, x_text, y_text, learning_rate, fmt_, digits,
            max_weights):
    """Show one step of backpropagation in the notes' notation.

    For each unit: net_r, o_r and delta_r; for each weight: dJ/dw_rq = -delta_r u_rq
    and its new value w_rq - eta dJ/dw_rq; and J before and after the step. With MODEL,
    --x is a raw example, one cell per column of the model's table (text in a text
    column, an empty cell for a missing value), prepared as the model's training data
    was (imputed, standardised, one-hot), and --y may be a class label, or the index of
    a class (0 for the first) that is not a label.
    """
    from ..explain import explain as run_explain

    def readable(sizes, n_parameters):  # refused before the network is built
        _check_explainable(f"--layers {layers}", n_parameters, max_weights, fmt_, digits)

    net, m = _network(model, layers, activation, output_activation, loss, seed, readable)
    if m is not None:
        _check_explainable(f"model {model!r}", net.n_parameters, max_weights, fmt_, digits)
    rng = np.random.default_rng(seed)
    if x_text is None:
        x = rng.uniform(-1, 1, size=net.n_inputs)
    elif m is not None and not m.is_estimator:
        x = m.pre.transform_inputs(_raw_example(x_text, m), m.feature_names)[0]
    elif m is not None and getattr(m.obj, "preprocessor_", None) is not None:  # an estimator with preprocess=True
        table = m.obj.preprocessor_
        x = table.transform(_raw_example(x_text, m, table), m.feature_names)[0]
    else:
        x = _floats(x_text, "--x")
        if m is not None:
            m.check_features(x.reshape(1, -1))
            x = m.pre.transform_inputs(x.reshape(1, -1))[0]
    y = _target(y_text, net, m, rng)
    ex = run_explain(net, x, y, learning_rate=learning_rate, digits=digits, max_weights=max_weights)
    if fmt_ == "table":
        console().print(ex.to_rich())
    elif fmt_ == "markdown":
        click.echo(ex.to_markdown())
    elif fmt_ == "latex":
        click.echo(ex.to_latex())
    else:
        click.echo(str(ex))


def _check_explainable(what: str, n_parameters: int, max_weights: int, fmt_: str, digits: int) -> None:
    """Refuse a network with more weights and biases than --max-weights, saying what printing them all
    takes (a row of about ``30 + 4 (digits + 9)`` characters each), or whose tables would not fit in memory."""
    if n_parameters > MAX_EXPLAIN_WEIGHTS:
        raise InputError(f"{what} has {n_parameters:,} weights and biases, more than the {MAX_EXPLAIN_WEIGHTS:,} "
                         "explain prints at most (--max-weights); explain a smaller network")
    if n_parameters > max_weights:
        size = format_bytes(n_parameters * (30 + 4 * (digits + 9)))
        raise InputError(f"{what} has {n_parameters:,} weights and biases, more than --max-weights {max_weights}; "
                         f"pass --max-weights {n_parameters} to print them all (one row each, about {size} of "
                         "output), or explain a smaller network")
    rich = fmt_ in ("table", "text")
    check_fits(n_parameters * (_RICH_ROW_BYTES if rich else _DOCUMENT_ROW_BYTES),
               what=f"explaining the {n_parameters:,} weights and biases of {what} as --format {fmt_}",
               fix=("use --format markdown, or " if rich else "") + "explain a smaller network")


def _raw_example(x_text: str, m: Model, table=None) -> np.ndarray:
    """--x for MODEL as one raw table row (1, n_features), read as ``predict`` reads DATA's rows.

    One comma-separated cell per column of the model's table, in its order (quote a cell
    holding a comma): text in a text column, a number in a numeric one; an empty cell (or
    NA, N/A, ?, NaN) is a missing value, imputed as in training or refused when the model
    was trained without imputation. An object row when the model has text columns.
    ``table``: the model's table encoder when it is not the CLI model's (an estimator's
    ``preprocessor_``).
    """
    from ..data._columns import MISSING, STRICT_NUMBER
    from ..encoding import TableEncoder

    cells = [c.strip(" \t") for c in next(csv.reader([x_text]), [])]
    names = m.feature_names or [f"x{j}" for j in range(m.n_features)]
    if len(cells) != m.n_features:
        raise InputError(f"--x has {len(cells)} cells but model {m.path!r} expects {m.n_features}, one per column "
                         f"of its table ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''}); leave a cell "
                         f"empty for a missing value")
    table = m.pre.inputs if table is None else table
    text = set(table.text) if isinstance(table, TableEncoder) else set()
    row: list = []
    for j, (cell, name) in enumerate(zip(cells, names)):
        if j in text:
            row.append(None if cell in MISSING else cell)
        elif cell in MISSING:
            row.append(np.nan)
        elif STRICT_NUMBER.fullmatch(cell) and np.isfinite(float(cell)):
            row.append(float(cell))
        else:
            kind = "a numeric column" if text else "numbers only"
            raise InputError(f"--x gives {cell[:40]!r} for column {name!r}, but model {m.path!r} has {kind} there: "
                             f"pass a finite number, or an empty cell for a missing value")
    return np.array([row], dtype=object if text else np.float64)


def _target(y_text: str | None, net: Network, m: Model | None, rng) -> np.ndarray:
    if y_text is None:
        return _random_targets(net, 1, rng)[0]
    if m is not None and m.classes is not None and m.pre.classes is not None:
        # A class label first ("setosa", or 3 for integer labels), then a class index (0 for the first class).
        labels = [str(c) for c in m.classes]
        k = len(labels)
        if y_text in labels:
            return m.pre.transform_targets(m.classes[[labels.index(y_text)]])[0]
        if y_text.strip().isascii() and y_text.strip().isdigit() and int(y_text) < k:
            return m.pre.transform_targets(m.classes[[int(y_text)]])[0]
        if net.n_outputs > 1 and "," not in y_text:
            raise InputError(f"--y {y_text!r} is neither one of the model's classes ({', '.join(labels[:20])}"
                             f"{', ...' if k > 20 else ''}) nor a class index 0 to {k - 1}")
    y = _floats(y_text, "--y")
    if y.size != net.n_outputs:
        raise InputError(f"--y has {y.size} values but the network has {net.n_outputs} outputs; give one per output")
    if m is not None and m.classes is None and not m.is_estimator:  # a value, scaled as the training targets were
        return m.pre.transform_targets(y.reshape(1, -1))[0]
    return y
