"""MKL (the ``mkl`` extra), found and loaded for the compiled epochs' products.

:mod:`.compiled_blas` calls MKL's ``cblas_?gemm`` from compiled code by its address
(:mod:`.cblas`): C's 784-512-512-10 on 128 rows may run each batch whole on MKL's threads,
with plain SGD's update inside its product (``gemm`` with β = 1), and B's small batches in
parts, one per thread, each with one-threaded MKL (``MKL_Set_Num_Threads_Local``).
Without MKL, or where SciPy's BLAS is chosen (:attr:`.paths.Plan.blas`), the compiled
epochs use Numba's ``np.dot`` on SciPy's BLAS. This module imports neither Numba nor SciPy.
"""

from __future__ import annotations

import ctypes
import functools
import os
import site
import sys
from pathlib import Path
from typing import Any

import numpy as np


def cblas_gemm_address(dtype: np.dtype[Any]) -> int:
    """The address of MKL's ``cblas_?gemm`` for ``dtype``, which compiled code calls
    (:mod:`matbackprop._speed.cblas`), or 0 without MKL or with ``MATBACKPROP_BLAS=scipy``."""
    mkl = None if os.environ.get("MATBACKPROP_BLAS", "") == "scipy" else _mkl()
    return 0 if mkl is None else _address(mkl._gemm[np.dtype(dtype)])


def mkl_set_threads_local_address() -> int:
    """The address of MKL's ``MKL_Set_Num_Threads_Local`` (int -> int), or 0 without MKL."""
    mkl = _mkl()
    return 0 if mkl is None else _address(mkl.set_threads_local)


def mkl_available() -> bool:
    """Whether MKL's library is installed and loads."""
    return _mkl() is not None


def _address(function: Any) -> int:
    return int(ctypes.cast(function, ctypes.c_void_p).value or 0)


# -- MKL ------------------------------------------------------------------------------

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112  # CBLAS's enums (for .cblas)


class _MKL:
    """MKL's ``cblas_?gemm`` (row-major, 32-bit integers) and thread settings, by ctypes."""

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
        # the calling thread's number of MKL threads (0: the global one); returns the old one
        self.set_threads_local = lib.MKL_Set_Num_Threads_Local
        self.set_threads_local.argtypes, self.set_threads_local.restype = [i], i
        self._set_threads = lib.MKL_Set_Num_Threads  # every thread's default
        self._set_threads.argtypes, self._set_threads.restype = [i], None
        if _child["one_thread"]:
            self._set_threads(1)


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
    threads (:func:`.compiled_blas.parallel_ok`): there MKL's first parallel product hung in
    our tests, while one-threaded products ran."""
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
