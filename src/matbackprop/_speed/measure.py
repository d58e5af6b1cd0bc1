"""Which BLAS runs the compiled epochs' whole batches fastest, or none: measured once.

A whole batch on a BLAS's threads (C's 784-512-512-10 on 128 rows) replaces NumPy's calls
around the products with compiled loops, and NumPy's BLAS with MKL's or SciPy's. Which pays
depends on the CPU: on the Intel Xeon of ``benchmarks/`` MKL ran C's products 10-25% faster
than OpenBLAS; on the AMD EPYC of issue 15 the MKL path took up to 2.1x the reference path's
time, MKL's products alone were slower than OpenBLAS's while its whole compiled step with
Adam was faster, and SciPy's OpenBLAS beat MKL in float32 (docs/benchmarks.md). So
:func:`whole_batch_blas` times a few steps of each candidate and of the reference path on
random data of the run's shapes, once per CPU, thread count and configuration, and keeps
the answer in memory and in a small JSON file (``$MATBACKPROP_CACHE_DIR``, else
``$XDG_CACHE_HOME/matbackprop`` or ``~/.cache/matbackprop``), written atomically; a cache
that cannot be read or written only means measuring again.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import limits
from .paths import BLAS_NAMES, Config

__all__ = ["cache_file", "whole_batch_blas"]

_memo: dict[str, str] = {}


def cache_file() -> Path:
    """Where the measurements are kept."""
    root = os.environ.get("MATBACKPROP_CACHE_DIR")
    if root:
        return Path(root) / "blas_choice.json"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "matbackprop" / "blas_choice.json"


def whole_batch_blas(config: Config, candidates: tuple[str, ...]) -> str:
    """Which of the BLAS ``candidates`` (``"mkl"``, ``"scipy"``) runs ``config``'s steps
    fastest as the compiled epochs' whole batches on this machine, or ``"reference"``
    where the reference path is faster than all of them."""
    c = config
    key = "|".join([
        _machine(), c.dtype, "-".join(map(str, c.layer_sizes)), ",".join(c.hidden), c.output,
        c.loss, c.optimizer, str(min(c.batch, c.rows)), ",".join(candidates),
    ])  # fmt: skip
    if key not in _memo:
        stored = _read()
        if key not in stored:
            stored[key] = _measure(c, candidates)
            _write(stored)
        _memo[key] = stored[key]
    return _memo[key]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
            cpu = next(names, cpu)
    except OSError:
        pass
    return f"{cpu}|{os.cpu_count()} cpus"


def _measure(c: Config, candidates: tuple[str, ...]) -> str:
    """A few steps on each path from copies of one random network, the best of a few
    timings each (limits.MEASURE_*): the fastest path's name."""
    from ..losses import MSE, get_loss
    from ..network import Network
    from ..optimizers import SGD, get_optimizer
    from . import epoch_trainer
    from .paths import Plan

    m, dt = min(c.batch, c.rows), np.dtype(c.dtype)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((limits.MEASURE_STEPS * m, c.layer_sizes[0])).astype(dt)
    n_out = c.layer_sizes[-1]
    if c.output == "softmax":
        y = np.eye(n_out, dtype=dt)[rng.integers(0, n_out, len(X))]
    else:
        y = rng.random((len(X), n_out)).astype(dt)
    net = Network(list(c.layer_sizes), list(c.hidden), c.output, dtype=dt, seed=0)
    loss = MSE(half=True) if c.loss == "mse_half" else get_loss(c.loss)
    momentum = {"momentum": SGD(momentum=0.9), "nesterov": SGD(momentum=0.9, nesterov=True)}
    opt = momentum.get(c.optimizer) or get_optimizer(c.optimizer)
    eta = 1e-3
    reference_net = net.copy()
    params = reference_net.parameters()
    state = opt.init_state(params)

    def reference() -> None:
        for start in range(0, len(X), m):
            rows = slice(start, start + m)
            _, grads = reference_net._value_and_gradients(X[rows], y[rows], loss, reuse=True)
            opt.update(params, grads.parameters(), state, eta)

    runs: dict[str, Any] = {"reference": reference}
    for blas in candidates:
        # each path's arrays made once, as fit makes them once per call: only steps are timed
        chosen = Plan("compiled_epochs", "measured", blas)
        trainer = epoch_trainer(chosen, net.copy(), X, y, loss, eta, m, copy.deepcopy(opt))
        assert trainer is not None
        runs[blas] = functools.partial(trainer.run, 1)
    # the paths in turns, so that a slow spell of the machine falls on all of them; each
    # timing after an untimed run of its own path, whose threads are then awake
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(limits.MEASURE_REPEATS):
        for name, run in runs.items():
            run()
            t0 = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t0)
    return min(best, key=best.__getitem__)


def _read() -> dict[str, str]:
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if v == "reference" or v in BLAS_NAMES}


def _write(stored: dict[str, str]) -> None:
    from ..persistence import atomic_write_bytes

    path = cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(stored, indent=1, sort_keys=True).encode())
    except OSError:
        pass  # a read-only home: measured again next time
