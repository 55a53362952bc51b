"""DynamoDB stream event sources with Lambda's event source mapping semantics.

One ``StreamTail`` per stream reads every shard (``GetRecords``, one request per poll
interval for the whole stream, whatever the number of consumers), keeps the records in
memory in Lambda's shape, and wakes the pollers. One ``Poller`` per ``DynamoDB`` event of
the template (a mapping) then does what Lambda's poller does, per shard, in order:

- reads from its checkpoint, drops what its ``FilterCriteria`` do not match (those count as
  processed), gathers up to ``BatchSize`` records (and at most 6 MB), waiting up to
  ``MaximumBatchingWindowInSeconds`` for a batch to fill;
- invokes the function with ``{"Records": [...]}`` (``eventVersion`` 1.1, epoch
  ``ApproximateCreationDateTime``, ``eventSourceARN``);
- on success moves its checkpoint past the batch. With ``ReportBatchItemFailures``, a
  response naming failed records (``batchItemFailures[].itemIdentifier`` = sequence
  numbers) moves the checkpoint to just before the lowest of them and retries from there:
  what succeeded before it is never delivered again. An invalid response (an identifier
  not in the batch) fails the whole batch;
- on a function error, with ``BisectBatchOnFunctionError``, splits the batch in two and
  retries each half, first half first (splitting uses no retry attempt); otherwise retries
  the batch;
- after ``MaximumRetryAttempts`` retries, or when records are older than
  ``MaximumRecordAgeInSeconds``, discards them: the ``OnFailure`` destination (SQS or SNS)
  gets an invocation record shaped like Lambda's (``DDBStreamBatchInfo`` with the shard and
  sequence numbers) and the poller moves on;
- a failure *before* the handler ran (chaos' throttle) is retried without using an attempt.

Retries back off exponentially from the poll interval (at most 10 s). Checkpoints are
written after every batch (see ``checkpoints``), so a restart resumes where it stopped.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import json
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .chaos import Chaos
from .checkpoints import CheckpointStore, ShardCheckpoint
from .console import Console
from .filters import matches_any
from .model import FunctionSpec, StreamSource
from .runtime import InvocationResult, Runtime

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
MAX_BACKOFF_SECONDS = 10.0
_SHARD_REFRESH_CYCLES = 40
_PAGES_PER_CYCLE = 20


@dataclass(frozen=True)
class CachedRecord:
    """One stream record in Lambda's shape, with what the poller needs at hand."""

    sequence_number: int
    record: dict[str, Any]
    created: float
    size: int

    @property
    def event_id(self) -> str:
        """The record's ``eventID``."""
        return self.record["eventID"]


@dataclass
class Shard:
    """One shard's records (all of them, read once), and whether it is closed."""

    shard_id: str
    parent_id: str | None
    records: list[CachedRecord] = field(default_factory=list)
    sequence_numbers: list[int] = field(default_factory=list)
    closed: bool = False
    iterator: str | None = None

    def index_after(self, checkpoint: ShardCheckpoint) -> int | None:
        """The index of the first record after a checkpoint (None when it is not here)."""
        if checkpoint.sequence_number is None:
            return 0
        number = int(checkpoint.sequence_number)
        index = bisect.bisect_left(self.sequence_numbers, number)
        found = index < len(self.records) and self.sequence_numbers[index] == number
        if found and checkpoint.event_id in (None, self.records[index].event_id):
            return index + 1
        for index, cached in enumerate(self.records):  # numbered anew: find it by its id
            if cached.event_id == checkpoint.event_id:
                return index + 1
        return None


