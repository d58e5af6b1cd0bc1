"""The forward chain ``X —W1→ H1 —f→ O1 … → y_hat → L`` and the backward chain under it.

Forward: a shape ``[n×n_k]`` under every matrix and ``W_k [a×b]`` or ``f`` on every edge.
Backward: dashed arrows running right to left, each labelled with its derivative
(``∂L/∂y_hat``, ``∂y_hat/∂O_2 = W_3ᵀ``, ``∂O_2/∂H_2 = f'(H_2)`` …), the accumulator
``d = ∂L/∂H_k`` above every ``H_k``, and a branch from every ``H_k`` down to ``W_k`` labelled
``∂H_k/∂W_k = O_{k-1}ᵀ``, where the gradient ``∂L/∂W_k = O_{k-1}ᵀ·d`` comes out.

With a :class:`~matbackprop.Cache` (and :class:`~matbackprop.Gradients`) the diagrams
also carry the numbers of that step: the first rows of every matrix, ``d`` and ``∂L/∂W_k``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import ShapeError
from ..network import Cache, Gradients
from ._arch import Arch
from ._numbers import StepNumbers
from ._tex import FONT_SIZE, measure, shape_tex
from ._words import word
from .scene import Diagram, Edge, Label, MatrixBlock, Node, matrix_size

NODE_H = 0.46
LINE = 0.24
BRANCH = 1.45  # inches from the chain down to the W_k boxes
BRANCH_STEP = 0.5  # inches between the labels along a branch
T = r"^{\mathsf{T}}"  # the transpose, as an upright T (mathtext spaces ^{\top} too widely)
ONES = r"\mathbf{1}"  # the column of ones that sums d over the rows for ∂L/∂b_k


@dataclass
class _Item:
    """One matrix of the chain: ``X``, ``H_k``, ``O_k``, ``y_hat`` or ``L``."""

    key: str
    tex: str
    k: int  # layer
    kind: str  # X | H | O | L
    is_H: bool  # carries d = ∂L/∂H_k (``y_hat`` is H_L when the output is linear)
    width: int | None  # n_k; None for the scalar L


def _chain(arch: Arch, keep: set[int]) -> list[_Item]:
    """The matrices of the chain; runs of layers not in ``keep`` become one ``⋯``."""
    L = arch.L
    items = [_Item("X", "X", 0, "X", False, arch.sizes[0])]
    for k in range(1, L):
        if k in keep:
            items.append(_Item(f"H{k}", f"H_{{{k}}}", k, "H", True, arch.sizes[k]))
            items.append(_Item(f"O{k}", f"O_{{{k}}}", k, "O", False, arch.sizes[k]))
        elif items[-1].kind != "dots":
            items.append(_Item(f"dots{k}", r"\cdots", k, "dots", False, None))
    if arch.output_is_identity:
        items.append(_Item("yhat", r"\hat{y}", L, "O", True, arch.sizes[L]))
    else:
        items.append(_Item(f"H{L}", f"H_{{{L}}}", L, "H", True, arch.sizes[L]))
        items.append(_Item("yhat", r"\hat{y}", L, "O", False, arch.sizes[L]))
    items.append(_Item("L", "L", L, "L", False, None))
    return items


def kept_layers(L: int, max_layers: int | None) -> set[int]:
    """Layer 1 and the last ``max_layers - 1`` layers (all when ``L <= max_layers``): a deep
    chain reads like Masha's, ``X → H_1 → O_1 ⋯ H_{L-1} → O_{L-1} → y_hat``."""
    if max_layers is None or max_layers >= L:
        return set(range(1, L + 1))
    return {1} | set(range(L - max_layers + 2, L + 1))


def _forward_label(arch: Arch, b: _Item) -> tuple[str, str]:
    """The label on the edge that makes ``b``, as the seed writes it: ``W_1 [2×2]`` or ``f``
    (nothing under the edge: the shapes under the nodes are of the matrices)."""
    if b.kind == "L":
        return r"L(y,\,\hat{y})", ""
    if b.kind == "dots":
        return "", ""
    if b.is_H:
        bias = f",\\ b_{{{b.k}}}" if arch.bias else ""
        return f"W_{{{b.k}}}{bias}", ""
    return arch.f(b.k), ""


def _prev(k: int) -> str:
    return "X" if k == 1 else f"O_{{{k - 1}}}"


