"""Replaying what an aggregator reads from the store into its view: in parallel, resumably,
throttled, with its progress kept.

What a view reads is cut into **lanes**, each read in order:

- a category's partitions of the category index (``viewing#0`` … ``viewing#{P-1}``): a stream
  lies wholly in one partition (its partition is a hash of its id), so each partition holds
  whole streams in position order;
- or, ``merged``, one lane per category, its partitions merged in global order (what to use
  after ``CategoryPartitions`` has grown: a stream written across the change has messages in
  two partitions);
- or, for an aggregator of every message (``Declaration.everything``), the segments of a
  parallel scan of the table.

A replay goes in **rounds**: the lanes not done yet are read ``workers`` at a time, side by
side, each read at most a ``workers``-th of ``fold`` messages (and of a 1,000-item page),
until ``fold`` messages have come or every lane has been read once. Each read is folded as
it comes, while the others are still being read (a stream's messages all come from one
lane, in order, and projections commute across streams). The next round is read while one
is folded or written.

Rounds are **held**: their folded items are written together, with the cursor after them,
once ``write_every`` messages have been folded (50,000 by default; with a rate cap, every
round), when every lane is done, or when the replay stops (a deadline). So an item many
reads feed — a total, a video's item fed round after round by its viewing streams in
every partition — is written once per ``write_every``
messages, rather than once a round or once a lane; a crash loses at most what was held,
read again from the cursor.

The replay keeps the items as it last loaded or wrote them, so a later round folds onto
them without loading them again; after the view was emptied by the same run, nothing is
loaded at all. Every view write is conditional on the version folded onto: a write that
meets another writer's — or a message whose fold fails — has the held rounds folded again
the plain way (``BoundAggregator.apply``: items loaded anew, their messages merged in
global order, a message already applied skipped by its position).

The **cursor** (``ReplayCursor``, with where it is kept and the progress it tells, in
``replay_cursor``) says how far each lane has been applied; it is saved after every write,
on the condition that no other runner has claimed the rebuild since. Folding is
idempotent — each view item keeps the last position of each stream it applied — so rounds
applied again after a crash change nothing, and a replay resumes from its cursor.

The replay covers what was written before ``until`` (the moment the live consumer was
paused, or a later one): each lane goes on until the store's settle window has passed it,
so that a writer whose clock is a little behind is not missed.
"""

from __future__ import annotations

import heapq
import logging
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from . import global_position as gp
from .aggregator import Aggregator, BoundAggregator
from .errors import InvalidArgumentError
from .message import StoredMessage
from .replay_cursor import (
    CursorStore,
    Lane,
    ReplayCursor,
    category_lanes,
    partition_lanes,
    segment_lanes,
)
from .skips import SkipRecorder
from .store import MAX_PAGE, MessageStore
from .view_item import ViewConflictError, ViewItem

#: A round whose view writes keep conflicting with another writer's is folded again this often.
CONFLICT_ATTEMPTS = 10
#: Lanes read side by side at most (threads).
MAX_WORKERS = 64
#: Messages folded together at most, by default (a round's reads share them out).
FOLD = 5_000
#: Messages folded before the view is written and the cursor saved, by default.
WRITE_EVERY = 50_000


# -- throttling ------------------------------------------------------------------------------


