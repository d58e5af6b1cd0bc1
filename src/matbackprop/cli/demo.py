"""``matbackprop demo``: Masha's network trained end to end on the built-in data."""

from __future__ import annotations

import click
import numpy as np

from ..data import demo_data
from ..network import Network
from ._app import cli


@cli.command(epilog="Example:  matbackprop demo --epochs 500 --seed 1")
@click.option(
    "--epochs",
    default=2000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Full-batch gradient-descent steps.",
)
@click.option(
    "--lr",
    "learning_rate",
    default=0.05,
    show_default=True,
    type=float,
    help="Learning rate of Adam.",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Seed of the data and of the initial weights.",
)
@click.option(
    "--progress/--no-progress", default=True, show_default=True, help="Show a progress bar."
)
@click.option(
    "--figures",
    default="matbackprop-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the figures (diagrams, loss, learned function, gradient norms).",
)
@click.option("--no-figures", is_flag=True, help="Write no figures.")
def demo(
    epochs: int, learning_rate: float, seed: int, progress: bool, figures: str, no_figures: bool
) -> None:
    """Train Masha's network y_hat = f(f(X·W1)·W2)·W3 and report what it learned.

    The data are 256 points on [-2, 2]² labelled by a fixed 2-2-2-1 sigmoid network
    plus noise; the student is the same architecture from random weights.
    """
    X, y = demo_data(seed=seed)
    net = Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="glorot", seed=seed)
    click.echo("Masha's network: y_hat = f(f(X·W1)·W2)·W3, f = sigmoid, no biases")
    shapes = "  ".join(f"W{k} {W.shape[0]}×{W.shape[1]}" for k, W in enumerate(net.weights, 1))
    click.echo(f"  layers 2-2-2-1, {net.n_parameters} weights: {shapes}")
    click.echo(f"  data: {X.shape[0]} rows, X [{X.shape[0]}×2] -> y [{X.shape[0]}×1]")
    before = net.loss(X, y, "mse")
    history = net.fit(
        X,
        y,
        loss="mse",
        optimizer="adam",
        learning_rate=learning_rate,
        epochs=epochs,
        batch_size=None,
        seed=seed,
        progress=progress,
        track_gradients=not no_figures,
    )
    after = net.loss(X, y, "mse")
    click.echo(f"  trained {history.epochs} full-batch Adam steps, learning rate {learning_rate:g}")
    click.echo(
        f"  loss (MSE) before {before:.6f}  after {after:.6f}  ({before / after:.0f}× lower)"
    )
    click.echo("  predictions on the first rows:")
    click.echo("      x1        x2        y         y_hat")
    y_hat = net.predict(X[:5])
    for row, target, pred in zip(X[:5], y[:5, 0], y_hat[:, 0]):
        click.echo(f"    {row[0]: .4f}  {row[1]: .4f}  {target: .4f}  {pred: .4f}")
    for k, W in enumerate(net.weights, start=1):
        text = np.array2string(W, precision=4, suppress_small=True)  # no global print options
        click.echo(f"  W{k} =\n" + "\n".join("    " + line for line in text.splitlines()))
    if not no_figures:
        from ..draw.figures import write_figures

        paths = write_figures(figures, net, X, y, history, seed=seed)
        names = ", ".join(p.name for p in paths)
        click.echo(f"  {len(paths)} figures in {figures.rstrip('/') or '/'}/: {names}")
