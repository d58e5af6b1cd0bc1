"""Diagrams of the network and of both passes, and training plots (Matplotlib, lazily).

>>> import matbackprop as mb
>>> net = mb.Network([2, 2, 2, 1], bias=False)
>>> fig = net.draw("backward")                      # a Matplotlib Figure
>>> mb.diagram([2, 2, 2, 1], "forward").save("forward.svg")   # png, svg, pdf, tex, dot
>>> sol = mb.solve(net, "1,2;3,4", "1;0", weights=["0,0;0,0", "0,0;0,0", "0;0"], steps=2)
>>> mb.diagram(sol, "backward", step=2, lang="ru").save("step2.svg")   # its numbers

Every diagram is laid out once (:class:`Diagram`) and rendered by Matplotlib (PNG, SVG,
PDF: no LaTeX or Graphviz needed), TikZ (:meth:`Diagram.to_tikz`) or Graphviz DOT
(:meth:`Diagram.to_dot`). Labels follow the seed: ``w^k_ij`` on the edges, ``[n×2]``
under each matrix, ``∂O_1/∂H_1 = f'(H_1)`` on the backward arrows.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..network import Cache, Gradients, Network
from ._arch import arch_of
from ._numbers import StepNumbers, from_cache, from_solution
from ._words import check_lang
from .network_diagram import network_diagram
from .passes import check_numbers, pass_diagram
from .plots import plot_function, plot_gradient_norms, plot_history
from .scene import FORMATS, Diagram, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..explain.solution import Solution

__all__ = [
    "FORMATS",
    "WHAT",
    "Diagram",
    "diagram",
    "draw",
    "plot_function",
    "plot_gradient_norms",
    "plot_history",
    "problem_diagram",
    "save_figure",
]

WHAT = ("network", "forward", "backward")


def _is_solution(obj: object) -> bool:
    """Whether ``obj`` is a worked Solution (without importing SymPy to find out: a Solution
    exists only once its module is loaded)."""
    module = sys.modules.get("matbackprop.explain.solution")
    return module is not None and isinstance(obj, module.Solution)


def diagram(
    network: Network | Sequence[int] | Solution,
    what: str = "network",
    *,
    activation: str | Sequence[str] | None = None,
    output_activation: str | None = None,
    bias: bool | None = None,
    cache: Cache | None = None,
    gradients: Gradients | None = None,
    step: int | None = None,
    max_rows: int = 4,
    max_layers: int | None = 3,
    lang: str = "en",
) -> Diagram:
    """Lay out one diagram of ``network`` (a :class:`Network`, layer sizes like
    ``[2, 2, 2, 1]``, or a worked :class:`~matbackprop.explain.Solution`).

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
        step: with a Solution, the step whose numbers the pass diagrams carry (default 1),
            printed as the solution prints them: ``W_k`` and every ``H_k``, ``O_k``, ``y_hat``
            forward; every ``d``, ``∂L/∂W_k`` (``∂L/∂b_k``) and the updated ``W_k`` (``b_k``)
            backward; the step, its rows, ``L`` and ``η`` in a heading.
        max_layers: the pass diagrams of deeper networks show layer 1 and the last
            ``max_layers - 1`` layers, with ``⋯`` for the rest (``None``: every layer).
        lang: ``"en"`` or ``"ru"``: the words of the heading and the legend.

    Shapes: ``cache.H[k]``, ``cache.O[k]``, ``gradients.d[k]``: (n, n_k).
    """
    if what not in WHAT:
        raise ConfigError(f"what must be one of {', '.join(WHAT)}, got {what!r}")
    lang = check_lang(lang)
    rows: Any = max_rows
    if isinstance(rows, bool) or not isinstance(rows, numbers.Integral) or rows < 1:
        raise ConfigError(f"max_rows must be a positive integer, got {max_rows!r}")
    worked: StepNumbers | None = None
    if _is_solution(network):
        sol: Any = network
        if cache is not None or gradients is not None:
            raise ConfigError(
                "cache and gradients must be left out with a Solution (it has its own)"
            )
        arch = arch_of(sol.net, activation, output_activation, bias)
        worked = from_solution(sol, 1 if step is None else step)
    else:
        if step is not None:
            raise ConfigError(
                f"step needs a worked solution: diagram(mb.solve(net, X, y, ...), what, "
                f"step={step!r}), or problem_diagram(net, X, y, what, step={step!r}); got "
                f"{type(network).__name__}"
            )
        given: Any = network  # a Network or layer sizes: arch_of checks which
        arch = arch_of(given, activation, output_activation, bias)
    if what == "network":
        if cache is not None or gradients is not None:
            raise ConfigError("cache and gradients belong to what='forward' or 'backward'")
        return network_diagram(arch, lang)
    if what == "forward" and gradients is not None:
        raise ConfigError("gradients belong to what='backward'; the forward pass takes cache")
    limit: Any = max_layers
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 2
    ):
        raise ConfigError(f"max_layers must be an integer >= 2 or None, got {max_layers!r}")
    if worked is None:
        check_numbers(arch, cache, gradients)
        worked = from_cache(cache, gradients, arch.net)
    return pass_diagram(
        arch, what, worked, int(max_rows), None if limit is None else int(limit), lang
    )


def problem_diagram(
    network: Network,
    X: Any,
    y: Any,
    what: str = "backward",
    *,
    step: int = 1,
    lang: str = "en",
    max_rows: int = 4,
    max_layers: int | None = 3,
    **solve_options: Any,
) -> Diagram:
    """The diagram of a problem's step ``step``, from its givens: ``mb.solve(network, X, y,
    steps=step, **solve_options)`` works the numbers (``weights=``, ``biases=``, ``loss=``,
    ``learning_rate=``, ``order=``, ``exact=``, ``precision=``, as :func:`matbackprop.solve`
    takes them) and :func:`diagram` draws that step.

    Shapes: ``X`` (n, n_0), ``y`` (n, n_L); ``weights[k-1]`` (n_{k-1}, n_k).
    """
    from ..explain import solve

    t: Any = step
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
        raise ConfigError(f"step must be a positive integer, got {step!r}")
    sol = solve(network, X, y, steps=int(t), lang=lang, **solve_options)
    return diagram(sol, what, step=int(t), lang=lang, max_rows=max_rows, max_layers=max_layers)


def draw(
    network: Network | Sequence[int] | Solution,
    what: str = "network",
    *,
    path: str | os.PathLike[str] | None = None,
    format: str | None = None,
    activation: str | Sequence[str] | None = None,
    output_activation: str | None = None,
    bias: bool | None = None,
    cache: Cache | None = None,
    gradients: Gradients | None = None,
    step: int | None = None,
    max_rows: int = 4,
    max_layers: int | None = 3,
    lang: str = "en",
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
        step=step,
        max_rows=max_rows,
        max_layers=max_layers,
        lang=lang,
    )
    if path is not None:
        d.save(path, format)
    return d.figure()