class Throttle:
    """At most ``rate`` messages a second, shared by every lane (thread-safe).

    Each batch books its messages on one timeline: a batch may start once the batches before
    it have used their share of time, so over any stretch the rate holds, with a burst of at
    most one batch. The wait happens outside the lock.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise InvalidArgumentError(f"rate must be a number of messages > 0, not {rate!r}")
        self.rate = float(rate)
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._free_at: float | None = None

    def acquire(self, messages: int) -> float:
        """Wait until ``messages`` more may be applied; the seconds waited."""
        with self._lock:
            now = self.clock()
            start = now if self._free_at is None else max(now, self._free_at)
            self._free_at = start + messages / self.rate
        wait_for = start - now
        if wait_for > 0:
            self.sleep(wait_for)
        return wait_for


# -- the replay ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayOptions:
    """How a replay runs: lanes side by side, messages per read and per round, a rate cap."""

    #: lanes read side by side (threads); ``None``: every lane at once, up to ``MAX_WORKERS``
    workers: int | None = None
    #: messages per read at most (``None``: the lanes' share of ``fold``)
    batch: int | None = None
    #: messages a second at most, over every lane (``None``: as fast as it goes)
    rate: float | None = None
    #: one lane per category (partitions merged) instead of one per partition
    merged: bool = False
    #: segments of the table's scan (an aggregator of every message)
    segments: int = 4
    #: messages folded together at most (a round's reads share them out)
    fold: int = FOLD
    #: messages folded before the view is written and the cursor saved (rounds are held
    #: until then; with a rate cap every round is written)
    write_every: int = WRITE_EVERY

    def __post_init__(self) -> None:
        for name, highest in (
            ("workers", MAX_WORKERS),
            ("batch", 10_000),
            ("fold", 100_000),
            ("write_every", 1_000_000),
        ):
            value = getattr(self, name)
            if value is None and name not in ("fold", "write_every"):
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidArgumentError(f"{name} must be an int, not {value!r}")
            if not 1 <= value <= highest:
                raise InvalidArgumentError(f"{name} {value} is out of range")
        if self.rate is not None and (
            isinstance(self.rate, bool) or not isinstance(self.rate, int | float) or self.rate <= 0
        ):
            raise InvalidArgumentError(f"rate must be > 0 messages a second, not {self.rate!r}")
        if not 1 <= self.segments <= MAX_WORKERS:
            raise InvalidArgumentError(f"segments {self.segments} is out of range")

    @property
    def round_limit(self) -> int:
        """Messages a round folds at most: ``fold``, and with a rate cap a second's worth (a
        throttled round then never waits long, and an invocation's deadline is kept)."""
        if self.rate is not None:
            return min(self.fold, max(int(self.rate), 1))
        return self.fold

    @property
    def write_limit(self) -> int:
        """Messages folded before the view is written: ``write_every``; with a rate cap, any
        (every round is written: the rebuild's writes then keep to the rate too)."""
        return 1 if self.rate is not None else self.write_every

    def read_limit(self, workers: int) -> int:
        """Messages per read: ``batch``, or the share of a round each of ``workers`` reads
        side by side brings (at most a page of ``MAX_PAGE``)."""
        share = min(max(math.ceil(self.round_limit / max(workers, 1)), 1), MAX_PAGE)
        return share if self.batch is None else min(self.batch, share)

    def to_json(self) -> dict[str, Any]:
        """As the cursor keeps them."""
        return asdict(self)

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> ReplayOptions:
        """From the cursor's copy."""
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def lanes_for(
    aggregator: Aggregator[Any], store: MessageStore, options: ReplayOptions
) -> dict[str, Lane]:
    """The lanes of a replay of everything ``aggregator`` reads."""
    declaration = aggregator.declaration
    if declaration.reads_everything:
        return segment_lanes(options.segments)
    if options.merged:
        return category_lanes(declaration.categories)
    return partition_lanes(declaration.categories, store.category_partitions)


@dataclass
class _Read:
    """What one read of a lane brought: its messages, where the lane goes on, whether done."""

    lane: Lane
    messages: list[StoredMessage]
    place: Any
    done: bool


@dataclass
class _Reading:
    """A round being read: its result, and its reads as they come (``None`` after the last)."""

    future: Future[tuple[list[_Read], int]]
    arrivals: queue.SimpleQueue[_Read | None]

    def arrived(self) -> Iterator[_Read]:
        """The round's reads as they come, until the last."""
        while (read := self.arrivals.get()) is not None:
            yield read


#: View items a replay keeps as it last loaded or wrote them, at most (then it loads again);
#: held rounds are written when they have changed this many.
MAX_KNOWN = 20_000


class _KnownItems:
    """View items as this replay last loaded or wrote them (``None``: known absent), so that
    a round folds onto them without loading them again.

    ``complete``: every item not here is absent — the view was emptied by this very run and
    only this replay writes it. A wrong belief costs no wrong view: every write is
    conditional on the version folded onto, so it meets a conflict, and the round is folded
    again with items loaded anew (``forget``). Past ``MAX_KNOWN`` items it forgets too.
    """

    def __init__(self, *, complete: bool) -> None:
        self.items: dict[str, ViewItem[Any] | None] = {}
        self.complete = complete

    def missing(self, keys: set[str]) -> list[str]:
        """The keys whose items must be loaded first."""
        return [] if self.complete else sorted(key for key in keys if key not in self.items)

    def loaded(self, keys: list[str], found: dict[str, ViewItem[Any]]) -> None:
        """What a load of ``keys`` found (the others are absent)."""
        self.items.update({key: found.get(key) for key in keys})

    def saved(self, changes: list[tuple[ViewItem[Any], ViewItem[Any]]]) -> None:
        """What a save wrote: each item's state at its next version."""
        for before, after in changes:
            self.items[after.key] = ViewItem(
                after.key, after.state, after.positions, before.version + 1
            )
        if len(self.items) > MAX_KNOWN:
            self.forget()

    def forget(self) -> None:
        """Load every item again from now on."""
        self.items = {}
        self.complete = False


