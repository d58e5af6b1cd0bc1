"""Data in and out: CSV tables and the built-in demo dataset."""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .errors import ConfigError, DataError, MissingFileError

__all__ = ["Table", "demo_data", "read_csv", "read_table"]

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Table:
    """A numeric CSV table: ``values[i, j]`` is row ``i`` (after the header), column ``j``."""

    columns: tuple[str, ...]
    values: NDArray[np.float64]

    def split(
        self, target: Sequence[str]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str]]:
        """``(X, y, feature_names)``: the ``target`` columns go to ``y``, the rest to ``X``."""
        missing = [t for t in target if t not in self.columns]
        if missing:
            raise ConfigError(
                f"--target column {missing[0]!r} is not in the CSV header; columns are "
                f"{', '.join(self.columns)}"
            )
        if not target:
            raise ConfigError("--target must name at least one column")
        t_idx = [self.columns.index(t) for t in target]
        x_idx = [j for j in range(len(self.columns)) if j not in t_idx]
        if not x_idx:
            raise ConfigError("every column is a --target; at least one input column is needed")
        return self.values[:, x_idx], self.values[:, t_idx], [self.columns[j] for j in x_idx]

    def select(self, names: Sequence[str]) -> NDArray[np.float64]:
        missing = [c for c in names if c not in self.columns]
        if missing:
            raise DataError(
                f"the CSV lacks column {missing[0]!r} that the model was trained on; columns "
                f"are {', '.join(self.columns)}"
            )
        return self.values[:, [self.columns.index(c) for c in names]]


def read_csv(path: str | os.PathLike[str]) -> Table:
    """Read a numeric CSV with a header row.

    Accepts a UTF-8 BOM, Windows line endings, and ``,`` ``;`` or tab separators (whichever
    the header uses). Every other cell must be a finite number; a bad cell is reported
    by its line number and column name.
    """
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"data file {p} does not exist")
    if p.is_dir():
        raise MissingFileError(f"data file {p} is a folder, not a CSV file")
    return read_table(p.read_bytes(), str(p))


def read_table(raw: bytes, source: str = "<data>") -> Table:
    """Parse CSV bytes (see :func:`read_csv`)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if "\x00" in text:
        raise DataError(f"{source} is not a text CSV file (it holds NUL bytes)")
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise DataError(f"{source} is empty; a header row and data rows are needed")
    delimiter = max(_DELIMITERS, key=header_line.count)
    try:
        rows = [
            (number, row)
            for number, row in enumerate(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
            )
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise DataError(f"{source} is not a readable CSV file: {exc}") from None
    if not rows:  # e.g. only a quoted blank: lines of text, but no cell with content
        raise DataError(f"{source} is empty; a header row and data rows are needed")
    (_, header), body = rows[0], rows[1:]
    columns = tuple(c.strip() for c in header)
    if all(_is_number(c) for c in columns):
        raise DataError(
            f"{source} has no header: its first row ({', '.join(columns)}) is all numbers; "
            "add a row of column names"
        )
    if any(not c for c in columns):
        raise DataError(f"{source}: header column {columns.index('') + 1} has no name")
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise DataError(f"{source}: header names column {dup!r} twice")
    if not body:
        raise DataError(f"{source} has a header but no data rows")

    values = np.empty((len(body), len(columns)))
    for i, (line, row) in enumerate(body):
        if len(row) != len(columns):
            raise DataError(
                f"{source}, line {line}: expected {len(columns)} cells like the header, "
                f"got {len(row)}"
            )
        for j, cell in enumerate(row):
            try:
                v = float(cell.strip())
            except ValueError:
                raise DataError(
                    f"{source}, line {line}, column {columns[j]!r}: {cell.strip()!r} is not a "
                    "number"
                ) from None
            if not math.isfinite(v):
                raise DataError(
                    f"{source}, line {line}, column {columns[j]!r}: {cell.strip()!r} is not finite"
                )
            values[i, j] = v
    return Table(columns, values)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


# Masha's data: a fixed "teacher" network of her own shape, 2-2-2-1 sigmoid without
# biases, labels the points; the student network has to recover the function.
_TEACHER_W1 = np.array([[2.0, -1.5], [1.0, 2.5]])  # (2, 2)
_TEACHER_W2 = np.array([[3.0, -2.0], [-2.5, 3.5]])  # (2, 2)
_TEACHER_W3 = np.array([[1.5], [-1.0]])  # (2, 1)


def demo_data(
    n: int = 256, seed: int = 0, noise: float = 0.02
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The demo regression set: ``X`` uniform on [−2, 2]², ``y`` from a fixed 2-2-2-1 sigmoid
    teacher network plus Gaussian noise. Deterministic for a given ``seed``.

    Shapes: ``X``: (n, 2); ``y``: (n, 1).
    """
    from .activations import get_activation

    sigmoid = get_activation("sigmoid").f
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    y_true = sigmoid(sigmoid(X @ _TEACHER_W1) @ _TEACHER_W2) @ _TEACHER_W3
    return X, y_true + noise * rng.standard_normal((n, 1))
