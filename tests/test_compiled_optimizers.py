"""Every update rule of the compiled kernels (matbackprop._speed.updates) trains as the
reference path does, through ``fit``.

For each optimizer × head × batching × dtype, on a random architecture, ``fit`` runs twice:
on the path :func:`matbackprop._speed.paths.plan` chooses, and with ``MATBACKPROP_FAST=0``
(the optimizers of :mod:`matbackprop.optimizers`, in NumPy). The weights, the optimizer's
slots (velocity; Adam's moments), its step count and the losses must agree to 1e-12
(relative, float64) or to float32 rounding; the kernels sum in another order, so not
bitwise. The grid's kernel is the one ``plan`` names for it, checked on the same grid.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop import _speed
from matbackprop._speed.paths import Config, plan
from matbackprop.losses import get_loss

pytest.importorskip("numba", reason="the compiled kernels need the 'fast' extra (numba)")

OPTIMIZERS = {
    "sgd": mb.SGD,
    "momentum": lambda: mb.SGD(momentum=0.9),
    "nesterov": lambda: mb.SGD(momentum=0.8, nesterov=True),
    "adam": mb.Adam,
    "adam-v_hat": lambda: mb.Adam(beta1=0.8, beta2=0.99, epsilon_on="v_hat"),
}
HEADS = {  # (output activation, loss)
    "mse": ("identity", "mse"),
    "mse_half": ("identity", "mse_half"),
    "softmax-ce": ("softmax", "cross_entropy"),
    "sigmoid-logloss": ("sigmoid", "logloss"),
}
BATCHING = {  # fit's batch_size and shuffle
    "full": (None, False),
    "in-order-7": (7, False),
    "shuffled-16": (16, True),  # fit's default: a new permutation each epoch
}
GRID = list(itertools.product(OPTIMIZERS, HEADS, BATCHING))


def _problem(case: int, head: str, dtype: Any) -> tuple[list[int], str, bool, Any, Any]:
    """A random architecture (1-3 layers, widths 1-6, or the seed's for case 0), its hidden
    activation, bias, and data of 48 rows."""
    rng = np.random.default_rng(case)
    L = int(rng.integers(1, 4))
    sizes = [int(w) for w in rng.integers(1, 7, L + 1)]
    if head == "softmax-ce":
        sizes[-1] = max(sizes[-1], 2)
    act = str(rng.choice(["sigmoid", "tanh", "relu", "identity"]))
    bias = bool(rng.integers(0, 2))
    X = rng.standard_normal((48, sizes[0]))
    if head == "softmax-ce":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 48)]
    elif head == "sigmoid-logloss":  # several 0/1 labels per row
        y = (X[:, :1] - 0.5 * X[:, -1:] + np.linspace(-0.5, 0.5, sizes[-1]) > 0).astype(float)
    else:
        y = np.tanh(X[:, :1] - 0.5 * X[:, -1:]) * np.linspace(1.0, 0.5, sizes[-1])
    return sizes, act, bias, X.astype(dtype), y.astype(dtype)


def _rel(a: Any, b: Any) -> float:
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) / scale


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("opt", "head", "batching"), GRID)
def test_each_rule_head_and_batching_equals_the_reference_path(
    monkeypatch: pytest.MonkeyPatch, opt: str, head: str, batching: str, dtype: Any
) -> None:
    case = GRID.index((opt, head, batching))
    sizes, act, bias, X, y = _problem(case, head, dtype)
    output, loss = HEADS[head]
    batch, shuffle = BATCHING[batching]
    eta = 0.01 if opt.startswith("adam") else 0.05
    runs = []
    for switch in ("1", "0"):
        monkeypatch.setenv("MATBACKPROP_FAST", switch)
        net = mb.Network(sizes, act, output, bias=bias, seed=case, dtype=dtype)
        optimizer = OPTIMIZERS[opt]()
        try:
            history = net.fit(
                X, y, loss=loss, optimizer=optimizer, learning_rate=eta, epochs=30,
                batch_size=batch, shuffle=shuffle, seed=7, progress=False,
            )  # fmt: skip
        except mb.TrainingDivergedError as exc:  # then both must, alike (checked below)
            history = exc.history
        runs.append((net, optimizer, history))
    (net, optimizer, history), (ref, ref_opt, ref_history) = runs
    assert history.stop_reason == ref_history.stop_reason
    assert history.epochs == ref_history.epochs

    # the path is plan's, and a compiled kernel's whenever Numba is here
    monkeypatch.setenv("MATBACKPROP_FAST", "1")
    config = Config.of(
        net, X, get_loss(loss), OPTIMIZERS[opt](), batch=min(batch or 48, 48), shuffle=shuffle
    )
    chosen = plan(config, _speed.detect())
    assert history.path == str(chosen)
    assert chosen.path in ("compiled_loops", "compiled_epochs"), chosen
    assert ref_history.path.startswith("reference")

    tolerance = 1e-12 if dtype == np.float64 else 1e-4  # float32: rounding, another order
    for p, q in zip(net.parameters(), ref.parameters()):
        assert p.dtype == q.dtype == dtype
        assert _rel(p, q) <= tolerance
    if history.stop_reason == "diverged":  # the last good weights, both kept
        for p, q in zip(net.parameters(), ref.parameters()):
            assert _rel(p, q) <= tolerance
        return
    assert optimizer.state.t == ref_opt.state.t == 30 * -(-48 // (batch or 48))
    assert set(optimizer.state.slots) == set(ref_opt.state.slots)
    for name, slots in optimizer.state.slots.items():
        for a, b in zip(slots, ref_opt.state.slots[name]):
            # a slot is compared with its largest entry: float32 sums of near-cancelling
            # gradients keep only an absolute accuracy
            assert _rel(a, b) <= (1e-11 if dtype == np.float64 else 1e-2), name
    assert _rel(history.loss, ref_history.loss) <= tolerance


def test_a_fit_continues_the_state_of_a_compiled_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two compiled fit calls with one Adam continue t and the moments as one call does."""
    sizes, act, bias, X, y = _problem(1, "mse", np.float64)
    nets = [mb.Network(sizes, act, bias=bias, seed=0) for _ in range(2)]
    opts = [mb.Adam(), mb.Adam()]
    settings: dict[str, Any] = {"learning_rate": 0.01, "progress": False, "shuffle": False}
    h = nets[0].fit(X, y, optimizer=opts[0], epochs=5, **settings)
    nets[1].fit(X, y, optimizer=opts[1], epochs=2, **settings)
    nets[1].fit(X, y, optimizer=opts[1], epochs=3, **settings)
    assert h.path.startswith("compiled")
    assert opts[0].state.t == opts[1].state.t == 5
    for p, q in zip(nets[0].parameters(), nets[1].parameters()):
        assert _rel(p, q) <= 1e-14
    # and from the compiled state, the reference path's next step is Adam's sixth
    monkeypatch.setenv("MATBACKPROP_FAST", "0")
    ref = nets[0].copy()
    ref_opt = mb.Adam()
    ref_opt.load_state_dict(opts[0].state_dict())
    nets[0].fit(X, y, optimizer=opts[0], epochs=1, **settings)
    ref.step(X, y, "mse", 0.01, optimizer=ref_opt)
    for p, q in zip(nets[0].parameters(), ref.parameters()):
        assert _rel(p, q) <= 1e-14


OPTIONS = {  # fit's per-epoch options, which the compiled trainers run epoch by epoch
    "validation-split": {"validation_split": 0.25},
    "gradient-norms": {"track_gradients": True},
    "freeze-W1-b2": {"freeze": ["W1", "b2"]},
    "freeze-every-bias": {"freeze": "b", "track_gradients": True},
    "everything": {"validation_split": 0.25, "early_stopping": True, "track_gradients": True},
    "early-stopping": {"validation_split": 0.25, "early_stopping": True, "patience": 3},
    "early-stopping-train-loss": {"early_stopping": True, "patience": 2, "min_delta": 1e-3},
}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("batching", ["full", "shuffled-16"])
def test_validation_and_early_stopping_equal_the_reference_path(
    monkeypatch: pytest.MonkeyPatch, option: str, opt: str, batching: str
) -> None:
    sizes, act, bias, X, y = _problem(3, "mse", np.float64)
    bias = bias or "freeze" in OPTIONS[option]  # b2 exists to be frozen
    batch, shuffle = BATCHING[batching]
    runs = []
    for switch in ("1", "0"):
        monkeypatch.setenv("MATBACKPROP_FAST", switch)
        net = mb.Network(sizes, act, bias=bias, seed=1)
        history = net.fit(
            X, y, optimizer=OPTIMIZERS[opt](), learning_rate=0.2 if opt == "sgd" else 0.05,
            epochs=60, batch_size=batch, shuffle=shuffle, seed=4, progress=False,
            **OPTIONS[option],
        )  # fmt: skip
        runs.append((net, history))
    (net, history), (ref, ref_history) = runs
    assert history.path.startswith("compiled"), history.path
    assert (history.epochs, history.best_epoch, history.stop_reason) == (
        ref_history.epochs, ref_history.best_epoch, ref_history.stop_reason,
    )  # fmt: skip
    assert len(history.val_loss) == len(ref_history.val_loss)
    if history.val_loss:
        assert _rel(history.val_loss, ref_history.val_loss) <= 1e-12
    assert len(history.grad_norms) == len(ref_history.grad_norms)
    if history.grad_norms:  # per epoch, ‖∂L/∂W_k‖ averaged over its steps
        assert len(history.grad_norms) == history.epochs
        assert _rel(history.grad_norms, ref_history.grad_norms) <= 1e-12
    assert _rel(history.loss, ref_history.loss) <= 1e-12
    for p, q in zip(net.parameters(), ref.parameters()):  # early stopping: the best epoch's
        assert _rel(p, q) <= 1e-12
    if "freeze" in OPTIONS[option]:  # the frozen ones as they were, bitwise
        start = mb.Network(sizes, act, bias=True, seed=1)
        freeze = OPTIONS[option]["freeze"]
        for name, p, q in zip(net.parameter_names(), net.parameters(), start.parameters()):
            if name in freeze or (freeze == "b" and name.startswith("b")):
                np.testing.assert_array_equal(p, q)
            else:
                assert not np.array_equal(p, q), name
    if option == "early-stopping-train-loss":
        assert history.stop_reason == "early_stopping"  # the grid exercises the stop itself


@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_a_checkpointed_compiled_run_resumes_bitwise(tmp_path: Any, opt: str) -> None:
    """Stopped after 7 epochs and resumed to 20, it ends bitwise where a run straight to 20
    with a checkpoint ends, on the same compiled path; and close to the reference path."""
    sizes, act, bias, X, y = _problem(5, "mse", np.float64)
    settings: dict[str, Any] = {
        "learning_rate": 0.05, "batch_size": 16, "seed": 2, "progress": False,
    }  # fmt: skip

    def fit(epochs: int, path: Any) -> tuple[mb.Network, Any, Any]:
        net = mb.Network(sizes, act, bias=bias, seed=0)
        optimizer = OPTIMIZERS[opt]()
        history = net.fit(X, y, optimizer=optimizer, epochs=epochs, checkpoint=path, **settings)
        return net, optimizer, history

    ck = tmp_path / "run.ckpt"
    _, _, first = fit(7, ck)
    resumed, resumed_opt, history = fit(20, ck)
    straight, straight_opt, straight_history = fit(20, tmp_path / "straight.ckpt")
    assert first.path.startswith("compiled")
    assert history.path == straight_history.path
    assert resumed == straight  # bitwise
    assert history.loss == straight_history.loss
    assert resumed_opt.state.t == straight_opt.state.t
    for name, slots in straight_opt.state.slots.items():
        for a, b in zip(resumed_opt.state.slots[name], slots):
            np.testing.assert_array_equal(a, b)
    from matbackprop.checkpoint import load_checkpoint

    saved = load_checkpoint(ck)
    assert saved.epoch == 20
    assert saved.position == 0
    for p, q in zip(saved.last_good, resumed.parameters()):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("blas", ["mkl", "scipy", "large"])
@pytest.mark.parametrize("opt", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("track", [False, True], ids=["", "gradient-norms"])
def test_whole_batches_on_either_blas_update_by_every_rule(
    monkeypatch: pytest.MonkeyPatch, opt: str, track: bool, blas: str
) -> None:
    """C's mode, a batch whole on a BLAS's threads (here forced on a small network), and D's,
    "large" products on SciPy's BLAS unmeasured: plain SGD updates inside its products, the
    other rules in a loop after them; all as the reference path, with and without the
    gradient norms."""
    from matbackprop._speed import limits

    assert _speed.detect().mkl, "mkl is in the test extra and must load"
    monkeypatch.setattr(limits, "PARTS_UP_TO", -1)  # every batch whole (limits.MEASURED_UP_TO)
    if blas == "large":  # beyond the measured ones: SciPy's BLAS, MATBACKPROP_BLAS unset
        monkeypatch.setattr(limits, "MEASURED_UP_TO", -1)
    sizes, act, bias, X, y = _problem(5, "softmax-ce", np.float64)
    runs = []
    for switch in ("1", "0"):
        monkeypatch.setenv("MATBACKPROP_FAST", switch)
        monkeypatch.setenv("MATBACKPROP_BLAS", "" if blas == "large" else blas)
        net = mb.Network(sizes, act, "softmax", bias=bias, seed=2)
        history = net.fit(
            X, y, loss="cross_entropy", optimizer=OPTIMIZERS[opt](), learning_rate=0.05,
            epochs=20, batch_size=16, seed=3, progress=False, validation_split=0.25,
            track_gradients=track,
        )  # fmt: skip
        runs.append((net, history))
    (net, history), (ref, ref_history) = runs
    name = {"mkl": "medium products, each batch whole on MKL",
            "scipy": "medium products, each batch whole on SciPy's BLAS",
            "large": "large products, each batch whole on SciPy's BLAS"}[blas]  # fmt: skip
    assert history.path == f"compiled_epochs ({name})"
    assert _rel(history.loss, ref_history.loss) <= 1e-12
    assert _rel(history.val_loss, ref_history.val_loss) <= 1e-12
    assert len(history.grad_norms) == (20 if track else 0)
    if track:
        assert _rel(history.grad_norms, ref_history.grad_norms) <= 1e-12
    for p, q in zip(net.parameters(), ref.parameters()):
        assert _rel(p, q) <= 1e-12
