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
from ._update import Irrational, Rule, slot_name

__all__ = ["Irrational", "Problem", "Slip", "Step", "run", "to_fraction", "to_fractions"]

Arr = np.ndarray  # object array of Fraction, or float64
_HALF = Fraction(1, 2)
_LEAK = Fraction(str(LEAKY_SLOPE))
MAX_DENOMINATOR = 10**6  # an input with a longer fraction is treated as a float


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


@dataclass(frozen=True)
class Slip:
    """One of the usual hand-computation mistakes, as a change to one step's arithmetic.

    The default is no mistake. ``check`` works a step again with each slip and names the one
    whose numbers are the student's, so every diagnosis is computed, never guessed.
    """

    loss_scale: Fraction = Fraction(1)  # L and ∂L/∂ŷ times this (n: the 1/n of the mean left out)
    fp_at: str = "H"  # f'(H_k) as it should be; "O": f'(O_k); "f": f(H_k) written for f'(H_k)
    update_sign: int = -1  # W ← W − η·∂L/∂W; +1 is the update with + instead of −
    # d·W_kᵀ with W_k already updated (True) or with the W_k of the forward pass (False);
    # None: as the update mode says (after the backward pass: old; layer-wise: updated)
    backprop_updated: bool | None = None
    rows: tuple[int, ...] | None = None  # rows of X used instead of the step's own


NO_SLIP = Slip()
PLAIN = Rule()  # gradient descent, no state

# After each value is computed, a substitution may replace it by the student's own (error
# carried forward): ``substitute(name, computed)`` returns the value the step goes on with.
Substitute = Callable[[str, Any], Any]


@dataclass
class Step:
    """Every intermediate of one step, in the order a student computes them.

    ``values`` maps a name (``H1``, ``O1``, ``y_hat``, ``L``, ``dyhat``, ``d3``, ``dW3``,
    ``fp2``, ``W3``, …) to its array; the updated weights are ``W1..WL`` and ``b1..bL``.
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
    put: Substitute,
) -> tuple[list[Any], list[np.ndarray]]:
    H: list[Any] = [None]
    O: list[np.ndarray] = [X]  # O_0 = X
    L = len(W)
    for k, (W_k, name) in enumerate(zip(W, acts), start=1):
        H_k = O[k - 1] @ W_k  # H_k = O_{k-1}·W_k: (n, n_k)
        if b:
            H_k = H_k + b[k - 1]
        H_k = put(f"H{k}", H_k)
        O_k = put("y_hat" if k == L else f"O{k}", _activate(name, H_k, exact))
        H.append(H_k)
        O.append(O_k)
    return H, O


def _activate(name: str, H: np.ndarray, exact: bool) -> np.ndarray:
    """``f(H)``: exact entry by entry, or the engine's own activation in float64."""
    if not exact:
        return get_activation(name).f(H)
    if name == "softmax":
        return _softmax_exact(H)
    return np.frompyfunc(EXACT_F[name], 1, 1)(H).astype(object)


def _derivative(name: str, H: np.ndarray, O: np.ndarray, exact: bool, at: str) -> np.ndarray:
    """``f'(H)`` from ``H`` and ``O = f(H)``; ``at`` is a slip: ``"O"`` takes ``f'`` at ``O``,
    ``"f"`` writes ``f(H)`` itself."""
    if at == "f":
        return O
    if at == "O":
        H, O = O, _activate(name, O, exact)
    if exact:
        return np.frompyfunc(EXACT_DF[name], 2, 1)(H, O).astype(object)
    act = get_activation(name)
    assert act.df is not None
    return act.df(H, O)


def _loss_value(
    loss: Loss, out: str, H_L: np.ndarray, y_hat: np.ndarray, y: np.ndarray, exact: bool
) -> tuple[Any, bool]:
    """``L`` and whether it is exact (a log-loss never is); in float as the engine computes
    it, from the logits ``H_L`` where the output is fused with the loss."""
    if exact and isinstance(loss, MSE):
        c = _HALF if loss.half else Fraction(1)
        r = y_hat - y
        return c * sum((e * e for e in r.flat), Fraction(0)) / r.size, True
    H_L, y_hat, y = (np.asarray(a, dtype=float) for a in (H_L, y_hat, y))
    return loss.value_at(out, H_L, y_hat, y), False


def _loss_grad(loss: Loss, y_hat: np.ndarray, y: np.ndarray, exact: bool) -> np.ndarray:
    """``∂L/∂ŷ`` (the mean over rows carries ``1/n``; MSE's over entries ``1/(n·m)``)."""
    if not exact:
        return loss.grad(y_hat, y)
    n = y_hat.shape[0]
    if isinstance(loss, MSE):
        c = _HALF if loss.half else Fraction(1)
        return (2 * c / y_hat.size) * (y_hat - y)
    if isinstance(loss, LogLoss):
        if any(p <= 0 or p >= 1 for p in y_hat.flat):  # the engine clips, then ln 0
            raise Irrational("⟦ln 0|\\ln 0⟧", "infinite")
        return (y_hat - y) / (y_hat * (1 - y_hat) * n)
    if isinstance(loss, CrossEntropy):
        if any(p <= 0 for p in y_hat.flat):
            raise Irrational("⟦ln 0|\\ln 0⟧", "infinite")
        return -y / (y_hat * n)
    raise TypeError(f"no exact rule for loss {loss!r}")


