"""Losses: the documented conventions, gradients, fused output gradients, saturation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.activations import get_activation
from matbackprop.losses import get_loss, loss_from_config

Array = np.ndarray[Any, Any]


def test_mse_conventions_by_hand() -> None:
    y_hat = np.array([[1.0], [2.0], [4.0]])
    y = np.array([[0.0], [2.0], [1.0]])
    # residuals 1, 0, 3: Σr² = 10, n = 3
    assert mb.MSE().value(y_hat, y) == pytest.approx(10 / 3, rel=1e-15)  # mean(r²)
    assert mb.MSE(half=True).value(y_hat, y) == pytest.approx(10 / 6, rel=1e-15)  # 1/(2n) Σ r²
    # ∂/∂y_hat: 2r/n and r/n
    np.testing.assert_allclose(mb.MSE().grad(y_hat, y), [[2 / 3], [0.0], [2.0]], rtol=1e-15)
    np.testing.assert_allclose(mb.MSE(half=True).grad(y_hat, y), [[1 / 3], [0.0], [1.0]])


def test_mse_averages_over_outputs_too() -> None:
    y_hat = np.array([[1.0, 3.0]])
    y = np.zeros((1, 2))
    assert mb.MSE().value(y_hat, y) == 5.0  # (1 + 9) / 2
    np.testing.assert_array_equal(mb.MSE().grad(y_hat, y), [[1.0, 3.0]])  # 2r / (n·m)


def test_logloss_by_hand() -> None:
    p = np.array([[0.8], [0.25]])
    y = np.array([[1.0], [0.0]])
    # −½ [log 0.8 + log 0.75]
    expected = -0.5 * (np.log(0.8) + np.log(0.75))
    assert mb.LogLoss().value(p, y) == pytest.approx(expected, rel=1e-15)
    # −(y/p − (1−y)/(1−p))/n = [−1/0.8, 1/0.75] / 2
    np.testing.assert_allclose(mb.LogLoss().grad(p, y), [[-0.625], [2 / 3]], rtol=1e-15)


def test_cross_entropy_by_hand_and_labels_equal_one_hot() -> None:
    p = np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])
    one_hot = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    expected = -0.5 * (np.log(0.5) + np.log(0.7))
    ce = mb.CrossEntropy()
    assert ce.value(p, one_hot) == pytest.approx(expected, rel=1e-15)
    labels = ce.prepare_target(np.array([0.0, 2.0]), 3)
    np.testing.assert_array_equal(labels, one_hot)
    np.testing.assert_array_equal(ce.prepare_target(np.array([[0.0], [2.0]]), 3), one_hot)


LOSSES = [
    pytest.param(mb.MSE(), "identity", id="mse"),
    pytest.param(mb.MSE(half=True), "identity", id="mse_half"),
    pytest.param(mb.LogLoss(), "sigmoid", id="logloss"),
    pytest.param(mb.CrossEntropy(), "softmax", id="cross_entropy"),
]


def _target(loss: mb.Loss, rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    if isinstance(loss, mb.LogLoss):
        return rng.integers(0, 2, size=shape).astype(float)
    if isinstance(loss, mb.CrossEntropy):
        return np.eye(shape[1])[rng.integers(0, shape[1], size=shape[0])]
    return rng.normal(size=shape)


@pytest.mark.parametrize(("loss", "output"), LOSSES)
def test_grad_matches_finite_differences(
    loss: mb.Loss, output: str, rng: np.random.Generator
) -> None:
    f = get_activation(output).f
    y_hat = f(rng.normal(size=(4, 3)))
    y = _target(loss, rng, (4, 3))
    h = 1e-7
    numeric = np.zeros_like(y_hat)
    for idx in np.ndindex(y_hat.shape):
        e = np.zeros_like(y_hat)
        e[idx] = h
        numeric[idx] = (loss.value(y_hat + e, y) - loss.value(y_hat - e, y)) / (2 * h)
    np.testing.assert_allclose(loss.grad(y_hat, y), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("loss", "output"), LOSSES)
def test_fused_grad_H_equals_the_chain_rule(
    loss: mb.Loss, output: str, rng: np.random.Generator
) -> None:
    """``grad_H`` is ∂L/∂y_hat pushed through the output activation, in one exact step."""
    assert loss.output_activation == output
    act = get_activation(output)
    H = rng.normal(size=(5, 3))
    y_hat = act.f(H)
    y = _target(loss, rng, (5, 3))
    chain = act.backprop(loss.grad(y_hat, y), H, y_hat)
    np.testing.assert_allclose(loss.grad_H(y_hat, y), chain, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize(("loss", "output"), LOSSES[2:])
def test_finite_at_saturated_outputs(loss: mb.Loss, output: str) -> None:
    # outputs of exactly 0 and 1, right and wrong: log(0) must not appear
    H = np.array([[-1e4, 1e4, 0.0], [1e4, -1e4, 0.0]])
    y_hat = get_activation(output).f(H)
    y = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])  # 0/1 labels and one-hot rows alike
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        value = loss.value(y_hat, y)
        g = loss.grad(y_hat, y)
        gH = loss.grad_H(y_hat, y)
    assert np.isfinite(value)
    assert value > 10  # the wrong row costs about log(1/ε)
    assert np.all(np.isfinite(g))
    assert np.all(np.isfinite(gH))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mse", mb.MSE()),
        ("MSE", mb.MSE()),
        ("squared_error", mb.MSE()),
        ("logloss", mb.LogLoss()),
        ("bce", mb.LogLoss()),
        ("cross_entropy", mb.CrossEntropy()),
        ("ce", mb.CrossEntropy()),
    ],
)
def test_names(name: str, expected: mb.Loss) -> None:
    assert get_loss(name) == expected


@pytest.mark.parametrize("loss", [mb.MSE(), mb.MSE(half=True), mb.LogLoss(), mb.CrossEntropy()])
def test_config_round_trip(loss: mb.Loss) -> None:
    assert loss_from_config(loss.to_config()) == loss


@pytest.mark.parametrize(
    ("value", "message"),
    [("hinge", "loss must be one of mse, logloss, cross_entropy, mse_half, .*; got 'hinge'"), (3, "loss must")],
    ids=["unknown", "not-a-string"],
)
def test_unknown_losses_are_refused(value: Any, message: str) -> None:
    with pytest.raises(mb.ConfigError, match=message):
        get_loss(value)


def test_targets_are_checked() -> None:
    with pytest.raises(mb.ShapeError, match=r"y must have shape \(n, 2\) for 2 output\(s\)"):
        mb.MSE().prepare_target(np.ones((3, 1)), 2)
    with pytest.raises(mb.DataError, match=r"labels must be integers in 0\.\.2 .*got 3\.0"):
        mb.CrossEntropy().prepare_target(np.array([0.0, 3.0]), 3)
    with pytest.raises(mb.DataError, match=r"got 0\.5"):
        mb.CrossEntropy().prepare_target(np.array([0.5, 1.0]), 3)
    with pytest.raises(mb.DataError, match="one-hot rows"):
        mb.CrossEntropy().prepare_target(np.array([[1.0, 1.0], [0.0, 1.0]]), 2)
    with pytest.raises(mb.DataError, match="only 0 and 1"):
        mb.LogLoss().prepare_target(np.array([[2.0]]), 1)
    # a 1-D y is fine for one output
    assert mb.MSE().prepare_target(np.ones(3), 1).shape == (3, 1)
