"""Checkpoints: a run that stops (killed, interrupted, or simply given more epochs later)
and resumes ends bitwise identical to a run that never stopped, under the same seed."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.checkpoint import load_checkpoint
from matbackprop.errors import ConfigError
from matbackprop.optimizers import Adam, OptimizerState

X, Y = mb.demo_data(60, seed=4)  # (60, 2), (60, 1)

BASE: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": 0.02,
    "epochs": 12,
    "batch_size": 8,
    "seed": 7,
    "validation_split": 0.2,
    "early_stopping": True,
    "patience": 50,
    "track_gradients": True,
    "progress": False,
}


def network() -> mb.Network:
    return mb.Network([2, 4, 3, 1], activation="tanh", seed=11)


def run(**changes: Any) -> tuple[mb.Network, mb.History]:
    net = network()
    history = net.fit(X, Y, **{**BASE, **changes})
    return net, history


def assert_same(a: tuple[mb.Network, mb.History], b: tuple[mb.Network, mb.History]) -> None:
    """Bitwise: every parameter and every number of the history."""
    for p, q in zip(a[0].parameters(), b[0].parameters()):
        assert p.tobytes() == q.tobytes()
    assert a[1].to_dict() == b[1].to_dict()


@dataclass(frozen=True)
class InterruptAt(Adam):
    """Adam that presses Ctrl-C right after step ``at`` (saved as plain Adam)."""

    at: int = 1

    def update(
        self,
        params: Sequence[Any],
        grads: Sequence[Any],
        state: OptimizerState,
        eta: float,
    ) -> None:
        super().update(params, grads, state, eta)
        if state.t == self.at:
            signal.raise_signal(signal.SIGINT)

    def to_config(self) -> dict[str, object]:
        return Adam().to_config()


SETTINGS = [
    pytest.param({}, id="adam-minibatch-validation-early-stopping"),
    pytest.param({"optimizer": "sgd", "batch_size": None}, id="sgd-full-batch"),
    pytest.param({"optimizer": "nesterov", "validation_split": 0.0}, id="nesterov-no-validation"),
    pytest.param({"optimizer": "momentum", "shuffle": False}, id="momentum-no-shuffle"),
    pytest.param({"loss": mb.MSE(half=True, rows="sum", outputs="sum")}, id="loss-summed"),
]


@pytest.mark.parametrize("changes", SETTINGS)
def test_more_epochs_later_equals_one_long_run(tmp_path: Path, changes: dict[str, Any]) -> None:
    ck = tmp_path / "run.ckpt"
    run(**changes, epochs=5, checkpoint=ck)
    assert load_checkpoint(ck).epoch == 5
    assert_same(run(**changes, checkpoint=ck), run(**changes))


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(1, id="after-the-first-step"),
        pytest.param(10, id="mid-epoch"),
        pytest.param(18, id="at-an-epoch-boundary"),  # 48 rows / 8 = 6 steps an epoch
        pytest.param(41, id="late"),
    ],
)
def test_ctrl_c_mid_epoch_then_resume_equals_one_long_run(
    tmp_path: Path, step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mid-epoch stops happen on the reference path (a compiled path stops between epochs,
    tests/test_compiled_optimizers.py), which InterruptAt, a subclass of Adam, takes: the
    runs compared take it too."""
    monkeypatch.setenv("MATBACKPROP_FAST", "0")
    ck = tmp_path / "run.ckpt"
    _, history = run(optimizer=InterruptAt(at=step), checkpoint=ck)
    assert history.stop_reason == "interrupted"
    saved = load_checkpoint(ck)
    # the epoch's closing (history, best-so-far) comes after the check for Ctrl-C
    assert (saved.epoch, saved.position, saved.opt_t) == (
        (step - 1) // 6,
        ((step - 1) % 6 + 1) * 8,
        step,
    )
    assert_same(run(checkpoint=ck), run())


