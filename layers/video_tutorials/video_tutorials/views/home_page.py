"""The home-page view: videos watched in total, and each video's views and details.

One table, one partition per page (``pageId = "home"``): the summary item
(``itemId = "summary"``, ``videosWatched``) and one item per video
(``itemId = "video#{videoId}"``). The home page is one query, paged (``PAGE_SIZE`` published
videos a page, by video id); the total changes in the same transaction as the video items
whose positions guard it, so a redelivery never counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from message_store.aws import error_code
from message_store.view_item import ViewItem
from message_store.views import DynamoViewRepository, ViewUnavailableError

PAGE_ID = "home"
SUMMARY_ID = "summary"
VIDEO_PREFIX = "video#"
_TRANSACTION_LIMIT = 100
#: Published videos a home page shows; the next page starts after the last one's id.
PAGE_SIZE = 24


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

    def __init__(self, table_name: str, client: Any | None = None) -> None:
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

        The first page is one query of the home partition (the summary sorts first); a
        later one adds a read of the summary. ``consistent``: strongly consistent (twice the
        read units), for the page a user lands on after their own viewing.
        """
        request: dict[str, Any] = {
            "KeyConditionExpression": "pageId = :page",
            "FilterExpression": "published = :yes OR itemId = :summary",
            "ExpressionAttributeValues": {
                ":page": {"S": PAGE_ID},
                ":yes": {"BOOL": True},
                ":summary": {"S": SUMMARY_ID},
            },
            "ConsistentRead": consistent,
            "Limit": page_size + 2,
        }
        total = None
        if after is not None:
            request["ExclusiveStartKey"] = _encode_key(after)
            total = self._total(consistent)
        videos: list[VideoSummary] = []
        for values in self.query(**request):
            if values["itemId"] == SUMMARY_ID:
                total = int(values.get("videosWatched", 0))
                continue
            videos.append(_from_attributes(values))
            if len(videos) > page_size:
                break
        next_after = videos[page_size - 1].video_id if len(videos) > page_size else None
        shown = sorted(videos[:page_size], key=lambda v: (-v.views, v.name or "", v.video_id))
        return HomePage(videos_watched=total or 0, videos=shown, next_after=next_after)

    def _total(self, consistent: bool) -> int:
        key = {"pageId": PAGE_ID, "itemId": SUMMARY_ID}
        try:
            response = self.client.get_item(
                TableName=self.table_name,
                Key={name: {"S": value} for name, value in key.items()},
                ConsistentRead=consistent,
            )
        except Exception as exc:
            raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
        return int(response.get("Item", {}).get("videosWatched", {}).get("N", 0))

    def save(
        self, changes: Sequence[tuple[ViewItem[VideoSummary], ViewItem[VideoSummary]]]
    ) -> None:
        """Each changed video once, and the total by the views they gained, atomically."""
        room = _TRANSACTION_LIMIT - 1  # one place for the summary
        for start in range(0, len(changes), room):
            chunk = changes[start : start + room]
            operations = [{"Put": self.put_request(before, after)} for before, after in chunk]
            gained = sum(after.state.views - before.state.views for before, after in chunk)
            if gained:
                operations.append(
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": {"pageId": {"S": PAGE_ID}, "itemId": {"S": SUMMARY_ID}},
                            "UpdateExpression": "ADD videosWatched :gained",
                            "ExpressionAttributeValues": {":gained": {"N": str(gained)}},
                        }
                    }
                )
            self.transact(operations)
