"""The training step's hot path: the seed's two passes in preallocated buffers.

:meth:`Network._forward` and :meth:`Network._backward` are the reference: they return a
fresh :class:`Cache` and :class:`Gradients` that the caller may keep. The fit loop only
needs the loss and the gradients until the update, so :func:`value_and_gradients` runs the
same operations, in the same order, on buffers that live from one step to the next:

* every ``(n, n_k)`` array is written with ``out=`` into a buffer allocated once per
  network (and grown for a larger batch), so no large temporary is allocated and handed
  back to the operating system on each step;
* where ``f'`` comes from ``O`` (identity, sigmoid, tanh, ReLU), ``O_k`` overwrites ``H_k``
  in place; and once the backward pass has used ``O_{k-1}`` (for ``∂L/∂W_k`` and ``f'``),
  ``d_{k-1}`` is written over it. So a hidden layer holds one ``(n, n_k)`` array, plus one
  scratch array shared by all layers, where the reference keeps ``H_k``, ``O_k`` and ``d``;
* the output activation and the loss gradient are fused (``Loss.grad_H_into``);
* ``∂L/∂X`` is never formed, and the transposes ``O_{k-1}ᵀ`` and ``W_kᵀ`` are views that
  BLAS reads with its transpose flag, never copies.

The same ufuncs and matrix products in the same order give bitwise the same numbers as the
reference path (``tests/test_fastpath.py`` checks it in both dtypes). The gradients returned
here are views of the buffers: they are valid until the next step on the same network.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..losses import Loss
from ..network import Gradients  # network.py imports this module only inside a method

if TYPE_CHECKING:
    from ..network import Network

Array = NDArray[np.floating]


_Views = tuple[list[Array], list[Array], Array, list[Array], list[NDArray[np.bool_]]]


class StepBuffers:
    """Every array of one training step for up to ``rows`` rows, and per-``n`` views of them.

    Shapes: ``O[k]`` (holding ``H_k``, then ``O_k``, then ``d_k``), ``H[k]``, ``tmp[k]``:
    (n, n_k); ``dW[k-1]``: (n_{k-1}, n_k); ``db[k-1]``: (n_k,).
    """

    def __init__(self, net: Network, rows: int) -> None:
        sizes, dt = net.layer_sizes, net.dtype
        L = len(sizes) - 1
        self.rows = rows
        self.dtype = dt
        # O_k may overwrite H_k when f_k works in place and f_k' needs only O_k; the output
        # layer keeps its H_L unless it is the identity (a non-fused loss needs f_L'(H_L)).
        self.shared = [False] + [
            f.f_into is not None and f.df_from_O and (k < L or f.name == "identity")
            for k, f in enumerate(net._f, start=1)
        ]
        layers = range(1, L + 1)
        self._H: list[Array | None] = [None]
        self._H += [None if self.shared[k] else np.empty(rows * sizes[k], dt) for k in layers]
        self._O: list[Array | None] = [None, *(np.empty(rows * sizes[k], dt) for k in layers)]
        self._d_L = np.empty(rows * sizes[L], dt)  # d_L beside y_hat = O_L
        self._tmp = np.empty(rows * max(sizes[1:]), dt)  # scratch shared by all layers
        self._mask = np.empty(rows * max(sizes[1:]), np.bool_)  # ReLU's f' as [O > 0]
        self.dW = [np.empty((a, b), dt) for a, b in itertools.pairwise(sizes)]
        self.db = [np.empty(b, dt) for b in sizes[1:]] if net.bias else []
        self._sizes = sizes
        self._views: dict[int, _Views] = {}

    def views(self, n: int) -> _Views:
        """``(H, O, d_L, tmp, mask)`` for ``n <= rows`` rows, seed-indexed (slot 0 unused)."""
        cached = self._views.get(n)
        if cached is not None:
            return cached
        if len(self._views) > 4:  # batch, last short batch, validation: a few sizes at most
            self._views.clear()
        unused = self._tmp[:0]  # slot 0: O_0 = X is the caller's array
        H, O, tmp, mask = [unused], [unused], [unused], [self._mask[:0]]
        for k, n_k in enumerate(self._sizes[1:], start=1):
            O_flat, H_flat = self._O[k], self._H[k]
            assert O_flat is not None
            O.append(O_flat[: n * n_k].reshape(n, n_k))
            H.append(O[k] if H_flat is None else H_flat[: n * n_k].reshape(n, n_k))
            tmp.append(self._tmp[: n * n_k].reshape(n, n_k))  # contiguous, like the reference
            mask.append(self._mask[: n * n_k].reshape(n, n_k))
        d_L = self._d_L[: n * self._sizes[-1]].reshape(n, self._sizes[-1])
        self._views[n] = (H, O, d_L, tmp, mask)
        return self._views[n]


def buffers_for(net: Network, n: int) -> StepBuffers:
    """The network's buffers, (re)allocated when missing, too small or of another dtype."""
    bufs: StepBuffers | None = net.__dict__.get("_step_buffers")
    if bufs is None or bufs.rows < n or bufs.dtype != net.dtype or bufs._sizes != net.layer_sizes:
        bufs = StepBuffers(net, n)
        net.__dict__["_step_buffers"] = bufs
    return bufs


