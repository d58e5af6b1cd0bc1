"""The compiled loops' tanh and sigmoid (matbackprop._speed.vecmath) against NumPy and mpmath.

They are a polynomial and + − × ÷ so that Numba vectorizes them; here we check that they
stay within a few units in the last place (ulp) of NumPy's ufuncs, which the reference path
uses, and of the exact values, over the whole range of each dtype: tiny and huge inputs,
subnormal results, ±0, ±inf and NaN.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest

from matbackprop.activations import _sigmoid

numba = pytest.importorskip("numba", reason="the compiled loops need the 'fast' extra")
from matbackprop._speed import vecmath as _vecmath  # noqa: E402  (imports numba)

_OPTIONS = {"error_model": "numpy", "fastmath": {"contract"}, "cache": False}


@numba.njit(**_OPTIONS)
def _tanh(x: Any, out: Any) -> None:
    for i in range(x.shape[0]):
        out[i] = _vecmath.tanh(x[i])


@numba.njit(**_OPTIONS)
def _sigmoid_loop(x: Any, out: Any) -> None:
    for i in range(x.shape[0]):
        out[i] = _vecmath.sigmoid(x[i])


FUNCTIONS = {"tanh": (_tanh, np.tanh), "sigmoid": (_sigmoid_loop, _sigmoid)}


def _inputs(dtype: Any) -> Any:
    rng = np.random.default_rng(0)
    tiny = np.finfo(dtype).tiny
    x = np.concatenate(
        [
            rng.standard_normal(20_000) * 3,
            rng.standard_normal(2_000) * 1e-6,
            np.linspace(-800, 800, 16_001),  # through every exponent of the reduction
            [0.0, 1e-30, -1e-30, tiny, -tiny, tiny / 8, 0.5, -0.5, 9.0, 20.0, -20.0],
            [np.log(np.finfo(dtype).max), 88.7, 103.9, 104.1, 745.0, 746.0, -746.0, 1e300],
        ]
    )
    with np.errstate(over="ignore"):  # 1e300 is inf in float32: one more special value
        return np.concatenate([x, -x]).astype(dtype)


def _ulps(a: Any, b: Any, dtype: Any) -> Any:
    """|a − b| in units of the last place of b in ``dtype`` (subnormals: of the smallest normal)."""
    unit = np.spacing(np.maximum(np.abs(b), np.finfo(dtype).tiny).astype(dtype))
    return np.abs(a.astype(np.float64) - b.astype(np.float64)) / unit.astype(np.float64)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_within_three_ulps_of_numpy(name: str, dtype: Any) -> None:
    compiled, reference = FUNCTIONS[name]
    x = _inputs(dtype)
    out = np.empty_like(x)
    compiled(x, out)
    with np.errstate(over="ignore"):
        expected = reference(x)
    assert out.dtype == dtype
    assert np.max(_ulps(out, expected, dtype)) <= 3


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_special_values(name: str, dtype: Any) -> None:
    compiled, _ = FUNCTIONS[name]
    x = np.array([np.inf, -np.inf, np.nan, 0.0], dtype)
    out = np.empty_like(x)
    compiled(x, out)
    if name == "tanh":
        assert list(out[[0, 1, 3]]) == [1.0, -1.0, 0.0]
    else:
        assert list(out[[0, 1, 3]]) == [1.0, 0.0, 0.5]
    assert np.isnan(out[2])  # NaN stays NaN, so that divergence is still seen


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_close_to_the_exact_values(dtype: Any) -> None:
    """Against mpmath at 50 digits, rounded to the dtype: within 2.5 ulp (NumPy: 1)."""
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.standard_normal(300) * 4, rng.standard_normal(50) * 1e-4])
    x = x.astype(dtype)
    with mpmath.workdps(50):
        exact = {
            "tanh": np.array([float(mpmath.tanh(mpmath.mpf(float(v)))) for v in x]),
            "sigmoid": np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in x]),
        }
    for name, (compiled, _) in FUNCTIONS.items():
        out = np.empty_like(x)
        compiled(x, out)
        assert np.max(_ulps(out, exact[name].astype(dtype), dtype)) <= 2.5, name
