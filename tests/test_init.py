"""Weight initialisation: shapes, seeds, explicit arrays, the bounds of each scheme."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.init import INITS

SIZES = [3, 5, 4, 2]
SCHEMES = sorted(INITS)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_shapes_dtype_and_zero_biases(scheme: str) -> None:
    for dtype in (np.float64, np.float32):
        net = mb.Network(SIZES, init=scheme, seed=0, dtype=dtype)
        assert [W.shape for W in net.weights] == [(3, 5), (5, 4), (4, 2)]
        assert all(W.dtype == dtype for W in net.weights)
        assert all(np.array_equal(b, np.zeros_like(b)) for b in net.biases)
        assert net.init == scheme


@pytest.mark.parametrize("scheme", SCHEMES)
def test_same_seed_same_weights(scheme: str) -> None:
    a = mb.Network(SIZES, init=scheme, seed=42)
    b = mb.Network(SIZES, init=scheme, seed=42)
    c = mb.Network(SIZES, init=scheme, seed=np.random.default_rng(42))
    for Wa, Wb, Wc in zip(a.weights, b.weights, c.weights):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(Wa, Wc)
    if scheme not in ("zeros", "constant"):
        d = mb.Network(SIZES, init=scheme, seed=43)
        assert not np.array_equal(a.weights[0], d.weights[0])


def test_a_shared_generator_advances() -> None:
    rng = np.random.default_rng(0)
    a = mb.Network([2, 3], init="normal", seed=rng)
    b = mb.Network([2, 3], init="normal", seed=rng)
    assert not np.array_equal(a.weights[0], b.weights[0])


@pytest.mark.parametrize(
    ("scheme", "limit"),
    [
        ("uniform", lambda n_in, n_out: 0.1),
        ("glorot", lambda n_in, n_out: math.sqrt(6 / (n_in + n_out))),
        ("he_uniform", lambda n_in, n_out: math.sqrt(6 / n_in)),
    ],
)
def test_uniform_schemes_stay_within_their_limit(scheme: str, limit: Any) -> None:
    net = mb.Network([30, 20, 10], init=scheme, seed=1)
    for W in net.weights:
        bound = limit(*W.shape)
        assert np.max(np.abs(W)) <= bound
        assert np.max(np.abs(W)) > 0.9 * bound  # and actually fill it


@pytest.mark.parametrize(
    ("scheme", "std"),
    [
        ("normal", lambda n_in, n_out: 0.1),
        ("glorot_normal", lambda n_in, n_out: math.sqrt(2 / (n_in + n_out))),
        ("he", lambda n_in, n_out: math.sqrt(2 / n_in)),
    ],
)
def test_normal_schemes_have_their_spread(scheme: str, std: Any) -> None:
    net = mb.Network([200, 100], init=scheme, seed=1)
    W = net.weights[0]
    # 20 000 draws: the sample std is within 3% of the target
    assert np.std(W) == pytest.approx(std(*W.shape), rel=0.03)


def test_constant_zeros_and_init_scale() -> None:
    assert np.all(mb.Network([2, 2], init="zeros", init_scale=3.0).weights[0] == 0.0)
    assert np.all(mb.Network([2, 2], init="constant").weights[0] == 0.5)
    assert np.all(mb.Network([2, 2], init="constant", init_scale=-2.0).weights[0] == -2.0)
    wide = mb.Network([50, 50], init="uniform", init_scale=3.0, seed=0).weights[0]
    assert 2.5 < np.max(np.abs(wide)) <= 3.0


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("relu", "he"), ("leaky_relu", "he"), ("tanh", "glorot"), ("sigmoid", "glorot")],
)
def test_auto_picks_by_activation(activation: str, expected: str) -> None:
    assert mb.Network([2, 3, 1], activation=activation).init == expected


def test_aliases() -> None:
    assert mb.Network([2, 2], init="xavier", seed=0) == mb.Network([2, 2], init="glorot", seed=0)
    assert mb.Network([2, 2], init="kaiming", seed=0).init == "he"


def test_explicit_arrays_are_copied_and_converted() -> None:
    W1 = np.array([[1, 2]])  # integers become floats
    W2 = np.array([[0.5], [0.25]])
    net = mb.Network([1, 2, 1], init=[W1, W2], dtype=np.float32)
    assert net.init == "explicit"
    assert net.weights[0].dtype == np.float32
    np.testing.assert_array_equal(net.weights[0], [[1.0, 2.0]])
    W2[0, 0] = 9.0
    assert net.weights[1][0, 0] == 0.5


@pytest.mark.parametrize(
    ("init", "error", "message"),
    [
        ("gaussian", mb.ConfigError, r"init must be one of auto, zeros, .*got 'gaussian'"),
        ([np.ones((1, 2))], mb.ConfigError, "init must hold 2 weight matrices, got 1"),
        (
            [np.ones((2, 1)), np.ones((2, 1))],
            mb.ShapeError,
            r"weights\[0\] \(W1\) expects shape \(1, 2\), got \(2, 1\)",
        ),
        ([np.ones((1, 2)), np.full((2, 1), np.inf)], mb.DataError, r"weights\[1\] .* finite"),
    ],
    ids=["unknown-name", "too-few", "wrong-shape", "infinite"],
)
def test_bad_inits_are_refused(init: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        mb.Network([1, 2, 1], init=init)


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), "big"], ids=repr)
def test_bad_init_scale_is_refused(scale: Any) -> None:
    with pytest.raises(mb.ConfigError, match="init_scale must be a finite number"):
        mb.Network([1, 1], init="normal", init_scale=scale)
