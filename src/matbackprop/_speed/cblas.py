"""Calls to BLAS by address from Numba-compiled code (imports Numba): ``?gemm``, MKL's CBLAS
one or SciPy's Fortran one, and MKL's ``MKL_Set_Num_Threads_Local``.

Numba can take a ctypes function as an argument, but its dispatcher then types every call's
arguments in Python (~1.5 ms for the compiled epochs' 26 arguments, a tenth of an epoch of
the tabular workload). Here the address travels as a plain integer, typed in C, and the call
goes through a pointer in the compiled code, whose on-disk cache then stays valid.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from .blas import FORTRAN, NO_TRANS, ROW_MAJOR, TRANS

__all__ = ["NO_TRANS", "TRANS", "gemm", "set_threads"]


def _gemm_typing(
    typingctx: Any, blas: Any, ta: Any, tb: Any, m: Any, n: Any, k: Any, alpha: Any,
    a: Any, lda: Any, b: Any, ldb: Any, beta: Any, c: Any, ldc: Any,
) -> Any:  # fmt: skip
    if not isinstance(alpha, types.Float) or beta != alpha:
        return None  # alpha and beta in the arrays' dtype: float32 (sgemm) or float64 (dgemm)
    sig = types.void(blas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        i8, i32, real = ir.IntType(8), ir.IntType(32), context.get_value_type(alpha)
        ptr = i8.as_pointer()
        (blas_, ta_, tb_, m_, n_, k_, alpha_, a_, lda_, b_, ldb_, beta_, c_, ldc_) = args
        address, convention = (builder.extract_value(blas_, i) for i in (0, 1))
        m_, n_, k_, lda_, ldb_, ldc_ = (
            builder.trunc(v, i32) for v in (m_, n_, k_, lda_, ldb_, ldc_)
        )
        a_, b_, c_ = (builder.inttoptr(v, ptr) for v in (a_, b_, c_))

        def ref(v: Any) -> Any:  # a Fortran argument: a pointer to the value
            where = cgutils.alloca_once_value(builder, v)  # type: ignore[no-untyped-call]
            return builder.bitcast(where, ptr)

        def letter(t: Any) -> Any:  # CBLAS's NO_TRANS as Fortran's 'N', TRANS as 'T'
            no = builder.icmp_signed("==", t, ir.Constant(t.type, NO_TRANS))
            return ref(builder.select(no, ir.Constant(i8, ord("N")), ir.Constant(i8, ord("T"))))

        fortran = builder.icmp_signed("==", convention, ir.Constant(convention.type, FORTRAN))
        with builder.if_else(fortran) as (in_fortran, in_cblas):
            with in_fortran:  # column-major, so Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swapped
                fnty = ir.FunctionType(ir.VoidType(), [ptr] * 13)
                fn = builder.inttoptr(address, fnty.as_pointer())
                builder.call(fn, [
                    letter(tb_), letter(ta_), ref(n_), ref(m_), ref(k_), ref(alpha_), b_,
                    ref(ldb_), a_, ref(lda_), ref(beta_), c_, ref(ldc_),
                ])  # fmt: skip
            with in_cblas:
                fnty = ir.FunctionType(
                    ir.VoidType(), [i32] * 6 + [real, ptr, i32, ptr, i32, real, ptr, i32]
                )
                fn = builder.inttoptr(address, fnty.as_pointer())
                builder.call(fn, [
                    ir.Constant(i32, ROW_MAJOR), builder.trunc(ta_, i32), builder.trunc(tb_, i32),
                    m_, n_, k_, alpha_, a_, lda_, b_, ldb_, beta_, c_, ldc_,
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


#: ``gemm(blas, trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)``: the row-major
#: product ``C = alpha·op(A)·op(B) + beta·C`` by ``blas = (address, convention)``
#: (:func:`.blas.gemm_for`): a ``cblas_?gemm``, or a Fortran ``?gemm`` (SciPy's), called with
#: the operands swapped; ``A``, ``B``, ``C`` are addresses (``arr.ctypes.data``), and
#: ``alpha``, ``beta`` of the arrays' dtype.
gemm: Any = intrinsic(_gemm_typing)
#: ``set_threads(addr, n)``: ``MKL_Set_Num_Threads_Local(n)`` at ``addr``; returns the old value.
set_threads: Any = intrinsic(_set_threads_typing)
