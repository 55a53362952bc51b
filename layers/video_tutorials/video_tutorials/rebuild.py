"""Drop a view and rebuild it from the message store: ``python -m video_tutorials.rebuild``.

The view's aggregator replays the categories it declares from the store (``message_store.
replay``: the category index's partitions read side by side and folded together in rounds,
resumable from a cursor kept in the consumer-progress table as ``rebuild:{view}``, throttled
on request). Its live consumer is
**paused** meanwhile (its event source mappings disabled, ``MappingSwitch``), and enabled
only once the replay has finished:

- clearing the view while the consumer runs would let it add to a fresh total what the
  replay then counts again (the home page's total counted 32 for 31 viewings);
- aggregators key some items by something other than the stream's id (admin-users by the
  viewer of a viewing, video-operations by the trace) and fill no gap for those: a live
  consumer running ahead during the replay would apply a stream's newer message first, and
  the replay's older ones would then look like duplicates and be skipped.

Messages written meanwhile wait in the stream (24 hours) or the queue and are applied when
the consumer resumes; those the replay applied too are skipped then (each item keeps the
positions it applied). The replay covers what was written before the pause (and, resumed,
before the resumption), up to the store's settle window.

An interrupted rebuild (an error, Ctrl-C) leaves the consumer paused, says so, and is
continued with ``--resume``, which neither clears the view nor replays what its cursor has
passed. Run as a function (``RebuildFunction``), a rebuild stops before the 15-minute limit,
saves its cursor and invokes itself again to go on (``handle_invocation``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from message_store import MessageStore
from message_store.aggregator import Aggregator
from message_store.replay import (
    Replay,
    ReplayOptions,
    Throttle,
    extended,
    fresh_cursor,
    lanes_for,
)
from message_store.replay_cursor import (
    CLEARING,
    FINISHED,
    INTERRUPTED,
    REPLAYING,
    RUNNING,
    CursorStore,
    InMemoryCursors,
    Progress,
    RebuildCursorTable,
    ReplayCursor,
    ReplaySupersededError,
    progress_of,
)
from message_store.skips import SkippedMessagesTable, SkipRecorder
from message_store.views import DynamoViewRepository

from . import stack as stacks
from .consumers import aggregators, function_id, view_table_ids
from .mappings import MappingSwitch
from .stack import Stack

#: A function's invocation stops this long before its timeout, or a quarter of its time when
#: that is less: the lanes finish their batch and the cursor is saved in it.
HANDOFF_MARGIN_SECONDS = 60.0
#: A rebuild whose cursor has not moved for this long is not running any more (longer than
#: the function's 15-minute limit): it may be resumed or started again without ``--force``.
STALE_SECONDS = 16 * 60.0
#: The admin-streams view's message counts are summed for an estimate only up to this many
#: streams (one small item each); beyond, the progress is estimated by time.
ESTIMATE_MAX_STREAMS = 10_000
#: What the superseded runner reports (another one claimed the rebuild).
SUPERSEDED = "superseded"


class RebuildError(Exception):
    """A rebuild cannot start or go on (the reason and what to do in the message)."""


class RebuildInterruptedError(RebuildError):
    """A rebuild stopped before it finished: its consumer stays paused until it is resumed."""

    def __init__(self, view: str, reason: str) -> None:
        self.view = view
        self.reason = reason
        super().__init__(
            f"the rebuild of {view} stopped: {reason}. Its live consumer stays paused. "
            f"Resume it: make rebuild VIEW={view} ARGS=--resume "
            f"(or python -m video_tutorials.rebuild {view} --resume)"
        )


class Pause(Protocol):
    """How the live consumer is kept from running: paused, then resumed at the very end."""

    def pause(self) -> None:
        """Stop the live consumer (it stays stopped until ``resume``)."""
        ...

    def resume(self) -> None:
        """Let the live consumer run again."""
        ...


class ConsumerPause:
    """The live consumer's event source mappings disabled through Lambda's API.

    ``drain_seconds``: after disabling a mapping that was running, wait this long for an
    invocation it had started (the function's timeout)."""

    def __init__(self, switch: MappingSwitch, drain_seconds: float = 10.0) -> None:
        self.switch = switch
        self.drain_seconds = drain_seconds

    def pause(self) -> None:
        """Disable the consumer's mappings (and let a running invocation finish)."""
        self.switch.pause(self.drain_seconds)

    def resume(self) -> None:
        """Enable them again."""
        self.switch.resume()


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild (or one invocation of it) did."""

    view: str
    #: ``finished``, ``running`` (stopped at a deadline: a continuation goes on), ``superseded``
    status: str
    deleted: int
    #: messages replayed per category (``*``: every category, scanned), all invocations
    replayed: dict[str, int]
    run_id: str
    invocation: int
    #: messages replayed by this invocation, and its rate
    run_replayed: int = 0
    rate: float = 0.0

    @property
    def total(self) -> int:
        """Messages replayed in all."""
        return sum(self.replayed.values())

    @property
    def finished(self) -> bool:
        """Whether the view is rebuilt and its consumer running again."""
        return self.status == FINISHED

    def summary(self) -> dict[str, Any]:
        """As the function returns it (JSON)."""
        return {
            "view": self.view,
            "status": self.status,
            "deleted": self.deleted,
            "replayed": self.replayed,
            "total": self.total,
            "runId": self.run_id,
            "invocation": self.invocation,
            "runReplayed": self.run_replayed,
            "rate": round(self.rate, 1),
        }


def rebuild(
    aggregator: Aggregator[Any],
    store: MessageStore,
    views: Any,
    *,
    pause: Pause | None,
    resume: bool = False,
    cursors: CursorStore | None = None,
    options: ReplayOptions | None = None,
    skips: SkipRecorder | None = None,
    logger: Any = None,
    stop: Callable[[], bool] | None = None,
    on_batch: Callable[[ReplayCursor], None] | None = None,
    estimate: Callable[[], tuple[int, str] | None] | None = None,
    continuation: tuple[str, int] | None = None,
    force: bool = False,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> RebuildResult:
    """Rebuild ``views`` from the store: pause the live consumer, empty the view, replay what
    the aggregator reads, resume the consumer.

    ``pause`` keeps the live consumer from running (``None`` only when it is known not to
    run: not deployed yet, or stopped by hand). ``resume``: go on from the view's cursor in
    ``cursors`` instead (the view is not emptied again); ``continuation`` (run id, the
    invocation to claim): a function's next invocation of the same run. ``stop()`` ends the
    replay early (a deadline: the result is ``running``, its cursor saved). ``force``:
    start or resume even though the cursor says another runner is at work.

    Raises ``RebuildInterruptedError`` when the replay fails or is interrupted (the cursor
    says where it stopped, the consumer stays paused), ``RebuildError`` when it cannot start.
    """
    view = aggregator.name
    if isinstance(views, DynamoViewRepository):  # not what only live readers wait on
        views = views.for_replay()
    log = logger or logging.getLogger("rebuild")
    cursors = cursors if cursors is not None else InMemoryCursors()
    now = clock()
    stored = cursors.load(view)
    if continuation is not None:
        run_id, invocation = continuation
        if stored is None or stored.run_id != run_id or stored.status == FINISHED:
            return _superseded(view, stored, run_id, invocation)
        cursor = _next_run(stored, invocation, now)
        if not cursors.claim(cursor, retry_of_interrupted=True):
            return _superseded(view, stored, run_id, invocation)
    elif resume:
        if stored is None:
            raise RebuildError(f"there is no rebuild of {view} to resume (start one: no --resume)")
        if stored.status == FINISHED:
            raise RebuildError(
                f"the rebuild of {view} finished: nothing to resume (start one: no --resume)"
            )
        _refuse_if_running(stored, now, force)
        if pause is not None:
            pause.pause()
        cursor = _next_run(stored, stored.invocation + 1, clock())
        if options is not None:
            cursor.options = options.to_json()
        cursor = extended(cursor, clock())
        if not cursors.claim(cursor):
            raise RebuildError(f"another runner claimed the rebuild of {view} meanwhile")
    else:
        if stored is not None:
            _refuse_if_running(stored, now, force)
        options = options or ReplayOptions()
        if pause is not None:
            pause.pause()
        until = clock()
        cursor = fresh_cursor(
            view, lanes_for(aggregator, store, options), until=until, options=options, now=until
        )
        if estimate is not None:
            found = estimate()
            if found is not None:
                cursor.estimate, cursor.estimate_source = found
        cursors.start(cursor)
    run_options = ReplayOptions.from_json(cursor.options)
    cleared = cursor.phase == CLEARING

    def clear() -> None:
        # while the first round is read; the phase is saved with that round's cursor (a
        # crash before it clears again: nothing of the replay was written yet, or, if it
        # was, it is replayed again)
        cursor.deleted = views.clear()
        cursor.phase = REPLAYING

    try:
        replay = Replay(
            aggregator,
            store,
            views,
            cursors,
            options=run_options,
            skips=skips,
            logger=log,
            throttle=(
                Throttle(run_options.rate, clock=clock, sleep=sleep) if run_options.rate else None
            ),
            on_batch=on_batch,
            view_empty=cleared,
            clock=clock,
            sleep=sleep,
        )
        finished = replay.run(cursor, stop or (lambda: False), prepare=clear if cleared else None)
        if finished:
            if pause is not None:
                pause.resume()
            cursor.status = FINISHED
        cursor.updated_at = clock()
        cursors.save(cursor)
    except ReplaySupersededError:
        log.warning("another runner claimed the rebuild of %s: this one stops", view)
        return _result(cursor, SUPERSEDED, clock())
    except BaseException as exc:
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else _describe(exc)
        cursor.status = INTERRUPTED
        cursor.error = reason
        cursor.updated_at = clock()
        try:
            cursors.save(cursor)
        except Exception:  # the cursor of the last batch applied is saved already
            log.warning("could not record that the rebuild of %s stopped", view, exc_info=True)
        raise RebuildInterruptedError(view, reason) from exc
    return _result(cursor, cursor.status, clock())


def _next_run(stored: ReplayCursor, invocation: int, now: float) -> ReplayCursor:
    return replace(
        stored,
        invocation=invocation,
        status=RUNNING,
        error=None,
        run_started_at=now,
        run_replayed=0,
        updated_at=now,
    )


def _refuse_if_running(stored: ReplayCursor, now: float, force: bool) -> None:
    if stored.status != RUNNING or force:
        return
    idle = now - stored.updated_at
    if idle < STALE_SECONDS:
        raise RebuildError(
            f"a rebuild of {stored.view} is running (invocation {stored.invocation}, its cursor "
            f"saved {idle:.0f} s ago): wait for it (--status), or --force if it is not"
        )


def _superseded(
    view: str, stored: ReplayCursor | None, run_id: str, invocation: int
) -> RebuildResult:
    return RebuildResult(
        view=view,
        status=SUPERSEDED,
        deleted=stored.deleted if stored else 0,
        replayed=stored.replayed_by_category() if stored else {},
        run_id=run_id,
        invocation=invocation,
    )


def _result(cursor: ReplayCursor, status: str, now: float) -> RebuildResult:
    return RebuildResult(
        view=cursor.view,
        status=status,
        deleted=cursor.deleted,
        replayed=cursor.replayed_by_category(),
        run_id=cursor.run_id,
        invocation=cursor.invocation,
        run_replayed=cursor.run_replayed,
        rate=progress_of(cursor, now).rate,
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


# -- a deployment's views: what the command and the function share ---------------------------


class RebuildRequest(BaseModel):
    """What the rebuild function is invoked with (and what the command sends it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    view: str = Field(min_length=1)
    resume: bool = False
    force: bool = False
    #: a continuation: the run it goes on with and the invocation it is (set by the function)
    run_id: str | None = None
    invocation: int | None = Field(default=None, ge=2)
    workers: int | None = Field(default=None, ge=1, le=64)
    batch: int | None = Field(default=None, ge=1, le=10_000)
    rate: float | None = Field(default=None, gt=0)
    fold: int | None = Field(default=None, ge=1, le=100_000)
    write_every: int | None = Field(default=None, ge=1, le=1_000_000)
    merged: bool = False
    #: at most this long per invocation (default: until the margin before its timeout)
    max_seconds: float | None = Field(default=None, gt=0, le=900)
    drain_seconds: float = Field(default=10.0, ge=0, le=900)
    #: the live consumer is not deployed or is stopped by hand: do not pause it
    consumer_stopped: bool = False

    def options(self) -> ReplayOptions | None:
        """The replay's options, when the request sets any."""
        sizes = {"fold": self.fold, "write_every": self.write_every}
        if (self.workers, self.batch, self.rate, *sizes.values()) == (None,) * 5 and not (
            self.merged
        ):
            return None
        return ReplayOptions(
            workers=self.workers,
            batch=self.batch,
            rate=self.rate,
            merged=self.merged,
            **{name: value for name, value in sizes.items() if value is not None},
        )


class Rebuilds:
    """The views of one deployment (a ``Stack``) and how to rebuild each."""

    def __init__(self, stack: Stack, *, logger: Any = None) -> None:
        self.stack = stack
        self.log = logger or logging.getLogger("rebuild")

    @staticmethod
    def views() -> list[str]:
        """The views that can be rebuilt (every aggregator with a view repository)."""
        return sorted(name for name, a in aggregators().items() if a.views is not None)

    def aggregator(self, view: str) -> Aggregator[Any]:
        """The view's aggregator (``RebuildError`` naming the views when it is none)."""
        found = aggregators().get(view)
        if found is None or found.views is None:
            raise RebuildError(f"no view {view!r}: one of {', '.join(self.views())}")
        return found

    def store(self) -> MessageStore:
        """The deployment's message store."""
        return MessageStore(
            self.stack.physical_id("MessageStoreTable"),
            client=self.stack.client("dynamodb"),
            # the deployment's, which a tool's environment need not know (its lanes are the
            # partitions: a wrong count would leave some unread)
            category_partitions=self.stack.category_partitions(),
        )

    def view_repository(self, aggregator: Aggregator[Any]) -> Any:
        """The aggregator's view repository on the deployment's tables."""
        assert aggregator.views is not None
        tables = (self.stack.physical_id(t) for t in view_table_ids(aggregator))
        return aggregator.views(*tables, client=self.stack.client("dynamodb"))

    def cursors(self) -> RebuildCursorTable:
        """Where the deployment's rebuild cursors are kept."""
        return RebuildCursorTable(
            self.stack.physical_id("ConsumerProgressTable"), client=self.stack.client("dynamodb")
        )

    def pause(self, aggregator: Aggregator[Any], drain_seconds: float) -> ConsumerPause:
        """The aggregator's live consumer, paused through Lambda's API."""
        switch = MappingSwitch(
            self.stack.physical_id(function_id(aggregator)), client=self.stack.client("lambda")
        )
        return ConsumerPause(switch, drain_seconds)

    def estimate(self, aggregator: Aggregator[Any]) -> tuple[int, str] | None:
        """An estimate of the messages to replay, when it is cheap to get; else ``None``.

        Every message (admin-streams): the table's item count, which DynamoDB refreshes
        about every six hours. A view of some categories: the admin-streams view's message
        counts of those categories' streams, when they are at most ``ESTIMATE_MAX_STREAMS``
        (one small item each). The estimate guides the progress bar only.
        """
        try:
            if aggregator.declaration.reads_everything:
                table = self.stack.client("dynamodb").describe_table(
                    TableName=self.stack.physical_id("MessageStoreTable")
                )["Table"]
                return int(table.get("ItemCount", 0)), "the table's item count (6-hourly)"
            if not self.stack.has("AdminStreamsViewTable") or aggregator.name == "admin-streams":
                return None
            from .views.admin_streams import AdminStreamsViews

            admin = AdminStreamsViews(
                self.stack.physical_id("AdminStreamsViewTable"),
                self.stack.physical_id("AdminCategoriesViewTable"),
                client=self.stack.client("dynamodb"),
            )
            categories = aggregator.declaration.categories
            streams = sum(c.streams for c in admin.categories() if c.category in categories)
            if not 0 < streams <= ESTIMATE_MAX_STREAMS:
                return None
            total = sum(admin.messages_in(category) for category in categories)
            return (total, "the admin-streams view") if total else None
        except Exception:  # an estimate is a nicety: never worth failing a rebuild
            self.log.warning("no estimate of the messages to replay", exc_info=True)
            return None

    def run(
        self,
        request: RebuildRequest,
        *,
        stop: Callable[[], bool] | None = None,
        on_batch: Callable[[ReplayCursor], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RebuildResult:
        """Rebuild (start, resume or continue) the view the request names."""
        aggregator = self.aggregator(request.view)
        continuation = None
        if request.run_id is not None or request.invocation is not None:
            if request.run_id is None or request.invocation is None:
                raise RebuildError("a continuation names both its run_id and its invocation")
            continuation = (request.run_id, request.invocation)
        pause = None if request.consumer_stopped else self.pause(aggregator, request.drain_seconds)
        store = self.store()
        return rebuild(
            aggregator,
            store,
            self.view_repository(aggregator),
            pause=pause,
            resume=request.resume,
            cursors=self.cursors(),
            options=request.options(),
            skips=SkippedMessagesTable(
                self.stack.physical_id("SkippedMessagesTable"),
                client=self.stack.client("dynamodb"),
            ),
            logger=self.log,
            stop=stop,
            on_batch=on_batch,
            estimate=lambda: self.estimate(aggregator),
            continuation=continuation,
            force=request.force,
            sleep=sleep,
        )

    def status(self, view: str) -> ReplayCursor | None:
        """The view's rebuild cursor, or ``None`` when it was never rebuilt this way."""
        self.aggregator(view)
        return self.cursors().load(view)


# -- the function ----------------------------------------------------------------------------


class LambdaContextLike(Protocol):
    """What the handler needs of Lambda's context."""

    invoked_function_arn: str

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        ...


class ProgressLog:
    """Log lines of a rebuild's progress, at most one every ``every`` seconds (and at each
    lane's end): what an operator reads in the function's logs."""

    def __init__(
        self, logger: Any, *, every: float = 10.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.logger = logger
        self.every = every
        self.clock = clock
        self._last = 0.0
        self._done = -1

    def __call__(self, cursor: ReplayCursor) -> None:
        """Log the cursor's progress unless logged just now."""
        now = self.clock()
        progress = progress_of(cursor, now)
        if now - self._last < self.every and progress.lanes_done == self._done:
            return
        self._last, self._done = now, progress.lanes_done
        self.logger.info(
            describe_progress(progress),
            extra={
                "view": progress.view,
                "replayed": progress.replayed,
                "rate": round(progress.rate, 1),
                "lanes_done": progress.lanes_done,
                "lanes": progress.lanes,
                "invocation": progress.invocation,
            },
        )


def handle_invocation(
    event: dict[str, Any],
    context: LambdaContextLike,
    *,
    rebuilds: Rebuilds,
    invoke_next: Callable[[dict[str, Any]], None] | None = None,
    margin: float = HANDOFF_MARGIN_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """The rebuild function: rebuild (or go on with) the view the event names, until the
    invocation's time is nearly up; then save the cursor and invoke itself again
    (asynchronously) with the next invocation's number, which claims the cursor.

    A bad event raises ``RebuildError`` (the function fails, naming what is wrong); an
    interrupted replay raises ``RebuildInterruptedError`` after saving its cursor (Lambda's
    retry of this same event, or an operator's ``--resume``, goes on from it).
    """
    try:
        request = RebuildRequest.model_validate(event)
    except ValidationError as exc:
        raise RebuildError(f"not a rebuild request: {exc}") from exc
    started = clock()
    remaining = context.get_remaining_time_in_millis() / 1000
    budget = remaining - min(margin, remaining / 4)
    if request.max_seconds is not None:
        budget = min(budget, request.max_seconds)
    deadline = started + budget
    result = rebuilds.run(
        request,
        stop=lambda: clock() >= deadline,
        on_batch=ProgressLog(rebuilds.log),
    )
    summary = result.summary()
    if result.status == RUNNING:
        following = {
            "view": request.view,
            "run_id": result.run_id,
            "invocation": result.invocation + 1,
            "drain_seconds": request.drain_seconds,
            "consumer_stopped": request.consumer_stopped,
        }
        if request.max_seconds is not None:
            following["max_seconds"] = request.max_seconds
        (invoke_next or _invoke_self(rebuilds.stack, context))(following)
        rebuilds.log.info(
            f"{request.view}: handed the cursor on to invocation {result.invocation + 1}",
            extra={"view": request.view, "invocation": result.invocation + 1},
        )
        summary["handedOnTo"] = result.invocation + 1
    elif result.status == FINISHED:
        rebuilds.log.info(
            f"{request.view}: rebuilt, {result.total} messages replayed; its consumer runs again",
            extra={"view": request.view, "replayed": result.total},
        )
    return summary


def _invoke_self(stack: Stack, context: LambdaContextLike) -> Callable[[dict[str, Any]], None]:
    def invoke(event: dict[str, Any]) -> None:
        stack.client("lambda").invoke(
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps(event).encode(),
        )

    return invoke


# -- the command line ------------------------------------------------------------------------


def describe_progress(progress: Progress) -> str:
    """One line: messages replayed, the rate, the part done and the time left when known."""
    parts = [f"{progress.view}: {progress.replayed:,} messages replayed"]
    if progress.rate:
        parts.append(f"{progress.rate:,.0f}/s")
    if progress.fraction is not None:
        done = f"{progress.fraction:.0%}"
        if progress.basis == "time":
            done += " (by time)"
        elif progress.estimate:
            done += f" of ≈{progress.estimate:,}"
        parts.append(done)
    if progress.eta is not None:
        parts.append(f"about {_duration(progress.eta)} left")
    parts.append(f"{progress.lanes_done}/{progress.lanes} lanes done")
    return ", ".join(parts)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ProgressBar:
    """A progress line redrawn in place on a terminal; elsewhere a line every few seconds."""

    WIDTH = 24

    def __init__(
        self, out: TextIO, *, every: float = 5.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.out = out
        self.tty = out.isatty()
        self.every = every
        self.clock = clock
        self._last = 0.0
        self._drawn = False

    def __call__(self, cursor: ReplayCursor) -> None:
        """Draw the cursor's progress."""
        now = self.clock()
        progress = progress_of(cursor, now)
        if self.tty:
            filled = int((progress.fraction or 0) * self.WIDTH)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            self.out.write(f"\r\x1b[K{bar} {describe_progress(progress)}")
            self.out.flush()
            self._drawn = True
        elif now - self._last >= self.every:
            self._last = now
            self.out.write(describe_progress(progress) + "\n")
            self.out.flush()

    def end(self) -> None:
        """Leave the line drawn (what follows starts on a new line)."""
        if self._drawn:
            self.out.write("\n")
            self._drawn = False


def describe_status(cursor: ReplayCursor | None, view: str, now: float) -> list[str]:
    """What ``--status`` prints: the rebuild's state, its progress, what to do."""
    if cursor is None:
        return [f"{view}: never rebuilt with a cursor (make rebuild VIEW={view})"]
    progress = progress_of(cursor, now)
    idle = now - cursor.updated_at
    lines = [
        f"{view}: {cursor.status} ({cursor.phase}), invocation {cursor.invocation} of run "
        f"{cursor.run_id[:8]}, cursor saved {_duration(idle)} ago",
        "  " + describe_progress(progress),
        "  lanes: "
        + ", ".join(
            f"{lane.name} {lane.replayed:,}{' done' if lane.done else ''}"
            for lane in cursor.lanes.values()
        ),
    ]
    if cursor.status == RUNNING and idle >= STALE_SECONDS:
        lines.append(
            f"  its cursor has not moved for {_duration(idle)}: nothing runs it any more; "
            f"its consumer is paused. Resume it: make rebuild VIEW={view} ARGS=--resume"
        )
    elif cursor.status == RUNNING:
        lines.append("  its live consumer is paused until the rebuild finishes")
    elif cursor.status == INTERRUPTED:
        lines.append(
            f"  stopped: {cursor.error}. Its live consumer is paused. "
            f"Resume it: make rebuild VIEW={view} ARGS=--resume"
        )
    return lines


def follow(
    rebuilds: Rebuilds,
    view: str,
    started: Callable[[ReplayCursor | None], bool],
    bar: ProgressBar,
    *,
    interval: float = 1.0,
    start_timeout: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> ReplayCursor:
    """Follow a rebuild run by the function through its cursor until it ends; the last cursor.

    ``started(cursor)`` tells the function's run from an earlier one."""
    cursors = rebuilds.cursors()
    deadline = clock() + start_timeout
    while True:
        cursor = cursors.load(view)
        if started(cursor):
            assert cursor is not None
            bar(cursor)
            if cursor.status != RUNNING:
                return cursor
        elif clock() > deadline:
            raise RebuildError(
                f"the rebuild function has not started on {view} after {start_timeout:.0f} s: "
                "see its logs"
            )
        sleep(interval)


def main(argv: list[str] | None = None) -> None:
    """The command line: rebuild one view here, or ask the deployed function to."""
    views = Rebuilds.views()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("view", choices=views)
    stacks.add_arguments(parser)
    parser.add_argument(
        "--resume", action="store_true", help="go on from the interrupted rebuild's cursor"
    )
    parser.add_argument("--status", action="store_true", help="how the view's rebuild stands")
    parser.add_argument(
        "--in-lambda",
        action="store_true",
        help="run it in the deployed RebuildFunction (it hands its cursor on before its "
        "timeout) and follow its progress",
    )
    parser.add_argument(
        "--no-follow", action="store_true", help="with --in-lambda: start it and return"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        help="with --in-lambda: each invocation hands its cursor on after this long at most "
        "(default: a minute before the function's timeout)",
    )
    parser.add_argument("--rate", type=float, help="at most this many messages a second")
    parser.add_argument("--workers", type=int, help="lanes read side by side (default: all)")
    parser.add_argument(
        "--batch", type=int, help="messages per read at most (default: the lanes' share of a round)"
    )
    parser.add_argument(
        "--fold",
        type=int,
        help="messages folded into the view together at most, a round (default: 5,000)",
    )
    parser.add_argument(
        "--write-every",
        type=int,
        help="messages folded before the view is written and the cursor saved (default: "
        "50,000; with --rate, every round)",
    )
    parser.add_argument(
        "--merged",
        action="store_true",
        help="one lane per category, its partitions merged (after CategoryPartitions grew)",
    )
    parser.add_argument(
        "--force", action="store_true", help="even though another rebuild seems to run"
    )
    parser.add_argument(
        "--consumer-stopped",
        action="store_true",
        help="do not pause anything: the consumer is not deployed or stopped by hand",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=10.0,
        help="after pausing, wait this long for a running invocation (the function timeout)",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        request = RebuildRequest(
            view=arguments.view,
            resume=arguments.resume,
            force=arguments.force,
            workers=arguments.workers,
            batch=arguments.batch,
            fold=arguments.fold,
            write_every=arguments.write_every,
            rate=arguments.rate,
            merged=arguments.merged,
            drain_seconds=arguments.drain_seconds,
            consumer_stopped=arguments.consumer_stopped,
            max_seconds=arguments.max_seconds,
        )
    except ValidationError as exc:
        parser.error(str(exc))
    try:
        rebuilds = Rebuilds(stacks.from_arguments(arguments))
        if arguments.status:
            for line in describe_status(
                rebuilds.status(arguments.view), arguments.view, time.time()
            ):
                print(line)
            return
        if arguments.in_lambda:
            sys.exit(_in_lambda(rebuilds, request, follow_it=not arguments.no_follow))
        _here(rebuilds, request)
    except (RebuildError, stacks.StackError) as exc:
        print(f"\n{exc}", file=sys.stderr)
        sys.exit(1)


def _here(rebuilds: Rebuilds, request: RebuildRequest) -> None:
    bar = ProgressBar(sys.stdout)
    try:
        result = rebuilds.run(request, on_batch=bar)
    finally:
        bar.end()
    print(
        f"{request.view}: deleted {result.deleted} items, replayed {result.total} messages "
        f"({result.rate:,.0f}/s); its consumer runs again"
    )


def _in_lambda(rebuilds: Rebuilds, request: RebuildRequest, *, follow_it: bool) -> int:
    rebuilds.aggregator(request.view)
    before = rebuilds.cursors().load(request.view)
    function = rebuilds.stack.physical_id("RebuildFunction")
    payload = request.model_dump(exclude_none=True, exclude_defaults=True) | {"view": request.view}
    rebuilds.stack.client("lambda").invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps(payload).encode()
    )
    print(f"{request.view}: {function} invoked; make rebuild VIEW={request.view} ARGS=--status")
    if not follow_it:
        return 0

    def started(cursor: ReplayCursor | None) -> bool:
        if cursor is None:
            return False
        if before is None or cursor.run_id != before.run_id:
            return True
        return cursor.invocation > before.invocation

    bar = ProgressBar(sys.stdout)
    try:
        cursor = follow(rebuilds, request.view, started, bar)
    except KeyboardInterrupt:
        bar.end()
        print(f"stopped following; the rebuild goes on in {function}")
        return 0
    bar.end()
    for line in describe_status(cursor, request.view, time.time()):
        print(line)
    return 0 if cursor.status == FINISHED else 1


if __name__ == "__main__":
    main()
