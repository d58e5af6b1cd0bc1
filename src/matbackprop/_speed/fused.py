"""Element-wise passes of the fused SGD step, each one loop over memory instead of several.

On a wide network (``benchmarks/`` workload D: 8192 rows × 2048 neurons, 134 MB a layer in
float64) every NumPy call outside the products is a trip through main memory, and the
two ReLU layers make about ten of them per step: ``+ b``, ``max(·, 0)``, the mask
``O > 0``, the product by the mask and the column sums ``1ᵀ·d`` for each, and for a single
output the outer product ``d·W_Lᵀ``. With Numba installed (the ``fast`` extra),
:func:`matbackprop._speed.fast.sgd_step` runs them here as fewer loops, split over the cores on
large layers:

* :func:`bias_relu`: ``O_k = max(H_k + b_k, 0)`` in place, the same two roundings as NumPy;
* :func:`backprop`: ``d_{k-1} = G * f'(O_{k-1})`` with ``G = d·W_kᵀ`` from BLAS, or built
  on the fly as ``d[:, 0] * W_k[:, 0]ᵀ`` when ``n_k = 1``, together with the column sums
  ``1ᵀ·d_{k-1}`` that the bias update needs (also for sigmoid, tanh and identity layers);
* :func:`softmax_cross_entropy` and :func:`mse_head`: the output layer's activation, loss
  and ``d_L`` in one loop.

The values are NumPy's except for the sums (the column sums and the losses, added row by
row where NumPy sums pairwise): the fused step was already equal to the reference to
rounding, not bitwise.
This module imports Numba: import it only where :func:`matbackprop._speed.compiled.available`.
"""

from __future__ import annotations

import math
import os
import types
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from . import blas as _blas
from . import limits
from .compiled import ACTIVATION_CODES
from .vecmath import sigmoid

Array = NDArray[np.floating]


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


def bias_relu(H: Array, b: Array | None) -> None:
    """``H ← max(H + b, 0)`` in place. Shapes: H (n, n_k), b (n_k,) or None."""
    kernel = (
        _bias_relu_par if H.size >= limits.FUSED_PARALLEL_FROM and parallel_ok() else _bias_relu_ser
    )
    kernel(H, b if b is not None else H[0, :0], b is not None)


def backprop(
    f: str, G: Array | None, d: Array | None, w: Array | None, O: Array, out: Array,
    db: Array | None,
) -> None:  # fmt: skip
    """``out = G * f'(O)``, or ``(d·wᵀ) * f'(O)`` when ``G`` is None, and ``db = 1ᵀ·out``.

    ``f'`` from the output as :mod:`matbackprop.activations` computes it: sigmoid
    ``O·(1 − O)``, tanh ``1 − O·O``, ReLU ``[O > 0]``, identity 1.
    Shapes: G, O, out (n, m); d (n, 1), w (m, 1) (W_kᵀ's one row, n_k = 1); db (m,).
    ``out`` may be ``G``.
    """
    empty = O[0, :0]
    parallel = O.size >= limits.FUSED_PARALLEL_FROM and parallel_ok()
    (_backprop_par if parallel else _backprop_ser)(
        numba.get_num_threads() if parallel else 1,
        ACTIVATION_CODES[f],
        G if G is not None else O,
        G is None,
        d[:, 0] if d is not None else empty,
        w[:, 0] if w is not None else empty,
        O,
        out,
        db if db is not None else empty,
        db is not None,
    )


def mse_head(y_hat: Array, y: Array, d: Array, scale: float) -> float:
    """MSE with an identity output in one loop: ``d = (2·scale/size)·(y_hat − y)`` and the
    loss ``scale·mean((y_hat − y)²)``, as :class:`~matbackprop.MSE`. Shapes: (n, n_L)."""
    return float(_mse_head(y_hat, y, d, scale, y.shape[0]))


def softmax_cross_entropy(H: Array, b: Array | None, y: Array, O: Array, d: Array) -> float:
    """The output layer with softmax and cross-entropy, in one loop over its rows:
    ``H ← H + b``, ``O = softmax(H)``, ``d = (O − y)/n`` and the loss ``−Σ y·log(p)/n``
    from the logits (log-softmax), as :meth:`CrossEntropy.value_from_logits
    <matbackprop.CrossEntropy.value_from_logits>`.

    Shapes: H, y, O, d (n, n_L); b (n_L,) or None.
    """
    bias = b if b is not None else H[0, :0]
    return float(_softmax_cross_entropy(H, bias, b is not None, y, O, d, H.shape[0]))


def compiled_twice(f: Any, **options: Any) -> tuple[Any, Any]:
    """``f`` compiled with its ``prange`` loop split over the cores, and without (a range).

    The serial twin is a copy of ``f`` under another name: Numba's on-disk cache is keyed
    by the function's name, and with one name each twin could load the other's machine code.
    """
    serial = types.FunctionType(f.__code__, f.__globals__, f.__name__ + "_serial")
    serial.__qualname__ = f.__qualname__ + "_serial"
    options = {"cache": True, "nogil": True, "boundscheck": False, **options}
    return numba.njit(parallel=True, **options)(f), numba.njit(**options)(serial)


