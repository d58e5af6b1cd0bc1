"""The neuron-level picture: inputs ``x_i``, neurons in columns, each edge labelled ``w^k_ij``.

Edge labels sit where no two can meet: on the edges of layer ``k`` (``m = n_k`` targets)
the point at ``t = 1/(m+1)`` of the way from source ``i`` to target ``j`` has height
``y_i + (y_j - y_i)/(m+1)``, i.e. ``(i·m + j)/(m+1)`` neuron spacings from the top: all
different and evenly spaced, one label per slot on a single vertical line.
"""

from __future__ import annotations

import itertools

from ._arch import Arch
from ._tex import FONT_SIZE, measure, shape_tex
from ._words import count, word
from .scene import Diagram, Edge, Label, Node

D = 0.46  # neuron diameter, inches
LINE = 0.24  # one line of caption, inches
MAX_LABELLED_TARGETS = 3  # label every edge only when no layer has more neurons than this


def network_diagram(arch: Arch, lang: str = "en") -> Diagram:
    """The network as neurons and weighted edges (or one box per layer when large); the
    words of the legend in ``lang``."""
    if arch.collapsed:
        return _collapsed(arch, lang)
    sizes, L, bias = arch.sizes, arch.L, arch.bias
    labelled = all(
        n_k <= MAX_LABELLED_TARGETS and (n_prev + bias) * n_k <= 12
        for n_prev, n_k in itertools.pairwise(sizes)
    )
    lab_w, lab_h = measure("$w^{1}_{12}$")
    m_max = max(sizes[1:])
    if labelled:
        S = max(0.78, (m_max + 1) * (lab_h + 0.07))  # neuron spacing: a label slot each
        G = max(1.7, (m_max + 1) * (D / 2 + lab_w / 2 + 0.2))
    else:
        S, G = 0.62, 1.45
    head_w = max(measure(f"${_header(arch, k)}$")[0] for k in range(1, L + 1))
    G = max(G, head_w + 0.35)

    d = Diagram("network", f"{word(lang, 'network')} {'-'.join(map(str, sizes))}", lang=lang)
    top = max(((n - 1) / 2 + bias) * S for n in sizes)  # highest centre (bias nodes included)
    bottom = -max((n - 1) / 2 * S for n in sizes)
    for k, n in enumerate(sizes):
        x = k * G
        for j in range(n):
            y = (n - 1) / 2 * S - j * S
            d.nodes.append(Node(_key(k, j), x, y, _neuron_tex(arch, k, j), "circle", D, D, rank=k))
        if bias and k < L:
            y = (n - 1) / 2 * S + S
            d.nodes.append(Node(_key(k, -1), x, y, "1", "circle", D * 0.8, D * 0.8, "bias", k))
    for k in range(1, L + 1):
        m, n_prev = sizes[k], sizes[k - 1]
        sources = ([-1] if bias else []) + list(range(n_prev))
        for i in sources:
            for j in range(m):
                a, b = d.node(_key(k - 1, i)), d.node(_key(k, j))
                label = None
                if labelled:
                    t = 1.0 / (m + 1)
                    # One output: the seed writes w^3_1, w^3_2 (no neuron index), as explain does.
                    j_w = None if k == L and m == 1 else j + 1
                    tex = f"b^{{{k}}}_{{{j + 1}}}" if i < 0 else _w_tex(k, i + 1, j_w)
                    label = Label(
                        a.x + t * (b.x - a.x),
                        a.y + t * (b.y - a.y),
                        tex,
                        size=FONT_SIZE - 1,
                        boxed=True,
                    )
                # Dense layers: thin grey lines, no heads (every edge runs left to right).
                dense = not labelled and n_prev * m > 16
                color = "#666666" if i < 0 or dense else "black"
                d.edges.append(
                    Edge(
                        a.key,
                        b.key,
                        label,
                        arrow=not dense,
                        color=color,
                        width=0.6 if dense else 0.9,
                    )
                )
        x_mid = (k - 0.5) * G
        y_head = top + D / 2 + 0.3 + (LINE if bias else 0.0)
        d.labels.append(Label(x_mid, y_head, _header(arch, k)))
        if bias:
            d.labels.append(Label(x_mid, y_head - LINE, f"b_{{{k}}}\\ [{m}]"))
    y_cap = bottom - D / 2 - 0.28
    for k in range(L + 1):
        symbol, shape = _caption(arch, k)
        d.labels.append(Label(k * G, y_cap, symbol))
        d.labels.append(Label(k * G, y_cap - LINE, shape))
    d.legend = arch.legend(lang)
    if d.legend:
        y = y_cap - 2 * LINE - 0.12
        d.labels.append(Label(L * G / 2, y, d.legend, FONT_SIZE - 1, math=False))
    return d


