"""``solve(net, X, y)``: a worked hand computation of gradient descent, step after step."""

from __future__ import annotations

import csv
import io
import json
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .. import _checks
from ..errors import ConfigError, ShapeError
from ..losses import CrossEntropy, Loss
from ..network import Network
from . import _doc
from ._doc import M, Mat, heading, para
from ._i18n import check_lang, tr
from .algorithm import derivative_formula, loss_formulas
from .explanation import intro, loss_label, resolve_loss
from .symbolic import function_names
from .worked import Run, Step, is_short, run, to_fractions

__all__ = ["CheckResult", "Solution", "parse_matrix", "solve"]

MAX_STEPS = 1000


def parse_matrix(text: str, name: str) -> np.ndarray:
    """``"1,2;3,4"`` (rows by ``;`` or new lines, entries by ``,`` or spaces; ``1/16`` and
    decimals allowed) as an object array of the entry strings."""
    rows = [r for r in re.split(r"[;\n]", text.strip()) if r.strip()]
    cells = [[c for c in re.split(r"[,\s]+", r.strip()) if c] for r in rows]
    if not cells or any(len(r) != len(cells[0]) for r in cells):
        raise ShapeError(f"{name} must be rows of equal length like '1,2;3,4', got {text!r}")
    return np.array(cells, dtype=object)


def _tolerance(token: Any) -> float:
    """Half a unit of the last decimal the user wrote: ``0.333`` matches ``1/3``."""
    s = token if isinstance(token, str) else repr(token)
    mant = s.lower().split("e")[0]
    if "." in mant and not isinstance(token, Fraction):
        return 0.5 * 10.0 ** -len(mant.split(".")[1])
    return 0.0


@dataclass(frozen=True)
class Mismatch:
    step: int
    name: str
    yours: np.ndarray
    correct: np.ndarray


@dataclass(frozen=True)
class CheckResult:
    """``ok`` when every value matched; otherwise ``first`` is the first that did not."""

    ok: bool
    matched: list[str]
    first: Mismatch | None

    def __bool__(self) -> bool:
        return self.ok


def _label(step: int, name: str) -> str:
    return f"{name}@{step}"


