"""``solve`` with momentum, Nesterov and Adam, mini-batches and the layer-wise update.

The weights of every step are checked against an independent NumPy loop written here from
the textbook formulas, against the engine's ``Network.step`` with the same optimizer (update
after the backward pass) and against ``torch.optim`` where PyTorch is installed; one momentum
step is worked by hand in exact fractions.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.cli import main
from matbackprop.errors import ConfigError
from matbackprop.explain import solve

F = Fraction

try:
    import torch
except ImportError:  # the NumPy loop and the engine still check every case
    torch = None

# -- an independent loop: the textbook formulas, nothing from matbackprop -----------------


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-t))


def _rule(opt: dict[str, Any], p: np.ndarray, g: np.ndarray, st: dict[str, Any], t: int, lr: float):
    kind = opt["kind"]
    if kind == "sgd":
        return p - lr * g
    if kind in ("momentum", "nesterov"):
        mu = opt["momentum"]
        st["v"] = mu * st.get("v", 0.0) - lr * g  # the velocity, in parameter units
        return p + st["v"] if kind == "momentum" else p + mu * st["v"] - lr * g
    b1, b2, eps = opt["beta1"], opt["beta2"], opt["epsilon"]
    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    st["s"] = b2 * st.get("s", 0.0) + (1 - b2) * g * g
    m_hat, s_hat = st["m"] / (1 - b1**t), st["s"] / (1 - b2**t)
    if opt["epsilon_on"] == "v_hat":  # Kingma & Ba's Algorithm 1
        return p - lr * m_hat / (np.sqrt(s_hat) + eps)
    return p - lr * m_hat / (np.sqrt(s_hat) + eps / np.sqrt(1 - b2**t))  # ε on √s


def _numpy_loop(
    W: list[np.ndarray],
    b: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    opt: dict[str, Any],
    lr: float,
    steps: int,
    B: int,
    layerwise: bool,
) -> list[tuple[list[np.ndarray], list[np.ndarray]]]:
    """Sigmoid hidden layers, a linear output, ½·MSE; the weights after each step."""
    W, b = [w.copy() for w in W], [v.copy() for v in b]
    L, n = len(W), X.shape[0]
    state: dict[tuple[str, int], dict[str, Any]] = {}
    out = []
    for t in range(1, steps + 1):
        rows = [((t - 1) * B + i) % n for i in range(B)]
        O, H = [X[rows]], [None]
        for k in range(L):
            H.append(O[-1] @ W[k] + b[k])
            O.append(H[-1] if k == L - 1 else _sigmoid(H[-1]))
        d = (O[-1] - y[rows]) / len(rows)  # ∂(1/(2n)·Σ(ŷ − y)²)/∂ŷ
        grads: list[Any] = [None] * L
        for k in range(L - 1, -1, -1):
            gW, gb = O[k].T @ d, d.sum(axis=0)
            grads[k] = (gW, gb)
            if layerwise:  # this layer now: the next d goes through the new W
                W[k] = _rule(opt, W[k], gW, state.setdefault(("W", k), {}), t, lr)
                b[k] = _rule(opt, b[k], gb, state.setdefault(("b", k), {}), t, lr)
            if k > 0:
                d = (d @ W[k].T) * O[k] * (1 - O[k])
        if not layerwise:
            for k in range(L):
                W[k] = _rule(opt, W[k], grads[k][0], state.setdefault(("W", k), {}), t, lr)
                b[k] = _rule(opt, b[k], grads[k][1], state.setdefault(("b", k), {}), t, lr)
        out.append(([w.copy() for w in W], [v.copy() for v in b]))
    return out


OPTIMIZERS: dict[str, tuple[Any, dict[str, Any]]] = {
    "sgd": ("sgd", {"kind": "sgd"}),
    "momentum": ("momentum", {"kind": "momentum", "momentum": 0.9}),
    "nesterov": (mb.SGD(momentum=0.5, nesterov=True), {"kind": "nesterov", "momentum": 0.5}),
    "adam": (
        "adam",
        {"kind": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "epsilon_on": "v"},
    ),
    "adam-v_hat": (
        mb.Adam(beta1=0.8, beta2=0.99, epsilon=1e-6, epsilon_on="v_hat"),
        {"kind": "adam", "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6, "epsilon_on": "v_hat"},
    ),
}

RNG = np.random.default_rng(7)
SIZES = [2, 3, 2, 1]
X3 = np.round(RNG.normal(size=(3, 2)), 2)
Y3 = np.round(RNG.normal(size=(3, 1)), 2)
W_START = [np.round(RNG.normal(size=(a, c)) * 0.8, 3) for a, c in itertools.pairwise(SIZES)]
B_START = [np.round(RNG.normal(size=c) * 0.3, 3) for c in SIZES[1:]]
STEPS, LR = 4, 0.3


def _flat(text: str) -> str:
    """The text with its line wrapping undone."""
    return " ".join(text.split())


def _solve(optimizer: Any, update: str, batch_size: int | None, **kw: Any) -> Any:
    net = mb.Network(SIZES, activation="sigmoid", bias=True, init="zeros")
    return solve(
        net,
        X3,
        Y3,
        weights=W_START,
        biases=B_START,
        learning_rate=LR,
        steps=STEPS,
        optimizer=optimizer,
        batch_size=batch_size,
        update=update,
        exact=False,
        **kw,
    )


def _weights(sol: Any, t: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    v = sol.steps[t - 1].values
    L = len(SIZES) - 1
    W = [np.asarray(v[f"W{k}"], dtype=float) for k in range(1, L + 1)]
    b = [np.asarray(v[f"b{k}"], dtype=float) for k in range(1, L + 1)]
    return W, b


def _engine(
    optimizer: Any, batch_size: int | None
) -> list[tuple[list[np.ndarray], list[np.ndarray]]]:
    """The same steps through the engine: Network.step on each step's rows."""
    net = mb.Network(SIZES, activation="sigmoid", bias=True, init="zeros")
    net.weights = [w.copy() for w in W_START]
    net.biases = [v.copy() for v in B_START]
    opt = mb.optimizers.get_optimizer(optimizer)
    opt = mb.optimizers.optimizer_from_config(opt.to_config())  # a fresh state
    n, B = X3.shape[0], batch_size or X3.shape[0]
    out = []
    for t in range(1, STEPS + 1):
        rows = [((t - 1) * B + i) % n for i in range(B)]
        net.step(X3[rows], Y3[rows], loss="mse_half", learning_rate=LR, optimizer=opt)
        out.append(([w.copy() for w in net.weights], [v.copy() for v in net.biases]))
    return out


