"""Check my answer: every value a student gives, judged against a worked solution.

Each value gets one verdict, in the order of the computation: it *matches*, it *differs*
(with the usual mistake that explains it, when one does), or it *could not be read*.

- **Rounding.** A decimal matches when it is the correct value rounded to the places
  written, with either rule for a tie (``0.0312`` and ``0.0313`` both match ``0.03125``).
  A fraction or an integer claims an exact value. ``tolerance`` widens the bound.
- **Diagnoses are computed.** The step is worked again with each usual mistake (:class:`Slip`:
  the 1/n or the ½ left out, f' taken at the wrong matrix, + in the update, W updated before
  it is used, the wrong row), and a value that equals one of those is named by it; a transpose
  and a wrong sign are tried on the value itself. Nothing is reshaped.
- **Error carried forward.** With ``carry_forward``, each value is judged against what the
  formula gives from the student's own earlier values, so one slip does not fail the rest.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ConfigError, ShapeError
from . import _doc
from ._doc import M, Mat, Style, heading, para
from ._i18n import tr
from ._update import canonical_state, state_symbol
from .worked import NO_SLIP, Irrational, Problem, Run, Slip, Step, to_fraction

__all__ = ["CheckResult", "Verdict", "check_values", "parse_matrix", "parse_tolerance", "symbol"]

MAX_ROW_SLIPS = 20  # "the wrong row" is tried for steps of at most this many rows of X


def _cells(text: str) -> list[list[str]]:
    text = text.replace("−", "-")  # the minus sign of the printed documents, copied back
    rows = [r for r in re.split(r"[;\n]", text.strip()) if r.strip()]
    return [[c for c in re.split(r"[,\s]+", r.strip()) if c] for r in rows]


def parse_matrix(text: str, name: str) -> np.ndarray:
    """``"1,2;3,4"`` (rows by ``;`` or new lines, entries by ``,`` or spaces; ``1/16`` and
    decimals allowed) as an object array of the entry strings.

    Shapes: ``"1,2;3,4"`` -> (2, 2); ``"1;0"`` -> (2, 1).
    """
    cells = _cells(text)
    if not cells or any(len(r) != len(cells[0]) for r in cells):
        raise ShapeError(f"{name} must be rows of equal length like '1,2;3,4', got {text!r}")
    return np.array(cells, dtype=object)


def parse_tolerance(value: Any) -> tuple[float, float]:
    """``None``, an absolute bound (``1e-3``) or a relative one (``"1%"``), as (abs, rel)."""
    if value is None:
        return 0.0, 0.0
    text = str(value).strip()
    relative = text.endswith("%")
    try:
        x = float(text[:-1] if relative else text) if not isinstance(value, bool) else -1.0
    except ValueError:
        x = -1.0
    if not math.isfinite(x) or x < 0:
        raise ConfigError(
            f"tolerance must be a number ≥ 0 (absolute) or a percentage like '1%', got {value!r}"
        )
    return (0.0, x / 100) if relative else (x, 0.0)


# -- names --------------------------------------------------------------------------------


def symbol(name: str, n_layers: int) -> M:
    """How the solution writes the value ``name``: ``d2`` is ``∂L/∂H2``, ``fp1`` ``f'(H1)``."""
    state = state_symbol(name)
    if state is not None:
        return M(*state)
    kind, k = re.fullmatch(r"([A-Za-z_]+?)(\d*)", name).groups()  # type: ignore[union-attr]
    partial = {"d": "H", "dW": "W", "db": "b"}
    if kind in partial:
        return M(
            rf"\frac{{\partial L}}{{\partial {partial[kind]}_{{{k}}}}}", f"∂L/∂{partial[kind]}{k}"
        )
    if kind == "fp":
        return M(f"f'(H_{{{k}}})", f"f'(H{k})")
    if kind == "y_hat":
        return M(r"\hat{y}", "ŷ")
    if kind == "dyhat":
        return M(r"\frac{\partial L}{\partial \hat{y}}", "∂L/∂ŷ")
    if k:
        return M(f"{kind}_{{{k}}}", name)
    return M(name, name)


