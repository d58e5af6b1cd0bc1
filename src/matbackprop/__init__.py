"""matbackprop: fully connected networks trained by backpropagation in matrix form.

The seed's network ``y_hat = f(f(X·W1)·W2)·W3`` is ``Network([2, 2, 2, 1], bias=False)``;
``forward`` keeps every ``H_k = O_{k-1}·W_k`` and ``O_k = f(H_k)``, ``backward`` carries the
accumulator ``d`` (``∂L/∂W_k = O_{k-1}ᵀ·d``, ``d = d·W_kᵀ * f'(H_{k-1})``).

``import matbackprop`` loads NumPy only; SymPy and Matplotlib load when first used.
"""

from importlib import import_module
from typing import Any

from ._version import __version__
from .activations import ACTIVATIONS, Activation
from .data import demo_data, read_csv
from .errors import (
    ConfigError,
    DataError,
    DTypeError,
    MatbackpropError,
    MissingFileError,
    ModelFileError,
    ShapeError,
    TrainingDivergedError,
)
from .gradcheck import check_gradients, numerical_gradients
from .losses import MSE, CrossEntropy, LogLoss, Loss
from .network import Cache, Gradients, Network
from .optimizers import SGD, AdaGrad, Adam, Optimizer, RMSprop
from .training import History, SymmetryWarning

__all__ = [
    "ACTIVATIONS",
    "MSE",
    "SGD",
    "Activation",
    "AdaGrad",
    "Adam",
    "Cache",
    "ConfigError",
    "CrossEntropy",
    "DTypeError",
    "DataError",
    "Gradients",
    "History",
    "LogLoss",
    "Loss",
    "MatbackpropError",
    "MissingFileError",
    "ModelFileError",
    "Network",
    "Optimizer",
    "RMSprop",
    "ShapeError",
    "SymmetryWarning",
    "TrainingDivergedError",
    "__version__",
    "check_gradients",
    "demo_data",
    "diagram",
    "explain",
    "numerical_gradients",
    "playground",
    "plot_function",
    "plot_gradient_norms",
    "plot_history",
    "problems",
    "read_csv",
    "solve",
]

# Heavier parts load on first use, so that ``import matbackprop`` stays NumPy-only.
# name -> module that defines it
_LAZY: dict[str, str] = {
    "explain": ".explain",
    "solve": ".explain",
    "problems": ".explain.problems",  # problem variants; their keys are worked solutions
    "diagram": ".draw",
    "plot_function": ".draw",
    "plot_gradient_norms": ".draw",
    "plot_history": ".draw",
    "playground": ".playground",  # FastAPI and uvicorn
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'matbackprop' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The public names only, each once: not the submodules, helpers and imports in
    # globals(), nor a lazy name twice once it has loaded.
    return sorted(__all__)
