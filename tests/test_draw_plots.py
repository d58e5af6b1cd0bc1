"""Training plots: loss curves, the learned function of 2-input nets, gradient norms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.draw import plot_function, plot_gradient_norms, plot_history, save_figure
from matbackprop.draw.figures import vanishing_gradients_history, write_figures


@pytest.fixture(scope="module")
def trained() -> tuple[mb.Network, Any, Any, mb.History]:
    X, y = mb.demo_data(64, seed=0)
    net = mb.Network([2, 2, 2, 1], bias=False, init="glorot", seed=0)
    history = net.fit(X, y, optimizer="adam", learning_rate=0.05, epochs=40, progress=False,
                      validation_split=0.25, seed=0, track_gradients=True)  # fmt: skip
    return net, X, y, history


def test_loss_curve_draws_training_and_validation(trained: Any) -> None:
    _, _, _, history = trained
    fig = plot_history(history)
    ax = fig.axes[0]
    train, val = ax.get_lines()[:2]
    assert np.allclose(train.get_ydata(), history.loss)
    assert np.allclose(val.get_ydata(), history.val_loss)
    assert list(train.get_xdata()) == list(range(1, 41))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "training loss",
        "validation loss",
    ]


def test_loss_curve_marks_the_best_epoch_of_early_stopping() -> None:
    h = mb.History(loss=[1.0, 0.5, 0.6, 0.7], val_loss=[1.0, 0.4, 0.5, 0.6])
    h.stop_reason, h.best_epoch = "early_stopping", 1
    ax = plot_history(h).axes[0]
    marks = [line for line in ax.get_lines() if line.get_label() == "best epoch"]
    assert len(marks) == 1
    assert list(marks[0].get_xdata()) == [2, 2]


def test_gradient_norms_draw_one_curve_per_layer(trained: Any) -> None:
    _, _, _, history = trained
    ax = plot_gradient_norms(history).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3
    for k, line in enumerate(lines):
        assert np.allclose(line.get_ydata(), [g[k] for g in history.grad_norms])
    assert ax.get_yscale() == "log"


def test_deep_sigmoid_gradients_vanish_towards_the_input() -> None:
    """The textbook's point: each sigmoid layer multiplies d by f' <= 1/4."""
    X, y = mb.demo_data(64, seed=0)
    first = np.array(vanishing_gradients_history(X, y, epochs=1).grad_norms[0])  # (8,)
    assert np.all(np.diff(first) > 0)  # smaller at every step towards W_1
    assert first[-1] / first[0] > 1e3


@pytest.mark.parametrize(
    ("output", "loss"),
    [("identity", "mse"), ("sigmoid", "logloss"), ("softmax", "cross_entropy")],
    ids=["regression-contour", "binary-decision", "softmax-regions"],
)
def test_learned_function_of_a_two_input_net(output: str, loss: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))  # (60, 2)
    n_out = 3 if output == "softmax" else 1
    if output == "softmax":
        y: Any = rng.integers(0, 3, size=60)
    elif output == "sigmoid":
        y = (X[:, 0] * X[:, 1] > 0).astype(float)
    else:
        y = np.sin(X[:, :1])
    net = mb.Network([2, 5, n_out], activation="tanh", output_activation=output, seed=0)
    net.fit(X, y, loss=loss, optimizer="adam", learning_rate=0.05, epochs=10, progress=False)
    fig = plot_function(net, X, y, resolution=40)
    ax = fig.axes[0]
    points = ax.collections[-1].get_offsets()
    assert np.allclose(points, X)  # every data point on top of the function
    assert ax.get_xlabel() == "$x_1$"
    out = save_figure(fig, tmp_path / "f.png")
    assert out.stat().st_size > 5000


def test_demo_figure_set_is_written(trained: Any, tmp_path: Path) -> None:
    net, X, y, history = trained
    paths = write_figures(tmp_path / "figs", net, X, y, history)
    names = [p.name for p in paths]
    assert names == [
        "network.png", "forward.png", "backward.png", "loss.png", "learned_function.png",
        "gradient_norms.png", "vanishing_gradients.png",
    ]  # fmt: skip
    assert all(p.stat().st_size > 5000 for p in paths)


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda h, net, X, y: plot_history(mb.History()), mb.DataError, "at least one epoch"),
        (lambda h, net, X, y: plot_history([1.0, 0.5]), mb.ConfigError, "History"),
        (
            lambda h, net, X, y: plot_gradient_norms(mb.History(loss=[1.0])),
            mb.DataError,
            "track_gradients=True",
        ),
        (
            lambda h, net, X, y: plot_function(mb.Network([3, 1]), np.ones((4, 3)), np.ones(4)),
            mb.ConfigError,
            "2 inputs",
        ),
        (lambda h, net, X, y: plot_function(net, X, y[:5]), mb.DataError, "rows like X"),
        (lambda h, net, X, y: plot_function(net, X, y, resolution=3), mb.ConfigError, "resolution"),
        (lambda h, net, X, y: plot_function(net, X, y, output=1), mb.ConfigError, "output"),
        (lambda h, net, X, y: save_figure(plot_history(h), "loss.gif"), mb.ConfigError, "loss.gif"),
    ],
    ids=[
        "empty-history", "not-a-history", "no-grad-norms", "three-inputs", "short-y",
        "resolution", "output-index", "gif",
    ],
)  # fmt: skip
def test_bad_input_names_the_problem(trained: Any, call: Any, error: type, fragment: str) -> None:
    net, X, y, history = trained
    with pytest.raises(error, match=None) as info:
        call(history, net, X, y)
    assert fragment in str(info.value)
