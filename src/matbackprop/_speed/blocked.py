"""Large networks' epochs in blocks of rows: each block runs through the whole network while
it is in its core's cache, against weights that MKL packed as the step began.

On the wide workload of ``benchmarks/`` (256-2048-2048-1, 8,192 rows), the fused NumPy step
(:func:`matbackprop._speed.fast.sgd_step`) spends its time in large products and in element-wise
passes between them, each over an (n, 2048) array that is far larger than the caches:
``+ b_k`` and ``f``, the output neuron, the loss, ``f'``, the column sums. Here, with the
``mkl`` extra, for batches of ``limits.BLOCKED_FROM_ROWS`` rows or more whose products
are beyond the compiled epochs' parts, each thread takes a share of the batch's rows and
goes through it in blocks of about 2 MiB of activations (``limits.BLOCK_BYTES``). A
block's product comes
from MKL on that thread alone (``cblas_?gemm_compute``) against a copy of ``W_k`` (or
``W_kᵀ``) that MKL packed into its own layout as the step began, the threads sharing the
packing (``cblas_?gemm_pack``), and the block's element-wise work follows while the
product is still in cache:

* forward, every layer of the block: ``H_k = O_{k-1}·W_k``, ``O_k = f_k(H_k + b_k)``; then
  the output layer, the loss, ``d_L``, the block's share of ``∂L/∂W_L = O_{L-1}ᵀ·d_L``, and
  ``d_{L-1} = d_L·W_Lᵀ * f'(O_{L-1})``: the last hidden layer's ``O_{L-1}`` is never stored;
* backward, for k = L-1, ..., 2: first ``W_k ← W_k − η·O_{k-1}ᵀ·d_k``, one ``gemm`` with β = 1
  on all of MKL's threads (a sum over every row: no blocks); then, in blocks against the
  packed old ``W_kᵀ``, ``d_{k-1} = d_k·W_kᵀ * f'(O_{k-1})`` written over ``O_{k-1}``; last,
  ``W_1 ← W_1 − η·Xᵀ·d_1``.

Each thread sums its blocks' ``∂L/∂W_L`` and ``∂L/∂b_k``; the threads' sums are added for
the update. The numbers equal the NumPy path's to rounding, not bitwise (those sums, and
the loss, are summed in another order): ``tests/test_blocked.py`` bounds the trained
weights' difference at 1e-12 (float64, relative).

Supported as :mod:`matbackprop._speed.compiled_blas`: plain SGD; MSE with an identity output or
cross-entropy with a softmax output; hidden activations in ``ACTIVATION_CODES``; at least
one hidden layer; rows in order or shuffled.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from . import blas as _blas
from . import cblas as _cblas
from . import limits
from . import paths as _plan
from .blas import NO_TRANS, TRANS
from .compiled import DIVERGED_LOSS, DIVERGED_WEIGHTS, OK, EpochTrainer
from .compiled_blas import (
    _MSE,
    _SOFTMAX_CE,
    _activate,
    _add_column_sums,
    _batch_loss,
    _copy,
    _descend,
    _descend_bias,
    _matmul,
    _matmul_T,
    _times_df_over,
    _times_df_sums,
    _update,
    batch_rows,
    loss_at,
    parallel_parts,
)
from .fused import _mse_head, _softmax_cross_entropy, compiled_twice, parallel_ok
from .updates import SGD

Array = NDArray[np.floating]


__all__ = ["OK", "Trainer", "eligible"]


def eligible(layer_sizes: tuple[int, ...], batch: int) -> bool:
    """Whether a step is large enough for blocks to pay (:func:`paths.blocked_fits`) and
    MKL's packed products are there."""
    pack, _ = _blas.mkl_packed_addresses(np.dtype(np.float64))
    return _plan.blocked_fits(layer_sizes, batch, mkl_packed=pack != 0)


def block_rows(layer_sizes: tuple[int, ...], dtype: np.dtype[Any]) -> int:
    """Rows per block: about ``limits.BLOCK_BYTES`` of the widest hidden layer, 16 to 1024."""
    width = max(layer_sizes[1:-1])
    rows = limits.BLOCK_BYTES // (width * np.dtype(dtype).itemsize)
    return int(min(1024, max(16, rows - rows % 8)))


