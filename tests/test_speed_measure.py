"""fit's one measurement of the machine (matbackprop._speed.measure): whether a whole batch
on MKL's threads beats the reference path, timed once and kept per machine and shape."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from matbackprop._speed import measure
from matbackprop._speed.paths import Capabilities, Config, plan

pytestmark = pytest.mark.measure

# a small network whose largest product (128 × 256 × 256 ≈ 8.4M multiply-adds) is beyond
# the parts (limits.PARTS_UP_TO) and within a whole batch on MKL (limits.WHOLE_UP_TO)
MEDIUM = Config(
    layer_sizes=(64, 256, 256, 10), hidden=("relu", "relu"), output="softmax",
    loss="cross_entropy", loss_default_reduction=True, optimizer="adam", rows=1024, batch=128,
)  # fmt: skip


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATBACKPROP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(measure, "_memo", {})
    return tmp_path / "blas_choice.json"


def test_the_answer_is_measured_once_then_read_back(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = measure.whole_batch_wins(MEDIUM)
    assert isinstance(answer, bool)
    stored = json.loads(cache.read_text())
    ((key, value),) = stored.items()
    assert value is answer
    for part in ("|float64|", "|64-256-256-10|", "|relu,relu|", "|adam|", "|128"):
        assert part in key

    def no_more(config: Any) -> bool:
        raise AssertionError("measured twice")

    monkeypatch.setattr(measure, "_measure", no_more)
    assert measure.whole_batch_wins(MEDIUM) is answer  # from memory
    monkeypatch.setattr(measure, "_memo", {})
    assert measure.whole_batch_wins(MEDIUM) is answer  # from the file, as a new process would
    # another configuration is another measurement
    with pytest.raises(AssertionError, match="measured twice"):
        measure.whole_batch_wins(dataclasses.replace(MEDIUM, optimizer="sgd"))


def test_a_broken_cache_file_is_measured_again_and_rewritten(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.write_text("{not json")
    monkeypatch.setattr(measure, "_measure", lambda config: False)
    assert measure.whole_batch_wins(MEDIUM) is False
    assert list(json.loads(cache.read_text()).values()) == [False]


def test_a_cache_that_cannot_be_written_only_means_measuring_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MATBACKPROP_CACHE_DIR", str(blocker / "below-a-file"))
    monkeypatch.setattr(measure, "_memo", {})
    monkeypatch.setattr(measure, "_measure", lambda config: True)
    assert measure.whole_batch_wins(MEDIUM) is True


def test_plan_takes_the_measured_answer_only_for_whole_batches() -> None:
    asked: list[Config] = []

    def slower(config: Config) -> bool:
        asked.append(config)
        return False

    caps = Capabilities(numba=True, scipy=True, mkl=True, whole_batch_wins=slower)
    chosen = plan(MEDIUM, caps)
    assert chosen.path == "reference"
    assert "measured slower than the reference path" in chosen.reason
    assert asked == [MEDIUM]
    # MATBACKPROP_BLAS=mkl asks for MKL: no measuring
    assert plan(dataclasses.replace(MEDIUM, blas="mkl"), caps).path == "compiled_epochs"
    # a batch in parts, and the tiny loops, never ask
    small = dataclasses.replace(MEDIUM, layer_sizes=(20, 64, 64, 10), batch=256)
    assert plan(small, caps).path == "compiled_epochs"
    assert len(asked) == 1
    faster = dataclasses.replace(caps, whole_batch_wins=lambda config: True)
    assert plan(MEDIUM, faster).path == "compiled_epochs"
