"""The optional speed code of ``fit``, in one place (internal: no public API here).

:func:`paths.plan` chooses the path of every ``fit`` call from a :class:`paths.Config` and
the installed :class:`paths.Capabilities`; ``fit`` records its choice in ``History.path``
and ``benchmarks/run.py`` prints it per cell. Its thresholds are in :mod:`.limits`, and
:data:`paths.COVERAGE` says which activations, heads and optimizers each compiled kernel
covers. The paths, simplest first:

Each path: **when** :func:`paths.plan` takes it; its **tolerance** against the reference
path; **why** it exists (the measurement, and where it is written down).

``reference`` (:func:`.fast.value_and_gradients`, the engine's passes in reused buffers)
    *when*: ``MATBACKPROP_FAST=0``; data not in NumPy arrays; ``update="layerwise"``;
    an optimizer no kernel has a rule for (RMSprop, AdaGrad, any subclass); a run resumed
    from the middle of an epoch; whatever no path below covers (D's large products in
    float32, or without SciPy). *tolerance*: bitwise (the same ufuncs in the same order,
    ``tests/test_fastpath.py``). *why*: the exact path, kept by ``MATBACKPROP_FAST=0``.
``compiled_loops`` (:mod:`.compiled`, :mod:`.compiled_loops`, :mod:`.vecmath`, :mod:`.updates`)
    *when*: Numba; ≤ 64 weights (``limits.TINY_WEIGHTS``); MSE with an identity output;
    rows in order. *tolerance*: 1e-12 relative (``tests/test_compiled.py``,
    ``tests/test_compiled_optimizers.py``). *why*: the seed's network gains 4x: a NumPy
    step of 2-2-2-1 is about forty calls of a microsecond around less than a microsecond
    of arithmetic (:mod:`.compiled`).
``compiled_epochs`` (:mod:`.compiled_blas`, :mod:`.heads`, :mod:`.cblas`, :mod:`.blas`, ...)
    *when*: Numba; MSE/identity, cross-entropy/softmax or log-loss/sigmoid; MKL or SciPy;
    a step whose largest product is ≤ 2²² multiply-adds, or ≤ 2²⁷ where a few steps on
    MKL's or SciPy's BLAS, timed once on this machine for the run's shapes, beat the
    reference path (:mod:`.measure`: on an AMD EPYC the MKL path took up to 2.1x its time),
    or larger, in float64, on SciPy's BLAS unmeasured (``limits.MEASURED_UP_TO``).
    *tolerance*: 1e-12 relative (``tests/test_compiled_blas.py``,
    ``tests/test_compiled_optimizers.py``). *why*: B's step "spent half its time in the
    NumPy step's thirty-odd calls" (``limits.PARTS_UP_TO``); with Adam, B ran at
    0.48-0.64x and C at 0.60-0.79x the reference path's time per step
    (``benchmarks/path_vs_reference.py``, docs/benchmarks.md).
Both compiled paths update by plain SGD, momentum, Nesterov or Adam (:mod:`.updates`), sum
the gradient norms of ``track_gradients``, keep the parameters of ``freeze``, and take
validation, early stopping and checkpoints: ``fit`` then runs them one epoch per call and
does the epoch's bookkeeping between calls (a checkpoint, always written between epochs,
resumes on the same path, bitwise).

``fit`` builds the compiled trainers through :func:`epoch_trainer`; the modules that import
Numba (all but :mod:`.paths`, :mod:`.limits`, :mod:`.blas`, :mod:`.measure` and
:mod:`.fast`) are imported only on a path that needs them. Two paths that served larger
steps, MKL-packed row blocks and plain SGD's update fused into ``gemm``, were removed when
neither ran 15% faster than the reference path on an AMD EPYC (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from .paths import Capabilities, Config, Plan, detect, optimizer_name, plan

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..losses import Loss
    from ..network import Network
    from ..optimizers import Optimizer, OptimizerState
    from .compiled import EpochTrainer

__all__ = ["Capabilities", "Config", "Plan", "detect", "epoch_trainer", "plan"]


def epoch_trainer(
    chosen: Plan, net: Network, X: NDArray[Any], y: NDArray[Any], loss: Loss, eta: float,
    batch: int, optimizer: Optimizer | None = None, state: OptimizerState | None = None,
    track_gradients: bool = False, frozen: Collection[int] = (),
) -> EpochTrainer | None:  # fmt: skip
    """The compiled trainer of a compiled ``chosen`` path (None for the others), updating
    by ``optimizer`` (plain SGD when None) with ``state``, bound to ``net.parameters()``.

    Shapes: ``X``: (n, n_0); ``y``: (n, n_L).
    """
    if not chosen.compiled:
        return None
    from ..losses import MSE
    from ..optimizers import SGD

    sizes, acts = net.layer_sizes, [f.name for f in net._f]
    scale = 0.5 if isinstance(loss, MSE) and loss.half else 1.0
    optimizer = SGD() if optimizer is None else optimizer
    params = net.parameters()
    rule = dict(
        eta=eta, batch=batch, optimizer=optimizer, rule=optimizer_name(optimizer),
        state=optimizer.bound_state(params) if state is None else state,
        track_gradients=track_gradients, frozen=frozen,
    )  # fmt: skip
    settings: dict[str, Any] = dict(
        layer_sizes=sizes, activations=acts, bias=net.bias, mse_scale=scale, **rule
    )
    if chosen.path == "compiled_loops":
        from . import compiled

        return compiled.Trainer(params, X, y, **settings)
    from . import compiled_blas  # imports Numba

    head = {"identity": "mse", "sigmoid": "logloss"}.get(acts[-1], "softmax_ce")
    scratch = net.__dict__.setdefault("_trainer_buffers", {})  # kept between fit calls
    return compiled_blas.Trainer(
        params, X, y, head=head, blas=chosen.blas, scratch=scratch, **settings
    )
