"""Model files: an ``.npz`` of plain arrays plus JSON metadata, written atomically.

Layout: ``W1..WL`` and ``b1..bL`` (when the network has biases) hold the parameters;
``metadata`` holds UTF-8 JSON bytes (as a uint8 array, so nothing is pickled):
the format name and version, the architecture, the dtype and how it was trained.
Loading uses ``allow_pickle=False`` and checks every field and shape, so a file can never
run code and a damaged one gives a :class:`~matbackprop.errors.ModelFileError`.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._version import __version__
from .errors import ConfigError, MatbackpropError, MissingFileError, ModelFileError

if TYPE_CHECKING:
    from .network import Network

__all__ = ["FORMAT_VERSION", "atomic_write_bytes", "load_network", "save_network"]

FORMAT = "matbackprop-model"
FORMAT_VERSION = 1


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename.

    A crash at any moment leaves either the old file or the new one, never a mix.
    """
    target = Path(path)
    if target.is_dir():
        raise MissingFileError(f"{target} is a folder; give a file name to write")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MissingFileError(f"folder {folder} does not exist (writing {target})")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def network_arrays(net: Network) -> dict[str, np.ndarray[Any, Any]]:
    arrays = {f"W{k}": W for k, W in enumerate(net.weights, start=1)}
    arrays.update({f"b{k}": b for k, b in enumerate(net.biases, start=1)})
    return arrays


def save_network(
    net: Network, path: str | os.PathLike[str], extra: dict[str, Any] | None = None
) -> None:
    """Save ``net`` to ``path`` (an ``.npz``), atomically."""
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "matbackprop_version": __version__,
        "network": net.config(),
        "training": net.training_info,
        "extra": extra or {},
    }
    try:
        blob = json.dumps(meta, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"metadata must be plain JSON values: {exc}") from None
    buf = io.BytesIO()
    arrays = {"metadata": np.frombuffer(blob, dtype=np.uint8), **network_arrays(net)}
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    atomic_write_bytes(path, buf.getvalue())


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read and validate a model file written by :func:`save_network`."""
    from .network import Network

    p = Path(path)
    meta, arrays = read_archive(p, "model", FORMAT, FORMAT_VERSION)

    config = meta.get("network")
    if not isinstance(config, dict):
        raise ModelFileError(f"{p}: metadata has no 'network' section")
    _check_shapes_before_allocating(config.get("layer_sizes"), arrays, p)
    try:
        net = Network(
            config["layer_sizes"],
            activation=config["activation"],
            output_activation=config["output_activation"],
            bias=config["bias"],
            init="zeros",
            dtype=config["dtype"],
        )
    except (KeyError, TypeError) as exc:
        raise ModelFileError(f"{p}: metadata 'network' lacks or mangles {exc}") from None
    except MatbackpropError as exc:
        raise ModelFileError(f"{p}: metadata describes an invalid network: {exc}") from None
    net.init = str(config.get("init", "explicit"))
    training = meta.get("training")
    net.training_info = training if isinstance(training, dict) else None
    extra = meta.get("extra")
    net.metadata = extra if isinstance(extra, dict) else {}

    expected = network_arrays(net)
    missing = sorted(set(expected) - set(arrays))
    if missing:
        raise ModelFileError(f"{p} is missing array(s) {', '.join(missing)}")
    for name, template in expected.items():
        arr = arrays[name]
        if arr.shape != template.shape:
            raise ModelFileError(
                f"{p}: array {name} should have shape {template.shape}, got {arr.shape}"
            )
        if arr.dtype != template.dtype:
            raise ModelFileError(
                f"{p}: array {name} should have dtype {template.dtype}, got {arr.dtype}"
            )
        if not np.all(np.isfinite(arr)):
            raise ModelFileError(f"{p}: array {name} holds NaN or inf")
        template[...] = arr
    return net


def _check_shapes_before_allocating(
    sizes: Any, arrays: dict[str, np.ndarray[Any, Any]], p: Path
) -> None:
    """Compare the arrays with the metadata's layer sizes before building the network, so a
    doctored file cannot make us allocate more than it holds."""
    if not isinstance(sizes, list) or not all(type(s) is int for s in sizes):
        return  # Network() reports malformed sizes
    for k in range(1, len(sizes)):
        if f"W{k}" not in arrays:
            raise ModelFileError(f"{p} is missing array W{k}")
        expected = (sizes[k - 1], sizes[k])
        if arrays[f"W{k}"].shape != expected:
            raise ModelFileError(
                f"{p}: array W{k} should have shape {expected}, got {arrays[f'W{k}'].shape}"
            )


def read_archive(
    p: Path, what: str, file_format: str, version: int
) -> tuple[dict[str, Any], dict[str, np.ndarray[Any, Any]]]:
    """The JSON metadata and the arrays of a ``.npz`` written by this package.

    Never unpickles (``allow_pickle=False``), and turns every way that untrusted bytes can
    fail to parse into a :class:`ModelFileError` naming the file.
    """
    if not p.exists():
        raise MissingFileError(f"{what} file {p} does not exist")
    if p.is_dir():
        raise MissingFileError(f"{what} file {p} is a folder, not a file")
    try:
        with p.open("rb") as f:
            magic = f.read(4)
        if magic != b"PK\x03\x04":
            pickled = magic[:1] == b"\x80"  # pickle protocols 2+ start with PROTO
            hint = " (it holds a pickle, refused without unpickling)" if pickled else ""
            raise ModelFileError(
                f"{p} is not a matbackprop {what} file: expected an .npz archive{hint}"
            )
        with np.load(p, allow_pickle=False) as archive:
            if "metadata" not in archive.files:
                raise ModelFileError(f"{p} is not a matbackprop {what} file: it has no metadata")
            meta = _metadata(archive["metadata"], p, what, file_format, version)
            arrays = {name: archive[name] for name in archive.files if name != "metadata"}
    except MatbackpropError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise ModelFileError(
                f"{p} holds pickled Python objects; refused without unpickling (loading a "
                "pickle can run code)"
            ) from None
        raise ModelFileError(f"{p} is not a readable {what} file: {exc}") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelFileError(f"{p} is truncated or corrupted: {exc}") from None
    except Exception as exc:  # zlib.error, MemoryError, ...: untrusted bytes fail in many ways
        reason = f"{type(exc).__name__}: {exc}"
        raise ModelFileError(f"{p} is truncated or corrupted: {reason}") from None
    return meta, arrays


def _metadata(
    raw: np.ndarray[Any, Any], p: Path, what: str, file_format: str, version: int
) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{p}: metadata is not JSON bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{p}: metadata is not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != file_format:
        raise ModelFileError(f"{p} is not a matbackprop {what} file")
    found = meta.get("format_version")
    if not isinstance(found, int) or isinstance(found, bool):
        raise ModelFileError(f"{p}: format_version must be an integer, got {found!r}")
    if found > version:
        raise ModelFileError(
            f"{p} was written by a newer matbackprop (format {found}, this version reads "
            f"up to {version}); upgrade matbackprop to read it"
        )
    return meta
