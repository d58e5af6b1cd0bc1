"""Weight initialisation schemes: ``W[k]`` of shape ``(n[k-1], n[k])``, biases zero.

``init_scale`` tunes each scheme: the value for ``constant``, the standard deviation for
``normal``, the half-width for ``uniform``, and a gain on the usual limit for the
Glorot and He schemes (default 1).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .errors import ConfigError

__all__ = ["INITS", "initial_weights"]

Sampler = Callable[[np.random.Generator, int, int, float], NDArray[np.float64]]


def _constant(rng: np.random.Generator, n_in: int, n_out: int, c: float) -> NDArray[np.float64]:
    return np.full((n_in, n_out), c)


def _normal(rng: np.random.Generator, n_in: int, n_out: int, s: float) -> NDArray[np.float64]:
    return rng.normal(0.0, s, size=(n_in, n_out))


def _uniform(rng: np.random.Generator, n_in: int, n_out: int, s: float) -> NDArray[np.float64]:
    return rng.uniform(-s, s, size=(n_in, n_out))


def _glorot(rng: np.random.Generator, n_in: int, n_out: int, g: float) -> NDArray[np.float64]:
    limit = g * math.sqrt(6.0 / (n_in + n_out))  # Glorot & Bengio (2010), uniform
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def _glorot_normal(
    rng: np.random.Generator, n_in: int, n_out: int, g: float
) -> NDArray[np.float64]:
    return rng.normal(0.0, g * math.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


def _he(rng: np.random.Generator, n_in: int, n_out: int, g: float) -> NDArray[np.float64]:
    return rng.normal(0.0, g * math.sqrt(2.0 / n_in), size=(n_in, n_out))  # He et al. (2015)


def _he_uniform(rng: np.random.Generator, n_in: int, n_out: int, g: float) -> NDArray[np.float64]:
    limit = g * math.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out))


# name -> (sampler, default init_scale)
INITS: dict[str, tuple[Sampler, float]] = {
    "zeros": (_constant, 0.0),
    "constant": (_constant, 0.5),
    "normal": (_normal, 0.1),
    "uniform": (_uniform, 0.1),
    "glorot": (_glorot, 1.0),
    "glorot_normal": (_glorot_normal, 1.0),
    "he": (_he, 1.0),
    "he_uniform": (_he_uniform, 1.0),
}
_ALIASES = {"xavier": "glorot", "xavier_normal": "glorot_normal", "kaiming": "he", "zero": "zeros"}


def resolve_init(name: str, hidden_activations: list[str]) -> str:
    """The scheme's canonical name; ``auto`` is He for the ReLU family, Glorot otherwise."""
    if not isinstance(name, str):
        raise ConfigError(f"init must be a scheme name or a list of arrays, got {name!r}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key == "auto":
        relu_like = {"relu", "leaky_relu"}
        return "he" if hidden_activations and set(hidden_activations) <= relu_like else "glorot"
    if key not in INITS:
        raise ConfigError(f"init must be one of auto, {', '.join(INITS)}; got {name!r}")
    return key


def initial_weights(
    scheme: str,
    layer_sizes: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike,
    init_scale: float | None = None,
) -> list[NDArray[np.floating]]:
    """One matrix per layer, drawn layer by layer from ``rng`` (so a seed fixes them all)."""
    sampler, default_scale = INITS[scheme]
    scale = default_scale if init_scale is None else init_scale
    if scheme == "zeros":
        scale = 0.0
    return [
        sampler(rng, n_in, n_out, scale).astype(dtype)
        for n_in, n_out in itertools.pairwise(layer_sizes)
    ]
