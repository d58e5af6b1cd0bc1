"""Smoke test of ``benchmarks/run.py --quick``: it runs and prints its tables.

No timing is checked: benchmarks measure speed, tests never assert it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
PHASES = RUN.with_name("blocked_phases.py")


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matbackprop_bench_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    run = _load()
    # ours and the naive NumPy loop only: no peer library is needed, nothing heavy is imported
    argv = ["--quick", "--tools", "ours,naive", "--in-process", "--repeats", "5"]
    assert run.main(argv) == 0
    out = capsys.readouterr().out
    assert "BLAS: " in out
    peak = r"matmul peak \(float64, square product\): [\d,.]+ GFLOP/s \(NumPy [\d,.]+"
    assert re.search(peak, out)
    for key in "ABCD":
        for dtype in ("float64", "float32"):
            assert re.search(rf"\n{key} .*\[{dtype}\]\n  tool +time/step +samples/s", out), key
            assert re.search(rf"  {key} {dtype}: \d+\.\d\d\n", out), (key, dtype)
    rows = re.findall(r"\n  (ours|naive) +[\d.]+ (?:µs|ms|s) ", out)
    assert len(rows) == 2 * 4 * 2  # two tools, four workloads, two dtypes
    assert re.search(r"ours +[\d.]+ GFLOP/s = +[\d.]+% of the matmul peak", out)
    assert re.search(r"log-log slope over all n: -?\d+\.\d\d", out)
    assert re.search(r"log-log slope of time vs weights: -?\d+\.\d\d", out)


def test_unknown_tool_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    run = _load()
    with pytest.raises(SystemExit) as exc:
        run.main(["--tools", "ours,tensorflow"])
    assert exc.value.code == 2
    assert "--tools: unknown tool 'tensorflow'" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "runs"), [("--turn-warmup", 1 + 2 * 5), ("--no-turn-warmup", 6)])
def test_each_timed_chunk_follows_an_untimed_one_in_its_turn(
    monkeypatch: pytest.MonkeyPatch, flag: str, runs: int
) -> None:
    run = _load()

    class Counting:  # stands in for a tool: returns its call number as the time
        calls = 0

        def __init__(self, *args: object) -> None:
            self.error, self.note = None, ""

        def run(self) -> float:
            Counting.calls += 1
            return float(Counting.calls)

    monkeypatch.setattr(run, "Runner", Counting)
    args = run.parse_args(["--tools", "ours", "--in-process", "--repeats", "5", flag])
    (result,) = run.run_workload("A", "float64", args)
    assert Counting.calls == runs  # round 0's warm-up, then one or two runs a round
    timed = [3.0, 5.0, 7.0, 9.0, 11.0] if flag == "--turn-warmup" else [2.0, 3.0, 4.0, 5.0, 6.0]
    assert result["seconds"] == timed  # the second run of each turn is the timed one


def test_blocked_phases_prints_each_piece(capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/blocked_phases.py --quick``: every piece of a blocked step gets a line;
    without MKL's packed products it says what to install instead."""
    spec = importlib.util.spec_from_file_location("matbackprop_bench_phases", PHASES)
    assert spec is not None
    assert spec.loader is not None
    phases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(phases)
    from matbackprop._speed import blas as _blas

    rc = phases.main(["--quick", "--repeats", "1", "--dtypes", "float32"])
    captured = capsys.readouterr()
    if _blas.mkl_packed_addresses(np.dtype(np.float64))[0] == 0:
        assert rc == 1
        assert "pip install 'matbackprop[mkl]'" in captured.err
        return
    assert rc == 0
    out = captured.out
    assert "float32: 16-64-64-1, 256 rows" in out
    for piece in ("X·W_1, blocks", "O_1·W_2, blocks", "d_2·W_2ᵀ, blocks", "W_2 −= η·O_1ᵀ·d_2",
                  "W_1 −= η·Xᵀ·d_1", "square 256³, MKL (the peak)"):  # fmt: skip
        assert re.search(
            rf"    {re.escape(piece)}[^\n]* [\d.]+ ms +[\d.]+ \( *[\d.]+\) GFLOP/s", out
        )
    for piece in ("one thread", "shared"):
        assert re.search(rf"    {piece} +[\d.]+ ms \([\d.]+\)", out)
    assert re.search(r"\n +128 rows +32 rows\n", out)  # the kernel's block and a quarter
    for piece in ("into another array", "_times_df_sums given O twice", "_times_df_over"):
        assert re.search(rf"{re.escape(piece)} +[\d.]+ +[\d.]+\n", out)


def test_path_against_reference_prints_each_cell(capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/path_vs_reference.py --quick``: a line per cell with both times, their
    ratio and the path History reports (no timing is checked)."""
    spec = importlib.util.spec_from_file_location(
        "matbackprop_bench_paths", RUN.with_name("path_vs_reference.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick", "--dtypes", "float64"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\nB sgd float64 +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d\d  \w+ \(", out), out
    assert re.search(r"\nB adam float64 +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d\d  \w+ \(", out), out
