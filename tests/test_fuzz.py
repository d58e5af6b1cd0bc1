"""Property-based tests (Hypothesis).

* Arbitrary small networks and data: ``forward`` and ``backward`` give every array the
  shape of the seed's notation, and the gradients are finite for inputs in the documented
  range (|x| ≤ 10, default initialisation; see docs/reliability.md).
* The CSV reader and the model and checkpoint loaders, fed arbitrary bytes: they load,
  or raise the project's error, and never fail in any other way.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import matbackprop as mb
from matbackprop.checkpoint import load_checkpoint
from matbackprop.data import read_table
from matbackprop.errors import MatbackpropError

HIDDEN = [name for name, f in mb.ACTIVATIONS.items() if f.elementwise]
LOSS_FOR_OUTPUT = {"identity": "mse", "sigmoid": "logloss", "softmax": "cross_entropy"}
X_RANGE = 10.0  # the documented range of inputs for which gradients stay finite

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn) -> tuple[mb.Network, np.ndarray[Any, Any], Any, str]:
    """A random small network, data for it, and the loss that fits its output."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=5))
    output = draw(st.sampled_from(list(LOSS_FOR_OUTPUT)))
    if output == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    net = mb.Network(
        sizes,
        activation=draw(
            st.lists(st.sampled_from(HIDDEN), min_size=len(sizes) - 2, max_size=len(sizes) - 2)
        ),
        output_activation=output,
        bias=draw(st.booleans()),
        init=draw(st.sampled_from(["auto", "glorot", "he", "normal", "uniform"])),
        seed=draw(st.integers(0, 2**16)),
        dtype=draw(st.sampled_from([np.float64, np.float32])),
    )
    n = draw(st.integers(1, 6))
    elements = st.floats(-X_RANGE, X_RANGE, allow_nan=False, width=32)
    X = draw(arrays(np.float64, (n, sizes[0]), elements=elements))
    loss = LOSS_FOR_OUTPUT[output]
    if loss == "mse":
        y: Any = draw(arrays(np.float64, (n, sizes[-1]), elements=elements))
    elif loss == "logloss":
        y = draw(arrays(np.float64, (n, sizes[-1]), elements=st.sampled_from([0.0, 1.0])))
    else:
        y = draw(arrays(np.int64, (n,), elements=st.integers(0, sizes[-1] - 1)))
    return net, X, y, loss


@FAST
@given(problems())
def test_forward_and_backward_shapes_match_the_seed(problem: Any) -> None:
    net, X, _, _ = problem
    n, sizes = X.shape[0], net.layer_sizes
    cache = net.forward(X)
    assert cache.H[0] is None
    assert cache.O[0].shape == (n, sizes[0])
    for k in range(1, net.n_layers + 1):
        assert cache.H[k].shape == cache.O[k].shape == (n, sizes[k])  # type: ignore[union-attr]
    g = np.ones_like(cache.y_hat) / n  # (n, n_L)
    grads = net.backward(cache, g)
    assert [w.shape for w in grads.weights] == [w.shape for w in net.weights]
    assert [b.shape for b in grads.biases] == [b.shape for b in net.biases]
    assert grads.d[0] is None
    assert [d.shape for d in grads.d[1:]] == [(n, s) for s in sizes[1:]]  # type: ignore[union-attr]
    assert all(p.dtype == net.dtype for p in grads.parameters())


@FAST
@given(problems())
def test_gradients_are_finite_in_the_documented_range(problem: Any) -> None:
    net, X, y, loss = problem
    value, grads = net.gradients(X, y, loss)
    assert np.isfinite(value)
    for g in grads.parameters():
        assert np.all(np.isfinite(g))


CSV_ALPHABET = st.sampled_from(list("x1y,;\t\n\r \"'.-+e0123456789nai\ufeff\x00é"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(CSV_ALPHABET, max_size=120).map(str.encode)))
@example(b'"\n')  # found by this test: a quoted blank once crashed with IndexError
@example(b"a\n" + b"1" * 200_000 + b"\n")  # over the csv module's field limit
def test_read_table_loads_or_raises_the_projects_error(raw: bytes) -> None:
    try:
        table = read_table(raw)
    except MatbackpropError:
        return
    assert table.values.shape == (table.values.shape[0], len(table.columns))
    assert table.values.shape[0] >= 1
    assert np.all(np.isfinite(table.values))


def _valid_model_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.npz"
        mb.Network([2, 3, 1], seed=0).save(path)
        return path.read_bytes()


def _valid_checkpoint_bytes() -> bytes:
    X, y = mb.demo_data(8, seed=0)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.ckpt"
        mb.Network([2, 2, 1], seed=0).fit(X, y, epochs=1, progress=False, checkpoint=path)
        return path.read_bytes()


MODEL = _valid_model_bytes()
CHECKPOINT = _valid_checkpoint_bytes()


@st.composite
def damaged(draw: st.DrawFn, good: bytes) -> bytes:
    """``good`` with a few bytes changed, and perhaps cut short."""
    raw = bytearray(good)
    for _ in range(draw(st.integers(1, 8))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw[: draw(st.integers(0, len(raw)))]) if draw(st.booleans()) else bytes(raw)


def _load_or_refuse(raw: bytes, load: Any) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "file.npz"
        path.write_bytes(raw)
        with contextlib.suppress(MatbackpropError):  # anything else fails the test
            load(path)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=400), damaged(MODEL)))
def test_the_model_loader_loads_or_raises_the_projects_error(raw: bytes) -> None:
    _load_or_refuse(raw, mb.Network.load)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=400), damaged(CHECKPOINT)))
def test_the_checkpoint_loader_loads_or_raises_the_projects_error(raw: bytes) -> None:
    _load_or_refuse(raw, load_checkpoint)