@pytest.mark.parametrize("checkpoint", [True, False], ids=["with-checkpoint", "without"])
def test_ctrl_c_returns_an_interrupted_history(tmp_path: Path, checkpoint: bool) -> None:
    ck = tmp_path / "run.ckpt" if checkpoint else None
    _, history = run(optimizer=InterruptAt(at=10), checkpoint=ck)
    assert history.stop_reason == "interrupted"
    assert history.epochs == 1  # the second epoch was cut short after 4 of its 6 steps


@pytest.mark.parametrize("checkpoint", [True, False], ids=["with-checkpoint", "without"])
def test_early_stopping_stops(tmp_path: Path, checkpoint: bool) -> None:
    ck = tmp_path / "run.ckpt" if checkpoint else None
    _, history = run(patience=1, epochs=200, checkpoint=ck)
    assert history.stop_reason == "early_stopping"
    assert history.epochs < 200


def test_an_early_stopped_checkpoint_stays_stopped(tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    first = run(patience=1, epochs=200, checkpoint=ck)
    assert first[1].stop_reason == "early_stopping"
    assert first[1].epochs < 200
    assert_same(run(patience=1, epochs=200, checkpoint=ck), first)


def test_resume_false_starts_over(tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    run(epochs=3, checkpoint=ck, learning_rate=0.5)
    assert_same(run(checkpoint=ck, resume=False), run())
    assert load_checkpoint(ck).settings["learning_rate"] == BASE["learning_rate"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        pytest.param({"learning_rate": 0.5}, "learning_rate=0.02", id="learning-rate"),
        pytest.param({"batch_size": 4}, "batch_size=8", id="batch-size"),
        pytest.param({"optimizer": "sgd"}, "optimizer=", id="optimizer"),
        pytest.param({"loss": mb.MSE(half=True)}, "loss=", id="loss"),
        pytest.param({"loss": mb.MSE(rows="sum")}, "loss=", id="loss-reduction"),
        pytest.param({"seed": 8}, "seed=7", id="seed"),
        pytest.param({"shuffle": False}, "shuffle=True", id="shuffle"),
        pytest.param({"early_stopping": False}, "early_stopping=True", id="early-stopping"),
        pytest.param({"validation_split": 0.25}, "validation_split=0.2", id="validation-split"),
        pytest.param({"epochs": 2}, "already run 3 epochs", id="fewer-epochs"),
        pytest.param(
            {"freeze": "b"}, r"freeze=None, this run has \['b1', 'b2', 'b3'\]", id="freeze"
        ),
        pytest.param({"optimizer": mb.Adam(epsilon_on="v_hat")}, "epsilon_on", id="adam-form"),
    ],
)
def test_resume_refuses_other_settings(tmp_path: Path, changes: dict[str, Any], words: str) -> None:
    ck = tmp_path / "run.ckpt"
    run(epochs=3, checkpoint=ck)
    before = ck.read_bytes()
    with pytest.raises(ConfigError, match=words):
        run(**changes, checkpoint=ck)
    assert ck.read_bytes() == before


@pytest.mark.parametrize("opt", [mb.Adam(), mb.RMSprop(), mb.SGD(momentum=0.9)],
                         ids=["adam", "rmsprop", "momentum"])  # fmt: skip
def test_a_given_optimizer_resumes_from_the_checkpoint(tmp_path: Path, opt: mb.Optimizer) -> None:
    # fit(optimizer=object) writes the object's state to the checkpoint and a resumed run
    # reads it back into another object: the same as one run, and the same state after it
    ck, changes = tmp_path / "run.ckpt", {"freeze": ["b2"], "optimizer": opt}
    whole_opt, first, second = (dataclasses.replace(opt) for _ in range(3))
    whole = run(**{**changes, "optimizer": whole_opt})
    run(**{**changes, "optimizer": first}, epochs=5, checkpoint=ck)
    resumed = run(**{**changes, "optimizer": second}, checkpoint=ck)
    assert_same(resumed, whole)
    assert second.state.t == whole_opt.state.t == load_checkpoint(ck).opt_t
    for name, slot in whole_opt.state.slots.items():
        for a, b in zip(slot, second.state.slots[name]):
            assert a.tobytes() == b.tobytes()


def test_resume_refuses_another_network_or_other_data(tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    run(epochs=3, checkpoint=ck)
    with pytest.raises(ConfigError, match="layer_sizes"):
        mb.Network([2, 4, 5, 1], activation="tanh").fit(X, Y, **BASE, checkpoint=ck)
    with pytest.raises(ConfigError, match="other data"):
        network().fit(X + 1, Y, **BASE, checkpoint=ck)


def test_a_checkpoint_holds_no_pickle_and_its_rng_state_is_json(tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    run(epochs=3, checkpoint=ck)
    with np.load(ck, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        meta = json.loads(archive["metadata"].tobytes())
    assert meta["format"] == "matbackprop-checkpoint"
    assert meta["rng_now"]["bit_generator"] == "PCG64"
    assert (meta["epoch"], meta["position"]) == (3, 0)


def test_divergence_keeps_the_last_good_checkpoint(tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    Xd = np.linspace(-3, 3, 40).reshape(20, 2)  # (20, 2)
    yd = Xd @ np.array([[50.0], [-80.0]])  # (20, 1)
    net = mb.Network([2, 8, 1], activation="relu", seed=0)
    with pytest.raises(mb.TrainingDivergedError, match="smaller learning rate"):
        net.fit(Xd, yd, learning_rate=0.03, epochs=200, progress=False, checkpoint=ck)
    saved = load_checkpoint(ck)
    assert 0 < saved.epoch < 200
    assert all(np.all(np.isfinite(p)) for p in saved.params)
    assert all(np.all(np.isfinite(p)) for p in net.parameters())


# -- SIGKILL a training process, resume from its checkpoint ------------------------------

KILL_TRIALS = 3
_TRAINER = """
import sys
import matbackprop as mb
X, y = mb.demo_data(96, seed=4)
net = mb.Network([2, 16, 16, 1], activation="tanh", seed=11)
net.fit(X, y, optimizer="adam", learning_rate=0.01, epochs=400, batch_size=8, seed=3,
        validation_split=0.25, early_stopping=True, patience=1000, track_gradients=True,
        progress=False, checkpoint=sys.argv[1], checkpoint_every=1)
"""


def _long_run(**extra: Any) -> tuple[mb.Network, mb.History]:
    X2, y2 = mb.demo_data(96, seed=4)
    net = mb.Network([2, 16, 16, 1], activation="tanh", seed=11)
    history = net.fit(
        X2,
        y2,
        optimizer="adam",
        learning_rate=0.01,
        epochs=400,
        batch_size=8,
        seed=3,
        validation_split=0.25,
        early_stopping=True,
        patience=1000,
        track_gradients=True,
        progress=False,
        **extra,
    )
    return net, history


def test_sigkill_then_resume_is_bitwise_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the reference path, in the child as here: the compiled paths' MKL products may
    round otherwise on another number of threads, and this process's MKL may have been set
    to one thread by an earlier test (a compiled run resumes bitwise in one process:
    tests/test_compiled_optimizers.py)."""
    monkeypatch.setenv("MATBACKPROP_FAST", "0")  # the child inherits it
    reference = _long_run()
    rng = np.random.default_rng(99)
    killed_at = []
    for trial in range(KILL_TRIALS):
        ck = tmp_path / f"run{trial}.ckpt"
        child = subprocess.Popen([sys.executable, "-c", _TRAINER, str(ck)])
        try:
            deadline = time.monotonic() + 30
            while not ck.exists():  # training has begun once the first checkpoint is there
                assert child.poll() is None, "the training process ended early"
                assert time.monotonic() < deadline, "no checkpoint after 30 s"
                time.sleep(0.01)
            time.sleep(float(rng.uniform(0.0, 0.4)))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
        killed_at.append(load_checkpoint(ck).epoch)
        resumed = _long_run(checkpoint=ck, checkpoint_every=10_000)
        assert_same(resumed, reference)
    assert all(0 < e < 400 for e in killed_at), killed_at  # every kill was mid-run
