"""The training loop: batches, epochs, validation, early stopping, progress and Ctrl-C.

The math (forward, backward, the update rule) lives in :mod:`network` and
:mod:`optimizers`; this module only decides which rows go into each step and when to stop.
The rows are chosen with a NumPy Generator whatever the array library of the data; other
libraries than NumPy get the indices with ``xp.take``, on the data's device.
"""

from __future__ import annotations

import csv
import io
import math
import os
import signal
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import _checks, _speed, _xp
from ._speed import compiled as _compiled
from .checkpoint import (
    Checkpoint,
    check_matches,
    data_fingerprint,
    load_checkpoint,
    save_checkpoint,
)
from .errors import ConfigError, ModelFileError, TrainingDivergedError
from .losses import Loss, get_loss
from .optimizers import Optimizer, OptimizerState, check_update, get_optimizer, update_selected

if TYPE_CHECKING:
    from pathlib import Path

    from .network import Network

__all__ = ["History", "LastGood", "SymmetryWarning", "fit"]

Array = NDArray[np.floating]


class SymmetryWarning(UserWarning):
    """The neurons of a layer start identical, so gradient descent keeps them identical."""


@dataclass
class History:
    """What happened in :func:`fit`, one entry per completed epoch.

    ``loss[e]`` is the training loss of epoch ``e`` over its batches, each measured just
    before its step: their mean weighted by batch size (their sum for a loss with
    ``rows="sum"``); for full-batch training that is the loss before the epoch's one step.
    ``val_loss[e]`` is measured after the epoch.
    ``grad_norms[e][k-1]`` is ‖∂L/∂W_k‖ (Frobenius) averaged over the epoch's batches,
    recorded when ``track_gradients=True``.
    ``path`` is the speed path that trained (:mod:`matbackprop._speed`) and why, as
    ``"name (reason)"``: ``"reference (MATBACKPROP_FAST=0)"``, ``"compiled_epochs (...)"``, ...;
    it is not part of :meth:`to_dict`.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    grad_norms: list[list[float]] = field(default_factory=list)
    stop_reason: str = "completed"  # completed | early_stopping | interrupted | diverged
    best_epoch: int | None = None
    # not in to_dict: runs with the same numbers may take one path for different reasons
    path: str = field(default="", compare=False)

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
    freeze: str | Sequence[str] | None = None,
    update: str = "after",
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
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = True,
) -> History:
    """Train ``net`` in place by backpropagation and return a :class:`History`.

    Args:
        loss: a name of :data:`~matbackprop.losses.LOSS_NAMES` (``"mse"``, ``"mse_half"``,
            ``"logloss"``, ``"cross_entropy"``, ...) or a :class:`~matbackprop.Loss`.
        optimizer: ``"gd"``/``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``,
            ``"rmsprop"``, ``"adagrad"`` (a new optimizer for this call), or an
            :class:`~matbackprop.optimizers.Optimizer` object, whose state (``t``,
            velocities, moments) this call continues and leaves in it for the next.
        learning_rate: η, with 0 < η ≤ 1000.
        epochs: passes over the training rows (in all, counting those of a resumed run).
        freeze: parameters left as they are: ``"b"`` (every bias), ``"W"`` (every weight) or
            names such as ``["W1", "b2"]``.
        update: ``"after"``: every layer is updated after the backward pass, from the
            gradients at the old weights; ``"layerwise"``: each ``W_k`` (and ``b_k``) is
            updated as soon as its gradient is known and ``d`` goes down through the updated
            ``W_k`` (:meth:`Network.step`, ``docs/layerwise.md``). Layer-wise steps take the
            reference path.
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
        checkpoint: a file to write the whole state of the run to, atomically, every
            ``checkpoint_every`` epochs, at the end and on Ctrl-C (see
            :mod:`matbackprop.checkpoint`).
        resume: when ``checkpoint`` exists, continue from it (the network's weights are
            replaced by the checkpoint's). It must come from the same network, data and
            settings (``epochs`` may grow), else :class:`ConfigError`. The result is
            bitwise identical to a run that never stopped. ``False`` starts over and
            overwrites the checkpoint.

    A non-finite loss or weight stops training, restores the last finite weights (those at
    the end of the last good epoch) and raises :class:`TrainingDivergedError`; the
    checkpoint keeps its last good state. Ctrl-C stops at the end of the current step,
    writes the checkpoint (mid-epoch) and returns with ``stop_reason == "interrupted"``.
    The optimizer's state is not rolled back by either, nor by early stopping.

    Shapes: ``X``: (n, n_0); ``y``: (n, n_L), or (n,) for one output or class labels.
    """
    # check: every argument and the data, before anything changes
    c = _check(
        net, X, y, loss=loss, optimizer=optimizer, learning_rate=learning_rate, epochs=epochs,
        freeze=freeze, update=update, batch_size=batch_size, shuffle=shuffle, seed=seed,
        validation_data=validation_data, validation_split=validation_split,
        early_stopping=early_stopping, patience=patience, min_delta=min_delta,
        progress=progress, track_gradients=track_gradients, checkpoint=checkpoint,
        checkpoint_every=checkpoint_every, resume=resume,
    )  # fmt: skip
    # plan: resume from the checkpoint, then choose the speed path (matbackprop._speed)
    loop = _Loop(net, c)
    # loop: whole epochs per compiled call, or step by step on the reference path
    from tqdm.auto import tqdm

    bar = tqdm(
        total=c.n_epochs, initial=loop.run.epoch, disable=not c.progress, unit="epoch",
        leave=False, dynamic_ncols=True,
    )  # fmt: skip
    # Overflow is expected when a run diverges; it is caught in the loop, not printed.
    with bar, _sigint_stops() as interrupted, np.errstate(over="ignore", invalid="ignore"):
        loop.bar = bar
        if loop.compiled is not None:
            loop.compiled_epochs(interrupted)
        else:
            loop.reference_epochs(interrupted)
    # stop: keep the best weights of early stopping; say what the network was trained with
    return loop.stop()


@dataclass
class _Checked:
    """fit's arguments once checked, and its data: training rows ``X``, ``y`` (after a
    validation split), validation rows ``Xv``, ``yv`` or None, and a checkpoint to resume."""

    loss: Loss
    opt: Optimizer
    eta: float
    frozen: frozenset[int]
    mode: str  # update="after" or "layerwise"
    n_epochs: int
    batch: int  # rows per step, n for full batch
    shuffle: bool
    early_stopping: bool
    patience: int
    min_delta: float
    every: int  # checkpoint_every
    track_gradients: bool
    progress: bool
    ck_path: Path | None
    rng: np.random.Generator
    rng_start: dict[str, Any]  # replays the validation split on resume
    X: Any
    y: Any
    Xv: Any
    yv: Any
    settings: dict[str, Any]  # what a checkpoint must match to resume
    ck: Checkpoint | None
    fingerprint: str


def _check(
    net: Network, X: Any, y: Any, *, loss: str | Loss, optimizer: str | Optimizer,
    learning_rate: float, epochs: int, freeze: str | Sequence[str] | None, update: str,
    batch_size: int | None, shuffle: bool, seed: int | np.random.Generator | None,
    validation_data: tuple[Any, Any] | None, validation_split: float, early_stopping: bool,
    patience: int, min_delta: float, progress: bool, track_gradients: bool,
    checkpoint: str | os.PathLike[str] | None, checkpoint_every: int, resume: bool,
) -> _Checked:  # fmt: skip
    """Every argument of :func:`fit` checked, the data checked and split, the checkpoint
    loaded when it resumes: a :class:`ConfigError` (or the data's error) before anything
    changes."""
    loss_fn = get_loss(loss)
    opt = get_optimizer(optimizer)
    eta = _checks.learning_rate(learning_rate)
    frozen = net._frozen_indices(freeze)
    mode = check_update(update)
    layerwise = mode == "layerwise"
    n_epochs = int(_checks.positive_int(epochs, "epochs") or 0)
    batch = _checks.positive_int(batch_size, "batch_size", allow_none=True)
    patience_ = int(_checks.positive_int(patience, "patience") or 0)
    min_delta_ = _checks.finite_float(min_delta, "min_delta")
    split = _checks.fraction(validation_split, "validation_split")
    every = int(_checks.positive_int(checkpoint_every, "checkpoint_every") or 0)
    for flag, setting in (
        ("shuffle", shuffle),
        ("early_stopping", early_stopping),
        ("track_gradients", track_gradients),
        ("resume", resume),
    ):
        _checks.boolean(setting, flag)
    ck_path = None if checkpoint is None else _checks.file_to_write(checkpoint, "checkpoint")
    if validation_data is not None and split:
        raise ConfigError("give validation_data or validation_split, not both")
    rng = _checks.rng(seed)
    rng_start = dict(rng.bit_generator.state)  # replays the validation split on resume

    X_, y_ = net.check_data(X, y, loss_fn)
    net._remember_features(X)  # a DataFrame's column names, for predict and save
    Xv: Array | None = None
    yv: Array | None = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ConfigError(
                "validation_data must be a pair (X_val, y_val), got "
                f"{type(validation_data).__name__}"
            )
        Xv, yv = net.check_data(*validation_data, loss_fn)
    if ck_path is not None and not _xp.is_numpy(X_):
        raise ConfigError(
            "checkpoint needs NumPy data and parameters, got "
            f"{type(X_).__module__}.{type(X_).__name__}; train without checkpoint= or convert "
            "with net.to(numpy)"
        )

    if isinstance(seed, (int, np.integer)):
        seed_setting: int | str | None = int(seed)
    else:  # a Generator's state is in the checkpoint; its identity cannot be compared
        seed_setting = None if seed is None else "Generator"
    settings = {
        "loss": loss_fn.to_config(),
        "optimizer": opt.to_config(),
        "learning_rate": eta,
        "batch_size": batch,
        "shuffle": bool(shuffle),
        "seed": seed_setting,
        "validation_split": split,
        "early_stopping": bool(early_stopping),
        "patience": patience_,
        "min_delta": min_delta_,
        "track_gradients": bool(track_gradients),
        "freeze": [net.parameter_names()[i] for i in sorted(frozen)] or None,
    }
    if layerwise:  # only when set: checkpoints written before the option still resume
        settings["update"] = mode
    ck: Checkpoint | None = None
    fingerprint = ""
    if ck_path is not None:
        fingerprint = data_fingerprint(X_, y_, Xv, yv)
        if resume and ck_path.exists():
            ck = _resumable(ck_path, net, settings, fingerprint, n_epochs)
            _set_rng_state(rng, ck.rng_start, ck_path)

    if split:
        n_val = round(split * X_.shape[0])
        if n_val < 1 or n_val >= X_.shape[0]:
            raise ConfigError(
                f"validation_split={split} leaves {n_val} validation row(s) of "
                f"{X_.shape[0]}; it must leave at least one row on each side"
            )
        order = rng.permutation(X_.shape[0])
        Xv, yv = _rows(X_, order[-n_val:]), _rows(y_, order[-n_val:])
        X_, y_ = _rows(X_, order[:-n_val]), _rows(y_, order[:-n_val])

    n = X_.shape[0]
    if batch is None or batch >= n:
        batch = n  # full batch
    return _Checked(
        loss=loss_fn, opt=opt, eta=eta, frozen=frozenset(frozen), mode=mode,
        n_epochs=n_epochs, batch=batch, shuffle=bool(shuffle),
        early_stopping=bool(early_stopping), patience=patience_, min_delta=min_delta_,
        every=every, track_gradients=bool(track_gradients), progress=bool(progress),
        ck_path=ck_path, rng=rng, rng_start=rng_start, X=X_, y=y_, Xv=Xv, yv=yv,
        settings=settings, ck=ck, fingerprint=fingerprint,
    )  # fmt: skip


class _Loop:
    """One ``fit`` call's loop: the network, the checked arguments, where the run stands
    (:class:`_Run`), and the speed path chosen for it, with the loop helpers that both
    paths share (the end of an epoch, the checkpoint, the end of the run)."""

    bar: Any = None  # the progress bar, set by fit

    def __init__(self, net: Network, c: _Checked) -> None:
        self.net, self.c = net, c
        self.params = net.parameters()
        # fresh for a name; the object's own state continues
        self.state = c.opt.bound_state(self.params)
        run = self.run = _Run(history=History(), last_good=[], norms=np.zeros(net.n_layers))
        self.history = run.history
        if c.ck is None:
            _warn_if_symmetric(net)
        else:
            run.last_good = [_copy(p) for p in self.params]
            _set_rng_state(c.rng, c.ck.rng_now, c.ck_path)
            run.restore(c.ck, self.params, self.state, c.ck_path)
        # The speed path (matbackprop._speed, whose docstring tables them): chosen once, here
        chosen = _speed.plan(
            _speed.Config.of(
                net, c.X, c.loss, c.opt, batch=c.batch, shuffle=c.shuffle,
                validation=c.Xv is not None, early_stopping=c.early_stopping,
                checkpoint=c.ck_path is not None, track_gradients=c.track_gradients,
                frozen=bool(c.frozen), update=c.mode, mid_epoch=run.position > 0,
            ),
            _speed.detect,
        )  # fmt: skip
        self.history.path = str(chosen)
        # built after a resume has put the checkpoint's weights and state in place
        self.compiled = _speed.epoch_trainer(
            chosen, net, c.X, c.y, c.loss, c.eta, c.batch, c.opt, self.state,
            c.track_gradients, c.frozen,
        )  # fmt: skip
        # A compiled trainer keeps its own copy of the last good weights; a checkpoint of
        # its runs, written between epochs, takes the weights of that moment as those.
        self.last_good: LastGood | None = None  # the reference path's (a trainer has its own)
        if self.compiled is None:
            self.last_good = LastGood(self.params)
            if run.last_good:  # resumed: the checkpoint's last good parameters
                _restore(self.last_good.arrays, run.last_good)
            run.last_good = self.last_good.arrays

    def unfinished(self) -> bool:
        return self.run.epoch < self.c.n_epochs and self.history.stop_reason != "early_stopping"

    def save(self) -> None:
        """The checkpoint, when there is one."""
        c, run, params = self.c, self.run, self.params
        if c.ck_path is None:
            return
        if self.compiled is not None:  # between epochs: the weights are the last good ones
            if run.last_good:
                _restore(run.last_good, params)
            else:  # the first save: one copy, not an allocation then a copy
                run.last_good = [_copy(p) for p in params]
        save_checkpoint(
            c.ck_path,
            run.checkpoint(
                self.net, c.settings, c.fingerprint, params, self.state, c.rng_start, c.rng
            ),
        )

    def after_epoch(self) -> None:
        """Validation loss, best epoch, progress bar, early stopping and checkpoint, once an
        epoch ends."""
        c, run, history, params = self.c, self.run, self.history, self.params
        if c.Xv is not None and c.yv is not None:
            value = None if self.compiled is None else self.compiled.loss_at(c.Xv, c.yv)
            if value is None:
                value = self.net._loss_value(self.net._forward(c.Xv), c.yv, c.loss)
            history.val_loss.append(value)
        monitored = history.val_loss[-1] if history.val_loss else history.loss[-1]
        if run.best_value is None or monitored < run.best_value - c.min_delta:
            run.best_value, run.bad_epochs = monitored, 0
            history.best_epoch = run.epoch
            if c.early_stopping:  # only early stopping restores them: no copy otherwise
                run.best = [_copy(p) for p in params]
        else:
            run.bad_epochs += 1
        if c.progress:  # formatting the postfix costs as much as a tiny network's step
            postfix = {"loss": f"{history.loss[-1]:.4g}"}
            if history.val_loss:
                postfix["val"] = f"{history.val_loss[-1]:.4g}"
            self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)
        stop = c.early_stopping and run.bad_epochs >= c.patience
        if stop:
            history.stop_reason = "early_stopping"  # ends the loop, checkpoint or not
        if stop or run.epoch % c.every == 0 or run.epoch == c.n_epochs:
            self.save()

    def compiled_epochs(self, interrupted: Any) -> None:
        """Whole epochs per call of the compiled trainer; the bookkeeping between calls."""
        c, run, history, compiled = self.c, self.run, self.history, self.compiled
        assert compiled is not None
        n = c.X.shape[0]
        steps = math.ceil(n / c.batch)  # an epoch's, as the reference loop counts them
        # one epoch per call when something happens after each (else many per call)
        epoch_by_epoch = c.Xv is not None or c.early_stopping or c.ck_path is not None
        while self.unfinished():
            if c.shuffle and c.batch < n:  # one epoch per call, its rows drawn as below
                losses, status, bad = compiled.run(1, c.rng.permutation(n))
            else:
                per_call = 1 if epoch_by_epoch else compiled.per_call
                losses, status, bad = compiled.run(min(per_call, c.n_epochs - run.epoch))
            for i, value in enumerate(losses):
                history.loss.append(value)
                if c.track_gradients:  # Σ_steps ‖∂L/∂W_k‖ / steps, as end_epoch averages
                    history.grad_norms.append((compiled.grad_norm_sums[i] / steps).tolist())
                run.epoch += 1
                self.state.t += steps
                self.after_epoch()
            if status != _compiled.OK:  # the weights are already those of the last good epoch
                value = bad if status == _compiled.DIVERGED_LOSS else math.inf
                raise diverged(run.epoch, value, c.eta, history)
            if interrupted():
                history.stop_reason = "interrupted"
                self.save()  # between epochs, as every compiled call ends
                return

    def reference_epochs(self, interrupted: Any) -> None:
        """Step by step: the engine's passes in reused buffers, then the optimizer."""
        c, run, history, params, net = self.c, self.run, self.history, self.params, self.net
        n, batch, layerwise = c.X.shape[0], c.batch, c.mode == "layerwise"
        while self.unfinished():
            if run.position == 0:  # a fresh epoch; else continue the interrupted one
                run.perm = c.rng.permutation(n) if c.shuffle and batch < n else None
                run.total, run.norms = 0.0, np.zeros(net.n_layers)
            for start in range(run.position, n, batch):
                if run.perm is None:
                    Xb, yb = c.X[start : start + batch, ...], c.y[start : start + batch, ...]
                else:
                    rows = run.perm[start : start + batch]
                    Xb, yb = _rows(c.X, rows), _rows(c.y, rows)
                if layerwise:  # the update included, layer by layer
                    value, grads = net._layerwise_step(
                        Xb, yb, c.loss, c.opt, self.state, c.eta, c.frozen
                    )
                else:
                    value, grads = net._value_and_gradients(Xb, yb, c.loss, reuse=True)
                if not math.isfinite(value):
                    raise diverged(run.epoch, value, c.eta, history, params, run.last_good)
                if c.track_gradients:
                    run.norms += [_norm(g) for g in grads.weights]
                if not layerwise:
                    update_selected(c.opt, params, grads.parameters(), self.state, c.eta, c.frozen)
                run.total += value * c.loss.rows_divisor(Xb.shape[0])  # Σ_i ℓ_i of the batch
                run.position = start + Xb.shape[0]
                if interrupted():
                    break
            if interrupted():
                history.stop_reason = "interrupted"
                self.save()  # mid-epoch: a partial epoch is not in the history
                return
            assert self.last_good is not None
            if not self.last_good.keep():
                raise diverged(run.epoch, math.inf, c.eta, history, params, run.last_good)
            run.end_epoch(c.loss.rows_divisor(n), n, batch, c.track_gradients)
            self.after_epoch()

    def stop(self) -> History:
        """The end of the run: early stopping's best weights, ``net.training_info``."""
        c, run, history = self.c, self.run, self.history
        if c.early_stopping and run.best is not None:
            _restore(self.params, run.best)  # keep the best weights seen, not the last
        self.net.training_info = {
            "loss": c.loss.to_config(),
            "optimizer": c.opt.to_config(),
            "learning_rate": c.eta,
            "epochs": history.epochs,
            "batch_size": None if c.batch == c.X.shape[0] else c.batch,
            "freeze": c.settings["freeze"],
            "update": c.mode,
            "stop_reason": history.stop_reason,
        }
        return history


@dataclass
class _Run:
    """Where the loop stands, between two steps: what a checkpoint saves."""

    history: History
    last_good: list[Array]  # parameters at the end of the last complete epoch
    norms: Array  # Σ ‖∂L/∂W_k‖ over this epoch's steps, (L,)
    epoch: int = 0  # complete epochs
    position: int = 0  # next row of this epoch
    perm: NDArray[np.intp] | None = None  # this epoch's row order (mini-batch, shuffled)
    total: float = 0.0  # Σ loss·rows_divisor(rows) over this epoch's steps
    best_value: float | None = None
    best: list[Array] | None = None
    bad_epochs: int = 0

    def end_epoch(self, divisor: int, n: int, batch: int, track: bool) -> None:
        """``divisor``: the loss's over the epoch's ``n`` rows (``Loss.rows_divisor``); the
        last good parameters are already kept (:meth:`LastGood.keep`)."""
        self.history.loss.append(self.total / divisor)
        if track:
            self.history.grad_norms.append((self.norms / math.ceil(n / batch)).tolist())
        self.epoch += 1
        self.position = 0
        self.perm = None

    def checkpoint(
        self,
        net: Network,
        settings: dict[str, Any],
        fingerprint: str,
        params: list[Array],
        state: OptimizerState,
        rng_start: dict[str, Any],
        rng: np.random.Generator,
    ) -> Checkpoint:
        h = self.history
        return Checkpoint(
            network=net.config(),
            settings=settings,
            data=fingerprint,
            params=params,
            last_good=self.last_good,
            best=self.best,
            best_value=self.best_value,
            bad_epochs=self.bad_epochs,
            opt_t=state.t,
            opt_slots=state.slots,
            rng_start=rng_start,
            rng_now=dict(rng.bit_generator.state),
            epoch=self.epoch,
            position=self.position,
            perm=self.perm,
            partial_total=self.total,
            partial_norms=self.norms,
            loss=h.loss,
            val_loss=h.val_loss,
            grad_norms=h.grad_norms,
            stop_reason=h.stop_reason,
            best_epoch=h.best_epoch,
        )

    def restore(
        self, ck: Checkpoint, params: list[Array], state: OptimizerState, path: Path | None
    ) -> None:
        _copy_into(params, ck.params, "parameters", path)
        _copy_into(self.last_good, ck.last_good, "last good parameters", path)
        if set(ck.opt_slots) != set(state.slots):
            raise ModelFileError(
                f"checkpoint {path}: optimizer state should hold {sorted(state.slots)}, got "
                f"{sorted(ck.opt_slots)}"
            )
        for name, slot in state.slots.items():
            _copy_into(slot, ck.opt_slots[name], f"optimizer slot {name!r}", path)
        state.t = ck.opt_t
        if ck.best is not None:
            self.best = [p.copy() for p in params]
            _copy_into(self.best, ck.best, "best parameters", path)
        self.best_value, self.bad_epochs = ck.best_value, ck.bad_epochs
        self.epoch, self.position, self.total = ck.epoch, ck.position, ck.partial_total
        self.perm = None if ck.perm is None else np.asarray(ck.perm, dtype=np.intp)
        self.norms = np.array(ck.partial_norms, dtype=np.float64)
        h = self.history
        h.loss, h.val_loss, h.grad_norms = list(ck.loss), list(ck.val_loss), ck.grad_norms
        h.best_epoch = ck.best_epoch
        # an interrupted run carries on; an early-stopped one stays stopped
        h.stop_reason = "early_stopping" if ck.stop_reason == "early_stopping" else "completed"


def _resumable(
    path: Path, net: Network, settings: dict[str, Any], fingerprint: str, n_epochs: int
) -> Checkpoint:
    ck = load_checkpoint(path)
    check_matches(ck, path, net.config(), settings)
    if ck.data != fingerprint:
        raise ConfigError(
            f"checkpoint {path} was written for other data (X, y or validation rows differ); "
            "give the same data to resume, or resume=False (CLI: --no-resume) to start over"
        )
    if ck.epoch > n_epochs:
        raise ConfigError(
            f"checkpoint {path} has already run {ck.epoch} epochs; epochs must be at least "
            f"{ck.epoch} to resume it, got {n_epochs}"
        )
    return ck


def _set_rng_state(rng: np.random.Generator, value: dict[str, Any], path: Path | None) -> None:
    try:
        rng.bit_generator.state = value
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"checkpoint {path} holds the state of a {value.get('bit_generator')} generator; "
            f"the seed given cannot take it: {exc}"
        ) from None