def _canonical(raw: str, names: list[str], n_layers: int) -> str | None:
    """The value a student's name means, in every form the docs list (``d2``, ``dL/dH2``,
    ``∂L/∂H2``, ``δ2``, ``dW3``, ``∂L/∂W3``, ``f'(H1)``, ``σ'(H1)``, ``ŷ``, ``O3``, ``loss``,
    LaTeX's ``W_{3}`` and ``\\partial``), or ``None``."""
    state = canonical_state(raw)  # v2, m̂3, ...: the optimizer's state
    if state is not None:
        return state
    s = raw.replace(r"\hat{y}", "ŷ").replace(r"\partial", "∂").replace(r"\delta", "δ")
    s = re.sub(r"[\s_{}\\]", "", s)
    s = s.replace("∂", "d").replace("δ", "d").replace("ŷ", "yhat")
    L = n_layers
    low = s.lower()
    if low in ("l", "loss"):
        return "L"
    m = re.fullmatch(r"(?:dl/d|d|delta|grad)(h|w|b|yhat|o)(\d*)", low)
    if m:
        kind, k = m.groups()
        if kind == "o" and k == str(L):
            kind, k = "yhat", ""
        if kind == "yhat" and not k:
            return "dyhat" if "dyhat" in names else f"d{L}"
        if kind == "h" and k:
            return f"d{k}"
        if kind in ("w", "b") and k:
            return f"d{'W' if kind == 'w' else 'b'}{k}"
        return None
    m = re.fullmatch(r"(?:d|delta)(\d+)", low)
    if m:
        return f"d{m.group(1)}"
    m = re.fullmatch(r"(?:fp|df|[a-zσ]+'|[a-zσ]+'\(h\)|[a-zσ]+\d*')\(?h?(\d+)\)?", low)
    if m:
        return f"fp{m.group(1)}"
    m = re.fullmatch(r"(h|o|w|b)(\d+)", low)
    if m:
        kind, k = m.groups()
        if kind == "o" and k == str(L):
            return "y_hat"
        return {"h": "H", "o": "O", "w": "W", "b": "b"}[kind] + k
    if low in ("yhat", "y^", "o"):
        return "y_hat"
    return None


# -- one student value ------------------------------------------------------------------


class _Unreadable(Exception):
    """A value that could not be read: the reason, as an i18n key and its arguments."""

    def __init__(self, reason: str, **args: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


def _places(token: str) -> int | None:
    """The decimal places a typed number gives (``0.0312``: 4, ``3.1e-5``: 6), or ``None``
    for an integer or a fraction, which claim an exact value."""
    t = token.strip().lower()
    if "/" in t:
        return None
    mant, _, exp = t.partition("e")
    if "." not in mant and not exp:
        return None
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return decimals - int(exp or 0)


def _read(value: Any) -> tuple[np.ndarray, np.ndarray]:
    """The entries as typed (strings) and as Fractions, both with the shape typed."""
    if isinstance(value, str):
        cells = _cells(value)
        if not cells:
            raise _Unreadable("empty")
        if any(len(r) != len(cells[0]) for r in cells):
            raise _Unreadable("ragged", lengths=", ".join(str(len(r)) for r in cells))
        typed = np.array(cells, dtype=object)
    else:
        try:
            arr = np.array(value, dtype=object)
        except ValueError:
            raise _Unreadable("ragged", lengths="?") from None
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(1, -1)
        typed = np.vectorize(_typed, otypes=[object])(arr)
    numbers = np.empty(typed.shape, dtype=object)
    for idx, tok in np.ndenumerate(typed):
        f = to_fraction(tok)
        if f is None:
            raise _Unreadable("not_a_number", token=tok, row=idx[0] + 1, col=idx[1] + 1)
        numbers[idx] = f
    return typed, numbers


def _typed(v: Any) -> str:
    """A number given in Python as the text it stands for (``0.1`` as ``"0.1"``)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _as_matrix(v: Any) -> np.ndarray:
    """A value of a step as the matrix the student writes: ``L`` is 1×1, a bias a row."""
    arr = np.asarray(v, dtype=object)
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(1, -1)
    return arr


@dataclass(frozen=True)
class _Judge:
    """The rule for one entry: the rounding of the places written, or the tolerance."""

    absolute: float = 0.0
    relative: float = 0.0

    def agrees(self, yours: Fraction, token: str, correct: Any) -> bool:
        exact = isinstance(correct, Fraction)
        c = correct if exact else Fraction(float(correct))
        diff = abs(yours - c)
        # a float step carries its own rounding; an exact one none
        slack = Fraction(0) if exact else Fraction(1e-12) * max(1, abs(c))
        places = _places(token)
        bound = Fraction(1, 2) * Fraction(10) ** -places if places is not None else Fraction(0)
        if diff <= bound + slack:
            return True
        return float(diff) <= max(self.absolute, self.relative * float(abs(c)))

    def all_agree(self, yours: np.ndarray, typed: np.ndarray, correct: np.ndarray) -> bool:
        return yours.shape == correct.shape and all(
            self.agrees(u, t, c) for u, t, c in zip(yours.flat, typed.flat, correct.flat)
        )


# -- verdicts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One value the student gave: ``status`` is ``"match"``, ``"differs"`` or
    ``"unreadable"``; ``diagnosis`` names the usual mistake that gives the student's value
    (an i18n key such as ``"transposed"``, with ``details``), when one does."""

    key: str  # as typed
    status: str
    step: int | None = None
    name: str | None = None
    typed: np.ndarray | None = None  # the entries as typed, in the shape typed
    yours: np.ndarray | None = None  # the same as Fractions
    correct: np.ndarray | None = None  # what it should be, as a matrix
    style: Style = "float"
    diagnosis: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    others: tuple[tuple[str, dict[str, Any]], ...] = ()  # more mistakes that give the same

    @property
    def diagnoses(self) -> list[str]:
        """Every usual mistake that gives the student's value (they can coincide: with two
        rows, the 1/n left out and the ½ left out both double ``d``)."""
        return [k for k in (self.diagnosis, *(o[0] for o in self.others)) if k]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.step}" if self.name else self.key

    @property
    def ok(self) -> bool:
        return self.status == "match"


