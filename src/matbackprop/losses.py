"""Loss functions ``L(y, y_hat)``, each with its gradient ``∂L/∂y_hat``.

Conventions, in one place (``n`` rows, ``m`` output columns):

====================  ==================================================  =================
loss                  value (default reductions)                          output activation
====================  ==================================================  =================
``MSE()``             ``mean((y_hat − y)²)`` over all n·m entries         any (fused: identity)
``MSE(half=True)``    ``½·mean((y_hat − y)²)``, the book's ``1/(2n) Σ``   any (fused: identity)
``LogLoss()``         ``−1/n Σ_i Σ_j [y log p + (1−y) log(1−p)]``         ``sigmoid``
``CrossEntropy()``    ``−1/n Σ_i Σ_j y_ij log p_ij``                      ``softmax``
====================  ==================================================  =================

**Reductions.** Each loss is a sum of one term per entry ``(i, j)``, divided by
:meth:`Loss.divisor`: ``rows="mean"`` (the default) divides by ``n`` and ``rows="sum"`` does
not; ``outputs="mean"`` divides by ``m`` and ``outputs="sum"`` does not. The defaults are
``outputs="mean"`` for ``MSE`` (as scikit-learn and PyTorch) and ``outputs="sum"`` for the
two log-losses (the classes of a row are one distribution). ``∂L/∂y_hat`` carries the same
divisor, so a sum over rows has ``n`` times the gradient of the mean, and a sum over outputs
``m`` times. ``CrossEntropy`` takes one-hot rows or integer labels.

**Fused output.** A loss paired with its output activation (``Loss.output_activation``) has
``grad_H``, the fused ``∂L/∂H_L`` (``(p − y)/divisor`` for sigmoid + log-loss and softmax +
cross-entropy), and ``value_from_logits``, its value from ``H_L`` (log-softmax and the
softplus form): both exact for any logits, where the two-step ``∂L/∂p · f'(H)`` and
``log(p)`` lose digits or clip at saturated outputs. The engine takes both whenever the
network's output activation is the loss's (:meth:`Loss.value_at`).

**Pairing.** :data:`PAIRS` says which output activations each loss has a meaning for;
:func:`check_pairing` refuses the others, unless the loss was built with
``allow_unpaired=True``: then the value comes from the probabilities (clipped to
``[eps, 1 − eps]``, where its gradient is 0) and ``∂L/∂y_hat`` is pushed through ``f'``.

``value``, ``value_from_logits``, ``grad``, ``grad_H`` and ``prepare_target`` use only the
array API standard, in the namespace of their arrays (``numpy`` for NumPy arrays);
``grad_H_into`` is NumPy's fast path.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from . import _xp
from ._xp import device, namespace
from .errors import ConfigError, DataError, ShapeError

__all__ = [
    "LOSSES",
    "LOSS_NAMES",
    "MSE",
    "PAIRS",
    "CrossEntropy",
    "LogLoss",
    "Loss",
    "check_pairing",
    "get_loss",
]

Array = NDArray[np.floating]

REDUCTIONS = ("mean", "sum")


class Loss:
    """Base class: ``value(y_hat, y) -> float`` and ``grad(y_hat, y) -> ∂L/∂y_hat``.

    ``rows`` and ``outputs`` (``"mean"`` or ``"sum"``) are the reductions over the rows and
    the output columns; ``allow_unpaired`` lets the loss meet an output activation that
    :data:`PAIRS` does not list for it. The built-in losses make the three dataclass fields.

    Shapes: ``y_hat`` and ``y`` are (n, m); ``grad`` returns (n, m).
    """

    name: ClassVar[str] = "loss"
    output_activation: ClassVar[str] = "identity"  # the activation whose fused grad_H is exact
    rows: str = "mean"
    outputs: str = "sum"
    allow_unpaired: bool = False

    def value(self, y_hat: Array, y: Array) -> float:
        raise NotImplementedError

    def value_from_logits(self, H: Array, y: Array) -> float:
        """The value from ``H_L``, the pre-activation of ``self.output_activation``.

        This default goes through the probabilities; the built-in losses override it with
        a formula that is exact for any logits. Shapes: ``H``, ``y``: (n, m).
        """
        from .activations import get_activation

        return self.value(get_activation(self.output_activation).f(H), y)

    def value_at(self, output_activation: str, H_L: Array, y_hat: Array, y: Array) -> float:
        """The loss of an output layer: from the logits ``H_L`` when ``output_activation``
        is fused with this loss, else from ``y_hat``. Every path of the engine asks here.

        Shapes: ``H_L``, ``y_hat``, ``y``: (n, m).
        """
        if output_activation == self.output_activation:
            return self.value_from_logits(H_L, y)
        return self.value(y_hat, y)

    def grad(self, y_hat: Array, y: Array) -> Array:
        raise NotImplementedError

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        """∂L/∂H_L when the output activation is ``self.output_activation``."""
        raise NotImplementedError

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        """:meth:`grad_H` written into ``out`` (n, m); the built-in losses allocate nothing."""
        np.copyto(out, self.grad_H(y_hat, y))

    def rows_divisor(self, n: int) -> int:
        """What ``rows`` divides the sum over ``n`` rows by: ``n`` for a mean, 1 for a sum.

        Also the weight of a batch's value in the loss of its epoch (``History.loss``).
        """
        return n if self.rows == "mean" else 1

    def divisor(self, shape: tuple[int, ...]) -> int:
        """What the sum of the entries' terms is divided by, for ``y_hat`` of this (n, m)
        shape: ``n`` for a mean over rows, times ``m`` for a mean over outputs."""
        m = math.prod(shape[1:])
        return self.rows_divisor(shape[0]) * (m if self.outputs == "mean" else 1)

    @property
    def default_reduction(self) -> bool:
        """Whether ``rows`` and ``outputs`` are the class's defaults (a dataclass keeps each
        field's default as the class attribute): the compiled kernels cover only those."""
        cls = type(self)
        return self.rows == cls.rows and self.outputs == cls.outputs

    def _check_settings(self) -> None:
        for field_name in ("rows", "outputs"):
            value = getattr(self, field_name)
            if value not in REDUCTIONS:
                raise ConfigError(
                    f"{field_name} must be 'mean' or 'sum' for loss {self.name!r}, got {value!r}"
                )
        if not isinstance(self.allow_unpaired, (bool, np.bool_)):
            raise ConfigError(f"allow_unpaired must be True or False, got {self.allow_unpaired!r}")

    def prepare_target(self, y: Array, n_outputs: int) -> Array:
        """Check ``y`` for this loss and return it as an (n, m) float array of the same dtype."""
        if y.ndim == 1 and n_outputs == 1:
            y = y[:, None]  # a 1-D y is unambiguous for a single output
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ShapeError(
                f"y must have shape (n, {n_outputs}) for {n_outputs} output(s), got {y.shape}"
            )
        return y

    def to_config(self) -> dict[str, object]:
        """The name and every setting that differs from its default (so older files, which
        have none, read back as the defaults)."""
        config: dict[str, object] = {"name": self.name}
        cls = type(self)
        for key in ("rows", "outputs", "allow_unpaired"):
            if getattr(self, key) != getattr(cls, key):
                config[key] = getattr(self, key)
        return config


