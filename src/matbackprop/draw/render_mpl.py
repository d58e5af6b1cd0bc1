"""Render a :class:`~.scene.Diagram` with Matplotlib: one ``Figure``, no pyplot, no LaTeX."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ._tex import FONT_SIZE
from .scene import Diagram, Node, matrix_size

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_FILL = {"normal": "white", "faint": "white", "bias": "#eeeeee", "param": "#f3f6fb"}
_EDGE = {"normal": "black", "faint": "#999999", "bias": "#666666", "param": "#335588"}


def to_figure(diagram: Diagram) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    x0, y0, x1, y1 = diagram.bounds()
    m = diagram.margin
    fig = Figure(figsize=(x1 - x0 + 2 * m, y1 - y0 + 2 * m), dpi=100)
    FigureCanvasAgg(fig)  # so that savefig and text extents work without pyplot
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(x0 - m, x1 + m)
    ax.set_ylim(y0 - m, y1 + m)
    ax.set_axis_off()
    nodes = {n.key: n for n in diagram.nodes}
    lines: dict[tuple[str, float], list[list[tuple[float, float]]]] = {}
    for e in diagram.edges:
        a, b = nodes[e.src], nodes[e.dst]
        if e.arrow or e.dashed:
            _edge(ax, a, b, e.dashed, e.arrow, e.color, e.width)
        else:  # hundreds of plain lines in a dense layer: one collection draws them fast
            lines.setdefault((e.color, e.width), []).append(
                [border_point(a, b.x, b.y), border_point(b, a.x, a.y)]
            )
    for (color, width), segments in lines.items():
        ax.add_collection(LineCollection(segments, colors=color, linewidths=width, zorder=2))
    for n in diagram.nodes:
        _node(ax, n)
    for lab in diagram.edge_labels():
        _label(ax, lab)
    for lab in diagram.labels:
        _label(ax, lab)
    for block in diagram.matrices:
        _matrix(ax, block)
    fig.set_label(diagram.title)
    return fig


def _node(ax: Axes, n: Node) -> None:
    from matplotlib.patches import Circle, FancyBboxPatch

    lw = 0.8 if n.style == "faint" else 1.1
    if n.shape == "circle":
        ax.add_patch(
            Circle(
                (n.x, n.y),
                n.w / 2,
                facecolor=_FILL[n.style],
                edgecolor=_EDGE[n.style],
                lw=lw,
                zorder=3,
            )
        )
    elif n.shape == "box":
        pad = 0.05
        ax.add_patch(
            FancyBboxPatch(
                (n.x - n.w / 2 + pad, n.y - n.h / 2 + pad),
                n.w - 2 * pad,
                n.h - 2 * pad,
                boxstyle=f"round,pad={pad}",
                facecolor=_FILL[n.style],
                edgecolor=_EDGE[n.style],
                lw=lw,
                zorder=3,
            )
        )
    color = "#777777" if n.style == "faint" else "black"
    ax.text(
        n.x,
        n.y,
        f"${n.tex}$",
        ha="center",
        va="center_baseline",
        fontsize=FONT_SIZE,
        color=color,
        zorder=4,
    )


def _edge(ax: Axes, a: Node, b: Node, dashed: bool, arrow: bool, color: str, width: float) -> None:
    from matplotlib.patches import FancyArrowPatch

    (xa, ya), (xb, yb) = border_point(a, b.x, b.y), border_point(b, a.x, a.y)
    style = "-|>,head_length=0.45,head_width=0.18" if arrow else "-"
    ax.add_patch(
        FancyArrowPatch(
            (xa, ya),
            (xb, yb),
            arrowstyle=style,
            mutation_scale=14,
            linestyle=(0, (4, 3)) if dashed else "-",
            color=color,
            lw=width,
            shrinkA=1.5,
            shrinkB=1.5,
            zorder=2,
        )
    )


def border_point(n: Node, tx: float, ty: float) -> tuple[float, float]:
    """Where the segment from the centre of ``n`` towards ``(tx, ty)`` leaves the node."""
    dx, dy = tx - n.x, ty - n.y
    dist = math.hypot(dx, dy) or 1.0
    if n.shape == "circle":
        r = n.w / 2
        return n.x + dx / dist * r, n.y + dy / dist * r
    # A box: scale the direction to the nearest side.
    sx = (n.w / 2) / abs(dx) if dx else math.inf
    sy = (n.h / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return n.x + dx * s, n.y + dy * s


def _label(ax: Axes, lab: object) -> None:
    from .scene import Label

    assert isinstance(lab, Label)
    box = {"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none"} if lab.boxed else None
    ax.text(
        lab.x,
        lab.y,
        lab.text,
        ha=lab.ha,
        va="center",
        fontsize=lab.size,
        color=lab.color,
        bbox=box,
        zorder=5,
    )


def _matrix(ax: Axes, block: object) -> None:
    from .scene import MatrixBlock, caption_height, row_height

    assert isinstance(block, MatrixBlock)
    w, h = matrix_size(block)
    top = block.y
    if block.caption:
        cap_h = caption_height(block)
        ax.text(
            block.x,
            top - cap_h / 2,
            f"${block.caption}$",
            ha="center",
            va="center",
            fontsize=block.size + 1,
            zorder=5,
        )
        top -= cap_h
    bottom = block.y - h
    step = row_height(block)
    for r, line in enumerate(block.text.split("\n")):
        ax.text(
            block.x,
            top - 0.03 - (r + 0.5) * step,
            line,
            ha="center",
            va="center",
            family="monospace",
            fontsize=block.size,
            zorder=5,
        )
    left, right, tick = block.x - w / 2 + 0.02, block.x + w / 2 - 0.02, 0.05
    for xs in ((left + tick, left, left, left + tick), (right - tick, right, right, right - tick)):
        ax.plot(
            xs, (top, top, bottom, bottom), color="black", lw=0.9, zorder=5, solid_capstyle="butt"
        )
