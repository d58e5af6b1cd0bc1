"""``solve(net, X, y)``: a worked hand computation of gradient descent, step after step."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import _checks
from ..errors import ConfigError, ShapeError
from ..losses import CrossEntropy, Loss
from ..network import Network
from . import _doc, trace
from ._i18n import check_lang, tr
from ._solution_doc import render
from .check import CheckResult, check_values, parse_matrix
from .explanation import loss_label, resolve_loss
from .worked import Run, Step, is_short, run, to_fractions

__all__ = ["CheckResult", "Solution", "solve"]

MAX_STEPS = 1000


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
        self.blocks: list[_doc.Block] = render(self)

    def __repr__(self) -> str:
        return f"<Solution: {len(self.steps)} step(s) of {self.net!r}>"

    def check(self, values: Mapping[str, Any]) -> CheckResult:
        """Compare the user's values (``{"d2": …, "W2@2": …}``) in the order of the
        computation and name the first one that differs; the default step is 1.

        The result also goes into the document, as its last section.
        """
        self.check_result = check_values(self.steps, self.net.n_layers, values)
        self.blocks = render(self)
        return self.check_result

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
