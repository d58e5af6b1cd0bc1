"""One exception root, a few subclasses that are also the matching built-ins.

Each class owns its CLI exit code: 2 for a usage mistake (a bad setting or path),
1 for anything else (bad data, a broken model file, a diverged run).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DTypeError",
    "DataError",
    "MatbackpropError",
    "MissingFileError",
    "ModelFileError",
    "ShapeError",
    "TrainingDivergedError",
]


class MatbackpropError(Exception):
    """Root of every error matbackprop raises on purpose."""

    exit_code = 1


class ConfigError(MatbackpropError, ValueError):
    """A setting is out of range or unknown: an unknown activation, a learning rate <= 0, ..."""

    exit_code = 2


class ShapeError(MatbackpropError, ValueError):
    """An array has the wrong number of dimensions or the wrong size, e.g. W[2] expects (3, 4)."""

    exit_code = 2


class DTypeError(MatbackpropError, TypeError):
    """An array holds integers, booleans, strings or objects where floats are needed."""

    exit_code = 2


class DataError(MatbackpropError, ValueError):
    """Data that has the right shape but cannot be used: NaN, inf, empty, bad labels, bad CSV."""


class MissingFileError(MatbackpropError, FileNotFoundError):
    """A path the user gave does not exist (or is a folder where a file is needed)."""

    exit_code = 2


class ModelFileError(MatbackpropError, ValueError):
    """A model file is truncated, corrupted, from a future version or not a model at all."""


class TrainingDivergedError(MatbackpropError, FloatingPointError):
    """The loss or the weights went non-finite; the network holds its last finite weights."""

    def __init__(self, message: str, history: object | None = None) -> None:
        super().__init__(message)
        self.history = history
