"""The aggregator runtime: batches folded into view items, exactly once per message.

Each view item keeps, for every source stream it was built from, the last position it
applied (an item keyed by a cardinal id folds every compound stream of its entity,
``viewing-{videoId}+{shard}``, one position each: their number is bounded by the shards).
Messages are folded in the batch's order: a message at or below that position is a
duplicate and is skipped; a message beyond it + 1 reveals a gap, which is filled by reading
the stream from the store (the store is the truth, records only notify). Each touched item
is then written once, on the condition that nobody wrote it since it was loaded.

An item keyed by something else than its stream's id (a trace id, the viewer of a viewing)
holds only some of the stream's messages: its gaps are not filled, only duplicates skipped.
A part of the entity's item (``{cardinal id}|{part}``: its counts of a group of its compound
streams, say) holds whole streams, as the entity's own item does: its gaps are filled.

A message that breaks its contract — delivered, or read to fill a gap — is skipped and
recorded (``ConsumerRuntime.skip``), never applied. Any other failure at a message stops the
batch there: what the messages before it changed is saved, and it and the rest are retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .consumer import ConsumerRuntime, Metrics
from .declaration import Declaration
from .delivery import BatchResponse, Delivery, read_batch
from .errors import InvalidMessageError
from .message import StoredMessage
from .progress import ProgressRecorder
from .projection import Projection
from .skips import SkipRecorder
from .stream_name import cardinal_id
from .stream_name import category as category_of
from .view_item import ViewConflictError, ViewItem, ViewRepository, entity_of

S = TypeVar("S")


class StoreGapError(Exception):
    """The store did not return the positions a gap needs (a retry reads them again)."""


class StreamReader(Protocol):
    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[StoredMessage]: ...


def item_key_by_cardinal_id(message: StoredMessage) -> str | None:
    """The default view-item key: the source stream's cardinal id (``viewing-{videoId}+{shard}``
    and ``viewing-{videoId}`` → videoId): the entity's streams fold into one item."""
    return cardinal_id(message.stream_name)


class Aggregator(Generic[S]):
    """An aggregator's definition: its name, its pure projection, how messages map to items.

    What it reads is its projection's contracts (its ``declaration``); ``views`` opens its
    view repository on a table name.
    """

    def __init__(
        self,
        name: str,
        projection: Projection[S],
        *,
        key_of: Callable[[StoredMessage], str | None] = item_key_by_cardinal_id,
        views: Callable[..., ViewRepository[S]] | None = None,
        replay_key_of: Callable[[StoredMessage], str | None] | None = None,
    ) -> None:
        self.name = name
        self.projection = projection
        self.key_of = key_of
        #: the item a message folds into in a replay, when not ``key_of``'s (a view that
        #: keeps live writes apart may keep a replay's together: fewer items to write)
        self.replay_key_of = replay_key_of
        #: the view repository on a table name (what ``rebuild`` and tools open)
        self.views = views
        self.declaration = (
            Declaration.everything(name)
            if projection.every_message is not None
            else Declaration.of(name, projection.contracts)
        )

    def for_replay(self) -> Aggregator[S]:
        """This aggregator as a replay folds it (keyed by ``replay_key_of``, when it has one)."""
        if self.replay_key_of is None:
            return self
        return Aggregator(self.name, self.projection, key_of=self.replay_key_of, views=self.views)

    def bind(
        self,
        *,
        views: ViewRepository[S],
        store: StreamReader,
        logger: Any = None,
        skips: SkipRecorder | None = None,
        metrics: Metrics | None = None,
        progress: ProgressRecorder | None = None,
        attempts: int = 3,
    ) -> BoundAggregator[S]:
        """The aggregator ready to fold batches into ``views``, filling gaps from ``store``."""
        return BoundAggregator(
            self,
            views,
            store,
            logger=logger,
            skips=skips,
            metrics=metrics,
            progress=progress,
            attempts=attempts,
        )


@dataclass(frozen=True)
class _Stop:
    """Where folding stopped: the delivery that failed and why."""

    delivery: Delivery
    error: Exception


