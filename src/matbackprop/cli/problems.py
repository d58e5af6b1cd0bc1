"""``matbackprop problems``: variants of the chapter's problem, their sheets and answer keys.

SymPy loads inside the command (the keys are worked solutions), so ``import matbackprop.cli``
stays light.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._app import LAYERS, cli

_KINDS = ("forward_backward", "one_step", "two_steps")
_PRESETS = ("sigmoid", "relu", "relu_mse", "identity")
_FORMATS = click.Choice(["text", "markdown", "latex", "pdf", "json"])


def key_path(sheet: Path) -> Path:
    """``sheet.tex`` -> ``sheet-key.tex``: the key beside its sheet, in the same format."""
    return sheet.with_name(f"{sheet.stem}-key{sheet.suffix}")


@cli.command(
    epilog="""\b
Examples:
  matbackprop problems --count 30 --seed 42 -o sheets.tex      # and sheets-key.tex
  matbackprop problems --kind one_step --activation relu --bias --lang ru -o var.pdf
  matbackprop problems --kind two_steps --activation identity --max-denominator 8 --range 3
  matbackprop solve --variant v1-s42-3 --check "dW3=-1/2;-1/2"   # mark one answer"""
)
@click.option("--count", type=click.IntRange(1, 500), default=10, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--kind",
    type=click.Choice(_KINDS),
    default="forward_backward",
    show_default=True,
    help="The forward and backward pass, or one or two gradient-descent steps.",
)
@click.option(
    "--activation",
    type=click.Choice(_PRESETS),
    default="sigmoid",
    show_default=True,
    help="sigmoid: sigmoid layers, ½·MSE (Masha's); relu: ReLU layers, sigmoid output, "
    "log-loss; relu_mse; identity.",
)
@click.option("--order", type=click.Choice(["batch", "row"]), default="batch", show_default=True)
@click.option("--bias/--no-bias", default=False, show_default=True, help="Biases b_k.")
@click.option("--layers", type=LAYERS, default="2,2,2,1", show_default=True, help="Layer sizes.")
@click.option("--rows", type=click.IntRange(1, 6), default=2, show_default=True, help="Rows of X.")
@click.option(
    "--max-denominator",
    type=click.IntRange(min=2),
    default=16,
    show_default=True,
    help="No number a student writes has a larger denominator.",
)
@click.option(
    "--range",
    "value_range",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="No number a student writes is larger in magnitude.",
)
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=_FORMATS,
    default=None,
    help="[default: from the suffix of --output: .txt .md .tex .pdf .json]",
)
@click.option(
    "--output",
    "-o",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the problem sheets here and the answer keys beside them (NAME-key.SUFFIX).",
)
@click.option(
    "--key",
    "key_output",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the answer keys here instead.",
)
def problems(
    count: int,
    seed: int,
    kind: str,
    activation: str,
    order: str,
    bias: bool,
    layers: list[int],
    rows: int,
    max_denominator: int,
    value_range: int,
    lang: str,
    fmt: str | None,
    output: str | None,
    key_output: str | None,
) -> None:
    """Variants of the problem with nice numbers: sheets, answer keys, one-line keys.

    Prints one line per variant: its id (which regenerates it, see `solve --variant`) and
    its key for quick marking.
    """
    from ..explain.problems import problems as problems_

    if key_output and not output:
        raise click.UsageError("--key goes with --output (the file of the sheets)")
    variants = problems_(
        count,
        seed=seed,
        kind=kind,
        activation=activation,
        order=order,
        bias=bias,
        layer_sizes=layers,
        max_denominator=max_denominator,
        value_range=value_range,
        rows=rows,
    )
    if output:
        sheet_path = Path(output)
        key_file = Path(key_output) if key_output else key_path(sheet_path)
        variants.sheet(lang).save(sheet_path, fmt)
        variants.key(lang).save(key_file, fmt)
        click.echo(f"written to {sheet_path} and {key_file}", err=True)
    for line in variants.key_lines:
        click.echo(line)
