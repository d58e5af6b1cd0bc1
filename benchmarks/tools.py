"""The tools compared: matbackprop, a naive NumPy loop, PyTorch, JAX (jit, lax.scan), sklearn.

Each ``prepare_*`` builds the network and its data once and returns ``(chunk, note)``:
``chunk()`` runs ``w.chunk_steps`` training steps (the whole workload, but for D) and
returns only when the work is done. Data preparation is outside the timed chunk.
A tool whose library is missing raises :class:`ToolMissing`.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from workloads import Array, Workload, batches, make_data

Chunk = Callable[[], None]


class ToolMissing(RuntimeError):
    """The tool's library is not installed."""


def _dtype(name: str) -> type[np.floating]:
    return np.float64 if name == "float64" else np.float32


# -- matbackprop ----------------------------------------------------------------------


def prepare_ours(w: Workload, dtype: str) -> tuple[Chunk, str]:
    """``Network.fit`` as a user calls it: no progress bar, no shuffling."""
    import matbackprop as mb

    X, y = make_data(w, _dtype(dtype))
    net = mb.Network(
        w.layer_sizes, w.activation, w.output, bias=w.bias, seed=0, dtype=_dtype(dtype)
    )
    full = w.batch >= w.n
    epochs = w.chunk_steps if full else max(1, w.chunk_steps // w.steps_per_epoch)
    batch = None if full else w.batch

    def chunk() -> None:
        net.fit(
            X, y, loss=w.loss, optimizer="sgd", learning_rate=w.learning_rate, epochs=epochs,
            batch_size=batch, shuffle=False, progress=False,
        )  # fmt: skip

    return chunk, "Network.fit, " + _our_path(w, net, X, y)


def _our_path(w: Workload, net: Any, X: Array, y: Array) -> str:
    """The path fit takes here with plain SGD, by fit's own choice (matbackprop._speed's
    plan), with the details of its trainer or BLAS."""
    from matbackprop import _speed
    from matbackprop._speed import blas as _blas
    from matbackprop.losses import get_loss
    from matbackprop.optimizers import SGD

    loss, batch = get_loss(w.loss), min(w.batch, w.n)
    config = _speed.Config.of(net, X, loss, SGD(), batch=batch, shuffle=False)
    chosen = _speed.plan(config, _speed.detect())
    compiled = _speed.epoch_trainer(chosen, net, X, y, loss, w.learning_rate, batch)
    detail = chosen.reason
    if chosen.path == "blocked":
        R, T = compiled.buffers.R, compiled.T  # type: ignore[union-attr]
        detail = f"blocks of {R} rows on {T} threads, MKL-packed weights (Numba)"
    elif chosen.path == "compiled_epochs":
        if compiled.gemm == 0:  # type: ignore[union-attr]
            detail = "SciPy BLAS (Numba)"
        elif compiled.parts > 1:  # type: ignore[union-attr]
            detail = f"batch in {compiled.parts} parts on as many threads, MKL"  # type: ignore[union-attr]
        else:
            detail = "MKL on its threads (Numba)"
    elif chosen.path == "fused_step":
        blas = _blas.for_step(w.layer_sizes, w.batch)
        name = "MKL" if blas is not None and blas.name == "mkl" else "SciPy BLAS"
        detail = f"updates fused into gemm ({name})"
    return f"{chosen.path}: {detail}"


# -- naive NumPy ----------------------------------------------------------------------

_F: dict[str, Callable[[Array], Array]] = {
    "sigmoid": lambda H: 1.0 / (1.0 + np.exp(-H)),
    "tanh": np.tanh,
    "relu": lambda H: np.maximum(H, 0.0),
}
_DF: dict[str, Callable[[Array, Array], Array]] = {
    "sigmoid": lambda H, O: O * (1.0 - O),
    "tanh": lambda H, O: 1.0 - O**2,
    "relu": lambda H, O: (H > 0).astype(H.dtype),
}


def _softmax(H: Array) -> Array:
    e = np.exp(H - H.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def prepare_naive(w: Workload, dtype: str) -> tuple[Chunk, str]:
    """The loop a student writes from the seed's equations: new arrays every step."""
    dt = _dtype(dtype)
    X, y = make_data(w, dt)
    rng = np.random.default_rng(0)
    s = w.layer_sizes
    W = [
        (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(dt)
        for a, b in itertools.pairwise(s)
    ]
    b = [np.zeros(n_k, dt) for n_k in s[1:]]
    L, f, df, eta = len(W), _F[w.activation], _DF[w.activation], w.learning_rate
    plan = batches(w)

    def step(Xb: Array, yb: Array) -> None:
        H, O = [], [Xb]
        for k in range(L):
            H_k = O[k] @ W[k] + b[k] if w.bias else O[k] @ W[k]
            H.append(H_k)
            O.append(f(H_k) if k < L - 1 else (_softmax(H_k) if w.output == "softmax" else H_k))
        y_hat = O[-1]
        d = (y_hat - yb) / yb.shape[0] if w.output == "softmax" else 2.0 * (y_hat - yb) / y_hat.size
        for k in range(L - 1, -1, -1):
            dW = O[k].T @ d
            db = d.sum(axis=0)
            if k > 0:
                d = (d @ W[k].T) * df(H[k - 1], O[k])
            W[k] -= eta * dW
            if w.bias:
                b[k] -= eta * db

    def chunk() -> None:
        done = 0
        while done < w.chunk_steps:
            for lo, hi in plan:
                step(X[lo:hi], y[lo:hi])
                done += 1
                if done == w.chunk_steps:
                    break

    return chunk, "plain NumPy loop"


# -- PyTorch --------------------------------------------------------------------------


def prepare_torch(w: Workload, dtype: str) -> tuple[Chunk, str]:
    try:
        import torch
    except ImportError as exc:
        raise ToolMissing("torch is not installed (pip install 'matbackprop[bench]')") from exc
    torch.set_num_threads(os.cpu_count() or 1)
    tdt = torch.float64 if dtype == "float64" else torch.float32
    torch.manual_seed(0)
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[w.activation]
    layers: list[Any] = []
    s = w.layer_sizes
    for k, (a, b) in enumerate(itertools.pairwise(s)):
        layers.append(torch.nn.Linear(a, b, bias=w.bias))
        if k < len(s) - 2:
            layers.append(act())
    model = torch.nn.Sequential(*layers).to(tdt)
    opt = torch.optim.SGD(model.parameters(), lr=w.learning_rate)
    X, y = make_data(w, _dtype(dtype))
    Xt = torch.from_numpy(X)
    if w.output == "softmax":
        yt = torch.from_numpy(y.argmax(axis=1))
        loss_fn: Any = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy on the logits
    else:
        yt = torch.from_numpy(y)
        loss_fn = torch.nn.MSELoss()
    plan = batches(w)

    def chunk() -> None:
        done = 0
        while done < w.chunk_steps:
            for lo, hi in plan:
                opt.zero_grad(set_to_none=True)
                loss_fn(model(Xt[lo:hi]), yt[lo:hi]).backward()
                opt.step()
                done += 1
                if done == w.chunk_steps:
                    break

    return chunk, f"eager, {torch.get_num_threads()} threads, torch {torch.__version__}"


# -- JAX ------------------------------------------------------------------------------


def _jax_setup(w: Workload, dtype: str) -> tuple[Any, Any, Any, Any]:
    try:
        import jax
    except ImportError as exc:
        raise ToolMissing("jax is not installed (pip install 'matbackprop[bench]')") from exc
    jax.config.update("jax_enable_x64", dtype == "float64")
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp

    jdt = jnp.float64 if dtype == "float64" else jnp.float32
    rng = np.random.default_rng(0)
    s = w.layer_sizes
    params = [
        (
            jnp.asarray(rng.standard_normal((a, b)) * np.sqrt(2.0 / a), jdt),
            jnp.zeros(b, jdt) if w.bias else None,
        )
        for a, b in itertools.pairwise(s)
    ]
    f = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu}[w.activation]

    def loss(params: Any, Xb: Any, yb: Any) -> Any:
        O = Xb
        for k, (W_k, b_k) in enumerate(params):
            H = O @ W_k if b_k is None else O @ W_k + b_k
            O = f(H) if k < len(params) - 1 else H
        if w.output == "softmax":
            return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(O, axis=1), axis=1))
        return jnp.mean((O - yb) ** 2)

    eta = w.learning_rate

    def update(params: Any, Xb: Any, yb: Any) -> Any:
        g = jax.grad(loss)(params, Xb, yb)
        return jax.tree_util.tree_map(lambda p, dp: p - eta * dp, params, g)

    return jax, jnp, params, update