def fused(loss: Loss, output: str) -> bool:
    """Whether ``d = ∂L/∂H_L`` is written in one line (``(ŷ − y)/n``) for this pair."""
    return loss.output_activation == output and output != "identity"


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
    slip: Slip = NO_SLIP,
    substitute: Substitute | None = None,
    *,
    rule: Rule = PLAIN,
    state: dict[str, Any] | None = None,
    layerwise: bool = False,
) -> Step:
    """Forward, loss, backward with ``d`` and the update, on the rows ``rows``.

    ``slip`` works the step with one of the usual mistakes; ``substitute`` replaces each value,
    once computed, by the one the step goes on with (the student's own, for error carried
    forward). ``rule`` is the optimizer, with ``state`` its values before the step (``v2``,
    ``m2``, ``s2``, …; see :mod:`._update`), and ``index`` its step count t. ``layerwise``
    updates each ``W_k`` as soon as ``∂L/∂W_k`` is known and takes the next ``d`` through the
    updated ``W_k`` (``H`` and ``O`` stay those of the forward pass).

    Shapes: ``X[rows]`` (r, n_0), ``y[rows]`` (r, n_L), ``W[k-1]`` (n_{k-1}, n_k) ->
    ``values["d{k}"]``, ``values["H{k}"]`` (r, n_k), ``values["dW{k}"]`` (n_{k-1}, n_k).
    """
    if slip.rows is not None:
        rows = list(slip.rows)
    step = Step(index, rows, exact)
    v = step.values
    state = state or {}

    def put(name: str, value: Any) -> Any:
        v[name] = value if substitute is None else substitute(name, value)
        return v[name]

    def quiet(name: str, value: Any) -> Any:  # an update worked only to be used, never shown
        return value

    def update(name: str, P: np.ndarray, g: np.ndarray, out: Any = put) -> np.ndarray:
        return rule.apply(name, P, g, state, index, eta, exact, slip.update_sign, out)

    L = len(W)
    Xs, ys = X[rows], y[rows]
    H, O = _forward(W, b, Xs, acts, exact, put)
    value, step.loss_exact = _loss_value(loss, acts[-1], H[L], O[L], ys, exact)
    scale: Any = slip.loss_scale if exact else float(slip.loss_scale)
    put("L", value * scale)
    out = acts[-1]
    if fused(loss, out):
        n = O[L].shape[0]  # ∂L/∂H_L = (ŷ − y)/n, exact where ∂L/∂ŷ * f'(H_L) loses digits
        d = (O[L] - ys) * Fraction(1, n) if exact else loss.grad_H(O[L], ys)
        d = put(f"d{L}", d * scale)
    elif out == "identity":
        d = put(f"d{L}", _loss_grad(loss, O[L], ys, exact) * scale)  # ∂L/∂H_L = ∂L/∂ŷ
    else:
        g = put("dyhat", _loss_grad(loss, O[L], ys, exact) * scale)  # ∂L/∂ŷ: (n, n_L)
        if out == "softmax":  # the row-wise Jacobian: d = ŷ * (g − Σ_j g_j·ŷ_j)
            d = put(f"d{L}", O[L] * (g - (g * O[L]).sum(axis=1, keepdims=True)))
        else:
            fp = put(f"fp{L}", _derivative(out, H[L], O[L], exact, slip.fp_at))
            d = put(f"d{L}", g * fp)  # d = ∂L/∂ŷ * f'(H_L)
    dW: list[np.ndarray] = [d] * L
    db: list[np.ndarray] = [d] * L
    new_W: list[np.ndarray] = list(W)
    backprop_updated = layerwise if slip.backprop_updated is None else slip.backprop_updated
    for k in range(L, 0, -1):
        dW[k - 1] = put(f"dW{k}", O[k - 1].T @ d)  # ∂L/∂W_k = O_{k-1}ᵀ·d: (n_{k-1}, n_k)
        if b:
            db[k - 1] = put(f"db{k}", d.sum(axis=0))  # ∂L/∂b_k = 1ᵀ·d: (n_k,)
        if layerwise:  # W_k ← W_k − η·∂L/∂W_k now, before d goes on to layer k − 1
            new_W[k - 1] = put(f"W{k}", update(f"W{k}", W[k - 1], dW[k - 1]))
            if b:
                put(f"b{k}", update(f"b{k}", b[k - 1], db[k - 1]))
        if k > 1:
            fp = put(f"fp{k - 1}", _derivative(acts[k - 2], H[k - 1], O[k - 1], exact, slip.fp_at))
            if backprop_updated and not layerwise:  # the slip: W_k updated before it is used
                W_k = update(f"W{k}", W[k - 1], dW[k - 1], quiet)
            else:
                W_k = new_W[k - 1] if backprop_updated else W[k - 1]
            d = put(f"d{k - 1}", (d @ W_k.T) * fp)  # d = d·W_kᵀ * f'(H_{k-1}): (n, n_{k-1})
    if not layerwise:
        for k in range(1, L + 1):
            put(f"W{k}", update(f"W{k}", W[k - 1], dW[k - 1]))  # W_k ← W_k − η·∂L/∂W_k
        if b:
            for k in range(1, L + 1):
                put(f"b{k}", update(f"b{k}", b[k - 1], db[k - 1]))
    return step


