"""The chapter's open question (problem 08): update each layer as soon as its gradient is
known, in the middle of the backward pass, or all layers after it?

Run:  python examples/layerwise_experiment.py                 # the full grid, a few minutes
      python examples/layerwise_experiment.py --plots docs/_static   # and the two figures
      python examples/layerwise_experiment.py --quick         # a small grid, seconds

Both modes (``fit(update="after")``, the default, and ``fit(update="layerwise")``) train
the same networks from the same initial weights with full-batch gradient descent (plain
SGD), on four problems: Masha's 2-2-2-1 sigmoid network on ``mb.demo_data``, XOR, the
diabetes regression set and the iris classification set bundled with scikit-learn. For
every problem, learning rate and seed it records the training loss after every step.

It prints one Markdown table (one row per problem and learning rate: the median final loss
of each mode over the seeds, their quartiles, how many runs diverged, and in how many seeds
the layer-wise run ended lower), and with ``--plots DIR`` writes ``layerwise_loss.png``
(loss against steps, median and quartile band per mode) and ``layerwise_lr.png`` (final
loss against the learning rate) there. Nothing is written without ``--plots``.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import matbackprop as mb

Array = np.ndarray[Any, Any]
MODES = ("after", "layerwise")
BLOWN_UP = 10.0  # a final loss above 10 × the first one counts as diverged
RATES = [0.01, 0.03, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]


@dataclass(frozen=True)
class Problem:
    """A network and its data: ``sizes`` and ``network`` are ``mb.Network``'s arguments."""

    name: str
    title: str
    X: Array
    y: Array
    sizes: tuple[int, ...]
    network: dict[str, Any]
    loss: str


def problems() -> list[Problem]:
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.preprocessing import StandardScaler

    X_m, y_m = mb.demo_data(n=256)
    X_x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y_x = np.array([0.0, 1.0, 1.0, 0.0])
    diabetes = load_diabetes()
    X_d = StandardScaler().fit_transform(diabetes.data)
    y_d = StandardScaler().fit_transform(diabetes.target.reshape(-1, 1))
    iris = load_iris()
    X_i = StandardScaler().fit_transform(iris.data)
    return [
        Problem("masha", "Masha's 2-2-2-1 sigmoid, MSE (demo_data, 256 rows)", X_m, y_m,
                (2, 2, 2, 1), {"activation": "sigmoid", "bias": False}, "mse"),
        Problem("xor", "XOR, 2-3-1 tanh, sigmoid + log-loss (4 rows)", X_x, y_x,
                (2, 3, 1), {"activation": "tanh", "output_activation": "sigmoid"}, "logloss"),
        Problem("diabetes", "diabetes, 10-16-16-1 tanh, MSE (442 rows, scaled)", X_d, y_d,
                (10, 16, 16, 1), {"activation": "tanh"}, "mse"),
        Problem("iris", "iris, 4-16-16-3 tanh, softmax + cross-entropy (150 rows)", X_i,
                iris.target, (4, 16, 16, 3),
                {"activation": "tanh", "output_activation": "softmax"}, "cross_entropy"),
    ]  # fmt: skip


def run(problem: Problem, mode: str, eta: float, seed: int, steps: int) -> tuple[Array, Array]:
    """The training loss before each of ``steps`` steps and after the last, (steps + 1,),
    and the Frobenius norms ‖W_k‖ of the final weights, (L,) (NaN when the run diverged).

    A run diverged when ``fit`` stopped it (a non-finite loss or weight: ``inf`` from that
    step on) or when its final loss is more than ``BLOWN_UP`` times its first one (its
    final entry is then ``inf`` too): a loss of 1e+80 has diverged as surely as an overflow.
    """
    net = mb.Network(problem.sizes, seed=seed, **problem.network)
    curve = np.full(steps + 1, np.inf)
    lost = np.full(net.n_layers, np.nan)
    try:
        history = net.fit(problem.X, problem.y, loss=problem.loss, learning_rate=eta,
                          epochs=steps, update=mode, progress=False)  # fmt: skip
    except mb.TrainingDivergedError as exc:
        done = exc.history.loss  # type: ignore[attr-defined]
        curve[: len(done)] = done
        return curve, lost
    curve[:steps] = history.loss
    final = net.loss(problem.X, problem.y, problem.loss)
    if not (math.isfinite(final) and final <= BLOWN_UP * curve[0]):
        return curve, lost  # the final entry stays inf
    curve[steps] = final
    return curve, np.array([np.linalg.norm(W) for W in net.weights])


