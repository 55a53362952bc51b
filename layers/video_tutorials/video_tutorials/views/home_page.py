"""The home-page view: videos watched in total, and each video's views and details.

One table, one partition per page (``pageId = "home"``): the summary item
(``itemId = "summary"``, ``videosWatched``) and one item per video
(``itemId = "video#{videoId}"``). The home page is one query; the total changes in the same
transaction as the video items whose positions guard it, so a redelivery never counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from message_store.view_item import ViewItem
from message_store.views import DynamoViewRepository

PAGE_ID = "home"
SUMMARY_ID = "summary"
VIDEO_PREFIX = "video#"
_TRANSACTION_LIMIT = 100


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
    """What the home page shows."""

    videos_watched: int
    videos: list[VideoSummary]


def _key(video_id: str) -> dict[str, str]:
    return {"pageId": PAGE_ID, "itemId": f"{VIDEO_PREFIX}{video_id}"}


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

    def home_page(self, *, consistent: bool = False) -> HomePage:
        """The whole page: one query of the home partition.

        ``consistent``: strongly consistent (twice the read units), for the page a user
        lands on after their own viewing, once ``has_applied`` has seen it.
        """
        total = 0
        videos: list[VideoSummary] = []
        for values in self.query(
            KeyConditionExpression="pageId = :page",
            ExpressionAttributeValues={":page": {"S": PAGE_ID}},
            ConsistentRead=consistent,
        ):
            if values["itemId"] == SUMMARY_ID:
                total = int(values.get("videosWatched", 0))
            else:
                videos.append(_from_attributes(values))
        videos.sort(key=lambda v: (not v.published, -v.views, v.name or "", v.video_id))
        return HomePage(videos_watched=total, videos=videos)

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
