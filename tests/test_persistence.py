"""Model files round-trip bitwise, keep their metadata, and hold no pickle.

(Damaged, truncated and hostile files are tested in test_atomic_save.py and friends.)
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb


def _trained(dtype: Any, bias: bool) -> mb.Network:
    X, y = mb.demo_data(n=32)
    net = mb.Network([2, 3, 2, 1], activation=["tanh", "elu"], bias=bias, seed=5, dtype=dtype)
    net.fit(X, y, optimizer="adam", learning_rate=0.05, epochs=5, batch_size=8, seed=0,
            progress=False)  # fmt: skip
    return net


CASES = [
    pytest.param(dtype, bias, id=f"{np.dtype(dtype).name}-{'bias' if bias else 'nobias'}")
    for dtype in (np.float64, np.float32)
    for bias in (True, False)
]


@pytest.mark.parametrize(("dtype", "bias"), CASES)
def test_round_trip_is_bitwise_identical(tmp_path: Path, dtype: Any, bias: bool) -> None:
    net = _trained(dtype, bias)
    net.metadata["note"] = "Masha's first model"
    path = tmp_path / "model.npz"
    net.save(path, features=["x1", "x2"], targets=["y"])
    back = mb.Network.load(path)

    assert back == net
    assert back.dtype == dtype
    assert len(back.biases) == (3 if bias else 0)
    for a, b in zip(net.parameters(), back.parameters()):
        assert a.dtype == b.dtype == dtype
        assert a.tobytes() == b.tobytes()  # the same bits, not merely close
    assert back.activations == ("tanh", "elu", "identity")
    assert back.init == net.init
    assert back.training_info == net.training_info
    assert back.training_info is not None
    assert back.training_info["optimizer"]["name"] == "adam"
    assert back.metadata == {
        "note": "Masha's first model",
        "features": ["x1", "x2"],
        "targets": ["y"],
    }
    X, _ = mb.demo_data(n=7, seed=9)
    assert back.predict(X).tobytes() == net.predict(X).tobytes()


def test_file_holds_no_pickle(tmp_path: Path) -> None:
    net = _trained(np.float64, True)
    path = tmp_path / "model.npz"
    net.save(path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        assert names == ["W1.npy", "W2.npy", "W3.npy", "b1.npy", "b2.npy", "b3.npy", "metadata.npy"]
        for name in names:
            header = archive.read(name)[:128]
            assert b"'descr': '|O'" not in header  # no object arrays
    with np.load(path, allow_pickle=False) as data:  # would raise on an object array
        meta = json.loads(data["metadata"].tobytes().decode())
        assert data["W2"].shape == (3, 2)
    assert meta["format"] == "matbackprop-model"
    assert meta["format_version"] == 1
    assert meta["matbackprop_version"] == mb.__version__
    assert meta["network"] == net.config()
    assert meta["training"]["loss"] == {"name": "mse", "half": False}


def test_untrained_model_round_trips(tmp_path: Path) -> None:
    net = mb.Network([2, 2, 2, 1], bias=False, init="zeros")
    net.save(tmp_path / "m.npz")
    back = mb.Network.load(tmp_path / "m.npz")
    assert back == net
    assert back.training_info is None
    assert back.metadata == {}


def test_save_replaces_an_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    mb.Network([2, 1], init="zeros").save(path)
    net = mb.Network([2, 1], init="constant")
    net.save(path)
    assert mb.Network.load(path) == net
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_save_refuses_metadata_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(mb.ConfigError, match="metadata must be plain JSON values"):
        mb.Network([1, 1]).save(tmp_path / "m.npz", when=object())
    assert not (tmp_path / "m.npz").exists()


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(mb.MissingFileError, match="does not exist") as info:
        mb.Network.load(tmp_path / "nope.npz")
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.exit_code == 2
    with pytest.raises(mb.MissingFileError):
        mb.Network([1, 1]).save(tmp_path / "no-such-folder" / "m.npz")