@dataclass(frozen=True)
class MSE(Loss):
    """Mean squared error; ``half=True`` multiplies it by ½ (the book's ``1/(2n) Σ``).

    ``rows``/``outputs``: ``"mean"`` (default) or ``"sum"``; ``MSE(half=True, rows="sum",
    outputs="sum")`` is ``½ Σ_i Σ_j (y_hat − y)²``.
    """

    half: bool = False
    rows: str = "mean"
    outputs: str = "mean"
    allow_unpaired: bool = False
    name: ClassVar[str] = "mse"

    def __post_init__(self) -> None:
        self._check_settings()

    def _scale(self) -> float:
        return 0.5 if self.half else 1.0

    def value(self, y_hat: Array, y: Array) -> float:
        r = y_hat - y
        k = self.divisor(tuple(r.shape))
        if not _xp.is_numpy(r):
            xp = namespace(r)
            return self._scale() * float(xp.sum(r * r) / k)
        np.multiply(r, r, out=r)
        # np.mean(r²) step by step (its sum, then the division by an intp count), without
        # its Python wrapper: this runs once per training step. Same bits as np.mean.
        s = np.add.reduce(r, axis=None)
        return self._scale() * float(s.dtype.type(s / np.intp(k)))

    def value_from_logits(self, H: Array, y: Array) -> float:
        return self.value(H, y)  # identity output: y_hat = H_L

    def grad(self, y_hat: Array, y: Array) -> Array:
        # ∂/∂y_hat of c·Σr²/k = 2c·r/k (k = n·m for the means)
        return (2.0 * self._scale() / self.divisor(tuple(y_hat.shape))) * (y_hat - y)

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        return self.grad(y_hat, y)  # identity output: ∂L/∂H_L = ∂L/∂y_hat

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        np.subtract(y_hat, y, out=out)
        np.multiply(2.0 * self._scale() / self.divisor(y_hat.shape), out, out=out)  # as grad

    def to_config(self) -> dict[str, object]:
        return {**super().to_config(), "half": self.half}


def _difference_over(y_hat: Array, y: Array, k: int, out: Array) -> None:
    np.subtract(y_hat, y, out=out)
    np.divide(out, k, out=out)  # (y_hat − y) / k, in place