def _base64_binaries(value: Any) -> Any:
    """boto3 decodes B/BS to bytes; Lambda's event keeps them as base64 strings."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "B" and isinstance(inner, bytes | bytearray):
                return {"B": base64.b64encode(inner).decode()}
            if kind == "BS":
                return {
                    "BS": [
                        base64.b64encode(b).decode() if isinstance(b, bytes | bytearray) else b
                        for b in inner
                    ]
                }
        return {key: _base64_binaries(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_base64_binaries(item) for item in value]
    return value


def lambda_record(raw: dict[str, Any], stream_arn: str, region: str) -> CachedRecord:
    """A DynamoDB Streams API record as Lambda delivers it to a function."""
    dynamodb = _base64_binaries(dict(raw["dynamodb"]))
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        created = created.timestamp()
    epoch = float(math.floor(float(created or time.time())))
    dynamodb["ApproximateCreationDateTime"] = epoch
    record: dict[str, Any] = {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if raw.get("userIdentity"):
        record["userIdentity"] = raw["userIdentity"]
    size = len(json.dumps(record, separators=(",", ":")))
    return CachedRecord(int(dynamodb["SequenceNumber"]), record, epoch, size)


class StreamTail:
    """Reads one stream's shards for every consumer; wakes them when records arrive."""

    def __init__(
        self, client: Any, stream_arn: str, *, region: str, interval: float, console: Console
    ) -> None:
        self.client = client
        self.stream_arn = stream_arn
        self.region = region
        self.interval = interval
        self.console = console
        self.shards: dict[str, Shard] = {}
        self.condition = threading.Condition()
        self.cycles = 0
        self.generation = 0
        self._stopping = False
        self._nudged = False
        self._failing = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Read everything the stream holds now, then keep reading in the background."""
        self._refresh_shards()
        while self._read_shards():
            pass
        with self.condition:
            self.cycles += 1
        self._thread = threading.Thread(
            target=self._run, name=f"tail {self.stream_arn.split('/')[1]}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop reading."""
        with self.condition:
            self._stopping = True
            self.condition.notify_all()
        if self._thread is not None:
            self._thread.join(10)

    def nudge(self) -> None:
        """Read now rather than at the next interval."""
        with self.condition:
            self._nudged = True
            self.condition.notify_all()

    def sync(self, deadline: float) -> bool:
        """Wait until a whole read that started after this call has finished."""
        with self.condition:
            target = self.cycles + 2
            self._nudged = True
            self.condition.notify_all()
            while self.cycles < target and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.condition.wait(remaining)
        return True

    def ordered_shards(self) -> list[Shard]:
        """Shards with parents before children (the order records must be processed in)."""
        with self.condition:
            shards = list(self.shards.values())
        ordered: list[Shard] = []
        placed: set[str] = set()
        by_id = {s.shard_id: s for s in shards}

        def place(shard: Shard) -> None:
            if shard.shard_id in placed:
                return
            parent = by_id.get(shard.parent_id or "")
            if parent is not None:
                place(parent)
            placed.add(shard.shard_id)
            ordered.append(shard)

        for shard in shards:
            place(shard)
        return ordered

    def _run(self) -> None:
        while True:
            with self.condition:
                if not self._nudged and not self._stopping:
                    self.condition.wait(self.interval)
                self._nudged = False
                if self._stopping:
                    return
            try:
                if self.cycles % _SHARD_REFRESH_CYCLES == 0:
                    self._refresh_shards()
                changed = self._read_shards()
                if self._failing:
                    self.console.notice(f"stream {self.stream_arn} is readable again")
                    self._failing = False
            except Exception as exc:  # the emulator restarting, a network error: retry
                changed = False
                if not self._failing:
                    self.console.notice(f"cannot read stream {self.stream_arn}: {exc}")
                    self._failing = True
            with self.condition:
                self.cycles += 1
                if changed:
                    self.generation += 1
                self.condition.notify_all()

    def _refresh_shards(self) -> None:
        request: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.client.describe_stream(**request)["StreamDescription"]
            for shard in description.get("Shards", []):
                shard_id = shard["ShardId"]
                if shard_id not in self.shards:
                    with self.condition:
                        self.shards[shard_id] = Shard(shard_id, shard.get("ParentShardId"))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return
            request["ExclusiveStartShardId"] = last

    def _read_shards(self) -> bool:
        """One page or more from every open shard; True when records were added."""
        added = False
        for shard in list(self.shards.values()):
            pages = 0
            while not shard.closed and pages < _PAGES_PER_CYCLE:
                pages += 1
                records = self._read_page(shard)
                if not records:
                    break
                added = True
        return added

    def _read_page(self, shard: Shard) -> list[CachedRecord]:
        if shard.iterator is None:
            request = {"StreamArn": self.stream_arn, "ShardId": shard.shard_id}
            if shard.sequence_numbers:
                request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
                request["SequenceNumber"] = str(shard.sequence_numbers[-1])
            else:
                request["ShardIteratorType"] = "TRIM_HORIZON"
            shard.iterator = self.client.get_shard_iterator(**request)["ShardIterator"]
        try:
            response = self.client.get_records(ShardIterator=shard.iterator, Limit=1000)
        except self.client.exceptions.ExpiredIteratorException:
            shard.iterator = None
            return []
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:
            shard.closed = True
        cached = [lambda_record(raw, self.stream_arn, self.region) for raw in response["Records"]]
        cached = [
            c
            for c in cached
            if not shard.sequence_numbers or c.sequence_number > shard.sequence_numbers[-1]
        ]
        if cached:
            with self.condition:
                shard.records.extend(cached)
                shard.sequence_numbers.extend(c.sequence_number for c in cached)
        return cached


