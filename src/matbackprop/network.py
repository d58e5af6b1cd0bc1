"""The network and its two passes, in the seed's matrix notation.

Notation (``n`` rows = observations, ``n_k = layer_sizes[k]``, ``L`` weight layers):

======  =====================================  ==================
symbol  meaning                                shape
======  =====================================  ==================
X       inputs, one observation per row        (n, n_0)
W_k     weights of layer k; column j = neuron  (n_{k-1}, n_k)
b_k     biases of layer k (optional)           (n_k,)
H_k     pre-activations ``O_{k-1}·W_k + b_k``   (n, n_k)
O_k     activations ``f_k(H_k)``; ``O_0 = X``    (n, n_k)
y_hat   ``O_L``, the output                      (n, n_L)
d       ∂L/∂H_k, the backward accumulator      (n, n_k)
dW_k    ∂L/∂W_k = O_{k-1}ᵀ·d                    (n_{k-1}, n_k)
db_k    ∂L/∂b_k = 1ᵀ·d                          (n_k,)
dO_k    ∂L/∂O_k = d·W_{k+1}ᵀ, on request        (n, n_k)
eta     learning rate η
======  =====================================  ==================

Indexing: the seed counts layers from 1 and so do :class:`Cache` and
:class:`Gradients` (``cache.H[k]`` is ``H_k``, ``cache.O[0]`` is ``X``); Python lists of
parameters count from 0, so ``net.weights[k - 1]`` is ``W_k``.

Array libraries: the parameters live in one array namespace (NumPy by default;
:meth:`Network.to` moves them to PyTorch, CuPy, ``array-api-strict``, ...), and the two
passes use only the array API standard in that namespace, on the parameters' device.
Training on NumPy arrays takes the NumPy fast path of :mod:`matbackprop._speed.fast`.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _checks, _xp
from .activations import Activation, get_activation
from .errors import ConfigError, DataError, DTypeError, ShapeError
from .init import initial_weights, resolve_init
from .losses import Loss, check_pairing, get_loss
from .optimizers import (
    SGD,
    Optimizer,
    OptimizerState,
    check_update,
    update_part,
    update_selected,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .training import History

__all__ = ["Cache", "Gradients", "Network"]

Array = NDArray[np.floating]
_DTYPES = {"float64": np.float64, "float32": np.float32}


@dataclass
class Cache:
    """Every intermediate of a forward pass, indexed like the seed.

    ``O[0] = X``; for ``k = 1..L``: ``H[k] = O[k-1]·W_k (+ b_k)`` and ``O[k] = f_k(H[k])``.
    ``H[0]`` is ``None``: the input has no pre-activation. ``y_hat`` is ``O[L]``.

    Shapes: ``H[k]``, ``O[k]``: (n, n_k).
    """

    H: list[Array | None]
    O: list[Array]

    @property
    def y_hat(self) -> Array:
        return self.O[-1]

    @property
    def X(self) -> Array:
        return self.O[0]


@dataclass
class Gradients:
    """``∂L/∂W_k`` and ``∂L/∂b_k``, shaped like the parameters, plus every accumulator ``d``.

    ``weights[k - 1]`` is ``∂L/∂W_k`` (like ``net.weights``); ``d[k]`` is ``∂L/∂H_k`` for
    ``k = 1..L`` and ``d[0]`` is ``None`` (the input has no pre-activation).
    ``dO[k]`` is ``∂L/∂O_k`` for ``k = 0..L-1``, the gradient with respect to the input of
    layer ``k + 1``, so ``dO[0]`` is ``∂L/∂X``; it is ``None`` unless the backward pass was
    asked for it (``inputs=True``).

    Shapes: ``d[k]``: (n, n_k); ``dO[k]``: (n, n_k); ``weights[k-1]``: (n_{k-1}, n_k).
    """

    weights: list[Array]
    biases: list[Array]
    d: list[Array | None] = field(default_factory=list)
    dO: list[Array] | None = None

    def parameters(self) -> list[Array]:
        """Weights then biases, in the order of :meth:`Network.parameters`."""
        return [*self.weights, *self.biases]


class ParameterList(list[Array]):
    """A list of parameter arrays that refuses an array of the wrong shape on assignment.

    The arrays themselves are writable in place: ``net.weights[0][:] = 0`` works.
    """

    def __init__(
        self, arrays: Iterable[Array], shapes: Sequence[tuple[int, ...]], dtype: Any, symbol: str
    ) -> None:
        self._shapes = list(shapes)
        self._dtype = dtype
        self._symbol = symbol
        super().__init__(self._checked(i, a) for i, a in enumerate(arrays))

    def _checked(self, i: int, value: Any) -> Array:
        letter = "W" if self._symbol == "weights" else "b"
        label = f"{self._symbol}[{i}] ({letter}{i + 1})"
        if _xp.is_foreign(value):
            return self._checked_foreign(label, i, value)
        arr = np.asarray(value)
        if arr.dtype == object or arr.dtype.kind not in "iuf":
            raise DTypeError(f"{label} must hold real numbers, got dtype {arr.dtype}")
        if arr.shape != self._shapes[i]:
            raise ShapeError(f"{label} expects shape {self._shapes[i]}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise DataError(f"{label} must be finite, got NaN or inf")
        # A fresh, contiguous array of the network's dtype: never an alias of the caller's.
        return np.array(arr, dtype=self._dtype, order="C", copy=True)

    def _checked_foreign(self, label: str, i: int, arr: Any) -> Any:
        # An array of another array-API library stays there, on its device.
        xp = _xp.namespace(arr)
        if not xp.isdtype(arr.dtype, ("real floating", "integral")):
            raise DTypeError(f"{label} must hold real numbers, got dtype {arr.dtype}")
        if tuple(arr.shape) != self._shapes[i]:
            raise ShapeError(f"{label} expects shape {self._shapes[i]}, got {tuple(arr.shape)}")
        if not bool(xp.all(xp.isfinite(arr))):
            raise DataError(f"{label} must be finite, got NaN or inf")
        return xp.astype(arr, _xp.float_dtype(xp, self._dtype), copy=True)

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            raise TypeError(f"assign {self._symbol} one layer at a time")
        i = int(index) if isinstance(index, SupportsIndex) else index
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"{self._symbol} has {n} layers, got index {index}")
        new, old = self._checked(i % n, value), self[i]
        if not (_xp.is_numpy(new) and _xp.is_numpy(old)):
            _xp.namespace(new, old, what=f"{self._symbol}[{i % n}] and the layer it replaces")
        super().__setitem__(i, new)

    def append(self, value: Any) -> None:
        raise TypeError(f"the number of layers is fixed; {self._symbol} cannot grow")

    def extend(self, values: Any) -> None:
        raise TypeError(f"the number of layers is fixed; {self._symbol} cannot grow")

    def __reduce__(self) -> Any:
        # pickle and deepcopy rebuild a list subclass with extend(), which is refused above
        return (type(self), (list(self), self._shapes, self._dtype, self._symbol))


class Network:
    """A fully connected network ``y_hat = f_L(...f_2(f_1(X·W_1 + b_1)·W_2 + b_2)...·W_L + b_L)``.

    Args:
        layer_sizes: widths ``[n_0, n_1, ..., n_L]``: inputs, hidden layers, outputs.
            Masha's network is ``[2, 2, 2, 1]``.
        activation: hidden activation, one name for all hidden layers or a list with one
            name per hidden layer (``identity, sigmoid, tanh, relu, leaky_relu, softplus,
            elu, silu``).
        output_activation: ``identity`` (regression), ``sigmoid`` (with ``LogLoss``) or
            ``softmax`` (with ``CrossEntropy``).
        bias: add a bias vector ``b_k`` to every layer.
        biases: ``L`` starting bias vectors, ``biases[k-1]`` of shape ``(n_k,)`` (needs
            ``bias=True``); zeros when not given.
        init: a scheme (``auto, zeros, constant, normal, uniform, glorot, glorot_normal, he,
            he_uniform``) or a list of ``L`` weight matrices.
        init_scale: the constant, std or gain of the scheme (see :mod:`matbackprop.init`).
        seed: an ``int`` or ``numpy.random.Generator`` for the random schemes.
        dtype: ``np.float64`` (default) or ``np.float32``.

    Shapes: ``weights[k-1]``: (n_{k-1}, n_k); ``biases[k-1]``: (n_k,).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output_activation: str = "identity",
        bias: bool = True,
        init: str | Sequence[Any] = "auto",
        init_scale: float | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
        biases: Sequence[Any] | None = None,
    ) -> None:
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        L = len(self.layer_sizes) - 1
        self.dtype = _check_dtype(dtype)
        if not isinstance(bias, (bool, np.bool_)):
            raise ConfigError(f"bias must be True or False, got {bias!r}")
        self.bias = bool(bias)

        hidden = [activation] * (L - 1) if isinstance(activation, str) else list(activation)
        if len(hidden) != L - 1:
            raise ConfigError(
                f"activation must be one name or a list of {L - 1} (one per hidden layer), "
                f"got {len(hidden)} names"
            )
        self._f: list[Activation] = [get_activation(a) for a in hidden]
        self._f.append(get_activation(output_activation, argument="output_activation"))
        for k, f in enumerate(self._f[:-1], start=1):
            if not f.elementwise:
                raise ConfigError(
                    f"activation of hidden layer {k} must be element-wise; {f.name!r} is "
                    "allowed only as output_activation"
                )
        if self._f[-1].name == "softmax" and self.layer_sizes[-1] < 2:
            raise ConfigError(
                "output_activation 'softmax' needs at least 2 outputs (over one it is always 1), "
                f"got layer_sizes[-1] = {self.layer_sizes[-1]}; use 'sigmoid' for one output"
            )

        shapes = [(a, b) for a, b in zip(self.layer_sizes[:-1], self.layer_sizes[1:])]
        if isinstance(init, str):
            self.init = resolve_init(init, [f.name for f in self._f[:-1]])
            if init_scale is not None:
                init_scale = _checks.finite_float(init_scale, "init_scale")
            W: list[Any] = list(
                initial_weights(
                    self.init, self.layer_sizes, _checks.rng(seed), self.dtype, init_scale
                )
            )
        else:
            self.init = "explicit"
            W = [w if _xp.is_foreign(w) else np.asarray(w) for w in init]
            if len(W) != L:
                raise ConfigError(f"init must hold {L} weight matrices, got {len(W)}")
        self._weights = ParameterList(W, shapes, self.dtype, "weights")
        xp = _xp.namespace(*self._weights, what="init")  # the biases share it
        where = _xp.device(self._weights[0])
        self._biases = ParameterList(
            [xp.zeros(b, dtype=_xp.float_dtype(xp, self.dtype), device=where) for _, b in shapes]
            if self.bias
            else [],
            [(b,) for _, b in shapes],
            self.dtype,
            "biases",
        )
        if biases is not None:
            if not self.bias:
                raise ConfigError("biases were given but bias=False; give bias=True or no biases")
            self.biases = biases  # the setter checks their number, shapes and library
        # How the weights were last trained (loss, optimizer, ...); saved with the model.
        self.training_info: dict[str, Any] | None = None
        # The user's own JSON-able notes (column names, ...); saved with the model.
        self.metadata: dict[str, Any] = {}

    # -- parameters -------------------------------------------------------------------

    @property
    def weights(self) -> ParameterList:
        """``weights[k-1]`` is ``W_k``, shape ``(layer_sizes[k-1], layer_sizes[k])``."""
        return self._weights

    @weights.setter
    def weights(self, values: Sequence[Any]) -> None:
        values = list(values)
        if len(values) != self.n_layers:
            raise ShapeError(f"weights must hold {self.n_layers} matrices, got {len(values)}")
        self._weights = ParameterList(values, self._weights._shapes, self.dtype, "weights")

    @property
    def biases(self) -> ParameterList:
        """``biases[k-1]`` is ``b_k``, shape ``(layer_sizes[k],)``; empty when ``bias=False``."""
        return self._biases

    @biases.setter
    def biases(self, values: Sequence[Any]) -> None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise ConfigError(f"biases must be a list of vectors, got {values!r}")
        values = [v if _xp.is_foreign(v) else np.asarray(v) for v in values]
        expected = self.n_layers if self.bias else 0
        if len(values) != expected:
            raise ShapeError(f"biases must hold {expected} vectors, got {len(values)}")
        new = ParameterList(values, self._biases._shapes, self.dtype, "biases")
        if not all(map(_xp.is_numpy, [*new, *self._weights])):
            _xp.namespace(*new, *self._weights, what="biases and weights")
        self._biases = new

    def parameters(self) -> list[Array]:
        """Every parameter array, weights then biases (the order optimizers see)."""
        return [*self._weights, *self._biases]

    def parameter_names(self) -> list[str]:
        """``W1..WL`` then ``b1..bL``, in the order of :meth:`parameters` (and model files)."""
        L = self.n_layers
        return [f"W{k}" for k in range(1, L + 1)] + [f"b{k}" for k in range(1, L + 1) if self.bias]

    def _frozen_indices(self, freeze: Any, argument: str = "freeze") -> frozenset[int]:
        """The indices into :meth:`parameters` that ``freeze`` names: ``"W"`` (every
        weight), ``"b"`` (every bias), or ``"W1"``, ``"b2"``, ...; one name or a list."""
        if freeze is None:
            return frozenset()
        names = [freeze] if isinstance(freeze, str) else freeze
        if not isinstance(names, Iterable) or not all(isinstance(n, str) for n in names):
            raise ConfigError(
                f"{argument} must be a parameter name or a list of names (W, b, W1, b2, ...), "
                f"got {freeze!r}"
            )
        all_names = self.parameter_names()
        chosen: set[int] = set()
        for name in names:
            if name in ("W", "b"):
                group = [i for i, p in enumerate(all_names) if p[0] == name]
                if not group:
                    raise ConfigError(f"{argument} names 'b' but the network has no biases")
            else:
                group = [all_names.index(name)] if name in all_names else []
            if not group:
                raise ConfigError(
                    f"{argument} names parameters {', '.join(all_names)}, W or b"
                    f"{'' if self.bias else ' (no b: the network has no biases)'}; got {name!r}"
                )
            chosen.update(group)
        if len(chosen) == len(all_names):
            raise ConfigError(f"{argument}={freeze!r} freezes every parameter: nothing to train")
        return frozenset(chosen)

    @property
    def xp(self) -> Any:
        """The array namespace of the parameters: ``numpy``, or an array-api-compat namespace."""
        return _xp.namespace(*self.parameters(), what="the parameters (weights and biases)")

    def to(self, target: Any, device: Any = None) -> Network:
        """Move the parameters, in place, to another array library; returns the network.

        ``target`` is a namespace (``numpy``, ``torch``, ``cupy``, ``array_api_strict``) or
        an array of the library, whose device is then the default: ``net.to(X)`` puts the
        parameters beside ``X``. ``device`` is the library's device (``"cuda"``, ...).
        """
        if _xp.is_foreign(target) or isinstance(target, np.ndarray):
            xp = _xp.namespace(target)
            device = _xp.device(target) if device is None else device
        elif target is np:
            xp = np
        elif callable(getattr(target, "asarray", None)):
            xp = _xp.namespace(target.asarray(0.0))
        else:
            raise ConfigError(
                "target must be an array namespace (numpy, torch, cupy, array_api_strict) or an "
                f"array, got {target!r}"
            )
        dt = _xp.float_dtype(xp, self.dtype)

        def move(p: Any) -> Any:
            host = _xp.to_numpy(p)
            return (
                np.array(host, dtype=self.dtype)
                if xp is np
                else xp.asarray(host, dtype=dt, device=device)
            )

        shapes_w, shapes_b = self._weights._shapes, self._biases._shapes
        self._weights = ParameterList(
            [move(p) for p in self._weights], shapes_w, self.dtype, "weights"
        )
        self._biases = ParameterList(
            [move(p) for p in self._biases], shapes_b, self.dtype, "biases"
        )
        for key in _SCRATCH:
            self.__dict__.pop(key, None)
        return self

    @property
    def n_layers(self) -> int:
        """``L``, the number of weight layers (hidden layers + 1)."""
        return len(self.layer_sizes) - 1

    @property
    def n_parameters(self) -> int:
        return sum(int(p.size) for p in self.parameters())

    @property
    def activations(self) -> tuple[str, ...]:
        """The activation name of each layer ``1..L`` (the last is the output activation)."""
        return tuple(f.name for f in self._f)

    @property
    def activation(self) -> str | list[str]:
        names = [f.name for f in self._f[:-1]]
        return names[0] if len(set(names)) == 1 else names

    @property
    def output_activation(self) -> str:
        return self._f[-1].name

    # -- the two passes ---------------------------------------------------------------

    def forward(self, X: Any) -> Cache:
        """Run the forward pass and keep every intermediate.

        Shapes: ``X``: (n, n_0) -> ``cache.H[k]``, ``cache.O[k]``: (n, n_k).
        """
        return self._forward(self.check_X(X))

    def _forward(self, X: Array) -> Cache:
        """The forward pass on checked ``X`` (n, n_0), in the parameters' namespace."""
        H: list[Array | None] = [None]
        O: list[Array] = [X]  # O_0 = X
        b = self._biases
        for k, (W_k, f_k) in enumerate(zip(self._weights, self._f), start=1):
            H_k = O[k - 1] @ W_k  # H_k = O_{k-1}·W_k: (n, n_{k-1})·(n_{k-1}, n_k) = (n, n_k)
            if b:
                H_k += b[k - 1]  # + b_k broadcast over rows, in the fresh product: (n, n_k)
            H.append(H_k)
            O.append(f_k.f(H_k))  # O_k = f_k(H_k): (n, n_k)
        return Cache(H, O)

    def backward(self, cache: Cache, dL_dyhat: Any, *, inputs: bool = False) -> Gradients:
        """The seed's backward pass from ``d = ∂L/∂y_hat``.

        ``inputs=True`` also keeps ``grads.dO[k] = ∂L/∂O_k`` for ``k = 0..L-1`` (``dO[0]``
        is ``∂L/∂X``), at the price of one more product, ``d·W_1ᵀ``.

        Shapes: ``dL_dyhat``: (n, n_L) -> ``grads.weights[k-1]``: (n_{k-1}, n_k);
        ``grads.dO[k]``: (n, n_k).
        """
        _checks.boolean(inputs, "inputs")
        y_hat = cache.y_hat
        if _xp.is_numpy(y_hat):
            g = np.asarray(dL_dyhat, dtype=self.dtype)
        else:
            xp = _xp.namespace(y_hat, dL_dyhat, what="dL_dyhat and the cache")
            g = xp.astype(dL_dyhat, y_hat.dtype, copy=False)
        if tuple(g.shape) != tuple(y_hat.shape):
            raise ShapeError(
                f"dL_dyhat must have the shape of y_hat {tuple(y_hat.shape)}, got {tuple(g.shape)}"
            )
        H_L = cache.H[-1]
        assert H_L is not None
        # Through the output activation: d = ∂L/∂y_hat * f_L'(H_L), or softmax's row Jacobian.
        d = self._f[-1].backprop(g, H_L, y_hat)
        return self._backward(cache, d, inputs=inputs)

    def _backward(
        self,
        cache: Cache,
        d: Array,
        *,
        inputs: bool = False,
        after_layer: Callable[[int, Array, Array | None], None] | None = None,
    ) -> Gradients:
        """Backpropagate ``d = ∂L/∂H_L`` (n, n_L) down to layer 1; ``inputs=True`` keeps
        every ``∂L/∂O_{k-1} = d·W_kᵀ`` and forms ``∂L/∂X`` too.

        ``after_layer(k, dW_k, db_k)`` is called as soon as layer ``k``'s gradients are
        known, before ``d·W_kᵀ``: the layer-wise update changes ``W_k`` there, so that ``d``
        goes down through the updated ``W_k`` (``db_k`` is ``None`` without biases).
        """
        H, O, W = cache.H, cache.O, self._weights
        L = self.n_layers
        xp = _xp.namespace(d)
        dW: list[Array] = [d] * L  # placeholders, every slot is written below
        db: list[Array] = [d] * L if self.bias else []
        ds: list[Array | None] = [None] * (L + 1)
        dO: list[Array] = [d] * L if inputs else []  # placeholders, as dW
        for k in range(L, 0, -1):
            ds[k] = d
            dW[k - 1] = O[k - 1].T @ d  # ∂L/∂W_k = O_{k-1}ᵀ·d: (n_{k-1}, n)·(n, n_k)
            if self.bias:
                db[k - 1] = xp.sum(d, axis=0)  # ∂L/∂b_k = 1ᵀ·d: (n_k,)
            if after_layer is not None:
                after_layer(k, dW[k - 1], db[k - 1] if self.bias else None)
            if k > 1 or inputs:
                dO_prev = d @ W[k - 1].T  # ∂L/∂O_{k-1} = d·W_kᵀ: (n, n_k)·(n_k, n_{k-1})
                if inputs:
                    dO[k - 1] = dO_prev
            if k > 1:
                H_prev = H[k - 1]
                assert H_prev is not None
                # d = ∂L/∂O_{k-1} * f'(H_{k-1}): (n, n_{k-1}) * (n, n_{k-1})
                d = self._f[k - 2].backprop(dO_prev, H_prev, O[k - 1])
        return Gradients(dW, db, ds, dO if inputs else None)

    # -- loss, gradients and training -------------------------------------------------

    def gradients(
        self, X: Any, y: Any, loss: str | Loss = "mse", *, inputs: bool = False
    ) -> tuple[float, Gradients]:
        """The loss at ``(X, y)`` and its gradient with respect to every parameter;
        ``inputs=True`` adds ``grads.dO`` (``∂L/∂O_k``, ``dO[0] = ∂L/∂X``) as in
        :meth:`backward`."""
        loss_fn = get_loss(loss)
        _checks.boolean(inputs, "inputs")
        X_, y_ = self.check_data(X, y, loss_fn)
        return self._value_and_gradients(X_, y_, loss_fn, inputs=inputs)

    def _value_and_gradients(
        self, X: Array, y: Array, loss: Loss, *, reuse: bool = False, inputs: bool = False
    ) -> tuple[float, Gradients]:
        """Loss and gradients on checked data. ``reuse=True`` is the fit loop's fast path:
        the same numbers, but in buffers that the next ``reuse=True`` call overwrites (NumPy
        only; other array libraries take the reference path)."""
        if reuse and isinstance(X, np.ndarray):
            from ._speed.fast import value_and_gradients

            return value_and_gradients(self, X, y, loss)
        cache = self._forward(X)
        d = self._output_d(cache, y, loss)
        return self._loss_value(cache, y, loss), self._backward(cache, d, inputs=inputs)

    def _output_d(self, cache: Cache, y: Array, loss: Loss) -> Array:
        """The first accumulator, ``d = ∂L/∂H_L`` (n, n_L)."""
        y_hat = cache.y_hat
        if loss.output_activation == self._f[-1].name:
            return loss.grad_H(y_hat, y)  # fused ∂L/∂H_L, exact at saturated outputs
        H_L = cache.H[-1]
        assert H_L is not None
        return self._f[-1].backprop(loss.grad(y_hat, y), H_L, y_hat)

    def _layerwise_step(
        self,
        X: Array,
        y: Array,
        loss: Loss,
        opt: Optimizer,
        state: OptimizerState,
        eta: float,
        skip: frozenset[int] = frozenset(),
    ) -> tuple[float, Gradients]:
        """One layer-wise step on checked data: the loss before it and the gradients it used.

        The forward pass keeps ``H_k``, ``O_k`` of the old weights. Then for ``k = L..1``:
        ``dW_k = O_{k-1}ᵀ·d`` (and ``db_k = 1ᵀ·d``), ``W_k`` (and ``b_k``) are updated by
        ``opt`` at once, and ``d = d·W_kᵀ * f'(H_{k-1})`` uses the *updated* ``W_k``. The
        optimizer's step count advances once for the whole step; the parameters in ``skip``
        (indices into :meth:`parameters`) stay as they are.
        """
        cache = self._forward(X)
        value = self._loss_value(cache, y, loss)
        params, L = self.parameters(), self.n_layers
        t0 = state.t
        t_end = t0

        def update_layer(k: int, dW_k: Array, db_k: Array | None) -> None:
            nonlocal t_end
            # W_k is parameter k-1 and b_k parameter L+k-1, in the order of parameters()
            part = [(k - 1, dW_k)] + ([] if db_k is None else [(L + k - 1, db_k)])
            part = [(i, g) for i, g in part if i not in skip]
            if part:
                indices = [i for i, _ in part]
                t_end = update_part(
                    opt, [params[i] for i in indices], [g for _, g in part], state, eta,
                    indices, t0,
                )  # fmt: skip

        grads = self._backward(cache, self._output_d(cache, y, loss), after_layer=update_layer)
        state.t = t_end
        return value, grads

    def _loss_value(self, cache: Cache, y: Array, loss: Loss) -> float:
        """The loss of a forward pass: from the logits ``H_L`` where the output activation
        is fused with the loss (exact for any logits), else from ``y_hat``."""
        H_L = cache.H[-1]
        assert H_L is not None
        return loss.value_at(self._f[-1].name, H_L, cache.y_hat, y)

    def loss(self, X: Any, y: Any, loss: str | Loss = "mse") -> float:
        """``L(y, y_hat)`` on these rows (from the logits ``H_L`` where the output
        activation is fused with the loss, so exact however saturated the outputs).

        Shapes: ``X``: (n, n_0); ``y``: (n, n_L), or (n,) for one output or class labels.
        """
        loss_fn = get_loss(loss)
        X_, y_ = self.check_data(X, y, loss_fn)
        return self._loss_value(self._forward(X_), y_, loss_fn)

    def step(
        self,
        X: Any,
        y: Any,
        loss: str | Loss = "mse",
        learning_rate: float = 0.1,
        *,
        optimizer: Optimizer | None = None,
        freeze: str | Sequence[str] | None = None,
        update: str = "after",
        lr: float | None = None,
    ) -> float:
        """One update on exactly these rows; returns the loss *before* the step.

        Args:
            learning_rate: η, with 0 < η ≤ 1000.
            optimizer: ``None`` is gradient descent, ``W_k ← W_k − η·∂L/∂W_k``; an
                :class:`~matbackprop.optimizers.Optimizer` (``mb.Adam()``, ...) takes the
                step and keeps its state for the next one.
            freeze: parameters left as they are: ``"b"`` (every bias), ``"W"`` (every
                weight), or names such as ``["W1", "b2"]``.
            update: ``"after"`` updates every layer after the backward pass, from the
                gradients at the old weights; ``"layerwise"`` updates each ``W_k`` as soon
                as ``∂L/∂W_k`` is known, and the backward pass goes on through the updated
                ``W_k`` (the chapter's problem 08, ``docs/layerwise.md``).
            lr: deprecated alias of ``learning_rate``.
        """
        eta = _checks.learning_rate(
            _checks.renamed(learning_rate, 0.1, lr, "learning_rate", "lr"),
            "learning_rate" if lr is None else "lr",  # the name the caller wrote
        )
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise ConfigError(
                "optimizer must be an Optimizer whose state lasts from one step to the next, "
                f"e.g. mb.Adam(), or None for gradient descent; got {optimizer!r}"
            )
        mode = check_update(update)
        skip = self._frozen_indices(freeze)
        loss_fn = get_loss(loss)
        X_, y_ = self.check_data(X, y, loss_fn)
        opt = SGD() if optimizer is None else optimizer
        params = self.parameters()
        state = opt.bound_state(params)
        if mode == "layerwise":
            return self._layerwise_step(X_, y_, loss_fn, opt, state, eta, skip)[0]
        value, grads = self._value_and_gradients(X_, y_, loss_fn, reuse=True)
        update_selected(opt, params, grads.parameters(), state, eta, skip)
        return value

    def fit(self, X: Any, y: Any, **settings: Any) -> History:
        """Train on ``(X, y)``; see :func:`matbackprop.training.fit` for every setting."""
        from .training import fit

        return fit(self, X, y, **settings)

    def predict(self, X: Any) -> Array:
        """``y_hat`` for the rows of ``X``. Shapes: (n, n_0) -> (n, n_L).

        A DataFrame's columns are picked by the names stored with the model
        (``metadata["features"]``, see :meth:`check_X`).
        """
        return self._forward(self.check_X(X)).y_hat

    # -- checks at the boundary -------------------------------------------------------

    def check_X(self, X: Any) -> Array:
        """``X`` as a finite (n, n_0) array of the network's dtype, or a clear error.

        ``X`` must come from the parameters' array library (see :meth:`to`). A DataFrame
        (anything with string ``columns``) given to a model that stores its feature names in
        ``metadata["features"]`` (fit from a DataFrame, ``matbackprop train``, the
        scikit-learn estimators) gives those columns in that order, and other columns are
        ignored; a missing one is a :class:`DataError` naming it. Without stored names the
        columns are taken in order. Shapes: (n, n_0).
        """
        X = self._columns_by_name(X)
        X_ = _checks.as_matrix(X, "X", self.dtype, width=self.layer_sizes[0])
        if not (_xp.is_numpy(X_) and all(map(_xp.is_numpy, self.parameters()))):
            self._same_library(X_, "X")
        return X_

    def _columns_by_name(self, X: Any) -> Any:
        """``X``'s columns named in ``metadata["features"]``, in that order, when both exist."""
        stored = self.metadata.get("features")
        names = feature_names(X)
        if names is None or not stored:
            return X
        missing = [c for c in stored if c not in names]
        if missing:
            raise DataError(
                f"X lacks column(s) {', '.join(map(repr, missing))} that the model was trained "
                f"on; it takes {', '.join(map(repr, stored))}, X has {', '.join(map(repr, names))}"
            )
        return X if names == list(stored) else X[list(stored)]

    def _remember_features(self, X: Any) -> None:
        """Store a DataFrame's column names as the model's features, unless it has some.

        Called by :func:`~matbackprop.training.fit`, so that :meth:`predict` and ``save``
        know them; a model that has names keeps them (``X`` was picked by them).
        """
        names = feature_names(X)
        if names is not None and not self.metadata.get("features"):
            self.metadata["features"] = names

    def _same_library(self, value: Any, name: str) -> None:
        params = self.parameters()
        xp = _xp.namespace(*params, what="the parameters (weights and biases)")
        try:
            _xp.namespace(value, *params)
        except ConfigError:
            where = "NumPy" if xp is np else xp.__name__
            raise ConfigError(
                f"{name} must come from the network's array library ({where}), got "
                f"{type(value).__module__}.{type(value).__name__}; move the network with "
                f"net.to({name}) or convert {name}"
            ) from None
        if _xp.device(value) != _xp.device(params[0]):
            raise ConfigError(
                f"{name} must be on the network's device {_xp.device(params[0])}, got "
                f"{_xp.device(value)}; move the network with net.to({name})"
            )

    def check_data(self, X: Any, y: Any, loss: Loss) -> tuple[Array, Array]:
        """``X`` and ``y`` checked for this network and ``loss`` (the loss for its output
        activation too, see :func:`~matbackprop.losses.check_pairing`).

        Shapes: ``X``: (n, n_0); ``y``: (n, n_L) or (n,) -> (n, n_0), (n, n_L).
        """
        check_pairing(loss, self.output_activation)
        X_ = self.check_X(X)
        y_ = _checks.as_target(y, "y", self.dtype, X_.shape[0])
        if not (_xp.is_numpy(X_) and _xp.is_numpy(y_)):
            self._same_library(y_, "y")
        return X_, loss.prepare_target(y_, self.layer_sizes[-1])

    # -- files and copies -------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], **metadata: Any) -> None:
        """Write an ``.npz`` with the parameters and JSON metadata, atomically.

        ``metadata`` (JSON values) is stored beside :attr:`metadata` and comes back in it.
        """
        from .persistence import save_network

        on_host = self if self.xp is np else self.copy().to(np)
        save_network(on_host, path, {**self.metadata, **metadata})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a file written by :meth:`save`; validates everything and never unpickles."""
        from .persistence import load_network

        return load_network(path)

    def copy(self) -> Network:
        twin = Network(
            self.layer_sizes,
            activation=list(self.activations[:-1]),
            output_activation=self.output_activation,
            bias=self.bias,
            init=list(self._weights),
            dtype=self.dtype,
        )
        twin.init = self.init
        twin.training_info = dict(self.training_info) if self.training_info else None
        twin.metadata = dict(self.metadata)
        if self.bias:
            twin.biases = list(self._biases)
        return twin

    def config(self) -> dict[str, Any]:
        """The architecture as plain JSON-able values."""
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": list(self.activations[:-1]),
            "output_activation": self.output_activation,
            "bias": self.bias,
            "dtype": np.dtype(self.dtype).name,
            "init": self.init,
        }

    def __repr__(self) -> str:
        sizes = ", ".join(map(str, self.layer_sizes))
        act = self.activation
        return (
            f"Network([{sizes}], activation={act!r}, output_activation="
            f"{self.output_activation!r}, bias={self.bias}, dtype={np.dtype(self.dtype).name})"
        )

    def draw(self, what: str = "network", **options: Any) -> Figure:
        """A diagram of this network: ``"network"``, ``"forward"`` or ``"backward"``, as a
        Matplotlib Figure (inline in Jupyter); see :func:`matbackprop.draw.draw`."""
        from .draw import draw

        return draw(self, what, **options)

    def _repr_svg_(self) -> str:
        """Jupyter's rich display: the network diagram."""
        from .draw import diagram

        return diagram(self)._repr_svg_()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return self.config() == other.config() and all(
            np.array_equal(_xp.to_numpy(a), _xp.to_numpy(b))
            for a, b in zip(self.parameters(), other.parameters())
        )

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        # The fit loop's scratch buffers are not part of the model.
        return {k: v for k, v in self.__dict__.items() if k not in _SCRATCH}


