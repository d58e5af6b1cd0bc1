"""Whole epochs of mini-batch gradient descent in one compiled call, products by BLAS.

A step of a small network, such as 20-64-64-1 on 256 rows, spent half its time in the
NumPy step's thirty-odd calls around its six matrix products. With Numba installed,
:func:`fit` hands such a network to :class:`Trainer`: the seed's two passes and the
update, for every batch of one or more epochs, in one compiled function. The products
``H_k = O_{k-1}·W_k``, ``d·W_kᵀ`` and ``O_{k-1}ᵀ·d`` are BLAS calls with no Python around
them (MKL's ``cblas_?gemm`` or SciPy's ``?gemm``, called by its address,
:mod:`matbackprop._speed.cblas`), and each element-wise pass is one loop that the compiler
vectorizes, ``tanh`` and the sigmoid included (:mod:`matbackprop._speed.vecmath`).

How a batch runs depends on its largest product (``limits.PARTS_UP_TO``): small ones are cut
into one part of rows per thread, each part's passes on its own thread with one-threaded
MKL, and the parts' gradients are summed for the update; medium ones run as one part on
all of the BLAS's threads (MKL's or SciPy's, whichever :mod:`.measure` found faster), large
ones (float64) on SciPy's, plain SGD's update inside its product (``gemm`` with β = 1).

Layout and arithmetic are those of :func:`matbackprop._speed.fast.value_and_gradients`: row-major
``O_k`` of shape (m, n_k), ``f'`` from ``O``, no ``∂L/∂X``; ``d·W_kᵀ`` of an output of one
neuron as an outer product. The numbers equal the NumPy path's to rounding, not bitwise
(the activations are other code, and the loss and the column sums are summed in another
order): ``tests/test_compiled_blas.py`` bounds the trained weights' difference at 1e-12
(float64, relative).

Supported: plain SGD, momentum, Nesterov and Adam (:mod:`.updates`; only plain SGD updates
inside a product); MSE/identity, cross-entropy/softmax and log-loss/sigmoid heads; hidden
activations in :data:`ACTIVATION_CODES`; rows in order or shuffled (by ``fit``'s generator).
"""

from __future__ import annotations

import functools
import math
import os
import types
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from . import blas as _blas
from . import cblas as _cblas
from . import limits
from . import paths as _plan
from .cblas import NO_TRANS, TRANS
from .compiled import DIVERGED_LOSS, DIVERGED_WEIGHTS, OK, EpochTrainer, epochs_per_call
from .heads import logloss_head, mse_head, softmax_cross_entropy
from .updates import FROZEN, SGD, adam_step, update
from .vecmath import sigmoid, tanh

Array = NDArray[np.floating]


__all__ = ["OK", "Trainer", "compiled_twice", "parallel_ok"]


_parallel = {"safe": True}


def parallel_ok() -> bool:
    """Whether a ``prange`` loop may run on several threads in this process: not in a child
    forked after its parent ran one with Numba's OpenMP layer (GNU's runtime), where
    Numba stops the child ("fork() called from a process already using GNU OpenMP")."""
    return _parallel["safe"]


def _after_fork_in_child() -> None:
    try:
        layer = numba.threading_layer()  # type: ignore[attr-defined]
    except ValueError:  # no parallel loop has run: the child may start the threads itself
        return
    if layer == "omp":
        _parallel["safe"] = False
        _blas.one_thread_in_this_child()


os.register_at_fork(after_in_child=_after_fork_in_child)


def compiled_twice(f: Any, **options: Any) -> tuple[Any, Any]:
    """``f`` compiled with its ``prange`` loop split over the cores, and without (a range).

    The serial twin is a copy of ``f`` under another name: Numba's on-disk cache is keyed
    by the function's name, and with one name each twin could load the other's machine code.
    """
    serial = types.FunctionType(f.__code__, f.__globals__, f.__name__ + "_serial")
    serial.__qualname__ = f.__qualname__ + "_serial"
    options = {"cache": True, "nogil": True, "boundscheck": False, **options}
    return numba.njit(parallel=True, **options)(f), numba.njit(**options)(serial)


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


