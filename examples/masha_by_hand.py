"""Masha's network ``y_hat = f(f(X·W1)·W2)·W3`` by hand, in the seed's notation, checked
against matbackprop: one forward pass, one backward pass with the accumulator ``d``, one
gradient-descent step.

Run:  python examples/masha_by_hand.py

f is the sigmoid, the loss is the mean squared error ``L = 1/n Σ (y_hat_i − y_i)²``.
"""

from __future__ import annotations

import numpy as np

import matbackprop as mb


def f(H: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-H))


def df(H: np.ndarray) -> np.ndarray:
    return f(H) * (1.0 - f(H))  # σ'(h) = σ(h)(1 − σ(h))


def show(name: str, M: np.ndarray) -> None:
    rows = "\n".join("    " + "  ".join(f"{v: .6f}" for v in row) for row in np.atleast_2d(M))
    print(f"  {name} [{M.shape[0]}×{M.shape[1]}] =\n{rows}")


def main() -> float:
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]])  # n = 3 observations, one per row
    y = np.array([[1.0], [0.0], [0.5]])  # (3, 1)
    W1 = np.array([[0.1, -0.2], [0.3, 0.4]])  # column j = neuron j of layer 1
    W2 = np.array([[0.5, -0.6], [0.7, 0.2]])
    W3 = np.array([[1.0], [-1.0]])
    eta = 0.5
    n = X.shape[0]

    print("forward pass, remembering every intermediate:")
    H1 = X @ W1  # (3, 2)·(2, 2) = (3, 2)
    O1 = f(H1)
    H2 = O1 @ W2  # (3, 2)·(2, 2) = (3, 2)
    O2 = f(H2)
    y_hat = O2 @ W3  # (3, 2)·(2, 1) = (3, 1)
    L = float(np.mean((y_hat - y) ** 2))
    for name, M in [("H1", H1), ("O1", O1), ("H2", H2), ("O2", O2), ("y_hat", y_hat)]:
        show(name, M)
    print(f"  L = {L:.6f}")

    print("backward pass with one accumulator d:")
    d = 2.0 * (y_hat - y) / n  # ∂L/∂y_hat: (3, 1)
    dW3 = O2.T @ d  # (2, 3)·(3, 1) = (2, 1), the shape of W3
    d = (d @ W3.T) * df(H2)  # (3, 1)·(1, 2) * (3, 2) = (3, 2)
    dW2 = O1.T @ d  # (2, 2)
    d = (d @ W2.T) * df(H1)  # (3, 2)
    dW1 = X.T @ d  # (2, 2)
    for name, M in [("dL/dW3", dW3), ("dL/dW2", dW2), ("dL/dW1", dW1)]:
        show(name, M)

    print("the same with matbackprop:")
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init=[W1, W2, W3])
    cache = net.forward(X)  # cache.H[k], cache.O[k] as in the seed; O[0] = X
    grads = net.backward(cache, 2.0 * (cache.y_hat - y) / n)
    gap_forward = max(
        float(np.max(np.abs(a - b)))
        for a, b in [(cache.H[1], H1), (cache.O[1], O1), (cache.H[2], H2), (cache.y_hat, y_hat)]
    )
    gap_backward = max(float(np.max(np.abs(a - b))) for a, b in zip(grads.weights, [dW1, dW2, dW3]))
    print(f"  largest difference, forward: {gap_forward:.1e}, backward: {gap_backward:.1e}")

    print(f"one gradient-descent step W_k ← W_k − η·∂L/∂W_k, η = {eta}:")
    before = net.step(X, y, loss="mse", learning_rate=eta)  # returns the loss before the step
    by_hand = [W1 - eta * dW1, W2 - eta * dW2, W3 - eta * dW3]
    gap_step = max(float(np.max(np.abs(a - b))) for a, b in zip(net.weights, by_hand))
    after = net.loss(X, y, "mse")
    print(
        f"  L before {before:.6f}, after {after:.6f}; weights differ from by-hand by {gap_step:.1e}"
    )
    return max(gap_forward, gap_backward, gap_step)


if __name__ == "__main__":
    main()
