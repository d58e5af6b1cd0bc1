"""The network: Masha's network worked by hand, the cache's indexing, parameters, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import matbackprop as mb

Array = np.ndarray[Any, Any]


# -- Masha's network, worked by hand ----------------------------------------------------


def test_mashas_network_two_steps_by_hand() -> None:
    """The seed's 2-2-2-1 sigmoid network without biases, from zeros, lr = 1, two steps.

    Every number below is a binary fraction, so the engine must hit it exactly.
    """
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[1.0], [0.0]])
    loss = mb.MSE(half=True)  # L = 1/(2n) Σ (y_hat − y)², n = 2

    # ---- step 1: forward ----
    # H1 = X·W1 = X·0 = 0 (2×2);  O1 = σ(0) = ½ everywhere
    # H2 = O1·W2 = 0;             O2 = ½ everywhere
    # H3 = O2·W3 = 0;             y_hat = H3 = [[0], [0]]   (output activation: identity)
    cache = net.forward(X)
    half = np.full((2, 2), 0.5)
    assert cache.H[0] is None
    np.testing.assert_array_equal(cache.O[0], X)  # O_0 = X
    np.testing.assert_array_equal(cache.H[1], np.zeros((2, 2)))
    np.testing.assert_array_equal(cache.O[1], half)
    np.testing.assert_array_equal(cache.H[2], np.zeros((2, 2)))
    np.testing.assert_array_equal(cache.O[2], half)
    np.testing.assert_array_equal(cache.y_hat, [[0.0], [0.0]])
    # L = ½ · mean((0 − 1)², (0 − 0)²) = ½ · ½ = ¼
    assert loss.value(cache.y_hat, y) == 0.25

    # ---- step 1: backward ----
    # d3 = ∂L/∂y_hat = (y_hat − y)/n = [[−1], [0]] / 2 = [[−½], [0]]
    # dW3 = O2ᵀ·d3 = [[½·(−½) + ½·0], [½·(−½) + ½·0]] = [[−¼], [−¼]]
    # d2 = d3·W3ᵀ * σ'(H2) = [[−½], [0]]·[[0, 0]] * ¼ = 0   (W3 is still zero)
    # dW2 = O1ᵀ·d2 = 0;  d1 = d2·W2ᵀ * σ'(H1) = 0;  dW1 = Xᵀ·d1 = 0
    value, grads = net.gradients(X, y, loss)
    assert value == 0.25
    np.testing.assert_array_equal(grads.d[3], [[-0.5], [0.0]])
    np.testing.assert_array_equal(grads.weights[2], [[-0.25], [-0.25]])
    np.testing.assert_array_equal(grads.d[2], np.zeros((2, 2)))
    np.testing.assert_array_equal(grads.weights[1], np.zeros((2, 2)))
    np.testing.assert_array_equal(grads.weights[0], np.zeros((2, 2)))

    # ---- step 1: update, W ← W − 1·dW ----
    # W3 = [[0], [0]] − [[−¼], [−¼]] = [[¼], [¼]];  W1, W2 stay zero
    assert net.step(X, y, loss, learning_rate=1.0) == 0.25  # returns the loss before the step
    np.testing.assert_array_equal(net.weights[2], [[0.25], [0.25]])
    np.testing.assert_array_equal(net.weights[1], np.zeros((2, 2)))
    np.testing.assert_array_equal(net.weights[0], np.zeros((2, 2)))

    # ---- step 2: forward ----
    # H1 = 0, O1 = ½;  H2 = 0, O2 = ½  (W1, W2 still zero)
    # y_hat = O2·W3 = ½·¼ + ½·¼ = ¼ on both rows
    # L = ½ · mean((¼ − 1)², (¼ − 0)²) = ½ · (9/16 + 1/16)/2 = 5/32
    np.testing.assert_array_equal(net.predict(X), [[0.25], [0.25]])

    # ---- step 2: backward ----
    # d3 = (y_hat − y)/2 = [[−¾], [¼]]/2 = [[−3/8], [1/8]]
    # dW3 = O2ᵀ·d3 = ½·(−3/8 + 1/8) = −⅛ in both entries
    # d2 = d3·W3ᵀ * σ'(H2):  d3·W3ᵀ = [[−3/32, −3/32], [1/32, 1/32]],  σ'(0) = ¼
    #    = [[−3/128, −3/128], [1/128, 1/128]]
    # dW2 = O1ᵀ·d2 = ½·(−3/128 + 1/128) = −1/128 in every entry
    # d1 = d2·W2ᵀ * σ'(H1) = 0 (W2 was zero), so dW1 = 0
    value, grads = net.gradients(X, y, loss)
    assert value == 5 / 32
    np.testing.assert_array_equal(grads.d[3], [[-3 / 8], [1 / 8]])
    np.testing.assert_array_equal(grads.weights[2], [[-1 / 8], [-1 / 8]])
    np.testing.assert_array_equal(grads.d[2], [[-3 / 128, -3 / 128], [1 / 128, 1 / 128]])
    np.testing.assert_array_equal(grads.weights[1], np.full((2, 2), -1 / 128))
    np.testing.assert_array_equal(grads.d[1], np.zeros((2, 2)))
    np.testing.assert_array_equal(grads.weights[0], np.zeros((2, 2)))

    # ---- step 2: update ----
    # W3 = ¼ + ⅛ = 3/8;  W2 = 0 + 1/128 everywhere;  W1 = 0.
    # Both neurons of each hidden layer are still identical: zeros init never breaks the
    # symmetry, which is why fit() warns about it.
    assert net.step(X, y, loss, learning_rate=1.0) == 5 / 32
    np.testing.assert_array_equal(net.weights[2], [[3 / 8], [3 / 8]])
    np.testing.assert_array_equal(net.weights[1], np.full((2, 2), 1 / 128))
    np.testing.assert_array_equal(net.weights[0], np.zeros((2, 2)))


def test_relu_network_with_biases_by_hand() -> None:
    """A 2-2-1 ReLU network with biases and nonzero weights, MSE (not halved), lr = ¼."""
    W1 = np.array([[1.0, -1.0], [0.5, 2.0]])
    W2 = np.array([[2.0], [-1.0]])
    net = mb.Network([2, 2, 1], activation="relu", init=[W1, W2])
    net.biases = [np.array([0.0, -1.0]), np.array([0.5])]
    X = np.array([[1.0, 2.0], [-1.0, 1.0]])
    y = np.array([[1.0], [2.0]])

    # H1 = X·W1 + b1:
    #   row 1: [1·1 + 2·½, 1·(−1) + 2·2] + [0, −1] = [2, 3] + [0, −1] = [2, 2]
    #   row 2: [−1·1 + 1·½, −1·(−1) + 1·2] + [0, −1] = [−½, 3] + [0, −1] = [−½, 2]
    # O1 = relu(H1) = [[2, 2], [0, 2]]
    # H2 = O1·W2 + b2 = [[2·2 + 2·(−1)], [0·2 + 2·(−1)]] + ½ = [[2.5], [−1.5]] = y_hat
    cache = net.forward(X)
    np.testing.assert_array_equal(cache.H[1], [[2.0, 2.0], [-0.5, 2.0]])
    np.testing.assert_array_equal(cache.O[1], [[2.0, 2.0], [0.0, 2.0]])
    np.testing.assert_array_equal(cache.y_hat, [[2.5], [-1.5]])

    # r = y_hat − y = [[1.5], [−3.5]];  L = mean(r²) = (2.25 + 12.25)/2 = 7.25
    # d2 = 2r/(n·m) = 2r/2 = r = [[1.5], [−3.5]]
    # dW2 = O1ᵀ·d2 = [[2·1.5 + 0·(−3.5)], [2·1.5 + 2·(−3.5)]] = [[3], [−4]]
    # db2 = 1ᵀ·d2 = 1.5 − 3.5 = −2
    # d1 = d2·W2ᵀ * relu'(H1) = [[3, −1.5], [−7, 3.5]] * [[1, 1], [0, 1]] = [[3, −1.5], [0, 3.5]]
    # dW1 = Xᵀ·d1 = [[1·3 − 1·0, 1·(−1.5) − 1·3.5], [2·3 + 1·0, 2·(−1.5) + 1·3.5]]
    #     = [[3, −5], [6, ½]]
    # db1 = 1ᵀ·d1 = [3, 2]
    value, grads = net.gradients(X, y, mb.MSE())
    assert value == 7.25
    np.testing.assert_array_equal(grads.d[2], [[1.5], [-3.5]])
    np.testing.assert_array_equal(grads.weights[1], [[3.0], [-4.0]])
    np.testing.assert_array_equal(grads.biases[1], [-2.0])
    np.testing.assert_array_equal(grads.d[1], [[3.0, -1.5], [0.0, 3.5]])
    np.testing.assert_array_equal(grads.weights[0], [[3.0, -5.0], [6.0, 0.5]])
    np.testing.assert_array_equal(grads.biases[0], [3.0, 2.0])

    # One step with lr = ¼:
    # W1 = [[1 − ¾, −1 + 5/4], [½ − 3/2, 2 − ⅛]] = [[¼, ¼], [−1, 15/8]];  b1 = [−¾, −3/2]
    # W2 = [[2 − ¾], [−1 + 1]] = [[5/4], [0]];  b2 = ½ + ½ = 1
    assert net.step(X, y, mb.MSE(), learning_rate=0.25) == 7.25
    np.testing.assert_array_equal(net.weights[0], [[0.25, 0.25], [-1.0, 1.875]])
    np.testing.assert_array_equal(net.biases[0], [-0.75, -1.5])
    np.testing.assert_array_equal(net.weights[1], [[1.25], [0.0]])
    np.testing.assert_array_equal(net.biases[1], [1.0])


def test_identity_network_is_a_product_of_matrices() -> None:
    """With identity activations y_hat = X·W1·W2, and ∂L/∂W1 = Xᵀ·d·W2ᵀ by the chain rule."""
    W1 = np.array([[1.0, 2.0], [3.0, -1.0]])
    W2 = np.array([[0.5], [-2.0]])
    net = mb.Network([2, 2, 1], activation="identity", bias=False, init=[W1, W2])
    X = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, -1.0]])
    y = np.array([[0.0], [1.0], [2.0]])
    # X·W1 = [[4, 1], [2, 4], [−3, 1]];  ·W2 = [[2 − 2], [1 − 8], [−1.5 − 2]] = [[0], [−7], [−3.5]]
    np.testing.assert_array_equal(net.predict(X), [[0.0], [-7.0], [-3.5]])
    # MSE(half) with n = 3: d = (y_hat − y)/3 = [[0], [−8], [−5.5]]/3
    _, grads = net.gradients(X, y, mb.MSE(half=True))
    d = np.array([[0.0], [-8.0], [-5.5]]) / 3
    np.testing.assert_allclose(grads.weights[1], (X @ W1).T @ d, rtol=1e-15)
    np.testing.assert_allclose(grads.weights[0], X.T @ d @ W2.T, rtol=1e-15)


# -- forward pass and the cache ---------------------------------------------------------


def test_cache_is_indexed_like_the_seed(rng: np.random.Generator) -> None:
    net = mb.Network([3, 4, 2, 1], activation=["tanh", "relu"], seed=rng)
    X = rng.normal(size=(5, 3))
    cache = net.forward(X)
    assert len(cache.H) == len(cache.O) == 4
    assert cache.X is cache.O[0]
    assert cache.y_hat is cache.O[3]
    for k in (1, 2, 3):
        H_k = cache.O[k - 1] @ net.weights[k - 1] + net.biases[k - 1]
        np.testing.assert_array_equal(cache.H[k], H_k)
        assert cache.O[k].shape == (5, net.layer_sizes[k])
    np.testing.assert_array_equal(cache.O[1], np.tanh(cache.H[1]))
    np.testing.assert_array_equal(cache.O[2], np.maximum(cache.H[2], 0))
    np.testing.assert_array_equal(cache.O[3], cache.H[3])  # identity output
    np.testing.assert_array_equal(net.predict(X), cache.y_hat)


def test_gradients_have_the_shapes_of_the_parameters(rng: np.random.Generator) -> None:
    net = mb.Network([3, 5, 1, 2], seed=rng)
    _, grads = net.gradients(rng.normal(size=(7, 3)), rng.normal(size=(7, 2)))
    assert [g.shape for g in grads.weights] == [(3, 5), (5, 1), (1, 2)]
    assert [g.shape for g in grads.biases] == [(5,), (1,), (2,)]
    assert [None if d is None else d.shape for d in grads.d] == [None, (7, 5), (7, 1), (7, 2)]


def test_float32_network_stays_float32(rng: np.random.Generator) -> None:
    net = mb.Network([2, 3, 1], dtype=np.float32, seed=rng)
    X = rng.normal(size=(4, 2))  # float64 in, converted at the boundary
    cache = net.forward(X)
    assert all(O.dtype == np.float32 for O in cache.O)
    _, grads = net.gradients(X, rng.normal(size=(4, 1)))
    assert all(g.dtype == np.float32 for g in grads.parameters())


def test_step_is_plain_gradient_descent(rng: np.random.Generator) -> None:
    net = mb.Network([2, 3, 1], activation="tanh", seed=rng)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    before = [p.copy() for p in net.parameters()]
    value, grads = net.gradients(X, y, "mse")
    assert net.step(X, y, "mse", learning_rate=0.3) == value
    for p0, g, p1 in zip(before, grads.parameters(), net.parameters()):
        np.testing.assert_array_equal(p1, p0 - 0.3 * g)


@pytest.mark.parametrize("eta", [0, -0.1, float("nan"), 1e6, "0.1"], ids=repr)
def test_step_refuses_bad_learning_rates(eta: Any) -> None:
    net = mb.Network([1, 1])
    with pytest.raises(mb.ConfigError, match="learning_rate must"):
        net.step([[1.0]], [[1.0]], learning_rate=eta)


def test_step_lr_is_a_deprecated_alias_of_learning_rate() -> None:
    X, y = [[1.0, 2.0]], [[1.0]]
    net, twin = mb.Network([2, 1], seed=0), mb.Network([2, 1], seed=0)
    with pytest.warns(DeprecationWarning, match="lr= is deprecated.*use learning_rate="):
        before = net.step(X, y, lr=0.3)
    assert twin.step(X, y, learning_rate=0.3) == before
    assert net == twin
    with pytest.raises(mb.ConfigError, match="give learning_rate or its deprecated alias lr"):
        net.step(X, y, learning_rate=0.2, lr=0.3)
    refused = pytest.raises(mb.ConfigError, match="lr must be > 0")
    with pytest.warns(DeprecationWarning, match="lr="), refused:
        net.step(X, y, lr=-1)


# -- parameters -------------------------------------------------------------------------


def test_weights_are_writable_in_place_and_checked_on_assignment() -> None:
    net = mb.Network([2, 3, 1], init="zeros")
    net.weights[0][:] = 1.0
    np.testing.assert_array_equal(net.forward([[1.0, 1.0]]).H[1], [[2.0, 2.0, 2.0]])
    mine = np.ones((3, 1))
    net.weights[1] = mine
    mine[0, 0] = 99.0  # the network holds its own copy
    assert net.weights[1][0, 0] == 1.0
    with pytest.raises(
        mb.ShapeError, match=r"weights\[1\] \(W2\) expects shape \(3, 1\), got \(1, 3\)"
    ):
        net.weights[1] = np.ones((1, 3))
    with pytest.raises(mb.DataError, match="finite"):
        net.weights[0] = np.full((2, 3), np.nan)
    with pytest.raises(mb.DTypeError, match="real numbers"):
        net.weights[0] = np.full((2, 3), "a")
    with pytest.raises(TypeError, match="cannot grow"):
        net.weights.append(np.ones((1, 1)))


def test_no_bias_network_has_no_biases() -> None:
    net = mb.Network([2, 2, 1], bias=False)
    assert list(net.biases) == []
    assert net.n_parameters == 2 * 2 + 2 * 1
    assert mb.Network([2, 2, 1]).n_parameters == 2 * 2 + 2 + 2 * 1 + 1


def test_biases_given_to_the_constructor() -> None:
    net = mb.Network([2, 3, 1], init="zeros", biases=[[1.0, 2.0, 3.0], [4]])
    np.testing.assert_array_equal(net.biases[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(net.predict([[0.0, 0.0]]), [[4.0]])  # W = 0: only b_2
    assert net.biases[1].dtype == np.float64
    assert net.copy() == net
    f32 = mb.Network([2, 1], biases=[np.array([1], dtype=np.int64)], dtype=np.float32)
    assert f32.biases[0].dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"biases": [[0.0, 0.0, 0.0]]}, mb.ShapeError, "biases must hold 2 vectors, got 1"),
        ({"biases": [[0.0, 0.0], [0.0]]}, mb.ShapeError,
         r"biases\[0\] \(b1\) expects shape \(3,\), got \(2,\)"),
        ({"biases": [[0.0, 0.0, np.nan], [0.0]]}, mb.DataError,
         r"biases\[0\] \(b1\) must be finite"),
        ({"biases": [[0.0] * 3, [0.0]], "bias": False}, mb.ConfigError,
         "biases were given but bias=False"),
        ({"biases": "b"}, mb.ConfigError, "biases must be a list of vectors, got 'b'"),
    ],
    ids=["count", "shape", "nan", "without-bias", "string"],
)  # fmt: skip
def test_bad_constructor_biases_are_refused(
    kwargs: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        mb.Network([2, 3, 1], **kwargs)


def test_parameter_names_follow_parameters() -> None:
    assert mb.Network([2, 3, 1]).parameter_names() == ["W1", "W2", "b1", "b2"]
    assert mb.Network([2, 3, 1], bias=False).parameter_names() == ["W1", "W2"]


# -- frozen parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freeze", "changed"),
    [
        ("b", ["W1", "W2"]),
        (["b"], ["W1", "W2"]),
        ("W", ["b1", "b2"]),
        (["W1", "b2"], ["W2", "b1"]),
        (("W2",), ["W1", "b1", "b2"]),
        ([], ["W1", "W2", "b1", "b2"]),
    ],
    ids=["b", "b-list", "W", "W1-b2", "W2-tuple", "nothing"],
)
def test_step_leaves_frozen_parameters_alone(freeze: Any, changed: list[str]) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    net = mb.Network([2, 3, 1], seed=0)
    net.biases = [rng.normal(size=3), rng.normal(size=1)]
    free = net.copy()
    _, grads = net.gradients(X, y)
    net.step(X, y, learning_rate=0.1, freeze=freeze)
    free.step(X, y, learning_rate=0.1)
    before = dict(zip(net.parameter_names(), grads.parameters()))
    for name, p, q in zip(net.parameter_names(), net.parameters(), free.parameters()):
        if name in changed:
            np.testing.assert_array_equal(p, q)  # the same step as without freezing
        else:
            assert not np.array_equal(p, q)
            np.testing.assert_array_equal(p, q + 0.1 * before[name])  # = the value before


def test_frozen_parameters_keep_their_optimizer_slots() -> None:
    X, y = [[1.0, 2.0]], [[1.0]]
    net, opt = mb.Network([2, 2, 1], seed=0), mb.SGD(momentum=0.9)
    net.step(X, y, optimizer=opt, freeze="b")
    net.step(X, y, optimizer=opt, freeze="b")
    assert opt.state.t == 2
    for v in opt.state.slots["velocity"][2:]:  # b1, b2
        np.testing.assert_array_equal(v, 0.0)
    assert all(np.any(v != 0) for v in opt.state.slots["velocity"][:2])


@pytest.mark.parametrize(
    ("freeze", "bias", "message"),
    [
        ("c1", True, r"freeze names parameters W1, W2, b1, b2, W or b; got 'c1'"),
        ("W3", True, "got 'W3'"),
        ("b", False, "freeze names 'b' but the network has no biases"),
        ("b1", False, r"\(no b: the network has no biases\); got 'b1'"),
        (["W", "b"], True, "freezes every parameter: nothing to train"),
        ("W", False, "freezes every parameter"),
        ([1], True, r"freeze must be a parameter name or a list of names .*got \[1\]"),
        (3, True, "freeze must be a parameter name"),
    ],
    ids=["unknown", "no-such-layer", "b-without-biases", "b1-without-biases", "everything",
         "every-weight-no-bias", "an-int", "not-a-list"],
)  # fmt: skip
def test_bad_freeze_is_refused(freeze: Any, bias: bool, message: str) -> None:
    net = mb.Network([2, 3, 1], bias=bias)
    with pytest.raises(mb.ConfigError, match=message):
        net.step([[1.0, 2.0]], [[1.0]], freeze=freeze)
    with pytest.raises(mb.ConfigError, match=message):
        net.fit([[1.0, 2.0]], [[1.0]], freeze=freeze, progress=False)


def test_per_layer_activations() -> None:
    net = mb.Network([1, 2, 2, 1], activation=["relu", "tanh"], output_activation="sigmoid")
    assert net.activations == ("relu", "tanh", "sigmoid")
    assert net.activation == ["relu", "tanh"]
    assert mb.Network([1, 2, 2, 1], activation="elu").activation == "elu"


def test_copy_is_independent_and_equal(rng: np.random.Generator) -> None:
    net = mb.Network([2, 3, 1], seed=rng)
    net.biases[0][:] = 0.5
    twin = net.copy()
    assert twin == net
    twin.weights[0][0, 0] += 1.0
    assert twin != net


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"layer_sizes": [2]}, mb.ConfigError, "at least 2 sizes"),
        (
            {"layer_sizes": [2, 0, 1]},
            mb.ConfigError,
            r"layer_sizes\[1\] must be a positive integer, got 0",
        ),
        ({"layer_sizes": [2, 1.5]}, mb.ConfigError, r"layer_sizes\[1\]"),
        ({"layer_sizes": "2,1"}, mb.ConfigError, "list of positive integers"),
        ({"activation": "swishy"}, mb.ConfigError, "activation must be one of .*got 'swishy'"),
        (
            {"activation": ["relu", "tanh"]},
            mb.ConfigError,
            "a list of 1 .one per hidden layer., got 2",
        ),
        ({"activation": "softmax"}, mb.ConfigError, "only as output_activation"),
        ({"output_activation": "nope"}, mb.ConfigError, "output_activation must be one of"),
        ({"bias": "yes"}, mb.ConfigError, "bias must be True or False"),
        ({"dtype": np.int32}, mb.ConfigError, "dtype must be float64 or float32"),
        ({"dtype": "float16"}, mb.ConfigError, "dtype must be float64 or float32"),
        ({"seed": -1}, mb.ConfigError, "seed must be a non-negative integer"),
        ({"seed": 1.5}, mb.ConfigError, "seed must be an integer"),
    ],
    ids=[
        "one-size",
        "zero-width",
        "float-width",
        "string-sizes",
        "unknown-activation",
        "activation-count",
        "softmax-hidden",
        "unknown-output",
        "bias-not-bool",
        "int-dtype",
        "float16",
        "negative-seed",
        "float-seed",
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], error: type, message: str) -> None:
    settings: dict[str, Any] = {"layer_sizes": [2, 2, 1], **kwargs}
    with pytest.raises(error, match=message):
        mb.Network(**settings)


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.ones((3, 3)), mb.ShapeError, r"X must have 2 column\(s\), got shape \(3, 3\)"),
        (np.ones(2), mb.ShapeError, "X must be 2-D"),
        (np.ones((0, 2)), mb.DataError, "at least one row"),
        (np.array([[1.0, np.nan]]), mb.DataError, "X must be finite, got nan at row 0, column 1"),
        (np.array([[True, False]]), mb.DTypeError, "booleans"),
        (np.array([["a", "b"]]), mb.DTypeError, "real numbers"),
        ([[1.0, 2.0], [3.0]], mb.ShapeError, "rectangular"),
    ],
    ids=["wrong-width", "1-D", "no-rows", "nan", "bool", "strings", "ragged"],
)
def test_bad_inputs_are_refused(X: Any, error: type, message: str) -> None:
    net = mb.Network([2, 2, 1])
    with pytest.raises(error, match=message):
        net.predict(X)


def test_integer_inputs_are_converted() -> None:
    net = mb.Network([2, 1], init=[np.array([[1.0], [2.0]])], bias=False)
    np.testing.assert_array_equal(net.predict(np.array([[1, 2]])), [[5.0]])


def test_bad_targets_are_refused() -> None:
    net = mb.Network([2, 1])
    with pytest.raises(mb.ShapeError, match=r"y must have 2 rows like X, got shape \(3,\)"):
        net.gradients(np.ones((2, 2)), np.ones(3))
    with pytest.raises(
        mb.DataError, match=r"y must hold only 0 and 1 for loss 'logloss', got 0\.5 at row 0"
    ):
        mb.Network([2, 1], output_activation="sigmoid").gradients(
            np.ones((1, 2)), [[0.5]], "logloss"
        )
    with pytest.raises(mb.ConfigError, match="loss must be one of"):
        net.gradients(np.ones((1, 2)), [[1.0]], "hinge")


def test_repr_names_the_architecture() -> None:
    net = mb.Network([2, 2, 2, 1], bias=False)
    assert repr(net) == (
        "Network([2, 2, 2, 1], activation='sigmoid', output_activation='identity', "
        "bias=False, dtype=float64)"
    )


# -- DataFrames: columns by the names stored with the model -------------------------------


def test_fit_from_a_dataframe_stores_its_column_names(tmp_path: Any) -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20, 3)), columns=["area", "rooms", "age"])
    net = mb.Network([3, 4, 1], seed=0)
    net.fit(frame, frame["area"] - frame["age"], epochs=2, progress=False)
    assert net.metadata["features"] == ["area", "rooms", "age"]
    net.save(tmp_path / "model.npz")
    assert mb.Network.load(tmp_path / "model.npz").metadata["features"] == [
        "area",
        "rooms",
        "age",
    ]
    # the names stay those of the first fit: a later fit picks its columns by them
    net.fit(frame[["age", "rooms", "area"]], frame["area"], epochs=1, progress=False)
    assert net.metadata["features"] == ["area", "rooms", "age"]


def test_predict_picks_dataframe_columns_by_the_stored_names() -> None:
    import pandas as pd

    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))
    net = mb.Network([3, 2, 1], seed=0)
    net.metadata["features"] = ["area", "rooms", "age"]
    by_position = net.predict(X)
    reordered = pd.DataFrame(X[:, [2, 0, 1]], columns=["age", "area", "rooms"])
    np.testing.assert_array_equal(net.predict(reordered), by_position)
    extra = reordered.assign(price=1.0)  # a column the model does not take is ignored
    np.testing.assert_array_equal(net.predict(extra), by_position)
    with pytest.raises(mb.DataError, match=r"X lacks column\(s\) 'rooms' that the model was"):
        net.predict(reordered.drop(columns="rooms"))


def test_predict_without_stored_names_takes_columns_in_order() -> None:
    import pandas as pd

    X = np.arange(6.0).reshape(2, 3)
    net = mb.Network([3, 2, 1], seed=0)
    frame = pd.DataFrame(X, columns=["c", "a", "b"])
    np.testing.assert_array_equal(net.predict(frame), net.predict(X))
    assert mb.network.feature_names(frame) == ["c", "a", "b"]
    assert mb.network.feature_names(pd.DataFrame(X)) is None  # integer names are no names
    assert mb.network.feature_names(X) is None
