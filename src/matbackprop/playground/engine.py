"""What each endpoint computes, from checked requests to response models.

Every number comes from the library: :func:`matbackprop.solve` works the steps,
:meth:`Solution.check` judges the answers, :meth:`Network.fit` trains, the draw module
draws. This module only lays their results out for the page.
"""

from __future__ import annotations

import base64
import io
import re
import warnings
from typing import Any

import numpy as np

from .._checks import positive_int
from ..data import read_table
from ..errors import DataError, MatbackpropError, TrainingDivergedError
from ..explain import _doc
from ..explain._doc import M, Mat
from ..explain._i18n import tr
from ..explain._solution_doc import _lhs  # the worked solution's own equation for each value
from ..explain.algorithm import loss_formulas
from ..explain.check import _as_matrix
from ..explain.solution import CheckResult, Solution, solve
from ..network import Network
from .limits import LIMITS
from .models import (
    CheckRequest,
    CheckResponse,
    CsvRequest,
    CsvResponse,
    Equation,
    ExportRequest,
    ExportResponse,
    FigureRequest,
    FigureResponse,
    Matrix,
    Operation,
    Phase,
    Plane,
    StepsRequest,
    StepsResponse,
    TrainRequest,
    TrainResponse,
    VerdictOut,
    WorkedStep,
)
from .problem import NUMBERS, Errors, check_request, command_line, worked_inputs

__all__ = ["check", "csv", "export", "figure", "steps", "train"]

_NAME = re.compile(r"([A-Za-z_]+?)(\d*)")
_FORWARD = ("H", "O", "y_hat", "L")
_UPDATE = ("W", "b")


# -- the worked solution ------------------------------------------------------------------


def solution(
    req: StepsRequest | CheckRequest | ExportRequest, steps: int | None = None
) -> Solution:
    """``mb.solve`` on the request's problem, every field checked; FieldErrors otherwise."""
    errors = Errors()
    n_steps = req.steps if steps is None else steps
    check_request(
        errors, steps=n_steps, cap=LIMITS.max_worked_steps, lang=req.lang, numbers=req.numbers
    )
    w = worked_inputs(
        req.problem, errors, LIMITS.max_worked_rows, "the number of rows of X for worked steps"
    )
    rows = w.X.shape[0] if req.problem.order == "batch" else 1
    work = rows * sum(int(np.size(a)) for a in w.net.parameters()) * n_steps
    errors.check("steps", LIMITS.at_most, "steps", work, LIMITS.max_worked_work,
                 "rows × parameters × steps of a worked solution")  # fmt: skip
    errors.raise_any()
    with errors.guard("problem"):
        return solve(
            w.net,
            w.X,
            w.y,
            **w.solve_kwargs(),
            steps=n_steps,
            order=req.problem.order,
            exact=NUMBERS[req.numbers],
            precision=req.precision,
            lang=req.lang,
        )
    raise AssertionError("unreachable")  # pragma: no cover - guard raises or returns


def _style(sol: Solution, exact: bool) -> _doc.Style:
    if not exact:
        return "float"
    return "decimal" if sol.settings["decimal_style"] else "fraction"


def matrix(name: str, value: Any, style: _doc.Style, precision: int) -> Matrix:
    """A value as the page shows it: each entry's text, its float, the LaTeX matrix.

    Shapes: a scalar -> (1, 1); a bias (n_k,) -> (1, n_k); a matrix as it is.
    """
    arr = _as_matrix(value)
    rows = tuple(tuple(r) for r in arr)
    return Matrix(
        name=name,
        shape=list(arr.shape),
        text=[[_doc.num_text(v, style, precision) for v in r] for r in rows],
        floats=np.asarray(arr, dtype=np.float64).tolist(),
        latex=_doc._matrix_latex(Mat(M("", ""), rows, style, precision)),
        exact=style != "float",
    )


def _shape(*dims: Any) -> tuple[str, str]:
    return f"[{dims[0]}×{dims[1]}]", rf"[{dims[0]} \times {dims[1]}]"


