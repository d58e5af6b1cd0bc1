"""``matbackprop train-dask``: train on row-chunked data that need not fit in memory.

Dask is imported inside the command, so ``import matbackprop.cli`` stays light.
"""

from __future__ import annotations

import inspect
import sys

import click

from .. import _checks
from ..errors import ConfigError, TrainingDivergedError
from ._app import cli, model_options, network_options, output_options
from .train import loss_from_option, network_for_data

LOCAL = "local"  # --dask without an address: a LocalCluster on this machine


@cli.command(
    "train-dask",
    epilog="""\b
Examples:
  matbackprop train-dask big.zarr --target y --layers 20,16,1 --epochs 50 \\
      --dask tcp://scheduler:8786 --save model.npz
  matbackprop train-dask chunks/ --target -1 --layers 20,16,1 --stream \\
      --batch-size 64 --epochs 5 --seed 0 --save model.npz

DATA is a folder of .npy chunks (part-00000.npy, ... each (rows, columns), read in
name order, with optional column names in columns.json) or a Zarr array (.zarr).
Without --stream: full-batch gradient descent, one step per epoch, each step a sum
over the chunks computed on a Dask cluster (--dask: a LocalCluster by default, or a
scheduler address). With --stream: mini-batch SGD in this process, one chunk in
memory at a time, chunks and rows in a seeded random order.""",
)
@click.argument("data", type=click.Path(path_type=str))
@network_options(  # the defaults of matbackprop.dask's trainers and of fit (docs/defaults.md)
    optimizer="sgd",
    learning_rate=0.01,
    target_help="Target column(s): index (-1 is the last) or name; repeat or separate by commas.",
)
@click.option(
    "--epochs",
    default=None,
    type=click.IntRange(min=1),
    help="Full-batch steps, or passes over the data with --stream [default: the library's, "
    "100 steps or 10 passes].",
)
@click.option(
    "--dask",
    "address",
    default=LOCAL,
    is_flag=False,
    flag_value=LOCAL,
    metavar="[ADDRESS]",
    help="Scheduler address (tcp://host:8786) [default: a LocalCluster on this machine].",
)
@click.option(
    "--stream", is_flag=True, help="Mini-batch SGD through this process instead of a cluster."
)
@click.option(
    "--batch-size",
    default=32,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per step with --stream (within one chunk).",
)
@model_options()
@output_options()
@click.option("--progress/--no-progress", default=True, show_default=True)
def train_dask(
    data: str,
    targets: tuple[str, ...],
    layers: list[int],
    activation: str,
    output_activation: str | None,
    loss: str,
    allow_unpaired: bool,
    optimizer: str,
    learning_rate: float,
    epochs: int | None,
    address: str,
    stream: bool,
    batch_size: int,
    bias: bool,
    init: str,
    seed: int,
    dtype: str,
    save_path: str | None,
    history_path: str | None,
    progress: bool,
) -> None:
    """Train on row-chunked data (.npy folder or Zarr) with Dask, beyond memory."""
    try:
        from .. import dask as mbd
    except ImportError:
        raise ConfigError("train-dask needs Dask: pip install 'matbackprop[dask]'") from None
    from tqdm.auto import tqdm

    if stream and address != LOCAL:
        raise click.UsageError("--stream trains in this process; it takes no --dask address")
    for flag, path in (("--save", save_path), ("--history", history_path)):
        if path:  # before training, not after an hour of it
            _checks.file_to_write(path, flag)
    wanted = [t.strip() for group in targets for t in group.split(",") if t.strip()]
    X, y, features = mbd.read_table(data, wanted)
    loss_fn = loss_from_option(loss, allow_unpaired)
    net = network_for_data(
        X.shape[1], y.shape[1], loss_fn, layers, activation, output_activation,
        bias=bias, init=init, seed=seed, dtype=dtype,
    )  # fmt: skip
    if epochs is None:  # the trainer's own default: one place decides it
        trainer = mbd.fit_streaming if stream else mbd.fit_full_batch
        epochs = int(inspect.signature(trainer).parameters["epochs"].default)
    chunks = len(X.chunks[0])
    how = "streaming SGD" if stream else f"full-batch GD on {address}"
    click.echo(f"{X.shape[0]} rows in {chunks} chunk(s), {how}", err=True)

    def log(step: int, value: float) -> None:
        if progress:
            tqdm.write(f"step {step + 1}/{epochs}: loss {value:.6g}", file=sys.stderr)

    try:
        if stream:
            history = mbd.fit_streaming(
                net,
                X,
                y,
                loss=loss_fn,
                optimizer=optimizer,
                learning_rate=learning_rate,
                epochs=epochs,
                batch_size=batch_size,
                seed=seed,
                progress=progress,
            )
        else:
            history = mbd.fit_full_batch(
                net,
                X,
                y,
                loss=loss_fn,
                optimizer=optimizer,
                learning_rate=learning_rate,
                epochs=epochs,
                client=None if address == LOCAL else address,
                progress=progress,
                on_step=log,
            )
    except TrainingDivergedError as exc:
        if history_path and exc.history is not None:
            exc.history.to_csv(history_path)  # type: ignore[attr-defined]
        raise
    named = [f for f in features if not f.isdigit()]
    if len(named) == len(features):  # the data named its columns: predict can find them
        net.metadata.update(features=features, targets=wanted)
    if save_path:
        net.save(save_path)
    if history_path:
        history.to_csv(history_path)
    final = f"loss {history.loss[-1]:.6g}" if history.loss else "no complete epoch"
    click.echo(f"trained {net!r}: {history.epochs} epoch(s), {final} ({history.stop_reason})")
    if save_path:
        click.echo(f"model saved to {save_path}")
    if history.stop_reason == "interrupted":
        click.echo(f"matbackprop: interrupted after {history.epochs} epoch(s)", err=True)
        raise click.exceptions.Exit(130)
