"""``matbackprop train``, ``predict`` and ``check``."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np

from .. import _checks
from ..data import read_csv
from ..errors import ConfigError, TrainingDivergedError
from ..gradcheck import check_gradients
from ..losses import Loss, check_pairing, get_loss
from ..network import Network
from ..optimizers import UPDATE_MODES
from ..persistence import atomic_write_bytes
from ._app import (
    ALLOW_UNPAIRED,
    LAYERS,
    LOSS,
    cli,
    model_options,
    network_options,
    output_options,
)


def _activation_list(value: str) -> str | list[str]:
    names = [s.strip() for s in value.split(",")]
    return names[0] if len(names) == 1 else names


def loss_from_option(loss: str, allow_unpaired: bool = False) -> Loss:
    """``--loss`` (any name of :data:`~matbackprop.losses.LOSS_NAMES`) and
    ``--allow-unpaired`` as a loss object."""
    named: Any = get_loss(loss, argument="--loss")  # a built-in loss: a frozen dataclass
    return dataclasses.replace(named, allow_unpaired=allow_unpaired)


def network_for_data(
    n_inputs: int,
    n_targets: int,
    loss: Loss,
    layers: list[int],
    activation: str,
    output_activation: str | None,
    inputs: str = "the number of input columns",
    **settings: Any,
) -> Network:
    """The network that ``--layers`` and friends describe, checked against the data's width.

    One column of integer labels with cross-entropy may feed any number of classes.
    """
    if layers[0] != n_inputs:
        raise ConfigError(f"--layers must start with {n_inputs} ({inputs}), got {layers[0]}")
    n_out = layers[-1] if loss.name == "cross_entropy" and n_targets == 1 else n_targets
    if layers[-1] != n_out:
        raise ConfigError(
            f"--layers must end with {n_out} (the number of --target columns), got {layers[-1]}"
        )
    output = output_activation or loss.output_activation
    _check_pairing(loss, output)
    return Network(layers, activation=_activation_list(activation), output_activation=output,
                   **settings)  # fmt: skip


def _check_pairing(loss: Loss, output_activation: str) -> None:
    """The library's pairing rule, its message in the CLI's flags."""
    check_pairing(
        loss, output_activation, argument="--output-activation", switch="--allow-unpaired"
    )


@cli.command(
    epilog="""\b
