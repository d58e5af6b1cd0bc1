"""A tiny document model and its three renderers: plain text, LaTeX (amsmath), Markdown.

Every piece of math is an :class:`M`, which carries both its LaTeX and its plain-text form,
so one document prints in a terminal, compiles with ``pdflatex`` and renders in Jupyter
or MyST from the same blocks.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from pathlib import Path

Value = Fraction | float | str  # a str is shown as typed (a student's own answer)
# How a matrix's numbers print: "fraction" (exact, 1/32), "decimal" (exact, 0.03125: the
# inputs were typed as decimals), "float" (rounded to significant digits, computed in float64).
Style = Literal["fraction", "decimal", "float"]

WIDTH = 92  # text paragraphs wrap here
MAX_ROWS = 8  # a matrix with more rows shows its first ones and says how many are left


@dataclass(frozen=True)
class M:
    """Inline math. ``latex`` may hold one ``&`` (the alignment point inside ``align*``)."""

    latex: str
    text: str


Inline = str | M


@dataclass(frozen=True)
class Heading:
    level: int
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Para:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Eqs:
    """Displayed equations, one row per line; the cells of a row line up in columns."""

    rows: tuple[tuple[M, ...], ...]


@dataclass(frozen=True)
class Mat:
    """``lhs = <matrix>``, for a worked number."""

    lhs: M
    values: tuple[tuple[Value, ...], ...]
    style: Style
    precision: int  # significant digits of a "float" number
    note: M | None = None


@dataclass(frozen=True)
class Items:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Figure:
    """A diagram: verbatim lines in text, one display formula in LaTeX and Markdown."""

    text: tuple[str, ...]
    latex: str


Block = Heading | Para | Eqs | Mat | Items | Figure


_MARKUP = re.compile(r"⟦([^|⟧]*)\|([^⟧]*)⟧")


def rich(*parts: Inline) -> tuple[Inline, ...]:
    """Prose with math spans ``⟦text|latex⟧`` (how the i18n strings mark math) as parts."""
    out: list[Inline] = []
    for p in parts:
        if isinstance(p, M):
            out.append(p)
            continue
        pos = 0
        for m in _MARKUP.finditer(p):
            if m.start() > pos:
                out.append(p[pos : m.start()])
            out.append(M(m.group(2), m.group(1)))
            pos = m.end()
        if pos < len(p):
            out.append(p[pos:])
    return tuple(out)


def plain(s: str) -> str:
    """The text form of a string with ``⟦text|latex⟧`` spans."""
    return _inline_text(rich(s))


def tex_text(s: str) -> str:
    """``\\text{…}`` of a string with math spans (amsmath allows ``$…$`` inside)."""
    return r"\text{" + _inline_latex(rich(s)) + "}"


def heading(level: int, *parts: Inline) -> Heading:
    return Heading(level, rich(*parts))


def para(*parts: Inline) -> Para:
    return Para(rich(*parts))


def eqs(*rows: Sequence[M]) -> Eqs:
    return Eqs(tuple(tuple(r) for r in rows))


# -- numbers ---------------------------------------------------------------------------


def _significant(x: float, digits: int) -> tuple[str, int | None]:
    """``x`` to ``digits`` significant digits: the mantissa text and a power of ten, or
    ``None`` for plain positional notation (used from 1e-4 up to 1e6).

    Never shows a non-zero number as 0: ``3.052e-05`` is ``("3.052", -5)``.
    """
    if x == 0 or not math.isfinite(x):
        return ("0" if x == 0 else repr(x)), None
    mantissa, _, exp = f"{x:.{digits - 1}e}".partition("e")
    e = int(exp)
    if -4 <= e < 6:
        return f"{x:.{max(digits - 1 - e, 0)}f}", None
    return mantissa, e


def _terminating(v: Fraction) -> str | None:
    """The exact decimal of ``v`` when it has one (denominator 2^a·5^b), else ``None``."""
    q, places = v.denominator, 0
    for p in (2, 5):
        count = 0
        while q % p == 0:
            q //= p
            count += 1
        places = max(places, count)
    if q != 1:
        return None
    digits = str(abs(v.numerator) * 10**places // v.denominator).rjust(places + 1, "0")
    whole, frac = digits[: len(digits) - places], digits[len(digits) - places :]
    return ("-" if v < 0 else "") + whole + ("." + frac if frac else "")


def num_text(v: Value, style: Style, precision: int) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, Fraction) and style != "float":
        if style == "decimal":
            return _terminating(v) or str(v)
        return str(v)
    text, e = _significant(float(v), precision)
    return text if e is None else f"{text}e{e}"


def num_latex(v: Value, style: Style, precision: int) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, Fraction) and style != "float":
        dec = _terminating(v) if style == "decimal" else None
        if dec is not None or v.denominator == 1:
            return dec or str(v.numerator)
        sign = "-" if v < 0 else ""
        return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
    text, e = _significant(float(v), precision)
    return text if e is None else f"{text} \\cdot 10^{{{e}}}"


def _shown_rows(values: tuple[tuple[Value, ...], ...]) -> tuple[tuple[tuple[Value, ...], ...], int]:
    if len(values) <= MAX_ROWS:
        return values, 0
    return values[: MAX_ROWS - 1], len(values) - (MAX_ROWS - 1)


# -- plain text ------------------------------------------------------------------------


def _inline_text(parts: Sequence[Inline]) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in parts)


def _columns(rows: Sequence[Sequence[str]], indent: str = "    ") -> list[str]:
    widths: dict[int, int] = {}
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths.get(i, 0), len(cell))
    return [
        (
            indent
            + "   ".join(c.ljust(widths[i]) if i < len(r) - 1 else c for i, c in enumerate(r))
        ).rstrip()
        for r in rows
    ]


def _mat_text(block: Mat) -> list[str]:
    shown, more = _shown_rows(block.values)
    cells = [[num_text(v, block.style, block.precision) for v in row] for row in shown]
    ncol = max((len(r) for r in cells), default=0)
    widths = [max(len(r[j]) for r in cells) for j in range(ncol)]
    lines = ["[ " + "  ".join(c.rjust(widths[j]) for j, c in enumerate(r)) + " ]" for r in cells]
    if more:
        lines.append(f"  … {more} more rows")
    head = f"    {block.lhs.text} = "
    pad = " " * len(head)
    out = [(head if i == 0 else pad) + line for i, line in enumerate(lines)]
    if block.note is not None:
        out[0] += "   " + block.note.text
    return out


def to_text(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            title = _inline_text(b.parts)
            out += [title, ("=" if b.level == 1 else "-") * len(title)] if b.level <= 2 else [title]
        elif isinstance(b, Para):
            out += textwrap.wrap(_inline_text(b.parts), WIDTH, break_on_hyphens=False)
        elif isinstance(b, Eqs):
            out += _columns([[c.text for c in row] for row in b.rows])
        elif isinstance(b, Mat):
            out += _mat_text(b)
        elif isinstance(b, Items):
            for item in b.items:
                wrapped = textwrap.wrap(_inline_text(item), WIDTH - 4, break_on_hyphens=False)
                out += ["  • " + wrapped[0], *("    " + w for w in wrapped[1:])]
        else:
            out += ["    " + line for line in b.text]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- LaTeX -----------------------------------------------------------------------------

_TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "—": "---",
    "–": "--",
    "«": "<<",
    "»": ">>",
}


def tex_escape(s: str) -> str:
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in s)


def _inline_latex(parts: Sequence[Inline]) -> str:
    return "".join(
        tex_escape(p) if isinstance(p, str) else f"${p.latex.replace('&', '')}$" for p in parts
    )


def _row_latex(row: Sequence[M]) -> str:
    return " & ".join(c.latex if "&" in c.latex else "& " + c.latex for c in row)


def _matrix_latex(block: Mat) -> str:
    shown, more = _shown_rows(block.values)
    body = r" \\ ".join(
        " & ".join(num_latex(v, block.style, block.precision) for v in row) for row in shown
    )
    if more:
        body += r" \\ " + r" & ".join([r"\vdots"] * len(shown[0]))
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def _mat_formula(block: Mat, align: bool = False) -> str:
    note = rf" \qquad {block.note.latex.replace('&', '')}" if block.note is not None else ""
    eq = "&=" if align else "="
    return f"{block.lhs.latex.replace('&', '')} {eq} {_matrix_latex(block)}{note}"


def _runs(blocks: Sequence[Block]) -> list[Block | list[Mat]]:
    """Consecutive matrices grouped, so that they share one aligned display."""
    out: list[Block | list[Mat]] = []
    for b in blocks:
        if isinstance(b, Mat) and out and isinstance(out[-1], list):
            out[-1].append(b)
        else:
            out.append([b] if isinstance(b, Mat) else b)
    return out


def to_latex_body(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in _runs(blocks):
        if isinstance(b, list):
            rows = " \\\\[1ex]\n".join("  " + _mat_formula(m, align=True) for m in b)
            out.append("\\begin{align*}\n" + rows + "\n\\end{align*}")
        elif isinstance(b, Heading):
            cmd = {1: "section*", 2: "subsection*", 3: "subsubsection*"}.get(b.level, "paragraph*")
            out.append(f"\\{cmd}{{{_inline_latex(b.parts)}}}")
        elif isinstance(b, Para):
            out.append(_inline_latex(b.parts))
        elif isinstance(b, Eqs):
            rows = " \\\\\n".join("  " + _row_latex(r) for r in b.rows)
            out.append("\\begin{align*}\n" + rows + "\n\\end{align*}")
        elif isinstance(b, Items):
            items = "\n".join("  \\item " + _inline_latex(i) for i in b.items)
            out.append("\\begin{itemize}\n" + items + "\n\\end{itemize}")
        elif isinstance(b, Figure):
            out.append("\\[\n  " + b.latex + "\n\\]")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def latex_document(body: str, lang: str, title: str) -> str:
    babel = (
        "\\usepackage[T2A]{fontenc}\n\\usepackage[utf8]{inputenc}\n\\usepackage[russian]{babel}\n"
        if lang == "ru"
        else "\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
    )
    return (
        "\\documentclass[11pt]{article}\n"
        + babel
        + "\\usepackage{amsmath,amssymb}\n"
        + "\\usepackage[margin=2cm]{geometry}\n"
        + "\\setlength{\\parindent}{0pt}\n\\setlength{\\parskip}{0.6em}\n"
        + "\\allowdisplaybreaks\n\\renewcommand{\\arraystretch}{1.3}\n"
        + "\\begin{document}\n\n"
        + body
        + "\\end{document}\n"
    )


def to_mathjax(blocks: Sequence[Block]) -> str:
    """Every formula of the document as one ``$$…$$`` block, for ``_repr_latex_``."""
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines.append(r"&\textbf{" + tex_escape(_inline_text(b.parts)) + "}")
        elif isinstance(b, Eqs):
            lines += [_row_latex(r) for r in b.rows]
        elif isinstance(b, Mat):
            lines.append("& " + _mat_formula(b))
        elif isinstance(b, Figure):
            lines.append("& " + b.latex)
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$"


# -- Markdown (MyST / Jupyter) ---------------------------------------------------------


def _inline_md(parts: Sequence[Inline]) -> str:
    return "".join(p if isinstance(p, str) else f"${p.latex.replace('&', '')}$" for p in parts)


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in _runs(blocks):
        if isinstance(b, list):
            rows = " \\\\[1ex]\n".join(_mat_formula(m, align=True) for m in b)
            out.append("$$\n\\begin{aligned}\n" + rows + "\n\\end{aligned}\n$$")
        elif isinstance(b, Heading):
            out.append("#" * b.level + " " + _inline_md(b.parts))
        elif isinstance(b, Para):
            out.append(_inline_md(b.parts))
        elif isinstance(b, Eqs):
            rows = " \\\\\n".join(_row_latex(r) for r in b.rows)
            out.append("$$\n\\begin{aligned}\n" + rows + "\n\\end{aligned}\n$$")
        elif isinstance(b, Items):
            out.append("\n".join("- " + _inline_md(i) for i in b.items))
        elif isinstance(b, Figure):
            out.append("$$\n" + b.latex + "\n$$")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- files -----------------------------------------------------------------------------

# The suffix of a file names its format; one table for every document (a Solution adds its
# trace's formats).
SUFFIXES: dict[str, str] = {".txt": "text", ".md": "markdown", ".tex": "latex", ".pdf": "pdf"}
TEX_ENGINES = ("pdflatex", "lualatex")  # the first one on PATH compiles .pdf


def compile_pdf(latex: str) -> bytes:
    """``latex`` compiled by the first TeX engine on PATH (twice, for the references), as
    the bytes of the PDF; a clear error when there is no engine or the run fails."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from ..errors import ConfigError, MatbackpropError

    engine = next((e for e in TEX_ENGINES if shutil.which(e)), None)
    if engine is None:
        raise ConfigError(
            f"a .pdf needs a TeX engine ({' or '.join(TEX_ENGINES)}) on PATH, and none was "
            "found: install TeX Live (texlive-latex-base; texlive-lang-cyrillic for Russian), "
            "or save as .tex"
        )
    with tempfile.TemporaryDirectory(prefix="matbackprop-tex-") as tmp:
        (Path(tmp) / "doc.tex").write_text(latex, encoding="utf-8")
        run = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
            cwd=tmp,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=300,
        )
        pdf = Path(tmp) / "doc.pdf"
        if run.returncode != 0 or not pdf.is_file():
            first = next((ln for ln in run.stdout.splitlines() if ln.startswith("!")), "")
            raise MatbackpropError(
                f"{engine} could not compile the document (exit {run.returncode})"
                + (f": {first}" if first else "")
            )
        return pdf.read_bytes()


