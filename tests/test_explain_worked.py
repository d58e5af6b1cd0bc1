"""Worked solutions: a hand-computed case in exact fractions, and every number of every step
equal to the engine's (``Network.forward``, ``gradients`` with ``grads.d[k]``, ``step``)."""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.explain import solve

F = Fraction


def _masha_zeros() -> mb.Network:
    return mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def test_hand_computed_zeros_sigmoid_mse_half() -> None:
    # X = [1 2], y = 1, W1 = W2 = W3 = 0, L = ½(ŷ − y)², η = 1.
    # Step 1: H1 = 0, O1 = σ(0) = [1/2 1/2], H2 = 0, O2 = [1/2 1/2], ŷ = O2·W3 = 0,
    #   L = ½(0 − 1)² = 1/2, d = ŷ − y = −1, ∂L/∂W3 = O2ᵀ·d = [−1/2; −1/2],
    #   d = d·W3ᵀ * O2(1 − O2) = 0 (W3 = 0), so ∂L/∂W2 = ∂L/∂W1 = 0;  W3 ← [1/2; 1/2].
    # Step 2: ŷ = 1/2·1/2 + 1/2·1/2 = 1/2, L = ½(1/2 − 1)² = 1/8, d = −1/2,
    #   ∂L/∂W3 = [−1/4; −1/4], d = (−1/2)·[1/2 1/2] * [1/4 1/4] = [−1/16 −1/16],
    #   ∂L/∂W2 = O1ᵀ·d = 1/2·(−1/16) = −1/32 everywhere, d = d·W2ᵀ * f'(H1) = 0 (W2 = 0);
    #   W2 ← 1/32 everywhere, W3 ← 1/2 + 1/4 = 3/4.
    # Step 3: H2 = O1·W2 = 1/32 and σ(1/32) is irrational: decimals from here on.
    sol = solve(_masha_zeros(), [[1, 2]], [[1]], learning_rate=1, steps=3)
    s1, s2, s3 = (s.values for s in sol.steps)
    assert [s.exact for s in sol.steps] == [True, True, False]
    assert sol.run.switched_at == 3
    assert s1["L"] == F(1, 2)
    assert s1["d3"].tolist() == [[F(-1)]]
    assert s1["dW3"].tolist() == [[F(-1, 2)], [F(-1, 2)]]
    assert s1["d2"].tolist() == [[0, 0]]
    assert s1["W3"].tolist() == [[F(1, 2)], [F(1, 2)]]
    assert s2["y_hat"].tolist() == [[F(1, 2)]]
    assert s2["L"] == F(1, 8)
    assert s2["d2"].tolist() == [[F(-1, 16), F(-1, 16)]]
    assert s2["dW2"].tolist() == [[F(-1, 32)] * 2] * 2
    assert s2["W2"].tolist() == [[F(1, 32)] * 2] * 2
    assert s2["W3"].tolist() == [[F(3, 4)], [F(3, 4)]]
    assert s3["H2"][0, 0] == pytest.approx(1 / 32)
    text = sol.to_text()
    assert "[ -1/16  -1/16 ]" in text
    assert "[ -1/32  -1/32 ]" in text
    assert "σ(1/32) is irrational" in text
    assert "L(2) = 1/8" in text


def test_constant_init_remark_and_symmetry() -> None:
    sol = solve(_masha_zeros(), "1,2;3,4", "1;0", learning_rate=1, steps=3)
    text = sol.to_text()
    assert "neurons of a layer compute the same output" in text
    assert "columns of every hidden W_k are still equal" in text
    random = mb.Network([2, 2, 2, 1], bias=False, init="normal", seed=0)
    assert "same output" not in solve(random, "1,2", "1").to_text()


def _engine_steps(
    net: mb.Network, X: np.ndarray, y: np.ndarray, loss: Any, lr: float, steps: int, order: str
) -> list[dict[str, Any]]:
    """The same run through the engine's public API, one dict of arrays per step."""
    out = []
    n = X.shape[0]
    for t in range(steps):
        rows = slice(None) if order == "batch" else slice(t % n, t % n + 1)
        Xs, ys = X[rows], y[rows]
        cache = net.forward(Xs)
        value, grads = net.gradients(Xs, ys, loss)
        rec: dict[str, Any] = {"L": value, "y_hat": cache.y_hat}
        for k in range(1, net.n_layers + 1):
            rec[f"H{k}"] = cache.H[k]
            rec[f"d{k}"] = grads.d[k]
            rec[f"dW{k}"] = grads.weights[k - 1]
            if net.bias:
                rec[f"db{k}"] = grads.biases[k - 1]
            if k < net.n_layers:
                rec[f"O{k}"] = cache.O[k]
        net.step(Xs, ys, loss, lr)
        for k in range(1, net.n_layers + 1):
            rec[f"W{k}"] = net.weights[k - 1].copy()
            if net.bias:
                rec[f"b{k}"] = net.biases[k - 1].copy()
        out.append(rec)
    return out