class Trainer(EpochTrainer):
    """The compiled epochs' arrays for one ``fit`` call, its buffers kept for the next.

    Shapes: ``X``: (n, n_0); ``y``: (n, n_L); ``O[k-1]``, ``D[k-1]``: (parts, batch, n_k),
    holding ``O_k`` and ``d_k = ∂L/∂H_k``; ``G``: room for (batch, n_k) per part,
    ``d·W_kᵀ``; ``dW[k-1]``: (parts, n_{k-1}, n_k), each part's ``∂L/∂W_k``.
    """

    def __init__(
        self, params: list[Array], X: Array, y: Array, *, head: str = "mse", blas: str = "",
        scratch: dict[str, Any] | None = None, **settings: Any,
    ) -> None:  # fmt: skip
        """``head``: ``"mse"`` (MSE with an identity output), ``"softmax_ce"`` (cross-entropy
        with a softmax output) or ``"logloss"``; ``blas``: ``"scipy"`` for SciPy's BLAS,
        else MKL's where installed (:attr:`.paths.Plan.blas`); ``scratch``: where the
        buffers stay between ``fit`` calls (the network's), made again for other shapes."""
        super().__init__(params, X, **settings)
        dt, layer_sizes, batch = X.dtype, settings["layer_sizes"], self.batch
        self.X, self.y = np.ascontiguousarray(X), np.ascontiguousarray(y)
        self.head = {"mse": _MSE, "softmax_ce": _SOFTMAX_CE, "logloss": _LOGLOSS}[head]
        n = X.shape[0]
        self.per_call = epochs_per_call(n, layer_sizes, limits.BLAS_WORK_PER_CALL)
        m = min(batch, n)
        # (address, convention) of MKL's cblas_?gemm, when installed and chosen; else SciPy's
        self.gemm = _blas.gemm_for(blas, dt)
        # parts of a batch run on as many threads, with one-threaded MKL each (see
        # limits.PARTS_UP_TO); SciPy's BLAS, called from several threads at once, gets one part
        mkl = self.gemm[1] == _blas.CBLAS
        parts = mkl and _plan.batch_mode(layer_sizes, m) == "parts"
        T = self.parts = parallel_parts() if parts else 1
        self.set_threads = _blas.mkl_set_threads_local_address() if parts else 0
        # one part with plain SGD updates in place (gemm with β = 1): no ∂L/∂W_k to keep
        in_place = T == 1 and self._in_product()
        # Kept between calls: D's are 2L + 1 arrays of (8192, 2048), made again 5-18 ms of
        # its 0.55 s step in float32 (fit(epochs=1) in a loop, as the bench's D chunk).
        key = (dt, T, m, tuple(layer_sizes), in_place)
        scratch = {} if scratch is None else scratch
        if scratch.get("key") != key:  # a part's rows at most: a short last batch is one part
            sizes, shapes_W = layer_sizes[1:], [(0, 0) if in_place else W.shape for W in self.W]
            scratch.update(key=key, arrays=(
                np.empty((m, layer_sizes[0]), dt), np.empty((m, sizes[-1]), dt),  # Xb, yb
                tuple(np.empty((T, m, s), dt) for s in sizes),  # O
                tuple(np.empty((T, m, s), dt) for s in sizes),  # D
                np.empty((T, m * max(sizes)), dt),  # G
                tuple(np.empty((T, *shape), dt) for shape in shapes_W),  # dW
                tuple(np.empty((T, s), dt) for s in sizes),  # db
            ))  # fmt: skip
        self.Xb, self.yb, self.O, self.D, self.G, self.dW, self.db = scratch["arrays"]
        self.shares = np.empty(T, np.float64)  # each part's share of a batch's loss
        self._in_order = np.empty(0, np.intp)

    def run(
        self, epochs: int, order: NDArray[np.intp] | None = None
    ) -> tuple[list[float], int, float]:
        """Train ``epochs`` epochs in place, over the rows in ``order`` (one epoch) or in
        order (:meth:`EpochTrainer.outcome`). On divergence the weights are those of the
        last complete epoch.
        """
        if order is not None and epochs != 1:
            raise ValueError(f"epochs: one epoch per row order, got {epochs}")
        losses = np.empty(epochs, np.float64)
        kernel = _run_epochs_par if self.parts > 1 and parallel_ok() else _run_epochs_ser
        r = self.rule
        norms = self.grad_norm_sums = np.zeros((epochs, len(self.W)))
        done, status = kernel(
            self.gemm, self.set_threads, self.parts, limits.PART_ROWS, self.X, self.y,
            self._in_order if order is None else order, self.W, self.b, self.acts, self.bias,
            self.head, self.scale, r.code, r.c, r.beta1, r.beta2, r.eta, self.state.t,
            self.codes, self._in_product(), self.slots_W, self.slots_b, self.track, norms,
            self.batch, epochs, self.Xb, self.yb, self.O, self.D, self.G, self.dW, self.db,
            self.shares, self.good_W, self.good_b, losses,
        )  # fmt: skip
        return self.outcome(losses, done, status)

    def _in_product(self) -> bool:
        """Whether one part's updates may go inside its products (``gemm`` with β = 1):
        plain SGD on every parameter, and no gradient norms to sum."""
        return self.rule.in_product and not self.track and bool(np.all(self.codes == SGD))

    def loss_at(self, X: Array, y: Array) -> float:
        """The loss at ``(X, y)`` (validation rows), by this trainer's BLAS."""
        return loss_at(self, self.gemm, X, y)


