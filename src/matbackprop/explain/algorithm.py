"""Part (b): the derivative on every edge, the backward pass with ``d``, the update, the cost.

Each backward line is a SymPy matrix expression (``d·W3ᵀ * f'(H2)``); the shape arithmetic
written beside it (``[n×1]·[1×2]*[n×2] = [n×2]``) is read off the operands' ``.shape``,
so a wrong transpose would not even build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..losses import MSE, CrossEntropy, LogLoss, Loss
from ..network import Network
from ._doc import M
from ._printing import elementwise, tex, text
from .symbolic import N, function_names

__all__ = ["BackwardLine", "backward_lines", "cost", "derivative_formula", "loss_formulas"]


def shape_text(shape: tuple[Any, ...]) -> str:
    return f"[{shape[0]}×{shape[1]}]"


def shape_tex(shape: tuple[Any, ...]) -> str:
    return rf"\,[{sp.latex(shape[0])} \times {sp.latex(shape[1])}]"


def shape_m(shape: tuple[Any, ...]) -> M:
    return M(shape_tex(shape), shape_text(shape))


def _sym(name: str, *shape: Any) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, *shape)


# f'(t) for each activation, written the way a student would: from O where that is cheaper.
# Each entry: (LaTeX, text), with {H} and {O} standing for the layer's matrices.
_DERIVATIVE: dict[str, tuple[str, str]] = {
    "identity": (r"1", "1"),
    "sigmoid": (r"{O} * (1 - {O})", "{O} * (1 − {O})"),
    "tanh": (r"1 - {O} * {O}", "1 − {O} * {O}"),
    "relu": (r"[{H} > 0]", "[{H} > 0]"),
    "leaky_relu": (r"[{H} > 0] + 0.01 \cdot [{H} \le 0]", "[{H} > 0] + 0.01·[{H} ≤ 0]"),
    "softplus": (r"\sigma({H}) = \frac{{1}}{{1 + e^{{-{H}}}}}", "σ({H}) = 1/(1 + e^(−{H}))"),
    "elu": (r"[{H} > 0] + ({O} + 1) * [{H} \le 0]", "[{H} > 0] + ({O} + 1) * [{H} ≤ 0]"),
    "silu": (r"\sigma({H}) * (1 + {H} * (1 - \sigma({H})))", "σ({H}) * (1 + {H} * (1 − σ({H})))"),
}

# f(t) itself, for the legend under the formulas
DEFINITION: dict[str, tuple[str, str]] = {
    "identity": ("t", "t"),
    "sigmoid": (r"\frac{1}{1 + e^{-t}}", "1/(1 + e^(−t))"),
    "tanh": (r"\tanh t", "tanh t"),
    "relu": (r"\max(0, t)", "max(0, t)"),
    "leaky_relu": (r"\max(0.01\,t, t)", "max(0.01·t, t)"),
    "softplus": (r"\ln(1 + e^{t})", "ln(1 + e^t)"),
    "elu": (r"t \text{ if } t > 0 \text{ else } e^{t} - 1", "t if t > 0 else e^t − 1"),
    "silu": (r"\frac{t}{1 + e^{-t}}", "t/(1 + e^(−t))"),
    "softmax": (r"\frac{e^{t_j}}{\sum_l e^{t_l}}", "e^(t_j) / Σ_l e^(t_l)"),
}


def derivative_formula(activation: str, k: int, n_layers: int) -> M:
    """``f'(H_k)`` written out for the chosen ``f``, e.g. ``O2 * (1 − O2)`` for sigmoid."""
    O_tex = r"\hat{y}" if k == n_layers else f"O_{{{k}}}"
    O_txt = "ŷ" if k == n_layers else f"O{k}"
    lt, tt = _DERIVATIVE[activation]
    return M(lt.format(H=f"H_{{{k}}}", O=O_tex), tt.format(H=f"H{k}", O=O_txt))


