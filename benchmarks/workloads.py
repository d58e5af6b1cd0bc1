"""The four workloads of issue 5, their data, and the smaller ``--quick`` variants.

Every tool trains the same network on the same rows with the same optimizer, so that the
only difference between two timings is the tool. Each workload runs with plain SGD and with
Adam (issue 15: :data:`ADAM`, each tool with its own Adam), and B and C, the mini-batch
workloads, both with the rows in order and shuffled (a new permutation each epoch, drawn
by each tool's own generator, as ``fit`` does by default).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

OPTIMIZERS = ("sgd", "adam")
ORDERS = ("shuffled", "in-order")
# Adam's settings for every tool: torch.optim.Adam's, optax.adam's and scikit-learn's defaults
ADAM = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


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
    learning_rate: float  # plain SGD's; Adam's is ADAM["learning_rate"]
    optimizer: str = "sgd"  # sgd | adam
    shuffle: bool = False  # a new permutation of the rows each epoch (mini-batches only)

    @property
    def loss(self) -> str:
        return "cross_entropy" if self.output == "softmax" else "mse"

    @property
    def n_weights(self) -> int:
        """Entries of every ``W_k`` (biases not counted), for the 6·n·weights FLOP count."""
        s = self.layer_sizes
        return sum(a * b for a, b in itertools.pairwise(s))

    @property
    def step_flops(self) -> float:
        """A step's FLOPs as the matmul peak is compared with them: 6·rows·weights (three
        products per layer, each 2·rows·n_{k-1}·n_k; biases and element-wise passes not
        counted)."""
        return 6.0 * min(self.batch, self.n) * self.n_weights

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n // self.batch)

    @property
    def full_batch(self) -> bool:
        return self.batch >= self.n

    @property
    def order(self) -> str:
        """``"shuffled"``, ``"in-order"``, or ``"full batch"`` (where order does not matter)."""
        return "full batch" if self.full_batch else ("shuffled" if self.shuffle else "in-order")

    @property
    def cell(self) -> str:
        """The cell's name in the summary: ``"B adam shuffled"``, ``"A sgd"``."""
        tail = "" if self.full_batch else f" {self.order}"
        return f"{self.key} {self.optimizer}{tail}"

    def describe(self) -> str:
        sizes = "-".join(map(str, self.layer_sizes))
        batch = "full batch" if self.full_batch else f"batch {self.batch}, {self.order}"
        opt = (
            f"Adam (lr {self.learning_rate:g}, betas {ADAM['beta1']}/{ADAM['beta2']}, "
            f"eps {ADAM['epsilon']:g})"
            if self.optimizer == "adam"
            else f"SGD (lr {self.learning_rate:g})"
        )
        return f"{self.key} {self.title}: {sizes} {self.activation}, n={self.n:,}, {batch}, {opt}"


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


def get_workload(
    key: str, quick: bool, optimizer: str = "sgd", order: str = "in-order"
) -> Workload:
    """Workload ``key`` trained by ``optimizer`` (``"sgd"``, ``"adam"``) with its rows in
    ``order`` (``"shuffled"``, ``"in-order"``; a full-batch workload ignores it)."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer: expected one of {OPTIMIZERS}, got {optimizer!r}")
    if order not in ORDERS:
        raise ValueError(f"order: expected one of {ORDERS}, got {order!r}")
    w = (QUICK if quick else WORKLOADS)[key]
    lr = ADAM["learning_rate"] if optimizer == "adam" else w.learning_rate
    shuffle = order == "shuffled" and not w.full_batch
    return replace(w, optimizer=optimizer, shuffle=shuffle, learning_rate=lr)


def orders_of(key: str, orders: tuple[str, ...] | list[str]) -> list[str]:
    """The row orders that make distinct cells of workload ``key``: one for full batch."""
    return list(orders) if WORKLOADS[key].batch < WORKLOADS[key].n else [ORDERS[1]]


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


def numpy_epochs(w: Workload, X: Array, y: Array, rng: np.random.Generator) -> Iterator[Any]:
    """Endless ``(X_b, y_b)`` batches, epoch after epoch, for the NumPy-side tools: views in
    order, or, shuffled, the rows of a new ``rng.permutation`` each epoch (copies)."""
    plan = batches(w)
    while True:
        if not w.shuffle:
            for lo, hi in plan:
                yield X[lo:hi], y[lo:hi]
            continue
        perm = rng.permutation(w.n)
        for lo, hi in plan:
            idx = perm[lo:hi]
            yield X[idx], y[idx]


# -- fit's own runs: benchmarks/path_vs_reference.py and benchmarks/options_cost.py -----

#: (layers, activation, head, rows, batch): B and C sized for ``fit`` alone, shuffled
#: mini-batches as ``fit`` does by default
FitSpec = tuple[list[int], str, str, int, int]
FIT_CELLS: dict[str, FitSpec] = {
    "B": ([20, 64, 64, 1], "relu", "mse", 8192, 256),
    "C": ([784, 512, 512, 10], "relu", "cross_entropy", 4096, 128),
}
FIT_CELLS_QUICK: dict[str, FitSpec] = {"B": ([20, 16, 1], "relu", "mse", 512, 64)}


def fit_cells(
    description: str, argv: list[str] | None
) -> tuple[bool, list[tuple[str, FitSpec, str, str]]]:
    """The command line of those scripts (``--quick``, ``--optimizers``, ``--dtypes``):
    whether it is a quick run, and its cells ``(key, spec, optimizer, dtype)`` in order."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="one small workload, one repeat")
    parser.add_argument("--optimizers", default="sgd,adam")
    parser.add_argument("--dtypes", default="float64,float32")
    opts = parser.parse_args(argv)
    specs = FIT_CELLS_QUICK if opts.quick else FIT_CELLS
    cells = [
        (key, spec, optimizer, dtype)
        for key, spec in specs.items()
        for optimizer in opts.optimizers.split(",")
        for dtype in opts.dtypes.split(",")
    ]
    return opts.quick, cells
