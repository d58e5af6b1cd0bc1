"""The fused SGD step's BLAS backends (matbackprop._speed.blas) against NumPy's products."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from matbackprop._speed import blas as _blas

BACKENDS = [pytest.param("scipy", id="scipy"), pytest.param("mkl", id="mkl")]
DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def _backend(name: str) -> Any:
    backend = _blas._scipy() if name == "scipy" else _blas._mkl()
    assert backend is not None, f"{name} is in the test extra and must load"
    return backend


def _tol(dtype: Any) -> float:
    return 1e-12 if dtype == np.float64 else 1e-5


def _rel(a: Any, b: Any) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _layouts(M: Any) -> list[Any]:
    """The same matrix C-ordered, as a transposed view, Fortran-ordered, and strided."""
    wide = np.zeros((M.shape[0], 2 * M.shape[1]), M.dtype)
    wide[:, ::2] = M
    return [M, np.ascontiguousarray(M.T).T, np.asfortranarray(M), wide[:, ::2]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKENDS)
def test_matmul_equals_numpy_in_every_layout(name: str, dtype: Any) -> None:
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((37, 23)).astype(dtype), rng.standard_normal((23, 11)).astype(dtype)
    expected = A.astype(np.float64) @ B.astype(np.float64)
    for A_ in _layouts(A):
        for B_ in _layouts(B):
            out = np.full((37, 11), np.nan, dtype)
            _backend(name).matmul(A_, B_, out=out)
            assert _rel(out, expected) <= _tol(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKENDS)
def test_gemm_update_is_w_minus_eta_o_transposed_d(name: str, dtype: Any) -> None:
    rng = np.random.default_rng(1)
    W0 = rng.standard_normal((6, 4)).astype(dtype)
    O, d = rng.standard_normal((50, 6)).astype(dtype), rng.standard_normal((50, 4)).astype(dtype)
    expected = W0.astype(np.float64) - 0.3 * (O.astype(np.float64).T @ d.astype(np.float64))
    for O_ in _layouts(O):
        for d_ in _layouts(d):
            W = W0.copy()
            _backend(name).gemm_update(W, O_, d_, 0.3)
            assert _rel(W, expected) <= _tol(dtype)


def test_scipy_updates_a_non_contiguous_w_through_a_copy() -> None:
    rng = np.random.default_rng(2)
    W = np.asfortranarray(rng.standard_normal((5, 3)))
    O, d = rng.standard_normal((9, 5)), rng.standard_normal((9, 3))
    expected = W - 0.1 * O.T @ d
    _backend("scipy").gemm_update(W, O, d, 0.1)
    assert _rel(W, expected) <= 1e-12


def test_mkl_refuses_an_output_it_cannot_write_in_place() -> None:
    W = np.asfortranarray(np.ones((5, 3)))
    with pytest.raises(ValueError, match="C-ordered"):
        _backend("mkl").gemm_update(W, np.ones((2, 5)), np.ones((2, 3)), 0.1)
    with pytest.raises(ValueError, match="C-ordered"):
        _backend("mkl").matmul(np.ones((2, 5)), np.ones((5, 3)), out=np.ones((3, 2)).T)


def test_large_networks_take_mkl_small_ones_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATBACKPROP_BLAS", raising=False)
    assert _blas.for_step((20, 64, 64, 1), 256).name == "scipy"  # type: ignore[union-attr]
    assert _blas.for_step((784, 512, 512, 10), 128).name == "mkl"  # type: ignore[union-attr]
    monkeypatch.setenv("MATBACKPROP_BLAS", "scipy")
    assert _blas.for_step((784, 512, 512, 10), 128).name == "scipy"  # type: ignore[union-attr]
    monkeypatch.setenv("MATBACKPROP_BLAS", "mkl")
    assert _blas.for_step((2, 2, 1), 4).name == "mkl"  # type: ignore[union-attr]


def test_without_mkl_everything_takes_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_blas, "_mkl", lambda: None)
    monkeypatch.setenv("MATBACKPROP_BLAS", "mkl")
    assert _blas.for_step((784, 512, 512, 10), 128).name == "scipy"  # type: ignore[union-attr]


def test_mkl_keeps_32_bit_integers_whatever_the_environment_says() -> None:
    """MKL_INTERFACE_LAYER=ILP64 would make MKL read our 32-bit ints as 64-bit ones."""
    code = (
        "import numpy as np; from matbackprop._speed import blas as _blas; m = _blas._mkl(); "
        "a, b, o = np.ones((3, 4)), np.ones((4, 2)), np.zeros((3, 2)); "
        "m.matmul(a, b, out=o); print(o.sum())"
    )
    env = {**os.environ, "MKL_INTERFACE_LAYER": "ILP64"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "24.0"
