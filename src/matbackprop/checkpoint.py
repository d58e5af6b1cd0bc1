"""Training checkpoints: everything :func:`~matbackprop.training.fit` needs to continue a run
exactly where it stopped, so that a resumed run ends bitwise identical to one that never
stopped.

A checkpoint is an ``.npz`` of plain arrays plus JSON metadata, like a model file, written
atomically and read without unpickling. It holds:

* the parameters ``W_k``, ``b_k``, the last finite ones and the best so far (early stopping);
* the optimizer's step count ``t`` and its slots (velocities, Adam's moments);
* the state of the random generator, as JSON, at the start of ``fit`` (to replay the
  validation split) and now (to continue the shuffling);
* the position: completed epochs, and inside an interrupted epoch its row order, the next
  row and the loss and gradient norms summed so far;
* the history, and the settings and a fingerprint of the data, so a checkpoint is never
  resumed by a different run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._version import __version__
from .errors import ConfigError, ModelFileError
from .persistence import atomic_write_bytes, read_archive

__all__ = ["FORMAT_VERSION", "Checkpoint", "data_fingerprint", "load_checkpoint", "save_checkpoint"]

FORMAT = "matbackprop-checkpoint"
FORMAT_VERSION = 1

Array = NDArray[np.floating]


@dataclass
class Checkpoint:
    """The complete state of a training run between two steps."""

    network: dict[str, Any]  # Network.config()
    settings: dict[str, Any]  # the fit settings that must match on resume
    data: str  # data_fingerprint() of the training (and validation) rows
    params: list[Array]  # weights then biases, as Network.parameters()
    last_good: list[Array]  # parameters at the end of the last complete epoch
    best: list[Array] | None  # parameters of the best epoch (early stopping)
    best_value: float | None  # the monitored loss of that epoch
    bad_epochs: int  # epochs since the best one
    opt_t: int  # OptimizerState.t
    opt_slots: dict[str, list[Array]]  # OptimizerState.slots
    rng_start: dict[str, Any]  # Generator.bit_generator.state when fit began
    rng_now: dict[str, Any]  # ... and now
    epoch: int  # complete epochs
    position: int  # next row of the current epoch (0 between epochs)
    perm: NDArray[np.intp] | None  # row order of the current epoch, if shuffled
    partial_total: float  # Σ loss·rows over the steps taken in the current epoch
    partial_norms: Array  # Σ ‖∂L/∂W_k‖ over those steps, (L,)
    loss: list[float]  # History.loss
    val_loss: list[float]
    grad_norms: list[list[float]]
    stop_reason: str
    best_epoch: int | None


def data_fingerprint(*arrays: Array | None) -> str:
    """SHA-256 of the arrays' dtypes, shapes and bytes: same data, same fingerprint.

    Shapes: any; ``X`` (n, n_0) and ``y`` (n, n_L) in :func:`~matbackprop.training.fit`.
    """
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none;")
            continue
        c = np.ascontiguousarray(a)
        h.update(f"{c.dtype.str}{c.shape};".encode())
        h.update(c.tobytes())
    return h.hexdigest()


def save_checkpoint(path: str | os.PathLike[str], ck: Checkpoint) -> None:
    """Write ``ck`` atomically: a crash leaves the previous checkpoint or this one."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for i, p in enumerate(ck.params):
        arrays[f"param{i}"] = p
        arrays[f"last_good{i}"] = ck.last_good[i]
    for i, p in enumerate(ck.best or []):
        arrays[f"best{i}"] = p
    for name, slot in ck.opt_slots.items():
        for i, a in enumerate(slot):
            arrays[f"slot_{name}_{i}"] = a
    if ck.perm is not None:
        arrays["perm"] = ck.perm
    arrays["partial_norms"] = ck.partial_norms
    # floats as arrays, not JSON text, so that every bit comes back
    arrays["loss"] = np.asarray(ck.loss, dtype=np.float64)
    arrays["val_loss"] = np.asarray(ck.val_loss, dtype=np.float64)
    arrays["grad_norms"] = np.array(ck.grad_norms or np.zeros((0, 0)), dtype=np.float64)
    arrays["scalars"] = np.asarray(
        [ck.partial_total, np.nan if ck.best_value is None else ck.best_value]
    )
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "matbackprop_version": __version__,
        "network": ck.network,
        "settings": ck.settings,
        "data": ck.data,
        "n_params": len(ck.params),
        "has_best": ck.best is not None,
        "slots": {name: len(slot) for name, slot in ck.opt_slots.items()},
        "bad_epochs": ck.bad_epochs,
        "opt_t": ck.opt_t,
        "rng_start": ck.rng_start,
        "rng_now": ck.rng_now,
        "epoch": ck.epoch,
        "position": ck.position,
        "stop_reason": ck.stop_reason,
        "best_epoch": ck.best_epoch,
    }
    blob = json.dumps(meta, allow_nan=False).encode()
    buf = io.BytesIO()
    np.savez(buf, metadata=np.frombuffer(blob, dtype=np.uint8), **arrays)  # type: ignore[arg-type]
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`; a damaged one raises
    :class:`~matbackprop.errors.ModelFileError`."""
    p = Path(path)
    meta, arrays = read_archive(p, "checkpoint", FORMAT, FORMAT_VERSION)

    def array(name: str) -> np.ndarray[Any, Any]:
        if name not in arrays:
            raise ModelFileError(f"checkpoint {p} is missing array {name}")
        return arrays[name]

    try:
        n = int(meta["n_params"])
        best_value = float(array("scalars")[1])
        ck = Checkpoint(
            network=dict(meta["network"]),
            settings=dict(meta["settings"]),
            data=str(meta["data"]),
            params=[array(f"param{i}") for i in range(n)],
            last_good=[array(f"last_good{i}") for i in range(n)],
            best=[array(f"best{i}") for i in range(n)] if meta["has_best"] else None,
            best_value=None if np.isnan(best_value) else best_value,
            bad_epochs=int(meta["bad_epochs"]),
            opt_t=int(meta["opt_t"]),
            opt_slots={
                str(name): [array(f"slot_{name}_{i}") for i in range(int(count))]
                for name, count in dict(meta["slots"]).items()
            },
            rng_start=dict(meta["rng_start"]),
            rng_now=dict(meta["rng_now"]),
            epoch=int(meta["epoch"]),
            position=int(meta["position"]),
            perm=arrays.get("perm"),
            partial_total=float(array("scalars")[0]),
            partial_norms=array("partial_norms"),
            loss=[float(v) for v in array("loss")],
            val_loss=[float(v) for v in array("val_loss")],
            grad_norms=[[float(v) for v in row] for row in array("grad_norms")],
            stop_reason=str(meta["stop_reason"]),
            best_epoch=None if meta["best_epoch"] is None else int(meta["best_epoch"]),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelFileError(f"checkpoint {p} lacks or mangles {exc}") from None
    return ck


def check_matches(
    ck: Checkpoint, path: str | os.PathLike[str], network: dict[str, Any], settings: dict[str, Any]
) -> None:
    """Refuse to resume a checkpoint written by a different network, data or settings."""

    def refuse(what: str, was: Any, now: Any) -> ConfigError:
        return ConfigError(
            f"checkpoint {path} was written with {what}={was!r}, this run has {now!r}; use the "
            "same settings to resume, or resume=False (CLI: --no-resume) to start over"
        )

    # init only decides the starting weights, which the checkpoint replaces
    for key in sorted(set(network) | set(ck.network)):
        if key != "init" and network.get(key) != ck.network.get(key):
            raise refuse(key, ck.network.get(key), network.get(key))
    # a JSON round trip makes tuples lists, as they are in the file
    now = json.loads(json.dumps(settings))
    for key in sorted(set(now) | set(ck.settings)):
        if now.get(key) != ck.settings.get(key):
            raise refuse(key, ck.settings.get(key), now.get(key))
