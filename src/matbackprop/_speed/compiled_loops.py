"""The compiled loops of :mod:`matbackprop._speed.compiled`, for tiny networks (imports Numba).

Every matrix is transposed, ``O_kᵀ`` of shape (n_k, m), so that the innermost loop runs
over the rows, which the compiler vectorizes: ``tanh`` and the sigmoid too, as the
polynomials of :mod:`matbackprop._speed.vecmath` (a C-library call per entry would take most of
the seed network's step), hence ``error_model="numpy"``, without which every ``/`` checks
for a zero divisor and stops the vectorizer.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from .updates import FROZEN, adam_step, update
from .vecmath import sigmoid, tanh


@numba.njit(
    cache=True,
    nogil=True,
    boundscheck=False,
    error_model="numpy",
    fastmath={"reassoc", "contract"},
)
def run_epochs(
    XT: Any, yT: Any, Ws: Any, bs: Any, acts: Any, bias: bool, scale: float, rule: int,
    coef: Any, beta1: float, beta2: float, eta: float, t: int, codes: Any, slots_W: Any,
    slots_b: Any,
    track: bool, norms: Any, batch: int, n_epochs: int, OT: Any, dT: Any, good_W: Any,
    good_b: Any, losses: Any,
) -> tuple[int, int]:  # fmt: skip
    """Full-batch or in-order mini-batch gradient descent; Numba compiles this function.

    ``rule``, ``coef``, ``beta1``, ``beta2``, ``eta`` (float64): the update rule of
    :mod:`.updates` (:class:`.updates.Rule`); ``t``: the optimizer's steps before this call;
    ``codes[k-1]``, ``codes[L+k-1]``: the rule of ``W_k`` and ``b_k`` (``FROZEN`` or ``rule``);
    ``slots_W[s][k]``, ``slots_b[s][k]``: its slots, updated in place. With ``track``,
    ``norms[epoch, k]`` sums each step's ‖∂L/∂W_k‖ (Frobenius).

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
            t += 1
            step, root64 = adam_step(rule, eta, beta1, beta2, t)
            cast[0] = root64
            root = cast[0]  # √(1−β2ᵗ) in the weights' dtype
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
                    if f == 1:  # vectorized, as activations._sigmoid: nothing overflows
                        for i in range(m):
                            h[i] = sigmoid(h[i])
                    elif f == 2:
                        for i in range(m):
                            h[i] = tanh(h[i])
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
                sq = 0.0  # ‖∂L/∂W_k‖²
                for p in range(W.shape[0]):
                    o = O[p, at : at + m]
                    for j in range(W.shape[1]):
                        dj = d[j]
                        acc = zero
                        for i in range(m):
                            acc += o[i] * dj[i]  # (∂L/∂W_k)ₚⱼ = Σ_i (O_{k-1})ᵢₚ dᵢⱼ
                        sq += acc * acc
                        # W_k ← W_k − η·∂L/∂W_k, or momentum's or Adam's rule (loop-invariant
                        # test: the compiler takes it out of the loop)
                        if codes[k] != FROZEN:
                            update(codes[k], W, p, j, acc, slots_W[0][k], slots_W[1][k], coef,
                                   step, root)  # fmt: skip
                if track:
                    norms[epoch, k] += math.sqrt(sq)
                if bias and codes[L + k] != FROZEN:
                    b2 = b.reshape((1, b.shape[0]))  # (1, n_k): a row for update()
                    A_b = slots_b[0][k].reshape((1, b.shape[0]))
                    B_b = slots_b[1][k].reshape((1, b.shape[0]))
                    for j in range(W.shape[1]):
                        dj = d[j]
                        acc = zero
                        for i in range(m):
                            acc += dj[i]  # (∂L/∂b_k)ⱼ = Σ_i dᵢⱼ
                        update(codes[L + k], b2, 0, j, acc, A_b, B_b, coef, step, root)
        losses[epoch] = total / n
        finite = True
        for k in range(L):  # a sum is finite only if every entry is (as training._all_finite)
            finite = finite and math.isfinite(Ws[k].sum()) and math.isfinite(bs[k].sum())
        if not finite:
            _copy(good_W, Ws, good_b, bs)
            return epoch, 2
        _copy(Ws, good_W, bs, good_b)  # the last good weights, restored on divergence
    return n_epochs, 0
