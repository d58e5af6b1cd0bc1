"""The training loop: it learns, it is reproducible, and it stops the way it says."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb

Array = np.ndarray[Any, Any]


def _masha(seed: int = 0, **kwargs: Any) -> mb.Network:
    settings: dict[str, Any] = {"activation": "sigmoid", "bias": False, "init": "glorot"}
    return mb.Network([2, 2, 2, 1], seed=seed, **{**settings, **kwargs})


def test_training_lowers_the_loss_on_the_demo_data() -> None:
    X, y = mb.demo_data()
    net = _masha()
    before = net.loss(X, y, "mse")
    history = net.fit(
        X, y, loss="mse", optimizer="adam", learning_rate=0.05, epochs=300, progress=False
    )
    after = net.loss(X, y, "mse")
    assert after < before / 10
    assert history.epochs == 300
    assert history.stop_reason == "completed"
    # full batch: loss[e] is the loss before epoch e's single step, so loss[0] is `before`
    assert history.loss[0] == pytest.approx(before, rel=1e-12)
    assert history.loss[-1] < history.loss[0]
    assert net.training_info is not None
    assert net.training_info["optimizer"]["name"] == "adam"
    assert net.training_info["epochs"] == 300


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
def test_every_optimizer_learns_with_mini_batches(optimizer: str) -> None:
    X, y = mb.demo_data(n=64)
    net = mb.Network([2, 6, 1], activation="tanh", seed=1)
    before = net.loss(X, y)
    net.fit(X, y, optimizer=optimizer, learning_rate=0.02, epochs=40, batch_size=8, seed=0,
            progress=False)  # fmt: skip
    assert net.loss(X, y) < 0.5 * before


@pytest.mark.parametrize("batch_size", [None, 7], ids=["full-batch", "mini-batch"])
def test_same_seed_gives_bitwise_identical_weights(batch_size: int | None) -> None:
    X, y = mb.demo_data(n=50)

    def train(seed: int) -> tuple[list[Array], mb.History]:
        net = mb.Network([2, 4, 1], activation="tanh", seed=seed)
        history = net.fit(X, y, optimizer="adam", learning_rate=0.01, epochs=5,
                          batch_size=batch_size, seed=seed, validation_split=0.2,
                          progress=False)  # fmt: skip
        return net.parameters(), history

    (a, ha), (b, hb), (c, _) = train(3), train(3), train(4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert ha.loss == hb.loss
    assert ha.val_loss == hb.val_loss
    assert not np.array_equal(a[0], c[0])


def test_mini_batch_shuffling_depends_on_the_seed_only() -> None:
    X, y = mb.demo_data(n=40)
    start = mb.Network([2, 3, 1], activation="tanh", seed=0)

    def train(seed: int, shuffle: bool = True) -> Array:
        net = start.copy()
        net.fit(X, y, epochs=3, batch_size=8, seed=seed, shuffle=shuffle, progress=False)
        return net.weights[0]

    assert np.array_equal(train(1), train(1))
    assert not np.array_equal(train(1), train(2))  # same weights, other row order
    assert np.array_equal(train(1, shuffle=False), train(2, shuffle=False))


def test_mini_batch_epoch_loss_is_weighted_by_batch_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 4, 4 and 2 rows: loss[0] = (4·L1 + 4·L2 + 2·L3)/10, each before its step."""
    monkeypatch.setenv("MATBACKPROP_FAST", "0")  # bitwise as net.step: the NumPy path
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net = mb.Network([2, 3, 1], seed=0)
    twin = net.copy()
    history = net.fit(X, y, epochs=1, batch_size=4, shuffle=False, learning_rate=0.1,
                      progress=False)  # fmt: skip
    values = [twin.step(X[s : s + 4], y[s : s + 4], "mse", learning_rate=0.1) for s in (0, 4, 8)]
    assert history.loss[0] == pytest.approx((4 * values[0] + 4 * values[1] + 2 * values[2]) / 10)
    assert all(np.array_equal(p, q) for p, q in zip(net.parameters(), twin.parameters()))


