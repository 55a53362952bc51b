"""Messages a consumer skipped because they can never be applied, kept where operators look.

A message that breaks its contract would stop its stream for good if it were retried: the
consumer skips it instead and records its address here (besides an error log line and a
metric). One item per (consumer, message), so recording the same skip twice — a redelivery,
a gap filled again — changes nothing. The admin consumers page lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from . import aws
from .aws import error_code
from .errors import MessageStoreUnavailableError
from .message import format_time


@dataclass(frozen=True)
class SkippedMessage:
    """Where a skipped message is (consumer, stream, position, id) and why it was skipped."""

    consumer: str
    stream_name: str
    position: int | None
    message_id: str | None
    message_type: str | None
    error: str
    global_position: str | None = None

    @property
    def address(self) -> str:
        """``stream/position`` (``?`` for what is not known)."""
        position = "?" if self.position is None else self.position
        return f"{self.stream_name}/{position}"

    def log_fields(self) -> dict[str, Any]:
        """The fields of the error log line that reports the skip."""
        return {
            "consumer": self.consumer,
            "skipped_stream_name": self.stream_name,
            "skipped_position": self.position,
            "skipped_message_id": self.message_id,
            "skipped_message_type": self.message_type,
            "error": self.error,
        }


class SkipRecorder(Protocol):
    """Where skipped messages are recorded."""

    def record(self, skip: SkippedMessage) -> None:
        """Keep ``skip`` (idempotent: the same consumer and address twice is one record)."""
        ...


class NoSkipRecorder:
    """Records nothing (the log line and the metric remain): for tests and tools."""

    def record(self, skip: SkippedMessage) -> None:
        """Do nothing."""


class SkippedMessagesTable:
    """The skipped-messages table (``SKIPPED_MESSAGES_TABLE``): ``consumer`` + ``address``."""

    def __init__(self, table_name: str, *, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    client = aws.LazyClient("dynamodb")

    def record(self, skip: SkippedMessage) -> None:
        """Put the skip's item (a second put of the same address overwrites it alike)."""
        item: dict[str, Any] = {
            "consumer": {"S": skip.consumer},
            "address": {"S": sort_key(skip.stream_name, skip.position)},
            "streamName": {"S": skip.stream_name},
            "error": {"S": skip.error[:2000]},
            "recordedAt": {"S": format_time(datetime.now(UTC))},
        }
        if skip.position is not None:
            item["position"] = {"N": str(skip.position)}
        for name, value in (
            ("messageId", skip.message_id),
            ("messageType", skip.message_type),
            ("globalPosition", skip.global_position),
        ):
            if value:
                item[name] = {"S": value}
        try:
            self.client.put_item(TableName=self.table_name, Item=item)
        except Exception as exc:
            raise MessageStoreUnavailableError(
                f"{self.table_name}: {error_code(exc) or exc}"
            ) from exc

    def skipped(self, consumer: str, limit: int = 100) -> list[SkippedMessage]:
        """What ``consumer`` skipped, by stream and position (at most ``limit``)."""
        try:
            response = self.client.query(
                TableName=self.table_name,
                KeyConditionExpression="consumer = :c",
                ExpressionAttributeValues={":c": {"S": consumer}},
                Limit=limit,
            )
        except Exception as exc:
            raise MessageStoreUnavailableError(
                f"{self.table_name}: {error_code(exc) or exc}"
            ) from exc
        return [_from_item(item) for item in response.get("Items", [])]


def sort_key(stream_name: str, position: int | None) -> str:
    """``stream#000…position``: a stream's skips sort by position."""
    return f"{stream_name}#{'?' if position is None else f'{position:020d}'}"


def _from_item(item: dict[str, Any]) -> SkippedMessage:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return SkippedMessage(
        consumer=item["consumer"]["S"],
        stream_name=item["streamName"]["S"],
        position=int(item["position"]["N"]) if "position" in item else None,
        message_id=text("messageId"),
        message_type=text("messageType"),
        error=item["error"]["S"],
        global_position=text("globalPosition"),
    )
