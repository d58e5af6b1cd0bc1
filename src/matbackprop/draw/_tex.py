"""Math labels: one mathtext string per label, read by Matplotlib and TikZ alike.

Matplotlib's mathtext is a subset of LaTeX, so every label is written once in that subset
(``\\frac``, ``\\hat``, ``^{\\mathsf{T}}``, ``\\mathrm``) and TikZ takes it verbatim between
``$...$``. Graphviz has no math, so :func:`plain` turns the same string into Unicode text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

FONT_SIZE = 11.0  # points: readable when a 7-inch figure is scaled to a 6.5-inch page

# Each activation's symbol inside formulas; the seed writes the hidden one as ``f``.
ACTIVATION_TEX = {
    "identity": r"\mathrm{id}",
    "sigmoid": r"\sigma",
    "tanh": r"\mathrm{tanh}",
    "relu": r"\mathrm{ReLU}",
    "leaky_relu": r"\mathrm{LReLU}",
    "softplus": r"\mathrm{softplus}",
    "elu": r"\mathrm{ELU}",
    "silu": r"\mathrm{SiLU}",
    "softmax": r"\mathrm{softmax}",
}


def activation_tex(name: str) -> str:
    return ACTIVATION_TEX.get(name, r"\mathrm{" + name.replace("_", r"\_") + "}")


def shape_tex(rows: int | str, cols: int | str) -> str:
    """``[n×2]``, the seed's shape annotation."""
    return rf"[{rows}\times{cols}]"


def math(tex: str) -> str:
    """``tex`` between dollars, as both Matplotlib and LaTeX want it."""
    return f"${tex}$"


_SUP = str.maketrans("0123456789+-=()nijkT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏᵀ")
_SUB = str.maketrans("0123456789+-=()aeijklmnot", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₜ")
_WORDS = {
    r"\partial": "∂",
    r"\times": "×",
    r"\cdot": "·",
    r"\sigma": "σ",
    r"\tanh": "tanh",
    r"\top": "T",
    r"\to": "→",
    r"\eta": "η",
    r"\mu": "μ",
    r"\epsilon": "ε",
    r"\ldots": "…",
    r"\,": " ",
    r"\ ": " ",
    r"\quad": "  ",
    r"\_": "_",
}


def _script(body: str, table: dict[int, int]) -> str:
    converted = body.translate(table)
    # Unicode lacks some super/subscript letters: fall back to ^ / _ for the whole group.
    if any(ch == orig for ch, orig in zip(converted, body) if not ch.isspace()):
        marker = "^" if table is _SUP else "_"
        return marker + (body if len(body) == 1 else f"({body})")
    return converted


def _group(s: str, start: int) -> tuple[str, int]:
    """The balanced ``{...}`` group opening at ``s[start]``, and the index after it."""
    depth = 0
    for i in range(start, len(s)):
        depth += {"{": 1, "}": -1}.get(s[i], 0)
        if depth == 0:
            return s[start + 1 : i], i + 1
    return s[start + 1 :], len(s)


def _fractions(s: str) -> str:
    """``\\frac{a}{b}`` (nested braces allowed) -> ``a/b``."""
    m = re.search(r"\\d?frac\{", s)
    while m:
        num, i = _group(s, m.end() - 1)
        den, j = _group(s, i) if i < len(s) and s[i] == "{" else ("", i)
        s = s[: m.start()] + f"{num}/{den}" + s[j:]
        m = re.search(r"\\d?frac\{", s)
    return s


@lru_cache(maxsize=4096)
def plain(tex: str) -> str:
    """A Unicode rendering of a mathtext label, for Graphviz and terminals: ``ŷ``, ``W₃ᵀ``."""
    s = tex.replace("$", "")
    s = re.sub(r"\\hat\{(\w)\}", lambda m: m.group(1) + "\u0302", s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"√\1", s)
    s = _fractions(s)
    s = re.sub(r"\\mathrm\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\mathcal\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\math(?:bf|sf)\{([^{}]*)\}", r"\1", s)
    for word, uni in sorted(_WORDS.items(), key=lambda kv: -len(kv[0])):
        s = s.replace(word, uni)
    s = re.sub(r"\^\{([^{}]*)\}", lambda m: _script(m.group(1), _SUP), s)
    s = re.sub(r"_\{([^{}]*)\}", lambda m: _script(m.group(1), _SUB), s)
    s = re.sub(r"\^([\w'])", lambda m: _script(m.group(1), _SUP), s)
    s = re.sub(r"_(\w)", lambda m: _script(m.group(1), _SUB), s)
    s = s.replace("\\left", "").replace("\\right", "").replace("{", "").replace("}", "")
    s = re.sub(r"∂\s+", "∂", s)
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", s).strip())  # y + ̂  -> ŷ


@lru_cache(maxsize=4096)
def measure(text: str, size: float = FONT_SIZE, monospace: bool = False) -> tuple[float, float]:
    """Width and height in inches of ``text`` as Matplotlib typesets it (mathtext if ``$``)."""
    from matplotlib.font_manager import FontProperties

    renderer = _renderer()
    prop = FontProperties(family="monospace" if monospace else None, size=size)
    w = h = 0.0
    for line in text.split("\n"):
        lw, lh, _ = renderer.get_text_width_height_descent(line or " ", prop, ismath="$" in line)
        w = max(w, lw)
        h += lh
    # The renderer works at 72 dpi, so its pixels are points; 72 points to the inch.
    return float(w) / 72.0, float(h) / 72.0


@lru_cache(maxsize=1)
def _renderer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72)  # type: ignore[no-untyped-call]
