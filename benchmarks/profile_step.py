"""Where the time of one training step goes: each matrix product, and everything else.

``python benchmarks/profile_step.py C float32`` runs one workload's step (the first batch)
``--steps`` times on the reference path (``MATBACKPROP_FAST=0``: ``np.matmul`` into reused
buffers, then the optimizer's ``W -= η·dW``) with plain SGD, in a process of its own, and
prints the time per step and the part spent in each matrix product (timed around each call).
The compiled paths make their products inside compiled code, where nothing can time them.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS, make_data


def profile(key: str, dtype: str, steps: int) -> dict[str, Any]:
    """Time ``steps`` steps of workload ``key`` on the reference path, in this process."""
    import matbackprop as mb
    from matbackprop.losses import get_loss
    from matbackprop.optimizers import SGD

    w = WORKLOADS[key]
    dt = np.float64 if dtype == "float64" else np.float32
    X, y = make_data(w, dt)
    Xb, yb = X[: w.batch], y[: w.batch]
    loss = get_loss(w.loss)
    net = mb.Network(w.layer_sizes, w.activation, w.output, bias=w.bias, seed=0, dtype=dt)
    spent: dict[str, float] = collections.defaultdict(float)

    def timed(name: str, f: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            result = f(*args, **kwargs)
            operands = args[:2]
            shapes = "·".join("x".join(map(str, a.shape)) for a in operands)
            spent[f"{name} {shapes}"] += time.perf_counter() - t0
            return result

        return call

    os.environ["MATBACKPROP_FAST"] = "0"
    np.matmul = timed("matmul", np.matmul)  # this process only, called as np.matmul
    opt, params = SGD(), net.parameters()
    state = opt.init_state(params)

    def step() -> None:
        _, grads = net._value_and_gradients(Xb, yb, loss, reuse=True)
        t0 = time.perf_counter()
        opt.update(params, grads.parameters(), state, w.learning_rate)
        spent["update W -= η·dW"] += time.perf_counter() - t0

    for _ in range(3):
        step()
    spent.clear()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    total = (time.perf_counter() - t0) / steps
    return {"total": total, "parts": {k: v / steps for k, v in spent.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("dtype", choices=["float64", "float32"])
    parser.add_argument("--steps", type=int, default=0, help="default: ~2 s of steps")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    steps = args.steps or {"A": 2000, "B": 2000, "C": 200, "D": 2}[args.workload]
    if args.worker:
        print(json.dumps(profile(args.workload, args.dtype, steps)))
        return 0
    w = WORKLOADS[args.workload]
    print(f"{w.describe()} [{args.dtype}], one step on the first batch, mean of {steps}")
    cmd = [sys.executable, __file__, args.workload, args.dtype, "--steps", str(steps)]
    run = subprocess.run([*cmd, "--worker"], capture_output=True, text=True)
    if run.returncode != 0:
        print(f"\nfailed: {(run.stderr.strip().splitlines() or ['?'])[-1]}")
        return 1
    result = json.loads(run.stdout.strip().splitlines()[-1])
    total, parts = result["total"], result["parts"]
    print(f"\nreference path: {total * 1e6:,.1f} µs per step")
    for name, t in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:44} {t * 1e6:11,.1f} µs  {t / total:6.1%}")
    rest = total - sum(parts.values())
    print(f"  {'everything else (element-wise, Python)':44} {rest * 1e6:11,.1f} µs  "
          f"{rest / total:6.1%}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
