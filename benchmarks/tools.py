"""The tools compared: matbackprop (on the path ``fit`` chooses, and on the reference path),
a naive NumPy loop, PyTorch, JAX (jit, lax.scan), sklearn; each with its own SGD and Adam.

Each ``prepare_*`` builds the network and its data once and returns ``(chunk, note)``:
``chunk()`` runs ``w.chunk_steps`` training steps (the whole workload, but for D) and
returns only when the work is done. Data preparation is outside the timed chunk.
A tool whose library is missing raises :class:`ToolMissing`.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from workloads import ADAM, Array, Workload, batches, make_data, numpy_epochs

Chunk = Callable[[], None]


class ToolMissing(RuntimeError):
    """The tool's library is not installed."""


def _dtype(name: str) -> type[np.floating]:
    return np.float64 if name == "float64" else np.float32


# -- matbackprop ----------------------------------------------------------------------


def _our_optimizer(w: Workload) -> Any:
    """``"sgd"``, or an Adam object with :data:`workloads.ADAM`'s settings: passed to every
    chunk's ``fit``, it carries its moments and ``t`` from chunk to chunk, as the peers'
    optimizers do."""
    if w.optimizer != "adam":
        return "sgd"
    from matbackprop.optimizers import Adam

    return Adam(beta1=ADAM["beta1"], beta2=ADAM["beta2"], epsilon=ADAM["epsilon"])


@contextlib.contextmanager
def _reference_path() -> Iterator[None]:
    """``MATBACKPROP_FAST=0`` for the calls inside: ``fit`` reads it on every call."""
    before = os.environ.get("MATBACKPROP_FAST")
    os.environ["MATBACKPROP_FAST"] = "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["MATBACKPROP_FAST"]
        else:
            os.environ["MATBACKPROP_FAST"] = before


def _prepare_fit(w: Workload, dtype: str, reference: bool) -> tuple[Chunk, str]:
    import matbackprop as mb

    X, y = make_data(w, _dtype(dtype))
    net = mb.Network(
        w.layer_sizes, w.activation, w.output, bias=w.bias, seed=0, dtype=_dtype(dtype)
    )
    epochs = w.chunk_steps if w.full_batch else max(1, w.chunk_steps // w.steps_per_epoch)
    optimizer = _our_optimizer(w)
    settings: dict[str, Any] = dict(
        loss=w.loss, optimizer=optimizer, learning_rate=w.learning_rate, epochs=epochs,
        batch_size=None if w.full_batch else w.batch, shuffle=w.shuffle,
        seed=np.random.default_rng(0), progress=False,
    )  # fmt: skip

    def chunk() -> None:
        with _reference_path() if reference else contextlib.nullcontext():
            history = net.fit(X, y, **settings)
        chunk.path = str(history.path)  # type: ignore[attr-defined]  # run.py prints it

    if reference:
        return chunk, "Network.fit with MATBACKPROP_FAST=0: the reference path"
    return chunk, "Network.fit, " + _our_path(w, net, X, y, optimizer)


def prepare_ours(w: Workload, dtype: str) -> tuple[Chunk, str]:
    """``Network.fit`` as a user calls it (no progress bar), on the path it chooses."""
    return _prepare_fit(w, dtype, reference=False)


def prepare_ours_reference(w: Workload, dtype: str) -> tuple[Chunk, str]:
    """The same ``fit`` with ``MATBACKPROP_FAST=0``: the reference path, which is also what
    the plain install (no Numba, no SciPy) runs."""
    return _prepare_fit(w, dtype, reference=True)


def _our_path(w: Workload, net: Any, X: Array, y: Array, optimizer: Any) -> str:
    """The path fit takes here with ``optimizer``, by fit's own choice (matbackprop._speed's
    plan: its reason names the BLAS), and the parts a batch runs in, where the trainer has them."""
    from matbackprop import _speed
    from matbackprop.losses import get_loss
    from matbackprop.optimizers import get_optimizer

    loss, batch = get_loss(w.loss), min(w.batch, w.n)
    # a copy: binding a trainer to it must not touch the state that the chunks carry on
    opt = get_optimizer(optimizer) if isinstance(optimizer, str) else copy.deepcopy(optimizer)
    config = _speed.Config.of(net, X, loss, opt, batch=batch, shuffle=w.shuffle)
    chosen = _speed.plan(config, _speed.detect())
    detail = chosen.reason
    try:
        compiled: Any = _speed.epoch_trainer(
            chosen, net, X, y, loss, w.learning_rate, batch, optimizer=opt
        )
    except Exception as exc:  # the engine changes under the benchmarks: say so, go on
        return f"{chosen} (trainer not built here: {type(exc).__name__})"
    if chosen.path == "compiled_epochs" and getattr(compiled, "parts", 1) > 1:
        detail += f" ({compiled.parts} parts on as many threads, one-threaded MKL each)"
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
    """The loop a student writes from the seed's equations: new arrays every step; Adam as
    the paper's Algorithm 1 writes it."""
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
    b1, b2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["epsilon"]
    m = {id(p): np.zeros_like(p) for p in (*W, *b)}  # Adam's moments, per parameter
    v = {id(p): np.zeros_like(p) for p in (*W, *b)}
    t = [0]

    def update(p: Array, g: Array) -> None:
        if w.optimizer != "adam":
            p -= eta * g
            return
        m[id(p)] = b1 * m[id(p)] + (1.0 - b1) * g
        v[id(p)] = b2 * v[id(p)] + (1.0 - b2) * g * g
        m_hat = m[id(p)] / (1.0 - b1 ** t[0])
        v_hat = v[id(p)] / (1.0 - b2 ** t[0])
        p -= eta * m_hat / (np.sqrt(v_hat) + eps)

    def step(Xb: Array, yb: Array) -> None:
        t[0] += 1
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
            update(W[k], dW)
            if w.bias:
                update(b[k], db)

    feed = numpy_epochs(w, X, y, np.random.default_rng(1))

    def chunk() -> None:
        for _ in range(w.chunk_steps):
            step(*next(feed))

    return chunk, "plain NumPy loop" + (", Adam by hand" if w.optimizer == "adam" else "")


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
    if w.optimizer == "adam":
        opt: Any = torch.optim.Adam(
            model.parameters(), lr=w.learning_rate, betas=(ADAM["beta1"], ADAM["beta2"]),
            eps=ADAM["epsilon"],
        )  # fmt: skip
    else:
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
    gen = torch.Generator().manual_seed(1)

    def feed() -> Iterator[tuple[Any, Any]]:
        while True:
            perm = torch.randperm(w.n, generator=gen) if w.shuffle else None
            for lo, hi in plan:
                if perm is None:
                    yield Xt[lo:hi], yt[lo:hi]
                else:
                    idx = perm[lo:hi]
                    yield Xt[idx], yt[idx]

    batches_ = feed()

    def chunk() -> None:
        for _ in range(w.chunk_steps):
            Xb, yb = next(batches_)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xb), yb).backward()
            opt.step()

    name = "torch.optim.Adam" if w.optimizer == "adam" else "torch.optim.SGD"
    return chunk, f"eager, {name}, {torch.get_num_threads()} threads, torch {torch.__version__}"


