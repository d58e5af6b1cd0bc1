"""Layer-wise updates (``update="layerwise"``): each ``W_k`` is updated as soon as
``∂L/∂W_k`` is known, and ``d`` goes on down through the updated ``W_k``.

Checked against code we did not share with the engine: a plain NumPy loop written here
again, PyTorch (its ``torch.autograd`` for every local derivative and its ``torch.optim``
for every update rule), and Masha's network worked by hand in exact binary fractions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb

Array = np.ndarray[Any, Any]

# -- an independent oracle: the layer-wise loop in plain NumPy ---------------------------

F = {
    "identity": (lambda H: H, lambda H: np.ones_like(H)),
    "sigmoid": (lambda H: 1 / (1 + np.exp(-H)), lambda H: np.exp(-H) / (1 + np.exp(-H)) ** 2),
    "tanh": (np.tanh, lambda H: 1 / np.cosh(H) ** 2),
    "relu": (lambda H: np.maximum(H, 0), lambda H: (H > 0).astype(float)),
}


def numpy_layerwise_sgd(
    Ws: list[Array], bs: list[Array], X: Array, y: Array, acts: list[str], eta: float
) -> tuple[list[Array], list[Array], float]:
    """One layer-wise SGD step, MSE (mean over rows and outputs), identity output.

    ``acts`` names the hidden activations; returns the new weights, biases and the loss
    before the step.
    """
    Ws, bs = [W.copy() for W in Ws], [b.copy() for b in bs]
    fs = [F[a] for a in acts] + [F["identity"]]
    Hs: list[Array] = []
    Os = [X]
    for k, W in enumerate(Ws):  # forward with the old weights, every H and O kept
        H = Os[-1] @ W + (bs[k] if bs else 0.0)
        Hs.append(H)
        Os.append(fs[k][0](H))
    r = Os[-1] - y
    loss = float(np.mean(r**2))
    d = 2 * r / r.size  # ∂L/∂H_L for MSE with an identity output
    for k in reversed(range(len(Ws))):  # Python index k is layer k + 1
        dW = Os[k].T @ d
        Ws[k] = Ws[k] - eta * dW  # W_k updated at once ...
        if bs:
            bs[k] = bs[k] - eta * d.sum(axis=0)
        if k > 0:  # ... and d goes down through the *new* W_k
            d = (d @ Ws[k].T) * fs[k - 1][1](Hs[k - 1])
    return Ws, bs, loss


def _problem(
    sizes: list[int], act: str, bias: bool, seed: int = 0, n: int = 7
) -> tuple[mb.Network, Array, Array]:
    rng = np.random.default_rng(seed)
    net = mb.Network(sizes, act, bias=bias, init="normal", init_scale=0.5, seed=rng)
    if bias:
        net.biases = [rng.normal(scale=0.3, size=b.shape) for b in net.biases]
    X = rng.normal(size=(n, sizes[0]))
    y = rng.normal(size=(n, sizes[-1]))
    return net, X, y


CASES = [
    pytest.param([2, 2, 2, 1], "sigmoid", False, id="masha-sigmoid"),
    pytest.param([2, 2, 2, 1], "sigmoid", True, id="masha-sigmoid-bias"),
    pytest.param([3, 4, 1], "tanh", True, id="3-4-1-tanh-bias"),
    pytest.param([3, 5, 4, 3, 2], "relu", True, id="deep-relu-bias"),
    pytest.param([4, 3, 3, 2], "identity", False, id="linear"),
]


@pytest.mark.parametrize(("sizes", "act", "bias"), CASES)
def test_layerwise_sgd_step_matches_a_plain_numpy_loop(
    sizes: list[int], act: str, bias: bool
) -> None:
    net, X, y = _problem(sizes, act, bias)
    Ws, bs = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    for _ in range(3):
        Ws, bs, expected_loss = numpy_layerwise_sgd(Ws, bs, X, y, [act] * (len(sizes) - 2), 0.1)
        assert net.step(X, y, "mse", learning_rate=0.1, update="layerwise") == pytest.approx(
            expected_loss, rel=1e-13
        )
        for got, want in zip(net.parameters(), [*Ws, *bs]):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("sizes", "act", "bias"), CASES)
def test_fit_layerwise_is_its_steps(sizes: list[int], act: str, bias: bool) -> None:
    """Full batch: ``fit(epochs=E)`` takes the ``E`` layer-wise steps of the oracle."""
    net, X, y = _problem(sizes, act, bias)
    Ws, bs = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    losses = []
    for _ in range(4):
        Ws, bs, value = numpy_layerwise_sgd(Ws, bs, X, y, [act] * (len(sizes) - 2), 0.1)
        losses.append(value)
    history = net.fit(X, y, learning_rate=0.1, epochs=4, update="layerwise", progress=False)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)
    for got, want in zip(net.parameters(), [*Ws, *bs]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert history.path.startswith("reference (update layerwise")
    assert net.training_info is not None
    assert net.training_info["update"] == "layerwise"


def test_fit_layerwise_mini_batches_are_layerwise_steps_on_the_same_rows() -> None:
    net, X, y = _problem([3, 4, 2], "tanh", True, n=10)
    twin = net.copy()
    net.fit(X, y, learning_rate=0.1, epochs=3, batch_size=4, shuffle=False,
            update="layerwise", progress=False)  # fmt: skip
    opt = mb.SGD()
    for _ in range(3):
        for start in range(0, 10, 4):
            rows = slice(start, start + 4)
            twin.step(X[rows], y[rows], learning_rate=0.1, optimizer=opt, update="layerwise")
    assert net == twin  # bitwise: the same steps in the same order


# -- PyTorch: torch.autograd for each local derivative, torch.optim for each rule ---------

OPTIMIZERS = [
    pytest.param("sgd", id="sgd"),
    pytest.param("momentum", id="momentum"),
    pytest.param("nesterov", id="nesterov"),
    pytest.param("adam", id="adam"),
    pytest.param("rmsprop", id="rmsprop"),
    pytest.param("adagrad", id="adagrad"),
]


def _ours_and_torch(name: str, eta: float) -> tuple[mb.Optimizer, Any]:
    """The same rule twice: matbackprop's and torch.optim's (a factory of params)."""
    torch = pytest.importorskip("torch")
    pairs: dict[str, tuple[mb.Optimizer, Any]] = {
        "sgd": (mb.SGD(), lambda p: torch.optim.SGD(p, lr=eta)),
        "momentum": (mb.SGD(momentum=0.9), lambda p: torch.optim.SGD(p, lr=eta, momentum=0.9)),
        "nesterov": (
            mb.SGD(momentum=0.9, nesterov=True),
            lambda p: torch.optim.SGD(p, lr=eta, momentum=0.9, nesterov=True),
        ),
        # PyTorch adds ε to √v̂: matbackprop's epsilon_on="v_hat"
        "adam": (mb.Adam(epsilon_on="v_hat"), lambda p: torch.optim.Adam(p, lr=eta)),
        "rmsprop": (mb.RMSprop(), lambda p: torch.optim.RMSprop(p, lr=eta)),
        "adagrad": (mb.AdaGrad(), lambda p: torch.optim.Adagrad(p, lr=eta)),
    }
    return pairs[name]


def torch_layerwise_steps(
    net: mb.Network, X: Array, y: Array, make_opt: Any, steps: int
) -> tuple[list[Array], list[float], list[Array]]:
    """``steps`` layer-wise steps in PyTorch; returns the parameters, the losses and the
    first step's ``∂L/∂W_L``.

    Each local derivative is torch.autograd's: ``d`` at the output from the loss,
    ``∂L/∂W_k`` from ``H_k = O_{k-1}·W_k (+ b_k)``, ``∂L/∂O_{k-1}`` from ``O_{k-1}·W_k`` with
    the *updated* ``W_k``, and ``* f'(H_{k-1})`` from ``f`` at the old ``H_{k-1}``. The
    update of each layer is ``torch.optim``'s ``step()`` with only that layer's grads set,
    so each parameter's own step count advances once per step.
    """
    torch = pytest.importorskip("torch")
    fs = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
    acts = [fs[a] for a in net.activations[:-1]]
    L = net.n_layers
    W = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.weights]
    b = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in net.biases]
    opt = make_opt([*W, *b])
    Xt, yt = torch.tensor(X), torch.tensor(y)
    losses, first_dWL = [], None
    for step in range(steps):
        with torch.no_grad():  # the forward pass at the old weights, every H and O kept
            O, H = [Xt], []
            for k in range(L):
                Hk = O[-1] @ W[k] + (b[k] if b else 0.0)
                H.append(Hk)
                O.append(acts[k](Hk) if k < L - 1 else Hk)
        HL = H[-1].clone().requires_grad_(True)
        loss = torch.mean((HL - yt) ** 2)
        losses.append(float(loss.detach()))
        (d,) = torch.autograd.grad(loss, HL)
        if step == 0:  # the last layer's gradient is the plain gradient of the loss
            Wc = [w.detach().clone().requires_grad_(True) for w in W]
            out = Xt
            for k in range(L):
                out = out @ Wc[k] + (b[k].detach() if b else 0.0)
                out = acts[k](out) if k < L - 1 else out
            first_dWL = torch.autograd.grad(torch.mean((out - yt) ** 2), Wc[-1])[0].numpy()
        for k in reversed(range(L)):
            O_prev = O[k].clone().requires_grad_(True)
            Wk = W[k].detach().clone().requires_grad_(True)
            parts = [Wk]
            bk = None
            if b:
                bk = b[k].detach().clone().requires_grad_(True)
                parts.append(bk)
            Hk = O_prev @ Wk + (bk if bk is not None else 0.0)
            grads = torch.autograd.grad(Hk, parts, grad_outputs=d)
            for p in [*W, *b]:
                p.grad = None
            W[k].grad = grads[0]
            if b:
                b[k].grad = grads[1]
            opt.step()  # layer k + 1 only: the others have no grad
            if k > 0:
                # ∂L/∂O_{k-1} through the updated W_k, then * f'(H_{k-1}) at the old H
                (dO,) = torch.autograd.grad(O_prev @ W[k].detach(), O_prev, grad_outputs=d)
                Hprev = H[k - 1].clone().requires_grad_(True)
                (d,) = torch.autograd.grad(acts[k - 1](Hprev), Hprev, grad_outputs=dO)
    assert first_dWL is not None
    return [p.detach().numpy() for p in [*W, *b]], losses, [first_dWL]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("sizes", "act", "bias"), CASES[:4])
def test_layerwise_steps_match_pytorch(
    sizes: list[int], act: str, bias: bool, optimizer: str
) -> None:
    eta = 0.05
    net, X, y = _problem(sizes, act, bias)
    usual = net.copy()
    ours, make_torch = _ours_and_torch(optimizer, eta)
    want_params, want_losses, (dWL,) = torch_layerwise_steps(net, X, y, make_torch, steps=4)
    # the first gradient of the last layer is the true one, whatever the update mode
    _, grads = net.gradients(X, y, "mse")
    np.testing.assert_allclose(grads.weights[-1], dWL, rtol=1e-12)
    losses = [
        net.step(X, y, "mse", learning_rate=eta, optimizer=ours, update="layerwise")
        for _ in range(4)
    ]
    np.testing.assert_allclose(losses, want_losses, rtol=1e-12)
    for got, want in zip(net.parameters(), want_params):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    assert ours.state.t == 4  # one count per step, not per layer
    # and the oracle tells the modes apart: the usual steps end elsewhere
    opt = _ours_and_torch(optimizer, eta)[0]
    for _ in range(4):
        usual.step(X, y, "mse", learning_rate=eta, optimizer=opt)
    gap = max(float(np.max(np.abs(p - q))) for p, q in zip(usual.parameters(), want_params))
    assert gap > 1e-6


def test_layerwise_on_torch_arrays_is_the_numpy_step() -> None:
    torch = pytest.importorskip("torch")
    net, X, y = _problem([3, 4, 4, 2], "tanh", True)
    twin = net.copy().to(torch)
    opt_np, opt_t = mb.Adam(), mb.Adam()
    for _ in range(3):
        a = net.step(X, y, learning_rate=0.05, optimizer=opt_np, update="layerwise")
        b = twin.step(torch.tensor(X), torch.tensor(y), learning_rate=0.05, optimizer=opt_t,
                      update="layerwise")  # fmt: skip
        assert a == pytest.approx(b, rel=1e-12)
    for got, want in zip(twin.parameters(), net.parameters()):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


# -- special cases --------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_one_layer_layerwise_is_after_exactly(optimizer: str) -> None:
    """With L = 1 there is no d below the only layer, so both modes are the same step."""
    net, X, y = _problem([3, 2], "identity", True)
    twin = net.copy()
    a, b = _ours_and_torch(optimizer, 0.1)[0], _ours_and_torch(optimizer, 0.1)[0]
    for _ in range(3):
        assert net.step(X, y, learning_rate=0.1, optimizer=a, update="layerwise") == twin.step(
            X, y, learning_rate=0.1, optimizer=b, update="after"
        )
    assert net == twin  # bitwise
    assert a.state.t == b.state.t == 3


def test_mashas_network_one_layerwise_step_by_hand() -> None:
    """The seed's 2-2-2-1 sigmoid network without biases, from zeros, η = 1, ½·MSE.

    After the whole backward pass only W3 has a gradient (W3 = 0 stops d), so the usual
    step moves W3 alone. Layer-wise, d goes down through the *new* W3, and every layer
    moves in the very first step. Every number is a binary fraction: the engine hits it
    exactly.
    """
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[1.0], [0.0]])
    loss = mb.MSE(half=True)  # L = 1/(2n) Σ (y_hat − y)², n = 2
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")

    # forward (old weights): H1 = 0, O1 = ½;  H2 = 0, O2 = ½;  y_hat = O2·W3 = 0
    # L = ½ · mean((0 − 1)², 0²) = ¼
    # d = ∂L/∂y_hat = (y_hat − y)/n = [[−½], [0]]
    # layer 3: dW3 = O2ᵀ·d = [[½·(−½)], [½·(−½)]] = [[−¼], [−¼]]
    #          W3 ← 0 − 1·dW3 = [[¼], [¼]]                              (at once)
    #          d = d·W3ᵀ * σ'(H2) = [[−½], [0]]·[[¼, ¼]] * ¼ = [[−1/32, −1/32], [0, 0]]
    # layer 2: dW2 = O1ᵀ·d = ½·(−1/32 + 0) = −1/64 in every entry
    #          W2 ← 0 + 1/64 in every entry                             (at once)
    #          d = d·W2ᵀ * σ'(H1): row 1: (−1/32)·(1/64)·2 · ¼ = −1/4096, row 2: 0
    #            = [[−1/4096, −1/4096], [0, 0]]
    # layer 1: dW1 = Xᵀ·d = [[1·(−1/4096), ...], [2·(−1/4096), ...]]
    #          W1 ← [[1/4096, 1/4096], [1/2048, 1/2048]]
    assert net.step(X, y, loss, learning_rate=1.0, update="layerwise") == 0.25
    np.testing.assert_array_equal(net.weights[2], [[1 / 4], [1 / 4]])
    np.testing.assert_array_equal(net.weights[1], np.full((2, 2), 1 / 64))
    np.testing.assert_array_equal(net.weights[0], [[1 / 4096, 1 / 4096], [1 / 2048, 1 / 2048]])

    # the usual step from the same point: W3 the same, W2 and W1 unchanged (d·0ᵀ = 0)
    after = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")
    after.step(X, y, loss, learning_rate=1.0)
    np.testing.assert_array_equal(after.weights[2], [[1 / 4], [1 / 4]])
    np.testing.assert_array_equal(after.weights[1], np.zeros((2, 2)))
    np.testing.assert_array_equal(after.weights[0], np.zeros((2, 2)))


def test_adam_counts_one_step_per_step_and_every_layer_uses_it() -> None:
    """Adam's bias correction uses t; each layer of step t must see the same t."""
    net, X, y = _problem([2, 3, 3, 1], "tanh", True)
    opt = mb.Adam()
    eta, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    Ws, bs = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    m = [np.zeros_like(p) for p in [*Ws, *bs]]
    v = [np.zeros_like(p) for p in [*Ws, *bs]]
    L = len(Ws)
    for t in range(1, 4):
        # the oracle: the layer-wise loop of numpy_layerwise_sgd with Adam's rule, at count t
        Hs, Os = [], [X]
        for k in range(L):
            H = Os[-1] @ Ws[k] + bs[k]
            Hs.append(H)
            Os.append(np.tanh(H) if k < L - 1 else H)
        d = 2 * (Os[-1] - y) / y.size
        for k in reversed(range(L)):
            for i, g in ((k, Os[k].T @ d), (L + k, d.sum(axis=0))):
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                # the "efficient version" (epsilon_on="v"): η·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε)
                step = eta * np.sqrt(1 - b2**t) / (1 - b1**t) * m[i] / (np.sqrt(v[i]) + eps)
                if i < L:
                    Ws[k] = Ws[k] - step
                else:
                    bs[k] = bs[k] - step
            if k > 0:
                d = (d @ Ws[k].T) * (1 - np.tanh(Hs[k - 1]) ** 2)
        net.step(X, y, learning_rate=eta, optimizer=opt, update="layerwise")
        assert opt.state.t == t
        for got, want in zip(net.parameters(), [*Ws, *bs]):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # and fit counts the same way: 5 full-batch epochs are 5 steps
    fitted = mb.Adam()
    net.fit(X, y, optimizer=fitted, learning_rate=eta, epochs=5, update="layerwise",
            progress=False)  # fmt: skip
    assert fitted.state.t == 5


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_frozen_parameters_stay_and_d_goes_through_them(optimizer: str) -> None:
    net, X, y = _problem([3, 4, 4, 2], "tanh", True)
    frozen_W2, frozen_b1 = net.weights[1].copy(), net.biases[0].copy()
    twin = net.copy()
    opt = _ours_and_torch(optimizer, 0.1)[0]
    for _ in range(3):
        net.step(X, y, learning_rate=0.1, optimizer=opt, freeze=["W2", "b1"], update="layerwise")
    np.testing.assert_array_equal(net.weights[1], frozen_W2)
    np.testing.assert_array_equal(net.biases[0], frozen_b1)
    assert opt.state.t == 3
    if opt.state.slots:  # a frozen parameter's slots stay zero
        for slot in opt.state.slots.values():
            assert not np.any(slot[1])
            assert not np.any(slot[3])
    # fit with the same freeze takes the same steps
    history = twin.fit(
        X, y, optimizer=_ours_and_torch(optimizer, 0.1)[0], learning_rate=0.1, epochs=3,
        freeze=["W2", "b1"], update="layerwise", progress=False,
    )  # fmt: skip
    assert history.path.startswith("reference")
    assert twin == net


