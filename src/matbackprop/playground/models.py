"""The playground's JSON API as pydantic models: every request and response, typed.

The fields of :class:`Problem` are the words of the library's arguments; its matrices are
text as the command line takes them (``"1,2;3,4"``, fractions allowed), so that the page
sends what the student typed and the library's own parser reads it. docs/playground.md
describes each endpoint.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CheckRequest",
    "CheckResponse",
    "CsvRequest",
    "CsvResponse",
    "Equation",
    "ExportRequest",
    "ExportResponse",
    "FigureRequest",
    "FigureResponse",
    "Matrix",
    "Operation",
    "Plane",
    "Problem",
    "StepsRequest",
    "StepsResponse",
    "TrainRequest",
    "TrainResponse",
    "TrainStart",
    "VerdictOut",
    "WorkedStep",
]

Phase = Literal["forward", "backward", "update"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored


class Problem(_Model):
    """What the page's Problem panel holds: the network, the loss, the data, the weights."""

    layers: list[int] = Field(default=[2, 2, 2, 1], description="layer sizes, inputs first")
    activation: str = Field(default="sigmoid", description="hidden: one name, or one per layer")
    output_activation: str | None = Field(default="identity", description="null: the loss's")
    loss: str = "mse_half"  # the book's 1/(2n)Σ
    bias: bool = False
    learning_rate: str = Field(default="1", description="η as text: 1/2 stays exact")
    X: str = Field(default="1,2;3,4", description="rows by ';', entries by ','")
    y: str = "1;0"
    init: str = Field(default="zeros", description="an init name, or 'typed' for weights")
    init_scale: float | None = None  # the constant, or the spread; None: the init's default
    seed: int = Field(default=0, ge=0)
    weights: list[str] | None = None  # with init="typed": one text matrix per layer
    biases: list[str] | None = None  # with init="typed" and bias: one text row per layer
    order: str = "batch"  # or "row"


class _Worked(_Model):
    problem: Problem = Field(default_factory=Problem)
    steps: int = 2
    lang: str = "en"  # or "ru"
    precision: int = 4  # significant digits of decimals, 1..15
    numbers: str = "auto"  # auto | exact | decimal: solve's exact="auto" | True | False


class Equation(_Model):
    latex: str
    text: str


class Matrix(_Model):
    """One value: every entry for display (``text``) and as a number (``floats``)."""

    name: str
    shape: list[int]
    text: list[list[str]]
    floats: list[list[float]]
    latex: str  # the matrix for KaTeX; over 8 rows the first 7 and ⋮
    exact: bool


class Operation(Matrix):
    id: str  # "1:dW3"
    step: int
    phase: Phase
    kind: str  # H, O, y_hat, L, dyhat, d, dW, db, fp, W, b
    layer: int  # 1..L, for highlighting the diagram
    equation: Equation
    shapes: Equation
    relation: Literal["=", "≈"]


class WorkedStep(_Model):
    index: int
    rows: list[int]  # 1-based rows of X used by the step
    exact: bool
    operations: list[Operation]


class StepsRequest(_Worked):
    pass


class StepsResponse(_Model):
    given: list[Matrix]
    steps: list[WorkedStep]
    switched_at: int | None
    notes: list[str]
    command: str


class CheckRequest(_Worked):
    answers: list[tuple[str, str]] = Field(default_factory=list)  # [NAME[@STEP], MATRIX]
    tolerance: str | None = None  # "1e-3" or "1%"
    carry_forward: bool = False


class VerdictOut(_Model):
    key: str
    label: str
    status: Literal["match", "differs", "unreadable"]
    step: int | None
    name: str | None
    message: str
    diagnoses: list[str]
    yours: list[list[str]] | None
    correct: list[list[str]] | None


class CheckResponse(_Model):
    ok: bool
    summary: str
    verdicts: list[VerdictOut]


class TrainStart(_Model):
    weights: list[list[list[float]]]
    biases: list[list[float]] = Field(default_factory=list)


class TrainRequest(_Model):
    problem: Problem = Field(default_factory=Problem)
    steps: int = 100
    start: TrainStart | None = None  # null: the problem's initial weights
    grid: int = 25  # grid × grid points of the input plane (two inputs only)


class Plane(_Model):
    x0: list[float]
    x1: list[float]
    output: list[list[float]]  # output[i][j]: the first output at (x0[j], x1[i])
    hidden: list[dict[str, int | list[list[float]]]]  # {"layer", "neuron", "values"}


class TrainResponse(_Model):
    loss: list[float]  # before each step
    final_loss: float  # after the last one
    gradient_norms: dict[str, list[float]]  # "W1": ‖∂L/∂W1‖ per step
    weights: list[list[list[float]]]
    biases: list[list[float]]
    plane: Plane | None
    warnings: list[str]  # the library's warnings, e.g. a symmetric (constant) init


class ExportRequest(_Worked):
    format: str = "markdown"  # markdown latex text json csv command figure
    what: str | None = None  # with format="figure": network, forward or backward
    figure_format: str = "svg"  # svg png pdf tikz dot
    answers: list[tuple[str, str]] | None = None  # checked, and the check goes in the file
    tolerance: str | None = None
    carry_forward: bool = False


class ExportResponse(_Model):
    filename: str
    media_type: str
    encoding: Literal["utf-8", "base64"]
    content: str
    command: str


class FigureRequest(_Model):
    problem: Problem = Field(default_factory=Problem)
    step: int = 1
    what: str = "network"  # network, forward or backward


class FigureResponse(_Model):
    svg: str


class CsvRequest(_Model):
    text: str
    name: str = "the CSV"  # the file's name, for the messages
    target: list[str] | None = None  # null: the last column


class CsvResponse(_Model):
    columns: list[str]
    X: str
    y: str
    rows: int
