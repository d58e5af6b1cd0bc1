"""``problems(...)``: variants of the chapter's problem with nice numbers, and their ids.

A variant is a network (``layer_sizes``, an activation preset, biases or not), givens
``X, y, W[k], b[k]`` and, for a gradient-descent step, ``eta``. They are drawn by rejection
sampling: small random fractions (integers and halves) are proposed, the exact run of
:func:`matbackprop.solve`'s arithmetic works the whole problem in :class:`~fractions.Fraction`,
and the proposal is kept only when every number a student must write is exact, has a
denominator at most ``max_denominator`` and a magnitude at most ``value_range``, and every
gradient ``∂L/∂W_k`` has a non-zero entry (a pass whose gradients vanish teaches nothing).

Sigmoid has a rational value only at 0 (``σ(0) = 1/2``, ``σ'(0) = 1/4``), so a layer with
sigmoid is built so that its input is exactly 0 for every row: its weights (and bias) are
random integer combinations of the null space of ``[O_{k-1}]`` (``[O_{k-1}, 1]`` with
biases), and for the first layer ``X`` is drawn of low rank so that such weights exist.
ReLU and identity layers take any small fractions. The one value that cannot be exact is a
log-loss itself (``L = ln 2`` when ``ŷ = 1/2``); it is printed as a decimal and not marked.

Each variant is reproducible from its id alone (``v1-s42-3``: generator version 1, seed 42,
the third variant; settings that differ from the defaults appear as tokens, see
:func:`parse_id`). Variant ``i`` draws from ``numpy.random.default_rng([seed, i])`` and skips
any proposal equal to an earlier variant's, so ``problems(count=i, seed=s)[-1]`` is it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from ..losses import get_loss
from .worked import EXACT_F, Irrational, Problem, Step

if TYPE_CHECKING:
    from ..network import Network
    from ._problem_doc import ProblemDocument
    from .solution import Solution

__all__ = [
    "ACTIVATION_PRESETS",
    "KINDS",
    "Difficulty",
    "Spec",
    "Variant",
    "Variants",
    "parse_id",
    "problems",
    "variant",
]

VERSION = "v1"  # bump when a change to the sampler changes what an id regenerates
MAX_DRAWS = 4000  # proposals per variant before giving up with advice
MAX_COUNT = 500

# kind -> (id token, gradient-descent steps); forward_backward works one pass, no update
KINDS: dict[str, tuple[str, int]] = {
    "forward_backward": ("fb", 1),
    "one_step": ("gd1", 1),
    "two_steps": ("gd2", 2),
}


@dataclass(frozen=True)
class Preset:
    """Hidden activation, output activation and loss of a problem type of the chapter."""

    hidden: str
    output: str
    loss: str
    kinds: tuple[str, ...]  # the kinds whose every value can stay exact


ACTIVATION_PRESETS: dict[str, Preset] = {
    # Masha's network: sigmoid inside, a linear output, the book's ½·MSE
    "sigmoid": Preset("sigmoid", "identity", "mse_half", ("forward_backward", "one_step")),
    # ReLU inside, a sigmoid output with log-loss: d_L = (ŷ − y)/n
    "relu": Preset("relu", "sigmoid", "logloss", ("forward_backward", "one_step")),
    "relu_mse": Preset("relu", "identity", "mse_half", tuple(KINDS)),
    "identity": Preset("identity", "identity", "mse_half", tuple(KINDS)),
}
# Sigmoid leaves the rationals after any update of the weights before it: the step moves
# its input off 0 (σ(h) is irrational for every rational h ≠ 0), so two steps are not offered.

# Activations whose exact value exists only at 0: their layer's input must be 0.
ZERO_ONLY = frozenset(name for name in EXACT_F if name in ("sigmoid", "tanh", "silu"))

# η = 2 with two rows cancels the 1/n of the mean: the update stays as short as the gradient
LEARNING_RATES = (Fraction(1), Fraction(1, 2), Fraction(2))


@dataclass(frozen=True)
class Spec:
    """Everything but the index that decides a variant (the fields of its id)."""

    kind: str = "forward_backward"  # see KINDS
    activation: str = "sigmoid"  # see ACTIVATION_PRESETS
    order: str = "batch"  # "batch": every row per step; "row": one row per step
    bias: bool = False  # Masha's network has none
    layer_sizes: tuple[int, ...] = (2, 2, 2, 1)  # Masha's network
    max_denominator: int = 16  # of every number a student writes
    value_range: int = 4  # |every number| a student writes is at most this
    rows: int = 2  # rows of X
    seed: int = 0

    @property
    def preset(self) -> Preset:
        return ACTIVATION_PRESETS[self.activation]

    @property
    def steps(self) -> int:
        return KINDS[self.kind][1]

    def id(self, index: int) -> str:
        """``v1-[kind]-[activation]-[row]-[b]-[L2x2x2x1]-[d16]-[r4]-[n2]-s<seed>-<index>``,
        a token only where the setting is not the default."""
        d = Spec()
        tokens = [VERSION]
        if self.kind != d.kind:
            tokens.append(KINDS[self.kind][0])
        if self.activation != d.activation:
            tokens.append(self.activation)
        if self.order != d.order:
            tokens.append(self.order)
        if self.bias != d.bias:
            tokens.append("b")
        if self.layer_sizes != d.layer_sizes:
            tokens.append("L" + "x".join(map(str, self.layer_sizes)))
        if self.max_denominator != d.max_denominator:
            tokens.append(f"d{self.max_denominator}")
        if self.value_range != d.value_range:
            tokens.append(f"r{self.value_range}")
        if self.rows != d.rows:
            tokens.append(f"n{self.rows}")
        tokens += [f"s{self.seed}", str(index)]
        return "-".join(tokens)


_KIND_OF_TOKEN = {token: kind for kind, (token, _) in KINDS.items()}


def parse_id(text: str) -> tuple[Spec, int]:
    """The settings and the index of the variant id ``text`` (see :meth:`Spec.id`)."""
    parts = str(text).strip().split("-")
    if len(parts) < 3 or parts[0] != VERSION:
        raise ConfigError(
            f"variant must be an id like '{VERSION}-s42-3' (from matbackprop problems), "
            f"got {text!r}"
        )
    *tokens, seed, index = parts[1:]
    fields: dict[str, Any] = {}
    if not re.fullmatch(r"s\d+", seed) or not index.isdigit() or int(index) < 1:
        raise ConfigError(f"variant {text!r} must end in -s<seed>-<index>, like -s42-3")
    for tok in tokens:
        if tok in _KIND_OF_TOKEN:
            fields["kind"] = _KIND_OF_TOKEN[tok]
        elif tok in ACTIVATION_PRESETS:
            fields["activation"] = tok
        elif tok == "row":
            fields["order"] = "row"
        elif tok == "b":
            fields["bias"] = True
        elif re.fullmatch(r"L\d+(x\d+)+", tok):
            fields["layer_sizes"] = tuple(int(s) for s in tok[1:].split("x"))
        elif re.fullmatch(r"[drn]\d+", tok):
            fields[{"d": "max_denominator", "r": "value_range", "n": "rows"}[tok[0]]] = int(tok[1:])
        else:
            raise ConfigError(f"variant {text!r} has a token {tok!r} that names no setting")
    return _checked(Spec(seed=int(seed[1:]), **fields)), int(index)


# -- difficulty -------------------------------------------------------------------------


@dataclass(frozen=True)
class Difficulty:
    """How hard the arithmetic is: ``numbers`` distinct values among the entries a student
    writes (``entries`` in all), the largest denominator among them."""

    numbers: int
    largest_denominator: int
    entries: int

    @classmethod
    def of(cls, values: Sequence[Fraction]) -> Difficulty:
        return cls(
            numbers=len(set(values)),
            largest_denominator=max((v.denominator for v in values), default=1),
            entries=len(values),
        )


# -- one variant ------------------------------------------------------------------------


@dataclass
class Variant:
    """One problem: its id, givens, the exact steps (every intermediate), its difficulty.

    Shapes: ``X`` (n, n_0), ``y`` (n, n_L), ``W[k-1]`` (n_{k-1}, n_k), ``b[k-1]`` (n_k,)
    (empty without biases); every array holds Fractions.
    """

    id: str
    spec: Spec
    index: int
    X: np.ndarray
    y: np.ndarray
    W: list[np.ndarray]
    b: list[np.ndarray]
    learning_rate: Fraction
    steps: list[Step]
    difficulty: Difficulty
    _solutions: dict[str, Solution] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        d = self.difficulty
        return (
            f"<Variant {self.id}: {self.spec.kind}, {d.numbers} distinct numbers, "
            f"largest denominator {d.largest_denominator}>"
        )

    @property
    def asked(self) -> list[tuple[int, str]]:
        """``(step, name)`` of every value the student must write, in the order of the work."""
        return asked(self.spec, self.steps)

    def answers(self) -> dict[str, np.ndarray]:
        """The values asked, by the names ``solve --check`` takes (``W2@2`` for step 2)."""
        return {_check_name(self.spec, t, n): self.steps[t - 1].values[n] for t, n in self.asked}

    @property
    def key_line(self) -> str:
        """One line for quick marking: the id, then the loss and the gradients
        (``forward_backward``) or the updated weights of each step, as ``NAME=MATRIX``."""
        L = len(self.W)
        picks: list[tuple[int, str]] = []
        for t, s in enumerate(self.steps, start=1):
            if s.loss_exact:
                picks.append((t, "L"))
            if self.spec.kind == "forward_backward":
                picks += [(t, f"dW{k}") for k in range(L, 0, -1)]
                picks += [(t, f"db{k}") for k in range(L, 0, -1) if self.spec.bias]
            else:
                picks += [(t, f"W{k}") for k in range(1, L + 1)]
                picks += [(t, f"b{k}") for k in range(1, L + 1) if self.spec.bias]
        cells = [
            f"{_check_name(self.spec, t, n)}={matrix_text(self.steps[t - 1].values[n])}"
            for t, n in picks
        ]
        return "  ".join([self.id, *cells])

    def network(self) -> Network:
        from ..network import Network

        p = self.spec.preset
        return Network(
            list(self.spec.layer_sizes),
            activation=p.hidden,
            output_activation=p.output,
            bias=self.spec.bias,
            init="zeros",
        )

    def solution(
        self,
        lang: str = "en",
        *,
        check: Any = None,
        tolerance: Any = None,
        carry_forward: bool = False,
    ) -> Solution:
        """The worked solution of :func:`matbackprop.solve` (every H, O, d, gradient, update);
        ``check`` judges a student's values as :meth:`Solution.check` does."""
        if check is not None or lang not in self._solutions:
            from .solution import solve

            sol = solve(
                self.network(),
                self.X,
                self.y,
                loss=self.spec.preset.loss,
                learning_rate=self.learning_rate,
                steps=self.spec.steps,
                order=self.spec.order,
                weights=self.W,
                biases=self.b or None,
                exact=True,
                lang=lang,
                check=check,
                tolerance=tolerance,
                carry_forward=carry_forward,
            )
            if check is not None:
                return sol  # a checked solution is the student's, not the key's
            self._solutions[lang] = sol
        return self._solutions[lang]

    def sheet(self, lang: str = "en") -> ProblemDocument:
        """The problem sheet: givens and questions, no answers."""
        from ._problem_doc import sheet

        return sheet([self], lang)

    def key(self, lang: str = "en") -> ProblemDocument:
        """The answer key: the worked solution, the difficulty and the one-line key."""
        from ._problem_doc import key

        return key([self], lang)

    def to_dict(self, answers: bool) -> dict[str, Any]:
        """The variant as JSON-ready data; ``answers=False`` leaves out every answer."""
        p = self.spec.preset
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.spec.kind,
            "network": {
                "layer_sizes": list(self.spec.layer_sizes),
                "activation": p.hidden,
                "output_activation": p.output,
                "bias": self.spec.bias,
            },
            "loss": p.loss,
            "order": self.spec.order,
            "steps": self.spec.steps,
            "given": {name: _strings(v) for name, v in self.givens().items()},
            "asked": [_check_name(self.spec, t, n) for t, n in self.asked],
            "difficulty": {
                "distinct_numbers": self.difficulty.numbers,
                "largest_denominator": self.difficulty.largest_denominator,
                "entries": self.difficulty.entries,
            },
        }
        if self.spec.kind != "forward_backward":
            out["learning_rate"] = str(self.learning_rate)
        if answers:
            out["answers"] = {name: _strings(v) for name, v in self.answers().items()}
            out["key_line"] = self.key_line
        return out

    def givens(self) -> dict[str, np.ndarray]:
        out = {"X": self.X, "y": self.y}
        out.update({f"W{k}": w for k, w in enumerate(self.W, start=1)})
        out.update({f"b{k}": b for k, b in enumerate(self.b, start=1)})
        return out


