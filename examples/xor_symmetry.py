"""XOR from zero init versus random init: why the weights must start different.

Run:  python examples/xor_symmetry.py

With every weight zero, the neurons of a hidden layer compute the same function and get the
same gradient (column j of ``∂L/∂W_k = O_{k-1}ᵀ·d`` is the same for every j), so gradient
descent keeps them identical: the 2-2-1 network behaves like a single hidden neuron and cannot
draw XOR. Random weights break the tie and XOR is learnt.
"""

from __future__ import annotations

import warnings

import numpy as np

import matbackprop as mb

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
y = np.array([0.0, 1.0, 1.0, 0.0])  # XOR


def train(init: str, seed: int = 0) -> mb.Network:
    net = mb.Network(
        [2, 2, 1], activation="tanh", output_activation="sigmoid", init=init, seed=seed
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", mb.SymmetryWarning)
        history = net.fit(
            X, y, loss="logloss", optimizer="adam", learning_rate=0.1, epochs=500, progress=False
        )
    for w in caught:
        print(f"  warning: {w.message}")
    p = net.predict(X)[:, 0]
    W1 = net.weights[0]
    print(f"  loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}")
    print(f"  predictions {np.round(p, 3)} for targets {y}")
    print(
        f"  hidden neurons identical (columns of W1 equal): {bool(np.allclose(W1[:, 0], W1[:, 1]))}"
    )
    return net


def solved(net: mb.Network) -> bool:
    return bool(np.all((net.predict(X)[:, 0] > 0.5) == (y == 1)))


def main() -> dict[str, bool]:
    results = {}
    for init, label in [
        ("zeros", "zero init"),
        ("constant", "constant init (every weight 0.5): moves, but the twins stay twins"),
        ("glorot", "random init (Glorot, seed 0)"),
    ]:
        print(f"{label}:")
        results[init] = solved(train(init))
    print("XOR solved: " + ", ".join(f"{k} {v}" for k, v in results.items()))
    return results


if __name__ == "__main__":
    main()
