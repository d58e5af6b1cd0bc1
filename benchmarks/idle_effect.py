"""How much slower ours runs right after the process has been idle: one epoch at a time.

``python benchmarks/idle_effect.py B float32 --pause 2.5`` trains workload B's network on
its data, one ``fit(epochs=1)`` after another, and after each ``--pause`` seconds of sleep
prints the time per step of the next ``--epochs`` epochs. In ``run.py`` the tools take turns,
so each waits for the others' chunks: with all six tools ours sleeps ~2.6 s before each
of B's chunks (three epochs), and on the development VM the first epoch after such a sleep
ran 2-3x slower than the next ones (``docs/benchmarks.md``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS, make_data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("dtype", choices=["float64", "float32"])
    parser.add_argument("--pause", type=float, default=2.5, help="seconds asleep (2.5)")
    parser.add_argument("--epochs", type=int, default=6, help="epochs after each pause (6)")
    parser.add_argument("--rounds", type=int, default=4, help="pauses (4)")
    args = parser.parse_args()

    import matbackprop as mb

    w = WORKLOADS[args.workload]
    dt = np.dtype(args.dtype)
    X, y = make_data(w, dt)
    net = mb.Network(w.layer_sizes, w.activation, w.output, bias=w.bias, seed=0, dtype=dt)
    batch = None if w.batch >= w.n else w.batch
    steps = -(-w.n // w.batch)

    def epoch() -> float:
        t0 = time.perf_counter()
        net.fit(
            X, y, loss=w.loss, optimizer="sgd", learning_rate=w.learning_rate, epochs=1,
            batch_size=batch, shuffle=False, progress=False,
        )  # fmt: skip
        return (time.perf_counter() - t0) / steps

    epoch()  # compilation and first touch
    print(f"{w.describe()} [{args.dtype}]: µs per step of each epoch after {args.pause} s asleep")
    for _ in range(args.rounds):
        time.sleep(args.pause)
        print("  " + " ".join(f"{epoch() * 1e6:8.1f}" for _ in range(args.epochs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
