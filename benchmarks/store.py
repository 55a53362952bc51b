"""Message-store benchmark: each store call against the raw DynamoDB requests it stands for.

``make bench`` runs it (or ``.venv/bin/python benchmarks/store.py``). One moto server, a real
HTTP endpoint started in this process, holds the message-store table created from
``template.yaml``; the store and the raw baselines share one boto3 client. Each comparison
runs its two variants interleaved (store, raw, raw, store, …) and compares the medians.

Like for like: before timing, one call of each variant runs with its requests counted, and
the two must make the same DynamoDB requests and return the same messages (otherwise the
row says so). The raw side does only what a caller of the bare client must do: build the
item (from data already in DynamoDB's form) and put it, or query and keep the items.

A report, not a test: the exit code is 0 even when a target is missed (the output says so).
"""

from __future__ import annotations

import gc
import heapq
import logging
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "message_store"))
sys.path.insert(0, str(ROOT))
# Fake credentials: the only endpoint this process talks to is its own moto server.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)
os.environ.pop("AWS_PROFILE", None)

import moto  # noqa: E402 - after the path and credential setup above
from moto.server import ThreadedMotoServer  # noqa: E402

from devserver.resources import create_tables  # noqa: E402
from devserver.template import Intrinsics, load_template, parameter_defaults  # noqa: E402
from message_store import Message, MessageStore, Metadata  # noqa: E402
from message_store import aws as aws_clients  # noqa: E402
from message_store import global_position as gp  # noqa: E402
from message_store.codec import encode_map  # noqa: E402
from message_store.store import CATEGORY_INDEX, MAX_PAGE, category_partition  # noqa: E402

# Sizes: moto serialises a response at roughly 3 ms per item, so reads stay small.
WRITE_STREAM_LENGTH = 20  # writes go to fresh streams of this length, like entities
READ_STREAM_LENGTH = 20  # the stream read_stream reads: a typical entity's history
CATEGORY_STREAMS = 8  # the category read_category reads: 8 streams (2 per partition) …
CATEGORY_STREAM_LENGTH = 5  # … of 5 messages, written round-robin (40 messages)
CATCH_UP_PAGE = 10  # a catch-up reader's page (max_messages) in the paged variant
CASE_BUDGET_SECONDS = 11.0  # timed rounds per comparison fit in this (both variants)
MIN_ROUNDS, MAX_ROUNDS = 11, 300

VIDEO_ID = str(uuid.uuid4())
USER_ID = str(uuid.uuid4())
DATA = {"videoId": VIDEO_ID, "userId": USER_ID, "title": "Practical Microservices", "views": 3}
METADATA = Metadata(trace_id=str(uuid.uuid4()), user_id=USER_ID, origin_stream_name="viewing-1")


def a_message() -> Message:
    return Message(type="VideoViewed", data=DATA, metadata=METADATA)


# -- the moto server and the table -----------------------------------------------------------


def start_moto() -> tuple[ThreadedMotoServer, str]:
    """A moto server on a free local port; werkzeug's per-request log lines silenced."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def create_message_store_table(client: Any) -> tuple[str, int]:
    """The template's tables on the server; the message store's name and its partitions."""
    template = load_template()
    defaults = parameter_defaults(template)
    intrinsics = Intrinsics(refs={**defaults, "AWS::StackName": "bench"})
    names = create_tables(client, template, lambda logical_id: f"bench-{logical_id}", intrinsics)
    return names["MessageStoreTable"], int(defaults["CategoryPartitions"])


# -- counting requests -----------------------------------------------------------------------


class RequestLog:
    """Counts the client's DynamoDB requests and the items they return (while active)."""

    def __init__(self, client: Any) -> None:
        self._events = client.meta.events
        self.operations: Counter[str] = Counter()
        self.items = 0

    def _before(self, model: Any, **_: Any) -> None:
        self.operations[model.name] += 1

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += len(parsed.get("Items", ()))

    def __enter__(self) -> RequestLog:
        self._events.register("before-call.dynamodb", self._before, unique_id="bench-before")
        self._events.register("after-call.dynamodb", self._after, unique_id="bench-after")
        return self

    def __exit__(self, *_: object) -> None:
        self._events.unregister("before-call.dynamodb", unique_id="bench-before")
        self._events.unregister("after-call.dynamodb", unique_id="bench-after")

    def describe(self) -> str:
        requests = " + ".join(
            f"{count} {name}" if count > 1 else name
            for name, count in sorted(self.operations.items())
        )
        return f"{requests}, {self.items} items" if self.items else requests