def _key(k: int, j: int) -> str:
    return f"b{k}" if j < 0 else f"n{k}_{j + 1}"


def _w_tex(k: int, i: int, j: int | None) -> str:
    if j is None:
        return f"w^{{{k}}}_{{{i}}}"
    sep = "," if i > 9 or j > 9 else ""
    return f"w^{{{k}}}_{{{i}{sep}{j}}}"


def _neuron_tex(arch: Arch, k: int, j: int) -> str:
    n = arch.sizes[k]
    if k == 0:
        return f"x_{{{j + 1}}}"
    if k == arch.L:
        return r"\hat{y}" if n == 1 else rf"\hat{{y}}_{{{j + 1}}}"
    return arch.f(k)


def _header(arch: Arch, k: int) -> str:
    a, b = arch.sizes[k - 1], arch.sizes[k]
    return f"W_{{{k}}}\\ {shape_tex(a, b)}"


def _caption(arch: Arch, k: int) -> tuple[str, str]:
    n = arch.sizes[k]
    if k == 0:
        return "X", shape_tex("n", n)
    if k == arch.L:
        rhs = f"H_{{{k}}}" if arch.output_is_identity else f"{arch.f(k)}(H_{{{k}}})"
        return rf"\hat{{y}} = {rhs}", shape_tex("n", n)
    return f"O_{{{k}}} = {arch.f(k)}(H_{{{k}}})", shape_tex("n", n)


def _collapsed(arch: Arch, lang: str) -> Diagram:
    """One box per layer: too many neurons or layers to draw one by one."""
    sizes, L = arch.sizes, arch.L
    d = Diagram("network", f"{word(lang, 'network')} {'-'.join(map(str, sizes))}", lang=lang)
    texts = ["X"] + [f"O_{{{k}}}" for k in range(1, L)] + [r"\hat{y}"]
    widths = [max(0.7, measure(f"${t}$")[0] + 0.35) for t in texts]
    words = [count(lang, sizes[0], "input", ("вход", "входа", "входов"))] + [
        f"{n} × {a.replace('_', ' ')}" for n, a in zip(sizes[1:-1], arch.activations[:-1])
    ]
    out = "" if arch.output_is_identity else f" × {arch.activations[-1]}"
    words.append(count(lang, sizes[-1], "output", ("выход", "выхода", "выходов")) + out)
    gaps = [
        max(
            0.9,
            measure(f"${_header(arch, k)}$")[0] + 0.25,
            measure(words[k - 1])[0] / 2
            + measure(words[k])[0] / 2
            - (widths[k - 1] + widths[k]) / 2
            + 0.3,
        )
        for k in range(1, L + 1)
    ]
    x = 0.0
    for k, tex in enumerate(texts):
        if k:
            x += widths[k - 1] / 2 + gaps[k - 1] + widths[k] / 2
        d.nodes.append(Node(f"layer{k}", x, 0.0, tex, "box", widths[k], 0.55, rank=k))
        d.labels.append(Label(x, -0.55, words[k], math=False))
        d.labels.append(Label(x, -0.55 - LINE, shape_tex("n", sizes[k])))
    for k in range(1, L + 1):
        a, b = d.nodes[k - 1], d.nodes[k]
        xm = (a.x + a.w / 2 + b.x - b.w / 2) / 2
        d.edges.append(Edge(a.key, b.key, Label(xm, 0.3, _header(arch, k))))
    d.legend = arch.legend(lang)
    if d.legend:
        y = -0.55 - 2 * LINE - 0.12
        d.labels.append(Label(x / 2, y, d.legend, FONT_SIZE - 1, math=False))
    return d
