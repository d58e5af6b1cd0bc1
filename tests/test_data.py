"""Data: the demo set and reading CSV files (happy paths; bad files live elsewhere)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import matbackprop as mb


def test_demo_data_is_deterministic() -> None:
    X, y = mb.demo_data()
    assert X.shape == (256, 2)
    assert y.shape == (256, 1)
    assert X.dtype == y.dtype == np.float64
    X2, y2 = mb.demo_data()
    assert np.array_equal(X, X2)
    assert np.array_equal(y, y2)
    X3, _ = mb.demo_data(seed=1)
    assert not np.array_equal(X, X3)
    assert np.all(np.abs(X) <= 2.0)


def test_demo_data_comes_from_a_2221_sigmoid_teacher() -> None:
    """Without noise, a 2-2-2-1 sigmoid network without biases fits the data exactly."""
    X, y = mb.demo_data(n=20, noise=0.0)
    teacher = mb.Network(
        [2, 2, 2, 1],
        bias=False,
        init=[
            np.array([[2.0, -1.5], [1.0, 2.5]]),
            np.array([[3.0, -2.0], [-2.5, 3.5]]),
            np.array([[1.5], [-1.0]]),
        ],
    )
    np.testing.assert_allclose(teacher.predict(X), y, rtol=1e-14)
    _, noisy = mb.demo_data(n=20, noise=0.02)
    assert 0 < np.std(noisy - y) < 0.05


def test_read_csv(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x1,x2,y\n1,2,3\n-0.5,1e-3,7\n")
    table = mb.read_csv(path)
    assert table.columns == ("x1", "x2", "y")
    np.testing.assert_array_equal(table.values, [[1.0, 2.0, 3.0], [-0.5, 1e-3, 7.0]])
    X, y, features = table.split(["y"])
    np.testing.assert_array_equal(X, [[1.0, 2.0], [-0.5, 1e-3]])
    np.testing.assert_array_equal(y, [[3.0], [7.0]])
    assert features == ["x1", "x2"]


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbfa;b\r\n1;2\r\n3;4\r\n",  # BOM, semicolons, Windows line ends
        b"a\tb\n1\t2\n\n3\t4\n",  # tabs and a blank line
        b" a , b \n 1 , 2 \n3,4",  # spaces around cells, no final newline
    ],
    ids=["bom-semicolon-crlf", "tabs-blank-line", "spaces-no-final-newline"],
)
def test_read_csv_dialects(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(raw)
    table = mb.read_csv(path)
    assert table.columns == ("a", "b")
    np.testing.assert_array_equal(table.values, [[1.0, 2.0], [3.0, 4.0]])


def test_split_and_select_by_name(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("y1,x,y2\n1,2,3\n")
    table = mb.read_csv(path)
    X, y, features = table.split(["y2", "y1"])
    np.testing.assert_array_equal(y, [[3.0, 1.0]])
    np.testing.assert_array_equal(X, [[2.0]])
    assert features == ["x"]
    np.testing.assert_array_equal(table.select(["x", "y1"]), [[2.0, 1.0]])
    with pytest.raises(mb.ConfigError, match="--target column 'z' is not in the CSV header"):
        table.split(["z"])
    with pytest.raises(mb.DataError, match="lacks column 'z'"):
        table.select(["z"])


def test_read_csv_reports_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n3,oops\n")
    with pytest.raises(mb.DataError, match=r"line 3, column 'b': 'oops' is not a number"):
        mb.read_csv(path)
