"""fit's one measurement of the machine (matbackprop._speed.measure): which BLAS runs a whole
batch fastest, or the reference path, timed once and kept per machine and shape."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matbackprop._speed import measure
from matbackprop._speed.paths import Capabilities, Config, plan

pytestmark = pytest.mark.measure

# a small network whose largest product (128 × 256 × 256 ≈ 8.4M multiply-adds) is beyond
# the parts (limits.PARTS_UP_TO) and within a measured whole batch (limits.MEASURED_UP_TO)
MEDIUM = Config(
    layer_sizes=(64, 256, 256, 10), hidden=("relu", "relu"), output="softmax",
    loss="cross_entropy", loss_default_reduction=True, optimizer="adam", rows=1024, batch=128,
)  # fmt: skip


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATBACKPROP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(measure, "_memo", {})
    return tmp_path / "blas_choice.json"


BOTH = ("mkl", "scipy")


def _installed() -> tuple[str, ...]:
    """The candidates this machine can run: MKL's and SciPy's BLAS, where installed."""
    from matbackprop._speed import detect

    caps = detect()
    return ("mkl",) * caps.mkl + ("scipy",) * caps.scipy


def test_the_answer_is_measured_once_then_read_back(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates = _installed()
    assert candidates, "SciPy (and MKL on x86-64 Linux) are in the test extra and must load"
    assert importlib.util.find_spec("numba"), "Numba is in the test extra"
    answer = measure.whole_batch_blas(MEDIUM, candidates)
    assert answer in ("reference", *candidates)
    stored = json.loads(cache.read_text())
    ((key, value),) = stored.items()
    assert value == answer
    for part in ("|float64|", "|64-256-256-10|", "|relu,relu|", "|adam|", "|128|"):
        assert part in key
    assert key.endswith("|" + ",".join(candidates))

    def no_more(config: Any, candidates: Any) -> str:
        raise AssertionError("measured twice")

    monkeypatch.setattr(measure, "_measure", no_more)
    assert measure.whole_batch_blas(MEDIUM, candidates) == answer  # from memory
    monkeypatch.setattr(measure, "_memo", {})
    assert measure.whole_batch_blas(MEDIUM, candidates) == answer  # from the file, as a new process
    # another configuration, or other candidates, is another measurement
    with pytest.raises(AssertionError, match="measured twice"):
        measure.whole_batch_blas(dataclasses.replace(MEDIUM, optimizer="sgd"), candidates)
    with pytest.raises(AssertionError, match="measured twice"):
        measure.whole_batch_blas(MEDIUM, candidates[:0])


def test_a_broken_or_old_cache_file_is_measured_again_and_rewritten(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(measure, "_measure", lambda config, candidates: "scipy")
    cache.write_text("{not json")
    assert measure.whole_batch_blas(MEDIUM, BOTH) == "scipy"
    assert list(json.loads(cache.read_text()).values()) == ["scipy"]
    # an answer that is no path (an earlier version's True/False) is not read
    key = next(iter(json.loads(cache.read_text())))
    cache.write_text(json.dumps({key: True}))
    monkeypatch.setattr(measure, "_memo", {})
    assert measure.whole_batch_blas(MEDIUM, BOTH) == "scipy"
    assert json.loads(cache.read_text()) == {key: "scipy"}


def test_a_cache_that_cannot_be_written_only_means_measuring_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MATBACKPROP_CACHE_DIR", str(blocker / "below-a-file"))
    monkeypatch.setattr(measure, "_memo", {})
    monkeypatch.setattr(measure, "_measure", lambda config, candidates: "mkl")
    assert measure.whole_batch_blas(MEDIUM, BOTH) == "mkl"


def test_plan_takes_the_measured_answer_only_for_whole_batches() -> None:
    asked: list[tuple[Config, tuple[str, ...]]] = []

    def answer(choice: str) -> Any:
        def measured(config: Config, candidates: tuple[str, ...]) -> str:
            asked.append((config, candidates))
            return choice

        return measured

    caps = Capabilities(numba=True, scipy=True, mkl=True, whole_batch_blas=answer("reference"))
    chosen = plan(MEDIUM, caps)
    assert chosen.path == "reference"
    assert chosen.reason == (
        "a whole batch on MKL and SciPy's BLAS measured slower than the reference path on "
        "this machine"
    )
    assert asked == [(MEDIUM, BOTH)]
    # MATBACKPROP_BLAS names a BLAS: no measuring
    for blas, name in (("mkl", "MKL"), ("scipy", "SciPy's BLAS")):
        forced = plan(dataclasses.replace(MEDIUM, blas=blas), caps)
        assert (forced.path, forced.blas) == ("compiled_epochs", blas)
        assert forced.reason == f"medium products, each batch whole on {name}"
    # a batch in parts, and the tiny loops, never ask
    small = dataclasses.replace(MEDIUM, layer_sizes=(20, 64, 64, 10), batch=256)
    assert (plan(small, caps).path, plan(small, caps).blas) == ("compiled_epochs", "mkl")
    assert len(asked) == 1
    for choice in BOTH:
        chosen = plan(MEDIUM, dataclasses.replace(caps, whole_batch_blas=answer(choice)))
        assert (chosen.path, chosen.blas) == ("compiled_epochs", choice)
    # without MKL, SciPy's BLAS is the one candidate
    no_mkl = Capabilities(numba=True, scipy=True, whole_batch_blas=answer("scipy"))
    assert plan(MEDIUM, no_mkl).blas == "scipy"
    assert asked[-1] == (MEDIUM, ("scipy",))


def test_the_measured_blas_is_the_one_fit_trains_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """History.path names the BLAS the measurement chose, and the trainer calls it."""
    import matbackprop as mb
    from matbackprop._speed import blas as _blas
    from matbackprop._speed import compiled_blas

    candidates = _installed()
    assert candidates, "SciPy (and MKL on x86-64 Linux) are in the test extra and must load"
    assert importlib.util.find_spec("numba"), "Numba is in the test extra"
    gemms: list[tuple[int, int]] = []
    real_init = compiled_blas.Trainer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        gemms.append(self.gemm)

    monkeypatch.setattr(compiled_blas.Trainer, "__init__", init)
    rng = np.random.default_rng(0)
    X, labels = rng.standard_normal((256, 64)), rng.integers(0, 10, 256)
    for blas in candidates:
        monkeypatch.setattr(measure, "whole_batch_blas", lambda config, c, blas=blas: blas)
        net = mb.Network(list(MEDIUM.layer_sizes), "relu", "softmax", seed=0)
        history = net.fit(X, labels, loss="cross_entropy", optimizer="adam", batch_size=128,
                          epochs=1, progress=False)  # fmt: skip
        name = {"mkl": "MKL", "scipy": "SciPy's BLAS"}[blas]
        assert history.path == f"compiled_epochs (medium products, each batch whole on {name})"
        expected = {
            "mkl": (_blas.cblas_gemm_address(np.dtype(np.float64)), _blas.CBLAS),
            "scipy": (_blas.scipy_gemm_address(np.dtype(np.float64)), _blas.FORTRAN),
        }[blas]
        assert gemms[-1] == expected  # MKL's cblas_dgemm, or SciPy's Fortran dgemm