def _backward_label(arch: Arch, a: _Item, b: _Item) -> tuple[str, str]:
    """The derivative on the dashed arrow from ``b`` back to ``a``: ``∂b/∂a`` above the
    arrow, its value below (``W_kᵀ`` or ``f'(H_k)``)."""
    if b.kind == "dots":
        return "", ""
    wrt = _prev(b.k) if a.kind == "dots" else a.tex
    frac = rf"\dfrac{{\partial {b.tex}}}{{\partial {wrt}}}"
    if b.kind == "L":
        return frac, ""
    if b.is_H:
        return frac, rf"= W_{{{b.k}}}{T}"
    return frac, rf"= {arch.f(b.k)}'({a.tex})"


def _branch_labels(arch: Arch, item: _Item) -> list[str]:
    k = item.k
    out = [rf"\dfrac{{\partial {item.tex}}}{{\partial W_{{{k}}}}} = {_prev(k)}{T}"]
    if arch.bias:
        out.append(rf"\dfrac{{\partial {item.tex}}}{{\partial b_{{{k}}}}} = {ONES}{T}")
    return out


def _gradient_captions(arch: Arch, k: int) -> list[str]:
    a, b = arch.sizes[k - 1], arch.sizes[k]
    out = [rf"\dfrac{{\partial L}}{{\partial W_{{{k}}}}} = {_prev(k)}{T}\, d\ {shape_tex(a, b)}"]
    if arch.bias:
        out.append(rf"\dfrac{{\partial L}}{{\partial b_{{{k}}}}} = {ONES}{T}\, d\ [{b}]")
    return out


