"""``matbackprop draw``: the network, forward-pass or backward-pass diagram, to a file."""

from __future__ import annotations

from pathlib import Path

import click

from ._app import LAYERS, cli

_FORMATS = ("png", "svg", "pdf", "tikz", "dot")


@cli.command(
    epilog="""\b
Examples:
  matbackprop draw --layers 2,2,2,1 --what backward -o backward.svg
  matbackprop draw --layers 3,4,2 --activation tanh --bias --what network -o net.tex
  matbackprop draw --model model.npz --what forward --format png -o forward.png"""
)
@click.option("--layers", type=LAYERS, default=None, help="Layer sizes [default: 2,2,2,1].")
@click.option(
    "--activation",
    default=None,
    help="Hidden activation, or one per hidden layer separated by commas [default: sigmoid].",
)
@click.option("--output-activation", default=None, help="[default: identity]")
@click.option("--bias/--no-bias", default=None, help="Draw biases b_k [default: no biases].")
@click.option(
    "--model",
    "model_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=str),
    help="Draw a model written by train --save instead of --layers.",
)
@click.option(
    "--what",
    default="network",
    show_default=True,
    type=click.Choice(["network", "forward", "backward"]),
)
@click.option(
    "--max-layers",
    default=3,
    show_default=True,
    type=click.IntRange(min=2),
    help="Forward/backward of deeper nets: layer 1, the last ones, and ⋯ between.",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    type=click.Choice(_FORMATS),
    help="Output format [default: from the suffix: .png .svg .pdf .tex .dot].",
)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=str))
def draw(
    layers: list[int] | None,
    activation: str | None,
    output_activation: str | None,
    bias: bool | None,
    model_path: str | None,
    what: str,
    max_layers: int,
    fmt: str | None,
    output: str,
) -> None:
    """Draw Masha's network (or any other) and its forward or backward pass.

    PNG, SVG and PDF are rendered by Matplotlib; tikz writes a standalone LaTeX document,
    dot writes Graphviz source.
    """
    from ..draw import diagram
    from ..errors import MissingFileError
    from ..network import Network

    if model_path is not None:
        given = [
            flag
            for flag, value in (
                ("--layers", layers),
                ("--activation", activation),
                ("--output-activation", output_activation),
                ("--bias", bias),
            )
            if value is not None
        ]
        if given:
            raise click.UsageError(f"--model already fixes {', '.join(given)}; drop them")
        target: Network | list[int] = Network.load(model_path)
        acts = None
    else:
        target = layers if layers is not None else [2, 2, 2, 1]
        acts = None if activation is None else [s.strip() for s in activation.split(",")]
    out = Path(output)
    if not out.parent.is_dir():
        raise MissingFileError(f"the folder of --output {output!r} does not exist")
    d = diagram(
        target,
        what,
        activation=acts[0] if acts and len(acts) == 1 else acts,
        output_activation=output_activation,
        bias=bias,
        max_layers=max_layers,
    )
    d.save(out, fmt)
    click.echo(f"wrote {output} ({what} diagram of {d.title.split()[-1]})")
