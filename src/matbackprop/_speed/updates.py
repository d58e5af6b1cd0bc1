"""The optimizers' update rules, one parameter entry at a time, for the compiled kernels.

:mod:`matbackprop.optimizers` is the reference: each rule there updates whole arrays with
NumPy. The compiled kernels (:mod:`.compiled_loops`, :mod:`.compiled_blas`) update an entry
as soon as its gradient is summed, so each rule is written again here once, as a function
of one entry, and mirrors the reference's arithmetic step by step, in the same dtypes:

* plain SGD: ``W ← W − η·g``;
* momentum μ: ``v ← μ·v − η·g``, ``W ← W + v``;
* Nesterov: ``v ← μ·v − η·g``, ``W ← W + (μ·v − η·g)``;
* Adam (``epsilon_on="v"``): ``m ← β1·m + (1−β1)·g``, ``v ← β2·v + (1−β2)·g²``,
  ``W ← W − s·m/(√v + ε)`` with ``s = η·√(1−β2ᵗ)/(1−β1ᵗ)``; (``"v_hat"``):
  ``W ← W − s·m/(√v/√(1−β2ᵗ) + ε)`` with ``s = η/(1−β1ᵗ)``.

The coefficients come in the weights' dtype, as NumPy rounds a Python float against a
float32 array, except Adam's step size ``s``, which NumPy keeps in float64 (an
``np.float64`` scalar): in float32 the quotient ``s·m/(…)`` is formed in float64 and
rounded once, as ``W -= s * m / (...)`` does. ``tests/test_compiled_optimizers.py``
compares every rule, through the kernels, with the reference path.

:data:`RULES` names the optimizers these rules cover (``paths.COVERAGE`` reads it): any
other optimizer, or a subclass of one of these, never reaches a kernel.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numba
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ..optimizers import Optimizer

__all__ = ["RULES", "Rule", "adam_step", "update"]

# The rules, as the kernels number them; their names are paths.Config.optimizer's
SGD, MOMENTUM, NESTEROV, ADAM, ADAM_V_HAT = 0, 1, 2, 3, 4
# a parameter fit(freeze=...) keeps: neither it nor its slots change. The kernels test for it
# once per parameter, outside the loop that calls update(): a branch inside kept C's Adam
# loop from vectorizing (23 ms a step against 10, benchmarks/path_vs_reference.py)
FROZEN = 5
RULES = {"sgd": SGD, "momentum": MOMENTUM, "nesterov": NESTEROV, "adam": ADAM}


class Rule:
    """An optimizer as the kernels take it: its ``code``, its coefficients in the weights'
    dtype ``c = (η, μ, 1−β1, β1, 1−β2, β2, ε)`` (those it does not use 0), and Adam's β1,
    β2 in float64 for the bias corrections.

    ``name`` is :attr:`matbackprop._speed.paths.Config.optimizer`, one of :data:`RULES`.
    """

    def __init__(self, name: str, optimizer: Optimizer, eta: float, dtype: np.dtype[Any]) -> None:
        from ..optimizers import SGD as _SGD
        from ..optimizers import Adam

        self.code = RULES[name]
        self.eta = float(eta)  # Adam's step size is formed from η itself, in float64
        self.beta1 = self.beta2 = 0.0
        if isinstance(optimizer, Adam):  # name "adam": exactly Adam (paths.optimizer_name)
            b1, b2 = float(optimizer.beta1), float(optimizer.beta2)
            if optimizer.epsilon_on == "v_hat":
                self.code = ADAM_V_HAT
            self.beta1, self.beta2 = b1, b2
            eps = float(optimizer.epsilon)
            # (1.0 − β1) is a Python float, which NumPy rounds to the dtype as here
            self.c = np.array([eta, 0.0, 1.0 - b1, b1, 1.0 - b2, b2, eps], dtype)
        else:
            mu = optimizer.momentum if isinstance(optimizer, _SGD) else 0.0
            self.c = np.array([eta, mu, 0.0, 0.0, 0.0, 0.0, 0.0], dtype)

    def codes(self, n_params: int, frozen: Collection[int] = ()) -> NDArray[np.int64]:
        """Each parameter's code, in ``Network.parameters()`` order: :data:`FROZEN` for the
        indices in ``frozen``, this rule's for the others. Shapes: (n_params,)."""
        return np.array([FROZEN if i in frozen else self.code for i in range(n_params)], np.int64)

    @property
    def in_product(self) -> bool:
        """Whether the update may be done inside the product (``gemm`` with β = 1)."""
        return self.code == SGD


_jit = numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy", inline="always")


@_jit
def adam_step(code: int, eta: float, beta1: float, beta2: float, t: int) -> tuple[float, float]:
    """Adam's ``(s, √(1−β2ᵗ))`` at step ``t`` (1-based), in float64 as the reference."""
    corr1, corr2 = 1.0 - beta1 ** float(t), 1.0 - beta2 ** float(t)
    if code == ADAM:
        return eta * math.sqrt(corr2) / corr1, 1.0
    return eta / corr1, math.sqrt(corr2)


@_jit
def update(
    code: int, W: Any, i: int, j: int, g: Any, A: Any, B: Any, c: Any, s: float, root: float
) -> None:
    """Update the entry ``W[i, j]`` with its gradient ``g`` and its slots ``A[i, j]``,
    ``B[i, j]`` (velocity; Adam's m and v) by rule ``code``; ``c``: :class:`Rule`'s
    coefficients; ``s``, ``root``: :func:`adam_step`'s for this step, ``root`` rounded to
    ``W``'s dtype (NumPy rounds the Python float ``√(1−β2ᵗ)`` so)."""
    if code == SGD:
        W[i, j] -= c[0] * g
    elif code <= NESTEROV:  # MOMENTUM or NESTEROV
        v = A[i, j] * c[1] - c[0] * g  # v ← μ·v − η·g
        A[i, j] = v
        W[i, j] += v if code == MOMENTUM else c[1] * v - c[0] * g
    else:
        m = A[i, j] * c[3] + c[2] * g  # m ← β1·m + (1−β1)·g
        v = B[i, j] * c[5] + c[4] * (g * g)  # v ← β2·v + (1−β2)·g²
        A[i, j], B[i, j] = m, v
        den = np.sqrt(v) + c[6] if code == ADAM else np.sqrt(v) / root + c[6]
        W[i, j] = W[i, j] - s * m / den  # in float64, rounded once to W's dtype
