import io
import math
import re

import numpy as np
import pytest

import deltaprop as dp


def sigma(x):
    return 1.0 / (1.0 + math.exp(-x))


# A 2-2-1 sigmoid network with hand-set weights, and every quantity of one step worked out
# with the notes' formulas in plain Python (independent of the library).
X1, X2, Y = 0.6, -0.3, 1.0
W_HID = [[0.1, -0.2], [0.4, 0.3]]  # w_jq, j = 1, 2
B_HID = [0.05, -0.1]
W_OUT = [[0.7, -0.5]]  # w_lj, l = 1
B_OUT = [0.2]
ETA = 0.5


def hand():
    net_j = [W_HID[j][0] * X1 + W_HID[j][1] * X2 + B_HID[j] for j in range(2)]
    o_j = [sigma(n) for n in net_j]
    net_l = W_OUT[0][0] * o_j[0] + W_OUT[0][1] * o_j[1] + B_OUT[0]
    o_l = sigma(net_l)
    d_l = (Y - o_l) * o_l * (1 - o_l)  # delta_l = (y_l - o_l) o_l (1 - o_l)
    d_j = [o_j[j] * (1 - o_j[j]) * d_l * W_OUT[0][j] for j in range(2)]  # delta_j = o_j(1-o_j) sum_l delta_l w_lj
    g_hid = [[-d_j[j] * X1, -d_j[j] * X2] for j in range(2)]  # dJ/dw_jq = -delta_j u_jq
    g_out = [[-d_l * o_j[0], -d_l * o_j[1]]]
    return dict(
        net=net_j + [net_l], o=o_j + [o_l], delta=d_j + [d_l],
        J=0.5 * (Y - o_l) ** 2, g_hid=g_hid, g_out=g_out,
        gb_hid=[-d_j[0], -d_j[1]], gb_out=[-d_l],
    )  # fmt: skip


def network():
    net = dp.Network([2, 2, 1], seed=0)
    net.set_parameters([W_HID, W_OUT], [B_HID, B_OUT])
    return net


def hand_numbers():
    """Every number the tables must show, from the hand computation."""
    h = hand()
    new_hid = [[W_HID[j][q] - ETA * h["g_hid"][j][q] for q in range(2)] for j in range(2)]
    new_out = [[W_OUT[0][q] - ETA * h["g_out"][0][q] for q in range(2)]]
    return (h["net"] + h["o"] + h["delta"] + [h["J"]]
            + sum(h["g_hid"], []) + h["g_out"][0] + h["gb_hid"] + h["gb_out"]
            + sum(new_hid, []) + new_out[0])  # fmt: skip


