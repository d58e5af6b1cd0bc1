"""Losses: the documented conventions, gradients, fused output gradients, saturation; exact
values from the logits (mpmath, PyTorch), reductions (autograd), pairing and names."""

from __future__ import annotations

import dataclasses
from typing import Any

import mpmath
import numpy as np
import pytest

import matbackprop as mb
from matbackprop.activations import get_activation
from matbackprop.losses import LOSS_NAMES, PAIRS, check_pairing, get_loss, loss_from_config

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
    [
        ("hinge", "loss must be one of mse, logloss, cross_entropy, mse_half, .*; got 'hinge'"),
        (3, "loss must"),
    ],
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


# -- exact values from the logits, against mpmath at 50 digits --------------------------

LOGIT_LOSSES = [
    pytest.param("cross_entropy", "softmax", id="cross_entropy"),
    pytest.param("logloss", "sigmoid", id="logloss"),
]
DTYPES = [
    pytest.param(np.float64, 1e-13, id="float64"),
    pytest.param(np.float32, 1e-5, id="float32"),
]


def _oracle(
    name: str, H: Array, y: Array, rows: str = "mean", outputs: str = "sum"
) -> tuple[float, Array]:
    """``L`` and ``∂L/∂H`` from the logits ``H`` (binary floats, so exact in mpmath),
    worked at 50 digits from the definitions, then rounded to float64."""
    n, m = H.shape
    with mpmath.workdps(50):
        total = mpmath.mpf(0)
        grad = np.zeros((n, m))
        for i in range(n):
            h = [mpmath.mpf(float(v)) for v in H[i]]
            t = [mpmath.mpf(float(v)) for v in y[i]]
            if name == "cross_entropy":
                log_z = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in h))
                for j in range(m):
                    total -= t[j] * (h[j] - log_z)  # −y log softmax(h)
                    grad[i, j] = float(mpmath.exp(h[j] - log_z) - t[j])
            else:
                for j in range(m):
                    # −y log σ(h) − (1 − y) log(1 − σ(h)), with log σ(h) = −log(1 + e^−h)
                    total += t[j] * mpmath.log(1 + mpmath.exp(-h[j]))
                    total += (1 - t[j]) * mpmath.log(1 + mpmath.exp(h[j]))
                    grad[i, j] = float(1 / (1 + mpmath.exp(-h[j])) - t[j])
        k = (n if rows == "mean" else 1) * (m if outputs == "mean" else 1)
        return float(total / k), grad / k


def _targets(name: str, rng: np.random.Generator, n: int, m: int) -> Array:
    if name == "cross_entropy":
        return np.eye(m)[rng.integers(0, m, size=n)]
    return rng.integers(0, 2, size=(n, m)).astype(float)


@pytest.mark.parametrize("scale", [1.0, 78.0, 1e3, 1e5], ids=lambda s: f"logits-{s:g}")
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("name", "output"), LOGIT_LOSSES)
def test_value_from_logits_is_exact_for_any_logits(
    name: str, output: str, dtype: Any, tol: float, scale: float
) -> None:
    rng = np.random.default_rng(7)
    H = (rng.uniform(-1, 1, size=(9, 3)) * scale).astype(dtype)
    y = _targets(name, rng, 9, 3).astype(dtype)
    loss = get_loss(name)
    expected, expected_grad = _oracle(name, H, y)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # (exp may underflow)
        value = loss.value_from_logits(H, y)
        d = loss.grad_H(get_activation(output).f(H), y)
    assert value == pytest.approx(expected, rel=tol)
    np.testing.assert_allclose(d, expected_grad, rtol=tol, atol=tol * np.max(np.abs(expected_grad)))


def test_probabilities_clip_where_logits_do_not() -> None:
    """The issue's numbers: a confidently wrong row is worth its logit gap, not −log ε."""
    H = np.array([[0.0, 80.0], [3.0, -1.0]])  # row 0 has label 0: wrong by 80
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    ce = mb.CrossEntropy()
    exact, _ = _oracle("cross_entropy", H, y)
    assert ce.value_from_logits(H, y) == pytest.approx(exact, rel=1e-15)  # (80 + 0.018)/2
    assert exact > 40
    clipped = ce.value(get_activation("softmax").f(H), y)
    assert clipped == pytest.approx((-np.log(np.finfo(float).eps) - np.log(1 / (1 + np.e**-4))) / 2)


