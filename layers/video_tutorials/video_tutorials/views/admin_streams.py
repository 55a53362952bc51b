"""The admin-streams view: every stream of the store, and every category with its streams.

- ``AdminStreamsViewTable``, keyed by stream name: the category, how many messages, and the
  last one (id, type, position, time, global position). One item per stream: no item takes
  every message (a hot stream is its own item; a hot category is spread over its streams).
  The ``category-index`` (category, stream name) lists a category's streams.
- ``AdminCategoriesViewTable``: per category, ``CATEGORY_SHARDS`` items counting its streams,
  each changed only when one of its streams appears (in the same transaction as that
  stream's first item, so never twice), summed when read.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
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


def _to_attributes(summary: StreamSummary) -> dict[str, Any]:
    return {
        "category": summary.category,
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
        category=values.get("category", ""),
        messages=int(values.get("messages", 0)),
        last_message_id=values.get("lastMessageId"),
        last_type=values.get("lastType"),
        last_position=int(values.get("lastPosition", -1)),
        last_time=values.get("lastTime"),
        last_global_position=values.get("lastGlobalPosition"),
    )


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
        """A page of one category's streams, by name."""
        request = {
            "IndexName": CATEGORY_INDEX,
            "KeyConditionExpression": "category = :category",
            "ExpressionAttributeValues": {":category": {"S": category}},
        }

        def start(stream_name: str) -> dict[str, Any]:
            return {"category": {"S": category}, "streamName": {"S": stream_name}}

        return query_page(self, _from_attributes, request, "streamName", start, after, limit)

    def messages_in(self, category: str) -> int:
        """The messages of a category's streams, as this view counts them (each stream's
        last position + 1): a rebuild's estimate of what it will replay. One query of the
        category index, page by page, one small item per stream."""
        request = {
            "IndexName": CATEGORY_INDEX,
            "KeyConditionExpression": "category = :category",
            "ExpressionAttributeValues": {":category": {"S": category}},
            "ProjectionExpression": "messages",
        }
        return sum(int(values.get("messages", 0)) for values in self.query(**request))

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
