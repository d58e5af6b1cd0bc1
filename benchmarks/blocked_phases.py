"""Where a blocked step's time goes, piece by piece, on D's shapes (256-2048-2048-1, 8,192 rows).

    python benchmarks/blocked_phases.py [--dtypes float64,float32] [--repeats 7] [--quick]

Times the pieces that :mod:`matbackprop._speed.blocked` makes a step of, each called as the
kernel calls it, taking turns so that all see the same load:

* the products: ``X·W_1`` and ``O_1·W_2`` forward and ``d_2·W_2ᵀ`` backward in blocks, one
  share of the rows per thread, one-threaded MKL against packed weights; the updates of
  ``W_2`` and ``W_1``, one ``gemm`` each on MKL's threads; and MKL's square 3072³ product,
  the peak that ``run.py`` holds D against;
* packing ``W_1``, ``W_2`` and ``W_2ᵀ``: on one thread, and shared among the threads as a
  step begins;
* ``d_{k-1} = g * f'(O_{k-1})`` and its column sums on a block of the kernel's rows and on
  a quarter of one (which stays in a core's L2 cache with room to spare): into another
  array, over ``O`` by ``_times_df_sums`` given ``O`` twice, and over ``O`` by
  ``_times_df_over``.

Needs the ``mkl`` extra. Speed is measured here, never asserted.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numba
import numpy as np

from matbackprop._speed import blas as _blas
from matbackprop._speed import blocked as _blocked
from matbackprop._speed import cblas as _cblas
from matbackprop._speed.compiled import ACTIVATION_CODES
from matbackprop._speed.compiled_blas import _times_df_over, _times_df_sums, _update

N, SIZES, SQUARE = 8192, (256, 2048, 2048, 1), 3072
QUICK = 256, (16, 64, 64, 1), 256  # --quick: tiny shapes, a smoke test, not a measurement
THREADS = 2
RELU = ACTIVATION_CODES["relu"]


@numba.njit(nogil=True, parallel=True)
def _blocks(addr: Any, R: int, A: Any, P: Any, C: Any) -> None:
    """``C = A·B`` with ``B`` packed in ``P``: each thread a share of the rows, in blocks of
    ``R``, on one-threaded MKL (as the blocked kernel's passes)."""
    m = A.shape[0]
    rows = -(-m // THREADS)
    for t in numba.prange(THREADS):
        before = _cblas.set_threads(addr[3], 1)
        lo, hi = t * rows, min(m, (t + 1) * rows)
        for s in range(lo, hi, R):
            _blocked._packed_product(addr[2], A[s : min(hi, s + R)], P, C[s : min(hi, s + R)])
        _cblas.set_threads(addr[3], before)


@numba.njit(nogil=True)
def _update_once(addr: Any, W: Any, O: Any, d: Any, eta: Any) -> None:
    _update(addr[0], W, O, d, eta)


@numba.njit(nogil=True)
def _pack_on_one_thread(addr: Any, Ws: Any, P: Any, PT: Any, R: int) -> None:
    for j in range(2 * len(Ws) - 3):
        _blocked._pack_job(addr, Ws, P, PT, R, j)


@numba.njit(nogil=True, parallel=True)
def _pack_shared(addr: Any, Ws: Any, P: Any, PT: Any, R: int) -> None:
    jobs = 2 * len(Ws) - 3
    for t in numba.prange(THREADS):
        for j in range(t, jobs, THREADS):
            _blocked._pack_job(addr, Ws, P, PT, R, j)


@numba.njit(nogil=True)
def _df_apart(g: Any, O: Any, out: Any, col: Any, k: int) -> None:
    for _ in range(k):
        _times_df_sums(g, O, RELU, out, col)


@numba.njit(nogil=True)
def _df_given_twice(g: Any, O: Any, col: Any, k: int) -> None:
    for _ in range(k):
        _times_df_sums(g, O, RELU, O, col)


@numba.njit(nogil=True)
def _df_over(g: Any, O: Any, col: Any, k: int) -> None:
    for _ in range(k):
        _times_df_over(g, O, RELU, col)


def _timed(pieces: dict[Any, Callable[[], object]], repeats: int) -> dict[Any, list[float]]:
    """Seconds of each piece over ``repeats`` rounds, the pieces taking turns."""
    for piece in pieces.values():
        piece()  # compile and touch
    seconds: dict[Any, list[float]] = {name: [] for name in pieces}
    for _ in range(repeats):
        for name, piece in pieces.items():
            t0 = time.perf_counter()
            piece()
            seconds[name].append(time.perf_counter() - t0)
    return seconds


def phases(dtype: str, repeats: int, quick: bool = False) -> list[str]:
    n, sizes, m = QUICK if quick else (N, SIZES, SQUARE)
    dt = np.dtype(dtype)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, sizes[0])).astype(dt)
    O1 = np.maximum(rng.standard_normal((n, sizes[1])), 0).astype(dt)
    d2 = rng.standard_normal((n, sizes[2])).astype(dt)
    out = np.empty((n, sizes[1]), dt)
    Ws = tuple(rng.standard_normal((a, b)).astype(dt) * 0.01 for a, b in itertools.pairwise(sizes))
    bufs = _blocked.Buffers(sizes, dt, n, THREADS)
    R = bufs.R
    pack, compute = _blas.mkl_packed_addresses(dt)
    addr = np.array([_blas.cblas_gemm_address(dt), pack, compute,
                     _blas.mkl_set_threads_local_address()], np.int64)  # fmt: skip
    _pack_on_one_thread(addr, Ws, bufs.P, bufs.PT, R)
    eta = dt.type(1e-12)
    square = rng.standard_normal((m, m)).astype(dt)
    square_out = np.empty_like(square)
    mkl = _blas._mkl()
    assert mkl is not None

    two_k = 2.0 * n * sizes[1] * sizes[2]  # FLOPs of one 8192 × 2048 × 2048 product
    one_k = 2.0 * n * sizes[0] * sizes[1]
    products: dict[str, tuple[Callable[[], object], float]] = {
        "X·W_1, blocks": (lambda: _blocks(addr, R, X, bufs.P[0], out), one_k),
        "O_1·W_2, blocks": (lambda: _blocks(addr, R, O1, bufs.P[1], out), two_k),
        "d_2·W_2ᵀ, blocks": (lambda: _blocks(addr, R, d2, bufs.PT[1], out), two_k),
        "W_2 −= η·O_1ᵀ·d_2, MKL's threads": (lambda: _update_once(addr, Ws[1], O1, d2, eta), two_k),
        "W_1 −= η·Xᵀ·d_1, MKL's threads": (lambda: _update_once(addr, Ws[0], X, d2, eta), one_k),
        f"square {m}³, MKL (the peak)": (
            lambda: mkl.matmul(square, square, out=square_out),
            2.0 * m**3,
        ),
    }
    packing = {
        "one thread": lambda: _pack_on_one_thread(addr, Ws, bufs.P, bufs.PT, R),
        "shared": lambda: _pack_shared(addr, Ws, bufs.P, bufs.PT, R),
    }
    # d over O on blocks of R and R/4 rows, k passes a call (over O, the passes after the
    # first see d in O: a select either way, as fast)
    k, df, block_rows = 200, {}, (R, max(1, R // 4))
    col = np.zeros(sizes[1], dt)
    for r in block_rows:
        g, O, O_twice, O_over = (a[:r].copy() for a in (d2, O1, O1, O1))
        apart = np.empty_like(O)
        df |= {
            ("into another array", r): partial(_df_apart, g, O, apart, col, k),
            ("over O, _times_df_sums given O twice", r): partial(
                _df_given_twice, g, O_twice, col, k
            ),
            ("over O, _times_df_over", r): partial(_df_over, g, O_over, col, k),
        }
    pieces: dict[Any, Callable[[], object]] = {name: f for name, (f, _) in products.items()}
    pieces |= packing | df
    seconds = _timed(pieces, repeats)
    lines = [
        f"\n{dtype}: {'-'.join(map(str, sizes))}, {n:,} rows in blocks of {R} on {THREADS} "
        f"threads; "
        f"median (best) of {repeats}, taking turns"
    ]
    lines.append("  products:")
    for name, (_, flops) in products.items():
        med, best = statistics.median(seconds[name]), min(seconds[name])
        lines.append(f"    {name:34} {med * 1e3:8.1f} ms  {flops / med / 1e9:6.1f} "
                     f"({flops / best / 1e9:6.1f}) GFLOP/s")  # fmt: skip
    lines.append("  packing W_1, W_2 and W_2ᵀ:")
    for name in packing:
        med, best = statistics.median(seconds[name]), min(seconds[name])
        lines.append(f"    {name:34} {med * 1e3:8.2f} ms ({best * 1e3:.2f})")
    lines.append(
        f"  d = g·f'(O) and its column sums, ReLU, {sizes[1]} wide, ns an entry, blocks of:"
    )
    lines.append(" " * 42 + "".join(f"{r:>6} rows" for r in block_rows))
    for name in dict.fromkeys(name for name, _ in df):
        each = [statistics.median(seconds[name, r]) / (k * r * sizes[1]) for r in block_rows]
        lines.append(f"    {name:38}" + "".join(f"{t * 1e9:10.3f}" for t in each))
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--dtypes", default="float64,float32", help="float64 and/or float32")
    p.add_argument("--repeats", type=int, default=7, help="rounds of the pieces (>= 1)")
    p.add_argument("--quick", action="store_true", help="tiny shapes, for a smoke test")
    args = p.parse_args(argv)
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    for d in dtypes:
        if d not in ("float64", "float32"):
            p.error(f"--dtypes: expected float64 and/or float32, got {d!r}")
    if args.repeats < 1:
        p.error(f"--repeats must be >= 1, got {args.repeats}")
    pack, _ = _blas.mkl_packed_addresses(np.dtype(np.float64))
    if pack == 0:
        print("needs MKL's packed products: pip install 'matbackprop[mkl]'", file=sys.stderr)
        return 1
    for dtype in dtypes:
        print("\n".join(phases(dtype, args.repeats, args.quick)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