def asked(spec: Spec, steps: Sequence[Step]) -> list[tuple[int, str]]:
    """Every value a student writes: all of each step's values, but the loss where it is not
    exact (a log-loss) and, for ``forward_backward``, the update."""
    out = []
    L = len(spec.layer_sizes) - 1
    for t, s in enumerate(steps, start=1):
        for name in s.values:
            if name == "L" and not s.loss_exact:
                continue
            if name == f"H{L}" and spec.preset.output == "identity":
                continue  # H_L is ŷ itself, and the solution writes it once
            if spec.kind == "forward_backward" and re.fullmatch(r"[Wb]\d+", name):
                continue
            out.append((t, name))
    return out


def _check_name(spec: Spec, t: int, name: str) -> str:
    return f"{name}@{t}" if spec.steps > 1 else name


def matrix_text(v: Any) -> str:
    """``"1/4,0;-1,2"``: rows by ``;``, the form ``solve --check`` reads back."""
    arr = np.asarray(v, dtype=object)
    if arr.ndim == 0:
        return str(arr.item())
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return ";".join(",".join(str(x) for x in row) for row in arr)


def _strings(v: Any) -> Any:
    arr = np.asarray(v, dtype=object)
    if arr.ndim == 0:
        return str(arr.item())
    return [_strings(x) for x in arr]


