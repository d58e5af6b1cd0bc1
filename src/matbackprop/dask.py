"""Backpropagation on Dask arrays: data beyond one machine's memory.

Two ways to train on rows that do not fit in memory, both on the engine's own math
(:meth:`Network._value_and_gradients`, the :class:`~matbackprop.optimizers.Optimizer`
update rules), run on NumPy chunks:

* :func:`fit_full_batch`: full-batch gradient descent on a ``dask.distributed`` cluster.
  The rows of ``X`` are split into chunks ``X^(c)`` of ``n_c`` rows. A loss is a mean
  over all ``n`` rows (``rows="mean"``), so ``L = Σ_c (n_c/n)·L^(c)`` and, layer by layer,

      ∂L/∂W_k = Σ_c (n_c/n)·O_{k-1}^(c)ᵀ·d^(c)        (n_{k-1}, n_k)

  where ``d^(c)`` is the chunk's own accumulator (its loss is a mean over ``n_c`` rows);
  for a sum over rows (``rows="sum"``) every share ``n_c/n`` is 1.
  Each term is computed by the worker that reads the chunk; Dask sums the terms in a tree;
  only the weights ``W_k`` go out and only the sums come back. The result is the NumPy
  engine's full-batch gradient, up to the rounding of a sum taken in another order.
* :func:`fit_streaming`: mini-batch SGD in one process. Each epoch visits the row chunks
  in a seeded random order, shuffles the rows inside each chunk from the same seed, and
  steps on mini-batches of those rows; one chunk (plus the next, read ahead) is in memory
  at a time. A mini-batch never spans two chunks.

:func:`read_npy_folder`, :func:`read_table` and :func:`write_npy_folder` read and write
row-chunked data: a folder of ``.npy`` files (one chunk each, in name order) or a Zarr
array.

``import matbackprop`` does not import this module (nor Dask); ``import matbackprop.dask``
does. Install with ``pip install 'matbackprop[dask]'``.
"""

from __future__ import annotations

import json
import math
import numbers
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np
from dask.base import compute, tokenize
from dask.delayed import delayed
from numpy.typing import NDArray

from . import _checks
from .errors import (
    ConfigError,
    DataError,
    DTypeError,
    MatbackpropError,
    MissingFileError,
    ShapeError,
)
from .losses import Loss, check_pairing, get_loss
from .optimizers import Optimizer, get_optimizer
from .training import History, LastGood, _sigint_stops, diverged

if TYPE_CHECKING:
    import os

    from distributed import Client

    from .network import Network

__all__ = [
    "evaluate",
    "fit_full_batch",
    "fit_streaming",
    "read_npy_folder",
    "read_table",
    "write_npy_folder",
]

Array = NDArray[np.floating]
# One chunk's share of the full-batch result: (n_c/n)·L^(c) and (n_c/n)·∂L^(c)/∂θ for
# every parameter θ, weights then biases (the order of Network.parameters()).
Term = tuple[float, list[Array]]

COLUMNS_FILE = "columns.json"  # optional column names beside the .npy chunks
REDUCE_FAN_IN = 8  # terms summed per reduction task: a tree of depth log_8(chunks)
CONNECT_TIMEOUT = "10s"


# -- reading and writing row-chunked data -----------------------------------------------