def shapes(sol: Solution, kind: str, k: int, n: int, values: dict[str, Any]) -> Equation:
    """The shape arithmetic of one operation with this problem's sizes (``n`` rows):
    ``[n×2]·[2×2] = [n×2]`` for ``H1 = X·W1``."""
    s = sol.net.layer_sizes
    L = sol.net.n_layers
    acts = sol.net.activations

    def product(*parts: tuple[int, int], ops: str, out: tuple[int, int]) -> Equation:
        text = [_shape(*p) for p in parts]
        t = text[0][0]
        tex = text[0][1]
        for op, (pt, pl) in zip(ops, text[1:]):
            t += {"·": "·", "*": " * ", "+": " + ", "-": " − η·"}[op] + pt
            tex += {"·": r" \cdot ", "*": " * ", "+": " + ", "-": r" - \eta \cdot "}[op] + pl
        ot, ol = _shape(*out)
        return Equation(text=f"{t} = {ot}", latex=f"{tex} = {ol}")

    if kind == "H" or (kind == "y_hat" and acts[-1] == "identity"):
        parts = [(n, s[k - 1]), (s[k - 1], s[k])] + ([(1, s[k])] if sol.net.bias else [])
        return product(*parts, ops="·+", out=(n, s[k]))
    if kind in ("O", "y_hat"):
        t, tex = _shape(n, s[k])
        return Equation(text=f"f({t}) = {t}", latex=f"f({tex}) = {tex}")
    if kind == "L":
        t, tex = _shape(n, s[L])
        one_t, one_l = _shape(1, 1)
        return Equation(text=f"L({t}, {t}) = {one_t}", latex=f"L({tex}, {tex}) = {one_l}")
    if kind == "d" and k == L and f"fp{L}" in values:  # d = ∂L/∂ŷ * f'(H_L)
        return product((n, s[L]), (n, s[L]), ops="*", out=(n, s[L]))
    if kind == "d" and k < L:  # d = d·W_{k+1}ᵀ * f'(H_k)
        parts = [(n, s[k + 1]), (s[k + 1], s[k])] + (
            [(n, s[k])] if acts[k - 1] != "identity" else []
        )
        return product(*parts, ops="·*", out=(n, s[k]))
    if kind == "dW":
        return product((s[k - 1], n), (n, s[k]), ops="·", out=(s[k - 1], s[k]))
    if kind == "db":
        return product((1, n), (n, s[k]), ops="·", out=(1, s[k]))
    if kind == "W":
        return product((s[k - 1], s[k]), (s[k - 1], s[k]), ops="-", out=(s[k - 1], s[k]))
    if kind == "b":
        return product((1, s[k]), (1, s[k]), ops="-", out=(1, s[k]))
    t, tex = _shape(n, s[k])  # dyhat, d_L, fp_k: a matrix of the layer's shape
    return Equation(text=t, latex=tex)


def operations(sol: Solution) -> list[WorkedStep]:
    """Every operation of every step, in the order the worked solution writes them."""
    L = sol.net.n_layers
    p = sol.settings["precision"]
    loss_eq = loss_formulas(sol.loss, sol.net.layer_sizes[-1], sol.net.activations[-1], L)[0]
    out = []
    for s in sol.steps:
        ops = []
        for name, value in s.values.items():
            kind, digits = _NAME.fullmatch(name).groups()  # type: ignore[union-attr]
            k = int(digits) if digits else L
            exact = s.exact and (s.loss_exact if kind == "L" else True)
            lhs = M(loss_eq.latex, loss_eq.text) if kind == "L" else _lhs(sol, name)
            if lhs is None:
                continue  # H_L of a linear output is ŷ itself; f' of identity is 1
            m = matrix(name, value, _style(sol, exact), p)
            phase: Phase = (
                "forward" if kind in _FORWARD else "update" if kind in _UPDATE else "backward"
            )
            ops.append(
                Operation(
                    **m.model_dump(),
                    id=f"{s.index}:{name}",
                    step=s.index,
                    phase=phase,
                    kind=kind,
                    layer=k,
                    equation=Equation(latex=lhs.latex.replace("&", ""), text=lhs.text),
                    shapes=shapes(sol, kind, k, len(s.rows), s.values),
                    relation="=" if exact else "≈",
                )
            )
        out.append(WorkedStep(index=s.index, rows=[r + 1 for r in s.rows], exact=s.exact,
                              operations=ops))  # fmt: skip
    return out


def _notes(sol: Solution) -> list[str]:
    """The solution's own remarks on its givens (exact or decimal, constant init, ...)."""
    given = tr(sol.lang, "s_given")
    notes, inside = [], False
    for block in sol.blocks:
        if isinstance(block, _doc.Heading):
            if inside:
                break
            inside = _doc._inline_text(block.parts) == given
        elif inside and isinstance(block, _doc.Para):
            notes.append(_doc.plain(_doc._inline_text(block.parts)))
    return notes


