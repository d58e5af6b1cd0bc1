"""Shared fixtures. Matplotlib never opens a window in the tests."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")
# fit's measurements of this machine (matbackprop._speed.measure) go to a folder of the
# test run, here and in every child process, never to the user's cache
os.environ["MATBACKPROP_CACHE_DIR"] = tempfile.mkdtemp(prefix="matbackprop-cache-")

# Under CI the property tests replay the same examples on every run, so a verdict on a
# submission does not depend on the draw; at a developer's desk they explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _whole_batches_on_the_first_blas(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test sees one path for one configuration: the measurement that picks a BLAS for
    whole batches, or the reference path (a timing, so it may go any way), answers its first
    candidate here (MKL where installed, else SciPy's BLAS); tests/test_speed_measure.py
    measures for real (marked ``measure``)."""
    if request.node.get_closest_marker("measure") is None:
        from matbackprop._speed import measure

        monkeypatch.setattr(measure, "whole_batch_blas", lambda config, candidates: candidates[0])
