"""Update rules against formulas worked in the test (each written here again, from the
papers and from the algorithm boxes of PyTorch's ``torch.optim`` documentation), the
optimizer's state between steps, and whole trajectories against scikit-learn's
``MLPRegressor`` started from the same weights."""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.optimizers import OPTIMIZER_NAMES, get_optimizer, optimizer_from_config

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


# -- PyTorch's torch.optim algorithm boxes, written out again ------------------------------
# Each loop below follows the pseudo-code of PyTorch's documentation for the optimizer
# (weight decay 0, maximize False, dampening 0, no centring, no learning-rate decay), with
# γ the learning rate and the gradients of GRADS fed in turn.


def _torch_sgd(mu: float, nesterov: bool, lr: float) -> list[Array]:
    theta, b, out = W0.copy(), None, []
    for g in GRADS:
        if mu != 0:
            b = g.copy() if b is None else mu * b + g  # b_t ← μ·b_{t−1} + (1 − τ)·g_t
            g = g + mu * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def _torch_adam(lr: float, b1: float, b2: float, eps: float) -> list[Array]:
    theta, m, v, out = W0.copy(), np.zeros(2), np.zeros(2), []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def _torch_rmsprop(lr: float, alpha: float, eps: float) -> list[Array]:
    theta, v, out = W0.copy(), np.zeros(2), []
    for g in GRADS:
        v = alpha * v + (1 - alpha) * g**2
        theta = theta - lr * g / (np.sqrt(v) + eps)
        out.append(theta)
    return out


def _torch_adagrad(lr: float, eps: float, initial: float) -> list[Array]:
    theta, state_sum, out = W0.copy(), np.full(2, initial), []
    for g in GRADS:
        state_sum = state_sum + g**2
        theta = theta - lr * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return out


TORCH = [
    pytest.param(mb.SGD(), lambda: _torch_sgd(0.0, False, 0.1), 0.1, id="sgd"),
    pytest.param(mb.SGD(momentum=0.9), lambda: _torch_sgd(0.9, False, 0.1), 0.1, id="momentum"),
    pytest.param(
        mb.SGD(momentum=0.5, nesterov=True), lambda: _torch_sgd(0.5, True, 0.2), 0.2, id="nesterov"
    ),
    pytest.param(
        mb.Adam(epsilon_on="v_hat"), lambda: _torch_adam(0.01, 0.9, 0.999, 1e-8), 0.01, id="adam"
    ),
    pytest.param(
        mb.Adam(beta1=0.5, beta2=0.9, epsilon=0.1, epsilon_on="v_hat"),
        lambda: _torch_adam(0.05, 0.5, 0.9, 0.1),
        0.05,
        id="adam-large-epsilon",
    ),
    pytest.param(mb.RMSprop(), lambda: _torch_rmsprop(0.01, 0.99, 1e-8), 0.01, id="rmsprop"),
    pytest.param(
        mb.RMSprop(rho=0.5, epsilon=0.1), lambda: _torch_rmsprop(0.1, 0.5, 0.1), 0.1,
        id="rmsprop-settings",
    ),
    pytest.param(mb.AdaGrad(), lambda: _torch_adagrad(0.1, 1e-10, 0.0), 0.1, id="adagrad"),
    pytest.param(
        mb.AdaGrad(epsilon=0.1, initial_accumulator=0.5), lambda: _torch_adagrad(0.1, 0.1, 0.5),
        0.1, id="adagrad-settings",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("opt", "reference", "eta"), TORCH)
def test_iterates_follow_pytorchs_algorithms(opt: mb.Optimizer, reference: Any, eta: float) -> None:
    for got, want in zip(_run(dataclasses.replace(opt), eta), reference()):
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)


def test_default_adam_differs_from_pytorchs_only_by_where_epsilon_is_added() -> None:
    # ε on √v instead of √v̂ is ε·√(1−β2ᵗ) on √v̂: with ε = 0.1 the difference is visible,
    # and it is exactly PyTorch's form with that ε for one step.
    eps, eta = 0.1, 0.05
    ours = _run(mb.Adam(epsilon=eps), eta)
    torch_like = _torch_adam(eta, 0.9, 0.999, eps)
    assert not np.allclose(ours[-1], torch_like[-1], rtol=1e-6)
    first = _torch_adam(eta, 0.9, 0.999, eps / math.sqrt(1 - 0.999))[0]
    np.testing.assert_allclose(ours[0], first, rtol=1e-14)


