"""The givens of a worked problem, read one way for ``solve`` and ``draw``: the network, the
matrices ``--X --y --W --b``, the initialisation, the loss, ``--lr`` and ``--order``.

One parser, so that the same typo gets the same message in both commands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import ConfigError, MissingFileError
from ..losses import LOSS_NAMES, get_loss
from ..network import Network

F = TypeVar("F", bound=Callable[..., Any])

LOSSES = click.Choice(LOSS_NAMES)


def activations(value: str) -> str | list[str]:
    """``"tanh"`` or ``"tanh,relu"`` (one per hidden layer)."""
    names = [s.strip() for s in value.split(",")]
    return names[0] if len(names) == 1 else names


def network_of(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    loss: str | None,
    **init: Any,
) -> Network:
    """The network of ``--layers --activation --output-activation --bias``; the output
    activation defaults to the loss's own (sigmoid for logloss, softmax for cross_entropy)."""
    output = output_activation or (get_loss(loss).output_activation if loss else "identity")
    return Network(
        layers,
        activation=activations(activation),
        output_activation=output,
        bias=bias,
        **init,
    )


def matrix(value: str, name: str) -> Any:
    """Inline ``"1,2;3,4"``, or a small file: JSON (a list of rows) or text rows."""
    from ..explain.check import parse_matrix

    path = Path(value)
    looks_like_path = path.suffix.lower() in (".json", ".csv", ".txt", ".tsv")
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{name}: {value} is not valid JSON ({exc.msg})") from None
        return parse_matrix(text, name)
    if looks_like_path:
        raise MissingFileError(f"{name}: no such file {value!r}")
    return parse_matrix(value, name)


def givens_options(*, required: bool) -> Callable[[F], F]:
    """``--X --y --init --init-scale --seed --W --b --loss --lr --order``, as solve takes them;
    ``required``: whether ``--X`` and ``--y`` must be given."""
    options = [
        click.option(
            "--X", "X", required=required, help='Inputs: "1,2;3,4" (rows by ;) or a file.'
        ),
        click.option("--y", "y", required=required, help='Targets: "1;0" or a file.'),
        click.option(
            "--init", default=None, help="zeros, constant, normal, glorot, ... (or give --W)."
        ),
        click.option("--init-scale", type=float, default=None, help="The constant or the spread."),
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
        click.option(
            "--W", "W", multiple=True, help="Initial W_k, once per layer in order (or a file)."
        ),
        click.option("--b", "b", multiple=True, help="Initial b_k, once per layer in order."),
        click.option("--loss", type=LOSSES, default="mse_half", show_default=True),
        click.option(
            "--lr", default="0.1", show_default=True, help="Learning rate η; 1/2 is exact."
        ),
        click.option(
            "--order", type=click.Choice(["batch", "row"]), default="batch", show_default=True
        ),
    ]

    def decorate(command: F) -> F:
        for option in reversed(options):  # click applies the last decorator first
            command = option(command)
        return command

    return decorate


def problem(
    net: Network | None,
    *,
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    X: str,
    y: str,
    init: str | None,
    init_scale: float | None,
    seed: int,
    W: tuple[str, ...],
    b: tuple[str, ...],
    loss: str,
    lr: str,
    order: str,
) -> tuple[Network, dict[str, Any]]:
    """The network and the keyword arguments of :func:`matbackprop.solve` for these flags.

    ``net`` is a network already built (a saved model: its weights are the start unless
    ``--W`` gives others); ``None`` builds one from the flags and needs the initial weights
    (``--init`` or ``--W``).
    """
    if init is not None and W:
        raise ConfigError("give either --init or --W, not both")
    if net is None:
        if init is None and not W:
            raise ConfigError(
                "give the initial weights: --init zeros (or constant, normal, ...) or --W per layer"
            )
        net = network_of(
            layers,
            activation,
            output_activation,
            bias,
            loss,
            init=init or "zeros",
            init_scale=init_scale,
            seed=seed,
        )
    elif init is not None:
        raise ConfigError("--model already holds the initial weights: drop --init (or give --W)")
    kwargs = {
        "X": matrix(X, "--X"),
        "y": matrix(y, "--y"),
        "loss": loss,
        "learning_rate": lr.strip(),
        "order": order,
        "weights": [matrix(w, f"--W #{i}") for i, w in enumerate(W, 1)] if W else None,
        "biases": [matrix(v, f"--b #{i}") for i, v in enumerate(b, 1)] if b else None,
    }
    return net, kwargs