# -- JAX ------------------------------------------------------------------------------


def _jax_setup(w: Workload, dtype: str) -> tuple[Any, Any, Any, Any]:
    """``(jax, jax.numpy, state, update)``: ``update(state, X_b, y_b)`` is one step of the
    workload's optimizer, pure, to be jitted or scanned; ``state`` is the parameters for
    SGD, ``(parameters, m, v, t)`` for Adam (written here: optax is not needed)."""
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
    tree_map = jax.tree_util.tree_map
    b1, b2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["epsilon"]

    def sgd(params: Any, Xb: Any, yb: Any) -> Any:
        g = jax.grad(loss)(params, Xb, yb)
        return tree_map(lambda p, dp: p - eta * dp, params, g)

    def adam(state: Any, Xb: Any, yb: Any) -> Any:
        params, m, v, t = state
        g = jax.grad(loss)(params, Xb, yb)
        t = t + 1
        m = tree_map(lambda m_, g_: b1 * m_ + (1 - b1) * g_, m, g)
        v = tree_map(lambda v_, g_: b2 * v_ + (1 - b2) * g_ * g_, v, g)
        c1, c2 = 1 - b1**t, 1 - b2**t
        params = tree_map(
            lambda p, m_, v_: p - eta * (m_ / c1) / (jnp.sqrt(v_ / c2) + eps), params, m, v
        )
        return params, m, v, t

    if w.optimizer != "adam":
        return jax, jnp, params, sgd
    zeros = tree_map(jnp.zeros_like, params)
    return jax, jnp, (params, zeros, tree_map(jnp.zeros_like, params), jnp.zeros((), jdt)), adam


def _jax_adam_note(w: Workload) -> str:
    return ", Adam by hand" if w.optimizer == "adam" else ""


