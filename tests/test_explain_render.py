"""Text, LaTeX and Markdown, in English and Russian. The LaTeX compiles with ``pdflatex``
when it is on PATH, and always passes a structural parse check."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import matbackprop as mb
from matbackprop.explain import Explanation, Solution, explain, solve

MASHA = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def _documents(lang: str) -> dict[str, Explanation | Solution]:
    big = mb.Network([3, 4, 2], activation="relu", output_activation="sigmoid", bias=True)
    sol = solve(MASHA, "1,2;3,4", "1;0", learning_rate=1, steps=3, lang=lang)
    sol.check({"W3@2": "1/2;1/2"})  # wrong: the check section is rendered too
    return {
        "masha": explain(MASHA, loss="mse_half", n=4, lang=lang),
        "bias-relu-logloss": explain(big, loss="logloss", lang=lang),
        "softmax": explain(
            mb.Network([2, 3, 3], activation=["tanh"], output_activation="softmax"),
            loss="cross_entropy",
            lang=lang,
        ),
        "solution": sol,
    }


def _structure_errors(latex: str) -> list[str]:
    """What would stop LaTeX: unbalanced braces, environments or ``$``, stray Unicode math."""
    errors = []
    body = re.sub(r"\\[{}$%&#_]", "", latex)  # escaped characters are plain text
    depth = 0
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            errors.append("a } without its {")
            break
    if depth > 0:
        errors.append(f"{depth} unclosed {{")
    stack: list[str] = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]*)\}", body):
        if kind == "begin":
            stack.append(env)
        elif not stack or stack.pop() != env:
            errors.append(f"\\end{{{env}}} does not close the open environment")
    errors += [f"\\begin{{{env}}} never closed" for env in stack]
    for para in body.split("\n\n"):
        if para.count("$") % 2:
            errors.append(f"odd number of $ in: {para[:60]!r}")
    stray = set(re.findall(r"[^\x00-\x7f\u0400-\u04ff«»]", latex))
    if stray:
        errors.append(f"characters pdflatex cannot set: {''.join(sorted(stray))}")
    return errors


def _compiles(latex: str, tmp_path: Path) -> str:
    (tmp_path / "doc.tex").write_text(latex, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in run.stdout.splitlines() if line.startswith("!")]
    assert run.returncode == 0, "\n".join(errors) or run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    return (tmp_path / "doc.log").read_text(errors="replace")


def _has_cyrillic_fonts() -> bool:
    if shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "t2aenc.def"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_latex_passes_the_structural_check(lang: str) -> None:
    for name, doc in _documents(lang).items():
        latex = doc.to_latex()
        assert latex.startswith("\\documentclass"), name
        assert "\\usepackage{amsmath" in latex
        assert _structure_errors(latex) == [], name


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_latex_compiles(lang: str, tmp_path: Path) -> None:
    docs = _documents(lang)
    usable = shutil.which("pdflatex") is not None and (lang == "en" or _has_cyrillic_fonts())
    for name, doc in docs.items():
        latex = doc.to_latex()
        if not usable:  # no TeX here (or no Cyrillic fonts): the parse check stands in
            assert _structure_errors(latex) == [], name
            continue
        log = _compiles(latex, tmp_path)
        assert "Overfull \\hbox" not in log or name != "masha", name


def test_text_reads_like_the_seed() -> None:
    text = str(explain(MASHA))
    for line in (
        "h^1_i1 = w^1_11·x_i1 + w^1_21·x_i2   o^1_i1 = f(h^1_i1)",
        "ŷ = f(f(X·W1)·W2)·W3",
        "X [n×2] —W1→ H1 [n×2] —f→ O1 [n×2] —W2→ H2 [n×2] —f→ O2 [n×2] —W3→ ŷ [n×1] → L",
        "d = d·W3ᵀ * f'(H2)   [n×1]·[1×2]*[n×2] = [n×2]",
        "∂O2/∂H2 = f'(H2) = O2 * (1 − O2)",
        "W1 ← W1 − η·∂L/∂W1",
    ):
        assert line in text
    assert "30n + 10" in text


def test_nested_function_has_a_size_limit() -> None:
    deep = mb.Network([4, 4, 4, 4, 2])
    text = " ".join(str(explain(deep)).split())  # undo the line wrapping
    assert "would hold 850 weight and bias symbols" in text
    assert "too many to read" in text
    assert "the limit is 40" in text
    assert "w^1_11" in text  # the scalar equations are still there


def test_markdown_uses_dollar_math_that_balances() -> None:
    for name, doc in _documents("en").items():
        md = doc.to_markdown()
        assert md.count("$$") % 2 == 0, name
        assert md.count("\\begin{aligned}") == md.count("\\end{aligned}"), name
        outside = re.sub(r"\$\$.*?\$\$", "", md, flags=re.S)
        for line in outside.splitlines():
            assert line.count("$") % 2 == 0, line
        assert doc._repr_markdown_() == md
    md = explain(MASHA).to_markdown()
    assert "## (a) The network as a composite function" in md
    assert "$H_k = O_{k-1} \\cdot W_k$" in md


def test_repr_latex_is_one_mathjax_block() -> None:
    latex = explain(MASHA)._repr_latex_()
    assert latex.startswith("$$\n\\begin{aligned}")
    assert latex.rstrip().endswith("\\end{aligned}\n$$")
    assert "\\hat{y} &= f\\left(f\\left(X \\cdot W_{1}\\right)" in latex


def test_russian_uses_the_seeds_terms_and_no_english_prose() -> None:
    text = explain(MASHA, lang="ru").to_text()
    for term in ("Нейросеть как сложная функция", "Прямой проход", "поэлементно", "граф"):
        assert term in text
    for english in ("Forward pass", "Backward pass", "composite function", "learning rate"):
        assert english not in text
    sol = solve(MASHA, "1,2", "1", learning_rate=1, steps=3, lang="ru").to_text()
    assert "Шаг 3" in sol
    assert "σ(1/32) — иррациональное число" in " ".join(sol.split())
    for english in ("Step", "irrational", "Forward pass", "Loss"):
        assert english not in sol


def test_render_refuses_an_unknown_format() -> None:
    with pytest.raises(mb.ConfigError, match="format must be one of text, latex, markdown"):
        explain(MASHA).render("html")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lang": "fr"}, "lang must be one of en, ru; got 'fr'"),
        ({"n": 0}, "n must be a positive integer, got 0"),
        ({"loss": "hinge"}, "loss must be one of"),
        ({"nested_limit": -1}, "nested_limit must be a positive integer"),
    ],
    ids=["lang", "n", "loss", "limit"],
)
def test_explain_refuses_bad_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(mb.ConfigError, match=match):
        explain(MASHA, **kwargs)  # type: ignore[arg-type]


def test_explain_refuses_a_non_network() -> None:
    with pytest.raises(mb.ConfigError, match=r"net must be a matbackprop\.Network, got list"):
        explain([2, 2, 1])  # type: ignore[arg-type]


def test_top_level_names_work_after_importing_the_submodule() -> None:
    import matbackprop.explain  # noqa: F401  (binds mb.explain to the package)

    assert isinstance(mb.explain(MASHA), Explanation)
    assert isinstance(mb.solve(MASHA, "1,2", "1"), Solution)
