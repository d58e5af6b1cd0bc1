"""The root command group and the option types shared by the subcommands."""

from __future__ import annotations

from typing import Any

import click

from .._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