class BoundAggregator(ConsumerRuntime, Generic[S]):
    """An aggregator with its view repository and the store it fills gaps from."""

    def __init__(
        self,
        aggregator: Aggregator[S],
        views: ViewRepository[S],
        store: StreamReader,
        *,
        logger: Any = None,
        skips: SkipRecorder | None = None,
        metrics: Metrics | None = None,
        progress: ProgressRecorder | None = None,
        attempts: int = 3,
    ) -> None:
        super().__init__(
            aggregator.declaration, logger=logger, skips=skips, metrics=metrics, progress=progress
        )
        self.aggregator = aggregator
        self.projection = aggregator.projection
        self.views = views
        self.store = store
        self.attempts = attempts
        self._categories = frozenset(aggregator.declaration.categories)
        self._every_category = aggregator.declaration.reads_everything

    def handle_event(self, event: Mapping[str, Any]) -> BatchResponse:
        """Handle a DynamoDB Streams or SQS batch; the Lambda handler returns what this returns."""
        batch = read_batch(event)
        if not batch.deliveries:
            return batch.succeeded()
        try:
            stop = self._fold_and_save(batch.deliveries)
        except Exception as exc:  # loading or saving failed: nothing was written, all retry
            return self.failed(batch.deliveries[0], batch, exc)
        if stop is not None:
            return self.failed(stop.delivery, batch, stop.error)
        self.finished(batch)
        return batch.succeeded()

    def apply(self, messages: Iterable[StoredMessage]) -> None:
        """Fold ``messages`` (tests, rebuilds); a failure raises after saving what preceded it."""
        deliveries = [
            Delivery(index, message.id, message) for index, message in enumerate(messages)
        ]
        stop = self._fold_and_save(deliveries)
        if stop is not None:
            raise stop.error

    def keys_of(self, messages: Iterable[StoredMessage]) -> set[str]:
        """The keys of the view items ``messages`` fold into."""
        return {key for message in messages if (key := self._key(message)) is not None}

    def fold_onto(
        self,
        messages: Iterable[StoredMessage],
        before: Mapping[str, ViewItem[S]],
        after: dict[str, ViewItem[S]],
    ) -> None:
        """Fold ``messages`` in order into ``after``: an item not there yet starts as in
        ``before`` (as stored) or, absent, from the initial state. Raises at the first
        message that fails; what the messages before it did stays in ``after``."""
        for message in messages:
            self._fold_message(message, before, after)

    def changes(
        self, before: Mapping[str, ViewItem[S]], after: Mapping[str, ViewItem[S]]
    ) -> list[tuple[ViewItem[S], ViewItem[S]]]:
        """The ``(as stored, folded)`` pairs whose state changed: what a save writes.

        Positions alone are not worth a write: a later message of the stream finds the gap
        and reads what was skipped (nothing that changes the state) again.
        """
        return [
            (old, item)
            for key, item in after.items()
            if item.state != (old := before.get(key) or self._initial(key)).state
        ]

    def _fold_and_save(self, deliveries: Sequence[Delivery]) -> _Stop | None:
        """Fold the deliveries in order up to the first failure; save each touched item once."""
        for attempt in range(1, self.attempts + 1):
            keys = {key for d in deliveries if (key := self._key(d.message)) is not None}
            before = self.views.load(sorted(keys)) if keys else {}
            after: dict[str, ViewItem[S]] = {}
            stop = None
            for delivery in deliveries:
                try:
                    self._fold_delivery(delivery, before, after)
                except Exception as exc:
                    stop = _Stop(delivery, exc)
                    break
            changes = self.changes(before, after)
            if not changes:
                return stop
            try:
                self.views.save(changes)
            except ViewConflictError:
                if attempt == self.attempts:
                    raise
                self.log.info("a view item changed meanwhile; folding again")
            else:
                return stop
        raise AssertionError("unreachable")  # pragma: no cover

    def _key(self, message: StoredMessage | None) -> str | None:
        # Any message of a category it reads notifies the stream moved (a type it does not
        # handle changes no state but lets a gap before it be filled); others are ignored.
        if message is None:
            return None
        if not self._every_category and category_of(message.stream_name) not in self._categories:
            return None
        return self.aggregator.key_of(message)

    def _initial(self, key: str) -> ViewItem[S]:
        return ViewItem(key, self.projection.initial())

    def _fold_delivery(
        self,
        delivery: Delivery,
        before: Mapping[str, ViewItem[S]],
        after: dict[str, ViewItem[S]],
    ) -> None:
        if delivery.message is None:
            self.skip_unreadable(delivery)
            return
        self._fold_message(delivery.message, before, after)

    def _fold_message(
        self,
        message: StoredMessage,
        before: Mapping[str, ViewItem[S]],
        after: dict[str, ViewItem[S]],
    ) -> None:
        key = self._key(message)
        if key is None:
            return  # for no item of this view (another category, an anonymous viewing …)
        item = after.get(key) or before.get(key) or self._initial(key)
        after[key] = self._fold(item, message)

    def _fold(self, item: ViewItem[S], message: StoredMessage) -> ViewItem[S]:
        stream = message.stream_name
        last = item.positions.get(stream, -1)
        if message.position <= last:
            return item  # a redelivery: already applied
        state = item.state
        # A gap is read from the store only for the stream's own item (keyed by its cardinal
        # id, or a part of that item: every stream of the entity, compound or not, is folded
        # whole into it); an item keyed otherwise (a trace, the user in a viewing) holds
        # some of its messages.
        if message.position > last + 1 and entity_of(item.key) == cardinal_id(stream):
            for missing in self._gap(stream, last, message.position):
                state = self._apply(state, missing)
        self.log.message_context(message)
        try:
            state = self._apply(state, message)
        finally:
            self.log.clear()
        return ViewItem(item.key, state, {**item.positions, stream: message.position}, item.version)

    def _gap(self, stream: str, last: int, position: int) -> list[StoredMessage]:
        missing = self.store.read_stream(stream, last + 1, position - last - 1)
        got = [m.position for m in missing]
        if got != list(range(last + 1, position)):
            raise StoreGapError(f"{stream}: the store lacks positions {last + 1}..{position - 1}")
        self.log.info("filled a gap from the store", extra={"stream": stream, "count": len(got)})
        return missing

    def _apply(self, state: S, message: StoredMessage) -> S:
        """The state after one message; one that breaks its contract is skipped, recorded."""
        try:
            return self.projection.step(state, message)
        except InvalidMessageError as exc:
            self.skip(message, exc)
            return state