def _saturated_problem(
    name: str, output: str, dtype: Any, sizes: tuple[int, ...] = (9, 5, 8, 2, 2), n: int = 7,
    scale: float = 1e3, seed: int = 3,
) -> tuple[mb.Network, Array, Array]:  # fmt: skip
    """A random network whose logits span ±``scale``, and 0/1 or one-hot targets."""
    rng = np.random.default_rng(seed)
    net = mb.Network(sizes, "tanh", output_activation=output, seed=seed, dtype=dtype)
    net.biases = [rng.normal(size=b.shape) for b in net.biases]
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    H = net.forward(X).H[-1]
    assert H is not None
    s = scale / float(np.max(np.abs(H)))
    net.weights[-1] *= s
    net.biases[-1] *= s
    return net, X, _targets(name, rng, n, sizes[-1]).astype(dtype)


def _exact_loss(net: mb.Network, X: Array, y: Array, name: str) -> tuple[float, Array]:
    H = net.forward(X).H[-1]
    assert H is not None
    return _oracle(name, H, y)


@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("name", "output"), LOGIT_LOSSES)
def test_network_loss_gradients_and_step_are_exact(
    name: str, output: str, dtype: Any, tol: float
) -> None:
    net, X, y = _saturated_problem(name, output, dtype)
    expected, d_L = _exact_loss(net, X, y, name)
    assert expected > 100  # confidently wrong rows, far beyond −log ε
    assert net.loss(X, y, name) == pytest.approx(expected, rel=tol)
    value, grads = net.gradients(X, y, name)
    assert value == pytest.approx(expected, rel=tol)
    L = net.n_layers
    d = grads.d[L]
    assert d is not None
    np.testing.assert_allclose(d, d_L, rtol=tol, atol=tol * np.max(np.abs(d_L)))
    # ∂L/∂W_L = O_{L-1}ᵀ·d_L with the exact d_L
    dW = net.forward(X).O[L - 1].astype(np.float64).T @ d_L
    np.testing.assert_allclose(grads.weights[-1], dW, rtol=tol, atol=tol * np.max(np.abs(dW)))
    assert net.copy().step(X, y, name, learning_rate=1e-3) == pytest.approx(expected, rel=tol)


@pytest.mark.parametrize("fast", ["1", "0"], ids=["fast", "MATBACKPROP_FAST=0"])
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("name", "output"), LOGIT_LOSSES)
def test_fit_history_and_validation_loss_are_exact(
    monkeypatch: pytest.MonkeyPatch, name: str, output: str, dtype: Any, tol: float, fast: str
) -> None:
    """Every training path (the compiled epochs, the NumPy step) reports
    the exact loss: full batch, epoch 1's loss is the value before its step."""
    monkeypatch.setenv("MATBACKPROP_FAST", fast)
    net, X, y = _saturated_problem(name, output, dtype)
    expected, _ = _exact_loss(net, X, y, name)
    h = net.copy().fit(X, y, loss=name, learning_rate=1e-3, epochs=1, progress=False)
    assert h.loss[0] == pytest.approx(expected, rel=tol)
    # with validation rows: epoch by epoch, and val_loss measured after the step
    trained = net.copy()
    h = trained.fit(
        X, y, loss=name, learning_rate=1e-3, epochs=1, validation_data=(X, y),
        early_stopping=True, progress=False,
    )  # fmt: skip
    assert h.loss[0] == pytest.approx(expected, rel=tol)
    after, _ = _exact_loss(trained, X, y, name)
    assert h.val_loss[0] == pytest.approx(after, rel=tol)


def test_gradients_check_at_saturated_logits() -> None:
    """The reported loss is the one whose gradient is used: finite differences of it agree."""
    for name, output in (("cross_entropy", "softmax"), ("logloss", "sigmoid")):
        net, X, y = _saturated_problem(name, output, np.float64, scale=78.0)
        assert mb.check_gradients(net, X, y, name) < 1e-6, name


def test_logits_on_other_array_libraries() -> None:
    xp = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(0)
    H = rng.uniform(-1e3, 1e3, size=(6, 3))
    for name in ("cross_entropy", "logloss"):
        y = _targets(name, rng, 6, 3)
        loss = get_loss(name)
        value = loss.value_from_logits(xp.asarray(H), xp.asarray(y))
        assert value == pytest.approx(loss.value_from_logits(H, y), rel=1e-15)


