"""The message store on DynamoDB: append-only streams with message-db's semantics.

One item per message, partition key ``streamName``, sort key ``position`` (0, 1, 2 …
gapless per stream). A write is a conditional put at the next position; the category index
(partition key ``{category}#{n}``, sort key ``globalPosition``) serves category reads.
"""

from __future__ import annotations

import heapq
import json
import random
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, TypeVar

from . import aws
from . import global_position as gp
from .aws import error_code
from .codec import encode_map
from .errors import (
    InvalidArgumentError,
    InvalidExpectedVersionError,
    MessageDataError,
    MessageStoreUnavailableError,
    MessageTooLargeError,
    VersionConflictError,
    WriteContentionError,
)
from .item import message_from_item
from .message import Message, StoredMessage, format_time
from .projection import Projection
from .settings import MAX_MESSAGE_BYTES, message_store_settings
from .stream_name import category as category_of
from .stream_name import id as id_of
from .stream_name import validate_category, validate_stream_name

S = TypeVar("S")

#: A put is tried this many times; each attempt is stamped anew (its global position is when
#: it was sent), so a retried put never lands behind a reader's settle window.
PUT_ATTEMPTS = 4
#: One put attempt lasts at most this long (connect, then read): well inside the default
#: 5 s settle window, so even an attempt that lands as it times out is read in order.
PUT_CONNECT_TIMEOUT = 1.0
PUT_READ_TIMEOUT = 2.0
CATEGORY_INDEX = "category-index"
TRACE_INDEX = "trace-index"
MAX_PAGE = 1000
_KNOWN_STREAMS = 4096


def category_partition(stream_name: str, partitions: int) -> str:
    """The category-index partition key of a stream: ``{category}#{n}``.

    ``n`` is a stable hash (CRC-32) of the stream id modulo ``partitions``, so all messages
    of one stream share a partition and a category spreads over ``partitions`` of them.
    """
    stream_id = id_of(stream_name) or ""
    return f"{category_of(stream_name)}#{zlib.crc32(stream_id.encode()) % partitions}"


@dataclass(frozen=True)
class CategoryPage:
    """One page of one partition of the category index (``read_category_page``).

    ``complete``: nothing more was there up to the page's upper bound when it was read (the
    query had no next page); otherwise read on from the last message's global position.
    """

    messages: list[StoredMessage]
    complete: bool


@dataclass(frozen=True)
class ScanPage:
    """One page of one segment of a scan of the whole table (``scan_page``).

    ``next_start``: the key (stream name, position) the segment goes on after, or ``None``
    when the segment has been read to its end.
    """

    messages: list[StoredMessage]
    next_start: tuple[str, int] | None


