"""Whole epochs of mini-batch gradient descent in one compiled call, products by BLAS.

A step of a small network, such as 20-64-64-1 on 256 rows, spends half its time in the
fused NumPy step's thirty-odd calls around its six matrix products (about 3 µs each, a
tenth of a product). With Numba installed, :func:`fit` hands such a network to
:class:`Trainer`: the seed's two passes and the update, for every batch of one or more
epochs, in one compiled function. The products ``H_k = O_{k-1}·W_k``, ``d·W_kᵀ`` and
``O_{k-1}ᵀ·d`` are BLAS calls (Numba's ``np.dot``, SciPy's BLAS on one core, which is
fastest for these sizes) with no Python around them, and each element-wise pass is one loop
over the rows that the compiler vectorizes, ``tanh`` and the sigmoid included
(:mod:`matbackprop._vecmath`).

Layout and arithmetic are those of :func:`matbackprop._fast.value_and_gradients`: row-major
``O_k`` of shape (m, n_k), ``f'`` from ``O``, no ``∂L/∂X``; ``d·W_kᵀ`` of an output of one
neuron as an outer product. The numbers equal the NumPy path's to rounding, not bitwise
(the activations are other code, and the loss and the column sums are summed in another
order): ``tests/test_compiled_blas.py`` bounds the trained weights' difference at 1e-12
(float64, relative).

Supported, as for the tiny networks of :mod:`matbackprop._compiled`: plain SGD, MSE with
an identity output, hidden activations in :data:`ACTIVATION_CODES`; here also shuffled
rows, whose order :func:`fit` draws from its generator as the NumPy path does.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from . import _blas
from ._compiled import ACTIVATION_CODES, DIVERGED_LOSS, DIVERGED_WEIGHTS, OK
from ._fused import compiled_twice, parallel_ok
from ._vecmath import sigmoid, tanh

Array = NDArray[np.floating]

# Largest product of a step (rows × n_{k-1} × n_k) up to which the compiled epochs beat the
# fused NumPy step; measured on 20-64-64-1 (1M) and 784-512-512-10 (51M) networks on 2 cores:
# above a few million multiply-adds, BLAS on both cores wins over no Python around it.
_LARGEST_PRODUCT = 1 << 22
# Rows × weights per call when the rows are in order, about 20 ms of work: Ctrl-C and the
# progress bar wait for a call to end. Shuffled rows take one epoch per call.
_WORK_PER_CALL = 50_000_000

__all__ = ["OK", "Trainer", "eligible"]


def parallel_parts() -> int:
    """Threads for the parts of a batch: Numba's, when its threading layer starts a region
    in about a microsecond (OpenMP or TBB), else 1 (its own work queue takes ~100 µs)."""
    return numba.get_num_threads() if parallel_ok() and _fast_threading() else 1


@functools.cache
def _fast_threading() -> bool:
    _probe(np.zeros(1))  # the threading layer is chosen at the first parallel region
    layer: str = numba.threading_layer()  # type: ignore[attr-defined]
    return layer in ("omp", "tbb")


@numba.njit(parallel=True, cache=True)
def _probe(a: Any) -> None:
    for i in numba.prange(a.size):
        a[i] += 1


def eligible(layer_sizes: tuple[int, ...], batch: int) -> bool:
    """Whether a step's products are small enough for the compiled epochs to win."""
    return max(batch * a * b for a, b in itertools.pairwise(layer_sizes)) <= _LARGEST_PRODUCT