def value_and_gradients(net: Network, X: Array, y: Array, loss: Loss) -> tuple[float, Gradients]:
    """The loss at ``(X, y)`` and its gradients, in the network's reused buffers.

    Shapes: ``X``: (n, n_0); ``y``: (n, n_L) -> ``weights[k-1]``: (n_{k-1}, n_k).
    """
    bufs = buffers_for(net, X.shape[0])
    value, d_L = _forward_and_loss(net, bufs, X, y, loss)
    H, O, _, tmp, mask = bufs.views(X.shape[0])
    W, b, f = net._weights, net._biases, net._f
    L = len(W)

    # Backward: ∂L/∂W_k = O_{k-1}ᵀ·d, ∂L/∂b_k = 1ᵀ·d, d ← d·W_kᵀ * f'_{k-1}
    dW, db = bufs.dW, bufs.db
    ds: list[Array | None] = [None] * (L + 1)
    d = d_L
    for k in range(L, 0, -1):
        ds[k] = d
        O_prev = X if k == 1 else O[k - 1]
        np.matmul(O_prev.T, d, out=dW[k - 1])  # (n_{k-1}, n)·(n, n_k): a view, no copy
        if b:
            np.add.reduce(d, axis=0, out=db[k - 1])  # np.sum(d, axis=0) without its wrapper: (n_k,)
        if k > 1:
            # O_{k-1} is read for the last time by f'; d_{k-1} is then written over it
            f_prev, g = f[k - 2], O[k - 1]
            if f_prev.df_into is not None:
                # f'(H_{k-1}): (n, n_{k-1}); a 0/1 f' as a boolean mask (x·True = x·1.0)
                df = mask[k - 1] if f_prev.df_is_step else tmp[k - 1]
                f_prev.df_into(H[k - 1], g, df)
                if d.shape[1] == 1:
                    # n_k = 1: each entry of d·W_kᵀ is one product, with no sum to order, so
                    # broadcasting gives the BLAS values without a slow inner dimension of 1
                    np.multiply(d, W[k - 1].T, out=g)  # (n, 1) * (1, n_{k-1})
                else:
                    np.matmul(d, W[k - 1].T, out=g)  # (n, n_k)·(n_k, n_{k-1}) = (n, n_{k-1})
                np.multiply(g, df, out=g)
            else:
                np.copyto(g, f_prev.backprop(d @ W[k - 1].T, H[k - 1], g))
            d = g
    return value, Gradients(list(dW), list(db), ds)


def _forward_and_loss(
    net: Network, bufs: StepBuffers, X: Array, y: Array, loss: Loss
) -> tuple[float, Array]:
    """The forward pass into the buffers: ``(L(y, y_hat), d_L = ∂L/∂H_L)``. Shapes: (n, n_L)."""
    H, O, d_L, tmp, _ = bufs.views(X.shape[0])
    W, b, f = net._weights, net._biases, net._f
    L = len(W)

    # Forward: H_k = O_{k-1}·W_k + b_k, O_k = f_k(H_k)
    O_prev = X  # O_0 = X
    for k in range(1, L + 1):
        f_k = f[k - 1]
        np.matmul(O_prev, W[k - 1], out=H[k])  # (n, n_{k-1})·(n_{k-1}, n_k) = (n, n_k)
        if b:
            np.add(H[k], b[k - 1], out=H[k])  # + b_k broadcast over rows: (n, n_k)
        if f_k.f_into is not None:
            f_k.f_into(H[k], O[k], tmp[k])  # (n, n_k); in place when O[k] is H[k]
        else:
            np.copyto(O[k], f_k.f(H[k]))
        O_prev = O[k]
    y_hat = O[L]

    # ∂L/∂H_L: fused with the loss when it pairs with f_L, else ∂L/∂y_hat * f_L'(H_L)
    if loss.output_activation == f[-1].name:
        loss.grad_H_into(y_hat, y, d_L)  # (n, n_L)
    else:
        np.copyto(d_L, f[-1].backprop(loss.grad(y_hat, y), H[L], y_hat))
    # H[L] still holds H_L unless the output is the identity, where it is y_hat itself
    return loss.value_at(f[-1].name, H[L], y_hat, y), d_L
