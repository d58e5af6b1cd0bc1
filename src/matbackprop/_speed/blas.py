"""The ``?gemm`` of the compiled epochs' products: MKL's (the ``mkl`` extra) or SciPy's.

:mod:`.compiled_blas` calls it from compiled code by its address (:mod:`.cblas`): a whole
batch on the BLAS's threads, plain SGD's update inside its product (β = 1), or B's small
batches in parts, one per thread, each with one-threaded MKL (``MKL_Set_Num_Threads_Local``).
SciPy's is the Fortran ``?gemm`` of ``scipy.linalg.cython_blas`` that Numba's ``np.dot``
calls; called directly, it updates in place as MKL's does (C with plain SGD, AMD EPYC, three
processes each in turns: 1.33-1.39 against np.dot's 1.47-1.49 ms a step in float32,
3.11-4.24 against 3.74-4.72 in float64). Imports neither Numba nor, until asked, SciPy.
"""

from __future__ import annotations

import ctypes
import functools
import site
import sys
from pathlib import Path
from typing import Any

import numpy as np

CBLAS, FORTRAN = 0, 1  # how :func:`.cblas.gemm` calls the address it is given


def gemm_for(blas: str, dtype: np.dtype[Any]) -> tuple[int, int]:
    """``(address, convention)`` of the ``?gemm`` the compiled epochs call for ``dtype``
    (:func:`.cblas.gemm`): SciPy's for ``blas`` ``"scipy"`` (the plan's, which reads
    ``MATBACKPROP_BLAS``) or without MKL, else MKL's ``cblas_?gemm``."""
    if blas != "scipy":
        address = cblas_gemm_address(dtype)
        if address:
            return address, CBLAS
    return scipy_gemm_address(dtype), FORTRAN


@functools.cache
def scipy_gemm_address(dtype: np.dtype[Any]) -> int:
    """The address of SciPy's Fortran ``?gemm`` for ``dtype`` (``scipy.linalg.cython_blas``:
    every argument by reference, column-major)."""
    from scipy.linalg import cython_blas

    name_of = {"float64": "dgemm", "float32": "sgemm"}
    capsule = cython_blas.__pyx_capi__[name_of[np.dtype(dtype).name]]
    api = ctypes.pythonapi
    name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", api))
    pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
        ("PyCapsule_GetPointer", api)
    )
    return int(pointer(capsule, name(capsule)) or 0)


def cblas_gemm_address(dtype: np.dtype[Any]) -> int:
    """The address of MKL's ``cblas_?gemm`` for ``dtype``, which compiled code calls
    (:mod:`matbackprop._speed.cblas`), or 0 without MKL."""
    mkl = _mkl()
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
