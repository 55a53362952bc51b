"""The consumer runtime: batches in, typed messages to handlers, batch item failures out.

Lambda delivers at least once, ordered only per stream, from either topology (see
``delivery``). This module gives components their runtime and what every consumer shares:

- A consumer is **defined** once, at import, with its handlers keyed by contract class
  (``Component(name, {Register: register, …})``); the keys are its ``declaration``.
- It is **bound** at cold start to its dependencies (``component.bind(deps, logger=…)``);
  the bound consumer's ``handle_event`` is what the Lambda handler returns.
- A message it does not declare is ignored. A message that breaks its contract
  (``InvalidMessageError``) is **skipped**: an error log line with its address, a metric,
  and a record in the skipped-messages table — and the messages after it flow on.
- Any other failure **stops the batch**: that record and every one after it are reported
  as failed, so a later message of a stream never overtakes an earlier one; the records
  before it are done. Lambda retries them, then sends them to the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from .contract import Contract
from .declaration import Declaration, Reads, as_reads
from .delivery import Batch, BatchResponse, Delivery, read_batch
from .errors import InvalidMessageError
from .message import Message, StoredMessage
from .observability import FAILED_MESSAGES, INVALID_MESSAGES, LAG, MESSAGES_HANDLED, seconds_since
from .progress import ProgressRecorder, ThrottledProgress
from .skips import NoSkipRecorder, SkippedMessage, SkipRecorder

D = TypeVar("D")

# Every consumer emits MessagesHandled, InvalidMessages, FailedMessages and Lag (names in
# ``observability``; namespace and service set by the function).


class Metrics(Protocol):
    """What the runtime needs of a metrics sink: Powertools' ``Metrics`` fits."""

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        """Add ``value`` to metric ``name``."""
        ...


class NoMetrics:
    """A metrics sink that keeps nothing."""

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        """Do nothing."""


class Logging:
    """What the runtime needs of a logger: Powertools' ``Logger`` fits."""

    def __init__(self, logger: Any) -> None:
        self._logger = logger

    def message_context(self, message: Message) -> None:
        """Every following log line carries this message's trace id and coordinates."""
        if hasattr(self._logger, "set_correlation_id"):
            self._logger.set_correlation_id(message.metadata.trace_id)
        if hasattr(self._logger, "append_keys"):
            self._logger.append_keys(
                message_type=message.type,
                stream_name=message.stream_name,
                position=message.position,
            )

    def clear(self) -> None:
        """Forget the message context."""
        if hasattr(self._logger, "remove_keys"):
            self._logger.remove_keys(["message_type", "stream_name", "position"])
        if hasattr(self._logger, "set_correlation_id"):
            self._logger.set_correlation_id(None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logger, name)


def default_logger() -> Any:
    """Powertools' logger (service name from ``POWERTOOLS_SERVICE_NAME``)."""
    from aws_lambda_powertools import Logger

    return Logger()


class ConsumerRuntime:
    """What every bound consumer shares: logging, skipping invalid messages, metrics."""

    def __init__(
        self,
        declaration: Declaration,
        *,
        logger: Any = None,
        skips: SkipRecorder | None = None,
        metrics: Metrics | None = None,
        progress: ProgressRecorder | None = None,
    ) -> None:
        self.declaration = declaration
        self.name = declaration.name
        self.log = Logging(logger or default_logger())
        self.skips: SkipRecorder = skips or NoSkipRecorder()
        self.metrics: Metrics = metrics or NoMetrics()
        self.progress = ThrottledProgress(progress) if progress is not None else None

    def describe(self) -> str:
        """What this consumer reads, in one line (the devserver's banner shows it)."""
        return f"{self.name} reads {self.declaration.describe()}"

    def skip(self, message: StoredMessage, error: Exception) -> None:
        """Skip a message that can never be applied: log it, count it, record it."""
        self._record_skip(
            SkippedMessage(
                consumer=self.name,
                stream_name=message.stream_name,
                position=message.position,
                message_id=message.id,
                message_type=message.type,
                error=str(error),
                global_position=message.global_position,
            )
        )

    def skip_unreadable(self, delivery: Delivery) -> None:
        """Skip a record that carries no readable message (its address as far as known)."""
        stream_name, _, position = delivery.address.rpartition("/")
        self._record_skip(
            SkippedMessage(
                consumer=self.name,
                stream_name=stream_name or "?",
                position=int(position) if position.isdigit() else None,
                message_id=None,
                message_type=None,
                error=delivery.problem or "unreadable record",
            )
        )

    def _record_skip(self, skip: SkippedMessage) -> None:
        self.log.error(f"skipped {skip.address} as invalid: {skip.error}", extra=skip.log_fields())
        self.metrics.add_metric(name=INVALID_MESSAGES, unit="Count", value=1)
        self.skips.record(skip)

    def finished(self, batch: Batch, before: int | None = None) -> None:
        """Count and record how far this consumer has read: the records of ``batch`` done
        (before the record at index ``before``, when the batch stopped there).

        Metrics: ``MessagesHandled`` (the records done) and ``Lag`` (the age of the last
        message done, now that it is done: for an aggregator, how far its view is behind).
        """
        finished = [d for d in batch.deliveries if before is None or d.index < before]
        if finished:
            self.metrics.add_metric(name=MESSAGES_HANDLED, unit="Count", value=len(finished))
        done = [d.message for d in finished if d.message is not None]
        if not done:
            return
        self.metrics.add_metric(name=LAG, unit="Seconds", value=seconds_since(done[-1].time))
        if self.progress is None:
            return
        try:
            self.progress.finished(self.name, done[-1])
        except Exception:  # how far it read is for operators: never worth failing a batch
            self.log.warning("could not record the consumer's progress", exc_info=True)

    def failed(self, delivery: Delivery, batch: Batch, error: Exception) -> BatchResponse:
        """Log a failure that a retry may cure; fail this record and the rest of the batch."""
        failed = len(batch.item_ids) - delivery.index
        message = delivery.message
        self.log.exception(
            f"{delivery.address} failed: {type(error).__name__}: {error}; "
            f"it and the {failed - 1} record(s) after it will be retried",
            extra={
                "consumer": self.name,
                "failed_stream_name": message.stream_name if message else None,
                "failed_position": message.position if message else None,
                "failed_message_type": message.type if message else None,
                "error": f"{type(error).__name__}: {error}",
            },
        )
        self.metrics.add_metric(name=FAILED_MESSAGES, unit="Count", value=failed)
        self.finished(batch, before=delivery.index)
        return batch.failures_from(delivery.index)


