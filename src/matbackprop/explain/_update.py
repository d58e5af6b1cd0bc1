"""The update rule of a worked step: gradient descent, momentum, Nesterov or Adam, on one
parameter, in Fractions or in float64.

Each rule mirrors :mod:`matbackprop.optimizers` (``SGD``, ``SGD(momentum=μ)``,
``SGD(momentum=μ, nesterov=True)``, ``Adam``) operation for operation, so that a float step
gives the engine's numbers to the last bit and an exact step gives the same numbers as
fractions. The state of each parameter lives in the step's values under its own name:
``v2`` is the velocity of ``W2``, ``vb2`` that of ``b2``; Adam's moments are ``m2`` and
``s2`` (the engine's slots ``m`` and ``v``: ``s`` here, since ``v`` is momentum's velocity),
with ``mhat2`` and ``shat2`` their bias-corrected values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..optimizers import SGD, Adam, Optimizer, get_optimizer

__all__ = ["Irrational", "Rule", "canonical_state", "rule_of", "slot_name", "state_symbol"]

Put = Callable[[str, Any], Any]  # records a value under its name, returns the one to go on with


class Irrational(Exception):
    """An exact value would leave the rationals: ``what`` (math markup ``⟦text|latex⟧``) is
    ``kind`` (``"irrational"`` or ``"infinite"``). Raised by every exact step (this module's
    square roots, :mod:`.worked`'s activations and losses)."""

    def __init__(self, what: str, kind: str = "irrational") -> None:
        super().__init__(f"{what} is {kind}")
        self.what = what
        self.kind = kind


def slot_name(slot: str, param: str) -> str:
    """``slot_name("v", "W2")`` is ``"v2"``, ``slot_name("v", "b2")`` is ``"vb2"``."""
    kind, k = param[0], param[1:]
    return f"{slot}{k}" if kind == "W" else f"{slot}b{k}"


STATE_KINDS = ("v", "m", "s", "mhat", "shat")


def state_symbol(name: str) -> tuple[str, str] | None:
    """``(latex, text)`` of a state value's name: ``v2`` is ``v_{2}``/``v2``, ``vb2`` is
    ``v_{b_{2}}``/``v_b2``, ``mhat2`` is ``\\hat{m}_{2}``/``m̂2``; ``None`` for other names."""
    m = re.fullmatch(r"(mhat|shat|v|m|s)(b?)(\d+)", name)
    if m is None:
        return None
    kind, bias, k = m.groups()
    base_l = {"mhat": r"\hat{m}", "shat": r"\hat{s}"}.get(kind, kind)
    base_t = {"mhat": "m̂", "shat": "ŝ"}.get(kind, kind)
    if bias:
        return f"{base_l}_{{b_{{{k}}}}}", f"{base_t}_b{k}"
    return f"{base_l}_{{{k}}}", f"{base_t}{k}"


def canonical_state(s: str) -> str | None:
    """A student's name for a state value (``v2``, ``v_b2``, ``m̂3``, ``\\hat{s}_{2}``,
    ``mhat_b1``), as the step's name (``v2``, ``vb2``, ``mhat3``), or ``None``."""
    s = s.replace(r"\hat{m}", "mhat").replace(r"\hat{s}", "shat")
    s = s.replace("m\u0302", "mhat").replace("ŝ", "shat").replace("s\u0302", "shat")
    s = re.sub(r"[\s_{}\\]", "", s).lower()
    m = re.fullmatch(r"(mhat|shat|v|m|s)(b?)(\d+)", s)
    return None if m is None else "".join(m.groups())


def _exact_sqrt(x: Fraction, what: str) -> Fraction:
    """``√x`` when it is rational (numerator and denominator perfect squares)."""
    p, q = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if x < 0 or p * p != x.numerator or q * q != x.denominator:
        raise Irrational(what)
    return Fraction(p, q)


@dataclass(frozen=True)
class Rule:
    """An update rule with its settings as exact numbers (``0.9`` is ``9/10``).

    ``kind`` is ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.
    """

    kind: str = "sgd"
    momentum: Fraction = Fraction(0)  # μ
    beta1: Fraction = Fraction(9, 10)
    beta2: Fraction = Fraction(999, 1000)
    epsilon: Fraction = Fraction(1, 10**8)
    epsilon_on: str = "v"  # Adam: ε added to √s (the engine's default) or to √ŝ ("v_hat")

    def slots(self) -> tuple[str, ...]:
        """The state kept per parameter, carried from step to step."""
        return {"sgd": (), "momentum": ("v",), "nesterov": ("v",), "adam": ("m", "s")}[self.kind]

    def shown(self) -> tuple[str, ...]:
        """Every state value a step shows per parameter, in the order it is computed."""
        return ("m", "s", "mhat", "shat") if self.kind == "adam" else self.slots()

    def config(self) -> dict[str, str]:
        """The rule and its settings as strings (for the JSON trace)."""
        out = {"name": self.kind}
        if self.kind in ("momentum", "nesterov"):
            out["momentum"] = str(self.momentum)
        if self.kind == "adam":
            out.update(
                beta1=str(self.beta1),
                beta2=str(self.beta2),
                epsilon=str(self.epsilon),
                epsilon_on=self.epsilon_on,
            )
        return out

    def apply(
        self,
        param: str,
        P: np.ndarray,
        g: np.ndarray,
        state: dict[str, Any],
        t: int,
        eta: Any,
        exact: bool,
        sign: int,
        put: Put,
    ) -> np.ndarray:
        """The parameter ``param`` (``"W2"``) after step ``t``, from its value ``P`` and its
        gradient ``g``; each state value goes through ``put``. ``sign`` is −1 (a slip: +1).

        Shapes: ``P``, ``g`` and every state array alike.
        """

        def c(x: Fraction) -> Any:  # a setting, in the arithmetic of the step
            return x if exact else float(x)

        if self.kind == "sgd":
            return P + sign * eta * g  # W_k ← W_k − η·∂L/∂W_k
        if self.kind in ("momentum", "nesterov"):
            mu = c(self.momentum)
            # as SGD.update: v ← μ·v − η·g (v *= μ; v -= η·g), in parameter units
            v = put(slot_name("v", param), mu * state[slot_name("v", param)] + sign * eta * g)
            if self.kind == "momentum":
                return P + v  # W ← W + v
            return P + (mu * v + sign * eta * g)  # W ← W + μ·v − η·g: the look-ahead point
        b1, b2 = c(self.beta1), c(self.beta2)
        m = put(slot_name("m", param), b1 * state[slot_name("m", param)] + (1 - b1) * g)
        s = put(slot_name("s", param), b2 * state[slot_name("s", param)] + (1 - b2) * (g * g))
        put(slot_name("mhat", param), m / (1 - b1**t))  # m̂ = m/(1 − β1ᵗ), shown
        put(slot_name("shat", param), s / (1 - b2**t))  # ŝ = s/(1 − β2ᵗ), shown
        what = (
            f"⟦√(1 − β2^{t}) = √({1 - self.beta2**t})|"
            f"\\sqrt{{1 - \\beta_2^{{{t}}}}} = \\sqrt{{{1 - self.beta2**t}}}⟧"
        )
        if exact:
            root = _exact_sqrt(1 - b2**t, what)
            sq = np.frompyfunc(lambda x: _exact_sqrt(x, f"⟦√{x}|\\sqrt{{{x}}}⟧"), 1, 1)(s).astype(
                object
            )
        else:
            root, sq = np.sqrt(1.0 - b2**t), np.sqrt(s)
        eps = c(self.epsilon)
        if self.epsilon_on == "v":
            # as Adam.update: η·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√s + ε), = η·m̂/(√ŝ + ε/√(1−β2ᵗ))
            step = eta * root / (1 - b1**t)
            delta = step * m / (sq + eps)
        else:
            # η/(1−β1ᵗ) · m/(√s/√(1−β2ᵗ) + ε) = η·m̂/(√ŝ + ε), PyTorch's form
            step = eta / (1 - b1**t)
            delta = step * m / (sq / (root if exact else float(root)) + eps)
        return P - delta if sign < 0 else P + delta


SUPPORTED = ("sgd", "gd", "momentum", "nesterov", "adam")


def _setting(value: Any) -> Fraction:
    """A float setting as the decimal it was typed as: ``0.9`` is ``9/10``."""
    return Fraction(repr(float(value)))


def rule_of(optimizer: Any) -> Rule:
    """The rule of ``optimizer``: a name (``"sgd"``, ``"gd"``, ``"momentum"``,
    ``"nesterov"``, ``"adam"``) or an optimizer object with its settings
    (``mb.SGD(momentum=0.5)``, ``mb.Adam(beta1=0.8)``)."""
    if isinstance(optimizer, str) and optimizer.lower() not in SUPPORTED:
        raise ConfigError(
            f"optimizer must be one of {', '.join(SUPPORTED)} for a worked solution; "
            f"got {optimizer!r}"
        )
    if not isinstance(optimizer, str | Optimizer):
        raise ConfigError(
            f"optimizer must be a name ({', '.join(SUPPORTED)}) or an optimizer such as "
            f"mb.Adam(), got {type(optimizer).__name__}"
        )
    opt = get_optimizer(optimizer)
    if isinstance(opt, SGD):
        if opt.momentum == 0:
            return Rule()
        return Rule("nesterov" if opt.nesterov else "momentum", momentum=_setting(opt.momentum))
    if isinstance(opt, Adam):
        return Rule(
            "adam",
            beta1=_setting(opt.beta1),
            beta2=_setting(opt.beta2),
            epsilon=_setting(opt.epsilon),
            epsilon_on=opt.epsilon_on,
        )
    raise ConfigError(
        f"optimizer {opt.name!r} has no worked solution; solve works "
        f"{', '.join(SUPPORTED)} (as names or objects)"
    )
