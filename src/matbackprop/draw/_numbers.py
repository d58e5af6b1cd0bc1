"""The numbers of one step, as the pass diagrams show them: from a Cache and Gradients, or
from a worked :class:`~matbackprop.explain.Solution` (the engine's own values, never worked
out again here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..network import Cache, Gradients, Network

if TYPE_CHECKING:
    from ..explain.solution import Solution

__all__ = ["StepNumbers", "from_cache", "from_solution"]


@dataclass(frozen=True)
class StepNumbers:
    """What a pass diagram shows of one step, keyed like the chain's matrices.

    ``values``: ``X``, ``H{k}``, ``O{k}``, ``yhat`` (the forward pass), ``W{k}`` (the weights
    the step used), ``d{k}``, ``dW{k}``, ``db{k}`` (the backward pass), ``W{k}'``, ``b{k}'``
    (after the update). ``text`` prints one number (``None``: 3 decimals, per matrix).

    Shapes: ``values["H{k}"]``, ``values["d{k}"]``: (r, n_k) for the r rows of the step.
    """

    values: dict[str, Any]
    text: Callable[[Any], str] | None = None
    step: int | None = None  # the step's number in a worked solution
    rows: list[int] = field(default_factory=list)  # 0-based rows of X used by the step
    n_rows: int = 0  # rows of X in all
    loss: Any = None  # L of the step (before its update)
    eta: Any = None  # the learning rate of the update
    rule: str = "sgd"  # the update's optimizer: "sgd", "momentum", "nesterov" or "adam"


def from_cache(
    cache: Cache | None, gradients: Gradients | None, net: Network | None
) -> StepNumbers | None:
    """The numbers of ``net.forward(X)`` and ``net.gradients(X, y)``; the weights shown
    over the forward edges are ``net``'s own."""
    if cache is None and gradients is None:
        return None
    values: dict[str, Any] = {}
    if cache is not None:
        L = len(cache.O) - 1
        values["X"] = cache.O[0]
        for k in range(1, L + 1):
            values[f"H{k}"] = cache.H[k]
            values[f"O{k}"] = cache.O[k]
        values["yhat"] = cache.O[L]
        if net is not None:
            values.update({f"W{k}": W for k, W in enumerate(net.weights, start=1)})
    if gradients is not None:
        for k, dW in enumerate(gradients.weights, start=1):
            values[f"d{k}"] = gradients.d[k]
            values[f"dW{k}"] = dW
    return StepNumbers(values)


def from_solution(sol: Solution, step: int) -> StepNumbers:
    """Step ``step`` of a worked solution (1-based), every number as the solution prints it."""
    from .. import _checks
    from ..explain import _doc

    t: Any = _checks.positive_int(step, "step")
    T = len(sol.steps)
    if t > T:
        raise ConfigError(f"step must be in 1..{T} (the steps the solution has), got {step!r}")
    s = sol.steps[t - 1]
    L = sol.net.n_layers
    v = s.values
    values: dict[str, Any] = {"X": sol.problem.X[s.rows]}
    for k in range(1, L + 1):
        values[f"H{k}"] = v[f"H{k}"]
        if k < L:
            values[f"O{k}"] = v[f"O{k}"]
        before = sol.given if t == 1 else sol.steps[t - 2].values  # what step t starts from
        values[f"W{k}"] = before[f"W{k}"]
        values[f"d{k}"] = v[f"d{k}"]
        values[f"dW{k}"] = v[f"dW{k}"]
        values[f"W{k}'"] = v[f"W{k}"]
        if sol.net.bias:
            values[f"db{k}"] = v[f"db{k}"]
            values[f"b{k}'"] = v[f"b{k}"]
    values["yhat"] = v["y_hat"]
    # One rule for how a number prints, the solution's: a Fraction exactly (or as its exact
    # decimal when the data were typed as decimals), a float to `precision` digits.
    style: _doc.Style = "decimal" if sol.settings["decimal_style"] else "fraction"
    p = sol.settings["precision"]
    return StepNumbers(
        values,
        text=lambda x: _doc.num_text(x, style, p),
        step=t,
        rows=list(s.rows),
        n_rows=int(sol.problem.X.shape[0]),
        loss=v["L"],
        eta=sol.problem.eta,
        rule=sol.problem.rule.kind,
    )
