"""The reference path runs on any array-API library and gives NumPy's numbers.

``array-api-strict`` proves that only the standard is used (it refuses everything else);
PyTorch CPU tensors show a real second library. Each is compared with the same network on
NumPy: forward (every H and O), backward (every d), gradients and a few ``fit`` epochs.
PyTorch tests are skipped, with the reason, where torch is not installed (it is not in the
``test`` extra: several GB).
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop._xp import to_numpy
from matbackprop.errors import ConfigError, DataError, DTypeError, ShapeError


def _strict() -> Any:
    return importlib.import_module("array_api_strict")


def _torch() -> Any:
    return pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")


LIBS = [pytest.param(_strict, id="array-api-strict"), pytest.param(_torch, id="torch-cpu")]
DTYPES = [
    pytest.param(np.float64, 1e-12, id="float64"),
    pytest.param(np.float32, 1e-5, id="float32"),
]
# (hidden activation, output activation, loss): every activation, and each loss's head
HEADS = [
    pytest.param("sigmoid", "identity", "mse", id="sigmoid-identity-mse"),
    pytest.param("tanh", "sigmoid", "logloss", id="tanh-sigmoid-logloss"),
    pytest.param("relu", "softmax", "cross_entropy", id="relu-softmax-ce"),
    pytest.param(["leaky_relu", "softplus"], "sigmoid", "mse", id="leaky-softplus-sigmoid-mse"),
    pytest.param(["elu", "silu"], "softmax", "mse", id="elu-silu-softmax-mse"),
]


def _data(loss: str, n: int = 23, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = 2.0 * rng.standard_normal((n, 3))
    if loss == "cross_entropy":
        return X, rng.integers(0, 2, n)  # labels: prepare_target builds the one-hot rows
    if loss == "logloss":
        return X, (rng.random((n, 2)) < 0.5).astype(np.float64)
    return X, rng.standard_normal((n, 2))


def _pair(lib: Any, hidden: Any, out: str, dtype: Any) -> tuple[mb.Network, mb.Network]:
    ref = mb.Network([3, 4, 3, 2], hidden, out, init="glorot", seed=7, dtype=dtype)
    ref.biases = [0.1 * np.arange(b.shape[0], dtype=dtype) for b in ref.biases]
    return ref, ref.copy().to(lib)


def _close(actual: Any, expected: Any, tol: float) -> None:
    np.testing.assert_allclose(to_numpy(actual), np.asarray(expected), rtol=tol, atol=tol)


@pytest.mark.parametrize("make_lib", LIBS)
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("hidden", "out", "loss"), HEADS)
def test_passes_and_gradients_equal_numpy(
    make_lib: Any, dtype: Any, tol: float, hidden: Any, out: str, loss: str
) -> None:
    lib = make_lib()
    ref, net = _pair(lib, hidden, out, dtype)
    X, y = _data(loss)
    cache_ref, cache = ref.forward(X), net.forward(lib.asarray(X))
    assert type(cache.y_hat) is type(net.weights[0])  # the result stays in the library
    for k in range(1, ref.n_layers + 1):
        _close(cache.H[k], cache_ref.H[k], tol)
        _close(cache.O[k], cache_ref.O[k], tol)
    dL = np.linspace(-1.0, 1.0, cache_ref.y_hat.size).reshape(cache_ref.y_hat.shape)
    back_ref = ref.backward(cache_ref, dL.astype(dtype))
    back = net.backward(cache, lib.asarray(dL.astype(dtype)))
    for k in range(1, ref.n_layers + 1):
        _close(back.d[k], back_ref.d[k], tol)
    value_ref, grads_ref = ref.gradients(X, y, loss)
    value, grads = net.gradients(lib.asarray(X), lib.asarray(y), loss)
    assert value == pytest.approx(value_ref, rel=tol, abs=tol)
    for g, g_ref in zip(grads.parameters(), grads_ref.parameters(), strict=True):
        _close(g, g_ref, tol)


FITS = [
    pytest.param("sgd", None, id="sgd-full-batch"),
    pytest.param("sgd", 5, id="sgd-mini-batch"),
    pytest.param("momentum", 5, id="momentum-mini-batch"),
    pytest.param("nesterov", None, id="nesterov-full-batch"),
    pytest.param("adam", None, id="adam-full-batch"),
    pytest.param("adam", 5, id="adam-mini-batch"),
]


@pytest.mark.parametrize("make_lib", LIBS)
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("optimizer", "batch_size"), FITS)
def test_fit_equals_numpy(
    make_lib: Any, dtype: Any, tol: float, optimizer: str, batch_size: int | None
) -> None:
    lib = make_lib()
    ref, net = _pair(lib, "tanh", "softmax", dtype)
    X, y = _data("cross_entropy")
    settings: dict[str, Any] = {
        "loss": "cross_entropy",
        "optimizer": optimizer,
        "learning_rate": 0.05,
        "epochs": 4,
        "batch_size": batch_size,
        "seed": 3,
        "validation_split": 0.2,
        "track_gradients": True,
        "progress": False,
    }
    h_ref = ref.fit(X, y, **settings)
    h = net.fit(lib.asarray(X), lib.asarray(y), **settings)
    assert len(h.loss) == 4
    np.testing.assert_allclose(h.loss, h_ref.loss, rtol=tol, atol=tol)
    np.testing.assert_allclose(h.val_loss, h_ref.val_loss, rtol=tol, atol=tol)
    np.testing.assert_allclose(h.grad_norms, h_ref.grad_norms, rtol=tol, atol=tol)
    assert type(net.weights[0]) is not np.ndarray
    for p, p_ref in zip(net.parameters(), ref.parameters(), strict=True):
        _close(p, p_ref, tol)


@pytest.mark.parametrize("make_lib", LIBS)
def test_step_and_predict_stay_in_the_library(make_lib: Any) -> None:
    lib = make_lib()
    ref, net = _pair(lib, "relu", "identity", np.float64)
    X, y = _data("mse")
    assert net.step(lib.asarray(X), lib.asarray(y), "mse", learning_rate=0.1) == pytest.approx(
        ref.step(X, y, "mse", learning_rate=0.1), rel=1e-12
    )
    y_hat = net.predict(lib.asarray(X))
    assert type(y_hat) is type(lib.asarray(X))
    _close(y_hat, ref.predict(X), 1e-12)


def test_to_numpy_round_trip_and_save(tmp_path: Any) -> None:
    xp = _strict()
    ref, net = _pair(xp, "sigmoid", "identity", np.float64)
    assert net.xp is not np
    assert net == ref  # compared by value, across libraries
    net.save(tmp_path / "net.npz")
    assert mb.Network.load(tmp_path / "net.npz") == ref
    assert type(net.weights[0]) is not np.ndarray  # saving converts a copy, not the network
    net.to(np)
    assert net.xp is np
    assert all(isinstance(p, np.ndarray) for p in net.parameters())


def test_to_an_array_takes_its_library() -> None:
    xp = _strict()
    net = mb.Network([2, 2, 1], seed=0).to(xp.asarray([[1.0, 2.0]]))
    assert all(type(p) is type(xp.asarray(1.0)) for p in net.parameters())


def test_to_refuses_a_non_namespace() -> None:
    with pytest.raises(ConfigError, match="target must be an array namespace"):
        mb.Network([2, 1]).to("torch")


def test_mixing_libraries_is_refused() -> None:
    xp = _strict()
    net = mb.Network([2, 2, 1], seed=0)
    with pytest.raises(
        ConfigError, match=r"X must come from the network's array library \(NumPy\)"
    ):
        net.predict(xp.asarray([[1.0, 2.0]]))
    net.to(xp)
    with pytest.raises(ConfigError, match="X must come from the network's array library"):
        net.predict(np.array([[1.0, 2.0]]))
    with pytest.raises(ConfigError, match="y must come from the network's array library"):
        net.gradients(xp.asarray([[1.0, 2.0]]), np.array([1.0]))


def test_parameters_from_two_libraries_are_refused() -> None:
    xp = _strict()
    net = mb.Network([2, 2, 1], seed=0)
    with pytest.raises(ConfigError, match=r"weights\[0\] and the layer it replaces must all"):
        net.weights[0] = xp.asarray(np.ones((2, 2)))
    with pytest.raises(ConfigError, match=r"biases and weights must all come from one array"):
        net.biases = [xp.asarray(np.zeros(2)), xp.asarray(np.zeros(1))]
    with pytest.raises(ConfigError, match=r"biases and weights must all come from one array"):
        mb.Network([2, 2, 1], biases=[xp.asarray(np.zeros(2)), xp.asarray(np.zeros(1))])


def test_checkpoint_needs_numpy(tmp_path: Any) -> None:
    xp = _strict()
    net = mb.Network([2, 1], seed=0).to(xp)
    X = xp.asarray(np.ones((4, 2)))
    with pytest.raises(ConfigError, match="checkpoint needs NumPy data"):
        net.fit(X, xp.asarray(np.ones((4, 1))), checkpoint=tmp_path / "ck.npz", progress=False)


BAD = [
    pytest.param(lambda xp: xp.asarray([[True, False]]), DTypeError, "booleans", id="bool"),
    pytest.param(lambda xp: xp.asarray([[1.0, 2.0, 3.0]]), ShapeError, "2 column", id="width"),
    pytest.param(lambda xp: xp.asarray([1.0, 2.0]), ShapeError, "2-D", id="1-d"),
    pytest.param(lambda xp: xp.asarray([[1.0, float("nan")]]), DataError, "finite", id="nan"),
    pytest.param(
        lambda xp: xp.asarray([[2**53 + 1, 1]], dtype=xp.int64), DataError, "exactly", id="int-64"
    ),
]


@pytest.mark.parametrize("make_lib", LIBS)
@pytest.mark.parametrize(("make", "error", "message"), BAD)
def test_bad_arrays_are_refused_in_their_library(
    make_lib: Any, make: Any, error: type[Exception], message: str
) -> None:
    lib = make_lib()
    net = mb.Network([2, 2, 1], seed=0).to(lib)
    with pytest.raises(error, match=message):
        net.predict(make(lib))


@pytest.mark.parametrize("make_lib", LIBS)
def test_integer_data_is_converted_exactly(make_lib: Any) -> None:
    lib = make_lib()
    ref, net = _pair(lib, "tanh", "identity", np.float64)
    X = np.arange(6).reshape(2, 3)
    _close(net.predict(lib.asarray(X)), ref.predict(X), 1e-12)


def test_bad_targets_are_refused() -> None:
    xp = _strict()
    net = mb.Network([2, 2], output_activation="softmax", seed=0).to(xp)
    X = xp.asarray(np.ones((3, 2)))
    with pytest.raises(DataError, match=r"integers in 0\.\.1"):
        net.gradients(X, xp.asarray([0.0, 1.0, 2.0]), "cross_entropy")
    sigmoid = mb.Network([2, 2], output_activation="sigmoid", seed=0).to(xp)
    with pytest.raises(DataError, match="only 0 and 1"):
        sigmoid.gradients(X, xp.asarray(np.full((3, 2), 0.5)), "logloss")
    with pytest.raises(ShapeError, match="3 rows like X"):
        net.gradients(X, xp.asarray([0.0, 1.0]), "cross_entropy")


@pytest.mark.parametrize(
    "make",
    [mb.RMSprop, lambda: mb.AdaGrad(epsilon_inside_sqrt=True),
     lambda: mb.Adam(epsilon_on="v_hat"), lambda: mb.SGD(momentum=0.9, nesterov=True)],
    ids=["rmsprop", "adagrad", "adam-v-hat", "nesterov"],
)  # fmt: skip
def test_optimizer_state_and_freezing_in_another_library(make: Any) -> None:
    xp = _strict()
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    ref = mb.Network([2, 3, 1], seed=0)
    net = ref.copy().to(xp)
    settings: dict[str, Any] = dict(epochs=3, batch_size=4, shuffle=False, progress=False,
                                    freeze="b1")  # fmt: skip
    ref_opt, opt = make(), make()
    ref.fit(X, y, optimizer=ref_opt, **settings)
    net.fit(xp.asarray(X), xp.asarray(y), optimizer=opt, **settings)
    for a, b in zip(ref.parameters(), net.parameters()):
        np.testing.assert_allclose(np.asarray(b), a, rtol=1e-12, atol=1e-15)
    assert opt.state.t == ref_opt.state.t == 6
    for key, value in ref_opt.state_dict().items():
        np.testing.assert_allclose(opt.state_dict()[key], value, rtol=1e-12, atol=1e-15)
    theta = opt.plain_iterate(net)
    for a, b in zip(ref_opt.plain_iterate(ref), theta):
        np.testing.assert_allclose(np.asarray(b), a, rtol=1e-12, atol=1e-15)
