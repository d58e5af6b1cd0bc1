"""``matbackprop explain`` and ``matbackprop solve``: the derivation and worked solutions.

SymPy loads inside the commands, so ``import matbackprop.cli`` stays light.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigError, MissingFileError
from ..losses import LOSS_NAMES, get_loss
from ..network import Network
from ._app import LAYERS, cli

_FORMATS = click.Choice(["text", "latex", "markdown"])
_LANGS = click.Choice(["en", "ru"])
_NUMBERS: dict[str, bool | str] = {"auto": "auto", "exact": True, "decimal": False}
_LOSSES = click.Choice(LOSS_NAMES)


def _activations(value: str) -> str | list[str]:
    names = [s.strip() for s in value.split(",")]
    return names[0] if len(names) == 1 else names


def _network(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    loss: str | None,
    **init: Any,
) -> Network:
    output = output_activation or (get_loss(loss).output_activation if loss else "identity")
    return Network(
        layers,
        activation=_activations(activation),
        output_activation=output,
        bias=bias,
        **init,
    )


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"written to {output}", err=True)
    else:
        click.echo(text, nl=False)


def _matrix(value: str, name: str) -> Any:
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


_COMMON = [
    click.option(
        "--layers", type=LAYERS, default="2,2,2,1", show_default=True, help="Layer sizes."
    ),
    click.option(
        "--activation",
        default="sigmoid",
        show_default=True,
        help="Hidden activation, or one per hidden layer separated by commas.",
    ),
    click.option(
        "--output-activation",
        default=None,
        help="Output activation [default: from the loss: identity, sigmoid for logloss, "
        "softmax for cross_entropy].",
    ),
    click.option("--bias/--no-bias", default=False, show_default=True, help="Biases b_k."),
    click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True),
    click.option("--lang", type=_LANGS, default="en", show_default=True),
    click.option(
        "--output", "-o", default=None, type=click.Path(dir_okay=False), help="Write to a file."
    ),
]


def _common(f: Any) -> Any:
    for option in reversed(_COMMON):
        f = option(f)
    return f


@cli.command(
    epilog="""\b
Examples:
  matbackprop explain --layers 2,2,2,1 --activation sigmoid
  matbackprop explain --layers 3,4,2 --activation relu --bias --loss mse --n 10
  matbackprop explain --format latex --lang ru -o masha.tex"""
)
@_common
@click.option("--loss", type=_LOSSES, default=None, help="Write ∂L/∂ŷ out for this loss.")
@click.option("--n", "n_rows", type=click.IntRange(min=1), default=None, help="Rows, for the cost.")
def explain(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    fmt: str,
    lang: str,
    output: str | None,
    loss: str | None,
    n_rows: int | None,
) -> None:
    """Write the network as a composite function and derive backprop with shapes."""
    from ..explain import explain as explain_

    net = _network(layers, activation, output_activation, bias, loss, init="zeros")
    _emit(explain_(net, loss=loss, lang=lang, n=n_rows).render(fmt), output)


@cli.command(
    epilog="""\b
Examples:
  matbackprop solve --X "1,2" --y "1" --init zeros --lr 1 --steps 2
  matbackprop solve --X "1,2;3,4" --y "1;0" --W "1,0;0,1" --W "1/2,0;0,1/2" \\
      --W "1;-1" --activation relu --check "d2=-3/4,3/4;-1/4,1/4" --trace steps.csv
  matbackprop solve --X data.txt --y targets.txt --init normal --seed 1 --order row"""
)
@_common
@click.option("--X", "X", required=True, help='Inputs: "1,2;3,4" (rows by ;) or a file.')
@click.option("--y", "y", required=True, help='Targets: "1;0" or a file.')
@click.option("--init", default=None, help="zeros, constant, normal, glorot, ... (or give --W).")
@click.option("--init-scale", type=float, default=None, help="The constant or the spread.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--W", "W", multiple=True, help="Initial W_k, once per layer in order (or a file).")
@click.option("--b", "b", multiple=True, help="Initial b_k, once per layer in order.")
@click.option("--loss", type=_LOSSES, default="mse_half", show_default=True)
@click.option("--lr", default="0.1", show_default=True, help="Learning rate η; 1/2 is exact.")
@click.option("--steps", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--order", type=click.Choice(["batch", "row"]), default="batch", show_default=True)
@click.option(
    "--numbers",
    type=click.Choice(["auto", "exact", "decimal"]),
    default="auto",
    show_default=True,
    help="Exact fractions, decimals, or exact when the inputs allow it.",
)
@click.option(
    "--precision",
    type=click.IntRange(1, 15),
    default=4,
    show_default=True,
    help="Significant digits of decimal numbers.",
)
@click.option(
    "--check",
    "checks",
    multiple=True,
    help="Your value to judge: NAME[@STEP]=MATRIX, e.g. 'W2@2=1/32,1/32;1/32,1/32' or "
    "'dL/dW3=-0.25;-0.25'. Repeat for each value.",
)
@click.option(
    "--tolerance",
    default=None,
    help="Also accept a difference up to this bound (1e-3) or share ('1%'); by default a "
    "decimal must be the correct value rounded to the places you wrote.",
)
@click.option(
    "--carry-forward/--no-carry-forward",
    default=False,
    show_default=True,
    help="Judge each value from your own earlier values (error carried forward).",
)
@click.option(
    "--trace", default=None, type=click.Path(dir_okay=False), help="Write every value (.json/.csv)."
)
def solve(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    fmt: str,
    lang: str,
    output: str | None,
    X: str,
    y: str,
    init: str | None,
    init_scale: float | None,
    seed: int,
    W: tuple[str, ...],
    b: tuple[str, ...],
    loss: str,
    lr: str,
    steps: int,
    order: str,
    numbers: str,
    precision: int,
    checks: tuple[str, ...],
    tolerance: str | None,
    carry_forward: bool,
    trace: str | None,
) -> None:
    """Work gradient-descent steps by hand: every matrix, every d, every update.

    Exits 1 when a --check value differs (the report says where).
    """
    from ..explain import solve as solve_

    if init is None and not W:
        raise ConfigError(
            "give the initial weights: --init zeros (or constant, normal, ...) or --W per layer"
        )
    if init is not None and W:
        raise ConfigError("give either --init or --W, not both")
    net = _network(
        layers,
        activation,
        output_activation,
        bias,
        loss,
        init=init or "zeros",
        init_scale=init_scale,
        seed=seed,
    )
    check: list[tuple[str, str]] = []  # a list: a name given twice is judged twice
    for item in checks:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(
                f"expected NAME=MATRIX like 'W2=1,2;3,4', got {item!r}", param_hint="--check"
            )
        check.append((key.strip(), value.strip()))
    sol = solve_(
        net,
        _matrix(X, "--X"),
        _matrix(y, "--y"),
        loss=loss,
        learning_rate=lr.strip(),
        steps=steps,
        order=order,
        weights=[_matrix(w, f"--W #{i}") for i, w in enumerate(W, 1)] if W else None,
        biases=[_matrix(v, f"--b #{i}") for i, v in enumerate(b, 1)] if b else None,
        exact=_NUMBERS[numbers],
        precision=precision,
        lang=lang,
        check=check or None,
        tolerance=tolerance,
        carry_forward=carry_forward,
    )
    if trace:
        sol.save_trace(trace)
    _emit(sol.render(fmt), output)
    if sol.check_result is not None and not sol.check_result.ok:
        raise click.exceptions.Exit(1)