Examples:
  matbackprop train data.csv --target y --layers 2,8,8,1 --activation tanh \\
      --optimizer adam --lr 0.01 --epochs 200 --save model.npz --history history.csv
  matbackprop train --data big.zarr --target y --layers 20,16,1 --optimizer sgd \\
      --lr 0.1 --epochs 50 --dask tcp://scheduler:8786 --save model.npz"""
)
@click.argument("data", required=False, type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--data",
    "data_option",
    default=None,
    type=click.Path(dir_okay=True, path_type=str),
    help="The data, as an option: a CSV file, or with --dask a .npy folder or Zarr array.",
)
@network_options(  # fit's own defaults (docs/defaults.md)
    optimizer="sgd",
    learning_rate=0.01,
    target_help="Target column(s); repeat the flag or separate names by commas.",
)
@click.option("--epochs", default=100, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--batch-size",
    default=None,
    type=click.IntRange(min=1),
    help="Rows per step [default: all rows].",
)
@click.option(
    "--update",
    default="after",
    show_default=True,
    type=click.Choice(UPDATE_MODES),
    help="When each step updates the weights: after the backward pass, or each layer as soon "
    "as its gradient is known (layerwise; see docs/layerwise.md).",
)
@model_options()
@click.option(
    "--validation-split",
    default=0.0,
    show_default=True,
    type=float,
    callback=lambda ctx, param, v: _checks.fraction(v, "--validation-split"),
    help="Fraction of rows held out for validation.",
)
@click.option("--early-stopping", is_flag=True, help="Stop when the validation loss stalls.")
@click.option("--patience", default=10, show_default=True, type=click.IntRange(min=1))
@output_options()
@click.option(
    "--plot",
    "plot_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the loss curve (.png, .svg or .pdf).",
)
@click.option(
    "--checkpoint",
    "checkpoint_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Save the whole run here (atomically) and continue from it if it exists.",
)
@click.option(
    "--checkpoint-every",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Epochs between checkpoints (also written at the end and on Ctrl-C).",
)
@click.option(
    "--resume/--no-resume",
    default=True,
    show_default=True,
    help="Continue from an existing --checkpoint; --no-resume starts over.",
)
@click.option(
    "--dask",
    "dask_address",
    default=None,
    is_flag=False,
    flag_value="local",
    metavar="[ADDRESS]",
    help="Full-batch training on Dask (row-chunked data beyond memory), on a LocalCluster or "
    "the scheduler at ADDRESS: the same run as the train-dask command.",
)
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.pass_context
def train(
    ctx: click.Context,
    data: str | None,
    data_option: str | None,
    targets: tuple[str, ...],
    layers: list[int],
    activation: str,
    output_activation: str | None,
    loss: str,
    allow_unpaired: bool,
    optimizer: str,
    learning_rate: float,
    epochs: int,
    batch_size: int | None,
    update: str,
    bias: bool,
    init: str,
    seed: int,
    dtype: str,
    validation_split: float,
    early_stopping: bool,
    patience: int,
    save_path: str | None,
    history_path: str | None,
    plot_path: str | None,
    checkpoint_path: str | None,
    checkpoint_every: int,
    resume: bool,
    dask_address: str | None,
    progress: bool,
) -> None:
    """Train a network on a CSV file with a header row (or, with --dask, on chunked data)."""
    if (data is None) == (data_option is None):
        raise click.UsageError("give the data once: as DATA or as --data")
    data = data if data is not None else data_option
    assert data is not None
    if dask_address is not None:
        _train_on_dask(ctx, data, dask_address)
        return
    target_names = [t.strip() for group in targets for t in group.split(",") if t.strip()]
    for flag, path in (
        ("--save", save_path),
        ("--history", history_path),
        ("--plot", plot_path),
        ("--checkpoint", checkpoint_path),
    ):
        if path:  # before training, not after an hour of it
            _checks.file_to_write(path, flag)
    if plot_path:
        from ..draw.scene import figure_format

        figure_format(plot_path, "--plot")
    X, y, features = read_csv(data).split(target_names)
    loss_fn = loss_from_option(loss, allow_unpaired)
    net = network_for_data(
        X.shape[1], y.shape[1], loss_fn, layers, activation, output_activation,
        inputs=f"the number of input columns: {', '.join(features)}",
        bias=bias, init=init, seed=seed, dtype=dtype,
    )  # fmt: skip
    resumed = bool(checkpoint_path and resume and Path(checkpoint_path).exists())
    try:
        history = net.fit(
            X,
            y,
            loss=loss_fn,
            optimizer=optimizer,
            learning_rate=learning_rate,
            epochs=epochs,
            batch_size=batch_size,
            update=update,
            seed=seed,
            validation_split=validation_split,
            early_stopping=early_stopping,
            patience=patience,
            progress=progress,
            checkpoint=checkpoint_path,
            checkpoint_every=checkpoint_every,
            resume=resume,
        )
    except TrainingDivergedError as exc:
        if history_path and exc.history is not None:
            exc.history.to_csv(history_path)  # type: ignore[attr-defined]
        raise  # nothing is saved over a good model file
    net.metadata.update(features=features, targets=target_names)
    if save_path:
        net.save(save_path)
    if history_path:
        history.to_csv(history_path)
    if plot_path and history.loss:
        from ..draw import plot_history, save_figure

        save_figure(plot_history(history), plot_path)
    final = f"loss {history.loss[-1]:.6g}" if history.loss else "no complete epoch"
    if history.val_loss:
        final += f", validation loss {history.val_loss[-1]:.6g}"
    click.echo(f"trained {net!r}: {history.epochs} epoch(s), {final} ({history.stop_reason})")
    if save_path:
        click.echo(f"model saved to {save_path}")
    if checkpoint_path:
        how = "continued from and saved to" if resumed else "saved to"
        click.echo(f"checkpoint {how} {checkpoint_path}")
    if plot_path and history.loss:
        click.echo(f"loss curve written to {plot_path}")
    if history.stop_reason == "interrupted":
        saved = [p for p in (save_path, history_path, checkpoint_path) if p]
        what = f"saved {', '.join(saved)}" if saved else "nothing was asked to be saved"
        again = "; run the same command to resume" if checkpoint_path else ""
        click.echo(
            f"matbackprop: interrupted after {history.epochs} epoch(s); {what}{again}", err=True
        )
        raise click.exceptions.Exit(130)


