"""Fakes that implement the layers' protocols in memory (no AWS)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from message_store import Metadata, StoredMessage
from message_store.skips import SkippedMessage
from message_store.view_item import ViewConflictError, ViewItem


class InMemoryViews:
    """A view repository in a dict; ``conflicts`` makes the next saves find a stale version."""

    def __init__(self):
        self.items: dict[str, ViewItem] = {}
        self.saves = 0
        self.conflicts = 0

    def load(self, keys):
        return {key: self.items[key] for key in keys if key in self.items}

    def save(self, changes):
        if self.conflicts:
            self.conflicts -= 1
            raise ViewConflictError("someone else wrote it")
        for before, _after in changes:
            stored = self.items.get(before.key)
            if (stored.version if stored else -1) != before.version:
                raise ViewConflictError(before.key)
        for before, after in changes:
            self.items[after.key] = replace(after, version=before.version + 1)
        self.saves += 1


class InMemoryStreams:
    """What aggregators read from the store: whole streams, by position."""

    def __init__(self):
        self.streams: dict[str, list[StoredMessage]] = {}
        self.reads: list[tuple[str, int, int]] = []
        self.written = 0

    def add(self, stream_name: str, type_: str, metadata: Metadata | None = None, **data):
        messages = self.streams.setdefault(stream_name, [])
        self.written += 1
        message = StoredMessage(
            type=type_,
            data=data,
            metadata=metadata or Metadata(trace_id=f"trace-{self.written}"),
            stream_name=stream_name,
            position=len(messages),
            global_position=f"01JQ{self.written:022d}",
            time=datetime.now(UTC),
        )
        messages.append(message)
        return message

    def read_stream(self, stream_name, from_position=0, max_messages=1000):
        self.reads.append((stream_name, from_position, max_messages))
        messages = self.streams.get(stream_name, [])
        return messages[from_position : from_position + max_messages]


class InMemorySkips:
    """A skip recorder in a dict keyed like the table: (consumer, stream, position)."""

    def __init__(self):
        self.skipped: dict[tuple[str, str, int | None], SkippedMessage] = {}
        self.records = 0
        self.unavailable = False

    def record(self, skip: SkippedMessage) -> None:
        if self.unavailable:
            raise ConnectionError("the skipped-messages table is unavailable")
        self.records += 1
        self.skipped[(skip.consumer, skip.stream_name, skip.position)] = skip

    def addresses(self) -> list[str]:
        return [skip.address for skip in self.skipped.values()]
