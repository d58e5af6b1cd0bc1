"""Compiled epochs with BLAS products (matbackprop._speed.compiled_blas) train as the NumPy path.

``fit`` hands a small network trained by plain SGD on MSE (the benchmark's 20-64-64-1, say)
to one compiled call per epoch or more: BLAS for the products, vectorized loops for the
rest, and each batch cut into parts that run on the threads. The arithmetic is the seed's
in another summation order and with other tanh/sigmoid code, so we ask for the NumPy path's
weights, losses and history to 1e-12 (relative, float64) with MKL and with SciPy's BLAS,
with one part and with several, rows in order and shuffled; that it diverges as the NumPy
path does; and that a child process forked after a parallel run can still train.
"""

from __future__ import annotations

import multiprocessing
import pickle
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop import _speed
from matbackprop._speed import blas as _blas
from matbackprop._speed import compiled as _compiled
from matbackprop._speed.paths import batch_mode, is_tiny

pytest.importorskip("numba", reason="the compiled path needs the 'fast' extra (numba)")
from matbackprop._speed import compiled_blas as _compiled_blas  # (imports numba)
from test_compiled import _data, _fit_both, _rel  # as the tiny loops' tests do


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """``(epochs, parts)`` of each compiled call, recorded."""
    asked: list[tuple[int, int]] = []
    run = _compiled_blas.Trainer.run

    def spy(self: _compiled_blas.Trainer, epochs: int, order: Any = None) -> Any:
        asked.append((epochs, self.parts))
        return run(self, epochs, order)

    monkeypatch.setattr(_compiled_blas.Trainer, "run", spy)
    return asked


CASES = [
    # (layer sizes, hidden activation, bias, batch_size, shuffle): L from 1 to 4, every
    # activation, full batch and mini-batches with a short last one (600 rows by 256, 77)
    # (the softmax cases below add cross-entropy, and batches run whole on MKL's threads)
    pytest.param((20, 64, 64, 1), "tanh", True, 256, False, id="B-like-tanh-in-order"),
    pytest.param((20, 64, 64, 1), "tanh", True, 256, True, id="B-like-tanh-shuffled"),
    pytest.param((5, 30, 30, 3), "sigmoid", False, 128, True, id="5-30-30-3-sigmoid"),
    pytest.param((8, 40, 2), "relu", True, None, False, id="8-40-2-relu-full"),
    pytest.param((8, 40, 2), "identity", True, 77, True, id="8-40-2-identity-batch77"),
    pytest.param((3, 16, 16, 16, 2), "tanh", True, 150, True, id="L4-tanh"),
    pytest.param((70, 3), "identity", True, 200, False, id="L1-linear"),
]


SOFTMAX_CASES = [
    # (layer sizes, hidden activation, bias, batch_size, shuffle, whole): a largest product
    # of 2^21 runs in parts, of 2^23 (with MKL) as one part on MKL's threads
    pytest.param((16, 128, 128, 10), "relu", True, 128, True, False, id="in-parts"),
    pytest.param((64, 256, 256, 10), "relu", True, 128, False, True, id="whole"),
    pytest.param((256, 256, 4), "sigmoid", False, 128, True, True, id="whole-sigmoid-no-bias"),
]


@pytest.mark.parametrize(("sizes", "act", "bias", "batch", "shuffle", "whole"), SOFTMAX_CASES)
def test_softmax_cross_entropy_equals_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]], sizes: Any, act: str,
    bias: bool, batch: int, shuffle: bool, whole: bool,
) -> None:  # fmt: skip
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float64, n=600, epochs=6, batch_size=batch,
        shuffle=shuffle, learning_rate=0.03, output="softmax",
    )  # fmt: skip
    has_mkl = _blas.cblas_gemm_address(np.dtype(np.float64)) != 0
    assert calls or (whole and not has_mkl), "the compiled path was not taken"
    if whole and calls:
        assert all(parts == 1 for _, parts in calls)
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12
    assert hist.loss[-1] < hist.loss[0]


@pytest.mark.parametrize("blas", ["default", "scipy"])
@pytest.mark.parametrize(("sizes", "act", "bias", "batch", "shuffle"), CASES)
def test_training_equals_the_numpy_path_float64(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]], blas: str, sizes: Any,
    act: str, bias: bool, batch: Any, shuffle: bool,
) -> None:  # fmt: skip
    if blas == "scipy":
        monkeypatch.setenv("MATBACKPROP_BLAS", "scipy")
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float64, n=600, epochs=12, batch_size=batch,
        shuffle=shuffle, learning_rate=0.05,
    )  # fmt: skip
    assert calls, "the compiled path was not taken"
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12
    assert hist.loss[-1] < hist.loss[0]
    assert (hist.epochs, hist.best_epoch, hist.stop_reason) == (
        ref_hist.epochs,
        ref_hist.best_epoch,
        ref_hist.stop_reason,
    )
    assert net.training_info == ref.training_info