CASES = [
    # (layers, activation, output, bias, loss, init, order, lr)
    ([2, 2, 2, 1], "sigmoid", "identity", False, "mse_half", "zeros", "batch", 1.0),
    ([2, 2, 2, 1], "sigmoid", "identity", False, "mse", "normal", "row", 0.5),
    ([2, 3, 1], "relu", "identity", True, "mse_half", "ints", "batch", 0.25),
    ([2, 3, 2], "identity", "identity", True, "mse", "ints", "row", 0.125),
    ([2, 2, 1], "tanh", "sigmoid", True, "logloss", "normal", "batch", 0.5),
    ([2, 3, 3], "leaky_relu", "softmax", False, "cross_entropy", "normal", "row", 0.5),
    ([2, 2, 2, 1], "elu", "identity", True, "mse_half", "ints", "batch", 0.5),
]


@pytest.mark.parametrize(
    ("layers", "act", "out", "bias", "loss", "init", "order", "lr"),
    CASES,
    ids=[f"{'-'.join(map(str, c[0]))}-{c[1]}-{c[2]}-{c[4]}-{c[5]}-{c[6]}" for c in CASES],
)
def test_every_number_equals_the_engine(
    layers: list[int], act: str, out: str, bias: bool, loss: str, init: str, order: str, lr: float
) -> None:
    rng = np.random.default_rng(3)
    X = rng.integers(-2, 3, size=(3, layers[0])).astype(float)
    if loss == "logloss":
        y: Any = np.array([[1.0], [0.0], [1.0]])
    elif loss == "cross_entropy":
        y = np.eye(layers[-1])[[0, 2, 1]]
    else:
        y = rng.integers(-1, 2, size=(3, layers[-1])).astype(float)
    if init == "ints":  # small integers keep relu/identity/elu-at-positive runs exact
        weights = [
            rng.integers(-1, 3, size=(a, b)).astype(float) for a, b in itertools.pairwise(layers)
        ]
        net = mb.Network(layers, activation=act, output_activation=out, bias=bias, init=weights)
    else:
        net = mb.Network(
            layers, activation=act, output_activation=out, bias=bias, init=init, seed=1
        )
    sol = solve(net, X, y, loss=loss, learning_rate=lr, steps=3, order=order)
    if init == "normal":  # a random init: the solution starts from the givens it prints
        assert sol.settings["rounded_givens"]
        for k, w in enumerate(net.weights, start=1):
            given = sol.given[f"W{k}"].astype(float)
            np.testing.assert_allclose(given, w, rtol=5e-4)  # 4 significant digits
            assert [float(f"{x:.4g}") for x in w.flat] == given.ravel().tolist()
        net = mb.Network(
            layers,
            activation=act,
            output_activation=out,
            bias=bias,
            init=[sol.given[f"W{k}"].astype(float) for k in range(1, len(layers))],
        )
    engine_loss = mb.MSE(half=True) if loss == "mse_half" else loss
    expected = _engine_steps(net.copy(), X, y, engine_loss, lr, 3, order)
    assert len(sol.steps) == 3
    for step, want in zip(sol.steps, expected):
        for name, value in want.items():
            got = np.asarray(step.values[name], dtype=object).astype(float)
            np.testing.assert_allclose(
                got,
                np.asarray(value, dtype=float),
                rtol=1e-12,
                atol=1e-12,
                err_msg=f"step {step.index}, {name}",
            )
    if init == "ints" and act in ("relu", "identity"):
        assert all(s.exact for s in sol.steps)  # and so the comparison above was exact vs float


def test_decimal_mode_states_its_precision() -> None:
    net = mb.Network([2, 2, 1], activation="tanh", bias=False, init="normal", seed=0)
    sol = solve(net, [[0.3, -1.2]], [[0.5]], precision=3)
    assert not sol.steps[0].exact
    assert "decimals rounded to 3 significant digits" in sol.to_text()