class Solution(_doc.Document):
    """A worked solution; ``steps[t-1].values`` holds every intermediate of step ``t``."""

    def __init__(
        self,
        net: Network,
        result: Run,
        given: dict[str, np.ndarray],
        settings: dict[str, Any],
        loss: Loss,
    ) -> None:
        self.net = net
        self.loss = loss
        self.run = result
        self.steps: list[Step] = result.steps
        self.given = given
        self.settings = settings
        self.lang = settings["lang"]
        self.title = tr(
            self.lang, "s_title", arch="-".join(map(str, net.layer_sizes)), steps=len(self.steps)
        )
        self.check_result: CheckResult | None = None
        self.blocks: list[_doc.Block] = []
        self._render()

    def __repr__(self) -> str:
        return f"<Solution: {len(self.steps)} step(s) of {self.net!r}>"

    # -- check my answer ---------------------------------------------------------------

    def check(self, values: Mapping[str, Any]) -> CheckResult:
        """Compare the user's values (``{"d2": …, "W2@2": …}``) in the order of the
        computation and name the first one that differs; the default step is 1."""
        wanted = []
        for key, value in values.items():
            step, name = self._parse_key(key)
            order = list(self.steps[step - 1].values).index(name)
            wanted.append((step, order, name, value, key))
        matched: list[str] = []
        for step, _, name, value, key in sorted(wanted, key=lambda w: (w[0], w[1])):
            correct = np.asarray(self.steps[step - 1].values[name], dtype=object)
            yours = (
                parse_matrix(value, key)
                if isinstance(value, str)
                else np.array(value, dtype=object)
            )
            if correct.ndim == 0:
                correct = correct.reshape(1, 1)
            if yours.size == correct.size and yours.shape != correct.shape:
                yours = yours.reshape(correct.shape)
            if yours.shape != correct.shape:
                raise ShapeError(
                    f"check value {key} must have shape {correct.shape}, got {yours.shape}"
                )
            fr = to_fractions(yours, f"check value {key}")
            ok = all(
                abs(float(u - c) if isinstance(c, Fraction) else float(u) - float(c))
                < max(_tolerance(tok), 1e-9 * max(1.0, abs(float(c))))
                if not (isinstance(c, Fraction) and _tolerance(tok) == 0.0)
                else u == c
                for u, c, tok in zip(fr.flat, correct.flat, yours.flat)
            )
            if not ok:
                mm = Mismatch(step, name, fr, correct)
                self.check_result = CheckResult(False, matched, mm)
                self._render()
                return self.check_result
            matched.append(_label(step, name))
        self.check_result = CheckResult(True, matched, None)
        self._render()
        return self.check_result

    def _parse_key(self, key: str) -> tuple[int, str]:
        m = re.fullmatch(r"\s*([^@\s]+)\s*(?:@\s*(\d+))?\s*", str(key))
        if not m:
            raise ConfigError(f"check names look like W2 or d2@3, got {key!r}")
        name, step = m.group(1), int(m.group(2) or 1)
        L = self.net.n_layers
        name = {"yhat": "y_hat", "ŷ": "y_hat", f"O{L}": "y_hat", "loss": "L"}.get(name, name)
        name = re.sub(r"^dL/d", "d", name)
        name = re.sub(r"^f'\(H(\d+)\)$", r"fp\1", name)
        if not 1 <= step <= len(self.steps):
            raise ConfigError(f"check step must be in 1..{len(self.steps)}, got {step} in {key!r}")
        names = list(self.steps[step - 1].values)
        if name not in names:
            raise ConfigError(f"check name must be one of {', '.join(names)}; got {key!r}")
        return step, name

    # -- trace export -----------------------------------------------------------------

    def trace(self) -> list[dict[str, Any]]:
        """Every intermediate as records: step (0 = the given values), name, shape, values
        (floats) and fractions (exact strings, or ``None`` for a float step)."""
        records = [_record(0, k, v, True) for k, v in self.given.items()]
        for s in self.steps:
            for name, v in s.values.items():
                records.append(_record(s.index, name, v, s.exact, s.rows))
        return records

    def to_json(self, path: str | Path | None = None) -> str:
        """The trace as JSON, with the network and the settings; written to ``path`` if given."""
        doc = {
            "network": self.net.config(),
            "settings": {k: v for k, v in self.settings.items() if k != "lang"},
            "trace": self.trace(),
        }
        out = json.dumps(doc, indent=1, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(out + "\n", encoding="utf-8")
        return out

    def to_csv(self, path: str | Path | None = None) -> str:
        """The trace as CSV, one row per matrix entry: step,name,row,col,value,fraction."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["step", "name", "row", "col", "value", "fraction"])
        for r in self.trace():
            vals = np.array(r["values"], dtype=float).reshape(r["shape"] or [1])
            fr = r["fractions"]
            frs = np.array(fr, dtype=object).reshape(vals.shape) if fr is not None else None
            for idx, v in np.ndenumerate(vals):
                i, j = (*idx, 0, 0)[:2] if len(idx) < 2 else idx
                w.writerow(
                    [
                        r["step"],
                        r["name"],
                        i + 1,
                        j + 1,
                        repr(float(v)),
                        "" if frs is None else frs[idx],
                    ]
                )
        out = buf.getvalue()
        if path is not None:
            Path(path).write_text(out, encoding="utf-8")
        return out

    def save_trace(self, path: str | Path) -> None:
        """``.json`` or ``.csv``, by the file's suffix."""
        suffix = Path(path).suffix.lower()
        if suffix == ".json":
            self.to_json(path)
        elif suffix == ".csv":
            self.to_csv(path)
        else:
            raise ConfigError(f"trace must end in .json or .csv, got {str(path)!r}")

    # -- the document -----------------------------------------------------------------

    def _render(self) -> None:
        self.blocks = _render(self)


def _record(
    step: int, name: str, v: Any, exact: bool, rows: list[int] | None = None
) -> dict[str, Any]:
    arr = np.asarray(v, dtype=object)
    floats = np.vectorize(float, otypes=[float])(arr) if arr.size else arr.astype(float)
    is_frac = exact and all(isinstance(x, Fraction) for x in arr.flat)
    rec = {
        "step": step,
        "name": name,
        "shape": list(arr.shape),
        "values": floats.tolist(),
        "fractions": np.vectorize(str, otypes=[object])(arr).tolist() if is_frac else None,
    }
    if rows is not None:
        rec["rows"] = [r + 1 for r in rows]
    return rec


# -- rendering -------------------------------------------------------------------------


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
    if kind == "d":
        if k == L:
            _, g, fused = loss_formulas(
                sol.loss, sol.net.layer_sizes[-1], sol.net.activations[-1], L
            )
            if names[-1] is None or fused:
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


def _number(v: Any, exact: bool, p: int) -> M:
    return M(_doc.num_latex(v, exact, p), _doc.num_text(v, exact, p))


def _render(sol: Solution) -> list[_doc.Block]:
    lang, p = sol.lang, sol.settings["precision"]
    net = sol.net
    L = net.n_layers
    blocks: list[_doc.Block] = [heading(1, sol.title), *intro(net, lang)]
    blocks.append(heading(2, tr(lang, "s_given")))
    first_exact = sol.steps[0].exact if sol.steps else False
    given_exact = sol.settings["exact_inputs"]
    for name, v in sol.given.items():
        sym = {"X": M("X", "X"), "y": M("y", "y")}.get(name) or M(f"{name[0]}_{{{name[1:]}}}", name)
        blocks.append(Mat(sym, _rows(v), given_exact, p))
    n = sol.given["X"].shape[0]
    order = tr(lang, "s_batch", n=n) if sol.settings["order"] == "batch" else tr(lang, "s_row", n=n)
    blocks.append(
        para(
            tr(
                lang,
                "s_settings",
                loss=sol.settings["loss"],
                lr=sol.settings["learning_rate"],
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
        blocks.append(para(tr(lang, "s_exact")))
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
                num = _number(v, s.exact and s.loss_exact, p)
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
            sections[idx][1].append(Mat(lhs, _rows(v), s.exact, p))
        for key, bl in sections:
            blocks.append(para(tr(lang, key)))
            blocks += bl
    blocks.append(heading(2, tr(lang, "s_result")))
    losses = [s.values["L"] for s in sol.steps]
    blocks.append(para(tr(lang, "s_loss_history")))
    rows_ = []
    for s, value in zip(sol.steps, losses):
        num = _number(value, s.exact and s.loss_exact, p)
        eq_l, eq_t = ("=", "=") if s.exact and s.loss_exact else (r"\approx", "≈")
        rows_.append(
            (M(f"L^{{({s.index})}} &{eq_l} {num.latex}", f"L({s.index}) {eq_t} {num.text}"),)
        )
    blocks.append(_doc.eqs(*rows_))
    if sol.settings["constant_init"] and _columns_equal(sol):
        blocks.append(para(tr(lang, "s_const_holds")))
    if sol.check_result is not None:
        blocks += _check_blocks(sol, sol.check_result)
    del L
    return blocks


def _columns_equal(sol: Solution) -> bool:
    last = sol.steps[-1].values
    for k in range(1, sol.net.n_layers):
        W = np.asarray(last[f"W{k}"], dtype=object)
        if any(W[i, j] != W[i, 0] for i in range(W.shape[0]) for j in range(W.shape[1])):
            return False
    return True


def _check_blocks(sol: Solution, res: CheckResult) -> list[_doc.Block]:
    lang, p = sol.lang, sol.settings["precision"]
    blocks: list[_doc.Block] = [heading(2, tr(lang, "s_check"))]
    if res.ok:
        return [
            *blocks,
            para(tr(lang, "s_check_ok", count=len(res.matched), names=", ".join(res.matched))),
        ]
    mm = res.first
    assert mm is not None
    step = sol.steps[mm.step - 1]
    blocks.append(para(tr(lang, "s_check_bad", name=mm.name, t=mm.step)))
    lhs = _lhs(sol, mm.name) or M(mm.name, mm.name)
    name_t = lhs.text.split(" = ")[0].split(" ← ")[0]
    name_l = lhs.latex.split(" = ")[0].split(" \\leftarrow ")[0]
    if mm.name.startswith("d") and mm.name[1:].isdigit():  # the accumulator: d = ∂L/∂H_k
        name_t, name_l = (
            f"∂L/∂H{mm.name[1:]}",
            rf"\frac{{\partial L}}{{\partial H_{{{mm.name[1:]}}}}}",
        )
    blocks.append(
        Mat(
            M(
                f"{name_l}\\ (\\text{{{tr(lang, 's_check_yours')}}})",
                f"{name_t} ({tr(lang, 's_check_yours')})",
            ),
            _rows(mm.yours),
            True,
            p,
        )
    )
    blocks.append(
        Mat(
            M(
                f"{name_l}\\ (\\text{{{tr(lang, 's_check_correct')}}})",
                f"{name_t} ({tr(lang, 's_check_correct')})",
            ),
            _rows(mm.correct),
            step.exact,
            p,
        )
    )
    if res.matched:
        blocks.append(para(tr(lang, "s_check_before", names=", ".join(res.matched))))
    return blocks


# -- solve -------------------------------------------------------------------------------


def _as_exact(value: Any, name: str) -> np.ndarray:
    if isinstance(value, str):
        value = parse_matrix(value, name)
    return to_fractions(value, name)


def solve(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | Loss = "mse_half",
    learning_rate: Any = 0.1,
    steps: int = 1,
    order: str = "batch",
    weights: Any = None,
    biases: Any = None,
    exact: bool | str = "auto",
    precision: int = 4,
    lang: str = "en",
    check: Mapping[str, Any] | None = None,
) -> Solution:
    """Work ``steps`` gradient-descent steps of ``net`` on ``(X, y)`` by hand, every number.

    Args:
        net: the architecture and, unless ``weights`` is given, the initial weights.
        X, y: numbers, fractions (``Fraction`` or ``"1/3"``) or a string ``"1,2;3,4"``.
        loss: ``"mse_half"`` (the book's ``1/(2n)Σ``), ``"mse"``, ``"logloss"``,
            ``"cross_entropy"`` or a loss object.
        learning_rate: η; a fraction such as ``"1/2"`` keeps the arithmetic exact.
        steps: how many steps; ``order="batch"`` uses every row per step, ``"row"`` one row
            per step in turn (stochastic gradient descent).
        weights, biases: initial ``W_k`` / ``b_k`` (fractions allowed) instead of ``net``'s.
        exact: ``"auto"`` uses fractions when the inputs are short fractions or decimals;
            ``True`` forces fractions, ``False`` decimals.
        precision: decimal places of the numbers printed in float mode.
        lang: ``"en"`` or ``"ru"``.
        check: the user's values to compare, ``{"d2": "...", "W2@2": [[...]]}``.

    Shapes: ``X`` (n, n_0), ``y`` (n, n_L) or (n,); ``weights[k-1]`` (n_{k-1}, n_k).
    """
    if not isinstance(net, Network):
        raise ConfigError(f"net must be a matbackprop.Network, got {type(net).__name__}")
    lang = check_lang(lang)
    loss_fn = resolve_loss(loss)
    steps_ = _checks.positive_int(steps, "steps")
    assert steps_ is not None
    if steps_ > MAX_STEPS:
        raise ConfigError(f"steps must be at most {MAX_STEPS} for a worked solution, got {steps}")
    if order not in ("batch", "row"):
        raise ConfigError(f"order must be 'batch' or 'row', got {order!r}")
    if exact not in ("auto", True, False):
        raise ConfigError(f"exact must be 'auto', True or False, got {exact!r}")
    prec: Any = precision  # checked as a value: a bool or a float is refused
    if isinstance(prec, bool) or not isinstance(prec, numbers.Integral) or not 0 <= int(prec) <= 15:
        raise ConfigError(f"precision must be an integer in 0..15, got {precision!r}")
    eta = _as_exact(learning_rate, "learning_rate").reshape(-1)
    if eta.size != 1:
        raise ConfigError(f"learning_rate must be one number, got {learning_rate!r}")
    _checks.learning_rate(float(eta[0]))

    Xe = _as_exact(X, "X")
    ye = _as_exact(y, "y")
    Xf = net.check_X(Xe.astype(float))
    yf = net.check_data(Xf, ye.astype(float), loss_fn)[1]
    if isinstance(loss_fn, CrossEntropy) and (ye.ndim == 1 or ye.shape[1] != yf.shape[1]):
        ye = to_fractions(yf, "y")  # labels -> one-hot rows of 0 and 1
    ye = ye.reshape(yf.shape)
    Xe = Xe.reshape(Xf.shape)

    L = net.n_layers
    W0 = [to_fractions(w, f"weights[{k}]") for k, w in enumerate(net.weights)]
    if weights is not None:
        ws = list(weights)
        if len(ws) != L:
            raise ShapeError(f"weights must hold {L} matrices, got {len(ws)}")
        W0 = [_as_exact(w, f"weights[{k}] (W{k + 1})") for k, w in enumerate(ws)]
        for k, w in enumerate(W0):
            want = (net.layer_sizes[k], net.layer_sizes[k + 1])
            if w.shape != want:
                raise ShapeError(f"weights[{k}] (W{k + 1}) expects shape {want}, got {w.shape}")
    b0 = [to_fractions(b, f"biases[{k}]") for k, b in enumerate(net.biases)]
    if biases is not None:
        if not net.bias:
            raise ConfigError("biases given, but the network has bias=False")
        bs = list(biases)
        if len(bs) != L:
            raise ShapeError(f"biases must hold {L} vectors, got {len(bs)}")
        b0 = [_as_exact(b, f"biases[{k}] (b{k + 1})").reshape(-1) for k, b in enumerate(bs)]
        for k, b in enumerate(b0):
            if b.shape != (net.layer_sizes[k + 1],):
                raise ShapeError(
                    f"biases[{k}] (b{k + 1}) expects {net.layer_sizes[k + 1]} values, got {b.size}"
                )
    inputs = [Xe, ye, eta, *W0, *b0]
    short = all(is_short(a) for a in inputs)
    use_exact = short if exact == "auto" else bool(exact)
    constant = all(len(set(w.flat)) == 1 for w in W0) and all(len(set(b.flat)) <= 1 for b in b0)

    result = run(W0, b0, Xe, ye, net.activations, loss_fn, eta[0], steps_, order, use_exact)
    given = {"X": Xe, "y": ye}
    given.update({f"W{k}": w for k, w in enumerate(W0, start=1)})
    given.update({f"b{k}": b for k, b in enumerate(b0, start=1)})
    settings = {
        "loss": loss_label(loss_fn),
        "learning_rate": str(eta[0]),
        "steps": steps_,
        "order": order,
        "precision": int(precision),
        "exact_inputs": use_exact,
        "constant_init": constant and L > 1,
        "lang": lang,
    }
    sol = Solution(net, result, given, settings, loss_fn)
    if check:
        sol.check(check)
    return sol
