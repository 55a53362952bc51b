"""Lambda's event source mapping service, locally: one poller per mapping, started and stopped.

For every mapping of the application it starts the mapping's poller (a ``StreamPoller``
on a DynamoDB stream, with one ``StreamTail`` per stream shared by the mappings on it and
started by the first of them enabled; a ``QueuePoller`` on an SQS queue). A mapping
declared disabled waits, in state ``Disabled``, to be enabled. ``wait_idle`` returns once nothing is
left to do; ``stop`` finishes the batches being delivered and stops the pollers, then the
stream readers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..chaos import Chaos
from ..console import Console
from ..runtime import Runtime
from ..template import TemplateError
from ..template.event_sources import EventSourceMapping, QueueSource, StreamSource
from ..template.functions import FunctionSpec
from .checkpoints import CheckpointStore
from .destinations import Destinations
from .dynamodb import StreamPoller
from .filters import FilterPattern, parse_filter_criteria
from .invocation import BatchInvoker
from .poller import Poller
from .sqs import QueuePoller
from .stream_reader import StreamTail
from .wakeups import WakeUps


class _Source(Protocol):
    """A source that can be read afresh on demand (a stream's tail, a queue's poller)."""

    def sync(self, deadline: float) -> bool: ...


def compile_filters(mapping: EventSourceMapping) -> tuple[FilterPattern, ...]:
    """A mapping's ``FilterCriteria`` parsed; ``TemplateError`` naming what Lambda refuses."""
    try:
        return parse_filter_criteria(mapping.filter_criteria)
    except ValueError as exc:
        raise TemplateError(f"{mapping.name}: FilterCriteria: {exc}") from exc


