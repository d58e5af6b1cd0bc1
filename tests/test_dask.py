"""matbackprop.dask: the chunked sum equals the NumPy engine, streaming is seeded, a worker
with less memory than the data trains on it, and ``train-dask`` end to end."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pytest
import zarr
from click.testing import CliRunner
from dask.delayed import delayed
from distributed import Client, LocalCluster

import matbackprop as mb
from matbackprop import dask as mbd
from matbackprop.cli import cli, main


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """Two single-thread workers in this process: real scheduling, no process start-up."""
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0") as c:
        yield c


def _problem(loss: str, rows: int = 203, seed: int = 0) -> tuple[mb.Network, Any, Any]:
    """A 3-5-4-m network and data for ``loss``, with its usual output activation."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 3))
    if loss in ("mse", "mse_half"):
        y: Any = np.column_stack([np.sin(X.sum(1)), X[:, 0] * X[:, 1]])
        out, m = "identity", 2
    elif loss == "logloss":
        y = (rng.random((rows, 2)) < 0.5).astype(float)
        out, m = "sigmoid", 2
    else:
        y = rng.integers(0, 3, size=rows)  # integer labels, one-hot inside the loss
        out, m = "softmax", 3
    net = mb.Network([3, 5, 4, m], activation="tanh", output_activation=out, seed=seed)
    return net, X, y


def _max_diff(a: mb.Network, b: mb.Network) -> float:
    return max(float(np.max(np.abs(p - q))) for p, q in zip(a.parameters(), b.parameters()))


# -- full batch: the chunked sum is the engine's full-batch gradient -----------------------


@pytest.mark.parametrize(
    ("loss", "optimizer", "bias"),
    [
        ("mse", "sgd", True),
        ("mse_half", "momentum", False),
        ("logloss", "adam", True),
        ("cross_entropy", "nesterov", True),
    ],
    ids=["mse-sgd", "mse_half-momentum-nobias", "logloss-adam", "cross_entropy-labels-nesterov"],
)
def test_full_batch_equals_numpy_fit(client: Client, loss: str, optimizer: str, bias: bool) -> None:
    net, X, y = _problem(loss)
    if not bias:
        net = mb.Network([3, 5, 4, 2], activation="tanh", bias=False, seed=0)
    twin = net.copy()
    loss_fn = mb.MSE(half=True) if loss == "mse_half" else loss
    settings: dict[str, Any] = {
        "loss": loss_fn,
        "optimizer": optimizer,
        "learning_rate": 0.2,
        "epochs": 6,
        "progress": False,
        "track_gradients": True,
    }
    expected = net.fit(X, y, batch_size=None, **settings)
    y_chunks = (50,) if np.ndim(y) == 1 else (50, -1)
    got = mbd.fit_full_batch(
        twin, da.from_array(X, chunks=(50, 3)), da.from_array(y, chunks=y_chunks), client=client,
        **settings,
    )  # fmt: skip
    assert _max_diff(net, twin) <= 1e-10
    assert _max_diff(net, twin) > 0 or loss == "mse"  # a real comparison, not the same object
    np.testing.assert_allclose(got.loss, expected.loss, rtol=1e-12)
    np.testing.assert_allclose(got.grad_norms, expected.grad_norms, rtol=1e-10)
    assert got.stop_reason == "completed"
    assert twin.training_info is not None
    assert twin.training_info["trained_with"] == "dask_full_batch"


def test_chunking_changes_only_rounding(client: Client) -> None:
    net, X, y = _problem("mse", rows=40)
    results = []
    for rows_per_chunk in (40, 7, 1):  # one chunk, uneven chunks, one row per chunk
        twin = net.copy()
        mbd.fit_full_batch(
            twin,
            da.from_array(X, chunks=(rows_per_chunk, 3)),
            da.from_array(y, chunks=(13, 2)),
            learning_rate=0.5,
            epochs=3,
            client=client,
            progress=False,
        )  # fmt: skip  (y's chunks differ from X's on purpose: they are aligned to X's)
        results.append(twin)
    assert _max_diff(results[0], results[1]) <= 1e-12
    assert _max_diff(results[0], results[2]) <= 1e-12
    assert _max_diff(results[0], net) > 1e-3  # and training moved the weights