def pass_diagram(
    arch: Arch,
    what: str,
    numbers: StepNumbers | None = None,
    max_rows: int = 4,
    max_layers: int | None = 3,
    lang: str = "en",
) -> Diagram:
    """The forward (``what="forward"``) or backward (``"backward"``) chain of ``arch``, with
    the ``numbers`` of a step if given; above ``max_layers`` weight layers the middle ones are
    elided (``None``: never)."""
    backward = what == "backward"
    items = _chain(arch, kept_layers(arch.L, max_layers))
    d = Diagram(what, f"{word(lang, what)} {'-'.join(map(str, arch.sizes))}", lang=lang)
    num = numbers.values if numbers is not None else {}
    text = numbers.text if numbers is not None else None

    # Text and matrices of each column, to size the columns and the gaps between them.
    nodes_w = [
        measure(f"${it.tex}$")[0] + 0.1
        if it.kind == "dots"
        else max(0.52, measure(f"${it.tex}$")[0] + 0.3)
        for it in items
    ]
    below: list[list[str]] = []  # captions under each node
    blocks: list[MatrixBlock | None] = []  # numbers under (forward) or above (backward)
    for it in items:
        caption = [] if it.width is None else [shape_tex("n", it.width)]
        values = num.get(f"d{it.k}" if it.is_H else "") if backward else num.get(it.key)
        if backward:
            caption = [] if it.is_H else caption
            if it.is_H:
                caption = []
        below.append(caption)
        cap = "d" if backward else ""
        blocks.append(
            None
            if values is None
            else MatrixBlock(
                0, 0, _cells(values, max_rows, text), caption=cap, owner=it.key, name=cap or it.tex
            )
        )
    above: list[list[str]] = [[] for _ in items]

    def col_width(i: int) -> float:
        ws = [nodes_w[i]] + [measure(f"${t}$")[0] for t in below[i] + above[i]]
        block = blocks[i]
        if block is not None:
            ws.append(matrix_size(block)[0])
        return max(ws)

    cols = [col_width(i) for i in range(len(items))]
    labels = [
        _backward_label(arch, a, b) if backward else _forward_label(arch, b)
        for a, b in itertools.pairwise(items)
    ]
    w_blocks: list[MatrixBlock | None] = [None] * len(labels)
    if not backward:
        for i, (a, b) in enumerate(itertools.pairwise(items)):
            W = num.get(f"W{b.k}") if b.is_H else None
            if W is not None:
                cells = _cells(W, max_rows, text)
                owner = f"{a.key}->{b.key}"
                w_blocks[i] = MatrixBlock(0, 0, cells, owner=owner, name=f"W_{{{b.k}}}")
    gaps = []
    for i, pair in enumerate(labels):
        need = max((measure(f"${t}$")[0] for t in pair if t), default=0.0) + 0.3
        if not backward and items[i + 1].is_H:  # the shape [a×b] over W_k
            b_k = items[i + 1].k
            shape_w = measure(f"${shape_tex(arch.sizes[b_k - 1], arch.sizes[b_k])}$", FONT_SIZE - 1)
            need = max(need, shape_w[0] + 0.3)
        if backward:  # the d matrices sit above the nodes, beside these labels
            need += (cols[i] - nodes_w[i]) / 2 + (cols[i + 1] - nodes_w[i + 1]) / 2 + 0.1
        wb = w_blocks[i]
        if wb is not None:
            need = max(need, matrix_size(wb)[0] + 0.3)
        # The wider of the two columns' captions must not reach the other's.
        shortest = 0.45 if "dots" in (items[i].kind, items[i + 1].kind) else 0.65
        overhang = (cols[i] - nodes_w[i]) / 2 + (cols[i + 1] - nodes_w[i + 1]) / 2
        gaps.append(max(shortest, need, 0.2 + overhang))

    # In the backward pass, each branch's labels run right of its arrow and its gradient
    # captions sit under its W_k box: the next branch must start beyond both.
    h_idx = [i for i, it in enumerate(items) if it.is_H]
    if backward:
        for i1, i2 in itertools.pairwise(h_idx):
            need = _branch_reach(arch, items[i1], items[i2])
            have = sum(gaps[i1:i2]) + nodes_w[i1] / 2 + nodes_w[i2] / 2 + sum(nodes_w[i1 + 1 : i2])
            if have < need:
                for g in range(i1, i2):
                    gaps[g] += (need - have) / (i2 - i1)
        i_last = h_idx[-1]  # the last branch's labels must not run past L's column either
        reach = max(measure(f"${t}$")[0] for t in _branch_labels(arch, items[i_last])) + 0.15
        have = sum(gaps[i_last:]) + sum(nodes_w[i_last + 1 :]) + nodes_w[i_last] / 2
        if have < reach:
            gaps[-1] += reach - have

    x = 0.0
    xs: list[float] = []
    for i, it in enumerate(items):
        if i:
            x += nodes_w[i - 1] / 2 + gaps[i - 1] + nodes_w[i] / 2
        xs.append(x)
        note = shape_tex("n", it.width) if it.width else ""
        shape: Literal["box", "text"] = "text" if it.kind == "dots" else "box"
        d.nodes.append(Node(it.key, x, 0.0, it.tex, shape, nodes_w[i], NODE_H, rank=i, note=note))
        y = -NODE_H / 2 - 0.2
        for t in below[i]:
            d.labels.append(Label(x, y, t))
            y -= LINE
        block = blocks[i]
        if block is not None and not backward:
            block.x, block.y = x, y + 0.05
            d.matrices.append(block)
        ya = NODE_H / 2 + 0.2
        for t in above[i]:
            d.labels.append(Label(x, ya, t))
            ya += LINE
        if block is not None and backward:
            block.x, block.y = x, ya - 0.08 + matrix_size(block)[1]
            d.matrices.append(block)

    label_y = NODE_H / 2 + 0.24
    for i, (a, b) in enumerate(itertools.pairwise(items)):
        # Centred in the free space: between the d matrices (backward) or the nodes.
        wa, wb_ = (cols[i], cols[i + 1]) if backward else (nodes_w[i], nodes_w[i + 1])
        xm = (xs[i] + wa / 2 + xs[i + 1] - wb_ / 2) / 2
        tex, value = labels[i]
        tall = r"\dfrac" in tex
        y = label_y + (0.14 if tall else 0.0)
        faint = backward and a.kind == "X"  # ∂L/∂X is never needed for training
        color = "#888888" if faint else "black"
        lab = Label(xm, y, tex, color=color) if tex else None
        under = Label(xm, -0.27, value, color=color) if value else None
        if backward:
            d.edges.append(Edge(b.key, a.key, lab, dashed=True, color=color, below=under))
        else:
            d.edges.append(Edge(a.key, b.key, lab, below=under))
            if b.is_H:  # the seed's W_k [a×b]: the shape over the name, to keep edges short
                shape_lab = shape_tex(arch.sizes[b.k - 1], arch.sizes[b.k])
                d.labels.append(Label(xm, y + LINE, shape_lab, size=FONT_SIZE - 1))
        wb = w_blocks[i]
        if wb is not None:
            wb.x, wb.y = xm, y + LINE + 0.2 + matrix_size(wb)[1]
            d.matrices.append(wb)

    y_bottom = -NODE_H / 2 - 0.2 - LINE + 0.15
    if backward:
        y_bottom = _branches(d, arch, items, xs, numbers, max_rows)
    for block in d.matrices:
        y_bottom = min(y_bottom, block.y - matrix_size(block)[1])
    d.legend = arch.legend(lang)
    if d.legend:
        d.labels.append(Label(xs[-1] / 2, y_bottom - 0.35, d.legend, FONT_SIZE - 1, math=False))
    if numbers is not None and numbers.step is not None:
        d.heading = _heading(what, numbers, lang)
        x0, _, _, y1 = d.bounds()
        d.labels.append(Label(x0, y1 + 0.3, d.heading, FONT_SIZE, math=False, ha="left"))
    return d


