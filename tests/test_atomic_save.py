"""Saves are atomic: a crash at any moment leaves the old complete file or the new one.

The main test SIGKILLs a process at random moments while it saves two models in turn
over the same path, and checks that the file on disk always loads as one of the two.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.errors import MissingFileError
from matbackprop.persistence import atomic_write_bytes

TRIALS = 20
SIZES = [8, 48, 48, 8]  # ~3k parameters: a save takes long enough to be hit mid-write

_SAVER = """
import sys
import matbackprop as mb
path, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
old, new = mb.Network(sizes, seed=1), mb.Network(sizes, seed=2)
print("ready", flush=True)
while True:
    new.save(path)
    old.save(path)
"""


def test_sigkill_during_saves_leaves_a_complete_model(tmp_path: Path) -> None:
    old, new = mb.Network(SIZES, seed=1), mb.Network(SIZES, seed=2)
    rng = np.random.default_rng(2024)
    seen = {"old": 0, "new": 0}
    for trial in range(TRIALS):
        path = tmp_path / f"model{trial}.npz"
        old.save(path)
        child = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(path), ",".join(map(str, SIZES))],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            time.sleep(float(rng.uniform(0.0, 0.03)))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
            if child.stdout is not None:
                child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        loaded = mb.Network.load(path)  # never truncated, never a mix
        assert loaded in (old, new), f"trial {trial}: the file is neither model"
        seen["old" if loaded == old else "new"] += 1
    assert sum(seen.values()) == TRIALS


def test_a_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.npz"
    net = mb.Network([2, 2, 1], seed=0)
    net.save(path)
    before = path.read_bytes()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        mb.Network([2, 2, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_history_csv_is_written_atomically_too(tmp_path: Path) -> None:
    X, y = mb.demo_data(16, seed=0)
    history = mb.Network([2, 2, 1], seed=0).fit(X, y, epochs=3, progress=False)
    path = tmp_path / "history.csv"
    history.to_csv(path)
    assert path.read_text().splitlines()[0] == "epoch,loss"
    assert len(path.read_text().splitlines()) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        pytest.param(".", "is a folder", id="a-folder"),
        pytest.param("no/such/folder/m.npz", "does not exist", id="missing-folder"),
    ],
)
def test_atomic_write_refuses_unwritable_targets(tmp_path: Path, target: str, words: str) -> None:
    with pytest.raises(MissingFileError, match=words):
        atomic_write_bytes(tmp_path / target, b"x")


def test_a_diverged_run_never_overwrites_a_good_model(tmp_path: Path) -> None:
    X = np.linspace(-1, 1, 40).reshape(20, 2) * 50  # big inputs and targets, lr at the limit
    y = X.sum(axis=1) * 100
    net = mb.Network([2, 8, 1], activation="identity", seed=0)
    path = tmp_path / "good.npz"
    net.save(path)
    before = path.read_bytes()
    with pytest.raises(mb.TrainingDivergedError, match="smaller learning rate") as info:
        net.fit(X, y, learning_rate=1e3, epochs=50, progress=False)
    assert all(np.all(np.isfinite(p)) for p in net.parameters())  # the last finite weights
    assert info.value.history.stop_reason == "diverged"  # type: ignore[attr-defined]
    assert path.read_bytes() == before
