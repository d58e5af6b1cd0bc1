"""``explain(net)``: parts (a) and (b) of the seed for any fully connected network."""

from __future__ import annotations

from typing import Any

import sympy as sp

from .._checks import positive_int
from ..errors import ConfigError
from ..losses import MSE, Loss, check_pairing, get_loss
from ..network import Network
from ..optimizers import check_update
from . import _doc
from ._doc import M, eqs, heading, para
from ._i18n import check_lang, tr
from ._printing import seed_order, tex, text
from .algorithm import DEFINITION, backward_lines, cost, derivative_formula, loss_formulas, shape_m
from .diagrams import backward_chain, forward_chain
from .symbolic import N, function_names, matrix_network, nested_size, scalar_network

__all__ = ["Explanation", "explain", "resolve_loss"]

NESTED_LIMIT = 40  # weight symbols in the substituted ŷ; Masha's network has 14


def resolve_loss(loss: Any, argument: str = "loss") -> Loss:
    """A loss object from a name (``"mse_half"`` is ``MSE(half=True)``, the book's 1/(2n)Σ),
    with the reductions the derivation writes: a mean over rows (and MSE's over outputs)."""
    loss_fn = get_loss(loss, argument=argument)
    if not loss_fn.default_reduction:
        raise ConfigError(
            f"{argument} must have the default reductions for explain and solve (rows="
            f"{type(loss_fn).rows!r}, outputs={type(loss_fn).outputs!r}), got rows="
            f"{loss_fn.rows!r}, outputs={loss_fn.outputs!r}; the ×n and ×m rules of "
            "docs/conventions.md turn a sum into these"
        )
    return loss_fn


def loss_label(loss: Loss) -> str:
    return "mse_half" if isinstance(loss, MSE) and loss.half else loss.name