class _HeldFold:
    """Rounds folded read by read as their reads come (each read's messages in order: a
    stream's messages all come from one lane, and projections commute across streams), and
    held until they are written together. A read whose items are not known waits for the end
    of its round, to be loaded with the round's others in one request."""

    def __init__(self, bound: BoundAggregator[Any], known: _KnownItems) -> None:
        self.bound = bound
        self.known = known
        self.after: dict[str, ViewItem[Any]] = {}
        self.waiting: list[list[StoredMessage]] = []
        #: the held rounds' reads, in order (the cursor goes past them once they are written)
        self.reads: list[_Read] = []
        #: the held reads' messages (folded again the plain way when the write cannot be)
        self.messages: list[list[StoredMessage]] = []
        self.held = 0
        self.failed = False

    def add(self, messages: list[StoredMessage]) -> None:
        """Fold one read's messages now, or keep them for the round's end when items must be
        loaded."""
        if self.failed:
            return
        if not self.known.complete and self.known.missing(self.bound.keys_of(messages)):
            self.waiting.append(messages)
            return
        self._fold(messages)

    def end_round(self, reads: list[_Read]) -> None:
        """The round's reads are in: load the items missing, fold what waited, hold them."""
        if self.waiting and not self.failed:
            keys = self.known.missing(
                {key for messages in self.waiting for key in self.bound.keys_of(messages)}
            )
            if keys:
                self.known.loaded(keys, self.bound.views.load(keys))
            for messages in self.waiting:
                self._fold(messages)
        self.waiting = []
        self.reads.extend(reads)
        for read in reads:
            if read.messages:
                self.messages.append(read.messages)
                self.held += len(read.messages)

    def full(self, limit: int) -> bool:
        """Whether to write now: ``limit`` messages held, too many items changed, or a
        message failed (the rounds are then folded again the plain way, which stops there)."""
        return self.failed or self.held >= limit or len(self.after) >= MAX_KNOWN

    def write(self) -> bool:
        """Write the changed items once; False when a message failed (nothing written: the
        held rounds must be folded again the plain way). Raises ``ViewConflictError`` when
        another writer wrote an item meanwhile."""
        if self.failed:
            return False
        changes = self.bound.changes(self.known.items, self.after)
        if changes:
            self.bound.views.save(changes)
            self.known.saved(changes)
        return True

    def _fold(self, messages: list[StoredMessage]) -> None:
        try:
            self.bound.fold_onto(messages, self.known.items, self.after)
        except Exception:  # folded again the plain way, which saves what preceded and raises
            self.failed = True


