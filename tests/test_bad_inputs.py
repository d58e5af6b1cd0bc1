"""The bad-input battery: every mistake a user can make, through the Python API and the CLI.

Each case must give a subclass of ``MatbackpropError`` that is also the matching built-in
(``ValueError``, ``TypeError``, ``FileNotFoundError``), with a message that names the
argument, what was expected and what arrived. From the CLI each gives exactly one line on
stderr and exit code 2 (a usage mistake) or 1 (anything else), never a traceback.
The inputs a user would expect to work (integers, n=1, batch > n, a BOM, ``;``, CRLF,
a 1-D y for one output) are checked to work.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.cli import main
from matbackprop.data import read_table
from matbackprop.errors import (
    ConfigError,
    DataError,
    DTypeError,
    MatbackpropError,
    MissingFileError,
    ModelFileError,
    ShapeError,
)

BUILTIN = {
    ConfigError: ValueError,
    ShapeError: ValueError,
    DataError: ValueError,
    ModelFileError: ValueError,
    DTypeError: TypeError,
    MissingFileError: FileNotFoundError,
}


# -- the files every case may use, written once ---------------------------------------


class _Payload:
    """Unpickling this creates the file ``marker``: proof that something was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def _csv(rows: list[list[Any]], header: str = "x1,x2,y") -> str:
    return header + "\n" + "".join(",".join(str(v) for v in r) + "\n" for r in rows)


