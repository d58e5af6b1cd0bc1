"""What validation and early stopping cost per epoch, on the path ``fit`` chooses.

Issue 15's goal: at most 10% more per epoch on workloads B and C. For each workload,
optimizer and dtype, ``fit`` trains the same network on the same rows three ways, and this
prints the best time per epoch of each (over the repeats) and the ratios to the plain run:

* ``plain``: no validation;
* ``+val``: ``validation_data`` of a tenth as many rows, its loss after every epoch;
* ``+val+es``: the same with ``early_stopping`` (a patience it never reaches, so every
  epoch runs and the best weights are copied whenever the validation loss improves).

Nothing is asserted; read the ratios. ``History.path`` is printed, so a run that left the
fast path shows up.

    .venv/bin/python benchmarks/options_cost.py            # B and C, SGD and Adam, both dtypes
    .venv/bin/python benchmarks/options_cost.py --quick    # a small smoke run
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import matbackprop as mb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import FitSpec, fit_cells

VARIANTS = ("plain", "+val", "+val+es")


def _data(layers: list[int], head: str, rows: int, dtype: str, seed: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, layers[0])).astype(dtype)
    if head == "cross_entropy":
        return X, rng.integers(0, layers[-1], rows)
    return X, rng.standard_normal((rows, layers[-1])).astype(dtype)


def _epoch_ms(
    spec: FitSpec, optimizer: str, dtype: str, variant: str,
    epochs: int, repeats: int,
) -> tuple[float, str]:  # fmt: skip
    """Best ms per epoch over ``repeats`` fits of ``epochs`` epochs, and the path taken."""
    layers, act, head, rows, batch = spec
    X, y = _data(layers, head, rows, dtype, 0)
    extra: dict[str, Any] = {}
    if variant != "plain":
        extra["validation_data"] = _data(layers, head, rows // 10, dtype, 1)
    if variant == "+val+es":
        extra.update(early_stopping=True, patience=10**6)
    out = "softmax" if head == "cross_entropy" else "identity"
    settings = dict(loss=head, optimizer=optimizer, learning_rate=1e-3, batch_size=batch,
                    progress=False, seed=0, **extra)  # fmt: skip
    best, path = float("inf"), ""
    for _ in range(repeats):
        net = mb.Network(layers, activation=act, output_activation=out, dtype=dtype, seed=0)
        net.fit(X[: 2 * batch], y[: 2 * batch], epochs=1, **settings)  # compile, warm up
        start = time.perf_counter()
        history = net.fit(X, y, epochs=epochs, **settings)
        best = min(best, time.perf_counter() - start)
        path = history.path
    return best / epochs * 1e3, path.split(" (")[0]


def main(argv: list[str] | None = None) -> int:
    quick, cells = fit_cells(__doc__.splitlines()[0], argv)
    epochs, repeats = (1, 1) if quick else (3, 5)
    print(f"{'cell':<18} " + " ".join(f"{v + ' ms':>11}" for v in VARIANTS)
          + "   +val/plain  +val+es/plain  path")  # fmt: skip
    for key, spec, optimizer, dtype in cells:
        times, paths = zip(
            *(_epoch_ms(spec, optimizer, dtype, v, epochs, repeats) for v in VARIANTS)
        )
        path = paths[0] if len(set(paths)) == 1 else "/".join(paths)
        print(
            f"{key} {optimizer} {dtype:<10} "
            + " ".join(f"{t:>11.2f}" for t in times)
            + f"   {times[1] / times[0]:>10.3f}  {times[2] / times[0]:>13.3f}  {path}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