def _heading(what: str, numbers: StepNumbers, lang: str) -> str:
    """``Backward pass, step 2 (rows 1–2): $L = 1/8$, $\\eta = 1$``: which step is drawn."""
    rows = numbers.rows
    which = (
        word(lang, "rows_one", i=rows[0] + 1)
        if len(rows) == 1 and numbers.n_rows > 1
        else word(lang, "rows_all", n=numbers.n_rows)
    )
    show = numbers.text or str
    out = f"{word(lang, what.capitalize())}, {word(lang, 'step', t=numbers.step)} ({which})"
    out += f":  $L = {show(numbers.loss)}$"
    if what == "backward":
        out += rf",  $\eta = {show(numbers.eta)}$"
    return out


def _branch_reach(arch: Arch, a: _Item, b: _Item) -> float:
    """How far right of branch ``a`` the next branch ``b`` must be."""
    right = max(measure(f"${t}$")[0] for t in _branch_labels(arch, a)) + 0.1
    left = measure(f"${_d_label(b)}$")[0] + 0.1
    caps_a = max(measure(f"${t}$")[0] for t in _gradient_captions(arch, a.k))
    caps_b = max(measure(f"${t}$")[0] for t in _gradient_captions(arch, b.k))
    return max(right + left + 0.3, caps_a / 2 + caps_b / 2 + 0.3)


def _d_label(item: _Item) -> str:
    """What runs down a branch: the accumulator ``d = ∂L/∂H_k``."""
    return f"d\\ {shape_tex('n', item.width or 1)}"


def _branches(
    d: Diagram,
    arch: Arch,
    items: list[_Item],
    xs: list[float],
    numbers: StepNumbers | None,
    max_rows: int,
) -> float:
    """Add the branches ``H_k ⇢ W_k``; return the lowest y used."""
    lowest = 0.0
    branch = BRANCH + (BRANCH_STEP if arch.bias else 0.0)
    for i, (it, x) in enumerate(zip(items, xs)):
        if not it.is_H:
            continue
        k = it.k
        tex = f"W_{{{k}}}" + (f",\\ b_{{{k}}}" if arch.bias else "")
        w = max(0.6, measure(f"${tex}$")[0] + 0.3)
        key = f"P{k}"
        d.nodes.append(Node(key, x, -branch, tex, "box", w, NODE_H, "param", rank=i))
        # Below the shape captions of the chain, so that neither reaches the other.
        y = -NODE_H / 2 - 0.62
        d.labels.append(Label(x - 0.1, y, _d_label(it), ha="right"))
        texts = _branch_labels(arch, it)  # ∂H_k/∂W_k (and ∂H_k/∂b_k under it)
        on_edge = [Label(x + 0.1, y - j * BRANCH_STEP, t, ha="left") for j, t in enumerate(texts)]
        d.edges.append(
            Edge(
                it.key,
                key,
                on_edge[0],
                dashed=True,
                below=on_edge[-1] if len(on_edge) > 1 else None,
            )
        )
        y = -branch - NODE_H / 2 - 0.3
        for t in _gradient_captions(arch, k):
            d.labels.append(Label(x, y, t))
            y -= BRANCH_STEP
        y += BRANCH_STEP - 0.3
        lowest = min(lowest, y)
        if numbers is None:
            continue
        # ∂L/∂W_k under its formula; ∂L/∂b_k and the updated W_k, b_k under it, when known.
        for name, caption in _branch_numbers(arch, k, numbers.rule):
            values = numbers.values.get(name)
            if values is None:
                continue
            cells = _cells(values, max_rows, numbers.text)
            block = MatrixBlock(x, y, cells, caption=caption, owner=key, name=caption)
            if not caption:
                block.name = rf"\partial L/\partial W_{{{k}}}"
            d.matrices.append(block)
            y = block.y - matrix_size(block)[1] - 0.08
            lowest = min(lowest, y)
    return lowest