def counted(client: Any, call: Callable[[], Any]) -> tuple[Any, RequestLog]:
    with RequestLog(client) as log:
        result = call()
    return result, log


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Row:
    operation: str
    target: float | None
    store_requests: str
    raw_requests: str
    same_result: bool
    store_seconds: list[float] = field(default_factory=list)
    raw_seconds: list[float] = field(default_factory=list)

    @property
    def store_median(self) -> float:
        return statistics.median(self.store_seconds)

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw_seconds)

    @property
    def ratio(self) -> float:
        return self.store_median / self.raw_median

    @property
    def like_for_like(self) -> bool:
        return self.same_result and self.store_requests == self.raw_requests

    @property
    def passed(self) -> bool:
        return self.like_for_like and (self.target is None or self.ratio <= self.target)


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def interleave(store: Callable[[], Any], raw: Callable[[], Any], row: Row) -> None:
    """Warm up, then time store and raw in alternating order (ABBA…), GC paused."""
    warm_up = [timed(store) + timed(raw) for _ in range(3)]
    rounds = int(CASE_BUDGET_SECONDS / statistics.median(warm_up))
    rounds = max(MIN_ROUNDS, min(MAX_ROUNDS, rounds))
    gc.collect()
    gc.disable()
    try:
        for round_number in range(rounds):
            order = [(store, row.store_seconds), (raw, row.raw_seconds)]
            if round_number % 2:
                order.reverse()
            for call, samples in order:
                samples.append(timed(call))
            if round_number % 25 == 24:
                gc.collect()
    finally:
        gc.enable()


def compare(
    client: Any,
    operation: str,
    target: float | None,
    store: Callable[[], Any],
    raw: Callable[[], Any],
    same: Callable[[Any, Any], bool],
) -> Row:
    """Check that both variants do the same requests for the same result, then time them."""
    store_result, store_log = counted(client, store)
    raw_result, raw_log = counted(client, raw)
    row = Row(
        operation,
        target,
        store_log.describe(),
        raw_log.describe(),
        same(store_result, raw_result),
    )
    interleave(store, raw, row)
    return row


# -- raw DynamoDB: what a caller of the bare client does -------------------------------------