class Trainer:
    """The compiled epochs' arrays for one ``fit`` call.

    Shapes: ``X``: (n, n_0); ``y``: (n, n_L); ``O[k-1]``, ``D[k-1]``: (batch, n_k), holding
    ``O_k`` and ``d_k = ∂L/∂H_k``; ``G``: room for (batch, n_k), ``d·W_kᵀ``; ``dW[k-1]`` like W_k.
    """

    def __init__(
        self,
        params: list[Array],
        X: Array,
        y: Array,
        *,
        layer_sizes: tuple[int, ...],
        activations: list[str],
        bias: bool,
        mse_scale: float,
        eta: float,
        batch: int,
    ) -> None:
        dt = X.dtype
        L = len(layer_sizes) - 1
        self.X, self.y = np.ascontiguousarray(X), np.ascontiguousarray(y)
        self.W = tuple(params[:L])
        # without biases the kernel still takes arrays (of zeros, never read)
        self.b = tuple(params[L:]) if bias else tuple(np.zeros(s, dt) for s in layer_sizes[1:])
        self.acts = np.array([ACTIVATION_CODES[a] for a in activations], np.int64)
        self.bias = bias
        self.scale = float(mse_scale)
        self.eta = dt.type(eta)  # η in the weights' dtype, as NumPy's `eta * dW` uses it
        self.batch = batch
        n = X.shape[0]
        weights = sum(a * b for a, b in itertools.pairwise(layer_sizes))
        self.per_call = max(1, _WORK_PER_CALL // max(1, n * weights))  # epochs, rows in order
        m = min(batch, n)
        self.gemm = _blas.cblas_gemm(dt)  # MKL's, when installed; else Numba's np.dot
        self.set_threads = _blas.mkl_set_threads_local() if self.gemm is not None else None
        # parts of a batch run on as many threads; SciPy's BLAS gets one part (see module)
        T = self.parts = parallel_parts() if self.gemm is not None else 1
        rows = m  # a part's rows at most: a short last batch may run as one part
        width = max(layer_sizes[1:])
        self.Xb, self.yb = np.empty((m, layer_sizes[0]), dt), np.empty((m, layer_sizes[-1]), dt)
        self.O = tuple(np.empty((T, rows, s), dt) for s in layer_sizes[1:])
        self.D = tuple(np.empty((T, rows, s), dt) for s in layer_sizes[1:])
        self.G = np.empty((T, rows * width), dt)
        self.dW = tuple(np.empty((T, *W.shape), dt) for W in self.W)
        self.db = tuple(np.empty((T, s), dt) for s in layer_sizes[1:])
        self.sq = np.empty(T, np.float64)
        self.good_W = tuple(W.copy() for W in self.W)
        self.good_b = tuple(b.copy() for b in self.b)
        self._in_order = np.empty(0, np.intp)

    def run(
        self, epochs: int, order: NDArray[np.intp] | None = None
    ) -> tuple[list[float], int, float]:
        """Train ``epochs`` epochs in place, over the rows in ``order`` (one epoch) or in
        order: ``(mean loss of each complete epoch, status, the non-finite loss when status
        is DIVERGED_LOSS)``. On divergence the weights are those of the last complete epoch.
        """
        if order is not None and epochs != 1:
            raise ValueError(f"epochs: one epoch per row order, got {epochs}")
        losses = np.empty(epochs, np.float64)
        kernel = _run_epochs_par if self.parts > 1 and parallel_ok() else _run_epochs_ser
        done, status = kernel(
            self.gemm, self.set_threads, self.parts, self.X, self.y,
            self._in_order if order is None else order, self.W, self.b, self.acts, self.bias,
            self.scale, self.eta, self.batch, epochs, self.Xb, self.yb, self.O, self.D, self.G,
            self.dW, self.db, self.sq, self.good_W, self.good_b, losses,
        )  # fmt: skip
        bad = float(losses[done]) if status == DIVERGED_LOSS else math.nan
        return losses[:done].tolist(), int(status), bad


_jit = numba.njit(
    cache=True, nogil=True, boundscheck=False, error_model="numpy", fastmath={"contract"}
)


# Rows of a part at least: below, a thread's share costs more to hand out than it saves
_PART_ROWS = 64

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS's enums


@_jit
def _matmul(gemm: Any, A: Any, B: Any, C: Any) -> None:
    """``C = A·B``; all three C-ordered. Shapes: (m, k)·(k, n) = (m, n)."""
    if gemm is None:
        np.dot(A, B, C)
    else:
        (m, k), n = A.shape, B.shape[1]
        gemm(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, m, n, k, 1.0, A.ctypes.data, k, B.ctypes.data,
             n, 0.0, C.ctypes.data, n)  # fmt: skip


@_jit
def _matmul_T(gemm: Any, A: Any, W: Any, C: Any) -> None:
    """``C = A·Wᵀ``, Wᵀ read in place. Shapes: (m, n_k)·(n_k, n_{k-1}) = (m, n_{k-1})."""
    if gemm is None:
        np.dot(A, W.T, C)
    else:
        (m, n_k), n_prev = A.shape, W.shape[0]
        gemm(_ROW_MAJOR, _NO_TRANS, _TRANS, m, n_prev, n_k, 1.0, A.ctypes.data, n_k,
             W.ctypes.data, n_k, 0.0, C.ctypes.data, n_prev)  # fmt: skip


@_jit
def _matmul_TN(gemm: Any, O: Any, d: Any, C: Any) -> None:
    """``C = Oᵀ·d``, Oᵀ read in place. Shapes: (n_{k-1}, r)·(r, n_k) = (n_{k-1}, n_k)."""
    if gemm is None:
        np.dot(O.T, d, C)
    else:
        r, n_prev = O.shape
        n_k = d.shape[1]
        gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, n_prev, n_k, r, 1.0, O.ctypes.data, n_prev,
             d.ctypes.data, n_k, 0.0, C.ctypes.data, n_k)  # fmt: skip


