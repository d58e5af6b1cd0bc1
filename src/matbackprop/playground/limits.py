"""Every cap of the playground in one place: no request may exhaust the machine.

Each cap is checked where the request enters (:mod:`.problem`, :mod:`.api`), and a request
over it gets one message naming the field, the cap and the value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError

__all__ = ["LIMITS", "LimitError", "Limits"]


class LimitError(ConfigError):
    """A request over one of the playground's caps; ``field`` is the request field it is on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Limits:
    max_weight_layers: int = 8  # W1..W8: deeper than any worked problem, still one screen
    max_width: int = 1024  # 784-128-10 (MNIST's pixels) must fit
    max_parameters: int = 250_000  # 784-128-10 has 101,770; a step is milliseconds in float64
    max_rows: int = 1024  # rows of X for training
    # Exact steps multiply Fractions in Python objects, ~1 µs each: rows × parameters ×
    # worked steps is the work, and 64 rows of 784-128-10 is about 7 M products a step.
    max_worked_rows: int = 64
    max_worked_steps: int = 10
    # rows × parameters × steps of a worked solution: 784-128-10 on 8 rows, one step in
    # exact fractions (813,056) took 4.9 s (benchmarks/playground_latency.py)
    max_worked_work: int = 1_000_000
    max_train_steps: int = 5000  # per request; the page runs longer in chunks
    # steps × rows × parameters: 100 steps of 784-128-10 on 256 rows (2.6e9) take ~1 s
    max_train_work: int = 5_000_000_000
    max_grid: int = 64  # grid × grid points of the input plane, each hidden neuron too
    max_answers: int = 100
    # A check works each step again with every usual mistake (about 10, and one per row of
    # X): rows × parameters × steps of Fraction work, 10-20 times. 784-128-10 took 41 s on
    # 8 rows and 11 s on 2; this cap lets it check one row at a time.
    max_check_work: int = 120_000
    max_body_bytes: int = 8 * 1024 * 1024  # a 1024-row X of 784 columns as text fits

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def at_most(self, field: str, value: int, cap: int, what: str) -> None:
        """Refuse ``value`` over ``cap``: ``"steps must be at most 10 per request in the
        playground, got 50"``."""
        if value > cap:
            raise LimitError(field, f"{what} must be at most {cap} in the playground, got {value}")


LIMITS = Limits()