def test_scheduler_address_is_the_same_call(client: Client) -> None:
    net, X, y = _problem("mse", rows=60)
    twin = net.copy()
    Xd, yd = da.from_array(X, chunks=(20, 3)), da.from_array(y, chunks=(20, 2))
    mbd.fit_full_batch(net, Xd, yd, epochs=2, client=client, progress=False)
    mbd.fit_full_batch(twin, Xd, yd, epochs=2, client=client.scheduler.address, progress=False)
    assert _max_diff(net, twin) == 0.0


def test_on_step_sees_each_loss(client: Client) -> None:
    net, X, y = _problem("mse", rows=40)
    seen: list[tuple[int, float]] = []
    history = mbd.fit_full_batch(
        net, X, y, epochs=3, client=client, progress=True, on_step=lambda e, v: seen.append((e, v))
    )
    assert seen == list(enumerate(history.loss))
    assert history.loss[-1] < history.loss[0]


def test_evaluate_is_the_loss_over_all_rows(client: Client) -> None:
    net, X, y = _problem("cross_entropy", rows=130)
    Xd = da.from_array(X, chunks=(40, 3))
    got = mbd.evaluate(net, Xd, y, loss="cross_entropy", client=client)
    assert got == pytest.approx(net.loss(X, y, "cross_entropy"), rel=1e-13)


@pytest.mark.parametrize("loss", ["cross_entropy", "logloss"])
def test_saturated_logits_give_the_exact_loss_on_the_cluster(client: Client, loss: str) -> None:
    """Chunks sum the exact loss from the logits, as Network.loss (checked against mpmath
    in test_losses), not one clipped at −log ε per row."""
    net, X, y = _problem(loss, rows=130)
    net.weights[-1] *= 300.0  # logits in the hundreds
    Xd = da.from_array(X, chunks=(40, 3))
    expected = net.loss(X, y, loss)
    assert expected > 40
    assert mbd.evaluate(net, Xd, y, loss=loss, client=client) == pytest.approx(expected, rel=1e-13)
    history = mbd.fit_full_batch(net.copy(), Xd, y, loss=loss, learning_rate=1e-3, epochs=1,
                                 client=client, progress=False)  # fmt: skip
    assert history.loss[0] == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("loss", [mb.MSE(rows="sum"), mb.CrossEntropy(rows="sum")], ids=repr)
def test_a_sum_over_rows_adds_the_chunks(client: Client, loss: mb.Loss) -> None:
    net, X, y = _problem(loss.name, rows=130)
    Xd = da.from_array(X, chunks=(40, 3))
    got = mbd.evaluate(net, Xd, y, loss=loss, client=client)
    assert got == pytest.approx(net.loss(X, y, loss), rel=1e-13)
    ref = net.copy()
    ref.fit(X, y, loss=loss, optimizer="sgd", learning_rate=1e-3, epochs=2, progress=False)
    history = mbd.fit_full_batch(net, Xd, y, loss=loss, learning_rate=1e-3, epochs=2,
                                 client=client, progress=False)  # fmt: skip
    assert _max_diff(net, ref) < 1e-12
    assert history.loss[0] == pytest.approx(got, rel=1e-13)


def test_an_unpaired_loss_is_refused_before_any_chunk(client: Client) -> None:
    net, X, y = _problem("mse")  # identity output
    with pytest.raises(mb.ConfigError, match=r"^loss 'logloss' needs output_activation"):
        mbd.evaluate(net, da.from_array(X, chunks=(40, 3)), y > 0, loss="logloss", client=client)
    with pytest.raises(mb.ConfigError, match=r"^loss 'logloss' needs output_activation"):
        mbd.fit_streaming(net, da.from_array(X, chunks=(40, 3)), y > 0, loss="logloss")


def _ctrl_c_at(step: int) -> Any:
    def on_step(s: int, value: float) -> None:
        if s == step:
            os.kill(os.getpid(), signal.SIGINT)  # as a user's Ctrl-C: a flag, checked per step

    return on_step


