"""TikZ and Graphviz DOT export: compiled when the tools are installed, parsed always."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.draw import WHAT, Diagram, diagram

MASHA = [2, 2, 2, 1]


def _diagrams() -> list[tuple[str, Diagram]]:
    net = mb.Network(MASHA, bias=True, seed=0)
    X = np.array([[0.5, -1.0], [1.5, 0.25]])  # (2, 2)
    _, grads = net.gradients(X, np.array([[1.0], [0.0]]))
    return [
        *((what, diagram(MASHA, what)) for what in WHAT),
        ("network-softmax", diagram([3, 3, 2], output_activation="softmax", bias=True)),
        ("backward-mixed", diagram([3, 3, 3, 2], "backward", activation=["tanh", "relu"])),
        ("forward-numbers", diagram(net, "forward", cache=net.forward(X))),
        ("backward-numbers", diagram(net, "backward", gradients=grads)),
        ("collapsed", diagram([784, 100, 10], "network")),
    ]  # fmt: skip


def _check_tikz_structure(src: str, d: Diagram) -> None:
    """What a LaTeX author would check by eye: one complete document, balanced groups,
    every node and every edge of the diagram, math in dollars."""
    assert src.count(r"\documentclass[border=4pt]{standalone}") == 1
    assert src.count(r"\begin{tikzpicture}") == src.count(r"\end{tikzpicture}") == 1
    assert src.rstrip().endswith(r"\end{document}")
    body = src.replace(r"\{", "").replace(r"\}", "")
    depth = 0
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    statements = [line for line in src.splitlines() if line.startswith(("\\node", "\\draw"))]
    assert all(line.endswith(";") for line in statements)
    named = set(re.findall(r"\\node\[[^\]]*\] \(([\w-]+)\)", src))
    assert len(named) == len(d.nodes)
    drawn = re.findall(r"\\draw\[[^\]]*\] \(([\w-]+)\) -- \(([\w-]+)\);", src)
    assert len(drawn) == len(d.edges)
    assert all(a in named and b in named for a, b in drawn)
    for line in statements:
        assert line.count("$") % 2 == 0, line


@pytest.mark.parametrize(("name", "d"), _diagrams(), ids=lambda v: v if isinstance(v, str) else "")
def test_tikz_source_is_a_complete_standalone_document(name: str, d: Diagram) -> None:
    _check_tikz_structure(d.to_tikz(), d)


def test_tikz_carries_the_seed_labels() -> None:
    src = diagram(MASHA, "backward").to_tikz()
    assert r"{$\dfrac{\partial O_{1}}{\partial H_{1}}$}" in src
    assert r"{$= f'(H_{1})$}" in src
    assert r"{$\dfrac{\partial H_{1}}{\partial W_{1}} = X^{\mathsf{T}}$}" in src
    assert "dashed" in src
    assert r"{$w^{1}_{12}$}" in diagram(MASHA).to_tikz()


def test_tikz_compiles_with_pdflatex(tmp_path: Path) -> None:
    """Every document compiles; where no TeX is installed the structural check stands in."""
    for name, d in _diagrams():
        if shutil.which("pdflatex") is None:
            _check_tikz_structure(d.to_tikz(), d)
            continue
        tex = tmp_path / f"{name}.tex"
        tex.write_text(d.to_tikz(), encoding="utf-8")
        out = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, (name, out.stdout[-2000:])
        assert (tmp_path / f"{name}.pdf").stat().st_size > 1000


def _check_dot_structure(src: str, d: Diagram) -> None:
    assert src.splitlines()[1].startswith(f'digraph "{d.kind}" {{')
    assert src.rstrip().endswith("}")
    declared = set(re.findall(r'^  "([\w-]+)" \[label=', src, flags=re.M))
    assert declared == {n.key for n in d.nodes}
    edges = re.findall(r'^  "([\w-]+)" -> "([\w-]+)"(.*);$', src, flags=re.M)
    visible = [(a, b) for a, b, attrs in edges if "style=invis" not in attrs]
    assert visible == [(e.src, e.dst) for e in d.edges]
    assert all(a in declared and b in declared for a, b, _ in edges)
    assert src.count('"') % 2 == 0


@pytest.mark.parametrize(("name", "d"), _diagrams(), ids=lambda v: v if isinstance(v, str) else "")
def test_dot_source_declares_every_node_and_edge(name: str, d: Diagram) -> None:
    _check_dot_structure(d.to_dot(), d)


def test_dot_labels_are_unicode_math() -> None:
    src = diagram(MASHA, "network").to_dot()
    assert 'label="w¹₁₂"' in src
    assert 'label="ŷ"' in src
    assert 'label="x₂"' in src
    back = diagram(MASHA, "backward").to_dot()
    assert 'label="∂O₁/∂H₁ = f\'(H₁)"' in back
    assert 'label="∂ŷ/∂O₂ = W₃ᵀ"' in back


def test_dot_renders_with_graphviz() -> None:
    """Graphviz lays every graph out; where it is not installed the structural check stands in."""
    for name, d in _diagrams():
        if shutil.which("dot") is None:
            _check_dot_structure(d.to_dot(), d)
            continue
        out = subprocess.run(
            ["dot", "-Tsvg"], input=d.to_dot(), capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, (name, out.stderr)
        assert "<svg" in out.stdout
