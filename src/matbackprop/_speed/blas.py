"""The matrix products of the fused SGD step (:func:`matbackprop._speed.fast.sgd_step`).

The step needs what NumPy's ``matmul`` does not offer: ``C ← α·A·B + β·C`` with β = 1, which
folds the update ``W_k ← W_k − η·O_{k-1}ᵀ·d`` into the product itself. Two libraries provide
it, and a step makes all of its products in one of them, because two BLAS libraries called
in turn slow each other down many times over (each keeps its worker threads spinning for a
while after a call, on the cores the other one needs):

* **MKL** (the optional extra ``mkl``), through its C interface ``cblas_?gemm``, for
  networks with large products: on the benchmark machine its products of workloads C and D
  run 10-25% faster than OpenBLAS's (``benchmarks/``);
* **SciPy's BLAS wrappers** (OpenBLAS; the ``fast`` extra) otherwise.

``MATBACKPROP_BLAS=scipy`` or ``=mkl`` overrides the choice.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import os
import site
import sys
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from . import limits

Array = NDArray[np.floating]


class Backend(Protocol):
    name: str

    def matmul(self, A: Array, B: Array, out: Array) -> None:
        """``out = A·B`` into a C-ordered ``out``. Shapes: (m, k)·(k, n) -> (m, n)."""

    def gemm_update(self, W: Array, O: Array, d: Array, eta: float) -> None:
        """``W ← W − η·Oᵀ·d`` in place. Shapes: W (a, b), O (n, a), d (n, b)."""


def for_step(layer_sizes: tuple[int, ...], rows: int) -> Backend | None:
    """The backend for a step of this network on ``rows`` rows; None without SciPy or MKL."""
    forced = os.environ.get("MATBACKPROP_BLAS", "")
    largest = max(rows * a * b for a, b in itertools.pairwise(layer_sizes))
    if forced != "scipy" and (forced == "mkl" or largest >= limits.MKL_FROM):
        mkl = _mkl()
        if mkl is not None:
            return mkl
    return _scipy()


def cblas_gemm_address(dtype: np.dtype[Any]) -> int:
    """The address of MKL's ``cblas_?gemm`` for ``dtype``, which compiled code calls
    (:mod:`matbackprop._speed.cblas`), or 0 without MKL or with ``MATBACKPROP_BLAS=scipy``."""
    mkl = _mkl_for_compiled_code()
    return 0 if mkl is None else _address(mkl._gemm[np.dtype(dtype)])


def mkl_set_threads_local_address() -> int:
    """The address of MKL's ``MKL_Set_Num_Threads_Local`` (int -> int), or 0 without MKL."""
    mkl = _mkl()
    return 0 if mkl is None else _address(mkl.set_threads_local)


def mkl_packed_addresses(dtype: np.dtype[Any]) -> tuple[int, int]:
    """The addresses of MKL's ``cblas_?gemm_pack`` and ``cblas_?gemm_compute`` for ``dtype``
    (:mod:`matbackprop._speed.blocked`), or ``(0, 0)`` without MKL or with
    ``MATBACKPROP_BLAS=scipy``."""
    mkl = _mkl_for_compiled_code()
    if mkl is None or mkl.packed is None:
        return 0, 0
    pack, compute, _ = mkl.packed[np.dtype(dtype)]
    return _address(pack), _address(compute)


def mkl_packed_size(dtype: np.dtype[Any], m: int, k: int, n: int) -> int:
    """Bytes that MKL's packed copy of a (k, n) right-hand factor of ``dtype`` takes, for
    left factors of ``m`` rows."""
    mkl = _mkl()
    if mkl is None or mkl.packed is None:
        raise RuntimeError("MKL's packed products are not available")
    _, _, get_size = mkl.packed[np.dtype(dtype)]
    return int(get_size(B_MATRIX, m, n, k))


def _mkl_for_compiled_code() -> _MKL | None:
    """MKL, unless it is missing or ``MATBACKPROP_BLAS=scipy`` asks for SciPy's BLAS."""
    return None if os.environ.get("MATBACKPROP_BLAS", "") == "scipy" else _mkl()


