"""A DynamoDB stream event source mapping, with Lambda's poller semantics, per shard, in order.

Records come from the stream's ``StreamTail`` (shared by every mapping on the stream). The
poller:

- reads from its checkpoint (or its ``StartingPosition`` on a stream it never read), drops
  what its ``FilterCriteria`` do not match (those count as processed), gathers up to
  ``BatchSize`` records (and at most 6 MB), waiting up to ``MaximumBatchingWindowInSeconds``
  for a batch to fill;
- invokes the function (see ``invocation``);
- on success moves its checkpoint past the batch. With ``ReportBatchItemFailures``, a
  response naming failed records (sequence numbers) moves the checkpoint to just before
  the lowest of them and retries from there: what succeeded before it is never delivered
  again;
- on a function error, with ``BisectBatchOnFunctionError``, splits the batch in two and
  retries each half, first half first (splitting uses no retry attempt); otherwise retries
  the batch;
- after ``MaximumRetryAttempts`` retries, or when records are older than
  ``MaximumRecordAgeInSeconds``, discards them: the ``OnFailure`` destination (SQS or SNS)
  gets an invocation record with ``DDBStreamBatchInfo`` and the poller moves on;
- a failure *before* the handler ran (chaos' throttle) is retried without using an attempt.
- records that expired before it read them (``StreamTail.expire``) are skipped, as Lambda
  goes on at the trim horizon: a mapping created later starts after them, one that was
  behind moves past them (the console says how many it never saw).

Checkpoints are written after every batch (see ``checkpoints``), so a restart resumes
where it stopped.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ..console import Console
from ..template.event_sources import StreamSource
from ..template.functions import FunctionSpec
from .checkpoints import CheckpointStore, ShardCheckpoint
from .destinations import invocation_record, iso_time
from .filters import FilterPattern, matches_any
from .invocation import ERROR, OK, PARTIAL, THROTTLED, Attempts, BatchInvoker
from .poller import Poller
from .stream_reader import CachedRecord, Shard, StreamTail

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_LONGEST_KEY_VALUE = 16

Destination = Callable[[str, dict[str, Any]], None]
Batch = list[tuple[int, CachedRecord]]


def describe_record(cached: CachedRecord) -> str:
    """A record, for the console: its keys and sequence number (``pk=a…/sk=3 #1100…``)."""
    keys = cached.record.get("dynamodb", {}).get("Keys") or {}
    parts = []
    for name, typed in keys.items():
        value = str(next(iter(typed.values()), "")) if isinstance(typed, dict) else str(typed)
        if len(value) > _LONGEST_KEY_VALUE:
            value = value[: _LONGEST_KEY_VALUE - 4] + "…"
        parts.append(f"{name}={value}")
    return f"{'/'.join(parts)} #{cached.sequence_number}"


def _names(records: Batch) -> list[str]:
    return [describe_record(cached) for _, cached in records]


class StreamPoller(Poller):
    """One DynamoDB stream mapping: batches, filters, retries, bisects, checkpoints."""

    mapping: StreamSource

    def __init__(
        self,
        mapping: StreamSource,
        spec: FunctionSpec,
        tail: StreamTail,
        invoker: BatchInvoker,
        console: Console,
        checkpoints: CheckpointStore,
        *,
        filters: tuple[FilterPattern, ...] = (),
        send_to_destination: Destination | None = None,
        interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(mapping, spec, invoker, console, interval=interval, clock=clock)
        self.tail = tail
        self.checkpoints = checkpoints
        self.filters = filters
        self.send_to_destination = send_to_destination
        self.positions: dict[str, int] = {}
        self._placed = False

    # --- where it is in the stream ----------------------------------------------------------

    def _resume(self) -> None:
        # The first time, from its checkpoint or starting position; after being disabled,
        # from where it stopped (its positions are kept).
        self.tail.start()
        if not self._placed:
            self._place()
            self._placed = True

    def _place(self) -> None:
        name = self.mapping.name
        shards = self.tail.ordered_shards()
        saved = self.checkpoints.shards(name, self.tail.stream_arn)
        if saved is not None:
            for shard in shards:
                checkpoint = saved.get(shard.shard_id)
                if checkpoint is None:  # a shard that appeared since: from its beginning
                    self.positions[shard.shard_id] = shard.trimmed
                    continue
                index = shard.index_after(checkpoint)
                if index is None:
                    self.console.notice(
                        f"{self.name}: checkpoint {checkpoint.sequence_number} is not in "
                        f"{shard.shard_id} (the emulator's state is older): resuming at its end"
                    )
                    index = len(shard.records)
                self.positions[shard.shard_id] = max(index, shard.trimmed)
            return
        if self.checkpoints.streams(name):
            self.console.notice(
                f"{self.name}: a stream it never read (a new table or endpoint): starting at "
                f"{self.mapping.starting_position}"
            )
        for shard in shards:
            latest = self.mapping.starting_position == "LATEST"
            index = len(shard.records) if latest else shard.trimmed  # TRIM_HORIZON
            self.positions[shard.shard_id] = index
            self._save(shard, index)

    def _interrupt(self) -> None:
        with self.tail.condition:
            self.tail.condition.notify_all()

    def pending(self) -> int:
        """Records not yet done with (delivered or filtered) in every shard."""
        total = 0
        for shard in self.tail.ordered_shards():
            total += len(shard.records) - self._position(shard)
        return total

    def _position(self, shard: Shard) -> int:
        """Where it reads a shard next: its position, or the trim horizon if that is past it."""
        return max(self.positions.get(shard.shard_id, 0), shard.trimmed)

    def _skip_expired(self) -> None:
        for shard in self.tail.ordered_shards():
            behind = shard.trimmed - self.positions.get(shard.shard_id, 0)
            if behind > 0:
                self.console.notice(
                    f"{self.name}: {behind} records of {shard.shard_id} expired before it read "
                    "them: it goes on after them (the stream keeps records 24 hours)"
                )
                self._advance(shard, shard.trimmed)

    # --- the loop -------------------------------------------------------------------------

    def _step(self) -> None:
        self._skip_expired()
        shard = self._next_shard()
        if shard is None:
            self._wait_for_records()
            return
        self._idle.clear()
        self._process(shard)

    def _wait_for_records(self) -> None:
        with self.tail.condition:
            generation = self.tail.generation
            if self._next_shard() is None and not self._halting():
                self.status = "idle"
                self._idle.set()
                while self.tail.generation == generation and not self._halting():
                    self.tail.condition.wait(max(self.interval, 0.05))
                    if self._next_shard() is not None:
                        break

    def _next_shard(self) -> Shard | None:
        by_id = {s.shard_id: s for s in self.tail.ordered_shards()}
        for shard in by_id.values():
            self.positions.setdefault(shard.shard_id, 0)
            if self._position(shard) >= len(shard.records):
                continue
            parent = by_id.get(shard.parent_id or "")
            if parent is not None and not (
                parent.closed and self._position(parent) >= len(parent.records)
            ):
                continue
            return shard
        return None

    def _process(self, shard: Shard) -> None:
        self.status = "batching"
        batch, scanned_to = self._gather(shard)
        if self._halting():
            return  # nothing delivered: the batch is gathered again when it resumes
        if not batch:
            self._advance(shard, scanned_to)
            return
        self._deliver(shard, batch, scanned_to)

    def _gather(self, shard: Shard) -> tuple[Batch, int]:
        """Records for one batch (filtered), and how far the shard was scanned."""
        mapping = self.mapping
        index = self.positions[shard.shard_id]
        batch: Batch = []
        size = 0
        deadline: float | None = None
        while True:
            full = False
            records = shard.records
            while index < len(records):
                cached = records[index]
                if batch and size + cached.size > MAX_PAYLOAD_BYTES:
                    full = True
                    break
                index += 1
                if matches_any(self.filters, cached.record):
                    batch.append((index - 1, cached))
                    size += cached.size
                    if len(batch) >= mapping.batch_size:
                        full = True
                        break
            if full or mapping.batching_window <= 0 or not batch:
                return batch, index
            if deadline is None:
                deadline = time.monotonic() + mapping.batching_window
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return batch, index
            with self.tail.condition:
                if len(shard.records) == index and not self._halting():
                    self.tail.condition.wait(remaining)
            if self._halting():
                return batch, index

    def _deliver(self, shard: Shard, batch: Batch, scanned_to: int) -> None:
        pending: deque[tuple[Batch, Attempts]] = deque([(batch, Attempts())])
        while pending and not self._halting():
            records, attempts = pending[0]
            records = self._discard_aged(shard, records, attempts)
            if not records:
                pending.popleft()
                if not pending:
                    self._advance(shard, scanned_to)
                continue
            pending[0] = (records, attempts)
            self.status = "invoking"
            result = self.invoker.invoke(
                [cached.record for _, cached in records],
                [str(cached.sequence_number) for _, cached in records],
                attempts,
            )
            elapsed = result.elapsed_ms
            last = not pending or len(pending) == 1
            if result.outcome == OK:
                pending.popleft()
                self._advance(shard, scanned_to if last else records[-1][0] + 1)
                self._batch_line(len(records), 0, elapsed, self._note(attempts))
                continue
            if result.outcome == PARTIAL:
                first_failed = result.failed[0]
                done, records = records[:first_failed], records[first_failed:]
                if done:
                    self._advance(shard, done[-1][0] + 1)
                attempts.retries += 1
                attempts.function_error = False
                pending[0] = (records, attempts)
                self._batch_line(
                    len(done) + len(records),
                    len(records),
                    elapsed,
                    self._note(attempts, "partial failure"),
                    _names(records),
                )
            elif result.outcome == THROTTLED:
                self._batch_line(
                    len(records),
                    len(records),
                    elapsed,
                    "not invoked (chaos): retried without using an attempt",
                )
                self._backoff(attempts.invocations)
                continue
            else:
                assert result.outcome == ERROR
                attempts.function_error = True
                if self.mapping.bisect_on_error and len(records) > 1:
                    half = len(records) // 2
                    pending.popleft()
                    pending.extendleft(
                        [
                            (records[half:], Attempts(attempts.retries)),
                            (records[:half], Attempts(attempts.retries)),
                        ]
                    )
                    self._batch_line(
                        len(records),
                        len(records),
                        elapsed,
                        f"error: bisected into {half} + {len(records) - half}",
                        _names(records),
                    )
                    continue
                attempts.retries += 1
                self._batch_line(len(records), len(records), elapsed, self._note(attempts, "error"))
            if 0 <= self.mapping.max_retries < attempts.retries:
                pending.popleft()
                self._discard(shard, records, attempts, "RetryAttemptsExhausted")
                self._advance(shard, scanned_to if not pending else records[-1][0] + 1)
                continue
            self._backoff(attempts.retries)

    def _note(self, attempts: Attempts, what: str = "") -> str:
        parts = [what] if what else []
        if attempts.retries:
            limit = self.mapping.max_retries
            parts.append(f"retry {attempts.retries}/{limit if limit >= 0 else '∞'}")
        return ", ".join(parts)

    # --- giving up on records -------------------------------------------------------------

    def _discard_aged(self, shard: Shard, records: Batch, attempts: Attempts) -> Batch:
        limit = self.mapping.max_record_age
        if limit < 0:
            return records
        now = self.clock()
        aged = 0
        while aged < len(records) and now - records[aged][1].created > limit:
            aged += 1
        if aged:
            self._discard(shard, records[:aged], attempts, "RecordAgeExceeded")
            self._advance(shard, records[aged - 1][0] + 1)
        return records[aged:]

    def _discard(self, shard: Shard, records: Batch, attempts: Attempts, condition: str) -> None:
        """Give up on records: tell the on-failure destination, as Lambda does."""
        document = self.invocation_record(shard, [c for _, c in records], attempts, condition)
        destination = self.mapping.on_failure
        if destination and self.send_to_destination is not None:
            self.send_to_destination(destination, document)
            where = f"sent to {destination.rsplit(':', 1)[-1]}"
        else:
            where = "discarded (no on-failure destination)"
        first, last = records[0][1].sequence_number, records[-1][1].sequence_number
        self._batch_line(
            len(records), len(records), 0.0, f"{condition}: records {first}..{last} {where}"
        )

    def invocation_record(
        self, shard: Shard, records: list[CachedRecord], attempts: Attempts, condition: str
    ) -> dict[str, Any]:
        """The on-failure invocation record, shaped like Lambda's for DynamoDB streams."""
        batch_info = {
            "shardId": shard.shard_id,
            "startSequenceNumber": str(records[0].sequence_number),
            "endSequenceNumber": str(records[-1].sequence_number),
            "approximateArrivalOfFirstRecord": iso_time(records[0].created),
            "approximateArrivalOfLastRecord": iso_time(records[-1].created),
            "batchSize": len(records),
            "streamArn": self.tail.stream_arn,
        }
        return invocation_record(
            function_arn=self.spec.arn,
            condition=condition,
            attempts=attempts,
            timestamp=self.clock(),
            batch_info=("DDBStreamBatchInfo", batch_info),
        )

    # --- checkpoints ----------------------------------------------------------------------

    def _advance(self, shard: Shard, index: int) -> None:
        if index <= self.positions.get(shard.shard_id, 0):
            return
        self.positions[shard.shard_id] = index
        self._save(shard, index)

    def _save(self, shard: Shard, index: int) -> None:
        if index == 0:
            checkpoint = ShardCheckpoint(None)
        else:
            cached = shard.records[index - 1]
            checkpoint = ShardCheckpoint(str(cached.sequence_number), cached.event_id)
        with contextlib.suppress(OSError):
            self.checkpoints.save(
                self.mapping.name, self.tail.stream_arn, shard.shard_id, checkpoint
            )
