"""Every threshold of the speed layer, each with the measurement that set it.

:func:`matbackprop._speed.paths.plan` reads the ones that choose a path; the kernels read
the others (how to cut a batch, when to start threads, how long one compiled call runs).
They are read as ``limits.NAME`` at call time, so that a test may move one with
``monkeypatch.setattr(limits, "NAME", ...)``. They were measured on the benchmark machine
(an Intel Xeon, ``benchmarks/``, docs/benchmarks.md); issue 15 reports that on an AMD EPYC
the MKL thresholds choose badly.
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
# 83 µs on one thread and no less on MKL's two. Up to WHOLE_UP_TO, with MKL, as one part
# on all of MKL's threads (C's 784-512-512-10 on 128 rows, 51M: 64-row halves on one
# thread each are slower), updating in place. Above, the fused NumPy step's parallel
# element-wise loops win. (Were _compiled_blas._PARTS_UP_TO and _WHOLE_UP_TO.)
PARTS_UP_TO = 1 << 22
WHOLE_UP_TO = 1 << 27

# Rows of a batch from which the blocks pay, when its largest product is beyond the compiled
# epochs' parts (PARTS_UP_TO). Each step packs its weights, once or twice: for
# 512-4096-4096-1 in float32 the fused NumPy step took 60 ms a step of 128 rows, the
# blocks 92; at 2,048 rows both took 0.76 s. Against the compiled epochs' whole batches,
# whose element-wise loops run on one thread, the blocks took half the time at 2,048 rows
# (64-128-128-1, 64-256-256-1) and 10,000 (20-64-64-1), but 1.2x on C's 128.
# (Was _blocked._FROM_ROWS.)
BLOCKED_FROM_ROWS = 2048

# -- inside a path (the kernels) ---------------------------------------------------------

# Multiply-adds of a step's largest product from which the fused step takes MKL: below, a
# ctypes call (~5 µs) and waking MKL's threads cost more than they save. (Was
# _blas.MKL_FROM.)
MKL_FROM = 1 << 22

# Entries (rows × neurons) from which a layer's passes go through the fused loops: below,
# the NumPy calls they replace are cheaper than a call there (B's 256 × 64 layers are
# 2^14). (Was _fused.MIN_SIZE.)
FUSED_MIN_SIZE = 1 << 13
# ...and from which a pass is split over the cores: below, starting the threads (~10 µs
# here, while MKL's threads still spin after a product) costs more than they save.
# (Was _fused.PARALLEL_FROM.)
FUSED_PARALLEL_FROM = 1 << 20

# A block's widest activations, in bytes: a core's L2 cache on the benchmark machine. With
# 128 to 512 rows of 2048 float32 neurons, two threads' packed products ran at 317-347
# GFLOP/s where MKL's own two-threaded product of all 8,192 rows ran at 306.
# (Was _blocked._BLOCK_BYTES.)
BLOCK_BYTES = 1 << 21

# Rows × weights per call of the tiny loops, about 5 ms of work: Ctrl-C and the progress
# bar wait for it. (Was _compiled._WORK_PER_CALL.)
TINY_WORK_PER_CALL = 3_000_000
# Rows × weights per call of the compiled epochs and the blocks when the rows are in order
# (B: 2 ms of work; at least one epoch): Ctrl-C and the progress bar wait for a call to
# end. Shuffled rows take one epoch per call. (Was _compiled_blas._WORK_PER_CALL.)
BLAS_WORK_PER_CALL = 50_000_000
