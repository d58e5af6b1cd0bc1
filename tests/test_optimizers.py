"""Update rules against formulas worked in the test, and whole trajectories against
scikit-learn's ``MLPRegressor`` started from the same weights."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.optimizers import get_optimizer, optimizer_from_config

Array = np.ndarray[Any, Any]

# Three gradients fed one after another to a parameter (the update rules do not look at
# the loss, only at the gradients they are given).
GRADS = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 3.0])]
W0 = np.array([0.3, -0.7])


def _run(opt: mb.Optimizer, eta: float) -> list[Array]:
    W = W0.copy()
    state = opt.init_state([W])
    out = []
    for g in GRADS:
        opt.update([W], [g.copy()], state, eta)
        out.append(W.copy())
    assert state.t == len(GRADS)
    return out


def test_plain_sgd() -> None:
    # W ← W − η·g, three times: W3 = W0 − η·(g1 + g2 + g3)
    got = _run(mb.SGD(), 0.1)
    np.testing.assert_allclose(got[-1], W0 - 0.1 * (GRADS[0] + GRADS[1] + GRADS[2]), rtol=1e-15)


def test_heavy_ball_momentum() -> None:
    # Written in the "buffer" form b ← μ·b + g, W ← W − η·b (equal to v = −η·b):
    # b1 = g1,            W1 = W0 − η·g1
    # b2 = μ·g1 + g2,     W2 = W1 − η·(μ·g1 + g2)
    # b3 = μ²·g1 + μ·g2 + g3
    mu, eta = 0.9, 0.1
    b1 = GRADS[0]
    b2 = mu * b1 + GRADS[1]
    b3 = mu * b2 + GRADS[2]
    expected = [W0 - eta * b1, W0 - eta * (b1 + b2), W0 - eta * (b1 + b2 + b3)]
    for got, want in zip(_run(mb.SGD(momentum=mu), eta), expected):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    # by hand for the first entry: b = 1, then 0.9 + 0.5 = 1.4, then 1.26 − 1 = 0.26
    assert _run(mb.SGD(momentum=mu), eta)[-1][0] == pytest.approx(0.3 - 0.1 * (1 + 1.4 + 0.26))


def test_nesterov_momentum() -> None:
    # PyTorch's form: b ← μ·b + g, W ← W − η·(g + μ·b)
    mu, eta = 0.5, 0.2
    W, b = W0.copy(), np.zeros(2)
    expected = []
    for g in GRADS:
        b = mu * b + g
        W = W - eta * (g + mu * b)
        expected.append(W)
    for got, want in zip(_run(mb.SGD(momentum=mu, nesterov=True), eta), expected):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    # first step by hand, first entry: b = 1, W = 0.3 − 0.2·(1 + 0.5) = 0
    assert _run(mb.SGD(momentum=mu, nesterov=True), eta)[0][0] == pytest.approx(0.0, abs=1e-16)


def test_adam() -> None:
    # Kingma & Ba with the bias corrections folded into the step (as scikit-learn and
    # TensorFlow do): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
    # W ← W − η·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε)
    b1, b2, eps, eta = 0.9, 0.999, 1e-8, 0.01
    W, m, v = W0.copy(), np.zeros(2), np.zeros(2)
    expected = []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        W = W - eta * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        expected.append(W)
    got = _run(mb.Adam(), eta)
    for g_, want in zip(got, expected):
        np.testing.assert_allclose(g_, want, rtol=1e-14)
    # The first step is η·sign(g) (m̂ = g, v̂ = g², so m̂/√v̂ = ±1), whatever |g| is.
    np.testing.assert_allclose(got[0], W0 - eta * np.sign(GRADS[0]), rtol=1e-6)


def test_adam_settings_are_used() -> None:
    a = _run(mb.Adam(beta1=0.5, beta2=0.9, epsilon=1e-3), 0.1)
    b = _run(mb.Adam(), 0.1)
    assert not np.allclose(a[-1], b[-1])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mb.SGD(momentum=1.0), r"momentum must be in \[0, 1\), got 1.0"),
        (lambda: mb.SGD(momentum=-0.1), "momentum must be in"),
        (lambda: mb.SGD(nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: mb.Adam(beta1=1.0), r"beta1 must be in \[0, 1\)"),
        (lambda: mb.Adam(beta2=float("nan")), "beta2 must be a finite number"),
        (lambda: mb.Adam(epsilon=0.0), "epsilon must be > 0"),
        (lambda: get_optimizer("rmsprop"), "optimizer must be one of gd, sgd, momentum"),
    ],
    ids=["momentum-1", "momentum-negative", "nesterov-no-momentum", "beta1-1", "beta2-nan",
         "epsilon-0", "unknown-name"],
)  # fmt: skip
def test_bad_settings_are_refused(make: Any, message: str) -> None:
    with pytest.raises(mb.ConfigError, match=message):
        make()


@pytest.mark.parametrize("name", ["gd", "sgd", "momentum", "nesterov", "adam"])
def test_names_and_config_round_trip(name: str) -> None:
    opt = get_optimizer(name)
    assert optimizer_from_config(opt.to_config()) == opt


# -- whole trajectories against scikit-learn ----------------------------------------------

SKLEARN_CASES = [
    pytest.param(mb.SGD(), "sgd", {"momentum": 0.0}, None, id="gd-full-batch"),
    pytest.param(mb.SGD(), "sgd", {"momentum": 0.0}, 4, id="sgd-batches-of-4"),
    pytest.param(
        mb.SGD(momentum=0.9),
        "sgd",
        {"momentum": 0.9, "nesterovs_momentum": False},
        None,
        id="momentum",
    ),
    pytest.param(
        mb.SGD(momentum=0.8, nesterov=True),
        "sgd",
        {"momentum": 0.8, "nesterovs_momentum": True},
        None,
        id="nesterov",
    ),
    pytest.param(mb.Adam(), "adam", {}, None, id="adam"),
]


@pytest.mark.parametrize(("opt", "solver", "extra", "batch_size"), SKLEARN_CASES)
def test_trajectory_matches_sklearn(
    opt: mb.Optimizer, solver: str, extra: dict[str, Any], batch_size: int | None
) -> None:
    """Same weights, same data, same rule: after 8 epochs the weights agree to 1e-10.

    scikit-learn's squared error is ½·mean, i.e. ``MSE(half=True)``; with one output its
    gradient is exactly ours. Its weights are set through the public ``warm_start``:
    one ``partial_fit`` builds the model, we overwrite ``coefs_``/``intercepts_``, and
    ``fit`` then continues from them with a fresh optimizer.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    rng = np.random.default_rng(3)
    n, lr, epochs = 10, 0.05, 8
    X = rng.normal(size=(n, 3))
    y = np.sin(X.sum(axis=1, keepdims=True))
    net = mb.Network([3, 4, 3, 1], activation="tanh", init="glorot", seed=rng)
    net.biases = [rng.normal(scale=0.1, size=b.shape) for b in net.biases]

    reg = MLPRegressor(
        hidden_layer_sizes=(4, 3),
        activation="tanh",
        solver=solver,
        alpha=0.0,
        batch_size=batch_size or n,
        learning_rate="constant",
        learning_rate_init=lr,
        max_iter=epochs,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10**6,
        warm_start=True,
        **extra,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.partial_fit(X, y[:, 0])
        reg.coefs_ = [W.copy() for W in net.weights]
        reg.intercepts_ = [b.copy() for b in net.biases]
        reg.fit(X, y[:, 0])

    history = net.fit(
        X,
        y,
        loss=mb.MSE(half=True),
        optimizer=opt,
        learning_rate=lr,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=False,
        progress=False,
    )
    for ours, theirs in zip(net.parameters(), [*reg.coefs_, *reg.intercepts_]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # and the per-epoch training losses (both: batch losses weighted by batch size)
    np.testing.assert_allclose(history.loss, reg.loss_curve_[1:], rtol=1e-10)
