"""The ``matbackprop`` command line: parses, calls the library, prints.

Exit codes: 0 success; 2 a usage mistake (a bad flag, value or path); 1 any other failure
(bad data, a damaged model file, a diverged run); 130 interrupted by Ctrl-C. A user's
mistake is one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import import_module

import click

from ..errors import MatbackpropError
from ._app import cli

# Each module adds its commands to ``cli`` when imported; heavy libraries (SymPy,
# Matplotlib) are imported inside the commands, not here.
for _module in ("demo", "draw", "explain", "playground", "problems", "scale", "train"):
    import_module(f"{__name__}.{_module}")

__all__ = ["cli", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    try:
        # Without standalone mode click *returns* the code of a command's Exit(...)
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="matbackprop",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # usage mistakes: one line, exit 2
        _fail(exc.format_message())
        return int(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("matbackprop: interrupted", err=True)
        return 130
    except MatbackpropError as exc:
        _fail(str(exc))
        return exc.exit_code
    except OSError as exc:  # a disk full, a permission denied: not a bug, not a traceback
        _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        return 1
    return code if isinstance(code, int) else 0


def _fail(message: str) -> None:
    click.echo(f"matbackprop: error: {' '.join(message.split())}", err=True)


def run() -> None:  # pragma: no cover - the console-script entry point
    sys.exit(main())