def _train_on_dask(ctx: click.Context, data: str, address: str) -> None:
    """Hand ``train --dask`` to ``train-dask``, refusing what only the in-memory loop has."""
    from .scale import train_dask

    p = ctx.params
    only_here = {
        "--validation-split": p["validation_split"] != 0.0,
        "--early-stopping": p["early_stopping"],
        "--checkpoint": p["checkpoint_path"] is not None,
        "--plot": p["plot_path"] is not None,
        "--batch-size": p["batch_size"] is not None,
    }
    for flag, given in only_here.items():
        if given:
            raise click.UsageError(
                f"{flag} is not available with --dask (full-batch steps on a cluster); "
                "use train-dask --stream for mini-batches"
            )
    if p["update"] != "after":
        raise click.UsageError(
            f"--update {p['update']} is not available with --dask: the Dask trainers update "
            "after the backward pass; train in memory for layer-wise updates"
        )
    shared = ("targets", "layers", "activation", "output_activation", "loss", "allow_unpaired",
              "optimizer", "learning_rate", "epochs", "bias", "init", "seed", "dtype",
              "save_path", "history_path", "progress")  # fmt: skip
    ctx.invoke(train_dask, data=data, address=address, stream=False, batch_size=32,
               **{name: p[name] for name in shared})  # fmt: skip


@cli.command(epilog="Example:  matbackprop predict --model model.npz data.csv > predictions.csv")
@click.argument("data", type=click.Path(path_type=str))
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(path_type=str),
    help="A model written by train --save.",
)
@click.option(
    "--output",
    "-o",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the predictions here instead of stdout.",
)
def predict(data: str, model_path: str, output: str | None) -> None:
    """Predict y_hat for every row of a CSV file (columns as in training)."""
    net = Network.load(model_path)
    table = read_csv(data)
    features = net.metadata.get("features")
    if features:
        X = table.select(features)
    elif len(table.columns) == net.layer_sizes[0]:
        X = table.values
    else:
        raise ConfigError(
            f"the model takes {net.layer_sizes[0]} input columns and names none; the CSV has "
            f"{len(table.columns)}"
        )
    y_hat = net.predict(X)
    names = net.metadata.get("targets") or []
    if len(names) != y_hat.shape[1]:
        names = [f"y_hat{j + 1}" for j in range(y_hat.shape[1])]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([[repr(float(v)) for v in row] for row in y_hat])
    if output:
        atomic_write_bytes(output, buf.getvalue().encode())
    else:
        sys.stdout.write(buf.getvalue())


def _positive_tolerance(value: float | None) -> float | None:
    # a tolerance <= 0 or NaN fails every check, whatever the gradients
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ConfigError(f"--tolerance must be a finite number > 0, got {value!r}")
    return value


@cli.command(epilog="Example:  matbackprop check --layers 3,5,5,2 --activation tanh --loss mse")
@click.option("--layers", type=LAYERS, default="2,2,2,1", show_default=True)
@click.option("--activation", default="sigmoid", show_default=True)
@click.option("--output-activation", default=None)
@click.option("--loss", default="mse", show_default=True, type=LOSS)
@ALLOW_UNPAIRED
@click.option("--bias/--no-bias", default=True, show_default=True)
@click.option("--rows", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--dtype", default="float64", show_default=True, type=click.Choice(["float64", "float32"])
)
@click.option(
    "--tolerance",
    default=None,
    type=float,
    callback=lambda ctx, param, v: _positive_tolerance(v),
    help="Fail above this error [default: 1e-6 in float64, 1e-2 in float32].",
)
def check(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    loss: str,
    allow_unpaired: bool,
    bias: bool,
    rows: int,
    seed: int,
    dtype: str,
    tolerance: float | None,
) -> None:
    """Check backprop's gradients against central finite differences on random data."""
    loss_fn = loss_from_option(loss, allow_unpaired)
    output = output_activation or loss_fn.output_activation
    _check_pairing(loss_fn, output)
    rng = np.random.default_rng(seed)
    net = Network(
        layers,
        activation=_activation_list(activation),
        output_activation=output,
        bias=bias,
        init="normal",
        init_scale=1.0,
        seed=rng,
        dtype=dtype,
    )
    if bias:  # zero biases would put every row of a dead ReLU layer exactly on the kink H = 0
        net.biases = [rng.normal(size=b.shape) for b in net.biases]
    X = rng.normal(size=(rows, layers[0]))
    m = layers[-1]
    if loss_fn.name == "mse":
        y: Any = rng.normal(size=(rows, m))
    elif loss_fn.name == "logloss":
        y = rng.integers(0, 2, size=(rows, m)).astype(float)
    else:
        y = rng.integers(0, m, size=rows)
    error = check_gradients(net, X, y, loss_fn)
    limit = tolerance if tolerance is not None else (1e-6 if dtype == "float64" else 1e-2)
    verdict = "OK" if error <= limit else "FAILED"
    click.echo(
        f"{net!r}, loss {loss}, {rows} rows: max relative error {error:.3e} "
        f"(tolerance {limit:g}) {verdict}"
    )
    if error > limit:
        raise click.exceptions.Exit(1)