# -- many variants ----------------------------------------------------------------------


class Variants(Sequence[Variant]):
    """The variants of one call, in order; their sheets and keys as one document each."""

    def __init__(self, spec: Spec, items: list[Variant]) -> None:
        self.spec = spec
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: Any) -> Any:
        return self._items[i]

    def __iter__(self) -> Iterator[Variant]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"<Variants: {len(self)} of {self.spec.kind}, seed {self.spec.seed}>"

    def sheet(self, lang: str = "en") -> ProblemDocument:
        """Every variant's problem sheet, one after another (a new page each in LaTeX)."""
        from ._problem_doc import sheet

        return sheet(self._items, lang)

    def key(self, lang: str = "en") -> ProblemDocument:
        """Every variant's answer key, in the same order."""
        from ._problem_doc import key

        return key(self._items, lang)

    @property
    def key_lines(self) -> list[str]:
        return [v.key_line for v in self._items]


# -- sampling ---------------------------------------------------------------------------


def _checked(spec: Spec) -> Spec:
    """``spec`` with every setting checked at the boundary (errors name the argument)."""
    if spec.kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {spec.kind!r}")
    if spec.activation not in ACTIVATION_PRESETS:
        raise ConfigError(
            f"activation must be one of {', '.join(ACTIVATION_PRESETS)}, got {spec.activation!r}"
        )
    if spec.kind not in spec.preset.kinds:
        raise ConfigError(
            f"kind {spec.kind!r} has no exact variants with activation {spec.activation!r} "
            f"(sigmoid is rational only at 0, and a step moves its input off 0): use "
            f"{' or '.join(repr(k) for k in spec.preset.kinds)}, or activation 'relu_mse' "
            "or 'identity'"
        )
    if spec.order not in ("batch", "row"):
        raise ConfigError(f"order must be 'batch' or 'row', got {spec.order!r}")
    if not isinstance(spec.bias, bool):
        raise ConfigError(f"bias must be True or False, got {spec.bias!r}")
    sizes = spec.layer_sizes
    if len(sizes) < 2 or any(not _is_int(s) or s < 1 or s > 6 for s in sizes):
        raise ConfigError(
            f"layer_sizes must be at least two integers in 1..6 (a hand computation), got "
            f"{list(sizes)!r}"
        )
    if len(sizes) > 6:
        raise ConfigError(f"layer_sizes must have at most 6 layers by hand, got {len(sizes)}")
    if ACTIVATION_PRESETS[spec.activation].loss == "logloss" and sizes[-1] != 1:
        raise ConfigError(
            f"activation 'relu' (log-loss) needs one output, layer_sizes ends in {sizes[-1]}"
        )
    for name, low, high in (
        ("max_denominator", 2, 10**4),
        ("value_range", 1, 1000),
        ("rows", 1, 6),
        ("seed", 0, 2**63 - 1),
    ):
        value = getattr(spec, name)
        if not _is_int(value) or not low <= value <= high:
            raise ConfigError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    return spec


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _pool(spec: Spec, top: int) -> list[Fraction]:
    """The values a given is drawn from: integers and halves up to ``top`` (and the range)."""
    top = min(top, spec.value_range)
    out = [Fraction(i) for i in range(-top, top + 1)]
    out += [Fraction(i, 2) for i in range(-2 * top + 1, 2 * top, 2)]
    return out


