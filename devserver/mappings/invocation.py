"""Delivering one batch to a function, as an event source mapping does, and reading its answer.

One invocation (two under chaos: the first delivery's result is dropped, as if its
acknowledgement had been lost) with ``{"Records": [...]}``. The outcome is what every
mapping acts on:

- ``ok``: the handler returned (and, with ``ReportBatchItemFailures``, named no failure);
- ``partial``: it named failed records (``batchItemFailures[].itemIdentifier``): their
  positions in the batch;
- ``error``: a function error — it raised, timed out, or answered with an identifier that
  is not in the batch (which fails the whole batch, as on Lambda);
- ``throttled``: chaos' failure *before* the handler ran (Lambda could not invoke it).

``Attempts`` counts, per batch, the retries and the invocations that ran (what an
on-failure record reports).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ..chaos import Chaos
from ..console import Console
from ..runtime import FunctionError, InvocationResult, Runtime
from ..template.functions import FunctionSpec

OK = "ok"
PARTIAL = "partial"
ERROR = "error"
THROTTLED = "throttled"


@dataclass
class Attempts:
    """What happened to one batch so far: retries, invocations, whether the last erred."""

    retries: int = 0
    invocations: int = 0
    function_error: bool = False


@dataclass(frozen=True)
class BatchResult:
    """One delivery's outcome, the positions reported failed, its time and error."""

    outcome: str
    failed: tuple[int, ...] = ()
    elapsed_ms: float = 0.0
    error: FunctionError | None = None


class BatchInvoker:
    """Invokes one function with batches of one mapping."""

    def __init__(
        self,
        spec: FunctionSpec,
        runtime: Runtime,
        console: Console,
        *,
        report_item_failures: bool,
        chaos: Chaos | None = None,
    ) -> None:
        self.spec = spec
        self.runtime = runtime
        self.console = console
        self.report_item_failures = report_item_failures
        self.chaos = chaos

    def invoke(
        self, records: list[dict[str, Any]], identifiers: list[str], attempts: Attempts
    ) -> BatchResult:
        """Deliver ``records`` (whose item identifiers are ``identifiers``) once, or twice."""
        started = time.monotonic()
        event_text = json.dumps({"Records": records})
        deliveries = 2 if self.chaos is not None and self.chaos.settings.duplicate_batches else 1
        result: InvocationResult | None = None
        for _ in range(deliveries):
            fail_before, fail_after = (
                self.chaos.draw(self.spec.logical_id) if self.chaos else (False, False)
            )
            result = self.runtime.invoke(
                self.spec.logical_id,
                json.loads(event_text),
                fail_before=fail_before,
                fail_after=fail_after,
            )
            if result.handler_ran or result.error is None:
                attempts.invocations += 1
        assert result is not None
        elapsed = (time.monotonic() - started) * 1000
        if result.error is not None:
            if result.error.type == "Devserver.ChaosBeforeInvoke":
                return BatchResult(THROTTLED, elapsed_ms=elapsed, error=result.error)
            self.console.error(
                self.spec.logical_id,
                f"{result.error.type}: {result.error.message}",
                result.error.stack,
            )
            return BatchResult(ERROR, elapsed_ms=elapsed, error=result.error)
        if not self.report_item_failures:
            return BatchResult(OK, elapsed_ms=elapsed)
        return self._item_failures(identifiers, result.value, elapsed)

    def _item_failures(self, identifiers: list[str], value: Any, elapsed: float) -> BatchResult:
        """Read a ``batchItemFailures`` response: ok, partial, or invalid (an error)."""
        if not isinstance(value, dict):
            return BatchResult(OK, elapsed_ms=elapsed)
        failures = value.get("batchItemFailures")
        if not failures:
            return BatchResult(OK, elapsed_ms=elapsed)
        positions = {identifier: i for i, identifier in enumerate(identifiers)}
        failed = []
        if isinstance(failures, list):
            for failure in failures:
                identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
                if not isinstance(identifier, str) or identifier not in positions:
                    failed = []
                    break
                failed.append(positions[identifier])
        if not failed:
            self.console.error(
                self.spec.logical_id,
                f"invalid batchItemFailures {json.dumps(failures)[:200]}: the whole batch failed",
            )
            return BatchResult(ERROR, elapsed_ms=elapsed)
        return BatchResult(PARTIAL, tuple(sorted(set(failed))), elapsed)