def _frac(coef: Any) -> str:
    """``1/(2n)``, ``2/n``: SymPy's form without the ``*``."""
    return sp.sstr(coef).replace("*", "")


def loss_formulas(loss: Loss, m: int, output: str, L: int | None = None) -> tuple[M, M, bool]:
    return _name_layer(_loss_formulas(loss, m, output), L)


def _loss_formulas(loss: Loss, m: int, output: str) -> tuple[M, M, bool]:
    """``L``, then ``∂L/∂ŷ`` (or ``∂L/∂H_L`` when fused with the output), and whether fused.

    The engine's conventions: every loss is a mean over the ``n`` rows and MSE also over
    the ``m`` output columns (see :mod:`matbackprop.losses`).
    """
    if isinstance(loss, MSE):
        c = sp.Rational(1, 2) if loss.half else sp.Integer(1)
        nm = N * m
        coef_L = c / nm
        coef_g = 2 * c / nm
        sum_tex = r"\sum_{i}" if m == 1 else r"\sum_{i,j}"
        sum_txt = "Σ_i" if m == 1 else "Σ_i,j"
        idx = "i" if m == 1 else "ij"
        L = M(
            rf"L = {sp.latex(coef_L)} {sum_tex} (\hat{{y}}_{{{idx}}} - y_{{{idx}}})^2",
            f"L = {_frac(coef_L)}·{sum_txt} (ŷ_{idx} − y_{idx})²",
        )
        g = M(
            rf"\frac{{\partial L}}{{\partial \hat{{y}}}} = {sp.latex(coef_g)} (\hat{{y}} - y)",
            f"∂L/∂ŷ = {_frac(coef_g)}·(ŷ − y)",
        )
        return L, g, False
    if isinstance(loss, LogLoss):
        i, s_tex, s_txt = ("i", "i", "Σ_i") if m == 1 else ("ij", "i,j", "Σ_i,j")
        L = M(
            rf"L = -\frac{{1}}{{n}} \sum_{{{s_tex}}} \left[y_{{{i}}} \ln \hat{{y}}_{{{i}}}"
            rf" + (1 - y_{{{i}}}) \ln(1 - \hat{{y}}_{{{i}}})\right]",
            f"L = −1/n·{s_txt} [y_{i}·ln ŷ_{i} + (1 − y_{i})·ln(1 − ŷ_{i})]",
        )
        if output == "sigmoid":
            return (
                L,
                M(
                    r"\frac{\partial L}{\partial H_{L}} = \frac{1}{n} (\hat{y} - y)",
                    "∂L/∂H_L = 1/n·(ŷ − y)",
                ),
                True,
            )
        return (
            L,
            M(
                r"\frac{\partial L}{\partial \hat{y}} = \frac{1}{n}"
                r" \frac{\hat{y} - y}{\hat{y} * (1 - \hat{y})}",
                "∂L/∂ŷ = 1/n·(ŷ − y) / (ŷ * (1 − ŷ))",
            ),
            False,
        )
    if isinstance(loss, CrossEntropy):
        L = M(
            r"L = -\frac{1}{n} \sum_{i,j} y_{ij} \ln \hat{y}_{ij}",
            "L = −1/n·Σ_i,j y_ij·ln ŷ_ij",
        )
        if output == "softmax":
            return (
                L,
                M(
                    r"\frac{\partial L}{\partial H_{L}} = \frac{1}{n} (\hat{y} - y)",
                    "∂L/∂H_L = 1/n·(ŷ − y)",
                ),
                True,
            )
        return (
            L,
            M(
                r"\frac{\partial L}{\partial \hat{y}} = -\frac{1}{n} \frac{y}{\hat{y}}",
                "∂L/∂ŷ = −1/n·y / ŷ",
            ),
            False,
        )
    raise TypeError(f"no formula for loss {loss!r}")


