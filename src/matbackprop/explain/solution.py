"""``solve(net, X, y)``: a worked hand computation of gradient descent, step after step."""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import _checks
from ..errors import ConfigError, ShapeError
from ..losses import CrossEntropy, Loss
from ..network import Network
from ..optimizers import Optimizer
from . import _doc, trace
from ._doc import plain
from ._i18n import check_lang, tr
from ._solution_doc import render
from ._update import rule_of
from .check import CheckResult, check_values, parse_matrix
from .explanation import loss_label, resolve_loss
from .worked import Problem, Run, Step, is_short, run, to_fractions

__all__ = ["CheckResult", "Solution", "solve"]

MAX_STEPS = 1000


class Solution(_doc.Document):
    """A worked solution; ``steps[t-1].values`` holds every intermediate of step ``t``."""

    def __init__(
        self,
        net: Network,
        problem: Problem,
        result: Run,
        given: dict[str, np.ndarray],
        settings: dict[str, Any],
        loss: Loss,
    ) -> None:
        self.net = net
        self.problem = problem
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
        self.blocks: list[_doc.Block] = render(self)

    def __repr__(self) -> str:
        return f"<Solution: {len(self.steps)} step(s) of {self.net!r}>"

    def check(
        self,
        values: Mapping[str, Any] | Iterable[tuple[str, Any]],
        *,
        tolerance: Any = None,
        carry_forward: bool = False,
    ) -> CheckResult:
        """Judge the student's values (``{"d2": …, "W2@2": …}``, or ``(name, value)`` pairs)
        one by one, in the order of the computation; the default step is 1.

        Args:
            values: any value the solution shows, by the names in docs/explain.md
                (``H1``, ``O2``, ``y_hat``, ``L``, ``d2`` or ``dL/dH2``, ``dW3`` or ``∂L/∂W3``,
                ``fp1`` or ``f'(H1)``, ``W2@2`` for W2 after step 2, the optimizer's state
                ``v2``, ``m3``, ``s3``, ``mhat3``, ``vb1``, …), as ``"1/4,1/4;0,0"``,
                numbers or nested lists.
            tolerance: besides the rounding of the places written, accept a difference up
                to this bound (``1e-3``) or this share of the value (``"1%"``).
            carry_forward: judge each value from the student's own earlier values (error
                carried forward) instead of from the correct ones.

        The result also goes into the document, as its last section.
        """
        values = values if isinstance(values, Mapping) else list(values)  # read it again: in_lang
        self._check_args = (values, tolerance, carry_forward)
        self.check_result = check_values(
            self.problem,
            self.run,
            values,
            tolerance=tolerance,
            carry_forward=carry_forward,
            decimal_style=self.settings["decimal_style"],
            lang=self.lang,
            precision=self.settings["precision"],
        )
        self.blocks = render(self)
        return self.check_result

    # save(path): the documents' formats and the trace's, by suffix
    suffixes: ClassVar[dict[str, str]] = {**_doc.SUFFIXES, ".json": "json", ".csv": "csv"}

    def _file_text(self, fmt: str) -> str:
        if fmt == "json":
            return self.to_json() + "\n"
        if fmt == "csv":
            return self.to_csv()
        return self.render(fmt)

    def in_lang(self, lang: str) -> Solution:
        """The same solution (and check) in ``lang``; the numbers are not worked again."""
        settings = {**self.settings, "lang": lang}
        other = Solution(self.net, self.problem, self.run, self.given, settings, self.loss)
        if self.check_result is not None:
            values, tolerance, carry_forward = self._check_args
            other.check(values, tolerance=tolerance, carry_forward=carry_forward)
        return other

    def trace(self) -> list[dict[str, Any]]:
        """Every intermediate as records: step (0 = the given values), name, shape, values
        (floats) and fractions (exact strings, or ``None`` for a float step)."""
        return trace.records(self.given, self.steps)

    def to_json(self, path: str | Path | None = None) -> str:
        """The trace as JSON, with the network and the settings; written to ``path`` if given."""
        settings = {k: v for k, v in self.settings.items() if k != "lang"}
        return trace.to_json(self.net.config(), settings, self.trace(), path)

    def to_csv(self, path: str | Path | None = None) -> str:
        """The trace as CSV, one row per matrix entry: step,name,row,col,value,fraction."""
        return trace.to_csv(self.trace(), path)

    def save_trace(self, path: str | Path) -> None:
        """``.json`` or ``.csv``, by the file's suffix."""
        suffix = Path(path).suffix.lower()
        if suffix == ".json":
            self.to_json(path)
        elif suffix == ".csv":
            self.to_csv(path)
        else:
            raise ConfigError(f"trace must end in .json or .csv, got {str(path)!r}")