def _branch_numbers(arch: Arch, k: int, rule: str = "sgd") -> list[tuple[str, str]]:
    """The matrices under ``W_k``'s box: which value, and the caption above its brackets
    (none for ``∂L/∂W_k``: the formula above it names it); ``rule``: the update's."""
    out = [(f"dW{k}", "")]
    if arch.bias:
        out.append((f"db{k}", rf"\partial L/\partial b_{{{k}}}"))
    out.append((f"W{k}'", _updated(f"W_{{{k}}}", rule)))
    if arch.bias:
        out.append((f"b{k}'", _updated(f"b_{{{k}}}", rule)))
    return out


def _updated(sym: str, rule: str = "sgd") -> str:
    """The update's caption, by the optimizer's rule: plain ``W_k - η·∂L/∂W_k`` (the seed's
    ``W_k ← W_k − η·∂L/∂W_k``), momentum ``W_k + v`` (v the new velocity), Nesterov
    ``W_k + μv − η·∂L/∂W_k``, Adam ``W_k − η·m̂/(√ŝ + ε)``."""
    grad = rf"\partial L/\partial {sym}"
    if rule == "momentum":
        return rf"{sym} + v"
    if rule == "nesterov":
        return rf"{sym} + \mu v - \eta \cdot {grad}"
    if rule == "adam":
        return rf"{sym} - \eta \cdot \hat{{m}}/(\sqrt{{\hat{{s}}}} + \epsilon)"
    return rf"{sym} - \eta \cdot {grad}"


def _cells(values: Any, max_rows: int, text: Callable[[Any], str] | None = None) -> list[list[str]]:
    """The first ``max_rows`` rows as strings: each number by ``text`` (a worked solution's
    own rule), else in one format per matrix (fixed point, or scientific when every entry is
    tiny or huge); a row of dots says more were left out."""
    if text is not None:
        E = np.atleast_2d(np.asarray(values, dtype=object))  # Fractions stay Fractions
        cells = [[text(v) for v in row] for row in E[:max_rows]]
        if E.shape[0] > max_rows:
            cells.append(["..."] * E.shape[1])
        return cells
    A = np.atleast_2d(np.asarray(values, dtype=float))
    top = float(np.max(np.abs(A))) if A.size else 0.0
    scientific = top != 0.0 and not 1e-2 <= top < 1e4
    fmt = "{:.2e}" if scientific else "{:.3f}"
    cells = [[fmt.format(float(v) + 0.0) for v in row] for row in A[:max_rows]]
    # "-0.000" only says that the value is tiny and negative: print it as 0.000.
    cells = [
        [c[1:] if c.startswith("-") and set(c[1:]) <= set("0.") else c for c in row]
        for row in cells
    ]
    if A.shape[0] > max_rows:
        cells.append(["..."] * A.shape[1])
    return cells


def check_numbers(arch: Arch, cache: Cache | None, gradients: Gradients | None) -> None:
    """A Cache or Gradients from another network is refused with the shapes that differ."""
    L = arch.L
    if cache is not None:
        if not isinstance(cache, Cache):
            raise ShapeError(f"cache must be a matbackprop Cache, got {type(cache).__name__}")
        got = [None if O is None else np.shape(O)[1] for O in cache.O]
        if len(cache.O) != L + 1 or got != list(arch.sizes):
            raise ShapeError(
                f"cache must come from a {'-'.join(map(str, arch.sizes))} network, got "
                f"layer widths {got}"
            )
    if gradients is not None:
        if not isinstance(gradients, Gradients):
            raise ShapeError(
                f"gradients must be a matbackprop Gradients, got {type(gradients).__name__}"
            )
        want = [(a, b) for a, b in zip(arch.sizes[:-1], arch.sizes[1:])]
        shapes = [tuple(np.shape(g)) for g in gradients.weights]
        if shapes != want or len(gradients.d) != L + 1:
            raise ShapeError(
                f"gradients must hold dW of shapes {want} and d for {L} layers, got {shapes}"
            )