def loss_at(trainer: Any, gemm: tuple[int, int], X: Array, y: Array) -> float:
    """The loss of ``trainer``'s network at ``(X, y)``, by the products of its kernel.

    ``fit`` asks for it after every epoch with validation data: NumPy's forward pass would
    wake NumPy's own BLAS threads, which then spin on the cores the next epoch's kernel
    needs (on B with Adam, 16 ms an epoch against 5.5 ms; with NumPy's BLAS on one thread,
    6.0 ms: ``benchmarks/options_cost.py``). Shapes: ``X``: (n, n_0); ``y``: (n, n_L).
    """
    rows = min(limits.LOSS_ROWS, X.shape[0])
    dt, sizes = trainer.W[0].dtype, [W.shape[1] for W in trainer.W]
    buffers = trainer.__dict__.get("_loss_buffers")
    if buffers is None or buffers[0][0].shape[0] < rows:
        O = tuple(np.empty((rows, s), dt) for s in sizes)
        buffers = trainer.__dict__["_loss_buffers"] = (O, np.empty((rows, sizes[-1]), dt))
    head = trainer.head
    return float(_loss_at(
        gemm, np.ascontiguousarray(X), np.ascontiguousarray(y), trainer.W, trainer.b,
        trainer.acts, trainer.bias, head, trainer.scale, buffers[0], buffers[1],
    ))  # fmt: skip


_jit = numba.njit(
    cache=True, nogil=True, boundscheck=False, error_model="numpy", fastmath={"contract"}
)


_MSE, _SOFTMAX_CE, _LOGLOSS = 0, 1, 2  # the output layer and loss (head)


@_jit
def _gemm(gemm: Any, A: Any, ta: int, B: Any, tb: int, C: Any, alpha: float, beta: float) -> None:
    """``C ← α·op(A)·op(B) + β·C``, ``op(A) = Aᵀ`` (read in place) where ``ta`` is ``TRANS``;
    all three C-ordered. ``gemm``: ``(address, convention)`` of the dtype's ``?gemm``
    (:func:`.blas.gemm_for`). Shapes: op(A) (m, k), op(B) (k, n), C (m, n)."""
    (m, n), real = C.shape, C.dtype.type
    k = A.shape[0] if ta == TRANS else A.shape[1]
    _cblas.gemm(gemm, ta, tb, m, n, k, real(alpha), A.ctypes.data, A.shape[1], B.ctypes.data,
                B.shape[1], real(beta), C.ctypes.data, n)  # fmt: skip


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
def _add_column_sums(d: Any, col: Any) -> None:
    """``col += 1ᵀ·d``. Shapes: d (r, n), col (n,)."""
    for i in range(d.shape[0]):  # row by row: the inner loop vectorizes
        for j in range(d.shape[1]):
            col[j] += d[i, j]


@_jit
def _times_df_sums(g: Any, O: Any, f: int, out: Any, col: Any) -> None:
    """``out = g * f'(O)`` (f' from the output O, as the activations compute it) and
    ``col += 1ᵀ·out``, in one loop per activation so that each vectorizes. ``out`` is not
    ``O``: given one array twice, the vectorized body's overlap check fails and the scalar
    loop runs. Shapes: g, O, out (r, n); col (n,)."""
    m, n = g.shape
    one, zero = g.dtype.type(1), g.dtype.type(0)
    if f == 1:
        for i in range(m):
            for p in range(n):
                v = g[i, p] * (O[i, p] * (one - O[i, p]))
                out[i, p] = v
                col[p] += v
    elif f == 2:
        for i in range(m):
            for p in range(n):
                v = g[i, p] * (one - O[i, p] * O[i, p])
                out[i, p] = v
                col[p] += v
    elif f == 3:
        for i in range(m):
            for p in range(n):
                v = g[i, p] * (one if O[i, p] > zero else zero)  # as g·[O > 0]
                out[i, p] = v
                col[p] += v
    else:
        for i in range(m):
            for p in range(n):
                out[i, p] = g[i, p]
                col[p] += g[i, p]


