"""The document of a worked solution: given values, each step's matrices, the check."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _doc
from ._doc import M, Mat, heading, para
from ._i18n import tr
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


def _lhs(sol: Solution, name: str) -> M | None:
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
        return M(
            f"{kind}_{{{k}}} \\leftarrow {kind}_{{{k}}} - \\eta \\cdot "
            f"\\frac{{\\partial L}}{{\\partial {kind}_{{{k}}}}}",
            f"{kind}{k} ← {kind}{k} − η·∂L/∂{kind}{k}",
        )
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
    order = tr(lang, "s_batch", n=n) if sol.settings["order"] == "batch" else tr(lang, "s_row", n=n)
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
    t = sol.run.switched_at
    if t is not None and t > 1:
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
    for s in sol.steps:
        rows = (
            tr(lang, "s_rows_all", n=n)
            if len(s.rows) == n and n > 1
            else tr(lang, "s_row_one", i=s.rows[0] + 1)
        )
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
            lhs = _lhs(sol, name)
            if lhs is None:
                continue
            idx = 0 if name[0] in "HOy" else 3 if name[0] in "Wb" else 2
            sections[idx][1].append(Mat(lhs, _rows(v), style(s.exact), p))
        for key, bl in sections:
            if key == "s_forward" and len(s.rows) < n:
                blocks.append(para(tr(lang, "s_forward_row", i=s.rows[0] + 1)))
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


def _columns_equal(sol: Solution) -> bool:
    last = sol.steps[-1].values
    for k in range(1, sol.net.n_layers):
        W = np.asarray(last[f"W{k}"], dtype=object)
        if any(W[i, j] != W[i, 0] for i in range(W.shape[0]) for j in range(W.shape[1])):
            return False
    return True