@pytest.mark.parametrize("fast", ["1", "0"], ids=["fast-paths-allowed", "reference"])
@pytest.mark.parametrize("batch_size", [None, 4], ids=["full-batch", "batches-of-4"])
def test_fit_freezes_parameters_like_step(
    monkeypatch: pytest.MonkeyPatch, fast: str, batch_size: int | None
) -> None:
    # Plain SGD with frozen biases follows net.step(freeze=...): bitwise on the reference
    # path, to rounding on a compiled one (which keeps the frozen ones bitwise).
    monkeypatch.setenv("MATBACKPROP_FAST", fast)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(12, 2)), rng.normal(size=(12, 1))
    net = mb.Network([2, 4, 1], activation="tanh", seed=0)
    net.biases = [rng.normal(size=4), rng.normal(size=1)]
    twin, b0 = net.copy(), [b.copy() for b in net.biases]
    net.fit(X, y, epochs=3, batch_size=batch_size, shuffle=False, learning_rate=0.1,
            freeze="b", progress=False)  # fmt: skip
    for _ in range(3):
        for s in range(0, 12, batch_size or 12):
            rows = slice(s, s + (batch_size or 12))
            twin.step(X[rows], y[rows], "mse", learning_rate=0.1, freeze="b")
    if fast == "0":
        assert net == twin
    for p, q in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=0)
    for b, b_start in zip(net.biases, b0):
        np.testing.assert_array_equal(b, b_start)
    assert net.training_info is not None
    assert net.training_info["freeze"] == ["b1", "b2"]


@pytest.mark.parametrize("init", ["zeros", "constant"])
def test_constant_init_warns_about_symmetry(init: str) -> None:
    X, y = mb.demo_data(n=8)
    net = _masha(init=init)
    with pytest.warns(mb.SymmetryWarning, match="hidden layer 1 starts identical"):
        net.fit(X, y, epochs=2, progress=False)
    # and, as warned, the two neurons of each hidden layer are still identical
    for W in net.weights[:-1]:
        np.testing.assert_array_equal(W[:, 0], W[:, 1])


