"""The FastAPI application: the JSON API under ``/api`` and the page from the package.

Requests are worked one at a time (one lock): a second request waits instead of sharing
the cores, so no mix of requests can take more than one request's memory and time, and the
caps of :mod:`.limits` bound that.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import Any, TypeVar

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from .._version import __version__
from ..activations import ACTIVATIONS
from ..data import demo_data
from ..errors import MatbackpropError
from ..init import INITS
from . import engine
from .limits import LIMITS
from .models import (
    CheckRequest,
    CheckResponse,
    CsvRequest,
    CsvResponse,
    ExportRequest,
    ExportResponse,
    FigureRequest,
    FigureResponse,
    Problem,
    StepsRequest,
    StepsResponse,
    TrainRequest,
    TrainResponse,
)
from .problem import FieldErrors

__all__ = ["create_app", "defaults"]

T = TypeVar("T")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip

_HIDDEN = tuple(name for name in ACTIVATIONS if name != "softmax")  # softmax: output only


def _datasets() -> list[dict[str, Any]]:
    """Built-in data sets, as the text the Problem panel's fields hold."""
    X, y = demo_data(n=32, seed=0)
    return [
        {"name": "masha", "title": "Masha's two rows", "X": "1,2;3,4", "y": "1;0",
         "layers": [2, 2, 2, 1], "loss": "mse_half"},
        {"name": "xor", "title": "XOR", "X": "0,0;0,1;1,0;1,1", "y": "0;1;1;0",
         "layers": [2, 2, 2, 1], "loss": "mse_half"},
        {"name": "demo", "title": "Masha's teacher network, 32 noisy points (mb.demo_data)",
         "X": engine._text(np.round(X, 2)), "y": engine._text(np.round(y, 3)),
         "layers": [2, 2, 2, 1], "loss": "mse_half"},
    ]  # fmt: skip


def defaults(problem: Problem | None = None) -> dict[str, Any]:
    """What ``GET /api/defaults`` answers: the starting problem, the choices, the limits."""
    return {
        "version": __version__,
        "problem": (problem or Problem()).model_dump(),
        "steps": 2,
        "lang": "en",
        "precision": 4,
        "numbers": "auto",
        "choices": {
            "activations": list(_HIDDEN),
            "output_activations": list(ACTIVATIONS),
            "losses": ["mse_half", "mse", "logloss", "cross_entropy"],
            "init": [*INITS, "typed"],
            "orders": ["batch", "row"],
            "numbers": ["auto", "exact", "decimal"],
            "langs": ["en", "ru"],
            "formats": ["markdown", "latex", "text", "json", "csv", "command", "figure"],
            "figures": ["network", "forward", "backward"],
            "figure_formats": ["svg", "png", "pdf", "tikz", "dot"],
        },
        "datasets": _datasets(),
        "limits": LIMITS.as_dict(),
    }


def _errors(errors: dict[str, str]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=422)


def _validation_field(loc: tuple[Any, ...]) -> str:
    """``("body", "problem", "layers", 0)`` -> ``layers``: a problem's field by its own name."""
    path = [str(p) for p in loc if p != "body"]
    if not path or path[0].isdigit():  # ("body", 0): the body itself is no JSON
        return "request"
    if len(path) >= 2 and path[0] == "problem":
        path = path[1:]
    if len(path) >= 2 and path[0] in ("weights", "biases", "answers") and path[1].isdigit():
        return f"{path[0]}[{path[1]}]"
    return path[0] if path else "request"


class _BodyLimit:
    """Refuses a request body over ``LIMITS.max_body_bytes`` before it is read into memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = LIMITS.max_body_bytes
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > cap:
            await _too_large(int(length), scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > cap:
                raise _TooLarge(seen)
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge as exc:
            await _too_large(exc.size, scope, receive, send)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


async def _too_large(size: int, scope: Scope, receive: Any, send: Any) -> None:
    message = (
        f"the request body must be at most {LIMITS.max_body_bytes} bytes in the playground, "
        f"got {size}"
    )
    await JSONResponse({"errors": {"request": message}}, status_code=413)(scope, receive, send)


def create_app(problem: Problem | None = None) -> FastAPI:
    """The playground's application; ``problem`` is what the page starts with (Masha's
    zero-init problem by default)."""
    app = FastAPI(
        title="matbackprop playground",
        version=__version__,
        docs_url=None,  # Swagger's page loads from a CDN: the schema alone is served
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    lock = threading.Lock()
    start = defaults(problem)

    def locked(fn: Callable[[Any], T], req: Any) -> T:
        with lock:
            return fn(req)

    @app.exception_handler(FieldErrors)
    async def field_errors(request: Request, exc: FieldErrors) -> JSONResponse:
        return _errors(exc.errors)

    @app.exception_handler(MatbackpropError)
    async def library_error(request: Request, exc: MatbackpropError) -> JSONResponse:
        return _errors({"problem": " ".join(str(exc).split())})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        out: dict[str, str] = {}
        for err in exc.errors():
            field = _validation_field(tuple(err.get("loc", ())))
            if err.get("type") == "json_invalid":
                out.setdefault(
                    "request",
                    "the request body must be JSON: " + str(err.get("ctx", {}).get("error", "")),
                )
                continue
            got = f", got {err['input']!r}" if "input" in err and err["type"] != "missing" else ""
            out.setdefault(field, f"{field}: {str(err.get('msg', 'invalid')).lower()}{got}"[:300])
        return _errors(out or {"request": "the request body must be a JSON object"})

    @app.get("/api/defaults")
    def get_defaults() -> dict[str, Any]:
        """Masha's problem (or the one the playground was started with), the choices of
        every menu, the built-in data sets and the limits."""
        return start

    @app.post("/api/steps", response_model=StepsResponse)
    def post_steps(req: StepsRequest) -> StepsResponse:
        """Every operation of every step: phase, equation, shape arithmetic, numbers."""
        return locked(engine.steps, req)

    @app.post("/api/train", response_model=TrainResponse)
    def post_train(req: TrainRequest) -> TrainResponse:
        """Gradient descent: the loss per step, per-layer gradient norms, the weights, and
        for two inputs the learned function and each hidden neuron over the plane."""
        return locked(engine.train, req)

    @app.post("/api/check", response_model=CheckResponse)
    def post_check(req: CheckRequest) -> CheckResponse:
        """The verdicts of ``matbackprop solve --check`` on the student's answers."""
        return locked(engine.check, req)

    @app.post("/api/export", response_model=ExportResponse)
    def post_export(req: ExportRequest) -> ExportResponse:
        """A worked solution, its trace, a figure or the command line, as a download."""
        return locked(engine.export, req)

    @app.post("/api/figure", response_model=FigureResponse)
    def post_figure(req: FigureRequest) -> FigureResponse:
        """A diagram with the numbers at the start of a step, as SVG."""
        return locked(engine.figure, req)

    @app.post("/api/csv", response_model=CsvResponse)
    def post_csv(req: CsvRequest) -> CsvResponse:
        """An uploaded CSV, read by the command line's reader, as X and y."""
        return locked(engine.csv, req)

    static = resources.files("matbackprop.playground") / "static"
    if static.is_dir():  # the page; the API works without it
        app.mount("/", StaticFiles(directory=str(static), html=True), name="static")
    app.add_middleware(_BodyLimit)
    return app
