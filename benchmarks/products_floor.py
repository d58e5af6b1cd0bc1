"""How close a step can come to its matrix products alone, on this machine.

A training step of workload D (256-2048-2048-1 on 8,192 rows) is its five large products
and a few element-wise passes. No implementation can run a step faster than its products
on the same BLAS, so the products alone are the floor of every tool that calls that BLAS:
ours, the plain NumPy loop, scikit-learn. This script times, in turns (each timing right
after an untimed run of the same thing, the best of ``--repeats`` counting):

* a square product of 3,072 (the matmul peak, as ``run.py`` measures it);
* the step's products alone, in NumPy, into preallocated arrays: ``O_{k-1}·W_k`` for every
  layer, ``O_{k-1}ᵀ·d_k`` for every layer, ``d_k·W_kᵀ`` for every layer but the first;
* ``fit``'s step on its reference path (``MATBACKPROP_FAST=0``) and the plain NumPy loop's
  (``tools.prepare_naive``).

It prints each as a share of the peak (by ``run.py``'s count, 6·n·weights FLOPs a step,
and by the products' own FLOPs) and the ratios that bound issue 15's goals for D: the
products / the NumPy loop's step is the least "ours / best peer" any tool on this BLAS can
reach, and the products' share of the peak the most any step's share can be. Like
``run.py``, it restarts itself once without ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE``.

    .venv/bin/python benchmarks/products_floor.py                     # D, float32, SGD
    .venv/bin/python benchmarks/products_floor.py --dtype float64 --optimizer adam
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tools
from run import reexec_without_openblas_env
from workloads import get_workload


def products_of(sizes: tuple[int, ...], rows: int, dtype: str) -> tuple[Callable[[], None], float]:
    """One step's products for layers ``sizes`` on ``rows`` rows, and their FLOPs."""
    rng = np.random.default_rng(0)
    O = [rng.standard_normal((rows, s)).astype(dtype) for s in sizes]  # O_0 = X, ..., O_L
    d = [rng.standard_normal((rows, s)).astype(dtype) for s in sizes]  # d_k beside O_k
    W = [rng.standard_normal((a, b)).astype(dtype) for a, b in itertools.pairwise(sizes)]
    dW = [np.empty_like(w) for w in W]
    L = len(W)

    def products() -> None:
        for k in range(1, L + 1):
            np.matmul(O[k - 1], W[k - 1], out=O[k])  # (rows, n_{k-1})·(n_{k-1}, n_k)
        for k in range(L, 0, -1):
            np.matmul(O[k - 1].T, d[k], out=dW[k - 1])  # ∂L/∂W_k: (n_{k-1}, n_k)
            if k > 1:
                np.matmul(d[k], W[k - 1].T, out=d[k - 1])  # d·W_kᵀ: (rows, n_{k-1})

    weights = sum(a * b for a, b in itertools.pairwise(sizes))
    return products, 2.0 * rows * (2 * weights + weights - sizes[0] * sizes[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="D")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the small workloads, a smoke run")
    args = parser.parse_args(argv)
    w = get_workload(args.workload, args.quick, args.optimizer)
    m = 256 if args.quick else 3072
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((m, m)).astype(args.dtype) for _ in range(2))
    c = np.empty((m, m), args.dtype)
    products, product_flops = products_of(w.layer_sizes, w.batch, args.dtype)
    reference, _ = tools.prepare_ours_reference(w, args.dtype)
    naive, _ = tools.prepare_naive(w, args.dtype)
    timed: dict[str, Callable[[], None]] = {
        "peak": lambda: np.matmul(a, b, out=c),
        "products": products,
        "reference": reference,
        "naive": naive,
    }
    per = {"peak": 1, "products": 1, "reference": w.chunk_steps, "naive": w.chunk_steps}
    best = dict.fromkeys(timed, float("inf"))
    for f in timed.values():
        f()
    for _ in range(args.repeats):
        for name, f in timed.items():
            f()
            t0 = time.perf_counter()
            f()
            best[name] = min(best[name], (time.perf_counter() - t0) / per[name])
    peak = 2.0 * m**3 / best["peak"] / 1e9
    bench_flops = w.step_flops
    print(f"{w.key} {w.title}, {args.dtype}, {args.optimizer}, best of {args.repeats} in turns")
    print(f"  matmul peak (square product of {m}): {peak:,.1f} GFLOP/s")
    for name in ("products", "reference", "naive"):
        share = bench_flops / best[name] / 1e9 / peak
        print(f"  {name:9} {best[name] * 1e3:9.1f} ms a step = {share:6.1%} of the peak "
              f"(6·n·weights; by the products' own FLOPs "
              f"{product_flops / best[name] / 1e9 / peak:.1%})")  # fmt: skip
    print(f"  products / naive step {best['products'] / best['naive']:.2f} (the least ours / "
          f"naive on this BLAS); reference / naive {best['reference'] / best['naive']:.2f}; "
          f"products / reference {best['products'] / best['reference']:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    reexec_without_openblas_env(sys.argv[1:], __file__)
    raise SystemExit(main())
