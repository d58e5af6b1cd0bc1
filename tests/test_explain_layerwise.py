"""``explain(net, update="layerwise")``: the layer-wise backward pass written out, which W
each ``d`` goes through, in English and Russian, as text, LaTeX (compiled by pdflatex where
it is installed) and Markdown, and from ``matbackprop explain --update layerwise``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import matbackprop as mb
from matbackprop.cli import main
from matbackprop.explain.algorithm import backward_lines

MASHA = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def _lines(net: mb.Network, layerwise: bool) -> list[str]:
    return [f"{x.lhs.text} = {x.rhs.text}" for x in backward_lines(net, layerwise=layerwise)]


def test_each_d_goes_through_the_updated_weights() -> None:
    assert _lines(MASHA, layerwise=True) == [
        "d = ∂L/∂ŷ",
        "∂L/∂W3 = O2ᵀ·d",
        "W3ⁿᵉʷ = W3 − η·∂L/∂W3",  # updated as soon as its gradient is known ...
        "d = d·W3ⁿᵉʷᵀ * f'(H2)",  # ... and the next d goes through it
        "∂L/∂W2 = O1ᵀ·d",
        "W2ⁿᵉʷ = W2 − η·∂L/∂W2",
        "d = d·W2ⁿᵉʷᵀ * f'(H1)",
        "∂L/∂W1 = Xᵀ·d",
        "W1ⁿᵉʷ = W1 − η·∂L/∂W1",
    ]
    # the usual pass is unchanged, and every shape is the same in both
    assert _lines(MASHA, layerwise=False) == [
        "d = ∂L/∂ŷ", "∂L/∂W3 = O2ᵀ·d", "d = d·W3ᵀ * f'(H2)", "∂L/∂W2 = O1ᵀ·d",
        "d = d·W2ᵀ * f'(H1)", "∂L/∂W1 = Xᵀ·d",
    ]  # fmt: skip
    after = {(x.kind, x.k): x.shapes.text for x in backward_lines(MASHA)}
    for x in backward_lines(MASHA, layerwise=True):
        if x.kind in after:
            assert after[x.kind, x.k] == x.shapes.text


def test_biases_are_updated_with_their_layer() -> None:
    net = mb.Network([3, 4, 2], activation="relu")
    kinds = [(x.kind, x.k) for x in backward_lines(net, layerwise=True)]
    assert kinds == [("d", 2), ("dW", 2), ("db", 2), ("W", 2), ("b", 2), ("d", 1),
                     ("dW", 1), ("db", 1), ("W", 1), ("b", 1)]  # fmt: skip
    shapes = {(x.kind, x.k): x.shapes.text for x in backward_lines(net, layerwise=True)}
    assert shapes["W", 2] == "[4×2]"
    assert shapes["b", 1] == "[1×4]"


def test_explanation_states_the_layerwise_algorithm_in_english_and_russian() -> None:
    en = " ".join(str(mb.explain(MASHA, update="layerwise")).split())
    assert "d = d·W3ⁿᵉʷᵀ * f'(H2) [n×1]·[1×2]*[n×2] = [n×2]" in en
    assert "layer-wise updates" in en
    assert "as soon as its gradient is known" in en
    assert "O(η²)" in en
    assert "ŷ ←W3ⁿᵉʷᵀ— O2" in en  # the diagram too
    assert "W1 ← W1 − η·∂L/∂W1" not in en  # no second update after the pass
    usual = " ".join(str(mb.explain(MASHA)).split())
    assert "W1 ← W1 − η·∂L/∂W1" in usual
    assert "ⁿᵉʷ" not in usual

    ru = mb.explain(MASHA, update="layerwise", lang="ru")
    text = " ".join(str(ru).split())
    assert "послойным обновлением весов" in text
    assert "d = d·W2ⁿᵉʷᵀ * f'(H1)" in text
    assert ru.in_lang("en").render("text") == mb.explain(MASHA, update="layerwise").render("text")


def test_latex_and_markdown_write_w_new() -> None:
    doc = mb.explain(MASHA, update="layerwise", loss="mse_half")
    latex, md = doc.to_latex(), doc.render("markdown")
    assert r"d \cdot {W_{3}^{\mathrm{new}}}^{T}" in latex
    assert (
        r"{W_{3}^{\mathrm{new}}} &= W_{3} - \eta \cdot \frac{\partial L}{\partial W_{3}}" in latex
    )
    assert r"{W_{2}^{\mathrm{new}}}^{T}" in md
    assert "ⁿ" not in latex  # the text form stays out of LaTeX


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_latex_compiles(lang: str, tmp_path: Path) -> None:
    latex = mb.explain(mb.Network([2, 3, 2, 1], bias=True), update="layerwise", lang=lang,
                       loss="mse").to_latex()  # fmt: skip
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    if lang == "ru":
        found = subprocess.run(["kpsewhich", "t2aenc.def"], capture_output=True, text=True)
        if not found.stdout.strip():
            pytest.skip("no Cyrillic fonts for pdflatex")
    (tmp_path / "doc.tex").write_text(latex, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    errors = [line for line in run.stdout.splitlines() if line.startswith("!")]
    assert run.returncode == 0, "\n".join(errors) or run.stdout[-2000:]


def test_explain_refuses_an_unknown_update() -> None:
    with pytest.raises(mb.ConfigError, match=r"update must be 'after' or 'layerwise', got 'all'"):
        mb.explain(MASHA, update="all")


def test_cli_explain_update_layerwise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--update", "layerwise"]) == 0
    out = capsys.readouterr().out
    assert "d = d·W3ⁿᵉʷᵀ * f'(H2)" in out
    assert main(["explain", "--update", "sideways"]) == 2
    err = capsys.readouterr().err
    assert "'sideways' is not one of 'after', 'layerwise'" in err
    assert "Traceback" not in err