def test_layerwise_differs_from_after_at_second_order_only() -> None:
    """For small η a layer-wise step is the usual step up to O(η²): the lower layers'
    gradients are taken with W_{k+1..L} moved by O(η)."""
    net, X, y = _problem([2, 3, 3, 1], "sigmoid", True)
    gaps = []
    for eta in (1e-2, 1e-3):
        a, b = net.copy(), net.copy()
        a.step(X, y, learning_rate=eta, update="layerwise")
        b.step(X, y, learning_rate=eta)
        gaps.append(
            max(float(np.max(np.abs(p - q))) for p, q in zip(a.parameters(), b.parameters()))
        )
        assert gaps[-1] > 0
    # η ten times smaller: the gap a hundred times smaller (second order)
    assert gaps[1] / gaps[0] == pytest.approx(1e-2, rel=0.05)


def test_a_linear_network_shows_the_extra_term_in_closed_form() -> None:
    """X·W1·W2 (identity hidden layer, no biases): with d = ∂L/∂H2 at the old weights,

        W2ⁿᵉʷ = W2 − η·O1ᵀ·d,   and the next d is d·W2ⁿᵉʷᵀ = d·W2ᵀ − η·d·dᵀ·X·W1, so
        W1ⁿᵉʷ = W1 − η·Xᵀ·d·W2ᵀ + η²·(Xᵀ·d)·(Xᵀ·d)ᵀ·W1:

    the usual step plus η²·g·gᵀ·W1 with g = Xᵀ·d, a positive semi-definite matrix times W1:
    the layer-wise correction only ever stretches W1 (docs/layerwise.md)."""
    rng = np.random.default_rng(3)
    W1, W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net = mb.Network([3, 4, 2], "identity", bias=False, init=[W1, W2])
    eta = 0.05
    d = 2 * (X @ W1 @ W2 - y) / y.size  # ∂L/∂H2 of the MSE, a mean over n·m entries
    g = X.T @ d  # (3, 2)
    net.step(X, y, learning_rate=eta, update="layerwise")
    np.testing.assert_allclose(net.weights[1], W2 - eta * (X @ W1).T @ d, rtol=1e-13)
    want = W1 - eta * X.T @ d @ W2.T + eta**2 * g @ g.T @ W1
    np.testing.assert_allclose(net.weights[0], want, rtol=1e-12)


