"""Large networks' blocked epochs (matbackprop._speed.blocked) train as the NumPy path.

With MKL, ``fit`` runs a network whose largest product is beyond the compiled epochs' reach
(the benchmark's 256-2048-2048-1 on 8,192 rows) in blocks of rows that go through the whole
network on one thread each, against packed weights. Here small networks take that path by
lowering its thresholds, with blocks of 16 rows, so that every batch has several blocks per
thread and a short last one. We ask for the NumPy path's weights and losses to 1e-12
(relative, float64) over depths, activations, both heads, batches and row orders; the same
weights on one thread or several; divergence as the NumPy path; and a forked child.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop import _speed
from matbackprop._speed import blas as _blas
from matbackprop._speed import compiled as _compiled
from matbackprop._speed import limits

pytest.importorskip("numba", reason="the blocked path needs the 'fast' extra (numba)")
from matbackprop._speed import blocked as _blocked  # (import numba)
from matbackprop._speed import compiled_blas as _compiled_blas
from test_compiled import _data, _fit_both, _rel  # as the other compiled paths' tests do
from test_compiled_blas import _fit_here_then_in_a_forked_child, _random_case

HAS_PACKED = _blas.mkl_packed_addresses(np.dtype(np.float64)) != (0, 0)
needs_mkl = pytest.mark.skipif(not HAS_PACKED, reason="the blocked path needs the 'mkl' extra")


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """Small networks take the blocked path, in blocks of 16 rows; records ``(epochs,
    threads, block rows)`` of each call."""
    monkeypatch.setattr(limits, "PARTS_UP_TO", -1)
    monkeypatch.setattr(limits, "BLOCKED_FROM_ROWS", 1)
    monkeypatch.setattr(limits, "BLOCK_BYTES", 1)
    asked: list[tuple[int, int, int]] = []
    run = _blocked.Trainer.run

    def spy(self: _blocked.Trainer, epochs: int, order: Any = None) -> Any:
        assert self.buffers is not None
        asked.append((epochs, self.T, self.buffers.R))
        return run(self, epochs, order)

    monkeypatch.setattr(_blocked.Trainer, "run", spy)
    return asked


CASES = [
    # (layer sizes, hidden activation, bias, batch_size, shuffle, output): L from 2 to 4,
    # every activation, both heads, full batch and mini-batches with a short last one
    pytest.param((20, 64, 64, 1), "relu", True, None, False, "identity", id="D-like-full"),
    pytest.param((20, 64, 64, 1), "tanh", True, 77, True, "identity", id="tanh-shuffled"),
    pytest.param((5, 30, 30, 3), "sigmoid", False, 128, False, "identity", id="sigmoid-3-out"),
    pytest.param((8, 40, 2), "identity", True, 100, True, "identity", id="L2-identity"),
    pytest.param((3, 16, 24, 16, 2), "tanh", True, 150, True, "identity", id="L4-tanh"),
    pytest.param((16, 48, 48, 10), "relu", True, 128, True, "softmax", id="softmax-relu"),
    pytest.param((12, 33, 4), "sigmoid", False, None, False, "softmax", id="softmax-L2-full"),
]


@needs_mkl
@pytest.mark.parametrize(("sizes", "act", "bias", "batch", "shuffle", "output"), CASES)
def test_training_equals_the_numpy_path_float64(
    monkeypatch: pytest.MonkeyPatch, blocked: list[Any], sizes: Any, act: str, bias: bool,
    batch: Any, shuffle: bool, output: str,
) -> None:  # fmt: skip
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float64, n=600, epochs=6, batch_size=batch,
        shuffle=shuffle, learning_rate=0.01, output=output,
    )  # fmt: skip
    assert blocked, "the blocked path was not taken"
    assert all(R == 16 for _, _, R in blocked)
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12
    assert hist.loss[-1] < hist.loss[0]
    assert (hist.epochs, hist.stop_reason) == (ref_hist.epochs, ref_hist.stop_reason)
    assert net.training_info == ref.training_info


@needs_mkl
@pytest.mark.parametrize(("sizes", "act", "bias", "batch", "shuffle", "output"), CASES[:2])
def test_training_equals_the_numpy_path_float32(
    monkeypatch: pytest.MonkeyPatch, blocked: list[Any], sizes: Any, act: str, bias: bool,
    batch: Any, shuffle: bool, output: str,
) -> None:  # fmt: skip
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float32, n=600, epochs=6, batch_size=batch,
        shuffle=shuffle, learning_rate=0.01, output=output,
    )  # fmt: skip
    assert blocked
    assert all(W.dtype == np.float32 for W in net.parameters())
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-4  # float32 rounding, summed in another order
    assert _rel(hist.loss, ref_hist.loss) <= 1e-4


@needs_mkl
def test_one_thread_and_several_give_the_same_weights(
    monkeypatch: pytest.MonkeyPatch, blocked: list[Any]
) -> None:
    """The threads' sums of ∂L/∂W_L and ∂L/∂b_k are added for the update."""
    X, y = _data(20, 1, 1000, np.float64)
    weights = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(_blocked, "parallel_parts", lambda t=threads: t)
        net = mb.Network([20, 64, 64, 1], "tanh", seed=0)
        net.fit(X, y, optimizer="sgd", epochs=3, batch_size=256, progress=False, seed=1)
        weights.append(net.parameters())
    assert [T for _, T, _ in blocked] == [1] * 3 + [2] * 3 + [3] * 3  # shuffled: one epoch a call
    for other in weights[1:]:
        for W, W_ref in zip(other, weights[0]):
            assert _rel(W, W_ref) <= 1e-12