def _clip_probability(p: Array) -> Array:
    # log(0) is -inf; clip to [eps, 1 − eps] as scikit-learn does.
    xp = namespace(p)
    eps = float(xp.finfo(p.dtype).eps)
    return xp.clip(p, eps, 1.0 - eps)


def _zero_where_clipped(g: Array, y_hat: Array, p: Array) -> Array:
    # The value is flat where the probability was clipped, so its gradient is 0 there.
    xp = namespace(g, y_hat, p)
    return xp.where(p == y_hat, g, xp.zeros_like(g))


@dataclass(frozen=True)
class LogLoss(Loss):
    """Binary cross-entropy for 0/1 targets and sigmoid outputs (one or several labels).

    ``rows``: ``"mean"`` (default) or ``"sum"``; ``outputs``: ``"sum"`` (default) or
    ``"mean"`` (PyTorch's ``binary_cross_entropy_with_logits`` is ``outputs="mean"``).
    """

    rows: str = "mean"
    outputs: str = "sum"
    allow_unpaired: bool = False
    name: ClassVar[str] = "logloss"
    output_activation: ClassVar[str] = "sigmoid"

    def __post_init__(self) -> None:
        self._check_settings()

    def value(self, y_hat: Array, y: Array) -> float:
        xp = namespace(y_hat, y)
        p = _clip_probability(y_hat)
        terms = y * xp.log(p) + (1.0 - y) * xp.log1p(-p)
        return -float(xp.sum(terms)) / self.divisor(tuple(y_hat.shape))

    def value_from_logits(self, H: Array, y: Array) -> float:
        # −[y log σ(z) + (1−y) log(1 − σ(z))] = log(1 + e^−|z|) + max(z, 0) − y·z, the softplus
        # form: e^−|z| <= 1 never overflows and no 1 − σ(z) cancels.
        xp = namespace(H, y)
        terms = xp.log1p(xp.exp(-xp.abs(H))) + xp.clip(H, 0.0, None) - y * H  # (n, m)
        return float(xp.sum(terms)) / self.divisor(tuple(H.shape))

    def grad(self, y_hat: Array, y: Array) -> Array:
        p = _clip_probability(y_hat)
        g = (p - y) / (p * (1.0 - p) * self.divisor(tuple(y_hat.shape)))  # −(y/p − (1−y)/(1−p))
        return _zero_where_clipped(g, y_hat, p)

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        # σ'(h) = p(1 − p) cancels the denominator of grad
        return (y_hat - y) / self.divisor(tuple(y_hat.shape))

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        _difference_over(y_hat, y, self.divisor(y_hat.shape), out)

    def prepare_target(self, y: Array, n_outputs: int) -> Array:
        y = super().prepare_target(y, n_outputs)
        xp = namespace(y)
        bad = (y != 0) & (y != 1)
        if bool(xp.any(bad)):
            i, j = (int(a[0]) for a in xp.nonzero(bad))
            raise DataError(
                f"y must hold only 0 and 1 for loss 'logloss', got {float(y[i, j])!r} at row {i}, "
                f"column {j}"
            )
        return y


@dataclass(frozen=True)
class CrossEntropy(Loss):
    """Categorical cross-entropy for softmax outputs; y is one-hot (n, m) or labels (n,).

    ``rows``: ``"mean"`` (default) or ``"sum"``; ``outputs``: ``"sum"`` over the classes
    (default) or ``"mean"``, which divides by the number of classes too.
    """

    rows: str = "mean"
    outputs: str = "sum"
    allow_unpaired: bool = False
    name: ClassVar[str] = "cross_entropy"
    output_activation: ClassVar[str] = "softmax"

    def __post_init__(self) -> None:
        self._check_settings()

    def value(self, y_hat: Array, y: Array) -> float:
        xp = namespace(y_hat, y)
        p = _clip_probability(y_hat)
        return -float(xp.sum(y * xp.log(p))) / self.divisor(tuple(y_hat.shape))

    def value_from_logits(self, H: Array, y: Array) -> float:
        # log p = z − log Σ_j e^{z_j} with z = H − row max, the log-softmax: z <= 0, so exp
        # cannot overflow, and log p never underflows to −inf as log(softmax(H)) does.
        xp = namespace(H, y)
        z = H - xp.max(H, axis=1, keepdims=True)  # (n, m)
        log_p = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))  # (n, m)
        return -float(xp.sum(y * log_p)) / self.divisor(tuple(H.shape))

    def grad(self, y_hat: Array, y: Array) -> Array:
        p = _clip_probability(y_hat)
        return _zero_where_clipped(-y / (p * self.divisor(tuple(y_hat.shape))), y_hat, p)

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        # the softmax Jacobian turns −y/p into p − y (each row of y sums to 1)
        return (y_hat - y) / self.divisor(tuple(y_hat.shape))

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        _difference_over(y_hat, y, self.divisor(y_hat.shape), out)

    def prepare_target(self, y: Array, n_outputs: int) -> Array:
        if y.ndim == 2 and y.shape[1] == 1 and n_outputs > 1:
            y = y[:, 0]  # a column of labels
        xp = namespace(y)
        if y.ndim == 1:
            labels = y
            bad = (labels != xp.round(labels)) | (labels < 0) | (labels >= n_outputs)
            if bool(xp.any(bad)):
                (first,) = xp.nonzero(bad)
                raise DataError(
                    f"y labels must be integers in 0..{n_outputs - 1} for loss 'cross_entropy', "
                    f"got {float(labels[int(first[0])])!r}"
                )
            # one-hot rows: column j is 1 where the label is j, (n, m)
            columns = xp.arange(n_outputs, dtype=y.dtype, device=device(y))
            return xp.astype(labels[:, None] == columns, y.dtype)
        y = super().prepare_target(y, n_outputs)
        # np.allclose(row sums, 1): |s − 1| <= atol + rtol·1
        off = xp.abs(xp.sum(y, axis=1) - 1.0) > 1e-8 + 1e-5
        if bool(xp.any((y < 0) | (y > 1))) or bool(xp.any(off)):
            raise DataError(
                "y must be one-hot rows (or probabilities summing to 1) for loss "
                "'cross_entropy', or a column of integer labels"
            )
        return y


