"""The playground: Masha's network in the browser, every number from the engine.

``matbackprop playground`` (or :func:`playground` from Python) serves a page from this
package on 127.0.0.1: step through forward, backward and update one operation at a time,
train, check an answer, export the worked solution. The page computes nothing; the JSON API
(:mod:`.app`, typed by :mod:`.models`, described in docs/playground.md) answers with the
numbers of :func:`matbackprop.solve`, :meth:`Solution.check` and :meth:`Network.fit`.
FastAPI and uvicorn load only here.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..network import Network
from .server import LOCALHOST, Playground

__all__ = ["Playground", "playground", "problem_of"]


def _text(a: Any) -> str:
    from .engine import _text

    arr = np.asarray(a, dtype=np.float64)
    return _text(arr.reshape(arr.shape[0], -1) if arr.ndim else arr.reshape(1, 1))


def _weights_text(a: Any, digits: int = 4) -> str:
    """A weight matrix as the page types it: a random init rounded to ``digits``
    significant digits, as :func:`matbackprop.solve` rounds it (the solution starts from
    the numbers it shows); short numbers (0, 1/4, 0.5) as they are."""
    from ..explain.worked import is_short, to_fractions

    arr = np.asarray(a, dtype=np.float64)
    if not is_short(to_fractions(arr, "weights")):
        arr = np.vectorize(lambda x: float(f"{x:.{digits - 1}e}"), otypes=[float])(arr)
    return _text(arr)


def problem_of(
    net: Network | None = None,
    X: Any = None,
    y: Any = None,
    *,
    loss: str = "mse_half",
    learning_rate: Any = 1,
) -> Any:
    """The playground's :class:`~.models.Problem` for ``net`` on ``(X, y)``: its layers,
    activations and biases, its weights typed in (a random init rounded to 4 significant
    digits, as :func:`matbackprop.solve` rounds it). Without ``net``, Masha's 2-2-2-1 with
    zero weights; without ``X``/``y``, Masha's two rows (``net`` must then have 2 inputs
    and 1 output).

    Shapes: ``X`` (n, n_0), ``y`` (n, n_L) or (n,).
    """
    from .models import Problem

    base = Problem(loss=loss, learning_rate=str(learning_rate))
    fields: dict[str, Any] = {}
    if net is not None:
        if not isinstance(net, Network):
            raise ConfigError(f"net must be a matbackprop.Network, got {type(net).__name__}")
        hidden = list(net.activations[:-1])
        fields.update(
            layers=list(net.layer_sizes),
            activation=hidden[0] if len(set(hidden)) == 1 else ",".join(hidden) or "sigmoid",
            output_activation=net.activations[-1],
            bias=net.bias,
            init="typed",
            weights=[_weights_text(W) for W in net.weights],
            biases=[_weights_text(np.asarray(b).reshape(1, -1)) for b in net.biases] or None,
        )
    if (X is None) != (y is None):
        raise ConfigError("give both X and y, or neither (Masha's two rows)")
    if X is not None:
        check = net if net is not None else Network([2, 2, 2, 1], bias=False, init="zeros")
        from ..explain.explanation import resolve_loss

        X_, y_ = check.check_data(X, y, resolve_loss(loss))
        fields.update(X=_text(X_), y=_text(y_))
    return base.model_copy(update=fields)


def playground(
    net: Network | None = None,
    X: Any = None,
    y: Any = None,
    *,
    loss: str = "mse_half",
    learning_rate: Any = 1,
    host: str = LOCALHOST,
    port: int = 0,
    open_browser: bool = False,
) -> Playground:
    """Serve the playground from a background thread and return its handle.

    ``pg.url`` is the page's address and ``pg.stop()`` stops it; in Jupyter the handle
    displays the page inline. The page starts with ``net`` on ``(X, y)`` (see
    :func:`problem_of`), Masha's zero-init problem by default. ``host`` is 127.0.0.1 unless
    you want it reachable from elsewhere; ``port=0`` takes a free port.
    """
    from .app import create_app
    from .server import serve_in_thread

    problem = problem_of(net, X, y, loss=loss, learning_rate=learning_rate)
    pg = serve_in_thread(create_app(problem), host, port)
    if open_browser:
        import webbrowser

        webbrowser.open(pg.url)
    return pg


class _CallableModule(types.ModuleType):
    """``mb.playground()`` must work even after ``import matbackprop.playground``, which
    binds the package attribute to this module (as :mod:`matbackprop.explain` does)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Playground:
        return playground(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
