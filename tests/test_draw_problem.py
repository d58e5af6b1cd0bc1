"""The pass diagrams of a worked problem's step: the numbers are solve's (and the engine's),
in every format, with Russian words on request; ``draw`` reads the givens as solve does."""

from __future__ import annotations

import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.cli import main
from matbackprop.draw import diagram, problem_diagram
from matbackprop.explain._doc import num_text
from test_draw import _text_problems  # the no-overlap check of the other diagrams

# Masha's problem: the 2-2-2-1 sigmoid network without biases, two rows, ½·MSE, η = 1.
X, Y = "1,2;3,4", "1;0"
ZEROS = ["0,0;0,0", "0,0;0,0", "0;0"]  # exact: σ(0) = 1/2 keeps steps 1 and 2 rational
GIVEN = ["1/2,-1/2;1/4,1", "1,0;-1/2,1/2", "1;-1"]  # σ of these is irrational: decimals
WEIGHTS = {"zeros": ZEROS, "given": GIVEN}


def _masha() -> mb.Network:
    return mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def _solution(weights: list[str], steps: int = 2, **options: Any) -> Any:
    return mb.solve(_masha(), X, Y, weights=weights, learning_rate=1, steps=steps, **options)


def _expected(sol: Any, what: str, t: int) -> dict[str, Any]:
    """The matrices step ``t``'s diagram must show, taken from the solution itself."""
    v = sol.steps[t - 1].values
    before = sol.given if t == 1 else sol.steps[t - 2].values
    if what == "forward":
        out = {"X": sol.problem.X, "y_hat": v["y_hat"], "H1": v["H1"], "O1": v["O1"]}
        out |= {"H2": v["H2"], "O2": v["O2"]}
        out |= {f"W{k} used": before[f"W{k}"] for k in (1, 2, 3)}
        return out
    out = {f"d{k}": v[f"d{k}"] for k in (1, 2, 3)}
    out |= {f"dW{k}": v[f"dW{k}"] for k in (1, 2, 3)}
    return out | {f"W{k} after": v[f"W{k}"] for k in (1, 2, 3)}


def _tokens(output: str, fmt: str) -> str:
    """The text of a diagram file with the matrix markup of its format as spaces."""
    if fmt == "svg":  # plain text as text; text with math as glyphs, its source in a comment
        texts = re.findall(r"<text[^>]*>([^<]*)</text>|<!-- (.*?) -->", output, flags=re.S)
        output = " ".join(a or b for a, b in texts)
    for sep in ("&", r"\\", ";", "[", "]", "{", "}", "\\n", '"', "=", "$"):
        output = output.replace(sep, " ")
    output = re.sub(r"\\[A-Za-z]+", " ", output)  # \end, \left, … glued to a number
    return " " + " ".join(output.split()) + " "


def _shows(tokens: str, values: Any, sol: Any) -> bool:
    """Whether the matrix ``values``, printed as the solution prints it, is in ``tokens``
    (every entry, row after row, in one run)."""
    style = "decimal" if sol.settings["decimal_style"] else "fraction"
    p = sol.settings["precision"]
    arr = np.atleast_2d(np.asarray(values, dtype=object))
    cells = [num_text(x, style, p) for x in arr.flat]
    return f" {' '.join(cells)} " in tokens


@pytest.mark.parametrize("weights", ["zeros", "given"])
@pytest.mark.parametrize("t", [1, 2])
@pytest.mark.parametrize("what", ["forward", "backward"])
@pytest.mark.parametrize("fmt", ["svg", "tikz", "dot"])
def test_the_numbers_drawn_are_solves(
    tmp_path: Path, weights: str, t: int, what: str, fmt: str
) -> None:
    sol = _solution(WEIGHTS[weights])
    path = diagram(sol, what, step=t).save(tmp_path / f"d.{fmt}", fmt)
    tokens = _tokens(path.read_text(encoding="utf-8"), fmt)
    missing = [name for name, v in _expected(sol, what, t).items() if not _shows(tokens, v, sol)]
    assert missing == [], (missing, tokens[:3000])
    loss = num_text(sol.steps[t - 1].values["L"], "fraction", 4)
    assert f"L {loss}" in tokens  # the heading: Forward pass, step t (rows 1–2): L = …


