"""``tanh`` and the sigmoid as arithmetic that the compiler vectorizes, for Numba loops.

Inside a Numba loop ``math.tanh`` and ``math.exp`` are calls to the C library, one entry
at a time: 10-40x slower than NumPy's vectorized ufuncs on the same 16,384 entries. Numba
vectorizes them only with Intel's SVML, which the PyPI wheel of llvmlite lacks. Here they
are written as a polynomial and ``+ − × ÷``, which LLVM turns into SIMD code: measured on
16,384 entries, ``tanh`` as fast as NumPy's in float64 and 1.6x its time in float32, the
sigmoid 5.6x (float64) and 6x (float32) faster than NumPy's ``activations._sigmoid``.

The method is the textbook one: for u ≤ 0, ``u = k·ln 2 + r`` with integer k and
|r| ≤ ln(2)/2, ``eᵘ − 1 = 2ᵏ·(eʳ − 1) + (2ᵏ − 1)``, ``eʳ − 1`` by its Taylor series to
below the dtype's rounding, and ``2ᵏ`` built from its bits. Then

* ``tanh x = sign(x)·(−m)/(2 + m)`` with ``m = e^{−2|x|} − 1``: no cancellation near 0;
* ``σ(x) = (1 or e)/(1 + e)`` with ``e = e^{−|x|}``, the two branches of
  ``activations._sigmoid``, so that nothing overflows.

Accuracy (``tests/test_vecmath.py``): within 3 units in the last place of NumPy's ufuncs,
and within 2.5 of the exact values (mpmath; NumPy's: within 1), in both dtypes.

Call them from functions compiled with ``error_model="numpy"``: with Python's error
model every ``/`` checks for a zero divisor and the loop is not vectorized.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import types
from numba.extending import intrinsic, overload

_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts: k·_LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.0 / math.log(2.0)

# Taylor coefficients of (eʳ − 1 − r)/r² = 1/2! + r/3! + ...; |r| ≤ 0.347, so the first
# term left out is below 2^-53 (float64, through r¹⁴/14!) or 2^-24 (float32, r⁸/8!)
_C64 = tuple(1.0 / math.factorial(i) for i in range(2, 15))
_C32 = tuple(np.float32(1.0 / math.factorial(i)) for i in range(2, 9))


def _bitcast(to: Any, from_: Any) -> Any:
    """A Numba intrinsic: the ``to`` whose bit pattern is the ``from_`` argument."""

    def typing(typingctx: Any, bits: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], context.get_value_type(to))

        return to(from_), codegen

    typing.__name__ = typing.__qualname__ = f"as_{to}"  # one name each in Numba's symbols
    return intrinsic(typing)


_as_float64 = _bitcast(types.float64, types.int64)
_as_float32 = _bitcast(types.float32, types.int32)


def expm1_neg(u: Any) -> Any:
    """``eᵘ − 1`` for ``−40 ≤ u ≤ 0`` (in compiled code only, like the three below)."""
    raise NotImplementedError("for Numba-compiled code")


def exp_neg(u: Any) -> Any:
    """``eᵘ`` for ``u ≤ 0``."""
    raise NotImplementedError("for Numba-compiled code")


def tanh(x: Any) -> Any:
    """``tanh x``."""
    raise NotImplementedError("for Numba-compiled code")


def sigmoid(x: Any) -> Any:
    """``σ(x) = 1/(1 + e^{−x})``."""
    raise NotImplementedError("for Numba-compiled code")


def _reduce(u: Any) -> Any:
    """``(k, eʳ − 1)`` with ``u = k·ln 2 + r``, |r| ≤ ln(2)/2."""
    raise NotImplementedError("for Numba-compiled code")


def _pow2(k: Any) -> Any:
    """``2ᵏ`` from its bits, for an integer k in the dtype's normal range."""
    raise NotImplementedError("for Numba-compiled code")


@overload(_reduce, inline="always")
def _reduce_impl(u: Any) -> Any:
    if u == types.float32:
        c32, f32 = _C32, np.float32

        def impl32(u: Any) -> Any:
            k = np.floor(u * f32(_INV_LN2) + f32(0.5))
            # ln 2 as float32 hi + lo: k·hi is exact for |k| < 2^9
            r = (u - k * f32(0.693145751953125)) - k * f32(1.4286068203094173e-06)
            p = c32[6]
            for i in range(5, -1, -1):
                p = p * r + c32[i]
            return np.int32(k), r + r * r * p

        return impl32

    c64 = _C64

    def impl64(u: Any) -> Any:
        k = np.floor(u * _INV_LN2 + 0.5)
        r = (u - k * _LN2_HI) - k * _LN2_LO
        p = c64[12]
        for i in range(11, -1, -1):
            p = p * r + c64[i]
        return np.int64(k), r + r * r * p

    return impl64


@overload(_pow2, inline="always")
def _pow2_impl(k: Any) -> Any:
    if k == types.int32:

        def impl32(k: Any) -> Any:
            return _as_float32(np.int32((k + 127) << 23))

        return impl32

    def impl64(k: Any) -> Any:
        return _as_float64(np.int64(k + 1023) << 52)

    return impl64


@overload(expm1_neg, inline="always")
def _expm1_neg_impl(u: Any) -> Any:
    one = np.float32(1.0) if u == types.float32 else 1.0

    def impl(u: Any) -> Any:
        k, q = _reduce(u)
        s = _pow2(k)
        return s * q + (s - one)  # 2ᵏ − 1 is exact: one rounding, and none at all when k = 0

    return impl


@overload(exp_neg, inline="always")
def _exp_neg_impl(u: Any) -> Any:
    low = np.float32(-104.0) if u == types.float32 else -746.0  # below, eᵘ rounds to 0

    def impl(u: Any) -> Any:
        k, q = _reduce(low if u < low else u)  # NaN stays NaN
        h = k >> 1  # 2ᵏ = 2ʰ·2ᵏ⁻ʰ, both normal: a subnormal result is rounded once
        return (_pow2(h) * q + _pow2(h)) * _pow2(k - h)

    return impl


@overload(tanh, inline="always")
def _tanh_impl(x: Any) -> Any:
    f = np.float32 if x == types.float32 else float
    big, two = f(9.0 if f is np.float32 else 20.0), f(2.0)  # beyond big, tanh rounds to ±1

    def impl(x: Any) -> Any:
        a = abs(x)
        m = expm1_neg(-two * (big if a > big else a))  # e^{−2|x|} − 1 in (−1, 0]; NaN stays
        t = -m / (two + m)
        return t if x >= 0 else -t

    return impl


@overload(sigmoid, inline="always")
def _sigmoid_impl(x: Any) -> Any:
    one = np.float32(1.0) if x == types.float32 else 1.0

    def impl(x: Any) -> Any:
        e = exp_neg(-abs(x))
        return (one if x >= 0 else e) / (one + e)  # activations._sigmoid's two branches

    return impl