# -- settings -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Layerwise", "all", "", None, 1])
def test_invalid_update_is_refused_by_name(bad: Any) -> None:
    net, X, y = _problem([2, 2, 1], "tanh", False)
    with pytest.raises(mb.ConfigError, match=r"update must be 'after' or 'layerwise', got "):
        net.step(X, y, update=bad)
    with pytest.raises(mb.ConfigError, match=r"update must be 'after' or 'layerwise', got "):
        net.fit(X, y, update=bad, progress=False)
    assert net == _problem([2, 2, 1], "tanh", False)[0]  # nothing trained


def test_checkpoint_keeps_the_mode_and_refuses_another(tmp_path: Path) -> None:
    net, X, y = _problem([2, 3, 1], "tanh", True)
    full = net.copy()
    full.fit(X, y, learning_rate=0.1, epochs=6, update="layerwise", progress=False)
    ck = tmp_path / "run.npz"
    net.fit(X, y, learning_rate=0.1, epochs=3, update="layerwise", checkpoint=ck, progress=False)
    with pytest.raises(mb.ConfigError, match="update='layerwise', this run has None"):
        net.copy().fit(X, y, learning_rate=0.1, epochs=6, checkpoint=ck, progress=False)
    net.fit(X, y, learning_rate=0.1, epochs=6, update="layerwise", checkpoint=ck, progress=False)
    assert net == full  # resumed: bitwise the run that never stopped


