"""Every script in examples/ runs as a user would run it, and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, cwd: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert list(cwd.iterdir()) == []  # examples print; they write no files
    return out.stdout


def test_every_example_is_tested() -> None:
    tested = {"digits.py", "xor_symmetry.py", "masha_by_hand.py", "layerwise_experiment.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_digits_prints_a_good_held_out_accuracy(tmp_path: Path) -> None:
    out = run_example("digits.py", tmp_path)
    match = re.search(r"held-out accuracy: ([0-9.]+)", out)
    assert match, out
    assert float(match.group(1)) > 0.9  # 10 classes: chance is 0.1


def test_xor_zero_init_stays_stuck_and_random_init_solves_it(tmp_path: Path) -> None:
    out = run_example("xor_symmetry.py", tmp_path)
    assert "XOR solved: zeros False, constant False, glorot True" in out
    assert out.count("hidden neurons identical (columns of W1 equal): True") == 2
    assert "starts identical" in out  # the SymmetryWarning is shown to the reader


def test_masha_by_hand_matches_the_library(tmp_path: Path) -> None:
    out = run_example("masha_by_hand.py", tmp_path)
    gaps = {
        "forward": r"forward: ([0-9.e+-]+)",
        "backward": r"backward: ([0-9.e+-]+)",
        "step": r"weights differ from by-hand by ([0-9.e+-]+)",
    }
    for phase, pattern in gaps.items():
        found = re.search(pattern, out)
        assert found, f"{phase} not printed:\n{out}"
        assert float(found.group(1)) < 1e-12, phase


def test_layerwise_experiment_compares_both_modes_and_draws_both_figures(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The small grid (--quick): every problem and rate in the table, and the two PNGs in the
    folder given to --plots (nothing anywhere else)."""
    figures = tmp_path_factory.mktemp("figures")
    out = run_example("layerwise_experiment.py", tmp_path, "--quick", "--plots", str(figures))
    assert "4 problems × 2 modes × 3 learning rates × 2 seeds" in out
    losses, _, norms = out.partition("The size of the trained weights")
    rows = re.findall(r"^\| (masha|xor|diabetes|iris) \| ([0-9.]+) \|", losses, re.MULTILINE)
    assert len(rows) == 12, out
    assert re.search(r"^\| masha \| 0.1 \| [0-9.]+, [0-9.]+, [0-9.]+ \|", norms, re.MULTILINE)
    # at η = 0.1 the modes differ by O(η²): both medians are printed and neither diverged
    row = r"^\| masha \| 0.1 \| ([0-9.e+-]+) .*\| ([0-9.e+-]+) \[.* \| 0 / 0 \|"
    masha = re.search(row, losses, re.MULTILINE)
    assert masha, out
    assert float(masha.group(1)) == pytest.approx(float(masha.group(2)), rel=0.05)
    for name in ("layerwise_loss.png", "layerwise_lr.png"):
        assert (figures / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
