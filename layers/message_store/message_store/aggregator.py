"""The aggregator runtime: stream batches folded into view items, exactly once per message.

Each view item keeps, for every source stream it was built from, the last position it
applied. A batch is folded per item: a message at or below that position is a duplicate
and is skipped; a message beyond it + 1 reveals a gap, which is filled by reading the
stream from the store (the store is the truth, stream records only notify). Each touched
item is then written once, on the condition that nobody wrote it since it was loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from .consumer import (
    BatchResponse,
    Logging,
    default_logger,
    failures_from,
    read_deliveries,
    stream_records,
)
from .message import Message
from .projection import Projection
from .stream_name import id as id_of

S = TypeVar("S")


class ViewConflictError(Exception):
    """A view item changed between loading and saving it; the batch is folded again."""


class MessageApplyError(Exception):
    """A message could not be applied to its view item (it fails its record)."""

    def __init__(self, message: Message, cause: Exception) -> None:
        super().__init__(
            f"{message.type} at {message.stream_name}/{message.position} failed: {cause!r}"
        )
        self.message = message


@dataclass(frozen=True)
class ViewItem(Generic[S]):
    """One item of a view: its state, the positions applied per source stream, a version."""

    key: str
    state: S
    positions: Mapping[str, int] = field(default_factory=dict)
    version: int = -1  # -1: not stored yet


class ViewRepository(Protocol[S]):
    """Where an aggregator's view items live."""

    def load(self, keys: Sequence[str]) -> dict[str, ViewItem[S]]:
        """The stored items among ``keys`` (strongly consistent); missing keys are absent."""
        ...

    def save(self, changes: Sequence[tuple[ViewItem[S], ViewItem[S]]]) -> None:
        """Write each ``(before, after)`` once, unless ``before.version`` is stale.

        Raises ``ViewConflictError`` when any item changed since it was loaded; then
        nothing of that write is applied.
        """
        ...


class StreamReader(Protocol):
    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[Message]: ...


def item_key_by_stream_id(message: Message) -> str | None:
    """The default view-item key: the source stream's id (``viewing-{videoId}`` → videoId)."""
    return id_of(message.stream_name or "")


class Aggregator(Generic[S]):
    """Folds batches of messages into view items through a pure projection."""

    def __init__(
        self,
        name: str,
        projection: Projection[S],
        views: ViewRepository[S],
        store: StreamReader,
        *,
        key_of: Callable[[Message], str | None] = item_key_by_stream_id,
        logger: Any = None,
        attempts: int = 3,
    ) -> None:
        self.name = name
        self.projection = projection
        self.views = views
        self.store = store
        self.key_of = key_of
        self.log = Logging(logger or default_logger())
        self.attempts = attempts

    def handle_event(self, event: Mapping[str, Any]) -> BatchResponse:
        """Handle a DynamoDB Streams event; the Lambda handler returns what this returns."""
        records = stream_records(event)
        deliveries, bad_index = read_deliveries(records)
        index_of = {d.message.id: i for i, d in enumerate(deliveries)}
        record_index = {
            str(record.get("dynamodb", {}).get("SequenceNumber", "")): i
            for i, record in enumerate(records)
        }
        messages = [delivery.message for delivery in deliveries]
        try:
            self.apply(messages)
        except MessageApplyError as exc:
            self.log.exception("a message could not be applied; it and the rest retry")
            failed = index_of.get(exc.message.id, 0)
            try:
                self.apply(messages[:failed])
            except Exception:
                return failures_from(records, 0)
            sequence = deliveries[failed].sequence_number if deliveries else ""
            return failures_from(records, record_index.get(sequence, 0))
        except Exception:
            self.log.exception("the batch could not be aggregated; it retries")
            return failures_from(records, 0)
        if bad_index is not None:
            self.log.error("record is not a message-store item", extra={"index": bad_index})
            return failures_from(records, bad_index)
        return {"batchItemFailures": []}

    def apply(self, messages: Sequence[Message]) -> None:
        """Fold ``messages`` into their view items and save each touched item once."""
        by_key: dict[str, list[Message]] = defaultdict(list)
        for message in messages:
            key = self.key_of(message)
            if key is not None and message.position is not None:
                by_key[key].append(message)
        if not by_key:
            return
        for attempt in range(1, self.attempts + 1):
            stored = self.views.load(list(by_key))
            changes = []
            for key, item_messages in by_key.items():
                before = stored.get(key) or ViewItem(key, self.projection.initial())
                after = self._fold(before, item_messages)
                # Positions alone are not worth a write: a later message of the stream finds
                # the gap and reads what was skipped (nothing that changes the state) again.
                if after.state != before.state:
                    changes.append((before, after))
            if not changes:
                self.log.info("nothing changed in the view", extra={"count": len(messages)})
                return
            try:
                self.views.save(changes)
            except ViewConflictError:
                if attempt == self.attempts:
                    raise
                self.log.info("a view item changed meanwhile; folding again")
            else:
                return

    def _fold(self, item: ViewItem[S], messages: Sequence[Message]) -> ViewItem[S]:
        state = item.state
        positions = dict(item.positions)
        by_stream: dict[str, dict[int, Message]] = defaultdict(dict)
        for message in messages:
            by_stream[message.stream_name or ""][message.position or 0] = message
        for stream, by_position in by_stream.items():
            last = positions.get(stream, -1)
            for position in sorted(by_position):
                if position <= last:
                    continue  # a redelivery: already applied
                if position > last + 1:
                    for missing in self._gap(stream, last, position):
                        state = self._apply(state, missing)
                        last = missing.position if missing.position is not None else last
                state = self._apply(state, by_position[position])
                last = position
            positions[stream] = last
        return replace(item, state=state, positions=positions)

    def _gap(self, stream: str, last: int, position: int) -> list[Message]:
        missing = self.store.read_stream(stream, last + 1, position - last - 1)
        got = [m.position for m in missing]
        if got != list(range(last + 1, position)):
            raise RuntimeError(f"{stream}: the store lacks positions {last + 1}..{position - 1}")
        self.log.info("filled a gap from the store", extra={"stream": stream, "count": len(got)})
        return missing

    def _apply(self, state: S, message: Message) -> S:
        try:
            return self.projection.apply(state, message)
        except Exception as exc:
            raise MessageApplyError(message, exc) from exc
