"""Diagrams of the network and of both passes, and training plots (Matplotlib, lazily).

>>> import matbackprop as mb
>>> net = mb.Network([2, 2, 2, 1], bias=False)
>>> fig = net.draw("backward")                      # a Matplotlib Figure
>>> mb.diagram([2, 2, 2, 1], "forward").save("forward.svg")   # png, svg, pdf, tex, dot

Every diagram is laid out once (:class:`Diagram`) and rendered by Matplotlib (PNG, SVG,
PDF: no LaTeX or Graphviz needed), TikZ (:meth:`Diagram.to_tikz`) or Graphviz DOT
(:meth:`Diagram.to_dot`). Labels follow the seed: ``w^k_ij`` on the edges, ``[n×2]``
under each matrix, ``∂O_1/∂H_1 = f'(H_1)`` on the backward arrows.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..network import Cache, Gradients, Network
from ._arch import arch_of
from .network_diagram import network_diagram
from .passes import pass_diagram
from .plots import plot_function, plot_gradient_norms, plot_history
from .scene import FORMATS, Diagram, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "WHAT",
    "Diagram",
    "diagram",
    "draw",
    "plot_function",
    "plot_gradient_norms",
    "plot_history",
    "save_figure",
]

WHAT = ("network", "forward", "backward")


def diagram(
    network: Network | Sequence[int],
    what: str = "network",
    *,
    activation: str | Sequence[str] | None = None,
    output_activation: str | None = None,
    bias: bool | None = None,
    cache: Cache | None = None,
    gradients: Gradients | None = None,
    max_rows: int = 4,
    max_layers: int | None = 3,
) -> Diagram:
    """Lay out one diagram of ``network`` (a :class:`Network` or layer sizes like
    ``[2, 2, 2, 1]``).

    Args:
        what: ``"network"`` (neurons and weights ``w^k_ij``), ``"forward"`` (the chain
            ``X → H1 → O1 … → y_hat → L`` with shapes) or ``"backward"`` (dashed arrows with
            their derivatives and the branches to every ``W_k``).
        activation, output_activation, bias: the architecture, with layer sizes only
            (defaults: ``sigmoid``, ``identity``, no biases: Masha's network).
        cache: ``net.forward(X)``: the forward diagram shows the first ``max_rows`` rows of
            ``X``, every ``H_k``, ``O_k`` and ``y_hat`` (and ``W_k`` when ``network`` is a
            Network).
        gradients: ``net.backward(...)`` or ``net.gradients(X, y)[1]``: the backward diagram
            shows every accumulator ``d`` and every ``∂L/∂W_k``.
        max_layers: the pass diagrams of deeper networks show layer 1 and the last
            ``max_layers - 1`` layers, with ``⋯`` for the rest (``None``: every layer).

    Shapes: ``cache.H[k]``, ``cache.O[k]``, ``gradients.d[k]``: (n, n_k).
    """
    if what not in WHAT:
        raise ConfigError(f"what must be one of {', '.join(WHAT)}, got {what!r}")
    rows: Any = max_rows
    if isinstance(rows, bool) or not isinstance(rows, numbers.Integral) or rows < 1:
        raise ConfigError(f"max_rows must be a positive integer, got {max_rows!r}")
    arch = arch_of(network, activation, output_activation, bias)
    if what == "network":
        if cache is not None or gradients is not None:
            raise ConfigError("cache and gradients belong to what='forward' or 'backward'")
        return network_diagram(arch)
    if what == "forward" and gradients is not None:
        raise ConfigError("gradients belong to what='backward'; the forward pass takes cache")
    limit: Any = max_layers
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 2
    ):
        raise ConfigError(f"max_layers must be an integer >= 2 or None, got {max_layers!r}")
    return pass_diagram(
        arch, what, cache, gradients, int(max_rows), None if limit is None else int(limit)
    )


def draw(
    network: Network | Sequence[int],
    what: str = "network",
    *,
    path: str | os.PathLike[str] | None = None,
    format: str | None = None,
    activation: str | Sequence[str] | None = None,
    output_activation: str | None = None,
    bias: bool | None = None,
    cache: Cache | None = None,
    gradients: Gradients | None = None,
    max_rows: int = 4,
    max_layers: int | None = 3,
) -> Figure:
    """:func:`diagram` as a Matplotlib Figure (shown inline by Jupyter); with ``path``,
    also written there (``format`` or the suffix: png, svg, pdf, tex/tikz, dot)."""
    d = diagram(
        network,
        what,
        activation=activation,
        output_activation=output_activation,
        bias=bias,
        cache=cache,
        gradients=gradients,
        max_rows=max_rows,
        max_layers=max_layers,
    )
    if path is not None:
        d.save(path, format)
    return d.figure()
