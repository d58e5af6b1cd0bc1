"""Many epochs of plain gradient descent in one compiled call, for tiny networks.

A NumPy step of the seed's 2-2-2-1 network makes about forty calls of a microsecond each
around less than a microsecond of arithmetic, and the fit loop adds its own Python per
epoch. With Numba installed (``pip install 'matbackprop[fast]'``), :func:`fit` hands such
a network to :func:`run_epochs`: the seed's two passes and the update as loops, compiled
once, running up to a few milliseconds of epochs per call.

The loops keep every matrix transposed, ``O_kᵀ`` of shape (n_k, m) for a batch of m rows,
so that the innermost loop runs over the rows, which lie contiguous and which the
compiler vectorizes; in the row-major (m, n_k) layout the innermost loop would run over
n_k = 2 neurons.

The equations are those of network.py in another summation order (a loop over rows where
NumPy sums pairwise and BLAS in blocks), so the numbers equal the NumPy path's to
rounding, not bitwise: ``tests/test_compiled.py`` bounds the difference of the trained
weights at 1e-12 (float64, relative).

Supported: plain SGD (no momentum), MSE with an identity output, hidden activations in
:data:`ACTIVATION_CODES`, biases or not, rows in order. Larger networks, and shuffled rows,
go to the compiled epochs with BLAS products of :mod:`matbackprop._compiled_blas`;
anything else to the NumPy loop.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

# The activations whose f' needs only O, as the compiled loops (here and in _fused) number
# them: sigmoid O·(1 − O), tanh 1 − O·O, ReLU [O > 0], identity 1
ACTIVATION_CODES = {"identity": 0, "sigmoid": 1, "tanh": 2, "relu": 3}

# Multiply-adds of one epoch (rows × weights) below which the compiled loops beat BLAS
# calls; measured: the seed's network (10 weights) gains 4x, a 20-64-64-1 network (5,440
# weights) is slower compiled than in NumPy.
_TINY_WEIGHTS = 64
# Rows × weights per call, about 5 ms of work: Ctrl-C and the progress bar wait for it.
_WORK_PER_CALL = 3_000_000

# run_epochs' status
OK, DIVERGED_LOSS, DIVERGED_WEIGHTS = 0, 1, 2


@functools.cache
def available() -> bool:
    """Whether Numba can be imported (the ``fast`` extra)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _n_weights(layer_sizes: tuple[int, ...]) -> int:
    return sum(a * b for a, b in itertools.pairwise(layer_sizes))


def is_tiny(layer_sizes: tuple[int, ...]) -> bool:
    """Whether the network is small enough for the compiled loops to beat BLAS calls."""
    return _n_weights(layer_sizes) <= _TINY_WEIGHTS


