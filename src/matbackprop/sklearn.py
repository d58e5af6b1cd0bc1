"""scikit-learn estimators trained by matbackprop's engine: ``MLPRegressor``, ``MLPClassifier``.

They take scikit-learn's parameter names and defaults (``hidden_layer_sizes``,
``activation``, ``solver``, ``alpha``, ``batch_size``, ``learning_rate_init``, ``max_iter``,
``tol``, ``n_iter_no_change``, ``early_stopping``, ...) and expose what scikit-learn's own
MLP refuses: one activation per hidden layer, ``bias=False``, any matbackprop loss, init
scheme and output activation. Each step is :class:`~matbackprop.Network`'s forward and
backward pass followed by a matbackprop optimizer update.

Conventions that match scikit-learn (so both follow the same trajectory, see the tests):

- regression loss ``½·mean((y_hat − y)²)`` (``MSE(half=True)``); classification uses
  softmax + ``CrossEntropy`` for multiclass, sigmoid + ``LogLoss`` for binary and multilabel;
- the L2 penalty ``alpha`` adds ``alpha·W_k / n_batch`` to ``∂L/∂W_k`` (biases are not
  penalised) and ``½·alpha·Σ‖W_k‖² / n_batch`` to the loss;
- one epoch is one pass over the rows in ``batch_size`` chunks; training stops once more
  than ``n_iter_no_change`` epochs in a row improve the training loss (or, with
  ``early_stopping``, the validation score) by less than ``tol``.

- ``init="auto"`` draws the weights *and* biases as scikit-learn does: layer by layer,
  ``W_k`` then ``b_k`` from ``U(−a, a)`` with ``a = √(c / (n_{k-1} + n_k))``, ``c = 2`` for
  the logistic activation and 6 otherwise (Glorot), from the same ``random_state`` draws;
  the rows are reshuffled and the validation rows split off from that same random state, so
  a fixed ``random_state`` gives scikit-learn's model, draw for draw.

Where they differ: another ``init`` (a matbackprop scheme) starts the biases at zero; and for
several outputs scikit-learn's step is ``n_outputs`` times the gradient of the loss it
reports, while ours is exactly that gradient.

This module imports scikit-learn; ``import matbackprop`` never loads it.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils import shuffle as sk_shuffle
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .activations import get_activation
from .errors import ConfigError, DataError, DTypeError
from .losses import MSE, CrossEntropy, LogLoss, Loss, check_pairing, get_loss
from .network import Network
from .optimizers import SGD, Adam, Optimizer, OptimizerState
from .training import LastGood, diverged

__all__ = ["MLPClassifier", "MLPRegressor"]

Array = NDArray[np.floating]

_SOLVERS = ("sgd", "adam")
_SCHEDULES = ("constant", "invscaling", "adaptive")


def _validate_data(est: BaseEstimator, *args: Any, **kwargs: Any) -> Any:
    """scikit-learn's own input checks (pandas, feature names, ``n_features_in_``).

    Its ``ValueError``/``TypeError`` come back as :class:`DataError`/:class:`DTypeError`,
    which are still ``ValueError``/``TypeError``, with scikit-learn's message.
    """
    try:
        from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6
    except ImportError:  # pragma: no cover - older scikit-learn
        validate_data = type(est)._validate_data
    try:
        return validate_data(est, *args, **kwargs)
    except TypeError as exc:
        raise DTypeError(str(exc)) from exc
    except ValueError as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(str(exc)) from exc


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


class _BaseMLP(BaseEstimator):  # type: ignore[misc]
    """The training loop shared by both estimators; see the module docstring."""

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        loss: str | Loss | None = None,
        output_activation: str | None = None,
        bias: bool = True,
        init: str = "auto",
        init_scale: float | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.loss = loss
        self.output_activation = output_activation
        self.bias = bias
        self.init = init
        self.init_scale = init_scale

    # -- what the two estimators decide differently -----------------------------------

    def _validate_input(self, X: Any, y: Any, *, reset: bool, incremental: bool) -> Any:
        raise NotImplementedError

    def _default_head(self) -> tuple[str, Loss]:
        """The output activation and loss used when the user names neither."""
        raise NotImplementedError

    def _score_validation(self, X: Array, y: Array) -> float:
        raise NotImplementedError

    # -- settings ---------------------------------------------------------------------

    def _hidden_sizes(self) -> list[int]:
        sizes: Any = self.hidden_layer_sizes
        sizes_list = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        for i, s in enumerate(sizes_list):
            if not _is_int(s) or s <= 0:
                raise ConfigError(
                    f"hidden_layer_sizes[{i}] must be a positive integer, got {s!r} "
                    f"in {self.hidden_layer_sizes!r}"
                )
        return [int(s) for s in sizes_list]

    def _check_settings(self) -> None:
        """Refuse a bad setting before any work, naming it, what it takes and what it got."""
        if self.solver not in _SOLVERS:
            raise ConfigError(f"solver must be one of {', '.join(_SOLVERS)}, got {self.solver!r}")
        if self.learning_rate not in _SCHEDULES:
            raise ConfigError(
                f"learning_rate must be one of {', '.join(_SCHEDULES)}, got {self.learning_rate!r}"
            )
        for name, low in (("alpha", 0.0), ("tol", 0.0), ("power_t", 0.0)):
            value = getattr(self, name)
            if not _is_number(value) or value < low:
                raise ConfigError(f"{name} must be a number >= {low:g}, got {value!r}")
        lr: Any = self.learning_rate_init
        if not _is_number(lr) or not lr > 0:
            raise ConfigError(f"learning_rate_init must be a number > 0, got {lr!r}")
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        b: Any = self.batch_size
        if b != "auto" and (not _is_int(b) or b < 1):
            raise ConfigError(f"batch_size must be 'auto' or a positive integer, got {b!r}")
        v: Any = self.validation_fraction
        if not _is_number(v) or not 0 < v < 1:
            raise ConfigError(f"validation_fraction must be in (0, 1), got {v!r}")
        for name in ("shuffle", "warm_start", "early_stopping", "nesterovs_momentum", "bias"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")

    def _make_optimizer(self) -> Optimizer:
        if self.solver == "adam":
            return Adam(beta1=self.beta_1, beta2=self.beta_2, epsilon=self.epsilon)
        # nesterov without momentum is plain SGD in scikit-learn; matbackprop refuses the pair
        return SGD(momentum=self.momentum, nesterov=self.nesterovs_momentum and self.momentum > 0)

    def _head(self) -> tuple[str, Loss]:
        default_activation, default_loss = self._default_head()
        output = (
            self.output_activation if self.output_activation is not None else default_activation
        )
        if self.loss is None:
            loss = default_loss
        elif isinstance(self.loss, str) and self.loss.lower() == "squared_error":
            loss = MSE(half=True)  # scikit-learn's "squared_error" is ½·mean((y_hat − y)²)
        else:
            loss = get_loss(self.loss)
        check_pairing(loss, output)
        return output, loss

    # -- fitting ----------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> Any:
        """Train from scratch (or from the current weights with ``warm_start=True``).

        Shapes: ``X``: (n_samples, n_features); ``y``: (n_samples,) or (n_samples, n_outputs).
        """
        return self._fit(X, y, incremental=False)

    def _fit(self, X: Any, y: Any, *, incremental: bool) -> Any:
        self._check_settings()
        hidden = self._hidden_sizes()
        if incremental and self.early_stopping:
            raise ConfigError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X_, Y = self._validate_input(X, y, reset=first_pass, incremental=incremental)
        # As scikit-learn: every fit call draws from check_random_state(random_state) afresh
        # (an int replays the same draws), first the parameters, then the split, then the
        # shuffles.
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X_, Y, hidden)
        elif Y.shape[1] != self.n_outputs_:
            raise DataError(f"y must have {self.n_outputs_} output column(s), got {Y.shape[1]}")
        self._train(X_, Y, incremental=incremental)
        return self

    def _initialize(self, X: Array, Y: Array, hidden: list[int]) -> None:
        output, loss = self._head()
        self._loss = loss
        self.n_outputs_ = Y.shape[1]
        sizes = [X.shape[1], *hidden, self.n_outputs_]
        auto = isinstance(self.init, str) and self.init == "auto"
        # scikit-learn's scheme is drawn here; matbackprop's own schemes by Network, from a
        # Generator seeded by one draw of the same random state.
        seed = None if auto else np.random.default_rng(self._random_state.randint(2**31 - 1))
        self._net = Network(
            sizes,
            activation=self.activation,
            output_activation=output,
            bias=self.bias,
            init="zeros" if auto else self.init,
            init_scale=None if auto else self.init_scale,
            seed=seed,
            dtype=X.dtype,
        )
        if auto:
            hidden_names = list(self._net.activations[:-1])
            if not hidden_names and isinstance(self.activation, str):
                hidden_names = [self.activation]  # no hidden layer: scikit-learn still reads it
            weights, biases = _sklearn_init(
                self._random_state, sizes, hidden_names, self.init_scale
            )
            self._net.weights = weights
            if self.bias:
                self._net.biases = biases
            self._net.init = "sklearn"  # recorded in the model's config, as the scheme's name
        # in scikit-learn's words: its MLPs call the sigmoid "logistic"
        name = self._net.output_activation
        self.out_activation_ = "logistic" if name == "sigmoid" else name
        self.n_layers_ = self._net.n_layers + 1  # scikit-learn counts input and output layers
        self.coefs_: list[Array] = list(self._net.weights)  # the network's own arrays
        self.intercepts_: list[Array] = list(self._net.biases)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self.loss_: float | None = None
        self.validation_scores_: list[float] | None = [] if self.early_stopping else None
        self.best_validation_score_: float | None = -np.inf if self.early_stopping else None
        self.best_loss_: float | None = None if self.early_stopping else np.inf
        self._no_improvement_count = 0
        self._optimizer = self._make_optimizer()
        self._opt_state: OptimizerState = self._optimizer.init_state(self._net.parameters())
        self._eta = float(self.learning_rate_init)
        names = getattr(self, "feature_names_in_", None)
        if names is not None:  # so that network_.predict(DataFrame) picks the columns by name
            self._net.metadata["features"] = [str(c) for c in names]

    @property
    def network_(self) -> Network:
        """The fitted :class:`~matbackprop.Network`, whose arrays are ``coefs_``/``intercepts_``.

        It can be passed to :func:`matbackprop.explain`, :func:`matbackprop.solve` and
        :meth:`~matbackprop.Network.draw`; training it trains this estimator.
        """
        return self._network()

    def _network(self) -> Network:
        """The fitted network, its parameters set from ``coefs_``/``intercepts_``."""
        check_is_fitted(self, "coefs_")
        net = self._net
        if any(c is not w for c, w in zip(self.coefs_, net.weights)):
            net.weights = self.coefs_  # the user replaced coefs_: train and predict from it
            self.coefs_ = list(net.weights)
        if net.bias and any(c is not b for c, b in zip(self.intercepts_, net.biases)):
            net.biases = self.intercepts_
            self.intercepts_ = list(net.biases)
        return net

    def _train(self, X: Array, Y: Array, *, incremental: bool) -> None:
        net = self._network()
        if self.warm_start and not incremental:
            self._optimizer = self._make_optimizer()  # a fresh fit call gets a fresh optimizer
            self._opt_state = self._optimizer.init_state(net.parameters())
            self._eta = float(self.learning_rate_init)
        X_val: Array | None = None
        Y_val: Array | None = None
        if self.early_stopping:
            X, X_val, Y, Y_val = self._split(X, Y)
        n = X.shape[0]
        batch = min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)
        params = net.parameters()
        rows = np.arange(n)
        self.n_iter_ = 0
        last_good = LastGood(params)  # put back if an epoch diverges
        for _ in range(1 if incremental else self.max_iter):
            if self.shuffle:  # scikit-learn permutes the previous order, from its random state
                rows = sk_shuffle(rows, random_state=self._random_state)
            total = 0.0
            for start in range(0, n, batch):
                part = rows[start : start + batch]
                value = self._step(net, params, X[part], Y[part])
                if not math.isfinite(value):  # fit's rule (training.diverged)
                    raise diverged(self.n_iter_, value, self._eta, None, params,
                                   last_good.arrays, rate="learning_rate_init")  # fmt: skip
                total += value * self._loss.rows_divisor(part.size)  # Σ over the batch's rows
            if not last_good.keep():
                raise diverged(self.n_iter_, math.inf, self._eta, None, params,
                               last_good.arrays, rate="learning_rate_init")  # fmt: skip
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = total / self._loss.rows_divisor(n)
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            self._track_improvement(X_val, Y_val)
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                self._eta = self.learning_rate_init / (self.t_ + 1) ** self.power_t
            if self._no_improvement_count > self.n_iter_no_change:
                if self.solver == "sgd" and self.learning_rate == "adaptive" and self._eta > 1e-6:
                    self._eta /= 5.0  # scikit-learn's adaptive schedule
                    self._no_improvement_count = 0
                else:
                    break
            elif not incremental and self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"matbackprop: max_iter={self.max_iter} epochs reached and the loss "
                    "has not converged yet",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        if self.early_stopping:
            for p, best in zip(params, self._best_params):
                np.copyto(p, best)

    def _step(self, net: Network, params: list[Array], Xb: Array, Yb: Array) -> float:
        """One update on one batch; returns the batch loss before the step."""
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run: caught below
            value, grads = net._value_and_gradients(Xb, Yb, self._loss, reuse=True)
        if not math.isfinite(value):
            return value  # _train puts the last good weights back and raises
        if self.alpha:
            nb = Xb.shape[0]
            # L2: L += ½·alpha·Σ‖W_k‖²/n_b, so ∂L/∂W_k += alpha·W_k/n_b (biases are not penalised)
            value += 0.5 * self.alpha * sum(float(np.sum(W * W)) for W in net.weights) / nb
            for dW, W in zip(grads.weights, net.weights):
                dW += (self.alpha / nb) * W
        self._optimizer.update(params, grads.parameters(), self._opt_state, self._eta)
        return value

    def _split(self, X: Array, Y: Array) -> tuple[Array, Array, Array, Array]:
        stratify = Y if isinstance(self, ClassifierMixin) and self.n_outputs_ == 1 else None
        try:
            X_tr, X_val, Y_tr, Y_val = train_test_split(
                X,
                Y,
                test_size=self.validation_fraction,
                random_state=self._random_state,
                stratify=stratify,
            )
        except ValueError as exc:
            raise DataError(f"early_stopping cannot split off a validation set: {exc}") from exc
        if X_val.shape[0] < 2:
            raise DataError(
                f"early_stopping needs at least 2 validation rows; validation_fraction="
                f"{self.validation_fraction} of {X.shape[0]} rows gives {X_val.shape[0]}"
            )
        self._best_params = [p.copy() for p in self._net.parameters()]
        return X_tr, X_val, Y_tr, Y_val

    def _track_improvement(self, X_val: Array | None, Y_val: Array | None) -> None:
        """scikit-learn's stopping rule: count epochs that improve by less than ``tol``."""
        if X_val is not None and Y_val is not None:
            assert self.validation_scores_ is not None
            assert self.best_validation_score_ is not None
            score = self._score_validation(X_val, Y_val)
            self.validation_scores_.append(score)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params = [p.copy() for p in self._net.parameters()]
        else:
            assert self.best_loss_ is not None
            last = self.loss_curve_[-1]
            if last > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, last)

    # -- predicting -------------------------------------------------------------------

    def _forward(self, X: Any) -> Array:
        net = self._network()
        X_ = _validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return net._forward(np.asarray(X_, dtype=net.dtype)).y_hat  # (n, n_outputs)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _sklearn_init(
    rs: np.random.RandomState,
    layer_sizes: list[int],
    hidden: Sequence[str],
    gain: float | None,
) -> tuple[list[Array], list[Array]]:
    """scikit-learn's MLP start: per layer, ``W_k`` then ``b_k`` from ``U(−a, a)``.

    ``a = gain·√(c / (n_{k-1} + n_k))`` with ``c = 2`` when the layer's activation is the
    logistic sigmoid, 6 otherwise (Glorot & Bengio's uniform limit). scikit-learn has one
    hidden activation and uses it for every layer, the output layer too; with one per hidden
    layer, ``W_k`` takes hidden layer ``k``'s and the output layer the last hidden layer's.
    The draws are float64, in scikit-learn's order, so the same ``RandomState`` gives the
    same numbers; the caller casts them to the network's dtype.

    Shapes: ``W_k``: (n_{k-1}, n_k); ``b_k``: (n_k,).
    """
    if gain is not None and (not _is_number(gain) or not gain > 0):
        raise ConfigError(f"init_scale must be a number > 0 or None, got {gain!r}")
    names = [*hidden, *hidden[-1:]] if hidden else ["identity"]
    weights: list[Array] = []
    biases: list[Array] = []
    for (n_in, n_out), name in zip(itertools.pairwise(layer_sizes), names):
        c = 2.0 if get_activation(name).name == "sigmoid" else 6.0
        a = (1.0 if gain is None else float(gain)) * np.sqrt(c / (n_in + n_out))
        weights.append(rs.uniform(-a, a, (n_in, n_out)))  # (n_{k-1}, n_k)
        biases.append(rs.uniform(-a, a, n_out))  # (n_k,): drawn even when bias=False
    return weights, biases


