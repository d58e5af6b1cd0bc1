"""The numbers of a worked solution: forward, loss, each ``d``, each gradient, each update.

Two kinds of arithmetic run the same loop. *Exact*: NumPy object arrays of
:class:`fractions.Fraction`, as long as every activation value stays rational (identity,
ReLU and leaky ReLU everywhere; sigmoid, tanh, SiLU only at 0). *Float*: float64 through the
engine's own activations and losses, so the numbers are the engine's. When the exact run
meets an irrational value (``σ(1/32)``), that step and the rest run in float.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..activations import LEAKY_SLOPE, get_activation
from ..errors import DTypeError, ShapeError
from ..losses import MSE, CrossEntropy, LogLoss, Loss

__all__ = ["Irrational", "Step", "run", "to_fraction", "to_fractions"]

Arr = np.ndarray  # object array of Fraction, or float64
_HALF = Fraction(1, 2)
_LEAK = Fraction(str(LEAKY_SLOPE))
MAX_DENOMINATOR = 10**6  # an input with a longer fraction is treated as a float


class Irrational(Exception):
    """An exact value would leave the rationals: ``what`` (math markup ``⟦text|latex⟧``) is
    ``kind`` (``"irrational"`` or ``"infinite"``)."""

    def __init__(self, what: str, kind: str = "irrational") -> None:
        super().__init__(f"{what} is {kind}")
        self.what = what
        self.kind = kind


def to_fraction(v: Any) -> Fraction | None:
    """``3``, ``0.25``, ``"1/16"``, ``"-0.5"``, ``Fraction(1, 3)`` as a Fraction; ``None``
    for anything else (NaN, inf, text that is no number)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Integral):
        return Fraction(int(v))
    if isinstance(v, numbers.Real):
        x = float(v)
        return Fraction(repr(x)) if math.isfinite(x) else None  # 0.1 -> 1/10, as typed
    if isinstance(v, str):
        try:
            f = Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            return None
        return f
    return None


def to_fractions(value: Any, name: str) -> np.ndarray:
    """An object array of Fractions with ``value``'s shape, or a project error.

    Shapes: any -> the same shape.
    """
    try:
        arr = np.array(value, dtype=object)
    except Exception as exc:
        raise ShapeError(f"{name} must be a rectangular array of numbers: {exc}") from None
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        f = to_fraction(v.item() if isinstance(v, np.generic) else v)
        if f is None:
            raise DTypeError(f"{name} must hold finite numbers, got {v!r} at index {idx}")
        out[idx] = f
    return out


def is_short(arr: np.ndarray) -> bool:
    """Whether every Fraction has a denominator a person would write (≤ 10⁶)."""
    return all(f.denominator <= MAX_DENOMINATOR for f in arr.flat)


# -- exact activations: f(t) and f'(h, o), each raising Irrational off the rationals ----


_TEX_NAMES = {"σ": r"\sigma", "tanh": r"\tanh", "silu": r"\operatorname{silu}"}


def _only_at_zero(name: str, value: Fraction) -> Callable[[Fraction], Fraction]:
    def f(t: Fraction) -> Fraction:
        if t != 0:
            raise Irrational(f"⟦{name}({t})|{_TEX_NAMES.get(name, name)}({t})⟧")
        return value

    return f


def _elu(t: Fraction) -> Fraction:
    if t >= 0:
        return t
    raise Irrational(f"⟦elu({t}) = e^({t}) − 1|\\operatorname{{elu}}({t}) = e^{{{t}}} - 1⟧")


def _softplus(t: Fraction) -> Fraction:
    raise Irrational(f"⟦softplus({t}) = ln(1 + e^({t}))|\\ln(1 + e^{{{t}}})⟧")


