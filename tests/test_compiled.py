"""The compiled path (matbackprop._speed.compiled) trains tiny networks as the NumPy path does.

``fit`` hands a tiny network trained by plain SGD on MSE to Numba-compiled loops that run
many epochs per call. They sum in another order than NumPy and BLAS, so we ask for the
same weights and losses to 1e-12 (relative, float64) after many epochs, the same history
and stop reasons, and that everything else still takes the NumPy path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop import training
from matbackprop._speed import compiled as _compiled
from matbackprop._speed import limits
from matbackprop._speed.paths import is_tiny

pytest.importorskip("numba", reason="the compiled path needs the 'fast' extra (numba)")


def _data(n_in: int, n_out: int, n: int, dtype: Any, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    y = np.tanh(X[:, :1] - 0.5 * X[:, -1:]) * np.linspace(1.0, 0.5, n_out)
    return X.astype(dtype), y.astype(dtype)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The epochs asked of each compiled call, recorded."""
    asked: list[int] = []
    run = _compiled.Trainer.run

    def spy(self: _compiled.Trainer, epochs: int, order: Any = None) -> Any:
        asked.append(epochs)
        return run(self, epochs, order)

    monkeypatch.setattr(_compiled.Trainer, "run", spy)
    return asked


def _fit_both(
    monkeypatch: pytest.MonkeyPatch, sizes: tuple[int, ...], act: str, bias: bool, dtype: Any,
    **settings: Any,
) -> tuple[tuple[mb.Network, Any], tuple[mb.Network, Any]]:  # fmt: skip
    """``(compiled, numpy)``: the same run twice, by default and with the path switched off.
    ``n``: rows (60); ``output="softmax"`` trains a classifier with cross-entropy on one-hot
    targets; the rest goes to ``fit`` (rows in order unless ``shuffle=True``)."""
    output = settings.pop("output", "identity")
    X, y = _data(sizes[0], sizes[-1], settings.pop("n", 60), dtype)
    if output == "softmax":
        y = np.eye(sizes[-1], dtype=dtype)[np.argmax(y + X[:, -1:], axis=1)]
        settings["loss"] = "cross_entropy"
    settings = {"optimizer": "sgd", "progress": False, "shuffle": False, "seed": 5, **settings}
    runs = []
    for switch in ("1", "0"):
        monkeypatch.setenv("MATBACKPROP_FAST", switch)
        net = mb.Network(sizes, act, output, bias=bias, seed=3, dtype=dtype)
        try:
            runs.append((net, net.fit(X, y, **settings)))
        except mb.TrainingDivergedError as exc:
            runs.append((net, exc))
    return runs[0], runs[1]


def _rel(a: Any, b: Any) -> float:
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) / scale


CASES = [
    # (layer sizes, hidden activation, bias, batch_size): every L from 1 to 3, full and
    # mini-batch with a short last batch (60 rows by 7)
    pytest.param((2, 2, 2, 1), "sigmoid", False, None, id="seed-2-2-2-1-sigmoid-full"),
    pytest.param((2, 2, 2, 1), "tanh", True, 7, id="2-2-2-1-tanh-bias-batch7"),
    pytest.param((3, 4, 2), "relu", True, None, id="3-4-2-relu-bias-full"),
    pytest.param((3, 4, 2), "identity", False, 7, id="3-4-2-identity-batch7"),
    pytest.param((4, 3), "identity", True, 16, id="4-3-linear-bias-batch16"),
    pytest.param((1, 5, 5, 1), "sigmoid", True, 13, id="1-5-5-1-sigmoid-bias-batch13"),
]


@pytest.mark.parametrize(("sizes", "act", "bias", "batch"), CASES)
def test_compiled_training_equals_the_numpy_path_float64(
    monkeypatch: pytest.MonkeyPatch, calls: list[int], sizes: Any, act: str, bias: bool,
    batch: Any,
) -> None:  # fmt: skip
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float64, epochs=150, batch_size=batch,
        learning_rate=0.3,
    )  # fmt: skip
    assert calls, "the compiled path was not taken"
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12
    assert (hist.epochs, hist.best_epoch, hist.stop_reason) == (
        ref_hist.epochs,
        ref_hist.best_epoch,
        ref_hist.stop_reason,
    )
    assert net.training_info == ref.training_info


@pytest.mark.parametrize(("sizes", "act", "bias", "batch"), CASES[:3])
def test_compiled_training_equals_the_numpy_path_float32(
    monkeypatch: pytest.MonkeyPatch, calls: list[int], sizes: Any, act: str, bias: bool,
    batch: Any,
) -> None:  # fmt: skip
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float32, epochs=50, batch_size=batch,
        learning_rate=0.3,
    )  # fmt: skip
    assert calls
    assert all(W.dtype == np.float32 for W in net.parameters())
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-4  # float32 rounding, summed in another order
    assert _rel(hist.loss, ref_hist.loss) <= 1e-4


