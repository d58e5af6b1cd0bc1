"""The four workloads of issue 5, their data, and the smaller ``--quick`` variants.

Every tool trains the same network on the same rows in the same order (no shuffling), so
that the only difference between two timings is the tool.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Workload:
    """One benchmark case. A *chunk* is the unit that is timed once per repeat."""

    key: str  # "A".."D"
    title: str
    layer_sizes: tuple[int, ...]  # [n_0, ..., n_L]
    activation: str  # hidden activation: sigmoid | tanh | relu
    output: str  # identity (MSE) | softmax (cross-entropy)
    bias: bool
    n: int  # rows
    batch: int  # rows per step; == n for full-batch gradient descent
    total_steps: int  # the whole workload, as issue 5 states it
    chunk_steps: int  # steps timed per repeat: the whole workload, but for D
    learning_rate: float

    @property
    def loss(self) -> str:
        return "cross_entropy" if self.output == "softmax" else "mse"

    @property
    def n_weights(self) -> int:
        """Entries of every ``W_k`` (biases not counted), for the 6·n·weights FLOP count."""
        s = self.layer_sizes
        return sum(a * b for a, b in itertools.pairwise(s))

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n // self.batch)

    def describe(self) -> str:
        sizes = "-".join(map(str, self.layer_sizes))
        batch = "full batch" if self.batch >= self.n else f"batch {self.batch}"
        return f"{self.key} {self.title}: {sizes} {self.activation}, n={self.n:,}, {batch}"


WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in (
        # chunk = the whole 2000-step run: per-call overhead is the subject here.
        Workload(
            "A", "seed", (2, 2, 2, 1), "sigmoid", "identity", False, 1000, 1000, 2000, 2000, 0.5
        ),
        Workload(
            "B", "tabular", (20, 64, 64, 1), "tanh", "identity", True, 50_000, 256, 588, 588, 0.01
        ),
        Workload(
            "C",
            "mnist-like",
            (784, 512, 512, 10),
            "relu",
            "softmax",
            True,
            20_000,
            128,
            157,
            157,
            0.01,
        ),
        # 20 steps of ~2 s each would take minutes per tool: one step per repeat instead.
        Workload(
            "D", "wide", (256, 2048, 2048, 1), "relu", "identity", True, 8192, 8192, 20, 1, 1e-4
        ),
    )
}

QUICK: dict[str, Workload] = {
    "A": replace(WORKLOADS["A"], n=100, batch=100, total_steps=50, chunk_steps=50),
    "B": replace(WORKLOADS["B"], layer_sizes=(20, 16, 16, 1), n=1024, total_steps=4, chunk_steps=4),
    "C": replace(WORKLOADS["C"], layer_sizes=(64, 32, 32, 10), n=512, total_steps=4, chunk_steps=4),
    "D": replace(WORKLOADS["D"], layer_sizes=(32, 128, 128, 1), n=512, batch=512),
}


def get_workload(key: str, quick: bool) -> Workload:
    return (QUICK if quick else WORKLOADS)[key]


def make_data(w: Workload, dtype: type[np.floating]) -> tuple[Array, Array]:
    """``(X, y)``: ``X`` (n, n_0); ``y`` (n, n_L) targets, or one-hot rows for softmax."""
    rng = np.random.default_rng(2024)
    n, n_0, n_L = w.n, w.layer_sizes[0], w.layer_sizes[-1]
    if w.output == "softmax":
        X = rng.random((n, n_0))  # pixel-like values in [0, 1)
        labels = rng.integers(0, n_L, n)
        y = np.eye(n_L)[labels]
    else:
        X = rng.standard_normal((n, n_0))
        # A smooth target of a few inputs, so that training does not diverge or stall.
        y = np.tanh(X[:, :1] + 0.5 * X[:, -1:]) * np.ones((1, n_L))
    return np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(y, dtype=dtype)


def batches(w: Workload) -> list[tuple[int, int]]:
    """``(start, stop)`` of each step of one epoch, the last batch possibly shorter."""
    return [(s, min(s + w.batch, w.n)) for s in range(0, w.n, w.batch)]
