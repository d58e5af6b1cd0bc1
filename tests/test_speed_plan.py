"""One function chooses fit's speed path (matbackprop._speed.paths.plan), for any machine.

``plan`` is pure: the configuration and the installed libraries are arguments, so the grid
below covers machines with and without Numba, SciPy and MKL on any machine. Then real
``fit`` runs: ``History.path`` is what ``plan`` says, and every activation either is
covered by a kernel, trained by it as by the reference path, or keeps that kernel out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop import _speed
from matbackprop._speed import limits
from matbackprop._speed.paths import COVERAGE, PATHS, Capabilities, Config, plan
from matbackprop.activations import ACTIVATIONS
from matbackprop.losses import get_loss
from matbackprop.optimizers import get_optimizer

NONE = Capabilities()
NUMBA = Capabilities(numba=True)
SCIPY = Capabilities(scipy=True)
FAST = Capabilities(numba=True, scipy=True)  # the `fast` extra
MKL = Capabilities(numba=True, scipy=True, mkl=True)  # `fast` and `mkl`
MKL_NO_NUMBA = Capabilities(scipy=True, mkl=True)
MKL_NO_SCIPY = Capabilities(numba=True, mkl=True)
CAPS = {
    "none": NONE, "numba": NUMBA, "scipy": SCIPY, "fast": FAST, "mkl": MKL,
    "mkl-no-numba": MKL_NO_NUMBA, "mkl-no-scipy": MKL_NO_SCIPY,
}  # fmt: skip


def _config(sizes: tuple[int, ...] = (2, 2, 2, 1), **changes: Any) -> Config:
    """A plain-SGD configuration (the seed's network, full batch of 100 rows) with changes."""
    base = Config(
        layer_sizes=sizes, hidden=("sigmoid",) * (len(sizes) - 2), output="identity",
        loss="mse", loss_default_reduction=True, optimizer="sgd", rows=100, batch=100,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


A = _config()
B = _config((20, 64, 64, 1), hidden=("relu", "relu"), rows=10_000, batch=256)
C = _config(
    (784, 512, 512, 10), hidden=("relu", "relu"), output="softmax", loss="cross_entropy",
    rows=60_000, batch=128,
)  # fmt: skip
D = _config((256, 2048, 2048, 1), hidden=("relu", "relu"), rows=8192, batch=8192)

# {capabilities: path} of each kind of run: the tiny loops need Numba; the compiled epochs
# Numba and MKL or SciPy (the compiled epochs call either's ?gemm), in parts (B) or a whole batch
# on the BLAS's threads (C's medium products); everything else, and any of them without,
# the reference path
REF = {"*": "reference"}
NUMBA_CAPS = ("numba", "fast", "mkl", "mkl-no-scipy")
LOOPS = {"*": "reference", **dict.fromkeys(NUMBA_CAPS, "compiled_loops")}
EPOCHS = {"*": "reference", **dict.fromkeys(("fast", "mkl", "mkl-no-scipy"), "compiled_epochs")}
# the compiled epochs' BLAS on each machine that runs them: MKL where installed
BLAS = {"fast": "scipy", "mkl": "mkl", "mkl-no-scipy": "mkl"}
# large products (limits.MEASURED_UP_TO) run whole on SciPy's BLAS, unmeasured: not on MKL alone
LARGE = {"*": "reference", "fast": "compiled_epochs", "mkl": "compiled_epochs"}

# (configuration, {capabilities: path}); capabilities not named take the path of "*"
GRID: dict[str, tuple[Config, dict[str, str]]] = {
    "A": (A, LOOPS),
    "A-fast-0": (dataclasses.replace(A, fast=False), REF),
    "A-shuffled": (dataclasses.replace(A, batch=10), EPOCHS),
    "A-unshuffled-batches": (dataclasses.replace(A, batch=10, shuffle=False), LOOPS),
    "A-mse-half": (dataclasses.replace(A, loss="mse_half"), LOOPS),
    # the compiled kernels update by every rule of _speed.updates
    **{f"A-{opt}": (dataclasses.replace(A, optimizer=opt), LOOPS)
       for opt in ("momentum", "nesterov", "adam")},
    **{f"A-{opt}": (dataclasses.replace(A, optimizer=opt), REF)
       for opt in ("rmsprop", "adagrad", "MySGD (a subclass of sgd)",
                   "MyAdam (a subclass of adam)")},
    "A-adam-shuffled": (dataclasses.replace(A, optimizer="adam", batch=10), EPOCHS),
    "B-adam": (dataclasses.replace(B, optimizer="adam"), EPOCHS),
    "C-adam": (dataclasses.replace(C, optimizer="adam"), EPOCHS),
    # the compiled trainers run epoch by epoch for validation, early stopping, checkpoints
    **{f"A-{flag}": (dataclasses.replace(A, **{flag: True}), LOOPS)
       for flag in ("validation", "early_stopping", "checkpoint")},
    "B-adam-validation": (dataclasses.replace(B, optimizer="adam", validation=True,
                                              early_stopping=True), EPOCHS),
    # a checkpoint written mid-epoch (Ctrl-C on the NumPy loop) resumes on the NumPy loop
    "A-mid-epoch": (dataclasses.replace(A, checkpoint=True, mid_epoch=True), REF),
    "A-not-numpy": (dataclasses.replace(A, numpy=False), REF),
    # the compiled loops and epochs sum the gradient norms and keep the parameters of
    # freeze (updates.FROZEN)
    "A-track_gradients": (dataclasses.replace(A, track_gradients=True), LOOPS),
    "B-track_gradients": (dataclasses.replace(B, track_gradients=True), EPOCHS),
    "A-frozen": (dataclasses.replace(A, frozen=True), LOOPS),
    "C-frozen": (dataclasses.replace(C, frozen=True), EPOCHS),
    # layer-wise updates change W_k inside the backward pass: no fast path has that loop
    **{f"{name}-layerwise": (dataclasses.replace(config, update="layerwise"), REF)
       for name, config in (("A", A), ("B", B), ("C", C), ("D", D))},
    "A-leaky-relu": (dataclasses.replace(A, hidden=("leaky_relu", "leaky_relu")), REF),
    # log-loss has compiled epochs (compiled_blas), not the tiny loops
    "A-logloss": (dataclasses.replace(A, output="sigmoid", loss="logloss"), EPOCHS),
    "A-sum-reduction": (dataclasses.replace(A, loss_default_reduction=False), REF),
    "B": (B, EPOCHS),
    "B-blas-mkl": (dataclasses.replace(B, blas="mkl"), EPOCHS),
    "C": (C, EPOCHS),
    # MATBACKPROP_BLAS=scipy keeps MKL out: SciPy's BLAS, or the reference path without it
    "C-blas-scipy": (dataclasses.replace(C, blas="scipy"),
                     {"*": "reference", "fast": "compiled_epochs", "mkl": "compiled_epochs"}),
    "C-blas-mkl": (dataclasses.replace(C, blas="mkl"), EPOCHS),
    "C-float32": (dataclasses.replace(C, dtype="float32"), EPOCHS),
    # D's products are too large to measure (limits.MEASURED_UP_TO): SciPy's BLAS, or, with
    # MATBACKPROP_BLAS=mkl, MKL's
    "D": (D, LARGE),
    "D-batch-1024": (dataclasses.replace(D, batch=1024), LARGE),
    "D-adam": (dataclasses.replace(D, optimizer="adam"), LARGE),
    "D-blas-mkl": (dataclasses.replace(D, blas="mkl"), EPOCHS),
    # in float32 a whole batch measured no faster (limits.LARGE_DTYPES), unless a BLAS is named
    "D-float32": (dataclasses.replace(D, dtype="float32"), REF),
    "D-float32-blas-scipy": (dataclasses.replace(D, dtype="float32", blas="scipy"), LARGE),
}  # fmt: skip


@pytest.mark.parametrize("caps", CAPS)
@pytest.mark.parametrize("case", GRID)
def test_plan_chooses_each_path_by_configuration_and_installed_libraries(
    case: str, caps: str
) -> None:
    config, expected = GRID[case]
    chosen = plan(config, CAPS[caps])
    assert chosen.path == expected.get(caps, expected["*"])
    assert chosen.path in PATHS
    assert chosen.reason
    assert chosen.compiled is (chosen.path in ("compiled_loops", "compiled_epochs"))
    if chosen.path != "compiled_epochs":
        assert chosen.blas == ""
    elif config.blas == "scipy" or (config.blas == "mkl" and CAPS[caps].mkl):
        assert chosen.blas == config.blas
    elif case.startswith("D"):
        assert chosen.blas == "scipy"
        assert chosen.reason == "large products, each batch whole on SciPy's BLAS"
    else:
        assert chosen.blas == BLAS[caps]
    if case == "D-float32" and caps in ("fast", "mkl", "mkl-no-scipy"):
        assert chosen.reason == "large products in float32: a whole batch measured no faster"


def test_plan_follows_the_thresholds_of_the_limits_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thresholds are read from one place, at call time."""
    assert plan(A, MKL).path == "compiled_loops"
    monkeypatch.setattr(limits, "TINY_WEIGHTS", 9)  # the seed's network has 10 weights
    assert plan(A, MKL).path == "compiled_epochs"
    monkeypatch.setattr(limits, "PARTS_UP_TO", -1)
    monkeypatch.setattr(limits, "MEASURED_UP_TO", -1)  # large: SciPy's BLAS, not MKL's
    assert plan(A, MKL).blas == "scipy"
    assert plan(A, MKL_NO_SCIPY).path == "reference"


def test_config_of_names_what_fit_knows() -> None:
    net = mb.Network([2, 3, 1], "tanh", seed=0)
    X = np.zeros((5, 2))

    class MySGD(mb.SGD):
        pass

    def config(loss: Any, opt: Any, **env: str) -> Config:
        return Config.of(net, X, get_loss(loss), get_optimizer(opt), batch=5, environ=env)

    c = config("mse", "sgd")
    assert (c.layer_sizes, c.hidden, c.output, c.rows, c.dtype) == (
        (2, 3, 1),
        ("tanh",),
        "identity",
        5,
        "float64",
    )
    assert (c.loss, c.optimizer, c.fast, c.blas) == ("mse", "sgd", True, "")
    assert config(mb.MSE(half=True), "sgd").loss == "mse_half"
    assert config("mse", mb.SGD(momentum=0.9)).optimizer == "momentum"
    assert config("mse", mb.SGD(momentum=0.9, nesterov=True)).optimizer == "nesterov"
    assert config("mse", "adam").optimizer == "adam"
    assert config("mse", MySGD()).optimizer == "MySGD (a subclass of sgd)"  # may update otherwise
    assert plan(config("mse", MySGD()), MKL).path == "reference"

    class MyAdam(mb.Adam):
        pass

    assert config("mse", MyAdam()).optimizer == "MyAdam (a subclass of adam)"
    assert plan(config("mse", MyAdam()), MKL).path == "reference"
    assert config("mse", "sgd", MATBACKPROP_FAST="0").fast is False
    assert config("mse", "sgd", MATBACKPROP_BLAS="scipy").blas == "scipy"
    assert config("mse", "sgd").update == "after"
    layerwise = Config.of(net, X, get_loss("mse"), get_optimizer("sgd"), batch=5,
                          update="layerwise", environ={})  # fmt: skip
    assert layerwise.update == "layerwise"
    assert str(plan(layerwise, MKL)) == (
        "reference (update layerwise: the fast paths update after the backward pass)"
    )


def _data(n_in: int, n_out: int, n: int = 48) -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, n_in))
    return X, np.tanh(X[:, :1] - 0.5 * X[:, -1:]) * np.linspace(1.0, 0.5, n_out)


RUNS = [
    pytest.param({}, id="sgd"),
    pytest.param({"batch_size": 8, "shuffle": True}, id="sgd-shuffled"),
    pytest.param({"optimizer": "adam"}, id="adam"),
    pytest.param({"early_stopping": True, "patience": 2}, id="early-stopping"),
    pytest.param({"track_gradients": True}, id="track-gradients"),
    pytest.param({"env": "0"}, id="fast-0"),
    pytest.param({"update": "layerwise"}, id="layerwise"),
]


@pytest.mark.parametrize("settings", RUNS)
def test_history_path_is_the_plan_of_the_run(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any]
) -> None:
    settings = dict(settings)
    if "env" in settings:
        monkeypatch.setenv("MATBACKPROP_FAST", settings.pop("env"))
    net = mb.Network([3, 4, 1], "sigmoid", seed=0)
    X, y = _data(3, 1)
    options = {"optimizer": "sgd", "epochs": 3, "shuffle": False, "progress": False, **settings}
    expected = plan(
        Config.of(
            net, X, get_loss("mse"), get_optimizer(options["optimizer"]),
            batch=options.get("batch_size", X.shape[0]), shuffle=options["shuffle"],
            early_stopping=options.get("early_stopping", False),
            track_gradients=options.get("track_gradients", False),
            update=options.get("update", "after"),
        ),
        _speed.detect(),
    )  # fmt: skip
    history = net.fit(X, y, seed=1, **options)
    assert history.path == str(expected)


def _kernel_setup(kernel: str) -> dict[str, Any]:
    """fit's settings that send a tiny network to ``kernel``."""
    if kernel == "compiled_loops":
        return {"shuffle": False}
    return {"shuffle": True, "batch_size": 16}


@pytest.mark.parametrize("activation", [a for a in ACTIVATIONS if a != "softmax"])
@pytest.mark.parametrize("kernel", COVERAGE)
def test_every_activation_is_covered_by_a_kernel_or_keeps_it_out(
    monkeypatch: pytest.MonkeyPatch, kernel: str, activation: str
) -> None:
    """A covered activation trains as on the reference path (to 1e-10 relative, float64);
    an uncovered one never reaches the kernel, whatever is installed."""
    settings = _kernel_setup(kernel)
    sizes = (3, 4, 2) if kernel == "compiled_loops" else (3, 5, 4, 2)
    X, y = _data(sizes[0], sizes[-1])
    config = Config(
        layer_sizes=sizes, hidden=(activation,) * (len(sizes) - 2), output="identity",
        loss="mse", loss_default_reduction=True, optimizer="sgd", rows=X.shape[0],
        batch=settings.get("batch_size", X.shape[0]), shuffle=settings["shuffle"],
    )  # fmt: skip
    if activation not in COVERAGE[kernel].hidden:
        assert all(plan(config, caps).path != kernel for caps in CAPS.values())
        return
    assert plan(config, MKL).path == kernel
    if not _speed.detect().numba:
        return  # the decision is checked above; this machine cannot run the kernel
    runs = []
    for switch in ("1", "0"):
        monkeypatch.setenv("MATBACKPROP_FAST", switch)
        net = mb.Network(sizes, activation, "identity", seed=2)
        history = net.fit(X, y, optimizer="sgd", learning_rate=0.1, epochs=4, seed=3,
                          progress=False, **settings)  # fmt: skip
        runs.append((net, history))
    (net, history), (ref, ref_history) = runs
    assert history.path.startswith(kernel)
    assert ref_history.path.startswith("reference")
    for p, q in zip(net.parameters(), ref.parameters()):
        assert float(np.max(np.abs(p - q))) <= 1e-10 * max(float(np.max(np.abs(q))), 1e-300)
    assert np.allclose(history.loss, ref_history.loss, rtol=1e-10, atol=0)


def test_the_coverage_table_and_the_kernels_codes_agree() -> None:
    """A covered activation has a number in the kernels' branches; the numbers alone
    (compiled.ACTIVATION_CODES) never send an activation to a kernel."""
    from matbackprop._speed.compiled import ACTIVATION_CODES
    from matbackprop._speed.updates import RULES

    for kernel, cover in COVERAGE.items():
        assert cover.hidden <= set(ACTIVATION_CODES), kernel
        assert cover.optimizers <= set(RULES), kernel
    uncovered = dataclasses.replace(A, hidden=("softplus", "softplus"))
    assert plan(uncovered, MKL).path == "reference"


def test_plan_asks_for_the_capabilities_only_when_they_matter() -> None:
    """fit passes detect itself: a run no fast path takes loads neither SciPy nor MKL."""
    asked: list[int] = []

    def capabilities() -> Capabilities:
        asked.append(1)
        return MKL

    assert plan(dataclasses.replace(A, optimizer="rmsprop"), capabilities).path == "reference"
    assert plan(dataclasses.replace(A, fast=False), capabilities).path == "reference"
    assert asked == []
    assert plan(A, capabilities).path == "compiled_loops"
    assert asked == [1]
