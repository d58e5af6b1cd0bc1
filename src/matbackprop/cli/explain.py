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


OPTIMIZERS = ("sgd", "gd", "momentum", "nesterov", "adam")  # the rules solve works


def _optimizer(
    name: str,
    momentum: float | None,
    beta1: float | None,
    beta2: float | None,
    eps: float | None,
    epsilon_on: str | None,
) -> Any:
    """The optimizer of ``--optimizer`` with its settings; a setting of another rule is a
    usage mistake, never silently dropped."""
    from ..errors import ConfigError
    from ..optimizers import SGD, Adam

    adam = {"--beta1": beta1, "--beta2": beta2, "--eps": eps, "--epsilon-on": epsilon_on}
    given = [flag for flag, v in adam.items() if v is not None]
    if name != "adam" and given:
        raise ConfigError(f"{', '.join(given)} needs --optimizer adam, got --optimizer {name}")
    if name not in ("momentum", "nesterov") and momentum is not None:
        raise ConfigError(
            f"--momentum needs --optimizer momentum or nesterov, got --optimizer {name}"
        )
    if name in ("momentum", "nesterov"):
        mu = 0.9 if momentum is None else momentum
        return SGD(momentum=mu, nesterov=name == "nesterov")
    if name == "adam":
        settings: dict[str, Any] = {
            "beta1": beta1,
            "beta2": beta2,
            "epsilon": eps,
            "epsilon_on": epsilon_on,
        }
        return Adam(**{k: v for k, v in settings.items() if v is not None})
    return name


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
  matbackprop solve --X data.txt --y targets.txt --init normal --seed 1 --order row
  matbackprop solve --X "1,2;3,4" --y "1;0" --init zeros --lr 1/2 --steps 2 \\
      --optimizer momentum --momentum 0.5 --update layerwise --check "v3@1=1/8;1/8"
  matbackprop solve --X "1,2;3,4" --y "1;0" --init zeros --optimizer adam --batch-size 1"""
)
@_common
@givens_options(required=False)
@click.option(
    "--variant",
    default=None,
    help="A problem variant's id (from matbackprop problems): it gives the network and the "
    "givens, instead of --X --y --W --b and the rest.",
)
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
@click.option(
    "--optimizer",
    type=click.Choice(list(OPTIMIZERS)),
    default="sgd",
    show_default=True,
    help="The update rule; each step shows its state (v_k, or m_k, s_k, m̂_k, ŝ_k).",
)
@click.option(
    "--momentum",
    type=float,
    default=None,
    help="μ of --optimizer momentum or nesterov [default: 0.9]; a decimal stays exact.",
)
@click.option("--beta1", type=float, default=None, help="Adam's β1 [default: 0.9].")
@click.option("--beta2", type=float, default=None, help="Adam's β2 [default: 0.999].")
@click.option("--eps", type=float, default=None, help="Adam's ε [default: 1e-8].")
@click.option(
    "--epsilon-on",
    type=click.Choice(["v", "v_hat"]),
    default=None,
    help="Adam: ε added to √s (v, the engine's default) or to √ŝ (v_hat, PyTorch's).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Rows per step, taken in turn [default: as --order says].",
)
@click.option(
    "--update",
    type=click.Choice(["after", "layerwise"]),
    default="after",
    show_default=True,
    help="Update every W_k after the backward pass, or each as soon as its gradient is known.",
)
def solve(
    layers: list[int],
    activation: str,
    output_activation: str | None,
    bias: bool,
    fmt: str | None,
    lang: str,
    output: str | None,
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
    variant: str | None,
    steps: int,
    numbers: str,
    precision: int,
    checks: tuple[str, ...],
    tolerance: str | None,
    carry_forward: bool,
    trace: str | None,
    optimizer: str,
    momentum: float | None,
    beta1: float | None,
    beta2: float | None,
    eps: float | None,
    epsilon_on: str | None,
    batch_size: int | None,
    update: str,
) -> None:
    """Work gradient-descent steps by hand: every matrix, every d, every update.

    Exits 1 when a --check value differs (the report says where).
    """
    from ..explain import solve as solve_

    check: list[tuple[str, str]] = []  # a list: a name given twice is judged twice
    for item in checks:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(
                f"expected NAME=MATRIX like 'W2=1,2;3,4', got {item!r}", param_hint="--check"
            )
        check.append((key.strip(), value.strip()))
    if variant is not None:
        from ..explain.problems import variant as variant_

        _no_givens_with_variant(click.get_current_context())
        sol = variant_(variant).solution(
            lang, check=check or None, tolerance=tolerance, carry_forward=carry_forward
        )
        _finish(sol, trace, fmt, output)
        return
    if X is None or y is None:
        flag = "--X" if X is None else "--y"
        raise click.UsageError(f"Missing option '{flag}' (or give --variant)")
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
    sol = solve_(
        net,
        steps=steps,
        exact=_NUMBERS[numbers],
        precision=precision,
        lang=lang,
        check=check or None,
        tolerance=tolerance,
        carry_forward=carry_forward,
        optimizer=_optimizer(optimizer, momentum, beta1, beta2, eps, epsilon_on),
        batch_size=batch_size,
        update=update,
        **given,
    )
    _finish(sol, trace, fmt, output)


# What a variant's id already fixes: giving one of these with --variant is a contradiction.
_VARIANT_FIXES = (
    "X", "y", "W", "b", "init", "init_scale", "seed", "loss", "lr", "order", "steps",
    "layers", "activation", "output_activation", "bias", "numbers",
)  # fmt: skip


def _no_givens_with_variant(ctx: click.Context) -> None:
    from click.core import ParameterSource

    given = [
        next(o for o in p.opts if o.startswith("--"))
        for p in ctx.command.params
        if p.name in _VARIANT_FIXES
        and ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE
    ]
    if given:
        raise click.UsageError(
            f"--variant gives the network and the givens; drop {', '.join(given)}"
        )


def _finish(sol: Any, trace: str | None, fmt: str | None, output: str | None) -> None:
    if trace:
        sol.save_trace(trace)
    _emit(sol, fmt, output)
    if sol.check_result is not None and not sol.check_result.ok:
        raise click.exceptions.Exit(1)