EXACT_F: dict[str, Callable[[Fraction], Fraction]] = {
    "identity": lambda t: t,
    "relu": lambda t: t if t > 0 else Fraction(0),
    "leaky_relu": lambda t: t if t > 0 else _LEAK * t,
    "sigmoid": _only_at_zero("σ", _HALF),
    "tanh": _only_at_zero("tanh", Fraction(0)),
    "silu": _only_at_zero("silu", Fraction(0)),
    "elu": _elu,
    "softplus": _softplus,
}
EXACT_DF: dict[str, Callable[[Fraction, Fraction], Fraction]] = {
    "identity": lambda h, o: Fraction(1),
    "relu": lambda h, o: Fraction(1 if h > 0 else 0),  # f'(0) = 0, as the engine
    "leaky_relu": lambda h, o: Fraction(1) if h > 0 else _LEAK,
    "sigmoid": lambda h, o: o * (1 - o),
    "tanh": lambda h, o: 1 - o * o,
    "silu": lambda h, o: _HALF,  # reached only at h = 0: σ(0)·(1 + 0) = 1/2
    "elu": lambda h, o: Fraction(1) if h > 0 else o + 1,
    "softplus": lambda h, o: _HALF,
}


def _softmax_exact(H: np.ndarray) -> np.ndarray:
    out = np.empty(H.shape, dtype=object)
    for i, row in enumerate(H):
        if any(v != row[0] for v in row):
            args = ", ".join(map(str, row))
            raise Irrational(f"⟦softmax({args})|\\operatorname{{softmax}}({args})⟧")
        out[i] = Fraction(1, len(row))
    return out


# -- one step ---------------------------------------------------------------------------


@dataclass
class Step:
    """Every intermediate of one step, in the order a student computes them.

    ``values`` maps a name (``H1``, ``O1``, ``y_hat``, ``L``, ``d3``, ``dW3``, ``fp2``,
    ``W3``, …) to its array; the updated weights are ``W1..WL`` and ``b1..bL``.
    """

    index: int
    rows: list[int]  # 0-based rows of X used by this step
    exact: bool
    values: dict[str, Any] = field(default_factory=dict)
    loss_exact: bool = True


def _forward(
    W: Sequence[np.ndarray],
    b: Sequence[np.ndarray],
    X: np.ndarray,
    acts: Sequence[str],
    exact: bool,
) -> tuple[list[Any], list[np.ndarray]]:
    H: list[Any] = [None]
    O: list[np.ndarray] = [X]  # O_0 = X
    for k, (W_k, name) in enumerate(zip(W, acts), start=1):
        H_k = O[k - 1] @ W_k  # H_k = O_{k-1}·W_k: (n, n_k)
        if b:
            H_k = H_k + b[k - 1]
        if exact:
            if name == "softmax":
                O_k = _softmax_exact(H_k)
            else:
                O_k = np.frompyfunc(EXACT_F[name], 1, 1)(H_k).astype(object)
        else:
            O_k = get_activation(name).f(H_k)
        H.append(H_k)
        O.append(O_k)
    return H, O


def _loss_and_d(
    loss: Loss, y_hat: np.ndarray, y: np.ndarray, H_L: np.ndarray, out: str, exact: bool
) -> tuple[Any, np.ndarray, bool]:
    """``L``, ``d = ∂L/∂H_L`` and whether ``L`` is exact (log-losses are not)."""
    n = y_hat.shape[0]
    fused = loss.output_activation == out
    if not exact:
        value = loss.value(y_hat, y)
        if fused:
            return value, loss.grad_H(y_hat, y), False
        return value, get_activation(out).backprop(loss.grad(y_hat, y), H_L, y_hat), False
    if isinstance(loss, MSE):
        c = _HALF if loss.half else Fraction(1)
        r = y_hat - y
        value = c * sum((e * e for e in r.flat), Fraction(0)) / r.size
        g = (2 * c / r.size) * r
        exact_value = True
    else:
        value = loss.value(y_hat.astype(float), y.astype(float))  # ln: never rational here
        exact_value = False
        if fused:
            return value, (y_hat - y) * Fraction(1, n), False
        if isinstance(loss, LogLoss):
            if any(p <= 0 or p >= 1 for p in y_hat.flat):  # the engine clips, then ln 0
                raise Irrational("⟦ln 0|\\ln 0⟧", "infinite")
            g = (y_hat - y) / (y_hat * (1 - y_hat) * n)
        elif isinstance(loss, CrossEntropy):
            if any(p <= 0 for p in y_hat.flat):
                raise Irrational("⟦ln 0|\\ln 0⟧", "infinite")
            g = -y / (y_hat * n)
        else:
            raise TypeError(f"no exact rule for loss {loss!r}")
    if out == "softmax":
        d = y_hat * (g - (g * y_hat).sum(axis=1, keepdims=True))
    else:
        d = g * np.frompyfunc(EXACT_DF[out], 2, 1)(H_L, y_hat)
    return value, d, exact_value


