"""Plots with matplotlib (extra ``plot``: ``pip install 'deltaprop[plot]'``).

* :func:`plot_history`: training loss, validation loss and validation metric per epoch.
* :func:`plot_decision_boundary`: a classifier's regions on 2-D data, with the examples.
* :func:`plot_network`: the network as a diagram, edges coloured by the sign of the weight
  and drawn as wide as its magnitude, with bias nodes (as R's neuralnet ``plot.nn`` draws);
  wide networks (784-30-10) as a summary: layer boxes, one bundle per weight matrix and a
  heatmap of each layer's weights.

matplotlib is imported only inside these functions. They build a
``matplotlib.figure.Figure`` directly rather than through ``pyplot``, so no global state
(backend, current figure) is touched and nothing is left open; saving renders with Agg
(PNG) or the SVG backend. Each function returns the Figure and, given ``path``, writes it
atomically as PNG or SVG according to the suffix. The PNG is exactly
``figsize * dpi`` pixels (no tight bounding box; the layout is constrained instead).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._files import atomic_open
from ._optional import import_optional
from .errors import InputError, InputTypeError
from .network import Network, network_of

__all__ = ["plot_history", "plot_decision_boundary", "plot_network", "IMAGE_FORMATS", "SUMMARY_UNITS",
           "SUMMARY_EDGES"]

#: The file formats the plots are written in, chosen by the path's suffix.
IMAGE_FORMATS = ("png", "svg")

POSITIVE = "#1f77b4"  # blue: w > 0
NEGATIVE = "#d62728"  # red: w < 0

#: plot_network draws a summary instead of every edge above this many units in a layer...
SUMMARY_UNITS = 20
#: ... or above this many weights in all.
SUMMARY_EDGES = 400


# --------------------------------------------------------------------------- plumbing
def _figure(ax, figsize, dpi):
    """``(fig, ax)``: the given axes, or a new Figure (no pyplot) with one axes."""
    import_optional("matplotlib", extra="plot", purpose="plotting")
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    return fig, fig.add_subplot()


def _check_path(path) -> Path | None:
    if path is None:
        return None
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in IMAGE_FORMATS:
        raise InputError(f"cannot tell the image format of {str(path)!r}; end the file name in .png or .svg")
    return path


def _save(fig, path: Path | None, dpi) -> None:
    if path is None:
        return
    fmt = path.suffix.lower().lstrip(".")
    # An SVG's default metadata holds the date; leaving it out makes files reproducible.
    metadata = {"Date": None} if fmt == "svg" else None
    with atomic_open(path) as f:
        fig.savefig(f, format=fmt, dpi=dpi, metadata=metadata)


def _check_dpi(dpi) -> None:
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not dpi > 0:
        raise InputError(f"dpi must be a positive number, got {dpi!r}")


# --------------------------------------------------------------------------- history
def plot_history(
    history,
    path: str | os.PathLike | None = None,
    *,
    ax=None,
    figsize: tuple[float, float] = (6.4, 4.8),
    dpi: float = 100,
    metric_label: str = "validation metric",
    log_loss: bool = False,
):
    """Loss curves: training loss, validation loss and validation metric per epoch.

    Parameters
    ----------
    history : mapping or object with ``to_dict()``
        Per-epoch lists under ``"loss"``, ``"val_loss"`` and ``"val_metric"`` (a
        :class:`~deltaprop.training.History`, or its ``to_dict()``). Lists may be empty or
        missing; ``None`` entries (epochs without validation) leave gaps.
    path : str or path-like, optional
        Write the figure here, as PNG or SVG by suffix.
    ax : matplotlib Axes, optional
        Draw into these axes (``figsize`` is then ignored); the metric gets a twin axis.
    figsize : (float, float), default (6.4, 4.8)
        Inches; the PNG is ``figsize * dpi`` pixels.
    dpi : float, default 100
    metric_label : str
        The metric's axis label (e.g. ``"validation accuracy"``).
    log_loss : bool, default False
        Logarithmic loss axis.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from deltaprop.plotting import plot_history
    >>> fig = plot_history({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.4],
    ...                     "val_metric": [0.5, 0.7, 0.8]})
    >>> fig.axes[0].get_xlabel()
    'epoch'
    """
    out = _check_path(path)
    _check_dpi(dpi)
    if hasattr(history, "to_dict"):
        history = history.to_dict()
    if not isinstance(history, Mapping):
        raise InputTypeError(
            f"history must be a dict of per-epoch lists or have to_dict(), got {type(history).__name__}"
        )
    series = {key: _series(history, key) for key in ("loss", "val_loss", "val_metric")}
    if not any(np.isfinite(s).any() for s in series.values()):
        raise InputError(
            "history has no finite values under 'loss', 'val_loss' or 'val_metric'; train for at least one epoch"
        )
    fig, ax = _figure(ax, figsize, dpi)
    handles = []
    for key, label, style in (("loss", "training loss J", "-"), ("val_loss", "validation loss", "--")):
        s = series[key]
        if np.isfinite(s).any():
            handles += ax.plot(np.arange(1, len(s) + 1), s, style, marker="." if len(s) < 30 else None, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss J")
    if log_loss:
        ax.set_yscale("log")
    metric = series["val_metric"]
    legend_ax = ax
    if np.isfinite(metric).any():
        ax2 = legend_ax = ax.twinx()  # drawn above ax: the legend goes there to stay on top
        handles += ax2.plot(np.arange(1, len(metric) + 1), metric, ":", color="C2",
                            marker="." if len(metric) < 30 else None, label=metric_label)  # fmt: skip
        ax2.set_ylabel(metric_label)
    legend_ax.legend(handles=handles, loc="best")
    ax.set_title("training history")
    _save(fig, out, dpi)
    return fig


def _series(history: Mapping, key: str) -> np.ndarray:
    values = history.get(key) or []
    try:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"history[{key!r}] must be a list of numbers (or None), got {values!r:.80}") from None


# --------------------------------------------------------------------------- decision boundary
def plot_decision_boundary(
    model,
    X,
    y,
    path: str | os.PathLike | None = None,
    *,
    ax=None,
    resolution: int = 200,
    figsize: tuple[float, float] = (6.4, 4.8),
    dpi: float = 100,
    feature_names: tuple[str, str] = ("$x_1$", "$x_2$"),
):
    """A classifier's decision regions on 2-D data, with the examples on top.

    Parameters
    ----------
    model : object with ``predict`` or Network
        An estimator's ``predict(X)`` gives labels directly. For a :class:`Network` the
        class is the argmax of ``forward`` (one output: ``o > midpoint`` of the output
        activation's range, 0.5 for sigmoid, 0 for tanh); output ``i`` is the ``i``-th
        smallest label of ``y`` when ``y`` has as many classes as the network, else
        label ``i`` itself.
    X : array (N, 2)
    y : array (N,) of labels, or (N, k) one-hot
    path : str or path-like, optional
        Write the figure here, as PNG or SVG by suffix.
    ax : matplotlib Axes, optional
    resolution : int, default 200
        Grid points per axis at which the model is evaluated.
    figsize, dpi :
        As in :func:`plot_history`.
    feature_names : (str, str)
        Axis labels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> from deltaprop.plotting import plot_decision_boundary
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); y = np.array([0, 1, 1, 0])
    >>> fig = plot_decision_boundary(dp.Network([2, 3, 1], seed=0), X, y, resolution=20)
    >>> fig.axes[0].get_xlabel()
    '$x_1$'
    """
    out = _check_path(path)
    _check_dpi(dpi)
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 2000:
        raise InputError(f"resolution must be an integer from 2 to 2000, got {resolution!r}")
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2 or X.dtype.kind not in "biuf" or len(X) == 0:
        raise InputError(
            f"X must be numeric of shape (N, 2) to draw a decision boundary, got shape {X.shape}; "
            "pick two features or project the data to 2-D first"
        )
    X = X.astype(float)
    y = np.asarray(y)
    if y.ndim == 2:
        y = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
    if y.shape != (len(X),):
        raise InputError(f"y has shape {y.shape} but X has {len(X)} examples; pass one label per example")

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.where(hi > lo, 0.05 * (hi - lo), 0.5)
    g1, g2 = (np.linspace(lo[i] - pad[i], hi[i] + pad[i], resolution) for i in range(2))
    G = np.column_stack([a.ravel() for a in np.meshgrid(g1, g2)])
    grid_labels = _predict_labels(model, G, y)
    try:
        classes = np.unique(np.concatenate([y, grid_labels]))
    except TypeError:
        raise InputError("the model predicts labels of another type than y's; pass y as the model's labels") from None
    if len(classes) > 20:
        raise InputError(
            f"the model predicts {len(classes)} distinct values; decision boundaries are drawn for classifiers "
            "with up to 20 classes"
        )

    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib import colormaps

    fig, ax = _figure(ax, figsize, dpi)
    palette = colormaps["tab10" if len(classes) <= 10 else "tab20"].colors[: len(classes)]
    cmap = ListedColormap(palette)
    norm = BoundaryNorm(np.arange(len(classes) + 1) - 0.5, len(classes))
    Z = np.searchsorted(classes, grid_labels).reshape(resolution, resolution)
    ax.imshow(Z, extent=(g1[0], g1[-1], g2[0], g2[-1]), origin="lower", cmap=cmap, norm=norm,
              alpha=0.35, aspect="auto", interpolation="nearest")  # fmt: skip
    codes = np.searchsorted(classes, y)
    ax.scatter(X[:, 0], X[:, 1], c=codes, cmap=cmap, norm=norm, edgecolors="black", linewidths=0.5, s=25)
    for i, cls in enumerate(classes):  # legend entries, one per class
        ax.scatter([], [], color=palette[i], edgecolors="black", linewidths=0.5, label=str(cls))
    ax.legend(title="class", loc="best", fontsize="small")
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title("decision boundary")
    _save(fig, out, dpi)
    return fig


def _predict_labels(model, G: np.ndarray, y: np.ndarray) -> np.ndarray:
    if hasattr(model, "predict"):
        return np.asarray(model.predict(G)).reshape(len(G), -1)[:, 0]
    if not isinstance(model, Network):
        raise InputTypeError(f"model must have predict(X) or be a deltaprop Network, got {type(model).__name__}")
    o = model.forward(G)
    if model.n_outputs == 1:
        lo, hi = model.activations[-1].output_range
        threshold = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else 0.5
        index = (o[:, 0] > threshold).astype(int)
    else:
        index = o.argmax(axis=1)
    labels = np.unique(y)
    if len(labels) == max(model.n_outputs, 2):
        return labels[index]  # output i is the i-th smallest label
    if y.dtype.kind not in "biu":
        raise InputError(
            f"y has {len(labels)} classes but the network distinguishes {max(model.n_outputs, 2)}; "
            "pass y with one class per output (or integer labels)"
        )
    return index


# --------------------------------------------------------------------------- network diagram
def plot_network(
    net,
    path: str | os.PathLike | None = None,
    *,
    ax=None,
    show_weights: bool | None = None,
    input_names=None,
    output_names=None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    summary: bool | None = None,
):
    """A diagram of the network: every unit and edge (R neuralnet's ``plot.nn``), or a summary of wide layers.

    Units are circles in columns (inputs, hidden layers, outputs); each layer's bias is a
    node labelled 1 above the layer it feeds. An edge's colour is the weight's sign (blue
    positive, red negative) and its width grows with ``|w|`` (relative to the largest).

    A network with a layer of more than :data:`SUMMARY_UNITS` units or more than
    :data:`SUMMARY_EDGES` weights (784-30-10, say) would be a solid bar of edges; it is
    drawn as a summary instead: one box per layer (units, activation) joined by a bundle
    per weight matrix (its shape, the share of positive weights), and below them a heatmap
    of each layer's ``[W | b]`` (rows: units r, columns: inputs q, then the bias; blue
    positive, red negative, on one colour scale).

    Parameters
    ----------
    net : Network
        Or an object with a ``network_`` attribute (a fitted estimator).
    path : str or path-like, optional
        Write the figure here, as PNG or SVG by suffix.
    ax : matplotlib Axes, optional
    show_weights : bool, optional
        Print each weight on its edge; by default only for networks of at most 60
        parameters. (The summary has no edges to label: its heatmaps show the weights.)
    summary : bool, optional
        Draw the summary (True) or every edge (False); by default the summary for wide
        layers, as described above.
    input_names, output_names : sequence of str, optional
        Labels of the input and output units (default ``x_q`` and ``o_l``).
    figsize : (float, float), optional
        Inches; by default it grows with the number of layers and units (summary: with
        the number of layers).
    dpi : float, default 100

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import deltaprop as dp
    >>> from deltaprop.plotting import plot_network
    >>> fig = plot_network(dp.Network([2, 3, 1], seed=0))
    >>> len(fig.axes)
    1
    """
    out = _check_path(path)
    _check_dpi(dpi)
    net = network_of(net, caller="plot_network")
    sizes = net.sizes
    in_names = _names(input_names, sizes[0], "input_names", "$x_{%d}$")
    out_names = _names(output_names, sizes[-1], "output_names", "$o_{%d}$")
    if summary is None:
        summary = max(sizes) > SUMMARY_UNITS or sum(W.size for W in net.weights) > SUMMARY_EDGES
    if summary:
        fig, ax = _figure(ax, figsize or (max(8.0, 3.2 * len(sizes)), 6.0), dpi)
        _draw_summary(ax, net)
        _save(fig, out, dpi)
        return fig
    if show_weights is None:
        show_weights = net.n_parameters <= 60
    widest = max(sizes)
    if figsize is None:
        figsize = (min(20.0, max(5.0, 2.2 * len(sizes))), min(20.0, max(3.5, 0.55 * widest + 1.8)))

    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    fig, ax = _figure(ax, figsize, dpi)
    # Unit i of a layer of n units sits at height (n - 1)/2 - i: columns centred on 0.
    ys = [(n - 1) / 2 - np.arange(n) for n in sizes]
    top = (widest - 1) / 2 + 1  # bias nodes' height, above every column
    biggest = max(max(np.abs(W).max(), np.abs(b).max()) for W, b in zip(net.weights, net.biases)) or 1.0

    segments, weights, bias_segments, bias_weights = [], [], [], []
    labels = []  # (x, y, w) for weight labels
    for t, (W, b) in enumerate(zip(net.weights, net.biases)):
        n_out, n_in = W.shape
        for r in range(n_out):
            for q in range(n_in):
                segments.append([(t, ys[t][q]), (t + 1, ys[t + 1][r])])
                weights.append(W[r, q])
                f = 0.25 + 0.5 * (q + 1) / (n_in + 1)  # stagger labels along the edges
                labels.append((t + f, ys[t][q] + f * (ys[t + 1][r] - ys[t][q]), W[r, q]))
            bx = t + 0.5
            bias_segments.append([(bx, top), (t + 1, ys[t + 1][r])])
            bias_weights.append(b[r])
            labels.append((bx + 0.7 * 0.5, top + 0.7 * (ys[t + 1][r] - top), b[r]))

    def collection(segs, ws, style):
        ws = np.asarray(ws, dtype=float)
        return LineCollection(segs, colors=np.where(ws >= 0, POSITIVE, NEGATIVE), linestyles=style,
                              linewidths=0.4 + 3.6 * np.abs(ws) / biggest, alpha=0.8, zorder=1)  # fmt: skip

    ax.add_collection(collection(segments, weights, "solid"))
    ax.add_collection(collection(bias_segments, bias_weights, "dashed"))

    node_size = float(np.clip(6000 / widest, 8, 500))
    for t, n in enumerate(sizes):
        ax.scatter(np.full(n, t), ys[t], s=node_size, facecolors="white", edgecolors="black", zorder=3)
    bias_x = np.arange(len(sizes) - 1) + 0.5
    ax.scatter(bias_x, np.full(len(bias_x), top), s=node_size, facecolors="#cfe2f3", edgecolors=POSITIVE, zorder=3)
    fontsize = 9 if widest <= 20 else 6
    if widest <= 40:
        for x in bias_x:
            ax.text(x, top, "1", ha="center", va="center", fontsize=fontsize, zorder=4)
        for q, name in enumerate(in_names):
            ax.text(-0.12, ys[0][q], name, ha="right", va="center", fontsize=fontsize)
        for l, name in enumerate(out_names):
            ax.text(len(sizes) - 1 + 0.12, ys[-1][l], name, ha="left", va="center", fontsize=fontsize)
    if show_weights:
        for x, y, w in labels:
            ax.text(x, y, f"{w:.2g}", ha="center", va="center", fontsize=7, zorder=2,
                    bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.7))  # fmt: skip
    n_hidden = len(sizes) - 2
    for t in range(len(sizes)):
        if t == 0:
            caption = "input"
        else:
            name = "output (l)" if t == len(sizes) - 1 else ("hidden (j)" if n_hidden == 1 else f"hidden {t} (j)")
            caption = f"{name}\n{net.activations[t - 1].name}"
        ax.text(t, -(widest - 1) / 2 - 0.8, caption, ha="center", va="top", fontsize=9)
    ax.legend(handles=[Line2D([], [], color=POSITIVE, lw=2, label="w > 0"),
                       Line2D([], [], color=NEGATIVE, lw=2, label="w < 0")],
              loc="upper right", fontsize="small", frameon=False)  # fmt: skip
    ax.set_xlim(-0.7, len(sizes) - 0.3)
    ax.set_ylim(-(widest - 1) / 2 - 1.8, top + 0.7)
    ax.set_axis_off()
    ax.set_title("network " + "-".join(map(str, sizes)) + f" ({net.loss_function.name})")
    _save(fig, out, dpi)
    return fig


def _draw_summary(ax, net: Network) -> None:
    """Layer boxes joined by bundles (top) and one ``[W | b]`` heatmap per layer (bottom), in ``ax``.

    ``ax`` spans the unit square (axis off); the heatmaps and their colour bars are inset
    axes of it, so a caller's single axes holds the whole summary. Each heatmap has its own
    symmetric colour scale (the first layer's weights are often ten times smaller).
    """
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.ticker import MaxNLocator

    sizes = net.sizes
    n_cols = len(sizes)
    xs = 0.1 + 0.8 * np.arange(n_cols) / (n_cols - 1)  # box centres
    box_w = min(0.14, 0.35 * 0.8 / (n_cols - 1))
    box_y, box_h = 0.68, 0.22
    n_hidden = n_cols - 2
    for t, n in enumerate(sizes):
        if t == 0:
            caption = f"input\n{n} units"
        else:
            name = "output (l)" if t == n_cols - 1 else ("hidden (j)" if n_hidden == 1 else f"hidden {t} (j)")
            caption = f"{name}\n{n} units\n{net.activations[t - 1].name}"
        ax.add_patch(FancyBboxPatch((xs[t] - box_w / 2, box_y), box_w, box_h, boxstyle="round,pad=0.01",
                                    facecolor="white", edgecolor="black", zorder=3))  # fmt: skip
        ax.text(xs[t], box_y + box_h / 2, caption, ha="center", va="center", fontsize=9, zorder=4)

    # Blue for w > 0 and red for w < 0, as the edges of the full diagram.
    cmap = LinearSegmentedColormap.from_list("deltaprop_weights", [NEGATIVE, "white", POSITIVE])
    heat_y, heat_h = 0.07, 0.42
    for t, (W, b) in enumerate(zip(net.weights, net.biases)):
        n_out, n_in = W.shape
        # The bundle: one arrow for all n_out x n_in edges, wider for more of them.
        ax.add_patch(FancyArrowPatch((xs[t] + box_w / 2 + 0.01, box_y + box_h / 2),
                                     (xs[t + 1] - box_w / 2 - 0.01, box_y + box_h / 2),
                                     arrowstyle="-|>", mutation_scale=12, linewidth=1.5 + 1.5 * np.log10(W.size),
                                     color="0.6", zorder=2))  # fmt: skip
        ax.text((xs[t] + xs[t + 1]) / 2, box_y + box_h / 2 + 0.04, f"$W_{t + 1}$: {n_out} x {n_in}\n"
                f"{float((W > 0).mean()):.0%} > 0", ha="center", va="bottom", fontsize=8)  # fmt: skip
        # The heatmap under the bundle: row r is unit r's weight vector w_r, then its bias b_r.
        Wb = np.column_stack([W, b])
        scale = float(np.abs(Wb).max()) or 1.0
        x0, x1 = xs[t] + 0.04, xs[t + 1] - 0.08  # room for the next heatmap's row numbers
        heat = ax.inset_axes([x0, heat_y, x1 - x0, heat_h])
        image = heat.imshow(Wb, cmap=cmap, vmin=-scale, vmax=scale, aspect="auto", interpolation="nearest",
                            extent=(0.5, n_in + 1.5, n_out + 0.5, 0.5))  # 1-based units and inputs, as the notes
        heat.axvline(n_in + 0.5, color="black", linewidth=0.6)  # the bias column follows
        heat.set_title(f"$W_{t + 1}$ | $b_{t + 1}$: units r x inputs q, bias", fontsize=8)
        heat.tick_params(labelsize=7)
        for axis in (heat.xaxis, heat.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        bar = ax.inset_axes([x1 + 0.01, heat_y, 0.01, heat_h])
        ax.figure.colorbar(image, cax=bar, ticks=[-scale, 0, scale], format="%.2g")
        bar.tick_params(labelsize=6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    ax.set_title("network " + "-".join(map(str, sizes)) + f" ({net.loss_function.name})")


def _names(names, n: int, argument: str, pattern: str) -> list[str]:
    if names is None:
        return [pattern % (i + 1) for i in range(n)]  # 1-based, as in the notes
    names = [str(s) for s in names]
    if len(names) != n:
        raise InputError(f"{argument} has {len(names)} names but the layer has {n} units; pass one per unit")
    return names
