"""The document of a worked solution: given values, each step's matrices, the check."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _doc
from ._doc import M, Mat, heading, para
from ._i18n import tr
from ._update import state_symbol
from .algorithm import derivative_formula, loss_formulas
from .explanation import intro
from .symbolic import function_names
from .worked import fused

if TYPE_CHECKING:
    from .solution import Solution

__all__ = ["render"]


def _rows(v: Any) -> tuple[tuple[Any, ...], ...]:
    arr = np.asarray(v, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)  # a bias is shown as the row it is added as
    return tuple(tuple(r) for r in arr)


_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _grad(p: str, k: int) -> M:
    """``∂L/∂W_k`` (``p`` is ``"W"`` or ``"b"``)."""
    return M(f"\\frac{{\\partial L}}{{\\partial {p}_{{{k}}}}}", f"∂L/∂{p}{k}")


def _state_lhs(sol: Solution, name: str, t: int) -> M | None:
    """The equation of an optimizer's state value (``v2``, ``mb1``, ``mhat3``) in step ``t``,
    as :mod:`matbackprop.optimizers` computes it."""
    m = re.fullmatch(r"(mhat|shat|v|m|s)(b?)(\d+)", name)
    sym = state_symbol(name)
    if m is None or sym is None:
        return None
    kind, bias, k_ = m.groups()
    p, k = ("b" if bias else "W"), int(k_)
    g = _grad(p, k)
    lhs = M(*sym)
    own = {x: M(*(state_symbol(f"{x}{bias}{k}") or (x, x))) for x in ("v", "m", "s")}
    if kind == "v":  # v ← μ·v − η·g
        return M(
            f"{lhs.latex} \\leftarrow \\mu \\cdot {lhs.latex} - \\eta \\cdot {g.latex}",
            f"{lhs.text} ← μ·{lhs.text} − η·{g.text}",
        )
    if kind == "m":  # m ← β1·m + (1 − β1)·g
        return M(
            f"{lhs.latex} \\leftarrow \\beta_1 {lhs.latex} + (1 - \\beta_1) \\cdot {g.latex}",
            f"{lhs.text} ← β1·{lhs.text} + (1 − β1)·{g.text}",
        )
    if kind == "s":  # s ← β2·s + (1 − β2)·g²
        return M(
            f"{lhs.latex} \\leftarrow \\beta_2 {lhs.latex} + (1 - \\beta_2) \\cdot "
            f"\\left({g.latex}\\right)^{{2}}",
            f"{lhs.text} ← β2·{lhs.text} + (1 − β2)·({g.text})²",
        )
    i, src = ("1", own["m"]) if kind == "mhat" else ("2", own["s"])  # m̂ = m/(1 − β1ᵗ)
    return M(
        f"{lhs.latex} = \\frac{{{src.latex}}}{{1 - \\beta_{i}^{{{t}}}}}",
        f"{lhs.text} = {src.text}/(1 − β{i}^{t})",
    )


def _update_lhs(sol: Solution, p: str, k: int, t: int) -> M:
    """``W_k ← …`` (``p`` is ``"W"`` or ``"b"``) by the solution's update rule in step ``t``."""
    rule = sol.problem.rule
    g = _grad(p, k)
    P = M(f"{p}_{{{k}}}", f"{p}{k}")
    head = M(f"{P.latex} \\leftarrow {P.latex}", f"{P.text} ← {P.text}")
    bias = "b" if p == "b" else ""
    st = {x: M(*(state_symbol(f"{x}{bias}{k}") or (x, x))) for x in ("v", "mhat", "shat")}
    if rule.kind == "momentum":  # W ← W + v
        tail = M(f" + {st['v'].latex}", f" + {st['v'].text}")
    elif rule.kind == "nesterov":  # W ← W + μ·v − η·g
        tail = M(
            f" + \\mu \\cdot {st['v'].latex} - \\eta \\cdot {g.latex}",
            f" + μ·{st['v'].text} − η·{g.text}",
        )
    elif rule.kind == "adam":  # W ← W − η·m̂/(√ŝ + ε), ε scaled by 1/√(1 − β2ᵗ) for "v"
        eps_l, eps_t = "\\varepsilon", "ε"
        if rule.epsilon_on == "v":
            eps_l = f"\\frac{{\\varepsilon}}{{\\sqrt{{1 - \\beta_2^{{{t}}}}}}}"
            eps_t = f"ε/√(1 − β2^{t})"
        mh, sh = st["mhat"], st["shat"]
        tail = M(
            f" - \\eta \\cdot \\frac{{{mh.latex}}}{{\\sqrt{{{sh.latex}}} + {eps_l}}}",
            f" − η·{mh.text}/(√{sh.text} + {eps_t})",
        )
    else:  # W ← W − η·∂L/∂W
        tail = M(f" - \\eta \\cdot {g.latex}", f" − η·{g.text}")
    return M(head.latex + tail.latex, head.text + tail.text)