Handler = Callable[[Any, D], None]


class Component(Generic[D]):
    """A component's definition: its name and its handlers, keyed by what they read.

    A handler is a plain function of the typed message and the component's dependencies:
    ``def register(command: Register, deps: Dependencies) -> None``. It may raise
    ``InvalidMessageError`` about the message it was given (the message is then skipped).
    """

    def __init__(self, name: str, handlers: Mapping[type[Contract] | Reads, Handler[D]]) -> None:
        self.name = name
        self.handlers: dict[Reads, Handler[D]] = {as_reads(k): v for k, v in handlers.items()}
        self.declaration = Declaration.of(name, self.handlers)

    def bind(
        self,
        dependencies: D,
        *,
        logger: Any = None,
        skips: SkipRecorder | None = None,
        metrics: Metrics | None = None,
        progress: ProgressRecorder | None = None,
    ) -> BoundComponent[D]:
        """The component ready to handle batches with ``dependencies``."""
        return BoundComponent(
            self,
            dependencies,
            logger=logger,
            skips=skips,
            metrics=metrics,
            progress=progress,
        )


class BoundComponent(ConsumerRuntime, Generic[D]):
    """A component with its dependencies: handles batches one message at a time, in order."""

    def __init__(
        self,
        component: Component[D],
        dependencies: D,
        *,
        logger: Any = None,
        skips: SkipRecorder | None = None,
        metrics: Metrics | None = None,
        progress: ProgressRecorder | None = None,
    ) -> None:
        super().__init__(
            component.declaration, logger=logger, skips=skips, metrics=metrics, progress=progress
        )
        self.component = component
        self.dependencies = dependencies

    def handle_event(self, event: Mapping[str, Any]) -> BatchResponse:
        """Handle a DynamoDB Streams or SQS batch; the Lambda handler returns what this returns."""
        batch = read_batch(event)
        for delivery in batch.deliveries:
            try:
                if delivery.message is None:
                    self.skip_unreadable(delivery)
                else:
                    self.handle(delivery.message)
            except Exception as exc:
                return self.failed(delivery, batch, exc)
        self.finished(batch)
        return batch.succeeded()

    def handle_messages(self, messages: Iterable[StoredMessage]) -> None:
        """Handle messages directly (tests, replays, redrives); the first failure raises."""
        for message in messages:
            self.handle(message)

    def handle(self, message: StoredMessage) -> None:
        """Hand one message to its handler; skip it if it breaks its contract."""
        found = self._handler_for(message)
        if found is None:
            return  # not declared: another consumer's business
        reads, handler = found
        self.log.message_context(message)
        try:
            handler(reads.contract.from_message(message), self.dependencies)
        except InvalidMessageError as exc:
            self.skip(message, exc)
        finally:
            self.log.clear()

    def _handler_for(self, message: StoredMessage) -> tuple[Reads, Handler[D]] | None:
        for reads, handler in self.component.handlers.items():
            if reads.accepts(message):
                return reads, handler
        return None
