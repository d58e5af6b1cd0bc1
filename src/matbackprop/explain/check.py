"""Check my answer: the user's values against a worked solution, in the order of the
computation; the first that differs is named with both matrices."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ConfigError, ShapeError
from .worked import Step, to_fractions

__all__ = ["CheckResult", "Mismatch", "check_values", "parse_matrix"]


def parse_matrix(text: str, name: str) -> np.ndarray:
    """``"1,2;3,4"`` (rows by ``;`` or new lines, entries by ``,`` or spaces; ``1/16`` and
    decimals allowed) as an object array of the entry strings.

    Shapes: ``"1,2;3,4"`` -> (2, 2); ``"1;0"`` -> (2, 1).
    """
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


def _matches(yours: Fraction, correct: Any, token: Any) -> bool:
    """A fraction or an integer must be exact against an exact value; a decimal matches to
    the places written; a float step allows its own rounding (1e-9 relative)."""
    tol = _tolerance(token)
    if isinstance(correct, Fraction) and tol == 0.0:
        return yours == correct
    return abs(float(yours) - float(correct)) < max(tol, 1e-9 * max(1.0, abs(float(correct))))


def _label(step: int, name: str) -> str:
    return f"{name}@{step}"


def check_values(steps: list[Step], n_layers: int, values: Mapping[str, Any]) -> CheckResult:
    """Compare the user's values (``{"d2": …, "W2@2": …}``) in the order of the
    computation and name the first one that differs; the default step is 1.

    Shapes: each value has the shape of the intermediate it names (a bias may be a row).
    """
    wanted = []
    for key, value in values.items():
        step, name = _parse_key(steps, n_layers, key)
        order = list(steps[step - 1].values).index(name)
        wanted.append((step, order, name, value, key))
    matched: list[str] = []
    for step, _, name, value, key in sorted(wanted, key=lambda w: (w[0], w[1])):
        correct = np.asarray(steps[step - 1].values[name], dtype=object)
        yours = (
            parse_matrix(value, key) if isinstance(value, str) else np.array(value, dtype=object)
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
        if not all(_matches(u, c, t) for u, c, t in zip(fr.flat, correct.flat, yours.flat)):
            return CheckResult(False, matched, Mismatch(step, name, fr, correct))
        matched.append(_label(step, name))
    return CheckResult(True, matched, None)


def _parse_key(steps: list[Step], n_layers: int, key: str) -> tuple[int, str]:
    m = re.fullmatch(r"\s*([^@\s]+)\s*(?:@\s*(\d+))?\s*", str(key))
    if not m:
        raise ConfigError(f"check names look like W2 or d2@3, got {key!r}")
    name, step = m.group(1), int(m.group(2) or 1)
    L = n_layers
    name = {"yhat": "y_hat", "ŷ": "y_hat", f"O{L}": "y_hat", "loss": "L"}.get(name, name)
    name = re.sub(r"^dL/d", "d", name)
    name = re.sub(r"^f'\(H(\d+)\)$", r"fp\1", name)
    if not 1 <= step <= len(steps):
        raise ConfigError(f"check step must be in 1..{len(steps)}, got {step} in {key!r}")
    names = list(steps[step - 1].values)
    if name not in names:
        raise ConfigError(f"check name must be one of {', '.join(names)}; got {key!r}")
    return step, name
