"""Time one tool on one workload in one dtype; run as a subprocess so its peak RSS is its own.

Usage: ``python benchmarks/worker.py TOOL WORKLOAD DTYPE REPEATS [--quick]``; prints one
JSON object: ``seconds`` (per step, one entry per repeat), ``rss_mb``, ``note``, ``error``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools import TOOLS, ToolMissing
from workloads import get_workload


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(tool: str, key: str, dtype: str, repeats: int, quick: bool) -> dict[str, Any]:
    """Warm up with one chunk, then time ``repeats`` chunks; seconds per step for each."""
    w = get_workload(key, quick)
    result: dict[str, Any] = {"tool": tool, "workload": key, "dtype": dtype, "seconds": []}
    try:
        chunk, result["note"] = TOOLS[tool](w, dtype)
        steps = getattr(chunk, "steps", w.chunk_steps)
        chunk()  # warm-up: compilation, first-touch of buffers, BLAS thread start
        for _ in range(repeats):
            t0 = time.perf_counter()
            chunk()
            result["seconds"].append((time.perf_counter() - t0) / steps)
    except ToolMissing as exc:
        result["error"] = f"skipped: {exc}"
    except Exception as exc:  # a peer that breaks must not hide the others' results
        result["error"] = f"failed: {type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
    result["rss_mb"] = peak_rss_mb()
    return result


def main(argv: list[str]) -> int:
    tool, key, dtype, repeats = argv[:4]
    print(json.dumps(measure(tool, key, dtype, int(repeats), "--quick" in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
