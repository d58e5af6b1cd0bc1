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

import functools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import matbackprop as mb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import reexec_without_openblas_env
from workloads import FitSpec, fit_cells

VARIANTS = ("plain", "+val", "+val+es")


def _data(layers: list[int], head: str, rows: int, dtype: str, seed: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, layers[0])).astype(dtype)
    if head == "cross_entropy":
        return X, rng.integers(0, layers[-1], rows)
    return X, rng.standard_normal((rows, layers[-1])).astype(dtype)


def _fits(spec: FitSpec, optimizer: str, dtype: str, epochs: int) -> list[Any]:
    """One ``fit`` of ``epochs`` epochs per variant, each on a new network, warmed up;
    a call returns its ``History``."""
    layers, act, head, rows, batch = spec
    X, y = _data(layers, head, rows, dtype, 0)
    out = "softmax" if head == "cross_entropy" else "identity"
    fits = []
    for variant in VARIANTS:
        extra: dict[str, Any] = {}
        if variant != "plain":
            extra["validation_data"] = _data(layers, head, rows // 10, dtype, 1)
        if variant == "+val+es":
            extra.update(early_stopping=True, patience=10**6)
        settings = dict(loss=head, optimizer=optimizer, learning_rate=1e-3, batch_size=batch,
                        progress=False, seed=0, **extra)  # fmt: skip
        net = mb.Network(layers, activation=act, output_activation=out, dtype=dtype, seed=0)
        net.fit(X[: 2 * batch], y[: 2 * batch], epochs=1, **settings)  # compile, warm up
        fits.append(functools.partial(net.fit, X, y, epochs=epochs, **settings))
    return fits


def _epoch_ms(fits: list[Any], epochs: int, repeats: int) -> tuple[list[float], list[str]]:
    """Best ms per epoch of each variant, the variants taking turns within each repeat (so
    that a slow spell of the machine falls on all of them alike), and the paths taken."""
    best, paths = [float("inf")] * len(fits), [""] * len(fits)
    for _ in range(repeats):
        for i, fit in enumerate(fits):
            start = time.perf_counter()
            history = fit()
            best[i] = min(best[i], time.perf_counter() - start)
            paths[i] = history.path.split(" (")[0]
    return [b / epochs * 1e3 for b in best], paths


def main(argv: list[str] | None = None) -> int:
    quick, cells = fit_cells(__doc__.splitlines()[0], argv)
    epochs, repeats = (1, 1) if quick else (3, 9)
    print(f"{'cell':<18} " + " ".join(f"{v + ' ms':>11}" for v in VARIANTS)
          + "   +val/plain  +val+es/plain  path")  # fmt: skip
    for key, spec, optimizer, dtype in cells:
        times, paths = _epoch_ms(_fits(spec, optimizer, dtype, epochs), epochs, repeats)
        path = paths[0] if len(set(paths)) == 1 else "/".join(paths)
        print(
            f"{key} {optimizer} {dtype:<10} "
            + " ".join(f"{t:>11.2f}" for t in times)
            + f"   {times[1] / times[0]:>10.3f}  {times[2] / times[0]:>13.3f}  {path}"
        )
    return 0


if __name__ == "__main__":
    reexec_without_openblas_env(sys.argv[1:], __file__)
    raise SystemExit(main())
