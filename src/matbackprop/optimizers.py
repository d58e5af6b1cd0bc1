"""Update rules ``W ← W − η·(...)``, applied in place to every parameter array.

An optimizer is a frozen settings object; its running state (velocities, Adam moments,
the step count) lives in a separate :class:`OptimizerState` so that a checkpoint can save
and restore it exactly. ``update`` uses only the array API standard, in the namespace of
the parameters (``numpy`` for NumPy arrays), and keeps the state in that namespace too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ._checks import finite_float
from ._xp import namespace
from .errors import ConfigError

__all__ = ["SGD", "Adam", "Optimizer", "OptimizerState", "get_optimizer"]

Array = NDArray[np.floating]


@dataclass
class OptimizerState:
    """Running state: ``slots[name][i]`` is shaped like parameter ``i``; ``t`` counts steps."""

    t: int = 0
    slots: dict[str, list[Array]] = field(default_factory=dict)


class Optimizer:
    name: ClassVar[str] = "optimizer"

    def init_state(self, params: Sequence[Array]) -> OptimizerState:
        return OptimizerState()

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        """Update each ``params[i]`` in place from ``grads[i]`` with learning rate ``eta``."""
        raise NotImplementedError

    def to_config(self) -> dict[str, object]:
        return {"name": self.name}


@dataclass(frozen=True)
class SGD(Optimizer):
    """Gradient descent; with ``momentum`` > 0 heavy-ball or (``nesterov=True``) Nesterov.

    Full batch or mini-batch is decided by ``fit(batch_size=...)``, not here. With
    momentum μ: ``v ← μ·v − η·g``, ``W ← W + v``; Nesterov: ``W ← W + μ·v − η·g``
    (the look-ahead form used by PyTorch and scikit-learn).
    """

    momentum: float = 0.0
    nesterov: bool = False
    name: ClassVar[str] = "sgd"

    def __post_init__(self) -> None:
        m = finite_float(self.momentum, "momentum")
        if not 0 <= m < 1:
            raise ConfigError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.nesterov and m == 0:
            raise ConfigError("nesterov=True needs momentum > 0, got momentum=0")

    def init_state(self, params: Sequence[Array]) -> OptimizerState:
        if self.momentum == 0:
            return OptimizerState()
        return OptimizerState(slots={"velocity": [namespace(p).zeros_like(p) for p in params]})

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        state.t += 1
        if self.momentum == 0:
            for W, dW in zip(params, grads):
                W -= eta * dW  # W_k ← W_k − η·∂L/∂W_k
            return
        mu = self.momentum
        for W, dW, v in zip(params, grads, state.slots["velocity"]):
            v *= mu
            v -= eta * dW
            if self.nesterov:
                W += mu * v - eta * dW
            else:
                W += v

    def to_config(self) -> dict[str, object]:
        return {"name": self.name, "momentum": self.momentum, "nesterov": self.nesterov}


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected moments."""

    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    name: ClassVar[str] = "adam"

    def __post_init__(self) -> None:
        for key in ("beta1", "beta2"):
            b = finite_float(getattr(self, key), key)
            if not 0 <= b < 1:
                raise ConfigError(f"{key} must be in [0, 1), got {b!r}")
        if not finite_float(self.epsilon, "epsilon") > 0:
            raise ConfigError(f"epsilon must be > 0, got {self.epsilon!r}")

    def init_state(self, params: Sequence[Array]) -> OptimizerState:
        return OptimizerState(
            slots={name: [namespace(p).zeros_like(p) for p in params] for name in ("m", "v")}
        )

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        state.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into the step size: η·√(1−β2ᵗ)/(1−β1ᵗ)
        step = eta * np.sqrt(1.0 - b2**state.t) / (1.0 - b1**state.t)
        for W, g, m, v in zip(params, grads, state.slots["m"], state.slots["v"]):
            xp = namespace(W)
            # NumPy keeps its float64 scalar (as before); other libraries take a Python float
            s = step if xp is np else float(step)
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            W -= s * m / (xp.sqrt(v) + self.epsilon)

    def to_config(self) -> dict[str, object]:
        return {
            "name": self.name,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
        }


_BY_NAME: dict[str, Optimizer] = {
    "gd": SGD(),
    "sgd": SGD(),
    "momentum": SGD(momentum=0.9),
    "nesterov": SGD(momentum=0.9, nesterov=True),
    "adam": Adam(),
}


def get_optimizer(optimizer: str | Optimizer, *, argument: str = "optimizer") -> Optimizer:
    """An optimizer from a name (gd, sgd, momentum, nesterov, adam) or itself."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if not isinstance(optimizer, str) or optimizer.lower() not in _BY_NAME:
        raise ConfigError(f"{argument} must be one of {', '.join(_BY_NAME)}; got {optimizer!r}")
    return _BY_NAME[optimizer.lower()]


def optimizer_from_config(config: dict[str, object]) -> Optimizer:
    name = config.get("name")
    if name == "sgd":
        return SGD(
            momentum=float(config.get("momentum", 0.0)),  # type: ignore[arg-type]
            nesterov=bool(config.get("nesterov", False)),
        )
    if name == "adam":
        return Adam(**{k: float(v) for k, v in config.items() if k != "name"})  # type: ignore[arg-type]
    raise ConfigError(f"optimizer config has an unknown name {name!r}")
