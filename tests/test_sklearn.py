"""matbackprop.sklearn: scikit-learn's own estimator checks, and the same SGD trajectory."""

from __future__ import annotations

import pickle
from typing import Any
from unittest import SkipTest

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.estimator_checks import parametrize_with_checks

import matbackprop as mb
from matbackprop.sklearn import MLPClassifier, MLPRegressor

# Checks that raise SkipTest themselves, for a feature these estimators do not claim.
# A check that skips and is not listed here fails the test.
SELF_SKIPPING = {
    "check_array_api_input": (
        "runs only with SCIPY_ARRAY_API=1 set before SciPy is imported; the engine is NumPy "
        "only and does not claim array-API support"
    ),
    "check_classifiers_multilabel_output_format_decision_function": (
        "there is no decision_function, as in scikit-learn's own MLPClassifier"
    ),
}

ESTIMATORS = [
    MLPRegressor(random_state=0),
    MLPClassifier(random_state=0),
    # scikit-learn's own MLPs pass check_regressors_train with max_iter=50 (R² 0.56), and so
    # must these: the same start and the same steps give the same score
    MLPRegressor(max_iter=50, random_state=0),
    MLPClassifier(max_iter=50, random_state=0),
    # the extras scikit-learn's MLP refuses: one activation per layer, no biases, plain SGD,
    # matbackprop's init schemes
    MLPRegressor(
        (16, 8),
        activation=["tanh", "relu"],
        bias=False,
        solver="sgd",
        init="glorot",
        random_state=0,
    ),
    MLPClassifier((16, 8), activation=["tanh", "silu"], init="he", random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    name = getattr(check, "func", check).__name__
    try:
        check(estimator)
    except SkipTest as exc:
        skipped = f"{name} skipped itself without a listed reason: {exc}"
    else:
        return
    assert name in SELF_SKIPPING, skipped


# -- the same math as scikit-learn ------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")  # the 1-row set-up call
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "identity"])
@pytest.mark.parametrize("batch_size", [7, 40], ids=["minibatch7", "fullbatch"])
def test_sgd_follows_sklearn_trajectory(activation: str, batch_size: int) -> None:
    """From the same weights, plain SGD (no momentum, alpha=0, no shuffling) makes the same
    steps as scikit-learn's MLPRegressor, epoch after epoch, to 1e-10.

    scikit-learn's ``squared_error`` is ½·mean((y_hat − y)²) and its step uses
    ``(y_hat − y)/n``, which is the gradient of ``MSE(half=True)`` for one output.
    """
    X, y = make_regression(n_samples=40, n_features=3, noise=0.5, random_state=1)
    y = y / np.std(y)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(5, 4),
        activation=activation,
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        shuffle=False,
        batch_size=batch_size,
        learning_rate="constant",
        learning_rate_init=0.05,
        random_state=0,
    )
    theirs = SkMLPRegressor(**settings).partial_fit(X[:1], y[:1])  # allocates the weights
    ours = MLPRegressor(**settings, loss=mb.MSE(half=True)).partial_fit(X[:1], y[:1])
    # Copy their weights into ours in place (their optimizer holds references to its arrays).
    for mine, start in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        mine[...] = start
    for _ in range(15):
        theirs.partial_fit(X, y)
        ours.partial_fit(X, y)
        for k, (W_ours, W_theirs) in enumerate(zip(ours.coefs_, theirs.coefs_), start=1):
            np.testing.assert_allclose(W_ours, W_theirs, rtol=0, atol=1e-10, err_msg=f"W{k}")
        for b_ours, b_theirs in zip(ours.intercepts_, theirs.intercepts_):
            np.testing.assert_allclose(b_ours, b_theirs, rtol=0, atol=1e-10)
    # [0] is the set-up call, taken from different starting weights
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=0, atol=1e-10)
    assert ours.coefs_[0] is not theirs.coefs_[0]  # two engines, not one array


@pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "optimizer",
    [
        dict(solver="adam"),
        dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
        dict(solver="sgd", momentum=0.5, nesterovs_momentum=False, learning_rate="invscaling"),
    ],
    ids=["adam", "nesterov", "momentum-invscaling"],
)
def test_warm_started_optimizers_with_l2_match_too(optimizer: dict[str, Any]) -> None:
    """Adam, momentum and Nesterov, a decaying learning rate and the L2 penalty alpha,
    over a warm-started fit (which starts a fresh optimizer on both sides)."""
    X, y = make_regression(n_samples=30, n_features=4, random_state=2)
    y = y / np.std(y)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(6,), alpha=0.01, shuffle=False, batch_size=10,
        learning_rate_init=0.01, max_iter=10, n_iter_no_change=100, warm_start=True,
        random_state=0, **optimizer,
    )  # fmt: skip
    theirs = SkMLPRegressor(**settings).partial_fit(X[:1], y[:1])
    ours = MLPRegressor(**settings).partial_fit(X[:1], y[:1])
    for mine, start in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        mine[...] = start
    theirs.fit(X, y)  # warm start: these weights, a fresh optimizer, 10 epochs
    ours.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 10
    for W_ours, W_theirs in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(W_ours, W_theirs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)


# -- init="auto": scikit-learn's own start, draw for draw ---------------------------------


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_auto_init_draws_sklearns_weights_and_biases(activation: str, dtype: Any) -> None:
    """The same random_state gives the same W_k and b_k as scikit-learn's own start, which
    scikit-learn exposes only through its private ``_initialize`` (read here, not copied)."""
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    X = X.astype(dtype)
    theirs = SkMLPRegressor(hidden_layer_sizes=(5, 4), activation=activation, random_state=7)
    theirs._random_state = check_random_state(7)
    theirs._initialize(y.reshape(-1, 1), [3, 5, 4, 1], X.dtype)
    # one step of rate ~0 leaves our start where it was, to the last bit of float32 at most
    ours = MLPRegressor((5, 4), activation=activation, random_state=7, solver="sgd",
                        momentum=0.0, learning_rate_init=1e-300, max_iter=1)  # fmt: skip
    with pytest.warns(ConvergenceWarning):
        ours.fit(X, y)
    assert ours.network_.init == "sklearn"
    for mine, start in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert mine.dtype == start.dtype == dtype
        np.testing.assert_array_equal(mine, start)


def test_bias_false_keeps_sklearns_weights() -> None:
    """Without biases the b_k are still drawn (and dropped), so W_k stay scikit-learn's."""
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    settings: dict[str, Any] = dict(solver="sgd", momentum=0.0, learning_rate_init=1e-300,
                                    max_iter=1, random_state=3)  # fmt: skip
    with pytest.warns(ConvergenceWarning):
        biased = MLPRegressor((4,), **settings).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        plain = MLPRegressor((4,), bias=False, **settings).fit(X, y)
    assert plain.intercepts_ == []
    for W_plain, W_biased in zip(plain.coefs_, biased.coefs_):
        np.testing.assert_array_equal(W_plain, W_biased)


def _iris_binary() -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), np.where(y == 2, "virginica", "other")