@needs_mkl
def test_divergence_restores_the_last_good_epoch_as_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, blocked: list[Any]
) -> None:
    (net, err), (ref, ref_err) = _fit_both(
        monkeypatch, (6, 30, 30, 2), "identity", True, np.float64, n=600, epochs=50,
        batch_size=64, shuffle=True, learning_rate=40.0,
    )  # fmt: skip
    assert blocked
    assert isinstance(err, mb.TrainingDivergedError)
    assert isinstance(ref_err, mb.TrainingDivergedError)
    # after an overflow, which sums give inf and which NaN (inf − inf) depends on their order
    assert str(err).replace("inf", "nan") == str(ref_err).replace("inf", "nan")
    assert err.history.epochs == ref_err.history.epochs
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert np.all(np.isfinite(W))
        assert _rel(W, W_ref) <= 1e-12


@needs_mkl
def test_the_network_keeps_its_buffers_between_fits_but_not_in_a_pickle(
    blocked: list[Any],
) -> None:
    X, y = _data(20, 1, 300, np.float64)
    net = mb.Network([20, 64, 64, 1], "relu", seed=0)
    net.fit(X, y, optimizer="sgd", epochs=1, progress=False)
    first = net.__dict__["_blocked_buffers"]
    net.fit(X, y, optimizer="sgd", epochs=1, progress=False)
    assert net.__dict__["_blocked_buffers"] is first
    net.fit(X, y, optimizer="sgd", epochs=1, batch_size=100, progress=False)
    assert net.__dict__["_blocked_buffers"] is not first  # another batch size: new arrays
    copy = pickle.loads(pickle.dumps(net))
    assert "_blocked_buffers" not in copy.__dict__
    assert copy == net


ELIGIBLE = [
    pytest.param((256, 2048, 2048, 1), 8192, True, id="D"),
    pytest.param((20, 64, 64, 1), 10_000, True, id="narrow-full-batch"),
    pytest.param((784, 512, 512, 10), 128, False, id="C-compiled-epochs"),
    pytest.param((512, 4096, 4096, 1), 1024, False, id="fused-step-below-2048-rows"),
    pytest.param((20, 64, 64, 1), 256, False, id="B-in-parts"),
    pytest.param((20, 32, 1), 4096, False, id="small-products-in-parts"),
    pytest.param((4096, 4096), 8192, False, id="no-hidden-layer"),
]


@pytest.mark.parametrize(("sizes", "batch", "expected"), ELIGIBLE)
def test_large_networks_with_a_hidden_layer_are_eligible_with_mkl(
    monkeypatch: pytest.MonkeyPatch, sizes: tuple[int, ...], batch: int, expected: bool
) -> None:
    assert _blocked.eligible(sizes, batch) is (expected and HAS_PACKED)
    monkeypatch.setenv("MATBACKPROP_BLAS", "scipy")  # no MKL: the fused NumPy step
    assert _blocked.eligible(sizes, batch) is False


@needs_mkl
def test_fit_hands_the_wide_workload_to_the_blocked_trainer() -> None:
    X, y = _data(256, 1, 8192, np.float32)
    net = mb.Network([256, 2048, 2048, 1], "relu", seed=0, dtype=np.float32)
    trainer = _speed.compiled_trainer(net, X, y, mb.MSE(), 1e-4, 8192, False)
    assert isinstance(trainer, _blocked.Trainer)
    assert trainer.buffers is not None
    assert trainer.buffers.R == 256  # 2 MiB of 2048 float32 neurons