def test_value_and_gradient_equal_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    H = rng.uniform(-1e3, 1e3, size=(8, 4))
    labels = rng.integers(0, 4, size=8)
    bits = rng.integers(0, 2, size=(8, 4)).astype(float)
    for loss, target, their in (
        (mb.CrossEntropy(), np.eye(4)[labels], lambda h: F.cross_entropy(h, torch.tensor(labels))),
        (mb.CrossEntropy(rows="sum"), np.eye(4)[labels],
         lambda h: F.cross_entropy(h, torch.tensor(labels), reduction="sum")),
        (mb.LogLoss(outputs="mean"), bits,
         lambda h: F.binary_cross_entropy_with_logits(h, torch.tensor(bits))),
        (mb.LogLoss(rows="sum"), bits,
         lambda h: F.binary_cross_entropy_with_logits(h, torch.tensor(bits), reduction="sum")),
    ):  # fmt: skip
        h = torch.tensor(H, requires_grad=True)
        value = their(h)
        value.backward()
        p = get_activation(loss.output_activation).f(H)
        assert loss.value_from_logits(H, target) == pytest.approx(value.item(), rel=1e-13)
        np.testing.assert_allclose(loss.grad_H(p, target), h.grad.numpy(), rtol=1e-12, atol=1e-15)


# -- reductions -------------------------------------------------------------------------

REDUCTIONS = [(r, o) for r in ("mean", "sum") for o in ("mean", "sum")]
REDUCED = [
    pytest.param(cls, rows, outputs, id=f"{cls.name}-rows_{rows}-outputs_{outputs}")
    for cls in (mb.MSE, mb.LogLoss, mb.CrossEntropy)
    for rows, outputs in REDUCTIONS
]


def _autograd_value(name: str, rows: str, outputs: str, from_logits: bool) -> Any:
    """The loss written in plain autograd.numpy, from probabilities or from logits."""
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def value(z: Any, y: Any) -> Any:
        n, m = y.shape
        if name == "mse":
            terms = (z - y) ** 2
        elif name == "logloss":
            if from_logits:  # log σ(z) = −log(1 + e^−z), log(1 − σ(z)) = −log(1 + e^z)
                terms = y * anp.logaddexp(0.0, -z) + (1 - y) * anp.logaddexp(0.0, z)
            else:
                terms = -(y * anp.log(z) + (1 - y) * anp.log(1 - z))
        elif from_logits:
            terms = -y * (z - logsumexp(z, axis=1, keepdims=True))
        else:
            terms = -y * anp.log(z)
        return anp.sum(terms) / ((n if rows == "mean" else 1) * (m if outputs == "mean" else 1))

    return value


@pytest.mark.parametrize(("cls", "rows", "outputs"), REDUCED)
def test_reductions_against_autograd(
    cls: type[mb.Loss], rows: str, outputs: str, rng: np.random.Generator
) -> None:
    from autograd import grad

    loss = cls(rows=rows, outputs=outputs)  # type: ignore[call-arg]
    act = get_activation(loss.output_activation)
    H = rng.normal(size=(5, 3)) * 3
    y_hat = act.f(H)
    y = _target(loss, rng, (5, 3))
    for from_logits, z in ((False, y_hat), (True, H)):
        f = _autograd_value(loss.name, rows, outputs, from_logits)
        value = loss.value_from_logits(H, y) if from_logits else loss.value(y_hat, y)
        assert value == pytest.approx(float(f(z, y)), rel=1e-13)
        g = loss.grad_H(y_hat, y) if from_logits else loss.grad(y_hat, y)
        np.testing.assert_allclose(g, grad(f)(z, y), rtol=1e-10, atol=1e-14)
    out = np.empty_like(y_hat)
    loss.grad_H_into(y_hat, y, out)
    np.testing.assert_array_equal(out, loss.grad_H(y_hat, y))


@pytest.mark.parametrize(("cls", "rows", "outputs"), REDUCED)
def test_reductions_scale_the_network_gradient_by_n_and_m(
    cls: type[mb.Loss], rows: str, outputs: str, rng: np.random.Generator
) -> None:
    """A sum over the n rows is n times the mean, and so is its gradient; over m outputs, m."""
    loss = cls(rows=rows, outputs=outputs)  # type: ignore[call-arg]
    mean = cls()
    n, m = 6, 3
    net = mb.Network([4, 5, m], "tanh", output_activation=loss.output_activation, seed=1)
    X = rng.normal(size=(n, 4))
    y = _target(loss, rng, (n, m))
    factor = (n if rows == "sum" else 1) * (m if outputs == "sum" else 1)
    factor /= m if mean.outputs == "sum" else 1  # the loss's default already sums outputs
    value, grads = net.gradients(X, y, loss)
    value0, grads0 = net.gradients(X, y, mean)
    assert value == pytest.approx(factor * value0, rel=1e-13)
    for g, g0 in zip(grads.parameters(), grads0.parameters()):
        np.testing.assert_allclose(g, factor * g0, rtol=1e-12, atol=1e-15)
    assert mb.check_gradients(net, X, y, loss) < 1e-6