def _lhs(sol: Solution, name: str, t: int = 1) -> M | None:
    state = _state_lhs(sol, name, t)
    if state is not None:
        return state
    L = sol.net.n_layers
    names = function_names(sol.net)
    bias = sol.net.bias
    kind, k = re.fullmatch(r"([A-Za-z_]+?)(\d*)", name).groups()  # type: ignore[union-attr]
    k = int(k) if k else L
    prev_t = "X" if k == 1 else f"O{k - 1}"
    prev_l = "X" if k == 1 else f"O_{{{k - 1}}}"
    bt, bl = (f" + b{k}", f" + b_{{{k}}}") if bias else ("", "")
    if kind == "H":
        if k == L and names[-1] is None:
            return None  # H_L is ŷ itself
        return M(f"H_{{{k}}} = {prev_l} \\cdot W_{{{k}}}{bl}", f"H{k} = {prev_t}·W{k}{bt}")
    if kind == "O":
        return M(f"O_{{{k}}} = {names[k - 1]}(H_{{{k}}})", f"O{k} = {names[k - 1]}(H{k})")
    if kind == "y_hat":
        if names[-1] is None:
            return M(f"\\hat{{y}} = {prev_l} \\cdot W_{{{k}}}{bl}", f"ŷ = {prev_t}·W{k}{bt}")
        return M(f"\\hat{{y}} = {names[-1]}(H_{{{k}}})", f"ŷ = {names[-1]}(H{k})")
    if kind == "dyhat":  # ∂L/∂ŷ on a line of its own: the output is not fused with the loss
        return loss_formulas(sol.loss, sol.net.layer_sizes[-1], sol.net.activations[-1], L)[1]
    if kind == "d":
        if k == L:
            _, g, _ = loss_formulas(sol.loss, sol.net.layer_sizes[-1], sol.net.activations[-1], L)
            if names[-1] is None or fused(sol.loss, sol.net.activations[-1]):
                return M("d = " + g.latex, "d = " + g.text)
            return M(
                f"d = {g.latex.split(' = ')[0]} * {names[-1]}'(H_{{{L}}})",
                f"d = ∂L/∂ŷ * {names[-1]}'(H{L})",
            )
        fp_t = "" if sol.net.activations[k - 1] == "identity" else f" * {names[k - 1]}'(H{k})"
        fp_l = "" if sol.net.activations[k - 1] == "identity" else f" * {names[k - 1]}'(H_{{{k}}})"
        if sol.problem.update == "layerwise":  # through W_{k+1} as updated a moment ago
            new_t = f"({t + 1})".translate(_SUP)
            return M(
                f"d = d \\cdot \\big(W_{{{k + 1}}}^{{({t + 1})}}\\big)^{{T}}{fp_l}",
                f"d = d·(W{k + 1}{new_t})ᵀ{fp_t}",
            )
        return M(f"d = d \\cdot W_{{{k + 1}}}^{{T}}{fp_l}", f"d = d·W{k + 1}ᵀ{fp_t}")
    if kind == "fp":
        if sol.net.activations[k - 1] == "identity":
            return None
        f = derivative_formula(sol.net.activations[k - 1], k, L)
        return M(f"{names[k - 1]}'(H_{{{k}}}) = {f.latex}", f"{names[k - 1]}'(H{k}) = {f.text}")
    if kind == "dW":
        return M(
            f"\\frac{{\\partial L}}{{\\partial W_{{{k}}}}} = {prev_l}^{{T}} \\cdot d",
            f"∂L/∂W{k} = {prev_t}ᵀ·d",
        )
    if kind == "db":
        return M(
            f"\\frac{{\\partial L}}{{\\partial b_{{{k}}}}} = \\mathbf{{1}}^{{T}} \\cdot d",
            f"∂L/∂b{k} = 1ᵀ·d",
        )
    if kind in ("W", "b"):
        return _update_lhs(sol, kind, k, t)
    return M(name, name)


