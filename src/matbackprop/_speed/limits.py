"""Every threshold of the speed layer, each with the measurement that set it.

:func:`matbackprop._speed.paths.plan` reads the ones that choose a path; the kernels read
the others (how to cut a batch, when to start threads, how long one compiled call runs).
They are read as ``limits.NAME`` at call time, so that a test may move one with
``monkeypatch.setattr(limits, "NAME", ...)``. They were measured on the benchmark machine
(an Intel Xeon, ``benchmarks/``, docs/benchmarks.md); issue 15 reports that on an AMD EPYC
the MKL thresholds chose badly, so the BLAS of a whole batch, if any, is now measured on the
machine that runs it (:mod:`matbackprop._speed.measure`), once per shape.
"""

from __future__ import annotations

# -- which path (plan) -------------------------------------------------------------------

# Multiply-adds of one epoch (rows × weights) below which the compiled loops beat BLAS
# calls; measured: the seed's network (10 weights) gains 4x, a 20-64-64-1 network (5,440
# weights) is slower compiled than in NumPy. (Was _compiled._TINY_WEIGHTS.)
TINY_WEIGHTS = 64

# A step's largest product (rows × n_{k-1} × n_k, multiply-adds) decides how a batch runs.
# Up to PARTS_UP_TO, in parts of rows, one per thread, each with one-threaded BLAS: for
# B's 20-64-64-1 on 256 rows (2^20) two halves take 63 µs a step in float32, one batch
# 83 µs on one thread and no less on MKL's two. Above, whole on the BLAS's threads: up to
# MEASURED_UP_TO on MKL's or SciPy's or the reference path, as measured (C's 784-512-512-10
# on 128 rows, 51M); beyond, too long to time at first use (D's, 2^35, ~1.3 s in float64),
# on SciPy's in LARGE_DTYPES: D took 0.93-0.98 of the reference path's time a step in
# float64 in make bench, 1.03 and 0.99 in float32 (SGD, Adam), where the element-wise
# passes it saves are half the bytes; MKL's products half OpenBLAS's speed there.
PARTS_UP_TO = 1 << 22
MEASURED_UP_TO = 1 << 27
LARGE_DTYPES = ("float64",)

# -- inside a path (the kernels) ---------------------------------------------------------

# Rows × weights per call of the tiny loops, about 5 ms of work: Ctrl-C and the progress
# bar wait for it. (Was _compiled._WORK_PER_CALL.)
TINY_WORK_PER_CALL = 3_000_000
# Rows × weights per call of the compiled epochs when the rows are in order
# (B: 2 ms of work; at least one epoch): Ctrl-C and the progress bar wait for a call to
# end. Shuffled rows take one epoch per call. (Was _compiled_blas._WORK_PER_CALL.)
BLAS_WORK_PER_CALL = 50_000_000

# Rows of a part of a batch at least: a batch of m rows runs in min(threads, m // PART_ROWS)
# parts (B's 256-row batches: two parts of 128 on two threads, the "two halves" above).
# Below, handing a thread its share was judged to cost more than the share saves; not
# measured on its own (it was _compiled_blas._PART_ROWS).
PART_ROWS = 64
# Rows per forward pass of the compiled epochs' validation loss (loss_at): its buffers stay
# a few MB on wide layers (256 × 2048 float64 is 4 MB). A bound on memory, not a speed.
LOSS_ROWS = 256

# -- the first-use measurement (matbackprop._speed.measure) ---------------------------------

# Steps of each path per timing, and timings per path, the best counting, each after an
# untimed run of its path, the paths in turns: C's four steps take ~20 ms on any path, so
# the measurement takes about a second once per machine and shape; the best of five in turns
# is the least disturbed by other work (timings on the 2-core AMD EPYC of issue 15 moved by
# ±30% from run to run; measured in blocks, one path after the other, the answer for C
# with Adam in float64 went to the reference path at 8.2 ms a step against MKL's 6.1).
MEASURE_STEPS = 4
MEASURE_REPEATS = 5
