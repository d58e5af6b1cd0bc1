"""``matbackprop explain`` and ``matbackprop solve``: the derivation and worked solutions.

SymPy loads inside the commands, so ``import matbackprop.cli`` stays light.
"""

from __future__ import annotations

from typing import Any

import click

from ..optimizers import UPDATE_MODES
from ._app import LAYERS, cli
from ._givens import LOSSES, givens_options, network_of, problem

_FORMATS = click.Choice(["text", "latex", "markdown"])
_LANGS = click.Choice(["en", "ru"])
_NUMBERS: dict[str, bool | str] = {"auto": "auto", "exact": True, "decimal": False}


def _emit(doc: Any, fmt: str | None, output: str | None) -> None:
    """Print ``doc`` (as text unless ``--format`` says otherwise), or write it to ``--output``
    in the format its suffix names (``--format`` overrides the suffix), atomically."""
    if output:
        doc.save(output, fmt)
        click.echo(f"written to {output}", err=True)
    else:
        click.echo(doc.render(fmt or "text"), nl=False)


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
    click.option(
        "--format",
        "fmt",
        type=_FORMATS,
        default=None,
        help="[default: text; with --output, from its suffix: .txt .md .tex .pdf (.json .csv "
        "for solve)]",
    ),
    click.option("--lang", type=_LANGS, default="en", show_default=True),
    click.option(
        "--output",
        "-o",
        default=None,
        type=click.Path(dir_okay=False),
        help="Write to a file, atomically; its suffix picks the format.",
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
  matbackprop explain --format latex --lang ru -o masha.tex
  matbackprop explain --update layerwise"""
)
@_common
@click.option("--loss", type=LOSSES, default=None, help="Write ∂L/∂ŷ out for this loss.")
@click.option("--n", "n_rows", type=click.IntRange(min=1), default=None, help="Rows, for the cost.")
@click.option(
    "--update",
    type=click.Choice(UPDATE_MODES),
    default="after",
    show_default=True,
    help="Update every layer after the backward pass, or each one inside it (layerwise: the "
    "next d goes through the updated W_k).",
)
def explain(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    fmt: str | None,
    lang: str,
    output: str | None,
    loss: str | None,
    n_rows: int | None,
    update: str,
) -> None:
    """Write the network as a composite function and derive backprop with shapes."""
    from ..explain import explain as explain_

    net = network_of(layers, activation, output_activation, bias, loss, init="zeros")
    _emit(explain_(net, loss=loss, lang=lang, n=n_rows, update=update), fmt, output)


@cli.command(
    epilog="""\b
Examples:
  matbackprop solve --X "1,2" --y "1" --init zeros --lr 1 --steps 2
  matbackprop solve --X "1,2;3,4" --y "1;0" --W "1,0;0,1" --W "1/2,0;0,1/2" \\
      --W "1;-1" --activation relu --check "d2=-3/4,3/4;-1/4,1/4" --trace steps.csv
  matbackprop solve --X data.txt --y targets.txt --init normal --seed 1 --order row"""
)
@_common
@givens_options(required=True)
@click.option("--steps", type=click.IntRange(min=1), default=1, show_default=True)
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
    fmt: str | None,
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
    order: str,
    steps: int,
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

    net, given = problem(
        None,
        layers=layers,
        activation=activation,
        output_activation=output_activation,
        bias=bias,
        X=X,
        y=y,
        init=init,
        init_scale=init_scale,
        seed=seed,
        W=W,
        b=b,
        loss=loss,
        lr=lr,
        order=order,
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
        steps=steps,
        exact=_NUMBERS[numbers],
        precision=precision,
        lang=lang,
        check=check or None,
        tolerance=tolerance,
        carry_forward=carry_forward,
        **given,
    )
    if trace:
        sol.save_trace(trace)
    _emit(sol, fmt, output)
    if sol.check_result is not None and not sol.check_result.ok:
        raise click.exceptions.Exit(1)
