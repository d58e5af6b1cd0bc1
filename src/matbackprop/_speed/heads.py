"""The compiled epochs' output layer: activation, loss and ``d_L`` in one loop (imports Numba).

* :func:`mse_head`: MSE (or ½·MSE) with an identity output;
* :func:`logloss_head`: log-loss with a sigmoid output, from the logits;
* :func:`softmax_cross_entropy`: cross-entropy with a softmax output, from the logits.

Each is the formula of its :class:`~matbackprop.losses.Loss` (``value_from_logits`` and
``grad_H_into``) over the rows of one part of a batch; ``rows`` is the whole batch's, the
divisor of the mean. The values are NumPy's except for the loss, summed row by row where
NumPy sums pairwise (``tests/test_compiled_blas.py``, ``tests/test_losses.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from .vecmath import sigmoid

__all__ = ["logloss_head", "mse_head", "softmax_cross_entropy"]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def mse_head(y_hat: Any, y: Any, d: Any, scale: float, rows: int) -> float:
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
def logloss_head(H: Any, b: Any, bias: bool, y: Any, d: Any, rows: int) -> float:
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
def softmax_cross_entropy(
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
