"""The admin-streams view: every stream of the store, and every category with its streams.

- ``AdminStreamsViewTable``, keyed by stream name: the category, how many messages, and the
  last one (id, type, position, time, global position). One item per stream: no item takes
  every message (a hot stream is its own item; a hot category is spread over its streams).
  The ``category-index`` lists a category's streams: its key is ``{category}#{n}``, one of
  ``INDEX_PARTITIONS`` per category (``n`` from the stream's name), so that a category whose
  streams are written often — a viral video's — does not rewrite one index key with every
  batch; a page of a category reads its partitions and merges them by name.
- ``AdminCategoriesViewTable``: per category, ``CATEGORY_SHARDS`` items counting its streams,
  each changed only when one of its streams appears (in the same transaction as that
  stream's first item, so never twice), summed when read.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from message_store.aws import error_code
from message_store.view_item import ViewItem
from message_store.views import DynamoViewRepository, ViewUnavailableError, decode_attributes

from .paging import Page, query_page, scan_page

CATEGORY_INDEX = "category-index"
#: Items a category's stream count is spread over (a burst of new streams of one category
#: is spread over them): 100 registrations a second make 100 new streams a second in each of
#: five categories, 12.5 a second an item, a quarter of what one item takes before its
#: transactions start to conflict (``benchmarks/capacity.py``; 4 items were at 54 %). Counts
#: kept under another number before are summed all the same (``categories`` reads them all).
CATEGORY_SHARDS = 8
#: Index keys a category's streams are spread over (``{category}#{n}``). Every write of a
#: stream's item rewrites its index entry (the index projects every attribute): at 10,000
#: viewings a second of one video, its streams' items take 6,000 writes a second in the
#: Queues topology (SQS FIFO batches are small), six times one index partition's 1,000 WCU/s
#: under a single ``viewing`` key; over 32 keys, about 190 each (``benchmarks/capacity.py``).
#: Items written before (key: the bare category) are read all the same.
INDEX_PARTITIONS = 32
#: Queries of a category's index partitions in flight at once (a page reads them all).
_INDEX_READERS = 8
_TRANSACTION_LIMIT = 100


@dataclass(frozen=True)
class StreamSummary:
    """One stream as the admin pages list it."""

    stream_name: str = ""
    category: str = ""
    messages: int = 0
    last_message_id: str | None = None
    last_type: str | None = None
    last_position: int = -1
    last_time: str | None = None
    last_global_position: str | None = None


@dataclass(frozen=True)
class CategorySummary:
    """One category: how many streams it has."""

    category: str
    streams: int


def _key(stream_name: str) -> dict[str, str]:
    return {"streamName": stream_name}


def index_partition(stream_name: str) -> int:
    """Which of its category's index keys a stream is listed under."""
    return zlib.crc32(stream_name.encode()) % INDEX_PARTITIONS


def index_key(category: str, stream_name: str) -> str:
    """A stream's category-index key: ``{category}#{n}`` (categories hold no ``#``)."""
    return f"{category}#{index_partition(stream_name)}"


def _index_keys(category: str) -> list[str]:
    """Every index key of a category: its partitions, and the bare category (before them)."""
    return [category] + [f"{category}#{n}" for n in range(INDEX_PARTITIONS)]


def _to_attributes(summary: StreamSummary) -> dict[str, Any]:
    return {
        "category": index_key(summary.category, summary.stream_name),
        "messages": summary.messages,
        "lastMessageId": summary.last_message_id,
        "lastType": summary.last_type,
        "lastPosition": summary.last_position,
        "lastTime": summary.last_time,
        "lastGlobalPosition": summary.last_global_position,
    }


def _from_attributes(values: dict[str, Any]) -> StreamSummary:
    return StreamSummary(
        stream_name=values.get("streamName", ""),
        category=values.get("category", "").partition("#")[0],
        messages=int(values.get("messages", 0)),
        last_message_id=values.get("lastMessageId"),
        last_type=values.get("lastType"),
        last_position=int(values.get("lastPosition", -1)),
        last_time=values.get("lastTime"),
        last_global_position=values.get("lastGlobalPosition"),
    )


def _by_name(summary: StreamSummary) -> str:
    return summary.stream_name


def category_shard(stream_name: str) -> int:
    """Which of its category's count items a stream is counted in."""
    return zlib.crc32(stream_name.encode()) % CATEGORY_SHARDS