def test_exact_fractions_from_strings_and_fractions() -> None:
    net = mb.Network([1, 1], bias=False, init="zeros", output_activation="identity")
    # ŷ = x·w = (1/3)·(1/2) = 1/6; d = (ŷ − y)/n = 1/6 − 1 = −5/6; ∂L/∂w = xᵀ·d = −5/18
    sol = solve(net, [["1/3"]], [[1]], weights=[[[F(1, 2)]]], learning_rate="1/2")
    v = sol.steps[0].values
    assert v["y_hat"].tolist() == [[F(1, 6)]]
    assert v["dW1"].tolist() == [[F(-5, 18)]]
    assert v["W1"].tolist() == [[F(1, 2) + F(5, 36)]]


# -- errors at the boundary -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"steps": 0}, mb.ConfigError, "steps must be a positive integer, got 0"),
        ({"order": "random"}, mb.ConfigError, "order must be 'batch' or 'row'"),
        ({"lang": "de"}, mb.ConfigError, "lang must be one of en, ru; got 'de'"),
        ({"learning_rate": -1}, mb.ConfigError, "must be > 0"),
        ({"X": [[1, 2, 3]]}, mb.ShapeError, r"X must have 2 column\(s\), got shape \(1, 3\)"),
        ({"weights": [[[0]], [[0]], [[0]]]}, mb.ShapeError, r"W1\) expects shape \(2, 2\)"),
        ({"loss": "hinge"}, mb.ConfigError, "loss must be one of"),
        ({"exact": "yes"}, mb.ConfigError, "exact must be 'auto', True or False"),
    ],
    ids=["steps", "order", "lang", "lr", "X-width", "W-shape", "loss", "exact"],
)
def test_solve_refuses_bad_settings(kwargs: dict[str, Any], error: type, match: str) -> None:
    args: dict[str, Any] = {"X": [[1, 2]], "y": [[1]], **kwargs}
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(error, match=match):
        solve(_masha_zeros(), X, y, **args)


# -- a solution never disagrees with the problem it prints ----------------------------------