def _number(v: Any, style: _doc.Style, p: int) -> M:
    return M(_doc.num_latex(v, style, p), _doc.num_text(v, style, p))


def render(sol: Solution) -> list[_doc.Block]:
    lang, p = sol.lang, sol.settings["precision"]
    net = sol.net
    L = net.n_layers
    exact_style: _doc.Style = "decimal" if sol.settings["decimal_style"] else "fraction"

    def style(exact: bool) -> _doc.Style:
        return exact_style if exact else "float"

    blocks: list[_doc.Block] = [heading(1, sol.title), *intro(net, lang)]
    blocks.append(heading(2, tr(lang, "s_given")))
    first_exact = sol.steps[0].exact if sol.steps else False
    for name, v in sol.given.items():  # printed exactly: the solution starts from these
        sym = {"X": M("X", "X"), "y": M("y", "y")}.get(name) or M(f"{name[0]}_{{{name[1:]}}}", name)
        blocks.append(Mat(sym, _rows(v), exact_style, p))
    if sol.settings["rounded_givens"]:
        blocks.append(para(tr(lang, "s_rounded_givens", p=p)))
    n = sol.given["X"].shape[0]
    B = sol.settings.get("batch_size")
    if B is not None and 1 < B < n:
        order = tr(lang, "s_minibatch", B=B, n=n, B1=B - 1)
    elif B == 1 or sol.settings["order"] == "row":
        order = tr(lang, "s_row", n=n)
    else:
        order = tr(lang, "s_batch", n=n)
    blocks.append(
        para(
            tr(
                lang,
                "s_settings",
                loss=tr(lang, "loss_" + sol.settings["loss"]),
                lr=_doc.num_text(sol.problem.eta, exact_style, p),
                order=order,
            )
        )
    )
    blocks += _optimizer_paras(sol, exact_style, p)
    t = sol.run.switched_at
    if t == 1 and sol.settings["exact_inputs"]:
        kind, _, what = sol.run.why.partition(":")
        blocks.append(para(tr(lang, "s_switch_first", why=tr(lang, f"why_{kind}", what=what), p=p)))
    elif t is not None and t > 1:
        kind, _, what = sol.run.why.partition(":")
        why = tr(lang, f"why_{kind}", what=what)
        blocks.append(para(tr(lang, "s_switch", t=t, t1=t - 1, why=why, p=p)))
    elif first_exact and all(s.exact for s in sol.steps):
        blocks.append(para(tr(lang, "s_exact_decimal" if exact_style == "decimal" else "s_exact")))
    else:
        blocks.append(para(tr(lang, "s_decimal", p=p)))
    if sol.settings["constant_init"]:
        blocks.append(para(tr(lang, "s_const")))

    loss_m, _, _ = loss_formulas(sol.loss, net.layer_sizes[-1], net.activations[-1], L)
    layerwise = sol.problem.update == "layerwise"
    for s in sol.steps:
        listed = ", ".join(str(r + 1) for r in s.rows)
        if len(s.rows) == n and n > 1:
            rows = tr(lang, "s_rows_all", n=n)
        elif len(s.rows) == 1:
            rows = tr(lang, "s_row_one", i=s.rows[0] + 1)
        else:
            rows = tr(lang, "s_rows_some", rows=listed)
        blocks.append(heading(2, tr(lang, "s_step", t=s.index) + " " + rows))
        sections: list[tuple[str, list[_doc.Block]]] = [
            ("s_forward", []),
            ("s_loss", []),
            ("s_backward", []),
            ("s_update", []),
        ]
        for name, v in s.values.items():
            if name == "L":
                num = _number(v, style(s.exact and s.loss_exact), p)
                eq = "=" if s.exact and s.loss_exact else "\\approx"
                eqt = "=" if s.exact and s.loss_exact else "≈"
                sections[1][1].append(
                    _doc.eqs(
                        (M(f"{loss_m.latex} {eq} {num.latex}", f"{loss_m.text} {eqt} {num.text}"),)
                    )
                )
                continue
            lhs = _lhs(sol, name, s.index)
            if lhs is None:
                continue
            updating = name[0] in "Wb" or state_symbol(name) is not None
            # the layer-wise update sits in the backward pass, in the order it is computed
            idx = 0 if name[0] in "HOy" else 3 if updating and not layerwise else 2
            sections[idx][1].append(Mat(lhs, _rows(v), style(s.exact), p))
        for key, bl in sections:
            if key == "s_forward" and len(s.rows) < n:
                one = len(s.rows) == 1
                blocks.append(
                    para(
                        tr(lang, "s_forward_row", i=s.rows[0] + 1)
                        if one
                        else tr(lang, "s_forward_rows", rows=listed, m=len(s.rows))
                    )
                )
            elif key == "s_update" and layerwise:
                continue  # every update is in the backward pass
            elif key == "s_backward" and layerwise:
                blocks.append(para(tr(lang, "s_backward_layerwise")))
            else:
                blocks.append(para(tr(lang, key)))
            blocks += bl
    blocks.append(heading(2, tr(lang, "s_result")))
    losses = [s.values["L"] for s in sol.steps]
    blocks.append(para(tr(lang, "s_loss_history")))
    rows_ = []
    for s, value in zip(sol.steps, losses):
        num = _number(value, style(s.exact and s.loss_exact), p)
        eq_l, eq_t = ("=", "=") if s.exact and s.loss_exact else (r"\approx", "≈")
        rows_.append(
            (M(f"L^{{({s.index})}} &{eq_l} {num.latex}", f"L({s.index}) {eq_t} {num.text}"),)
        )
    blocks.append(_doc.eqs(*rows_))
    if sol.settings["constant_init"] and _columns_equal(sol):
        blocks.append(para(tr(lang, "s_const_holds")))
    if sol.check_result is not None:
        blocks += sol.check_result.blocks()
    del L
    return blocks