# What fit keeps on a network between calls: the buffers of matbackprop._speed.fast and of
# the compiled epochs (compiled_blas.Trainer), made again when missing
_SCRATCH = ("_step_buffers", "_trainer_buffers")


def feature_names(X: Any) -> list[str] | None:
    """The column names of a DataFrame (pandas, polars, ...), or ``None`` for an array.

    As in scikit-learn, names count only when every one is a string.
    """
    if isinstance(X, np.ndarray):
        return None
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(columns, str):
        return None
    try:
        names = list(columns)
    except TypeError:
        return None
    return names if names and all(isinstance(c, str) for c in names) else None


def _check_layer_sizes(layer_sizes: Any) -> tuple[int, ...]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Iterable):
        raise ConfigError(f"layer_sizes must be a list of positive integers, got {layer_sizes!r}")
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ConfigError(
            f"layer_sizes must list at least 2 sizes (inputs and outputs), got {sizes!r}"
        )
    for i, s in enumerate(sizes):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s <= 0:
            raise ConfigError(f"layer_sizes[{i}] must be a positive integer, got {s!r}")
    return tuple(int(s) for s in sizes)


def _check_dtype(dtype: Any) -> Any:
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in _DTYPES:
        raise ConfigError(f"dtype must be float64 or float32, got {dtype!r}")
    return _DTYPES[name]
