"""The fit loop's fast path (matbackprop._speed.fast) gives bitwise the reference path's numbers.

Reference: ``Network._forward`` + ``Network._backward`` (fresh arrays, the full Cache).
Fast: ``_value_and_gradients(..., reuse=True)`` (preallocated buffers, O_k over H_k, fused
output gradient). Both run the same ufuncs and products in the same order, so we ask for
bitwise equality in float64 and float32 alike.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop._speed.fast import buffers_for
from matbackprop.activations import ACTIVATIONS
from matbackprop.losses import Loss, get_loss
from matbackprop.optimizers import SGD, Adam, get_optimizer


@pytest.fixture(autouse=True)
def _numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the NumPy path: keep tiny networks off the compiled one."""
    monkeypatch.setenv("MATBACKPROP_FAST", "0")


DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]
HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "silu"]
# (output activation, loss): the fused pairs, and two that go through f_L' or softmax's vjp
HEADS = [
    pytest.param("identity", "mse", id="identity-mse"),
    pytest.param("sigmoid", "logloss", id="sigmoid-logloss"),
    pytest.param("softmax", "cross_entropy", id="softmax-ce"),
    pytest.param("sigmoid", "mse", id="sigmoid-mse"),
    pytest.param("softmax", "mse", id="softmax-mse"),
]


