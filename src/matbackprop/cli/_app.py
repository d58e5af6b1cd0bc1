"""The root command group and the option types shared by the subcommands."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .. import _checks
from .._version import __version__
from ..errors import MatbackpropError
from ..losses import LOSS_NAMES
from ..optimizers import OPTIMIZER_NAMES

# The library's errors name its arguments ("learning_rate must be > 0"); a command's errors
# must name its flags ("--lr must be > 0"). A flag names the argument it spells with "_" for
# "-" (--init-scale: init_scale) and the parameter it fills (--lr "learning_rate": train's
# learning_rate); this table adds the arguments a flag fills under another name. An entry
# applies only to the commands that have the flag.
API_FLAGS: dict[str, str] = {
    "learning_rate": "--lr",  # solve's --lr
    "weights": "--W",  # solve's --W, one per layer
    "biases": "--b",
    "exact": "--numbers",
}

# The argument an error is about comes first: "X must ...", "weights[1] (W2) expects ..."
_SUBJECT = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\[(?P<index>\d+)\])?(?=\s|$|:|,)")
# Elsewhere only names that are no English word (they have a "_"), and never quoted values
_NAMED = re.compile(r"(?<![\w'\"-])(?P<name>[A-Za-z]\w*_\w+)(?![\w'\"])")


def flags_of(command: click.Command) -> dict[str, str]:
    """``{API argument name: CLI flag}`` for the options of ``command``."""
    flags: dict[str, str] = {}
    for param in command.params:
        long = [o for o in param.opts if o.startswith("--")]
        if not isinstance(param, click.Option) or not long:
            continue
        flags[long[0][2:].replace("-", "_")] = long[0]
        if param.name:
            flags.setdefault(param.name, long[0])
    have = set(flags.values())
    flags.update({name: flag for name, flag in API_FLAGS.items() if flag in have})
    return flags


def in_flag_words(message: str, command: click.Command) -> str:
    """``message`` with the API argument names of ``command``'s options put as its flags.

    ``weights[1] ...`` becomes ``--W #2 ...``: the second time the flag is given.
    """
    flags = flags_of(command)

    def subject(m: re.Match[str]) -> str:
        flag = flags.get(m["name"])
        if flag is None:
            return m[0]
        return flag if m["index"] is None else f"{flag} #{int(m['index']) + 1}"

    message = _SUBJECT.sub(subject, message, count=1)
    return _NAMED.sub(lambda m: flags.get(m["name"], m[0]), message)


class FlagCommand(click.Command):
    """A command whose library errors name its flags (see :func:`in_flag_words`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MatbackpropError as exc:
            if exc.args and isinstance(exc.args[0], str):
                exc.args = (in_flag_words(exc.args[0], self), *exc.args[1:])
            raise


class _Group(click.Group):
    command_class = FlagCommand  # every @cli.command, in every module


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="matbackprop")
def cli() -> None:
    """Train fully connected networks by backpropagation in matrix form, and show every step.

    \b
    Start with:
      matbackprop demo                 # Masha's 2-2-2-1 network, trained end to end
      matbackprop COMMAND --help       # every command has an example
    """


class LayerSizes(click.ParamType):  # type: ignore[type-arg]
    """``2,2,2,1`` -> ``[2, 2, 2, 1]``."""

    name = "SIZES"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, list):
            return value
        try:
            sizes = [int(s) for s in str(value).replace(" ", "").split(",")]
        except ValueError:
            self.fail(
                f"expected comma-separated positive integers like 2,2,2,1, got {value!r}",
                param,
                ctx,
            )
        if len(sizes) < 2 or any(s <= 0 for s in sizes):
            self.fail(
                f"expected at least two positive integers like 2,2,2,1, got {value!r}", param, ctx
            )
        return sizes


LAYERS = LayerSizes()

# --loss takes every name of the losses' registry, aliases included
LOSS = click.Choice(LOSS_NAMES, case_sensitive=False)
ALLOW_UNPAIRED = click.option(
    "--allow-unpaired",
    is_flag=True,
    help="Allow a loss with an output activation it is not defined for (e.g. logloss with "
    "identity): the loss is taken from the outputs, unfused.",
)


F = TypeVar("F", bound=Callable[..., Any])


def network_options(*, optimizer: str, learning_rate: float, target_help: str) -> Callable[[F], F]:
    """The options every training command shares: targets, architecture, loss, optimizer, η."""
    options = [
        click.option("--target", "-t", "targets", multiple=True, required=True, help=target_help),
        click.option(
            "--layers",
            type=LAYERS,
            required=True,
            help="Layer sizes from inputs to outputs, e.g. 2,2,2,1.",
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
            help="Output activation [default: from the loss: identity, sigmoid or softmax].",
        ),
        click.option(
            "--loss",
            default="mse",
            show_default=True,
            type=LOSS,
            help="Loss; mse_half is ½·MSE, the book's 1/(2n)Σ.",
        ),
        ALLOW_UNPAIRED,
        click.option(
            "--optimizer",
            default=optimizer,
            show_default=True,
            type=click.Choice(list(OPTIMIZER_NAMES)),
        ),
        click.option(
            "--lr",
            "learning_rate",
            default=learning_rate,
            show_default=True,
            type=float,
            callback=lambda ctx, param, v: _checks.learning_rate(v, "--lr"),
            help="Learning rate η, 0 < η ≤ 1000.",
        ),
    ]

    return _all_of(options)


def model_options() -> Callable[[F], F]:
    """How every training command builds its network: biases, init, seed, dtype."""
    return _all_of(
        [
            click.option("--bias/--no-bias", default=True, show_default=True),
            click.option(
                "--init",
                default="auto",
                show_default=True,
                help="auto, zeros, constant, normal, uniform, glorot, glorot_normal, he, "
                "he_uniform.",
            ),
            click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0)),
            click.option(
                "--dtype",
                default="float64",
                show_default=True,
                type=click.Choice(["float64", "float32"]),
            ),
        ]
    )


def output_options() -> Callable[[F], F]:
    """The files every training command can write: the model and its loss history."""
    return _all_of(
        [
            click.option(
                "--save",
                "save_path",
                default=None,
                type=click.Path(dir_okay=False),
                help="Write the trained model (.npz).",
            ),
            click.option(
                "--history",
                "history_path",
                default=None,
                type=click.Path(dir_okay=False),
                help="Write the loss per epoch (.csv).",
            ),
        ]
    )


def _all_of(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    """One decorator applying ``options`` so that ``--help`` lists them in this order."""

    def decorate(command: F) -> F:
        for option in reversed(options):  # click applies the last decorator first
            command = option(command)
        return command

    return decorate
