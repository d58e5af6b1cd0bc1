"""Serving the playground: a socket on 127.0.0.1, uvicorn in front or in a thread."""

from __future__ import annotations

import html
import socket
import threading
import time
from typing import Any

from ..errors import ConfigError

__all__ = ["Playground", "bind", "serve_in_thread"]

LOCALHOST = "127.0.0.1"


def bind(host: str = LOCALHOST, port: int = 0) -> socket.socket:
    """A listening socket; ``port=0`` takes a free one. A port in use is a ConfigError."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"port must be an integer in 0..65535, got {port!r}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Linux passes this on to each accepted connection: without it a response written as
    # headers, then body waits ~40 ms for the client's delayed ACK (Nagle's algorithm)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"port {port} on host {host!r} cannot be used: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def server_for(app: Any) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, workers=1,
                            lifespan="off", timeout_graceful_shutdown=2)  # fmt: skip
    return uvicorn.Server(config)


class Playground:
    """A running playground: ``url``, and ``stop()``; shows the page inline in Jupyter."""

    def __init__(self, server: Any, thread: threading.Thread, sock: socket.socket) -> None:
        self._server = server
        self._thread = thread
        self._sock = sock
        self.url = url_of(sock)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the server's thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Playground {self.url} ({state})>"

    def _repr_html_(self) -> str:
        url = html.escape(self.url, quote=True)
        return (
            f'<iframe src="{url}" width="100%" height="820" style="border:1px solid #ddd" '
            f'title="matbackprop playground"></iframe><p><a href="{url}" target="_blank">'
            f"{url}</a></p>"
        )


def serve_in_thread(app: Any, host: str = LOCALHOST, port: int = 0) -> Playground:
    """Serve ``app`` from a background thread; returns once it accepts connections."""
    sock = bind(host, port)
    server = server_for(app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="matbackprop-playground", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        sock.close()
        raise RuntimeError("the playground's server did not start")
    return Playground(server, thread, sock)