def test_ctrl_c_stops_after_the_current_step(client: Client) -> None:
    net, X, y = _problem("mse", rows=60)
    Xd = da.from_array(X, chunks=(20, 3))
    full = mbd.fit_full_batch(
        net, Xd, y, epochs=10, client=client, progress=False, on_step=_ctrl_c_at(1)
    )
    assert (full.stop_reason, full.epochs) == ("interrupted", 2)
    streamed = mbd.fit_streaming(
        net, Xd, y, epochs=10, batch_size=8, progress=False, on_step=_ctrl_c_at(5)
    )
    assert (streamed.stop_reason, streamed.epochs) == ("interrupted", 0)  # mid-epoch 1


def test_divergence_restores_finite_weights(client: Client) -> None:
    net, X, y = _problem("mse", rows=40)
    y = y * 1e150  # the first step overflows
    with pytest.raises(mb.TrainingDivergedError, match="diverged") as info:
        mbd.fit_full_batch(net, X, y, learning_rate=1000, epochs=5, client=client, progress=False)
    assert all(np.all(np.isfinite(p)) for p in net.parameters())
    assert info.value.history.stop_reason == "diverged"  # type: ignore[attr-defined]


# -- streaming: seeded order, one chunk at a time ----------------------------------------


def _stream(net: mb.Network, X: Any, y: Any, **options: Any) -> mb.History:
    settings: dict[str, Any] = {"learning_rate": 0.1, "epochs": 3, "batch_size": 16, "seed": 7}
    return mbd.fit_streaming(net, X, y, progress=False, **{**settings, **options})


def test_streaming_is_seeded_and_learns() -> None:
    net, X, y = _problem("mse", rows=300)
    Xd, yd = da.from_array(X, chunks=(64, 3)), da.from_array(y, chunks=(64, 2))
    runs = [net.copy() for _ in range(4)]
    history = _stream(runs[0], Xd, yd)
    _stream(runs[1], Xd, yd)
    _stream(runs[2], Xd, yd, read_ahead=False)
    _stream(runs[3], Xd, yd, seed=8)
    assert _max_diff(runs[0], runs[1]) == 0.0  # bit for bit
    assert _max_diff(runs[0], runs[2]) == 0.0  # reading ahead changes nothing
    assert _max_diff(runs[0], runs[3]) > 1e-6  # another seed, another order
    assert history.loss[2] < history.loss[1] < history.loss[0]
    assert history.loss[-1] < 0.85 * history.loss[0]
    assert runs[0].training_info is not None
    assert runs[0].training_info["batch_size"] == 16


