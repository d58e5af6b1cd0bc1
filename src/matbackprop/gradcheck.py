"""Gradient checking against central finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np

from .losses import Loss, get_loss
from .network import Network

__all__ = ["check_gradients", "numerical_gradients"]


def numerical_gradients(
    net: Network, X: Any, y: Any, loss: str | Loss = "mse", eps: float = 1e-6
) -> list[np.ndarray[Any, Any]]:
    """``(L(w + ε) − L(w − ε)) / 2ε`` for every parameter, in float64 on a copy of ``net``.

    Returned in the order of :meth:`Network.parameters`. Costs two forward passes per
    parameter, so it is for checking small networks, not for training.
    """
    loss_fn = get_loss(loss)
    twin = Network(
        net.layer_sizes,
        activation=list(net.activations[:-1]),
        output_activation=net.output_activation,
        bias=net.bias,
        init=[W.astype(np.float64) for W in net.weights],
        dtype=np.float64,
    )
    if net.bias:
        twin.biases = [b.astype(np.float64) for b in net.biases]
    X_, y_ = twin.check_data(X, y, loss_fn)

    def L() -> float:
        # the engine's value: from H_L where fused (computed from p = σ(h), 1 − p loses its
        # digits as p → 1, and the differences would drown in that noise)
        return twin._loss_value(twin._forward(X_), y_, loss_fn)

    numeric = []
    for p in twin.parameters():
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + eps
            up = L()
            flat[i] = keep - eps
            down = L()
            flat[i] = keep
            gflat[i] = (up - down) / (2 * eps)
        numeric.append(g)
    return numeric


def check_gradients(
    net: Network, X: Any, y: Any, loss: str | Loss = "mse", eps: float = 1e-6
) -> float:
    """Max relative error between backprop's gradients and central finite differences.

    The relative error of one entry is ``|a − b| / max(|a| + |b|, 1e-3·g_max, 1e-8)``, where
    ``g_max`` is the largest finite-difference entry of any parameter: finite differences
    carry an absolute noise of about 1e-10, so an entry far below ``g_max`` is measured
    against that scale rather than against itself. Below 1e-6 in float64 (typically 1e-7)
    means the gradients agree; float32 networks are compared through their float64 finite
    differences, so expect 1e-3 there.
    """
    _, grads = net.gradients(X, y, loss)
    numeric = numerical_gradients(net, X, y, loss, eps)
    floor = max([1e-8, *(1e-3 * float(np.max(np.abs(b))) for b in numeric if b.size)])
    worst = 0.0
    for a, b in zip(grads.parameters(), numeric):
        a64 = a.astype(np.float64)
        rel = np.abs(a64 - b) / np.maximum(np.abs(a64) + np.abs(b), floor)
        worst = max(worst, float(np.max(rel)) if rel.size else 0.0)
    return worst