def _iris() -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _regression() -> tuple[Any, Any]:
    X, y = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=5)
    return X, y / np.std(y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    ("data", "ours_cls", "theirs_cls", "settings"),
    [
        (_regression, MLPRegressor, SkMLPRegressor, {}),
        (_regression, MLPRegressor, SkMLPRegressor, dict(solver="sgd", batch_size=16)),
        (_regression, MLPRegressor, SkMLPRegressor, dict(early_stopping=True, tol=1e-6)),
        (_iris, MLPClassifier, SkMLPClassifier, {}),
        (_iris, MLPClassifier, SkMLPClassifier, dict(activation="logistic", batch_size=32)),
        (_iris, MLPClassifier, SkMLPClassifier, dict(early_stopping=True)),
        (_iris_binary, MLPClassifier, SkMLPClassifier, dict(activation="tanh", batch_size=50)),
    ],
    ids=["regressor", "regressor-sgd", "regressor-early-stopping", "multiclass",
         "multiclass-logistic", "multiclass-early-stopping", "binary-tanh"],
)  # fmt: skip
def test_default_settings_give_sklearns_results(
    data: Any, ours_cls: Any, theirs_cls: Any, settings: dict[str, Any]
) -> None:
    """With scikit-learn's defaults (Adam, shuffling, its init) and the same random_state,
    the two estimators follow the same trajectory: the same loss every epoch, the same
    validation scores, the same stopping epoch, the same weights and predictions."""
    X, y = data()
    common: dict[str, Any] = dict(hidden_layer_sizes=(8, 6), max_iter=60, random_state=11)
    theirs = theirs_cls(**common, **settings).fit(X, y)
    ours = ours_cls(**common, **settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    if settings.get("early_stopping"):
        assert ours.validation_scores_ == pytest.approx(theirs.validation_scores_, rel=1e-9)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_)
        assert ours.best_loss_ is theirs.best_loss_ is None
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)
    for W_ours, W_theirs in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(W_ours, W_theirs, rtol=0, atol=1e-8)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-9)
    if ours_cls is MLPClassifier:
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    else:
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-8)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("early_stopping", [False, True], ids=["plain", "early-stopping"])
@pytest.mark.parametrize(
    ("ours_cls", "theirs_cls"),
    [(MLPRegressor, SkMLPRegressor), (MLPClassifier, SkMLPClassifier)],
    ids=["regressor", "classifier"],
)
def test_fitted_attributes_are_sklearns(
    ours_cls: Any, theirs_cls: Any, early_stopping: bool
) -> None:
    """Every public fitted attribute scikit-learn's MLP has, ours has too, of the same kind."""
    X, y = _iris()
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(4,), max_iter=5, early_stopping=early_stopping, random_state=0
    )
    theirs = theirs_cls(**settings).fit(X, y)
    ours = ours_cls(**settings).fit(X, y)
    names = {a for a in vars(theirs) if a.endswith("_") and not a.startswith("_")}
    assert names <= set(vars(ours))
    for name in sorted(names):
        mine, their = getattr(ours, name), getattr(theirs, name)
        assert type(mine) is type(their) or (
            isinstance(mine, float) and isinstance(their, float)
        ), name
    assert ours.out_activation_ == theirs.out_activation_


def test_sklearns_loss_names_mean_what_they_mean_there() -> None:
    """``loss="squared_error"`` is scikit-learn's ½·mean of squares, not matbackprop's mean."""
    X, y = _regression()
    common: dict[str, Any] = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        named = MLPRegressor(loss="squared_error", **common).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        theirs = SkMLPRegressor(loss="squared_error", **common).fit(X, y)
    np.testing.assert_allclose(named.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    with pytest.raises(mb.ConfigError, match="loss must be one of"):
        MLPRegressor(loss="poisson", **common).fit(X, y)


def test_fitted_network_is_public_and_works_with_explain_solve_and_draw() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matbackprop.explain import solve

    X, y = make_regression(n_samples=30, n_features=2, random_state=4)
    model = MLPRegressor((3,), activation="logistic", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y / np.std(y))
    net = model.network_
    assert isinstance(net, mb.Network)
    assert net.layer_sizes == (2, 3, 1)
    assert all(W is C for W, C in zip(net.weights, model.coefs_))  # the same arrays
    np.testing.assert_array_equal(net.predict(X), model.predict(X).reshape(-1, 1))
    text = str(mb.explain(net, loss="mse_half"))
    assert "2-3-1" in text
    worked = solve(net, X[:2], (y[:2] / np.std(y)).reshape(-1, 1), loss="mse_half")
    assert mb.solve is solve
    assert "2-3-1" in str(worked)
    assert net.draw().axes  # a Matplotlib figure with something drawn
    with pytest.raises(Exception, match="not fitted"):
        MLPRegressor().network_  # noqa: B018


def test_dataframe_feature_names_reach_the_network() -> None:
    X, y = make_regression(n_samples=40, n_features=3, random_state=3)
    frame = pd.DataFrame(X, columns=["area", "rooms", "age"])
    model = MLPRegressor((4,), max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(frame, y / np.std(y))
    net = model.network_
    assert net.metadata["features"] == ["area", "rooms", "age"]
    shuffled = frame[["age", "area", "rooms"]]
    np.testing.assert_array_equal(net.predict(shuffled), net.predict(X))


# -- scikit-learn's ecosystem -----------------------------------------------------------


def test_pipeline_and_grid_search() -> None:
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=300, random_state=0))
    search = GridSearchCV(
        pipe, {"mlpclassifier__learning_rate_init": [0.001, 0.01]}, cv=3, error_score="raise"
    )
    with pytest.warns(ConvergenceWarning):
        search.fit(X, y)
    assert search.best_params_["mlpclassifier__learning_rate_init"] == 0.01
    assert search.best_score_ > 0.9
    assert search.best_estimator_.predict_proba(X).shape == (150, 3)