def prepare_jax_jit(w: Workload, dtype: str) -> tuple[Chunk, str]:
    jax, jnp, state0, update = _jax_setup(w, dtype)
    X, y = make_data(w, _dtype(dtype))
    state = {"state": state0}
    if not w.shuffle:
        step = jax.jit(update, donate_argnums=0)
        plan = [(jnp.asarray(X[lo:hi]), jnp.asarray(y[lo:hi])) for lo, hi in batches(w)]

        def chunk() -> None:
            p, done = state["state"], 0
            while done < w.chunk_steps:
                for Xb, yb in plan:
                    p = step(p, Xb, yb)
                    done += 1
                    if done == w.chunk_steps:
                        break
            jax.block_until_ready(p)
            state["state"] = p

        return chunk, f"jit per step{_jax_adam_note(w)}, jax {jax.__version__}"

    # shuffled: a permutation per epoch on the device; each step gathers its rows inside
    # the jitted step (the batch size is static: the short last batch compiles once more)
    def gathered(q: Any, Xj: Any, yj: Any, perm: Any, lo: Any, size: int) -> Any:
        idx = jax.lax.dynamic_slice_in_dim(perm, lo, size)
        return update(q, Xj[idx], yj[idx])

    step = jax.jit(gathered, static_argnums=5, donate_argnums=0)
    permute = jax.jit(lambda k: jax.random.permutation(k, w.n))
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    plan = batches(w)
    key = {"key": jax.random.PRNGKey(1)}

    def chunk() -> None:
        p, done = state["state"], 0
        while done < w.chunk_steps:
            key["key"], sub = jax.random.split(key["key"])
            perm = permute(sub)
            for lo, hi in plan:
                p = step(p, Xj, yj, perm, lo, hi - lo)
                done += 1
                if done == w.chunk_steps:
                    break
        jax.block_until_ready(p)
        state["state"] = p

    return chunk, f"jit per step, rows gathered in it{_jax_adam_note(w)}, jax {jax.__version__}"


def prepare_jax_scan(w: Workload, dtype: str) -> tuple[Chunk, str]:
    jax, jnp, state0, update = _jax_setup(w, dtype)
    X, y = make_data(w, _dtype(dtype))
    full = w.n // w.batch  # lax.scan needs equal batches: the short last one is dropped
    steps = min(w.chunk_steps, full) if not w.full_batch else w.chunk_steps  # per epoch
    epochs = max(1, w.chunk_steps // w.steps_per_epoch) if not w.full_batch else 1
    if w.full_batch:
        Xj, yj = jnp.asarray(X), jnp.asarray(y)

        def loop(p: Any) -> Any:
            return jax.lax.scan(lambda q, _: (update(q, Xj, yj), None), p, None, length=steps)[0]
    elif not w.shuffle:
        m = steps * w.batch
        Xs = jnp.asarray(X[:m].reshape(steps, w.batch, -1))
        ys = jnp.asarray(y[:m].reshape(steps, w.batch, -1))

        def epoch(p: Any) -> Any:
            return jax.lax.scan(lambda q, xy: (update(q, *xy), None), p, (Xs, ys))[0]

        def loop(p: Any) -> Any:
            return jax.lax.scan(lambda q, _: (epoch(q), None), p, None, length=epochs)[0]
    else:
        m = steps * w.batch
        Xj, yj = jnp.asarray(X), jnp.asarray(y)

        def shuffled_epoch(carry: Any) -> Any:
            p, k = carry
            k, sub = jax.random.split(k)
            idx = jax.random.permutation(sub, w.n)[:m].reshape(steps, w.batch)
            p = jax.lax.scan(lambda q, i: (update(q, Xj[i], yj[i]), None), p, idx)[0]
            return p, k

        def loop(p: Any) -> Any:
            return jax.lax.scan(lambda c, _: (shuffled_epoch(c), None), p, None, length=epochs)[0]

    run = jax.jit(loop, donate_argnums=0)
    state = {"state": (state0, jax.random.PRNGKey(1)) if w.shuffle else state0}

    def chunk() -> None:
        state["state"] = jax.block_until_ready(run(state["state"]))

    chunk.steps = steps * epochs  # type: ignore[attr-defined]
    note = "whole loop in lax.scan" + (", permutations in it" if w.shuffle else "")
    note += _jax_adam_note(w)
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
    cls = MLPClassifier if w.output == "softmax" else MLPRegressor
    act = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}[w.activation]
    if w.optimizer == "adam":
        solver: dict[str, Any] = dict(
            solver="adam", beta_1=ADAM["beta1"], beta_2=ADAM["beta2"], epsilon=ADAM["epsilon"]
        )
    else:
        solver = dict(solver="sgd", momentum=0.0, nesterovs_momentum=False)
    model = cls(
        hidden_layer_sizes=w.layer_sizes[1:-1], activation=act, alpha=0.0,
        learning_rate_init=w.learning_rate, batch_size=w.batch, shuffle=w.shuffle, tol=0.0,
        n_iter_no_change=10**9, random_state=0,
        max_iter=w.chunk_steps if w.full_batch else max(1, w.chunk_steps // w.steps_per_epoch),
        **solver,
    )  # fmt: skip
    target = y.argmax(axis=1) if w.output == "softmax" else y.ravel()

    def chunk() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, target)

    bias = "" if w.bias else ", always with biases"
    name = "Classifier" if cls is MLPClassifier else "Regressor"
    return chunk, f"MLP{name} {solver['solver']}{bias}, sklearn {sklearn.__version__}"


TOOLS: dict[str, Callable[[Workload, str], tuple[Chunk, str]]] = {
    "ours": prepare_ours,
    "ours-ref": prepare_ours_reference,
    "naive": prepare_naive,
    "torch": prepare_torch,
    "jax-jit": prepare_jax_jit,
    "jax-scan": prepare_jax_scan,
    "sklearn": prepare_sklearn,
}
