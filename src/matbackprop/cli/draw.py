"""``matbackprop draw``: the network, forward-pass or backward-pass diagram, to a file."""

from __future__ import annotations

from pathlib import Path

import click

from ._app import LAYERS, cli
from ._givens import givens_options, problem

_FORMATS = ("png", "svg", "pdf", "tikz", "dot")


@cli.command(
    epilog="""\b
Examples:
  matbackprop draw --layers 2,2,2,1 --what backward -o backward.svg
  matbackprop draw --layers 3,4,2 --activation tanh --bias --what network -o net.tex
  matbackprop draw --model model.npz --what forward --format png -o forward.png
  matbackprop draw --X "1,2;3,4" --y "1;0" --init zeros --lr 1 --step 2 \\
      --what backward --lang ru -o step2.svg"""
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
@givens_options(required=False)
@click.option(
    "--step",
    type=click.IntRange(min=1),
    default=None,
    help="With the givens (--X --y and --W or --init, as solve takes them): draw the numbers "
    "of this step, worked by solve [default: 1].",
)
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True)
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
    X: str | None,
    y: str | None,
    init: str | None,
    init_scale: float | None,
    seed: int,
    W: tuple[str, ...],
    b: tuple[str, ...],
    loss: str,
    lr: str,
    order: str,
    step: int | None,
    lang: str,
) -> None:
    """Draw Masha's network (or any other) and its forward or backward pass.

    PNG, SVG and PDF are rendered by Matplotlib; tikz writes a standalone LaTeX document,
    dot writes Graphviz source. With a problem's givens (the flags of solve) the forward and
    backward diagrams carry the numbers of --step, as solve works them out.
    """
    from ..draw import diagram, problem_diagram
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
    givens = [flag for flag, v in (("--X", X), ("--y", y), ("--init", init), ("--W", W),
                                   ("--b", b), ("--step", step)) if v]  # fmt: skip
    if givens:
        if X is None or y is None:
            raise click.UsageError(
                f"{' and '.join(givens)} need the whole problem: --X, --y and --W or --init, "
                "as solve takes them"
            )
        if what == "network":
            raise click.UsageError(
                "the numbers of a step go on --what forward or backward, not network"
            )
        net, solve_args = problem(
            target if isinstance(target, Network) else None,
            layers=list(target) if not isinstance(target, Network) else [],
            activation=activation or "sigmoid",
            output_activation=output_activation,
            bias=bool(bias),
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
        d = problem_diagram(
            net, what=what, step=step or 1, lang=lang, max_layers=max_layers, **solve_args
        )
    else:
        d = diagram(
            target,
            what,
            activation=acts[0] if acts and len(acts) == 1 else acts,
            output_activation=output_activation,
            bias=bias,
            max_layers=max_layers,
            lang=lang,
        )
    d.save(out, fmt)
    click.echo(f"wrote {output} ({what} diagram of {d.title.split()[-1]})")