def test_explanation_holds_the_hand_computed_quantities_of_the_2_2_1_network():
    h = hand()
    ex = dp.explain(network(), [X1, X2], [Y], learning_rate=ETA)
    hidden, output = ex.layers
    np.testing.assert_allclose(np.r_[hidden.net, output.net], h["net"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.r_[hidden.o, output.o], h["o"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.r_[hidden.delta, output.delta], h["delta"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.dW, h["g_hid"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(output.dW, h["g_out"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.r_[hidden.db, output.db], h["gb_hid"] + h["gb_out"], rtol=0, atol=1e-12)
    assert ex.J == pytest.approx(h["J"], abs=1e-14)
    assert (hidden.unit, output.unit) == ("j", "l")


def test_updated_weights_are_w_minus_eta_times_the_gradient():
    h = hand()
    net = network()
    ex = dp.explain(net, [X1, X2], [Y], learning_rate=ETA)
    hidden, output = ex.layers
    np.testing.assert_allclose(hidden.W_new, np.array(W_HID) - ETA * np.array(h["g_hid"]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(output.W_new, np.array(W_OUT) - ETA * np.array(h["g_out"]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.b_new, np.array(B_HID) - ETA * np.array(h["gb_hid"]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(output.b_new, np.array(B_OUT) - ETA * np.array(h["gb_out"]), rtol=0, atol=1e-12)
    # The network itself is not stepped; updated_network() is, and its J is J_new.
    np.testing.assert_array_equal(net.weights[0], W_HID)
    stepped = ex.updated_network()
    np.testing.assert_array_equal(stepped.weights[1], output.W_new)
    assert ex.J_new == pytest.approx(stepped.loss([[X1, X2]], [[Y]]), rel=1e-15)
    assert ex.J_new < ex.J


@pytest.mark.parametrize("render", ["markdown", "latex", "text", "rich"])
def test_every_rendering_shows_the_hand_computed_values_to_6_digits(render):
    ex = dp.explain(network(), [X1, X2], [Y], learning_rate=ETA)
    if render == "markdown":
        out = ex.to_markdown()
    elif render == "latex":
        out = ex.to_latex()
    elif render == "text":
        out = str(ex)
    else:
        from rich.console import Console

        console = Console(file=io.StringIO(), width=200, color_system=None)
        console.print(ex)
        out = console.file.getvalue()
    for v in hand_numbers():
        assert f"{v:.6g}" in out, (v, render)


def test_renderings_use_the_notes_symbols_and_1_based_unit_labels():
    ex = dp.explain(network(), [X1, X2], [Y], learning_rate=ETA)
    md, tex, text = ex.to_markdown(), ex.to_latex(), str(ex)
    for out in (md, text):
        for symbol in ("net_r", "o_r", "delta_r", "u_rq", "w_rq", "dJ/dw_rq", "eta", "J = 1/2 sum_l",
                       "delta_l = (y_l - o_l) o_l (1 - o_l)", "delta_j = o_j (1 - o_j) sum_l delta_l w_lj",
                       "j = 1", "j = 2", "l = 1", "hidden", "output", "numbered from 1"):  # fmt: skip
            assert symbol in out, (symbol, out[:200])
        assert "j = 0" not in out and "l = 2" not in out
    for symbol in (r"\mathit{net}_r", r"\delta_r", "u_{rq}", "w_{rq}", r"\eta", r"\partial J/\partial w_{rq}"):
        assert symbol in tex


def test_digits_sets_the_significant_digits_and_none_prints_full_precision():
    h = hand()
    ex = dp.explain(network(), [X1, X2], [Y], learning_rate=ETA, digits=3)
    assert f"| hidden | j = 1 | {h['net'][0]:.3g} | {h['o'][0]:.3g} |" in ex.to_markdown()
    assert f"{h['o'][0]:.10g}" in ex.to_markdown(digits=10)
    full = ex.to_markdown(digits=None)
    rows = [line for line in full.splitlines() if line.startswith("| hidden | j = 1 |")]
    net_1, o_1 = (float(c) for c in rows[0].strip("|").split("|")[2:4])
    assert net_1 == pytest.approx(h["net"][0], abs=1e-15) and o_1 == pytest.approx(h["o"][0], abs=1e-15)
    assert len(rows[0].split("|")[4].strip()) >= 15  # o_1 printed with all its digits
    with pytest.raises(dp.InputError, match="digits"):
        ex.to_markdown(digits=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_negative_zero_prints_as_0_in_every_format_and_precision(dtype):
    # u = 0 and delta > 0: dJ/dw = -delta u is -0.0, held as computed but printed as 0.
    ex = dp.explain(dp.Network([2, 1], seed=0, dtype=dtype), [0.0, 0.0], [1.0], learning_rate=0.5)
    assert np.signbit(ex.layers[0].dW).all() and (ex.layers[0].dW == 0).all()
    minus_zero = re.compile(r"(?<![\w.])-0(\.0*)?(?![\w.])")
    for text in (ex.to_markdown(), ex.to_markdown(digits=None), ex.to_latex(), ex.to_latex(digits=None), str(ex)):
        assert not minus_zero.search(text), text
    assert "| output | l = 1 | 1 | 0 | " in ex.to_markdown()


def test_latex_environments_and_braces_are_balanced_in_both_forms():
    ex = dp.explain(dp.Network([3, 4, 2, 2], seed=1, activation="tanh"), [0.1, 1e-6, -2.0], [0.0, 1.0],
                    learning_rate=0.1)  # fmt: skip
    for tex in (ex.to_latex(), ex._repr_latex_()):
        stack = []
        for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
            if kind == "begin":
                stack.append(env)
            else:
                assert stack and stack.pop() == env
        assert stack == []
        depth = 0
        for ch in re.sub(r"\\[{}]", "", tex):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0
        assert depth == 0
    tex = ex.to_latex()
    assert tex.count(r"\begin{tabular}") == 3
    body = [line for line in tex.splitlines() if not line.startswith("%")]
    assert all(line.count("$") % 2 == 0 for line in body)
    assert "e-0" not in tex and r"\times 10^{" in tex  # exponents typeset, not 1e-06


def test_jupyter_reprs_exist_and_render_markdown_and_mathjax_latex():
    ex = dp.explain(network(), [X1, X2], [Y], learning_rate=ETA)
    md = ex._repr_markdown_()
    assert md.startswith("**deltaprop explain**") and "| hidden | j = 1 |" in md
    latex = ex._repr_latex_()
    assert latex.strip().splitlines()[1] == "$$" and latex.strip().endswith("$$")
    assert r"\begin{array}" in latex and "tabular" not in latex
    assert hasattr(ex, "__rich_console__")


def test_deeper_networks_label_each_hidden_layer():
    net = dp.Network([2, 3, 2, 1], seed=0)
    ex = dp.explain(net, [0.5, 0.5], [1.0], learning_rate=1.0)
    assert [s.name for s in ex.layers] == ["hidden 1", "hidden 2", "output"]
    md = ex.to_markdown()
    assert "| hidden 2 | j = 2 | 1 |" in md and "hidden 1: delta_j" in md and "sum_r delta_r w_rj" in md
    n_weight_rows = sum(line.startswith("| hidden") or line.startswith("| output") for line in md.splitlines())
    assert n_weight_rows == (3 + 2 + 1) + (3 * 3 + 2 * 4 + 1 * 3)  # unit rows + (inputs + bias) per unit


def test_networks_larger_than_max_weights_are_refused_unless_raised():
    net = dp.Network([50, 40, 1], seed=0)  # 50*40 + 40 + 40 + 1 = 2081 parameters
    x, y = np.zeros(50), [0.5]
    with pytest.raises(dp.InputError, match="more than max_weights=2000 .* pass max_weights=2081"):
        dp.explain(net, x, y, learning_rate=0.1)  # the Python keyword; the command line names --max-weights
    ex = dp.explain(net, x, y, learning_rate=0.1, max_weights=2081)
    assert ex.layers[0].W_new.shape == (40, 50)


def test_bad_arguments_raise_errors_that_name_them():
    with pytest.raises(dp.InputError, match="x has 3 features"):
        dp.explain(network(), [1.0, 2.0, 3.0], [1.0], learning_rate=0.1)
    with pytest.raises(dp.InputError, match="learning_rate"):
        dp.explain(network(), [1.0, 2.0], [1.0], learning_rate=-1.0)
    with pytest.raises(dp.InputTypeError, match="Network"):
        dp.explain("not a network", [1.0, 2.0], [1.0], learning_rate=0.1)


def test_an_object_with_network_attribute_is_explained_through_it():
    class Fitted:
        network_ = network()

    h = hand()
    ex = dp.explain(Fitted(), [X1, X2], [Y], learning_rate=ETA)
    assert ex.J == pytest.approx(h["J"], abs=1e-14)


@pytest.mark.parametrize(
    "hidden, output, loss, out_formula, hidden_formula",
    [
        ("tanh", "identity", "squared_error", "delta_l = y_l - o_l", "delta_j = (1 - o_j^2) sum_l delta_l w_lj"),
        ("relu", "sigmoid", "binary_cross_entropy", "delta_l = y_l - o_l", "delta_j = [o_j > 0] sum_l"),
        ("leaky_relu", "tanh", "squared_error", "delta_l = (y_l - o_l) (1 - o_l^2)",
         "delta_j = (1 if o_j > 0 else 0.01) sum_l"),
        ("identity", "softmax", "squared_error", "delta_l = -dJ/dnet_l", "delta_j = 1 sum_l delta_l w_lj"),
    ],
)  # fmt: skip
def test_delta_formulas_follow_the_activations_and_loss(hidden, output, loss, out_formula, hidden_formula):
    net = dp.Network([2, 2, 2], activation=hidden, output_activation=output, loss=loss, seed=0)
    ex = dp.explain(net, [0.3, -0.2], [0.0, 1.0], learning_rate=0.1)
    for out in (ex.to_markdown(), str(ex)):
        assert out_formula in out and hidden_formula in out


def test_every_activation_loss_and_dtype_renders_in_every_format():
    import itertools

    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
    combos = itertools.product(hidden + ["softmax"], dp.LOSSES)  # every output x loss; hidden and dtype cycle
    for i, (o, loss) in enumerate(combos):
        h, dtype = hidden[i % len(hidden)], ["float64", "float32"][i % 2]
        net = dp.Network([2, 2, 2], activation=h, output_activation=o, loss=loss, seed=0, dtype=dtype)
        ex = dp.explain(net, [0.3, -0.2], [0.0, 1.0], learning_rate=0.1)
        for out in (ex.to_markdown(), ex.to_latex(), ex._repr_latex_(), str(ex)):
            assert "l = 2" in out


def test_formulas_come_from_the_activation_and_loss_records():
    import dataclasses

    net = network()
    marked = dataclasses.replace(net.activations[0], formula=("D({o})", r"\mathrm{D}({o})"))
    net.activations = [marked, net.activations[1]]
    loss = dataclasses.replace(net.loss_function, formula=("LOSS", r"\mathrm{LOSS}"))
    net.loss_function = loss
    ex = dp.explain(net, [X1, X2], [Y], learning_rate=ETA)
    text = ex.to_markdown()
    assert "delta_j = D(o_j) sum_l delta_l w_lj" in text and "J = LOSS" in text
    assert r"\delta_j = \mathrm{D}(o_j)" in ex.to_latex()


def test_leaky_relu_formula_prints_the_libraries_slope_constant():
    from deltaprop.activations import LEAKY_RELU_SLOPE

    net = dp.Network([2, 2, 1], activation="leaky_relu", seed=0)
    text = dp.explain(net, [X1, X2], [Y], learning_rate=ETA).to_markdown()
    assert f"delta_j = (1 if o_j > 0 else {LEAKY_RELU_SLOPE:g}) sum_l delta_l w_lj" in text