class Buffers:
    """The arrays of the blocked epochs for batches of up to ``m`` rows on ``T`` threads.

    Shapes: ``O[k-1]``: (m, n_k) for hidden layers k = 1..L-1, holding ``O_k`` and then
    ``d_k`` (the last, ``O_{L-1}``, only ever holds ``d_{L-1}``); per thread ``t``:
    ``S[t]``: (R, n_{L-1}), a block's ``O_{L-1}``; ``G[t]``: room for (R, n_{k-1}), ``d·W_kᵀ``;
    ``Y[t]``, ``DL[t]``: (R, n_L), ``y_hat`` and ``d_L``; ``gW[t]``: (n_{L-1}, n_L), the thread's
    ``∂L/∂W_L``; ``db[k-1][t]``: (n_k,). ``P[k-1]``: MKL's packed ``W_k``; ``PT[k-1]``: its
    packed ``W_kᵀ`` (for k ≥ 2: ``PT[0]`` is empty).
    """

    def __init__(self, layer_sizes: tuple[int, ...], dtype: Any, m: int, T: int) -> None:
        dt = np.dtype(dtype)
        self.key = (layer_sizes, dt, m, T)
        # rows per block: a thread's share of a small batch at most
        R = self.R = min(block_rows(layer_sizes, dt), -(-m // T))
        sizes, L = layer_sizes, len(layer_sizes) - 1
        width = max(sizes[1:])
        self.O = tuple(np.empty((m, s), dt) for s in sizes[1:L])
        self.S = np.empty((T, R, sizes[L - 1]), dt)
        self.G = np.empty((T, R * width), dt)
        self.Y = np.empty((T, R, sizes[L]), dt)
        self.DL = np.empty((T, R, sizes[L]), dt)
        self.gW = np.empty((T, sizes[L - 1], sizes[L]), dt)
        self.db = tuple(np.empty((T, s), dt) for s in sizes[1:])
        self.shares = np.empty(T, np.float64)
        hidden = list(itertools.pairwise(sizes[:L]))  # W_1 .. W_{L-1}: (a, b)
        self.P = tuple(_packed_buffer(dt, R, a, b) for a, b in hidden)
        self.PT = tuple(_packed_buffer(dt, R, b, a) if k else _packed_buffer(dt, R, 0, 0)
                        for k, (a, b) in enumerate(hidden))  # fmt: skip
        pairs = list(itertools.pairwise(sizes))
        self.good_W = tuple(np.empty(shape, dt) for shape in pairs)  # the last good weights
        self.good_b = tuple(np.empty(s, dt) for s in sizes[1:])
        self.Xb = np.empty((0, sizes[0]), dt)  # a shuffled batch's rows, made on first use
        self.yb = np.empty((0, sizes[L]), dt)

    def gather_room(self, m: int) -> None:
        if self.Xb.shape[0] < m:
            self.Xb = np.empty((m, self.Xb.shape[1]), self.Xb.dtype)
            self.yb = np.empty((m, self.yb.shape[1]), self.yb.dtype)


def _packed_buffer(dt: np.dtype[Any], R: int, a: int, b: int) -> NDArray[np.uint8]:
    """Room for MKL's packed (a, b) right-hand factor of blocks of ``R`` rows, 64-byte
    aligned (as MKL's own allocations); MKL's packed data must never move."""
    size = _blas.mkl_packed_size(dt, R, a, b) if a * b else 0
    raw = np.empty(size + 64, np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start : start + size]


class Trainer(EpochTrainer):
    """The blocked epochs for one ``fit`` call; the arrays come from ``buffers`` when they
    fit (a network keeps them from one ``fit`` to the next: on D in float64, setting up a
    fit took 8 ms with new arrays and a copy of the weights, 0.05 ms with kept ones)."""

    saves_at_epoch_start = True  # one copy of the weights per epoch, none per fit call

    def __init__(
        self,
        params: list[Array],
        X: Array,
        y: Array,
        *,
        head: str = "mse",
        buffers: Buffers | None = None,
        **settings: Any,
    ) -> None:
        dt, sizes = X.dtype, tuple(settings["layer_sizes"])
        m, T = min(settings["batch"], X.shape[0]), parallel_parts()
        if buffers is None or buffers.key != (sizes, np.dtype(dt), m, T):
            buffers = Buffers(sizes, dt, m, T)
        self.buffers = buffers
        super().__init__(params, X, **settings)
        self.X, self.y = np.ascontiguousarray(X), np.ascontiguousarray(y)
        self.head = {"mse": _MSE, "softmax_ce": _SOFTMAX_CE}[head]
        weights = sum(a * b for a, b in itertools.pairwise(sizes))
        self.per_call = max(1, limits.BLAS_WORK_PER_CALL // max(1, X.shape[0] * weights))
        self.T = T
        # what the kernel calls, by address: MKL's ?gemm, ?gemm_pack, ?gemm_compute and
        # MKL_Set_Num_Threads_Local (at _GEMM, _PACK, _COMPUTE, _SET_THREADS)
        pack, compute = _blas.mkl_packed_addresses(dt)
        self.addresses = np.array([
            _blas.cblas_gemm_address(dt), pack, compute, _blas.mkl_set_threads_local_address()
        ], np.int64)  # fmt: skip

    def room_for_good_weights(self) -> tuple[tuple[Array, ...], tuple[Array, ...]]:
        return self.buffers.good_W, self.buffers.good_b

    def run(
        self, epochs: int, order: NDArray[np.intp] | None = None
    ) -> tuple[list[float], int, float]:
        """Train ``epochs`` epochs in place, over the rows in ``order`` (one epoch) or in
        order (:meth:`EpochTrainer.outcome`). On divergence the weights are those of the
        last complete epoch."""
        if order is not None and epochs != 1:
            raise ValueError(f"epochs: one epoch per row order, got {epochs}")
        bufs = self.buffers
        if order is not None:
            bufs.gather_room(min(self.batch, self.X.shape[0]))
        losses = np.empty(epochs, np.float64)
        kernel = _run_epochs_par if self.T > 1 and parallel_ok() else _run_epochs_ser
        done, status = kernel(
            self.addresses, self.T, bufs.R, self.X, self.y,
            np.empty(0, np.intp) if order is None else order, self.W, self.b, self.acts,
            self.bias, self.head, self.scale, self.rule.c, self.batch, epochs, bufs.Xb, bufs.yb,
            bufs.O, bufs.S, bufs.G, bufs.Y, bufs.DL, bufs.gW, bufs.db, bufs.shares, bufs.P,
            bufs.PT, self.good_W, self.good_b, losses,
        )  # fmt: skip
        return self.outcome(losses, done, status)

    def loss_at(self, X: Array, y: Array) -> float:
        """The loss at ``(X, y)`` (validation rows), by MKL (:func:`.compiled_blas.loss_at`)."""
        return loss_at(self, int(self.addresses[_GEMM]), X, y)


_jit = numba.njit(
    cache=True, nogil=True, boundscheck=False, error_model="numpy", fastmath={"contract"}
)
_GEMM, _PACK, _COMPUTE, _SET_THREADS = 0, 1, 2, 3  # the kernel's addresses, in this order


@_jit
def _pack(pack: int, W: Any, P: Any, transpose: bool, R: int) -> None:
    """``P ← W`` (or ``Wᵀ``) in MKL's packed layout of a right-hand factor, for blocks of
    ``R`` rows. W: (a, b)."""
    a, b = W.shape
    one = W.dtype.type(1)
    if transpose:
        _cblas.pack(pack, TRANS, R, b, a, W.ctypes.data, b, P.ctypes.data, one)
    else:
        _cblas.pack(pack, NO_TRANS, R, a, b, W.ctypes.data, b, P.ctypes.data, one)


@_jit
def _packed_product(compute: int, A: Any, P: Any, C: Any) -> None:
    """``C = A·B``, ``B`` packed in ``P``. Shapes: (r, k)·(k, n) = (r, n), A and C C-ordered."""
    (r, k), n = A.shape, C.shape[1]
    _cblas.packed_gemm(compute, r, n, k, A.ctypes.data, k, P.ctypes.data, C.dtype.type(0),
                       C.ctypes.data, n)  # fmt: skip


@_jit
def _forward_part(
    addr: Any, X: Any, y: Any, lo: int, hi: int, Ws: Any, bs: Any, acts: Any, bias: bool,
    head: int, scale: float, m: int, O: Any, S: Any, G: Any, Y: Any, DL: Any, gW: Any,
    db: Any, P: Any, t: int, R: int,
) -> float:  # fmt: skip
    """Thread ``t``'s rows ``lo:hi`` of a batch of ``m``, in blocks of ``R``: the forward pass,
    the loss, ``d_L`` and ``d_{L-1}`` (into ``O[L-2]``), and the thread's sums of ``∂L/∂W_L``,
    ``∂L/∂b_L`` and ``∂L/∂b_{L-1}``. Returns the rows' share of the batch's loss."""
    before = _cblas.set_threads(addr[_SET_THREADS], 1)  # MKL on this thread alone
    L, gemm = len(Ws), addr[_GEMM]
    n_prev = Ws[L - 1].shape[0]
    gW[t][:, :] = 0
    db[L - 1][t][:] = 0
    db[L - 2][t][:] = 0
    value = 0.0
    for s in range(lo, hi, R):
        e = min(hi, s + R)
        r = e - s
        O_prev = X[s:e]
        # Forward: H_k = O_{k-1}·W_k, O_k = f_k(H_k + b_k), kept for k < L-1
        for k in range(L - 1):
            C = O[k][s:e] if k < L - 2 else S[t, :r]
            _packed_product(addr[_COMPUTE], O_prev, P[k], C)  # (r, n_{k-1})·(n_{k-1}, n_k)
            _activate(C, bs[k], bias, acts[k])
            O_prev = C
        # The output layer and the loss: y_hat, d_L = ∂L/∂H_L: (r, n_L)
        y_hat, d_L = Y[t, :r], DL[t, :r]
        _matmul(gemm, O_prev, Ws[L - 1], y_hat)
        if head == _MSE:
            _activate(y_hat, bs[L - 1], bias, 0)  # + b_L
            value += _mse_head(y_hat, y[s:e], d_L, scale, m)
        else:
            value += _softmax_cross_entropy(y_hat, bs[L - 1], bias, y[s:e], y_hat, d_L, m)
        # ∂L/∂W_L += O_{L-1}ᵀ·d_L (β = 1: gW − (−1)·O_{L-1}ᵀ·d_L), ∂L/∂b_L += 1ᵀ·d_L
        _update(gemm, gW[t], O_prev, d_L, y_hat.dtype.type(-1))
        _add_column_sums(d_L, db[L - 1][t])
        # d_{L-1} = d_L·W_Lᵀ * f'(O_{L-1}), over the stored rows of layer L-1
        g = G[t, : r * n_prev].reshape((r, n_prev))
        if d_L.shape[1] == 1:  # an outer product: no sum, no BLAS call (as the NumPy path)
            for i in range(r):
                for p in range(n_prev):
                    g[i, p] = d_L[i, 0] * Ws[L - 1][p, 0]
        else:
            _matmul_T(gemm, d_L, Ws[L - 1], g)
        _times_df_sums(g, O_prev, acts[L - 2], O[L - 2][s:e], db[L - 2][t])
    _cblas.set_threads(addr[_SET_THREADS], before)
    return value


@_jit
def _backward_part(
    addr: Any, d: Any, P: Any, O_prev: Any, f: int, G: Any, db: Any, lo: int, hi: int,
    t: int, R: int,
) -> None:  # fmt: skip
    """Thread ``t``'s rows ``lo:hi``, in blocks of ``R``: ``d_{k-1} = d_k·W_kᵀ * f'(O_{k-1})``
    written over ``O_{k-1}``, ``W_kᵀ`` packed in ``P``, and the thread's sum of
    ``∂L/∂b_{k-1}``. Shapes: d (m, n_k), O_prev (m, n_{k-1})."""
    before = _cblas.set_threads(addr[_SET_THREADS], 1)
    n_prev = O_prev.shape[1]
    db[t][:] = 0
    for s in range(lo, hi, R):
        e = min(hi, s + R)
        g = G[t, : (e - s) * n_prev].reshape((e - s, n_prev))
        _packed_product(addr[_COMPUTE], d[s:e], P, g)  # (r, n_k)·(n_k, n_{k-1})
        _times_df_over(g, O_prev[s:e], f, db[t])  # d_{k-1} over O_{k-1}
    _cblas.set_threads(addr[_SET_THREADS], before)


@_jit
def _pack_one_thread(addr: Any, W: Any, P: Any, transpose: bool, R: int) -> None:
    """Pack on one thread, as the products that read it run (MKL asks for the same count)."""
    before = _cblas.set_threads(addr[_SET_THREADS], 1)
    _pack(addr[_PACK], W, P, transpose, R)
    _cblas.set_threads(addr[_SET_THREADS], before)


@_jit
def _pack_job(addr: Any, Ws: Any, P: Any, PT: Any, R: int, j: int) -> None:
    """Job ``j`` of a step's packs, the last layers' first (they are the widest in the
    usual funnel): ``W_{L-1}``, ``W_{L-1}ᵀ``, ``W_{L-2}``, ..., ``W_2ᵀ``, ``W_1`` (2L − 3 jobs)."""
    k = len(Ws) - 2 - j // 2
    if j % 2 == 0:
        _pack_one_thread(addr, Ws[k], P[k], False, R)
    else:
        _pack_one_thread(addr, Ws[k], PT[k], True, R)


def _run_epochs(
    addr: Any, threads: int, R: int, X: Any, y: Any, order: Any, Ws: Any, bs: Any, acts: Any,
    bias: bool, head: int, scale: float, c: Any, batch: int, n_epochs: int, Xb: Any,
    yb: Any, O: Any, S: Any, G: Any, Y: Any, DL: Any, gW: Any, db: Any, shares: Any, P: Any,
    PT: Any, good_W: Any, good_b: Any, losses: Any,
) -> tuple[int, int]:  # fmt: skip
    """Mini-batch (or full-batch) gradient descent over ``n_epochs`` epochs, each batch's
    rows split between up to ``threads`` threads and run in blocks of ``R`` rows.
    ``order``: the rows' order for one epoch, or empty for the rows as they are. Plain SGD
    only (``paths.COVERAGE``): ``c`` is its :class:`.updates.Rule` coefficients, η first."""
    L = len(Ws)
    eta = c[0]
    n = X.shape[0]
    for epoch in range(n_epochs):
        for k in range(L):  # the last good weights, restored on divergence
            W, W_good = Ws[k], good_W[k]
            for i in numba.prange(W.shape[0]):
                W_good[i, :] = W[i]
            good_b[k][:] = bs[k]
        total = 0.0
        for s in range(0, n, batch):
            m = min(batch, n - s)
            X_m, y_m = batch_rows(X, y, order, s, m, Xb, yb)
            parts = max(1, min(threads, m // R))
            rows = -(-m // parts)
            # the hidden layers' W_k for the forward products, and W_kᵀ (k ≥ 2) for the
            # backward ones, read before the update: the jobs shared among the threads
            # (on D, 14 ms a step in float64 on one thread)
            jobs = 2 * L - 3
            for t in numba.prange(parts):
                for j in range(t, jobs, parts):
                    _pack_job(addr, Ws, P, PT, R, j)
            for t in numba.prange(parts):
                lo, hi = t * rows, min(m, (t + 1) * rows)
                shares[t] = _forward_part(
                    addr, X_m, y_m, lo, hi, Ws, bs, acts, bias, head, scale, m, O, S, G, Y,
                    DL, gW, db, P, t, R,
                )  # fmt: skip
            value = _batch_loss(shares, parts, epoch, losses, good_W, Ws, good_b, bs)
            if not math.isfinite(value):
                return epoch, DIVERGED_LOSS
            total += value * m
            # W_L, b_L and b_{L-1}: the threads' sums
            _descend(
                Ws[L - 1], gW, bs[L - 1], db[L - 1], bias, parts, SGD, SGD, c, 0.0, eta, Ws[L - 1],
                Ws[L - 1], bs[L - 1], bs[L - 1],
            )  # fmt: skip
            if bias:
                _descend_bias(bs[L - 2], db[L - 2], parts, SGD, c, 0.0, eta, bs[L - 2], bs[L - 2])
            for k in range(L - 2, -1, -1):  # W_{k+1}, d_{k+1} in O[k]
                d = O[k][:m]
                if k > 0:  # d_k against the old W_{k+1}ᵀ, packed as the step began
                    _update(addr[_GEMM], Ws[k], O[k - 1][:m], d, eta)  # all MKL threads
                    for t in numba.prange(parts):
                        lo, hi = t * rows, min(m, (t + 1) * rows)
                        _backward_part(
                            addr, d, PT[k], O[k - 1], acts[k - 1], G, db[k - 1], lo, hi, t, R
                        )
                    if bias:
                        _descend_bias(
                            bs[k - 1], db[k - 1], parts, SGD, c, 0.0, eta, bs[k - 1], bs[k - 1]
                        )
                else:
                    _update(addr[_GEMM], Ws[0], X_m, d, eta)  # W_1 ← W_1 − η·Xᵀ·d_1
        losses[epoch] = total / n
        bad = 0
        for k in range(L):
            W = Ws[k]
            for i in numba.prange(W.shape[0]):
                bad += _count_nonfinite(W[i])
            bad += _count_nonfinite(bs[k])
        if bad:
            _copy(good_W, Ws, good_b, bs)
            return epoch, DIVERGED_WEIGHTS
    return n_epochs, OK


@_jit
def _count_nonfinite(v: Any) -> int:
    """How many entries of ``v`` are NaN or ±inf: ``x − x`` is 0 only for a finite x (an
    integer sum, which the compiler vectorizes where it may not reorder a float one)."""
    bad = 0
    for j in range(v.shape[0]):
        bad += (v[j] - v[j]) != 0
    return bad


_run_epochs_par, _run_epochs_ser = compiled_twice(
    _run_epochs, error_model="numpy", fastmath={"contract"}
)