def _rewrite_model(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    with np.load(src, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    edit(arrays)
    with dst.open("wb") as f:
        np.savez(f, **arrays)


def _set_meta(arrays: dict[str, Any], key: str, value: Any) -> None:
    meta = json.loads(arrays["metadata"].tobytes())
    meta[key] = value
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bad_inputs")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2)).round(3)
    good = [[a, b, round(a - b, 3)] for a, b in X]
    (d / "good.csv").write_text(_csv(good))
    (d / "one_row.csv").write_text(_csv(good[:1]))
    (d / "ints.csv").write_text(_csv([[i, i % 3, i % 2] for i in range(12)]))
    labels = [[a, b, i % 3] for i, (a, b) in enumerate(X)]
    (d / "labels.csv").write_text(_csv(labels))
    (d / "label3.csv").write_text(_csv([*labels[:5], [0.1, 0.2, 3]]))
    (d / "label_half.csv").write_text(_csv([*labels[:5], [0.1, 0.2, 0.5]]))
    (d / "binary2.csv").write_text(_csv([[0.1, 0.2, 0], [0.3, 0.4, 1], [0.5, 0.6, 2]]))
    (d / "nan.csv").write_text(_csv([[1, 2, 3], [4, "nan", 6]]))
    (d / "inf_y.csv").write_text(_csv([[1, 2, 3], [4, 5, "inf"]]))
    (d / "text.csv").write_text(_csv([[1, 2, 3], [4, 5, 6], ["abc", 8, 9]]))
    (d / "ragged.csv").write_text("x1,x2,y\n1,2,3\n4,5\n")
    (d / "empty.csv").write_text("")
    (d / "blank.csv").write_text("\n  \n\n")
    (d / "header_only.csv").write_text("x1,x2,y\n")
    (d / "no_header.csv").write_text("1,2,3\n4,5,6\n")
    (d / "dup_header.csv").write_text("x1,x1,y\n1,2,3\n")
    (d / "latin1.csv").write_bytes("x1,x2,y\n1,2,caf\xe9\n".encode("latin-1"))
    (d / "bom.csv").write_bytes(b"\xef\xbb\xbf" + _csv(good).encode())
    (d / "semicolon.csv").write_text(_csv(good).replace(",", ";"))
    (d / "crlf.csv").write_bytes(_csv(good).replace("\n", "\r\n").encode())
    (d / "no_x2.csv").write_text("x1,y\n1,2\n")
    (d / "folder.csv").mkdir()

    net = mb.Network([2, 3, 1], seed=0)
    net.metadata.update(features=["x1", "x2"], targets=["y"])
    net.save(d / "model.npz")
    raw = (d / "model.npz").read_bytes()
    (d / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    middle = len(raw) // 2  # inside the bytes of an array: the CRC no longer matches
    (d / "corrupted.npz").write_bytes(raw[:middle] + bytes(b ^ 0xFF for b in raw[middle:]))
    at = raw.index(net.weights[0].tobytes()) + 3  # one byte inside W1's numbers
    (d / "bit_flip.npz").write_bytes(raw[:at] + bytes([raw[at] ^ 0x10]) + raw[at + 1 :])
    (d / "random.npz").write_bytes(rng.bytes(600))
    (d / "csv_renamed.npz").write_bytes((d / "good.csv").read_bytes())
    _rewrite_model(d / "model.npz", d / "future.npz", lambda a: _set_meta(a, "format_version", 99))
    _rewrite_model(d / "model.npz", d / "missing_w2.npz", lambda a: a.pop("W2"))
    _rewrite_model(
        d / "model.npz", d / "shape_changed.npz", lambda a: a.update(W1=a["W1"].T.copy())
    )
    _rewrite_model(d / "model.npz", d / "nan_weights.npz", lambda a: a["W2"].fill(np.nan))
    _rewrite_model(
        d / "model.npz", d / "other_format.npz", lambda a: _set_meta(a, "format", "other")
    )
    with (d / "no_metadata.npz").open("wb") as f:
        np.savez(f, W1=np.zeros((2, 3)))
    (d / "pickle.npz").write_bytes(pickle.dumps(_Payload(d / "UNPICKLED"), protocol=4))
    _rewrite_model(  # a valid model whose W1 is a pickled object array
        d / "model.npz",
        d / "object_array.npz",
        lambda a: a.update(W1=np.array([_Payload(d / "UNPICKLED")], dtype=object)),
    )
    return d


@pytest.fixture(autouse=True)
def _never_unpickled(files: Path) -> Any:
    yield
    assert not (files / "UNPICKLED").exists(), "a pickle was unpickled"


# -- the Python API ----------------------------------------------------------------------

X4 = np.arange(8.0).reshape(4, 2) / 8  # (4, 2)
Y4 = np.array([[0.0], [1.0], [1.0], [0.0]])  # (4, 1)


def net21(**kw: Any) -> mb.Network:
    return mb.Network([2, 3, 1], seed=0, **kw)


def net23(**kw: Any) -> mb.Network:
    return mb.Network([2, 3, 3], seed=0, output_activation="softmax", **kw)


def fit(net: mb.Network | None = None, X: Any = X4, y: Any = Y4, **kw: Any) -> Any:
    kw.setdefault("epochs", 2)
    return (net or net21()).fit(X, y, progress=False, **kw)


def _nan_at(i: int, j: int) -> Any:
    X = X4.copy()
    X[i, j] = np.nan
    return X


def _set_w1(value: Any) -> None:
    net21().weights[0] = value


def _set_b2(value: Any) -> None:
    net21().biases[1] = value


def _set_weights(values: Any) -> None:
    net21().weights = values


API: list[Any] = [
    # (id, call, error, words that must appear in the message)
    ("nan-in-X", lambda d: fit(X=_nan_at(1, 0)), DataError, ["X", "finite", "nan", "row 1"]),
    ("inf-in-X", lambda d: net21().predict([[1.0, np.inf]]), DataError, ["X", "finite", "inf"]),
    ("nan-in-y", lambda d: fit(y=[[0], [np.nan], [1], [0]]), DataError, ["y", "finite", "nan"]),
    (
        "X-too-wide",
        lambda d: net21().predict(np.ones((4, 3))),
        ShapeError,
        ["X", "2 column", "(4, 3)"],
    ),
    ("X-1d", lambda d: net21().predict(np.ones(4)), ShapeError, ["X", "2-D", "(4,)", "reshape"]),
    ("X-3d", lambda d: net21().predict(np.ones((4, 2, 1))), ShapeError, ["X", "2-D", "(4, 2, 1)"]),
    ("X-ragged-list", lambda d: net21().predict([[1, 2], [3]]), ShapeError, ["X", "rectangular"]),
    ("y-wrong-rows", lambda d: fit(y=np.ones((3, 1))), ShapeError, ["y", "4 rows", "(3, 1)"]),
    ("y-wrong-cols", lambda d: fit(y=np.ones((4, 2))), ShapeError, ["y", "(n, 1)", "(4, 2)"]),
    ("y-3d", lambda d: fit(y=np.ones((4, 1, 1))), ShapeError, ["y", "1-D or 2-D", "(4, 1, 1)"]),
    (
        "y-1d-for-2-outputs",
        lambda d: fit(mb.Network([2, 2]), y=np.ones(4)),
        ShapeError,
        ["y", "(n, 2)", "(4,)"],
    ),
    ("X-bool", lambda d: net21().predict(X4 > 0.3), DTypeError, ["X", "booleans"]),
    ("X-object", lambda d: net21().predict([[1, None]]), DTypeError, ["X", "objects"]),
    ("X-complex", lambda d: net21().predict(X4 + 1j), DTypeError, ["X", "real", "complex"]),
    ("X-strings", lambda d: net21().predict([["1", "2"]]), DTypeError, ["X", "real", "<U1"]),
    ("y-bool", lambda d: fit(y=Y4 > 0), DTypeError, ["y", "real numbers", "booleans"]),
    ("y-object", lambda d: fit(y=[[0], [1], [None], [0]]), DTypeError, ["y", "real", "object"]),
    (
        "X-int-too-big-for-float64",
        lambda d: net21().predict(np.array([[2**53 + 1, 0]])),
        DataError,
        ["X", "exactly", "float64", "9007199254740993"],
    ),
    (
        "X-empty",
        lambda d: fit(X=np.ones((0, 2)), y=np.ones((0, 1))),
        DataError,
        ["X", "at least one row", "(0, 2)"],
    ),
    ("X-empty-list", lambda d: net21().predict([]), DataError, ["X", "at least one row", "(0,)"]),
    (
        "labels-above-k",
        lambda d: fit(net23(), y=[0, 1, 3, 2], loss="cross_entropy"),
        DataError,
        ["y labels", "0..2", "3"],
    ),
    (
        "labels-negative",
        lambda d: fit(net23(), y=[0, -1, 1, 2], loss="cross_entropy"),
        DataError,
        ["y labels", "0..2", "-1"],
    ),
    (
        "labels-fractional",
        lambda d: fit(net23(), y=[0, 0.5, 1, 2], loss="cross_entropy"),
        DataError,
        ["y labels", "integers", "0.5"],
    ),
    (
        "one-hot-not-summing-to-1",
        lambda d: fit(net23(), y=np.ones((4, 3)), loss="cross_entropy"),
        DataError,
        ["y", "one-hot", "labels"],
    ),
    (
        "logloss-label-2",
        lambda d: fit(net21(output_activation="sigmoid"), y=[0, 1, 2, 0], loss="logloss"),
        DataError,
        ["y", "only 0 and 1", "2.0", "row 2"],
    ),
    (
        "unknown-activation",
        lambda d: net21(activation="swish2"),
        ConfigError,
        ["activation", "one of", "sigmoid", "'swish2'"],
    ),
    (
        "unknown-output-activation",
        lambda d: net21(output_activation="argmax"),
        ConfigError,
        ["output_activation", "one of", "'argmax'"],
    ),
    (
        "unknown-loss",
        lambda d: fit(loss="hinge"),
        ConfigError,
        ["loss", "one of", "mse", "'hinge'"],
    ),
    (
        "unknown-optimizer",
        lambda d: fit(optimizer="lbfgs"),
        ConfigError,
        ["optimizer", "one of", "adam", "rmsprop", "adagrad", "'lbfgs'"],
    ),
    (
        "unknown-init",
        lambda d: net21(init="magic"),
        ConfigError,
        ["init", "one of", "glorot", "'magic'"],
    ),
    (
        "unknown-dtype",
        lambda d: net21(dtype="float16"),
        ConfigError,
        ["dtype", "float64 or float32", "float16"],
    ),
    (
        "layer-size-0",
        lambda d: mb.Network([2, 0, 1]),
        ConfigError,
        ["layer_sizes[1]", "positive integer", "0"],
    ),
    (
        "layer-size-negative",
        lambda d: mb.Network([2, -3, 1]),
        ConfigError,
        ["layer_sizes[1]", "positive integer", "-3"],
    ),
    (
        "layer-size-fractional",
        lambda d: mb.Network([2, 2.5, 1]),
        ConfigError,
        ["layer_sizes[1]", "positive integer", "2.5"],
    ),
    ("one-layer", lambda d: mb.Network([2]), ConfigError, ["layer_sizes", "at least 2", "[2]"]),
    (
        "layer-sizes-string",
        lambda d: mb.Network("2,2,1"),
        ConfigError,
        ["layer_sizes", "list of positive integers", "'2,2,1'"],
    ),
    ("lr-zero", lambda d: fit(learning_rate=0), ConfigError, ["learning_rate", "> 0", "0"]),
    (
        "lr-negative",
        lambda d: fit(learning_rate=-0.1),
        ConfigError,
        ["learning_rate", "> 0", "-0.1"],
    ),
    (
        "lr-nan",
        lambda d: fit(learning_rate=float("nan")),
        ConfigError,
        ["learning_rate", "> 0", "nan"],
    ),
    (
        "lr-inf",
        lambda d: fit(learning_rate=float("inf")),
        ConfigError,
        ["learning_rate", "at most 1000", "inf"],
    ),
    (
        "lr-huge",
        lambda d: fit(learning_rate=1e6),
        ConfigError,
        ["learning_rate", "at most 1000", "1000000"],
    ),
    (
        "lr-string",
        lambda d: fit(learning_rate="0.1"),
        ConfigError,
        ["learning_rate", "number", "'0.1'"],
    ),
    (
        "step-learning-rate-zero",
        lambda d: net21().step(X4, Y4, learning_rate=0),
        ConfigError,
        ["learning_rate", "> 0", "0"],
    ),
    ("epochs-zero", lambda d: fit(epochs=0), ConfigError, ["epochs", "positive integer", "0"]),
    (
        "epochs-negative",
        lambda d: fit(epochs=-1),
        ConfigError,
        ["epochs", "positive integer", "-1"],
    ),
    (
        "epochs-fractional",
        lambda d: fit(epochs=2.5),
        ConfigError,
        ["epochs", "positive integer", "2.5"],
    ),
    (
        "batch-zero",
        lambda d: fit(batch_size=0),
        ConfigError,
        ["batch_size", "positive integer", "0"],
    ),
    (
        "batch-negative",
        lambda d: fit(batch_size=-3),
        ConfigError,
        ["batch_size", "positive integer", "-3"],
    ),
    (
        "patience-zero",
        lambda d: fit(patience=0),
        ConfigError,
        ["patience", "positive integer", "0"],
    ),
    (
        "validation-split-1.5",
        lambda d: fit(validation_split=1.5),
        ConfigError,
        ["validation_split", "[0, 1)", "1.5"],
    ),
    (
        "validation-split-empty",
        lambda d: fit(validation_split=0.1),
        ConfigError,
        ["validation_split=0.1", "0 validation row", "at least one"],
    ),
    (
        "validation-data-not-pair",
        lambda d: fit(validation_data=X4),
        ConfigError,
        ["validation_data", "pair", "ndarray"],
    ),
    ("seed-string", lambda d: fit(seed="abc"), ConfigError, ["seed", "integer", "'abc'"]),
    ("seed-negative", lambda d: fit(seed=-1), ConfigError, ["seed", "non-negative", "-1"]),
    ("bias-string", lambda d: net21(bias="yes"), ConfigError, ["bias", "True or False", "'yes'"]),
    (
        "shuffle-string",
        lambda d: fit(shuffle="no"),
        ConfigError,
        ["shuffle", "True or False", "'no'"],
    ),
    (
        "W1-wrong-shape",
        lambda d: _set_w1(np.ones((3, 2))),
        ShapeError,
        ["weights[0] (W1)", "(2, 3)", "(3, 2)"],
    ),
    (
        "b2-wrong-shape",
        lambda d: _set_b2(np.ones(3)),
        ShapeError,
        ["biases[1] (b2)", "(1,)", "(3,)"],
    ),
    (
        "W1-nan",
        lambda d: _set_w1(np.full((2, 3), np.nan)),
        DataError,
        ["weights[0] (W1)", "finite", "NaN"],
    ),
    (
        "W1-bool",
        lambda d: _set_w1(np.ones((2, 3), bool)),
        DTypeError,
        ["weights[0] (W1)", "real numbers", "bool"],
    ),
    (
        "weights-wrong-count",
        lambda d: _set_weights([np.ones((2, 3))]),
        ShapeError,
        ["weights", "2 matrices", "1"],
    ),
    (
        "csv-missing",
        lambda d: mb.read_csv(d / "nope.csv"),
        MissingFileError,
        ["nope.csv", "does not exist"],
    ),
    (
        "csv-folder",
        lambda d: mb.read_csv(d / "folder.csv"),
        MissingFileError,
        ["folder.csv", "folder", "not a CSV"],
    ),
    (
        "csv-no-header",
        lambda d: mb.read_csv(d / "no_header.csv"),
        DataError,
        ["no header", "1, 2, 3", "column names"],
    ),
    (
        "csv-missing-target",
        lambda d: mb.read_csv(d / "good.csv").split(["z"]),
        ConfigError,
        ["--target", "'z'", "x1, x2, y"],
    ),
    (
        "csv-non-numeric",
        lambda d: mb.read_csv(d / "text.csv"),
        DataError,
        ["line 4", "'x1'", "'abc'", "not a number"],
    ),
    (
        "csv-nan-cell",
        lambda d: mb.read_csv(d / "nan.csv"),
        DataError,
        ["line 3", "'x2'", "'nan'", "not finite"],
    ),
    (
        "csv-ragged",
        lambda d: mb.read_csv(d / "ragged.csv"),
        DataError,
        ["line 3", "expected 3 cells", "got 2"],
    ),
    (
        "csv-empty",
        lambda d: mb.read_csv(d / "empty.csv"),
        DataError,
        ["empty.csv", "empty", "header row"],
    ),
    ("csv-header-only", lambda d: read_table(b"x1,x2,y\n"), DataError, ["header", "no data rows"]),
    (
        "csv-not-utf8",
        lambda d: mb.read_csv(d / "latin1.csv"),
        DataError,
        ["latin1.csv", "not UTF-8", "byte"],
    ),
    (
        "model-missing",
        lambda d: mb.Network.load(d / "nope.npz"),
        MissingFileError,
        ["model file", "nope.npz", "does not exist"],
    ),
    (
        "model-folder",
        lambda d: mb.Network.load(d / "folder.csv"),
        MissingFileError,
        ["model file", "folder"],
    ),
    (
        "model-truncated",
        lambda d: mb.Network.load(d / "truncated.npz"),
        ModelFileError,
        ["truncated.npz", "truncated or corrupted"],
    ),
    (
        "model-corrupted",
        lambda d: mb.Network.load(d / "corrupted.npz"),
        ModelFileError,
        ["corrupted.npz", "corrupted"],
    ),
    (
        "model-bit-flip",
        lambda d: mb.Network.load(d / "bit_flip.npz"),
        ModelFileError,
        ["bit_flip.npz", "corrupted", "CRC"],
    ),
    (
        "model-future-version",
        lambda d: mb.Network.load(d / "future.npz"),
        ModelFileError,
        ["newer matbackprop", "format 99", "up to 1"],
    ),
    (
        "model-missing-array",
        lambda d: mb.Network.load(d / "missing_w2.npz"),
        ModelFileError,
        ["missing array", "W2"],
    ),
    (
        "model-shape-changed",
        lambda d: mb.Network.load(d / "shape_changed.npz"),
        ModelFileError,
        ["W1", "should have shape (2, 3)", "got (3, 2)"],
    ),
    (
        "model-nan-weights",
        lambda d: mb.Network.load(d / "nan_weights.npz"),
        ModelFileError,
        ["W2", "NaN or inf"],
    ),
    (
        "model-other-format",
        lambda d: mb.Network.load(d / "other_format.npz"),
        ModelFileError,
        ["not a matbackprop model file"],
    ),
    (
        "model-no-metadata",
        lambda d: mb.Network.load(d / "no_metadata.npz"),
        ModelFileError,
        ["not a matbackprop model", "no metadata"],
    ),
    (
        "model-random-bytes",
        lambda d: mb.Network.load(d / "random.npz"),
        ModelFileError,
        ["random.npz", "expected an .npz archive"],
    ),
    (
        "model-is-a-csv",
        lambda d: mb.Network.load(d / "csv_renamed.npz"),
        ModelFileError,
        ["csv_renamed.npz", "not a matbackprop model"],
    ),
    (
        "model-pickle-renamed",
        lambda d: mb.Network.load(d / "pickle.npz"),
        ModelFileError,
        ["pickle", "without unpickling"],
    ),
    (
        "model-pickled-array",
        lambda d: mb.Network.load(d / "object_array.npz"),
        ModelFileError,
        ["pickle", "without unpickling"],
    ),
    (
        "checkpoint-folder",
        lambda d: fit(checkpoint=d / "folder.csv"),
        MissingFileError,
        ["checkpoint", "file", "folder"],
    ),
    (
        "checkpoint-every-zero",
        lambda d: fit(checkpoint=d / "c.ckpt", checkpoint_every=0),
        ConfigError,
        ["checkpoint_every", "positive integer", "0"],
    ),
    (
        "checkpoint-is-a-model",
        lambda d: fit(checkpoint=d / "model.npz"),
        ModelFileError,
        ["model.npz", "not a matbackprop checkpoint"],
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "words"), [pytest.param(*case[1:], id=case[0]) for case in API]
)
def test_api_refuses_bad_input(
    files: Path, call: Callable[[Path], Any], error: type[MatbackpropError], words: list[str]
) -> None:
    with pytest.raises(error) as info:
        call(files)
    exc = info.value
    assert isinstance(exc, MatbackpropError)
    assert isinstance(exc, BUILTIN[error])
    for word in words:
        assert word in str(exc), f"{word!r} missing from: {exc}"


def test_the_battery_is_large_enough() -> None:
    assert len(API) >= 40
    assert len(CLI) >= 40


# -- what a user would expect to work, works -------------------------------------------


def test_integer_arrays_are_converted_exactly() -> None:
    X_int = np.array([[1, 2], [3, -4], [2**53, 0]])  # 2^53: the largest exact run of ints
    net = net21()
    np.testing.assert_array_equal(net.predict(X_int), net.predict(X_int.astype(float)))
    small = np.array([[1, 2], [3, 4]])
    for dtype in (np.uint8, np.int16, np.int32, np.uint64):
        np.testing.assert_array_equal(net.predict(small.astype(dtype)), net.predict(small * 1.0))
    h = fit(X=np.array([[0, 1], [1, 0], [1, 1], [0, 0]]), y=np.array([1, 1, 0, 0]))
    assert h.epochs == 2


def test_a_single_row_trains() -> None:
    h = fit(X=[[0.5, -0.5]], y=[[1.0]], epochs=3, batch_size=1)
    assert h.epochs == 3
    assert all(np.isfinite(h.loss))


def test_batch_larger_than_n_is_full_batch() -> None:
    a, b = net21(), net21()
    ha = fit(a, batch_size=1000, epochs=5, seed=1)
    hb = fit(b, batch_size=None, epochs=5, seed=1)
    assert a == b
    assert ha.loss == hb.loss


@pytest.mark.parametrize(
    "y",
    [pytest.param(np.array([0.0, 1, 1, 0]), id="1d"), pytest.param(Y4, id="2d")],
)
def test_one_output_takes_1d_or_2d_y(y: Any) -> None:
    net = net21()
    assert net.loss(X4, y) == pytest.approx(net.loss(X4, Y4))


@pytest.mark.parametrize(
    "y",
    [
        pytest.param([0, 1, 2, 1], id="labels-1d"),
        pytest.param([[0], [1], [2], [1]], id="labels-column"),
        pytest.param(np.eye(3)[[0, 1, 2, 1]], id="one-hot"),
    ],
)
def test_cross_entropy_takes_labels_or_one_hot(y: Any) -> None:
    net = net23()
    assert net.loss(X4, y, "cross_entropy") == pytest.approx(
        net.loss(X4, np.eye(3)[[0, 1, 2, 1]], "cross_entropy")
    )


@pytest.mark.parametrize("name", ["bom.csv", "semicolon.csv", "crlf.csv"])
def test_csv_variants_read_like_the_plain_file(files: Path, name: str) -> None:
    plain = mb.read_csv(files / "good.csv")
    other = mb.read_csv(files / name)
    assert other.columns == plain.columns == ("x1", "x2", "y")
    np.testing.assert_array_equal(other.values, plain.values)


# -- the CLI -----------------------------------------------------------------------------

TRAIN = ["train", "good.csv", "-t", "y", "--layers", "2,3,1", "--epochs", "2", "--no-progress"]


def train(*extra: str, data: str = "good.csv") -> list[str]:
    args = [*TRAIN, *extra]
    args[1] = data
    return args


def predict(model: str, data: str = "good.csv") -> list[str]:
    return ["predict", data, "--model", model]


CLI: list[Any] = [
    # (id, argv, exit code, words on the one line of stderr)
    ("nan-cell", train(data="nan.csv"), 1, ["nan.csv", "line 3", "'x2'", "not finite"]),
    ("inf-target", train(data="inf_y.csv"), 1, ["line 3", "'y'", "'inf'", "not finite"]),
    ("non-numeric-cell", train(data="text.csv"), 1, ["line 4", "'x1'", "'abc'", "not a number"]),
    ("ragged-rows", train(data="ragged.csv"), 1, ["line 3", "expected 3 cells", "got 2"]),
    ("empty-file", train(data="empty.csv"), 1, ["empty.csv", "is empty"]),
    ("blank-lines-only", train(data="blank.csv"), 1, ["blank.csv", "is empty"]),
    ("header-only", train(data="header_only.csv"), 1, ["header but no data rows"]),
    ("no-header", train(data="no_header.csv"), 1, ["no header", "1, 2, 3"]),
    ("duplicate-header", train(data="dup_header.csv"), 1, ["column 'x1' twice"]),
    ("not-utf8", train(data="latin1.csv"), 1, ["latin1.csv", "not UTF-8"]),
    ("missing-file", train(data="nope.csv"), 2, ["data file nope.csv", "does not exist"]),
    ("folder-as-file", train(data="folder.csv"), 2, ["folder.csv", "is a folder"]),
    ("missing-target-column", [*TRAIN[:3], "z", *TRAIN[4:]], 2, ["--target", "'z'", "x1, x2, y"]),
    (
        "every-column-a-target",
        [*TRAIN[:3], "x1,x2,y", *TRAIN[4:]],
        2,
        ["every column", "input column"],
    ),
    (
        "X-wrong-width",
        train("--layers", "3,3,1"),
        2,
        ["--layers must start with 2", "x1, x2", "got 3"],
    ),
    ("y-wrong-width", train("--layers", "2,3,2"), 2, ["--layers must end with 1", "got 2"]),
    (
        "ce-label-above-k",
        train("--loss", "cross_entropy", "--layers", "2,3,3", data="label3.csv"),
        1,
        ["y labels", "0..2", "3"],
    ),
    (
        "ce-label-fractional",
        train("--loss", "cross_entropy", "--layers", "2,3,3", data="label_half.csv"),
        1,
        ["y labels", "integers", "0.5"],
    ),
    ("logloss-label-2", train("--loss", "logloss", data="binary2.csv"), 1, ["only 0 and 1", "2.0"]),
    (
        "unknown-activation",
        train("--activation", "swish2"),
        2,
        ["--activation", "one of", "'swish2'"],
    ),
    (
        "unknown-output-activation",
        train("--output-activation", "argmax"),
        2,
        ["--output-activation must be one of", "'argmax'"],
    ),
    ("unknown-loss", train("--loss", "hinge"), 2, ["'--loss'", "'hinge'", "'mse'"]),
    (
        "unknown-optimizer",
        train("--optimizer", "lbfgs"),
        2,
        ["'--optimizer'", "'lbfgs'", "'adam'", "'rmsprop'"],
    ),
    ("unknown-init", train("--init", "magic"), 2, ["--init", "one of", "'magic'"]),
    ("unknown-dtype", train("--dtype", "float16"), 2, ["'--dtype'", "'float16'", "'float64'"]),
    ("layer-size-0", train("--layers", "2,0,1"), 2, ["'--layers'", "positive integers", "'2,0,1'"]),
    (
        "layer-size-negative",
        train("--layers", "2,-3,1"),
        2,
        ["'--layers'", "positive integers", "'2,-3,1'"],
    ),
    (
        "layer-size-fractional",
        train("--layers", "2,1.5,1"),
        2,
        ["'--layers'", "integers", "'2,1.5,1'"],
    ),
    ("one-layer", train("--layers", "2"), 2, ["'--layers'", "at least two", "'2'"]),
    ("lr-zero", train("--lr", "0"), 2, ["--lr", "> 0", "0.0"]),
    ("lr-negative", train("--lr", "-0.5"), 2, ["--lr", "> 0", "-0.5"]),
    ("lr-nan", train("--lr", "nan"), 2, ["--lr", "> 0", "nan"]),
    ("lr-huge", train("--lr", "1e6"), 2, ["--lr", "at most 1000", "1000000.0"]),
    ("lr-not-a-number", train("--lr", "fast"), 2, ["'--lr'", "'fast'", "float"]),
    ("epochs-zero", train("--epochs", "0"), 2, ["'--epochs'", "0", "x>=1"]),
    ("epochs-negative", train("--epochs", "-5"), 2, ["'--epochs'", "-5", "x>=1"]),
    ("batch-zero", train("--batch-size", "0"), 2, ["'--batch-size'", "0", "x>=1"]),
    ("patience-zero", train("--patience", "0"), 2, ["'--patience'", "0", "x>=1"]),
    (
        "validation-split-1.5",
        train("--validation-split", "1.5"),
        2,
        ["--validation-split", "[0, 1)", "1.5"],
    ),
    (
        "validation-split-no-rows",
        train("--validation-split", "0.01"),
        2,
        ["--validation-split=0.01", "0 validation row"],
    ),
    ("seed-negative", train("--seed", "-1"), 2, ["'--seed'", "-1", "x>=0"]),
    (
        "save-in-missing-folder",
        train("--save", "nodir/m.npz"),
        2,
        ["--save", "existing folder", "nodir"],
    ),
    (
        "history-in-missing-folder",
        train("--history", "nodir/h.csv"),
        2,
        ["--history", "existing folder", "nodir"],
    ),
    (
        "checkpoint-is-a-folder",
        train("--checkpoint", "folder.csv"),
        2,
        ["'--checkpoint'", "folder.csv", "directory"],
    ),
    (
        "checkpoint-every-zero",
        train("--checkpoint", "c.ckpt", "--checkpoint-every", "0"),
        2,
        ["'--checkpoint-every'", "x>=1"],
    ),
    (
        "checkpoint-is-a-model",
        train("--checkpoint", "model.npz"),
        1,
        ["model.npz", "not a matbackprop checkpoint"],
    ),
    ("model-missing", predict("nope.npz"), 2, ["model file nope.npz", "does not exist"]),
    ("model-truncated", predict("truncated.npz"), 1, ["truncated.npz", "truncated or corrupted"]),
    ("model-corrupted", predict("corrupted.npz"), 1, ["corrupted.npz", "corrupted"]),
    ("model-bit-flip", predict("bit_flip.npz"), 1, ["bit_flip.npz", "corrupted", "CRC"]),
    (
        "model-future-version",
        predict("future.npz"),
        1,
        ["newer matbackprop", "format 99", "upgrade"],
    ),
    ("model-missing-array", predict("missing_w2.npz"), 1, ["missing array", "W2"]),
    ("model-shape-changed", predict("shape_changed.npz"), 1, ["W1", "(2, 3)", "(3, 2)"]),
    ("model-nan-weights", predict("nan_weights.npz"), 1, ["W2", "NaN or inf"]),
    ("model-no-metadata", predict("no_metadata.npz"), 1, ["no metadata"]),
    ("model-random-bytes", predict("random.npz"), 1, ["expected an .npz archive"]),
    ("model-is-a-csv", predict("csv_renamed.npz"), 1, ["not a matbackprop model"]),
    ("model-pickle-renamed", predict("pickle.npz"), 1, ["pickle", "without unpickling"]),
    ("model-pickled-array", predict("object_array.npz"), 1, ["pickle", "without unpickling"]),
    (
        "predict-csv-lacks-feature",
        predict("model.npz", data="no_x2.csv"),
        1,
        ["lacks column 'x2'", "x1, y"],
    ),
    ("check-rows-zero", ["check", "--rows", "0"], 2, ["'--rows'", "0", "x>=1"]),
    (
        "check-unknown-activation",
        ["check", "--activation", "swish2"],
        2,
        ["activation", "'swish2'"],
    ),
]


@pytest.mark.parametrize(
    ("argv", "code", "words"), [pytest.param(*case[1:], id=case[0]) for case in CLI]
)
def test_cli_refuses_bad_input(
    files: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    words: list[str],
) -> None:
    monkeypatch.chdir(files)
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == code, err
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("matbackprop: error: ")
    for word in words:
        assert word in lines[0], f"{word!r} missing from: {lines[0]}"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(train(data="bom.csv"), id="utf8-bom"),
        pytest.param(train(data="semicolon.csv"), id="semicolons"),
        pytest.param(train(data="crlf.csv"), id="crlf"),
        pytest.param(train(data="one_row.csv"), id="n-equals-1"),
        pytest.param(train(data="ints.csv"), id="integer-cells"),
        pytest.param(train("--batch-size", "500"), id="batch-larger-than-n"),
        pytest.param(
            train("--loss", "cross_entropy", "--layers", "2,3,3", data="labels.csv"),
            id="class-labels",
        ),
        pytest.param(predict("model.npz", data="crlf.csv"), id="predict-crlf"),
    ],
)
def test_cli_accepts_what_a_user_expects(
    files: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.chdir(files)
    rc = main(argv)
    _, err = capsys.readouterr()
    assert rc == 0, err
    assert err == ""