def epochs_per_call(n: int, layer_sizes: tuple[int, ...]) -> int:
    """Epochs per compiled call: about ``_WORK_PER_CALL`` multiply-adds."""
    return max(1, _WORK_PER_CALL // max(1, n * _n_weights(layer_sizes)))


class Trainer:
    """The compiled loops' arrays for one ``fit`` call: ``Xᵀ``, ``yᵀ`` and the buffers.

    Shapes: ``XT``: (n_0, n); ``yT``: (n_L, n); ``OT[k-1]``, ``dT[k-1]``: (n_k, batch).
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
        self.XT = np.ascontiguousarray(X.T)  # (n_0, n)
        self.yT = np.ascontiguousarray(y.T)  # (n_L, n)
        self.W = tuple(params[:L])
        # without biases the kernel still takes arrays (of zeros, never read)
        self.b = tuple(params[L:]) if bias else tuple(np.zeros(s, dt) for s in layer_sizes[1:])
        self.acts = np.array([ACTIVATION_CODES[a] for a in activations], np.int64)
        self.bias = bias
        self.scale = float(mse_scale)
        self.eta = dt.type(eta)  # η in the weights' dtype, as NumPy's `eta * dW` uses it
        self.batch = batch
        self.per_call = epochs_per_call(X.shape[0], layer_sizes)  # epochs per run() in fit
        self.OT = tuple(np.empty((s, batch), dt) for s in layer_sizes[1:])
        self.dT = tuple(np.empty((s, batch), dt) for s in layer_sizes[1:])
        self.good_W = tuple(W.copy() for W in self.W)
        self.good_b = tuple(b.copy() for b in self.b)

    def run(
        self, epochs: int, order: NDArray[np.intp] | None = None
    ) -> tuple[list[float], int, float]:
        """Train ``epochs`` epochs in place: ``(mean loss of each complete epoch, status,
        the non-finite loss when status is DIVERGED_LOSS)``. The rows are taken in order:
        ``order`` must be None.

        On a non-finite loss or weight the weights are those of the last complete epoch.
        """
        if order is not None:
            raise ValueError("order: the compiled loops take the rows in order")
        losses = np.empty(epochs, np.float64)
        done, status = _kernel()(
            self.XT, self.yT, self.W, self.b, self.acts, self.bias, self.scale, self.eta,
            self.batch, epochs, self.OT, self.dT, self.good_W, self.good_b, losses,
        )  # fmt: skip
        bad = float(losses[done]) if status == DIVERGED_LOSS else math.nan
        return losses[:done].tolist(), int(status), bad


@functools.cache
def _kernel() -> Any:
    """The compiled :func:`_run_epochs`, built (or loaded from Numba's cache) on first use."""
    import numba

    return numba.njit(cache=True, nogil=True, boundscheck=False, fastmath={"reassoc"})(_run_epochs)


def _run_epochs(
    XT: Any, yT: Any, Ws: Any, bs: Any, acts: Any, bias: bool, scale: float, eta: Any,
    batch: int, n_epochs: int, OT: Any, dT: Any, good_W: Any, good_b: Any, losses: Any,
) -> tuple[int, int]:  # fmt: skip
    """Full-batch or in-order mini-batch gradient descent; Numba compiles this function.

    Every array is transposed: ``XT``: (n_0, n), ``OT[k-1]`` = O_kᵀ: (n_k, m),
    ``dT[k-1]`` = d_kᵀ = (∂L/∂H_k)ᵀ: (n_k, m), for a batch of m rows starting at row s.
    """

    def _copy(W_from: Any, W_to: Any, b_from: Any, b_to: Any) -> None:
        for k in range(len(W_from)):
            W_to[k][:, :] = W_from[k]
            b_to[k][:] = b_from[k]

    L = len(Ws)
    n = XT.shape[1]
    n_L = yT.shape[0]
    cast = np.empty(1, XT.dtype)  # rounds a float64 to the arrays' dtype
    cast[0] = 0.0
    zero = cast[0]
    cast[0] = 1.0
    one = cast[0]
    for epoch in range(n_epochs):
        total = 0.0
        for s in range(0, n, batch):
            m = min(batch, n - s)
            # Forward: H_kᵀ = W_kᵀ·O_{k-1}ᵀ + b_k, O_k = f_k(H_k), O_k written over H_k
            for k in range(L):
                W, b, HT, f = Ws[k], bs[k], OT[k], acts[k]
                O, at = (XT, s) if k == 0 else (OT[k - 1], 0)  # O_{k-1}ᵀ, its batch's column
                for j in range(W.shape[1]):
                    h = HT[j]
                    for i in range(m):
                        h[i] = zero
                    for p in range(W.shape[0]):
                        w, o = W[p, j], O[p, at : at + m]
                        for i in range(m):
                            h[i] += o[i] * w  # (H_k)ᵢⱼ = Σ_p (O_{k-1})ᵢₚ (W_k)ₚⱼ
                    if bias:
                        for i in range(m):
                            h[i] += b[j]
                    if f == 1:  # sigmoid, as activations._sigmoid: exp(−|t|) never overflows
                        for i in range(m):
                            e = math.exp(-abs(h[i]))
                            h[i] = (one if h[i] >= zero else e) / (one + e)
                    elif f == 2:
                        for i in range(m):
                            h[i] = math.tanh(h[i])
                    elif f == 3:
                        for i in range(m):
                            h[i] = max(h[i], zero)
            # MSE: L = scale·mean(r²), r = y_hat − y; d_L = ∂L/∂H_L = (2·scale/size)·r
            y_hatT, d = OT[L - 1], dT[L - 1]
            cast[0] = 2.0 * scale / (m * n_L)
            c = cast[0]
            sq = 0.0
            for j in range(n_L):
                for i in range(m):
                    r = y_hatT[j, i] - yT[j, s + i]
                    sq += r * r
                    d[j, i] = c * r
            value = scale * sq / (m * n_L)
            if not math.isfinite(value):
                losses[epoch] = value
                _copy(good_W, Ws, good_b, bs)
                return epoch, 1
            total += value * m
            # Backward: d_{k-1}ᵀ = (W_k·d_kᵀ) * f'(H_{k-1})ᵀ, then W_k ← W_k − η·O_{k-1}ᵀ·d_k
            for k in range(L - 1, -1, -1):
                W, b, d = Ws[k], bs[k], dT[k]
                if k > 0:
                    f, OprevT, g = acts[k - 1], OT[k - 1], dT[k - 1]
                    for p in range(W.shape[0]):
                        gp, op = g[p], OprevT[p]
                        for i in range(m):
                            gp[i] = zero
                        for j in range(W.shape[1]):
                            w, dj = W[p, j], d[j]
                            for i in range(m):
                                gp[i] += dj[i] * w
                        # f' from the output O_{k-1}, as the activations compute it
                        if f == 1:
                            for i in range(m):
                                gp[i] *= op[i] * (one - op[i])
                        elif f == 2:
                            for i in range(m):
                                gp[i] *= one - op[i] * op[i]
                        elif f == 3:
                            for i in range(m):
                                if op[i] <= 0:
                                    gp[i] = zero
                O, at = (XT, s) if k == 0 else (OT[k - 1], 0)
                for p in range(W.shape[0]):
                    o = O[p, at : at + m]
                    for j in range(W.shape[1]):
                        dj = d[j]
                        acc = zero
                        for i in range(m):
                            acc += o[i] * dj[i]  # (∂L/∂W_k)ₚⱼ = Σ_i (O_{k-1})ᵢₚ dᵢⱼ
                        W[p, j] -= eta * acc
                if bias:
                    for j in range(W.shape[1]):
                        dj = d[j]
                        acc = zero
                        for i in range(m):
                            acc += dj[i]  # (∂L/∂b_k)ⱼ = Σ_i dᵢⱼ
                        b[j] -= eta * acc
        losses[epoch] = total / n
        finite = True
        for k in range(L):  # a sum is finite only if every entry is (as training._all_finite)
            finite = finite and math.isfinite(Ws[k].sum()) and math.isfinite(bs[k].sum())
        if not finite:
            _copy(good_W, Ws, good_b, bs)
            return epoch, 2
        _copy(Ws, good_W, bs, good_b)  # the last good weights, restored on divergence
    return n_epochs, 0
