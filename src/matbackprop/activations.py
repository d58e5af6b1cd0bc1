"""Activation functions, each stored beside its derivative.

An :class:`Activation` is ``O = f(H)`` together with ``f'``. The derivative takes both ``H``
(the pre-activation) and ``O = f(H)``: several are cheaper and exact from the output
(sigmoid ``O*(1-O)``, tanh ``1-O²``), and each one says below which it uses.

Every function is element-wise and keeps the shape ``(n, n_k)``, except ``softmax``, which
normalises each row and so has a row Jacobian instead of an element-wise ``f'``; it is
allowed as an output activation only.

``f``, ``df`` and ``vjp`` use only the array API standard, in the namespace ``xp`` of their
input (``numpy`` for NumPy arrays); the ``*_into`` twins of the NumPy fast path are NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._xp import namespace
from .errors import ConfigError

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]

Array = NDArray[np.floating]

LEAKY_SLOPE = 0.01  # leaky_relu: f(t) = 0.01·t for t <= 0


@dataclass(frozen=True)
class Activation:
    """``O = f(H)`` and its derivative ``f'(H)``, computed from ``(H, O)``.

    Shapes: ``f``: (n, n_k) -> (n, n_k); ``df``: (n, n_k), (n, n_k) -> (n, n_k).
    ``df`` is ``None`` for a non-element-wise function (softmax), whose ``vjp`` is used instead.
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array] | None
    vjp: Callable[[Array, Array, Array], Array] | None = None
    # In-place twins for the training fast path (matbackprop._speed.fast): the same operations in
    # the same order, so bitwise the same numbers, written into preallocated buffers.
    # f_into(H, out, tmp) writes f(H) into out (out may be H; tmp is scratch of H's shape);
    # df_into(H, O, out) writes f'(H) into out. df_from_O: f' needs only O, so the fast path
    # lets O_k overwrite H_k and keeps one (n, n_k) array per layer instead of two.
    f_into: Callable[[Array, Array, Array], object] | None = None
    df_into: Callable[[Array, Array, NDArray[Any]], object] | None = None
    df_from_O: bool = False
    # f' is 0 or 1 (ReLU): df_into may write a boolean mask, 1 byte an entry instead of 8
    df_is_step: bool = False

    @property
    def elementwise(self) -> bool:
        return self.df is not None

    def backprop(self, d: Array, H: Array, O: Array) -> Array:
        """∂L/∂H from ``d = ∂L/∂O``: ``d * f'(H)`` element-wise, the row Jacobian for softmax."""
        if self.df is not None:
            return d * self.df(H, O)
        assert self.vjp is not None
        return self.vjp(d, H, O)


def _sigmoid(t: Array) -> Array:
    # Both branches use exp(-|t|) <= 1, so nothing overflows for large |t|.
    xp = namespace(t)
    e = xp.exp(-xp.abs(t))
    return xp.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_into(t: Array, out: Array, tmp: Array) -> None:
    # _sigmoid's two branches as one quotient with the same operands, so the same bits:
    # numerator 1 where t >= 0 and e where t < 0, i.e. max(heaviside(t), e) as 0 < e <= 1.
    np.copysign(t, -1.0, out=tmp)  # −|t|
    np.exp(tmp, out=tmp)  # e = exp(−|t|)
    np.heaviside(t, 1.0, out=out)  # [t >= 0]; t is not read after this (out may be t)
    np.maximum(out, tmp, out=out)  # 1 or e
    np.add(1.0, tmp, out=tmp)  # 1 + e
    np.divide(out, tmp, out=out)


def _d_sigmoid(H: Array, O: Array) -> Array:
    return O * (1.0 - O)  # from the output: σ'(h) = σ(h)(1 − σ(h))


def _d_sigmoid_into(H: Array, O: Array, out: Array) -> None:
    np.subtract(1.0, O, out=out)
    np.multiply(O, out, out=out)  # from the output, as _d_sigmoid


def _tanh_into(t: Array, out: Array, tmp: Array) -> None:
    np.tanh(t, out=out)


def _d_tanh(H: Array, O: Array) -> Array:
    return 1.0 - O * O  # from the output: tanh'(h) = 1 − tanh²(h)


def _d_tanh_into(H: Array, O: Array, out: Array) -> None:
    np.multiply(O, O, out=out)
    np.subtract(1.0, out, out=out)  # from the output, as _d_tanh


def _tanh(t: Array) -> Array:
    return namespace(t).tanh(t)


def _relu(t: Array) -> Array:
    return namespace(t).maximum(t, 0.0)


