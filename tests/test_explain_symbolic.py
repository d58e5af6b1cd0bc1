"""Part (a): the scalar equations, the nested function and the matrix form, as SymPy objects.

The oracle of the self-check is SymPy's own ``diff`` of the nested scalar function; the
engine's matrix backprop must agree with it for every weight and bias.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import matbackprop as mb
from matbackprop.explain._printing import tex, text
from matbackprop.explain.symbolic import matrix_network, nested_size, scalar_network

MASHA = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False)


def _w(k: int, idx: str) -> sp.Symbol:
    return sp.Symbol(f"W^{k}_{idx}")


def test_masha_scalar_equations_match_the_seed() -> None:
    s = scalar_network(MASHA)
    f = sp.Function("f")
    x1, x2 = sp.symbols("x_i1 x_i2")
    o11, o12 = sp.symbols("o^1_i1 o^1_i2")
    o21, o22 = sp.symbols("o^2_i1 o^2_i2")
    layer1, layer2, out = s.layers
    # h^1_i1 = w^1_11 x_i1 + w^1_21 x_i2,  o^1_i1 = f(h^1_i1)
    assert layer1[0][1] == _w(1, "11") * x1 + _w(1, "21") * x2
    assert layer1[1] == (sp.Symbol("o^1_i1"), f(sp.Symbol("h^1_i1")))
    assert layer1[2][1] == _w(1, "12") * x1 + _w(1, "22") * x2
    # layer 2 is layer 1 with x replaced by o^1, and with w^2 (the seed's typo reuses w^1)
    assert layer2[0][1] == _w(2, "11") * o11 + _w(2, "21") * o12
    assert layer2[2][1] == _w(2, "12") * o11 + _w(2, "22") * o12
    # y_hat_i = w^3_1 o^2_i1 + w^3_2 o^2_i2: one output, so one index on w^3
    assert out == [(sp.Symbol("yhat_i"), _w(3, "1") * o21 + _w(3, "2") * o22)]
    assert text(out[0][0]) + " = " + text(out[0][1]) == "ŷ_i = w^3_1·o^2_i1 + w^3_2·o^2_i2"


def test_masha_nested_function_is_the_seed_formula_with_its_typos_corrected() -> None:
    f = sp.Function("f")
    x1, x2 = sp.symbols("x_i1 x_i2")
    o1 = f(_w(1, "11") * x1 + _w(1, "21") * x2)
    o2 = f(_w(1, "12") * x1 + _w(1, "22") * x2)
    expected = _w(3, "1") * f(_w(2, "11") * o1 + _w(2, "21") * o2) + _w(3, "2") * f(
        _w(2, "12") * o1 + _w(2, "22") * o2
    )
    (y,) = scalar_network(MASHA).outputs
    assert sp.simplify(y - expected) == 0
    assert "w^{3}_{1} \\cdot f\\left(w^{2}_{11} \\cdot f\\left(w^{1}_{11}" in tex(y)


def test_masha_matrix_form_and_shapes() -> None:
    m = matrix_network(MASHA)
    n = sp.Symbol("n", positive=True, integer=True)
    assert text(m.y_hat) == "f(f(X·W1)·W2)·W3"
    assert tex(m.y_hat) == r"f\left(f\left(X \cdot W_{1}\right) \cdot W_{2}\right) \cdot W_{3}"
    assert m.y_hat.shape == (n, 1)
    assert [W.shape for W in m.W] == [(2, 2), (2, 2), (2, 1)]
    assert [text(p) for p in m.pre] == ["X·W1", "O1·W2", "O2·W3"]
    assert [text(p) for p in m.post[:2]] == ["f(H1)", "f(H2)"]


def test_bias_and_per_layer_activations_show_in_the_matrix_form() -> None:
    net = mb.Network([3, 4, 2, 2], activation=["relu", "tanh"], output_activation="softmax")
    m = matrix_network(net)
    assert text(m.y_hat) == "softmax(f_2(f_1(X·W1 + b1)·W2 + b2)·W3 + b3)"
    s = scalar_network(net)
    h = s.layers[0][0]
    assert (
        text(h[0]) + " = " + text(h[1])
        == "h^1_i1 = w^1_11·x_i1 + w^1_21·x_i2 + w^1_31·x_i3 + b^1_1"
    )


@pytest.mark.parametrize(
    ("sizes", "bias", "expected"),
    [
        ([2, 2, 2, 1], False, 14),
        ([2, 1], False, 2),
        ([2, 1], True, 3),
        ([3, 3, 3, 3, 3], False, 360),
    ],
    ids=["masha", "linear", "linear-bias", "deep"],
)
def test_nested_size_counts_weight_symbols(sizes: list[int], bias: bool, expected: int) -> None:
    net = mb.Network(sizes, bias=bias)
    assert nested_size(net) == expected
    if expected < 40:  # the count is what the printed formula really holds
        (y, *_) = scalar_network(net).outputs
        weights = [a for a in sp.preorder_traversal(y) if isinstance(a, sp.Symbol)]
        assert sum(1 for a in weights if a.name[0] in "Wz") == expected


def _architectures(count: int) -> list[tuple[list[int], list[str], str, bool]]:
    rng = np.random.default_rng(2024)
    hidden_acts = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "silu"]
    out = []
    for _ in range(count):
        depth = int(rng.integers(1, 4))  # weight layers
        sizes = [int(s) for s in rng.integers(1, 4, size=depth + 1)]
        acts = [str(a) for a in rng.choice(hidden_acts, size=depth - 1)]
        output = str(rng.choice(["identity", "sigmoid", "tanh"]))
        out.append((sizes, acts, output, bool(rng.integers(0, 2))))
    return out


@pytest.mark.parametrize(
    ("sizes", "acts", "output", "bias"),
    _architectures(24),
    ids=lambda v: (
        "-".join(map(str, v))
        if isinstance(v, list) and v and isinstance(v[0], int)
        else (
            "bias"
            if v is True
            else "nobias"
            if v is False
            else ",".join(v)
            if isinstance(v, list)
            else str(v)
        )
    ),
)
def test_sympy_derivative_of_the_nested_function_equals_backprop(
    sizes: list[int], acts: list[str], output: str, bias: bool
) -> None:
    rng = np.random.default_rng(7)
    net = mb.Network(
        sizes,
        activation=acts,
        output_activation=output,
        bias=bias,
        init="normal",
        init_scale=1.0,
        seed=rng,
    )
    if bias:
        net.biases = [rng.normal(size=b.shape) for b in net.biases]
    s = scalar_network(net, concrete=True)
    params = s.parameters()
    values = [float(v) for W in net.weights for v in W.flat] + [
        float(v) for b in net.biases for v in b.flat
    ]
    X = rng.normal(size=(3, sizes[0]))
    cache = net.forward(X)
    for j, y_j in enumerate(s.outputs):
        grad = sp.lambdify([*s.inputs, *params], [sp.diff(y_j, p) for p in params], "numpy")
        value = sp.lambdify([*s.inputs, *params], y_j, "numpy")
        for i in range(X.shape[0]):
            assert float(value(*X[i], *values)) == pytest.approx(cache.y_hat[i, j], abs=1e-12)
            seed_ = np.zeros_like(cache.y_hat)
            seed_[i, j] = 1.0  # dL/dy_hat picks out y_hat_ij: backprop gives its gradient
            g = net.backward(cache, seed_)
            engine = np.concatenate([a.ravel() for a in g.parameters()])
            symbolic = np.array([float(v) for v in grad(*X[i], *values)])
            np.testing.assert_allclose(symbolic, engine, rtol=1e-9, atol=1e-12)


def test_wide_layers_keep_the_seeds_order_and_unambiguous_indices() -> None:
    net = mb.Network([11, 1], bias=True)
    (h,) = scalar_network(net).layers[0]
    line = text(h[1])
    assert line.startswith("w^1_1·x_i,1 + w^1_2·x_i,2 + ")  # one output: w^k_l, as the seed
    assert line.endswith("w^1_10·x_i,10 + w^1_11·x_i,11 + b^1_1")
    (first, *_) = scalar_network(mb.Network([11, 2], bias=False)).layers[0]
    assert text(first[1]).endswith("w^1_9,1·x_i,9 + w^1_10,1·x_i,10 + w^1_11,1·x_i,11")