def test_rmsprop_and_adagrad_epsilon_inside_the_root() -> None:
    # √(s + ε), Goodfellow et al.'s Algorithm 8.5 (RMSProp, ρ, δ) and D2L's AdaGrad
    rho, eps, eta = 0.9, 0.01, 0.1
    W, r, want = W0.copy(), np.zeros(2), []
    for g in GRADS:
        r = rho * r + (1 - rho) * g * g
        W = W - eta / np.sqrt(eps + r) * g
        want.append(W)
    got = _run(mb.RMSprop(rho=rho, epsilon=eps, epsilon_inside_sqrt=True), eta)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    W, s_, want = W0.copy(), np.zeros(2), []
    for g in GRADS:
        s_ = s_ + g * g
        W = W - eta / np.sqrt(s_ + eps) * g
        want.append(W)
    got = _run(mb.AdaGrad(epsilon=eps, epsilon_inside_sqrt=True), eta)
    np.testing.assert_allclose(got, want, rtol=1e-14)


# -- Nesterov: the look-ahead point and the plain iterate ---------------------------------


def test_nesterov_keeps_the_look_ahead_point_and_gives_the_plain_iterate() -> None:
    # Sutskever et al. (2013), eq. 3-4, in the plain iterate θ on f(θ) = 0.1·θ1² + 2·θ2²:
    #   v ← μ·v − η·∇f(θ + μ·v),   θ ← θ + v.
    # The optimizer keeps W = θ + μ·v (where the gradient is taken) and gives θ back.
    def grad(p: Array) -> Array:
        return np.array([0.2 * p[0], 4.0 * p[1]])

    mu, eta = 0.9, 0.1
    theta, v = np.array([-5.0, -2.0]), np.zeros(2)
    opt, W = mb.SGD(momentum=mu, nesterov=True), np.array([-5.0, -2.0])
    np.testing.assert_array_equal(opt.plain_iterate([W])[0], W)  # before any step v = 0
    for _ in range(15):
        v = mu * v - eta * grad(theta + mu * v)
        theta = theta + v
        opt.step([W], [grad(W)], eta)
        np.testing.assert_allclose(W, theta + mu * v, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(opt.plain_iterate([W])[0], theta, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(opt.state.slots["velocity"][0], v, rtol=1e-12, atol=1e-15)


def test_plain_iterate_of_other_rules_is_a_copy() -> None:
    net = mb.Network([2, 3, 1], seed=0)
    opt = mb.Adam()
    net.step([[1.0, 2.0]], [[1.0]], optimizer=opt)
    plain = opt.plain_iterate(net)
    for a, b in zip(plain, net.parameters()):
        np.testing.assert_array_equal(a, b)
        assert a is not b


# -- the state between steps ------------------------------------------------------------

XS = np.random.default_rng(7).normal(size=(12, 3))
YS = np.sin(XS.sum(axis=1, keepdims=True))


def _net() -> mb.Network:
    return mb.Network([3, 4, 1], activation="tanh", seed=1)


def test_adam_state_is_inspectable_after_one_step() -> None:
    net, opt = _net(), mb.Adam()
    assert opt.state.t == 0
    assert opt.state.slots == {}  # made on the first step, shaped like the parameters
    _, g = net.gradients(XS, YS)
    net.step(XS, YS, learning_rate=0.01, optimizer=opt)
    assert opt.state.t == 1
    for m, v, dW in zip(opt.state.slots["m"], opt.state.slots["v"], g.parameters()):
        np.testing.assert_allclose(m, 0.1 * dW, rtol=1e-14)  # (1 − β1)·g
        np.testing.assert_allclose(v, 0.001 * dW * dW, rtol=1e-14)  # (1 − β2)·g²


def test_step_by_step_equals_fit_and_fit_continues_the_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the reference path bitwise (the compiled kernels' Adam: tests/test_compiled.py)."""
    monkeypatch.setenv("MATBACKPROP_FAST", "0")
    steps = [_net() for _ in range(3)]
    opts = [mb.Adam(), mb.Adam(), mb.Adam()]
    for _ in range(5):
        steps[0].step(XS, YS, "mse", 0.05, optimizer=opts[0])
    steps[1].fit(XS, YS, optimizer=opts[1], learning_rate=0.05, epochs=5, progress=False)
    # two fit calls with the same optimizer: the second continues t and the moments
    steps[2].fit(XS, YS, optimizer=opts[2], learning_rate=0.05, epochs=2, progress=False)
    steps[2].fit(XS, YS, optimizer=opts[2], learning_rate=0.05, epochs=3, progress=False)
    assert steps[0] == steps[1] == steps[2]  # bitwise
    for opt in opts:
        assert opt.state.t == 5
    for a, b in zip(opts[0].state.slots["v"], opts[2].state.slots["v"]):
        np.testing.assert_array_equal(a, b)
    # by name, every fit starts afresh: it differs from the continued run
    fresh = _net()
    fresh.fit(XS, YS, optimizer="adam", learning_rate=0.05, epochs=2, progress=False)
    fresh.fit(XS, YS, optimizer="adam", learning_rate=0.05, epochs=3, progress=False)
    assert fresh != steps[0]


@pytest.mark.parametrize("make", [mb.RMSprop, mb.AdaGrad], ids=["rmsprop", "adagrad"])
def test_fit_with_new_rules_takes_the_reference_path(make: Any) -> None:
    net, twin = _net(), _net()
    opt = make()
    net.fit(XS, YS, optimizer=make(), learning_rate=0.01, epochs=3, batch_size=4, shuffle=False,
            progress=False)  # fmt: skip
    for _ in range(3):
        for s in range(0, 12, 4):
            twin.step(XS[s : s + 4], YS[s : s + 4], "mse", 0.01, optimizer=opt)
    assert net == twin


def test_a_plain_sgd_object_counts_its_steps_on_every_path() -> None:
    for fast in ("1", "0"):
        opt = mb.SGD()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MATBACKPROP_FAST", fast)
            _net().fit(XS, YS, optimizer=opt, epochs=3, batch_size=5, progress=False, seed=0)
        assert opt.state.t == 9  # 3 epochs of ⌈12/5⌉ = 3 steps


def test_state_dict_round_trip_through_a_file(tmp_path: Path) -> None:
    net, opt = _net(), mb.SGD(momentum=0.9, nesterov=True)
    for _ in range(3):
        net.step(XS, YS, optimizer=opt)
    twin, other = net.copy(), mb.SGD(momentum=0.9, nesterov=True)
    np.savez(tmp_path / "opt.npz", **opt.state_dict())
    with np.load(tmp_path / "opt.npz") as saved:  # allow_pickle=False: nothing runs
        other.load_state_dict(dict(saved))
    assert sorted(opt.state_dict()) == ["t", "velocity_0", "velocity_1", "velocity_2", "velocity_3"]
    for _ in range(2):
        net.step(XS, YS, optimizer=opt)
        twin.step(XS, YS, optimizer=other)
    assert net == twin
    assert other.state.t == 5


Z1 = np.zeros(1)


@pytest.mark.parametrize(
    ("opt", "arrays", "message"),
    [
        (mb.Adam(), {}, "with a 't' entry"),
        (mb.Adam(), {"t": np.asarray(-1)}, "'t' must be a non-negative integer"),
        (mb.Adam(), {"t": np.asarray(1.5)}, "'t' must be a non-negative integer"),
        (mb.Adam(), {"t": np.asarray(2), "m_0": np.zeros(2)}, "must hold v_0, v_1"),
        (mb.Adam(), {"t": np.asarray(2), "velocity_0": np.zeros(2)}, "does not use"),
        (mb.RMSprop(), {"t": np.asarray(1), "mean_square_0": np.array([np.nan])}, "finite"),
        (mb.AdaGrad(), {"t": np.asarray(1), "sum_square_0": Z1, "sum_square_2": Z1},
         "sum_square_0, sum_square_1"),
    ],
    ids=["no-t", "negative-t", "float-t", "missing-slot", "other-rule", "nan", "gap"],
)  # fmt: skip
def test_load_state_dict_refuses_bad_states(
    opt: mb.Optimizer, arrays: dict[str, Any], message: str
) -> None:
    with pytest.raises(mb.ConfigError, match=message):
        opt.load_state_dict(arrays)
    assert opt.state.t == 0  # nothing changed


def test_state_made_for_another_network_is_refused() -> None:
    opt = mb.Adam()
    _net().step(XS, YS, optimizer=opt)
    other = mb.Network([3, 5, 1], seed=0)
    with pytest.raises(
        mb.ShapeError,
        match=r"optimizer state 'm' was made for parameters of "
        r"shapes \[\(3, 4\).*call reset\(\)",
    ):
        other.step(XS, YS, optimizer=opt)
    with pytest.raises(mb.ShapeError, match="optimizer state 'm'"):
        other.fit(XS, YS, optimizer=opt, epochs=1, progress=False)
    opt.reset()
    other.step(XS, YS, optimizer=opt)
    assert opt.state.t == 1


def test_step_refuses_a_name_and_bad_gradients() -> None:
    net = _net()
    with pytest.raises(mb.ConfigError, match="optimizer must be an Optimizer whose state lasts"):
        net.step(XS, YS, optimizer="adam")  # type: ignore[arg-type]
    _, g = net.gradients(XS, YS)
    with pytest.raises(mb.ShapeError, match="grads must hold 4 arrays"):
        mb.SGD().step(net, g.weights, 0.1)
    with pytest.raises(mb.ShapeError, match=r"grads\[0\] must have the shape of its parameter"):
        mb.SGD().step(net, [w.T for w in g.weights] + g.biases, 0.1)
    with pytest.raises(mb.ConfigError, match="learning_rate must be > 0"):
        mb.SGD().step(net, g, 0)
    with pytest.raises(mb.ConfigError, match="freeze needs a Network"):
        mb.SGD().step(net.parameters(), g, 0.1, freeze="b")


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
        (lambda: mb.Adam(epsilon_on="sqrt"), "epsilon_on must be 'v' or 'v_hat', got 'sqrt'"),
        (lambda: mb.RMSprop(rho=1.0), r"rho must be in \[0, 1\), got 1.0"),
        (lambda: mb.RMSprop(epsilon=-1.0), "epsilon must be > 0, got -1.0"),
        (lambda: mb.RMSprop(epsilon_inside_sqrt=1), "epsilon_inside_sqrt must be True or False"),
        (lambda: mb.AdaGrad(initial_accumulator=-1), "initial_accumulator must be >= 0, got -1"),
        (lambda: get_optimizer("lbfgs"),
         "optimizer must be one of gd, sgd, momentum, nesterov, adam, rmsprop, adagrad; got"),
    ],
    ids=["momentum-1", "momentum-negative", "nesterov-no-momentum", "beta1-1", "beta2-nan",
         "epsilon-0", "epsilon-on", "rho-1", "rmsprop-epsilon", "inside-not-bool",
         "accumulator-negative", "unknown-name"],
)  # fmt: skip
def test_bad_settings_are_refused(make: Any, message: str) -> None:
    with pytest.raises(mb.ConfigError, match=message):
        make()


@pytest.mark.parametrize(
    "opt",
    [*OPTIMIZER_NAMES, mb.Adam(epsilon_on="v_hat"), mb.RMSprop(0.9, 1e-6, True),
     mb.AdaGrad(1e-6, 0.1, True)],
    ids=[*OPTIMIZER_NAMES, "adam-v-hat", "rmsprop-inside", "adagrad-inside"],
)  # fmt: skip
def test_names_and_config_round_trip(opt: str | mb.Optimizer) -> None:
    opt = get_optimizer(opt)
    assert optimizer_from_config(opt.to_config()) == opt


def test_default_adam_config_is_unchanged() -> None:
    # checkpoints and model files written before epsilon_on existed must still match
    assert mb.Adam().to_config() == {"name": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def test_names_give_fresh_optimizers() -> None:
    # each carries its own state: two fits by name never share one
    a, b = get_optimizer("adam"), get_optimizer("adam")
    assert a == b
    assert a is not b
    assert a.state is not b.state


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

    opt = dataclasses.replace(opt)  # the same settings, a fresh state

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
