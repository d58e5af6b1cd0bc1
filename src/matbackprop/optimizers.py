"""Update rules ``W ← W − η·(...)``, applied in place to every parameter array.

An optimizer is a frozen settings object (compared, saved and rebuilt by its settings) that
carries its running state, :attr:`Optimizer.state`: the step count ``t`` and the slots
(momentum's velocity, Adam's moments, ...), one array per parameter, in the order of
:meth:`Network.parameters` (``W_1..W_L``, then ``b_1..b_L``). The state is created on the
first step, is public between steps, continues across :meth:`Optimizer.step` calls and
``fit`` calls that are given the same object, and is saved and restored as plain arrays
(:meth:`Optimizer.state_dict`, :meth:`Optimizer.load_state_dict`) or in a checkpoint.

The learning rate η is given to each step, not to the optimizer: ``fit(learning_rate=)``,
``net.step(learning_rate=)`` and ``opt.step(..., learning_rate)`` all name it the same way.

``update`` is the rule itself, on explicit state: it uses only the array API standard, in
the namespace of the parameters (``numpy`` for NumPy arrays), and keeps the state there too.
Every rule is written as in PyTorch's ``torch.optim`` documentation, except where a
docstring says otherwise.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from . import _checks, _xp
from ._checks import finite_float
from ._xp import namespace
from .errors import ConfigError, ShapeError

if TYPE_CHECKING:
    from .network import Gradients, Network

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "Optimizer",
    "OptimizerState",
    "RMSprop",
    "get_optimizer",
]

Array = NDArray[np.floating]


@dataclass
class OptimizerState:
    """Running state: ``slots[name][i]`` is shaped like parameter ``i``; ``t`` counts steps.

    Shapes: ``slots[name][i]``: the shape of ``net.parameters()[i]``.
    """

    t: int = 0
    slots: dict[str, list[Array]] = field(default_factory=dict)


class Optimizer:
    """The base of every update rule; see the module docstring for the state it carries."""

    name: ClassVar[str] = "optimizer"

    # -- the rule, on explicit state (what fit, the scikit-learn estimators and Dask call) --

    def slot_names(self) -> tuple[str, ...]:
        """The names of the per-parameter arrays of the state (``()`` for plain SGD)."""
        return ()

    def init_state(self, params: Sequence[Array]) -> OptimizerState:
        """A fresh state for ``params``: every slot zero (AdaGrad: its initial accumulator)."""
        return OptimizerState(
            slots={name: [namespace(p).zeros_like(p) for p in params] for name in self.slot_names()}
        )

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        """Update each ``params[i]`` in place from ``grads[i]`` with learning rate ``eta``."""
        raise NotImplementedError

    def to_config(self) -> dict[str, object]:
        return {"name": self.name}

    # -- the object's own state: stepping one batch at a time ------------------------------

    @property
    def state(self) -> OptimizerState:
        """The state of this optimizer's steps; empty until the first step (or :meth:`reset`)."""
        state = self.__dict__.get("_state")
        if state is None:
            state = OptimizerState()
            object.__setattr__(self, "_state", state)  # the settings stay frozen
        return state

    def reset(self) -> None:
        """Forget every step: the next one starts from ``t = 0`` and zero slots."""
        object.__setattr__(self, "_state", OptimizerState())

    def step(
        self,
        params: Network | Sequence[Array],
        grads: Gradients | Sequence[Array],
        learning_rate: float,
        *,
        freeze: str | Sequence[str] | None = None,
    ) -> None:
        """One update of ``params`` in place from ``grads``, continuing :attr:`state`.

        Args:
            params: a :class:`~matbackprop.Network` (its parameters are updated) or a list
                of arrays.
            grads: the :class:`~matbackprop.Gradients` of ``net.backward`` or
                ``net.gradients``, or one array per parameter.
            learning_rate: η, with 0 < η ≤ 1000.
            freeze: parameters left as they are, with their slots (a Network only): ``"W"``
                (every weight), ``"b"`` (every bias) or names ``"W1"``, ``"b2"``, ...

        Shapes: ``grads[i]``: the shape of ``params[i]``.
        """
        from .network import Gradients, Network

        eta = _checks.learning_rate(learning_rate)
        if isinstance(params, Network):
            arrays, skip = params.parameters(), params._frozen_indices(freeze)
        elif freeze is not None:
            raise ConfigError("freeze needs a Network as params, got a list of arrays")
        else:
            arrays, skip = list(params), frozenset()
        g = grads.parameters() if isinstance(grads, Gradients) else list(grads)
        _check_grads(arrays, g)
        update_selected(self, arrays, g, self.bound_state(arrays), eta, skip)

    def bound_state(self, params: Sequence[Array]) -> OptimizerState:
        """:attr:`state`, created for ``params`` if empty, or a clear error if it was made
        for parameters of other shapes."""
        state = self.state
        names = self.slot_names()
        if names and not state.slots:
            t = state.t  # a state loaded without slots keeps its step count
            object.__setattr__(self, "_state", self.init_state(params))
            self.state.t = t
            return self.state
        if set(state.slots) != set(names):
            raise ConfigError(
                f"optimizer state holds slots {sorted(state.slots)}, {self.name} needs "
                f"{sorted(names)}; call reset() to start afresh"
            )
        want = [tuple(p.shape) for p in params]
        for name in names:
            have = [tuple(a.shape) for a in state.slots[name]]
            if have != want:
                raise ShapeError(
                    f"optimizer state {name!r} was made for parameters of shapes {have}, got "
                    f"parameters of shapes {want}; call reset() or use a new optimizer"
                )
            if any(_xp.is_numpy(a) != _xp.is_numpy(p) for a, p in zip(state.slots[name], params)):
                raise ConfigError(
                    f"optimizer state {name!r} lives in another array library than the "
                    "parameters; call reset() after moving the network with net.to()"
                )
        return state

    def plain_iterate(self, params: Network | Sequence[Array]) -> list[Array]:
        """The iterate the rule is written in, as new arrays in the order of ``params``.

        For every rule but Nesterov's this is a copy of the parameters themselves. Nesterov
        keeps the look-ahead point ``W = θ + μ·v``, where the next gradient is taken (see
        :class:`SGD`); this returns ``θ = W − μ·v``.

        Shapes: as ``params``.
        """
        from .network import Network

        arrays = params.parameters() if isinstance(params, Network) else list(params)
        # (NumPy 1.x's asarray has no copy=, hence .copy() there)
        return [p.copy() if _xp.is_numpy(p) else namespace(p).asarray(p, copy=True) for p in arrays]

    # -- saving: plain arrays, never a pickle -------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray[Any, Any]]:
        """The state as plain NumPy arrays: ``"t"`` (0-d int64) and ``"<slot>_<i>"``.

        ``numpy.savez(path, **opt.state_dict())`` saves it; ``np.load(path)`` reads it back
        without unpickling, for :meth:`load_state_dict`.
        """
        state = self.state
        out: dict[str, np.ndarray[Any, Any]] = {"t": np.asarray(state.t, dtype=np.int64)}
        for name, slot in state.slots.items():
            for i, a in enumerate(slot):
                out[f"{name}_{i}"] = np.array(_xp.to_numpy(a), copy=True)
        return out

    def load_state_dict(self, arrays: Mapping[str, Any]) -> None:
        """Replace the state by one from :meth:`state_dict` (checked before anything changes).

        The arrays are copied as NumPy arrays; their shapes are checked against the
        parameters on the next step.
        """
        if not isinstance(arrays, Mapping) or "t" not in arrays:
            raise ConfigError("state must be a mapping from state_dict() with a 't' entry")
        t = np.asarray(arrays["t"])
        if t.shape != () or t.dtype.kind not in "iu" or int(t) < 0:
            raise ConfigError(f"state 't' must be a non-negative integer, got {arrays['t']!r}")
        names = self.slot_names()
        counts = {name: sum(1 for k in arrays if _slot_of(k) == name) for name in names}
        extra = sorted(k for k in arrays if k != "t" and _slot_of(k) not in names)
        if extra:
            raise ConfigError(
                f"state has entries {extra} that {self.name} does not use (its slots: "
                f"{list(names) or 'none'})"
            )
        slots: dict[str, list[Array]] = {}
        if int(t) > 0 or any(counts.values()):
            for name in names:
                keys = [f"{name}_{i}" for i in range(counts[name])]
                if counts[name] == 0 or any(k not in arrays for k in keys):
                    raise ConfigError(
                        f"state must hold {name}_0, {name}_1, ... for each parameter; got "
                        f"{sorted(k for k in arrays if _slot_of(k) == name) or 'none'}"
                    )
                if counts[name] != counts[names[0]]:
                    raise ConfigError(
                        f"state holds {counts[name]} {name!r} arrays but {counts[names[0]]} "
                        f"{names[0]!r} arrays"
                    )
                values = [np.asarray(arrays[k]) for k in keys]
                for k, v in zip(keys, values):
                    if v.dtype.kind != "f" or not np.all(np.isfinite(v)):
                        raise ConfigError(f"state {k!r} must hold finite floats")
                slots[name] = [np.array(v, copy=True) for v in values]
        object.__setattr__(self, "_state", OptimizerState(t=int(t), slots=slots))