class Replay:
    """Folds an aggregator's messages from the store into its view, in rounds.

    ``run(cursor)`` goes on until every lane is done, ``stop()`` says to stop (a deadline:
    it is asked between rounds), or a read or a fold fails (the error is raised). After
    every write of the held rounds the lanes' places are saved in the cursor.
    """

    def __init__(
        self,
        aggregator: Aggregator[Any],
        store: MessageStore,
        views: Any,
        cursors: CursorStore,
        *,
        options: ReplayOptions | None = None,
        skips: SkipRecorder | None = None,
        logger: Any = None,
        throttle: Throttle | None = None,
        on_batch: Callable[[ReplayCursor], None] | None = None,
        view_empty: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.aggregator = aggregator
        self.store = store
        self.views = views
        self.cursors = cursors
        self.options = options or ReplayOptions()
        self.skips = skips
        self.log = logger or logging.getLogger("rebuild")
        if throttle is None and self.options.rate is not None:
            throttle = Throttle(self.options.rate)
        self.throttle = throttle
        self.on_batch = on_batch
        #: the view was emptied by this run, and only this replay writes it: its items need
        #: not be loaded before they are first written
        self.view_empty = view_empty
        self.clock = clock
        self.sleep = sleep

    def run(
        self,
        cursor: ReplayCursor,
        stop: Callable[[], bool] = lambda: False,
        *,
        prepare: Callable[[], None] | None = None,
    ) -> bool:
        """Replay the cursor's lanes that are not done; True when every lane is done.

        The cursor is saved after every write but the last: when every lane is done, the
        caller saves it (with what it does next: a rebuild marks it finished). ``prepare``
        runs while the first round is read, before anything is written (a fresh rebuild
        empties the view there).
        """
        lanes = [lane for lane in cursor.lanes.values() if not lane.done]
        if not lanes:
            if prepare is not None:
                prepare()
            return True
        bound = self.aggregator.for_replay().bind(
            views=self.views, store=self.store, logger=self.log, skips=self.skips, attempts=3
        )
        workers = min(self.options.workers or MAX_WORKERS, len(lanes))
        limit = self.options.read_limit(workers)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rebuild")
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-round")

        def read_round(lanes: list[Lane], places: dict[str, Any], start: int) -> _Reading:
            arrivals: queue.SimpleQueue[_Read | None] = queue.SimpleQueue()
            future = ahead.submit(
                self._read_round, pool, workers, cursor, lanes, places, start, limit, arrivals
            )
            return _Reading(future, arrivals)

        #: where each lane's next read starts (ahead of the cursor while rounds are held)
        places = {lane.name: _place_of(lane) for lane in lanes}
        known = _KnownItems(complete=self.view_empty)
        held = _HeldFold(bound, known)
        reading: _Reading | None = None
        start = 0
        try:
            reading = read_round(lanes, dict(places), start)
            if prepare is not None:
                prepare()
            while True:
                if reading is None:
                    reading = read_round(lanes, dict(places), start)
                for read in reading.arrived():  # folded as they come, while the rest is read
                    if read.messages:
                        if self.throttle is not None:
                            self.throttle.acquire(len(read.messages))
                        held.add(read.messages)
                reads, start = reading.future.result()
                reading = None
                held.end_round(reads)
                places.update({read.lane.name: read.place for read in reads})
                done = {read.lane.name for read in reads if read.done}
                lanes = [lane for lane in lanes if lane.name not in done]
                came = any(read.messages for read in reads)
                stopping = stop()
                if lanes and came and not stopping:  # the next round, read meanwhile
                    reading = read_round(lanes, dict(places), start)
                if not lanes or stopping or held.full(self.options.write_limit):
                    held = self._write(bound, held, cursor, save=bool(lanes))
                if came or done:
                    self._tell(cursor, held)
                if not lanes:
                    return cursor.finished
                if stopping:
                    return False
                if reading is None and not came:
                    # caught up: wait for the settle window to pass ``until``
                    wait_for = cursor.until + self.store.settle_window - self.clock()
                    if wait_for > 0:
                        self.sleep(min(wait_for, 1.0))
        finally:
            if reading is not None:
                reading.future.cancel()
            ahead.shutdown(wait=True)
            pool.shutdown(wait=True)

    # -- reading -----------------------------------------------------------------------------

    def _read_round(
        self,
        pool: ThreadPoolExecutor,
        workers: int,
        cursor: ReplayCursor,
        lanes: list[Lane],
        places: dict[str, Any],
        start: int,
        limit: int,
        arrivals: queue.SimpleQueue[_Read | None],
    ) -> tuple[list[_Read], int]:
        """A round: the lanes from ``start`` on (round the list), ``workers`` reads in flight
        (each worker takes the next lane as soon as its read ends), until ``fold`` messages
        have come or every lane has been read once; what came, in the order the lanes were
        taken, and where the next round starts. Each read is also put in ``arrivals`` as it
        comes, and ``None`` after the last (also when a read failed: the result raises)."""
        first = start % len(lanes)
        order = lanes[first:] + lanes[:first]
        reads: list[_Read | None] = [None] * len(order)
        lock = threading.Lock()
        taken = came = 0
        failed = False

        def take() -> int | None:
            nonlocal taken
            with lock:
                if failed or taken >= len(order) or came >= self.options.round_limit:
                    return None
                taken += 1
                return taken - 1

        def work() -> None:
            # a worker goes on to the next lane itself (no hop through another thread)
            nonlocal came, failed
            while (index := take()) is not None:
                lane = order[index]
                try:
                    read = self._read(cursor, lane, places.get(lane.name), limit)
                except BaseException:
                    with lock:
                        failed = True
                    raise
                reads[index] = read
                with lock:
                    came += len(read.messages)
                arrivals.put(read)

        try:
            running = [pool.submit(work) for _ in range(min(workers, len(order)))]
            for worker in running:
                worker.result()
        finally:
            arrivals.put(None)
        return [read for read in reads if read is not None], first + taken

    def _read(self, cursor: ReplayCursor, lane: Lane, place: Any, limit: int) -> _Read:
        if lane.is_segment:
            assert lane.segment is not None
            assert lane.segments is not None
            start = (place[0], int(place[1])) if place else None
            page = self.store.scan_page(lane.segment, lane.segments, start, limit=limit)
            after = list(page.next_start) if page.next_start is not None else place
            return _Read(lane, page.messages, after, page.next_start is None)
        settled = self.clock() - self.store.settle_window >= cursor.until
        before = gp.floor(datetime.fromtimestamp(cursor.until, tz=UTC))
        assert lane.category is not None
        if lane.partition is not None:
            category_page = self.store.read_category_page(
                lane.category, lane.partition, place, before_global_position=before, limit=limit
            )
            messages, complete = category_page.messages, category_page.complete
        else:
            messages = [
                m
                for m in self.store.read_category(lane.category, place, max_messages=limit)
                if m.global_position <= before
            ]
            complete = len(messages) < limit
        after = messages[-1].global_position if messages else place
        return _Read(lane, messages, after, complete and settled)

    # -- folding -----------------------------------------------------------------------------

    def _write(
        self, bound: BoundAggregator[Any], held: _HeldFold, cursor: ReplayCursor, *, save: bool
    ) -> _HeldFold:
        """Write the held rounds, then move the cursor past them (saved when ``save``);
        what is held from then on."""
        if held.messages:
            self._save(bound, held)
        if held.messages or any(read.done for read in held.reads):
            self._advance(cursor, held.reads, save=save)
        return _HeldFold(bound, held.known)

    def _save(self, bound: BoundAggregator[Any], held: _HeldFold) -> None:
        """Write what the held rounds folded; when a fold failed or the write met another
        writer's, fold them again the plain way (items loaded anew, the messages merged in
        global order: idempotent, each message applied is skipped by its position)."""
        try:
            if held.write():
                return
        except ViewConflictError:
            self.log.info("a view item changed meanwhile; folding the held rounds again")
        held.known.forget()
        self._fold(bound, list(heapq.merge(*held.messages, key=lambda m: m.global_position)))

    def _fold(self, bound: BoundAggregator[Any], messages: list[StoredMessage]) -> None:
        """Apply a round; a conflict with another writer folds it again (idempotent)."""
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                bound.apply(messages)
            except ViewConflictError:
                if attempt == CONFLICT_ATTEMPTS:
                    raise
                self.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter
            else:
                return

    def _advance(self, cursor: ReplayCursor, reads: list[_Read], *, save: bool = True) -> None:
        """Move the cursor past ``reads`` (written), saved when ``save``."""
        _move(cursor, reads, self.clock())
        if save:
            self.cursors.save(cursor)

    def _tell(self, cursor: ReplayCursor, held: _HeldFold) -> None:
        """Tell ``on_batch`` the progress after a round: the cursor as it is saved once the
        held rounds are written (the rounds read and folded so far)."""
        if self.on_batch is None:
            return
        shown = cursor.copy()
        if held.reads:
            _move(shown, held.reads, self.clock())
        self.on_batch(shown)


def _move(cursor: ReplayCursor, reads: list[_Read], now: float) -> None:
    """Move ``cursor``'s lanes past ``reads``, in order."""
    replayed = 0
    for read in reads:
        lane = cursor.lanes[read.lane.name]
        if lane.is_segment:
            lane.start = read.place
        else:
            lane.after = read.place
        if read.messages and lane.first is None:
            lane.first = read.messages[0].global_position
        lane.replayed += len(read.messages)
        lane.done = read.done
        replayed += len(read.messages)
    cursor.run_replayed += replayed
    cursor.updated_at = now


def _place_of(lane: Lane) -> Any:
    """Where a lane's next read starts, by its cursor."""
    return lane.start if lane.is_segment else lane.after


def fresh_cursor(
    view: str,
    lanes: dict[str, Lane],
    *,
    until: float,
    options: ReplayOptions,
    now: float,
) -> ReplayCursor:
    """A new rebuild's cursor: nothing replayed, the view still to clear."""
    return ReplayCursor(
        view=view,
        lanes=lanes,
        until=until,
        started_at=now,
        updated_at=now,
        run_started_at=now,
        options=options.to_json(),
    )


def extended(cursor: ReplayCursor, until: float) -> ReplayCursor:
    """The cursor covering what was written before ``until`` too: its category lanes that
    had reached the old ``until`` go on from where they stopped."""
    if until <= cursor.until:
        return cursor
    lanes = {
        name: lane if lane.is_segment else replace(lane, done=False)
        for name, lane in cursor.lanes.items()
    }
    return replace(cursor, lanes=lanes, until=until)