class EventSourceMappings:
    """Every mapping's poller (and every stream's reader), for one application."""

    def __init__(
        self,
        mappings: list[EventSourceMapping],
        functions: Mapping[str, FunctionSpec],
        runtime: Runtime,
        console: Console,
        checkpoints: CheckpointStore,
        *,
        clients: Callable[[str], Any],
        destinations: Destinations,
        queue_url_for_arn: Callable[[str], str | None] = lambda _arn: None,
        subscriptions: Mapping[str, Any] | None = None,
        region: str,
        interval: float = 0.25,
        chaos: Chaos | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mappings = [m for m in mappings if m.function_id in functions]
        self.functions = dict(functions)
        self.runtime = runtime
        self.console = console
        self.checkpoints = checkpoints
        self.clients = clients
        self.destinations = destinations
        self.queue_url_for_arn = queue_url_for_arn
        self.region = region
        self.interval = interval
        self.chaos = chaos
        self.clock = clock
        self.filters = {mapping.name: compile_filters(mapping) for mapping in self.mappings}
        self.tails: dict[str, StreamTail] = {}
        self.pollers: list[Poller] = []
        self._sources: list[_Source] = []
        #: who to wake when something is written (``wake_for``, ``wake_all``)
        self.wakeups = WakeUps(subscriptions)

    def start(self) -> None:
        """Start a poller for every mapping (a disabled one waits to be enabled)."""
        for mapping in self.mappings:
            poller = self._poller(mapping)
            poller.start()
            self.pollers.append(poller)

    def by_uuid(self, mapping_uuid: str) -> Poller | None:
        """The poller of the mapping with this UUID (Lambda's id for it)."""
        return next((p for p in self.pollers if p.mapping.uuid == mapping_uuid), None)

    def _poller(self, mapping: EventSourceMapping) -> Poller:
        spec = self.functions[mapping.function_id]
        invoker = BatchInvoker(
            spec,
            self.runtime,
            self.console,
            report_item_failures=mapping.report_item_failures,
            chaos=self.chaos,
        )
        if isinstance(mapping, StreamSource):
            return StreamPoller(
                mapping,
                spec,
                self._tail(mapping.stream_arn),
                invoker,
                self.console,
                self.checkpoints,
                filters=self.filters[mapping.name],
                send_to_destination=self.destinations.send,
                interval=self.interval,
                clock=self.clock,
            )
        if isinstance(mapping, QueueSource):
            poller = QueuePoller(
                mapping,
                spec,
                invoker,
                self.console,
                self.clients("sqs"),
                self._queue_url(mapping.queue_arn),
                region=self.region,
                filters=self.filters[mapping.name],
                interval=self.interval,
                clock=self.clock,
            )
            self._sources.append(poller)
            self.wakeups.add_queue(mapping.queue_arn, poller)
            return poller
        raise TemplateError(f"{mapping.name}: {type(mapping).__name__} mappings do not run")

    def _tail(self, stream_arn: str) -> StreamTail:
        tail = self.tails.get(stream_arn)
        if tail is None:
            tail = StreamTail(
                self.clients("dynamodbstreams"),
                stream_arn,
                region=self.region,
                interval=self.interval,
                console=self.console,
                checkpoints=self.checkpoints,
            )
            self.tails[stream_arn] = tail
            self._sources.append(tail)
            self.wakeups.add_stream(stream_arn, tail)
        return tail

    def _queue_url(self, queue_arn: str) -> str:
        url = self.queue_url_for_arn(queue_arn)
        if url is not None:
            return url
        _, _, _, _, account, name = queue_arn.split(":", 5)
        response = self.clients("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
        return str(response["QueueUrl"])

    def wake_for(self, service: str, targets: list[str] | None) -> None:
        """Something of ``service`` was written (``targets``: tables, queues, topics)."""
        self.wakeups.on_write(service, targets)

    def wake_all(self) -> None:
        """Something may have been written anywhere: every source reads now."""
        self.wakeups.wake_all()

    def expire_stream_records(self, older_than: float | None = None) -> int:
        """Expire the DynamoDB stream records older than ``older_than`` seconds (``None``:
        every record written so far) in every stream a mapping reads; how many expired."""
        before = None if older_than is None else self.clock() - older_than
        deadline = time.monotonic() + 30
        expired = 0
        for tail in self.tails.values():
            tail.start()  # read, even when every mapping on it is disabled
            if not tail.sync(deadline):
                raise TimeoutError(f"cannot read {tail.stream_arn} to expire its records")
            expired += tail.expire(before)
        return expired

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Return once nothing is left to do: every source read, every consumer caught up.

        Loops until a round in which every source was read afresh (every stream, and every
        queue's counts: nothing visible, in flight or delayed), every poller was idle with
        nothing pending, and no function ran at all (so no write can be in flight).
        Raises ``TimeoutError`` naming the consumers still busy (a failing batch retried
        forever keeps its consumer busy).
        """
        deadline = time.monotonic() + timeout
        while True:
            # Count finished invocations, not started ones: an invocation running while the
            # streams are read may write after the read, and must cause another round.
            mark = self.runtime.completed
            for source in self._sources:
                if not source.sync(deadline):
                    raise self._not_idle(timeout)
            while not all(p.idle() for p in self.pollers) or self.runtime.in_flight:
                if time.monotonic() > deadline:
                    raise self._not_idle(timeout)
                time.sleep(0.005)
            if self.runtime.completed == mark and self.runtime.in_flight == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"still invoking functions after {timeout:.0f} s")

    def _not_idle(self, timeout: float) -> TimeoutError:
        busy = [
            f"{p.name} ({p.status}, {p.pending()} pending)" for p in self.pollers if not p.idle()
        ]
        return TimeoutError(
            f"not idle after {timeout:.0f} s: {', '.join(busy) or 'requests in flight'}"
        )

    def stop(self) -> None:
        """Stop every poller (each finishes its batch), then every reader."""
        for poller in self.pollers:
            poller.stop()
        self.pollers = []
        self._sources = []
        for tail in self.tails.values():
            tail.stop()
        self.tails = {}
