"""MKL's and SciPy's ``?gemm`` as the compiled epochs call them (matbackprop._speed.blas and
.cblas): by the address that compiled code jumps to, against NumPy's products."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop import _speed
from matbackprop._speed import blas as _blas
from matbackprop.losses import get_loss
from matbackprop.optimizers import get_optimizer

DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def _gemm_at(address: int, dtype: Any) -> Any:
    """The C function at ``address`` as ctypes sees ``cblas_?gemm``."""
    i, p = ctypes.c_int, ctypes.c_void_p
    real = ctypes.c_double if dtype == np.float64 else ctypes.c_float
    return ctypes.CFUNCTYPE(None, i, i, i, i, i, i, real, p, i, p, i, real, p, i)(address)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [_blas.NO_TRANS, _blas.TRANS])
def test_mkl_gemm_at_its_address_is_alpha_a_b_plus_beta_c(dtype: Any, trans_a: int) -> None:
    """C ← α·op(A)·B + β·C, row-major, as compiled code calls it for W_k ← W_k − η·O_{k-1}ᵀ·d."""
    address = _blas.cblas_gemm_address(np.dtype(dtype))
    assert address != 0, "mkl is in the test extra and must load"
    rng = np.random.default_rng(0)
    m, k, n = 7, 5, 3
    A = rng.standard_normal((m, k) if trans_a == _blas.NO_TRANS else (k, m)).astype(dtype)
    B, C = rng.standard_normal((k, n)).astype(dtype), rng.standard_normal((m, n)).astype(dtype)
    opA = A if trans_a == _blas.NO_TRANS else A.T
    expected = -0.3 * (opA.astype(np.float64) @ B.astype(np.float64)) + C.astype(np.float64)
    _gemm_at(address, dtype)(
        _blas.ROW_MAJOR, trans_a, _blas.NO_TRANS, m, n, k, -0.3, A.ctypes.data, A.shape[1],
        B.ctypes.data, n, 1.0, C.ctypes.data, n,
    )  # fmt: skip
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert float(np.max(np.abs(C - expected))) <= tol * float(np.max(np.abs(expected)))


def test_matbackprop_blas_scipy_keeps_mkl_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable is read once, by the plan, whose BLAS picks the address."""
    monkeypatch.setenv("MATBACKPROP_BLAS", "scipy")
    net, X = mb.Network([64, 256, 256, 10], seed=0), np.zeros((256, 64))
    config = _speed.Config.of(net, X, get_loss("mse"), get_optimizer("adam"), batch=128)
    chosen = _speed.plan(config, _speed.detect())
    assert (chosen.path, chosen.blas) == ("compiled_epochs", "scipy")
    assert _blas.mkl_available()  # installed, only not used
    scipy_dgemm = (_blas.scipy_gemm_address(np.dtype(np.float64)), _blas.FORTRAN)
    assert _blas.gemm_for(chosen.blas, np.dtype(np.float64)) == scipy_dgemm
    assert _blas.gemm_for("", np.dtype(np.float64))[1] == _blas.CBLAS  # MKL, when not kept out


def test_each_blas_is_asked_for_by_name() -> None:
    f32 = np.dtype(np.float32)
    assert _blas.gemm_for("mkl", f32) == (_blas.cblas_gemm_address(f32), _blas.CBLAS)
    assert _blas.gemm_for("scipy", f32) == (_blas.scipy_gemm_address(f32), _blas.FORTRAN)
    assert _blas.scipy_gemm_address(f32) not in (0, _blas.scipy_gemm_address(np.dtype(np.float64)))


@pytest.mark.parametrize("blas", ["mkl", "scipy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [_blas.NO_TRANS, _blas.TRANS])
@pytest.mark.parametrize("trans_b", [_blas.NO_TRANS, _blas.TRANS])
def test_compiled_gemm_by_either_convention_is_alpha_a_b_plus_beta_c(
    blas: str, dtype: Any, trans_a: int, trans_b: int
) -> None:
    """The call compiled code makes (:func:`.cblas.gemm`, row-major operands), to MKL's CBLAS
    or to SciPy's Fortran ``?gemm``, against NumPy's product in float64: a mix-up of the
    operands or of the transposes gives other numbers (m, k, n all differ)."""
    import numba  # the test extra installs it, and MKL and SciPy

    from matbackprop._speed import cblas

    @numba.njit
    def call(gemm: Any, ta: int, tb: int, m: int, n: int, k: int, alpha: Any, A: Any, lda: int,
             B: Any, ldb: int, beta: Any, C: Any, ldc: int) -> None:  # fmt: skip
        cblas.gemm(gemm, ta, tb, m, n, k, alpha, A.ctypes.data, lda, B.ctypes.data, ldb, beta,
                   C.ctypes.data, ldc)  # fmt: skip

    rng = np.random.default_rng(1)
    m, k, n = 7, 5, 3
    A = rng.standard_normal((m, k) if trans_a == _blas.NO_TRANS else (k, m)).astype(dtype)
    B = rng.standard_normal((k, n) if trans_b == _blas.NO_TRANS else (n, k)).astype(dtype)
    C = rng.standard_normal((m, n)).astype(dtype)
    opA = A if trans_a == _blas.NO_TRANS else A.T
    opB = B if trans_b == _blas.NO_TRANS else B.T
    expected = -0.3 * (opA.astype(np.float64) @ opB.astype(np.float64)) + 0.5 * C.astype(np.float64)
    real = np.dtype(dtype).type
    gemm = _blas.gemm_for(blas, np.dtype(dtype))
    assert gemm[0] != 0, "mkl and scipy are in the test extra and must load"
    call(gemm, trans_a, trans_b, m, n, k, real(-0.3), A, A.shape[1], B, B.shape[1], real(0.5), C, n)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert float(np.max(np.abs(C - expected))) <= tol * float(np.max(np.abs(expected)))


def test_without_mkl_there_is_no_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_blas, "_mkl", lambda: None)
    assert _blas.cblas_gemm_address(np.dtype(np.float32)) == 0
    assert _blas.mkl_set_threads_local_address() == 0
    assert not _blas.mkl_available()


def test_mkl_keeps_32_bit_integers_whatever_the_environment_says() -> None:
    """MKL_INTERFACE_LAYER=ILP64 would make MKL read our 32-bit ints as 64-bit ones."""
    code = (
        "import ctypes, numpy as np; from matbackprop._speed import blas as b; "
        "m = b._mkl(); a, c = np.ones((3, 4)), np.zeros((3, 2)); w = np.ones((4, 2)); "
        "m._gemm[a.dtype](b.ROW_MAJOR, b.NO_TRANS, b.NO_TRANS, 3, 2, 4, 1.0, a.ctypes.data, 4, "
        "w.ctypes.data, 2, 0.0, c.ctypes.data, 2); print(c.sum())"
    )
    env = {**os.environ, "MKL_INTERFACE_LAYER": "ILP64"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "24.0"