def test_exact_and_decimal_steps_show_what_the_engine_computes() -> None:
    """Independent of solve: the drawn numbers, read back, are Network.forward's,
    gradients' and step's (exactly for the zero start, to 4 digits for the other)."""
    for weights, tol in ((ZEROS, 0.0), (GIVEN, 5e-4)):
        net = _masha()
        for k, w in enumerate(weights):
            net.weights[k] = [[float(Fraction(x)) for x in r.split(",")] for r in w.split(";")]
        Xf, yf = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0], [0.0]])
        sol = _solution(weights)
        for t in (1, 2):
            cache = net.forward(Xf)
            _, grads = net.gradients(Xf, yf, mb.MSE(half=True))
            d = diagram(sol, "backward", step=t)
            drawn = {(m.owner, m.name): m.cells for m in d.matrices}
            for k in (1, 2, 3):
                owner = "yhat" if k == 3 else f"H{k}"
                _close(drawn[(owner, "d")], grads.d[k], tol)
                _close(
                    drawn[(f"P{k}", rf"\partial L/\partial W_{{{k}}}")], grads.weights[k - 1], tol
                )
            f = diagram(sol, "forward", step=t)
            shown = {m.owner: m.cells for m in f.matrices}
            _close(shown["H2"], cache.H[2], tol)
            _close(shown["yhat"], cache.O[3], tol)
            net.step(Xf, yf, loss=mb.MSE(half=True), learning_rate=1.0)
            after = {m.owner + m.name: m.cells for m in d.matrices}
            _close(after[r"P2W_{2} - \eta \cdot \partial L/\partial W_{2}"], net.weights[1], tol)


def _close(cells: list[list[str]], want: Any, tol: float) -> None:
    got = np.array([[float(Fraction(c)) for c in row] for row in cells])
    np.testing.assert_allclose(got, np.asarray(want), rtol=tol, atol=1e-12)


def test_exact_numbers_print_as_fractions() -> None:
    d = diagram(_solution(ZEROS), "backward", step=2)
    cells = {m.owner: m.cells for m in d.matrices if m.caption == "d"}
    assert cells["yhat"] == [["-3/8"], ["1/8"]]  # d = (ŷ − y)/n with ŷ = 1/4 and n = 2
    assert d.heading == r"Backward pass, step 2 (rows 1–2):  $L = 5/32$,  $\eta = 1$"


@pytest.mark.parametrize("what", ["network", "forward", "backward"])
def test_russian_words_in_every_format(tmp_path: Path, what: str) -> None:
    sol = _solution(ZEROS)
    target: Any = sol if what != "network" else _masha()
    d = diagram(target, what, step=1 if what != "network" else None, lang="ru")
    words = ["сигмоида", "без свободных членов"]
    if what != "network":
        words.append(
            {"forward": "Прямой проход, шаг 1", "backward": "Обратный проход, шаг 1"}[what]
        )
    texts = " ".join(t.get_text() for t in d.figure().axes[0].texts)  # PNG, SVG, PDF
    outputs = {
        "matplotlib": texts,
        "svg": d.save(tmp_path / "d.svg").read_text(encoding="utf-8"),
        "tikz": d.to_tikz(),
        "dot": d.to_dot(),
    }
    for fmt, text in outputs.items():
        for w in words:
            assert w in text, (fmt, w)
        assert "no biases" not in text, fmt
        assert "sigmoid)" not in text, fmt
    for fmt in ("png", "pdf"):
        magic = d.save(tmp_path / f"d.{fmt}").read_bytes()[:4]
        assert magic in (b"\x89PNG", b"%PDF")
    assert r"\usepackage[russian]{babel}" in outputs["tikz"]


def test_the_collapsed_network_counts_in_russian() -> None:
    d = diagram([784, 100, 10], "network", output_activation="softmax", lang="ru")
    words = [lab.tex for lab in d.labels if not lab.math]
    assert "784 входа" in words
    assert "10 выходов × softmax" in words
    assert "1 выход" in [lab.tex for lab in diagram([11, 12, 1], "network", lang="ru").labels]


def _has_cyrillic_tex() -> bool:
    if shutil.which("pdflatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "t2aenc.def"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_tikz_of_a_step_compiles(tmp_path: Path, lang: str) -> None:
    if not _has_cyrillic_tex() if lang == "ru" else shutil.which("pdflatex") is None:
        pytest.skip("needs pdflatex (and texlive-lang-cyrillic for Russian)")
    sol = mb.solve(mb.Network([2, 2, 2, 1], bias=True, init="zeros"), X, Y, learning_rate=1)
    diagram(sol, "backward", lang=lang).save(tmp_path / "d.tex")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")


# Every worked diagram reads: no text overlaps another, none leaves the figure.
@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("what", ["forward", "backward"])
@pytest.mark.parametrize("bias", [False, True], ids=["no-bias", "bias"])
def test_no_text_overlaps_in_a_worked_step(lang: str, what: str, bias: bool) -> None:
    net = mb.Network([2, 2, 2, 1], bias=bias, init="zeros")
    sol = mb.solve(net, X, Y, weights=GIVEN, learning_rate="1/2", steps=2)
    assert _text_problems(diagram(sol, what, step=2, lang=lang).figure()) == []


def test_problem_diagram_works_the_givens_with_solve() -> None:
    d = problem_diagram(_masha(), X, Y, "backward", step=2, weights=ZEROS, learning_rate=1)
    ref = diagram(_solution(ZEROS), "backward", step=2)
    assert [m.cells for m in d.matrices] == [m.cells for m in ref.matrices]


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (lambda: diagram(_solution(ZEROS), "forward", step=3), ["step", "1..2", "3"]),
        (lambda: diagram(_masha(), "forward", step=1), ["step", "solve", "Network"]),
        (lambda: diagram(_solution(ZEROS), "forward", lang="de"), ["lang", "'de'"]),
        (lambda: diagram(_solution(ZEROS), "backward", bias=True), ["bias", "Network"]),
        (lambda: problem_diagram(_masha(), X, Y, step=0, weights=ZEROS), ["step", "0"]),
    ],
    ids=["step-past-the-end", "step-without-solution", "lang", "bias-with-solution", "step-0"],
)
def test_bad_input_names_the_argument(call: Any, fragments: list[str]) -> None:
    with pytest.raises(mb.ConfigError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value)


