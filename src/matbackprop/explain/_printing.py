"""SymPy printers for the seed's notation: ``w^1_11·x_i1`` in text, ``w^{1}_{11} \\cdot x_{i1}``
in LaTeX, ``X·W1`` and ``O2ᵀ·d`` for matrices, ``*`` for the element-wise product.

Scalar symbols are named ``base^sup_sub`` inside SymPy. The weight base is ``W`` and the
bias base ``zb`` only so that SymPy's canonical order prints ``w·x`` (weight first, as the
seed writes it) and puts the bias last; the printers show them as ``w`` and ``b``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

_BASE_TEXT = {"W": "w", "zb": "b", "yhat": "ŷ"}
_BASE_TEX = {"W": "w", "zb": "b", "yhat": r"\hat{y}"}
_MATRIX_TEXT = {"y_hat": "ŷ", "1": "1"}
_MATRIX_TEX = {"y_hat": r"\hat{y}"}
# A matrix named ``W_3^new`` is the updated W3 of a layer-wise step (docs/layerwise.md)
_MARK_TEXT = {"new": "ⁿᵉʷ"}


def _split(name: str) -> tuple[str, str, str]:
    base, _, rest = name.partition("^")
    if rest:
        sup, _, sub = rest.partition("_")
    else:
        base, _, sub = name.partition("_")
        sup = ""
    return base, sup, sub


def _fname(expr: Any) -> str:
    f = expr.function
    return str(f.expr.func) if isinstance(f, sp.Lambda) else str(f)


def _tex_fname(name: str) -> str:
    base, _, sub = name.partition("_")
    if len(base) > 1 and not base.endswith("'"):
        base = rf"\operatorname{{{base}}}"
    return f"{base}_{{{sub}}}" if sub else base


# weight symbol name -> (k, l, j): the names alone are ambiguous (w^3_11 of a single output)
_WEIGHT_ORDER: dict[str, tuple[int, ...]] = {}


def weight_symbol(name: str, k: int, l: int, j: int) -> sp.Symbol:
    """The SymPy symbol of ``w^k_lj``, remembered with its place in the seed's order."""
    _WEIGHT_ORDER[name] = (k, l, j)
    return sp.Symbol(name)


def _weight_key(term: Any) -> tuple[float, ...]:
    """``(k, l, j)`` of the weight in a term ``w^k_lj·…``; a bare bias sorts last."""
    factors = term.args if isinstance(term, sp.Mul) else (term,)
    for f in factors:
        if isinstance(f, sp.Symbol) and f.name in _WEIGHT_ORDER:
            return _WEIGHT_ORDER[f.name]
        if isinstance(f, sp.Symbol) and f.name.startswith("zb^"):
            return (float("inf"),)
    return (float("inf"), float("inf"))


def seed_order(terms: list[Any]) -> list[Any]:
    """The seed's order of a sum: ``w_1j·o_1 + w_2j·o_2 + … + b_j`` (SymPy sorts names as
    strings, which would put ``w_10`` before ``w_2``)."""
    return sorted(terms, key=_weight_key)


class TexPrinter(LatexPrinter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__({"mul_symbol": "dot", "order": "none"})

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return seed_order(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        base, sup, sub = _split(expr.name)
        out = _BASE_TEX.get(base, base)
        if sup:
            out += f"^{{{sup}}}"
        if sub:
            out += f"_{{{sub}}}"
        return out

    def _print_MatrixSymbol(self, expr: Any) -> str:
        name = str(expr.name)
        if name in _MATRIX_TEX:
            return _MATRIX_TEX[name]
        name, _, mark = name.partition("^")
        base, _, sub = name.partition("_")
        out = f"{base}_{{{sub}}}" if sub else base
        # braced, so that a transpose's ^{T} is not a second superscript
        return f"{{{out}^{{\\mathrm{{{mark}}}}}}}" if mark else out

    def _print_MatMul(self, expr: Any) -> str:
        args = list(expr.args)
        if isinstance(args[0], sp.OneMatrix):  # 1·b: a row broadcast down the n rows
            args = args[1:]
        return r" \cdot ".join(
            rf"\left({self._print(a)}\right)"
            if isinstance(a, (sp.MatAdd, sp.HadamardProduct))
            else self._print(a)
            for a in args
        )

    def _print_Transpose(self, expr: Any) -> str:
        return f"{self._print(expr.arg)}^{{T}}"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return " * ".join(self._print(a) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        return rf"{_tex_fname(_fname(expr))}\left({self._print(expr.expr)}\right)"

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        name = _tex_fname(str(expr.func))
        args = ", ".join(self._print(a) for a in expr.args)
        out = rf"{name}\left({args}\right)"
        return f"{out}^{{{exp}}}" if exp is not None else out


class TextPrinter(StrPrinter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return seed_order(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        base, sup, sub = _split(expr.name)
        out = _BASE_TEXT.get(base, base)
        if sup:
            out += f"^{sup}"
        if sub:
            out += f"_{sub}"
        return out

    def _print_Mul(self, expr: Any) -> str:
        return str(super()._print_Mul(expr)).replace("**", "^").replace("*", "·")

    def _print_MatrixSymbol(self, expr: Any) -> str:
        name = str(expr.name)
        if name in _MATRIX_TEXT:
            return _MATRIX_TEXT[name]
        name, _, mark = name.partition("^")
        return name.replace("_", "") + _MARK_TEXT.get(mark, mark)

    def _print_MatMul(self, expr: Any) -> str:
        args = list(expr.args)
        if isinstance(args[0], sp.OneMatrix):
            args = args[1:]
        return "·".join(
            f"({self._print(a)})"
            if isinstance(a, (sp.MatAdd, sp.HadamardProduct))
            else self._print(a)
            for a in args
        )

    def _print_MatAdd(self, expr: Any) -> str:
        return " + ".join(self._print(a) for a in expr.args)

    def _print_Transpose(self, expr: Any) -> str:
        return f"{self._print(expr.arg)}ᵀ"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return " * ".join(self._print(a) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        return f"{_fname(expr)}({self._print(expr.expr)})"


_TEX = TexPrinter()
_TXT = TextPrinter()


def tex(expr: Any) -> str:
    return str(_TEX.doprint(expr))


def text(expr: Any) -> str:
    return str(_TXT.doprint(expr))


def elementwise(f: Any, arg: Any) -> Any:
    """``f(A)`` applied entry by entry: a SymPy matrix expression of ``A``'s shape."""
    return ElementwiseApplyFunction(f, arg)
