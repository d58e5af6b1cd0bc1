"""Loss functions ``L(y, y_hat)``, each with its gradient ``∂L/∂y_hat``.

Conventions, in one place (``n`` rows, ``m`` output columns):

====================  ==================================================  =================
loss                  value                                               pairs with output
====================  ==================================================  =================
``MSE()``             ``mean((y_hat − y)²)`` over all n·m entries         ``identity``
``MSE(half=True)``    ``½·mean((y_hat − y)²)``, the book's ``1/(2n) Σ``   ``identity``
``LogLoss()``         ``−1/n Σ_i Σ_j [y log p + (1−y) log(1−p)]``         ``sigmoid``
``CrossEntropy()``    ``−1/n Σ_i Σ_j y_ij log p_ij``                      ``softmax``
====================  ==================================================  =================

Every loss is a *mean over rows*, so ``∂L/∂y_hat`` carries the factor ``1/n``. ``MSE`` also
averages over the ``m`` output columns (as scikit-learn and PyTorch do); with one output
that is the book's formula. ``CrossEntropy`` takes one-hot rows or integer labels.

A loss paired with its usual output activation also has ``grad_H``, the fused
``∂L/∂H_L`` (``(p − y)/n`` for sigmoid + log-loss and softmax + cross-entropy), which is
exact where the two-step product ``∂L/∂p · f'(H)`` would lose digits at saturated outputs.

``value``, ``grad``, ``grad_H`` and ``prepare_target`` use only the array API standard, in the
namespace of their arrays (``numpy`` for NumPy arrays); ``grad_H_into`` is NumPy's fast path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from . import _xp
from ._xp import device, namespace
from .errors import ConfigError, DataError, ShapeError

__all__ = ["LOSSES", "MSE", "CrossEntropy", "LogLoss", "Loss", "get_loss"]

Array = NDArray[np.floating]


class Loss:
    """Base class: ``value(y_hat, y) -> float`` and ``grad(y_hat, y) -> ∂L/∂y_hat``.

    Shapes: ``y_hat`` and ``y`` are (n, m); ``grad`` returns (n, m).
    """

    name: ClassVar[str] = "loss"
    output_activation: ClassVar[str] = "identity"  # the activation whose fused grad_H is exact

    def value(self, y_hat: Array, y: Array) -> float:
        raise NotImplementedError

    def grad(self, y_hat: Array, y: Array) -> Array:
        raise NotImplementedError

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        """∂L/∂H_L when the output activation is ``self.output_activation``."""
        raise NotImplementedError

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        """:meth:`grad_H` written into ``out`` (n, m); the built-in losses allocate nothing."""
        np.copyto(out, self.grad_H(y_hat, y))

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
        return {"name": self.name}


@dataclass(frozen=True)
class MSE(Loss):
    """Mean squared error; ``half=True`` multiplies it by ½ (the book's ``1/(2n) Σ``)."""

    half: bool = False
    name: ClassVar[str] = "mse"

    def _scale(self) -> float:
        return 0.5 if self.half else 1.0

    def value(self, y_hat: Array, y: Array) -> float:
        r = y_hat - y
        if not _xp.is_numpy(r):
            xp = namespace(r)
            return self._scale() * float(xp.sum(r * r) / math.prod(r.shape))
        np.multiply(r, r, out=r)
        # np.mean(r²) step by step (its sum, then the division by an intp count), without
        # its Python wrapper: this runs once per training step. Same bits as np.mean.
        s = np.add.reduce(r, axis=None)
        return self._scale() * float(s.dtype.type(s / np.intp(r.size)))

    def grad(self, y_hat: Array, y: Array) -> Array:
        # ∂/∂y_hat of c·mean(r²) = 2c·r / (n·m)
        return (2.0 * self._scale() / math.prod(y_hat.shape)) * (y_hat - y)

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        return self.grad(y_hat, y)  # identity output: ∂L/∂H_L = ∂L/∂y_hat

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        np.subtract(y_hat, y, out=out)
        np.multiply(2.0 * self._scale() / y_hat.size, out, out=out)  # as grad, in place

    def to_config(self) -> dict[str, object]:
        return {"name": self.name, "half": self.half}


def _difference_over_n(y_hat: Array, y: Array, out: Array) -> None:
    np.subtract(y_hat, y, out=out)
    np.divide(out, y_hat.shape[0], out=out)  # (y_hat − y) / n, in place


def _clip_probability(p: Array) -> Array:
    # log(0) is -inf; clip to [eps, 1 − eps] as scikit-learn does.
    xp = namespace(p)
    eps = float(xp.finfo(p.dtype).eps)
    return xp.clip(p, eps, 1.0 - eps)


@dataclass(frozen=True)
class LogLoss(Loss):
    """Binary cross-entropy for 0/1 targets and sigmoid outputs (one or several labels)."""

    name: ClassVar[str] = "logloss"
    output_activation: ClassVar[str] = "sigmoid"

    def value(self, y_hat: Array, y: Array) -> float:
        xp = namespace(y_hat, y)
        p = _clip_probability(y_hat)
        n = y_hat.shape[0]
        return -float(xp.sum(y * xp.log(p) + (1.0 - y) * xp.log1p(-p))) / n

    def grad(self, y_hat: Array, y: Array) -> Array:
        p = _clip_probability(y_hat)
        return (p - y) / (p * (1.0 - p) * y_hat.shape[0])  # −(y/p − (1−y)/(1−p)) / n

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        return (y_hat - y) / y_hat.shape[0]  # σ'(h) cancels the denominator above

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        _difference_over_n(y_hat, y, out)

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
    """Categorical cross-entropy for softmax outputs; y is one-hot (n, m) or labels (n,)."""

    name: ClassVar[str] = "cross_entropy"
    output_activation: ClassVar[str] = "softmax"

    def value(self, y_hat: Array, y: Array) -> float:
        xp = namespace(y_hat, y)
        p = _clip_probability(y_hat)
        return -float(xp.sum(y * xp.log(p))) / y_hat.shape[0]

    def grad(self, y_hat: Array, y: Array) -> Array:
        return -y / (_clip_probability(y_hat) * y_hat.shape[0])

    def grad_H(self, y_hat: Array, y: Array) -> Array:
        return (y_hat - y) / y_hat.shape[0]  # the softmax Jacobian turns −y/p into p − y

    def grad_H_into(self, y_hat: Array, y: Array, out: Array) -> None:
        _difference_over_n(y_hat, y, out)

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


LOSSES: dict[str, type[Loss]] = {"mse": MSE, "logloss": LogLoss, "cross_entropy": CrossEntropy}
_ALIASES = {
    "squared_error": "mse",
    "log_loss": "logloss",
    "bce": "logloss",
    "binary_cross_entropy": "logloss",
    "crossentropy": "cross_entropy",
    "ce": "cross_entropy",
}


def get_loss(loss: str | Loss, *, argument: str = "loss") -> Loss:
    """A loss object from a name (``"mse"``, ``"logloss"``, ``"cross_entropy"``) or itself."""
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str):
        raise ConfigError(f"{argument} must be a loss name or a Loss object, got {loss!r}")
    key = _ALIASES.get(loss.lower(), loss.lower())
    if key not in LOSSES:
        raise ConfigError(f"{argument} must be one of {', '.join(LOSSES)}; got {loss!r}")
    return LOSSES[key]()


def loss_from_config(config: dict[str, object]) -> Loss:
    """Rebuild a loss saved with :meth:`Loss.to_config`."""
    loss = get_loss(str(config.get("name")))
    if isinstance(loss, MSE):
        return MSE(half=bool(config.get("half", False)))
    return loss