# -- the registry: every name of a loss, and the outputs each one means something for -----

LOSSES: dict[str, type[Loss]] = {"mse": MSE, "logloss": LogLoss, "cross_entropy": CrossEntropy}
# Every other name a loss goes by: the class's name and the settings the name implies.
_ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "mse_half": ("mse", {"half": True}),
    "half_mse": ("mse", {"half": True}),
    "squared_error": ("mse", {}),
    "log_loss": ("logloss", {}),
    "bce": ("logloss", {}),
    "binary_cross_entropy": ("logloss", {}),
    "crossentropy": ("cross_entropy", {}),
    "ce": ("cross_entropy", {}),
}
#: Every name :func:`get_loss` takes, the class names first: the CLI's ``--loss`` choices.
LOSS_NAMES: tuple[str, ...] = (*LOSSES, *_ALIASES)

#: The output activations each built-in loss has a meaning for (None: any). MSE measures
#: any output, softmax probabilities included (the Brier score); the log-losses need
#: probabilities of their own kind. A softmax over one output is refused by the network
#: itself (it is always 1), so cross-entropy always has two or more classes.
PAIRS: dict[str, tuple[str, ...] | None] = {
    "mse": None,
    "logloss": ("sigmoid",),
    "cross_entropy": ("softmax",),
}


def check_pairing(
    loss: Loss,
    output_activation: str,
    *,
    argument: str = "output_activation",
    switch: str | None = None,
) -> None:
    """Refuse ``loss`` on an output activation that :data:`PAIRS` does not list for it,
    unless ``loss.allow_unpaired``; losses of the user's own are not checked.

    ``argument`` and ``switch`` name the setting and the way out in the message (the CLI
    passes ``--output-activation`` and ``--allow-unpaired``).
    """
    allowed = PAIRS.get(loss.name) if type(loss) in LOSSES.values() else None
    if allowed is None or output_activation in allowed or loss.allow_unpaired:
        return
    switch = switch or f"{type(loss).__name__}(allow_unpaired=True)"
    raise ConfigError(
        f"loss {loss.name!r} needs {argument} {' or '.join(map(repr, allowed))}, got "
        f"{output_activation!r}; use {argument} {allowed[0]!r}, or pass {switch} to pair "
        "them anyway"
    )


def get_loss(loss: str | Loss, *, argument: str = "loss") -> Loss:
    """A loss object from a name in :data:`LOSS_NAMES` (``"mse"``, ``"mse_half"``,
    ``"logloss"``, ``"cross_entropy"``, ...) or itself."""
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str):
        raise ConfigError(f"{argument} must be a loss name or a Loss object, got {loss!r}")
    key, settings = _ALIASES.get(loss.lower(), (loss.lower(), {}))
    if key not in LOSSES:
        raise ConfigError(f"{argument} must be one of {', '.join(LOSS_NAMES)}; got {loss!r}")
    return LOSSES[key](**settings)


def loss_from_config(config: dict[str, object]) -> Loss:
    """Rebuild a loss saved with :meth:`Loss.to_config` (a missing setting is its default)."""
    cls = type(get_loss(str(config.get("name"))))
    settings = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in config.items() if k in settings})
