"""Which path a ``fit`` call takes: one pure function of what ``fit`` knows and what is installed.

:func:`plan` is the only place that chooses; :func:`matbackprop.training.fit`, the
benchmarks and the tests call it. It reads no environment and imports no extra:
:class:`Config` carries ``MATBACKPROP_FAST`` and ``MATBACKPROP_BLAS`` and
:class:`Capabilities` what is installed, so that it can be tested on any machine for any
other (``tests/test_speed_plan.py``). The thresholds it compares with live in
:mod:`matbackprop._speed.limits`, and :data:`COVERAGE` says which activations, heads and
optimizers each compiled kernel has branches for: anything else takes another path.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import limits

if TYPE_CHECKING:
    from ..losses import Loss
    from ..network import Network
    from ..optimizers import Optimizer

__all__ = [
    "BLAS_NAMES",
    "COVERAGE",
    "PATHS",
    "Capabilities",
    "Config",
    "Coverage",
    "Plan",
    "batch_mode",
    "detect",
    "is_tiny",
    "n_weights",
    "optimizer_name",
    "plan",
]

#: The top-level paths, simplest first (see the table of :mod:`matbackprop._speed`).
PATHS = ("reference", "compiled_loops", "compiled_epochs")
#: The compiled epochs' BLAS, as ``History.path`` names them
BLAS_NAMES = {"mkl": "MKL", "scipy": "SciPy's BLAS"}


@dataclass(frozen=True)
class Coverage:
    """What a kernel has branches for: hidden activations, ``(loss, output activation)``
    heads (the losses' default reductions only) and optimizers."""

    hidden: frozenset[str]
    heads: frozenset[tuple[str, str]]
    optimizers: frozenset[str]


# f' from O in every kernel: sigmoid O·(1 − O), tanh 1 − O·O, ReLU [O > 0], identity 1
# (their numbers in the kernels: matbackprop._speed.compiled.ACTIVATION_CODES)
_F_FROM_O = frozenset({"identity", "sigmoid", "tanh", "relu"})
_MSE_HEADS = frozenset({("mse", "identity"), ("mse_half", "identity")})
_CE_HEAD = frozenset({("cross_entropy", "softmax")})
_LOGLOSS_HEAD = frozenset({("logloss", "sigmoid")})

# the update rules of matbackprop._speed.updates (its RULES), one entry at a time
_RULES = frozenset({"sgd", "momentum", "nesterov", "adam"})

#: Which kernel covers what: a configuration outside a kernel's row never reaches it.
COVERAGE: Mapping[str, Coverage] = {
    "compiled_loops": Coverage(_F_FROM_O, _MSE_HEADS, _RULES),  # compiled_loops.run_epochs
    "compiled_epochs": Coverage(_F_FROM_O, _MSE_HEADS | _CE_HEAD | _LOGLOSS_HEAD, _RULES),
}


@dataclass(frozen=True)
class Config:
    """What ``fit`` knows that the choice depends on.

    ``optimizer``: ``"sgd"`` for plain SGD (the class itself, no momentum), else the
    optimizer's name; ``loss``: ``"mse"``, ``"mse_half"``, ``"cross_entropy"`` for those
    classes themselves, else the loss's name; ``rows``: training rows, ``batch``: rows per
    step (``rows`` for full batch); ``numpy``: whether data and parameters are NumPy's.
    """

    layer_sizes: tuple[int, ...]
    hidden: tuple[str, ...]
    output: str
    loss: str
    loss_default_reduction: bool
    optimizer: str
    rows: int
    batch: int
    shuffle: bool = True
    dtype: str = "float64"
    numpy: bool = True
    validation: bool = False
    early_stopping: bool = False
    checkpoint: bool = False
    track_gradients: bool = False
    frozen: bool = False
    update: str = "after"  # fit(update=): "after" or "layerwise"
    mid_epoch: bool = False  # resumed from a checkpoint written in the middle of an epoch
    fast: bool = True  # MATBACKPROP_FAST != "0"
    blas: str = ""  # MATBACKPROP_BLAS: "", "scipy" or "mkl"

    @classmethod
    def of(
        cls,
        net: Network,
        X: Any,
        loss: Loss,
        optimizer: Optimizer,
        *,
        batch: int,
        shuffle: bool = True,
        validation: bool = False,
        early_stopping: bool = False,
        checkpoint: bool = False,
        track_gradients: bool = False,
        frozen: bool = False,
        update: str = "after",
        mid_epoch: bool = False,
        environ: Mapping[str, str] = os.environ,
    ) -> Config:
        """The configuration of a ``fit`` call on checked training data ``X`` (n, n_0)."""
        from .. import _xp
        from ..losses import MSE, CrossEntropy

        if type(loss) is MSE:
            loss_name = "mse_half" if loss.half else "mse"
        elif type(loss) is CrossEntropy:
            loss_name = "cross_entropy"
        else:
            loss_name = str(loss.to_config().get("name", type(loss).__name__))
        opt_name = optimizer_name(optimizer)
        names = [f.name for f in net._f]
        return cls(
            layer_sizes=tuple(net.layer_sizes), hidden=tuple(names[:-1]), output=names[-1],
            loss=loss_name, loss_default_reduction=bool(loss.default_reduction),
            optimizer=opt_name, rows=int(X.shape[0]), batch=int(batch), shuffle=bool(shuffle),
            dtype=str(getattr(X, "dtype", "")), numpy=_xp.is_numpy(X), validation=validation,
            early_stopping=early_stopping, checkpoint=checkpoint,
            track_gradients=track_gradients, frozen=frozen, update=update, mid_epoch=mid_epoch,
            fast=environ.get("MATBACKPROP_FAST", "1") != "0",
            blas=environ.get("MATBACKPROP_BLAS", ""),
        )  # fmt: skip


def optimizer_name(optimizer: Optimizer) -> str:
    """``"sgd"`` (plain), ``"momentum"``, ``"nesterov"``, ``"adam"``, ... for the library's
    own classes; a subclass, which may update otherwise, is named as such."""
    from .. import optimizers

    cls = type(optimizer)
    if getattr(optimizers, cls.__name__, None) is not cls:
        return f"{cls.__name__} (a subclass of {optimizer.name})"
    if isinstance(optimizer, optimizers.SGD) and optimizer.momentum:
        return "nesterov" if optimizer.nesterov else "momentum"
    return str(optimizer.name)


@dataclass(frozen=True)
class Capabilities:
    """What is installed: Numba, SciPy (whose ``?gemm`` the compiled epochs call) and MKL; and
    ``whole_batch_blas(config, candidates)``, which of the BLAS ``candidates`` (``"mkl"``,
    ``"scipy"``) runs a configuration's whole batches fastest on this machine, or
    ``"reference"`` where the reference path beats them all (:func:`.measure.whole_batch_blas`;
    None: the first candidate)."""

    numba: bool = False
    scipy: bool = False
    mkl: bool = False
    whole_batch_blas: Callable[[Config, tuple[str, ...]], str] | None = None


def detect() -> Capabilities:
    """This process's :class:`Capabilities` (each library is looked up once, then cached)."""
    from . import blas, compiled, measure

    return Capabilities(
        numba=compiled.available(),
        scipy=importlib.util.find_spec("scipy") is not None,
        mkl=blas.mkl_available(),
        whole_batch_blas=measure.whole_batch_blas,
    )


@dataclass(frozen=True)
class Plan:
    """The path a ``fit`` call takes (one of :data:`PATHS`) and why, in a few words; for
    the compiled epochs, the BLAS of their products: ``"mkl"`` or ``"scipy"``."""

    path: str
    reason: str
    blas: str = ""

    @property
    def compiled(self) -> bool:
        """Whether a compiled trainer runs whole epochs (the fit loop hands it over)."""
        return self.path in COVERAGE

    def __str__(self) -> str:
        return f"{self.path} ({self.reason})"


def n_weights(layer_sizes: tuple[int, ...]) -> int:
    return sum(a * b for a, b in itertools.pairwise(layer_sizes))


def is_tiny(layer_sizes: tuple[int, ...]) -> bool:
    """Whether the network is small enough for the compiled loops to beat BLAS calls."""
    return n_weights(layer_sizes) <= limits.TINY_WEIGHTS


def _largest_product(layer_sizes: tuple[int, ...], batch: int) -> int:
    """Multiply-adds of a step's largest product, rows × n_{k-1} × n_k."""
    return max(batch * a * b for a, b in itertools.pairwise(layer_sizes))


def batch_mode(layer_sizes: tuple[int, ...], batch: int) -> str:
    """How the compiled epochs run a batch, by its largest product: ``"parts"``, ``"whole"``
    (its BLAS measured) or ``"large"`` (too long to measure): ``limits.PARTS_UP_TO``,
    ``limits.MEASURED_UP_TO``."""
    largest = _largest_product(layer_sizes, batch)
    if largest <= limits.PARTS_UP_TO:
        return "parts"
    return "whole" if largest <= limits.MEASURED_UP_TO else "large"


def uncovered(kernel: str, config: Config) -> str | None:
    """What of ``config`` the kernel has no branches for (:data:`COVERAGE`), or None."""
    cover = COVERAGE[kernel]
    if config.optimizer not in cover.optimizers:
        return f"optimizer {config.optimizer}"
    if (config.loss, config.output) not in cover.heads or not config.loss_default_reduction:
        return f"loss {config.loss} with a {config.output} output"
    missing = [a for a in config.hidden if a not in cover.hidden]
    return f"hidden activation {missing[0]}" if missing else None


def plan(config: Config, capabilities: Capabilities | Callable[[], Capabilities]) -> Plan:
    """The path of a ``fit`` call with ``config`` on a machine with ``capabilities``.

    ``capabilities`` may be a function that returns them (``fit`` passes :func:`detect`):
    it is called only when the choice depends on them, so that a run no fast path could
    take (Adam, say) never loads SciPy or MKL.
    """
    c = config
    if not c.fast:
        return Plan("reference", "MATBACKPROP_FAST=0")
    if not c.numpy:
        return Plan("reference", "data not in NumPy arrays")
    if c.update != "after":
        return Plan(
            "reference", f"update {c.update}: the fast paths update after the backward pass"
        )
    if not any(c.optimizer in k.optimizers for k in COVERAGE.values()):
        return Plan("reference", f"optimizer {c.optimizer}: no kernel has its update rule")
    caps = capabilities() if callable(capabilities) else capabilities
    compiled = _compiled_path(c, caps)
    return compiled if isinstance(compiled, Plan) else Plan("reference", compiled)


def _compiled_path(c: Config, caps: Capabilities) -> Plan | str:
    """A compiled path's :class:`Plan`, or why none runs."""
    if c.mid_epoch:
        return "not compiled from the middle of an epoch (a resumed checkpoint's)"
    if not caps.numba:
        return "not compiled without Numba"
    in_order = c.batch >= c.rows or not c.shuffle
    missing = uncovered("compiled_loops", c)
    if missing is None and in_order and is_tiny(c.layer_sizes):
        return Plan("compiled_loops", f"tiny network (≤ {limits.TINY_WEIGHTS} weights)")
    missing = uncovered("compiled_epochs", c)
    if missing is not None:
        return f"no compiled kernel for {missing}"
    mkl = caps.mkl and c.blas != "scipy"  # MATBACKPROP_BLAS=scipy keeps MKL out
    candidates = ("mkl",) * mkl + ("scipy",) * caps.scipy
    if not candidates:
        return "the compiled epochs' products need MKL or SciPy"
    mode = batch_mode(c.layer_sizes, min(c.batch, c.rows))
    if mode == "parts":  # in parts on MKL's threads; SciPy's BLAS takes a batch as one part
        return Plan("compiled_epochs", "small products, the batch in parts", candidates[0])
    measured = caps.whole_batch_blas
    if c.blas in candidates:  # MATBACKPROP_BLAS names one: no measuring
        blas = c.blas
    elif mode == "large":  # SciPy's BLAS, unmeasured (limits.MEASURED_UP_TO)
        if c.dtype not in limits.LARGE_DTYPES:
            return f"large products in {c.dtype}: a whole batch measured no faster"
        if not caps.scipy:
            return "large products take SciPy's BLAS, unmeasured, and SciPy is not installed"
        blas = "scipy"
    else:
        blas = candidates[0] if measured is None else measured(c, candidates)
    if blas == "reference":
        on = " and ".join(BLAS_NAMES[b] for b in candidates)
        return f"a whole batch on {on} measured slower than the reference path on this machine"
    size = "large" if mode == "large" else "medium"
    return Plan("compiled_epochs", f"{size} products, each batch whole on {BLAS_NAMES[blas]}", blas)