@pytest.mark.parametrize(("sizes", "act", "bias", "batch", "shuffle"), CASES[:3])
def test_training_equals_the_numpy_path_float32(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]], sizes: Any, act: str,
    bias: bool, batch: Any, shuffle: bool,
) -> None:  # fmt: skip
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float32, n=600, epochs=8, batch_size=batch,
        shuffle=shuffle, learning_rate=0.05,
    )  # fmt: skip
    assert calls
    assert all(W.dtype == np.float32 for W in net.parameters())
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-4  # float32 rounding, summed in another order
    assert _rel(hist.loss, ref_hist.loss) <= 1e-4


def test_batches_run_in_parts_on_the_threads_with_mkl(calls: list[tuple[int, int]]) -> None:
    """With MKL and a threading layer that starts a region in a microsecond (OpenMP), a
    batch of 256 rows runs as one part per thread; otherwise as one part."""
    X, y = _data(20, 1, 512, np.float64)
    net = mb.Network([20, 64, 64, 1], "tanh", seed=0)
    net.fit(X, y, optimizer="sgd", epochs=2, batch_size=256, shuffle=False, progress=False)
    expected = 1
    if _blas.cblas_gemm_address(np.dtype(np.float64)) != 0:
        expected = _compiled_blas.parallel_parts()
    assert calls == [(2, expected)]


def test_one_part_and_several_give_the_same_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts' gradients are summed for the update: the same weights to rounding."""
    X, y = _data(20, 1, 1000, np.float64)
    weights = []
    for parts in (1, 2, 3):
        monkeypatch.setattr(_compiled_blas, "parallel_parts", lambda p=parts: p)
        net = mb.Network([20, 64, 64, 1], "tanh", seed=0)
        net.fit(X, y, optimizer="sgd", epochs=3, batch_size=256, progress=False, seed=1)
        weights.append(net.parameters())
    for other in weights[1:]:
        for W, W_ref in zip(other, weights[0]):
            assert _rel(W, W_ref) <= 1e-12


def test_divergence_restores_the_last_good_epoch_as_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]]
) -> None:
    (net, err), (ref, ref_err) = _fit_both(
        monkeypatch, (6, 30, 2), "identity", True, np.float64, n=600, epochs=50,
        batch_size=64, shuffle=True, learning_rate=40.0,
    )  # fmt: skip
    assert calls
    assert isinstance(err, mb.TrainingDivergedError)
    assert isinstance(ref_err, mb.TrainingDivergedError)
    # after an overflow, which sums give inf and which NaN (inf − inf) depends on their order
    assert str(err).replace("inf", "nan") == str(ref_err).replace("inf", "nan")
    assert err.history.stop_reason == "diverged"
    assert err.history.epochs == ref_err.history.epochs
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert np.all(np.isfinite(W))
        assert _rel(W, W_ref) <= 1e-12


def test_one_epoch_per_call_when_shuffled_many_in_order(calls: list[tuple[int, int]]) -> None:
    X, y = _data(20, 1, 300, np.float64)
    net = mb.Network([20, 64, 1], "tanh", seed=0)
    net.fit(X, y, optimizer="sgd", epochs=4, batch_size=64, shuffle=True, progress=False)
    assert [epochs for epochs, _ in calls] == [1, 1, 1, 1]
    calls.clear()
    net.fit(X, y, optimizer="sgd", epochs=4, batch_size=64, shuffle=False, progress=False)
    assert [epochs for epochs, _ in calls] == [4]