def write_npy_folder(
    path: str | os.PathLike[str],
    data: Any,
    rows_per_chunk: int,
    *,
    columns: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``data`` as ``part-00000.npy``, ``part-00001.npy``, ... of ``rows_per_chunk`` rows.

    ``data`` is a NumPy or Dask array; a Dask array is written one chunk at a time, so it
    need not fit in memory. ``columns`` (optional names) go into ``columns.json``.

    Shapes: ``data``: (n, p) -> files of (rows_per_chunk, p), the last one shorter.
    """
    rows = int(_checks.positive_int(rows_per_chunk, "rows_per_chunk") or 0)
    if not hasattr(data, "ndim") or data.ndim != 2:
        shape = getattr(data, "shape", type(data).__name__)
        raise ShapeError(f"data must be a 2-D array (rows are samples), got {shape}")
    if columns is not None and len(columns) != data.shape[1]:
        raise ShapeError(f"columns must name {data.shape[1]} columns, got {len(columns)} names")
    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"path must be a new or empty folder, got {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, start in enumerate(range(0, data.shape[0], rows)):
        block = np.asarray(data[start : start + rows])  # computes one Dask chunk at a time
        files.append(folder / f"part-{i:05d}.npy")
        np.save(files[-1], block, allow_pickle=False)
    if columns is not None:
        (folder / COLUMNS_FILE).write_text(json.dumps(list(columns)))
    return files


def read_npy_folder(path: str | os.PathLike[str]) -> da.Array:
    """A folder of ``.npy`` files as one Dask array, one chunk per file, in name order.

    Only the file headers are read here; each chunk is loaded when a task needs it.

    Shapes: files of (n_c, p) -> (Σ n_c, p), chunked ``(n_1, n_2, ...)`` by rows.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise MissingFileError(f"path must be a folder of .npy files, got {str(folder)!r}")
    files = sorted(folder.glob("*.npy"))
    if not files:
        raise DataError(f"path must hold .npy files, found none in {str(folder)!r}")
    blocks = []
    first: tuple[int, np.dtype[Any]] | None = None
    for f in files:
        try:
            header = np.load(f, mmap_mode="r", allow_pickle=False)  # reads the header only
        except (ValueError, OSError) as exc:
            raise DataError(f"{f.name} in {str(folder)!r} is not a readable .npy: {exc}") from None
        if header.ndim != 2:
            raise ShapeError(f"{f.name} must be 2-D (rows, columns), got shape {header.shape}")
        if first is None:
            first = (header.shape[1], header.dtype)
        elif (header.shape[1], header.dtype) != first:
            raise ShapeError(
                f"every .npy in {str(folder)!r} must have {first[0]} columns of {first[1]} "
                f"like {files[0].name}; {f.name} has {header.shape[1]} of {header.dtype}"
            )
        token = f"matbackprop-npy-{tokenize(str(f.resolve()), f.stat().st_mtime_ns)}"
        load = delayed(_load_npy, pure=True, name=token)(str(f))
        blocks.append(da.from_delayed(load, shape=header.shape, dtype=header.dtype))
    return da.concatenate(blocks, axis=0)


def _load_npy(path: str) -> NDArray[Any]:
    return np.load(path, allow_pickle=False)  # (n_c, p), read whole: one chunk


def read_table(
    path: str | os.PathLike[str], target: int | str | Sequence[int | str]
) -> tuple[da.Array, da.Array, list[str]]:
    """Split a row-chunked table into inputs ``X`` and targets ``y`` by column.

    ``path`` is a folder of ``.npy`` chunks (see :func:`write_npy_folder`) or a Zarr array
    (``.zarr``, needs ``zarr``). ``target`` picks the target column(s): indices (negative
    counts from the end) or names, when the data names its columns (``columns.json`` in the
    folder, the ``columns`` attribute of the Zarr array). Every other column is an input.
    Returns ``(X, y, input_names)``.

    Shapes: table (n, p) -> ``X``: (n, p − m), ``y``: (n, m), both chunked by rows alike.
    """
    table, names = _open_table(Path(path))
    if table.ndim != 2:
        raise ShapeError(f"the data must be 2-D (rows, columns), got shape {table.shape}")
    p = table.shape[1]
    names = names or [str(j) for j in range(p)]
    wanted: list[Any] = list(target) if isinstance(target, (list, tuple)) else [target]
    if not wanted:
        raise ConfigError("target must name at least one column, got none")
    picked: list[int] = []
    for t in wanted:
        if isinstance(t, str) and t in names:
            picked.append(names.index(t))
            continue
        index = _integer(t)
        if index is not None and -p <= index < p:
            picked.append(index % p)
        else:
            shown = ", ".join(names[:10]) + (f", ... ({p} in all)" if p > 10 else "")
            raise ConfigError(
                f"target must be a column index in -{p}..{p - 1} or one of the names "
                f"{shown}; got {t!r}"
            )
    inputs = [j for j in range(p) if j not in picked]
    if not inputs:
        raise ConfigError(f"target takes every column ({len(picked)}); none is left as input")
    table = table.rechunk({1: -1})  # one chunk across the columns: a chunk is whole rows
    return table[:, _columns(inputs)], table[:, _columns(picked)], [names[j] for j in inputs]


def _columns(indices: list[int]) -> slice | list[int]:
    """A slice when the columns are consecutive: a view of each chunk instead of a copy."""
    if indices == list(range(indices[0], indices[-1] + 1)):
        return slice(indices[0], indices[-1] + 1)
    return indices


def _integer(value: Any) -> int | None:
    """``value`` as an int when it is one (``3``, ``np.int64(3)``, ``"-1"``), else None."""
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.lstrip("-").isdigit() else None
    if isinstance(value, (bool, np.bool_)):  # True is an int to Python, not a column
        return None
    return int(value) if isinstance(value, numbers.Integral) else None


def _open_table(path: Path) -> tuple[da.Array, list[str] | None]:
    if not path.exists():
        raise MissingFileError(f"data must be a .npy folder or a .zarr store, got {str(path)!r}")
    if path.suffix == ".zarr" or (path / "zarr.json").exists() or (path / ".zarray").exists():
        try:
            import zarr
        except ImportError:
            raise ConfigError(
                "reading .zarr needs the zarr package: pip install 'matbackprop[dask]'"
            ) from None
        array = zarr.open_array(str(path), mode="r")
        columns = array.attrs.get("columns")
        names = [str(c) for c in columns] if isinstance(columns, list) else None
        return da.from_zarr(array), names
    names_file = path / COLUMNS_FILE
    names = json.loads(names_file.read_text()) if names_file.exists() else None
    return read_npy_folder(path), names


# -- full-batch gradient descent on a cluster ---------------------------------------------


def fit_full_batch(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | Loss = "mse",
    optimizer: str | Optimizer = "sgd",
    learning_rate: float = 0.01,
    epochs: int = 100,
    client: Client | str | None = None,
    track_gradients: bool = False,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> History:
    """Full-batch gradient descent on row-chunked Dask arrays, one step per epoch.

    The same steps as ``net.fit(X, y, batch_size=None, ...)`` on the whole data in memory,
    computed as a data-parallel sum over the row chunks (see the module docstring). Chunks
    are read from their source at every step unless ``X`` and ``y`` were persisted in the
    cluster's memory (``X.persist()``), which is faster when the cluster can hold them.

    Args:
        X, y: Dask arrays (or anything ``dask.array.asarray`` takes) with the same row
            chunks; ``y`` as in :func:`matbackprop.training.fit`.
        loss, optimizer, learning_rate, epochs: as in :func:`~matbackprop.training.fit`.
        client: a ``distributed.Client``; a scheduler address (``"tcp://host:8786"``); or
            ``None`` for a ``LocalCluster`` on this machine, started and closed here.
        track_gradients: record ‖∂L/∂W_k‖ per epoch in ``History.grad_norms``.
        progress: show bars on stderr: epochs, and the chunks of the current step.
        on_step: called as ``on_step(epoch, loss)`` after each step (for logging).

    Returns a :class:`~matbackprop.History`; ``loss[e]`` is the loss before step ``e``.
    A non-finite loss or weight restores the last finite weights and raises
    :class:`~matbackprop.TrainingDivergedError`; Ctrl-C stops after the current step.

    Shapes: ``X``: (n, n_0) chunked by rows only; ``y``: (n, n_L) or (n,), same row chunks.
    """
    loss_fn, opt, eta, n_epochs = _settings(net, loss, optimizer, learning_rate, epochs)
    _checks.boolean(track_gradients, "track_gradients")
    Xd, yd = _row_chunked(net, X, y)
    n = Xd.shape[0]
    params = net.parameters()
    state = opt.bound_state(params)  # fresh for a name; a given optimizer continues
    history = History()
    last_good = LastGood(params)  # put back if a step (an epoch) diverges
    blocks = _row_blocks(Xd, yd)
    n_in = Xd.shape[1]
    starts = np.cumsum((0, *Xd.chunks[0]))
    bars = _Bars(progress, n_epochs, len(blocks))
    quiet = np.errstate(over="ignore", invalid="ignore")  # divergence is caught below
    with _connect(client) as cl, bars, _sigint_stops() as interrupted, quiet:
        for epoch in range(n_epochs):
            # The weights travel once per step, as one key that every chunk task shares.
            snapshot = delayed(net.copy(), name=f"matbackprop-net-{uuid.uuid4().hex}")
            terms = [
                delayed(_chunk_term, pure=True)(
                    snapshot, block, n_in, loss_fn, n, int(starts[c]), epoch == 0
                )
                for c, block in enumerate(blocks)
            ]
            futures = cl.compute(terms)
            total = _tree_sum(cl, futures)
            bars.chunks_done(futures, epoch)
            value, grads = total.result()
            del futures, total  # release the partial sums held on the workers
            if not math.isfinite(value):
                raise diverged(epoch, value, eta, history, params, last_good.arrays)
            if track_gradients:
                history.grad_norms.append([float(np.linalg.norm(g)) for g in grads[: net.n_layers]])
            opt.update(params, grads, state, eta)  # W_k ← W_k − η·∂L/∂W_k (or Adam, ...)
            if not last_good.keep():
                raise diverged(epoch, math.inf, eta, history, params, last_good.arrays)
            history.loss.append(value)
            bars.step_done(value)
            if on_step is not None:
                on_step(epoch, value)
            if interrupted():
                history.stop_reason = "interrupted"
                break
    net.training_info = _training_info(loss_fn, opt, eta, history, None, "dask_full_batch")
    return history


def evaluate(
    net: Network, X: Any, y: Any, *, loss: str | Loss = "mse", client: Client | str | None = None
) -> float:
    """The loss ``L(y, y_hat)`` over all rows, as ``Σ_c (n_c/n)·L^(c)`` on the cluster.

    For a held-out set that does not fit in memory; equals ``net.loss(X, y, loss)``.

    Shapes: ``X``: (n, n_0) chunked by rows only; ``y``: (n, n_L) or (n,), same row chunks.
    """
    loss_fn = get_loss(loss)
    check_pairing(loss_fn, net.output_activation)
    Xd, yd = _row_chunked(net, X, y)
    n = Xd.shape[0]
    starts = np.cumsum((0, *Xd.chunks[0]))
    snapshot = delayed(net.copy(), name=f"matbackprop-net-{uuid.uuid4().hex}")
    parts = [
        delayed(_chunk_loss, pure=True)(snapshot, block, Xd.shape[1], loss_fn, n, int(starts[c]))
        for c, block in enumerate(_row_blocks(Xd, yd))
    ]
    with _connect(client) as cl:
        return math.fsum(cl.gather(cl.compute(parts)))


def _row_blocks(Xd: da.Array, yd: da.Array) -> list[Any]:
    """One task per row chunk that yields ``[X_c | y_c]`` side by side.

    X and y blocks as separate tasks would let the scheduler read every X chunk before
    the first y chunk, holding the whole X in a worker; one block per chunk is consumed
    by its gradient task as soon as it is read.

    Shapes: ``Xd``: (n, n_0), ``yd``: (n, m) or (n,) -> blocks (n_c, n_0 + m).
    """
    y2 = yd if yd.ndim == 2 else yd[:, None]
    return list(da.concatenate([Xd, y2], axis=1).rechunk({1: -1}).to_delayed().ravel())


def _split(block: Any, n_in: int) -> tuple[Any, Any]:
    block = np.asarray(block)
    return np.ascontiguousarray(block[:, :n_in]), np.ascontiguousarray(block[:, n_in:])


def _chunk_loss(net: Network, block: Any, n_in: int, loss: Loss, n: int, first_row: int) -> float:
    Xc, yc = _split(block, n_in)
    X_, y_ = _chunk_data(net, Xc, yc, loss, first_row, check=True)
    share = loss.rows_divisor(X_.shape[0]) / loss.rows_divisor(n)  # n_c/n, or 1 for a sum
    return share * net._loss_value(net._forward(X_), y_, loss)  # (n_c/n)·L^(c)


def _chunk_term(
    net: Network, block: Any, n_in: int, loss: Loss, n: int, first_row: int, check: bool
) -> Term:
    """One chunk's share ``(n_c/n)·(L^(c), ∂L^(c)/∂θ)``; runs on a worker.

    Shapes: ``block``: (n_c, n_0 + n_L) = ``[X_c | y_c]`` -> weights (n_{k-1}, n_k),
    biases (n_k,).
    """
    Xc, yc = _split(block, n_in)
    X_, y_ = _chunk_data(net, Xc, yc, loss, first_row, check)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught client-side
        value, grads = net._value_and_gradients(X_, y_, loss)  # means over the chunk's n_c rows
    # rescale each chunk mean to its part of the mean over n rows (n_c/n), or 1 for a sum
    share = loss.rows_divisor(X_.shape[0]) / loss.rows_divisor(n)
    return share * value, [share * g for g in grads.parameters()]


def _chunk_data(
    net: Network, Xc: Any, yc: Any, loss: Loss, first_row: int, check: bool
) -> tuple[Array, Array]:
    if not check:  # checked in the first epoch; the chunks are the same ones every epoch
        X_ = np.asarray(Xc, dtype=net.dtype)
        return X_, loss.prepare_target(np.asarray(yc, dtype=net.dtype), net.layer_sizes[-1])
    try:
        return net.check_data(Xc, yc, loss)
    except MatbackpropError as exc:  # say where: row numbers in the error are the chunk's
        rows = f"rows {first_row}..{first_row + len(Xc) - 1}"
        raise type(exc)(f"in the chunk of {rows}: {exc}") from None


def _tree_sum(client: Client, futures: list[Any]) -> Any:
    """Sum the chunk terms on the cluster, ``REDUCE_FAN_IN`` at a time, down to one future."""
    level = futures
    while len(level) > 1:
        level = [
            client.submit(_add_terms, *level[i : i + REDUCE_FAN_IN], pure=False)
            for i in range(0, len(level), REDUCE_FAN_IN)
        ]
    return level[0]


def _add_terms(*terms: Term) -> Term:
    value = math.fsum(t[0] for t in terms)
    grads = [g.copy() for g in terms[0][1]]
    for _, gs in terms[1:]:
        for acc, g in zip(grads, gs):
            acc += g  # Σ_c (n_c/n)·∂L^(c)/∂θ, shaped like θ
    return value, grads


@contextmanager
def _connect(client: Client | str | None) -> Iterator[Client]:
    """The client to use: the given one, one connected to an address, or a LocalCluster."""
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        yield client
        return
    if client is None:
        # ":0": any free port for the dashboard; 8787 may belong to another cluster
        with LocalCluster(dashboard_address=":0") as cluster, Client(cluster) as local:
            yield local
        return
    if not isinstance(client, str):
        raise ConfigError(
            "client must be a distributed.Client, a scheduler address such as "
            f"'tcp://127.0.0.1:8786', or None for a LocalCluster; got {type(client).__name__}"
        )
    try:
        remote = Client(client, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as exc:  # refused, timed out, or not an address at all
        raise ConfigError(
            f"client: no Dask scheduler answered at {client!r} within {CONNECT_TIMEOUT} ({exc})"
        ) from None
    with remote:
        yield remote


# -- mini-batch SGD streamed through one process ----------------------------------------


def fit_streaming(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | Loss = "mse",
    optimizer: str | Optimizer = "sgd",
    learning_rate: float = 0.01,
    epochs: int = 10,
    batch_size: int = 32,
    seed: int | np.random.Generator | None = None,
    read_ahead: bool = True,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> History:
    """Mini-batch SGD over row chunks read one at a time, in a seeded random order.

    Each epoch draws a permutation of the chunks, and for each chunk a permutation of its
    rows, from ``seed``; the steps then take ``batch_size`` rows at a time (the last batch
    of a chunk may be smaller). The same seed gives the same weights, bit for bit, with or
    without ``read_ahead`` (reading the next chunk in a thread while this one trains).
    Chunks are computed in this process with Dask's synchronous scheduler.

    Args:
        loss, optimizer, learning_rate, epochs, seed: as in
            :func:`~matbackprop.training.fit`.
        batch_size: rows per step, within one chunk.
        progress: show bars on stderr: epochs, and the chunks of the current epoch.
        on_step: called as ``on_step(step, loss)`` after each mini-batch step.

    Returns a :class:`~matbackprop.History`; ``loss[e]`` is the mean over epoch ``e`` of
    each batch's loss just before its step, weighted by rows (their sum for ``rows="sum"``).

    Shapes: ``X``: (n, n_0) chunked by rows only; ``y``: (n, n_L) or (n,), same row chunks.
    """
    loss_fn, opt, eta, n_epochs = _settings(net, loss, optimizer, learning_rate, epochs)
    batch = int(_checks.positive_int(batch_size, "batch_size") or 0)
    _checks.boolean(read_ahead, "read_ahead")
    rng = _checks.rng(seed)
    Xd, yd = _row_chunked(net, X, y)
    n = Xd.shape[0]
    starts = np.cumsum((0, *Xd.chunks[0]))
    params = net.parameters()
    state = opt.bound_state(params)  # fresh for a name; a given optimizer continues
    history = History()
    last_good = LastGood(params)  # put back if a step (an epoch) diverges
    n_chunks = len(Xd.chunks[0])
    bars = _Bars(progress, n_epochs, n_chunks)
    quiet = np.errstate(over="ignore", invalid="ignore")
    pool = ThreadPoolExecutor(max_workers=1) if read_ahead else None

    def read(c: int) -> tuple[Array, Array]:
        Xc, yc = compute(Xd.blocks[c], yd.blocks[c], scheduler="synchronous")
        return _chunk_data(net, Xc, yc, loss_fn, int(starts[c]), check=True)

    step = 0
    with bars, _sigint_stops() as interrupted, quiet:
        try:
            for epoch in range(n_epochs):
                order = rng.permutation(n_chunks)  # this epoch's chunk order
                total = 0.0
                pending: Future[tuple[Array, Array]] | None = None
                for i, c in enumerate(order):
                    if pending is not None:
                        Xc, yc = pending.result()
                    else:
                        Xc, yc = read(int(c))
                    pending = (
                        pool.submit(read, int(order[i + 1]))
                        if pool is not None and i + 1 < n_chunks
                        else None
                    )
                    rows = rng.permutation(Xc.shape[0])  # this chunk's row order
                    for start in range(0, len(rows), batch):
                        b = rows[start : start + batch]
                        value, grads = net._value_and_gradients(Xc[b], yc[b], loss_fn, reuse=True)
                        if not math.isfinite(value):
                            raise diverged(epoch, value, eta, history, params, last_good.arrays)
                        opt.update(params, grads.parameters(), state, eta)
                        total += value * loss_fn.rows_divisor(len(b))
                        step += 1
                        if on_step is not None:
                            on_step(step, value)
                        if interrupted():
                            break
                    bars.chunk_done()
                    if interrupted():
                        break
                if interrupted():
                    history.stop_reason = "interrupted"  # a partial epoch is not recorded
                    break
                if not last_good.keep():
                    raise diverged(epoch, math.inf, eta, history, params, last_good.arrays)
                history.loss.append(total / loss_fn.rows_divisor(n))
                bars.step_done(history.loss[-1])
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    net.training_info = _training_info(loss_fn, opt, eta, history, batch, "dask_streaming")
    return history


# -- shared helpers -----------------------------------------------------------------------


def _settings(
    net: Network, loss: str | Loss, optimizer: str | Optimizer, learning_rate: float, epochs: int
) -> tuple[Loss, Optimizer, float, int]:
    loss_fn = get_loss(loss)
    check_pairing(loss_fn, net.output_activation)  # here, not once per chunk
    return (
        loss_fn,
        get_optimizer(optimizer),
        _checks.learning_rate(learning_rate),
        int(_checks.positive_int(epochs, "epochs") or 0),
    )


def _row_chunked(net: Network, X: Any, y: Any) -> tuple[da.Array, da.Array]:
    """``X`` and ``y`` as Dask arrays with whole rows per chunk and the same row chunks."""
    try:
        Xd, yd = da.asarray(X), da.asarray(y)
    except Exception as exc:  # a ragged list, an object without shape, ...
        raise ShapeError(f"X and y must be arrays (Dask or NumPy): {exc}") from None
    for name, a in (("X", Xd), ("y", yd)):
        if a.dtype == object or a.dtype.kind not in "iuf":
            raise DTypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if Xd.ndim != 2 or Xd.shape[1] != net.layer_sizes[0]:
        raise ShapeError(
            f"X must have shape (n, {net.layer_sizes[0]}) for this network, got {Xd.shape}"
        )
    if yd.ndim not in (1, 2) or yd.shape[0] != Xd.shape[0]:
        raise ShapeError(f"y must have {Xd.shape[0]} rows like X, got shape {yd.shape}")
    if Xd.shape[0] == 0:
        raise DataError("X must have at least one row, got 0")
    Xd = Xd.rechunk({1: -1})  # whole rows: O_{k-1}ᵀ·d needs every column of a row
    yd = yd.rechunk({0: Xd.chunks[0], 1: -1} if yd.ndim == 2 else {0: Xd.chunks[0]})
    return Xd, yd


def _training_info(
    loss: Loss, opt: Optimizer, eta: float, history: History, batch: int | None, how: str
) -> dict[str, Any]:
    return {
        "loss": loss.to_config(),
        "optimizer": opt.to_config(),
        "learning_rate": eta,
        "epochs": history.epochs,
        "batch_size": batch,
        "stop_reason": history.stop_reason,
        "trained_with": how,
    }


class _Bars:
    """Two progress bars on stderr: epochs (steps), and the chunks of the current one."""

    def __init__(self, enabled: bool, epochs: int, chunks: int) -> None:
        from tqdm.auto import tqdm

        _checks.boolean(enabled, "progress")
        kw: dict[str, Any] = {"disable": not enabled, "dynamic_ncols": True, "leave": False}
        self.epochs = tqdm(total=epochs, unit="epoch", position=0, **kw)
        self.chunks = tqdm(total=chunks, unit="chunk", position=1, **kw)

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.chunks.close()
        self.epochs.close()

    def chunks_done(self, futures: list[Any], epoch: int) -> None:
        """Advance the chunk bar as the cluster finishes each chunk's term."""
        from distributed import as_completed

        self.chunks.set_description(f"step {epoch + 1}", refresh=False)
        for _ in as_completed(futures):
            self.chunks.update(1)

    def chunk_done(self) -> None:
        self.chunks.update(1)

    def step_done(self, value: float) -> None:
        self.epochs.set_postfix({"loss": f"{value:.4g}"}, refresh=False)
        self.epochs.update(1)
        self.chunks.reset()
