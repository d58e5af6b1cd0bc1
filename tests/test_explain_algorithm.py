"""Part (b): edge derivatives, the backward pass with shapes on every line, the exact cost."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

import matbackprop as mb
from matbackprop.explain.algorithm import backward_lines, cost, derivative_formula, loss_formulas
from matbackprop.explain.symbolic import N

MASHA = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False)


def test_masha_backward_pass_is_the_seeds() -> None:
    lines = [(f"{x.lhs.text} = {x.rhs.text}", x.shapes.text) for x in backward_lines(MASHA)]
    assert lines == [
        ("d = ∂L/∂ŷ", "[n×1]"),
        ("∂L/∂W3 = O2ᵀ·d", "[2×n]·[n×1] = [2×1]"),
        ("d = d·W3ᵀ * f'(H2)", "[n×1]·[1×2]*[n×2] = [n×2]"),
        ("∂L/∂W2 = O1ᵀ·d", "[2×n]·[n×2] = [2×2]"),
        ("d = d·W2ᵀ * f'(H1)", "[n×2]·[2×2]*[n×2] = [n×2]"),
        ("∂L/∂W1 = Xᵀ·d", "[2×n]·[n×2] = [2×2]"),
    ]


def test_every_gradient_has_the_shape_of_its_weight() -> None:
    net = mb.Network([3, 5, 4, 2], activation="tanh", bias=True)
    for line in backward_lines(net):
        result = line.shapes.text.split(" = ")[-1]
        if line.kind == "dW":
            a, b = net.layer_sizes[line.k - 1], net.layer_sizes[line.k]
            assert result == f"[{a}×{b}]"
        elif line.kind == "db":
            assert result == f"[1×{net.layer_sizes[line.k]}]"
        else:
            assert result == f"[n×{net.layer_sizes[line.k]}]"


def test_identity_hidden_layer_has_no_elementwise_factor() -> None:
    net = mb.Network([2, 3, 1], activation="identity", bias=False)
    d_lines = [x for x in backward_lines(net) if x.kind == "d"]
    assert d_lines[-1].rhs.text == "d·W2ᵀ"
    assert d_lines[-1].shapes.text == "[n×1]·[1×3] = [n×3]"


def test_fused_loss_starts_from_dL_dH() -> None:
    net = mb.Network([2, 2, 1], output_activation="sigmoid")
    first = backward_lines(net, mb.LogLoss())[0]
    assert first.rhs.text == "∂L/∂H2"
    _, g, fused = loss_formulas(mb.LogLoss(), 1, "sigmoid")
    assert fused
    assert g.text == "∂L/∂H_L = 1/n·(ŷ − y)"


@pytest.mark.parametrize(
    ("half", "m", "expected"),
    [
        (True, 1, "∂L/∂ŷ = 1/n·(ŷ − y)"),
        (False, 1, "∂L/∂ŷ = 2/n·(ŷ − y)"),
        (False, 2, "∂L/∂ŷ = 1/n·(ŷ − y)"),
    ],
    ids=["half", "mse", "mse-two-outputs"],
)
def test_mse_derivative_follows_the_engine_convention(half: bool, m: int, expected: str) -> None:
    assert loss_formulas(mb.MSE(half=half), m, "identity")[1].text == expected


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("sigmoid", "O2 * (1 − O2)"), ("relu", "[H2 > 0]"), ("tanh", "1 − O2 * O2")],
    ids=["sigmoid", "relu", "tanh"],
)
def test_activation_derivatives_are_written_out(activation: str, expected: str) -> None:
    assert derivative_formula(activation, 2, 3).text == expected


def test_masha_cost_is_counted_by_hand() -> None:
    # forward: X·W1 2·2 + O1·W2 2·2 + O2·W3 2·1 = 10 per row; ∂L/∂W_k: the same 10;
    # d·W3ᵀ 1·2 + d·W2ᵀ 2·2 = 6; * f'(H2), * f'(H1): 2 + 2 = 4; update: 10 weights
    c = cost(MASHA)
    assert c.total == 30 * N + 10
    assert (c.forward, c.weight_grads, c.back_products, c.elementwise, c.update) == (
        10 * N,
        10 * N,
        6 * N,
        4 * N,
        10,
    )


def test_cost_is_linear_in_the_parameters() -> None:
    # per row: 3 products per weight except X·W1's backward twin (no d·W1ᵀ is needed)
    for sizes in ([4, 8, 8, 3], [10, 20, 1], [2, 2, 2, 2, 2, 2]):
        net = mb.Network(sizes, activation="relu", bias=True)
        c = cost(net)
        P_w = sum(a * b for a, b in itertools.pairwise(sizes))
        hidden = sum(sizes[1:-1])
        expected = N * (3 * P_w - sizes[0] * sizes[1] + hidden) + net.n_parameters
        assert sp.expand(c.total - expected) == 0
