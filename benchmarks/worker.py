"""One tool on one workload in one dtype, in its own process so that its peak RSS is its own.

``python benchmarks/worker.py TOOL WORKLOAD DTYPE OPTIMIZER ORDER [--quick]`` prepares the
tool, prints ``{"ready": ..., "note": ...}`` and then answers one line per command on stdin:
``run`` times one chunk (``{"seconds": per step}``, and ``"path"``: ``History.path`` for
ours), ``quit`` reports ``{"rss_mb": peak RSS}``.
``run.py`` keeps one such process per tool and asks them in turn, so that every tool is
timed under the same background load. Every reply is one JSON line; a failure is
``{"error": ...}``.
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
    """This process's peak resident set size in MB.

    ``VmHWM`` belongs to this process image alone; ``ru_maxrss`` would also count the
    parent's pages from before ``exec``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Runner:
    """A tool prepared in this process: ``run()`` times one chunk, in seconds per step."""

    def __init__(
        self, tool: str, key: str, dtype: str, quick: bool, optimizer: str = "sgd",
        order: str = "in-order",
    ) -> None:  # fmt: skip
        w = get_workload(key, quick, optimizer, order)
        self.error: str | None = None
        self.note = ""
        self.path: str | None = None  # History.path of the last chunk (ours only)
        try:
            self._chunk, self.note = TOOLS[tool](w, dtype)
            self._steps = int(getattr(self._chunk, "steps", w.chunk_steps))
        except ToolMissing as exc:
            self.error = f"skipped: {exc}"
        except Exception as exc:  # a peer that breaks must not hide the others' results
            self.error = f"failed: {type(exc).__name__}: {exc}"

    def run(self) -> float:
        t0 = time.perf_counter()
        self._chunk()
        seconds = (time.perf_counter() - t0) / self._steps
        self.path = getattr(self._chunk, "path", None)
        return seconds


def _reply(obj: dict[str, Any]) -> None:
    print(json.dumps(obj), flush=True)


def serve(tool: str, key: str, dtype: str, quick: bool, optimizer: str, order: str) -> int:
    runner = Runner(tool, key, dtype, quick, optimizer, order)
    if runner.error:
        _reply({"error": runner.error})
        return 0
    _reply({"ready": True, "note": runner.note})
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            try:
                seconds = runner.run()
                _reply({"seconds": seconds, "path": runner.path})
            except Exception as exc:
                _reply({"error": f"failed: {type(exc).__name__}: {exc}"})
                traceback.print_exc()
                return 1
        elif command == "quit":
            _reply({"rss_mb": peak_rss_mb()})
            return 0
    return 0


def main(argv: list[str]) -> int:
    tool, key, dtype, optimizer, order = argv[:5]
    return serve(tool, key, dtype, "--quick" in argv, optimizer, order)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
