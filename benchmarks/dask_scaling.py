"""Time a full-batch step of matbackprop.dask against rows and workers, and its overhead.

Run ``python benchmarks/dask_scaling.py`` (a few minutes; ``--quick`` is a smoke test).
Three tables, each time the fastest of ``--steps`` steps (the first step, which also
checks the data, is left out; other jobs on a shared machine only ever add time):

1. Overhead, in memory: NumPy ``net.fit(batch_size=None)`` against ``fit_full_batch`` on
   a one-worker ``LocalCluster`` holding the same rows (persisted), for small to medium n.
   Their difference is what Dask costs per step; it decides the crossover.
2. Out of core: a folder of ``.npy`` chunks written to ``--dir``, read back at every step,
   for growing n, on 1 and 2 worker processes (one thread each).
3. Streaming SGD: rows per second through one process (``fit_streaming``).

Every worker is a separate process with one thread, so ``2 workers`` is two cores. Speed
is measured here, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import matbackprop as mb
from matbackprop import dask as mbd

COLUMNS = 16  # 15 inputs and 1 target, float64: 128 bytes a row
LAYERS = [COLUMNS - 1, 16, 1]
CHUNK_ROWS = 250_000  # 32 MB chunks


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes, a smoke test")
    p.add_argument("--max-rows", type=int, default=8_000_000, help="largest n on disk")
    p.add_argument("--steps", type=int, default=5, help="timed steps per measurement")
    p.add_argument("--dir", type=Path, default=None, help="where to write the chunks")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--tables", default="123", help="which tables to run, e.g. 1 or 23")
    return p.parse_args(argv)


def make_rows(rng: np.random.Generator, n: int) -> np.ndarray[Any, Any]:
    """(n, 16): 15 normal inputs and the target ``tanh(x1 + x2 + x3)``."""
    table = rng.normal(size=(n, COLUMNS))
    table[:, -1] = np.tanh(table[:, :3].sum(axis=1))
    return table


def per_step(run: Any, steps: int) -> float:
    """Fastest gap between consecutive steps of ``run(epochs, on_step)``.

    The minimum, not the median: on a shared machine the other jobs only ever add time.
    """
    stamps: list[float] = []
    start = time.perf_counter()
    run(steps + 1, lambda e, v: stamps.append(time.perf_counter()))
    gaps = np.diff([start, *stamps])[1:]  # the first step also checks every chunk
    return float(np.min(gaps))


def numpy_step(
    X: np.ndarray[Any, Any], y: np.ndarray[Any, Any], steps: int, one_thread: bool = False
) -> float:
    """Fastest of ``steps`` steps of the NumPy fit loop (its own step: forward, backward and
    update on checked data, in its reused buffers), without fit's once-per-call checks.

    ``one_thread``: BLAS on one thread, as in a Dask worker (distributed sets
    ``OMP_NUM_THREADS=1`` and its kin for every worker process).
    """
    if one_thread:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return numpy_step(X, y, steps)
    net = mb.Network(LAYERS, activation="tanh", seed=0)
    loss, opt = mb.MSE(), mb.SGD()
    X_, y_ = net.check_data(X, y, loss)
    params = net.parameters()
    state = opt.init_state(params)
    seconds = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        _, grads = net._value_and_gradients(X_, y_, loss, reuse=True)
        opt.update(params, grads.parameters(), state, 0.1)
        seconds.append(time.perf_counter() - start)
    return min(seconds[1:])


def dask_step(client: Client, X: da.Array, y: da.Array, steps: int) -> float:
    net = mb.Network(LAYERS, activation="tanh", seed=0)

    def run(epochs: int, on_step: Any) -> None:
        mbd.fit_full_batch(
            net, X, y, learning_rate=0.1, epochs=epochs, client=client, progress=False,
            on_step=on_step,
        )  # fmt: skip

    return per_step(run, steps)


def cluster(workers: int) -> tuple[LocalCluster, Client]:
    c = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit="2GB",
        dashboard_address=":0",
        silence_logs=40,
    )
    return c, Client(c)


def overhead_table(sizes: list[int], steps: int) -> list[dict[str, Any]]:
    rows = []
    lc, client = cluster(1)
    with lc, client:
        for n in sizes:
            # made on the worker (no large graph to send), then copied here for NumPy
            T = da.random.default_rng(n).normal(size=(n, COLUMNS - 1), chunks=(CHUNK_ROWS, -1))
            X, y = client.persist([T, da.tanh(T[:, :3].sum(axis=1, keepdims=True))])
            Xn, yn = X.compute(), y.compute()
            t_np, t_np1 = numpy_step(Xn, yn, steps), numpy_step(Xn, yn, steps, one_thread=True)
            t_dask = dask_step(client, X, y, steps)
            rows.append(
                {"rows": n, "numpy_s": t_np, "numpy_1_thread_s": t_np1, "dask_1_worker_s": t_dask}
            )
            print(
                f"{n:>10,d} {t_np * 1e3:>11.2f} {t_np1 * 1e3:>11.2f} {t_dask * 1e3:>11.2f} "
                f"{(t_dask - t_np1) * 1e3:>11.2f} {t_dask / t_np1:>8.1f}x",
                flush=True,
            )
    return rows


def write_folder(folder: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True)
    for i, start in enumerate(range(0, n, CHUNK_ROWS)):
        np.save(folder / f"part-{i:05d}.npy", make_rows(rng, min(CHUNK_ROWS, n - start)))


def out_of_core_table(sizes: list[int], steps: int, base: Path) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        folder = base / f"rows-{n}"
        t0 = time.perf_counter()
        write_folder(folder, n)
        write_s = time.perf_counter() - t0
        X, y, _ = mbd.read_table(folder, -1)
        row: dict[str, Any] = {"rows": n, "gigabytes": n * COLUMNS * 8 / 1e9, "write_s": write_s}
        for workers in (1, 2):
            lc, client = cluster(workers)
            with lc, client:
                row[f"dask_{workers}_workers_s"] = dask_step(client, X, y, steps)
        speedup = row["dask_1_workers_s"] / row["dask_2_workers_s"]
        print(
            f"{n:>10,d} {row['gigabytes']:>6.2f} {len(X.chunks[0]):>7d} "
            f"{row['dask_1_workers_s']:>10.2f} {row['dask_2_workers_s']:>10.2f} "
            f"{speedup:>8.2f}x {n / row['dask_2_workers_s'] / 1e6:>10.2f}",
            flush=True,
        )
        results.append(row)
        shutil.rmtree(folder)
    return results


def streaming_table(n: int, base: Path) -> dict[str, Any]:
    folder = base / "stream"
    write_folder(folder, n)
    X, y, _ = mbd.read_table(folder, -1)
    out: dict[str, Any] = {"rows": n}
    for batch in (32, 256):
        net = mb.Network(LAYERS, activation="tanh", seed=0)
        start = time.perf_counter()
        mbd.fit_streaming(net, X, y, learning_rate=0.01, epochs=1, batch_size=batch, seed=0,
                          progress=False)  # fmt: skip
        seconds = time.perf_counter() - start
        out[f"batch_{batch}_rows_per_s"] = n / seconds
        print(f"{batch:>10d} {n / seconds:>14,.0f} {seconds / -(-n // batch) * 1e6:>12.1f}")
    shutil.rmtree(folder)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    small = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    big = [500_000] if args.quick else [1_000_000, 2_000_000, 4_000_000, 8_000_000]
    big = [n for n in big if n <= args.max_rows] or [args.max_rows]
    steps = 2 if args.quick else args.steps
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"network {LAYERS} tanh, {COLUMNS} float64 columns, chunks of {CHUNK_ROWS:,d} rows, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    results: dict[str, Any] = {}
    if "1" in args.tables:
        print("\n1. overhead per full-batch step, data in memory (ms)")
        print(
            f"{'rows':>10} {'numpy':>11} {'numpy 1 thr':>11} {'dask 1 wkr':>11} "
            f"{'overhead':>11} {'ratio':>9}"
        )
        results["overhead"] = overhead_table(small, steps)

    base = Path(tempfile.mkdtemp(prefix="matbackprop-dask-", dir=args.dir))
    try:
        if "2" in args.tables:
            print("\n2. out of core: seconds per full-batch step, chunks read from disk every step")
            print(
                f"{'rows':>10} {'GB':>6} {'chunks':>7} {'1 worker':>10} {'2 workers':>10} "
                f"{'speedup':>9} {'Mrows/s':>10}"
            )
            results["out_of_core"] = out_of_core_table(big, steps, base)
        n_stream = 200_000 if args.quick else 1_000_000
        if "3" in args.tables:
            print(f"\n3. streaming SGD through one process, {n_stream:,d} rows, one epoch")
            print(f"{'batch':>10} {'rows/s':>14} {'µs/step':>12}")
            results["streaming"] = streaming_table(n_stream, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
