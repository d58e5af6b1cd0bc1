"""Trace export: every intermediate of a worked solution as JSON and as CSV."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.explain import solve


def _masha_zeros() -> mb.Network:
    return mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def test_trace_json_and_csv_hold_every_intermediate(tmp_path: Any) -> None:
    sol = solve(_masha_zeros(), [[1, 2]], [[1]], learning_rate=1, steps=3)
    doc = json.loads(sol.to_json(tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text()) == doc
    names = {(r["step"], r["name"]) for r in doc["trace"]}
    assert {(0, "X"), (0, "W1"), (2, "d2"), (3, "W3"), (3, "fp1")} <= names
    d2 = next(r for r in doc["trace"] if (r["step"], r["name"]) == (2, "d2"))
    assert d2["fractions"] == [["-1/16", "-1/16"]]
    assert d2["values"] == [[-0.0625, -0.0625]]
    h2 = next(r for r in doc["trace"] if (r["step"], r["name"]) == (3, "H2"))
    assert h2["fractions"] is None
    sol.save_trace(tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "step,name,row,col,value,fraction"
    assert "2,d2,1,2,-0.0625,-1/16" in lines
    assert len(lines) - 1 == sum(int(np.prod(r["shape"])) for r in doc["trace"])
    with pytest.raises(mb.ConfigError, match=r"trace must end in \.json or \.csv"):
        sol.save_trace(tmp_path / "t.txt")
