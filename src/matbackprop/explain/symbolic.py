"""Part (a): the network as a composite function, built as SymPy objects.

* :func:`scalar_network` gives ``h^k_ij = Σ_l w^k_lj·o^{k-1}_il (+ b^k_j)``,
  ``o^k_ij = f(h^k_ij)`` per neuron of one observation ``i``, and the nested ``ŷ_i``.
* :func:`matrix_network` gives ``H_k = O_{k-1}·W_k``, ``O_k = f(H_k)`` as matrix
  expressions whose shapes SymPy checks, and the composite ``ŷ = f(f(X·W1)·W2)·W3``.

With ``concrete=True`` the activation symbols become their formulas (sigmoid is
``1/(1 + e^{-t})``), which is what the symbolic self-check differentiates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..network import Network
from ._printing import elementwise, weight_symbol

__all__ = ["MatrixNetwork", "ScalarNetwork", "matrix_network", "nested_size", "scalar_network"]

N = sp.Symbol("n", positive=True, integer=True)  # the number of observations (rows of X)


def _sigmoid(t: Any) -> Any:
    return 1 / (1 + sp.exp(-t))


# name -> f(t) as a SymPy expression; f'(0) of relu is taken as 0 like the engine
CONCRETE: dict[str, Callable[[Any], Any]] = {
    "identity": lambda t: t,
    "sigmoid": _sigmoid,
    "tanh": sp.tanh,
    "relu": lambda t: sp.Piecewise((t, t > 0), (0, True)),
    "leaky_relu": lambda t: sp.Piecewise((t, t > 0), (sp.Rational(1, 100) * t, True)),
    "softplus": lambda t: sp.log(1 + sp.exp(t)),
    "elu": lambda t: sp.Piecewise((t, t > 0), (sp.exp(t) - 1, True)),
    "silu": lambda t: t * _sigmoid(t),
}


def _indexer(sizes: tuple[int, ...]) -> Any:
    """``_idx(1, 2)`` is ``12``, or ``1,2`` everywhere once some layer has 10 or more
    neurons (``w^1_10,1`` must not read as ``w^1_101``)."""
    wide = max(sizes) >= 10

    def _idx(*indices: int | str) -> str:
        return ("," if wide else "").join(str(i) for i in indices)

    return _idx


def function_names(net: Network) -> list[str | None]:
    """The symbol of each layer's activation: ``f`` (or ``f_k`` when hidden layers differ),
    ``g`` for a different output activation, ``None`` for an identity output."""
    acts = net.activations
    hidden = acts[:-1]
    same = len(set(hidden)) <= 1
    names: list[str | None] = ["f" if same else f"f_{k}" for k in range(1, len(hidden) + 1)]
    out = acts[-1]
    if out == "identity":
        names.append(None)
    elif out == "softmax":
        names.append("softmax")
    elif same and hidden and out == hidden[0]:
        names.append("f")
    else:
        names.append("g")
    return names


def nested_size(net: Network) -> int:
    """How many weight and bias symbols the fully substituted ``ŷ`` would print (all outputs)."""
    occ = 0  # weight occurrences inside one neuron's h of the current layer
    for k, (a, _) in enumerate(zip(net.layer_sizes[:-1], net.layer_sizes[1:]), start=1):
        occ = a * (1 + (occ if k > 1 else 0)) + (1 if net.bias else 0)
    return occ * net.layer_sizes[-1]


@dataclass
class ScalarNetwork:
    """Scalar symbols and equations of one observation ``i``.

    ``layers[k-1]`` lists ``(lhs, rhs)`` pairs for layer ``k``; ``outputs[j]`` is the
    nested ``ŷ_ij`` as one expression of the inputs, weights and biases.
    """

    inputs: list[sp.Symbol]
    weights: list[sp.Matrix]
    biases: list[list[sp.Symbol]]
    layers: list[list[tuple[Any, Any]]]
    outputs: list[Any]
    output_symbols: list[sp.Symbol]

    def parameters(self) -> list[sp.Symbol]:
        """Every weight (layer by layer, row-major) then every bias: the engine's order."""
        ws = [w for W in self.weights for w in W]
        return [*ws, *(b for bs in self.biases for b in bs)]


def _apply(name: str | None, act: str, t: Any, concrete: bool) -> Any:
    if name is None:
        return t
    return CONCRETE[act](t) if concrete else sp.Function(name)(t)


def _softmax(H: list[Any]) -> list[Any]:
    total = sum(sp.exp(h) for h in H)
    return [sp.exp(h) / total for h in H]


