"""A rebuild's cursor — where each lane of a replay stands — where it is kept, and the
progress it tells (``message_store.replay`` moves it on).

The cursor is saved after every round of a replay, on the condition that no other runner
has claimed the rebuild since (``CursorStore.save``); a runner claims an invocation by its
number (``claim``), so that a function handing its cursor on to its next invocation, or an
operator resuming, never runs beside another.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from . import aws
from . import global_position as gp
from .aws import error_code
from .errors import InvalidArgumentError, MessageStoreUnavailableError

#: A lane's states in the cursor; the rebuild's own.
RUNNING, INTERRUPTED, FINISHED = "running", "interrupted", "finished"
#: What a fresh rebuild does first, then second.
CLEARING, REPLAYING = "clearing", "replaying"


class ReplayError(Exception):
    """A replay cannot start or go on (the reason in the message)."""


class ReplaySupersededError(ReplayError):
    """Another runner claimed the rebuild since this one did: this one stops, changing nothing."""


# -- the cursor ------------------------------------------------------------------------------


@dataclass
class Lane:
    """One part of a replay, read and folded in order: a partition, a category or a segment."""

    name: str
    category: str | None = None
    #: the category index's partition (``None``: every partition of the category, merged)
    partition: int | None = None
    #: the scan's segment, of ``segments`` (an aggregator of every message)
    segment: int | None = None
    segments: int | None = None
    #: the last global position applied (partitions, categories)
    after: str | None = None
    #: the key the scan goes on after, ``[stream name, position]`` (segments)
    start: list[Any] | None = None
    replayed: int = 0
    done: bool = False
    #: the first global position replayed (for the progress estimate by time)
    first: str | None = None

    @property
    def is_segment(self) -> bool:
        """Whether the lane is a segment of a scan (else a category's partition or all)."""
        return self.segment is not None


def partition_lanes(categories: tuple[str, ...], partitions: int) -> dict[str, Lane]:
    """One lane per partition of each category's index: ``viewing#0`` … ``viewing#{P-1}``."""
    return {
        f"{category}#{n}": Lane(f"{category}#{n}", category=category, partition=n)
        for category in categories
        for n in range(partitions)
    }


def category_lanes(categories: tuple[str, ...]) -> dict[str, Lane]:
    """One lane per category, its partitions merged in global order."""
    return {category: Lane(category, category=category) for category in categories}


def segment_lanes(segments: int) -> dict[str, Lane]:
    """One lane per segment of a parallel scan of the table."""
    return {
        f"segment {n}/{segments}": Lane(f"segment {n}/{segments}", segment=n, segments=segments)
        for n in range(segments)
    }


@dataclass
class ReplayCursor:
    """Where a view's rebuild stands: its lanes, what it covers, who runs it, its counts."""

    view: str
    lanes: dict[str, Lane]
    #: epoch seconds: the replay covers what was written before this moment
    until: float
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: str = RUNNING
    #: ``clearing`` (the view is being emptied) or ``replaying``
    phase: str = CLEARING
    #: each runner (a command, a function's invocation) claims the next number
    invocation: int = 1
    started_at: float = 0.0
    updated_at: float = 0.0
    #: when this invocation began, and what it replayed (its rate)
    run_started_at: float = 0.0
    run_replayed: int = 0
    deleted: int = 0
    #: an estimate of the messages to replay, and where it comes from (``None``: no estimate)
    estimate: int | None = None
    estimate_source: str | None = None
    error: str | None = None
    #: how it runs (a continuation runs as its first invocation did)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def replayed(self) -> int:
        """Messages replayed in all (every lane, every invocation)."""
        return sum(lane.replayed for lane in self.lanes.values())

    @property
    def finished(self) -> bool:
        """Whether every lane is done."""
        return all(lane.done for lane in self.lanes.values())

    def replayed_by_category(self) -> dict[str, int]:
        """Messages replayed per category (``*`` for every category, scanned)."""
        counts: dict[str, int] = {}
        for lane in self.lanes.values():
            key = lane.category or "*"
            counts[key] = counts.get(key, 0) + lane.replayed
        return counts

    def to_json(self) -> str:
        """The cursor as JSON (what is stored)."""
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ReplayCursor:
        """A cursor from its stored JSON."""
        values = json.loads(text)
        values["lanes"] = {name: Lane(**lane) for name, lane in values["lanes"].items()}
        return cls(**values)

    def copy(self) -> ReplayCursor:
        """A deep copy (what a save writes, taken under the replay's lock)."""
        return ReplayCursor.from_json(self.to_json())


# -- where cursors are kept ------------------------------------------------------------------


class CursorStore(Protocol):
    """Where rebuild cursors are kept, one per view."""

    def load(self, view: str) -> ReplayCursor | None:
        """The view's cursor (strongly consistent), or ``None``."""
        ...

    def start(self, cursor: ReplayCursor) -> None:
        """Keep a fresh cursor, replacing any other (a fresh rebuild)."""
        ...

    def claim(self, cursor: ReplayCursor, *, retry_of_interrupted: bool = False) -> bool:
        """Claim invocation ``cursor.invocation`` of run ``cursor.run_id`` (the stored one
        must be the one before it, or, with ``retry_of_interrupted``, this very one left
        interrupted) and save the cursor; False when the stored cursor says otherwise."""
        ...

    def save(self, cursor: ReplayCursor) -> None:
        """Save the cursor, unless another runner claimed the rebuild since
        (``ReplaySupersededError``)."""
        ...


class InMemoryCursors:
    """Cursors in this process only (a rebuild that need not survive it; tests)."""

    def __init__(self) -> None:
        self._cursors: dict[str, str] = {}
        self._lock = threading.Lock()

    def load(self, view: str) -> ReplayCursor | None:
        """The view's cursor, or ``None``."""
        with self._lock:
            text = self._cursors.get(view)
        return ReplayCursor.from_json(text) if text is not None else None

    def start(self, cursor: ReplayCursor) -> None:
        """Keep a fresh cursor."""
        with self._lock:
            self._cursors[cursor.view] = cursor.to_json()

    def claim(self, cursor: ReplayCursor, *, retry_of_interrupted: bool = False) -> bool:
        """Claim the cursor's invocation (see ``CursorStore.claim``)."""
        with self._lock:
            text = self._cursors.get(cursor.view)
            stored = ReplayCursor.from_json(text) if text is not None else None
            if not _claimable(stored, cursor, retry_of_interrupted):
                return False
            self._cursors[cursor.view] = cursor.to_json()
            return True

    def save(self, cursor: ReplayCursor) -> None:
        """Save the cursor unless superseded."""
        with self._lock:
            text = self._cursors.get(cursor.view)
            stored = ReplayCursor.from_json(text) if text is not None else None
            if stored is None or (stored.run_id, stored.invocation) != (
                cursor.run_id,
                cursor.invocation,
            ):
                raise ReplaySupersededError(f"the rebuild of {cursor.view} was claimed by another")
            self._cursors[cursor.view] = cursor.to_json()


def _claimable(
    stored: ReplayCursor | None, cursor: ReplayCursor, retry_of_interrupted: bool
) -> bool:
    if stored is None or stored.run_id != cursor.run_id:
        return False
    if stored.invocation == cursor.invocation - 1:
        return True
    return (
        retry_of_interrupted
        and stored.invocation == cursor.invocation
        and stored.status == INTERRUPTED
    )


#: The cursor items' key prefix in the consumer-progress table (consumers' items are named
#: by the consumer alone, so these never meet them).
CURSOR_PREFIX = "rebuild:"


class RebuildCursorTable:
    """Rebuild cursors as items of the consumer-progress table, keyed ``rebuild:{view}``.

    The item holds the cursor as JSON and, beside it, what a condition or an operator's
    glance needs: ``runId``, ``invocation``, ``status``, ``updatedAt``.
    """

    def __init__(self, table_name: str, *, client: Any | None = None) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise InvalidArgumentError("table_name must be a non-empty string")
        self.table_name = table_name
        self._client = client

    client = aws.LazyClient("dynamodb")

    def load(self, view: str) -> ReplayCursor | None:
        """The view's cursor (strongly consistent), or ``None``."""
        try:
            item = self.client.get_item(
                TableName=self.table_name,
                Key={"consumer": {"S": CURSOR_PREFIX + view}},
                ConsistentRead=True,
            ).get("Item")
        except Exception as exc:
            raise _unavailable(self.table_name, exc) from exc
        return ReplayCursor.from_json(item["cursor"]["S"]) if item else None

    def start(self, cursor: ReplayCursor) -> None:
        """Keep a fresh cursor (replacing the view's previous one)."""
        self._put(cursor, None)

    def claim(self, cursor: ReplayCursor, *, retry_of_interrupted: bool = False) -> bool:
        """Claim the cursor's invocation (see ``CursorStore.claim``)."""
        condition = "runId = :run AND invocation = :previous"
        values = {
            ":run": {"S": cursor.run_id},
            ":previous": {"N": str(cursor.invocation - 1)},
        }
        if retry_of_interrupted:
            condition = (
                "runId = :run AND (invocation = :previous OR "
                "(invocation = :this AND #status = :interrupted))"
            )
            values.update(
                {":this": {"N": str(cursor.invocation)}, ":interrupted": {"S": INTERRUPTED}}
            )
        try:
            self._put(cursor, (condition, values))
        except ReplaySupersededError:
            return False
        return True

    def save(self, cursor: ReplayCursor) -> None:
        """Save the cursor unless another runner claimed the rebuild since."""
        condition = "runId = :run AND invocation = :this"
        values = {":run": {"S": cursor.run_id}, ":this": {"N": str(cursor.invocation)}}
        self._put(cursor, (condition, values))

    def _put(self, cursor: ReplayCursor, condition: tuple[str, dict[str, Any]] | None) -> None:
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {
                "consumer": {"S": CURSOR_PREFIX + cursor.view},
                "runId": {"S": cursor.run_id},
                "invocation": {"N": str(cursor.invocation)},
                "status": {"S": cursor.status},
                "updatedAt": {"S": _iso(cursor.updated_at)},
                "cursor": {"S": cursor.to_json()},
            },
        }
        if condition is not None:
            expression, values = condition
            request["ConditionExpression"] = expression
            request["ExpressionAttributeValues"] = values
            if "#status" in expression:
                request["ExpressionAttributeNames"] = {"#status": "status"}
        try:
            self.client.put_item(**request)
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ReplaySupersededError(
                    f"the rebuild of {cursor.view} was claimed by another runner"
                ) from exc
            raise _unavailable(self.table_name, exc) from exc


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")