@dataclass(frozen=True)
class CheckResult:
    """Every value checked, in the order of the computation; true when all match.

    ``matched`` lists the labels that match, ``first`` is the first verdict that does not.
    Prints as a report (``str``) and displays as a table in a notebook.
    """

    verdicts: tuple[Verdict, ...]
    carried_forward: bool = False
    lang: str = "en"
    precision: int = 4
    n_layers: int = 1

    @property
    def ok(self) -> bool:
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def matched(self) -> list[str]:
        return [v.label for v in self.verdicts if v.ok]

    @property
    def first(self) -> Verdict | None:
        return next((v for v in self.verdicts if not v.ok), None)

    def count(self, status: str) -> int:
        return sum(v.status == status for v in self.verdicts)

    def summary(self) -> str:
        lang = self.lang
        if self.ok:
            return tr(lang, "c_all_ok", count=len(self.verdicts))
        return tr(
            lang,
            "c_summary",
            total=len(self.verdicts),
            ok=self.count("match"),
            bad=self.count("differs"),
            unread=self.count("unreadable"),
        )

    def describe(self, v: Verdict) -> str:
        """One line, with math as ``⟦text|latex⟧``: ``dW3@1 (∂L/∂W3): differs: your ∂L/∂W3
        is the transpose of the correct one``."""
        sym = None if v.name is None else _math(symbol(v.name, self.n_layers))
        head = _verbatim(v.key) if sym is None else f"{v.label} ({sym})"
        line = f"{head}: {tr(self.lang, 'c_' + v.status)}"
        if v.diagnosis:
            line += ": " + _diagnosis_text(self, v)
        return line

    def blocks(self, with_heading: bool = True) -> list[_doc.Block]:
        """The report as document blocks: summary, one line per value, the differing
        values beside the correct ones."""
        lang, p = self.lang, self.precision
        out: list[_doc.Block] = [heading(2, tr(lang, "s_check"))] if with_heading else []
        out.append(para(self.summary()))
        if self.carried_forward:
            out.append(para(tr(lang, "c_carried")))
        items: list[tuple[_doc.Inline, ...]] = []  # consecutive lines share one list
        for v in self.verdicts:
            items.append(_doc.rich(self.describe(v)))
            if v.status != "differs" or v.typed is None or v.correct is None or v.name is None:
                continue
            out.append(_doc.Items(tuple(items)))
            items = []
            sym = symbol(v.name, self.n_layers)
            at = tr(lang, "c_at_step", t=v.step)
            for which, values, style in (
                ("s_check_yours", v.typed, "fraction"),
                ("s_check_correct", v.correct, v.style),
            ):
                word = tr(lang, which)
                lhs = M(rf"{sym.latex}\ (\text{{{word}, {at}}})", f"{sym.text} ({word}, {at})")
                out.append(Mat(lhs, tuple(tuple(r) for r in values), style, p))  # type: ignore[arg-type]
        if items:
            out.append(_doc.Items(tuple(items)))
        return out

    def __str__(self) -> str:
        return _doc.to_text(self.blocks(with_heading=False))

    def __repr__(self) -> str:
        return f"<CheckResult: {self.summary()}>"

    def _repr_html_(self) -> str:
        lang, p = self.lang, self.precision

        def matrix(values: np.ndarray | None, style: Style) -> str:
            if values is None:
                return ""
            rows = ["&nbsp;&nbsp;".join(_doc.num_text(x, style, p) for x in r) for r in values]
            return "<br>".join(html.escape(r) for r in rows)

        head = "".join(
            f"<th>{html.escape(tr(lang, k))}</th>"
            for k in ("c_col_value", "c_col_verdict", "s_check_yours", "s_check_correct")
        )
        body = []
        for v in self.verdicts:
            colour = {"match": "#1a7f37", "differs": "#cf222e"}.get(v.status, "#9a6700")
            verdict = _doc.plain(self.describe(v)).partition(": ")[2]
            body.append(
                "<tr>"
                f"<td><code>{html.escape(v.label)}</code></td>"
                f'<td style="color:{colour}">{html.escape(verdict)}</td>'
                f"<td><code>{matrix(v.typed, 'fraction')}</code></td>"
                f"<td><code>{matrix(v.correct, v.style)}</code></td>"
                "</tr>"
            )
        return (
            f"<p>{html.escape(self.summary())}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def _math(m: M) -> str:
    return f"⟦{m.text}|{m.latex}⟧"


def _verbatim(s: Any) -> str:
    """What the student typed, as markup that stays safe in LaTeX (pdflatex sets ASCII)."""
    text = re.sub(r"[|⟦⟧]", "?", str(s))
    ascii_ = text.encode("ascii", "replace").decode()
    return f"⟦{text}|\\texttt{{{_doc.tex_escape(ascii_)}}}⟧"


def _diagnosis_text(res: CheckResult, v: Verdict) -> str:
    sym = _math(symbol(v.name, res.n_layers)) if v.name else _verbatim(v.key)
    parts = [(v.diagnosis or "", v.details), *v.others]
    return tr(res.lang, "c_or").join(
        tr(res.lang, "diag_" + k, sym=sym, **{key: _shown(x) for key, x in d.items()})
        for k, d in parts
    )


def _shown(x: Any) -> str:
    """A detail of a diagnosis as markup: a shape as ``2×3``, typed text verbatim."""
    if isinstance(x, tuple):
        return _math(M(r" \times ".join(map(str, x)), "×".join(map(str, x))))
    return str(x) if isinstance(x, int) else _verbatim(x)


# -- the check ----------------------------------------------------------------------------


@dataclass
class _Answer:
    index: int  # the order typed
    key: str
    step: int
    name: str
    typed: np.ndarray
    yours: np.ndarray


def _pairs(values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    items = values.items() if isinstance(values, Mapping) else values
    out = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ConfigError(f"check values must be NAME: VALUE pairs, got {item!r}")
        out.append((str(item[0]), item[1]))
    return out


def _parse_key(key: str, steps: list[Step], n_layers: int) -> tuple[int, str]:
    m = re.fullmatch(r"\s*(.+?)\s*(?:@\s*(\d+)|\^?\((\d+)\))?\s*", key)
    if not m or not m.group(1):
        raise _Unreadable("bad_key")
    raw, step = m.group(1), int(m.group(2) or m.group(3) or 1)
    if not 1 <= step <= len(steps):
        raise _Unreadable("bad_step", t=step, T=len(steps))
    names = list(steps[step - 1].values)
    name = _canonical(raw, names, n_layers)
    if name not in names:
        raise _Unreadable("bad_name", name=raw, t=step, names=", ".join(names))
    return step, name


def check_values(
    problem: Problem,
    run: Run,
    values: Mapping[str, Any] | Iterable[tuple[str, Any]],
    *,
    tolerance: Any = None,
    carry_forward: bool = False,
    decimal_style: bool = False,
    lang: str = "en",
    precision: int = 4,
) -> CheckResult:
    """Judge the student's values (``{"d2": "…", "W2@2": [[…]]}``, or pairs, so that a name
    may come twice); the step is 1 unless ``@t`` says otherwise.

    Shapes: each value has the shape of the intermediate it names (a bias a row, L 1×1).
    """
    if not isinstance(carry_forward, bool):
        raise ConfigError(f"carry_forward must be True or False, got {carry_forward!r}")
    judge = _Judge(*parse_tolerance(tolerance))
    steps, L = run.steps, len(problem.W0)
    answers: list[_Answer] = []
    unread: list[tuple[tuple[int, int, int], Verdict]] = []
    position = {name: j for j, name in enumerate(steps[0].values)} if steps else {}
    last = (len(steps) + 1, 0)  # a value whose name could not be read goes last
    for i, (key, value) in enumerate(_pairs(values)):
        where = last
        try:
            step, name = _parse_key(key, steps, L)
            where = (step, position.get(name, 0))
            typed, yours = _read(value)
        except _Unreadable as exc:
            verdict = Verdict(key, "unreadable", diagnosis=exc.reason, details=exc.args_)
            if where != last:
                verdict = Verdict(
                    key, "unreadable", step, name, None, None, None, "float", exc.reason, exc.args_
                )
            unread.append(((*where, i), verdict))
            continue
        answers.append(_Answer(i, key, step, name, typed, yours))

    expected = _Expected(problem, run, answers if carry_forward else [])
    judged: list[tuple[tuple[int, int, int], Verdict]] = list(unread)
    for a in answers:
        correct, exact = expected.value(a.step, a.name)
        style: Style = ("decimal" if decimal_style else "fraction") if exact else "float"
        found: list[tuple[str, dict[str, Any]]] = []
        status = "match" if judge.all_agree(a.yours, a.typed, correct) else "differs"
        if status == "differs":
            found = _diagnose(expected, judge, a, correct)
        first, details = found[0] if found else (None, {})
        verdict = Verdict(
            a.key,
            status,
            a.step,
            a.name,
            a.typed,
            a.yours,
            correct,
            style,
            first,
            details,
            tuple(found[1:]),
        )
        judged.append(((a.step, position.get(a.name, 0), a.index), verdict))
    verdicts = [v for _, v in sorted(judged, key=lambda item: item[0])]
    return CheckResult(tuple(verdicts), carry_forward, lang, precision, L)


class _Expected:
    """What each value should be: the worked solution's, or (error carried forward) what
    each formula gives from the student's own earlier values; and each step worked again
    with a slip, from the same start."""

    def __init__(self, problem: Problem, run: Run, carried: list[_Answer]) -> None:
        self.problem, self.run = problem, run
        self.yours = {(a.step, a.name): a.yours for a in reversed(carried)}  # first one wins
        # each step's start: the weights, the biases and the optimizer's state
        self.starts: list[tuple[list[np.ndarray], list[np.ndarray], dict[str, Any]]] = []
        self.computed: list[tuple[dict[str, Any], bool]] = []
        self._slipped: dict[tuple[int, Slip], dict[str, Any] | None] = {}
        W, b = list(problem.W0), list(problem.b0)
        state: dict[str, Any] = problem.zero_state()
        for s in run.steps:
            self.starts.append((W, b, state))
            if self.yours:
                values, exact, worked = self._work(s.index, W, b, state, s.exact, NO_SLIP)
                self.computed.append((values, exact))
            else:
                self.computed.append((s.values, s.exact))
                worked = s
            W, b = problem.updated(worked)
            state = problem.state_after(worked)

    def _work(
        self,
        t: int,
        W: list[np.ndarray],
        b: list[np.ndarray],
        state: dict[str, Any],
        exact: bool,
        slip: Slip,
    ) -> tuple[dict[str, Any], bool, Step]:
        """Step ``t`` with ``slip``; each value as computed, before the student's replaces it."""
        for exact_ in (True, False) if exact else (False,):
            computed: dict[str, Any] = {}

            def substitute(
                name: str, value: Any, computed: dict[str, Any] = computed, exact_: bool = exact_
            ) -> Any:
                computed[name] = value
                yours = self.yours.get((t, name))
                if yours is None or yours.shape != _as_matrix(value).shape:
                    return value  # a value of the wrong shape is judged, never reshaped
                arr = yours.reshape(np.shape(value))
                if not exact_:
                    arr = arr.astype(np.float64)
                return arr[()] if arr.ndim == 0 else arr

            try:
                worked = self.problem.step(t, list(W), list(b), exact_, slip, substitute, state)
            except Irrational:
                continue
            return computed, exact_, worked
        raise AssertionError("a float step cannot leave the rationals")  # pragma: no cover

    def value(self, t: int, name: str) -> tuple[np.ndarray, bool]:
        values, exact = self.computed[t - 1]
        return _as_matrix(values[name]), exact

    def slipped(self, t: int, name: str, slip: Slip) -> np.ndarray | None:
        key = (t, slip)
        if key not in self._slipped:
            W, b, state = self.starts[t - 1]
            values, _, _ = self._work(t, W, b, state, self.run.steps[t - 1].exact, slip)
            self._slipped[key] = values
        got = self._slipped[key]
        return None if got is None or name not in got else _as_matrix(got[name])


def _slips(problem: Problem, step: Step) -> list[tuple[str, Slip, dict[str, Any]]]:
    """The usual mistakes that can be made in ``step``, each as a slip to work it with."""
    from ..losses import MSE

    n = len(step.rows)
    m = problem.y.shape[1]
    out: list[tuple[str, Slip, dict[str, Any]]] = []
    if n > 1:
        out.append(("no_mean", Slip(loss_scale=Fraction(n)), {"n": n}))
        out.append(("extra_mean", Slip(loss_scale=Fraction(1, n)), {"n": n}))
    if isinstance(problem.loss, MSE):
        if problem.loss.half:
            out.append(("no_half", Slip(loss_scale=Fraction(2)), {}))
        else:
            out.append(("extra_half", Slip(loss_scale=Fraction(1, 2)), {}))
        if m > 1:
            out.append(("no_outputs_mean", Slip(loss_scale=Fraction(m)), {"m": m}))
    out += [
        ("fp_at_O", Slip(fp_at="O"), {}),
        ("f_for_fp", Slip(fp_at="f"), {}),
        ("plus_update", Slip(update_sign=1), {}),
        # the order of the update and of the next d, the other way round from the mode's
        (
            ("old_W_used", Slip(backprop_updated=False), {})
            if problem.update == "layerwise"
            else ("updated_before_used", Slip(backprop_updated=True), {})
        ),
    ]
    n_all = problem.X.shape[0]
    if 1 < n_all <= MAX_ROW_SLIPS or 1 == len(step.rows) < n_all:
        own = ", ".join(str(r + 1) for r in step.rows)
        for r in range(min(n_all, MAX_ROW_SLIPS)):
            if step.rows != [r]:
                out.append(("wrong_row", Slip(rows=(r,)), {"row": r + 1, "rows": own}))
    return out


def _diagnose(
    expected: _Expected, judge: _Judge, a: _Answer, correct: np.ndarray
) -> list[tuple[str, dict[str, Any]]]:
    """Every usual mistake whose numbers are the student's, or the shape that is off."""
    yours, typed = a.yours, a.typed
    if yours.shape != correct.shape:
        if yours.T.shape == correct.shape and judge.all_agree(yours.T, typed.T, correct):
            return [("transposed", {})]
        return [("shape", {"want": correct.shape, "got": yours.shape})]
    if yours.shape[0] == yours.shape[1] > 1 and judge.all_agree(yours.T, typed.T, correct):
        return [("transposed", {})]
    found: list[tuple[str, dict[str, Any]]] = []
    if any(c != 0 for c in correct.flat) and judge.all_agree(yours, typed, -correct):
        found.append(("sign", {}))
    for key, slip, details in _slips(expected.problem, expected.run.steps[a.step - 1]):
        other = expected.slipped(a.step, a.name, slip)
        if other is None or other.shape != correct.shape:
            continue
        if _same(other, correct) or not judge.all_agree(yours, typed, other):
            continue  # the slip changes nothing here, or it is not the student's
        found.append((key, details))
    return found


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return all(
        abs(float(x) - float(y)) <= 1e-12 * max(1.0, abs(float(y))) for x, y in zip(a.flat, b.flat)
    )