def test_the_mode_is_saved_with_the_model(tmp_path: Path) -> None:
    net, X, y = _problem([2, 3, 1], "tanh", True)
    net.fit(X, y, epochs=2, update="layerwise", progress=False)
    net.save(tmp_path / "m.npz")
    info = mb.Network.load(tmp_path / "m.npz").training_info
    assert info is not None
    assert info["update"] == "layerwise"
    net.fit(X, y, epochs=2, progress=False)
    assert net.training_info is not None
    assert net.training_info["update"] == "after"
    json.dumps(net.training_info)  # still plain JSON


# -- the command line -----------------------------------------------------------------


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    X, y = mb.demo_data(n=40)
    path = tmp_path / "data.csv"
    rows = ["x1,x2,y", *(",".join(repr(float(v)) for v in row) for row in np.hstack([X, y]))]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_train_update_layerwise_is_fit_with_it(
    capsys: pytest.CaptureFixture[str], data_csv: Path, tmp_path: Path
) -> None:
    from matbackprop.cli import main

    model = tmp_path / "m.npz"
    code = main(["train", str(data_csv), "--target", "y", "--layers", "2,3,1", "--epochs", "5",
                 "--lr", "0.5", "--update", "layerwise", "--save", str(model),
                 "--no-progress"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    X, y = mb.demo_data(n=40)
    net = mb.Network([2, 3, 1], "sigmoid", seed=0)  # train's defaults: sigmoid, --seed 0
    net.fit(X, y, learning_rate=0.5, epochs=5, update="layerwise", seed=0, progress=False)
    saved = mb.Network.load(model)
    for got, want in zip(saved.parameters(), net.parameters()):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    assert saved.training_info is not None
    assert saved.training_info["update"] == "layerwise"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        pytest.param(["--update", "all"], "'all' is not one of 'after', 'layerwise'", id="bad"),
        pytest.param(["--update", "layerwise", "--dask"], "not available with --dask", id="dask"),
    ],
)
def test_train_update_mistakes_exit_2(
    capsys: pytest.CaptureFixture[str], data_csv: Path, extra: list[str], fragment: str
) -> None:
    from matbackprop.cli import main

    code = main(["train", str(data_csv), "--target", "y", "--layers", "2,3,1", "--epochs", "1",
                 "--no-progress", *extra])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err


def test_the_docs_page_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "layerwise.md").read_text()
    code = "\n".join(re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL))
    assert code
    exec(compile(code, "docs/layerwise.md", "exec"), {})
    assert "layerwise" in capsys.readouterr().out


def test_layerwise_with_validation_and_early_stopping() -> None:
    """The loop's other settings work as for the usual mode: validation loss after every
    epoch, and early stopping restores the best weights."""
    net, X, y = _problem([3, 4, 1], "tanh", True, n=40)
    history = net.fit(X, y, learning_rate=0.05, epochs=30, update="layerwise", seed=0,
                      validation_split=0.25, early_stopping=True, patience=3,
                      progress=False)  # fmt: skip
    assert len(history.val_loss) == history.epochs
    assert history.best_epoch is not None
    assert history.path.startswith("reference (update layerwise")
