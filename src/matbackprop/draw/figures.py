"""The figure set of ``matbackprop demo``: diagrams with the numbers of a step, plots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..network import Network
from ..training import History
from . import diagram, plot_function, plot_gradient_norms, plot_history, save_figure


def vanishing_gradients_history(X: Any, y: Any, seed: int = 0, epochs: int = 100) -> History:
    """Gradient norms of a deep (7 hidden layers of 16) sigmoid net: ``∂L/∂W_1`` starts
    about 10⁴ times smaller than ``∂L/∂W_8``, because each layer multiplies ``d`` by
    ``f'(H) ≤ 1/4``.

    Shapes: ``X``: (n, 2); ``y``: (n, 1).
    """
    deep = Network([2] + [16] * 7 + [1], activation="sigmoid", init="glorot", seed=seed)
    return deep.fit(X, y, optimizer="adam", learning_rate=0.001, epochs=epochs, progress=False,
                    track_gradients=True)  # fmt: skip


def write_figures(
    folder: str | os.PathLike[str],
    net: Network,
    X: Any,
    y: Any,
    history: History,
    *,
    seed: int = 0,
) -> list[Path]:
    """Write the demo's figures (PNG) into ``folder`` (created) and return their paths.

    Shapes: ``X``: (n, 2); ``y``: (n, 1).
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--figures must be a folder, got the file {str(out)!r}")
    out.mkdir(parents=True, exist_ok=True)
    X_ = np.asarray(X, dtype=float)
    y_ = np.asarray(y, dtype=float)
    rows = slice(0, 3)  # a worked step on the first three rows
    cache = net.forward(X_[rows])
    _, grads = net.gradients(X_[rows], y_[rows], "mse")
    written = [
        diagram(net, "network").save(out / "network.png"),
        diagram(net, "forward", cache=cache).save(out / "forward.png"),
        diagram(net, "backward", gradients=grads).save(out / "backward.png"),
        save_figure(
            plot_history(history, title="Masha's network: MSE per epoch"), out / "loss.png"
        ),
        save_figure(plot_function(net, X_, y_), out / "learned_function.png"),
    ]
    if history.grad_norms:
        written.append(save_figure(plot_gradient_norms(history), out / "gradient_norms.png"))
    deep = vanishing_gradients_history(X_, y_, seed=seed)
    title = "7 sigmoid hidden layers: the first layers' gradients vanish"
    written.append(
        save_figure(plot_gradient_norms(deep, title=title), out / "vanishing_gradients.png")
    )
    return written
