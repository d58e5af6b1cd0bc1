"""Many epochs of gradient descent in one compiled call, for tiny networks.

A NumPy step of the seed's 2-2-2-1 network makes about forty calls of a microsecond each
around less than a microsecond of arithmetic, and the fit loop adds its own Python per
epoch. With Numba installed (``pip install 'matbackprop[fast]'``), :func:`fit` hands such
a network to :func:`run_epochs`: the seed's two passes and the update as loops, compiled
once, running up to a few milliseconds of epochs per call.

The loops keep every matrix transposed, ``O_kᵀ`` of shape (n_k, m) for a batch of m rows,
so that the innermost loop runs over the rows, which lie contiguous and which the
compiler vectorizes; in the row-major (m, n_k) layout the innermost loop would run over
n_k = 2 neurons.

The equations are those of network.py in another summation order (a loop over rows where
NumPy sums pairwise and BLAS in blocks), so the numbers equal the NumPy path's to
rounding, not bitwise: ``tests/test_compiled.py`` bounds the difference of the trained
weights at 1e-12 (float64, relative).

Supported: plain SGD, momentum, Nesterov and Adam (:mod:`.updates`); MSE with an identity
output; hidden activations in :data:`ACTIVATION_CODES`; biases or not; rows in order
(:data:`matbackprop._speed.paths.COVERAGE`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import limits
from . import paths as _plan

if TYPE_CHECKING:
    from ..optimizers import Optimizer, OptimizerState

Array = NDArray[np.floating]

# The activations whose f' needs only O, as the compiled kernels number
# them: sigmoid O·(1 − O), tanh 1 − O·O, ReLU [O > 0], identity 1
ACTIVATION_CODES = {"identity": 0, "sigmoid": 1, "tanh": 2, "relu": 3}


# run_epochs' status
OK, DIVERGED_LOSS, DIVERGED_WEIGHTS = 0, 1, 2


@functools.cache
def available() -> bool:
    """Whether Numba can be imported (the ``fast`` extra)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def epochs_per_call(n: int, layer_sizes: tuple[int, ...], work: int) -> int:
    """Epochs per compiled call: about ``work`` multiply-adds (rows × weights), at least one."""
    return max(1, work // max(1, n * _plan.n_weights(layer_sizes)))


class EpochTrainer:
    """What a compiled trainer keeps for one ``fit`` call, beside its own buffers: the
    network's parameters (updated in place), its activations as codes, the update rule
    (:class:`.updates.Rule`, η in the weights' dtype), the optimizer's state, whose slots
    the kernel updates in place and whose step count ``t`` it reads as each call starts,
    and the weights of the last complete epoch, restored on divergence.

    Shapes: ``slots_W[s][k-1]``: (n_{k-1}, n_k), ``slots_b[s][k-1]``: (n_k,), slot ``s`` of
    the rule (momentum's velocity; Adam's m, then v); the parameters themselves stand in
    for slots a rule does not have (never read).
    """

    per_call: int  # epochs per run() when the rows are in order
    # whether the kernel copies the weights into good_W as each epoch starts (else here,
    # and as each epoch ends)
    saves_at_epoch_start = False

    def __init__(
        self,
        params: list[Array],
        X: Array,
        *,
        layer_sizes: tuple[int, ...],
        activations: list[str],
        bias: bool,
        mse_scale: float,
        eta: float,
        batch: int,
        optimizer: Optimizer | None = None,
        state: OptimizerState | None = None,
        rule: str = "sgd",
        track_gradients: bool = False,
        frozen: Collection[int] = (),
    ) -> None:
        """``activations``: every layer's; the output's is handled by the kernel's loss.
        ``optimizer``, ``state``: the ``fit`` call's, ``rule`` its name in
        :data:`.updates.RULES` (None and ``"sgd"``: plain SGD, whose state has no slots);
        ``track_gradients``: sum each step's ‖∂L/∂W_k‖ into :attr:`grad_norm_sums`;
        ``frozen``: the indices of ``params`` that ``fit(freeze=...)`` keeps."""
        from ..optimizers import SGD, OptimizerState
        from .updates import Rule

        dt = X.dtype
        L = len(layer_sizes) - 1
        self.W = tuple(params[:L])
        # without biases the kernels still take arrays (of zeros, never read)
        self.b = tuple(params[L:]) if bias else tuple(np.zeros(s, dt) for s in layer_sizes[1:])
        self.state = OptimizerState() if state is None else state
        # Σ over an epoch's steps of ‖∂L/∂W_k‖, per epoch of the last run() (n_epochs, L)
        self.track = bool(track_gradients)
        self.grad_norm_sums = np.zeros((0, L))
        self.rule = Rule(rule, SGD() if optimizer is None else optimizer, eta, dt)
        # each parameter's update code, W_1..W_L then b_1..b_L (the frozen ones: FROZEN)
        self.codes = self.rule.codes(2 * L, set(frozen))
        names = optimizer.slot_names() if optimizer is not None else ()  # velocity; m, v
        self.slots_W = tuple(
            tuple(self.state.slots[names[i]][:L]) if i < len(names) else self.W for i in range(2)
        )
        self.slots_b = tuple(
            tuple(self.state.slots[names[i]][L:]) if i < len(names) and bias else self.b
            for i in range(2)
        )
        hidden = [ACTIVATION_CODES[a] for a in activations[:-1]]
        self.acts = np.array([*hidden, ACTIVATION_CODES["identity"]], np.int64)
        self.bias = bias
        self.scale = float(mse_scale)
        self.batch = batch
        # the last good weights and biases
        self.good_W = tuple(np.empty_like(W) for W in self.W)
        self.good_b = tuple(np.empty_like(b) for b in self.b)
        if not self.saves_at_epoch_start:
            for good, now in zip((*self.good_W, *self.good_b), (*self.W, *self.b)):
                np.copyto(good, now)

    def run(
        self, epochs: int, order: NDArray[np.intp] | None = None
    ) -> tuple[list[float], int, float]:
        """Train ``epochs`` epochs in place: :meth:`outcome` (each subclass's kernel)."""
        raise NotImplementedError

    def loss_at(self, X: Array, y: Array) -> float | None:
        """The loss at ``(X, y)`` by the kernel's own products, or None: NumPy's forward
        pass then computes it (the tiny networks' products start no BLAS threads)."""
        return None

    @staticmethod
    def outcome(losses: Array, done: int, status: int) -> tuple[list[float], int, float]:
        """``(mean loss of each complete epoch, status, the non-finite loss when status is
        DIVERGED_LOSS)`` from a kernel's ``losses``, epochs ``done`` and ``status``."""
        bad = float(losses[done]) if status == DIVERGED_LOSS else math.nan
        return losses[:done].tolist(), int(status), bad


class Trainer(EpochTrainer):
    """The compiled loops' arrays for one ``fit`` call: ``Xᵀ``, ``yᵀ`` and the buffers.

    Shapes: ``XT``: (n_0, n); ``yT``: (n_L, n); ``OT[k-1]``, ``dT[k-1]``: (n_k, batch).
    """

    def __init__(self, params: list[Array], X: Array, y: Array, **settings: Any) -> None:
        super().__init__(params, X, **settings)
        dt, sizes = X.dtype, settings["layer_sizes"]
        self.XT = np.ascontiguousarray(X.T)  # (n_0, n)
        self.yT = np.ascontiguousarray(y.T)  # (n_L, n)
        self.per_call = epochs_per_call(X.shape[0], sizes, limits.TINY_WORK_PER_CALL)
        self.OT = tuple(np.empty((s, self.batch), dt) for s in sizes[1:])
        self.dT = tuple(np.empty((s, self.batch), dt) for s in sizes[1:])

    def run(
        self, epochs: int, order: NDArray[np.intp] | None = None
    ) -> tuple[list[float], int, float]:
        """Train ``epochs`` epochs in place (:meth:`EpochTrainer.outcome`). The rows are
        taken in order: ``order`` must be None.

        On a non-finite loss or weight the weights are those of the last complete epoch.
        """
        if order is not None:
            raise ValueError("order: the compiled loops take the rows in order")
        losses = np.empty(epochs, np.float64)
        r = self.rule
        norms = self.grad_norm_sums = np.zeros((epochs, len(self.W)))
        done, status = _kernel()(
            self.XT, self.yT, self.W, self.b, self.acts, self.bias, self.scale, r.code, r.c,
            r.beta1, r.beta2, r.eta, self.state.t, self.codes, self.slots_W, self.slots_b,
            self.track, norms, self.batch, epochs, self.OT, self.dT, self.good_W, self.good_b,
            losses,
        )  # fmt: skip
        return self.outcome(losses, done, status)


@functools.cache
def _kernel() -> Any:
    """The compiled loops of :mod:`matbackprop._speed.compiled_loops` (which imports Numba)."""
    from . import compiled_loops as _compiled_loops

    return _compiled_loops.run_epochs
