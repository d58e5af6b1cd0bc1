"""The playground server's response time: per step operation, and per 100 training steps.

``python benchmarks/playground_latency.py`` starts the server as ``mb.playground`` does (uvicorn
on 127.0.0.1, in a thread) and times real HTTP requests with httpx, the median of
``--repeat`` runs each, for Masha's 2-2-2-1 network and for a 784-128-10 network:

* ``/api/steps``: one worked step (every operation of forward, backward and update), and
  that time divided by the number of operations the page steps through;
* ``/api/train``: 100 gradient-descent steps (with the input-plane grid for two inputs;
  784-128-10 on ``--train-rows`` rows from a Glorot init);
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


def problems(rows_worked: int, rows_train: int) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """``{name: (problem to work and check, problem to train)}``."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (max(rows_worked, rows_train), 784))  # binarised pixels: exact
    y = np.eye(10, dtype=int)[rng.integers(0, 10, X.shape[0])]

    def big(rows: int, **init: Any) -> dict[str, Any]:
        return {"layers": [784, 128, 10], "X": _text(X[:rows]), "y": _text(y[:rows]),
                "learning_rate": "1/2", **init}  # fmt: skip

    masha: dict[str, Any] = {}
    normal = {"init": "normal", "seed": 1}
    return {
        "2-2-2-1 zeros (exact)": (masha, masha),
        "2-2-2-1 normal (decimals)": (normal, normal),
        "784-128-10 zeros (exact)": (big(rows_worked), big(rows_train, init="glorot", seed=1)),
        "784-128-10 glorot (decimals)": (
            big(rows_worked, init="glorot", seed=1),
            big(rows_train, init="glorot", seed=1),
        ),
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
    parser.add_argument("--rows", type=int, default=1, help="rows of X, 784-128-10 worked")
    parser.add_argument("--train-rows", type=int, default=256, help="rows, 784-128-10 trained")
    args = parser.parse_args()

    import httpx

    import matbackprop as mb

    pg = mb.playground()
    print(f"server: {pg.url}  (median of {args.repeat} requests each)\n")
    print(f"784-128-10: {args.rows} rows worked and checked, {args.train_rows} rows trained")
    print(f"{'problem':<38} {'endpoint':<22} {'time':>10} {'per op':>10} {'bytes':>11}")
    try:
        with httpx.Client(base_url=pg.url, timeout=600) as client, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the symmetry warning of a zero init
            for name, (fields, to_train) in problems(args.rows, args.train_rows).items():
                steps = {"problem": fields, "steps": 1}
                t, size, answer = timed(client, "api/steps", steps, args.repeat)
                n_ops = len(answer["steps"][0]["operations"])
                print(f"{name:<38} {'steps (1 step)':<22} {t * 1e3:>8.1f}ms "
                      f"{t / n_ops * 1e3:>8.2f}ms {size:>11,}")  # fmt: skip
                train = {"problem": to_train, "steps": 100, "grid": 25}
                t, size, _ = timed(client, "api/train", train, args.repeat)
                print(f"{'':<38} {'train (100 steps)':<22} {t * 1e3:>8.1f}ms {'':>10} {size:>11,}")
                check = {"problem": fields, "steps": 1, "answers": [["L", "1/4"]]}
                t, size, _ = timed(client, "api/check", check, args.repeat)
                print(f"{'':<38} {'check (1 answer)':<22} {t * 1e3:>8.1f}ms {'':>10} {size:>11,}")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