class Explanation(_doc.Document):
    """Parts (a) and (b) for one architecture; prints as text, converts to LaTeX/Markdown."""

    def __init__(
        self,
        net: Network,
        blocks: list[_doc.Block],
        lang: str,
        title: str,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.net = net
        self.blocks = blocks
        self.lang = lang
        self.title = title
        self.options = options or {}  # explain's other arguments, to write it again

    def in_lang(self, lang: str) -> Explanation:
        """The same explanation in ``lang``."""
        return explain(self.net, lang=lang, **self.options)

    def __repr__(self) -> str:
        return f"<Explanation of {self.net!r}, lang={self.lang!r}>"


def _arch(net: Network) -> str:
    return "-".join(map(str, net.layer_sizes))


def _eq(lhs: Any, rhs: Any) -> M:
    return M(f"{tex(lhs)} &= {tex(rhs)}", f"{text(lhs)} = {text(rhs)}")


def intro(net: Network, lang: str) -> list[_doc.Block]:
    names = function_names(net)
    hidden = net.activations[:-1]
    if not hidden:
        acts = tr(lang, "acts_none")
    elif len(set(hidden)) == 1:
        acts = tr(lang, "acts_same", f=hidden[0])
    else:
        acts = tr(
            lang,
            "acts_each",
            names=", ".join(f"⟦f_{k}|f_{{{k}}}⟧ = {a}" for k, a in enumerate(hidden, 1)),
        )
    out = names[-1]
    acts += ", " + (
        tr(lang, "out_identity")
        if out is None
        else tr(lang, "out_act", g=out, name=net.activations[-1])
    )
    bias = tr(lang, "bias_on" if net.bias else "bias_off")
    blocks: list[_doc.Block] = [
        para(tr(lang, "intro", arch=_arch(net), L=net.n_layers, acts=acts, bias=bias))
    ]
    legend = []
    seen = set()
    for name, act in zip(names, net.activations):
        if name is None or name in seen:
            continue
        seen.add(name)
        lt, tt = DEFINITION[act]
        fn = "\\operatorname{softmax}" if act == "softmax" else name
        legend.append(M(f"{fn}(t) &= {lt}", f"{'softmax' if act == 'softmax' else name}(t) = {tt}"))
    if legend:
        blocks.append(eqs(legend))
    return blocks


def _part_a(net: Network, lang: str, nested_limit: int) -> list[_doc.Block]:
    s = scalar_network(net)
    blocks: list[_doc.Block] = [heading(2, tr(lang, "a_title")), heading(3, tr(lang, "a1"))]
    blocks.append(para(tr(lang, "a1_text")))
    rows: list[tuple[M, ...]]
    for k, layer in enumerate(s.layers, start=1):
        key = "output_layer" if k == net.n_layers else "layer"
        blocks.append(para(tr(lang, key, k=k)))
        if k < net.n_layers:  # h and o side by side, as the seed writes them
            rows = [(_eq(*layer[i]), _eq(*layer[i + 1])) for i in range(0, len(layer), 2)]
        else:
            rows = [(_eq(lhs, rhs),) for lhs, rhs in layer]
        blocks.append(eqs(*rows))

    blocks.append(heading(3, tr(lang, "a2")))
    count = nested_size(net)
    if count > nested_limit:
        blocks.append(para(tr(lang, "a2_big", count=count, limit=nested_limit)))
    else:
        blocks.append(para(tr(lang, "a2_text")))
        rows = []
        for y_sym, y in zip(s.output_symbols, s.outputs):
            terms = seed_order(list(sp.Add.make_args(y)))
            for t, term in enumerate(terms):
                lhs_t = f"{tex(y_sym)} &= " if t == 0 else r"&\quad + "
                lhs_x = f"{text(y_sym)} = " if t == 0 else "    + "
                rows.append((M(lhs_t + tex(term), lhs_x + text(term)),))
        blocks.append(eqs(*rows))

    m = matrix_network(net)
    blocks += [heading(3, tr(lang, "a3")), para(tr(lang, "a3_text"))]
    rows = []
    for k in range(1, net.n_layers + 1):
        pre, post = m.pre[k - 1], m.post[k - 1]
        W = m.W[k - 1]
        note_t = []
        note_x = []
        if k == 1:
            note_t.append(f"X {_shape_tex(m.X.shape)}")
            note_x.append(f"X {_shape_txt(m.X.shape)}")
        note_t.append(f"{tex(W)} {_shape_tex(W.shape)}")
        note_x.append(f"{text(W)} {_shape_txt(W.shape)}")
        if m.b:
            note_t.append(f"{tex(m.b[k - 1])} {_shape_tex(m.b[k - 1].shape)}")
            note_x.append(f"{text(m.b[k - 1])} {_shape_txt(m.b[k - 1].shape)}")
        Ok = m.O[k - 1]
        if m.names[k - 1] is None:  # identity output: ŷ = O_{L-1}·W_L directly
            row = (_eq(Ok, pre), M("&", ""))
            note_t.append(f"{tex(Ok)} {_shape_tex(Ok.shape)}")
            note_x.append(f"{text(Ok)} {_shape_txt(Ok.shape)}")
        else:
            row = (_eq(m.H[k - 1], pre), _eq(Ok, post))
            note_t.append(f"{tex(m.H[k - 1])}, {tex(Ok)} {_shape_tex(Ok.shape)}")
            note_x.append(f"{text(m.H[k - 1])}, {text(Ok)} {_shape_txt(Ok.shape)}")
        rows.append((*row, M(r"& \quad " + ", ".join(note_t), ", ".join(note_x))))
    blocks.append(eqs(*rows))
    if m.b:
        blocks.append(para(tr(lang, "a3_bias")))
    if net.activations[-1] == "softmax":
        blocks.append(para(tr(lang, "softmax_row")))
    blocks.append(para(tr(lang, "a3_composite")))
    y = sp.MatrixSymbol("y_hat", N, net.layer_sizes[-1])
    blocks.append(eqs((_eq(y, m.y_hat),)))
    return blocks


def _shape_tex(shape: tuple[Any, ...]) -> str:
    return shape_m(shape).latex


def _shape_txt(shape: tuple[Any, ...]) -> str:
    return shape_m(shape).text


def _part_b(
    net: Network, lang: str, loss: Loss | None, n: int | None, layerwise: bool = False
) -> list[_doc.Block]:
    L = net.n_layers
    names = function_names(net)
    blocks: list[_doc.Block] = [heading(2, tr(lang, "b_title")), para(tr(lang, "forward"))]
    blocks.append(forward_chain(net))

    blocks.append(para(tr(lang, "edges")))
    if loss is not None:
        L_m, g_m, _ = loss_formulas(loss, net.layer_sizes[-1], net.activations[-1], L)
        blocks += [para(tr(lang, "edges_loss")), eqs((_align(L_m),), (_align(g_m),))]
    else:
        blocks.append(para(tr(lang, "edges_generic")))
    rows: list[tuple[M, ...]] = []
    for k in range(L, 0, -1):
        out_id = k == L and names[-1] is None
        Hk_t, Hk_l = ("ŷ", r"\hat{y}") if out_id else (f"H{k}", f"H_{{{k}}}")
        prev_t = "X" if k == 1 else f"O{k - 1}"
        prev_l = "X" if k == 1 else f"O_{{{k - 1}}}"
        if net.activations[k - 1] == "softmax":
            rows.append(
                (
                    M(
                        rf"\frac{{\partial \hat{{y}}_i}}{{\partial H_{{{k},i}}}} &= "
                        r"\operatorname{diag}(\hat{y}_i) - \hat{y}_i^{T} \hat{y}_i",
                        f"∂ŷ_i/∂H{k}_i = diag(ŷ_i) − ŷ_iᵀ·ŷ_i   (row i of each)",
                    ),
                )
            )
        elif not out_id:
            Ok_t, Ok_l = ("ŷ", r"\hat{y}") if k == L else (f"O{k}", f"O_{{{k}}}")
            fp = derivative_formula(net.activations[k - 1], k, L)
            fn = names[k - 1]
            rows.append(
                (
                    M(
                        rf"\frac{{\partial {Ok_l}}}{{\partial H_{{{k}}}}} &= {fn}'(H_{{{k}}}) = "
                        + fp.latex,
                        f"∂{Ok_t}/∂H{k} = {fn}'(H{k}) = {fp.text}",
                    ),
                )
            )
        row = [
            M(
                rf"\frac{{\partial {Hk_l}}}{{\partial W_{{{k}}}}} &= {prev_l}^{{T}}",
                f"∂{Hk_t}/∂W{k} = {prev_t}ᵀ",
            )
        ]
        if k > 1:
            row.append(
                M(
                    rf"\frac{{\partial {Hk_l}}}{{\partial {prev_l}}} &= W_{{{k}}}^{{T}}",
                    f"∂{Hk_t}/∂{prev_t} = W{k}ᵀ",
                )
            )
        if net.bias:
            row.append(
                M(
                    rf"\frac{{\partial {Hk_l}}}{{\partial b_{{{k}}}}} &= \mathbf{{1}}^{{T}}",
                    f"∂{Hk_t}/∂b{k} = 1ᵀ",
                )
            )
        rows.append(tuple(row))
    blocks.append(eqs(*rows))

    blocks.append(para(tr(lang, "backward_layerwise" if layerwise else "backward")))
    brow: list[tuple[M, ...]] = []
    for line in backward_lines(net, loss, layerwise=layerwise):
        brow.append(
            (
                M(f"{line.lhs.latex} &= {line.rhs.latex}", f"{line.lhs.text} = {line.rhs.text}"),
                M(r"& \quad " + line.shapes.latex, line.shapes.text),
            )
        )
    blocks.append(eqs(*brow))
    blocks += [para(tr(lang, "backward_diagram")), backward_chain(net, layerwise)]

    if layerwise:  # the updates are lines of the backward pass above
        blocks.append(para(tr(lang, "update_layerwise")))
        blocks += _cost_blocks(net, lang, n)
        return blocks
    blocks.append(para(tr(lang, "update")))
    urows: list[tuple[M, ...]] = []
    for k in range(L, 0, -1):
        urows.append(
            (
                M(
                    rf"W_{{{k}}} &\leftarrow W_{{{k}}} - \eta \cdot "
                    rf"\frac{{\partial L}}{{\partial W_{{{k}}}}}",
                    f"W{k} ← W{k} − η·∂L/∂W{k}",
                ),
            )
        )
        if net.bias:
            urows.append(
                (
                    M(
                        rf"b_{{{k}}} &\leftarrow b_{{{k}}} - \eta \cdot "
                        rf"\frac{{\partial L}}{{\partial b_{{{k}}}}}",
                        f"b{k} ← b{k} − η·∂L/∂b{k}",
                    ),
                )
            )
    blocks.append(eqs(*urows))
    blocks += _cost_blocks(net, lang, n)
    return blocks


def _align(m: M) -> M:
    lhs, sep, rhs = m.latex.partition(" = ")
    return M(f"{lhs} &= {rhs}", m.text) if sep else m


def _poly(value: Any) -> str:
    return sp.sstr(value).replace("*", "")


def _cost_blocks(net: Network, lang: str, n: int | None) -> list[_doc.Block]:
    c = cost(net)
    blocks: list[_doc.Block] = [heading(3, tr(lang, "cost_title")), para(tr(lang, "cost"))]
    parts = [
        (c.forward, "cost_fwd"),
        (c.weight_grads, "cost_dw"),
        (c.back_products, "cost_back"),
        (c.elementwise, "cost_elem"),
        (sp.Integer(c.update), "cost_update"),
    ]
    rows: list[tuple[M, ...]] = []
    for value, key in parts:
        label = tr(lang, key)
        rows.append(
            (
                M(f"& {sp.latex(value)}", _poly(value)),
                M("& " + _doc.tex_text(label), _doc.plain(label)),
            )
        )
    blocks.append(eqs(*rows))
    total = c.total
    tl, tt = sp.latex(total), _poly(total)
    if n is not None:
        value = int(total.subs(N, n))
        word = tr(lang, "cost_for_n")
        tl += rf" = {value} \text{{ {word} }} n = {n}"
        tt += f" = {value} {word} n = {n}"
    blocks.append(para(tr(lang, "cost_total", P=c.n_parameters, Pw=c.n_weights)))
    blocks.append(eqs((M(f"& {tl}", tt),)))
    if net.bias:
        blocks.append(para(tr(lang, "cost_bias")))
    return blocks


def explain(
    net: Network,
    *,
    loss: str | Loss | None = None,
    lang: str = "en",
    n: int | None = None,
    nested_limit: int = NESTED_LIMIT,
    update: str = "after",
) -> Explanation:
    """Parts (a) and (b) of the seed for ``net``: equations, nested function, matrix form,
    edge derivatives, the backward algorithm with shapes, the update and the exact cost.

    Args:
        net: any :class:`~matbackprop.Network` (its weights are not used, only its shape).
        loss: ``"mse"``, ``"mse_half"``, ``"logloss"``, ``"cross_entropy"`` or a loss
            object, to write ``∂L/∂ŷ`` out; ``None`` leaves it as ``∂L/∂ŷ``.
        lang: ``"en"`` or ``"ru"``.
        n: a number of rows, to turn the multiply-add count into a number.
        nested_limit: above this many weight symbols the nested formula is not printed.
        update: ``"after"``, the seed's step (every layer updated after the backward pass),
            or ``"layerwise"``: each ``W_k`` updated inside the backward pass, with the next
            ``d`` through the updated ``W_k^new`` (``Network.fit(update=)``, docs/layerwise.md).

    Shapes: ``X`` (n, n_0), ``W_k`` (n_{k-1}, n_k), ``H_k``, ``O_k`` (n, n_k).
    """
    if not isinstance(net, Network):
        raise ConfigError(f"net must be a matbackprop.Network, got {type(net).__name__}")
    lang = check_lang(lang)
    mode = check_update(update)
    loss_fn = resolve_loss(loss) if loss is not None else None
    if loss_fn is not None:
        check_pairing(loss_fn, net.output_activation)
    if n is not None:
        n = positive_int(n, "n")
    limit = positive_int(nested_limit, "nested_limit")
    assert limit is not None
    title = tr(lang, "title", arch=_arch(net))
    blocks: list[_doc.Block] = [heading(1, title), *intro(net, lang)]
    blocks += _part_a(net, lang, limit)
    blocks += _part_b(net, lang, loss_fn, n, layerwise=mode == "layerwise")
    options = {"loss": loss, "n": n, "nested_limit": nested_limit, "update": mode}
    return Explanation(net, blocks, lang, title, options)
