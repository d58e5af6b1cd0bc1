"""Backprop's gradients against oracles from outside the engine.

Two oracles:

* HIPS ``autograd``, differentiating a network written below in plain ``autograd.numpy``
  (rows are samples, ``H = O @ W + b``, every activation and loss re-typed from its
  textbook formula), independent of :mod:`matbackprop`'s code;
* central finite differences, both a tiny one written here on the network's loss and
  :func:`matbackprop.numerical_gradients`.

The grid is every hidden activation × loss (fused and un-fused output pairs) × bias on/off
× depth 1..4, with widths of 1 on the way; float64 must agree with autograd to 1e-9
relative, float32 to 1e-4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import example, given, settings
from hypothesis import strategies as st

import matbackprop as mb

Array = np.ndarray[Any, Any]

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "silu"]


# -- the oracle: the same network in plain autograd.numpy -------------------------------


def _sigmoid(t: Any) -> Any:
    return 0.5 * (anp.tanh(0.5 * t) + 1.0)  # σ(t) = (1 + tanh(t/2)) / 2


def _softmax(t: Any) -> Any:
    e = anp.exp(t - anp.max(t, axis=1, keepdims=True))
    return e / anp.sum(e, axis=1, keepdims=True)


REFERENCE: dict[str, Callable[[Any], Any]] = {
    "identity": lambda t: t,
    "sigmoid": _sigmoid,
    "tanh": anp.tanh,
    "relu": lambda t: anp.where(t > 0, t, 0.0 * t),
    "leaky_relu": lambda t: anp.where(t > 0, t, 0.01 * t),
    "softplus": lambda t: anp.logaddexp(0.0, t),  # log(e^0 + e^t)
    # (where, not minimum: autograd splits a tie of minimum(0, 0) and would give ½ at t = 0)
    "elu": lambda t: anp.where(t > 0, t, anp.exp(anp.where(t > 0, 0.0, t)) - 1.0),
    "silu": lambda t: t * _sigmoid(t),
    "softmax": _softmax,
}


def _reference_loss(name: str, half: bool, y_hat: Any, y: Array) -> Any:
    n = y.shape[0]
    if name == "mse":
        return (0.5 if half else 1.0) * anp.mean((y_hat - y) ** 2)
    if name == "logloss":
        return -anp.sum(y * anp.log(y_hat) + (1 - y) * anp.log(1 - y_hat)) / n
    assert name == "cross_entropy"
    return -anp.sum(y * anp.log(y_hat)) / n


def _loss_from_logits(name: str, H: Any, y: Array) -> Any:
    """The paired losses written with ``H_L``: log σ(h) = −softplus(−h) and
    log softmax(h) = h − logsumexp(h), finite even where σ(h) rounds to exactly 1."""
    n = y.shape[0]
    if name == "logloss":
        return anp.sum(y * anp.logaddexp(0.0, -H) + (1 - y) * anp.logaddexp(0.0, H)) / n
    assert name == "cross_entropy"
    m = anp.max(H, axis=1, keepdims=True)
    log_z = m + anp.log(anp.sum(anp.exp(H - m), axis=1, keepdims=True))
    return -anp.sum(y * (H - log_z)) / n


@dataclass(frozen=True)
class LossCase:
    id: str
    loss: mb.Loss
    output: str  # the output activation it is paired with here

    def n_out(self, depth: int) -> int:
        """Outputs: 3 classes for softmax; else 1 at odd depths (a width-1 output), 2 at even."""
        return 3 if self.output == "softmax" else 1 + (depth + 1) % 2


LOSS_CASES = [
    LossCase("mse_half-identity", mb.MSE(half=True), "identity"),
    LossCase("mse-identity", mb.MSE(), "identity"),
    LossCase("logloss-sigmoid", mb.LogLoss(), "sigmoid"),  # fused grad_H
    LossCase("cross_entropy-softmax", mb.CrossEntropy(), "softmax"),  # fused grad_H
    LossCase("mse-sigmoid", mb.MSE(), "sigmoid"),  # un-fused: ∂L/∂y_hat * σ'(H_L)
    LossCase("mse_half-softmax", mb.MSE(half=True), "softmax"),  # un-fused: row Jacobian
    LossCase("mse-tanh", mb.MSE(), "tanh"),  # un-fused, element-wise
]

# Hidden widths per depth (number of weight layers L); each deeper net has a width-1 layer.
HIDDEN_WIDTHS = {1: [], 2: [1], 3: [4, 1], 4: [3, 1, 2]}
N_IN = {1: 3, 2: 2, 3: 1, 4: 3}  # a single input column at depth 3


def _target(case: LossCase, rng: np.random.Generator, n: int, n_out: int) -> Array:
    if case.loss.name == "logloss":
        return rng.integers(0, 2, size=(n, n_out)).astype(float)
    if case.loss.name == "cross_entropy":
        return np.eye(n_out)[rng.integers(0, n_out, size=n)]
    if case.output in ("sigmoid", "softmax"):
        return rng.uniform(0.0, 1.0, size=(n, n_out))
    return rng.normal(size=(n, n_out))


def _problem(
    act: str, case: LossCase, bias: bool, depth: int, seed: int, dtype: Any = np.float64
) -> tuple[mb.Network, Array, Array]:
    """A random network and data set of this shape; biases are random too (not zero).

    Draws again until every hidden neuron is active (H > 0) on some row, so that no ReLU
    layer is dead and the gradient is not trivially zero, and no H sits within 1e-3 of a
    kink (but off it), where finite differences would straddle it.
    """
    rng = np.random.default_rng(seed)
    for _ in range(50):
        net, X, y = _draw(act, case, bias, depth, rng, dtype)
        H = net.forward(X).H[1:-1]
        if all(_usable(h) for h in H if h is not None):
            return net, X, y
    raise AssertionError("no usable draw in 50 tries")


def _usable(H: Array) -> bool:
    # Exact zeros are allowed: they come from a dead ReLU below and stay zero when perturbed.
    near_kink = (H != 0) & (np.abs(H) < 1e-3)
    return bool(np.all(np.max(H, axis=0) > 0) and not np.any(near_kink))


def _draw(
    act: str, case: LossCase, bias: bool, depth: int, rng: np.random.Generator, dtype: Any
) -> tuple[mb.Network, Array, Array]:
    sizes = [N_IN[depth], *HIDDEN_WIDTHS[depth], case.n_out(depth)]
    net = mb.Network(
        sizes,
        activation=act,
        output_activation=case.output,
        bias=bias,
        init="normal",
        init_scale=0.8,
        seed=rng,
        dtype=dtype,
    )
    if bias:
        net.biases = [rng.normal(scale=0.5, size=b.shape) for b in net.biases]
    n = 8
    X = rng.normal(size=(n, sizes[0]))
    return net, X.astype(dtype), _target(case, rng, n, sizes[-1]).astype(dtype)


def _oracle(net: mb.Network, X: Array, y: Array, case: LossCase) -> tuple[float, list[Array]]:
    """Loss, then ∂L/∂W_k, ∂L/∂b_k and ∂L/∂H_k from autograd, all in float64.

    ``∂L/∂H_k`` is the gradient with respect to a zero matrix ``E_k`` added to ``H_k``.
    """
    fs = [REFERENCE[name] for name in net.activations]
    L = net.n_layers
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    half = isinstance(case.loss, mb.MSE) and case.loss.half

    def loss(params: list[Any]) -> Any:
        Ws, bs, Es = params[:L], params[L : L + len(net.biases)], params[-L:]
        O = X64
        for k in range(L):
            H = anp.dot(O, Ws[k]) + Es[k]
            if bs:
                H = H + bs[k]
            O = fs[k](H)
        if case.loss.output_activation == case.output != "identity":
            return _loss_from_logits(case.loss.name, H, y64)
        return _reference_loss(case.loss.name, half, O, y64)

    params = [W.astype(np.float64) for W in net.weights]
    params += [b.astype(np.float64) for b in net.biases]
    params += [np.zeros((X.shape[0], n_k)) for n_k in net.layer_sizes[1:]]
    return float(loss(params)), grad(loss)(params)


def _assert_close(ours: list[Array], ref: list[Array], rtol: float) -> None:
    """Entry-wise ``|a − b| <= rtol·(|b| + max |b| over all arrays)``: relative to the scale."""
    scale = max(float(np.max(np.abs(r))) for r in ref)
    assert scale > 0, "the oracle's gradient is identically zero: the case tests nothing"
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert a.shape == b.shape, f"array {i}"
        err = np.abs(a.astype(np.float64) - b) / (np.abs(b) + scale)
        assert float(np.max(err)) <= rtol, f"array {i}: relative error {np.max(err):.3e}"


GRID = [
    pytest.param(
        act, case, bias, depth, id=f"{act}-{case.id}-{'bias' if bias else 'nobias'}-L{depth}"
    )
    for act in HIDDEN
    for case in LOSS_CASES
    for bias in (True, False)
    for depth in (1, 2, 3, 4)
    if not (depth == 1 and act != "identity")  # depth 1 has no hidden activation
]


@pytest.mark.parametrize(("act", "case", "bias", "depth"), GRID)
def test_gradients_match_autograd_float64(act: str, case: LossCase, bias: bool, depth: int) -> None:
    net, X, y = _problem(act, case, bias, depth, seed=depth * 100 + len(act))
    value, grads = net.gradients(X, y, case.loss)
    ref_value, ref = _oracle(net, X, y, case)
    L, n_b = net.n_layers, len(net.biases)
    assert value == pytest.approx(ref_value, rel=1e-12)
    _assert_close(grads.parameters(), ref[: L + n_b], rtol=1e-9)
    # grads.d[k] is ∂L/∂H_k for k = 1..L; d[0] is None (no H_0)
    assert grads.d[0] is None
    _assert_close([d for d in grads.d[1:] if d is not None], ref[L + n_b :], rtol=1e-9)

    # The same gradients through backward() from a user-supplied ∂L/∂y_hat, which for
    # the fused pairs takes the un-fused route ∂L/∂y_hat * f'(H_L) or the row Jacobian.
    cache = net.forward(X)
    by_hand = net.backward(cache, case.loss.grad(cache.y_hat, y))
    _assert_close(by_hand.parameters(), ref[: L + n_b], rtol=1e-9)


def _oracle_dO(net: mb.Network, X: Array, y: Array, case: LossCase) -> list[Array]:
    """∂L/∂O_k for k = 0..L-1 from autograd: the gradient with respect to a zero matrix
    ``F_k`` added to ``O_k`` (``O_0 = X``), in float64."""
    fs = [REFERENCE[name] for name in net.activations]
    L = net.n_layers
    y64 = y.astype(np.float64)
    half = isinstance(case.loss, mb.MSE) and case.loss.half
    Ws = [W.astype(np.float64) for W in net.weights]
    bs = [b.astype(np.float64) for b in net.biases]

    def loss(Fs: list[Any]) -> Any:
        O = X.astype(np.float64)
        for k in range(L):
            H = anp.dot(O + Fs[k], Ws[k])
            if bs:
                H = H + bs[k]
            O = fs[k](H)
        if case.loss.output_activation == case.output != "identity":
            return _loss_from_logits(case.loss.name, H, y64)
        return _reference_loss(case.loss.name, half, O, y64)

    return list(grad(loss)([np.zeros((X.shape[0], n_k)) for n_k in net.layer_sizes[:-1]]))


@pytest.mark.parametrize(("act", "case", "bias", "depth"), GRID)
def test_gradients_with_respect_to_every_O_match_autograd(
    act: str, case: LossCase, bias: bool, depth: int
) -> None:
    net, X, y = _problem(act, case, bias, depth, seed=depth * 100 + len(act))
    ref = _oracle_dO(net, X, y, case)
    _, grads = net.gradients(X, y, case.loss, inputs=True)
    assert grads.dO is not None
    assert len(grads.dO) == net.n_layers  # O_0 = X .. O_{L-1}
    _assert_close(grads.dO, ref, rtol=1e-9)
    cache = net.forward(X)
    by_hand = net.backward(cache, case.loss.grad(cache.y_hat, y), inputs=True)
    assert by_hand.dO is not None
    _assert_close(by_hand.dO, ref, rtol=1e-9)
    # not asked for, not formed
    assert net.gradients(X, y, case.loss)[1].dO is None
    assert net.backward(cache, case.loss.grad(cache.y_hat, y)).dO is None


F32_GRID = [
    pytest.param(act, case, id=f"{act}-{case.id}-float32") for act in HIDDEN for case in LOSS_CASES
]


@pytest.mark.parametrize(("act", "case"), F32_GRID)
def test_gradients_match_autograd_float32(act: str, case: LossCase) -> None:
    net, X, y = _problem(act, case, True, 3, seed=7, dtype=np.float32)
    value, grads = net.gradients(X, y, case.loss)
    assert all(g.dtype == np.float32 for g in grads.parameters())
    ref_value, ref = _oracle(net, X, y, case)  # float64 on the float32 values
    assert value == pytest.approx(ref_value, rel=1e-5)
    _assert_close(grads.parameters(), ref[: len(grads.parameters())], rtol=1e-4)


@settings(max_examples=60, deadline=None)
@example(  # found by Hypothesis: the output saturates, σ(h) rounds to exactly 1
    hidden=[(4, "identity"), (3, "identity"), (1, "identity")],
    n_in=3,
    case=LOSS_CASES[2],  # logloss-sigmoid
    bias=False,
    seed=2804,
)
@given(
    hidden=st.lists(st.tuples(st.integers(1, 4), st.sampled_from(HIDDEN)), min_size=0, max_size=3),
    n_in=st.integers(1, 3),
    case=st.sampled_from(LOSS_CASES),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_mixed_activations_match_autograd(
    hidden: list[tuple[int, str]], n_in: int, case: LossCase, bias: bool, seed: int
) -> None:
    """Any widths, a different activation in every hidden layer, any loss pair."""
    rng = np.random.default_rng(seed)
    sizes = [n_in, *(w for w, _ in hidden), case.n_out(len(hidden) + 1)]
    net = mb.Network(sizes, activation=[a for _, a in hidden], output_activation=case.output,
                     bias=bias, init="normal", init_scale=0.8, seed=rng)  # fmt: skip
    if bias:
        net.biases = [rng.normal(scale=0.5, size=b.shape) for b in net.biases]
    X = rng.normal(size=(6, n_in))
    y = _target(case, rng, 6, sizes[-1])
    _, grads = net.gradients(X, y, case.loss)
    _, ref = _oracle(net, X, y, case)
    ours = [*grads.parameters(), *(d for d in grads.d[1:] if d is not None)]
    scale = max(float(np.max(np.abs(r))) for r in ref)
    for a, b in zip(ours, ref):  # relative to the gradient's scale; a dead ReLU net is 0 = 0
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * scale + 1e-300)


# -- finite differences -----------------------------------------------------------------


def _central_differences(
    net: mb.Network, X: Array, y: Array, loss: mb.Loss, eps: float = 1e-6
) -> list[Array]:
    """``(L(p + ε) − L(p − ε)) / 2ε``, entry by entry, written here and not in the library."""
    out = []
    for p in net.parameters():
        g = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            keep = p[idx]
            p[idx] = keep + eps
            up = net.loss(X, y, loss)
            p[idx] = keep - eps
            down = net.loss(X, y, loss)
            p[idx] = keep
            g[idx] = (up - down) / (2 * eps)
        out.append(g)
    return out


FD_GRID = [
    pytest.param(act, case, bias, id=f"{act}-{case.id}-{'bias' if bias else 'nobias'}")
    for act in HIDDEN
    for case in LOSS_CASES
    for bias in (True, False)
]


@pytest.mark.parametrize(("act", "case", "bias"), FD_GRID)
def test_gradients_match_finite_differences(act: str, case: LossCase, bias: bool) -> None:
    net, X, y = _problem(act, case, bias, 3, seed=11)
    before = [p.copy() for p in net.parameters()]
    _, grads = net.gradients(X, y, case.loss)
    ours_fd = _central_differences(net, X, y, case.loss)
    library_fd = mb.numerical_gradients(net, X, y, case.loss)
    _assert_close(grads.parameters(), ours_fd, rtol=1e-6)
    _assert_close(grads.parameters(), library_fd, rtol=1e-6)
    # neither finite-difference pass leaves a trace on the parameters
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
def test_gradient_with_respect_to_X_matches_finite_differences(bias: bool) -> None:
    net, X, y = _problem("tanh", LOSS_CASES[2], bias, 3, seed=5)
    _, grads = net.gradients(X, y, LOSS_CASES[2].loss, inputs=True)
    assert grads.dO is not None
    eps, fd = 1e-6, np.zeros_like(X)
    for idx in np.ndindex(*X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += eps
        Xm[idx] -= eps
        up, down = (net.loss(Z, y, LOSS_CASES[2].loss) for Z in (Xp, Xm))
        fd[idx] = (up - down) / (2 * eps)
    _assert_close([grads.dO[0]], [fd], rtol=1e-7)


def test_inputs_must_be_a_boolean(rng: np.random.Generator) -> None:
    net = mb.Network([2, 1], seed=rng)
    cache = net.forward(np.ones((1, 2)))
    with pytest.raises(mb.ConfigError, match="inputs must be True or False, got 1"):
        net.backward(cache, np.ones((1, 1)), inputs=1)  # type: ignore[arg-type]


# -- backward from a user-supplied dL/dy_hat ---------------------------------------------


def test_backward_propagates_any_upstream_gradient(rng: np.random.Generator) -> None:
    """For an arbitrary G = ∂L/∂y_hat, backward gives the gradient of L = Σ G ⊙ y_hat."""
    net = mb.Network([3, 4, 2], activation="tanh", output_activation="sigmoid", seed=rng)
    X = rng.normal(size=(6, 3))
    G = rng.normal(size=(6, 2))
    grads = net.backward(net.forward(X), G)

    def L(params: list[Any]) -> Any:
        W1, W2, b1, b2 = params
        O2 = _sigmoid(anp.dot(anp.tanh(anp.dot(X, W1) + b1), W2) + b2)
        return anp.sum(G * O2)

    ref = grad(L)([*net.weights, *net.biases])
    _assert_close(grads.parameters(), ref, rtol=1e-12)


def test_backward_through_softmax_uses_the_row_jacobian(rng: np.random.Generator) -> None:
    """d = G_i·J_i row by row, with J_i = diag(p_i) − p_i p_iᵀ built explicitly here."""
    net = mb.Network([2, 3], output_activation="softmax", seed=rng)
    X = rng.normal(size=(4, 2))
    G = rng.normal(size=(4, 3))
    cache = net.forward(X)
    grads = net.backward(cache, G)
    p = cache.y_hat
    expected = np.stack([G[i] @ (np.diag(p[i]) - np.outer(p[i], p[i])) for i in range(4)])
    d = grads.d[1]
    assert d is not None
    np.testing.assert_allclose(d, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grads.weights[0], X.T @ expected, rtol=1e-12)
    np.testing.assert_allclose(grads.biases[0], expected.sum(axis=0), rtol=1e-12)
    # softmax rows sum to one, so every row of ∂L/∂H sums to zero
    np.testing.assert_allclose(d.sum(axis=1), 0.0, atol=1e-15)


def test_backward_refuses_a_wrong_shape(rng: np.random.Generator) -> None:
    net = mb.Network([2, 2, 1], seed=rng)
    cache = net.forward(rng.normal(size=(3, 2)))
    with pytest.raises(mb.ShapeError, match=r"dL_dyhat must have the shape of y_hat \(3, 1\)"):
        net.backward(cache, np.ones((1, 3)))


def test_fused_output_gradient_is_exact_when_saturated() -> None:
    """At a saturated sigmoid, ∂L/∂H_L = (p − y)/n still comes out exactly."""
    net = mb.Network([1, 1], output_activation="sigmoid", bias=False, init=[np.array([[50.0]])])
    X, y = np.array([[1.0], [-1.0]]), np.array([[0.0], [0.0]])
    _, grads = net.gradients(X, y, "logloss")
    p = net.predict(X)
    d = grads.d[1]
    assert d is not None
    np.testing.assert_array_equal(d, (p - y) / 2)
    assert np.all(np.isfinite(grads.weights[0]))


def _worst_errors() -> None:
    """Print the worst errors over the grids: ``python tests/test_gradients.py``."""

    def rel(ours: list[Array], ref: list[Array]) -> float:
        scale = max(float(np.max(np.abs(r))) for r in ref)
        return max(
            float(np.max(np.abs(a.astype(np.float64) - b) / (np.abs(b) + scale)))
            for a, b in zip(ours, ref)
        )

    worst64 = worst32 = worst_fd = 0.0
    for p in GRID:
        act, case, bias, depth = p.values
        net, X, y = _problem(act, case, bias, depth, seed=depth * 100 + len(act))
        _, g = net.gradients(X, y, case.loss)
        worst64 = max(
            worst64, rel(g.parameters(), _oracle(net, X, y, case)[1][: len(g.parameters())])
        )
    for p in F32_GRID:
        act, case = p.values
        net, X, y = _problem(act, case, True, 3, seed=7, dtype=np.float32)
        _, g = net.gradients(X, y, case.loss)
        worst32 = max(
            worst32, rel(g.parameters(), _oracle(net, X, y, case)[1][: len(g.parameters())])
        )
    for p in FD_GRID:
        act, case, bias = p.values
        net, X, y = _problem(act, case, bias, 3, seed=11)
        _, g = net.gradients(X, y, case.loss)
        worst_fd = max(worst_fd, rel(g.parameters(), _central_differences(net, X, y, case.loss)))
    print(f"float64 backprop vs autograd, {len(GRID)} cases: worst relative error {worst64:.1e}")
    print(
        f"float32 backprop vs autograd, {len(F32_GRID)} cases: worst relative error {worst32:.1e}"
    )
    print(f"float64 backprop vs central differences, {len(FD_GRID)} cases: worst {worst_fd:.1e}")


if __name__ == "__main__":
    _worst_errors()
