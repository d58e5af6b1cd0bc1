"""A request's problem, checked field by field with the library's own checks.

Every field is checked on its own, so that one mistake does not hide the others; each
message is the library's one line, filed under the field it names (``"X must have 2
column(s), got shape (1, 3)"`` under ``X``). Checks that need several fields (the width of
``X`` against ``layers``) run last, in :func:`matbackprop.solve` itself.
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .. import _checks
from ..cli._app import _SUBJECT  # the rule that reads the argument an error is about
from ..errors import ConfigError, MatbackpropError
from ..explain._i18n import check_lang
from ..explain.check import parse_matrix
from ..explain.explanation import resolve_loss
from ..explain.worked import to_fractions
from ..losses import Loss
from ..network import Network
from .limits import LIMITS, LimitError
from .models import Problem

__all__ = ["Errors", "FieldErrors", "Worked", "build_network", "command_line", "worked_inputs"]

T = TypeVar("T")

# The library's argument -> the request's field, where their names differ
_FIELD_OF_ARGUMENT = {"layer_sizes": "layers", "exact": "numbers", "epochs": "steps"}
PROBLEM_FIELDS = tuple(Problem.model_fields)
REQUEST_FIELDS = (
    "steps",
    "precision",
    "numbers",
    "lang",
    "tolerance",
    "carry_forward",
    "format",
    "what",
    "figure_format",
    "grid",
    "start",
    "step",
    "text",
    "target",
)
NUMBERS: dict[str, bool | str] = {"auto": "auto", "exact": True, "decimal": False}


class FieldErrors(MatbackpropError):
    """One message per field: the body of a 422 answer, ``{"errors": {field: message}}``."""

    exit_code = 2

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_of(message: str, default: str) -> str:
    """The field an error names first (``weights[1] (W2) expects ...``: ``weights[1]``),
    or ``default`` when it names none of the request's."""
    m = _SUBJECT.match(message)
    if m is None:
        return default
    name = _FIELD_OF_ARGUMENT.get(m["name"], m["name"])
    if name in ("weights", "biases") and m["index"] is not None:
        return f"{name}[{m['index']}]"
    return name if name in PROBLEM_FIELDS or name in REQUEST_FIELDS else default


class Errors:
    """Collects the messages of independent checks; :meth:`raise_any` raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, field: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``fn(*args, **kwargs)``, or ``None`` with its message filed under its field."""
        try:
            return fn(*args, **kwargs)
        except LimitError as exc:
            self.add(exc.field, str(exc))
        except MatbackpropError as exc:
            self.add(field_of(str(exc), field), str(exc))
        return None

    @contextmanager
    def guard(self, field: str) -> Iterator[None]:
        """The block's library error filed under its field, then all raised together."""
        try:
            yield
        except FieldErrors:
            raise
        except LimitError as exc:
            self.add(exc.field, str(exc))
        except MatbackpropError as exc:
            self.add(field_of(str(exc), field), str(exc))
        self.raise_any()

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, " ".join(message.split()))

    def raise_any(self) -> None:
        if self.errors:
            raise FieldErrors(dict(self.errors))


def _activations(value: str) -> str | list[str]:
    """``"relu,tanh"``: one per hidden layer, as the command line's ``--activation``."""
    names = [s.strip() for s in value.split(",")]
    return names[0] if len(names) == 1 else names


def _check_layers(layers: list[int]) -> None:
    # the shape itself (at least two positive sizes) is Network's own check
    LIMITS.at_most(
        "layers", len(layers) - 1, LIMITS.max_weight_layers, "the number of weight layers"
    )
    LIMITS.at_most("layers", max(layers, default=0), LIMITS.max_width, "each layer size")
    params = sum((a + 1) * b for a, b in itertools.pairwise(layers))
    LIMITS.at_most("layers", params, LIMITS.max_parameters, "the number of parameters")


def output_activation(p: Problem) -> str:
    """The output activation, or the loss's own (identity, sigmoid, softmax) when ``None``."""
    if p.output_activation:
        return p.output_activation
    try:
        return resolve_loss(p.loss).output_activation
    except MatbackpropError:
        return "identity"  # the loss's own message is filed under "loss"


def build_network(p: Problem, errors: Errors) -> Network | None:
    """The network of ``p``, with its init unless the weights are typed in."""
    if errors.check("layers", _check_layers, p.layers) is None and "layers" in errors.errors:
        return None
    typed = p.init == "typed"
    return errors.check(
        "layers",
        Network,
        p.layers,
        activation=_activations(p.activation),
        output_activation=output_activation(p),
        bias=p.bias,
        init="zeros" if typed else p.init,
        init_scale=None if typed else p.init_scale,
        seed=p.seed,
    )


def _matrix(text: str, name: str) -> np.ndarray:
    """The text as the command line reads it, checked to hold numbers (fractions allowed).

    Shapes: ``"1,2;3,4"`` -> (2, 2) object array of the entries' text.
    """
    cells = parse_matrix(text, name)
    try:  # decimals: NumPy reads a big X at once; "1/2", "abc", "nan" go to the full check
        if np.all(np.isfinite(np.asarray(cells, dtype=np.float64))):
            return cells
    except ValueError:
        pass
    to_fractions(cells, name)  # only the check: solve reads the text, to print as it was typed
    return cells