# -- solve -------------------------------------------------------------------------------


def _as_exact(value: Any, name: str) -> np.ndarray:
    if isinstance(value, str):
        value = parse_matrix(value, name)
    return to_fractions(value, name)


def _typed_as(values: Iterable[Any]) -> set[str]:
    """How the user wrote the numbers: ``"decimal"`` (``0.5``, ``5e-1``), ``"fraction"``
    (``1/2``), or neither for integers."""
    kinds = set()
    for raw in values:
        if isinstance(raw, str) and re.search(r"[,;\s]", raw.strip()):
            kinds |= _typed_as(parse_matrix(raw, "value").flat)
            continue
        if isinstance(raw, np.ndarray | list | tuple):
            kinds |= _typed_as(np.asarray(raw, dtype=object).flat)
            continue
        if isinstance(raw, np.generic):
            raw = raw.item()
        text = str(raw).lower()
        if isinstance(raw, float):  # from an array: 0.25 is a decimal, 2.0 an integer
            if not raw.is_integer():
                kinds.add("decimal")
        elif "/" in text:
            kinds.add("fraction")
        elif "." in text or "e" in text:
            kinds.add("decimal")
    return kinds


def _rounded(value: Any, digits: int) -> np.ndarray:
    """The network's own (float) weights rounded to ``digits`` significant digits, exactly as
    printed, as Fractions: the solution must start from the numbers it shows."""
    arr = np.asarray(value, dtype=np.float64)
    out = np.empty(arr.shape, dtype=object)
    for idx, x in np.ndenumerate(arr):
        out[idx] = Fraction(f"{x:.{digits - 1}e}")
    return out


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
    check: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    tolerance: Any = None,
    carry_forward: bool = False,
    optimizer: str | Optimizer = "sgd",
    batch_size: int | None = None,
    update: str = "after",
) -> Solution:
    """Work ``steps`` gradient-descent steps of ``net`` on ``(X, y)`` by hand, every number.

    Args:
        net: the architecture and, unless ``weights`` is given, the initial weights (float
            weights, as a random init gives, are rounded to ``precision`` significant digits
            and the solution starts from the rounded, printed values).
        X, y: numbers, fractions (``Fraction`` or ``"1/3"``) or a string ``"1,2;3,4"``.
        loss: ``"mse_half"`` (the book's ``1/(2n)Σ``), ``"mse"``, ``"logloss"``,
            ``"cross_entropy"`` or a loss object.
        learning_rate: η; a fraction such as ``"1/2"`` keeps the arithmetic exact.
        steps: how many steps; ``order="batch"`` uses every row per step, ``"row"`` one row
            per step in turn (stochastic gradient descent).
        weights, biases: initial ``W_k`` / ``b_k`` (fractions allowed) instead of ``net``'s.
        exact: ``"auto"`` uses exact arithmetic when the inputs are short fractions or
            decimals, and decimals from the step where a value (an activation, Adam's square root)
            leaves the rationals;
            ``True`` insists on exact numbers (an error names the step where that is
            impossible); ``False`` works in float64. Exact values print as fractions, or as
            exact decimals when the inputs were typed as decimals.
        precision: significant digits of the numbers printed in float mode (1..15).
        lang: ``"en"`` or ``"ru"``.
        check: the user's values to judge, ``{"d2": "...", "W2@2": [[...]]}``; see
            :meth:`Solution.check`, which also takes ``tolerance`` and ``carry_forward``.
        optimizer: ``"sgd"`` (or ``"gd"``), ``"momentum"``, ``"nesterov"``, ``"adam"``, or an
            optimizer object with its settings (``mb.SGD(momentum=0.5)``,
            ``mb.Adam(beta1=0.8, epsilon_on="v_hat")``); each step shows its state (``v2``,
            ``m2``, ``s2``, ``mhat2``, ``shat2``) with the engine's formulas. A decimal
            setting stays exact (0.9 is 9/10); Adam's square roots are seldom rational, so
            its steps are mostly decimals. Only an object's settings are used: the worked
            steps start from a zero state, whatever steps the object has taken.
        batch_size: rows per step, taken in turn: step t uses rows ``((t − 1)·B + i) mod n``
            for ``i < B`` (``None``: as ``order`` says; ``order="row"`` is ``batch_size=1``).
        update: ``"after"`` updates every ``W_k`` after the backward pass; ``"layerwise"``
            updates ``W_k`` as soon as ``∂L/∂W_k`` is known and computes the next ``d`` with
            the updated ``W_k`` (``H`` and ``O`` stay those of the forward pass).

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
    if update not in ("after", "layerwise"):
        raise ConfigError(f"update must be 'after' or 'layerwise', got {update!r}")
    rule = rule_of(optimizer)
    if exact not in ("auto", True, False) or type(exact) is int:  # 1 == True, but is no answer
        raise ConfigError(f"exact must be 'auto', True or False, got {exact!r}")
    prec: Any = precision  # checked as a value: a bool or a float is refused
    if isinstance(prec, bool) or not isinstance(prec, numbers.Integral) or not 1 <= int(prec) <= 15:
        raise ConfigError(f"precision must be an integer in 1..15, got {precision!r}")
    p = int(prec)
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
    n = int(Xf.shape[0])
    B = _checks.positive_int(batch_size, "batch_size", allow_none=True)
    if B is not None and n < B:
        raise ConfigError(f"batch_size must be at most the {n} rows of X, got {batch_size}")
    if B is not None and order == "row" and B != 1:
        raise ConfigError(f"batch_size must be 1 (or None) with order 'row', got {batch_size}")

    L = net.n_layers
    # The data decide how exact numbers print; η alone (0.1) does not.
    typed = [
        X,
        y,
        *(net.weights if weights is None else []),
        *(net.biases if biases is None else []),
    ]
    W0 = [to_fractions(w, f"weights[{k}]") for k, w in enumerate(net.weights)]
    b0 = [to_fractions(b, f"biases[{k}]") for k, b in enumerate(net.biases)]
    # A random init: start from the numbers printed, not from digits nobody sees.
    rounded = False
    if weights is None and not all(is_short(w) for w in W0):
        W0, rounded = [_rounded(w, p) for w in net.weights], True
    if biases is None and not all(is_short(b) for b in b0):
        b0, rounded = [_rounded(b, p) for b in net.biases], True
    if weights is not None:
        ws = list(weights)
        if len(ws) != L:
            raise ShapeError(f"weights must hold {L} matrices, got {len(ws)}")
        W0 = [_as_exact(w, f"weights[{k}] (W{k + 1})") for k, w in enumerate(ws)]
        for k, w in enumerate(W0):
            want = (net.layer_sizes[k], net.layer_sizes[k + 1])
            if w.shape != want:
                raise ShapeError(f"weights[{k}] (W{k + 1}) expects shape {want}, got {w.shape}")
        typed += ws
    if biases is not None:
        if not net.bias:
            raise ConfigError(
                "biases given, but the network has none: build it with bias=True (--bias)"
            )
        bs = list(biases)
        if len(bs) != L:
            raise ShapeError(f"biases must hold {L} vectors, got {len(bs)}")
        b0 = [_as_exact(b, f"biases[{k}] (b{k + 1})").reshape(-1) for k, b in enumerate(bs)]
        for k, b in enumerate(b0):
            if b.shape != (net.layer_sizes[k + 1],):
                raise ShapeError(
                    f"biases[{k}] (b{k + 1}) expects {net.layer_sizes[k + 1]} values, got {b.size}"
                )
        typed += bs
    kinds = _typed_as(typed)
    decimal_style = ("decimal" in kinds or rounded) and "fraction" not in kinds
    inputs = [Xe, ye, eta, *W0, *b0]
    short = all(is_short(a) for a in inputs)
    use_exact = (short and not rounded) if exact == "auto" else bool(exact)
    constant = all(len(set(w.flat)) == 1 for w in W0) and all(len(set(b.flat)) <= 1 for b in b0)

    problem = Problem(
        W0, b0, Xe, ye, net.activations, loss_fn, eta[0], steps_, order, rule, B, update
    )
    result = run(problem, use_exact)
    if exact is True and result.switched_at is not None:
        kind, _, what = result.why.partition(":")
        raise ConfigError(
            f"exact: step {result.switched_at} cannot be worked in exact numbers, since "
            f"{plain(what)} is {kind}; 'auto' switches to decimals at that step"
        )
    given = {"X": Xe, "y": ye}
    given.update({f"W{k}": w for k, w in enumerate(W0, start=1)})
    given.update({f"b{k}": b for k, b in enumerate(b0, start=1)})
    settings = {
        "loss": loss_label(loss_fn),
        "learning_rate": str(eta[0]),
        "steps": steps_,
        "order": order,
        "batch_size": B,
        "optimizer": rule.config(),
        "update": update,
        "precision": p,
        "exact_inputs": use_exact,
        "decimal_style": decimal_style,
        "rounded_givens": rounded,
        "constant_init": constant and L > 1,
        "lang": lang,
    }
    sol = Solution(net, problem, result, given, settings, loss_fn)
    if check:
        sol.check(check, tolerance=tolerance, carry_forward=carry_forward)
    return sol