class AdminStreamsViews(DynamoViewRepository[StreamSummary]):
    """The admin-streams view tables (``ADMIN_STREAMS_VIEW_TABLE``, ``…_CATEGORIES_…``)."""

    #: the template's other view table of this view (its categories' counts)
    EXTRA_TABLES = ("AdminCategoriesViewTable",)

    def __init__(
        self, table_name: str, categories_table: str = "", client: Any | None = None
    ) -> None:
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )
        self.categories_table = categories_table

    def save(
        self, changes: Sequence[tuple[ViewItem[StreamSummary], ViewItem[StreamSummary]]]
    ) -> None:
        """Each changed stream once; a new stream also counted in its category, atomically.

        A stream the view knows is one conditional put (no transaction: half the write
        units). A new stream's first item and its category count go in one transaction (one
        operation per item: the new streams of one category shard are counted by one ``ADD``).
        """
        known = [(before, after) for before, after in changes if before.version >= 0]
        puts: list[dict[str, Any]] = []
        counts: dict[tuple[str, int], int] = {}
        for before, after in changes:
            if before.version >= 0:
                continue
            shard = (after.state.category, category_shard(after.state.stream_name))
            if len(puts) + len(counts) + (shard not in counts) >= _TRANSACTION_LIMIT:
                self._save_together(puts, counts)
                puts, counts = [], {}
            puts.append({"Put": self.put_request(before, after)})
            counts[shard] = counts.get(shard, 0) + 1
        if puts:
            self._save_together(puts, counts)
        if known:
            super().save(known)

    def _save_together(
        self, puts: list[dict[str, Any]], counts: dict[tuple[str, int], int]
    ) -> None:
        updates = [
            {
                "Update": {
                    "TableName": self.categories_table,
                    "Key": {"category": {"S": category}, "shard": {"N": str(shard)}},
                    "UpdateExpression": "ADD streams :count",
                    "ExpressionAttributeValues": {":count": {"N": str(count)}},
                }
            }
            for (category, shard), count in counts.items()
        ]
        self.transact(puts + updates)

    def streams(self, after: str | None = None, limit: int = 50) -> Page[StreamSummary]:
        """A page of every stream (a scan: an operator's page)."""
        return scan_page(self, _from_attributes, "streamName", after, limit)

    def streams_of(
        self, category: str, after: str | None = None, limit: int = 50
    ) -> Page[StreamSummary]:
        """A page of one category's streams, by name: up to ``limit`` of each of its index
        partitions after ``after``, merged (the first ``limit`` of them all are among them)."""

        def partition_page(key: str) -> Page[StreamSummary]:
            request = {
                "IndexName": CATEGORY_INDEX,
                "KeyConditionExpression": "category = :category",
                "ExpressionAttributeValues": {":category": {"S": key}},
            }

            def start(stream_name: str) -> dict[str, Any]:
                return {"category": {"S": key}, "streamName": {"S": stream_name}}

            return query_page(self, _from_attributes, request, "streamName", start, after, limit)

        pages = self._each_partition(category, partition_page)
        merged: list[StreamSummary] = []
        for summary in heapq.merge(*(page.items for page in pages), key=_by_name):
            # an item from before the partitions, rewritten between two of the queries,
            # can be met under both keys: listed once
            if not merged or merged[-1].stream_name != summary.stream_name:
                merged.append(summary)
        more = len(merged) > limit or any(page.next_after for page in pages)
        shown = merged[:limit]
        return Page(shown, shown[-1].stream_name if more and shown else None)

    def messages_in(self, category: str) -> int:
        """The messages of a category's streams, as this view counts them (each stream's
        last position + 1): a rebuild's estimate of what it will replay. One query of each
        of the category's index partitions, page by page, one small item per stream."""

        def partition_messages(key: str) -> int:
            request = {
                "IndexName": CATEGORY_INDEX,
                "KeyConditionExpression": "category = :category",
                "ExpressionAttributeValues": {":category": {"S": key}},
                "ProjectionExpression": "messages",
            }
            return sum(int(values.get("messages", 0)) for values in self.query(**request))

        return sum(self._each_partition(category, partition_messages))

    def _each_partition(self, category: str, read: Any) -> list[Any]:
        """``read(key)`` for each of the category's index keys, a few at once, in key order."""
        with ThreadPoolExecutor(_INDEX_READERS, thread_name_prefix="category-index") as pool:
            return list(pool.map(read, _index_keys(category)))

    def categories(self) -> list[CategorySummary]:
        """Every category with its number of streams (its count items summed)."""
        counts: dict[str, int] = {}
        request: dict[str, Any] = {"TableName": self.categories_table}
        while True:
            try:
                response = self.client.scan(**request)
            except Exception as exc:
                raise ViewUnavailableError(
                    f"{self.categories_table}: {error_code(exc) or exc}"
                ) from exc
            for raw in response.get("Items", []):
                values = decode_attributes(raw)
                counts[values["category"]] = counts.get(values["category"], 0) + int(
                    values.get("streams", 0)
                )
            if not response.get("LastEvaluatedKey"):
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [CategorySummary(name, counts[name]) for name in sorted(counts)]

    def clear(self) -> int:
        """Delete every item of both tables (before a rebuild)."""
        deleted = super().clear()
        counts = DynamoViewRepository(
            self.categories_table,
            key_of=lambda key: {"category": key, "shard": 0},
            to_attributes=lambda _state: {},
            from_attributes=lambda values: values,
            client=self.client,
        )
        return deleted + counts.clear()
