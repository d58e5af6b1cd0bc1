"""A diagram as plain data: nodes, edges and labels placed in inches.

The layouts (:mod:`.network`, :mod:`.passes`) build a :class:`Diagram` once; Matplotlib,
TikZ and Graphviz each render that same scene, so the three outputs cannot drift apart.
Coordinates are inches with ``y`` pointing up; every label is mathtext (see :mod:`._tex`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import ConfigError
from ._tex import FONT_SIZE, plain

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "Diagram", "Edge", "Label", "MatrixBlock", "Node"]

FORMATS = ("png", "svg", "pdf", "tikz", "dot")
Style = Literal["normal", "faint", "bias", "param"]


@dataclass
class Node:
    """A neuron (circle), a matrix or a layer (box), or bare text, centred at ``(x, y)``."""

    key: str
    x: float
    y: float
    tex: str  # mathtext without dollars
    shape: Literal["circle", "box", "text"] = "box"
    w: float = 0.4
    h: float = 0.4
    style: Style = "normal"
    rank: int = 0  # column, for Graphviz ``rank=same`` groups
    note: str = ""  # mathtext Graphviz adds under the label (the shape), drawn elsewhere here

    @property
    def plain(self) -> str:
        return plain(self.tex)


@dataclass
class Label:
    """Free text centred at ``(x, y)``; ``boxed`` puts it on a white patch over the lines."""

    x: float
    y: float
    tex: str  # mathtext without dollars, or plain text when ``math`` is False
    size: float = FONT_SIZE
    color: str = "black"
    boxed: bool = False
    math: bool = True
    ha: Literal["center", "left", "right"] = "center"

    @property
    def text(self) -> str:
        return f"${self.tex}$" if self.math else self.tex


@dataclass
class Edge:
    """An arrow (or a plain line) from node ``src`` to node ``dst``, clipped at their borders."""

    src: str
    dst: str
    label: Label | None = None
    dashed: bool = False
    below: Label | None = None  # a second label under the line: a shape, a derivative's value
    arrow: bool = True
    color: str = "black"
    width: float = 1.0  # points


@dataclass
class MatrixBlock:
    """A small matrix of numbers in brackets, its top edge centred at ``(x, y)``."""

    x: float
    y: float
    cells: list[list[str]]
    size: float = FONT_SIZE - 2
    caption: str = ""  # mathtext above the brackets, e.g. ``X`` or ``d``
    # Where Graphviz puts the numbers (it has no free placement): beside the node with this
    # key, or on the edge ``"src->dst"``; ``name`` is the matrix's symbol there (mathtext).
    owner: str = ""
    name: str = ""

    @property
    def text(self) -> str:
        widths = [max(len(row[j]) for row in self.cells) for j in range(len(self.cells[0]))]
        return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in self.cells)


@dataclass
class Diagram:
    """One figure: what to draw and where. Render with :meth:`figure`, :meth:`to_tikz`,
    :meth:`to_dot`, or write any format with :meth:`save`."""

    kind: str  # network | forward | backward
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    matrices: list[MatrixBlock] = field(default_factory=list)
    legend: str = ""  # what the symbols stand for (text with $…$ math), also one of the labels
    heading: str = ""  # the step a worked diagram shows (text with $…$ math), also a label
    lang: str = "en"  # the language of the words (TikZ loads Cyrillic fonts for "ru")
    margin: float = 0.15  # inches of white around the content

    def node(self, key: str) -> Node:
        for n in self.nodes:
            if n.key == key:
                return n
        raise KeyError(key)

    def edge_labels(self) -> list[Label]:
        """The labels above and below every edge."""
        return [lab for e in self.edges for lab in (e.label, e.below) if lab is not None]

    def bounds(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of everything drawn, in inches."""
        from ._tex import measure

        xs: list[float] = []
        ys: list[float] = []
        for n in self.nodes:
            xs += [n.x - n.w / 2, n.x + n.w / 2]
            ys += [n.y - n.h / 2, n.y + n.h / 2]
        for lab in self.labels + self.edge_labels():
            w, h = measure(lab.text, lab.size)
            left = {"center": lab.x - w / 2, "left": lab.x, "right": lab.x - w}[lab.ha]
            xs += [left, left + w]
            ys += [lab.y - h / 2, lab.y + h / 2]
        for m in self.matrices:
            w, h = matrix_size(m)
            xs += [m.x - w / 2, m.x + w / 2]
            ys += [m.y - h, m.y]
        return min(xs), min(ys), max(xs), max(ys)

    def figure(self) -> Figure:
        """A Matplotlib figure (no pyplot state); Jupyter displays it inline."""
        from .render_mpl import to_figure

        return to_figure(self)

    def to_tikz(self) -> str:
        """A complete ``standalone`` LaTeX document with the diagram as a ``tikzpicture``."""
        from .tikz import to_tikz

        return to_tikz(self)

    def to_dot(self) -> str:
        """Graphviz DOT source (``dot -Tsvg``), with node positions for ``neato -n``."""
        from .dot import to_dot

        return to_dot(self)

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the diagram; ``format`` is one of :data:`FORMATS`, else the file's suffix."""
        out = Path(path)
        fmt = resolve_format(out, format)
        if fmt == "tikz":
            out.write_text(self.to_tikz(), encoding="utf-8")
        elif fmt == "dot":
            out.write_text(self.to_dot(), encoding="utf-8")
        else:
            save_figure(self.figure(), out, fmt)
        return out

    def _repr_svg_(self) -> str:
        return svg_text(self.figure())