def _torch(optimizer: str, batch_size: int | None) -> list[list[np.ndarray]]:
    """The same steps with torch.optim (update after the backward pass only)."""
    assert torch is not None
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in W_START]
    params += [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in B_START]
    _, spec = OPTIMIZERS[optimizer]
    if spec["kind"] == "sgd":
        opt = torch.optim.SGD(params, lr=LR)
    elif spec["kind"] in ("momentum", "nesterov"):
        opt = torch.optim.SGD(
            params, lr=LR, momentum=spec["momentum"], nesterov=spec["kind"] == "nesterov"
        )
    else:
        opt = torch.optim.Adam(
            params, lr=LR, betas=(spec["beta1"], spec["beta2"]), eps=spec["epsilon"]
        )
    X, Y = torch.tensor(X3), torch.tensor(Y3)
    n, B, L = X3.shape[0], batch_size or X3.shape[0], len(W_START)
    out = []
    for t in range(1, STEPS + 1):
        rows = [((t - 1) * B + i) % n for i in range(B)]
        O = X[rows]
        for k in range(L):
            H = O @ params[k] + params[L + k]
            O = H if k == L - 1 else torch.sigmoid(H)
        loss = 0.5 * ((O - Y[rows]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in params[:L]])
    return out


@pytest.mark.parametrize("batch_size", [None, 1, 2], ids=["batch", "row", "minibatch-2"])
@pytest.mark.parametrize("update", ["after", "layerwise"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_weights_equal_an_independent_loop_the_engine_and_torch(
    name: str, update: str, batch_size: int | None
) -> None:
    optimizer, spec = OPTIMIZERS[name]
    sol = _solve(optimizer, update, batch_size)
    B = batch_size or X3.shape[0]
    ours = _numpy_loop(W_START, B_START, X3, Y3, spec, LR, STEPS, B, update == "layerwise")
    for t in range(1, STEPS + 1):
        W, b = _weights(sol, t)
        for got, want in zip(W + b, ours[t - 1][0] + ours[t - 1][1]):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    if update == "after":  # the engine's own optimizers, to the last bits
        for t, (W_e, b_e) in enumerate(_engine(optimizer, batch_size), start=1):
            W, b = _weights(sol, t)
            for got, want in zip(W + b, W_e + b_e):
                np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)
        if torch is not None and spec.get("epsilon_on", "v_hat") == "v_hat":
            for t, W_t in enumerate(_torch(name, batch_size), start=1):
                for got, want in zip(_weights(sol, t)[0], W_t):
                    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_layerwise_differs_from_after_in_the_hidden_layers() -> None:
    after = _solve("momentum", "after", None)
    layer = _solve("momentum", "layerwise", None)
    s_a, s_l = after.steps[0].values, layer.steps[0].values
    np.testing.assert_array_equal(np.asarray(s_a["dW3"], float), np.asarray(s_l["dW3"], float))
    assert not np.allclose(np.asarray(s_a["d2"], float), np.asarray(s_l["d2"], float))


# -- exact arithmetic, worked by hand ------------------------------------------------------

TINY = dict(X=[[1]], y=[[0]], weights=[[[2]], [["1/2"]]], learning_rate="1/2")


def _tiny(**kw: Any) -> Any:
    net = mb.Network([1, 1, 1], activation="relu", bias=False, init="zeros")
    return solve(net, **{**TINY, **kw})


def test_one_momentum_step_by_hand_in_fractions() -> None:
    # X = 1, y = 0, W1 = 2, W2 = 1/2, relu, ½·MSE, η = 1/2, μ = 1/2 (typed 0.5: exact).
    # Forward: H1 = O1 = 2, ŷ = 2·1/2 = 1, L = ½·(1 − 0)² = 1/2.
    # Backward: d = ŷ − y = 1, ∂L/∂W2 = O1ᵀ·d = 2, d = d·W2ᵀ * f'(H1) = 1/2, ∂L/∂W1 = 1/2.
    # Update: v2 = μ·0 − η·2 = −1, W2 = 1/2 + v2 = −1/2;
    #         v1 = −η·1/2 = −1/4,  W1 = 2 − 1/4 = 7/4.
    # Step 2: H1 = 7/4, ŷ = 7/4·(−1/2) = −7/8 = d, ∂L/∂W2 = 7/4·(−7/8) = −49/32,
    #   d = −7/8·(−1/2) = 7/16 = ∂L/∂W1;
    #   v2 = 1/2·(−1) − 1/2·(−49/32) = 17/64, W2 = −1/2 + 17/64 = −15/64;
    #   v1 = 1/2·(−1/4) − 1/2·7/16 = −11/32, W1 = 7/4 − 11/32 = 45/32.
    sol = _tiny(optimizer=mb.SGD(momentum=0.5), steps=2)
    s1, s2 = (s.values for s in sol.steps)
    assert all(s.exact for s in sol.steps)
    assert s1["v2"].tolist() == [[F(-1)]]
    assert s1["W2"].tolist() == [[F(-1, 2)]]
    assert s1["v1"].tolist() == [[F(-1, 4)]]
    assert s1["W1"].tolist() == [[F(7, 4)]]
    assert s2["dW2"].tolist() == [[F(-49, 32)]]
    assert s2["v2"].tolist() == [[F(17, 64)]]
    assert s2["W2"].tolist() == [[F(-15, 64)]]
    assert s2["v1"].tolist() == [[F(-11, 32)]]
    assert s2["W1"].tolist() == [[F(45, 32)]]
    text = _flat(sol.to_text())
    assert "v2 ← μ·v2 − η·∂L/∂W2" in text
    assert "W2 ← W2 + v2" in text
    assert "momentum μ = 0.5" in text


def test_the_default_momentum_is_exact_nine_tenths() -> None:
    # v2 = −η·2 = −1 at step 1 whatever μ is; at step 2 v2 = 9/10·(−1) − 1/2·∂L/∂W2.
    sol = _tiny(optimizer="momentum", steps=2)
    s2 = sol.steps[1].values
    assert sol.problem.rule.momentum == F(9, 10)
    assert s2["v2"][0, 0] == F(9, 10) * -1 - F(1, 2) * s2["dW2"][0, 0]


def test_layerwise_step_by_hand() -> None:
    # As above, but W2 is updated before d goes on: W2 = −1/2 first, then
    # d = d·W2ᵀ * f'(H1) = 1·(−1/2) = −1/2, ∂L/∂W1 = −1/2, v1 = +1/4, W1 = 9/4.
    sol = _tiny(optimizer=mb.SGD(momentum=0.5), update="layerwise")
    s = sol.steps[0].values
    assert s["W2"].tolist() == [[F(-1, 2)]]
    assert s["d1"].tolist() == [[F(-1, 2)]]
    assert s["W1"].tolist() == [[F(9, 4)]]
    # the order of the computation: d → ∂L/∂W_k → state → W_k → next d
    names = list(s)
    assert names.index("d2") < names.index("dW2") < names.index("v2") < names.index("W2")
    assert names.index("W2") < names.index("d1") < names.index("dW1") < names.index("W1")
    text = _flat(sol.to_text())
    assert "d = d·(W2⁽²⁾)ᵀ * f'(H1)" in text
    assert "Layer-wise update" in text
    assert "\\big(W_{2}^{(2)}\\big)^{T}" in sol.to_latex()


def test_nesterov_by_hand() -> None:
    # v2 = −η·2 = −1, W2 = W2 + μ·v2 − η·∂L/∂W2 = 1/2 − 1/2 − 1 = −1 (μ = 1/2).
    sol = _tiny(optimizer=mb.SGD(momentum=0.5, nesterov=True))
    assert sol.steps[0].values["W2"].tolist() == [[F(-1)]]
    assert "W2 ← W2 + μ·v2 − η·∂L/∂W2" in sol.to_text()


def test_adam_is_decimal_from_step_1_and_exact_true_says_why() -> None:
    sol = _tiny(optimizer="adam", steps=2)
    assert sol.run.switched_at == 1
    assert not any(s.exact for s in sol.steps)
    text = _flat(sol.to_text())
    assert "step 1 already leaves the rationals" in text
    assert "β2 = 0.999, ε = 0.00000001" in text
    assert "√(1 − β2^1) = √(1/1000) is irrational" in text
    for name in ("m2", "s2", "mhat2", "shat2", "m1", "s1"):
        assert name in sol.steps[0].values
    assert "m̂2 = m2/(1 − β1^1)" in text
    assert "W2 ← W2 − η·m̂2/(√ŝ2 + ε/√(1 − β2^1))" in text
    with pytest.raises(ConfigError, match=r"step 1 cannot be worked in exact numbers.*√"):
        _tiny(optimizer="adam", exact=True)


def test_adam_stays_exact_while_its_roots_are_rational() -> None:
    # β1 = 1/2, β2 = 3/4: at t = 1, √(1 − β2) = 1/2 and √s2 = √(1/4·2²) = 1, so
    # m2 = 1/2·2 = 1, s2 = 1, m̂2 = 2, ŝ2 = 4, and
    # W2 = 1/2 − η·√(1 − β2)/(1 − β1)·m2/(√s2 + ε) = 1/2 − 1/2·1/(1 + 10⁻⁸).
    # At t = 2, √(1 − 9/16) = √7/4: decimals from step 2.
    sol = _tiny(optimizer=mb.Adam(beta1=0.5, beta2=0.75), steps=2)
    s1 = sol.steps[0].values
    assert sol.steps[0].exact
    assert sol.run.switched_at == 2
    assert s1["m2"].tolist() == [[F(1)]]
    assert s1["s2"].tolist() == [[F(1)]]
    assert s1["mhat2"].tolist() == [[F(2)]]
    assert s1["shat2"].tolist() == [[F(4)]]
    assert s1["W2"].tolist() == [[F(1, 2) - F(1, 2) / (1 + F(1, 10**8))]]
    assert "√(1 − β2^2) = √(7/16) is irrational" in _flat(sol.to_text())


# -- mini-batches ------------------------------------------------------------------------


def test_mini_batches_take_the_rows_in_turn() -> None:
    # n = 3, B = 2: rows (1, 2), (3, 1), (2, 3), (1, 2)
    sol = _solve("sgd", "after", 2)
    assert [s.rows for s in sol.steps] == [[0, 1], [2, 0], [1, 2], [0, 1]]
    text = _flat(sol.to_text())
    assert "Step 2 (rows 3, 1)" in text
    assert "mini-batches of 2 rows in turn" in text
    assert "Forward pass on rows 3, 1 alone" in text


def test_order_row_is_batch_size_1() -> None:
    a = _solve("adam", "after", None, order="row")
    b = _solve("adam", "after", 1)
    for s, t in zip(a.steps, b.steps):
        assert s.rows == t.rows
        np.testing.assert_array_equal(np.asarray(s.values["W1"], float), t.values["W1"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 4}, "batch_size must be at most the 3 rows of X, got 4"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        (
            {"batch_size": 2, "order": "row"},
            "batch_size must be 1 (or None) with order 'row', got 2",
        ),
        ({"update": "middle"}, "update must be 'after' or 'layerwise', got 'middle'"),
        ({"optimizer": "rmsprop"}, "optimizer must be one of sgd, gd, momentum, nesterov, adam"),
        ({"optimizer": mb.RMSprop()}, "optimizer 'rmsprop' has no worked solution"),
        ({"optimizer": 3}, "optimizer must be a name"),
    ],
    ids=["batch-too-big", "batch-zero", "row-and-batch", "update", "name", "object", "type"],
)
def test_bad_settings_name_the_argument(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _solve(**{"optimizer": "sgd", "update": "after", "batch_size": None, **kwargs})


# -- check, trace, documents -------------------------------------------------------------


def test_check_accepts_the_state_and_refuses_a_transposed_one() -> None:
    sol = _tiny(optimizer=mb.SGD(momentum=0.5), steps=2)
    res = sol.check({"v2@1": "-1", "v1@2": "-11/32", "W2@2": "-15/64"})
    assert res.ok, str(res)
    big = _solve("momentum", "after", None)
    v2 = np.asarray(big.steps[0].values["v2"], float)  # (3, 2)
    right = ";".join(",".join(repr(float(x)) for x in row) for row in v2)
    wrong = ";".join(",".join(repr(float(x)) for x in row) for row in v2.T)
    res = big.check([("v2@1", right), ("v2", wrong)])
    assert [v.status for v in res.verdicts] == ["match", "differs"]
    assert res.verdicts[1].diagnosis == "transposed"
    adam = _solve("adam", "after", None)
    m3 = np.asarray(adam.steps[1].values["m3"], float)
    assert adam.check({"m3@2": m3.tolist(), "m̂3@2": adam.steps[1].values["mhat3"].tolist()}).ok
    assert adam.check({"s_b2@1": adam.steps[0].values["sb2"].tolist()}).ok


def test_check_names_the_layerwise_slip() -> None:
    # d1 with the old W2 = 1/2 (the update after the backward pass) instead of the new −1/2
    sol = _tiny(optimizer=mb.SGD(momentum=0.5), update="layerwise")
    res = sol.check({"d1": "1/2"})
    assert "old_W_used" in res.verdicts[0].diagnoses
    assert "layer-wise update uses the updated one" in _flat(str(res))
    after = _tiny(optimizer=mb.SGD(momentum=0.5))
    assert "updated_before_used" in after.check({"d1": "-1/2"}).verdicts[0].diagnoses


def test_the_trace_holds_the_state_and_the_settings(tmp_path: Path) -> None:
    sol = _tiny(optimizer="adam", update="layerwise", steps=2)
    doc = json.loads(sol.to_json())
    assert doc["settings"]["optimizer"] == {
        "name": "adam",
        "beta1": "9/10",
        "beta2": "999/1000",
        "epsilon": "1/100000000",
        "epsilon_on": "v",
    }
    assert doc["settings"]["update"] == "layerwise"
    names = {(r["step"], r["name"]) for r in doc["trace"]}
    assert {(1, "m2"), (1, "s2"), (1, "mhat2"), (2, "shat1")} <= names
    exact = json.loads(_tiny(optimizer="momentum").to_json())
    v2 = next(r for r in exact["trace"] if r["name"] == "v2")
    assert v2["fractions"] == [["-1"]]


def _documents(lang: str) -> dict[str, Any]:
    net = mb.Network([2, 2, 2, 1], activation="relu", bias=True, init="zeros")
    common = dict(
        X="1,2;3,4;5,6",
        y="1;0;1",
        weights=["1,0;0,1", "1/2,0;0,1/2", "1;-1"],
        learning_rate="1/4",
        lang=lang,
    )
    docs = {
        "momentum-layerwise": solve(
            net, **common, optimizer="momentum", update="layerwise", batch_size=2
        ),
        "nesterov": solve(net, **common, optimizer="nesterov", steps=2),
        "adam": solve(net, **common, optimizer="adam", batch_size=1, steps=2),
        "adam-v_hat": solve(net, **common, optimizer=mb.Adam(epsilon_on="v_hat")),
        # a check report naming the layer-wise slip and a transposed state value
        "check": _tiny(optimizer="momentum", update="layerwise", lang=lang, steps=2),
    }
    docs["check"].check({"d1": "1/2", "v2@2": "0,0", "m3": "1"})
    return docs


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_latex_compiles(lang: str, tmp_path: Path) -> None:
    for name, sol in _documents(lang).items():
        latex = sol.to_latex()
        stray = set(re.findall(r"[^\x00-\x7f\u0400-\u04ff«»]", latex))
        assert not stray, (name, stray)  # pdflatex sets ASCII and Cyrillic only
        assert latex.count("{") == latex.count("}") - latex.count("\\}") + latex.count("\\{")
        if shutil.which("pdflatex") is None:
            continue  # the checks above stand in where no TeX is installed
        (tmp_path / "doc.tex").write_text(latex, encoding="utf-8")
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            errors="replace",  # pdflatex's log cuts Cyrillic mid-character
            timeout=120,
        )
        errors = [line for line in run.stdout.splitlines() if line.startswith("!")]
        assert run.returncode == 0, (name, errors or run.stdout[-2000:])