def steps(req: StepsRequest) -> StepsResponse:
    sol = solution(req)
    style = _style(sol, True)  # the givens are printed exactly: the solution starts from them
    p = req.precision
    return StepsResponse(
        given=[matrix(name, v, style, p) for name, v in sol.given.items()],
        steps=operations(sol),
        switched_at=sol.run.switched_at,
        notes=_notes(sol),
        command=command_line(
            req.problem, steps=req.steps, numbers=req.numbers, precision=p, lang=req.lang
        ),
    )


# -- check my answer ------------------------------------------------------------------------


def _checked(
    sol: Solution, answers: list[tuple[str, str]], tolerance: str | None, carry_forward: bool
) -> CheckResult:
    """``sol.check(answers)``, within the cap on its work."""
    errors = Errors()
    rows = max(len(s.rows) for s in sol.steps)
    work = rows * sum(int(np.size(a)) for a in sol.net.parameters()) * len(sol.steps)
    errors.check("X", LIMITS.at_most, "X", work, LIMITS.max_check_work,
                 "rows × parameters × steps of a check")  # fmt: skip
    errors.raise_any()
    with errors.guard("answers"):
        return sol.check(answers, tolerance=tolerance, carry_forward=carry_forward)
    raise AssertionError("unreachable")  # pragma: no cover - guard raises or returns


def check(req: CheckRequest) -> CheckResponse:
    errors = Errors()
    errors.check("answers", LIMITS.at_most, "answers", len(req.answers), LIMITS.max_answers,
                 "the number of answers")  # fmt: skip
    errors.raise_any()
    sol = solution(req)
    result = _checked(sol, req.answers, req.tolerance, req.carry_forward)
    p = req.precision
    verdicts = [
        VerdictOut(
            key=v.key,
            label=v.label,
            status=v.status,  # type: ignore[arg-type]
            step=v.step,
            name=v.name,
            message=_doc.plain(result.describe(v)),
            diagnoses=v.diagnoses if v.status == "differs" else [],
            yours=None if v.typed is None else [[str(x) for x in r] for r in v.typed],
            correct=None
            if v.correct is None
            else [[_doc.num_text(x, v.style, p) for x in r] for r in v.correct],
        )
        for v in result.verdicts
    ]
    return CheckResponse(ok=result.ok, summary=result.summary(), verdicts=verdicts)


# -- train ----------------------------------------------------------------------------------


def _plane(net: Network, X: np.ndarray, grid: int) -> Plane:
    """The learned function and each hidden neuron's output over the input plane.

    Shapes: ``X`` (n, 2) -> ``output`` (grid, grid), each neuron's ``values`` (grid, grid).
    """
    axes = []
    for j in range(2):
        lo, hi = float(X[:, j].min()), float(X[:, j].max())
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        axes.append(np.linspace(lo - pad, hi + pad, grid))
    g0, g1 = np.meshgrid(axes[0], axes[1])  # g0[i, j] = x0[j], g1[i, j] = x1[i]
    P = np.column_stack([g0.ravel(), g1.ravel()])  # (grid², 2)
    cache = net.forward(P)
    hidden: list[dict[str, int | list[list[float]]]] = []
    for k in range(1, net.n_layers):
        O_k = np.asarray(cache.O[k])  # (grid², n_k)
        for j in range(O_k.shape[1]):
            values = O_k[:, j].reshape(grid, grid).tolist()
            hidden.append({"layer": k, "neuron": j + 1, "values": values})
    y_hat = np.asarray(cache.y_hat)[:, 0].reshape(grid, grid)
    return Plane(x0=axes[0].tolist(), x1=axes[1].tolist(), output=y_hat.tolist(), hidden=hidden)


