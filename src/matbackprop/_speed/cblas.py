"""Calls to C functions by address from Numba-compiled code: MKL's CBLAS ``?gemm`` and
``MKL_Set_Num_Threads_Local`` (imports Numba).

Numba can take a ctypes function as an argument, but its dispatcher then types every
call's arguments in Python (~1.5 ms for the compiled epochs' 26 arguments, a tenth of an
epoch of the tabular workload). Here the function travels as its address, a plain
integer that the dispatcher types in C, and the call is made through a pointer in the
compiled code; the on-disk cache stays valid, since the address is an argument and not a
constant of the machine code.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .blas import NO_TRANS, ROW_MAJOR, TRANS

__all__ = ["NO_TRANS", "TRANS", "gemm", "set_threads"]


def _gemm_typing(
    typingctx: Any, addr: Any, ta: Any, tb: Any, m: Any, n: Any, k: Any, alpha: Any,
    a: Any, lda: Any, b: Any, ldb: Any, beta: Any, c: Any, ldc: Any,
) -> Any:  # fmt: skip
    if not isinstance(alpha, types.Float) or beta != alpha:
        return None  # alpha and beta in the arrays' dtype: float32 (sgemm) or float64 (dgemm)
    sig = types.void(addr, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        i32, real = ir.IntType(32), context.get_value_type(alpha)
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(
            ir.VoidType(), [i32] * 6 + [real, ptr, i32, ptr, i32, real, ptr, i32]
        )
        fn = builder.inttoptr(args[0], fnty.as_pointer())
        (_, ta_, tb_, m_, n_, k_, alpha_, a_, lda_, b_, ldb_, beta_, c_, ldc_) = args

        def int32(v: Any) -> Any:
            return builder.trunc(v, i32)

        def pointer(v: Any) -> Any:
            return builder.inttoptr(v, ptr)

        builder.call(fn, [
            ir.Constant(i32, ROW_MAJOR), int32(ta_), int32(tb_), int32(m_), int32(n_),
            int32(k_), alpha_, pointer(a_), int32(lda_), pointer(b_), int32(ldb_), beta_,
            pointer(c_), int32(ldc_),
        ])  # fmt: skip
        return context.get_dummy_value()

    return sig, codegen


def _set_threads_typing(typingctx: Any, addr: Any, n: Any) -> Any:
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        i32 = ir.IntType(32)
        fn = builder.inttoptr(args[0], ir.FunctionType(i32, [i32]).as_pointer())
        old = builder.call(fn, [builder.trunc(args[1], i32)])
        return builder.sext(old, ir.IntType(64))

    return types.int64(addr, n), codegen


#: ``gemm(addr, trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)``: the row-major
#: ``cblas_?gemm`` at ``addr``; ``A``, ``B``, ``C`` are addresses (``arr.ctypes.data``), and
#: ``alpha``, ``beta`` of the arrays' dtype.
gemm: Any = intrinsic(_gemm_typing)
#: ``set_threads(addr, n)``: ``MKL_Set_Num_Threads_Local(n)`` at ``addr``; returns the old value.
set_threads: Any = intrinsic(_set_threads_typing)