Destination = Callable[[str, dict[str, Any]], None]


@dataclass
class _Attempts:
    retries: int = 0
    invocations: int = 0
    function_error: bool = False


class Poller:
    """One event source mapping: batches, filters, retries, bisects, checkpoints."""

    def __init__(
        self,
        source: StreamSource,
        spec: FunctionSpec,
        tail: StreamTail,
        runtime: Runtime,
        console: Console,
        checkpoints: CheckpointStore,
        *,
        send_to_destination: Destination | None = None,
        chaos: Chaos | None = None,
        interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.spec = spec
        self.tail = tail
        self.runtime = runtime
        self.console = console
        self.checkpoints = checkpoints
        self.send_to_destination = send_to_destination
        self.chaos = chaos
        self.interval = interval
        self.clock = clock
        self.positions: dict[str, int] = {}
        self.status = "starting"
        self._idle = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        """``Function/Event``."""
        return self.source.key

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Place the poller at its checkpoint (or starting position) and start polling."""
        self._place()
        self._thread = threading.Thread(target=self._run, name=f"poller {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch being delivered (if any) and stop."""
        self._stopping.set()
        with self.tail.condition:
            self.tail.condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _place(self) -> None:
        mapping = self.source.key
        shards = self.tail.ordered_shards()
        saved = self.checkpoints.shards(mapping, self.tail.stream_arn)
        if saved is not None:
            for shard in shards:
                checkpoint = saved.get(shard.shard_id)
                if checkpoint is None:  # a shard that appeared since: from its beginning
                    self.positions[shard.shard_id] = 0
                    continue
                index = shard.index_after(checkpoint)
                if index is None:
                    self.console.notice(
                        f"{self.name}: checkpoint {checkpoint.sequence_number} is not in "
                        f"{shard.shard_id} (the emulator's state is older): resuming at its end"
                    )
                    index = len(shard.records)
                self.positions[shard.shard_id] = index
            return
        if self.checkpoints.streams(mapping):
            self.console.notice(
                f"{self.name}: a stream it never read (a new table or endpoint): starting at "
                f"{self.source.starting_position}"
            )
        for shard in shards:
            index = len(shard.records) if self.source.starting_position == "LATEST" else 0
            self.positions[shard.shard_id] = index
            self._save(shard, index)

    # --- idleness (for wait_idle) ---------------------------------------------------------

    def pending(self) -> int:
        """Records not yet done with (delivered or filtered) in every shard."""
        total = 0
        for shard in self.tail.ordered_shards():
            total += len(shard.records) - self.positions.get(shard.shard_id, 0)
        return total

    def idle(self) -> bool:
        """Waiting for records, with none pending."""
        return self._idle.is_set() and self.pending() == 0

    # --- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            shard = self._next_shard()
            if shard is None:
                with self.tail.condition:
                    generation = self.tail.generation
                    if self._next_shard() is None and not self._stopping.is_set():
                        self.status = "idle"
                        self._idle.set()
                        while self.tail.generation == generation and not self._stopping.is_set():
                            self.tail.condition.wait(max(self.interval, 0.05))
                            if self._next_shard() is not None:
                                break
                continue
            self._idle.clear()
            try:
                self._process(shard)
            except Exception as exc:  # a devserver bug or the destination failing: retry later
                self.console.error(self.name, f"poller error: {type(exc).__name__}: {exc}")
                self._stopping.wait(max(self.interval, 1.0))

    def _next_shard(self) -> Shard | None:
        by_id = {s.shard_id: s for s in self.tail.ordered_shards()}
        for shard in by_id.values():
            position = self.positions.setdefault(shard.shard_id, 0)
            if position >= len(shard.records):
                continue
            parent = by_id.get(shard.parent_id or "")
            if parent is not None and not (
                parent.closed and self.positions.get(parent.shard_id, 0) >= len(parent.records)
            ):
                continue
            return shard
        return None

    def _process(self, shard: Shard) -> None:
        self.status = "batching"
        batch, scanned_to = self._gather(shard)
        if self._stopping.is_set():
            return
        if not batch:
            self._advance(shard, scanned_to)
            return
        self._deliver(shard, batch, scanned_to)

    def _gather(self, shard: Shard) -> tuple[list[tuple[int, CachedRecord]], int]:
        """Records for one batch (filtered), and how far the shard was scanned."""
        source = self.source
        index = self.positions[shard.shard_id]
        batch: list[tuple[int, CachedRecord]] = []
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
                if matches_any(source.filters, cached.record):
                    batch.append((index - 1, cached))
                    size += cached.size
                    if len(batch) >= source.batch_size:
                        full = True
                        break
            if full or source.batching_window <= 0 or not batch:
                return batch, index
            if deadline is None:
                deadline = time.monotonic() + source.batching_window
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return batch, index
            with self.tail.condition:
                if len(shard.records) == index and not self._stopping.is_set():
                    self.tail.condition.wait(remaining)
            if self._stopping.is_set():
                return batch, index

    def _deliver(
        self, shard: Shard, batch: list[tuple[int, CachedRecord]], scanned_to: int
    ) -> None:
        pending: deque[tuple[list[tuple[int, CachedRecord]], _Attempts]] = deque(
            [(batch, _Attempts())]
        )
        while pending and not self._stopping.is_set():
            records, attempts = pending[0]
            records = self._discard_aged(shard, records, attempts)
            if not records:
                pending.popleft()
                if not pending:
                    self._advance(shard, scanned_to)
                continue
            pending[0] = (records, attempts)
            self.status = "invoking"
            outcome, first_failed, elapsed = self._invoke(records, attempts)
            last = not pending or len(pending) == 1
            if outcome == "ok":
                pending.popleft()
                self._advance(shard, scanned_to if last else records[-1][0] + 1)
                self.console.batch(
                    self.spec.logical_id, len(records), 0, elapsed, self._note(attempts)
                )
                continue
            if outcome == "partial":
                done, records = records[:first_failed], records[first_failed:]
                if done:
                    self._advance(shard, done[-1][0] + 1)
                attempts.retries += 1
                attempts.function_error = False
                pending[0] = (records, attempts)
                self.console.batch(
                    self.spec.logical_id,
                    len(done) + len(records),
                    len(records),
                    elapsed,
                    self._note(attempts, "partial failure"),
                )
            elif outcome == "throttled":
                self.console.batch(
                    self.spec.logical_id,
                    len(records),
                    len(records),
                    elapsed,
                    "not invoked (chaos): retried without using an attempt",
                )
                self._backoff(attempts.invocations)
                continue
            else:
                attempts.function_error = True
                if self.source.bisect_on_error and len(records) > 1:
                    half = len(records) // 2
                    pending.popleft()
                    pending.extendleft(
                        [
                            (records[half:], _Attempts(attempts.retries)),
                            (records[:half], _Attempts(attempts.retries)),
                        ]
                    )
                    self.console.batch(
                        self.spec.logical_id,
                        len(records),
                        len(records),
                        elapsed,
                        f"error: bisected into {half} + {len(records) - half}",
                    )
                    continue
                attempts.retries += 1
                self.console.batch(
                    self.spec.logical_id,
                    len(records),
                    len(records),
                    elapsed,
                    self._note(attempts, "error"),
                )
            if 0 <= self.source.max_retries < attempts.retries:
                pending.popleft()
                self._discard(shard, records, attempts, "RetryAttemptsExhausted")
                self._advance(shard, scanned_to if not pending else records[-1][0] + 1)
                continue
            self._backoff(attempts.retries)

    def _note(self, attempts: _Attempts, what: str = "") -> str:
        parts = [what] if what else []
        if attempts.retries:
            limit = self.source.max_retries
            parts.append(f"retry {attempts.retries}/{limit if limit >= 0 else '∞'}")
        return ", ".join(parts)

    def _backoff(self, attempt: int) -> None:
        self.status = "backing off"
        delay = min(max(self.interval, 0.01) * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS)
        self._stopping.wait(delay)

    def _invoke(
        self, records: list[tuple[int, CachedRecord]], attempts: _Attempts
    ) -> tuple[str, int, float]:
        """Invoke once (twice under chaos); the outcome, the first failed index, the time."""
        started = time.monotonic()
        event_text = json.dumps({"Records": [cached.record for _, cached in records]})
        deliveries = 2 if self.chaos is not None and self.chaos.settings.duplicate_batches else 1
        result: InvocationResult | None = None
        for _ in range(deliveries):
            fail_before, fail_after = (
                self.chaos.draw(self.spec.logical_id) if self.chaos else (False, False)
            )
            result = self.runtime.invoke(
                self.spec.logical_id,
                json.loads(event_text),
                fail_before=fail_before,
                fail_after=fail_after,
            )
            if result.handler_ran or result.error is None:
                attempts.invocations += 1
        assert result is not None
        elapsed = (time.monotonic() - started) * 1000
        if result.error is not None:
            if result.error.type == "Devserver.ChaosBeforeInvoke":
                return "throttled", 0, elapsed
            self.console.error(
                self.spec.logical_id,
                f"{result.error.type}: {result.error.message}",
                result.error.stack,
            )
            return "error", 0, elapsed
        if not self.source.report_item_failures:
            return "ok", 0, elapsed
        return (*self._partial(records, result.value), elapsed)

    def _partial(self, records: list[tuple[int, CachedRecord]], value: Any) -> tuple[str, int]:
        """Read a ``batchItemFailures`` response: ok, partial at an index, or invalid."""
        if not isinstance(value, dict):
            return "ok", 0
        failures = value.get("batchItemFailures")
        if not failures:
            return "ok", 0
        positions = {str(cached.sequence_number): i for i, (_, cached) in enumerate(records)}
        failed = []
        if isinstance(failures, list):
            for failure in failures:
                identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
                if not isinstance(identifier, str) or identifier not in positions:
                    failed = []
                    break
                failed.append(positions[identifier])
        if not failed:
            self.console.error(
                self.spec.logical_id,
                f"invalid batchItemFailures {json.dumps(failures)[:200]}: the whole batch failed",
            )
            return "error", 0
        return "partial", min(failed)

    def _discard_aged(
        self, shard: Shard, records: list[tuple[int, CachedRecord]], attempts: _Attempts
    ) -> list[tuple[int, CachedRecord]]:
        limit = self.source.max_record_age
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

    def _discard(
        self,
        shard: Shard,
        records: list[tuple[int, CachedRecord]],
        attempts: _Attempts,
        condition: str,
    ) -> None:
        """Give up on records: tell the on-failure destination, as Lambda does."""
        document = self.invocation_record(shard, [c for _, c in records], attempts, condition)
        destination = self.source.on_failure
        if destination and self.send_to_destination is not None:
            self.send_to_destination(destination, document)
            where = f"sent to {destination.rsplit(':', 1)[-1]}"
        else:
            where = "discarded (no on-failure destination)"
        first, last = records[0][1].sequence_number, records[-1][1].sequence_number
        self.console.batch(
            self.spec.logical_id,
            len(records),
            len(records),
            0.0,
            f"{condition}: records {first}..{last} {where}",
        )

    def invocation_record(
        self, shard: Shard, records: list[CachedRecord], attempts: _Attempts, condition: str
    ) -> dict[str, Any]:
        """The on-failure invocation record, shaped like Lambda's for DynamoDB streams."""
        document: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.spec.arn,
                "condition": condition,
                "approximateInvokeCount": attempts.invocations,
            },
        }
        if attempts.invocations:
            response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
            if attempts.function_error:
                response["functionError"] = "Unhandled"
            document["responseContext"] = response
        document.update(
            {
                "version": "1.0",
                "timestamp": _iso(self.clock(), milliseconds=True),
                "DDBStreamBatchInfo": {
                    "shardId": shard.shard_id,
                    "startSequenceNumber": str(records[0].sequence_number),
                    "endSequenceNumber": str(records[-1].sequence_number),
                    "approximateArrivalOfFirstRecord": _iso(records[0].created),
                    "approximateArrivalOfLastRecord": _iso(records[-1].created),
                    "batchSize": len(records),
                    "streamArn": self.tail.stream_arn,
                },
            }
        )
        return document

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
            self.checkpoints.save(self.source.key, self.tail.stream_arn, shard.shard_id, checkpoint)


def _iso(epoch: float, milliseconds: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace(
        "+00:00", "Z"
    )
