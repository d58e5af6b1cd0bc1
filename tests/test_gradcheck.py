"""check_gradients and numerical_gradients: right answers, and they catch a wrong one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.activations import ACTIVATIONS


@pytest.mark.parametrize(
    ("activation", "output", "loss"),
    [
        ("sigmoid", "identity", "mse"),
        ("tanh", "sigmoid", "logloss"),
        ("softplus", "softmax", "cross_entropy"),
    ],
)
def test_agreeing_gradients_score_tiny(activation: str, output: str, loss: str) -> None:
    rng = np.random.default_rng(0)
    net = mb.Network([3, 4, 2], activation=activation, output_activation=output, seed=rng)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=6) if loss == "cross_entropy" else rng.integers(0, 2, (6, 2))
    assert mb.check_gradients(net, X, y, loss) < 1e-6  # the CLI's default tolerance


def test_float32_network_is_checked_against_float64_differences() -> None:
    rng = np.random.default_rng(1)
    net = mb.Network([2, 3, 1], activation="tanh", seed=rng, dtype=np.float32)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    numeric = mb.numerical_gradients(net, X, y)
    assert all(g.dtype == np.float64 for g in numeric)
    assert mb.check_gradients(net, X, y) < 1e-3


def test_numerical_gradients_of_a_linear_model_by_hand() -> None:
    # y_hat = X·w, MSE: ∂L/∂w = 2/n · Xᵀ(Xw − y); here X = [[1], [2]], w = 1, y = [[0], [0]]
    # Xw − y = [[1], [2]]; Xᵀ(...) = 1 + 4 = 5; ·2/2 = 5
    net = mb.Network([1, 1], bias=False, init=[np.array([[1.0]])])
    (g,) = mb.numerical_gradients(net, [[1.0], [2.0]], [[0.0], [0.0]], "mse")
    assert g[0, 0] == pytest.approx(5.0, rel=1e-9)
    assert net.weights[0][0, 0] == 1.0  # the network is not touched


def test_a_wrong_derivative_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """If tanh's derivative were 1 − O instead of 1 − O², the check must say so."""
    wrong = replace(ACTIVATIONS["tanh"], df=lambda H, O: 1.0 - O)
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    rng = np.random.default_rng(2)
    net = mb.Network([2, 3, 1], activation="tanh", seed=rng)
    assert mb.check_gradients(net, rng.normal(size=(4, 2)), rng.normal(size=(4, 1))) > 1e-2


CHECK_GRID = [
    pytest.param(act, loss, id=f"{act}-{loss}")
    for act in ["sigmoid", "tanh", "softplus", "elu", "silu", "leaky_relu", "identity"]
    for loss in ["mse", "logloss", "cross_entropy"]
]


@pytest.mark.parametrize(("activation", "loss"), CHECK_GRID)
def test_correct_gradients_pass_the_documented_threshold(activation: str, loss: str) -> None:
    """Neither small gradient entries nor saturated sigmoid outputs make a correct
    backprop look wrong (both did: this is the set-up of ``matbackprop check``).

    Central differences carry an absolute noise of about 1e-10, so an entry 1e5 times
    smaller than the largest one cannot be resolved to 1e-6 *relatively*; and a log-loss
    computed from p = σ(h) ≈ 1 holds 1 − p with few digits, which the differences amplify.
    """
    rng = np.random.default_rng(0)
    output = {"mse": "identity", "logloss": "sigmoid", "cross_entropy": "softmax"}[loss]
    net = mb.Network([4, 6, 5, 3], activation=activation, output_activation=output,
                     init="normal", init_scale=1.0, seed=rng)  # fmt: skip
    X = rng.normal(size=(8, 4))
    if loss == "mse":
        y = rng.normal(size=(8, 3))
    elif loss == "logloss":
        y = rng.integers(0, 2, size=(8, 3)).astype(float)
    else:
        y = rng.integers(0, 3, size=8)
    assert mb.check_gradients(net, X, y, loss) < 1e-6  # the CLI's default tolerance


def test_logloss_differences_are_exact_at_saturated_outputs() -> None:
    """p = σ(20) = 1 − 2e-9: the differences of the log-loss still match (p − y)/n."""
    net = mb.Network([1, 1], output_activation="sigmoid", init=[np.array([[20.0]])])
    X, y = np.array([[1.0], [1.0]]), np.array([[0.0], [1.0]])
    _, grads = net.gradients(X, y, "logloss")
    numeric_W, numeric_b = mb.numerical_gradients(net, X, y, "logloss")
    np.testing.assert_allclose(numeric_W, grads.weights[0], rtol=1e-8)
    np.testing.assert_allclose(numeric_b, grads.biases[0], rtol=1e-8)
