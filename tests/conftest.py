"""Shared fixtures. Matplotlib never opens a window in the tests."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# Under CI the property tests replay the same examples on every run, so a verdict on a
# submission does not depend on the draw; at a developer's desk they explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
