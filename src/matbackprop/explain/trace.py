"""Trace export: every intermediate of a worked solution as JSON records or CSV rows."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .worked import Step

__all__ = ["records", "to_csv", "to_json"]


def records(given: dict[str, np.ndarray], steps: list[Step]) -> list[dict[str, Any]]:
    """Every intermediate as records: step (0 = the given values), name, shape, values
    (floats) and fractions (exact strings, or ``None`` for a float step)."""
    out = [_record(0, k, v, True) for k, v in given.items()]
    for s in steps:
        for name, v in s.values.items():
            out.append(_record(s.index, name, v, s.exact, s.rows))
    return out


def to_json(
    network: dict[str, Any],
    settings: dict[str, Any],
    trace: list[dict[str, Any]],
    path: str | Path | None = None,
) -> str:
    """The trace as JSON, with the network and the settings; written to ``path`` if given."""
    doc = {"network": network, "settings": settings, "trace": trace}
    out = json.dumps(doc, indent=1, ensure_ascii=False)
    if path is not None:
        Path(path).write_text(out + "\n", encoding="utf-8")
    return out


def to_csv(trace: list[dict[str, Any]], path: str | Path | None = None) -> str:
    """The trace as CSV, one row per matrix entry: step,name,row,col,value,fraction."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["step", "name", "row", "col", "value", "fraction"])
    for r in trace:
        vals = np.array(r["values"], dtype=float).reshape(r["shape"] or [1])
        fr = r["fractions"]
        frs = np.array(fr, dtype=object).reshape(vals.shape) if fr is not None else None
        for idx, v in np.ndenumerate(vals):
            i, j = (*idx, 0, 0)[:2] if len(idx) < 2 else idx
            w.writerow(
                [
                    r["step"],
                    r["name"],
                    i + 1,
                    j + 1,
                    repr(float(v)),
                    "" if frs is None else frs[idx],
                ]
            )
    out = buf.getvalue()
    if path is not None:
        Path(path).write_text(out, encoding="utf-8")
    return out


def _record(
    step: int, name: str, v: Any, exact: bool, rows: list[int] | None = None
) -> dict[str, Any]:
    arr = np.asarray(v, dtype=object)
    floats = np.vectorize(float, otypes=[float])(arr) if arr.size else arr.astype(float)
    is_frac = exact and all(isinstance(x, Fraction) for x in arr.flat)
    rec = {
        "step": step,
        "name": name,
        "shape": list(arr.shape),
        "values": floats.tolist(),
        "fractions": np.vectorize(str, otypes=[object])(arr).tolist() if is_frac else None,
    }
    if rows is not None:
        rec["rows"] = [r + 1 for r in rows]
    return rec