class Document:
    """Base of :class:`Explanation` and :class:`Solution`: one set of blocks, three formats."""

    blocks: list[Block]
    lang: str
    title: str
    suffixes: ClassVar[dict[str, str]] = SUFFIXES

    def in_lang(self, lang: str) -> Document:
        """The same document in ``lang`` (``"en"`` or ``"ru"``)."""
        raise NotImplementedError

    def _file_text(self, fmt: str) -> str:
        """The file's content in ``fmt`` (a value of :attr:`suffixes`, ``pdf`` aside)."""
        return self.render(fmt)

    def save(
        self,
        path: str | os.PathLike[str],
        format: str | None = None,
        *,
        lang: str | None = None,
    ) -> Path:
        """Write the document to ``path`` in the format its suffix names (``format``, one of
        the formats of :attr:`suffixes`, overrides it): ``.txt``, ``.md`` (Markdown, MyST),
        ``.tex`` (a complete LaTeX document), ``.pdf`` (that document compiled by pdflatex or
        lualatex, which must be on PATH), and for a Solution ``.json`` and ``.csv`` (the
        trace). ``lang`` writes it in another language than its own.

        The whole file is made first and then written atomically: a failure leaves an
        existing file as it was.
        """
        from pathlib import Path

        from ..errors import ConfigError
        from ..persistence import atomic_write_bytes
        from ._i18n import check_lang

        out = Path(path)
        formats = dict.fromkeys(self.suffixes.values())
        if format is not None:
            if format not in formats:
                raise ConfigError(f"format must be one of {', '.join(formats)}, got {format!r}")
            fmt = format
        else:
            suffix = out.suffix.lower()
            if suffix not in self.suffixes:
                raise ConfigError(
                    f"cannot tell the format from the file name {str(out)!r}: "
                    f"{type(self).__name__}.save knows {', '.join(self.suffixes)}"
                )
            fmt = self.suffixes[suffix]
        doc = self if lang is None or lang == self.lang else self.in_lang(check_lang(lang))
        # Rendered (and compiled) in full before anything is written.
        data = compile_pdf(doc.to_latex()) if fmt == "pdf" else doc._file_text(fmt).encode()
        atomic_write_bytes(out, data)
        return out

    def to_text(self) -> str:
        """Plain text for a terminal."""
        return to_text(self.blocks)

    def to_latex(self, standalone: bool = True) -> str:
        """LaTeX with amsmath; ``standalone=False`` gives the body without the preamble."""
        body = to_latex_body(self.blocks)
        return latex_document(body, self.lang, self.title) if standalone else body

    def to_markdown(self) -> str:
        """Markdown with ``$…$`` and ``$$…$$`` math (Jupyter, MyST / Jupyter Book)."""
        return to_markdown(self.blocks)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return to_mathjax(self.blocks)

    def __str__(self) -> str:
        return self.to_text()

    def render(self, format: str = "text") -> str:
        """``format`` is ``"text"``, ``"latex"`` or ``"markdown"``."""
        from ..errors import ConfigError

        if format == "text":
            return self.to_text()
        if format == "latex":
            return self.to_latex()
        if format in ("markdown", "md"):
            return self.to_markdown()
        raise ConfigError(f"format must be one of text, latex, markdown; got {format!r}")
