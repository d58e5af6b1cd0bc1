"""Checks at the boundary, where data and settings enter. Inner loops trust their inputs."""

from __future__ import annotations

import math
import numbers
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _xp
from .errors import ConfigError, DataError, DTypeError, MissingFileError, ShapeError

MAX_LEARNING_RATE = 1e3  # larger is always a typo (1e3 steps past any sensible loss scale)


def as_matrix(
    value: Any, name: str, dtype: DTypeLike, *, width: int | None = None, allow_1d: bool = False
) -> NDArray[np.floating]:
    """``value`` as a finite 2-D float array of ``dtype``; integers are converted exactly.

    Booleans, strings, objects and complex numbers are refused: they are nearly always a
    mistake (a mask, a column read as text) rather than data. An array of another array-API
    library (PyTorch, CuPy, ``array-api-strict``) stays in its library and on its device.

    Shapes: ``value``: (n, width), or (n,) with ``allow_1d`` -> (n, width).
    """
    if _xp.is_foreign(value):
        return _foreign(value, name, dtype, width=width, allow_1d=allow_1d)
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged nested lists and the like
        raise ShapeError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if arr.dtype == object:
        raise DTypeError(f"{name} must hold numbers, got an array of Python objects")
    if arr.dtype.kind == "b":
        raise DTypeError(f"{name} must hold numbers, got booleans (dtype bool)")
    if arr.dtype.kind not in "iuf":
        raise DTypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1 and allow_1d:
        arr = arr[:, None]
    if arr.ndim >= 1 and arr.shape[0] == 0:
        raise DataError(f"{name} must have at least one row, got shape {arr.shape}")
    if arr.ndim == 1:
        raise ShapeError(
            f"{name} must be 2-D (rows are samples), got shape {arr.shape}; use "
            f"{name}.reshape(-1, 1) for one feature or {name}.reshape(1, -1) for one sample"
        )
    if arr.ndim != 2:
        raise ShapeError(f"{name} must be 2-D (rows are samples), got shape {arr.shape}")
    if width is not None and arr.shape[1] != width:
        raise ShapeError(f"{name} must have {width} column(s), got shape {arr.shape}")
    arr = _to_float(arr, name, dtype)
    if not np.all(np.isfinite(arr)):
        i, j = np.argwhere(~np.isfinite(arr))[0]
        raise DataError(f"{name} must be finite, got {arr[i, j]} at row {i}, column {j}")
    return arr


def as_target(value: Any, name: str, dtype: DTypeLike, n_rows: int) -> NDArray[np.floating]:
    """``y`` as a finite float array with ``n_rows`` rows; 1-D stays 1-D (the loss decides).

    Shapes: ``value``: (n_rows,) or (n_rows, m).
    """
    if _xp.is_foreign(value):
        return _foreign(value, name, dtype, n_rows=n_rows)
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise ShapeError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        kind = "booleans" if arr.dtype.kind == "b" else f"dtype {arr.dtype}"
        raise DTypeError(f"{name} must hold real numbers, got {kind}")
    if arr.ndim not in (1, 2):
        raise ShapeError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise ShapeError(f"{name} must have {n_rows} rows like X, got shape {arr.shape}")
    arr = _to_float(arr, name, dtype)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise DataError(f"{name} must be finite, got {arr[tuple(bad)]} at index {tuple(bad)}")
    return arr


def _to_float(arr: NDArray[Any], name: str, dtype: DTypeLike) -> NDArray[np.floating]:
    """Convert to ``dtype``; integers must come through exactly (all |v| ≤ 2^53 in float64)."""
    out = arr.astype(dtype, copy=False)
    if arr.dtype.kind in "iu" and out.size:
        with np.errstate(invalid="ignore"):
            back = out.astype(arr.dtype)  # float -> int: only exact values come back equal
        lost = back != arr
        if np.any(lost):
            where = tuple(int(i) for i in np.argwhere(lost)[0])
            raise DataError(
                f"{name} must hold integers that {np.dtype(dtype).name} represents exactly "
                f"(as every |v| ≤ 2^{np.finfo(out.dtype).nmant + 1} is), got {arr[where]} at "
                f"index {where}"
            )
    return out