def prepare_jax_jit(w: Workload, dtype: str) -> tuple[Chunk, str]:
    jax, jnp, params0, update = _jax_setup(w, dtype)
    step = jax.jit(update, donate_argnums=0)
    X, y = make_data(w, _dtype(dtype))
    plan = [(jnp.asarray(X[lo:hi]), jnp.asarray(y[lo:hi])) for lo, hi in batches(w)]
    state = {"params": params0}

    def chunk() -> None:
        p, done = state["params"], 0
        while done < w.chunk_steps:
            for Xb, yb in plan:
                p = step(p, Xb, yb)
                done += 1
                if done == w.chunk_steps:
                    break
        jax.block_until_ready(p)
        state["params"] = p

    return chunk, f"jit per step, jax {jax.__version__}"


def prepare_jax_scan(w: Workload, dtype: str) -> tuple[Chunk, str]:
    jax, jnp, params0, update = _jax_setup(w, dtype)
    X, y = make_data(w, _dtype(dtype))
    full = w.n // w.batch  # lax.scan needs equal batches: the short last one is dropped
    steps = min(w.chunk_steps, full) if w.batch < w.n else w.chunk_steps  # per epoch
    epochs = max(1, w.chunk_steps // w.steps_per_epoch) if w.batch < w.n else 1
    if w.batch >= w.n:
        Xj, yj = jnp.asarray(X), jnp.asarray(y)

        def loop(p: Any) -> Any:
            return jax.lax.scan(lambda q, _: (update(q, Xj, yj), None), p, None, length=steps)[0]
    else:
        m = steps * w.batch
        Xs = jnp.asarray(X[:m].reshape(steps, w.batch, -1))
        ys = jnp.asarray(y[:m].reshape(steps, w.batch, -1))

        def epoch(p: Any) -> Any:
            return jax.lax.scan(lambda q, xy: (update(q, *xy), None), p, (Xs, ys))[0]

        def loop(p: Any) -> Any:
            return jax.lax.scan(lambda q, _: (epoch(q), None), p, None, length=epochs)[0]

    run = jax.jit(loop, donate_argnums=0)
    state = {"params": params0}

    def chunk() -> None:
        state["params"] = jax.block_until_ready(run(state["params"]))

    chunk.steps = steps * epochs  # type: ignore[attr-defined]
    note = "whole loop in lax.scan"
    if steps * epochs != w.chunk_steps:
        note += f", {epochs} × {steps} full batches"
    return chunk, note


# -- scikit-learn ---------------------------------------------------------------------


def prepare_sklearn(w: Workload, dtype: str) -> tuple[Chunk, str]:
    try:
        import sklearn
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier, MLPRegressor
    except ImportError as exc:
        raise ToolMissing("scikit-learn is not installed") from exc
    X, y = make_data(w, _dtype(dtype))
    full = w.batch >= w.n
    cls = MLPClassifier if w.output == "softmax" else MLPRegressor
    act = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}[w.activation]
    model = cls(
        hidden_layer_sizes=w.layer_sizes[1:-1], activation=act, solver="sgd", alpha=0.0,
        momentum=0.0, nesterovs_momentum=False, learning_rate_init=w.learning_rate,
        batch_size=w.batch, shuffle=False, tol=0.0, n_iter_no_change=10**9, random_state=0,
        max_iter=w.chunk_steps if full else max(1, w.chunk_steps // w.steps_per_epoch),
    )  # fmt: skip
    target = y.argmax(axis=1) if w.output == "softmax" else y.ravel()

    def chunk() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, target)

    bias = "" if w.bias else ", always with biases"
    return chunk, f"MLP{'Classifier' if cls is MLPClassifier else 'Regressor'} sgd{bias}, " + (
        f"sklearn {sklearn.__version__}"
    )


TOOLS: dict[str, Callable[[Workload, str], tuple[Chunk, str]]] = {
    "ours": prepare_ours,
    "naive": prepare_naive,
    "torch": prepare_torch,
    "jax-jit": prepare_jax_jit,
    "jax-scan": prepare_jax_scan,
    "sklearn": prepare_sklearn,
}