def test_every_format_and_language_shows_the_state() -> None:
    en, ru = _documents("en"), _documents("ru")
    assert "v_{3} \\leftarrow \\mu \\cdot v_{3}" in en["momentum-layerwise"].to_latex()
    assert "v_{b_{3}}" in en["momentum-layerwise"].to_latex()
    md = en["adam"].to_markdown()
    assert "\\hat{m}_{3} = \\frac{m_{3}}{1 - \\beta_1^{1}}" in md
    assert "\\sqrt{\\hat{s}_{3}} + \\varepsilon}" in en["adam-v_hat"].to_markdown()
    ru_text = _flat(ru["momentum-layerwise"].to_text())
    for word in ("Оптимизатор", "градиентный спуск с моментом", "Послойный шаг", "мини-батчи"):
        assert word in ru_text, word
    assert "моментом Нестерова" in _flat(ru["nesterov"].to_text())
    assert "первый момент" in _flat(ru["adam"].to_text())
    assert "Обратный проход с послойным шагом" in ru_text


# -- the command line --------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


BASE = ["solve", "--X", "1,2;3,4", "--y", "1;0", "--init", "zeros", "--lr", "1/2"]


def test_cli_adam_mini_batch_layerwise(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, *BASE, "--optimizer", "adam", "--batch-size", "1", "--update", "layerwise"
    )
    assert code == 0, err
    assert "Optimizer: Adam" in _flat(out)
    assert "Layer-wise update" in _flat(out)
    assert "Step 1 (row 1)" in out