def quartiles(values: Array, axis: int = 0) -> Array:
    """25th, 50th and 75th percentiles; a diverged run (inf) counts as the largest value."""
    return np.quantile(values, [0.25, 0.5, 0.75], axis=axis, method="nearest")


def fmt(x: float) -> str:
    return "diverged" if not math.isfinite(x) else f"{x:.3g}"


def table(results: dict[tuple[str, str, float], Array], plist: list[Problem],
          rates: list[float]) -> str:  # fmt: skip
    lines = [
        "| problem | η | after: median [q1, q3] | layer-wise: median [q1, q3] | diverged "
        "(after / layer-wise) | layer-wise lower |",
        "|---|---|---|---|---|---|",
    ]
    for p in plist:
        for eta in rates:
            a, w = results[p.name, "after", eta][:, -1], results[p.name, "layerwise", eta][:, -1]
            qa, qw = quartiles(a), quartiles(w)
            both = np.isfinite(a) | np.isfinite(w)
            wins = int(np.sum((w < a) & both))
            lines.append(
                f"| {p.name} | {eta:g} | {fmt(qa[1])} [{fmt(qa[0])}, {fmt(qa[2])}] | "
                f"{fmt(qw[1])} [{fmt(qw[0])}, {fmt(qw[2])}] | "
                f"{int(np.sum(~np.isfinite(a)))} / {int(np.sum(~np.isfinite(w)))} | "
                f"{wins} of {a.size} |"
            )
    return "\n".join(lines)


def norms_table(results: dict[tuple[str, str, float], Array],
                norms: dict[tuple[str, str, float], Array], plist: list[Problem],
                rates: list[float]) -> str:  # fmt: skip
    """The median ‖W_k‖ after training, per mode, at η = 0.1 and at the usual mode's best η
    (over the runs of that mode that did not diverge)."""
    small = min(rates, key=lambda eta: abs(math.log(eta / 0.1)))
    lines = [
        "| problem | η | ‖W_1‖, …, ‖W_L‖ after | ‖W_1‖, …, ‖W_L‖ layer-wise |",
        "|---|---|---|---|",
    ]
    for p in plist:
        for eta in sorted({small, best_rate(results, p.name, rates)}):
            cells = []
            for mode in MODES:
                ok = ~np.isnan(norms[p.name, mode, eta][:, 0])
                if not ok.any():
                    cells.append("all diverged")
                    continue
                median = np.median(norms[p.name, mode, eta][ok], axis=0)
                cells.append(", ".join(f"{v:.3g}" for v in median)
                             + ("" if ok.all() else f" ({int(ok.sum())} runs)"))  # fmt: skip
            lines.append(f"| {p.name} | {eta:g} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def best_rate(results: dict[tuple[str, str, float], Array], name: str,
              rates: list[float]) -> float:  # fmt: skip
    """The learning rate with the lowest median final loss of the usual mode: the one a
    user of plain gradient descent would pick, where the loss figure compares the modes."""
    medians = [quartiles(results[name, "after", eta][:, -1])[1] for eta in rates]
    return rates[int(np.argmin(medians))]