def update_selected(
    opt: Optimizer,
    params: Sequence[Array],
    grads: Sequence[Array],
    state: OptimizerState,
    eta: float,
    skip: Collection[int] = frozenset(),
) -> None:
    """``opt.update`` on the parameters whose index is not in ``skip`` (the frozen ones):
    they and their slots stay as they are, and the step still counts in ``state.t``."""
    if not skip:  # nothing frozen: the rule itself, at no extra cost
        opt.update(params, grads, state, eta)
        return
    keep = [i for i in range(len(params)) if i not in skip]
    # The slots' arrays are shared with the subset, so only t needs writing back.
    view = OptimizerState(
        t=state.t, slots={k: [v[i] for i in keep] for k, v in state.slots.items()}
    )
    opt.update([params[i] for i in keep], [grads[i] for i in keep], view, eta)
    state.t = view.t


#: When the parameters are updated in a step: ``"after"`` the whole backward pass (every
#: ``∂L/∂W_k`` at the old weights), or ``"layerwise"``, each layer as soon as its gradient is
#: known, so that ``d`` goes down through the updated ``W_k`` (the chapter's problem 08).
UPDATE_MODES = ("after", "layerwise")


def check_update(value: Any, argument: str = "update") -> str:
    """``value`` if it is one of :data:`UPDATE_MODES`, else a :class:`ConfigError`."""
    if not isinstance(value, str) or value not in UPDATE_MODES:
        raise ConfigError(f"{argument} must be 'after' or 'layerwise', got {value!r}")
    return value