def _copy_into(dst: list[Array], src: list[Any], what: str, path: Path | None) -> None:
    if len(dst) != len(src) or any(d.shape != s.shape for d, s in zip(dst, src)):
        expected = [d.shape for d in dst]
        actual = [getattr(s, "shape", None) for s in src]
        raise ModelFileError(
            f"checkpoint {path}: {what} should have shapes {expected}, got {actual}"
        )
    for d, s in zip(dst, src):
        if not np.all(np.isfinite(s)):
            raise ModelFileError(f"checkpoint {path}: {what} hold NaN or inf")
        np.copyto(d, s)


def _all_finite(params: list[Array]) -> bool:
    """Whether every entry is finite: a sum is NaN or ±inf if any entry is (or if finite
    entries overflow it, which is divergence too), and costs one call instead of three."""
    return all(
        math.isfinite(
            float(np.add.reduce(p, axis=None) if _xp.is_numpy(p) else _xp.namespace(p).sum(p))
        )
        for p in params
    )


def _restore(params: list[Array], saved: list[Array]) -> None:
    """Copy ``saved[i]`` into ``params[i]`` in place, in any array library."""
    for p, s in zip(params, saved):
        if _xp.is_numpy(p):
            np.copyto(p, s)
        else:
            p[...] = s


class LastGood:
    """The parameters as they were at the end of the last good epoch, to put back when
    training diverges: the one keeper of ``fit``'s reference path, the scikit-learn
    estimators and the Dask trainers.

    :meth:`keep` checks that every parameter is finite and, only then, keeps them. NumPy
    parameters of one dtype, each contiguous, are checked and kept as one flat array (one
    concatenation, one sum, one copy): 2.7 µs for the seed's six arrays, where a sum and a
    copy of each array took 11 µs, a tenth of the reference path's full-batch epoch there.
    """

    def __init__(self, params: Sequence[Array]) -> None:
        self._params = list(params)
        flat = bool(self._params) and all(
            _xp.is_numpy(p) and p.flags.c_contiguous and p.dtype == self._params[0].dtype
            for p in self._params
        )
        self._now: Array | None = None
        if flat:
            self._views = [p.reshape(-1) for p in self._params]  # contiguous: views
            size, dtype = sum(v.size for v in self._views), self._params[0].dtype
            self._now, good = np.empty(size, dtype), np.empty(size, dtype)
            offsets = np.cumsum([0, *(v.size for v in self._views)])
            #: the kept parameters, one array each (views of one flat array when flat)
            self.arrays: list[Array] = [
                good[a:b].reshape(p.shape)
                for a, b, p in zip(offsets[:-1], offsets[1:], self._params)
            ]
            self._good = good
            np.concatenate(self._views, out=self._good)
        else:
            self.arrays = [_copy(p) for p in self._params]

    def keep(self) -> bool:
        """Keep the parameters as they are now, if every entry is finite; else False, and
        the last good ones stay."""
        if self._now is None:
            if not _all_finite(self._params):
                return False
            _restore(self.arrays, self._params)
            return True
        np.concatenate(self._views, out=self._now)
        # a sum is NaN or ±inf if any entry is (or if finite entries overflow it, which is
        # divergence too), as _all_finite
        if not math.isfinite(float(np.add.reduce(self._now))):
            return False
        np.copyto(self._good, self._now)
        return True


