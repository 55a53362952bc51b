"""Chaos mode: the failures AWS may produce, on purpose, reproducibly.

With chaos on, every stream batch is delivered twice (the first delivery's result is
dropped, as if its acknowledgement had been lost, so the handler sees each batch at least
twice), and a fraction of invocations fail: half of them *before* the handler runs (Lambda
could not invoke it: a throttle; retried without using a retry attempt) and half *after* it
ran (its effects happened, its result is lost: a crash or timeout after the work; a
function error, retried, bisected, sent to the dead-letter queue like any other).

Each function draws from its own random generator seeded with ``seed`` and its name, so a
run with the same seed and the same traffic makes the same choices per function.
"""

from __future__ import annotations

import random
import threading
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ChaosSettings:
    """What chaos does: duplicate batches, fail this fraction of invocations, with this seed."""

    failure_rate: float = 0.1
    seed: int = 0
    duplicate_batches: bool = True
    include_api: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError("the chaos failure rate is a fraction between 0 and 1")


class Chaos:
    """Draws the injected failures, per function, reproducibly."""

    def __init__(self, settings: ChaosSettings) -> None:
        self.settings = settings
        self._generators: dict[str, random.Random] = {}
        self._lock = threading.Lock()

    def _generator(self, function_id: str) -> random.Random:
        generator = self._generators.get(function_id)
        if generator is None:
            generator = random.Random(  # noqa: S311 - chaos, not security
                self.settings.seed * 1_000_003 + zlib.crc32(function_id.encode())
            )
            self._generators[function_id] = generator
        return generator

    def draw(self, function_id: str) -> tuple[bool, bool]:
        """``(fail_before, fail_after)`` for one invocation of ``function_id``."""
        with self._lock:
            roll = self._generator(function_id).random()
        rate = self.settings.failure_rate
        return roll < rate / 2, rate / 2 <= roll < rate

    def draw_api(self, function_id: str) -> tuple[bool, bool]:
        """Like ``draw``, for API invocations (no failures unless ``include_api``)."""
        return self.draw(function_id) if self.settings.include_api else (False, False)