def _optimizer_paras(sol: Solution, style: _doc.Style, p: int) -> list[_doc.Block]:
    """What the optimizer keeps from step to step, and the layer-wise mode, in words."""
    lang, rule = sol.lang, sol.problem.rule
    out: list[_doc.Block] = []

    def num(x: Any) -> str:  # a setting, typed as a decimal (0.9, 1e-8): shown as one
        return f"⟦{_doc.num_text(x, 'decimal', p)}|{_doc.num_latex(x, 'decimal', p)}⟧"

    if rule.kind in ("momentum", "nesterov"):
        out.append(para(tr(lang, f"s_opt_{rule.kind}", mu=num(rule.momentum))))
    elif rule.kind == "adam":
        eps_on = tr(lang, "s_adam_eps_v" if rule.epsilon_on == "v" else "s_adam_eps_v_hat")
        out.append(
            para(
                tr(
                    lang,
                    "s_opt_adam",
                    b1=num(rule.beta1),
                    b2=num(rule.beta2),
                    eps=num(rule.epsilon),
                    eps_on=eps_on,
                )
            )
        )
    if sol.problem.update == "layerwise":
        out.append(para(tr(lang, "s_layerwise")))
    return out


def _columns_equal(sol: Solution) -> bool:
    last = sol.steps[-1].values
    for k in range(1, sol.net.n_layers):
        W = np.asarray(last[f"W{k}"], dtype=object)
        if any(W[i, j] != W[i, 0] for i in range(W.shape[0]) for j in range(W.shape[1])):
            return False
    return True