def test_cli_momentum_check_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    # zeros, sigmoid: ŷ = 0, d = [−1/2; 0], ∂L/∂W3 = O2ᵀ·d = [−1/4; −1/4], v3 = −η·g = 1/8
    args = [*BASE, "--optimizer", "momentum", "--momentum", "0.5"]
    code, out, _ = _run(capsys, *args, "--check", "v3@1=1/8;1/8")
    assert code == 0, out
    code, out, _ = _run(capsys, *args, "--check", "v3@1=1/8,1/8")
    assert code == 1
    assert "your v3 is the transpose of the correct one" in _flat(out)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--optimizer", "adagrad"], "Invalid value for '--optimizer'"),
        (["--momentum", "0.5"], "--momentum needs --optimizer momentum or nesterov"),
        (["--optimizer", "momentum", "--beta1", "0.5"], "--beta1 needs --optimizer adam"),
        (["--optimizer", "momentum", "--momentum", "1.5"], "--momentum must be in [0, 1)"),
        (["--batch-size", "3"], "--batch-size must be at most the 2 rows of X, got 3"),
        (["--batch-size", "2", "--order", "row"], "--batch-size must be 1 (or None) with"),
        (["--update", "sideways"], "Invalid value for '--update'"),
    ],
    ids=[
        "optimizer",
        "momentum-for-sgd",
        "beta1-for-momentum",
        "momentum-range",
        "batch",
        "batch-and-row",
        "update",
    ],
)
def test_cli_bad_settings_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *BASE, *extra)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
