"""The path ``fit`` chooses against the reference path, on this machine.

For each workload, optimizer and dtype, ``fit`` runs twice in fresh processes: as it chooses
(``History.path``), and with ``MATBACKPROP_FAST=0``. It prints ms per step of each and their
ratio, so a fast path that loses to the reference path here shows up at once (issue 15: on
an AMD EPYC the MKL path chosen for C took 1.3x the reference path's time). Nothing is
asserted; read the ratio.

    .venv/bin/python benchmarks/path_vs_reference.py               # B and C, SGD and Adam
    .venv/bin/python benchmarks/path_vs_reference.py --quick       # a small smoke run
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import reexec_without_openblas_env
from workloads import fit_cells

_CHILD = r"""
import json, sys, time
import numpy as np
import matbackprop as mb
layers, act, head, rows, batch, optimizer, dtype, epochs, repeats = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.standard_normal((rows, layers[0])).astype(dtype)
if head == "cross_entropy":
    y, out = rng.integers(0, layers[-1], rows), "softmax"
else:
    y, out = rng.standard_normal((rows, layers[-1])).astype(dtype), "identity"
settings = dict(loss=head, optimizer=optimizer, learning_rate=1e-3, batch_size=batch,
                progress=False, seed=0)
best, path = float("inf"), ""
for _ in range(repeats):
    net = mb.Network(layers, activation=act, output_activation=out, dtype=dtype, seed=0)
    net.fit(X[: 2 * batch], y[: 2 * batch], epochs=1, **settings)  # compile, warm the caches
    t = time.perf_counter()
    history = net.fit(X, y, epochs=epochs, **settings)
    best = min(best, time.perf_counter() - t)
    path = history.path
steps = epochs * -(-rows // batch)
print(json.dumps({"ms": best / steps * 1e3, "path": path}))
"""


def _time(args: list[object], reference: bool) -> dict[str, object]:
    env = dict(os.environ)
    if reference:
        env["MATBACKPROP_FAST"] = "0"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    quick, cells = fit_cells(__doc__.splitlines()[0], argv)
    epochs, repeats = (1, 1) if quick else (2, 3)
    print(f"{'cell':<22} {'chosen ms':>10} {'ref ms':>8} {'ratio':>6}  chosen path")
    for key, (layers, act, head, rows, batch), optimizer, dtype in cells:
        args = [layers, act, head, rows, batch, optimizer, dtype, epochs, repeats]
        chosen, ref = _time(args, False), _time(args, True)
        ratio = float(chosen["ms"]) / float(ref["ms"])  # type: ignore[arg-type]
        print(
            f"{key} {optimizer} {dtype:<12} {chosen['ms']:>10.3f} {ref['ms']:>8.3f} "
            f"{ratio:>6.2f}  {chosen['path']}"
        )
    return 0


if __name__ == "__main__":
    reexec_without_openblas_env(sys.argv[1:], __file__)
    raise SystemExit(main())
