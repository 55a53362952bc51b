"""The stream-consumer runtime: DynamoDB stream records in, batch item failures out.

Lambda delivers the message store's stream at least once, ordered only per stream. This
module turns records into ``Message``s and runs a batch so that a failed record stops it:
that record and every one after it are reported as failed (``ReportBatchItemFailures``),
so a later message of a stream never overtakes an earlier one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from .item import message_from_item
from .message import Message

Handler = Callable[[Message], None]


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class InvalidRecordError(ValueError):
    """A stream record that is not a message-store insert the runtime can read."""


@dataclass(frozen=True)
class Delivery:
    """One stream record: its sequence number and the message it carries."""

    sequence_number: str
    message: Message


def message_from_image(image: Mapping[str, Any]) -> Message:
    """The message held by a stream record's ``NewImage``."""
    try:
        return message_from_item(image)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRecordError(f"not a message-store item: {exc!r}") from exc


def sequence_number(record: Mapping[str, Any]) -> str:
    """The record's identifier for ``batchItemFailures``."""
    return str(record.get("dynamodb", {}).get("SequenceNumber", ""))


def failures_from(records: Sequence[Mapping[str, Any]], index: int) -> BatchResponse:
    """The response that fails ``records[index]`` and every record after it."""
    return {
        "batchItemFailures": [
            {"itemIdentifier": sequence_number(record)} for record in records[index:]
        ]
    }


def stream_records(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The records of a DynamoDB Streams event (``[]`` for anything else)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    return list(records) if isinstance(records, list) else []


def read_deliveries(
    records: Sequence[Mapping[str, Any]],
) -> tuple[list[Delivery], int | None]:
    """The deliveries of the leading well-formed records, and the index of the first bad one.

    Records other than inserts (the store never modifies or removes) are skipped.
    """
    deliveries: list[Delivery] = []
    for index, record in enumerate(records):
        if record.get("eventName") != "INSERT":
            continue
        try:
            message = message_from_image(record["dynamodb"]["NewImage"])
        except (KeyError, TypeError, InvalidRecordError):
            return deliveries, index
        deliveries.append(Delivery(sequence_number(record), message))
    return deliveries, None


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


class Component:
    """Runs a component's message handlers over a batch, one message at a time, in order.

    ``handlers`` maps message types to functions of one ``Message``; other types are
    ignored. A handler that raises fails its record and every record after it.
    """

    def __init__(self, name: str, handlers: Mapping[str, Handler], logger: Any = None) -> None:
        self.name = name
        self.handlers = dict(handlers)
        self.log = Logging(logger or default_logger())

    def handle_event(self, event: Mapping[str, Any]) -> BatchResponse:
        """Handle a DynamoDB Streams event; the Lambda handler returns what this returns."""
        records = stream_records(event)
        deliveries, bad_index = read_deliveries(records)
        by_sequence = {sequence_number(record): index for index, record in enumerate(records)}
        for delivery in deliveries:
            if not self._handle(delivery.message):
                return failures_from(records, by_sequence[delivery.sequence_number])
        if bad_index is not None:
            self.log.error("record is not a message-store item", extra={"index": bad_index})
            return failures_from(records, bad_index)
        return {"batchItemFailures": []}

    def handle_messages(self, messages: Iterable[Message]) -> None:
        """Handle messages directly (tests, replays); the first failure raises."""
        for message in messages:
            handler = self.handlers.get(message.type)
            if handler is not None:
                handler(message)

    def _handle(self, message: Message) -> bool:
        handler = self.handlers.get(message.type)
        if handler is None:
            return True
        self.log.message_context(message)
        try:
            handler(message)
        except Exception:
            self.log.exception("handler failed; this record and the rest of the batch retry")
            return False
        finally:
            self.log.clear()
        return True
