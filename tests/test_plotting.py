import struct
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import deltaprop as dp

pytest.importorskip("matplotlib")

from deltaprop.plotting import plot_decision_boundary, plot_history, plot_network  # noqa: E402

FIGSIZE, DPI = (4.0, 3.0), 50  # 200 x 150 pixels

HISTORY = {"loss": [1.0, 0.6, 0.4, 0.3], "val_loss": [None, 0.7, 0.5, 0.45], "val_metric": [None, 0.6, 0.7, 0.75]}
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def png_size(path):
    """(width, height) from the PNG header: 8-byte signature, then the IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_svg(path, figsize):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # matplotlib writes the size in points: inches * 72.
    assert float(root.get("width").removesuffix("pt")) == pytest.approx(figsize[0] * 72)
    assert float(root.get("height").removesuffix("pt")) == pytest.approx(figsize[1] * 72)


def draw(kind, path, **kw):
    if kind == "history":
        return plot_history(HISTORY, path, figsize=FIGSIZE, dpi=DPI, **kw)
    if kind == "boundary":
        return plot_decision_boundary(dp.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, path, figsize=FIGSIZE,
                                      dpi=DPI, resolution=30, **kw)  # fmt: skip
    return plot_network(dp.Network([2, 3, 2], seed=0), path, figsize=FIGSIZE, dpi=DPI, **kw)


KINDS = ["history", "boundary", "network"]


@pytest.mark.parametrize("kind", KINDS)
def test_png_is_valid_and_has_figsize_times_dpi_pixels(tmp_path, kind):
    import matplotlib.image

    path = tmp_path / f"{kind}.png"
    fig = draw(kind, path)
    assert png_size(path) == (200, 150)
    assert matplotlib.image.imread(path).shape[:2] == (150, 200)
    assert fig.get_size_inches() == pytest.approx(FIGSIZE)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("kind", KINDS)
def test_svg_parses_as_xml_with_an_svg_root_of_the_figure_size(tmp_path, kind):
    path = tmp_path / f"{kind}.SVG"
    draw(kind, path)
    check_svg(path, FIGSIZE)


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_suffix_is_refused_before_drawing(tmp_path, kind):
    with pytest.raises(dp.InputError, match=r"\.png or \.svg"):
        draw(kind, tmp_path / "plot.jpg")
    assert list(tmp_path.iterdir()) == []


def test_history_draws_loss_validation_loss_and_metric_with_gaps_for_none():
    fig = plot_history(HISTORY)
    ax, ax2 = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines() + ax2.get_lines()}
    assert set(lines) == {"training loss J", "validation loss", "validation metric"}
    np.testing.assert_array_equal(lines["training loss J"].get_xdata(), [1, 2, 3, 4])
    assert np.isnan(lines["validation loss"].get_ydata()[0])
    assert lines["validation metric"].get_ydata()[-1] == 0.75


def test_history_accepts_objects_with_to_dict_and_missing_or_empty_lists():
    class History:
        def to_dict(self):
            return {"loss": [3.0, 2.0], "val_loss": [], "time": [0.1, 0.2]}

    fig = plot_history(History())
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["training loss J"]
    assert len(fig.axes) == 1  # no metric, no twin axis
    with pytest.raises(dp.InputError, match="no finite values"):
        plot_history({"loss": [], "val_loss": [None]})
    with pytest.raises(dp.InputTypeError, match="to_dict"):
        plot_history([1.0, 2.0])


def test_history_draws_into_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert plot_history(HISTORY, ax=ax) is fig


def test_decision_boundary_regions_follow_the_network_threshold():
    net = dp.Network([2, 1], seed=0)  # o = sigma(x_1 - x_2): class 1 exactly where x_1 > x_2
    net.set_parameters([[[1.0, -1.0]]], [[0.0]])
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.1], [0.3, 0.9]])
    fig = plot_decision_boundary(net, X, np.array(["no", "yes", "yes", "no"]), resolution=41)
    image = fig.axes[0].get_images()[0].get_array()
    x1, x2 = np.meshgrid(np.linspace(-0.05, 1.05, 41), np.linspace(-0.05, 1.05, 41))
    np.testing.assert_array_equal(image[x1 > x2 + 1e-9], 1)
    np.testing.assert_array_equal(image[x1 < x2 - 1e-9], 0)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["no", "yes"]


def test_decision_boundary_uses_predict_and_argmax_of_one_hot_targets():
    class Model:
        def predict(self, X):
            return np.where(X[:, 0] > 0.5, "b", "a")

    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.2, 0.8]])
    fig = plot_decision_boundary(Model(), X, np.array(["a", "b", "a"]), resolution=10)
    image = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_array_equal(image[:, :5], 0)  # x_1 < 0.5: "a"
    np.testing.assert_array_equal(image[:, 5:], 1)  # x_1 > 0.5: "b"
    net = dp.Network([2, 2], output_activation="softmax", seed=0)
    fig = plot_decision_boundary(net, XOR_X, np.eye(2)[XOR_Y], resolution=10)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["0", "1"]


def test_decision_boundary_refuses_data_that_is_not_2d():
    with pytest.raises(dp.InputError, match=r"shape \(N, 2\)"):
        plot_decision_boundary(dp.Network([3, 1], seed=0), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(dp.InputError, match="one label per example"):
        plot_decision_boundary(dp.Network([2, 1], seed=0), XOR_X, np.zeros(3))


def test_network_diagram_colours_edges_by_sign_and_widths_by_magnitude():
    net = dp.Network([2, 2, 1], seed=0)
    net.set_parameters([[[1.0, -2.0], [0.5, -4.0]], [[3.0, -1.5]]], [[0.25, -0.5], [2.0]])
    fig = plot_network(net, show_weights=True)
    ax = fig.axes[0]
    edges, bias_edges = ax.collections[:2]
    weights = np.array([1.0, -2.0, 0.5, -4.0, 3.0, -1.5])
    colours = edges.get_colors()[:, :3]
    blue, red = np.array([0x1F, 0x77, 0xB4]) / 255, np.array([0xD6, 0x27, 0x28]) / 255
    np.testing.assert_allclose(colours[weights > 0], np.tile(blue, (3, 1)))
    np.testing.assert_allclose(colours[weights < 0], np.tile(red, (3, 1)))
    widths = np.asarray(edges.get_linewidths())
    assert np.all(np.diff(widths[np.argsort(np.abs(weights))]) > 0)  # wider for larger |w|
    assert len(bias_edges.get_segments()) == 3  # one bias edge per hidden and output unit
    texts = {t.get_text() for t in ax.texts}
    assert {"1", "-2", "0.5", "-4", "3", "-1.5", "0.25", "-0.5", "2"} <= texts  # weight and bias labels
    assert {"$x_{1}$", "$x_{2}$", "$o_{1}$"} <= texts


def test_network_diagram_hides_weight_labels_of_larger_networks_and_checks_names():
    fig = plot_network(dp.Network([8, 10, 3], seed=0))
    assert not any(t.get_text().startswith("-0.") for t in fig.axes[0].texts)
    with pytest.raises(dp.InputError, match="input_names has 1 names"):
        plot_network(dp.Network([2, 1], seed=0), input_names=["a"])


def test_missing_matplotlib_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(dp.MissingDependencyError, match=r"deltaprop\[plot\]"):
        plot_history(HISTORY)


# ------------------------------------------------------------------------------ wide networks: the summary
def drawn(fig):
    """The Agg renderer of ``fig`` after drawing it (the layout and text extents are then final)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_a_784_30_10_network_is_drawn_as_boxes_and_heatmaps_not_every_edge(tmp_path):
    from matplotlib.collections import LineCollection
    from matplotlib.image import AxesImage

    net = dp.Network([784, 30, 10], seed=0)
    fig = plot_network(net, tmp_path / "net.png", figsize=(6.4, 4.8), dpi=100)
    assert png_size(tmp_path / "net.png") == (640, 480)
    main_ax = fig.axes[0]
    assert not any(isinstance(c, LineCollection) for c in main_ax.collections)  # no 23,840 edges
    assert len(fig.axes) == 1 and len(main_ax.child_axes) == 4  # two heatmaps, two colour bars, inside the axes
    images = [a for ax in main_ax.child_axes for a in ax.get_children() if isinstance(a, AxesImage)]
    assert [im.get_array().shape for im in images] == [(30, 785), (10, 31)]  # [W | b] per layer
    np.testing.assert_array_equal(images[0].get_array()[:, :784], net.weights[0])
    texts = [t.get_text() for t in main_ax.texts]
    assert len(texts) == 5 and "hidden (j)\n30 units\nsigmoid" in texts  # no per-weight labels


