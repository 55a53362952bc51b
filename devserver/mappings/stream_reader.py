"""Reading a DynamoDB stream for every mapping on it, records kept in Lambda's shape.

One ``StreamTail`` per stream reads every shard (``GetRecords``, one request per shard per
poll interval for the whole stream, whatever the number of mappings on it), keeps the
records in memory as Lambda delivers them (``eventVersion`` 1.1, epoch
``ApproximateCreationDateTime``, binary attributes as base64, ``eventSourceARN``), and
wakes the pollers waiting on its condition when records arrive. Shards are handed out
parents before children, the order their records must be processed in.

Records **expire** when asked (``expire``: what DynamoDB Streams does after 24 hours): they
stay in memory, below each shard's ``trimmed`` index, and no poller delivers them any more.
The trim horizon is kept with the checkpoints, so a restart does not bring them back.
"""

from __future__ import annotations

import base64
import bisect
import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..console import Console
from .checkpoints import CheckpointStore, ShardCheckpoint
from .rounds import Rounds

_SHARD_REFRESH_CYCLES = 40
_PAGES_PER_CYCLE = 20
#: records a ``GetRecords`` asks for: a page with fewer has read the shard up to its end
_PAGE_LIMIT = 1000


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
    #: records below this index have expired: no poller delivers them
    trimmed: int = 0

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
        self,
        client: Any,
        stream_arn: str,
        *,
        region: str,
        interval: float,
        console: Console,
        checkpoints: CheckpointStore | None = None,
    ) -> None:
        self.client = client
        self.checkpoints = checkpoints
        self.stream_arn = stream_arn
        self.region = region
        self.interval = interval
        self.console = console
        self.shards: dict[str, Shard] = {}
        self.condition = threading.Condition()
        self.rounds = Rounds(self.condition, interval)
        self.generation = 0
        self._failing = False
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def start(self) -> None:
        """Read everything the stream holds now, then keep reading in the background.

        Once: the first mapping enabled on the stream starts its reader."""
        with self._starting:
            if self._thread is not None:
                return
            self.rounds.begin()
            self._refresh_shards()
            while self._read_shards():
                pass
            self._restore_trim_horizons()
            self.rounds.finished()
            self._thread = threading.Thread(
                target=self._run, name=f"tail {self.stream_arn.split('/')[1]}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop reading."""
        self.rounds.stop()
        if self._thread is not None:
            self._thread.join(10)

    def wake(self) -> None:
        """Read now rather than at the next interval."""
        self.rounds.wake()

    def sync(self, deadline: float) -> bool:
        """Wait until a whole read that started after this call has finished."""
        if self._thread is None:
            return True  # not read at all: every mapping on it is disabled
        return self.rounds.fresh(deadline)

    def expire(self, before: float | None = None) -> int:
        """Expire the records created before ``before`` (epoch seconds; ``None``: every record
        read so far); how many expired now. Pollers waiting for records are woken."""
        expired = 0
        with self.condition:
            for shard in self.shards.values():
                horizon = shard.trimmed
                records = shard.records
                if before is None:
                    horizon = len(records)
                else:
                    while horizon < len(records) and records[horizon].created < before:
                        horizon += 1
                if horizon <= shard.trimmed:
                    continue
                expired += horizon - shard.trimmed
                shard.trimmed = horizon
                if self.checkpoints is not None:
                    last = records[horizon - 1]
                    self.checkpoints.save_trim_horizon(
                        self.stream_arn,
                        shard.shard_id,
                        ShardCheckpoint(str(last.sequence_number), last.event_id),
                    )
            self.generation += 1
            self.condition.notify_all()
        return expired

    def _restore_trim_horizons(self) -> None:
        if self.checkpoints is None:
            return
        for shard_id, horizon in self.checkpoints.trim_horizons(self.stream_arn).items():
            shard = self.shards.get(shard_id)
            index = shard.index_after(horizon) if shard is not None else None
            if shard is not None and index is not None:
                shard.trimmed = index

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
            self.rounds.pause()
            if self.rounds.stopped:
                return
            self.rounds.begin()
            try:
                if self.rounds.count % _SHARD_REFRESH_CYCLES == 0:
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
                if changed:
                    self.generation += 1
                self.rounds.finished()

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
                records, full = self._read_page(shard)
                added = added or bool(records)
                if not full:
                    break  # the end of the shard: what is written next wakes the next round
        return added

    def _read_page(self, shard: Shard) -> tuple[list[CachedRecord], bool]:
        """The records of the shard's next page that are new; whether the page was full.

        The pollers are woken as soon as a page brings records, not at the round's end."""
        if shard.iterator is None:
            request = {"StreamArn": self.stream_arn, "ShardId": shard.shard_id}
            if shard.sequence_numbers:
                request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
                request["SequenceNumber"] = str(shard.sequence_numbers[-1])
            else:
                request["ShardIteratorType"] = "TRIM_HORIZON"
            shard.iterator = self.client.get_shard_iterator(**request)["ShardIterator"]
        try:
            response = self.client.get_records(ShardIterator=shard.iterator, Limit=_PAGE_LIMIT)
        except self.client.exceptions.ExpiredIteratorException:
            shard.iterator = None
            return [], True  # read again with a new iterator
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
                self.generation += 1
                self.condition.notify_all()
        return cached, len(response["Records"]) >= _PAGE_LIMIT