def scalar_network(net: Network, concrete: bool = False) -> ScalarNetwork:
    """Per-neuron equations and the nested ``ŷ`` of ``net``, for one observation ``i``."""
    sizes, L = net.layer_sizes, net.n_layers
    names = function_names(net)
    single = sizes[-1] == 1  # the seed writes w^3_l and ŷ_i when there is one output
    _idx = _indexer(sizes)
    x = [sp.Symbol(f"x_{_idx('i', l)}") for l in range(1, sizes[0] + 1)]
    W, B, layers = [], [], []
    prev_sym: list[Any] = list(x)  # o^{k-1}_il as symbols, for the equations
    prev_val: list[Any] = list(x)  # the same substituted, for the nested function
    out_syms: list[sp.Symbol] = []
    for k in range(1, L + 1):
        a, b = sizes[k - 1], sizes[k]
        last = k == L
        Wk = sp.Matrix(
            a,
            b,
            lambda l, j, k=k, last=last: weight_symbol(
                f"W^{k}_{_idx(l + 1)}" if last and single else f"W^{k}_{_idx(l + 1, j + 1)}",
                k,
                l + 1,
                j + 1,
            ),
        )
        bk = [sp.Symbol(f"zb^{k}_{_idx(j + 1)}") for j in range(b)] if net.bias else []
        W.append(Wk)
        B.append(bk)
        h_sym = [sum(Wk[l, j] * prev_sym[l] for l in range(a)) for j in range(b)]
        h_val = [sum(Wk[l, j] * prev_val[l] for l in range(a)) for j in range(b)]
        if bk:
            h_sym = [h + bj for h, bj in zip(h_sym, bk)]
            h_val = [h + bj for h, bj in zip(h_val, bk)]
        act, fname = net.activations[k - 1], names[k - 1]
        eqs: list[tuple[Any, Any]] = []
        if last:
            out_syms = [
                sp.Symbol(f"yhat_{_idx('i') if single else _idx('i', j + 1)}") for j in range(b)
            ]
            if fname is None:
                eqs = list(zip(out_syms, h_sym))
                prev_val = h_val
            else:
                hs = [sp.Symbol(f"h^{k}_{_idx('i', j + 1)}") for j in range(b)]
                eqs = list(zip(hs, h_sym))
                if act == "softmax":
                    eqs += list(zip(out_syms, _softmax(hs)))
                    prev_val = _softmax(h_val)
                else:
                    eqs += [(o, _apply(fname, act, h, concrete)) for o, h in zip(out_syms, hs)]
                    prev_val = [_apply(fname, act, h, concrete) for h in h_val]
        else:
            hs = [sp.Symbol(f"h^{k}_{_idx('i', j + 1)}") for j in range(b)]
            os_ = [sp.Symbol(f"o^{k}_{_idx('i', j + 1)}") for j in range(b)]
            for j in range(b):
                eqs += [(hs[j], h_sym[j]), (os_[j], _apply(fname, act, hs[j], concrete))]
            prev_sym = os_
            prev_val = [_apply(fname, act, h, concrete) for h in h_val]
        layers.append(eqs)
    return ScalarNetwork(x, W, B, layers, prev_val, out_syms)


@dataclass
class MatrixNetwork:
    """The matrix form: ``steps[k-1] = (H_k, O_{k-1}·W_k (+ 1·b_k), O_k, f(H_k))`` and the
    composite ``y_hat``; every entry is a SymPy matrix expression with a ``.shape``."""

    X: sp.MatrixSymbol
    W: list[sp.MatrixSymbol]
    b: list[sp.MatrixSymbol]
    H: list[sp.MatrixSymbol]
    O: list[sp.MatrixSymbol]
    pre: list[Any]  # O_{k-1}·W_k (+ b_k)
    post: list[Any]  # f(H_k), or H_k itself for an identity output
    y_hat: Any  # the composite f(f(X·W1)·W2)·W3
    names: list[str | None]


def matrix_network(net: Network) -> MatrixNetwork:
    """``H_k = O_{k-1}·W_k``, ``O_k = f(H_k)`` and ``ŷ`` as SymPy matrix expressions."""
    sizes, L = net.layer_sizes, net.n_layers
    names = function_names(net)
    X = sp.MatrixSymbol("X", N, sizes[0])
    W = [sp.MatrixSymbol(f"W_{k}", sizes[k - 1], sizes[k]) for k in range(1, L + 1)]
    b = [sp.MatrixSymbol(f"b_{k}", 1, sizes[k]) for k in range(1, L + 1)] if net.bias else []
    H = [sp.MatrixSymbol(f"H_{k}", N, sizes[k]) for k in range(1, L + 1)]
    O = [sp.MatrixSymbol(f"O_{k}", N, sizes[k]) for k in range(1, L)]
    O.append(sp.MatrixSymbol("y_hat", N, sizes[-1]))
    ones = sp.OneMatrix(N, 1)
    pre, post = [], []
    prev: Any = X
    composite: Any = X
    for k in range(1, L + 1):
        Ok_1 = X if k == 1 else O[k - 2]
        p = Ok_1 * W[k - 1]
        c = composite * W[k - 1]
        if b:
            p = p + ones * b[k - 1]  # the row b_k is added to each of the n rows
            c = c + ones * b[k - 1]
        fname = names[k - 1]
        if fname is None:
            post.append(H[k - 1])
            composite = c
        else:
            f = sp.Function(fname)
            post.append(elementwise(f, H[k - 1]))
            composite = elementwise(f, c)
        pre.append(p)
        prev = H[k - 1]
    del prev
    return MatrixNetwork(X, W, b, H, O, pre, post, composite, names)