def test_pandas_dataframe_keeps_feature_names() -> None:
    X, y = make_regression(n_samples=50, n_features=3, random_state=3)
    frame = pd.DataFrame(X, columns=["area", "rooms", "age"])
    model = MLPRegressor((5,), max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(frame, pd.Series(y / np.std(y)))
    assert list(model.feature_names_in_) == ["area", "rooms", "age"]
    twin = MLPRegressor((5,), max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        twin.fit(X, y / np.std(y))
    np.testing.assert_array_equal(model.predict(frame), twin.predict(X))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"age": "year"}))


def test_early_stopping_keeps_the_best_validation_score() -> None:
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier(
        (8,), early_stopping=True, validation_fraction=0.2, n_iter_no_change=3,
        learning_rate_init=0.05, max_iter=500, random_state=0,
    )  # fmt: skip
    model.fit(X, y)
    assert model.n_iter_ < 500  # stopped on the validation score, not max_iter
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)
    assert model.best_validation_score_ == max(model.validation_scores_)
    with pytest.raises(mb.ConfigError, match="partial_fit does not support early_stopping"):
        model.partial_fit(X, y)


# -- what the classifier does with its targets ------------------------------------------


def test_binary_classifier_uses_one_sigmoid_output() -> None:
    X, y = load_iris(return_X_y=True)
    labels = np.where(y == 0, "setosa", "other")
    model = MLPClassifier((4,), max_iter=200, learning_rate_init=0.01, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, labels)
    assert model.out_activation_ == "logistic"  # scikit-learn's name for the sigmoid
    assert model.coefs_[-1].shape == (4, 1)
    assert list(model.classes_) == ["other", "setosa"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(X, labels) == 1.0


def test_multilabel_classifier_uses_sigmoid_per_label() -> None:
    X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    model = MLPClassifier((10,), max_iter=50, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y)
    assert model.out_activation_ == "logistic"
    assert model.predict(X).shape == (60, 3)
    assert set(np.unique(model.predict(X))) <= {0, 1}


def test_partial_fit_needs_classes_first() -> None:
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier((4,), random_state=0)
    with pytest.raises(mb.ConfigError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[:10], y[:10], classes=[0, 1, 2])  # only class 0 in this batch
    assert model.coefs_[-1].shape == (4, 3)
    with pytest.raises(mb.DataError, match="classes not in classes_"):
        model.partial_fit(X, y + 1)


# -- the extras ---------------------------------------------------------------------------


def test_extras_reach_the_network() -> None:
    X, y = make_regression(n_samples=30, n_features=2, random_state=4)
    model = MLPRegressor(
        (3, 3), activation=["tanh", "softplus"], bias=False, init="normal", init_scale=0.3,
        loss="mse", output_activation="identity", alpha=0.0, max_iter=5, random_state=0,
    )  # fmt: skip
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y / np.std(y))
    net = model.network_
    assert net.activations == ("tanh", "softplus", "identity")
    assert model.intercepts_ == []
    assert [W.shape for W in model.coefs_] == [(2, 3), (3, 3), (3, 1)]
    # same random_state, same start: the book's ½ halves the first epoch's loss
    half = clone(model).set_params(loss=mb.MSE(half=True))
    with pytest.warns(ConvergenceWarning):
        half.fit(X, y / np.std(y))
    assert half.loss_curve_[0] == pytest.approx(0.5 * model.loss_curve_[0], rel=1e-12)