def query_items(client: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item of a query, page after page."""
    request = dict(request)
    while True:
        response = client.query(**request)
        yield from response.get("Items", ())
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        request["ExclusiveStartKey"] = last_key


class RawStore:
    """The same table through the bare client: items built by hand, queries made directly."""

    def __init__(self, client: Any, table_name: str, partitions: int) -> None:
        self.client = client
        self.table_name = table_name
        self.partitions = partitions
        self.clock = gp.GlobalPositionClock()
        # data and metadata already in DynamoDB's form: the raw side pays no encoding
        self.data = encode_map(DATA)
        self.metadata = encode_map(METADATA.to_json())
        self.trace_id = METADATA.trace_id or ""

    def item(self, stream_name: str, position: int) -> dict[str, Any]:
        category = stream_name.split("-", 1)[0]
        now = datetime.now(UTC)
        return {
            "streamName": {"S": stream_name},
            "position": {"N": str(position)},
            "id": {"S": str(uuid.uuid4())},
            "type": {"S": "VideoViewed"},
            "data": {"M": self.data},
            "metadata": {"M": self.metadata},
            "time": {"S": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"},
            "globalPosition": {"S": self.clock.next()},
            "category": {"S": category},
            "categoryPartition": {"S": category_partition(stream_name, self.partitions)},
            "traceId": {"S": self.trace_id},
        }

    def put(self, stream_name: str, position: int) -> int:
        self.client.put_item(
            TableName=self.table_name,
            Item=self.item(stream_name, position),
            ConditionExpression="attribute_not_exists(streamName)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return position

    def last_position(self, stream_name: str) -> int:
        response = self.client.query(
            TableName=self.table_name,
            KeyConditionExpression="streamName = :s",
            ExpressionAttributeValues={":s": {"S": stream_name}},
            ProjectionExpression="#p",
            ExpressionAttributeNames={"#p": "position"},
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=1,
        )
        items = response.get("Items", [])
        return int(items[0]["position"]["N"]) if items else -1

    def read_stream(self, stream_name: str, max_messages: int = 1000) -> list[dict[str, Any]]:
        request = {
            "TableName": self.table_name,
            "KeyConditionExpression": "streamName = :s AND #p >= :from",
            "ExpressionAttributeNames": {"#p": "position"},
            "ExpressionAttributeValues": {":s": {"S": stream_name}, ":from": {"N": "0"}},
            "ConsistentRead": True,
            "Limit": min(MAX_PAGE, max_messages),
        }
        return list(islice(query_items(self.client, request), max_messages))

    def read_category(
        self, category: str, after: str | None = None, max_messages: int = 1000
    ) -> list[dict[str, Any]]:
        """The P partition queries of the category index (same page size), merged."""
        page_size = min(MAX_PAGE, -(-max_messages // self.partitions) + 1)

        def partition(number: int) -> Iterator[dict[str, Any]]:
            request: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": CATEGORY_INDEX,
                "KeyConditionExpression": "categoryPartition = :k",
                "ExpressionAttributeValues": {":k": {"S": f"{category}#{number}"}},
                "Limit": page_size,
            }
            if after is not None:
                request["KeyConditionExpression"] += " AND globalPosition > :after"
                request["ExpressionAttributeValues"][":after"] = {"S": after}
            return query_items(self.client, request)

        merged = heapq.merge(
            *(partition(n) for n in range(self.partitions)),
            key=lambda item: item["globalPosition"]["S"],
        )
        return list(islice(merged, max_messages))


def same_messages(messages: list[Message], items: list[dict[str, Any]]) -> bool:
    return [m.id for m in messages] == [item["id"]["S"] for item in items]


# -- the comparisons -------------------------------------------------------------------------


class StreamCursor:
    """The stream a writer appends to and the last position it wrote (fresh streams)."""

    def __init__(self, category: str) -> None:
        self.category = category
        self.stream = ""
        self.version = WRITE_STREAM_LENGTH - 1

    def next(self) -> tuple[str, int]:
        """The stream to write to and the version it is at (-1: a new stream)."""
        if self.version >= WRITE_STREAM_LENGTH - 1:
            self.stream = f"{self.category}-{uuid.uuid4()}"
            self.version = -1
        return self.stream, self.version


def compare_write_expected(store: MessageStore, raw: RawStore) -> Row:
    store_cursor, raw_cursor = StreamCursor("benchStore"), StreamCursor("benchRaw")

    def store_write() -> str:
        stream, version = store_cursor.next()
        store_cursor.version = store.write(stream, a_message(), expected_version=version)
        return stream

    def raw_write() -> str:
        stream, version = raw_cursor.next()
        raw_cursor.version = raw.put(stream, version + 1)
        return stream

    def same_item_shape(store_stream: str, raw_stream: str) -> bool:
        def attributes(stream: str) -> set[str]:
            key = {"streamName": {"S": stream}, "position": {"N": "0"}}
            return set(raw.client.get_item(TableName=raw.table_name, Key=key)["Item"])

        return attributes(store_stream) == attributes(raw_stream)

    return compare(
        raw.client,
        "write, expected version known",
        1.10,
        store_write,
        raw_write,
        same_item_shape,
    )


def compare_write_append(store: MessageStore, raw: RawStore) -> Row:
    store_cursor, raw_cursor = StreamCursor("benchAppend"), StreamCursor("benchRawAppend")

    def store_append() -> int:
        stream, _ = store_cursor.next()
        store_cursor.version = store.write(stream, a_message())
        return store_cursor.version

    def raw_append() -> int:
        stream, _ = raw_cursor.next()
        raw_cursor.version = raw.put(stream, raw.last_position(stream) + 1)
        return raw_cursor.version

    return compare(
        raw.client,
        "write, no expected version",
        1.10,
        store_append,
        raw_append,
        lambda a, b: a == b,
    )


def compare_read_stream(store: MessageStore, raw: RawStore) -> Row:
    stream = "benchRead-1"
    for version in range(-1, READ_STREAM_LENGTH - 1):
        store.write(stream, a_message(), expected_version=version)
    return compare(
        raw.client,
        f"read_stream ({READ_STREAM_LENGTH} messages)",
        1.10,
        lambda: store.read_stream(stream),
        lambda: raw.read_stream(stream),
        same_messages,
    )


def seed_category(store: MessageStore, category: str) -> None:
    # ids 0…7: two streams in each of the 4 partitions (crc32 % 4 = 1, 3, 1, 3, 0, 2, 0, 2)
    streams = [f"{category}-{number}" for number in range(CATEGORY_STREAMS)]
    for version in range(-1, CATEGORY_STREAM_LENGTH - 1):
        for stream in streams:  # round-robin: the streams' global positions interleave
            store.write(stream, a_message(), expected_version=version)


def compare_read_category(store: MessageStore, raw: RawStore, category: str) -> Row:
    size = CATEGORY_STREAMS * CATEGORY_STREAM_LENGTH
    return compare(
        raw.client,
        f"read_category ({size} messages)",
        1.25,
        lambda: store.read_category(category),
        lambda: raw.read_category(category),
        same_messages,
    )


def compare_catch_up(store: MessageStore, raw: RawStore, category: str) -> Row:
    def store_catch_up() -> list[Message]:
        messages: list[Message] = []
        while page := store.read_category(
            category, messages[-1].global_position if messages else None, CATCH_UP_PAGE
        ):
            messages.extend(page)
        return messages

    def raw_catch_up() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while page := raw.read_category(
            category, items[-1]["globalPosition"]["S"] if items else None, CATCH_UP_PAGE
        ):
            items.extend(page)
        return items

    size = CATEGORY_STREAMS * CATEGORY_STREAM_LENGTH
    return compare(
        raw.client,
        f"read_category, pages of {CATCH_UP_PAGE} ({size})",
        1.25,
        store_catch_up,
        raw_catch_up,
        same_messages,
    )


# -- the store's own CPU time, without I/O ---------------------------------------------------


class StubClient:
    """Answers put_item and query at once (one canned page): no server, no network."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    def put_item(self, **_: Any) -> dict[str, Any]:
        return {}

    def query(self, **_: Any) -> dict[str, Any]:
        return {"Items": self.items, "Count": len(self.items)}


def cpu_microseconds(call: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(repeat):
            call()
        samples.append((time.perf_counter() - start) / repeat)
    return statistics.median(samples) * 1e6


def store_cpu(raw: RawStore, items: list[dict[str, Any]]) -> dict[str, float]:
    """The store's client-side work per call, and the raw side's, with a stub client."""
    stub = MessageStore("bench-stub", client=StubClient(items), settle_window=0)
    stream = f"benchCpu-{uuid.uuid4()}"
    version = iter(range(-1, 10**9))
    return {
        "write": cpu_microseconds(
            lambda: stub.write(stream, a_message(), expected_version=next(version)), 2000
        ),
        "raw item": cpu_microseconds(lambda: raw.item(stream, 0), 2000),
        "read per message": cpu_microseconds(lambda: stub.read_stream(stream), 200) / len(items),
    }


# -- the report ------------------------------------------------------------------------------


def print_report(rows: list[Row], cpu: dict[str, float], elapsed: float) -> None:
    header = (
        f"{'operation':<34} {'requests (store = raw)':<34} {'store ms':>9} {'raw ms':>9} "
        f"{'ratio':>6} {'target':>7}  result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        requests = row.store_requests
        if row.store_requests != row.raw_requests:
            requests = f"{row.store_requests} ≠ {row.raw_requests}"
        target = f"≤ {row.target:.2f}" if row.target is not None else "-"
        if not row.like_for_like:
            result = "NOT LIKE FOR LIKE"
        else:
            result = "pass" if row.passed else "MISSED"
        print(
            f"{row.operation:<34} {requests:<34} {row.store_median * 1e3:>9.2f} "
            f"{row.raw_median * 1e3:>9.2f} {row.ratio:>6.3f} {target:>7}  {result}"
        )
    rounds = ", ".join(str(len(row.store_seconds)) for row in rows)
    print(f"\nmedians of {rounds} interleaved rounds; {elapsed:.0f} s in all")
    print(
        f"store CPU without I/O (stub client): write {cpu['write']:.0f} µs "
        f"(raw item {cpu['raw item']:.0f} µs), read {cpu['read per message']:.0f} µs a message"
    )
    missed = [row.operation for row in rows if not row.passed]
    if missed:
        print(f"\nTARGETS MISSED: {'; '.join(missed)} (a report, not a test: exit code 0)")
    else:
        print("\nall targets met")


def main() -> int:
    started = time.perf_counter()
    server, endpoint = start_moto()
    try:
        client = aws_clients.client("dynamodb", endpoint_url=endpoint, region="us-east-1")
        table_name, partitions = create_message_store_table(client)
        store = MessageStore(
            table_name, client=client, category_partitions=partitions, settle_window=0
        )
        raw = RawStore(client, table_name, partitions)
        print(
            f"Message store vs raw DynamoDB requests: moto {moto.__version__} server at "
            f"{endpoint}, table {table_name}, {partitions} category partitions\n"
        )
        category = "benchCategory"
        seed_category(store, category)
        rows = [
            compare_write_expected(store, raw),
            compare_write_append(store, raw),
            compare_read_stream(store, raw),
            compare_read_category(store, raw, category),
            compare_catch_up(store, raw, category),
        ]
        cpu = store_cpu(raw, raw.read_category(category))
    finally:
        server.stop()
    print_report(rows, cpu, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
