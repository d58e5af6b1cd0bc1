"""Training plots: loss curves, the learned function of a 2-input net, gradient norms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, DataError
from ..network import Network
from ..training import History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_function", "plot_gradient_norms", "plot_history"]


def _figure(size: tuple[float, float] = (6.4, 4.0)) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _check_history(history: Any) -> History:
    if not isinstance(history, History):
        raise ConfigError(f"history must be a matbackprop History, got {type(history).__name__}")
    if not history.loss:
        raise DataError("history must hold at least one epoch, got an empty History")
    return history


def plot_history(history: History, *, log_scale: bool | None = None, title: str = "") -> Figure:
    """Training (and validation) loss per epoch, from :meth:`Network.fit`'s ``History``.

    ``log_scale`` defaults to a log y-axis when every loss is positive; the best epoch of
    early stopping is marked.
    """
    h = _check_history(history)
    fig, ax = _figure()
    epochs = np.arange(1, h.epochs + 1)
    ax.plot(epochs, h.loss, color="C0", lw=1.6, label="training loss")
    if h.val_loss:
        ax.plot(
            epochs[: len(h.val_loss)],
            h.val_loss,
            color="C1",
            lw=1.6,
            ls="--",
            label="validation loss",
        )
    values = np.asarray(h.loss + h.val_loss, dtype=float)
    if log_scale is None:
        log_scale = bool(np.all(values > 0)) and values.max() / max(values.min(), 1e-300) > 10
    if log_scale:
        ax.set_yscale("log")
    if h.best_epoch is not None and h.stop_reason == "early_stopping":
        ax.axvline(h.best_epoch + 1, color="0.5", lw=0.8, ls=":", label="best epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_xlim(1, max(2, h.epochs))
    ax.grid(True, which="major", color="0.9")
    ax.legend(frameon=False)
    ax.set_title(title or f"{h.epochs} epochs ({h.stop_reason})")
    return fig


def plot_gradient_norms(history: History, *, title: str = "") -> Figure:
    """‖∂L/∂W_k‖ per layer and epoch (``fit(..., track_gradients=True)``), on a log axis.

    With deep sigmoid networks the curves of the first layers lie orders of magnitude
    below the last: the vanishing gradient (each layer multiplies ``d`` by ``f' ≤ 1/4``).
    """
    h = _check_history(history)
    if not h.grad_norms:
        raise DataError(
            "history.grad_norms is empty: train with fit(..., track_gradients=True) to record it"
        )
    G = np.asarray(h.grad_norms, dtype=float)  # (epochs, L)
    fig, ax = _figure()
    epochs = np.arange(1, G.shape[0] + 1)
    cmap = _colormap("viridis")
    L = G.shape[1]
    for k in range(1, L + 1):
        color = cmap(0.1 + 0.8 * (k - 1) / max(1, L - 1))
        ax.plot(
            epochs,
            np.maximum(G[:, k - 1], 1e-300),
            color=color,
            lw=1.5,
            label=f"$\\|\\partial L/\\partial W_{{{k}}}\\|$",
        )
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("gradient norm (Frobenius)")
    ax.grid(True, which="major", color="0.9")
    # Beside the axes: the curves fill the whole plot.
    ax.legend(
        frameon=False,
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        ncols=1 if L <= 12 else 2,
    )
    ax.set_title(title or "gradient norm per layer")
    return fig


def _colormap(name: str) -> Any:
    import matplotlib as mpl

    return mpl.colormaps[name]


def plot_function(
    net: Network,
    X: Any,
    y: Any,
    *,
    resolution: int = 150,
    output: int = 0,
    title: str = "",
) -> Figure:
    """What a 2-input network learned, over the plane of its inputs, with the data on top.

    Classification (``sigmoid``/``softmax`` output): decision regions, shaded by the
    probability of class 1 for one sigmoid output. Regression: filled contours of
    ``y_hat[:, output]``.

    Shapes: ``X``: (n, 2); ``y``: (n,) or (n, n_L) (class labels or one-hot for softmax).
    """
    if not isinstance(net, Network):
        raise ConfigError(f"net must be a matbackprop Network, got {type(net).__name__}")
    if net.layer_sizes[0] != 2:
        raise ConfigError(
            f"plot_function draws networks with 2 inputs, got layer_sizes[0] = {net.layer_sizes[0]}"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 10:
        raise ConfigError(f"resolution must be an integer >= 10, got {resolution!r}")
    X_ = net.check_X(X)
    y_ = np.asarray(y, dtype=float)
    if y_.shape[0] != X_.shape[0]:
        raise DataError(f"y must have {X_.shape[0]} rows like X, got shape {y_.shape}")
    n_out = net.layer_sizes[-1]
    if isinstance(output, bool) or not isinstance(output, int) or not 0 <= output < n_out:
        raise ConfigError(f"output must be an integer in [0, {n_out}), got {output!r}")

    pad = 0.1 * (X_.max(axis=0) - X_.min(axis=0) + 1e-9)
    lo, hi = X_.min(axis=0) - pad, X_.max(axis=0) + pad
    g1, g2 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([g1.ravel(), g2.ravel()])  # (r², 2)
    y_hat = net.predict(grid)  # (r², n_L)
    fig, ax = _figure((5.6, 4.6))
    kind = net.output_activation
    if kind == "softmax":
        import matplotlib as mpl

        labels = y_.argmax(axis=1) if y_.ndim == 2 and y_.shape[1] > 1 else y_.ravel()
        regions = y_hat.argmax(axis=1).reshape(g1.shape)
        cmap = mpl.colors.ListedColormap([_colormap("tab10")(i) for i in range(n_out)])
        ax.pcolormesh(
            g1, g2, regions, cmap=cmap, vmin=-0.5, vmax=n_out - 0.5, alpha=0.25, shading="auto"
        )
        ax.scatter(
            X_[:, 0],
            X_[:, 1],
            c=labels,
            cmap=cmap,
            vmin=-0.5,
            vmax=n_out - 0.5,
            edgecolors="black",
            linewidths=0.5,
            s=22,
        )
        ax.set_title(title or "decision regions (argmax of softmax)")
    elif kind == "sigmoid":
        p = y_hat[:, output].reshape(g1.shape)
        mesh = ax.pcolormesh(g1, g2, p, cmap="RdBu_r", vmin=0, vmax=1, shading="auto", alpha=0.8)
        ax.contour(g1, g2, p, levels=[0.5], colors="black", linewidths=1.2)
        labels = y_.reshape(y_.shape[0], -1)[:, output]
        ax.scatter(
            X_[:, 0],
            X_[:, 1],
            c=labels,
            cmap="RdBu_r",
            vmin=0,
            vmax=1,
            edgecolors="black",
            linewidths=0.5,
            s=22,
        )
        fig.colorbar(mesh, ax=ax, label=r"$\hat{y}$ = P(class 1)")
        ax.set_title(title or r"decision boundary $\hat{y} = 0.5$")
    else:
        z = y_hat[:, output].reshape(g1.shape)
        target = y_.reshape(y_.shape[0], -1)[:, output]
        vmin = float(min(z.min(), target.min()))
        vmax = float(max(z.max(), target.max()))
        filled = ax.contourf(g1, g2, z, levels=14, cmap="viridis", vmin=vmin, vmax=vmax)
        ax.contour(g1, g2, z, levels=filled.levels, colors="white", linewidths=0.4, alpha=0.6)
        ax.scatter(
            X_[:, 0],
            X_[:, 1],
            c=target,
            cmap="viridis",
            vmin=vmin,
            vmax=vmax,
            edgecolors="black",
            linewidths=0.5,
            s=22,
        )
        fig.colorbar(
            filled, ax=ax, label=r"$\hat{y}$" if n_out == 1 else f"$\\hat{{y}}_{output + 1}$"
        )
        ax.set_title(title or r"learned function $\hat{y}(x_1, x_2)$ and the data")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal" if 0.33 < (hi[1] - lo[1]) / (hi[0] - lo[0]) < 3 else "auto")
    return fig