def test_an_unpaired_loss_is_refused_before_training() -> None:
    X, y = make_regression(n_samples=20, n_features=2, random_state=0)
    model = MLPRegressor((3,), loss="logloss", output_activation="identity", max_iter=2)
    with pytest.raises(mb.ConfigError, match="loss 'logloss' needs output_activation 'sigmoid'"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")
    classifier = MLPClassifier((3,), loss="cross_entropy", output_activation="sigmoid")
    with pytest.raises(mb.ConfigError, match="needs output_activation 'softmax'"):
        classifier.fit(*load_iris(return_X_y=True))


def test_loss_curve_is_the_exact_loss_at_saturated_outputs() -> None:
    """A full-batch epoch's loss_curve_ entry is Network.loss before the step, from logits."""
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier((4,), solver="sgd", learning_rate_init=1e-9, batch_size=150,
                          max_iter=1, shuffle=False, alpha=0.0, random_state=0)  # fmt: skip
    with pytest.warns(ConvergenceWarning):
        model.fit(X * 100, y)  # unscaled ×100: logits in the hundreds, wrong rows far from ε
    net = model._network()
    assert float(np.max(np.abs(net.forward(X * 100).H[-1]))) > 40
    before = net.loss(X * 100, y, model._loss)
    with pytest.warns(ConvergenceWarning):
        model.set_params(warm_start=True).fit(X * 100, y)  # one more epoch from these weights
    assert model.loss_curve_[-1] == pytest.approx(before, rel=1e-12)
    assert before > 36  # beyond −log ε, where the clipped value would stop


def test_replaced_coefs_are_used_for_predictions() -> None:
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    model = MLPRegressor((2,), activation="identity", max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, [1.0, 2.0])
    # y_hat = (X·W1 + b1)·W2 + b2 with W1 = I, W2 = [1, 1]ᵀ, biases 0: the row sums
    model.coefs_ = [np.eye(2), np.ones((2, 1))]
    model.intercepts_ = [np.zeros(2), np.zeros(1)]
    np.testing.assert_allclose(model.predict(X), [3.0, 2.0])


def test_pickle_round_trip_predicts_the_same() -> None:
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier((5,), max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    twin = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("solver", "lbfgs", "solver must be one of sgd, adam, got 'lbfgs'"),
        ("learning_rate_init", 0.0, "learning_rate_init must be a number > 0, got 0.0"),
        ("hidden_layer_sizes", (3, 0), r"hidden_layer_sizes\[1\] must be a positive integer"),
        ("batch_size", 0, "batch_size must be 'auto' or a positive integer, got 0"),
        ("max_iter", -1, "max_iter must be a positive integer, got -1"),
        ("validation_fraction", 1.0, r"validation_fraction must be in \(0, 1\), got 1.0"),
        ("activation", "gelu", "activation must be one of"),
        ("loss", "hinge", "loss must be one of"),
        ("learning_rate", "cosine", "learning_rate must be one of constant"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_bad_settings_name_the_parameter(setting: str, value: Any, message: str) -> None:
    X, y = make_regression(n_samples=10, n_features=2, random_state=0)
    with pytest.raises(mb.ConfigError, match=message):
        MLPRegressor(**{setting: value}).fit(X, y)


def test_bad_input_is_a_project_error_with_sklearns_message() -> None:
    model = MLPRegressor((2,), max_iter=1)
    with pytest.raises(mb.DataError, match="Input X contains NaN"):
        model.fit([[np.nan, 1.0], [1.0, 2.0]], [1.0, 2.0])


def test_import_matbackprop_does_not_load_sklearn_but_the_module_does() -> None:
    import subprocess
    import sys

    code = (
        "import sys, matbackprop; a = 'sklearn' in sys.modules\n"
        "import matbackprop.sklearn; print(a, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_divergence_keeps_the_last_finite_weights_and_says_so_as_fit_does() -> None:
    """One divergence rule for fit, Dask and the estimators (training.diverged): the error
    is TrainingDivergedError, the weights are those before the epoch that diverged, and
    the message names the learning rate as the user set it."""
    from matbackprop.sklearn import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)) * 100.0
    y = X @ np.array([1.0, -2.0, 3.0])
    est = MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=5.0,
                       max_iter=50, random_state=0)  # fmt: skip
    with pytest.raises(mb.TrainingDivergedError) as info:
        est.fit(X, y)
    message = str(info.value)
    assert message.startswith("training diverged in epoch ")
    assert "(learning_rate_init=5)" in message
    assert message.endswith("The last finite weights were kept.")
    assert all(np.all(np.isfinite(W)) for W in est.coefs_)
    # fit's message has the same form, with fit's own name for η
    net = mb.Network([3, 8, 1], "relu", seed=0)
    with pytest.raises(mb.TrainingDivergedError) as fit_info:
        net.fit(X, y, optimizer="sgd", learning_rate=5.0, epochs=50, progress=False)
    fit_message = str(fit_info.value)
    assert fit_message.startswith("training diverged in epoch ")
    assert "(learning_rate=5)" in fit_message
    assert fit_message.endswith("The last finite weights were kept.")