def _name_layer(formulas: tuple[M, M, bool], L: int | None) -> tuple[M, M, bool]:
    """``∂L/∂H_L`` with the number of the output layer, ``∂L/∂H3``."""
    if L is None:
        return formulas
    loss_m, g, fused = formulas
    g = M(g.latex.replace("H_{L}", f"H_{{{L}}}"), g.text.replace("H_L", f"H{L}"))
    return loss_m, g, fused


@dataclass(frozen=True)
class BackwardLine:
    """One line of the backward pass: ``lhs = rhs``, its shape arithmetic and its layer."""

    lhs: M
    rhs: M
    shapes: M
    kind: str  # "d", "dW", "db"; a layer-wise pass also has "W" and "b", its updates
    k: int


def _dL(name_tex: str, name_txt: str) -> M:
    return M(rf"\frac{{\partial L}}{{\partial {name_tex}}}", f"∂L/∂{name_txt}")


def _product_shapes(*operands: Any, ops: str, result: Any) -> M:
    """``[a×b]·[b×c]*[a×c] = [a×c]`` from the operands' shapes; ``ops`` holds ``·``/``*``."""
    t = shape_text(operands[0].shape)
    x = shape_tex(operands[0].shape)
    for op, a in zip(ops, operands[1:]):
        t += op + shape_text(a.shape)
        x += (r" \cdot " if op == "·" else " * ") + shape_tex(a.shape)
    return M(x + " = " + shape_tex(result.shape), t + " = " + shape_text(result.shape))


def _update_line(name: str, k: int, shape: tuple[Any, ...]) -> BackwardLine:
    """``W_k^new = W_k − η·∂L/∂W_k`` (``name`` ``"W"`` or ``"b"``), inside the backward pass."""
    return BackwardLine(
        M(rf"{{{name}_{{{k}}}^{{\mathrm{{new}}}}}}", f"{name}{k}ⁿᵉʷ"),
        M(
            rf"{name}_{{{k}}} - \eta \cdot \frac{{\partial L}}{{\partial {name}_{{{k}}}}}",
            f"{name}{k} − η·∂L/∂{name}{k}",
        ),
        shape_m(shape),
        name,
        k,
    )


