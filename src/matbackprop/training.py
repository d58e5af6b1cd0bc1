"""The training loop: batches, epochs, validation, early stopping, progress and Ctrl-C.

The math (forward, backward, the update rule) lives in :mod:`network` and
:mod:`optimizers`; this module only decides which rows go into each step and when to stop.
"""

from __future__ import annotations

import csv
import io
import math
import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import _checks
from .errors import ConfigError, TrainingDivergedError
from .losses import Loss, get_loss
from .optimizers import Optimizer, get_optimizer

if TYPE_CHECKING:
    import os

    from .network import Network

__all__ = ["History", "SymmetryWarning", "fit"]

Array = NDArray[np.floating]


class SymmetryWarning(UserWarning):
    """The neurons of a layer start identical, so gradient descent keeps them identical."""


@dataclass
class History:
    """What happened in :func:`fit`, one entry per completed epoch.

    ``loss[e]`` is the mean training loss over the batches of epoch ``e`` (each measured
    just before its step, weighted by batch size); for full-batch training that is the
    loss before the epoch's one step. ``val_loss[e]`` is measured after the epoch.
    ``grad_norms[e][k-1]`` is ‖∂L/∂W_k‖ (Frobenius) averaged over the epoch's batches,
    recorded when ``track_gradients=True``.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    grad_norms: list[list[float]] = field(default_factory=list)
    stop_reason: str = "completed"  # completed | early_stopping | interrupted | diverged
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def to_dict(self) -> dict[str, Any]:
        return {
            "loss": list(self.loss),
            "val_loss": list(self.val_loss),
            "grad_norms": [list(g) for g in self.grad_norms],
            "stop_reason": self.stop_reason,
            "best_epoch": self.best_epoch,
        }

    def to_csv_text(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        n_layers = len(self.grad_norms[0]) if self.grad_norms else 0
        header = ["epoch", "loss"] + (["val_loss"] if self.val_loss else [])
        header += [f"grad_norm_W{k}" for k in range(1, n_layers + 1)]
        writer.writerow(header)
        for e, value in enumerate(self.loss):
            row: list[Any] = [e + 1, repr(value)]
            if self.val_loss:
                row.append(repr(self.val_loss[e]))
            if self.grad_norms:
                row += [repr(g) for g in self.grad_norms[e]]
            writer.writerow(row)
        return buf.getvalue()

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write one row per epoch, atomically (a crash leaves the old file or the new one)."""
        from .persistence import atomic_write_bytes

        atomic_write_bytes(path, self.to_csv_text().encode())