def test_summary_boxes_and_labels_overlap_neither_each_other_nor_the_title(tmp_path):
    fig = plot_network(dp.Network([784, 30, 10], seed=0), figsize=(6.4, 4.8), dpi=100)
    renderer = drawn(fig)
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts] + [p.get_window_extent(renderer) for p in ax.patches]
    title = ax.title.get_window_extent(renderer)
    assert all(not b.overlaps(title) for b in boxes)
    labels = [t.get_window_extent(renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(labels) for b in labels[i + 1:])
    heatmaps = [a.get_window_extent(renderer) for a in ax.child_axes]
    assert not any(a.overlaps(b) for i, a in enumerate(heatmaps) for b in heatmaps[i + 1:])


def test_twenty_hidden_units_are_drawn_one_by_one_without_touching(tmp_path):
    fig = plot_network(dp.Network([4, 20, 3], seed=0), dpi=100)
    renderer = drawn(fig)
    ax = fig.axes[0]
    hidden = ax.collections[3]  # edges, bias edges, then one scatter per layer
    centres = ax.transData.transform(hidden.get_offsets())
    diameter = np.sqrt(hidden.get_sizes()[0]) * fig.dpi / 72
    assert len(centres) == 20 and np.diff(-centres[:, 1]).min() > 1.2 * diameter
    title = ax.title.get_window_extent(renderer)
    top = ax.transData.transform(ax.collections[-1].get_offsets()).max(axis=0)[1] + diameter / 2  # bias nodes
    assert title.y0 > top


def test_summary_is_a_choice_either_way():
    from matplotlib.collections import LineCollection

    small_as_summary = plot_network(dp.Network([2, 3, 1], seed=0), summary=True)
    assert len(small_as_summary.axes[0].child_axes) == 4
    wide_in_full = plot_network(dp.Network([30, 4, 1], seed=0), summary=False)
    edges = [c for c in wide_in_full.axes[0].collections if isinstance(c, LineCollection)][0]
    assert len(edges.get_segments()) == 30 * 4 + 4


def test_cli_plot_of_a_784_30_10_model_is_the_summary(tmp_path):
    from deltaprop.cli import main

    dp.save(dp.Network([784, 30, 10], seed=0), tmp_path / "net.safetensors")
    out = tmp_path / "net.png"
    assert main(["plot", str(tmp_path / "net.safetensors"), "--kind", "network", "-o", str(out)]) == 0
    assert png_size(out) == (640, 480) and out.stat().st_size > 20_000  # heatmaps, not an empty frame
