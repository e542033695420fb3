import dataclasses
import warnings

import numpy as np
import pytest

from deltaprop.activations import ACTIVATIONS, get_activation

ELEMENTWISE = [n for n, a in ACTIVATIONS.items() if a.elementwise]


def test_sigmoid_matches_the_logistic_formula():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(get_activation("sigmoid")(x), 1 / (1 + np.exp(-x)), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "tanh"])
def test_activation_stays_finite_without_warnings_for_huge_inputs(name):
    x = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o = get_activation(name)(x)
    assert np.isfinite(o).all()
    lo, hi = ACTIVATIONS[name].output_range
    assert (o >= lo).all() and (o <= hi).all()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_written_with_output_matches_finite_difference(name):
    f = get_activation(name)
    x = np.linspace(-3, 3, 61) + 0.013  # away from relu's kink at 0
    h = 1e-6
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(f.grad(f(x)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_multiplies_upstream_by_local_derivative(name, rng):
    f = get_activation(name)
    o = f(rng.normal(size=(4, 5)))
    g = rng.normal(size=(4, 5))
    np.testing.assert_allclose(f.backward(o, g.copy()), g * f.grad(o))


def test_softmax_backward_is_the_jacobian_product(rng):
    f = get_activation("softmax")
    net = rng.normal(size=(1, 4))
    o = f(net)[0]
    jac = np.diag(o) - np.outer(o, o)
    g = rng.normal(size=4)
    np.testing.assert_allclose(f.backward(o[None], g[None].copy())[0], jac @ g)


def test_aliases_resolve_to_canonical_names():
    assert get_activation("logistic").name == "sigmoid"
    assert get_activation("LINEAR").name == "identity"


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of 'sigmoid'"):
        get_activation("swish")


# --------------------------------------------------------------------------- the records
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_record_gives_every_facet_or_an_explicit_none(name):
    f = ACTIVATIONS[name]
    assert f.name == name and callable(f.forward)
    # Elementwise activations have grad(o); softmax has the Jacobian product instead.
    assert (f.grad is None) == (f.jacobian_product is not None) == (not f.elementwise)
    lo, hi = f.output_range
    assert lo < hi
    bounded = np.isfinite(lo) and np.isfinite(hi)
    # A bounded elementwise output is trained on targets inside its range, away from the tails.
    assert (f.target_interval is not None) == (bounded and f.elementwise)
    if f.target_interval is not None:
        a, b = f.target_interval
        assert lo < a < b < hi
    if f.formula is not None:
        assert len(f.formula) == 2 and all(isinstance(s, str) for s in f.formula)
    op, attrs = f.onnx
    assert isinstance(op, str) and isinstance(attrs, dict)
    assert callable(f.inplace_forward) and callable(f.inplace_backward)
    assert isinstance(f.kernel_code, int)


def test_kernel_codes_are_distinct_so_each_record_has_its_own_compiled_branch():
    codes = [f.kernel_code for f in ACTIVATIONS.values()]
    assert len(set(codes)) == len(codes)


def test_target_intervals_are_the_ones_the_regressor_scales_into():
    assert ACTIVATIONS["sigmoid"].target_interval == (0.1, 0.9)
    assert ACTIVATIONS["tanh"].target_interval == (-0.8, 0.8)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_inplace_forward_gives_bitwise_the_pure_forward(name, rng):
    f = ACTIVATIONS[name]
    net = rng.normal(scale=3.0, size=(6, 5))
    a = net.copy()
    assert f.inplace_forward(a, np.empty_like(a)) is a
    np.testing.assert_array_equal(a, f.forward(net))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_inplace_backward_equals_the_pure_backward(name, rng):
    f = ACTIVATIONS[name]
    o = f.forward(rng.normal(size=(6, 5)))
    g = rng.normal(size=(6, 5))
    h = g.copy()
    assert f.inplace_backward(o, h, np.empty_like(h)) is h
    np.testing.assert_allclose(h, f.backward(o, g), rtol=1e-15, atol=1e-16)


def test_leaky_relu_formula_shows_the_slope_constant():
    from deltaprop.activations import LEAKY_RELU_SLOPE

    assert f"{LEAKY_RELU_SLOPE:g}" in ACTIVATIONS["leaky_relu"].formula[0]


# --------------------------------------------------------------------------- a new activation is one edit
def _softplus_grad(o):
    # f(net) = log(1 + e^net), f'(net) = 1 / (1 + e^-net) = 1 - e^-o, written with o.
    return -np.expm1(-o)


@pytest.fixture
def softplus(monkeypatch):
    """Softplus registered by one new record; no ONNX operator and no compiled kernel."""
    import deltaprop.activations as acts

    record = acts.Activation(
        "softplus", lambda net: np.logaddexp(0.0, net), _softplus_grad, (0.0, np.inf),
        formula=("(1 - exp(-{o}))", r"(1 - e^{-{o}})"),
    )  # fmt: skip
    monkeypatch.setitem(acts.ACTIVATIONS, "softplus", record)
    return record


def test_a_registered_activation_is_looked_up_by_name(softplus):
    assert get_activation("SoftPlus") is softplus
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(softplus(x), np.log1p(np.exp(x)), rtol=1e-14)
    h = 1e-6
    np.testing.assert_allclose(softplus.grad(softplus(x)), (softplus(x + h) - softplus(x - h)) / (2 * h), rtol=1e-7)


@pytest.mark.parametrize("output", ["softplus", "sigmoid"])
def test_a_registered_activation_backpropagates_exactly_as_finite_differences(softplus, output, rng):
    import deltaprop as dp

    net = dp.Network([3, 4, 4, 2], activation="softplus", output_activation=output, seed=0)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(0.1, 0.9, size=(6, 2))
    assert max(dp.gradcheck(net, X, Y)) < 1e-7


def test_a_registered_activation_is_explained_with_its_formula(softplus):
    import deltaprop as dp

    net = dp.Network([2, 2, 1], activation="softplus", seed=0)
    ex = dp.explain(net, [0.6, -0.3], [1.0], learning_rate=0.5)
    text = ex.to_markdown()
    assert "delta_j = (1 - exp(-o_j)) sum_l delta_l w_lj" in text
    assert r"(1 - e^{-o_j})" in ex.to_latex()
    assert ex.J_new < ex.J


def test_a_registered_activation_trains_through_the_workspace_with_the_cores_gradient(softplus, rng):
    import deltaprop as dp
    from deltaprop._kernels import Workspace

    net = dp.Network([3, 5, 2], activation="softplus", output_activation="softplus", seed=0)
    X, Y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 2))
    ws = Workspace(net, batch_size=7)
    assert not ws.compiled
    J = ws.loss_and_gradient(X, Y)
    J_ref, dW, db = net.loss_and_gradient(X, Y)
    assert J == pytest.approx(J_ref, rel=1e-12)
    for a, b in zip(ws.dW + ws.db, dW + db):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)
    history = dp.train(net, X, Y, solver="gd", learning_rate=0.05, epochs=20)
    assert history.loss[-1] < history.loss[0]


def test_a_registered_activation_without_kernel_or_onnx_facets_is_refused_clearly(softplus, tmp_path):
    import deltaprop as dp
    from deltaprop._kernels import Workspace, numba_available
    from deltaprop.errors import InputError

    net = dp.Network([3, 5, 1], activation="softplus", seed=0)
    if numba_available():
        with pytest.raises(InputError, match="compiled step .* covers sigmoid, tanh"):
            Workspace(net, batch_size=4, compiled=True)
    pytest.importorskip("onnx")
    from deltaprop.export import export_onnx

    with pytest.raises(InputError, match="activation 'softplus' has no ONNX operator"):
        export_onnx(net, tmp_path / "net.onnx")


def test_records_are_hashable_and_equal_by_their_facets():
    from deltaprop.losses import LOSSES

    assert len({*ACTIVATIONS.values(), *LOSSES.values()}) == len(ACTIVATIONS) + len(LOSSES)
    assert dataclasses.replace(ACTIVATIONS["tanh"]) == ACTIVATIONS["tanh"] != ACTIVATIONS["sigmoid"]