@_jit
def _activate(H: Any, b: Any, bias: bool, f: int) -> None:
    """``O_k = f_k(H_k + b_k)`` in place, one loop per activation so that each vectorizes."""
    m, n_k = H.shape
    zero = H.dtype.type(0)
    if not bias:
        b = np.zeros(n_k, H.dtype)  # (adding 0 changes nothing, and keeps one loop each)
    if f == 1:
        for i in range(m):
            for j in range(n_k):
                H[i, j] = sigmoid(H[i, j] + b[j])
    elif f == 2:
        for i in range(m):
            for j in range(n_k):
                H[i, j] = tanh(H[i, j] + b[j])
    elif f == 3:
        for i in range(m):
            for j in range(n_k):
                h = H[i, j] + b[j]
                H[i, j] = h if h >= zero or h != h else zero  # np.maximum's: NaN stays
    elif bias:
        for i in range(m):
            for j in range(n_k):
                H[i, j] += b[j]


@_jit
def _times_df(g: Any, O: Any, f: int, out: Any) -> None:
    """``out = g * f'(O)``, f' from the output O as the activations compute it."""
    m, n = g.shape
    one, zero = g.dtype.type(1), g.dtype.type(0)
    if f == 1:
        for i in range(m):
            for p in range(n):
                out[i, p] = g[i, p] * (O[i, p] * (one - O[i, p]))
    elif f == 2:
        for i in range(m):
            for p in range(n):
                out[i, p] = g[i, p] * (one - O[i, p] * O[i, p])
    elif f == 3:
        for i in range(m):
            for p in range(n):
                out[i, p] = g[i, p] * (one if O[i, p] > zero else zero)  # as g·[O > 0]
    else:
        out[:, :] = g


@_jit
def _part(
    gemm: Any, set_threads: Any, X: Any, y: Any, Ws: Any, bs: Any, acts: Any, bias: bool,
    c: Any, O: Any, D: Any, G: Any, dW: Any, db: Any, t: int,
) -> float:  # fmt: skip
    """Part ``t`` of a batch, rows ``X``: the two passes in the part's buffers, its share of
    ``∂L/∂W_k`` and ``∂L/∂b_k`` into ``dW[k][t]`` and ``db[k][t]``; returns ``Σ (y_hat − y)²``.
    ``c = 2·scale/(m·n_L)`` of the whole batch.

    Shapes: ``X``: (r, n_0); ``O[k-1][t]``, ``D[k-1][t]``: at least (r, n_k).
    """
    if set_threads is not None:
        before = set_threads(1)  # MKL on this thread only: the parts use the other threads
    L, r = len(Ws), X.shape[0]
    # Forward: H_k = O_{k-1}·W_k + b_k, O_k = f_k(H_k), O_k written over H_k
    for k in range(L):
        O_prev = X if k == 0 else O[k - 1][t, :r]
        _matmul(gemm, O_prev, Ws[k], O[k][t, :r])  # (r, n_{k-1})·(n_{k-1}, n_k) = (r, n_k)
        _activate(O[k][t, :r], bs[k], bias, acts[k])

    # MSE: r = y_hat − y, d_L = ∂L/∂H_L = c·r
    y_hat, d = O[L - 1][t, :r], D[L - 1][t, :r]
    sq = 0.0
    for i in range(r):
        for j in range(y.shape[1]):
            e = y_hat[i, j] - y[i, j]
            sq += e * e
            d[i, j] = c * e

    # Backward: d_{k-1} = d_k·W_kᵀ * f'(O_{k-1}); ∂L/∂W_k = O_{k-1}ᵀ·d_k, ∂L/∂b_k = 1ᵀ·d_k
    for k in range(L - 1, -1, -1):
        W, d = Ws[k], D[k][t, :r]
        n_prev, n_k = W.shape
        if k > 0:
            g = G[t, : r * n_prev].reshape((r, n_prev))
            if n_k == 1:  # d·W_kᵀ is an outer product: no sum, no BLAS call
                for i in range(r):
                    for p in range(n_prev):
                        g[i, p] = d[i, 0] * W[p, 0]
            else:
                _matmul_T(gemm, d, W, g)  # (r, n_k)·(n_k, n_{k-1}) = (r, n_{k-1})
            _times_df(g, O[k - 1][t, :r], acts[k - 1], D[k - 1][t, :r])
        _matmul_TN(gemm, X if k == 0 else O[k - 1][t, :r], d, dW[k][t])  # O_{k-1}ᵀ·d
        if bias:
            col = db[k][t]
            for j in range(n_k):
                col[j] = 0
            for i in range(r):  # (explicit loops: a row slice per i costs 0.1 µs each)
                for j in range(n_k):
                    col[j] += d[i, j]
    if set_threads is not None:
        set_threads(before)
    return sq