def fit(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | Loss = "mse",
    optimizer: str | Optimizer = "sgd",
    learning_rate: float = 0.01,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    validation_data: tuple[Any, Any] | None = None,
    validation_split: float = 0.0,
    early_stopping: bool = False,
    patience: int = 10,
    min_delta: float = 0.0,
    progress: bool = True,
    track_gradients: bool = False,
) -> History:
    """Train ``net`` in place by backpropagation and return a :class:`History`.

    Args:
        loss: ``"mse"``, ``"logloss"``, ``"cross_entropy"`` or a :class:`~matbackprop.Loss`.
        optimizer: ``"gd"``/``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"`` or an
            :class:`~matbackprop.optimizers.Optimizer`.
        learning_rate: η > 0.
        epochs: passes over the training rows.
        batch_size: rows per step; ``None`` (or anything ≥ n) is full-batch gradient descent.
        shuffle: reshuffle the rows every epoch (mini-batch only), from ``seed``.
        seed: an ``int`` or ``Generator`` for shuffling and the validation split.
        validation_data: ``(X_val, y_val)``; or ``validation_split``, a fraction of the
            rows held out at random.
        early_stopping: stop after ``patience`` epochs without an improvement larger than
            ``min_delta`` in the validation loss (the training loss without validation),
            and restore the best weights.
        progress: show a progress bar on stderr.
        track_gradients: record per-layer gradient norms in ``History.grad_norms``.

    A non-finite loss or weight stops training, restores the last finite weights (those at
    the end of the last good epoch) and raises :class:`TrainingDivergedError`. Ctrl-C stops
    at the end of the current step and returns with ``stop_reason == "interrupted"``.

    Shapes: ``X``: (n, n_0); ``y``: (n, n_L), or (n,) for one output or class labels.
    """
    loss_fn = get_loss(loss)
    opt = get_optimizer(optimizer)
    eta = _checks.learning_rate(learning_rate)
    n_epochs = int(_checks.positive_int(epochs, "epochs") or 0)
    batch = _checks.positive_int(batch_size, "batch_size", allow_none=True)
    patience_ = int(_checks.positive_int(patience, "patience") or 0)
    min_delta_ = _checks.finite_float(min_delta, "min_delta")
    split = _checks.fraction(validation_split, "validation_split")
    if validation_data is not None and split:
        raise ConfigError("give validation_data or validation_split, not both")
    rng = _checks.rng(seed)

    X_, y_ = net.check_data(X, y, loss_fn)
    Xv: Array | None = None
    yv: Array | None = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ConfigError("validation_data must be a pair (X_val, y_val)")
        Xv, yv = net.check_data(*validation_data, loss_fn)
    elif split:
        n_val = round(split * X_.shape[0])
        if n_val < 1 or n_val >= X_.shape[0]:
            raise ConfigError(
                f"validation_split={split} leaves {n_val} validation row(s) of "
                f"{X_.shape[0]}; it must leave at least one row on each side"
            )
        order = rng.permutation(X_.shape[0])
        Xv, yv = X_[order[-n_val:]], y_[order[-n_val:]]
        X_, y_ = X_[order[:-n_val]], y_[order[:-n_val]]

    _warn_if_symmetric(net)
    n = X_.shape[0]
    if batch is None or batch >= n:
        batch = n  # full batch
    params = net.parameters()
    state = opt.init_state(params)
    history = History()
    last_good = [p.copy() for p in params]
    best: tuple[float, list[Array]] | None = None
    bad_epochs = 0

    from tqdm.auto import tqdm

    bar = tqdm(total=n_epochs, disable=not progress, unit="epoch", leave=False, dynamic_ncols=True)
    with bar, _sigint_stops() as interrupted:
        for epoch in range(n_epochs):
            perm = rng.permutation(n) if shuffle and batch < n else None
            total, norms = 0.0, np.zeros(net.n_layers)
            for start in range(0, n, batch):
                if perm is None:
                    Xb, yb = X_[start : start + batch], y_[start : start + batch]
                else:
                    rows = perm[start : start + batch]
                    Xb, yb = X_[rows], y_[rows]
                value, grads = net._value_and_gradients(Xb, yb, loss_fn)
                if not math.isfinite(value):
                    _restore(params, last_good)
                    history.stop_reason = "diverged"
                    raise TrainingDivergedError(_diverged_message(epoch, value, eta), history)
                if track_gradients:
                    norms += [float(np.linalg.norm(g)) for g in grads.weights]
                opt.update(params, grads.parameters(), state, eta)
                total += value * Xb.shape[0]
                if interrupted():
                    break
            if interrupted():
                history.stop_reason = "interrupted"
                break  # a partial epoch is not recorded
            if not all(np.all(np.isfinite(p)) for p in params):
                _restore(params, last_good)
                history.stop_reason = "diverged"
                raise TrainingDivergedError(_diverged_message(epoch, math.inf, eta), history)
            history.loss.append(total / n)
            if track_gradients:
                history.grad_norms.append(list(norms / math.ceil(n / batch)))
            if Xv is not None and yv is not None:
                history.val_loss.append(loss_fn.value(net._forward(Xv).y_hat, yv))
            for p, keep in zip(params, last_good):
                np.copyto(keep, p)

            monitored = history.val_loss[-1] if history.val_loss else history.loss[-1]
            if best is None or monitored < best[0] - min_delta_:
                best, bad_epochs = (monitored, [p.copy() for p in params]), 0
                history.best_epoch = epoch + 1
            else:
                bad_epochs += 1
            postfix = {"loss": f"{history.loss[-1]:.4g}"}
            if history.val_loss:
                postfix["val"] = f"{history.val_loss[-1]:.4g}"
            bar.set_postfix(postfix, refresh=False)
            bar.update(1)
            if early_stopping and bad_epochs >= patience_:
                history.stop_reason = "early_stopping"
                break
    if early_stopping and best is not None:
        _restore(params, best[1])  # keep the best weights seen, not the last
    net.training_info = {
        "loss": loss_fn.to_config(),
        "optimizer": opt.to_config(),
        "learning_rate": eta,
        "epochs": history.epochs,
        "batch_size": None if batch == n else batch,
        "stop_reason": history.stop_reason,
    }
    return history


def _restore(params: list[Array], saved: list[Array]) -> None:
    for p, s in zip(params, saved):
        np.copyto(p, s)


def _diverged_message(epoch: int, value: float, eta: float) -> str:
    return (
        f"training diverged in epoch {epoch + 1}: the loss became {value} "
        f"(learning_rate={eta:g}); try a smaller learning rate. The last finite weights "
        "were kept."
    )


def _warn_if_symmetric(net: Network) -> None:
    """Warn when some hidden layer starts with identical neurons (e.g. constant init)."""
    for k, W_k in enumerate(net.weights[:-1], start=1):
        if W_k.shape[1] < 2:
            continue
        same_w = bool(np.all(W_k == W_k[:, :1]))
        same_b = not net.bias or bool(np.all(net.biases[k - 1] == net.biases[k - 1][0]))
        if same_w and same_b:
            warnings.warn(
                f"every neuron in hidden layer {k} starts identical (init={net.init!r}), so "
                "gradient descent will keep them identical; use a random init to break the "
                "symmetry",
                SymmetryWarning,
                stacklevel=3,
            )
            return


@contextmanager
def _sigint_stops() -> Iterator[Any]:
    """Turn the first Ctrl-C into a flag checked between steps; a second one interrupts."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag.is_set
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: Any) -> None:
        flag.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag.is_set
    finally:
        signal.signal(signal.SIGINT, previous)