def update_part(
    opt: Optimizer,
    params: Sequence[Array],
    grads: Sequence[Array],
    state: OptimizerState,
    eta: float,
    indices: Sequence[int],
    t: int,
) -> int:
    """``opt.update`` on some parameters only, as one part of a step that starts at count ``t``.

    ``params[j]`` is parameter ``indices[j]`` of the network (its slots are
    ``state.slots[name][indices[j]]``). The rule runs as if ``state.t`` were ``t``, and
    ``state.t`` is left as it is: a layer-wise step updates its layers one part at a time,
    each part at the same step count (Adam's bias corrections use the same ``t`` for every
    layer), and sets ``state.t`` once, to the count returned here.
    """
    # The slots' arrays are shared with the part, so the rule updates them in place.
    view = OptimizerState(t=t, slots={k: [v[i] for i in indices] for k, v in state.slots.items()})
    opt.update(params, grads, view, eta)
    return view.t


def _check_grads(params: Sequence[Array], grads: Sequence[Array]) -> None:
    if len(grads) != len(params):
        raise ShapeError(
            f"grads must hold {len(params)} arrays (one per parameter), got {len(grads)}"
        )
    for i, (p, g) in enumerate(zip(params, grads)):
        if tuple(g.shape) != tuple(p.shape):
            raise ShapeError(
                f"grads[{i}] must have the shape of its parameter {tuple(p.shape)}, got "
                f"{tuple(g.shape)}"
            )


def _slot_of(key: str) -> str | None:
    name, _, index = key.rpartition("_")
    return name if name and index.isdigit() else None


def _unit_interval(value: Any, name: str) -> float:
    v = finite_float(value, name)
    if not 0 <= v < 1:
        raise ConfigError(f"{name} must be in [0, 1), got {value!r}")
    return v


