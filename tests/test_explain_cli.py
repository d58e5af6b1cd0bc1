"""``matbackprop explain`` and ``matbackprop solve`` end to end, through ``main()``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matbackprop.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("text", "d = d·W3ᵀ * f'(H2)"), ("latex", "\\begin{align*}"), ("markdown", "$$")],
    ids=["text", "latex", "markdown"],
)
def test_explain_formats(capsys: pytest.CaptureFixture[str], fmt: str, marker: str) -> None:
    code, out, err = _run(capsys, "explain", "--layers", "2,2,2,1", "--format", fmt)
    assert code == 0, err
    assert marker in out


def test_explain_russian_with_bias_and_loss(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "explain",
        "--layers",
        "3,4,1",
        "--activation",
        "relu",
        "--bias",
        "--lang",
        "ru",
        "--loss",
        "mse",
        "--n",
        "10",
    )
    assert code == 0
    assert "Обратный проход" in out
    assert "∂L/∂b1 = 1ᵀ·d" in out
    # per row: X·W1 12 + O1·W2 4, twice (forward, ∂L/∂W), d·W2ᵀ 4, * f'(H1) 4; 21 parameters
    assert "40n + 21 = 421 при n = 10" in out


def test_explain_writes_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "masha.tex"
    code, out, err = _run(capsys, "explain", "--format", "latex", "-o", str(target))
    assert code == 0
    assert out == ""
    assert "written to" in err
    assert target.read_text().startswith("\\documentclass")


def test_solve_exact_fractions_and_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = tmp_path / "steps.json"
    code, out, err = _run(
        capsys,
        "solve",
        "--X",
        "1,2",
        "--y",
        "1",
        "--init",
        "zeros",
        "--lr",
        "1",
        "--steps",
        "2",
        "--trace",
        str(trace),
    )
    assert code == 0, err
    assert "d = d·W3ᵀ * f'(H2) = [ -1/16  -1/16 ]" in out
    assert "∂L/∂W2 = O1ᵀ·d = [ -1/32  -1/32 ]" in out
    records = json.loads(trace.read_text())["trace"]
    assert any(r["name"] == "dW2" and r["step"] == 2 for r in records)


def test_solve_check_reports_the_first_divergence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "solve",
        "--X",
        "1,2",
        "--y",
        "1",
        "--init",
        "zeros",
        "--lr",
        "1",
        "--steps",
        "2",
        "--check",
        "W3@1=1/2;1/2",
        "--check",
        "d2@2=-1/8,-1/8",
    )
    assert code == 1  # a wrong answer is a failed check, not a usage mistake
    assert "Your d2 in step 2 is the first value that differs." in out
    assert "Everything before it matches: W3@1." in out


def test_solve_reads_small_files_and_explicit_weights(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "X.txt").write_text("1 2\n3 4\n")
    (tmp_path / "y.json").write_text("[[1], [0]]")
    code, out, err = _run(
        capsys,
        "solve",
        "--X",
        str(tmp_path / "X.txt"),
        "--y",
        str(tmp_path / "y.json"),
        "--layers",
        "2,2,1",
        "--activation",
        "relu",
        "--W",
        "1,0;0,1",
        "--W",
        "1;-1",
        "--order",
        "row",
        "--steps",
        "2",
        "--trace",
        str(tmp_path / "t.csv"),
    )
    assert code == 0, err
    # step 1 uses row 1: H1 = [1 2], ŷ = 1 − 2 = −1, d = ŷ − y = −2
    assert "Step 1 (row 1)" in out
    assert "Step 2 (row 2)" in out
    assert "d = ∂L/∂ŷ = 1/n·(ŷ − y) = [ -2 ]" in out
    assert (tmp_path / "t.csv").read_text().startswith("step,name,row,col,value,fraction")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["solve", "--X", "1,2", "--y", "1"], "give the initial weights"),
        (["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--check", "W2"], "NAME=MATRIX"),
        (["solve", "--X", "1,2;3", "--y", "1", "--init", "zeros"], "rows of equal length"),
        (["solve", "--X", "1,2,3", "--y", "1", "--init", "zeros"], "X must have 2 column(s)"),
        (["solve", "--X", "no.csv", "--y", "1", "--init", "zeros"], "no such file"),
        (
            ["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--trace", "t.txt"],
            ".json or .csv",
        ),
        (["explain", "--layers", "2,x"], "comma-separated positive integers"),
        (["explain", "--activation", "cosine"], "activation must be one of"),
        (["explain", "--lang", "de"], "'de' is not one of"),
    ],
    ids=[
        "no-init",
        "check-format",
        "ragged",
        "width",
        "missing-file",
        "trace-suffix",
        "layers",
        "activation",
        "lang",
    ],
)
def test_mistakes_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert message in err


@pytest.mark.parametrize("command", ["explain", "solve"])
def test_help_has_an_example(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = _run(capsys, command, "--help")
    assert code == 0
    assert f"matbackprop {command} --" in out


def test_solve_logloss_takes_a_sigmoid_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys,
        "solve",
        "--X",
        "1,2;3,4",
        "--y",
        "1;0",
        "--layers",
        "2,2,1",
        "--loss",
        "logloss",
        "--init",
        "zeros",
    )
    assert code == 0, err
    # H2 = O1·W2 = 0, so ŷ = σ(0) = 1/2 exactly; d = (ŷ − y)/n = [(1/2 − 1)/2, (1/2 − 0)/2]
    assert "output activation f = sigmoid" in " ".join(out.split())
    assert "d = ∂L/∂H2 = 1/n·(ŷ − y) = [ -1/4 ]" in out
    assert "≈ 0.6931" in out  # L = ln 2: the loss itself is never rational