def test_random_init_does_not_warn() -> None:
    X, y = mb.demo_data(n=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", mb.SymmetryWarning)
        _masha().fit(X, y, epochs=2, progress=False)


def test_validation_split_holds_rows_out() -> None:
    X, y = mb.demo_data(n=40)
    net = _masha()
    history = net.fit(X, y, epochs=4, validation_split=0.25, seed=0, progress=False)
    assert len(history.val_loss) == len(history.loss) == 4
    assert all(np.isfinite(history.val_loss))
    assert history.val_loss != history.loss  # measured on other rows


def test_validation_data_is_measured_after_each_epoch() -> None:
    X, y = mb.demo_data(n=30, seed=0)
    Xv, yv = mb.demo_data(n=10, seed=1)
    net = _masha()
    history = net.fit(X, y, epochs=3, validation_data=(Xv, yv), progress=False)
    # the last val_loss is the loss of the final weights on the validation rows
    assert history.val_loss[-1] == pytest.approx(net.loss(Xv, yv), rel=1e-12)


def test_early_stopping_restores_the_best_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validation target is the opposite of the training target, so as training
    fits one it worsens the other: the best epoch is the first, and those weights return."""
    monkeypatch.setenv("MATBACKPROP_FAST", "0")  # the replay below compares bitwise
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = X @ np.array([[1.0], [-2.0]])
    Xv = rng.normal(size=(20, 2))
    yv = -(Xv @ np.array([[1.0], [-2.0]]))
    net = mb.Network([2, 1], seed=0)
    start = net.copy()
    history = net.fit(X, y, optimizer="gd", learning_rate=0.1, epochs=50,
                      validation_data=(Xv, yv), early_stopping=True, patience=3,
                      progress=False)  # fmt: skip
    assert history.stop_reason == "early_stopping"
    assert history.epochs == history.best_epoch + 3
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best + 1
    assert net.loss(Xv, yv) == pytest.approx(history.val_loss[best], rel=1e-12)
    # and they are the weights after exactly best_epoch steps from the start
    start.fit(X, y, optimizer="gd", learning_rate=0.1, epochs=history.best_epoch,
              progress=False)  # fmt: skip
    assert net == start


def test_early_stopping_without_validation_watches_the_training_loss() -> None:
    X, y = mb.demo_data(n=20)
    net = _masha()
    history = net.fit(X, y, epochs=30, early_stopping=True, patience=2, min_delta=10.0,
                      progress=False)  # fmt: skip
    # no epoch improves by 10, so it stops after 1 + patience epochs
    assert history.stop_reason == "early_stopping"
    assert history.epochs == 3
    assert history.best_epoch == 1


def test_divergence_raises_and_keeps_the_last_finite_weights() -> None:
    rng = np.random.default_rng(0)
    X = 100.0 * rng.normal(size=(20, 3))
    y = rng.normal(size=(20, 1))
    net = mb.Network([3, 8, 1], activation="identity", seed=0)
    start = net.copy()
    with pytest.raises(mb.TrainingDivergedError, match="training diverged in epoch") as info:
        net.fit(X, y, optimizer="gd", learning_rate=1.0, epochs=50, progress=False)
    assert "smaller learning rate" in str(info.value)
    assert isinstance(info.value, FloatingPointError)
    history = info.value.history
    assert isinstance(history, mb.History)
    assert history.stop_reason == "diverged"
    assert all(np.all(np.isfinite(p)) for p in net.parameters())
    # the weights are those at the end of the last complete epoch
    if history.epochs:
        start.fit(X, y, optimizer="gd", learning_rate=1.0, epochs=history.epochs,
                  progress=False)  # fmt: skip
    assert net == start


def test_track_gradients_records_the_norm_of_each_layer() -> None:
    X, y = mb.demo_data(n=16)
    net = _masha()
    _, grads = net.gradients(X, y, "mse")
    history = net.fit(X, y, epochs=2, track_gradients=True, progress=False)
    assert len(history.grad_norms) == 2
    # full batch: epoch 1's norms are those of the gradient at the starting weights
    norms = [float(np.linalg.norm(g)) for g in grads.weights]
    assert history.grad_norms[0] == pytest.approx(norms, rel=1e-12)


def test_history_to_csv(tmp_path: Path) -> None:
    X, y = mb.demo_data(n=16)
    history = _masha().fit(X, y, epochs=3, validation_split=0.25, seed=0, track_gradients=True,
                           progress=False)  # fmt: skip
    path = tmp_path / "history.csv"
    history.to_csv(path)
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "val_loss", "grad_norm_W1", "grad_norm_W2", "grad_norm_W3"]
    assert [int(r[0]) for r in rows[1:]] == [1, 2, 3]
    assert [float(r[1]) for r in rows[1:]] == history.loss  # repr round-trips exactly
    assert [float(r[2]) for r in rows[1:]] == history.val_loss
    assert [[float(v) for v in r[3:]] for r in rows[1:]] == history.grad_norms
    assert history.to_dict()["loss"] == history.loss


def test_history_csv_without_validation(tmp_path: Path) -> None:
    X, y = mb.demo_data(n=8)
    history = _masha().fit(X, y, epochs=2, progress=False)
    assert history.to_csv_text().splitlines()[0] == "epoch,loss"


def test_progress_bar_goes_to_stderr_and_can_be_switched_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    X, y = mb.demo_data(n=8)
    _masha().fit(X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""
    _masha().fit(X, y, epochs=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "epoch" in captured.err


def test_fit_with_cross_entropy_and_labels() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)  # 0, 1 or 2
    net = mb.Network([2, 8, 3], activation="tanh", output_activation="softmax", seed=0)
    before = net.loss(X, labels, "cross_entropy")
    net.fit(X, labels, loss="cross_entropy", optimizer="adam", learning_rate=0.05, epochs=100,
            progress=False)  # fmt: skip
    assert net.loss(X, labels, "cross_entropy") < 0.5 * before
    accuracy = np.mean(np.argmax(net.predict(X), axis=1) == labels)
    assert accuracy > 0.85


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive integer, got 0"),
        ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
        ({"learning_rate": -1.0}, "learning_rate must be > 0, got -1.0"),
        ({"validation_split": 1.0}, r"validation_split must be in \[0, 1\), got 1.0"),
        ({"validation_split": 0.01}, "leaves 0 validation row"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of"),
        ({"loss": "hinge"}, "loss must be one of"),
        ({"patience": 0}, "patience must be a positive integer"),
        (
            {"validation_split": 0.2, "validation_data": ([[0.0, 0.0]], [[0.0]])},
            "validation_data or validation_split, not both",
        ),
        ({"validation_data": [[0.0, 0.0]]}, "validation_data must be a pair"),
    ],
    ids=["epochs-0", "batch-0", "negative-lr", "split-1", "split-too-small", "unknown-optimizer",
         "unknown-loss", "patience-0", "both-validations", "validation-not-a-pair"],
)  # fmt: skip
def test_bad_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    X, y = mb.demo_data(n=10)
    with pytest.raises(mb.ConfigError, match=message):
        _masha().fit(X, y, progress=False, **settings)


def test_float32_training_stays_float32_and_learns() -> None:
    X, y = mb.demo_data(n=64)
    net = _masha(dtype=np.float32)
    before = net.loss(X, y)
    history = net.fit(X, y, optimizer="adam", learning_rate=0.05, epochs=100, batch_size=16,
                      seed=0, progress=False)  # fmt: skip
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.predict(X).dtype == np.float32
    assert history.loss[-1] < before / 5
    twin = _masha(dtype=np.float32)
    twin.fit(X, y, optimizer="adam", learning_rate=0.05, epochs=100, batch_size=16, seed=0,
             progress=False)  # fmt: skip
    assert net == twin  # bitwise, in float32 too


def test_a_generator_seed_is_reproducible_too() -> None:
    X, y = mb.demo_data(n=30)
    nets = [_masha() for _ in range(2)]
    for net in nets:
        net.fit(X, y, epochs=3, batch_size=4, seed=np.random.default_rng(7), progress=False)
    assert nets[0] == nets[1]


def test_fit_accepts_a_one_dimensional_target() -> None:
    X, y = mb.demo_data(n=20)
    a, b = _masha(), _masha()
    a.fit(X, y, epochs=3, progress=False)
    b.fit(X, y[:, 0], epochs=3, progress=False)
    assert a == b


@pytest.mark.parametrize("layout", ["contiguous", "one-fortran-array", "float32"])
def test_last_good_keeps_only_finite_parameters(layout: str) -> None:
    """The keeper of fit, the estimators and Dask: kept values are copies, a NaN or an inf
    anywhere keeps the last good ones, in one flat array or one array at a time."""
    from matbackprop.training import LastGood

    dtype = np.float32 if layout == "float32" else np.float64
    params = [np.arange(6, dtype=dtype).reshape(2, 3), np.ones(3, dtype), np.full((3, 1), 2, dtype)]
    if layout == "one-fortran-array":  # not a view of itself when flattened: per array
        params[0] = np.asfortranarray(params[0])
    keeper = LastGood(params)
    assert [a.shape for a in keeper.arrays] == [(2, 3), (3,), (3, 1)]
    assert all(a.dtype == dtype for a in keeper.arrays)
    for p in params:
        p += 1.0
    assert keeper.keep()
    for a, p in zip(keeper.arrays, params):
        np.testing.assert_array_equal(a, p)
        assert not np.shares_memory(a, p)
    kept = [a.copy() for a in keeper.arrays]
    for bad in (np.nan, np.inf, -np.inf):
        params[1][2] = bad
        params[0][0, 0] += 5.0
        assert not keeper.keep()
        for a, k in zip(keeper.arrays, kept):
            np.testing.assert_array_equal(a, k)
    params[1][2] = 0.5
    assert keeper.keep()
    assert keeper.arrays[1][2] == 0.5
    assert keeper.arrays[0][0, 0] == params[0][0, 0]
