"""The home-page view: videos watched in total, and each video's views and details.

One table, one partition per page (``pageId = "home"``): the total, kept in
``TOTAL_SHARDS`` counter items (``itemId = "summary#{n}"``, ``videosWatched``; summed on
read, so that no single item takes every batch's write), and one item per video
(``itemId = "video#{videoId}"``). The home page is one query, paged (``PAGE_SIZE`` published
videos a page, by video id; the counters sort first); the total changes in the same
transaction as the video items whose positions guard it, so a redelivery never counts twice.
A counter item ``summary`` (one, from before the shards) is summed with the others.

Beside the page, one **confirmation** item per source stream, in a partition of its own
(``pageId = {streamName}``, ``itemId = "applied"``): the last position of that stream the
view applied and the video's views then, written in the video item's own transaction, so a
viewer waits for their own viewing on their stream's item, not on the page's partition
(read your writes, however hot the page).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from message_store.aws import error_code
from message_store.view_item import ViewItem
from message_store.views import (
    DynamoViewRepository,
    ViewUnavailableError,
    decode_attributes,
    encode_attributes,
)

PAGE_ID = "home"
#: The total's counter items are ``summary#{n}`` (``summary`` itself: the one from before).
SUMMARY_ID = "summary"
#: Counter items of the total: at 1,000 batches/s (a viral video, 10-message batches) 16
#: transactions/s each, under half of what concurrent transactions on one item sustain.
TOTAL_SHARDS = 64
VIDEO_PREFIX = "video#"
_TRANSACTION_LIMIT = 100
#: Published videos a home page shows; the next page starts after the last one's id.
PAGE_SIZE = 24
#: what a home page reads of each item: what it shows (not the positions a video's item
#: keeps of its shards' streams, up to ``SHARDS`` numbers each)
_SHOWN = ("itemId", "videoId", "views", "name", "published", "transcodedUri", "videosWatched")
#: the ``itemId`` of a stream's confirmation item (its ``pageId`` is the stream's name)
APPLIED_ID = "applied"


@dataclass(frozen=True)
class VideoSummary:
    """One video on the home page."""

    video_id: str = ""
    views: int = 0
    name: str | None = None
    published: bool = False
    transcoded_uri: str | None = None


@dataclass(frozen=True)
class HomePage:
    """What the home page shows: the total, a page of published videos, where the next starts."""

    videos_watched: int
    videos: list[VideoSummary]
    next_after: str | None = None


@dataclass(frozen=True)
class Confirmation:
    """What the view has applied of one stream: its last position, and the video's views."""

    stream_name: str
    position: int
    video_id: str
    views: int


def total_item_id(shard: int) -> str:
    """The ``itemId`` of the total's counter ``shard``."""
    return f"{SUMMARY_ID}#{shard}"


def _is_total(item_id: str) -> bool:
    return item_id == SUMMARY_ID or item_id.startswith(f"{SUMMARY_ID}#")


def _key(video_id: str) -> dict[str, str]:
    return {"pageId": PAGE_ID, "itemId": f"{VIDEO_PREFIX}{video_id}"}


def _encode_key(video_id: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in _key(video_id).items()}


def _to_attributes(video: VideoSummary) -> dict[str, Any]:
    return {
        "videoId": video.video_id,
        "views": video.views,
        "name": video.name,
        "published": video.published,
        "transcodedUri": video.transcoded_uri,
    }


def _from_attributes(values: dict[str, Any]) -> VideoSummary:
    return VideoSummary(
        video_id=values.get("videoId", ""),
        views=int(values.get("views", 0)),
        name=values.get("name"),
        published=bool(values.get("published", False)),
        transcoded_uri=values.get("transcodedUri"),
    )