def _positive(value: Any, name: str) -> float:
    if not finite_float(value, name) > 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class SGD(Optimizer):
    """Gradient descent; with ``momentum`` > 0 heavy-ball or (``nesterov=True``) Nesterov.

    Full batch or mini-batch is decided by ``fit(batch_size=...)``, not here.

    * plain: ``W ← W − η·g``;
    * momentum μ: ``v ← μ·v − η·g``, ``W ← W + v`` (the ``velocity`` slot is ``v``);
    * Nesterov: ``v ← μ·v − η·g``, ``W ← W + μ·v − η·g``.

    The velocity is in parameter units (Sutskever et al. 2013, scikit-learn). PyTorch keeps
    a buffer ``b ← μ·b + g`` and steps ``W ← W − η·b`` (Nesterov: ``W ← W − η·(g + μ·b)``):
    the same iterates, ``v = −η·b``, while η is constant; when η changes between steps,
    here it scales only the new gradient, in PyTorch the whole buffer.

    Nesterov's ``W`` is the look-ahead point ``θ + μ·v`` where the next gradient is taken
    (the form of PyTorch and scikit-learn); :meth:`plain_iterate` gives ``θ = W − μ·v``.
    """

    momentum: float = 0.0
    nesterov: bool = False
    name: ClassVar[str] = "sgd"

    def __post_init__(self) -> None:
        m = _unit_interval(self.momentum, "momentum")
        if not isinstance(self.nesterov, (bool, np.bool_)):
            raise ConfigError(f"nesterov must be True or False, got {self.nesterov!r}")
        if self.nesterov and m == 0:
            raise ConfigError("nesterov=True needs momentum > 0, got momentum=0")

    def slot_names(self) -> tuple[str, ...]:
        return () if self.momentum == 0 else ("velocity",)

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

    def plain_iterate(self, params: Network | Sequence[Array]) -> list[Array]:
        out = super().plain_iterate(params)
        if not self.nesterov or not self.state.slots:
            return out  # before the first step v = 0: both points coincide
        for theta, v in zip(out, self.bound_state(out).slots["velocity"]):
            theta -= self.momentum * v  # θ = W − μ·v
        return out

    def to_config(self) -> dict[str, object]:
        return {"name": self.name, "momentum": self.momentum, "nesterov": self.nesterov}


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected moments ``m`` and ``v``.

    ``m ← β1·m + (1−β1)·g``, ``v ← β2·v + (1−β2)·g²``, then with ``epsilon_on``:

    * ``"v"`` (default): ``W ← W − η·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε)``, the paper's
      "efficient version" (end of its section 2), as in scikit-learn and TensorFlow;
    * ``"v_hat"``: ``W ← W − η·m̂/(√v̂ + ε)`` with ``m̂ = m/(1−β1ᵗ)``, ``v̂ = v/(1−β2ᵗ)``,
      the paper's Algorithm 1, as in PyTorch.

    The two differ only in where ε is added: ``"v"`` is ``"v_hat"`` with ε scaled by
    ``√(1−β2ᵗ)``.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    epsilon_on: str = "v"
    name: ClassVar[str] = "adam"

    def __post_init__(self) -> None:
        _unit_interval(self.beta1, "beta1")
        _unit_interval(self.beta2, "beta2")
        _positive(self.epsilon, "epsilon")
        if self.epsilon_on not in ("v", "v_hat"):
            raise ConfigError(f"epsilon_on must be 'v' or 'v_hat', got {self.epsilon_on!r}")

    def slot_names(self) -> tuple[str, ...]:
        return ("m", "v")

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        state.t += 1
        b1, b2, t = self.beta1, self.beta2, state.t
        if self.epsilon_on == "v":
            # Fold both bias corrections into the step size: η·√(1−β2ᵗ)/(1−β1ᵗ)
            step = eta * np.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        else:
            step, root = eta / (1.0 - b1**t), float(np.sqrt(1.0 - b2**t))  # η/(1−β1ᵗ), √(1−β2ᵗ)
        for W, g, m, v in zip(params, grads, state.slots["m"], state.slots["v"]):
            xp = namespace(W)
            # NumPy keeps its float64 scalar (as before); other libraries take a Python float
            s = step if xp is np else float(step)
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            if self.epsilon_on == "v":
                W -= s * m / (xp.sqrt(v) + self.epsilon)
            else:
                W -= s * m / (xp.sqrt(v) / root + self.epsilon)  # √v̂ = √v/√(1−β2ᵗ)

    def to_config(self) -> dict[str, object]:
        config: dict[str, object] = {
            "name": self.name,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
        }
        # Written only when set, so that the checkpoints and model files of the default
        # Adam, written before the option existed, still match (and resume).
        if self.epsilon_on != "v":
            config["epsilon_on"] = self.epsilon_on
        return config


@dataclass(frozen=True)
class RMSprop(Optimizer):
    """RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning", 2012).

    ``s ← ρ·s + (1−ρ)·g²``, ``W ← W − η·g/(√s + ε)``: PyTorch's ``RMSprop`` (its
    ``alpha`` is ρ, default 0.99, ε = 1e-8) without momentum or centring. The
    ``mean_square`` slot is ``s``. ``epsilon_inside_sqrt=True`` steps
    ``W ← W − η·g/√(s + ε)`` instead, as Goodfellow et al.'s Algorithm 8.5, Dive into Deep
    Learning and TensorFlow 1 do.
    """

    rho: float = 0.99
    epsilon: float = 1e-8
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "rmsprop"

    def __post_init__(self) -> None:
        _unit_interval(self.rho, "rho")
        _positive(self.epsilon, "epsilon")
        _checks.boolean(self.epsilon_inside_sqrt, "epsilon_inside_sqrt")

    def slot_names(self) -> tuple[str, ...]:
        return ("mean_square",)

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        state.t += 1
        rho = self.rho
        for W, g, s in zip(params, grads, state.slots["mean_square"]):
            s *= rho
            s += (1.0 - rho) * (g * g)  # s ← ρ·s + (1−ρ)·g²
            W -= eta * g / _root(namespace(W), s, self.epsilon, self.epsilon_inside_sqrt)

    def to_config(self) -> dict[str, object]:
        return {
            "name": self.name,
            "rho": self.rho,
            "epsilon": self.epsilon,
            "epsilon_inside_sqrt": self.epsilon_inside_sqrt,
        }


