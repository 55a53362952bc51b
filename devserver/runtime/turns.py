"""Whose turn at the process's world: what a waiting page waits for first, then the page.

Lambda runs invocations side by side; here one runs at a time (``sandbox.WORLD_LOCK``). A
plain lock hands the world to whichever thread the scheduler picks, so a page waiting for
its user's write (read your writes: it reads a view item, sleeps, reads again) would queue
behind every consumer the write woke, even those whose views it never reads: a viewing
wakes four aggregators and the home page needs one. So the world goes, among those
waiting for it:

1. to an invocation of a function that has written a table some invocation waited on —
   read last before a sleep — now or earlier in the run (the aggregator the page waits
   for: a page back from its sleep would only read the view before it is written; once a
   page has waited on a view, its writer goes first, so that the next page finds the view
   current without waiting at all);
2. to an invocation coming back from a sleep (a page whose view may have caught up);
3. to a request someone waits for the answer of (the gateway's: a user's page);
4. to an invocation of a function that has fed a source of event source mappings —
   written a table whose stream they read, sent to a queue, published to a topic: a
   component or the relay, a step on the way to the views pages wait on;
5. to the others (the aggregators nobody waits on), in the order they asked.

A sleep is cut short when the table it waits on is written (``pause``, with
``wake_sleepers``: the devserver's default, off at AWS's cadence): the page reads its view
right after the aggregator's write, before the aggregators it does not read run.

What each function writes and what sleepers wait on is learned from the requests functions
make (``TableUse.observe``, fed by ``aws_requests``). A holder hands the world straight to
the one chosen, so nobody jumps the queue between a release and the next acquire.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: ranks: lower goes first
AWAITED = 0
RETURNING = 1
REQUEST = 2
FEEDING = 3
IN_TURN = 4

_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
#: what feeds an event source mapping besides a table's writes (``Queues``' relay and SQS)
_FEEDS = frozenset(
    {
        ("sns", "Publish"),
        ("sns", "PublishBatch"),
        ("sqs", "SendMessage"),
        ("sqs", "SendMessageBatch"),
    }
)


def tables_of(operation: str, params: Mapping[str, Any]) -> list[str]:
    """The tables a DynamoDB request names (``[]`` for requests that name none)."""
    if "TableName" in params:
        return [str(params["TableName"])]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [str(name) for name in params.get("RequestItems") or {}]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            str(action["TableName"])
            for item in params.get("TransactItems") or []
            for action in item.values()
            if isinstance(action, Mapping) and "TableName" in action
        ]
    return []


@dataclass(frozen=True)
class Awaiting:
    """What a sleeping invocation waits on: the table it read last (None: none), and how
    many writes to it had been seen when it went to sleep."""

    table: str | None
    writes: int


class TableUse:
    """Which tables each function has written, and which ones invocations have waited on."""

    def __init__(self, *, wake_sleepers: bool = False) -> None:
        #: the tables whose streams event source mappings read (the devserver says)
        self.sources: frozenset[str] = frozenset()
        #: cut a sleep short when the table it waits on is written (``pause``)
        self.wake_sleepers = wake_sleepers
        self._written: dict[str, set[str]] = defaultdict(set)
        self._feeders: set[str] = set()
        self._awaited: set[str] = set()
        self._last_read = threading.local()
        self._lock = threading.Lock()
        #: successful writes to awaited tables, counted; sleepers wait on the condition
        self._writes_to: dict[str, int] = defaultdict(int)
        self._write_seen = threading.Condition()

    def observe(
        self,
        function_id: str,
        service: str,
        operation: str,
        params: Any,
        *,
        succeeded: bool = True,
    ) -> None:
        """A request a function made (on the invocation's thread); ``succeeded``: it was
        answered without an error (a write that failed wakes no sleeper)."""
        if (service, operation) in _FEEDS:
            self._feeders.add(function_id)
        if service != "dynamodb":
            return
        if operation in _READS:
            tables = tables_of(operation, params)
            self._last_read.table = tables[0] if len(tables) == 1 else None
        elif operation in _WRITES:
            tables = tables_of(operation, params)
            if tables and not self._written[function_id].issuperset(tables):
                with self._lock:
                    self._written[function_id].update(tables)
            if succeeded and self._awaited and not self._awaited.isdisjoint(tables):
                with self._write_seen:
                    for table in tables:
                        self._writes_to[table] += 1
                    self._write_seen.notify_all()

    def sleeping(self) -> Awaiting:
        """This thread's invocation goes to sleep: the table it read last is awaited.

        Called while it still holds the world (nobody can write meanwhile); what it returns
        is what ``pause`` waits for."""
        table = getattr(self._last_read, "table", None)
        if table is not None and table not in self._awaited:
            with self._lock:
                self._awaited.add(table)
        with self._write_seen:
            return Awaiting(table, self._writes_to[table] if table is not None else 0)

    def pause(self, awaiting: Awaiting, seconds: float, sleep: Callable[[float], None]) -> None:
        """Sleep ``seconds`` (with ``sleep``), or, with ``wake_sleepers``, until the awaited
        table has been written since the invocation went to sleep, if sooner."""
        if not self.wake_sleepers or awaiting.table is None:
            sleep(seconds)
            return
        until = time.monotonic() + seconds
        with self._write_seen:
            while self._writes_to[awaiting.table] == awaiting.writes:
                remaining = until - time.monotonic()
                if remaining <= 0:
                    return
                self._write_seen.wait(remaining)

    def rank(self, function_id: str, *, request: bool = False) -> int:
        """``AWAITED`` if the function has written a table an invocation waited on, else
        ``REQUEST`` for a ``request``, ``FEEDING`` for a function that has fed a mapping's
        source, ``IN_TURN`` for the others."""
        with self._lock:
            written = self._written[function_id]
            if self._awaited and not written.isdisjoint(self._awaited):
                return AWAITED
            if request:
                return REQUEST
            if function_id in self._feeders or not written.isdisjoint(self.sources):
                return FEEDING
        return IN_TURN


class _Ticket:
    __slots__ = ("granted", "number", "rank")

    def __init__(self, number: int, rank: Callable[[], int]) -> None:
        self.number = number
        self.rank = rank
        self.granted = False


class WorldLock:
    """A lock handed over by rank (evaluated when it is handed), then in order of asking.

    ``with lock:`` asks in turn; ``acquire(rank=…)`` with a rank of its own."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._held = False
        self._waiting: list[_Ticket] = []
        self._numbers = itertools.count()

    def acquire(self, blocking: bool = True, *, rank: Callable[[], int] | None = None) -> bool:
        """Take the world (wait for one's turn unless ``blocking`` is false)."""
        with self._condition:
            if not self._held and not self._waiting:
                self._held = True
                return True
            if not blocking:
                return False
            ticket = _Ticket(next(self._numbers), rank or _in_turn)
            self._waiting.append(ticket)
            try:
                while not ticket.granted:
                    self._condition.wait()
            except BaseException:  # interrupted while waiting: never strand the world
                if ticket.granted:
                    self._hand_on()
                else:
                    self._waiting.remove(ticket)
                raise
            return True

    def release(self) -> None:
        """Hand the world to the first waiting by rank, or let it go."""
        with self._condition:
            if not self._held:
                raise RuntimeError("release of a world lock not held")
            self._hand_on()

    def _hand_on(self) -> None:
        """(The condition held.) The world to the first waiting by rank, or free."""
        if not self._waiting:
            self._held = False
            return
        chosen = min(self._waiting, key=_order)
        self._waiting.remove(chosen)
        chosen.granted = True  # held still: handed over
        self._condition.notify_all()

    def locked(self) -> bool:
        """Whether someone holds the world."""
        return self._held

    @contextlib.contextmanager
    def held(self, rank: Callable[[], int]) -> Iterator[None]:
        """The world held for the block, asked for with ``rank``."""
        self.acquire(rank=rank)
        try:
            yield
        finally:
            self.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _in_turn() -> int:
    return IN_TURN


def _returning() -> int:
    return RETURNING


def _order(ticket: _Ticket) -> tuple[int, int]:
    try:
        rank = ticket.rank()
    except Exception:  # a rank must never leave the world unhanded
        rank = IN_TURN
    return rank, ticket.number


def returning() -> Callable[[], int]:
    """The rank of an invocation coming back from a sleep."""
    return _returning