def _copy(p: Array) -> Array:
    """A fresh copy of ``p`` in its own library and on its device."""
    return p.copy() if _xp.is_numpy(p) else _xp.namespace(p).asarray(p, copy=True)


def _rows(A: Array, index: NDArray[np.intp]) -> Array:
    """``A[index]``: the rows picked by NumPy indices, in ``A``'s library and device.

    Shapes: ``A``: (n, ...), ``index``: (b,) -> (b, ...).
    """
    if _xp.is_numpy(A):
        return A[index]
    xp = _xp.namespace(A)
    return xp.take(A, xp.asarray(index, device=_xp.device(A)), axis=0)


def _norm(g: Array) -> float:
    """‖g‖, the Frobenius norm of a gradient matrix."""
    if _xp.is_numpy(g):
        return float(np.linalg.norm(g))
    return float(_xp.namespace(g).linalg.vector_norm(g))


def diverged(
    epoch: int,
    value: float,
    eta: float,
    history: History | None = None,
    params: Sequence[Array] = (),
    last_good: Sequence[Array] = (),
    rate: str = "learning_rate",
) -> TrainingDivergedError:
    """The one divergence rule of ``fit``, the Dask trainers and the scikit-learn estimators:
    the parameters get their ``last_good`` values back (none given: they have them already),
    ``history`` stops as ``"diverged"``, and this error, to raise, says so.

    ``epoch``: the complete epochs before it (0-based: the message counts from 1);
    ``value``: the non-finite loss (``inf`` for non-finite weights); ``rate``: the
    learning rate's name where the user set it (scikit-learn's ``learning_rate_init``).
    """
    _restore(list(params), list(last_good))
    if history is not None:
        history.stop_reason = "diverged"
    return TrainingDivergedError(
        f"training diverged in epoch {epoch + 1}: the loss became {value} ({rate}={eta:g}); "
        "try a smaller learning rate. The last finite weights were kept.",
        history,
    )


def _warn_if_symmetric(net: Network) -> None:
    """Warn when some hidden layer starts with identical neurons (e.g. constant init)."""
    for k, W_k in enumerate(net.weights[:-1], start=1):
        if W_k.shape[1] < 2:
            continue
        xp = _xp.namespace(W_k)
        if not bool(xp.all(W_k[:, 0] == W_k[:, 1])):
            continue  # a random init differs in its first two neurons: no full scan needed
        same_w = bool(xp.all(W_k == W_k[:, :1]))
        same_b = not net.bias or bool(xp.all(net.biases[k - 1] == net.biases[k - 1][0]))
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