def _unavailable(table: str, exc: Exception) -> MessageStoreUnavailableError:
    return MessageStoreUnavailableError(f"{table}: {error_code(exc) or exc}")


# -- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What a rebuild has done, for a progress bar, a log line or ``--status``."""

    view: str
    status: str
    phase: str
    replayed: int
    lanes: int
    lanes_done: int
    #: messages a second in the current invocation
    rate: float
    #: the part done (0…1), and what it is measured against (``None``: unknown yet)
    fraction: float | None
    basis: str | None
    #: seconds left at the current rate (``None``: unknown)
    eta: float | None
    estimate: int | None
    per_lane: dict[str, int]
    invocation: int
    updated_at: float
    error: str | None


def progress_of(cursor: ReplayCursor, now: float) -> Progress:
    """The cursor's progress: counts, rate, the part done and the time left when known.

    The part done is the count replayed against an estimate of the total when there is one
    (``cursor.estimate``); else, for the index's lanes, the time each lane's cursor has
    covered of the stretch from its first message to ``until`` (global positions are
    times), weighted by what each lane has replayed; else unknown.
    """
    replayed = cursor.replayed
    lanes = list(cursor.lanes.values())
    elapsed = max(now - cursor.run_started_at, 1e-6)
    rate = cursor.run_replayed / elapsed if cursor.run_started_at else 0.0
    fraction: float | None = None
    basis: str | None = None
    if cursor.finished and cursor.phase == REPLAYING:
        fraction, basis = 1.0, "done"
    elif cursor.estimate:
        fraction, basis = min(replayed / cursor.estimate, 0.99), cursor.estimate_source
    else:
        fraction = _fraction_by_time(lanes, cursor.until)
        basis = "time" if fraction is not None else None
    eta = None
    if fraction is not None and 0 < fraction < 1 and rate > 0:
        eta = (replayed / fraction - replayed) / rate
    return Progress(
        view=cursor.view,
        status=cursor.status,
        phase=cursor.phase,
        replayed=replayed,
        lanes=len(lanes),
        lanes_done=sum(lane.done for lane in lanes),
        rate=rate,
        fraction=fraction,
        basis=basis,
        eta=eta,
        estimate=cursor.estimate,
        per_lane={lane.name: lane.replayed for lane in lanes},
        invocation=cursor.invocation,
        updated_at=cursor.updated_at,
        error=cursor.error,
    )


def _fraction_by_time(lanes: list[Lane], until: float) -> float | None:
    expected = 0.0
    for lane in lanes:
        if lane.done:
            expected += lane.replayed
            continue
        if lane.is_segment or lane.first is None or lane.after is None:
            return None
        first = gp.time_of(lane.first).timestamp()
        covered = gp.time_of(lane.after).timestamp() - first
        span = until - first
        if span <= 0 or covered <= 0:
            return None
        expected += lane.replayed / min(covered / span, 1.0)
    if expected <= 0:
        return None
    return min(sum(lane.replayed for lane in lanes) / expected, 0.99)
