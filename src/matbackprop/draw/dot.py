"""Graphviz DOT source: the diagram's graph, with Unicode labels (DOT has no math).

``dot -Tsvg`` lays it out by itself (left to right, one rank per column); the ``pos``
attributes (points) reproduce the Matplotlib layout with ``neato -n``.
"""

from __future__ import annotations

import itertools

from ._tex import plain
from .scene import Diagram, MatrixBlock

_SHAPES = {"circle": "circle", "box": "box", "text": "plaintext"}


def _q(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _id(key: str) -> str:
    return _q(key)


def _numbers(m: MatrixBlock) -> str:
    """``d = [-1/4; 1/4]``: a matrix as one line of text, rows between ``;``."""
    rows = "; ".join("  ".join(row) for row in m.cells)
    return f"{plain(m.name)} = [{rows}]"


def to_dot(diagram: Diagram) -> str:
    """``digraph`` source of ``diagram``: nodes by column, edges with their labels, and the
    numbers of a worked step in the label of the node or the edge they belong to (inside,
    so that no layout can make them overlap)."""
    numbers: dict[str, list[str]] = {}
    for m in diagram.matrices:
        numbers.setdefault(m.owner, []).append(_numbers(m))
    lines = [
        f"// matbackprop: {diagram.title}",
        f"digraph {_q(diagram.kind)} {{",
        "  graph [rankdir=LR, splines=true, nodesep=0.3, ranksep=0.9, fontname=Helvetica];",
        "  node [fontname=Helvetica, fontsize=12, style=filled, fillcolor=white];",
        "  edge [fontname=Helvetica, fontsize=10, arrowsize=0.7];",
    ]
    ranks: dict[int, list[str]] = {}
    for n in diagram.nodes:
        text = "\n".join([n.plain] + ([plain(n.note)] if n.note else []) + numbers.get(n.key, []))
        attrs = [f"label={_q(text)}", f"shape={_SHAPES[n.shape]}"]
        if n.shape == "circle":
            attrs += ["fixedsize=true", f"width={n.w:.2f}"]
        else:
            attrs.append('style="rounded,filled"')
        if n.style == "bias":
            attrs += ['fillcolor="#eeeeee"', 'color="#666666"']
        elif n.style == "param":
            attrs += ['fillcolor="#f3f6fb"', 'color="#335588"']
        attrs.append(f'pos="{n.x * 72:.1f},{n.y * 72:.1f}!"')
        lines.append(f"  {_id(n.key)} [{', '.join(attrs)}];")
        ranks.setdefault(n.rank, []).append(_id(n.key))
    for members in ranks.values():
        if len(members) > 1:
            lines.append(f"  {{ rank=same; {'; '.join(members)}; }}")
    for e in diagram.edges:
        attrs = []
        texts = [plain(lab.tex) for lab in (e.label, e.below) if lab is not None]
        texts += numbers.get(f"{e.src}->{e.dst}", [])
        if texts:
            # "∂O₁/∂H₁" and "= f'(H₁)" read as one line; two formulas go on two lines.
            sep = " " if len(texts) < 2 or texts[1].startswith("=") else "\n"
            attrs.append(f"label={_q(sep.join(texts))}")
        if e.dashed:
            attrs.append("style=dashed")
        if not e.arrow:
            attrs.append("arrowhead=none")
        if e.color != "black":
            attrs.append(f"color={_q(e.color)}")
        if diagram.kind == "backward" and not e.dst.startswith("P"):
            attrs.append("constraint=false")  # the invisible edges below order the chain
        lines.append(
            f"  {_id(e.src)} -> {_id(e.dst)}" + (f" [{', '.join(attrs)}];" if attrs else ";")
        )
    if diagram.kind == "backward":
        chain = [n for n in diagram.nodes if n.style != "param"]
        lines += [
            f"  {_id(a.key)} -> {_id(b.key)} [style=invis];" for a, b in itertools.pairwise(chain)
        ]
    caption = [plain(t) for t in (diagram.heading, diagram.legend) if t]
    if caption:
        place = "t" if diagram.heading else "b"
        lines.append(f"  label={_q(chr(10).join(caption))}; labelloc={place};")
    lines.append("}")
    return "\n".join(lines) + "\n"