def _address(function: Any) -> int:
    return int(ctypes.cast(function, ctypes.c_void_p).value or 0)


def available() -> bool:
    """Whether SciPy or MKL can make the fused step's products."""
    return _scipy() is not None or _mkl() is not None


# -- SciPy ----------------------------------------------------------------------------


class _SciPy:
    """SciPy's f2py wrappers speak Fortran order: a C-ordered ``M`` is the Fortran-ordered
    ``Mᵀ``, so each product is computed transposed, ``outᵀ = Bᵀ·Aᵀ``, on views, no copies."""

    name = "scipy"

    def __init__(self, blas: Any) -> None:
        self._gemm = {np.dtype(np.float64): blas.dgemm, np.dtype(np.float32): blas.sgemm}

    def matmul(self, A: Array, B: Array, out: Array) -> None:
        (Bt, tb), (At, ta) = _fortran_T(B), _fortran_T(A)
        res = self._gemm[out.dtype](1.0, Bt, At, trans_a=tb, trans_b=ta, c=out.T, overwrite_c=1)
        if not np.may_share_memory(res, out):  # out was not C-ordered: BLAS wrote a copy
            np.copyto(out, res.T)

    def gemm_update(self, W: Array, O: Array, d: Array, eta: float) -> None:
        # Wᵀ ← 1·Wᵀ + (−η)·dᵀ·O
        (dt, td), (Ot, tO) = _fortran_T(d), _fortran_T(O)
        res = self._gemm[W.dtype](
            -eta, dt, Ot, beta=1.0, c=W.T, trans_a=td, trans_b=1 - tO, overwrite_c=1
        )
        if not np.may_share_memory(res, W):
            np.copyto(W, res.T)


def _fortran_T(M: Array) -> tuple[Array, int]:
    """``(F, trans)`` with ``op(F) = Mᵀ`` and ``F`` Fortran-ordered, without a copy when
    ``M`` or ``Mᵀ`` is C-ordered."""
    if M.flags.c_contiguous:
        return M.T, 0
    if M.flags.f_contiguous:
        return M, 1
    return np.ascontiguousarray(M).T, 0


@functools.cache
def _scipy() -> _SciPy | None:
    try:
        from scipy.linalg import blas
    except ImportError:
        return None
    return _SciPy(blas)


# -- MKL ------------------------------------------------------------------------------

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112  # CBLAS's enums (also for _cblas)
PACKED, B_MATRIX = 151, 162  # MKL's: "this factor is packed", "pack the right-hand factor"


class _MKL:
    """MKL's ``cblas_?gemm`` in row-major order, called through ctypes."""

    name = "mkl"

    def __init__(self, lib: ctypes.CDLL) -> None:
        i, p = ctypes.c_int, ctypes.c_void_p
        # 32-bit integers (LP64), as the signatures below, whatever MKL_INTERFACE_LAYER says;
        # it fails (-1) only if MKL was already set up otherwise in this process
        lib.MKL_Set_Interface_Layer.argtypes, lib.MKL_Set_Interface_Layer.restype = [i], i
        if lib.MKL_Set_Interface_Layer(0) != 0:
            raise OSError("MKL is set up with 64-bit integers (ILP64) in this process")
        for fn, real in ((lib.cblas_dgemm, ctypes.c_double), (lib.cblas_sgemm, ctypes.c_float)):
            # layout, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc
            fn.argtypes = [i, i, i, i, i, i, real, p, i, p, i, real, p, i]
            fn.restype = None
        self._gemm = {np.dtype(np.float64): lib.cblas_dgemm, np.dtype(np.float32): lib.cblas_sgemm}
        self.packed = _packed(lib)
        # the calling thread's number of MKL threads (0: the global one); returns the old one
        self.set_threads_local = lib.MKL_Set_Num_Threads_Local
        self.set_threads_local.argtypes, self.set_threads_local.restype = [i], i
        self._set_threads = lib.MKL_Set_Num_Threads  # every thread's default
        self._set_threads.argtypes, self._set_threads.restype = [i], None
        if _child["one_thread"]:
            self._set_threads(1)

    def _call(self, A: Array, B: Array, C: Array, alpha: float, beta: float) -> None:
        """``C ← α·A·B + β·C``; ``A``, ``B`` C-ordered or transposed views of C-ordered
        arrays, ``C`` C-ordered."""
        (a, ta), (b, tb) = _row_major(A), _row_major(B)
        (m, k), n = A.shape, B.shape[1]
        self._gemm[C.dtype](
            ROW_MAJOR, ta, tb, m, n, k, alpha, a.ctypes.data, a.shape[1], b.ctypes.data,
            b.shape[1], beta, C.ctypes.data, n,
        )  # fmt: skip

    def matmul(self, A: Array, B: Array, out: Array) -> None:
        if not out.flags.c_contiguous:
            raise ValueError("out must be C-ordered")
        self._call(A, B, out, 1.0, 0.0)

    def gemm_update(self, W: Array, O: Array, d: Array, eta: float) -> None:
        if not W.flags.c_contiguous:
            raise ValueError("W must be C-ordered")
        self._call(O.T, d, W, -eta, 1.0)