def test_the_seed_network_learns_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Masha's 2-2-2-1 sigmoid network, full batch, 2000 epochs: the benchmark's workload A."""
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, (2, 2, 2, 1), "sigmoid", False, np.float64, n=1000, epochs=2000,
        learning_rate=0.5,
    )  # fmt: skip
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12


def test_many_epochs_run_per_call(calls: list[int]) -> None:
    X, y = _data(2, 1, 100, np.float64)
    net = mb.Network([2, 2, 2, 1], "sigmoid", bias=False, seed=0)
    history = net.fit(X, y, optimizer="sgd", epochs=5000, progress=False)
    per_call = _compiled.epochs_per_call(100, net.layer_sizes, limits.TINY_WORK_PER_CALL)
    assert per_call > 100
    assert calls == [per_call] * (5000 // per_call) + [5000 % per_call] * (5000 % per_call > 0)
    assert history.epochs == 5000
    assert history.best_epoch == int(np.argmin(history.loss)) + 1


@pytest.mark.parametrize("sizes", [(2, 2, 2, 1), (3, 1)], ids=["2-2-2-1", "3-1"])
def test_divergence_restores_the_last_good_epoch_as_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, calls: list[int], sizes: Any
) -> None:
    (net, err), (ref, ref_err) = _fit_both(
        monkeypatch, sizes, "identity", True, np.float64, epochs=400, learning_rate=900.0,
    )  # fmt: skip
    assert calls
    assert isinstance(err, mb.TrainingDivergedError)
    assert isinstance(ref_err, mb.TrainingDivergedError)
    assert str(err) == str(ref_err)
    assert err.history.stop_reason == "diverged"
    assert err.history.epochs == ref_err.history.epochs
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert np.all(np.isfinite(W))
        assert _rel(W, W_ref) <= 1e-12


def test_ctrl_c_stops_between_calls(monkeypatch: pytest.MonkeyPatch, calls: list[int]) -> None:
    @contextlib.contextmanager
    def pressed() -> Iterator[Any]:
        yield lambda: True  # Ctrl-C came during the first call

    monkeypatch.setattr(training, "_sigint_stops", pressed)
    X, y = _data(2, 1, 100, np.float64)
    net = mb.Network([2, 2, 2, 1], "sigmoid", bias=False, seed=0)
    history = net.fit(X, y, optimizer="sgd", epochs=10**6, progress=False)
    assert history.stop_reason == "interrupted"
    assert history.epochs == calls[0] == len(calls) * calls[0]


def test_progress_bar_counts_the_compiled_epochs(
    monkeypatch: pytest.MonkeyPatch, calls: list[int]
) -> None:
    import tqdm.auto

    counted: list[int] = []

    class Bar(tqdm.auto.tqdm):  # type: ignore[misc]
        def close(self) -> None:
            counted.append(self.n)
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    X, y = _data(2, 1, 50, np.float64)
    net = mb.Network([2, 2, 1], "tanh", seed=0)
    history = net.fit(X, y, optimizer="sgd", epochs=300, progress=True)
    assert calls
    assert history.epochs == 300
    assert counted[0] == 300  # closed when fit returns (tqdm may close it again)


NUMPY_PATH = [
    pytest.param({"optimizer": "rmsprop"}, id="rmsprop"),
    pytest.param({"optimizer": "adagrad"}, id="adagrad"),
    pytest.param({"activation": "leaky_relu"}, id="other-activation"),
    pytest.param({"env": "0"}, id="switched-off"),
]


@pytest.mark.parametrize("settings", NUMPY_PATH)
def test_everything_else_takes_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, calls: list[int], tmp_path: Any, settings: dict[str, Any]
) -> None:
    """Neither the tiny loops nor the compiled epochs of _compiled_blas (which take shuffled
    and larger networks: tests/test_compiled_blas.py)."""
    from matbackprop._speed import compiled_blas as _compiled_blas

    def refused(*args: Any) -> None:
        raise AssertionError("the compiled epochs were taken")

    monkeypatch.setattr(_compiled_blas.Trainer, "run", refused)
    settings = dict(settings)
    if "env" in settings:
        monkeypatch.setenv("MATBACKPROP_FAST", settings.pop("env"))
    sizes = settings.pop("sizes", (2, 2, 2, 1))
    net = mb.Network(
        sizes, settings.pop("activation", "sigmoid"), settings.pop("output", "identity"), seed=0
    )
    X, y = _data(sizes[0], 1, 40, np.float64)
    if net.activations[-1] == "sigmoid":
        y = (y > 0).astype(np.float64)
    net.fit(X, y, **{"optimizer": "sgd", "epochs": 3, "progress": False, **settings})
    assert calls == []


def test_a_tiny_network_is_eligible_a_wider_one_is_not() -> None:
    assert is_tiny((2, 2, 2, 1))
    assert is_tiny((8, 4, 4, 1))
    assert not is_tiny((20, 64, 64, 1))