# -- the command line -------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_draw_with_solves_givens(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "step2.dot"
    W = [a for w in ZEROS for a in ("--W", w)]
    code, _, err = _cli(capsys, "draw", "--X", X, "--y", Y, *W, "--lr", "1", "--step", "2",
                        "--what", "backward", "--lang", "ru", "-o", str(out))  # fmt: skip
    assert code == 0, err
    dot = out.read_text(encoding="utf-8")
    assert "Обратный проход, шаг 2" in dot
    assert "d = [-3/8; 1/8]" in dot
    assert dot == diagram(_solution(ZEROS), "backward", step=2, lang="ru").to_dot()


def test_draw_with_init_and_a_row_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "f.tex"
    code, _, err = _cli(capsys, "draw", "--X", X, "--y", Y, "--init", "zeros", "--order", "row",
                        "--step", "2", "--what", "forward", "-o", str(out))  # fmt: skip
    assert code == 0, err
    assert "step 2 (row 2)" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "mistake",
    [
        ["--W", "0,0;0,0", "--W", "0,0;0,0", "--W", "1;x"],
        ["--W", "0,0;0,0", "--W", "0,0;0,0", "--W", "1,1"],
        ["--W", "0,0;0,0", "--W", "0,0;0,0"],
        ["--init", "zeros", "--W", "0,0;0,0"],
        ["--init", "zeros", "--lr", "-1"],
        ["--init", "zeroes"],
        ["--init", "zeros", "--b", "1,1"],
        [],
    ],
    ids=["not-a-number", "transposed-W", "too-few-W", "init-and-W", "lr", "init-typo",
         "b-without-bias", "no-weights"],
)  # fmt: skip
def test_a_bad_given_gets_the_message_solve_gives(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mistake: list[str]
) -> None:
    code_s, _, err_s = _cli(capsys, "solve", "--X", X, "--y", Y, *mistake)
    code_d, _, err_d = _cli(
        capsys, "draw", "--X", X, "--y", Y, *mistake, "--what", "backward",
        "-o", str(tmp_path / "d.svg"),
    )  # fmt: skip
    assert code_s == code_d == 2
    assert err_d == err_s
    assert len(err_d.strip().splitlines()) == 1
    assert not (tmp_path / "d.svg").exists()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--step", "2"], "--step need the whole problem"),
        (["--X", X], "--X need the whole problem"),
        (["--X", X, "--y", Y, "--init", "zeros", "--what", "network"], "forward or backward"),
    ],
    ids=["step-alone", "X-alone", "network"],
)
def test_draw_refuses_half_a_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fragment: str
) -> None:
    code, _, err = _cli(capsys, "draw", *argv, "-o", str(tmp_path / "d.svg"))
    assert code == 2
    assert fragment in err


@pytest.mark.parametrize(
    ("optimizer", "caption"),
    [
        ("gd", "W₃ - η · ∂L/∂W₃"),
        ("momentum", "W₃ + v"),
        ("nesterov", "W₃ + μ v - η · ∂L/∂W₃"),
        ("adam", "W₃ - η · m̂/(√ŝ + ε)"),
    ],
)
def test_the_updated_weights_are_captioned_by_the_optimizers_rule(
    optimizer: str, caption: str
) -> None:
    """A worked step of momentum or Adam is no W − η·∂L/∂W: the caption says its rule, and
    the numbers under it are the solution's updated W3 (Adam's first step moves each
    weight by η against the gradient's sign: 1/2 here)."""
    net = mb.Network([2, 2, 2, 1], bias=True, init="zeros")
    sol = mb.solve(net, "1,2;3,4", "1;0", learning_rate="1/2", optimizer=optimizer)
    dot = mb.diagram(sol, step=1, what="backward").to_dot()
    assert f"{caption} = [" in dot, dot
    if optimizer == "adam":
        assert "W₃ - η · m̂/(√ŝ + ε) = [0.5000; 0.5000]" in dot
