"""The playground server's response time: per step operation, and per 100 training steps.

``python benchmarks/playground_latency.py`` starts the server as ``mb.playground`` does (uvicorn
on 127.0.0.1, in a thread) and times real HTTP requests with httpx, the median of
``--repeat`` runs each, for Masha's 2-2-2-1 network and for a 784-128-10 network:

* ``/api/steps``: one worked step (every operation of forward, backward and update), and
  that time divided by the number of operations the page steps through;
* ``/api/train``: 100 gradient-descent steps (with the input-plane grid for two inputs);
* ``/api/check``: one answer judged.

The response size is printed beside each time: for 784-128-10 a step returns W1, ∂L/∂W1 and
the updated W1, 100,352 entries each, as text and as numbers. A script, not a test: it
asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np


def _text(a: np.ndarray) -> str:
    return ";".join(",".join(str(v) for v in row) for row in a)


def problems(rows_784: int) -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (rows_784, 784))  # binarised pixels: short exact numbers
    y = np.eye(10, dtype=int)[rng.integers(0, 10, rows_784)]
    big = {"layers": [784, 128, 10], "X": _text(X), "y": _text(y), "learning_rate": "1/2"}
    return {
        "2-2-2-1 zeros (exact)": {},
        "2-2-2-1 normal (decimals)": {"init": "normal", "seed": 1},
        f"784-128-10 zeros, {rows_784} rows (exact)": {**big, "init": "zeros"},
        f"784-128-10 glorot, {rows_784} rows (decimals)": {**big, "init": "glorot", "seed": 1},
    }


def timed(client: Any, url: str, body: dict[str, Any], repeat: int) -> tuple[float, int, Any]:
    """Median seconds, response bytes and the last JSON answer of ``repeat`` requests."""
    times, size, answer = [], 0, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = client.post(url, json=body)
        times.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise SystemExit(f"{url}: {r.status_code} {r.text[:300]}")
        size, answer = len(r.content), r.json()
    return statistics.median(times), size, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="requests per cell (median)")
    parser.add_argument("--rows", type=int, default=8, help="rows of X for 784-128-10")
    args = parser.parse_args()

    import httpx

    import matbackprop as mb

    pg = mb.playground()
    print(f"server: {pg.url}  (median of {args.repeat} requests each)\n")
    print(f"{'problem':<38} {'endpoint':<22} {'time':>10} {'per op':>10} {'bytes':>11}")
    try:
        with httpx.Client(base_url=pg.url, timeout=600) as client, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the symmetry warning of a zero init
            for name, fields in problems(args.rows).items():
                steps = {"problem": fields, "steps": 1}
                t, size, answer = timed(client, "api/steps", steps, args.repeat)
                n_ops = len(answer["steps"][0]["operations"])
                print(f"{name:<38} {'steps (1 step)':<22} {t * 1e3:>8.1f}ms "
                      f"{t / n_ops * 1e3:>8.2f}ms {size:>11,}")  # fmt: skip
                train = {"problem": fields, "steps": 100, "grid": 25}
                t, size, _ = timed(client, "api/train", train, args.repeat)
                print(f"{'':<38} {'train (100 steps)':<22} {t * 1e3:>8.1f}ms {'':>10} {size:>11,}")
                check = {"problem": fields, "steps": 1, "answers": [["L", "1/4"]]}
                t, size, _ = timed(client, "api/check", check, args.repeat)
                print(f"{'':<38} {'check (1 answer)':<22} {t * 1e3:>8.1f}ms {'':>10} {size:>11,}")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