class MLPRegressor(RegressorMixin, _BaseMLP):  # type: ignore[misc]
    """A regression MLP on matbackprop's engine, with scikit-learn's interface.

    Default head: identity output with ``MSE(half=True)``, i.e. scikit-learn's
    ``squared_error`` (``½·mean((y_hat − y)²)``). Every parameter is listed in the module
    docstring and in ``sklearn.neural_network.MLPRegressor``; the extras are ``loss``,
    ``output_activation``, ``bias``, ``init``, ``init_scale`` and a list for ``activation``.

    Attributes: ``coefs_[k-1]`` is ``W_k`` (n_{k-1}, n_k), ``intercepts_[k-1]`` is ``b_k``
    (empty with ``bias=False``), ``loss_curve_``, ``n_iter_``, ``n_features_in_``,
    ``n_outputs_``, ``t_``.
    """

    def _default_head(self) -> tuple[str, Loss]:
        return "identity", MSE(half=True)

    def _validate_input(self, X: Any, y: Any, *, reset: bool, incremental: bool) -> Any:
        X_, y_ = _validate_data(
            self, X, y, reset=reset, dtype=(np.float64, np.float32), multi_output=True,
            y_numeric=True,
        )  # fmt: skip
        if reset:
            self._y_1d = y_.ndim == 1
        Y = np.asarray(y_, dtype=X_.dtype)
        return X_, Y.reshape(-1, 1) if Y.ndim == 1 else Y

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over ``(X, y)`` from the current weights and optimizer state.

        Shapes: ``X``: (n_samples, n_features); ``y``: (n_samples,) or (n_samples, n_outputs).
        """
        return self._fit(X, y, incremental=True)  # type: ignore[no-any-return,unused-ignore]

    def predict(self, X: Any) -> Array:
        """``y_hat``. Shapes: (n_samples, n_features) -> (n_samples,) or (n_samples, n_outputs)."""
        y_hat = self._forward(X)
        return y_hat.ravel() if self._y_1d and y_hat.shape[1] == 1 else y_hat

    def _score_validation(self, X: Array, y: Array) -> float:
        from sklearn.metrics import r2_score

        return float(r2_score(y, self._network()._forward(X).y_hat))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):  # type: ignore[misc]
    """A classification MLP on matbackprop's engine, with scikit-learn's interface.

    Default heads: softmax + ``CrossEntropy`` for several classes, sigmoid + ``LogLoss``
    for two classes (one output) and for multilabel indicator targets (one output each).
    ``predict_proba`` returns one column per class.

    Attributes: as :class:`MLPRegressor`, plus ``classes_``.
    """

    def _default_head(self) -> tuple[str, Loss]:
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax", CrossEntropy()
        return "sigmoid", LogLoss()

    def _validate_input(self, X: Any, y: Any, *, reset: bool, incremental: bool) -> Any:
        X_, y_ = _validate_data(
            self, X, y, reset=reset, dtype=(np.float64, np.float32), multi_output=True
        )
        if y_.ndim == 2 and y_.shape[1] == 1:
            y_ = column_or_1d(y_, warn=True)
        try:
            check_classification_targets(y_)
        except ValueError as exc:
            raise DataError(str(exc)) from exc
        if reset and not incremental:  # a fresh fit learns the classes from y
            self._label_binarizer = LabelBinarizer().fit(y_)
            self.classes_ = self._label_binarizer.classes_
        else:  # partial_fit or a warm start: y may only hold the classes seen first
            if type_of_target(y_).startswith("multilabel"):
                unseen = y_.shape[1] != len(self.classes_)
            else:
                unseen = not set(np.unique(y_)) <= set(self.classes_)
            if unseen:
                raise DataError(
                    f"y has classes not in classes_ {list(self.classes_)}; pass every class "
                    "to the first partial_fit call"
                )
        Y = self._label_binarizer.transform(y_).astype(X_.dtype)
        return X_, Y

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over ``(X, y)``; the first call must list every class in ``classes``.

        Shapes: ``X``: (n_samples, n_features); ``y``: (n_samples,) labels or an
        (n_samples, n_labels) indicator matrix.
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ConfigError(
                    "classes must be passed on the first call to partial_fit, got None"
                )
            y_arr = np.asarray(y)
            self._label_binarizer = LabelBinarizer()
            if y_arr.ndim == 2 and y_arr.shape[1] > 1:
                self._label_binarizer.fit(y_arr)  # multilabel: the columns are the classes
            else:
                self._label_binarizer.fit(np.asarray(classes))
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ConfigError(
                f"classes must equal the first call's {list(self.classes_)}, "
                f"got {list(np.unique(classes))}"
            )
        return self._fit(X, y, incremental=True)  # type: ignore[no-any-return,unused-ignore]

    def predict(self, X: Any) -> Any:
        """The predicted labels. Shapes: (n_samples, n_features) -> (n_samples,)."""
        p = self._forward(X)
        return self._label_binarizer.inverse_transform(p.ravel() if p.shape[1] == 1 else p)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, one column per class in ``classes_``.

        Shapes: (n_samples, n_features) -> (n_samples, n_classes).
        """
        p = self._forward(X)
        if p.shape[1] == 1 and self._label_binarizer.y_type_ == "binary":
            return np.hstack([1.0 - p, p])  # P(classes_[0]), P(classes_[1])
        return p

    def predict_log_proba(self, X: Any) -> Array:
        """``log(predict_proba(X))``. Shapes: (n_samples, n_features) -> (n_samples, n_classes)."""
        return np.log(self.predict_proba(X))

    def _score_validation(self, X: Array, Y: Array) -> float:
        from sklearn.metrics import accuracy_score

        p = self._network()._forward(X).y_hat
        lb = self._label_binarizer
        return float(
            accuracy_score(
                lb.inverse_transform(Y.ravel() if Y.shape[1] == 1 else Y),
                lb.inverse_transform(p.ravel() if p.shape[1] == 1 else p),
            )
        )

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