@dataclass(frozen=True)
class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan & Singer, 2011): ``G ← G + g²``, ``W ← W − η·g/(√G + ε)``.

    PyTorch's ``Adagrad`` without learning-rate decay (ε = 1e-10, ``G`` starting at
    ``initial_accumulator``, default 0). The ``sum_square`` slot is ``G``.
    ``epsilon_inside_sqrt=True`` steps ``W ← W − η·g/√(G + ε)``, as Dive into Deep Learning
    does.
    """

    epsilon: float = 1e-10
    initial_accumulator: float = 0.0
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "adagrad"

    def __post_init__(self) -> None:
        _positive(self.epsilon, "epsilon")
        _checks.boolean(self.epsilon_inside_sqrt, "epsilon_inside_sqrt")
        if not finite_float(self.initial_accumulator, "initial_accumulator") >= 0:
            raise ConfigError(f"initial_accumulator must be >= 0, got {self.initial_accumulator!r}")

    def slot_names(self) -> tuple[str, ...]:
        return ("sum_square",)

    def init_state(self, params: Sequence[Array]) -> OptimizerState:
        state = super().init_state(params)
        for G in state.slots["sum_square"]:
            G += self.initial_accumulator
        return state

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState, eta: float
    ) -> None:
        state.t += 1
        for W, g, G in zip(params, grads, state.slots["sum_square"]):
            G += g * g  # G ← G + g²
            W -= eta * g / _root(namespace(W), G, self.epsilon, self.epsilon_inside_sqrt)

    def to_config(self) -> dict[str, object]:
        return {
            "name": self.name,
            "epsilon": self.epsilon,
            "initial_accumulator": self.initial_accumulator,
            "epsilon_inside_sqrt": self.epsilon_inside_sqrt,
        }


def _root(xp: Any, s: Array, epsilon: float, inside: bool) -> Array:
    """The denominator of RMSprop and AdaGrad: ``√s + ε``, or ``√(s + ε)`` when ``inside``."""
    return xp.sqrt(s + epsilon) if inside else xp.sqrt(s) + epsilon


# name -> a fresh optimizer: each carries its own state, so none may be shared
_BY_NAME: dict[str, Callable[[], Optimizer]] = {
    "gd": SGD,
    "sgd": SGD,
    "momentum": lambda: SGD(momentum=0.9),
    "nesterov": lambda: SGD(momentum=0.9, nesterov=True),
    "adam": Adam,
    "rmsprop": RMSprop,
    "adagrad": AdaGrad,
}
OPTIMIZER_NAMES = tuple(_BY_NAME)


def get_optimizer(optimizer: str | Optimizer, *, argument: str = "optimizer") -> Optimizer:
    """A new optimizer from a name (gd, sgd, momentum, nesterov, adam, rmsprop, adagrad), or
    the given one itself, with its state."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if not isinstance(optimizer, str) or optimizer.lower() not in _BY_NAME:
        raise ConfigError(f"{argument} must be one of {', '.join(_BY_NAME)}; got {optimizer!r}")
    return _BY_NAME[optimizer.lower()]()


_CLASSES: dict[str, type[Optimizer]] = {c.name: c for c in (SGD, Adam, RMSprop, AdaGrad)}


def optimizer_from_config(config: dict[str, object]) -> Optimizer:
    """Rebuild an optimizer (without state) from :meth:`Optimizer.to_config`."""
    name = config.get("name")
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"optimizer config has an unknown name {name!r}")
    values: dict[str, Any] = {}
    for key, value in config.items():
        if key == "name":
            continue
        if key in ("nesterov", "epsilon_on", "epsilon_inside_sqrt"):
            values[key] = value
        elif not isinstance(value, bool) and isinstance(value, numbers.Real):
            values[key] = float(value)
        else:
            raise ConfigError(f"optimizer config {key}={value!r} is not a number")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"optimizer config for {name!r} has an unknown setting: {exc}") from None
