"""``matbackprop train`` when a run is cut short: Ctrl-C saves what was asked and exits 130;
a diverging run stops with advice and leaves a good model file alone."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.checkpoint import load_checkpoint
from matbackprop.cli import main

CLI = [sys.executable, "-c", "from matbackprop.cli import run; run()"]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    X, y = mb.demo_data(200, seed=0)
    path = tmp_path / "data.csv"
    rows = "".join(f"{float(a)!r},{float(b)!r},{float(t)!r}\n" for (a, b), (t,) in zip(X, y))
    path.write_text("x1,x2,y\n" + rows)
    return path


def _train(data: Path, epochs: int, *extra: str) -> list[str]:
    return [
        "train",
        str(data),
        "-t",
        "y",
        "--layers",
        "2,8,1",
        "--batch-size",
        "8",
        "--epochs",
        str(epochs),
        "--seed",
        "5",
        # Adam, train's default when this test was written; with plain sgd a resumed run
        # ends ~1e-14 away from a straight one (reported with issue 17)
        "--optimizer",
        "adam",
        "--no-progress",
        *extra,
    ]


def _ctrl_c(argv: list[str], wait_for: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI, press Ctrl-C once ``wait_for`` exists, and collect what it printed."""
    child = subprocess.Popen(
        [*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not wait_for.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "training did not start within 30 s"
            time.sleep(0.01)
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def test_ctrl_c_saves_model_history_and_checkpoint_then_resumes(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the child's epochs and this process's, compared bitwise: on the reference path, which
    # rounds alike whatever MKL's threads in either process (tests/test_checkpoint.py)
    monkeypatch.setenv("MATBACKPROP_FAST", "0")
    model, history, ck = tmp_path / "m.npz", tmp_path / "h.csv", tmp_path / "run.ckpt"
    outputs = ["--save", str(model), "--history", str(history), "--checkpoint", str(ck)]
    done = _ctrl_c(_train(data, 100_000, *outputs), wait_for=ck)

    assert done.returncode == 130
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    epochs = load_checkpoint(ck).epoch
    assert done.stderr == (
        f"matbackprop: interrupted after {epochs} epoch(s); saved {model}, {history}, {ck}; "
        "run the same command to resume\n"
    )
    assert load_checkpoint(ck).stop_reason == "interrupted"
    assert mb.Network.load(model).training_info["stop_reason"] == "interrupted"  # type: ignore[index]
    assert len(history.read_text().splitlines()) == epochs + 1  # header + complete epochs

    # The same command, for a few more epochs, continues from the checkpoint ...
    resumed_model, resumed_history = tmp_path / "m2.npz", tmp_path / "h2.csv"
    more = ["--save", str(resumed_model), "--history", str(resumed_history)]
    assert main(_train(data, epochs + 2, *more, "--checkpoint", str(ck))) == 0
    assert f"checkpoint continued from and saved to {ck}" in capsys.readouterr().out
    # ... and ends exactly where a run that was never interrupted does (with a checkpoint of
    # its own: the same settings, so the same speed path, matbackprop._speed).
    straight_model, straight_history = tmp_path / "m3.npz", tmp_path / "h3.csv"
    straight = ["--save", str(straight_model), "--history", str(straight_history),
                "--checkpoint", str(tmp_path / "straight.ckpt")]  # fmt: skip
    assert main(_train(data, epochs + 2, *straight)) == 0
    capsys.readouterr()
    assert mb.Network.load(resumed_model) == mb.Network.load(straight_model)
    assert resumed_history.read_bytes() == straight_history.read_bytes()


def test_ctrl_c_without_outputs_still_exits_130(data: Path, tmp_path: Path) -> None:
    started = tmp_path / "started.ckpt"  # only to know when training is under way
    done = _ctrl_c(_train(data, 100_000, "--checkpoint", str(started)), wait_for=started)
    assert done.returncode == 130
    assert done.stderr.startswith("matbackprop: interrupted after ")
    assert "Traceback" not in done.stderr


def test_a_diverging_run_keeps_the_good_model_file(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    assert main(_train(data, 5, "--save", str(model))) == 0
    good = model.read_bytes()
    capsys.readouterr()

    rc = main([*_train(data, 500, "--save", str(model)), "--lr", "1000", "--optimizer", "sgd"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.count("\n") == 1
    assert "training diverged in epoch" in err
    assert "try a smaller learning rate" in err
    assert model.read_bytes() == good  # never NaN weights over a good file
    assert all(np.all(np.isfinite(p)) for p in mb.Network.load(model).parameters())


def test_the_console_script_prints_one_line_for_a_mistake(data: Path) -> None:
    done = subprocess.run(
        [*CLI, *_train(data, 5), "--lr", "-1"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == "matbackprop: error: --lr must be > 0, got -1.0\n"