def test_streaming_visits_chunks_in_seeded_order_and_batches_stay_inside() -> None:
    sizes = [10, 25, 7, 30, 18]
    rng = np.random.default_rng(1)
    parts = [rng.normal(size=(s, 4)) for s in sizes]
    loaded: list[int] = []

    def load(i: int) -> np.ndarray[Any, Any]:
        loaded.append(i)
        return parts[i]

    table = da.concatenate(
        [da.from_delayed(delayed(load, pure=False)(i), (s, 4), float) for i, s in enumerate(sizes)]
    )
    steps: list[int] = []
    net = mb.Network([3, 2, 1], seed=0)
    mbd.fit_streaming(
        net, table[:, :3], table[:, 3:], epochs=1, batch_size=8, seed=5, read_ahead=False,
        progress=False, on_step=lambda s, v: steps.append(s),
    )  # fmt: skip
    order = np.random.default_rng(5).permutation(len(sizes))  # the epoch's first draw
    assert loaded == order.tolist()  # each chunk read once, X and y together
    assert len(steps) == sum(-(-s // 8) for s in sizes)  # ceil(n_c / 8): none spans two chunks


def test_one_chunk_one_batch_is_full_batch_gradient_descent() -> None:
    net, X, y = _problem("logloss", rows=90)
    twin = net.copy()
    net.fit(X, y, loss="logloss", optimizer="sgd", learning_rate=0.3, epochs=4, progress=False)
    _stream(twin, X, y, loss="logloss", learning_rate=0.3, epochs=4, batch_size=1000)
    assert _max_diff(net, twin) <= 1e-12  # only the row order of the sums differs


# -- reading and writing row-chunked data ------------------------------------------------


def test_npy_folder_round_trip(tmp_path: Path) -> None:
    table = np.arange(46.0).reshape(23, 2)
    files = mbd.write_npy_folder(tmp_path / "d", da.from_array(table, chunks=5), 10)
    assert [f.name for f in files] == ["part-00000.npy", "part-00001.npy", "part-00002.npy"]
    back = mbd.read_npy_folder(tmp_path / "d")
    assert back.chunks == ((10, 10, 3), (2,))
    np.testing.assert_array_equal(back.compute(), table)


@pytest.mark.parametrize(
    ("target", "inputs"),
    [
        (-1, ["a", "b", "c"]),
        ("a", ["b", "c", "d"]),
        (["b", "3"], ["a", "c"]),
        ("2", ["a", "b", "d"]),
    ],
    ids=["last-index", "name", "name-and-index", "index-as-text"],
)
def test_read_table_by_index_or_name(tmp_path: Path, target: Any, inputs: list[str]) -> None:
    table = np.arange(40.0).reshape(10, 4)
    mbd.write_npy_folder(tmp_path / "d", table, 4, columns=["a", "b", "c", "d"])
    X, y, names = mbd.read_table(tmp_path / "d", target)
    assert names == inputs
    cols = [["a", "b", "c", "d"].index(c) for c in inputs]
    np.testing.assert_array_equal(X.compute(), table[:, cols])
    assert X.chunks[0] == y.chunks[0] == (4, 4, 2)
    assert y.shape == (10, 4 - len(inputs))


def test_zarr_store_trains_like_numpy(tmp_path: Path, client: Client) -> None:
    net, X, y = _problem("mse", rows=80)
    store = zarr.open_array(
        str(tmp_path / "t.zarr"), mode="w", shape=(80, 5), chunks=(30, 5), dtype="f8"
    )
    store[:] = np.hstack([X, y])
    store.attrs["columns"] = ["x1", "x2", "x3", "y1", "y2"]
    Xd, yd, names = mbd.read_table(tmp_path / "t.zarr", ["y1", "y2"])
    assert names == ["x1", "x2", "x3"]
    assert Xd.chunks[0] == (30, 30, 20)
    twin = net.copy()
    net.fit(X, y, optimizer="sgd", learning_rate=0.3, epochs=3, progress=False)
    mbd.fit_full_batch(twin, Xd, yd, learning_rate=0.3, epochs=3, client=client, progress=False)
    assert _max_diff(net, twin) <= 1e-10


# -- bad input: project errors naming the argument, the expected and the actual ----------


def _folder(tmp_path: Path, *arrays: np.ndarray[Any, Any]) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir(parents=True)
    for i, a in enumerate(arrays):
        np.save(folder / f"part-{i}.npy", a)
    return folder


def test_reading_mistakes(tmp_path: Path) -> None:
    with pytest.raises(mb.MissingFileError, match=r"folder of \.npy"):
        mbd.read_npy_folder(tmp_path / "nope")
    with pytest.raises(mb.DataError, match="found none"):
        mbd.read_npy_folder(tmp_path)
    with pytest.raises(
        mb.ShapeError, match=r"3 columns of float64 like part-0\.npy; part-1\.npy has 2"
    ):
        mbd.read_npy_folder(_folder(tmp_path, np.zeros((2, 3)), np.zeros((2, 2))))
    with pytest.raises(mb.ShapeError, match=r"must be 2-D \(rows, columns\), got shape \(4,\)"):
        mbd.read_npy_folder(_folder(tmp_path / "x", np.zeros(4)))
    with pytest.raises(mb.ConfigError, match="new or empty folder"):
        mbd.write_npy_folder(tmp_path / "bad", np.zeros((2, 2)), 1)
    with pytest.raises(mb.ConfigError, match="rows_per_chunk must be a positive integer, got 0"):
        mbd.write_npy_folder(tmp_path / "new", np.zeros((2, 2)), 0)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("z", r"target must be a column index in -3\.\.2 or one of the names 0, 1, 2; got 'z'"),
        (3, "got 3"),
        (True, "got True"),
        ([0, 1, 2], "takes every column"),
        ([], "at least one column"),
    ],
    ids=["unknown-name", "index-too-large", "bool", "all-columns", "none"],
)
def test_target_mistakes(tmp_path: Path, target: Any, message: str) -> None:
    folder = _folder(tmp_path, np.zeros((2, 3)))
    with pytest.raises(mb.ConfigError, match=message):
        mbd.read_table(folder, target)