@pytest.mark.parametrize("fast", ["1", "0"], ids=["fast", "MATBACKPROP_FAST=0"])
@pytest.mark.parametrize(
    "loss",
    [mb.MSE(rows="sum"), mb.MSE(half=True, outputs="sum"), mb.CrossEntropy(rows="sum")],
    ids=["mse-rows_sum", "mse_half-outputs_sum", "cross_entropy-rows_sum"],
)
def test_fit_with_a_reduction_is_the_reference_loop(
    monkeypatch: pytest.MonkeyPatch, loss: mb.Loss, fast: str, rng: np.random.Generator
) -> None:
    """The compiled kernels divide by the batch's rows: they decline other reductions, and
    every path computes what the reference step does; an epoch's loss sums its batches'."""
    from matbackprop import _speed

    monkeypatch.setenv("MATBACKPROP_FAST", fast)
    out = loss.output_activation
    net = mb.Network([3, 6, 3], "tanh", output_activation=out, seed=2)
    X = rng.normal(size=(10, 3))
    y = _target(loss, rng, (10, 3))
    config = _speed.Config.of(net, X, loss, mb.SGD(), batch=10, shuffle=False)
    assert _speed.plan(config, _speed.detect()).path == "reference"
    ref = net.copy()
    values = []
    for start in range(0, 10, 4):  # the reference: net.step on each batch, in order
        values.append(
            ref.step(X[start : start + 4], y[start : start + 4], loss, learning_rate=0.01)
        )
    h = net.fit(X, y, loss=loss, learning_rate=0.01, epochs=1, batch_size=4, shuffle=False,
                progress=False)  # fmt: skip
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        np.testing.assert_allclose(W, W_ref, rtol=1e-12, atol=1e-14)
    weights = [min(4, 10 - s) for s in range(0, 10, 4)] if loss.rows == "mean" else [1, 1, 1]
    expected = sum(v * w for v, w in zip(values, weights)) / (10 if loss.rows == "mean" else 1)
    assert h.loss[0] == pytest.approx(expected, rel=1e-12)


def test_reductions_are_checked() -> None:
    with pytest.raises(
        mb.ConfigError, match="rows must be 'mean' or 'sum' for loss 'mse', got 'avg'"
    ):
        mb.MSE(rows="avg")
    with pytest.raises(mb.ConfigError, match="outputs must be 'mean' or 'sum' for loss 'logloss'"):
        mb.LogLoss(outputs="max")
    with pytest.raises(mb.ConfigError, match="allow_unpaired must be True or False, got 'yes'"):
        mb.CrossEntropy(allow_unpaired="yes")  # type: ignore[arg-type]


# -- pairing: a loss meets only the outputs it has a meaning for --------------------------

OUTPUTS = ["identity", "sigmoid", "tanh", "softmax"]


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("name", list(PAIRS))
def test_pairing_table(name: str, output: str) -> None:
    loss = get_loss(name)
    allowed = PAIRS[name]
    if allowed is None or output in allowed:
        check_pairing(loss, output)
    else:
        expected = (
            f"loss '{name}' needs output_activation '{allowed[0]}', got '{output}'; use "
            f"output_activation '{allowed[0]}', or pass {type(loss).__name__}"
            r"\(allow_unpaired=True\) to pair them anyway"
        )
        with pytest.raises(mb.ConfigError, match=expected):
            check_pairing(loss, output)
    check_pairing(dataclasses.replace(loss, allow_unpaired=True), output)  # type: ignore[type-var]


ENTRY_POINTS = {
    "fit": lambda net, X, y: net.fit(X, y, loss="logloss", progress=False),
    "step": lambda net, X, y: net.step(X, y, "logloss"),
    "gradients": lambda net, X, y: net.gradients(X, y, "logloss"),
    "loss": lambda net, X, y: net.loss(X, y, "logloss"),
    "check_gradients": lambda net, X, y: mb.check_gradients(net, X, y, "logloss"),
}


@pytest.mark.parametrize("where", list(ENTRY_POINTS))
def test_every_entry_point_refuses_an_unpaired_loss(where: str) -> None:
    """The issue's case: log-loss on an identity output gave "probabilities" of 6.41."""
    net = mb.Network([2, 3, 1], seed=0)  # identity output
    X, y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0, 1.0])
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(mb.ConfigError, match="loss 'logloss' needs output_activation 'sigmoid'"):
        ENTRY_POINTS[where](net, X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))