def _foreign(
    arr: Any,
    name: str,
    dtype: DTypeLike,
    *,
    width: int | None = None,
    allow_1d: bool = False,
    n_rows: int | None = None,
) -> Any:
    """:func:`as_matrix` (or, with ``n_rows``, :func:`as_target`) for an array of another
    array-API library, checked with that library's own functions."""
    xp = _xp.namespace(arr)
    if xp.isdtype(arr.dtype, "bool"):
        raise DTypeError(f"{name} must hold numbers, got booleans (dtype {arr.dtype})")
    if not xp.isdtype(arr.dtype, ("real floating", "integral")):
        raise DTypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    shape = tuple(arr.shape)
    if n_rows is not None:
        if arr.ndim not in (1, 2):
            raise ShapeError(f"{name} must be 1-D or 2-D, got shape {shape}")
        if shape[0] != n_rows:
            raise ShapeError(f"{name} must have {n_rows} rows like X, got shape {shape}")
    else:
        if arr.ndim == 1 and allow_1d:
            arr = xp.reshape(arr, (-1, 1))
            shape = tuple(arr.shape)
        if arr.ndim >= 1 and shape[0] == 0:
            raise DataError(f"{name} must have at least one row, got shape {shape}")
        if arr.ndim != 2:
            raise ShapeError(f"{name} must be 2-D (rows are samples), got shape {shape}")
        if width is not None and shape[1] != width:
            raise ShapeError(f"{name} must have {width} column(s), got shape {shape}")
    target = _xp.float_dtype(xp, dtype)
    out = xp.astype(arr, target, copy=False)
    if xp.isdtype(arr.dtype, "integral"):
        lost = xp.astype(out, arr.dtype) != arr  # only exact values come back equal
        if bool(xp.any(lost)):
            where = tuple(int(i[0]) for i in xp.nonzero(lost))
            raise DataError(
                f"{name} must hold integers that {np.dtype(dtype).name} represents exactly, "
                f"got {arr[where]} at index {where}"
            )
    bad = ~xp.isfinite(out)
    if bool(xp.any(bad)):
        where = tuple(int(i[0]) for i in xp.nonzero(bad))
        raise DataError(f"{name} must be finite, got {float(out[where])} at index {where}")
    return out


def positive_int(value: Any, name: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def learning_rate(value: Any, name: str = "learning_rate") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be a number > 0, got {value!r}")
    lr = float(value)
    if math.isnan(lr) or lr <= 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    if lr > MAX_LEARNING_RATE:
        raise ConfigError(f"{name} must be at most {MAX_LEARNING_RATE:g}, got {value!r}")
    return lr


def renamed(value: Any, default: Any, old_value: Any, name: str, old_name: str) -> Any:
    """The value of argument ``name``, or of its deprecated alias ``old_name`` when that is
    given (not ``None``), with a DeprecationWarning pointing at the caller's caller."""
    if old_value is None:
        return value
    if value != default:
        raise ConfigError(f"give {name} or its deprecated alias {old_name}, not both")
    warnings.warn(
        f"{old_name}= is deprecated and will be removed; use {name}=",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value


def fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) < 1:
        raise ConfigError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def finite_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """A Generator from a seed, a Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if not isinstance(seed, bool) and isinstance(seed, numbers.Integral):
        if int(seed) < 0:
            raise ConfigError(f"{name} must be a non-negative integer, got {seed!r}")
        return np.random.default_rng(int(seed))
    raise ConfigError(f"{name} must be an integer, a numpy.random.Generator or None, got {seed!r}")


def boolean(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def file_to_write(value: Any, name: str) -> Path:
    """A path whose folder exists and which is not itself a folder."""
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise ConfigError(f"{name} must be a file path, got {value!r}")
    p = Path(value)
    if p.is_dir():
        raise MissingFileError(f"{name} must be a file, got the folder {p}")
    if not p.parent.is_dir():
        raise MissingFileError(
            f"{name} must be in an existing folder, got {p} ({p.parent} does not exist)"
        )
    return p