@needs_mkl
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("transpose", [False, True])
def test_packed_products_equal_numpys(dtype: Any, transpose: bool) -> None:
    """MKL's packed W (or Wᵀ), used for blocks of any row count, gives A·W (or A·Wᵀ)."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((37, 53)).astype(dtype)
    B = W.T if transpose else W
    buf = _blocked._packed_buffer(np.dtype(dtype), 16, *B.shape)  # B: (k, n)
    assert buf.ctypes.data % 64 == 0
    addr = np.array([
        _blas.cblas_gemm_address(np.dtype(dtype)), *_blas.mkl_packed_addresses(np.dtype(dtype)),
        _blas.mkl_set_threads_local_address(),
    ], np.int64)  # fmt: skip
    _blocked._pack_one_thread(addr, W, buf, transpose, 16)
    for rows in (1, 16, 23):
        A = rng.standard_normal((rows, B.shape[0])).astype(dtype)
        C = np.full((rows, B.shape[1]), np.nan, dtype)
        _blocked._packed_product(addr[2], A, buf, C)
        tol = 1e-12 if dtype == np.float64 else 1e-5
        assert _rel(C, A.astype(np.float64) @ B.astype(np.float64)) <= tol


@needs_mkl
def test_a_child_forked_after_a_parallel_run_still_trains(blocked: list[Any]) -> None:
    """The child takes the serial kernel and one-threaded MKL (see test_compiled_blas),
    with the same weights."""
    here, child = _fit_here_then_in_a_forked_child()
    assert len(blocked) == 1  # the parent's (the child's spy list is its own copy)
    for W, W_child in zip(here, child):
        assert _rel(W_child, W) <= 1e-12


@needs_mkl
@pytest.mark.parametrize("seed", range(10))
def test_random_architectures_equal_the_numpy_path(
    monkeypatch: pytest.MonkeyPatch, blocked: list[Any], seed: int
) -> None:
    """Depths 2-4, widths 1-69, every hidden activation, both heads, batches of 1 row to
    the whole set: the blocked epochs give the NumPy path's weights to 1e-12 (float64)."""
    case = _random_case(seed, min_L=2)
    sizes, act, bias = case.pop("sizes"), case.pop("act"), case.pop("bias")
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, sizes, act, bias, np.float64, n=300, epochs=3, learning_rate=0.05, **case
    )  # fmt: skip
    tiny_loops = _compiled.is_tiny(sizes) and case["output"] == "identity" and not case["shuffle"]
    assert blocked or tiny_loops, f"the blocked path was not taken for {sizes}"
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
    assert _rel(hist.loss, ref_hist.loss) <= 1e-12


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_non_finite_entries_are_counted_wherever_they_are(dtype: Any) -> None:
    """The end-of-epoch check: NaN, +inf and −inf at every position of vectors of 1 to 40
    entries (the vectorized loop's body and its tail); huge and tiny finite values pass."""
    finite = np.array([0.0, -0.0, 1e-300, np.finfo(dtype).max, -np.finfo(dtype).max])
    for n in range(1, 41):
        v = np.resize(finite, n).astype(dtype)
        assert _blocked._count_nonfinite(v) == 0
        for bad in (np.nan, np.inf, -np.inf):
            for i in range(n):
                w = v.copy()
                w[i] = bad
                assert _blocked._count_nonfinite(w) == 1
        assert _blocked._count_nonfinite(np.full(n, np.nan, dtype)) == n


@pytest.mark.parametrize("f", sorted(set(_compiled.ACTIVATION_CODES.values())))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_d_written_over_O_equals_d_written_apart(f: int, dtype: Any) -> None:
    """``_times_df_over`` (the backward blocks' ``d_{k-1}`` over ``O_{k-1}``) gives what
    ``_times_df_sums`` gives into another array, bit for bit, with the same column sums,
    for row widths across the vectorized body and its tail."""
    rng = np.random.default_rng(f)
    for n in (1, 7, 16, 37, 2048):
        g = rng.standard_normal((5, n)).astype(dtype)
        O = rng.uniform(-1, 1, (5, n)).astype(dtype)
        apart, col_apart = np.empty_like(O), np.full(n, 0.5, dtype)
        _compiled_blas._times_df_sums(g, O, f, apart, col_apart)
        over, col_over = O.copy(), np.full(n, 0.5, dtype)
        _compiled_blas._times_df_over(g, over, f, col_over)
        np.testing.assert_array_equal(over, apart)
        np.testing.assert_array_equal(col_over, col_apart)
        assert np.any(apart != O)  # (the check could fail: the values changed)


@needs_mkl
@pytest.mark.parametrize("output", ["identity", "softmax"])
def test_validation_loss_by_mkl_equals_the_numpy_forward_pass(
    monkeypatch: pytest.MonkeyPatch, blocked: list[Any], output: str
) -> None:
    """With validation data the blocked trainer computes each epoch's validation loss with
    MKL's products (compiled_blas.loss_at, in passes of up to 256 rows: 600 rows here make
    a short last one), equal to NumPy's to 1e-12, and early stopping then agrees."""
    X_val, y_val = _data(20, 3, 600, np.float64, seed=9)
    if output == "softmax":
        y_val = np.eye(3)[np.argmax(y_val + X_val[:, -1:], axis=1)]
    (net, hist), (ref, ref_hist) = _fit_both(
        monkeypatch, (20, 64, 64, 3), "relu", True, np.float64, n=600, epochs=6,
        batch_size=128, shuffle=True, learning_rate=0.01, output=output,
        validation_data=(X_val, y_val), early_stopping=True, patience=2,
    )  # fmt: skip
    assert blocked, "the blocked path was not taken"
    assert len(hist.val_loss) == len(ref_hist.val_loss) == hist.epochs
    assert _rel(hist.val_loss, ref_hist.val_loss) <= 1e-12
    assert (hist.best_epoch, hist.stop_reason) == (ref_hist.best_epoch, ref_hist.stop_reason)
    for W, W_ref in zip(net.parameters(), ref.parameters()):
        assert _rel(W, W_ref) <= 1e-12
