"""TikZ source: the same scene as the Matplotlib figure, as a ``standalone`` document.

Coordinates are the layout's inches (``x=1in, y=1in``), so the TeX figure has the
proportions of the PNG; labels are the same math strings between ``$...$``.
"""

from __future__ import annotations

from .scene import Diagram, Label, MatrixBlock, Node, caption_height

_PREAMBLE = r"""\documentclass[border=4pt]{standalone}
%FONTS%\usepackage{amsmath}
\usepackage{tikz}
\usetikzlibrary{arrows.meta}
\begin{document}
\begin{tikzpicture}[x=1in, y=1in, >={Stealth[length=6pt, width=4pt]},
  neuron/.style={circle, draw, thick, inner sep=0pt},
  box/.style={rectangle, rounded corners=3pt, draw, thick, inner sep=0pt},
  bias/.style={fill=black!7, draw=black!60},
  param/.style={fill=blue!4, draw=blue!50!black},
  faint/.style={draw=black!40, text=black!55},
  lbl/.style={inner sep=1.5pt}]
"""

_CYRILLIC = (
    "\\usepackage[T2A]{fontenc}\n\\usepackage[utf8]{inputenc}\n\\usepackage[russian]{babel}\n"
)

_END = "\\end{tikzpicture}\n\\end{document}\n"


def _c(v: float) -> str:
    return f"{v:.3f}"


def _name(key: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in key)


def _node(n: Node) -> str:
    if n.shape == "text":
        return f"\\node[lbl] ({_name(n.key)}) at ({_c(n.x)}, {_c(n.y)}) {{${n.tex}$}};"
    style = ["neuron" if n.shape == "circle" else "box"]
    if n.style != "normal":
        style.append(n.style)
    size = (
        f"minimum size={_c(n.w)}in"
        if n.shape == "circle"
        else f"minimum width={_c(n.w - 0.1)}in, minimum height={_c(n.h - 0.1)}in"
    )
    return (
        f"\\node[{', '.join(style)}, {size}] ({_name(n.key)}) at ({_c(n.x)}, {_c(n.y)}) "
        f"{{${n.tex}$}};"
    )


def _label(lab: Label) -> str:
    anchor = {"center": "", "left": ", anchor=west", "right": ", anchor=east"}[lab.ha]
    opts = "lbl" + anchor
    if lab.boxed:
        opts += ", fill=white"
    if lab.color != "black":
        opts += ", text=black!50"
    text = lab.text.replace("×", r"$\times$").replace("%", r"\%")
    return f"\\node[{opts}] at ({_c(lab.x)}, {_c(lab.y)}) {{{text}}};"


def _matrix(m: MatrixBlock) -> str:
    spec = "r" * len(m.cells[0])
    rows = r" \\ ".join(" & ".join(c.replace("...", r"\vdots") for c in row) for row in m.cells)
    body = rf"$\left[\begin{{array}}{{{spec}}}{rows}\end{{array}}\right]$"
    # The caption is the top of the block, as in the Matplotlib figure, so that a block
    # stacked under another one (∂L/∂W_k, then the updated W_k) never reaches it.
    top = m.y - caption_height(m)
    out = f"\\node[lbl, anchor=north, font=\\footnotesize] at ({_c(m.x)}, {_c(top)}) {{{body}}};"
    if m.caption:
        out = f"\\node[lbl, anchor=north] at ({_c(m.x)}, {_c(m.y)}) {{${m.caption}$}};\n" + out
    return out


def to_tikz(diagram: Diagram) -> str:
    """A complete LaTeX document (``pdflatex`` with TikZ) drawing ``diagram``."""
    # Russian words need Cyrillic fonts (texlive-lang-cyrillic), as explain's documents do.
    fonts = _CYRILLIC if diagram.lang == "ru" else ""
    lines = [f"% matbackprop: {diagram.title}", _PREAMBLE.replace("%FONTS%", fonts).rstrip("\n")]
    lines += [_node(n) for n in diagram.nodes]
    for e in diagram.edges:
        opts = ["->" if e.arrow else "-"]
        if e.dashed:
            opts.append("dashed")
        if e.color != "black":
            opts.append("draw=black!50")
        if e.width < 0.8:
            opts.append("thin")
        lines.append(f"\\draw[{', '.join(opts)}] ({_name(e.src)}) -- ({_name(e.dst)});")
    lines += [_label(lab) for lab in diagram.edge_labels()]
    lines += [_label(lab) for lab in diagram.labels]
    lines += [_matrix(m) for m in diagram.matrices]
    return "\n".join(lines) + "\n" + _END
