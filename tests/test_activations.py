"""Activations: values, derivatives beside them, stability for large |t|, the registry."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.activations import get_activation

ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "silu"]
DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]

# Values at t = −2, −0.5, 0.5, 2 from the textbook formulas, typed out independently.
_T = np.array([-2.0, -0.5, 0.5, 2.0])
_S = 1.0 / (1.0 + np.exp(-_T))
EXPECTED: dict[str, np.ndarray[Any, Any]] = {
    "identity": _T,
    "sigmoid": _S,
    "tanh": (np.exp(_T) - np.exp(-_T)) / (np.exp(_T) + np.exp(-_T)),
    "relu": np.array([0.0, 0.0, 0.5, 2.0]),
    "leaky_relu": np.array([-0.02, -0.005, 0.5, 2.0]),
    "softplus": np.log(1.0 + np.exp(_T)),
    "elu": np.array([np.exp(-2.0) - 1.0, np.exp(-0.5) - 1.0, 0.5, 2.0]),
    "silu": _T * _S,
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_values_match_the_formulas(name: str) -> None:
    a = get_activation(name)
    np.testing.assert_allclose(a.f(_T[None, :]), EXPECTED[name][None, :], rtol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name: str) -> None:
    a = get_activation(name)
    t = np.linspace(-3.0, 3.0, 61).reshape(1, -1) + 0.013  # steps off the kink at 0
    h = 1e-6
    numeric = (a.f(t + h) - a.f(t - h)) / (2 * h)
    assert a.df is not None
    np.testing.assert_allclose(a.df(t, a.f(t)), numeric, rtol=1e-7, atol=1e-9)
    # backprop with an upstream d is d * f'(H)
    d = np.arange(61.0).reshape(1, -1)
    np.testing.assert_allclose(a.backprop(d, t, a.f(t)), d * a.df(t, a.f(t)), rtol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax"])
def test_stable_for_large_inputs(name: str, dtype: Any) -> None:
    t = np.array([[-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4]], dtype=dtype)
    a = get_activation(name)
    # no overflow, no invalid value, no division by zero (underflow to 0 is harmless)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        O = a.f(t)
        G = a.backprop(np.ones_like(t), t, O)
    assert O.dtype == dtype
    assert G.dtype == dtype
    assert np.all(np.isfinite(O))
    assert np.all(np.isfinite(G))


def test_saturated_values_are_exact_limits() -> None:
    t = np.array([[-1e4, 1e4]])
    np.testing.assert_array_equal(get_activation("sigmoid").f(t), [[0.0, 1.0]])
    np.testing.assert_array_equal(get_activation("tanh").f(t), [[-1.0, 1.0]])
    np.testing.assert_array_equal(get_activation("softplus").f(t), [[0.0, 1e4]])
    np.testing.assert_array_equal(get_activation("elu").f(t), [[-1.0, 1e4]])
    np.testing.assert_array_equal(get_activation("silu").f(t), [[-0.0, 1e4]])
    # a tiny t keeps its digits: softplus(−40) = log(1 + e^−40) ≈ e^−40
    assert get_activation("softplus").f(np.array([[-40.0]]))[0, 0] == pytest.approx(
        np.exp(-40.0), rel=1e-15
    )


def test_relu_derivative_at_zero_is_zero() -> None:
    relu = get_activation("relu")
    assert relu.df is not None
    np.testing.assert_array_equal(relu.df(np.zeros((1, 1)), np.zeros((1, 1))), [[0.0]])


def test_softmax_rows_are_probabilities() -> None:
    softmax = get_activation("softmax")
    t = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    p = softmax.f(t)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(p[1], [0.5, 0.5, 0.0], atol=1e-300)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    # shifting a row by a constant leaves softmax unchanged
    np.testing.assert_allclose(softmax.f(t[:1] + 100.0), p[:1], rtol=1e-14)
    assert not softmax.elementwise
    assert softmax.df is None


def test_softmax_vjp_matches_finite_differences(rng: np.random.Generator) -> None:
    softmax = get_activation("softmax")
    H = rng.normal(size=(2, 4))
    d = rng.normal(size=(2, 4))
    got = softmax.backprop(d, H, softmax.f(H))
    h = 1e-6
    numeric = np.zeros_like(H)
    for idx in np.ndindex(H.shape):
        e = np.zeros_like(H)
        e[idx] = h
        numeric[idx] = np.sum(d * (softmax.f(H + e) - softmax.f(H - e))) / (2 * h)
    np.testing.assert_allclose(got, numeric, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(
    ("alias", "name"), [("linear", "identity"), ("logistic", "sigmoid"), ("SWISH", "silu")]
)
def test_aliases(alias: str, name: str) -> None:
    assert get_activation(alias) is mb.ACTIVATIONS[name]


def test_registry_holds_every_activation() -> None:
    assert set(mb.ACTIVATIONS) == {*ELEMENTWISE, "softmax"}
    for name, a in mb.ACTIVATIONS.items():
        assert a.name == name
        assert a.elementwise == (name != "softmax")


@pytest.mark.parametrize(
    ("value", "message"),
    [("gelu", "activation must be one of identity, sigmoid"), (3, "activation must be a name")],
    ids=["unknown", "not-a-string"],
)
def test_unknown_names_are_refused(value: Any, message: str) -> None:
    with pytest.raises(mb.ConfigError, match=message):
        get_activation(value)