def floats(arrs: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in arrs]


@dataclass(frozen=True)
class Problem:
    """What a worked solution starts from: the givens, the network's activations, the loss,
    the optimizer and how each step takes its rows and updates its weights.

    Shapes: ``X`` (n, n_0), ``y`` (n, n_L), ``W0[k-1]`` (n_{k-1}, n_k), ``b0[k-1]`` (n_k,).
    """

    W0: list[np.ndarray]
    b0: list[np.ndarray]
    X: np.ndarray
    y: np.ndarray
    acts: tuple[str, ...]
    loss: Loss
    eta: Fraction
    steps: int
    order: str
    rule: Rule = PLAIN
    batch_size: int | None = None  # rows per step; None: every row ("batch") or 1 ("row")
    update: str = "after"  # or "layerwise": each W_k updated in the middle of the backward pass

    def rows(self, t: int) -> list[int]:
        """The rows of step ``t``: ``B`` rows in turn, ``((t − 1)·B + i) mod n`` for
        ``i < B``, with ``B`` the batch size (every row for ``order="batch"``, one for
        ``"row"``)."""
        n = self.X.shape[0]
        B = self.batch_size or (n if self.order == "batch" else 1)
        return list(range(n)) if n == B else [((t - 1) * B + i) % n for i in range(B)]

    def zero_state(self) -> dict[str, np.ndarray]:
        """The optimizer's state before step 1: every slot zero, shaped like its parameter."""
        params = [(f"W{k}", w) for k, w in enumerate(self.W0, 1)]
        params += [(f"b{k}", v) for k, v in enumerate(self.b0, 1)]
        return {
            slot_name(slot, name): np.full(P.shape, Fraction(0), dtype=object)
            for slot in self.rule.slots()
            for name, P in params
        }

    def state_after(self, s: Step) -> dict[str, np.ndarray]:
        """The optimizer's state after step ``s`` (its values ``v2``, ``m2``, ``s2``, …)."""
        names = [f"W{k}" for k in range(1, len(self.W0) + 1)]
        names += [f"b{k}" for k in range(1, len(self.b0) + 1)]
        return {
            slot_name(slot, name): s.values[slot_name(slot, name)]
            for slot in self.rule.slots()
            for name in names
        }

    def step(
        self,
        t: int,
        W: list[np.ndarray],
        b: list[np.ndarray],
        exact: bool,
        slip: Slip = NO_SLIP,
        substitute: Substitute | None = None,
        state: dict[str, np.ndarray] | None = None,
    ) -> Step:
        """Step ``t`` from the weights ``W``/``b`` and the optimizer's ``state`` (zero when
        not given), in fractions (``exact``, which raises :class:`Irrational` off the
        rationals) or in float64."""
        X, y = self.X, self.y
        eta: Any = self.eta  # a Fraction, or a float in a float step
        state = self.zero_state() if state is None else dict(state)
        if not exact:
            W, b, X, y, eta = floats(W), floats(b), *floats([X, y]), float(eta)
            state = dict(zip(state, floats(list(state.values()))))
        return one_step(
            t,
            self.rows(t),
            W,
            b,
            X,
            y,
            self.acts,
            self.loss,
            eta,
            exact,
            slip,
            substitute,
            rule=self.rule,
            state=state,
            layerwise=self.update == "layerwise",
        )

    def updated(self, s: Step) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The weights and biases after step ``s``."""
        L = len(self.W0)
        W = [s.values[f"W{k}"] for k in range(1, L + 1)]
        b = [s.values[f"b{k}"] for k in range(1, L + 1)] if self.b0 else []
        return W, b


@dataclass
class Run:
    steps: list[Step]
    switched_at: int | None  # first step computed in float after an exact start
    why: str  # what left the rationals, "kind:what" (see Irrational)


def run(problem: Problem, exact: bool) -> Run:
    """``problem.steps`` steps from its givens; exact while that is possible."""
    W, b = list(problem.W0), list(problem.b0)
    state = problem.zero_state()
    out: list[Step] = []
    switched, why = None, ""
    for t in range(1, problem.steps + 1):
        if exact:
            try:
                s = problem.step(t, W, b, True, state=state)
            except Irrational as exc:
                exact, switched, why = False, t, f"{exc.kind}:{exc.what}"
        if not exact:
            s = problem.step(t, W, b, False, state=state)
        out.append(s)
        W, b = problem.updated(s)
        state = problem.state_after(s)
    return Run(out, switched, why)