def test_the_buffers_stay_on_the_network_between_calls_and_train_as_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]]
) -> None:
    """``fit(epochs=1)`` in a loop reuses the compiled epochs' arrays (D's bench chunk, a
    playground's step): the second call trains from them as the NumPy path does, another
    batch size makes new ones, and neither pickling nor ``copy`` takes them along."""
    X, y = _data(20, 1, 300, np.float64)
    nets = [mb.Network([20, 64, 64, 1], "tanh", seed=0) for _ in range(2)]
    settings: dict[str, Any] = dict(optimizer="adam", epochs=1, shuffle=False, progress=False)
    made = []
    for batch in (64, 64, 100):
        nets[0].fit(X, y, batch_size=batch, **settings)
        made.append(nets[0].__dict__["_trainer_buffers"]["arrays"])
        with monkeypatch.context() as m:
            m.setenv("MATBACKPROP_FAST", "0")
            nets[1].fit(X, y, batch_size=batch, **settings)
    assert len(calls) == 3, "the compiled path was not taken"
    assert made[1] is made[0]
    assert made[2] is not made[0]
    for W, W_ref in zip(nets[0].parameters(), nets[1].parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert "_trainer_buffers" not in pickle.loads(pickle.dumps(nets[0])).__dict__
    assert "_trainer_buffers" not in nets[0].copy().__dict__


ELIGIBLE = [
    pytest.param((20, 64, 64, 1), 256, "parts", id="B"),
    pytest.param((2, 64, 64, 1), 7, "parts", id="batch-7"),
    pytest.param((784, 512, 512, 10), 128, "whole", id="C"),
    pytest.param((256, 2048, 2048, 1), 8192, "large", id="D"),
]


@pytest.mark.parametrize(("sizes", "batch", "mode"), ELIGIBLE)
def test_small_products_run_in_parts_medium_and_large_ones_whole(
    sizes: tuple[int, ...], batch: int, mode: str
) -> None:
    """Medium products (C's) run whole on the BLAS that measured fastest, large ones (D's)
    whole on SciPy's BLAS (paths.plan)."""
    assert batch_mode(sizes, batch) == mode


def test_the_tiny_networks_keep_their_own_loops() -> None:
    X, y = _data(2, 1, 100, np.float64)
    net = mb.Network([2, 2, 2, 1], "sigmoid", bias=False, seed=0)
    loss = mb.MSE()

    def trainer(batch: int) -> Any:
        config = _speed.Config.of(net, X, loss, mb.SGD(), batch=batch, shuffle=True)
        return _speed.epoch_trainer(
            _speed.plan(config, _speed.detect()), net, X, y, loss, 0.5, batch
        )

    assert isinstance(trainer(100), _compiled.Trainer)
    assert isinstance(trainer(10), _compiled_blas.Trainer)  # the tiny loops take rows in order


def _fit_in_child(queue: Any) -> None:
    X, y = _data(20, 1, 512, np.float64)
    net = mb.Network([20, 64, 64, 1], "tanh", seed=0)
    net.fit(X, y, optimizer="sgd", epochs=2, batch_size=256, shuffle=False, progress=False)
    queue.put([W.tolist() for W in net.parameters()])


def _fit_here_then_in_a_forked_child() -> tuple[list[Any], list[Any]]:
    """The weights of ``_fit_in_child``'s fit, here and then in a child forked after it."""
    X, y = _data(20, 1, 512, np.float64)
    net = mb.Network([20, 64, 64, 1], "tanh", seed=0)
    net.fit(X, y, optimizer="sgd", epochs=2, batch_size=256, shuffle=False, progress=False)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_fit_in_child, args=(queue,))
    child.start()
    weights = queue.get(timeout=120)
    child.join(timeout=60)
    assert child.exitcode == 0
    return net.parameters(), weights


def test_a_child_forked_after_a_parallel_run_still_trains() -> None:
    """Numba stops a forked child that starts GNU OpenMP threads its parent had started;
    the child takes the serial kernel instead, and gets the same weights to rounding."""
    here, child = _fit_here_then_in_a_forked_child()
    for W, W_child in zip(here, child):
        assert _rel(W_child, W) <= 1e-12


def _random_case(seed: int, min_L: int = 1) -> dict[str, Any]:
    """A random architecture (``min_L`` to 4 weight layers), head and batching for the
    compiled epochs."""
    rng = np.random.default_rng(seed)
    L = int(rng.integers(min_L, 5))
    softmax = bool(rng.integers(0, 2))
    n_out = int(rng.integers(2, 6)) if softmax else int(rng.integers(1, 4))
    sizes = (int(rng.integers(1, 40)), *map(int, rng.integers(1, 70, L - 1)), n_out)
    return {
        "sizes": sizes,
        "act": str(rng.choice(["identity", "sigmoid", "tanh", "relu"])),
        "bias": bool(rng.integers(0, 2)),
        "output": "softmax" if softmax else "identity",
        "batch_size": int(rng.choice([1, 7, 64, 100, 300])),
        "shuffle": bool(rng.integers(0, 2)),
    }


@pytest.mark.parametrize("seed", range(16))
def test_random_architectures_equal_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]], seed: int
) -> None:
    """Depths 1-4, widths 1-69, every hidden activation, both heads, batches of 1 row to
    the whole set: the compiled epochs give the NumPy path's weights to 1e-12 (float64)."""
    case = _random_case(seed)
    sizes, act, bias = case.pop("sizes"), case.pop("act"), case.pop("bias")
    tiny_loops = is_tiny(sizes) and case["output"] == "identity" and not case["shuffle"]
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float64, n=300, epochs=3, learning_rate=0.05, **case
    )  # fmt: skip
    assert calls or tiny_loops, f"the compiled path was not taken for {sizes}"
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12