def _rows(X: np.ndarray, cap: int, what: str) -> np.ndarray:
    LIMITS.at_most("X", X.shape[0], cap, what)
    return X


def _learning_rate(text: str) -> str:
    value = to_fractions(parse_matrix(text, "learning_rate"), "learning_rate").reshape(-1)
    if value.size != 1:
        raise ConfigError(f"learning_rate must be one number, got {text!r}")
    _checks.learning_rate(float(value[0]))
    return text.strip()


@dataclass
class Worked:
    """What :func:`matbackprop.solve` takes, each piece checked."""

    net: Network
    loss: Loss
    X: np.ndarray
    y: np.ndarray
    learning_rate: str
    weights: list[np.ndarray] | None
    biases: list[np.ndarray] | None

    def solve_kwargs(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "learning_rate": self.learning_rate,
            "weights": self.weights,
            "biases": self.biases,
        }


def worked_inputs(p: Problem, errors: Errors, max_rows: int, rows_what: str) -> Worked:
    """Every field of ``p`` checked on its own; raises :class:`FieldErrors` with them all."""
    net = build_network(p, errors)
    loss = errors.check("loss", resolve_loss, p.loss)
    X = errors.check("X", _matrix, p.X, "X")
    if X is not None:
        errors.check("X", _rows, X, max_rows, rows_what)
    y = errors.check("y", _matrix, p.y, "y")
    eta = errors.check("learning_rate", _learning_rate, p.learning_rate)
    weights: list[np.ndarray] | None = None
    biases: list[np.ndarray] | None = None
    if p.init == "typed":
        L = len(p.layers) - 1
        given = p.weights or []
        if len(given) != L:
            errors.add("weights", f"weights must hold {L} matrices, got {len(given)}")
        weights = [
            errors.check(f"weights[{k}]", _matrix, w, f"weights[{k}] (W{k + 1})")  # type: ignore[misc]
            for k, w in enumerate(given)
        ]
        if p.bias:
            bs = p.biases or []
            if len(bs) != L:
                errors.add("biases", f"biases must hold {L} vectors, got {len(bs)}")
            biases = [
                errors.check(f"biases[{k}]", _matrix, b, f"biases[{k}] (b{k + 1})")  # type: ignore[misc]
                for k, b in enumerate(bs)
            ]
    errors.raise_any()
    assert net is not None
    assert loss is not None
    assert X is not None
    assert y is not None
    assert eta is not None
    return Worked(net, loss, X, y, eta, weights, biases)


def check_request(errors: Errors, *, steps: int, cap: int, lang: str | None = None,
                  numbers: str | None = None) -> None:  # fmt: skip
    """The request's own fields: steps within the cap, a known language and number style."""
    errors.check("steps", _checks.positive_int, steps, "steps")
    errors.check("steps", LIMITS.at_most, "steps", steps, cap, "steps per request")
    if lang is not None:
        errors.check("lang", check_lang, lang)
    if numbers is not None and numbers not in NUMBERS:
        errors.add("numbers", f"numbers must be one of auto, exact, decimal, got {numbers!r}")


def command_line(
    p: Problem,
    *,
    steps: int,
    numbers: str = "auto",
    precision: int = 4,
    lang: str = "en",
    fmt: str | None = None,
    answers: list[tuple[str, str]] | None = None,
    tolerance: str | None = None,
    carry_forward: bool = False,
) -> str:
    """The ``matbackprop solve`` command that works the same problem (defaults left out)."""
    args = ["matbackprop", "solve", "--layers", ",".join(map(str, p.layers))]
    args += ["--activation", p.activation]
    if p.output_activation:
        args += ["--output-activation", p.output_activation]
    args += ["--bias" if p.bias else "--no-bias", "--loss", p.loss, "--lr", p.learning_rate]
    args += ["--X", p.X, "--y", p.y]
    if p.init == "typed":
        for w in p.weights or []:
            args += ["--W", w]
        for b in (p.biases or []) if p.bias else []:
            args += ["--b", b]
    else:
        args += ["--init", p.init]
        if p.init_scale is not None:
            args += ["--init-scale", repr(p.init_scale)]
        if p.seed:
            args += ["--seed", str(p.seed)]
    args += ["--steps", str(steps)]
    if p.order != "batch":
        args += ["--order", p.order]
    if numbers != "auto":
        args += ["--numbers", numbers]
    if precision != 4:
        args += ["--precision", str(precision)]
    if lang != "en":
        args += ["--lang", lang]
    for name, value in answers or []:
        args += ["--check", f"{name}={value}"]
    if tolerance:
        args += ["--tolerance", tolerance]
    if carry_forward:
        args.append("--carry-forward")
    if fmt and fmt != "text":
        args += ["--format", fmt]
    return " ".join(shlex.quote(_one_line(a)) for a in args)


def _one_line(text: str) -> str:
    """A matrix typed over several lines as the command line's ``1,2;3,4``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ";".join(lines) if len(lines) > 1 else text.strip()
