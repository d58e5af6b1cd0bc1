"""Benchmark matbackprop against PyTorch, JAX, scikit-learn and a naive NumPy loop.

Run ``python benchmarks/run.py`` (or ``make bench``); ``--quick`` is a smoke test on tiny
sizes. Prints, for workloads A-D of issue 5 in float64 and float32, each with plain SGD and
with Adam (issue 15), and B and C with their rows shuffled each epoch and in order, the
median time per training step, samples/s, the ratio to the best peer and each tool's peak
RSS (every tool runs in its own subprocess); per cell the path ``fit`` took
(``History.path``) and its time against ours with ``MATBACKPROP_FAST=0`` (the reference
path, which the plain install runs); then the measured matmul peak, D's share of it, the
scaling of a step against n and against width with fitted log-log slopes, the BLAS in
use, and which install this is. Speed is measured here, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from tools import TOOLS  # noqa: E402
from worker import Runner  # noqa: E402
from workloads import OPTIMIZERS, ORDERS, WORKLOADS, Workload, get_workload, orders_of  # noqa: E402

OURS = ("ours", "ours-ref")  # the path fit chooses, and the reference path (MATBACKPROP_FAST=0)
PEERS = [t for t in TOOLS if t not in OURS]
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
GOAL_RATIO = 0.9  # ours must take at most 0.9x the best peer's time per step
GOAL_PEAK = 0.9  # D must reach 90% of the measured matmul peak
# seconds between two tools' turns, so that the last one's threads are asleep: an OpenBLAS
# worker spins for 2^28 cycles (~0.1 s here) after a product before it sleeps
PAUSE = 0.3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    p.add_argument("--tools", default=",".join(TOOLS), help="comma-separated, from: %(default)s")
    p.add_argument("--workloads", default="A,B,C,D", help="comma-separated subset of A,B,C,D")
    p.add_argument("--dtypes", default="float64,float32", help="float64, float32 or both")
    p.add_argument(
        "--optimizers", default=",".join(OPTIMIZERS), help="sgd, adam or both (default: both)"
    )
    p.add_argument(
        "--order",
        default=",".join(ORDERS),
        help="rows of B and C: shuffled (a new permutation each epoch, as fit does by\n"
        "default), in-order, or both (default: both); A and D are full batch",
    )
    p.add_argument("--repeats", type=int, default=5, help="timed repeats after the warm-up (>= 5)")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling runs")
    p.add_argument(
        "--turn-warmup",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run each tool's chunk once untimed right before each timed one, so that every\n"
        "tool is timed in its steady state rather than just after another tool's turn\n"
        "(default: on; --no-turn-warmup times the first chunk of each turn)",
    )
    p.add_argument(
        "--in-process", action="store_true", help="no subprocess per tool (RSS is then shared)"
    )
    p.add_argument(
        "--keep-openblas-env", action="store_true", help=f"do not unset {', '.join(OPENBLAS_VARS)}"
    )
    p.add_argument("--json", metavar="PATH", help="also write every measurement to this file")
    args = p.parse_args(argv)
    # each comma-separated option: (how to read a value, the values allowed, the message)
    lists = {
        "tools": (str, TOOLS, "unknown tool {!r}; expected some of " + ", ".join(TOOLS)),
        "workloads": (str.upper, WORKLOADS, "unknown workload {!r}; expected some of A, B, C, D"),
        "dtypes": (str, ("float64", "float32"), "expected float64 and/or float32, got {!r}"),
        "optimizers": (str.lower, OPTIMIZERS, "expected sgd and/or adam, got {!r}"),
        "order": (str.lower, ORDERS, "expected shuffled and/or in-order, got {!r}"),
    }
    for name, (read, allowed, message) in lists.items():
        values = [read(v.strip()) for v in getattr(args, name).split(",") if v.strip()]
        for v in values:
            if v not in allowed:
                p.error(f"--{name}: " + message.format(v))
        setattr(args, name, values)
    if not args.optimizers or not args.order:
        p.error("--optimizers and --order need at least one value each")
    if args.repeats < 1:
        p.error(f"--repeats must be >= 1, got {args.repeats}")
    return args


def reexec_without_openblas_env(argv: list[str], script: str = __file__) -> None:
    """These variables can pin OpenBLAS to a slow kernel; restart ``script`` once without them."""
    found = [v for v in OPENBLAS_VARS if v in os.environ]
    if not found:
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    print(f"note: unsetting {', '.join(found)} for this benchmark's own processes", flush=True)
    os.execve(sys.executable, [sys.executable, str(Path(script).resolve()), *argv], env)


# -- environment ----------------------------------------------------------------------


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl is not installed)"
    rows = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
        f"{i.get('num_threads')} threads) {Path(str(i.get('filepath'))).name}"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return "; ".join(rows) or "none found"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def matmul_peak(dtype: str, quick: bool) -> dict[str, float]:
    """Best GFLOP/s of a square matrix product (2·m³ FLOPs) over a few tries, per BLAS:
    NumPy's, and MKL's when the compiled epochs can call it (the ``mkl`` extra)."""
    from matbackprop._speed import blas as _blas

    m = 256 if quick else 3072
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, m)).astype(dtype)
    b = rng.standard_normal((m, m)).astype(dtype)
    out = np.empty((m, m), dtype)
    products = {"NumPy": lambda: np.matmul(a, b, out=out)}
    mkl = _blas._mkl()
    if mkl is not None:
        gemm, one = mkl._gemm[np.dtype(dtype)], np.dtype(dtype).type(1)
        no = _blas.NO_TRANS
        products["MKL"] = lambda: gemm(
            _blas.ROW_MAJOR,
            no,
            no,
            m,
            m,
            m,
            one,
            a.ctypes.data,
            m,
            b.ctypes.data,
            m,
            0 * one,
            out.ctypes.data,
            m,
        )
    peaks = {}
    for name, product in products.items():
        product()
        best = float("inf")
        for _ in range(3 if quick else 7):
            t0 = time.perf_counter()
            product()
            best = min(best, time.perf_counter() - t0)
        peaks[name] = 2.0 * m**3 / best / 1e9
        time.sleep(PAUSE)  # let this BLAS's threads sleep before the next one runs
    return peaks


def fmt_peaks(peaks: dict[str, float]) -> str:
    best = max(peaks, key=peaks.__getitem__)
    each = ", ".join(f"{name} {g:,.1f}" for name, g in peaks.items())
    return f"{peaks[best]:,.1f} GFLOP/s ({each}: the best counts)"


# -- running the tools ----------------------------------------------------------------


class _Process:
    """A worker process serving one tool (see worker.py); its stderr goes to a temp file."""

    def __init__(
        self, tool: str, key: str, dtype: str, quick: bool, optimizer: str = "sgd",
        order: str = "in-order",
    ) -> None:  # fmt: skip
        cmd = [sys.executable, str(HERE / "worker.py"), tool, key, dtype, optimizer, order]
        self.path: str | None = None
        if quick:
            cmd.append("--quick")
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        hello = self.ask(None)
        self.error: str | None = hello.get("error")
        self.note = str(hello.get("note", ""))

    def ask(self, command: str | None) -> dict[str, Any]:
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        if command is not None:
            self._proc.stdin.write(command + "\n")
            self._proc.stdin.flush()
        for line in self._proc.stdout:
            if line.startswith("{"):  # a library may print to stdout; replies are JSON
                return dict(json.loads(line))
        self._stderr.seek(0)
        tail = (self._stderr.read().strip().splitlines() or ["no output"])[-1]
        return {"error": f"failed: exit {self._proc.wait()}: {tail}"}

    def run(self) -> float:
        reply = self.ask("run")
        if "error" in reply:
            raise RuntimeError(reply["error"])
        self.path = reply.get("path")
        return float(reply["seconds"])

    def close(self) -> float | None:
        rss = self.ask("quit").get("rss_mb") if self.error is None else None
        self._proc.wait()
        self._stderr.close()
        return None if rss is None else float(rss)


def run_workload(
    key: str, dtype: str, args: argparse.Namespace, optimizer: str = "sgd",
    order: str = "in-order",
) -> list[dict[str, Any]]:  # fmt: skip
    """Time every tool on one cell, taking turns: warm-up round, then ``repeats`` rounds.

    Taking turns (in a rotating order) puts every tool under the same background load, which
    matters on a shared machine. Each tool lives in its own process unless ``--in-process``.

    With ``--turn-warmup`` each turn runs the chunk twice and times the second run. On this
    VM the first tens of milliseconds after a process has waited for its turn run up to 2-3x
    slower (``benchmarks/idle_effect.py``); a chunk of 50 ms would mostly measure that, and
    the matmul peak it is compared with is measured back to back.
    """
    runners: dict[str, Any] = {}
    cell = {"workload": key, "dtype": dtype, "optimizer": optimizer, "order": order}
    results = {t: {"tool": t, **cell, "seconds": []} for t in args.tools}
    for t in args.tools:  # one at a time, so that preparing one does not slow another
        r = (
            Runner(t, key, dtype, args.quick, optimizer, order)
            if args.in_process
            else _Process(t, key, dtype, args.quick, optimizer, order)
        )
        results[t]["note"] = r.note
        if r.error:
            results[t]["error"] = r.error
        runners[t] = r
    live = [t for t in args.tools if not runners[t].error]
    for round_ in range(args.repeats + 1):  # round 0 is the warm-up
        shift = round_ % max(1, len(live))
        for t in live[shift:] + live[:shift]:
            if "error" in results[t]:
                continue
            try:
                if args.turn_warmup and round_ > 0:
                    runners[t].run()  # untimed: the same chunk, right before the timed one
                seconds = runners[t].run()
            except Exception as exc:
                results[t]["error"] = f"failed: {type(exc).__name__}: {exc}"
                continue
            if round_ > 0:
                results[t]["seconds"].append(seconds)
            if getattr(runners[t], "path", None):
                results[t]["path"] = runners[t].path
            if not args.in_process:
                time.sleep(PAUSE)
    for t, r in runners.items():
        if isinstance(r, _Process):
            rss = r.close()
            if rss is not None:
                results[t]["rss_mb"] = rss
    return [results[t] for t in args.tools]


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:8.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:8.2f} ms"
    return f"{s:8.3f} s "


def _verdict(ratio: float, goal: float) -> str:
    return "met" if ratio <= goal else "NOT met"


def workload_table(
    w: Workload, dtype: str, results: list[dict[str, Any]]
) -> tuple[list[str], dict[str, Any]]:
    """Rows of the table for one cell, and its summary: ours / best peer, ours against the
    reference path, the reference path against the naive loop, the path taken."""
    rows = [f"\n{w.describe()}  [{dtype}]"]
    rows.append(f"  {'tool':9} {'time/step':>11} {'samples/s':>12} {'vs best peer':>13} "
                f"{'spread':>7} {'peak RSS':>9}  note")  # fmt: skip
    medians = {r["tool"]: statistics.median(r["seconds"]) for r in results if r.get("seconds")}
    peers = {t: s for t, s in medians.items() if t in PEERS}
    best_peer = min(peers.values()) if peers else None
    for r in results:
        t = r["tool"]
        rss = f"{r['rss_mb']:7.0f} MB" if "rss_mb" in r else ""
        if t not in medians:
            rows.append(f"  {t:9} {'-':>11} {'':>12} {'':>13} {'':>7} {rss:>9}  {r.get('error')}")
            continue
        s = medians[t]
        ratio = f"{s / best_peer:12.2f}x" if best_peer else f"{'n/a':>13}"
        spread = (max(r["seconds"]) - min(r["seconds"])) / s
        rows.append(f"  {t:9} {fmt_time(s):>11} {min(w.batch, w.n) / s:12,.0f} {ratio} "
                    f"{spread:6.0%} {rss:>9}  {r.get('note', '')}")  # fmt: skip
    ours, ref, naive = medians.get("ours"), medians.get("ours-ref"), medians.get("naive")
    path = next((str(r["path"]) for r in results if r["tool"] == "ours" and r.get("path")), "")
    summary: dict[str, Any] = {
        "cell": w.cell, "dtype": dtype, "ours": ours, "ref": ref, "path": path,
        "best": None, "best_peer": best_peer, "vs_best": None, "vs_ref": None, "ref_vs_naive": None,
    }  # fmt: skip
    if path:
        rows.append(f"  ours took: {path}  (History.path)")
    if ours is not None and ref is not None:
        summary["vs_ref"] = ours / ref
        times = f"{fmt_time(ours).strip()} / {fmt_time(ref).strip()}"
        # ours took the reference path itself: the two rows time the same code
        verdict = "the same path" if path.startswith("reference") else _verdict(ours / ref, 1.0)
        rows.append(f"  chosen path / reference path (MATBACKPROP_FAST=0) = {times} = "
                    f"{ours / ref:.2f}  (a fast path must not be slower: {verdict})")  # fmt: skip
    if ours is not None and best_peer:
        best = min(peers, key=lambda t: peers[t])
        summary["best"], summary["vs_best"] = best, ours / best_peer
        verdict = _verdict(ours / best_peer, GOAL_RATIO)
        rows.append(f"  ours / best peer ({best}) = {ours / best_peer:.2f}  "
                    f"(goal <= {GOAL_RATIO}: {verdict})")  # fmt: skip
    if ref is not None and naive is not None:
        summary["ref_vs_naive"] = ref / naive
        rows.append(f"  plain install (the reference path) / naive NumPy = {ref / naive:.2f}  "
                    f"(goal <= 1: {_verdict(ref / naive, 1.0)})")  # fmt: skip
    return rows, summary


def summary_table(cells: list[dict[str, Any]]) -> list[str]:
    """One line per cell: the goals of issue 15 side by side."""
    rows = [f"\nSummary: ours / best peer (goal <= {GOAL_RATIO}), chosen path / reference path "
            "(goal <= 1), plain install (reference path) / naive NumPy (goal <= 1)",
            f"  {'cell':19} {'dtype':8} {'ours':>11} {'best peer':>21} {'ours/best':>13} "
            f"{'chosen/ref':>10} {'ref/naive':>9}  path"]  # fmt: skip

    def num(v: float | None, goal: float | None = None) -> str:
        if v is None:
            return "n/a"
        return f"{v:.2f}" + ("" if goal is None else (" met" if v <= goal else " NOT"))

    for c in cells:
        ours = fmt_time(c["ours"]).strip() if c["ours"] is not None else "-"
        best = f"{c['best']} {fmt_time(c['best_peer']).strip()}" if c["best"] else "n/a"
        rows.append(f"  {c['cell']:19} {c['dtype']:8} {ours:>11} {best:>21} "
                    f"{num(c['vs_best'], GOAL_RATIO):>13} {num(c['vs_ref']):>10} "
                    f"{num(c['ref_vs_naive']):>9}  {c['path'].split(' ')[0] or '-'}")  # fmt: skip
    return rows


def install_lines() -> list[str]:
    """Which install this run is, by what ``fit`` can find, and how to time the other."""
    try:
        from matbackprop import _speed

        caps = _speed.detect()
        numba, scipy, mkl = caps.numba, caps.scipy, caps.mkl
    except Exception:  # the engine moved: look the libraries up directly
        import importlib.util

        numba, scipy = (importlib.util.find_spec(m) is not None for m in ("numba", "scipy"))
        mkl = False
    found = ", ".join(n for n, ok in (("Numba", numba), ("SciPy", scipy), ("MKL", mkl)) if ok)
    if numba and mkl:
        this = "with the fast and mkl extras (pip install -e '.[fast,mkl]', or '.[bench]')"
    elif numba:
        this = "with the fast extra (pip install -e '.[fast]')"
    elif scipy:
        this = "the plain install plus SciPy (no fast path without Numba)"
    else:
        this = "the plain install (pip install -e ., no extras)"
    rows = [f"install: {this}; found: {found or 'none of Numba, SciPy, MKL'}"]
    if numba or scipy:
        rows.append(
            "  the other install, plain `pip install -e .`, takes the reference path everywhere: "
            "the ours-ref rows (MATBACKPROP_FAST=0) time it here. To run it for real: "
            "python -m venv /tmp/plain && /tmp/plain/bin/pip install -e . threadpoolctl && "
            "/tmp/plain/bin/python benchmarks/run.py --tools ours,naive"
        )
    else:
        rows.append(
            "  the other install: pip install -e '.[bench]' (the peers, and the fast and mkl "
            "extras), then python benchmarks/run.py"
        )
    return rows


# -- scaling --------------------------------------------------------------------------


def _time_fit_step(sizes: Sequence[int], act: str, n: int, dtype: str, steps: int) -> float:
    import matbackprop as mb

    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, sizes[0])).astype(dtype)
    y = np.tanh(X[:, :1]).astype(dtype)
    net = mb.Network(sizes, act, bias=True, seed=0, dtype=dtype)
    net.fit(X, y, learning_rate=1e-3, epochs=1, progress=False)  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        net.fit(X, y, learning_rate=1e-3, epochs=steps, progress=False)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def slope(xs: Sequence[float], ts: Sequence[float]) -> float:
    """The fitted exponent p of t ∝ x^p (least squares on log-log)."""
    return float(np.polyfit(np.log(xs), np.log(ts), 1)[0])


def scaling(quick: bool, dtype: str) -> list[str]:
    rows = [f"\nScaling of one full-batch step of ours ({dtype}, best of 3)"]
    ns = [100, 1000, 10_000] if quick else [1000, 10_000, 100_000, 1_000_000]
    sizes = (20, 64, 64, 1)
    ts = [_time_fit_step(sizes, "tanh", n, dtype, 3 if n <= 100_000 else 1) for n in ns]
    rows.append(f"  vs n, network {'-'.join(map(str, sizes))} tanh:")
    for n, t in zip(ns, ts):
        rows.append(f"    n={n:>9,}  {fmt_time(t)}  {t / n * 1e9:8.1f} ns/row")
    big = [(n, t) for n, t in zip(ns, ts) if n >= 10 * ns[0]]
    rows.append(f"    log-log slope over all n: {slope(ns, ts):.2f}; over n >= {10 * ns[0]:,} "
                f"(the GEMM-bound range): {slope(*zip(*big)):.2f}  (goal 1.0 ± 0.1)")  # fmt: skip
    n = 256 if quick else 2048
    widths = [16, 32, 64] if quick else [128, 256, 512, 1024, 2048]
    rows.append(f"  vs width w, network 64-w-w-1 relu, n={n:,}:")
    params, ts = [], []
    for wd in widths:
        sizes = (64, wd, wd, 1)
        t = _time_fit_step(sizes, "relu", n, dtype, 3)
        p = 64 * wd + wd * wd + wd
        params.append(p)
        ts.append(t)
        rows.append(f"    w={wd:>5}  weights={p:>10,}  {fmt_time(t)}  {t / p * 1e9:8.2f} ns/weight")
    rows.append(f"    log-log slope of time vs weights: {slope(params, ts):.2f} over all widths; "
                f"{slope(params[1:], ts[1:]):.2f} for w >= {widths[1]}; "
                f"{slope(params[-3:], ts[-3:]):.2f} for the 3 widest (goal 1.0 ± 0.1)")  # fmt: skip
    rows.append("    (a slope below 1 means ns/weight falls with width: BLAS gets more efficient "
                "on larger products)")  # fmt: skip
    return rows


# -- main -----------------------------------------------------------------------------


def peak_beside_d(
    w: Workload, dtype: str, results: list[dict[str, Any]], peaks: dict[str, float],
    quick: bool, emit: Any,
) -> None:  # fmt: skip
    """Measure the peak again beside D, keep the best, and print each tool's share of it:
    load on a shared machine varies, and a low peak would flatter D's percentage. The peak
    is the best of its tries, so each tool's fastest step is printed beside its median: the
    like-for-like share, where a slow spell of the machine counts against neither."""
    again = matmul_peak(dtype, quick)
    peaks[dtype] = max(peaks[dtype], *again.values())
    emit(f"  matmul peak ({dtype}) measured again: {fmt_peaks(again)}; "
         f"the best of both: {peaks[dtype]:,.1f} GFLOP/s")  # fmt: skip
    flops = w.step_flops
    for r in results:
        if r.get("seconds"):
            g = flops / statistics.median(r["seconds"]) / 1e9
            fastest = flops / min(r["seconds"]) / 1e9
            share, best_share = g / peaks[dtype], fastest / peaks[dtype]
            met = {True: "met", False: "NOT met"}
            goal = ""
            if r["tool"] == "ours":
                goal = (f"; goal >= {GOAL_PEAK:.0%}: median {met[share >= GOAL_PEAK]}, "
                        f"fastest {met[best_share >= GOAL_PEAK]}")  # fmt: skip
            emit(f"    {r['tool']:9} {g:8.1f} GFLOP/s = {share:6.1%} of the matmul peak "
                 f"(6·n·weights per step; fastest step {best_share:.1%}{goal})")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: list[str] = []

    def emit(*lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            out.append(line)

    emit(
        "matbackprop benchmarks"
        + (" (--quick: tiny sizes, not a measurement)" if args.quick else "")
    )
    emit(f"machine: {cpu_name()}, {os.cpu_count()} logical cores, "
         f"Python {platform.python_version()}, NumPy {np.__version__}")  # fmt: skip
    emit(f"BLAS: {blas_info()}")
    emit(*install_lines())
    kept = [f"{v}={os.environ[v]}" for v in OPENBLAS_VARS if v in os.environ]
    emit(f"OpenBLAS variables: {', '.join(kept) if kept else 'not set'}")
    turn = ", each timed chunk right after an untimed one" if args.turn_warmup else ""
    emit(f"time/step = median over {args.repeats} repeats after one warm-up chunk{turn}, the "
         "tools taking turns (rotating order) so that all see the same background load; "
         "'vs best peer' = time / fastest other tool's time (lower is better)")  # fmt: skip

    peak_runs = {d: matmul_peak(d, args.quick) for d in args.dtypes}
    for d, p in peak_runs.items():
        emit(f"matmul peak ({d}, square product): {fmt_peaks(p)}")
    peaks = {d: max(p.values()) for d, p in peak_runs.items()}

    records: list[dict[str, Any]] = []
    cells: list[dict[str, Any]] = []
    for key in args.workloads:
        for optimizer in args.optimizers:
            for order in orders_of(key, args.order):
                for dtype in args.dtypes:
                    w = get_workload(key, args.quick, optimizer, order)
                    results = run_workload(key, dtype, args, optimizer, order)
                    records += results
                    rows, summary = workload_table(w, dtype, results)
                    cells.append(summary)
                    emit(*rows)
                    if key == "D":
                        peak_beside_d(w, dtype, results, peaks, args.quick, emit)

    if not args.no_scaling:
        emit(*scaling(args.quick, args.dtypes[0]))

    emit(*summary_table(cells))
    emit(*install_lines())
    if args.json:
        Path(args.json).write_text(json.dumps({"peaks": peaks, "results": records}, indent=1))
    return 0


if __name__ == "__main__":
    if "--keep-openblas-env" not in sys.argv[1:]:
        reexec_without_openblas_env(sys.argv[1:])
    raise SystemExit(main())