def test_a_softmax_over_one_output_is_refused() -> None:
    with pytest.raises(mb.ConfigError, match=r"output_activation 'softmax' needs at least 2 "
                       r"outputs .*got layer_sizes\[-1\] = 1"):  # fmt: skip
        mb.Network([3, 1], output_activation="softmax")


@pytest.mark.parametrize(
    ("loss", "output"),
    [
        pytest.param(mb.CrossEntropy(allow_unpaired=True), "sigmoid", id="ce-sigmoid"),
        pytest.param(mb.LogLoss(allow_unpaired=True), "softmax", id="logloss-softmax"),
        pytest.param(mb.LogLoss(allow_unpaired=True, rows="sum"), "identity", id="logloss-id"),
    ],
)
def test_allow_unpaired_takes_the_unfused_path_with_a_correct_gradient(
    loss: mb.Loss, output: str, rng: np.random.Generator
) -> None:
    net = mb.Network([3, 4, 3], "tanh", output_activation=output, seed=5)
    if output == "identity":  # keep y_hat inside (0, 1), where log-loss has a meaning
        net.weights[-1] *= 0.05
        net.biases[-1][:] = 0.5
    X = rng.normal(size=(6, 3))
    y = _target(mb.LogLoss() if isinstance(loss, mb.LogLoss) else loss, rng, (6, 3))
    y_hat = net.predict(X)
    assert net.loss(X, y, loss) == pytest.approx(loss.value(y_hat, y), rel=1e-15)  # unfused
    assert mb.check_gradients(net, X, y, loss) < 1e-6
    assert np.isfinite(net.fit(X, y, loss=loss, epochs=3, progress=False).loss).all()


def test_probability_gradients_are_zero_where_the_value_clips() -> None:
    y_hat = np.array([[1.5, 0.25], [-0.5, 0.75]])  # outside [0, 1] on the left
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    g = mb.LogLoss().grad(y_hat, y)
    assert g[0, 0] == 0.0
    assert g[1, 0] == 0.0
    assert g[0, 1] == pytest.approx(1 / (0.75 * 2))
    assert g[1, 1] == pytest.approx(-1 / (0.75 * 2))


# -- names: one registry -------------------------------------------------------------------


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_every_name_is_a_loss(name: str) -> None:
    loss = get_loss(name)
    assert get_loss(name.upper()) == loss
    assert loss_from_config(loss.to_config()) == loss


def test_mse_half_everywhere_a_loss_is(rng: np.random.Generator) -> None:
    net = mb.Network([2, 3, 1], seed=0)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=4)
    half = mb.MSE(half=True)
    expected = net.loss(X, y, half)
    assert get_loss("mse_half") == half
    assert net.loss(X, y, "mse_half") == expected
    assert net.gradients(X, y, "mse_half")[0] == expected
    assert mb.check_gradients(net, X, y, "mse_half") < 1e-6
    history = net.copy().fit(X, y, loss="mse_half", epochs=1, progress=False)
    assert history.loss[0] == pytest.approx(expected, rel=1e-13)  # compiled: another sum order
    assert net.step(X, y, "mse_half") == expected


@pytest.mark.parametrize(
    "loss",
    [
        mb.MSE(half=True, rows="sum", outputs="sum"),
        mb.LogLoss(outputs="mean", allow_unpaired=True),
        mb.CrossEntropy(rows="sum"),
    ],
    ids=repr,
)
def test_settings_round_trip_through_config_and_model_files(
    loss: mb.Loss, tmp_path: Any, rng: np.random.Generator
) -> None:
    assert loss_from_config(loss.to_config()) == loss
    out = "sigmoid" if isinstance(loss, mb.LogLoss) else "softmax"
    net = mb.Network([2, 3], output_activation=out, seed=0)
    X = rng.normal(size=(4, 2))
    y = _target(mb.LogLoss() if isinstance(loss, mb.LogLoss) else mb.CrossEntropy(), rng, (4, 3))
    net.fit(X, y, loss=loss, epochs=1, progress=False)
    net.save(tmp_path / "m.npz")
    info = mb.Network.load(tmp_path / "m.npz").training_info
    assert info is not None
    assert loss_from_config(info["loss"]) == loss


def test_default_settings_keep_the_old_config() -> None:
    """Files written before the reductions existed read back, and defaults write as then."""
    assert mb.MSE().to_config() == {"name": "mse", "half": False}
    assert mb.CrossEntropy().to_config() == {"name": "cross_entropy"}
    assert loss_from_config({"name": "mse", "half": True}) == mb.MSE(half=True)