class HomePageViews(DynamoViewRepository[VideoSummary]):
    """The home-page view table (``HOME_PAGE_VIEW_TABLE``)."""

    def __init__(
        self,
        table_name: str,
        client: Any | None = None,
        *,
        choose_shard: Any = None,
    ) -> None:
        #: which counter a save adds to (random: the writers spread evenly)
        self.choose_shard = choose_shard or (lambda: random.randrange(TOTAL_SHARDS))  # noqa: S311 - spread, not secrecy
        #: whether a save confirms the streams it advanced (not in a replay)
        self.confirms = True
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )

    def home_page(
        self, *, after: str | None = None, page_size: int = PAGE_SIZE, consistent: bool = False
    ) -> HomePage:
        """A page of the home page: the total and the published videos after ``after``.

        The first page is one query of the home partition (the total's counters sort
        first, and are summed); a later one adds a query of the counters. ``consistent``:
        strongly consistent (twice the read units), for the page a user lands on after their
        own viewing.
        """
        request: dict[str, Any] = {
            "KeyConditionExpression": "pageId = :page",
            "FilterExpression": "published = :yes OR begins_with(itemId, :summary)",
            "ExpressionAttributeValues": {
                ":page": {"S": PAGE_ID},
                ":yes": {"BOOL": True},
                ":summary": {"S": SUMMARY_ID},
            },
            "ProjectionExpression": ", ".join(f"#shown{n}" for n in range(len(_SHOWN))),
            "ExpressionAttributeNames": {f"#shown{n}": name for n, name in enumerate(_SHOWN)},
            "ConsistentRead": consistent,
            "Limit": page_size + TOTAL_SHARDS + 3,
        }
        total = 0
        if after is not None:
            request["ExclusiveStartKey"] = _encode_key(after)
            total = self._total(consistent)
        videos: list[VideoSummary] = []
        for values in self.query(**request):
            if _is_total(values["itemId"]):
                total += int(values.get("videosWatched", 0))
                continue
            videos.append(_from_attributes(values))
            if len(videos) > page_size:
                break
        next_after = videos[page_size - 1].video_id if len(videos) > page_size else None
        shown = sorted(videos[:page_size], key=lambda v: (-v.views, v.name or "", v.video_id))
        return HomePage(videos_watched=total, videos=shown, next_after=next_after)

    def for_replay(self) -> HomePageViews:
        """This view without confirmations: a rebuild has no viewer waiting on it, and a
        confirmation a stream would cost it a write each (a viewer whose viewing only the
        rebuild applied sees "on its way" until their cookie's 2 minutes are up)."""
        replaying = copy.copy(self)
        replaying.confirms = False
        return replaying

    def confirmation(self, stream_name: str) -> Confirmation | None:
        """What the view has applied of ``stream_name`` (strongly consistent; one item in the
        stream's own partition), or ``None`` before its first message is applied."""
        request = {
            "TableName": self.table_name,
            "Key": {"pageId": {"S": stream_name}, "itemId": {"S": APPLIED_ID}},
            "ConsistentRead": True,
        }
        try:
            response = self.client.get_item(**request)
        except Exception as exc:
            raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
        values = decode_attributes(response.get("Item") or {})
        if not values:
            return None
        return Confirmation(
            stream_name,
            int(values.get("position", -1)),
            str(values.get("videoId", "")),
            int(values.get("views", 0)),
        )

    def views_of(self, video_ids: Sequence[str]) -> dict[str, int]:
        """The views of each of ``video_ids`` that has an item (eventually consistent; what
        a page copy keeps of the videos its page does not show)."""
        found = self.batch_get(
            [_key(video_id) for video_id in dict.fromkeys(video_ids)],
            consistent=False,
            attributes=("videoId", "views"),
        )
        return {str(values.get("videoId", "")): int(values.get("views", 0)) for values in found}

    def _total(self, consistent: bool) -> int:
        """The total: its counters summed (one query: they sort before the videos)."""
        request = {
            "KeyConditionExpression": "pageId = :page AND begins_with(itemId, :summary)",
            "ExpressionAttributeValues": {
                ":page": {"S": PAGE_ID},
                ":summary": {"S": SUMMARY_ID},
            },
            "ProjectionExpression": "videosWatched",
            "ConsistentRead": consistent,
        }
        return sum(int(values.get("videosWatched", 0)) for values in self.query(**request))

    def save(
        self, changes: Sequence[tuple[ViewItem[VideoSummary], ViewItem[VideoSummary]]]
    ) -> None:
        """Each changed video once, the total by the views they gained (added to one of
        its counters, chosen by ``choose_shard``) and each stream they advanced confirmed
        (``Confirmation``), atomically: a transaction holds up to 100 items, and a video's
        item goes with its confirmations. Confirmations that do not fit beside their video
        (more than 98 streams of one video in a batch) are put after the transaction: never
        ahead of the item they confirm."""
        room = _TRANSACTION_LIMIT - 1  # one place for the summary
        operations: list[dict[str, Any]] = []
        gained = 0
        later: list[dict[str, Any]] = []
        for before, after in changes:
            puts = [
                {"Put": self.put_request(before, after)},
                *({"Put": item} for item in self._confirmations(before, after)),
            ]
            if operations and len(operations) + len(puts) > room:
                self._commit(operations, gained)
                operations, gained = [], 0
            fits = room - len(operations)
            operations.extend(puts[:fits])
            later.extend({"PutRequest": {"Item": put["Put"]["Item"]}} for put in puts[fits:])
            gained += after.state.views - before.state.views
        if operations:
            self._commit(operations, gained)
        self.batch_write(later)

    def _commit(self, operations: list[dict[str, Any]], gained: int) -> None:
        """One transaction of ``operations``, the total's counter raised by ``gained``."""
        if gained:
            operations.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {
                            "pageId": {"S": PAGE_ID},
                            "itemId": {"S": total_item_id(self.choose_shard())},
                        },
                        "UpdateExpression": "ADD videosWatched :gained",
                        "ExpressionAttributeValues": {":gained": {"N": str(gained)}},
                    }
                }
            )
        self.transact(operations)

    def _confirmations(
        self, before: ViewItem[VideoSummary], after: ViewItem[VideoSummary]
    ) -> list[dict[str, Any]]:
        """The ``Put`` of the confirmation item of every stream ``after`` advanced."""
        if not self.confirms:
            return []
        return [
            {
                "TableName": self.table_name,
                "Item": encode_attributes(
                    {
                        "pageId": stream_name,
                        "itemId": APPLIED_ID,
                        "position": position,
                        "videoId": after.state.video_id,
                        "views": after.state.views,
                    }
                ),
            }
            for stream_name, position in after.positions.items()
            if position > before.positions.get(stream_name, -1)
        ]
