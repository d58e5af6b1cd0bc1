"""Smoke test of ``benchmarks/run.py --quick``: it runs and prints its tables.

No timing is checked: benchmarks measure speed, tests never assert it."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _load(script: str = "run.py") -> ModuleType:
    """A script of benchmarks/ as a module."""
    spec = importlib.util.spec_from_file_location(
        f"matbackprop_bench_{script[:-3]}", RUN.with_name(script)
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# every cell of --quick: (workload, optimizer, order); A and D are full batch
CELLS = [
    (key, opt, order)
    for key in "ABCD"
    for opt in ("sgd", "adam")
    for order in (("shuffled", "in-order") if key in "BC" else ("full batch",))
]


def _cell_name(key: str, opt: str, order: str) -> str:
    return f"{key} {opt}" + ("" if order == "full batch" else f" {order}")


def test_quick_benchmark_prints_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = _load()
    # ours (chosen path and reference path) and the naive NumPy loop: no peer library is
    # needed, nothing heavy is imported
    record = tmp_path / "bench.json"
    argv = ["--quick", "--tools", "ours,ours-ref,naive", "--in-process", "--repeats", "1",
            "--no-scaling", "--json", str(record)]  # fmt: skip
    assert run.main(argv) == 0
    out = capsys.readouterr().out
    assert "BLAS: " in out
    assert re.search(r"\ninstall: [^\n]+; found: [^\n]+\n  the other install", out)
    peak = r"matmul peak \(float64, square product\): [\d,.]+ GFLOP/s \(NumPy [\d,.]+"
    assert re.search(peak, out)
    time = r"[\d.]+ (?:µs|ms|s)"
    for key, opt, order in CELLS:
        adam = r"Adam \(lr 0.001, betas 0.9/0.999, eps 1e-08\)"
        name = adam if opt == "adam" else r"SGD \(lr [\d.]+\)"
        where = "full batch" if order == "full batch" else f"batch \\d+, {order}"
        for dtype in ("float64", "float32"):
            head = rf"\n{key} [^\n]*, {where}, {name}  \[{dtype}\]\n  tool +time/step +samples/s"
            assert re.search(head, out), (key, opt, order, dtype)
            cell = re.escape(_cell_name(key, opt, order))
            line = (rf"\n  {cell} +{dtype} +{time} +naive {time} +\d+\.\d\d (?:met|NOT) "
                    rf"+\d+\.\d\d +\d+\.\d\d  [a-z_]+\n")  # fmt: skip
            assert re.search(line, out), (key, opt, order, dtype)
    n_cells = len(CELLS) * 2
    rows = re.findall(rf"\n  (ours|ours-ref|naive) +{time} ", out)
    assert len(rows) == 3 * n_cells  # three tools in every cell
    assert len(re.findall(r"\n  ours took: [a-z_]+ \(", out)) == n_cells
    ratios = rf"chosen path / reference path \(MATBACKPROP_FAST=0\) = {time} / {time} = \d+\.\d\d"
    assert len(re.findall(ratios, out)) == n_cells
    assert re.search(r"ours +[\d.]+ GFLOP/s = +[\d.]+% of the matmul peak", out)

    # History.path of every cell, from the JSON record: the reference rows took the
    # reference path, and ours took the path that _speed.plan named for its note (given
    # the cell's real optimizer, not plain SGD)
    records = json.loads(record.read_text())["results"]
    assert len(records) == 3 * n_cells
    for r in records:
        if r["tool"] == "ours-ref":
            assert r["path"] == "reference (MATBACKPROP_FAST=0)", r
        elif r["tool"] == "ours":
            planned = re.match(r"Network\.fit, (\w+)", r["note"])
            assert planned is not None, r["note"]
            assert r["path"].split(" ")[0] == planned.group(1), r
        else:
            assert "path" not in r
    assert {(r["optimizer"], r["order"]) for r in records} == {
        (o, order) for o in ("sgd", "adam") for order in ("shuffled", "in-order")
    }


def test_cells_shuffle_only_mini_batches_and_adam_has_its_rate() -> None:
    sys.path.insert(0, str(RUN.parent))
    from workloads import ADAM, get_workload, orders_of

    assert orders_of("A", ["shuffled", "in-order"]) == ["in-order"]  # full batch: one cell
    assert orders_of("C", ["shuffled"]) == ["shuffled"]
    assert not get_workload("A", False, "sgd", "shuffled").shuffle
    b = get_workload("B", False, "adam", "shuffled")
    assert b.shuffle
    assert b.learning_rate == ADAM["learning_rate"] == 1e-3
    assert b.cell == "B adam shuffled"
    assert get_workload("B", False).learning_rate == 0.01  # plain SGD keeps its rate


def test_shuffled_batches_are_a_new_permutation_each_epoch() -> None:
    sys.path.insert(0, str(RUN.parent))
    from workloads import get_workload, make_data, numpy_epochs

    w = get_workload("B", True, "sgd", "shuffled")  # 1024 rows in batches of 256
    X, y = make_data(w, np.float64)
    feed = numpy_epochs(w, X, y, np.random.default_rng(0))
    epochs = [np.concatenate([next(feed)[0] for _ in range(w.steps_per_epoch)]) for _ in "ab"]
    for rows in epochs:  # every row once per epoch: sorting undoes the permutation
        np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(X, axis=0))
    assert not np.array_equal(epochs[0], epochs[1])  # a new order the second time
    assert not np.array_equal(epochs[0], X)
    w = get_workload("B", True, "sgd", "in-order")
    feed = numpy_epochs(w, X, y, np.random.default_rng(0))
    first = np.concatenate([next(feed)[0] for _ in range(w.steps_per_epoch)])
    np.testing.assert_array_equal(first, X)


@pytest.mark.parametrize(
    ("flag", "message"),
    [("--optimizers=rmsprop", "--optimizers: expected sgd and/or adam, got 'rmsprop'"),
     ("--order=random", "--order: expected shuffled and/or in-order, got 'random'")],
)  # fmt: skip
def test_unknown_optimizer_or_order_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], flag: str, message: str
) -> None:
    run = _load()
    with pytest.raises(SystemExit) as exc:
        run.main([flag])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


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


def test_path_against_reference_prints_each_cell(capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/path_vs_reference.py --quick``: a line per cell with both times, their
    ratio and the path History reports (no timing is checked)."""
    module = _load("path_vs_reference.py")
    assert module.main(["--quick", "--dtypes", "float64"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\nB sgd float64 +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d\d  \w+ \(", out), out
    assert re.search(r"\nB adam float64 +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d\d  \w+ \(", out), out


def test_products_floor_prints_the_floor_and_counts_the_products_flops(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``benchmarks/products_floor.py --quick``: each line printed; the FLOPs of a step's
    products counted by hand for 2-3-4 on 5 rows: forward 2·5·18, ∂L/∂W 2·5·18, d·W_2ᵀ 2·5·12."""
    monkeypatch.syspath_prepend(str(RUN.parent))  # its imports: tools, run, workloads
    module = _load("products_floor.py")
    products, flops = module.products_of((2, 3, 4), 5, "float64")
    products()
    assert flops == 180 + 180 + 120
    assert module.main(["--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for name in ("products", "reference", "naive"):
        assert re.search(rf"\n  {name} +\d+\.\d ms a step = +\d+\.\d% of the peak", out), out
    assert re.search(r"products / naive step \d+\.\d\d", out), out