def _relu_into(t: Array, out: Array, tmp: Array) -> None:
    np.maximum(t, 0.0, out=out)


def _d_relu(H: Array, O: Array) -> Array:
    return namespace(H).astype(H > 0, H.dtype)  # [H > 0]; f'(0) is taken as 0


def _d_relu_into(H: Array, O: Array, out: NDArray[Any]) -> None:
    # from the output: O = max(H, 0) > 0 exactly where H > 0; out may be float or bool
    np.greater(O, 0.0, out=out)


def _leaky_relu(t: Array) -> Array:
    return namespace(t).where(t > 0, t, LEAKY_SLOPE * t)


def _d_leaky_relu(H: Array, O: Array) -> Array:
    xp = namespace(H)
    return xp.where(H > 0, xp.ones_like(H), LEAKY_SLOPE)


def _softplus(t: Array) -> Array:
    # log(1 + e^t) = max(t, 0) + log(1 + e^-|t|): no overflow for large t, no loss for small.
    xp = namespace(t)
    return xp.maximum(t, 0.0) + xp.log1p(xp.exp(-xp.abs(t)))


def _d_softplus(H: Array, O: Array) -> Array:
    return _sigmoid(H)  # softplus'(h) = σ(h)


def _elu(t: Array) -> Array:
    xp = namespace(t)
    return xp.where(t > 0, t, xp.expm1(xp.minimum(t, 0.0)))


def _d_elu(H: Array, O: Array) -> Array:
    xp = namespace(H, O)
    return xp.where(H > 0, xp.ones_like(H), O + 1.0)  # from the output: e^h = O + 1


def _silu(t: Array) -> Array:
    return t * _sigmoid(t)


def _d_silu(H: Array, O: Array) -> Array:
    s = _sigmoid(H)
    return s * (1.0 + H * (1.0 - s))  # (h·σ(h))' = σ + h·σ(1 − σ)


def _softmax(t: Array) -> Array:
    # Subtracting the row maximum leaves softmax unchanged and keeps exp() <= 1.
    xp = namespace(t)
    e = xp.exp(t - xp.max(t, axis=1, keepdims=True))
    return e / xp.sum(e, axis=1, keepdims=True)


def _vjp_softmax(d: Array, H: Array, O: Array) -> Array:
    # Row Jacobian J = diag(o) − o·oᵀ, so d·J = o * (d − (d·o) 1ᵀ), row by row: (n, m)
    return O * (d - namespace(d, O).sum(d * O, axis=1, keepdims=True))


def _softmax_into(t: Array, out: Array, tmp: Array) -> None:
    # _softmax's operations in place; the row maximum and row sum go to column 0 of tmp.
    col = tmp[:, :1]  # (n, 1)
    np.max(t, axis=1, keepdims=True, out=col)
    np.subtract(t, col, out=out)
    np.exp(out, out=out)
    np.sum(out, axis=1, keepdims=True, out=col)
    np.divide(out, col, out=out)


def _identity(t: Array) -> Array:
    return t


def _identity_into(t: Array, out: Array, tmp: Array) -> None:
    if out is not t:
        np.copyto(out, t)


def _d_identity(H: Array, O: Array) -> Array:
    return namespace(H).ones_like(H)


def _d_identity_into(H: Array, O: Array, out: Array) -> None:
    out.fill(1.0)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "identity", _identity, _d_identity, None, _identity_into, _d_identity_into, True
        ),
        Activation("sigmoid", _sigmoid, _d_sigmoid, None, _sigmoid_into, _d_sigmoid_into, True),
        Activation("tanh", _tanh, _d_tanh, None, _tanh_into, _d_tanh_into, True),
        Activation("relu", _relu, _d_relu, None, _relu_into, _d_relu_into, True, True),
        Activation("leaky_relu", _leaky_relu, _d_leaky_relu),
        Activation("softplus", _softplus, _d_softplus),
        Activation("elu", _elu, _d_elu),
        Activation("silu", _silu, _d_silu),
        Activation("softmax", _softmax, None, _vjp_softmax, _softmax_into),
    )
}
_ALIASES = {"linear": "identity", "logistic": "sigmoid", "swish": "silu"}


def get_activation(name: str | Activation, *, argument: str = "activation") -> Activation:
    """Look an activation up by name (``"sigmoid"``, ``"relu"``, ...) or pass one through."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise ConfigError(f"{argument} must be a name such as 'sigmoid', got {name!r}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise ConfigError(f"{argument} must be one of {known}; got {name!r}")
    return ACTIVATIONS[key]