def one_step(
    index: int,
    rows: list[int],
    W: list[np.ndarray],
    b: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    acts: Sequence[str],
    loss: Loss,
    eta: Any,
    exact: bool,
) -> Step:
    """Forward, loss, backward with ``d`` and the update, on the rows ``rows``.

    Shapes: ``X[rows]`` (r, n_0), ``y[rows]`` (r, n_L), ``W[k-1]`` (n_{k-1}, n_k) ->
    ``values["d{k}"]``, ``values["H{k}"]`` (r, n_k), ``values["dW{k}"]`` (n_{k-1}, n_k).
    """
    step = Step(index, rows, exact)
    v = step.values
    L = len(W)
    Xs, ys = X[rows], y[rows]
    H, O = _forward(W, b, Xs, acts, exact)
    for k in range(1, L + 1):
        v[f"H{k}"] = H[k]
        v["y_hat" if k == L else f"O{k}"] = O[k]
    value, d, step.loss_exact = _loss_and_d(loss, O[L], ys, H[L], acts[-1], exact)
    v["L"] = value
    dW: list[np.ndarray] = [d] * L
    db: list[np.ndarray] = [d] * L
    for k in range(L, 0, -1):
        v[f"d{k}"] = d
        dW[k - 1] = O[k - 1].T @ d  # ∂L/∂W_k = O_{k-1}ᵀ·d
        v[f"dW{k}"] = dW[k - 1]
        if b:
            db[k - 1] = d.sum(axis=0)  # ∂L/∂b_k = 1ᵀ·d
            v[f"db{k}"] = db[k - 1]
        if k > 1:
            name = acts[k - 2]
            if exact:
                fp = np.frompyfunc(EXACT_DF[name], 2, 1)(H[k - 1], O[k - 1]).astype(object)
            else:
                act = get_activation(name)
                assert act.df is not None
                fp = act.df(H[k - 1], O[k - 1])
            v[f"fp{k - 1}"] = fp
            d = (d @ W[k - 1].T) * fp  # d = d·W_kᵀ * f'(H_{k-1})
    for k in range(1, L + 1):
        v[f"W{k}"] = W[k - 1] - eta * dW[k - 1]  # W_k ← W_k − η·∂L/∂W_k
    if b:
        for k in range(1, L + 1):
            v[f"b{k}"] = b[k - 1] - eta * db[k - 1]
    return step


def _floats(arrs: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in arrs]


@dataclass
class Run:
    steps: list[Step]
    switched_at: int | None  # first step computed in float after an exact start
    why: str  # what left the rationals, "kind:what" (see Irrational)


def run(
    W0: list[np.ndarray],
    b0: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    acts: Sequence[str],
    loss: Loss,
    eta: Fraction,
    steps: int,
    order: str,
    exact: bool,
) -> Run:
    """``steps`` gradient-descent steps from ``W0``/``b0``; exact while that is possible.

    Shapes: ``X`` (n, n_0), ``y`` (n, n_L), ``W0[k-1]`` (n_{k-1}, n_k), ``b0[k-1]`` (n_k,).
    """
    n = X.shape[0]
    W, b = list(W0), list(b0)
    Xe, ye = X, y
    if not exact:
        W, b, Xe, ye = _floats(W), _floats(b), *_floats([X, y])
    out: list[Step] = []
    switched, why = None, ""
    for t in range(1, steps + 1):
        rows = list(range(n)) if order == "batch" else [(t - 1) % n]
        if exact:
            try:
                s = one_step(t, rows, W, b, Xe, ye, acts, loss, eta, True)
            except Irrational as exc:
                exact, switched, why = False, t, f"{exc.kind}:{exc.what}"
                W, b, Xe, ye = _floats(W), _floats(b), *_floats([Xe, ye])
        if not exact:
            s = one_step(t, rows, W, b, Xe, ye, acts, loss, float(eta), False)
        out.append(s)
        L = len(W)
        W = [s.values[f"W{k}"] for k in range(1, L + 1)]
        b = [s.values[f"b{k}"] for k in range(1, L + 1)] if b else []
    return Run(out, switched, why)