def plots(results: dict[tuple[str, str, float], Array], plist: list[Problem],
          rates: list[float], out: Path) -> list[Path]:  # fmt: skip
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    colors = {"after": "tab:blue", "layerwise": "tab:orange"}
    labels = {"after": "after the backward pass", "layerwise": "layer-wise"}
    written = []

    # loss against steps: a small rate (0.1, or the nearest in the grid) on top, the usual
    # mode's best rate below
    small = min(rates, key=lambda eta: abs(math.log(eta / 0.1)))
    fig, axes = plt.subplots(2, len(plist), figsize=(4.2 * len(plist), 7.5),
                             constrained_layout=True, squeeze=False)  # fmt: skip
    for col, p in enumerate(plist):
        for row, eta in enumerate((small, best_rate(results, p.name, rates))):
            ax = axes[row, col]
            start = float(np.median(results[p.name, "after", eta][:, 0]))
            top, low = 2 * start, start
            for mode in MODES:
                curves = results[p.name, mode, eta]
                # values far above the frame are drawn at its edge (a diverging run leaves it)
                q = np.minimum(quartiles(curves), 10 * top)
                steps = np.arange(curves.shape[1])
                lost = int(np.sum(~np.isfinite(curves[:, -1])))
                note = f", {lost} of {curves.shape[0]} diverged" if lost else ""
                ax.plot(steps, q[1], color=colors[mode], label=f"{labels[mode]}{note}")
                ax.fill_between(steps, q[0], q[2], color=colors[mode], alpha=0.25, linewidth=0)
                low = min(low, float(q[0].min()))
            ax.set_yscale("log")
            ax.set_ylim(0.7 * low, top)
            best = ", the best η of the usual mode" if row == 1 else ""
            ax.set_title(f"{p.title}\nη = {eta:g}{best}", fontsize=8)
            ax.set_xlabel("step")
            ax.set_ylabel("training loss")
            ax.legend(fontsize=7)
    fig.suptitle("Training loss against steps, full-batch SGD: median (line) and quartiles "
                 "(band) over the seeds", fontsize=11)  # fmt: skip
    path = out / "layerwise_loss.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    for ax, p in zip(axes.flat, plist):
        finals = {
            mode: np.stack([results[p.name, mode, eta][:, -1] for eta in rates], axis=1)
            for mode in MODES
        }
        finite = np.concatenate([f[np.isfinite(f)] for f in finals.values()])
        top = float(finite.max()) if finite.size else 1.0
        for k, mode in enumerate(MODES):
            q = quartiles(finals[mode])
            ok = np.isfinite(q[1])
            ax.plot(np.array(rates)[ok], q[1][ok], "o-", color=colors[mode],
                    label=f"{labels[mode]} (median)")  # fmt: skip
            band = np.isfinite(q[0]) & np.isfinite(q[2])
            ax.fill_between(rates, q[0], q[2], where=band, color=colors[mode], alpha=0.2,
                            linewidth=0)  # fmt: skip
            # the share of seeds that diverged, marked above the curves
            lost = np.mean(~np.isfinite(finals[mode]), axis=0)
            y_mark = top * (3 if k == 0 else 8)
            for eta, f in zip(rates, lost):
                if f > 0:
                    ax.plot([eta], [y_mark], "x", color=colors[mode])
                    ax.annotate(f"{f:.0%}", (eta, y_mark), fontsize=7, color=colors[mode],
                                textcoords="offset points", xytext=(4, 2))  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(p.title, fontsize=9)
        ax.set_xlabel("learning rate η")
        ax.set_ylabel("final training loss")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(
        "Final loss after the steps against the learning rate: median and quartiles over the "
        "seeds; × the share of seeds that diverged",
        fontsize=10,
    )
    path = out / "layerwise_lr.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> dict[tuple[str, str, float], Array]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 3 rates, 20 steps")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--plots", type=Path, default=None, help="folder for the two PNGs")
    args = parser.parse_args(argv)
    rates = RATES
    seeds, steps = args.seeds, args.steps
    if args.quick:
        rates, seeds, steps = [0.1, 1.0, 10.0], 2, 20
    plist = problems()
    results: dict[tuple[str, str, float], Array] = {}
    norms: dict[tuple[str, str, float], Array] = {}
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        for p in plist:
            for mode in MODES:
                for eta in rates:
                    runs = [run(p, mode, eta, seed, steps) for seed in range(seeds)]
                    results[p.name, mode, eta] = np.stack([curve for curve, _ in runs])
                    norms[p.name, mode, eta] = np.stack([size for _, size in runs])
    print(f"{len(plist)} problems × {len(MODES)} modes × {len(rates)} learning rates × "
          f"{seeds} seeds, {steps} full-batch SGD steps each "
          f"({time.perf_counter() - start:.0f} s)\n")  # fmt: skip
    print(table(results, plist, rates))
    print("\nThe size of the trained weights (median over the seeds that did not diverge):\n")
    print(norms_table(results, norms, plist, rates))
    if args.plots is not None:
        for path in plots(results, plist, rates, args.plots):
            print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