def test_training_mistakes(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    net, X, y = _problem("mse", rows=20)
    run = mbd.fit_full_batch
    with pytest.raises(mb.ShapeError, match=r"X must have shape \(n, 3\) for this network, got"):
        run(net, X[:, :2], y, client=client)
    with pytest.raises(mb.ShapeError, match="y must have 20 rows like X, got shape"):
        run(net, X, y[:5], client=client)
    with pytest.raises(mb.DTypeError, match="X must hold real numbers, got dtype bool"):
        run(net, X > 0, y, client=client)
    with pytest.raises(mb.ConfigError, match="learning_rate must be > 0, got 0"):
        run(net, X, y, learning_rate=0, client=client)
    with pytest.raises(mb.ConfigError, match=r"client must be a distributed\.Client"):
        run(net, X, y, client=8786)  # type: ignore[arg-type]
    monkeypatch.setattr(mbd, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(
        mb.ConfigError, match=r"no Dask scheduler answered at 'tcp://127\.0\.0\.1:1'"
    ):
        run(net, X, y, client="tcp://127.0.0.1:1", progress=False)
    with pytest.raises(mb.ConfigError, match="batch_size must be a positive integer, got 0"):
        mbd.fit_streaming(net, X, y, batch_size=0)


def test_bad_rows_name_their_chunk(client: Client) -> None:
    net, X, y = _problem("mse", rows=200)
    X[123, 1] = np.nan
    with pytest.raises(mb.DataError, match=r"in the chunk of rows 100\.\.149: X must be finite"):
        mbd.fit_full_batch(net, da.from_array(X, chunks=(50, 3)), y, client=client, progress=False)
    with pytest.raises(mb.DataError, match=r"rows 100\.\.149"):
        mbd.fit_streaming(net, da.from_array(X, chunks=(50, 3)), y, progress=False)


# -- out of core: a worker with less memory than the data on disk ------------------------


def _peak_rss_bytes() -> int:
    # VmHWM is this process's own peak; ru_maxrss would carry over the peak of the process
    # that forked the worker (a pytest-xdist worker with SymPy and Matplotlib loaded).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # not Linux: KiB too


def test_worker_with_less_memory_than_the_data(tmp_path: Path) -> None:
    # 100 chunks of 20 000 rows x 16 columns of float64: 256 MB on disk, written a chunk at
    # a time; the one worker may hold 200 MB in all (its Python, NumPy and Dask included,
    # about 90 MB before the first task), so only a few chunks fit at once.
    rng = np.random.default_rng(0)
    folder = tmp_path / "big"
    folder.mkdir()
    loss_before = 0.0
    net = mb.Network([15, 8, 1], activation="tanh", seed=0)
    for i in range(100):
        part = rng.normal(size=(20_000, 16))
        part[:, -1] = np.tanh(part[:, :3].sum(axis=1))
        np.save(folder / f"part-{i:05d}.npy", part)
        loss_before += net.loss(part[:, :-1], part[:, -1:]) * 20_000 / 2_000_000
    on_disk = sum(f.stat().st_size for f in folder.iterdir())
    limit = 200 * 2**20
    assert on_disk > limit

    X, y, _ = mbd.read_table(folder, -1)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, memory_limit=limit,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as c,
    ):  # fmt: skip
        workers = list(c.scheduler_info()["workers"])
        history = mbd.fit_full_batch(
            net, X, y, learning_rate=0.5, epochs=2, client=c, progress=False
        )
        assert list(c.scheduler_info()["workers"]) == workers  # never restarted
        peak = c.run(_peak_rss_bytes)
        logs = c.get_worker_logs()
    assert max(peak.values()) < limit  # the worker never held the data, only chunks
    assert history.loss[0] == pytest.approx(loss_before, rel=1e-12)
    assert history.loss[1] < history.loss[0]
    problems = [
        m for lines in logs.values() for level, m in lines if level in ("ERROR", "CRITICAL")
    ]
    assert problems == []


# -- the command line -----------------------------------------------------------------


@pytest.fixture
def chunk_folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    table = np.column_stack([X, np.tanh(X[:, 0] - X[:, 1])])
    mbd.write_npy_folder(tmp_path / "chunks", table, 90, columns=["x1", "x2", "x3", "y"])
    return tmp_path / "chunks"


def test_cli_end_to_end_on_a_local_cluster(tmp_path: Path, chunk_folder: Path) -> None:
    """As a user types it: a LocalCluster of its own, then predict with the saved model."""
    model = tmp_path / "model.npz"
    out = subprocess.run(
        [sys.executable, "-m", "matbackprop", "train-dask", str(chunk_folder), "--target", "y",
         "--layers", "3,6,1", "--activation", "tanh", "--lr", "0.5", "--epochs", "3",
         "--dask", "--save", str(model)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "400 rows in 5 chunk(s), full-batch GD on local" in out.stderr
    assert "step 3/3: loss" in out.stderr  # progress per step ...
    assert "chunk" in out.stderr  # ... and per chunk
    assert "3 epoch(s)" in out.stdout
    net = mb.Network.load(model)
    assert net.metadata["features"] == ["x1", "x2", "x3"]
    csv = tmp_path / "new.csv"
    csv.write_text("x1,x2,x3\n0.1,0.2,0.3\n")
    assert main(["predict", "--model", str(model), str(csv)]) == 0


def test_cli_on_a_scheduler_address_and_streaming(
    tmp_path: Path, chunk_folder: Path, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["train-dask", str(chunk_folder), "-t", "-1", "--layers", "3,6,1", "--no-progress"]
    history = tmp_path / "h.csv"
    assert main([*common, "--dask", client.scheduler.address, "--epochs", "2"]) == 0
    assert "full-batch GD on inproc://" in capsys.readouterr().err
    assert main([*common, "--stream", "--epochs", "2", "--history", str(history)]) == 0
    assert "streaming SGD" in capsys.readouterr().err
    assert len(history.read_text().splitlines()) == 3  # header + 2 epochs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "nope"], "got 'nope'"),
        (["--target", "y", "--layers", "2,6,1"], "--layers must start with 3"),
        (["--target", "y", "--layers", "3,6,2"], "--layers must end with 1"),
        (["--target", "y", "--stream", "--dask", "tcp://h:8786"], "takes no --dask address"),
        (["--target", "y", "--lr", "-1"], "--lr must be > 0"),
    ],
    ids=["unknown-target", "inputs-mismatch", "outputs-mismatch", "stream-with-address", "lr"],
)
def test_cli_mistakes_exit_2(
    chunk_folder: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["train-dask", str(chunk_folder), "--layers", "3,6,1", *args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_cli_missing_data_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train-dask", str(tmp_path / "nope"), "-t", "y", "--layers", "3,1"]) == 2
    assert "must be a .npy folder or a .zarr store" in capsys.readouterr().err


def test_cli_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["train-dask", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "--dask tcp://scheduler:8786" in result.output


def test_train_with_dask_is_the_issue_syntax_for_train_dask(
    tmp_path: Path, chunk_folder: Path, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    """``train --data DIR --dask ADDRESS`` runs exactly what ``train-dask`` runs."""
    common = ["-t", "y", "--layers", "3,6,1", "--epochs", "2", "--no-progress"]
    common += ["--optimizer", "adam", "--lr", "0.05"]  # the two commands' defaults differ
    via_train, via_train_dask = tmp_path / "a.npz", tmp_path / "b.npz"
    address = client.scheduler.address
    argv = ["train", "--data", str(chunk_folder), *common, "--dask", address]
    assert main([*argv, "--save", str(via_train)]) == 0
    assert "full-batch GD on inproc://" in capsys.readouterr().err
    argv = ["train-dask", str(chunk_folder), *common, "--dask", address]
    assert main([*argv, "--save", str(via_train_dask)]) == 0
    assert mb.Network.load(via_train) == mb.Network.load(via_train_dask)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "8"], "--batch-size is not available with --dask"),
        (["--early-stopping"], "--early-stopping is not available with --dask"),
        (["--validation-split", "0.2"], "--validation-split is not available with --dask"),
        (["--data", "other"], "give the data once"),
    ],
    ids=["batch-size", "early-stopping", "validation-split", "data-twice"],
)
def test_train_with_dask_refuses_what_only_the_in_memory_loop_has(
    chunk_folder: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["train", str(chunk_folder), "-t", "y", "--layers", "3,6,1", "--dask", *args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
