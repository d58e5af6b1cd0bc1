"""The array namespace of the engine's inputs: NumPy, or any library of the array API standard.

The reference path (:meth:`Network._forward`, ``_backward``, the activations, losses and
optimizers) is written once against the array API standard and takes its namespace ``xp``
from its arrays. NumPy arrays get ``numpy`` itself (NumPy >= 2 implements the standard in
its main namespace), so the NumPy path runs the very same ufuncs as before, without a
wrapper; any other array (``array-api-strict``, PyTorch, CuPy, ...) gets its
``array-api-compat`` namespace. ``array_api_compat`` is imported only for such arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = ["device", "float_dtype", "is_foreign", "is_numpy", "namespace", "to_numpy"]


def is_numpy(value: Any) -> bool:
    """Whether ``value`` is a NumPy array (typed ``Array`` arrays may hold any library's)."""
    return isinstance(value, np.ndarray)


def is_foreign(value: Any) -> bool:
    """Whether ``value`` is an array of another library than NumPy that the engine keeps as
    it is (a PyTorch tensor, an ``array-api-strict`` or CuPy array, ...).

    Lists, NumPy arrays and scalars, pandas objects and Dask arrays are not: they go through
    ``numpy.asarray`` as before.
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return False
    if not (hasattr(value, "__array_namespace__") or hasattr(value, "__dlpack__")):
        return False
    import array_api_compat as compat

    return bool(compat.is_array_api_obj(value)) and not compat.is_dask_array(value)


def namespace(*arrays: Any, what: str = "arrays") -> Any:
    """The array namespace shared by ``arrays``: ``numpy`` for NumPy arrays.

    Raises :class:`ConfigError` when they come from different libraries.
    """
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np
    from array_api_compat import array_namespace

    try:
        return array_namespace(*arrays)
    except TypeError as exc:
        names = sorted({type(a).__module__.split(".")[0] + "." + type(a).__name__ for a in arrays})
        raise ConfigError(
            f"{what} must all come from one array library (convert the network with "
            f"net.to(...) or the data), got {', '.join(names)}: {exc}"
        ) from None


def device(x: Any) -> Any:
    """The device ``x`` lives on (``"cpu"`` for NumPy)."""
    if isinstance(x, np.ndarray):
        return "cpu"
    from array_api_compat import device as device_of

    return device_of(x)


def float_dtype(xp: Any, dtype: Any) -> Any:
    """``xp``'s float dtype of the same name as the NumPy dtype ``dtype``."""
    return getattr(xp, np.dtype(dtype).name)


def to_numpy(x: Any) -> np.ndarray[Any, Any]:
    """A NumPy array with the values of ``x``, copied to the host if it lives elsewhere."""
    if isinstance(x, (np.ndarray, np.generic)) or not is_foreign(x):
        return np.asarray(x)
    import array_api_compat as compat

    if compat.is_torch_array(x):
        return np.asarray(x.detach().cpu().numpy())
    if compat.is_cupy_array(x):
        return np.asarray(x.get())
    if compat.is_jax_array(x):
        return np.asarray(x)
    return np.asarray(np.from_dlpack(x))
