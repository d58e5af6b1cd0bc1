"""Whether the compiled epochs' whole batch on MKL beats the reference path, measured once.

A whole batch on MKL's threads (the compiled epochs' ``"whole"`` mode, C's 784-512-512-10
on 128 rows) replaces NumPy's calls around the products with compiled loops, and NumPy's
BLAS (OpenBLAS) with MKL. Whether that pays depends on the CPU: on the Intel Xeon of
``benchmarks/`` MKL ran C's products 10-25% faster than OpenBLAS, while on the AMD EPYC of
issue 15 the MKL path took up to 2.1x the reference path's time; there MKL's products alone
were slower than OpenBLAS's (5.1 against 3.4 ms for C's float32 step), while the whole
compiled step with Adam was faster (4.6 against 6.3 ms). No fixed rule and no timing of
the products alone holds on both, so :func:`whole_batch_wins` times a few steps of both
paths on random data of the run's shapes, and keeps the answer per CPU, thread count and
configuration, in memory and in a small JSON file (``$MATBACKPROP_CACHE_DIR``, else
``$XDG_CACHE_HOME/matbackprop`` or ``~/.cache/matbackprop``), written atomically. It takes
a fraction of a second, once per machine and shape; a cache that cannot be read or written
only means measuring again.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import limits

if TYPE_CHECKING:
    from .paths import Config

__all__ = ["cache_file", "whole_batch_wins"]

_memo: dict[str, bool] = {}


def cache_file() -> Path:
    """Where the measurements are kept."""
    root = os.environ.get("MATBACKPROP_CACHE_DIR")
    if root:
        return Path(root) / "blas_choice.json"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "matbackprop" / "blas_choice.json"


def whole_batch_wins(config: Config) -> bool:
    """Whether ``config``'s steps run faster as the compiled epochs' whole batches on MKL
    than on the reference path, on this machine."""
    c = config
    key = "|".join([
        _machine(), c.dtype, "-".join(map(str, c.layer_sizes)), ",".join(c.hidden), c.output,
        c.loss, c.optimizer, str(min(c.batch, c.rows)),
    ])  # fmt: skip
    if key not in _memo:
        stored = _read()
        if key not in stored:
            stored[key] = _measure(c)
            _write(stored)
        _memo[key] = bool(stored[key])
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


def _measure(c: Config) -> bool:
    """A few steps on each path from copies of one random network, the best of a few
    timings each (limits.MEASURE_STEPS, MEASURE_REPEATS)."""
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
    # each path's arrays made once, as fit makes them once per call: only steps are timed
    chosen = Plan("compiled_epochs", "measured")
    trainer = epoch_trainer(chosen, net.copy(), X, y, loss, eta, m, copy.deepcopy(opt))
    assert trainer is not None
    reference_net = net.copy()
    params = reference_net.parameters()
    state = opt.init_state(params)

    def reference() -> None:
        for start in range(0, len(X), m):
            rows = slice(start, start + m)
            _, grads = reference_net._value_and_gradients(X[rows], y[rows], loss, reuse=True)
            opt.update(params, grads.parameters(), state, eta)

    return _best(lambda: trainer.run(1)) < _best(reference)


def _best(run: Any) -> float:
    run()  # warm: threads started, pages touched
    best = float("inf")
    for _ in range(limits.MEASURE_REPEATS):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best


def _read() -> dict[str, bool]:
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): bool(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write(stored: dict[str, bool]) -> None:
    from ..persistence import atomic_write_bytes

    path = cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(stored, indent=1, sort_keys=True).encode())
    except OSError:
        pass  # a read-only home: measured again next time
