"""Check my answer: the first value that differs, with both matrices."""

from __future__ import annotations

from fractions import Fraction

import pytest

import matbackprop as mb
from matbackprop.explain import solve

F = Fraction


def _masha_zeros() -> mb.Network:
    return mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def test_check_names_the_first_divergence_with_both_values() -> None:
    sol = solve(_masha_zeros(), [[1, 2]], [[1]], learning_rate=1, steps=2)
    res = sol.check({"W2@2": "1/32,1/32;1/32,1/32", "d2@2": "-1/8,-1/8", "L@1": "0.5"})
    assert not res.ok
    assert res.first is not None
    assert (res.first.step, res.first.name) == (2, "d2")
    assert res.first.yours.tolist() == [[F(-1, 8), F(-1, 8)]]
    assert res.first.correct.tolist() == [[F(-1, 16), F(-1, 16)]]
    assert res.matched == ["L@1"]
    text = sol.to_text()
    assert "Your d2 in step 2 is the first value that differs." in text
    assert "∂L/∂H2 (yours) = [ -1/8  -1/8 ]" in text
    assert "(correct) = [ -1/16  -1/16 ]" in text


def test_check_accepts_rounded_decimals_and_aliases() -> None:
    sol = solve(_masha_zeros(), [[1, 2]], [[1]], learning_rate=1, steps=3)
    assert sol.check({"yhat@2": 0.5, "dW2@2": "-0.031,-0.031;-0.031,-0.031"}).ok
    assert not sol.check({"W3@2": "0.7;0.7"}).ok  # 3/4 written to one place is 0.8, not 0.7
    assert sol.check({"y_hat@3": "0.7617"}).ok  # a float step, to the 4 places given


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ({"Q1": "1"}, mb.ConfigError, "check name must be one of"),
        ({"W2@9": "1"}, mb.ConfigError, "check step must be in 1..2"),
        ({"W3": "1,2,3"}, mb.ShapeError, r"must have shape \(2, 1\), got \(1, 3\)"),
        ({"W3": "a;b"}, mb.DTypeError, "must hold finite numbers"),
    ],
    ids=["unknown-name", "bad-step", "bad-shape", "not-numbers"],
)
def test_check_refuses_bad_input(values: dict[str, str], error: type, match: str) -> None:
    sol = solve(_masha_zeros(), [[1, 2]], [[1]], learning_rate=1, steps=2)
    with pytest.raises(error, match=match):
        sol.check(values)
