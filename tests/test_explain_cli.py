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


def test_solve_check_judges_every_value(capsys: pytest.CaptureFixture[str]) -> None:
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
        "--check",
        "dL/dW3@2=-0.25;-0.25",
        "--check",
        "dL/dW3@2=-0.25;-0.25",
        "--check",
        "dW3@1=abc",
    )
    assert code == 1  # a wrong answer is a failed check, not a usage mistake
    report = " ".join(out[out.index("Check of your answer") :].split())
    assert "Checked 5 value(s): 3 match, 1 differ, 1 could not be read." in report
    assert "W3@1 (W3): matches" in report
    assert "dW3@1 (∂L/∂W3): could not be read: abc (row 1, column 1) is not a number" in report
    assert "d2@2 (∂L/∂H2): differs: it is what the step gives without the ½ of the loss" in report
    assert report.count("dW3@2 (∂L/∂W3): matches") == 2  # given twice, judged twice


@pytest.mark.parametrize(
    ("checks", "code"),
    [
        (["dW3@1=-1/4,-1/4"], 1),  # the transposed 1×2 answer: never accepted
        (["dW3@1=-1/4;-1/4", "H2@1=0,0;0,0"], 0),
    ],
    ids=["transposed", "right"],
)
def test_solve_check_exit_codes(
    capsys: pytest.CaptureFixture[str], checks: list[str], code: int
) -> None:
    args = ["solve", "--X", "1,2;3,4", "--y", "1;0", "--init", "zeros", "--lr", "1"]
    for c in checks:
        args += ["--check", c]
    got, out, _ = _run(capsys, *args)
    assert got == code, out
    if code:
        assert "your ∂L/∂W3 is the transpose of the correct one" in out


def test_solve_check_tolerance_and_error_carried_forward(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--lr", "1", "--steps", "3"]
    # The printed value and both roundings of its tie pass; one unit off does not, unless
    # --tolerance allows it.
    assert _run(capsys, *base, "--check", "H2@3=0.03125,0.03125")[0] == 0
    assert _run(capsys, *base, "--check", "H2@3=0.0312,0.0313")[0] == 0
    assert _run(capsys, *base, "--check", "H2@3=0.0314,0.0314")[0] == 1
    assert _run(capsys, *base, "--check", "H2@3=0.0314,0.0314", "--tolerance", "2e-4")[0] == 0
    assert _run(capsys, *base, "--check", "H2@3=0.0314,0.0314", "--tolerance", "1%")[0] == 0
    # W2 after step 2 is 1/32; from a wrong W2 of 1/16, H2 in step 3 is 1/16 by her own numbers
    wrong = ["--check", "W2@2=1/16,1/16;1/16,1/16", "--check", "H2@3=0.0625,0.0625"]
    code, out, _ = _run(capsys, *base, *wrong)
    assert code == 1
    assert "Checked 2 value(s): 0 match, 2 differ" in out
    code, out, _ = _run(capsys, *base, *wrong, "--carry-forward")
    assert code == 1
    assert "Checked 2 value(s): 1 match, 1 differ" in out
    assert "Error carried forward" in out
    code, _, err = _run(capsys, *base, "--check", "L=1", "--tolerance", "lots")
    assert code == 2
    assert "tolerance must be a number" in err


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


def test_solve_biases_for_a_network_without_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys,
        "solve",
        "--X",
        "1,2",
        "--y",
        "1",
        "--W",
        "0,0;0,0",
        "--W",
        "0,0;0,0",
        "--W",
        "0;0",
        "--b",
        "0,0",
        "--b",
        "0,0",
        "--b",
        "0",
    )
    assert code == 2
    assert "--b given, but the network has none: build it with bias=True (--bias)" in err
