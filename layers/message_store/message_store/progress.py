"""How far each consumer has read: the last message it finished, recorded now and then.

An operator asks "how far behind is it?": the newest message of the categories a consumer
reads, against the last one it finished. Each bound consumer records that last message at
most once a second (``RECORD_EVERY``) — one small put, never one per message — so the answer
is a second or so stale, and the records cost next to nothing under load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from . import aws
from .aws import error_code
from .errors import MessageStoreUnavailableError
from .message import StoredMessage, format_time

#: A consumer instance records its progress at most this often (seconds).
RECORD_EVERY = 1.0


@dataclass(frozen=True)
class Progress:
    """The last message a consumer finished, and when that was recorded."""

    consumer: str
    stream_name: str
    position: int
    global_position: str
    message_time: str
    recorded_at: str


class ProgressRecorder(Protocol):
    """Where consumers' progress is kept."""

    def record(self, consumer: str, message: StoredMessage) -> None:
        """Keep ``message`` as the last one ``consumer`` finished."""
        ...


class ThrottledProgress:
    """Records a consumer's progress through ``recorder``, at most once per ``every`` s."""

    def __init__(
        self,
        recorder: ProgressRecorder,
        *,
        every: float = RECORD_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recorder = recorder
        self.every = every
        self.clock = clock
        self._last: float | None = None

    def finished(self, consumer: str, message: StoredMessage) -> None:
        """``consumer`` finished up to ``message``; record it unless recorded just now."""
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        self.recorder.record(consumer, message)


class ConsumerProgressTable:
    """The consumer-progress table (``CONSUMER_PROGRESS_TABLE``): one item per consumer."""

    def __init__(self, table_name: str, *, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    client = aws.LazyClient("dynamodb")

    def record(self, consumer: str, message: StoredMessage) -> None:
        """Keep ``message`` as ``consumer``'s last finished one (overwrites the item)."""
        item = {
            "consumer": {"S": consumer},
            "streamName": {"S": message.stream_name},
            "position": {"N": str(message.position)},
            "globalPosition": {"S": message.global_position},
            "messageTime": {"S": format_time(message.time)},
            "recordedAt": {"S": format_time(datetime.now(message.time.tzinfo))},
        }
        try:
            self.client.put_item(TableName=self.table_name, Item=item)
        except Exception as exc:
            raise MessageStoreUnavailableError(
                f"{self.table_name}: {error_code(exc) or exc}"
            ) from exc

    def get(self, consumer: str) -> Progress | None:
        """``consumer``'s recorded progress, or ``None`` before it finished anything."""
        try:
            item = self.client.get_item(
                TableName=self.table_name, Key={"consumer": {"S": consumer}}
            ).get("Item")
        except Exception as exc:
            raise MessageStoreUnavailableError(
                f"{self.table_name}: {error_code(exc) or exc}"
            ) from exc
        if not item:
            return None
        return Progress(
            consumer=consumer,
            stream_name=item["streamName"]["S"],
            position=int(item["position"]["N"]),
            global_position=item["globalPosition"]["S"],
            message_time=item["messageTime"]["S"],
            recorded_at=item["recordedAt"]["S"],
        )