def _packed(lib: ctypes.CDLL) -> dict[np.dtype[Any], tuple[Any, Any, Any]] | None:
    """MKL's ``(cblas_?gemm_pack, cblas_?gemm_compute, cblas_?gemm_pack_get_size)`` per
    dtype, or None for an MKL without them (they came in 2017)."""
    i, p = ctypes.c_int, ctypes.c_void_p
    found = {}
    for dt, real, c in ((np.float64, ctypes.c_double, "d"), (np.float32, ctypes.c_float, "s")):
        try:
            pack = getattr(lib, f"cblas_{c}gemm_pack")
            compute = getattr(lib, f"cblas_{c}gemm_compute")
            get_size = getattr(lib, f"cblas_{c}gemm_pack_get_size")
        except AttributeError:
            return None
        # layout, identifier, trans, m, n, k, alpha, src, ld, dest
        pack.argtypes, pack.restype = [i, i, i, i, i, i, real, p, i, p], None
        # layout, transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc
        compute.argtypes, compute.restype = [i, i, i, i, i, i, p, i, p, i, real, p, i], None
        get_size.argtypes, get_size.restype = [i, i, i, i], ctypes.c_size_t  # identifier, m, n, k
        found[np.dtype(dt)] = (pack, compute, get_size)
    return found


def _row_major(M: Array) -> tuple[Array, int]:
    """``(R, trans)`` with ``R`` C-ordered and ``op(R) = M``."""
    if M.flags.c_contiguous:
        return M, NO_TRANS
    if M.flags.f_contiguous:
        return M.T, TRANS
    return np.ascontiguousarray(M), NO_TRANS


def _mkl_library() -> Path | None:
    """``libmkl_rt`` where the ``mkl`` wheel puts it (``<prefix>/lib``), if it is there."""
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, site.getuserbase())):
        for name in ("libmkl_rt.so.3", "libmkl_rt.so.2", "libmkl_rt.so"):
            path = Path(prefix) / "lib" / name
            if path.exists():
                return path
    return None


_child = {"one_thread": False}


def one_thread_in_this_child() -> None:
    """MKL on one thread from now on, in a child forked after its parent ran Numba's OpenMP
    threads (``matbackprop._speed.fused``): there MKL's first parallel product hung in our tests,
    while one-threaded products ran (``tests/test_blocked.py``)."""
    _child["one_thread"] = True
    if _mkl.cache_info().currsize:  # loaded before the fork: set it now
        mkl = _mkl()
        if mkl is not None:
            mkl._set_threads(1)


@functools.cache
def _mkl() -> _MKL | None:
    path = _mkl_library()
    if path is None:
        return None
    try:
        return _MKL(ctypes.CDLL(str(path)))
    except (OSError, AttributeError):  # not loadable here, or not MKL's C interface
        return None