def train(req: TrainRequest) -> TrainResponse:
    """Gradient descent on the whole batch, ``req.steps`` steps, from the problem's initial
    weights or from ``req.start``."""
    errors = Errors()
    p = req.problem
    check_request(errors, steps=req.steps, cap=LIMITS.max_train_steps)
    if not 2 <= req.grid <= LIMITS.max_grid:
        errors.add(
            "grid", f"grid must be in 2..{LIMITS.max_grid} in the playground, got {req.grid}"
        )
    w = worked_inputs(p, errors, LIMITS.max_rows, "the number of rows of X")
    net, X_text, y_text = w.net, w.X, w.y
    with errors.guard("X"):
        X = _floats(X_text, "X")
        y = _floats(y_text, "y")
        X, y = net.check_data(X, y, w.loss)
    params = sum(int(np.size(a)) for a in net.parameters())
    work = req.steps * X.shape[0] * params
    if work > LIMITS.max_train_work:
        errors.add("steps", f"steps × rows × parameters must be at most {LIMITS.max_train_work} "
                   f"per request in the playground, got {work}: ask for fewer steps")  # fmt: skip
    with errors.guard("weights"):
        for k, W in enumerate(w.weights or []):
            net.weights[k] = _floats(W, f"weights[{k}] (W{k + 1})")
        for k, b in enumerate(w.biases or []):
            net.biases[k] = _floats(b, f"biases[{k}] (b{k + 1})").reshape(-1)
    if req.start is not None:
        with errors.guard("start"):
            try:
                for k, W_start in enumerate(req.start.weights):
                    net.weights[k] = np.asarray(W_start, dtype=np.float64)
                for k, b_start in enumerate(req.start.biases):
                    net.biases[k] = np.asarray(b_start, dtype=np.float64)
            except (MatbackpropError, IndexError, ValueError) as exc:
                errors.add("start", f"start: {exc}")
    eta = float(_floats(np.array([[w.learning_rate]], dtype=object), "learning_rate")[0, 0])
    with errors.guard("learning_rate"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            history = net.fit(X, y, loss=w.loss, optimizer="sgd", learning_rate=eta,
                              epochs=req.steps, progress=False, track_gradients=True)  # fmt: skip
        except TrainingDivergedError as exc:
            raise DataError(f"learning_rate {w.learning_rate}: {exc}") from None
    final, _ = net.gradients(X, y, w.loss)
    norms = np.asarray(history.grad_norms, dtype=np.float64).reshape(len(history.loss), -1)
    return TrainResponse(
        loss=[float(v) for v in history.loss],
        final_loss=float(final),
        gradient_norms={f"W{k + 1}": norms[:, k].tolist() for k in range(net.n_layers)},
        weights=[np.asarray(W).tolist() for W in net.weights],
        biases=[np.asarray(b).tolist() for b in net.biases],
        plane=_plane(net, X, req.grid) if net.layer_sizes[0] == 2 else None,
        warnings=list(dict.fromkeys(str(c.message) for c in caught)),
    )


def _floats(cells: np.ndarray, name: str) -> np.ndarray:
    """Text entries (``"1/2"`` allowed) as float64; decimals go straight, fractions exactly.

    Shapes: any -> the same.
    """
    try:
        return np.asarray(cells, dtype=np.float64)
    except ValueError:
        from ..explain.worked import to_fractions

        return to_fractions(cells, name).astype(np.float64)


# -- figures and exports ----------------------------------------------------------------------

_FIGURE_FORMATS = ("svg", "png", "pdf", "tikz", "dot")
_WHAT = ("network", "forward", "backward")
_MEDIA = {
    "markdown": ("md", "text/markdown"),
    "latex": ("tex", "application/x-tex"),
    "text": ("txt", "text/plain"),
    "json": ("json", "application/json"),
    "csv": ("csv", "text/csv"),
    "command": ("sh", "text/x-shellscript"),
    "svg": ("svg", "image/svg+xml"),
    "png": ("png", "image/png"),
    "pdf": ("pdf", "application/pdf"),
    "tikz": ("tex", "application/x-tex"),
    "dot": ("dot", "text/vnd.graphviz"),
}


def _diagram(sol: Solution, what: str, step: int) -> Any:
    """The diagram of ``what`` with the numbers at the start of step ``step`` (the network's
    weights then, the forward values and the gradients of that step)."""
    from ..draw import diagram

    net = sol.net.copy()
    W, b = (
        (sol.problem.W0, sol.problem.b0) if step == 1 else sol.problem.updated(sol.steps[step - 2])
    )
    for k, W_k in enumerate(W):
        net.weights[k] = np.asarray(W_k, dtype=np.float64)
    for k, b_k in enumerate(b):
        net.biases[k] = np.asarray(b_k, dtype=np.float64)
    if what == "network":
        return diagram(net, "network")
    rows = sol.steps[step - 1].rows
    X = np.asarray(sol.problem.X, dtype=np.float64)[rows]
    y = np.asarray(sol.problem.y, dtype=np.float64)[rows]
    if what == "forward":
        return diagram(net, "forward", cache=net.forward(X))
    return diagram(
        net, "backward", cache=net.forward(X), gradients=net.gradients(X, y, sol.loss)[1]
    )


def _figure_bytes(d: Any, fmt: str) -> tuple[str, str]:
    """``(content, encoding)``: text for svg, tikz, dot; base64 for png and pdf."""
    if fmt == "tikz":
        return d.to_tikz(), "utf-8"
    if fmt == "dot":
        return d.to_dot(), "utf-8"
    import matplotlib as mpl

    fig = d.figure()
    if fmt == "svg":
        from ..draw.scene import svg_text

        return svg_text(fig), "utf-8"
    buf = io.BytesIO()
    with mpl.rc_context({"pdf.fonttype": 42}):
        fig.savefig(buf, format=fmt, dpi=200 if fmt == "png" else "figure", facecolor="white")
    return base64.b64encode(buf.getvalue()).decode("ascii"), "base64"


def _check_step(errors: Errors, step: int, steps: int, field: str = "step") -> None:
    errors.check(field, positive_int, step, "step")
    if step > steps and "step" not in errors.errors:
        errors.add(field, f"step must be at most steps ({steps}), got {step}")


def figure(req: FigureRequest) -> FigureResponse:
    errors = Errors()
    if req.what not in _WHAT:
        errors.add("what", f"what must be one of {', '.join(_WHAT)}, got {req.what!r}")
    _check_step(errors, req.step, LIMITS.max_worked_steps)
    errors.raise_any()
    sol = solution(StepsRequest(problem=req.problem, steps=req.step))
    with errors.guard("problem"):
        content, _ = _figure_bytes(_diagram(sol, req.what, req.step), "svg")
    return FigureResponse(svg=content)


def export(req: ExportRequest) -> ExportResponse:
    errors = Errors()
    if req.format not in ("markdown", "latex", "text", "json", "csv", "command", "figure"):
        errors.add("format", "format must be one of markdown, latex, text, json, csv, command, "
                   f"figure, got {req.format!r}")  # fmt: skip
    if req.format == "figure":
        if req.what not in _WHAT:
            errors.add("what", f"what must be one of {', '.join(_WHAT)}, got {req.what!r}")
        if req.figure_format not in _FIGURE_FORMATS:
            errors.add("figure_format", f"figure_format must be one of "
                       f"{', '.join(_FIGURE_FORMATS)}, got {req.figure_format!r}")  # fmt: skip
    errors.raise_any()
    sol = solution(req)
    if req.answers:
        _checked(sol, req.answers, req.tolerance, req.carry_forward)
    doc_format = req.format if req.format in ("markdown", "latex", "text") else None
    command = command_line(
        req.problem,
        steps=req.steps,
        numbers=req.numbers,
        precision=req.precision,
        lang=req.lang,
        fmt=doc_format,
        answers=req.answers,
        tolerance=req.tolerance,
        carry_forward=req.carry_forward,
    )
    arch = "-".join(map(str, sol.net.layer_sizes))
    stem = f"matbackprop-{arch}-{req.steps}-steps"
    encoding = "utf-8"
    if req.format == "figure":
        assert req.what is not None
        content, encoding = _figure_bytes(_diagram(sol, req.what, 1), req.figure_format)
        ext, media = _MEDIA[req.figure_format]
        stem = f"matbackprop-{arch}-{req.what}"
        acts = req.problem.activation
        command = (
            f"matbackprop draw --layers {','.join(map(str, sol.net.layer_sizes))} "
            f"--activation {acts} --output-activation {sol.net.activations[-1]} "
            f"{'--bias' if sol.net.bias else '--no-bias'} --what {req.what} -o {stem}.{ext}"
        )
    else:
        ext, media = _MEDIA[req.format]
        if req.format == "json":
            content = sol.to_json()
        elif req.format == "csv":
            content = sol.to_csv()
        elif req.format == "command":
            content = f"#!/bin/sh\n# {sol.title}\n{command}\n"
        else:
            content = sol.render(req.format)
            command += f" -o {stem}.{ext}"
    return ExportResponse(filename=f"{stem}.{ext}", media_type=media, encoding=encoding,  # type: ignore[arg-type]
                          content=content, command=command)  # fmt: skip


# -- a CSV the user uploaded --------------------------------------------------------------------


def _text(values: np.ndarray) -> str:
    """Rows as the page's text fields write them: ``1,2;3,4`` (floats as typed: repr)."""

    def num(v: float) -> str:
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))

    return ";".join(",".join(num(v) for v in row) for row in values)


def csv(req: CsvRequest) -> CsvResponse:
    """The uploaded CSV, read by the command line's own reader, as X and y text."""
    errors = Errors()
    with errors.guard("text"):
        table = read_table(req.text.encode("utf-8"), req.name)
        targets = req.target or [table.columns[-1]]
        X, y, _ = table.split(targets)
        LIMITS.at_most("text", X.shape[0], LIMITS.max_rows, "the number of rows of the CSV")
    return CsvResponse(columns=list(table.columns), X=_text(X), y=_text(y), rows=int(X.shape[0]))