def backward_lines(
    net: Network, loss: Loss | None = None, *, layerwise: bool = False
) -> list[BackwardLine]:
    """The seed's backward pass for ``net``, one accumulator ``d``, shapes on every line.

    ``layerwise=True`` writes the layer-wise pass (``update="layerwise"``): after the
    gradients of layer ``k``, its update ``W_k^new = W_k − η·∂L/∂W_k`` (and ``b_k``'s), and
    the next ``d`` through ``W_k^new``.
    """
    sizes, L = net.layer_sizes, net.n_layers
    names = function_names(net)
    out_act = net.activations[-1]
    H = [None, *(_sym(f"H_{k}", N, sizes[k]) for k in range(1, L + 1))]
    O: list[Any] = [_sym("X", N, sizes[0])]
    O += [_sym(f"O_{k}", N, sizes[k]) for k in range(1, L)]
    W = [None, *(_sym(f"W_{k}", sizes[k - 1], sizes[k]) for k in range(1, L + 1))]
    lines: list[BackwardLine] = []

    d = _sym("d", N, sizes[-1])
    d_m = M("d", "d")
    fused = loss is not None and loss.output_activation == out_act and out_act != "identity"
    if names[-1] is None:
        lines.append(BackwardLine(d_m, _dL(r"\hat{y}", "ŷ"), shape_m(d.shape), "d", L))
    elif fused:
        lines.append(BackwardLine(d_m, _dL(rf"H_{{{L}}}", f"H{L}"), shape_m(d.shape), "d", L))
    elif out_act == "softmax":
        rhs = M(
            r"\frac{\partial L}{\partial \hat{y}_i} \cdot (\operatorname{diag}(\hat{y}_i)"
            r" - \hat{y}_i^{T} \hat{y}_i) \text{ row by row}",
            "∂L/∂ŷ_i·(diag(ŷ_i) − ŷ_iᵀ·ŷ_i) row by row",
        )
        lines.append(BackwardLine(d_m, rhs, shape_m(d.shape), "d", L))
    else:
        g = _sym("dL_dyhat", N, sizes[-1])
        fp = elementwise(sp.Function(f"{names[-1]}'"), H[L])
        first = sp.HadamardProduct(g, fp)
        rhs = M(
            r"\frac{\partial L}{\partial \hat{y}} * " + tex(fp),
            "∂L/∂ŷ * " + text(fp),
        )
        lines.append(BackwardLine(d_m, rhs, _product_shapes(g, fp, ops="*", result=first), "d", L))

    for k in range(L, 0, -1):
        Wk = W[k]
        assert Wk is not None
        w_tex = f"W_{{{k}}}"
        grad = O[k - 1].T * d
        lines.append(
            BackwardLine(
                _dL(w_tex, f"W{k}"),
                M(tex(grad), text(grad)),
                _product_shapes(O[k - 1].T, d, ops="·", result=grad),
                "dW",
                k,
            )
        )
        if net.bias:
            ones = sp.OneMatrix(N, 1)
            gb = ones.T * d
            lines.append(
                BackwardLine(
                    _dL(f"b_{{{k}}}", f"b{k}"),
                    M(r"\mathbf{1}^{T} \cdot d", "1ᵀ·d"),
                    _product_shapes(ones.T, d, ops="·", result=gb),
                    "db",
                    k,
                )
            )
        if layerwise:
            lines.append(_update_line("W", k, Wk.shape))
            if net.bias:
                lines.append(_update_line("b", k, (1, sizes[k])))
            Wk = _sym(f"W_{k}^new", sizes[k - 1], sizes[k])  # d goes down through W_k^new
        if k > 1:
            back = d * Wk.T
            H_prev = H[k - 1]
            assert H_prev is not None
            if net.activations[k - 2] == "identity":
                expr: Any = back
                shapes = _product_shapes(d, Wk.T, ops="·", result=expr)
            else:
                fp = elementwise(sp.Function(f"{names[k - 2]}'"), H_prev)
                expr = sp.HadamardProduct(back, fp)
                shapes = _product_shapes(d, Wk.T, fp, ops="·*", result=expr)
            lines.append(BackwardLine(d_m, M(tex(expr), text(expr)), shapes, "d", k - 1))
            d = _sym("d", N, sizes[k - 1])
    return lines


@dataclass(frozen=True)
class Cost:
    """Exact multiply-add counts of one gradient-descent step on ``n`` rows."""

    forward: Any  # Σ n·n_{k-1}·n_k, the products O_{k-1}·W_k
    weight_grads: Any  # Σ n·n_{k-1}·n_k, the products O_{k-1}ᵀ·d
    back_products: Any  # Σ_{k≥2} n·n_k·n_{k-1}, the products d·W_kᵀ
    elementwise: Any  # Σ n·n_k over layers with f' ≠ 1, the products * f'(H_k)
    update: int  # one multiply-add per parameter, W ← W − η·∂L/∂W
    total: Any
    n_weights: int
    n_parameters: int


def cost(net: Network, n: Any = N) -> Cost:
    """The multiply-adds of forward + backward + update, as a polynomial in ``n``."""
    sizes, L = net.layer_sizes, net.n_layers
    prods = [sizes[k - 1] * sizes[k] for k in range(1, L + 1)]
    fwd = n * sum(prods)
    dW = n * sum(prods)
    back = n * sum(prods[1:])
    elem = 0
    for k in range(1, L):
        if net.activations[k - 1] != "identity":
            elem += sizes[k]
    if net.activations[-1] not in ("identity", "softmax"):
        elem += sizes[-1]  # a fused loss skips this product, the count keeps it
    elementwise_ = n * elem
    P = net.n_parameters
    total = sp.expand(fwd + dW + back + elementwise_ + P)
    return Cost(fwd, dW, back, elementwise_, P, total, sum(prods), P)