_SUFFIXES = {
    ".png": "png",
    ".svg": "svg",
    ".pdf": "pdf",
    ".tex": "tikz",
    ".tikz": "tikz",
    ".dot": "dot",
    ".gv": "dot",
}


def resolve_format(path: Path, format: str | None) -> str:
    """The output format: ``format`` if given, else from the suffix of ``path``."""
    if format is not None:
        fmt = format.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        return fmt
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ConfigError(
            f"cannot tell the format from the file name {str(path)!r}: use a suffix "
            f"({', '.join(_SUFFIXES)}) or name the format: {', '.join(FORMATS)}"
        )
    return _SUFFIXES[suffix]


def figure_format(path: str | os.PathLike[str], name: str = "path") -> str:
    """The image format (png, svg, pdf) named by the suffix of ``path``, or a ConfigError."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise ConfigError(f"{name} must end in .png, .svg or .pdf, got {str(path)!r}")
    return suffix


def save_figure(fig: Figure, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write a Matplotlib figure as PNG, SVG or PDF (SVG text stays text, not paths)."""
    import matplotlib as mpl

    out = Path(path)
    fmt = resolve_format(out, format)
    if fmt not in ("png", "svg", "pdf"):
        raise ConfigError(f"a figure can be saved as png, svg or pdf, got {fmt!r}")
    if not out.parent.is_dir():
        from ..errors import MissingFileError

        raise MissingFileError(f"the folder of {str(out)!r} does not exist")
    with mpl.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(out, format=fmt, dpi=200 if fmt == "png" else "figure", facecolor="white")
    return out


def svg_text(fig: Figure) -> str:
    import io

    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", facecolor="white")
    return buf.getvalue()


def matrix_size(m: MatrixBlock) -> tuple[float, float]:
    """Width and height in inches of a matrix block, brackets and caption included."""
    from ._tex import measure

    w = measure(m.text.split("\n")[0], m.size, monospace=True)[0]
    cap_h = caption_height(m)
    return w + 0.16, len(m.cells) * row_height(m) + 0.06 + cap_h


def row_height(m: MatrixBlock) -> float:
    from ._tex import measure

    return measure("0.9", m.size, monospace=True)[1] * 1.3


def caption_height(m: MatrixBlock) -> float:
    from ._tex import measure

    return measure(f"${m.caption}$", m.size + 1)[1] + 0.06 if m.caption else 0.0