def _bias_relu(H: Any, b: Any, bias: bool) -> None:
    zero = np.zeros(1, H.dtype)[0]
    for i in numba.prange(H.shape[0]):
        h = H[i]
        for j in range(h.shape[0]):
            t = h[j] + b[j] if bias else h[j]
            h[j] = t if t >= zero or t != t else zero  # np.maximum's rule: NaN stays NaN


def _backprop(
    blocks: int, f: int, G: Any, outer: bool, d: Any, w: Any, O: Any, out: Any, db: Any,
    sums: bool,
) -> None:  # fmt: skip
    n, m = O.shape
    zero, one = np.zeros(1, O.dtype)[0], np.ones(1, O.dtype)[0]
    partial = np.zeros((blocks, m if sums else 0), out.dtype)
    step = (n + blocks - 1) // blocks
    for t in numba.prange(blocks):
        for i in range(t * step, min(n, (t + 1) * step)):
            o, r = O[i], out[i]
            for j in range(m):
                g = d[i] * w[j] if outer else G[i, j]  # (d·W_kᵀ)ᵢⱼ
                if f == 1:
                    r[j] = g * (o[j] * (one - o[j]))  # sigmoid, from O
                elif f == 2:
                    r[j] = g * (one - o[j] * o[j])  # tanh, from O
                elif f == 3:
                    r[j] = g * (one if o[j] > zero else zero)  # ReLU: O > 0 where H > 0
                else:
                    r[j] = g
            if sums:
                s = partial[t]
                for j in range(m):
                    s[j] += r[j]
    if sums:
        for j in range(m):
            total = zero
            for t in range(blocks):
                total += partial[t, j]
            db[j] = total


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _mse_head(y_hat: Any, y: Any, d: Any, scale: float, rows: int) -> float:
    """``rows``: the batch's (these may be a part of it): the divisor of the mean."""
    n, m = y_hat.shape
    cast = np.empty(1, d.dtype)
    cast[0] = 2.0 * scale / (rows * m)
    c = cast[0]  # the coefficient in the arrays' dtype, as NumPy's weak scalar
    total = 0.0
    for i in range(n):
        for j in range(m):
            r = y_hat[i, j] - y[i, j]
            d[i, j] = c * r
            total += r * r
    return scale * total / (rows * m)


@numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
def _logloss_head(H: Any, b: Any, bias: bool, y: Any, d: Any, rows: int) -> float:
    """``+ b_L``, the sigmoid output ``O_L = σ(H_L)`` written over ``H``, the log-loss in
    ``LogLoss.value_from_logits``' softplus form, ``log(1 + e^−|z|) + max(z, 0) − y·z``
    (nothing overflows, no ``1 − σ`` cancels), and ``d_L = (O_L − y)/rows`` as
    ``LogLoss.grad_H_into``. ``rows``: the batch's (these may be a part of it): the divisor."""
    n, m = H.shape
    cast = np.empty(1, d.dtype)
    cast[0] = rows
    k = cast[0]  # the divisor in the arrays' dtype, as NumPy's weak scalar
    total = 0.0
    for i in range(n):
        for j in range(m):
            z = H[i, j] + b[j] if bias else H[i, j]
            total += math.log1p(math.exp(-abs(z))) + max(z, 0.0) - y[i, j] * z
            p = sigmoid(z)
            H[i, j] = p
            d[i, j] = (p - y[i, j]) / k
    return total / rows


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _softmax_cross_entropy(
    H: Any, b: Any, bias: bool, y: Any, O: Any, d: Any, rows: int
) -> float:  # fmt: skip
    """``rows``: the batch's (these may be a part of it): the divisor of the mean. ``O``
    may be ``H``."""
    n, m = H.shape
    total = 0.0
    for i in range(n):
        h, o = H[i], O[i]
        if bias:
            for j in range(m):
                h[j] += b[j]
        top = h[0]  # the row maximum: exp() <= 1, as activations._softmax
        for j in range(1, m):
            top = max(top, h[j])
        # Σ_j y_j·(h_j − top) and Σ_j y_j, read before o (which may be h) is written
        yz = 0.0
        ys = 0.0
        for j in range(m):
            yz += y[i, j] * (h[j] - top)
            ys += y[i, j]
        row = 0.0  # Σ_j exp(h_j − top)
        for j in range(m):
            o[j] = np.exp(h[j] - top)
            row += o[j]
        # Σ_j y_j·log p_j with log p_j = h_j − top − log(row), the log-softmax: exact for
        # any logits, where log(p) would clip or underflow
        total += yz - ys * np.log(row)
        for j in range(m):
            o[j] /= row
            d[i, j] = (o[j] - y[i, j]) / rows  # ∂L/∂H_L: the Jacobian turns −y/p into p − y
    return -total / rows


_bias_relu_par, _bias_relu_ser = compiled_twice(_bias_relu)
_backprop_par, _backprop_ser = compiled_twice(_backprop)