def _run_epochs(
    gemm: Any, set_threads: Any, parts_max: int, X: Any, y: Any, order: Any, Ws: Any,
    bs: Any, acts: Any, bias: bool, scale: float, eta: Any, batch: int, n_epochs: int,
    Xb: Any, yb: Any, O: Any, D: Any, G: Any, dW: Any, db: Any, sq: Any, good_W: Any,
    good_b: Any, losses: Any,
) -> tuple[int, int]:  # fmt: skip
    """Mini-batch (or full-batch) gradient descent over ``n_epochs`` epochs.

    ``order``: the rows' order for one epoch, or empty for the rows as they are. Each batch
    is cut into up to ``parts_max`` parts of rows, whose passes run in parallel, each on
    one thread with one-threaded BLAS; their gradients are summed for the update.
    """
    L = len(Ws)
    n, n_L = X.shape[0], y.shape[1]
    for epoch in range(n_epochs):
        total = 0.0
        for s in range(0, n, batch):
            m = min(batch, n - s)
            if order.size:  # this batch's rows, gathered: (m, n_0) and (m, n_L)
                for i in range(m):
                    for j in range(X.shape[1]):
                        Xb[i, j] = X[order[s + i], j]
                    for j in range(n_L):
                        yb[i, j] = y[order[s + i], j]
                X_m, y_m = Xb[:m], yb[:m]
            else:
                X_m, y_m = X[s : s + m], y[s : s + m]
            parts = max(1, min(parts_max, m // _PART_ROWS))
            rows = -(-m // parts)
            c = X.dtype.type(2.0 * scale / (m * n_L))  # MSE's ∂L/∂y_hat = c·(y_hat − y)
            for t in numba.prange(parts):
                lo, hi = t * rows, min(m, (t + 1) * rows)
                sq[t] = _part(
                    gemm, set_threads, X_m[lo:hi], y_m[lo:hi], Ws, bs, acts, bias, c, O, D, G,
                    dW, db, t,
                )  # fmt: skip
            sq_sum = 0.0
            for t in range(parts):
                sq_sum += sq[t]
            value = scale * sq_sum / (m * n_L)
            if not math.isfinite(value):
                losses[epoch] = value
                _copy(good_W, Ws, good_b, bs)
                return epoch, DIVERGED_LOSS
            total += value * m
            # W_k ← W_k − η·∂L/∂W_k, b_k ← b_k − η·∂L/∂b_k, the parts' gradients summed
            for k in range(L):
                _descend(Ws[k], dW[k], bs[k], db[k], bias, parts, eta)
        losses[epoch] = total / n
        if not _all_finite(Ws, bs):
            _copy(good_W, Ws, good_b, bs)
            return epoch, DIVERGED_WEIGHTS
        _copy(Ws, good_W, bs, good_b)  # the last good weights, restored on divergence
    return n_epochs, OK


_run_epochs_par, _run_epochs_ser = compiled_twice(
    _run_epochs, error_model="numpy", fastmath={"contract"}
)


@_jit
def _all_finite(Ws: Any, bs: Any) -> bool:
    """A sum is finite only if every entry is, as in ``training._all_finite``."""
    finite = True
    for k in range(len(Ws)):
        finite = finite and math.isfinite(Ws[k].sum()) and math.isfinite(bs[k].sum())
    return finite


@_jit
def _descend(W: Any, dW: Any, b: Any, db: Any, bias: bool, parts: int, eta: Any) -> None:
    """``W ← W − η·Σ_t dW[t]``, and ``b`` likewise. Shapes: dW (T, n_{k-1}, n_k)."""
    n_prev, n_k = W.shape
    for p in range(n_prev):
        for j in range(n_k):
            g = dW[0, p, j]
            for t in range(1, parts):
                g += dW[t, p, j]
            W[p, j] -= eta * g
    if bias:
        for j in range(n_k):
            g = db[0, j]
            for t in range(1, parts):
                g += db[t, j]
            b[j] -= eta * g


@_jit
def _copy(W_from: Any, W_to: Any, b_from: Any, b_to: Any) -> None:
    for k in range(len(W_from)):
        W_to[k][:, :] = W_from[k]
        b_to[k][:] = b_from[k]