@_jit
def _part(
    gemm: Any, set_threads: int, X: Any, y: Any, Ws: Any, bs: Any, acts: Any, bias: bool,
    head: int, scale: float, m: int, eta: Any, O: Any, D: Any, G: Any, dW: Any, db: Any,
    t: int,
) -> float:  # fmt: skip
    """Part ``t`` of a batch, rows ``X``: the two passes in the part's buffers, and either
    the update itself (``eta`` > 0, the batch in one part: ``W_k ← W_k − η·O_{k-1}ᵀ·d`` as one
    ``gemm`` with β = 1) or the part's share of ``∂L/∂W_k``, ``∂L/∂b_k`` into ``dW[k][t]``,
    ``db[k][t]`` (``eta`` = 0). Returns the part's share of the batch's loss (MSE with
    ``scale``, or softmax + cross-entropy), both means over the batch's ``m`` rows.

    Shapes: ``X``: (r, n_0); ``O[k-1][t]``, ``D[k-1][t]``: at least (r, n_k).
    """
    if set_threads != 0:  # MKL on this thread only: the parts use the other threads
        before = _cblas.set_threads(set_threads, 1)
    L, r = len(Ws), X.shape[0]
    # Forward: H_k = O_{k-1}·W_k + b_k, O_k = f_k(H_k), O_k written over H_k
    for k in range(L):
        O_prev = X if k == 0 else O[k - 1][t, :r]
        # (r, n_{k-1})·(n_{k-1}, n_k) = (r, n_k)
        _gemm(gemm, O_prev, NO_TRANS, Ws[k], NO_TRANS, O[k][t, :r], 1.0, 0.0)
        if k < L - 1 or head == _MSE:
            _activate(O[k][t, :r], bs[k], bias, acts[k])
    # The part's share of the batch's loss, and d_L = ∂L/∂H_L: (r, n_L)
    d_L = D[L - 1][t, :r]
    value = _head(head, O[L - 1][t, :r], bs[L - 1], bias, y, d_L, scale, m)

    # Backward: d_{k-1} = d_k·W_kᵀ * f'(O_{k-1}); ∂L/∂W_k = O_{k-1}ᵀ·d_k, ∂L/∂b_k = 1ᵀ·d_k
    db[L - 1][t][:] = 0
    _add_column_sums(d_L, db[L - 1][t])  # the hidden layers' sums come with their d
    for k in range(L - 1, -1, -1):
        W, d = Ws[k], D[k][t, :r]
        n_prev, n_k = W.shape
        if k > 0:  # before W_k is updated
            g = G[t, : r * n_prev].reshape((r, n_prev))
            if n_k == 1:  # d·W_kᵀ is an outer product: no sum, no BLAS call
                for i in range(r):
                    for p in range(n_prev):
                        g[i, p] = d[i, 0] * W[p, 0]
            else:
                _gemm(gemm, d, NO_TRANS, W, TRANS, g, 1.0, 0.0)  # (r, n_k)·(n_k, n_{k-1})
            db[k - 1][t][:] = 0
            _times_df_sums(g, O[k - 1][t, :r], acts[k - 1], D[k - 1][t, :r], db[k - 1][t])
        O_prev = X if k == 0 else O[k - 1][t, :r]
        if eta > 0:
            _gemm(gemm, O_prev, TRANS, d, NO_TRANS, W, -eta, 1.0)  # W_k ← W_k − η·O_{k-1}ᵀ·d
        else:
            _gemm(gemm, O_prev, TRANS, d, NO_TRANS, dW[k][t], 1.0, 0.0)  # O_{k-1}ᵀ·d
        if bias and eta > 0:
            for j in range(n_k):
                bs[k][j] -= eta * db[k][t][j]  # b_k ← b_k − η·∂L/∂b_k
    if set_threads != 0:
        _cblas.set_threads(set_threads, before)
    return value


