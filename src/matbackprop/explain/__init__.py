"""Explain and solve: the seed's parts (a) and (b) for any network, and worked solutions.

``explain(net)`` writes the network as a composite function and derives the backward
algorithm with the shapes on every line; ``solve(net, X, y)`` works a few gradient-descent
steps with every number (exact fractions where the activation allows). Both return
documents that print as text and convert to LaTeX and Markdown.

This package imports SymPy; ``import matbackprop`` does not import it.
"""

import sys
import types
from typing import Any

from .explanation import Explanation, explain

# The module, not its function: ``matbackprop.explain.problems`` stays importable as a
# module; ``mb.problems(...)`` is the function.
from .problems import Variant, Variants
from .solution import CheckResult, Solution, solve

__all__ = [
    "CheckResult",
    "Explanation",
    "Solution",
    "Variant",
    "Variants",
    "explain",
    "solve",
]


class _CallableModule(types.ModuleType):
    """``mb.explain(net)`` must work even after ``import matbackprop.explain``: importing a
    submodule binds the package attribute ``explain`` to this module, which would shadow the
    function of the same name. Calling the module calls the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Explanation:
        return explain(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
# inspect.signature(mb.explain) and help() then show the function's, shadowed or not
__wrapped__ = explain
