"""The seed's two diagrams: the forward chain with the shape under every matrix, and the
backward chain with the derivative on every edge and a branch down to every ``W_k``."""

from __future__ import annotations

from ..network import Network
from . import _doc
from .symbolic import function_names

__all__ = ["backward_chain", "forward_chain"]


def forward_chain(net: Network) -> _doc.Figure:
    sizes, L = net.layer_sizes, net.n_layers
    names = function_names(net)
    txt = [f"X [n×{sizes[0]}]"]
    ltx = [rf"\underset{{[n \times {sizes[0]}]}}{{X}}"]
    for k in range(1, L + 1):
        last = k == L
        if last and names[-1] is None:  # a linear output: the product is ŷ itself
            txt.append(f"—W{k}→ ŷ [n×{sizes[k]}]")
            ltx.append(
                rf"\xrightarrow{{W_{{{k}}}}} \underset{{[n \times {sizes[k]}]}}{{\hat{{y}}}}"
            )
            continue
        txt.append(f"—W{k}→ H{k} [n×{sizes[k]}]")
        ltx.append(rf"\xrightarrow{{W_{{{k}}}}} \underset{{[n \times {sizes[k]}]}}{{H_{{{k}}}}}")
        O_t = "ŷ" if last else f"O{k}"
        O_l = r"\hat{y}" if last else f"O_{{{k}}}"
        fn = names[k - 1] or ""
        txt.append(f"—{fn}→ {O_t} [n×{sizes[k]}]")
        ltx.append(rf"\xrightarrow{{{fn}}} \underset{{[n \times {sizes[k]}]}}{{{O_l}}}")
    txt.append("→ L")
    ltx.append(r"\longrightarrow L")
    return _doc.Figure(_wrap_chain(txt), " ".join(ltx))


def _wrap_chain(pieces: list[str], width: int = 84) -> tuple[str, ...]:
    lines, cur = [], ""
    for p in pieces:
        if cur and len(cur) + 1 + len(p) > width:
            lines.append(cur)
            cur = "    " + p
        else:
            cur = f"{cur} {p}" if cur else p
    lines.append(cur)
    return tuple(lines)


def backward_chain(net: Network, layerwise: bool = False) -> _doc.Figure:
    """``L ←∂L/∂ŷ— ŷ ←W3ᵀ— O2 ←f'(H2)— H2 …`` with a branch down to each ``W_k``;
    ``layerwise=True`` writes ``W3ⁿᵉʷᵀ``: ``d`` goes down through the updated weights."""
    L = net.n_layers
    names = function_names(net)
    nodes_t: list[str] = ["L"]
    edges_t: list[str] = []
    nodes_l: list[str] = ["L"]
    edges_l: list[str] = []
    branch: dict[int, tuple[str, str, str]] = {}  # node index -> (text, latex, W)
    top_t, top_l = ("ŷ", r"\hat{y}")
    edges_t.append("∂L/∂ŷ")
    edges_l.append(r"\partial L / \partial \hat{y}")
    if names[-1] is not None:
        nodes_t.append("ŷ")
        nodes_l.append(r"\hat{y}")
        edges_t.append(f"{names[-1]}'(H{L})")
        edges_l.append(f"{names[-1]}'(H_{{{L}}})")
        top_t, top_l = (f"H{L}", f"H_{{{L}}}")
    nodes_t.append(top_t)
    nodes_l.append(top_l)
    for k in range(L, 0, -1):
        prev_t = "X" if k == 1 else f"O{k - 1}"
        prev_l = "X" if k == 1 else f"O_{{{k - 1}}}"
        branch[len(nodes_t) - 1] = (f"{prev_t}ᵀ", f"{prev_l}^{{T}}", f"W{k}")
        if k == 1:
            break
        if layerwise:
            edges_t.append(f"W{k}ⁿᵉʷᵀ")
            edges_l.append(f"{{W_{{{k}}}^{{\\mathrm{{new}}}}}}^{{T}}")
        else:
            edges_t.append(f"W{k}ᵀ")
            edges_l.append(f"W_{{{k}}}^{{T}}")
        nodes_t.append(prev_t)
        nodes_l.append(prev_l)
        if net.activations[k - 2] != "identity":
            edges_t.append(f"{names[k - 2]}'(H{k - 1})")
            edges_l.append(f"{names[k - 2]}'(H_{{{k - 1}}})")
            nodes_t.append(f"H{k - 1}")
            nodes_l.append(f"H_{{{k - 1}}}")
    # text: one row of nodes, then the branches under the nodes they leave from
    row, cols = "", {}
    for i, node in enumerate(nodes_t):
        if i:
            row += f" ←{edges_t[i - 1]}— "
        cols[i] = len(row)
        row += node
    lines = [row]
    under = [" " * len(row) for _ in range(3)]
    for i, (t, _, w) in branch.items():
        c = cols[i]
        for r, piece in enumerate(("│ " + t, "↓", w)):
            under[r] = under[r][:c] + piece + under[r][c + len(piece) :]
    lines += [u.rstrip() for u in under]
    # LaTeX: the chain with labelled arrows, then the branches as a second line
    chain = nodes_l[0]
    for e, node in zip(edges_l, nodes_l[1:]):
        chain += rf" \xleftarrow{{{e}}} {node}"
    branches = r", \quad ".join(
        rf"{nodes_l[i]} \xrightarrow{{{lt}}} {w[0]}_{{{w[1:]}}}" for i, (_, lt, w) in branch.items()
    )
    return _doc.Figure(tuple(lines), chain + r" \qquad " + branches)