def _draw(rng: np.random.Generator, pool: list[Fraction], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    # integers five times as likely as halves: fewer halves in the givens keep the
    # denominators of the products small (measured: 2-3x more proposals accepted)
    weights = np.array([5.0 if v.denominator == 1 else 1.0 for v in pool])
    picks = rng.choice(len(pool), size=shape, p=weights / weights.sum())
    for idx in np.ndindex(*shape):
        out[idx] = pool[int(picks[idx])]
    return out


def _null_space(A: np.ndarray) -> list[list[int]]:
    """An integer basis of ``{w : A·w = 0}`` by exact Gaussian elimination.

    Shapes: ``A`` (n, m) -> each vector (m,).
    """
    M = [[Fraction(x) for x in row] for row in A]
    n, m = len(M), (len(M[0]) if M else A.shape[1])
    pivots: list[int] = []
    r = 0
    for c in range(m):
        p = next((i for i in range(r, n) if M[i][c] != 0), None)
        if p is None:
            continue
        M[r], M[p] = M[p], M[r]
        M[r] = [x / M[r][c] for x in M[r]]
        for i in range(n):
            if i != r and M[i][c] != 0:
                M[i] = [a - M[i][c] * b for a, b in zip(M[i], M[r])]
        pivots.append(c)
        r += 1
    basis = []
    for free in (c for c in range(m) if c not in pivots):
        v = [Fraction(0)] * m
        v[free] = Fraction(1)
        for i, c in enumerate(pivots):
            v[c] = -M[i][free]
        scale = math.lcm(*(x.denominator for x in v))
        ints = [int(x * scale) for x in v]
        g = math.gcd(*ints)
        basis.append([x // g for x in ints])
    return basis


def _zero_input_layer(
    rng: np.random.Generator, O_prev: np.ndarray, n_out: int, bias: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """``W_k`` and ``b_k`` with ``O_{k-1}·W_k + b_k = 0`` in every row, or ``None``.

    Shapes: ``O_prev`` (n, n_{k-1}) -> ``W_k`` (n_{k-1}, n_k), ``b_k`` (n_k,).
    """
    A = np.hstack([O_prev, np.ones((O_prev.shape[0], 1), dtype=object)]) if bias else O_prev
    basis = _null_space(A)
    if not basis:
        return None
    B = np.array(basis, dtype=object).T  # (m, r)
    # mostly ±1, sometimes ±2 or 0: more variants than {−1, 0, 1} alone gives, still short
    C = rng.choice([-2, -1, 0, 1, 2], size=(len(basis), n_out), p=[0.1, 0.3, 0.2, 0.3, 0.1])
    C = C.astype(object)
    Wb = (B @ C).astype(object)
    Wb = np.vectorize(Fraction, otypes=[object])(Wb)
    if not any(x != 0 for x in Wb.flat):
        return None
    if bias:
        return Wb[:-1], Wb[-1]
    return Wb, np.empty(0, dtype=object)


def _exact_act(name: str, H: np.ndarray) -> np.ndarray:
    return np.frompyfunc(EXACT_F[name], 1, 1)(H).astype(object)


def _propose(spec: Spec, rng: np.random.Generator) -> Variant | None:
    """One proposal, or ``None`` when it fails a construction; not yet checked in full."""
    pool, small = _pool(spec, 2), _pool(spec, 1)  # data up to 2, weights up to 1
    sizes = spec.layer_sizes
    L = len(sizes) - 1
    p = spec.preset
    acts = [p.hidden] * (L - 1) + [p.output]
    n = spec.rows
    if acts[0] in ZERO_ONLY and n >= sizes[0]:
        # X of rank n_0 − 1 (and its rows one affine plane apart with biases): then some
        # W_1 ≠ 0 gives X·W_1 (+ b_1) = 0 in every row
        r = sizes[0] - 1
        if r:
            basis = _draw(rng, [Fraction(i) for i in (-1, 1, 2)], (r, sizes[0]))
            X = (_draw(rng, pool, (n, r)) @ basis).astype(object)  # (n, n_0), rank ≤ n_0 − 1
        else:
            X = np.full((n, sizes[0]), Fraction(0), dtype=object)
        if spec.bias:
            X = X + _draw(rng, pool, (1, sizes[0]))
    else:
        X = _draw(rng, pool, (n, sizes[0]))
    if len({tuple(row) for row in X}) < n:
        return None  # a row given twice says nothing new
    if p.loss == "logloss":
        y = np.array([[Fraction(int(v))] for v in rng.integers(0, 2, size=n)], dtype=object)
    else:
        y = _draw(rng, pool, (n, sizes[-1]))
    W: list[np.ndarray] = []
    b: list[np.ndarray] = []
    O = X
    for k in range(1, L + 1):
        if acts[k - 1] in ZERO_ONLY:
            made = _zero_input_layer(rng, O, sizes[k], spec.bias)
            if made is None:
                return None
            W_k, b_k = made
        else:
            W_k = _draw(rng, small, (sizes[k - 1], sizes[k]))
            b_k = _draw(rng, small, (sizes[k],)) if spec.bias else np.empty(0, dtype=object)
        W.append(W_k)
        b.append(b_k)
        H = O @ W_k + (b_k if spec.bias else 0)  # (n, n_k)
        try:
            O = _exact_act(acts[k - 1], H)
        except Irrational:
            return None
    eta = LEARNING_RATES[int(rng.integers(len(LEARNING_RATES)))]
    if spec.kind == "forward_backward":
        eta = Fraction(1)  # not asked: the pass stops at the gradients
    problem = Problem(
        W, b if spec.bias else [], X, y, tuple(acts), get_loss(p.loss), eta, spec.steps, spec.order
    )
    # Step by step, so that a proposal whose first step is already too long stops there
    steps: list[Step] = []
    W_t, b_t = problem.W0, problem.b0
    for t in range(1, spec.steps + 1):
        try:
            s = problem.step(t, W_t, b_t, exact=True)
        except Irrational:
            return None
        if not _short(spec, [x for _, name in asked(spec, [s]) for x in _flat(s.values[name])]):
            return None
        if t == 1 and not all(_moves(s, k) for k in range(1, L + 1)):
            return None
        steps.append(s)
        W_t, b_t = problem.updated(s)
    return Variant(
        id="",
        spec=spec,
        index=0,
        X=X,
        y=y,
        W=W,
        b=b if spec.bias else [],
        learning_rate=eta,
        steps=steps,
        difficulty=Difficulty(0, 1, 0),
    )


def _flat(value: Any) -> list[Any]:
    return list(np.asarray(value, dtype=object).flat)


def _short(spec: Spec, values: Sequence[Any]) -> bool:
    """Every value a Fraction with a denominator and a magnitude within the bounds."""
    bound, top = spec.max_denominator, spec.value_range
    return all(isinstance(x, Fraction) and x.denominator <= bound and abs(x) <= top for x in values)


def _nice(v: Variant) -> bool:
    """Every given and every value asked exact, small and short; every ∂L/∂W_k non-zero."""
    values = [x for g in v.givens().values() for x in g.flat]
    for t, name in v.asked:
        values += _flat(v.steps[t - 1].values[name])
    if not _short(v.spec, values):
        return False
    L = len(v.W)
    # every layer learns in the first step; a later step may find a ReLU dead, not all of them
    return all(_moves(v.steps[0], k) for k in range(1, L + 1)) and all(
        any(_moves(s, k) for k in range(1, L + 1)) for s in v.steps[1:]
    )


def _moves(s: Step, k: int) -> bool:
    """Whether ``∂L/∂W_k`` of step ``s`` has a non-zero entry."""
    return any(x != 0 for x in _flat(s.values[f"dW{k}"]))


def _content(v: Variant) -> tuple[Any, ...]:
    """What makes two variants alike: the same givens, up to the order of rows of a batch."""
    rows = [tuple(x) + tuple(t) for x, t in zip(v.X, v.y)]
    if v.spec.order == "batch":
        rows.sort()
    weights = tuple(tuple(w.flat) for w in v.W) + tuple(tuple(b.flat) for b in v.b)
    eta = v.learning_rate if v.spec.kind != "forward_backward" else None
    return (tuple(rows), weights, eta)


def _generate(spec: Spec, count: int) -> list[Variant]:
    out: list[Variant] = []
    seen: set[tuple[Any, ...]] = set()
    for index in range(1, count + 1):
        rng = np.random.default_rng([spec.seed, index])
        for _ in range(MAX_DRAWS):
            v = _propose(spec, rng)
            if v is None or not _nice(v):
                continue
            key = _content(v)
            if key in seen:
                continue
            seen.add(key)
            v.id, v.index = spec.id(index), index
            v.difficulty = Difficulty.of(
                [
                    x
                    for t, name in v.asked
                    for x in np.asarray(v.steps[t - 1].values[name], dtype=object).flat
                ]
            )
            out.append(v)
            break
        else:
            raise ConfigError(
                f"no variant {index} with every number exact and new within {MAX_DRAWS} "
                f"draws: ask for fewer (count), allow a larger max_denominator (got "
                f"{spec.max_denominator}) or value_range (got {spec.value_range}), or take a "
                f"smaller network (layer_sizes {list(spec.layer_sizes)})"
            )
    return out


def problems(
    count: int = 10,
    *,
    seed: int = 0,
    kind: str = "forward_backward",
    activation: str = "sigmoid",
    order: str = "batch",
    bias: bool = False,
    layer_sizes: Sequence[int] = (2, 2, 2, 1),
    max_denominator: int = 16,
    value_range: int = 4,
    rows: int = 2,
) -> Variants:
    """``count`` variants of the chapter's problem, each with nice numbers and an id.

    Args:
        count: how many variants (1..500).
        seed: the variants are a function of ``seed`` (and of the settings) alone.
        kind: ``"forward_backward"`` (Masha's forward and backward pass: every H, O, d and
            gradient), ``"one_step"`` or ``"two_steps"`` of gradient descent (the updates too).
        activation: the problem type: ``"sigmoid"`` (sigmoid hidden layers, a linear output,
            ½·MSE: Masha's), ``"relu"`` (ReLU hidden layers, a sigmoid output, log-loss),
            ``"relu_mse"`` (ReLU, linear output, ½·MSE) or ``"identity"`` (a linear network).
        order: ``"batch"`` (every row per step) or ``"row"`` (one row per step in turn).
        bias: whether the layers have biases ``b_k``.
        layer_sizes: from inputs to outputs; Masha's network is ``(2, 2, 2, 1)``.
        max_denominator: the largest denominator any number a student writes may have.
        value_range: the largest magnitude any number a student writes may have.
        rows: the rows of ``X`` (observations).

    Shapes: each variant's ``X`` (rows, layer_sizes[0]), ``y`` (rows, layer_sizes[-1]).
    """
    if not _is_int(count) or not 1 <= count <= MAX_COUNT:
        raise ConfigError(f"count must be an integer in 1..{MAX_COUNT}, got {count!r}")
    sizes = tuple(layer_sizes) if not isinstance(layer_sizes, str | bytes) else layer_sizes
    spec = _checked(
        Spec(
            kind=kind,
            activation=activation,
            order=order,
            bias=bias,
            layer_sizes=sizes,  # type: ignore[arg-type]
            max_denominator=max_denominator,
            value_range=value_range,
            rows=rows,
            seed=seed,
        )
    )
    return Variants(spec, _generate(spec, count))


def variant(variant_id: str) -> Variant:
    """The variant that the id ``variant_id`` names, generated again."""
    spec, index = parse_id(variant_id)
    if index > MAX_COUNT:
        raise ConfigError(f"variant {variant_id!r}: the index must be at most {MAX_COUNT}")
    return _generate(replace(spec), index)[-1]
