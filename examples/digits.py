"""Handwritten digits (scikit-learn's bundled 8×8 images): a 64-32-10 network, held-out accuracy.

Run:  python examples/digits.py

Uses the engine directly: softmax output with cross-entropy, Adam, mini-batches of 64.
The data ship with scikit-learn (``pip install matbackprop[sklearn]``); nothing is downloaded
and nothing is written.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import matbackprop as mb


def main(seed: int = 0) -> float:
    X, y = load_digits(return_X_y=True)  # (1797, 64) pixel intensities 0..16, labels 0..9
    X = X / 16.0  # pixels to [0, 1], so that the first steps are not saturated
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    net = mb.Network([64, 32, 10], activation="relu", output_activation="softmax", seed=seed)
    history = net.fit(
        X_train,
        y_train,  # integer labels; CrossEntropy turns them into one-hot rows
        loss="cross_entropy",
        optimizer="adam",
        learning_rate=0.01,
        epochs=30,
        batch_size=64,
        seed=seed,
        progress=False,
    )
    accuracy = float(np.mean(np.argmax(net.predict(X_test), axis=1) == y_test))
    print(f"digits: {X_train.shape[0]} training images, {X_test.shape[0]} held out")
    print(f"network {net.layer_sizes}, {net.n_parameters} parameters, {history.epochs} epochs")
    print(f"training loss {history.loss[0]:.3f} -> {history.loss[-1]:.3f}")
    print(f"held-out accuracy: {accuracy:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