def _printed_matrix(text: str, name: str) -> np.ndarray:
    """The matrix ``name = [ … ]`` as the text output prints it, read back as floats."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{name} = ["))
    rows = []
    for line in lines[start:]:
        if "[" not in line:
            break
        rows.append([float(x) for x in line.split("[", 1)[1].split("]")[0].split()])
    return np.array(rows)


def test_a_random_init_is_solved_from_the_printed_givens() -> None:
    # A student copies the printed problem and works it exactly: her numbers are the key's.
    net = mb.Network([2, 2, 1], activation="tanh", bias=True, init="normal", seed=5)
    sol = solve(net, "1,2", "1", learning_rate="0.5")
    text = sol.to_text()
    assert "rounded to 4 significant digits as printed above" in text
    W1, W2 = _printed_matrix(text, "W1"), _printed_matrix(text, "W2")
    assert not np.array_equal(W1, net.weights[0])  # the printed weights are rounded ...
    np.testing.assert_allclose(W1, net.weights[0], rtol=5e-4)
    b1, b2 = _printed_matrix(text, "b1"), _printed_matrix(text, "b2")
    H1 = np.array([[1.0, 2.0]]) @ W1 + b1  # ... and the student works from them
    y_hat = np.tanh(H1) @ W2 + b2
    res = sol.check({"H1": H1.tolist(), "y_hat": y_hat.tolist()})
    assert res.ok, str(res)
    v = sol.steps[0].values
    np.testing.assert_allclose(v["y_hat"], y_hat, rtol=1e-13)


def test_typed_decimals_are_printed_exactly_and_stay_decimals_in_exact_mode() -> None:
    net = mb.Network([2, 2, 1], activation="relu", bias=False, init="zeros")
    W = ["0.15,0.25;0.2,0.3", "0.4;0.45"]
    sol = solve(net, "0.05,0.1", "0.01", weights=W, learning_rate="0.5", exact=True, steps=2)
    assert all(s.exact for s in sol.steps)
    text = sol.to_text()
    # H1 = [0.05·0.15 + 0.1·0.2, 0.05·0.25 + 0.1·0.3] = [0.0275 0.0425], exactly
    assert "H1 = X·W1 = [ 0.0275  0.0425 ]" in text
    assert not re.findall(r"\d+/\d+", text)  # no fraction like 159532911223359/3051757812500000
    assert "every value is written out in full" in text
    # ŷ = 0.0275·0.4 + 0.0425·0.45 = 0.030125
    assert sol.steps[0].values["y_hat"].tolist() == [[F("0.030125")]]
    assert "ŷ = O1·W2 = [ 0.030125 ]" in text


def test_exact_true_says_where_it_cannot_stay_exact() -> None:
    with pytest.raises(
        mb.ConfigError,
        match=r"step 3 cannot be worked in exact numbers, since σ\(1/32\) is irrational",
    ):
        solve(_masha_zeros(), "1,2", "1", learning_rate=1, steps=3, exact=True)
    sol = solve(
        _masha_zeros(), "1,2", "1", learning_rate=1, steps=3
    )  # "auto" switches, and says so
    assert sol.run.switched_at == 3


def test_small_values_are_never_printed_as_zero() -> None:
    # ŷ = 0.99999·1 misses y = 1 by 1e-5: L = ½·1e-10 and d = −1e-5, next to 1-sized numbers
    net = mb.Network([1, 1], activation="identity", bias=False, init=[[[0.99999]]])
    sol = solve(net, "1", "1", learning_rate=1, exact=False)
    text = sol.to_text()
    assert "L = 1/(2n)·Σ_i (ŷ_i − y_i)² ≈ 5.000e-11" in text
    assert "[ -1.000e-5 ]" in text
    assert "[ 1.000 ]" in text  # W1 ← 0.99999 + 1e-5, in float: 4 significant digits
    latex = sol.to_latex()
    assert r"5.000 \cdot 10^{-11}" in latex
    exact = solve(net, "1", "1", learning_rate=1)  # the same, exactly: 0.99999 was typed
    assert "[ -0.00001 ]" in exact.to_text()


def test_exact_zeros_print_as_0_in_every_mode() -> None:
    for mode in (True, False):
        text = solve(_masha_zeros(), "1,2", "1", learning_rate=1, exact=mode).to_text()
        assert "∂L/∂W2 = O1ᵀ·d = [ 0  0 ]" in text, mode
        assert "-0 " not in text
        assert "0.000 " not in text


def test_a_non_fused_output_shows_dl_dyhat_and_f_prime_as_checkable_lines() -> None:
    # σ output with MSE: d = ∂L/∂ŷ * σ'(H2), each factor on its own line
    net = mb.Network(
        [1, 1], activation="identity", output_activation="sigmoid", bias=False, init="zeros"
    )
    sol = solve(net, "2", "1", loss="mse_half", learning_rate=1)
    text = sol.to_text()
    assert "∂L/∂ŷ = 1/n·(ŷ − y) = [ -1/2 ]" in text
    assert "g'(H1) = ŷ * (1 − ŷ) = [ 1/4 ]" in text
    assert "d = ∂L/∂ŷ * g'(H1) = [ -1/8 ]" in text
    assert sol.check({"dL/dyhat": "-1/2", "fp1": "1/4", "d1": "-1/8"}).ok


def test_losses_meet_the_engine_s_rules() -> None:
    # log-loss on a linear output has no meaning: refused, as fit refuses it
    with pytest.raises(mb.ConfigError, match="loss 'logloss' needs output_activation 'sigmoid'"):
        solve(mb.Network([2, 1], init="zeros", bias=False), "1,2", "1", loss="logloss")
    with pytest.raises(mb.ConfigError, match="loss 'logloss' needs output_activation"):
        mb.explain(mb.Network([2, 1], bias=False), loss="logloss")
    # the derivation writes the mean over rows; a sum is refused with the rule that converts
    with pytest.raises(mb.ConfigError, match=r"default reductions .* ×n and ×m rules"):
        solve(_masha_zeros(), "1,2", "1", loss=mb.MSE(half=True, rows="sum"))
    # every alias works: "bce" is log-loss
    net = mb.Network([2, 1], output_activation="sigmoid", bias=False, init="zeros")
    assert solve(net, "1,2", "1", loss="bce").settings["loss"] == "logloss"


def test_a_saturated_log_loss_is_exact_as_the_engine_has_it() -> None:
    # ŷ = σ(40) rounds to 1 in float64; for y = 0 the loss is ln(1 + e^40) ≈ 40, not the clip
    net = mb.Network([1, 1], output_activation="sigmoid", bias=False, init=[[[40.0]]])
    sol = solve(net, "1", "0", loss="logloss", exact=False)
    value = sol.steps[0].values["L"]
    assert value == pytest.approx(40 + np.log1p(np.exp(-40)), rel=1e-15)
    assert value == pytest.approx(net.loss(np.array([[1.0]]), np.array([[0.0]]), "logloss"))