class MessageStore:
    """Writes and reads messages of one DynamoDB message-store table.

    Thread-safe: it holds a boto3 client (created at first use) and a small cache of
    positions known to exist, which is sound because the store never deletes.
    """

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        category_partitions: int | None = None,
        settle_window: float | None = None,
    ) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise InvalidArgumentError("table_name must be a non-empty string")
        settings = message_store_settings()
        self.table_name = table_name
        self.category_partitions = category_partitions or settings.category_partitions
        self.settle_window = (
            settings.settle_window_seconds if settle_window is None else settle_window
        )
        self._append_attempts = settings.append_attempts
        self._client = client
        self._writer = client
        self._clock = gp.GlobalPositionClock()
        self._known_lock = threading.Lock()
        self._known: OrderedDict[str, int] = OrderedDict()

    client = aws.LazyClient("dynamodb")

    @property
    def writer(self) -> Any:
        """The client of puts: no SDK retries (the store retries, restamping each attempt).

        A client given to the constructor serves puts too, with its own retry settings.
        """
        if self._writer is None:
            self._writer = aws.client(
                "dynamodb",
                attempts=1,
                connect_timeout=PUT_CONNECT_TIMEOUT,
                read_timeout=PUT_READ_TIMEOUT,
            )
        return self._writer

    # -- writing -------------------------------------------------------------------------

    def write(self, stream_name: str, message: Message, expected_version: int | None = None) -> int:
        """Append ``message`` to ``stream_name`` and return its position.

        ``expected_version`` is the position of the stream's last message the caller saw
        (``-1``: the stream must not exist yet); a mismatch raises ``VersionConflictError``
        and writes nothing. Without it the message goes at the end, retrying a bounded
        number of times when other writers get there first (``WriteContentionError``).
        Writing the same message id twice at the same position is not an error: the second
        write reports the first one's position, so an SDK retry never doubles a message.
        """
        validate_stream_name(stream_name)
        _validate_expected_version(expected_version)
        if not isinstance(message, Message):
            raise InvalidArgumentError(f"message must be a Message, not {type(message).__name__}")
        body = _encode_body(message)
        if expected_version is not None:
            return self._write_expected(stream_name, message, body, expected_version)
        return self._append(stream_name, message, body)

    def _write_expected(
        self, stream_name: str, message: Message, body: dict[str, Any], expected: int
    ) -> int:
        # A conditional put only sees its own key, so it alone would let a writer that
        # expects 5 on an empty stream create a gap. Position `expected` must exist first:
        # known from an earlier read, or checked now. Nothing is deleted, so once seen it
        # stays true and the put's condition decides the rest.
        # Past it, the put decides: the position may hold this very message, written by an
        # earlier attempt of this write from any instance (an SDK or Lambda retry).
        if expected >= 0 and self._known_position(stream_name) < expected:
            actual = self._last_position(stream_name)
            if actual < expected:
                raise VersionConflictError(stream_name, expected, actual)
        position = expected + 1
        if self._put(stream_name, position, message, body):
            return position
        raise VersionConflictError(stream_name, expected, self._last_position(stream_name))

    def _append(self, stream_name: str, message: Message, body: dict[str, Any]) -> int:
        last = -1
        for attempt in range(self._append_attempts):
            last = self._last_position(stream_name)
            if self._put(stream_name, last + 1, message, body):
                return last + 1
            time.sleep(random.uniform(0.002, 0.010) * (attempt + 1))  # noqa: S311 - jitter
        raise WriteContentionError(stream_name, None, self._last_position(stream_name))

    def _put(self, stream_name: str, position: int, message: Message, body: dict[str, Any]) -> bool:
        """Put one message at ``position`` unless it is taken; True when it is ours.

        Each attempt is stamped when it is sent: an SDK retry would resend the first
        attempt's global position, landing the message later than readers' settle window
        allows, behind a reader that moved on. An attempt that timed out may have landed:
        the next one then finds the position taken by the same message id, which is ours.
        """
        for attempt in range(1, PUT_ATTEMPTS + 1):
            item = self._item(stream_name, position, message, body)
            try:
                self.writer.put_item(
                    TableName=self.table_name,
                    Item=item,
                    ConditionExpression="attribute_not_exists(streamName)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except Exception as exc:  # botocore's errors are classes of the client instance
                if error_code(exc) == "ConditionalCheckFailedException":
                    existing = getattr(exc, "response", {}).get("Item") or {}
                    if existing.get("id", {}).get("S") != message.id:
                        return False
                elif attempt < PUT_ATTEMPTS and aws.is_retryable(exc):
                    time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter
                    continue
                else:
                    raise _unavailable("put_item", exc) from exc
            self._remember(stream_name, position)
            return True
        raise AssertionError("unreachable")  # pragma: no cover

    def _item(
        self, stream_name: str, position: int, message: Message, body: dict[str, Any]
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "streamName": {"S": stream_name},
            "position": {"N": str(position)},
            "id": {"S": message.id},
            "type": {"S": message.type},
            "data": {"M": body["data"]},
            "metadata": {"M": body["metadata"]},
            "time": {"S": format_time(datetime.now(UTC))},
            "globalPosition": {"S": self._clock.next()},
            "category": {"S": category_of(stream_name)},
            "categoryPartition": {"S": category_partition(stream_name, self.category_partitions)},
        }
        trace_id = message.metadata.trace_id
        if trace_id:
            item["traceId"] = {"S": trace_id}
        return item

    # -- reading -------------------------------------------------------------------------

    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[StoredMessage]:
        """Up to ``max_messages`` messages of one stream from ``from_position``, in order.

        Strongly consistent: a message written before the call is always returned.
        """
        validate_stream_name(stream_name)
        _validate_int("from_position", from_position, minimum=0)
        _validate_int("max_messages", max_messages, minimum=1)
        messages = [
            message_from_item(item)
            for item in self._query_stream(stream_name, from_position, max_messages)
        ]
        if messages:
            self._remember(stream_name, messages[-1].position)
        return messages

    def read_last_message(self, stream_name: str) -> StoredMessage | None:
        """The last message of a stream, or ``None`` when the stream is empty."""
        validate_stream_name(stream_name)
        items = self._query(
            KeyConditionExpression="streamName = :s",
            ExpressionAttributeValues={":s": {"S": stream_name}},
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=1,
        )
        item = next(items, None)
        if item is None:
            return None
        message = message_from_item(item)
        self._remember(stream_name, message.position)
        return message

    def fetch(self, stream_name: str, projection: Projection[S]) -> tuple[S, int]:
        """The stream folded through ``projection``, and its version (``-1`` when empty).

        Reads the whole stream, page by page, strongly consistent; the version is what a
        following ``write`` passes as ``expected_version``.
        """
        state = projection.initial()
        version = -1
        while True:
            page = self.read_stream(stream_name, version + 1, MAX_PAGE)
            for message in page:
                state = projection.apply(state, message)
            if page:
                version = page[-1].position
            if len(page) < MAX_PAGE:
                return state, version

    def read_category(
        self,
        category: str,
        after_global_position: str | None = None,
        max_messages: int = 1000,
    ) -> list[StoredMessage]:
        """Up to ``max_messages`` messages of a category after a cursor, in global order.

        Merges the category index's partitions by global position. Messages newer than the
        settle window (``settle_window`` seconds before now) are left for a later read, so
        that a writer whose clock is a little behind is not skipped by a reader that moved
        its cursor past it. Pass the last message's ``global_position`` as the next cursor.
        """
        validate_category(category)
        _validate_int("max_messages", max_messages, minimum=1)
        if after_global_position is not None and not gp.is_global_position(after_global_position):
            raise InvalidArgumentError(
                f"after_global_position {after_global_position!r} is not a global position"
            )
        upper = None
        if self.settle_window > 0:
            upper = gp.floor(datetime.now(UTC) - timedelta(seconds=self.settle_window))
            if after_global_position is not None and after_global_position >= upper:
                return []
        page_size = min(MAX_PAGE, -(-max_messages // self.category_partitions) + 1)
        partitions = [
            self._query_partition(f"{category}#{n}", after_global_position, upper, page_size)
            for n in range(self.category_partitions)
        ]
        merged = heapq.merge(*partitions, key=lambda item: item["globalPosition"]["S"])
        return [message_from_item(item) for item in islice(merged, max_messages)]

    def read_category_page(
        self,
        category: str,
        partition: int,
        after_global_position: str | None = None,
        *,
        before_global_position: str | None = None,
        limit: int | None = None,
    ) -> CategoryPage:
        """One page (one ``Query``) of one partition of the category index, in global order.

        What ``read_category`` merges, one partition and one request at a time, for readers
        that go through the partitions in parallel (a rebuild: every stream lies wholly in
        one partition, so each partition can be folded on its own). Messages after the
        cursor and before ``before_global_position`` (inclusive of a message exactly at it)
        and the settle window; at most ``limit`` (default: a whole page, up to 1 MB, as
        DynamoDB pages). ``partition`` is below ``category_partitions``.
        """
        validate_category(category)
        _validate_int("partition", partition, minimum=0)
        if partition >= self.category_partitions:
            raise InvalidArgumentError(
                f"partition {partition} is not below category_partitions {self.category_partitions}"
            )
        if limit is not None:
            _validate_int("limit", limit, minimum=1)
        for name, value in (
            ("after_global_position", after_global_position),
            ("before_global_position", before_global_position),
        ):
            if value is not None and not gp.is_global_position(value):
                raise InvalidArgumentError(f"{name} {value!r} is not a global position")
        upper = before_global_position
        if self.settle_window > 0:
            settled = gp.floor(datetime.now(UTC) - timedelta(seconds=self.settle_window))
            upper = settled if upper is None else min(upper, settled)
        if (
            after_global_position is not None
            and upper is not None
            and after_global_position >= upper
        ):
            return CategoryPage([], complete=True)
        values: dict[str, Any] = {":k": {"S": f"{category}#{partition}"}}
        condition = "categoryPartition = :k"
        after = after_global_position
        if after is not None and upper is not None:
            # one condition on the sort key: BETWEEN is inclusive, the cursor's own message
            # comes back and is dropped below
            condition += " AND globalPosition BETWEEN :after AND :upper"
            values.update({":after": {"S": after}, ":upper": {"S": upper}})
        elif after is not None:
            condition += " AND globalPosition > :after"
            values[":after"] = {"S": after}
        elif upper is not None:
            condition += " AND globalPosition <= :upper"
            values[":upper"] = {"S": upper}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": CATEGORY_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if limit is not None:
            request["Limit"] = limit + (1 if after is not None and upper is not None else 0)
        try:
            response = self.client.query(**request)
        except Exception as exc:
            raise _unavailable("query", exc) from exc
        messages = [
            message_from_item(item)
            for item in response.get("Items", ())
            if item["globalPosition"]["S"] != after
        ]
        if limit is not None and len(messages) > limit:
            # the cursor's message was not in the page: one more than asked came back
            return CategoryPage(messages[:limit], complete=False)
        return CategoryPage(messages, complete=not response.get("LastEvaluatedKey"))

    def read_latest(
        self,
        categories: Iterable[str],
        before_global_position: str | None = None,
        max_messages: int = 50,
    ) -> list[StoredMessage]:
        """The newest messages of ``categories`` (newest first), before a cursor.

        For operators' pages ("every message, newest first"): the categories' index
        partitions read backwards and merged. No settle window: what is shown is what is
        there now. Pass the last message's ``global_position`` as the next cursor.
        """
        _validate_int("max_messages", max_messages, minimum=1)
        before = before_global_position
        if before is not None and not gp.is_global_position(before):
            raise InvalidArgumentError(
                f"before_global_position {before!r} is not a global position"
            )
        partitions = []
        for category in categories:
            validate_category(category)
            for n in range(self.category_partitions):
                values: dict[str, Any] = {":k": {"S": f"{category}#{n}"}}
                condition = "categoryPartition = :k"
                if before is not None:
                    condition += " AND globalPosition < :before"
                    values[":before"] = {"S": before}
                partitions.append(
                    self._query(
                        IndexName=CATEGORY_INDEX,
                        KeyConditionExpression=condition,
                        ExpressionAttributeValues=values,
                        ScanIndexForward=False,
                        Limit=min(MAX_PAGE, max_messages),
                    )
                )
        merged = heapq.merge(
            *partitions, key=lambda item: item["globalPosition"]["S"], reverse=True
        )
        return [message_from_item(item) for item in islice(merged, max_messages)]

    def scan(self, segment: int = 0, segments: int = 1) -> Iterator[StoredMessage]:
        """Every message of the table, one segment of a parallel scan; each stream's messages
        in position order. For rebuilding a view of every category (order across streams
        does not matter to it)."""
        _validate_int("segments", segments, minimum=1)
        _validate_int("segment", segment, minimum=0)
        if segment >= segments:
            raise InvalidArgumentError(f"segment {segment} is not below segments {segments}")
        request: dict[str, Any] = {"TableName": self.table_name, "ConsistentRead": True}
        if segments > 1:
            request.update(Segment=segment, TotalSegments=segments)
        while True:
            try:
                response = self.client.scan(**request)
            except Exception as exc:
                raise _unavailable("scan", exc) from exc
            for item in response.get("Items", ()):
                yield message_from_item(item)
            if not response.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def scan_page(
        self,
        segment: int = 0,
        segments: int = 1,
        start: tuple[str, int] | None = None,
        *,
        limit: int | None = None,
    ) -> ScanPage:
        """One page (one ``Scan``, strongly consistent) of one segment of the whole table.

        For rebuilding a view of every category, segment by segment in parallel, resumably:
        pass the page's ``next_start`` as the next ``start``. Each stream's messages come in
        position order (a stream lies wholly in one segment). At most ``limit`` messages
        (default: a whole page, up to 1 MB).
        """
        _validate_int("segments", segments, minimum=1)
        _validate_int("segment", segment, minimum=0)
        if segment >= segments:
            raise InvalidArgumentError(f"segment {segment} is not below segments {segments}")
        if limit is not None:
            _validate_int("limit", limit, minimum=1)
        request: dict[str, Any] = {"TableName": self.table_name, "ConsistentRead": True}
        if segments > 1:
            request.update(Segment=segment, TotalSegments=segments)
        if start is not None:
            stream_name, position = start
            validate_stream_name(stream_name)
            _validate_int("start position", position, minimum=0)
            request["ExclusiveStartKey"] = {
                "streamName": {"S": stream_name},
                "position": {"N": str(position)},
            }
        if limit is not None:
            request["Limit"] = limit
        try:
            response = self.client.scan(**request)
        except Exception as exc:
            raise _unavailable("scan", exc) from exc
        messages = [message_from_item(item) for item in response.get("Items", ())]
        last = response.get("LastEvaluatedKey")
        if not last:
            return ScanPage(messages, None)
        return ScanPage(messages, (last["streamName"]["S"], int(last["position"]["N"])))

    def read_trace(self, trace_id: str, max_messages: int = 1000) -> list[StoredMessage]:
        """Every message of one trace (request), in global order, from the trace index."""
        if not isinstance(trace_id, str) or not trace_id:
            raise InvalidArgumentError("trace_id must be a non-empty string")
        _validate_int("max_messages", max_messages, minimum=1)
        items = self._query(
            IndexName=TRACE_INDEX,
            KeyConditionExpression="traceId = :t",
            ExpressionAttributeValues={":t": {"S": trace_id}},
            Limit=min(MAX_PAGE, max_messages),
        )
        return [message_from_item(item) for item in islice(items, max_messages)]

    def _query_stream(
        self, stream_name: str, from_position: int, max_messages: int
    ) -> Iterator[dict[str, Any]]:
        items = self._query(
            KeyConditionExpression="streamName = :s AND #p >= :from",
            ExpressionAttributeNames={"#p": "position"},
            ExpressionAttributeValues={
                ":s": {"S": stream_name},
                ":from": {"N": str(from_position)},
            },
            ConsistentRead=True,
            Limit=min(MAX_PAGE, max_messages),
        )
        return islice(items, max_messages)

    def _query_partition(
        self, partition: str, after: str | None, upper: str | None, page_size: int
    ) -> Iterator[dict[str, Any]]:
        values: dict[str, Any] = {":k": {"S": partition}}
        condition = "categoryPartition = :k"
        if after is not None and upper is not None:
            # DynamoDB allows one condition on the sort key: BETWEEN is inclusive, so the
            # cursor's own message is read again and dropped below.
            condition += " AND globalPosition BETWEEN :after AND :upper"
            values.update({":after": {"S": after}, ":upper": {"S": upper}})
        elif after is not None:
            condition += " AND globalPosition > :after"
            values[":after"] = {"S": after}
        elif upper is not None:
            condition += " AND globalPosition < :upper"
            values[":upper"] = {"S": upper}
        items = self._query(
            IndexName=CATEGORY_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Limit=page_size,
        )
        for item in items:
            if item["globalPosition"]["S"] != after:
                yield item

    def _query(self, **request: Any) -> Iterator[dict[str, Any]]:
        """Every item of a query, page after page (each page at most 1 MB)."""
        request["TableName"] = self.table_name
        while True:
            try:
                response = self.client.query(**request)
            except Exception as exc:
                raise _unavailable("query", exc) from exc
            yield from response.get("Items", ())
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return
            request["ExclusiveStartKey"] = last_key

    def _last_position(self, stream_name: str) -> int:
        items = self._query(
            KeyConditionExpression="streamName = :s",
            ExpressionAttributeValues={":s": {"S": stream_name}},
            ProjectionExpression="#p",
            ExpressionAttributeNames={"#p": "position"},
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=1,
        )
        item = next(items, None)
        position = -1 if item is None else int(item["position"]["N"])
        if position >= 0:
            self._remember(stream_name, position)
        return position

    # -- positions known to exist --------------------------------------------------------

    def _remember(self, stream_name: str, position: int) -> None:
        with self._known_lock:
            if self._known.get(stream_name, -1) < position:
                self._known[stream_name] = position
            self._known.move_to_end(stream_name)
            while len(self._known) > _KNOWN_STREAMS:
                self._known.popitem(last=False)

    def _known_position(self, stream_name: str) -> int:
        with self._known_lock:
            return self._known.get(stream_name, -1)


# -- helpers -------------------------------------------------------------------------------


def _validate_expected_version(expected_version: object) -> None:
    if expected_version is None:
        return
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidExpectedVersionError(
            f"expected_version must be an int or None, not {type(expected_version).__name__}"
        )
    if expected_version < -1:
        raise InvalidExpectedVersionError(
            f"expected_version must be -1 (no stream yet) or a position, not {expected_version}"
        )


def _validate_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{name} must be an int >= {minimum}, not {value!r}")


def _encode_body(message: Message) -> dict[str, Any]:
    data = message.data
    metadata = message.metadata.to_json()
    try:
        size = len(
            json.dumps(
                {"data": data, "metadata": metadata},
                separators=(",", ":"),
                ensure_ascii=False,
                allow_nan=False,
            ).encode()
        )
    except (TypeError, ValueError) as exc:
        # encode_map below names the offending value; json's message does not
        encode_map(data, "data")
        encode_map(metadata, "metadata")
        raise MessageDataError(f"message is not JSON: {exc}") from exc
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLargeError(size, MAX_MESSAGE_BYTES)
    return {"data": encode_map(data, "data"), "metadata": encode_map(metadata, "metadata")}


def _unavailable(operation: str, exc: Exception) -> MessageStoreUnavailableError:
    return MessageStoreUnavailableError(f"DynamoDB {operation} failed: {error_code(exc) or exc}")
