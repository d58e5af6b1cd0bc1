"""``matbackprop playground``: the page, served on 127.0.0.1 until Ctrl-C.

FastAPI and uvicorn load inside the command, so ``import matbackprop.cli`` stays light.
"""

from __future__ import annotations

import threading

import click

from ._app import cli


@cli.command(
    epilog="""\b
Examples:
  matbackprop playground
  matbackprop playground --port 8765 --no-browser"""
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The port; 0 takes a free one.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; anything but 127.0.0.1 lets other machines in.",
)
@click.option("--browser/--no-browser", default=True, show_default=True, help="Open the page.")
def playground(port: int, host: str, browser: bool) -> None:
    """Step through Masha's network in the browser: every number from the engine.

    Serves the page from the installed package (no network access) and stops on Ctrl-C.
    """
    from ..playground.app import create_app
    from ..playground.server import bind, server_for, url_of

    sock = bind(host, port)  # before printing, so that the address printed is the one bound
    url = url_of(sock)
    server = server_for(create_app())
    click.echo(f"matbackprop playground: {url}  (Ctrl-C stops it)", err=True)
    click.echo(url)  # stdout: the address alone, for scripts
    if browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])  # uvicorn handles Ctrl-C: stops serving, then re-raises it
    except KeyboardInterrupt:
        pass  # stopping is what Ctrl-C asks for here: no error
    finally:
        sock.close()
    click.echo("matbackprop playground: stopped", err=True)