def _run_epochs(
    gemm: Any, set_threads: int, parts_max: int, part_rows: int, X: Any, y: Any, order: Any,
    Ws: Any, bs: Any, acts: Any, bias: bool, head: int, scale: float, rule: int, c: Any,
    beta1: float, beta2: float, eta: float, t: int, codes: Any, in_product: bool, slots_W: Any,
    slots_b: Any, track: bool, norms: Any, batch: int, n_epochs: int, Xb: Any, yb: Any,
    O: Any, D: Any, G: Any, dW: Any, db: Any, shares: Any, good_W: Any, good_b: Any, losses: Any,
) -> tuple[int, int]:  # fmt: skip
    """Mini-batch (or full-batch) gradient descent over ``n_epochs`` epochs.

    ``rule``, ``c``, ``beta1``, ``beta2``, ``eta`` (float64), ``t`` and the slots: the update
    rule and the optimizer's state, ``track`` and ``norms`` the gradient norms, as
    :func:`.compiled_loops.run_epochs` takes them.

    ``order``: the rows' order for one epoch, or empty for the rows as they are. Each batch
    is cut into up to ``parts_max`` parts of at least ``part_rows`` rows, whose passes run
    in parallel, each on one thread with one-threaded BLAS; their gradients are summed for
    the update. With ``set_threads`` 0, a batch is one part whose BLAS calls use all
    threads, plain SGD's update in place (``in_product``), another rule's through ``dW``.
    """
    L = len(Ws)
    n = X.shape[0]
    cast = np.empty(1, X.dtype)  # rounds a float64 to the arrays' dtype
    for epoch in range(n_epochs):
        total = 0.0
        for s in range(0, n, batch):
            m = min(batch, n - s)
            X_m, y_m = batch_rows(X, y, order, s, m, Xb, yb)
            parts = max(1, min(parts_max, m // part_rows))
            rows = -(-m // parts)
            in_place = parts == 1 and in_product
            cast[0] = 0.0
            eta_part = c[0] if in_place else cast[0]  # η for an update inside the part
            t += 1
            s_adam, root64 = adam_step(rule, eta, beta1, beta2, t)
            cast[0] = root64
            root = cast[0]  # √(1−β2ᵗ) in the weights' dtype
            for part in numba.prange(parts):
                lo, hi = part * rows, min(m, (part + 1) * rows)
                shares[part] = _part(
                    gemm, set_threads, X_m[lo:hi], y_m[lo:hi], Ws, bs, acts, bias, head, scale,
                    m, eta_part, O, D, G, dW, db, part,
                )  # fmt: skip
            value = _batch_loss(shares, parts, epoch, losses, good_W, Ws, good_b, bs)
            if not math.isfinite(value):
                return epoch, DIVERGED_LOSS
            total += value * m
            if not in_place:
                # W_k ← W_k − η·∂L/∂W_k, b_k ← b_k − η·∂L/∂b_k (or the optimizer's rule), the
                # parts' gradients summed
                for k in range(L):
                    sq = _descend(
                        Ws[k], dW[k], parts, codes[k], c, s_adam, root, slots_W[0][k],
                        slots_W[1][k], track,
                    )  # fmt: skip
                    if track:
                        norms[epoch, k] += math.sqrt(sq)
                    if bias:  # b_k as a (1, n_k) matrix, its parts' sums db[k]: (T, 1, n_k)
                        row = (1, bs[k].shape[0])
                        _descend(
                            bs[k].reshape(row), db[k].reshape((db[k].shape[0], *row)), parts,
                            codes[L + k], c, s_adam, root, slots_b[0][k].reshape(row),
                            slots_b[1][k].reshape(row), False,
                        )  # fmt: skip
        losses[epoch] = total / n
        if not _all_finite(Ws, bs):
            _copy(good_W, Ws, good_b, bs)
            return epoch, DIVERGED_WEIGHTS
        _copy(Ws, good_W, bs, good_b)  # the last good weights, restored on divergence
    return n_epochs, OK


@_jit
def _loss_at(
    gemm: Any, X: Any, y: Any, Ws: Any, bs: Any, acts: Any, bias: bool, head: int,
    scale: float, O: Any, d_L: Any,
) -> float:  # fmt: skip
    """The mean loss over the rows of ``X``: forward passes of up to ``O[0].shape[0]`` rows
    in ``O[k-1]`` (rows, n_k), each adding its share (``d_L`` is scratch)."""
    L, n, rows = len(Ws), X.shape[0], O[0].shape[0]
    total = 0.0
    for s in range(0, n, rows):
        r = min(rows, n - s)
        X_r, y_r = X[s : s + r], y[s : s + r]
        for k in range(L):  # H_k = O_{k-1}·W_k + b_k, O_k = f_k(H_k): (r, n_k)
            O_prev = X_r if k == 0 else O[k - 1][:r]
            _gemm(gemm, O_prev, NO_TRANS, Ws[k], NO_TRANS, O[k][:r], 1.0, 0.0)
            if k < L - 1 or head == _MSE:
                _activate(O[k][:r], bs[k], bias, acts[k])
        total += _head(head, O[L - 1][:r], bs[L - 1], bias, y_r, d_L[:r], scale, n)
    return total


@_jit
def _head(
    head: int, y_hat: Any, b: Any, bias: bool, y: Any, d_L: Any, scale: float, m: int
) -> float:  # fmt: skip
    """The output layer and the loss: these rows' share of the loss of a batch of ``m`` rows,
    and ``d_L = ∂L/∂H_L`` into ``d_L``. ``y_hat`` holds ``O_L`` (MSE: the identity's, with
    ``b_L`` added) or ``H_L`` (softmax, sigmoid), then ``O_L``. Shapes: (r, n_L)."""
    if head == _MSE:
        return mse_head(y_hat, y, d_L, scale, m)
    if head == _LOGLOSS:
        return logloss_head(y_hat, b, bias, y, d_L, m)
    return softmax_cross_entropy(y_hat, b, bias, y, y_hat, d_L, m)


@_jit
def batch_rows(X: Any, y: Any, order: Any, s: int, m: int, Xb: Any, yb: Any) -> Any:
    """The batch of ``m`` rows from ``s``: views of ``X`` and ``y`` when ``order`` is empty,
    else the rows ``order[s : s + m]`` gathered into ``Xb`` and ``yb``.
    Shapes: (m, n_0) and (m, n_L)."""
    if not order.size:
        return X[s : s + m], y[s : s + m]
    for i in range(m):
        for j in range(X.shape[1]):
            Xb[i, j] = X[order[s + i], j]
        for j in range(y.shape[1]):
            yb[i, j] = y[order[s + i], j]
    return Xb[:m], yb[:m]


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
def _descend(
    W: Any, dW: Any, parts: int, rule: int, c: Any, s: float, root: Any, A_W: Any, B_W: Any,
    track: bool,
) -> float:  # fmt: skip
    """``W ← W − η·Σ_t dW[t]``, or rule ``rule`` of :mod:`.updates` with its slots ``A_W``,
    ``B_W`` and step coefficients ``s``, ``root``.
    Returns ‖Σ_t dW[t]‖², the gradient's, when ``track`` (else 0).
    Shapes: dW (T, n_{k-1}, n_k)."""
    n_prev, n_k = W.shape
    G = dW[0]  # the parts' sum, over the first part's: (n_{k-1}, n_k)
    if parts > 1:
        for p in range(n_prev):
            for j in range(n_k):
                g = G[p, j]
                for t in range(1, parts):
                    g += dW[t, p, j]
                G[p, j] = g
    # ‖G‖² only for track_gradients: a sequential sum does not vectorize, and with one part
    # (C's whole batches) it was a pass over every gradient of its own
    sq = 0.0
    if track:
        for p in range(n_prev):
            for j in range(n_k):
                sq += G[p, j] * G[p, j]
    # The rule in a loop of its own, with no test inside: a branch on FROZEN in the loop
    # above kept Adam's arithmetic from vectorizing (C: 23 ms a step against 10,
    # benchmarks/path_vs_reference.py)
    if rule != FROZEN:
        for p in range(n_prev):
            for j in range(n_k):
                update(rule, W, p, j, G[p, j], A_W, B_W, c, s, root)
    return sq


@_jit
def _batch_loss(
    shares: Any, parts: int, epoch: int, losses: Any, good_W: Any, Ws: Any, good_b: Any, bs: Any
) -> float:  # fmt: skip
    """The batch's loss, the sum of its parts' ``shares``. When it is not finite it goes into
    ``losses[epoch]`` and the weights are put back to the last good ones: the kernel then
    returns ``DIVERGED_LOSS``."""
    value = 0.0
    for t in range(parts):
        value += shares[t]
    if not math.isfinite(value):
        losses[epoch] = value
        _copy(good_W, Ws, good_b, bs)
    return value


@_jit
def _copy(W_from: Any, W_to: Any, b_from: Any, b_to: Any) -> None:
    for k in range(len(W_from)):
        W_to[k][:, :] = W_from[k]
        b_to[k][:] = b_from[k]