def _data(sizes: list[int], loss: str, n: int, dtype: Any, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = (2.0 * rng.standard_normal((n, sizes[0]))).astype(dtype)
    m = sizes[-1]
    if loss == "cross_entropy":
        y = np.eye(m)[rng.integers(0, m, n)]
    elif loss == "logloss":
        y = rng.integers(0, 2, (n, m))
    else:
        y = rng.standard_normal((n, m))
    return X, y.astype(dtype)


def _assert_same(ref: tuple[float, mb.Gradients], fast: tuple[float, mb.Gradients]) -> None:
    (v_ref, g_ref), (v_fast, g_fast) = ref, fast
    assert v_fast == v_ref
    assert len(g_fast.weights) == len(g_ref.weights)
    assert len(g_fast.biases) == len(g_ref.biases)
    for a, b in zip(g_ref.parameters(), g_fast.parameters()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(b, a, strict=True)
    assert g_fast.d[0] is None
    for a, b in zip(g_ref.d[1:], g_fast.d[1:]):
        np.testing.assert_array_equal(b, a, strict=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize(("output", "loss"), HEADS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_fast_gradients_equal_reference(
    activation: str, output: str, loss: str, bias: bool, dtype: Any
) -> None:
    sizes = [3, 5, 4, 3]
    net = mb.Network(sizes, activation, output, bias=bias, seed=1, dtype=dtype)
    loss_fn = get_loss(loss)
    X, y = _data(sizes, loss, 17, dtype)
    # 17 rows, then 6 rows: the second call runs in views of the first call's buffers
    for rows in (17, 6, 17):
        fast = net._value_and_gradients(X[:rows], y[:rows], loss_fn, reuse=True)
        ref = net._value_and_gradients(X[:rows], y[:rows], loss_fn)
        _assert_same(ref, fast)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("sizes", "activation", "output", "loss"),
    [
        pytest.param([2, 2, 2, 1], "sigmoid", "identity", "mse", id="seed-2-2-2-1"),
        pytest.param([7, 1], "identity", "identity", "mse", id="one-layer"),
        pytest.param([20, 96, 64, 1], "tanh", "identity", "mse", id="tabular-like"),
        pytest.param([48, 128, 128, 10], "relu", "softmax", "cross_entropy", id="mnist-like"),
        pytest.param([5, 9, 8, 7, 6, 2], "sigmoid", "sigmoid", "logloss", id="deep-5-layers"),
    ],
)
def test_fast_gradients_equal_reference_on_larger_shapes(
    sizes: list[int], activation: str, output: str, loss: str, dtype: Any
) -> None:
    # hundreds of rows: the vectorised ufunc loops and multi-threaded BLAS are in play
    net = mb.Network(sizes, activation, output, bias=True, seed=3, dtype=dtype)
    X, y = _data(sizes, loss, 301, dtype, seed=5)
    loss_fn = get_loss(loss)
    _assert_same(
        net._value_and_gradients(X, y, loss_fn),
        net._value_and_gradients(X, y, loss_fn, reuse=True),
    )


def _reference_fit(
    net: mb.Network, X: Any, y: Any, loss: str, opt: Any, eta: float, epochs: int, batch: int
) -> list[float]:
    """fit's loop without shuffling, on the reference path: the per-epoch mean losses."""
    loss_fn, params = get_loss(loss), net.parameters()
    state, losses = opt.init_state(params), []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, X.shape[0], batch):
            Xb, yb = X[start : start + batch], y[start : start + batch]
            value, grads = net._value_and_gradients(Xb, yb, loss_fn)
            opt.update(params, grads.parameters(), state, eta)
            total += value * Xb.shape[0]
        losses.append(total / X.shape[0])
    return losses


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "optimizer",
    [
        pytest.param(SGD(), id="sgd"),
        pytest.param(SGD(momentum=0.9), id="momentum"),
        pytest.param(SGD(momentum=0.9, nesterov=True), id="nesterov"),
        pytest.param(Adam(), id="adam"),
    ],
)
@pytest.mark.parametrize("batch", [None, 8], ids=["full-batch", "batch-8-of-30"])
@pytest.mark.parametrize(
    ("activation", "output", "loss"),
    [
        pytest.param("tanh", "identity", "mse", id="tanh-mse"),
        pytest.param("relu", "softmax", "cross_entropy", id="relu-softmax-ce"),
        pytest.param("sigmoid", "sigmoid", "logloss", id="sigmoid-logloss"),
    ],
)
def test_fit_trajectory_equals_reference_loop(
    activation: str, output: str, loss: str, batch: int | None, optimizer: Any, dtype: Any
) -> None:
    optimizer = dataclasses.replace(optimizer)  # the same settings, a fresh state
    sizes = [4, 6, 5, 3]
    X, y = _data(sizes, loss, 30, dtype, seed=2)
    fast = mb.Network(sizes, activation, output, seed=4, dtype=dtype)
    ref = fast.copy()
    history = fast.fit(
        X, y, loss=loss, optimizer=optimizer, learning_rate=0.05, epochs=4,
        batch_size=batch, shuffle=False, progress=False,
    )  # fmt: skip
    losses = _reference_fit(ref, X, y, loss, optimizer, 0.05, 4, batch or 30)
    assert history.loss == losses
    for a, b in zip(ref.parameters(), fast.parameters()):
        np.testing.assert_array_equal(b, a, strict=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_step_equals_reference_update(dtype: Any) -> None:
    sizes = [3, 4, 2]
    X, y = _data(sizes, "mse", 9, dtype)
    net = mb.Network(sizes, "tanh", seed=0, dtype=dtype)
    twin = net.copy()
    value = net.step(X, y, "mse", learning_rate=0.1)
    ref_value, grads = twin._value_and_gradients(X, y, get_loss("mse"))
    for p, g in zip(twin.parameters(), grads.parameters()):
        p -= 0.1 * g
    assert value == ref_value
    assert net == twin


def test_public_gradients_are_fresh_arrays_but_fast_ones_are_reused() -> None:
    sizes = [2, 3, 1]
    X, y = _data(sizes, "mse", 5, np.float64)
    net = mb.Network(sizes, seed=0)
    _, g1 = net.gradients(X, y)
    kept = [g.copy() for g in g1.weights]
    net.gradients(2 * X, y)
    for a, b in zip(kept, g1.weights):
        np.testing.assert_array_equal(b, a)  # the public result is the caller's to keep
    loss_fn = get_loss("mse")
    _, f1 = net._value_and_gradients(X, y, loss_fn, reuse=True)
    _, f2 = net._value_and_gradients(2 * X, y, loss_fn, reuse=True)
    assert f1.weights[0] is f2.weights[0]  # one buffer per parameter, valid until the next step


def test_buffers_grow_for_a_larger_batch_and_follow_the_dtype() -> None:
    net = mb.Network([2, 3, 1], seed=0)
    assert buffers_for(net, 4).rows == 4
    assert buffers_for(net, 3).rows == 4  # a smaller batch uses views of the same buffers
    assert buffers_for(net, 10).rows == 10


def test_buffers_are_not_pickled_or_shared_by_copies() -> None:
    X, y = _data([2, 3, 1], "mse", 50, np.float64)
    net = mb.Network([2, 3, 1], seed=0)
    net.fit(X, y, epochs=2, progress=False)
    assert "_step_buffers" in net.__dict__
    clone = pickle.loads(pickle.dumps(net))
    assert "_step_buffers" not in clone.__dict__
    assert clone == net
    deep = copy.deepcopy(net)
    assert "_step_buffers" not in deep.__dict__
    deep.fit(X, y, epochs=1, progress=False)  # its own buffers, made on first use
    assert deep.__dict__["_step_buffers"] is not net.__dict__["_step_buffers"]


class _QuarterSquares(Loss):
    """A user's loss with value/grad/grad_H only: the fast path falls back to grad_H."""

    name = "quarter_squares"

    def value(self, y_hat: Any, y: Any) -> float:
        return 0.25 * float(np.sum((y_hat - y) ** 2))

    def grad(self, y_hat: Any, y: Any) -> Any:
        return 0.5 * (y_hat - y)

    def grad_H(self, y_hat: Any, y: Any) -> Any:
        return self.grad(y_hat, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_user_loss_without_in_place_gradient(dtype: Any) -> None:
    sizes = [3, 4, 2]
    X, y = _data(sizes, "mse", 8, dtype)
    net = mb.Network(sizes, "elu", seed=0, dtype=dtype)
    loss = _QuarterSquares()
    _assert_same(
        net._value_and_gradients(X, y, loss), net._value_and_gradients(X, y, loss, reuse=True)
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_in_place_activations_are_bitwise_the_reference(name: str, dtype: Any) -> None:
    # the edges: ±0, tiny, exp() under- and overflow, and values around them
    edges = [0.0, -0.0, 1e-300, -1e-300, 36.7, -36.7, 88.7, -88.7, 745.2, -745.2, 1e4, -1e4]
    t = np.concatenate([np.linspace(-60.0, 60.0, 1206), edges]).astype(dtype).reshape(-1, 7)
    f = ACTIVATIONS[name]
    assert f.f_into is not None
    out, tmp = np.empty_like(t), np.empty_like(t)
    f.f_into(t, out, tmp)
    np.testing.assert_array_equal(out, f.f(t), strict=True)
    in_place = t.copy()
    f.f_into(in_place, in_place, tmp)  # O_k written over H_k
    np.testing.assert_array_equal(in_place, f.f(t), strict=True)
    if f.df is not None:
        assert f.df_into is not None
        O = f.f(t)
        f.df_into(t, O, out)
        np.testing.assert_array_equal(out, f.df(t, O), strict=True)


def test_hidden_layers_that_need_H_keep_it() -> None:
    net = mb.Network([2, 3, 3, 1], ["relu", "softplus"], seed=0)
    bufs = buffers_for(net, 4)
    # relu's f' comes from O, so O_1 overwrites H_1; softplus' f' needs H_2; output identity
    assert bufs.shared == [False, True, False, True]


def test_optimizers_accept_the_reused_gradients() -> None:
    # the fit loop hands buffers to update(); update must not keep references to them
    opt = get_optimizer("momentum")
    net = mb.Network([2, 3, 1], seed=0)
    X, y = _data([2, 3, 1], "mse", 6, np.float64)
    state = opt.init_state(net.parameters())
    _, g = net._value_and_gradients(X, y, get_loss("mse"), reuse=True)
    opt.update(net.parameters(), g.parameters(), state, 0.1)
    assert all(v is not dg for v, dg in zip(state.slots["velocity"], g.parameters()))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (1000, 1), (256, 3), (20000, 10)], ids=str)
@pytest.mark.parametrize("half", [False, True], ids=["mse", "half-mse"])
def test_mse_value_is_bitwise_numpy_mean(shape: tuple[int, int], half: bool, dtype: Any) -> None:
    # MSE.value skips np.mean's Python wrapper; it must keep np.mean's bits
    rng = np.random.default_rng(sum(shape))
    for scale in (1e-4, 1.0, 1e4):
        y_hat = (scale * rng.standard_normal(shape)).astype(dtype)
        y = rng.standard_normal(shape).astype(dtype)
        r = y_hat - y
        expected = (0.5 if half else 1.0) * float(np.mean(r * r))
        assert mb.MSE(half=half).value(y_hat, y) == expected


@pytest.mark.parametrize(("output", "loss"), HEADS)
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_reused_buffers_are_never_read_before_they_are_written(
    activation: str, output: str, loss: str
) -> None:
    """Buffers full of NaN before the step: any value read before it is written shows."""
    sizes = [3, 6, 5, 3] if output == "softmax" or loss != "mse" else [3, 6, 5, 1]
    net = mb.Network(sizes, activation, output, seed=2)
    X, y = _data(sizes, loss, 24, np.float64, seed=3)
    bufs = buffers_for(net, 24)
    for a in [*bufs._H, *bufs._O, bufs._d_L, bufs._tmp, *bufs.dW, *bufs.db]:
        if a is not None:
            a.fill(np.nan)
    loss_fn = get_loss(loss)
    value, grads = net._value_and_gradients(X, y, loss_fn, reuse=True)
    v_ref, ref = net._value_and_gradients(X, y, loss_fn)
    assert value == v_ref
    for p, q in zip(grads.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p, q)
