"""The creators-videos view: every video with its owner, name, description, views, status.

Keyed by video id (the id of both source streams, ``videoPublishing-{id}`` and
``viewing-{id}+{shard}``); the ``owner-index`` lists a creator's videos for their dashboard.
A video's viewings are counted apart from its item, in ``VIEW_COUNTS`` items of their own
(``{videoId}|views{g}``, the viewing streams' shards spread over them), which have no owner
and so no entry in the index: a viral video's viewings — a write with every batch of
every shard — neither rewrite its index entry nor all take its one item. Reads add them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from message_store import cardinal_id, category
from message_store import id as stream_id
from message_store.view_item import entity_of, part_key
from message_store.views import DynamoViewRepository

OWNER_INDEX = "owner-index"
PUBLISHING = "publishing"
PUBLISHED = "published"
FAILED = "failed"
#: Items a video's viewings are counted in: at 10,000 viewings a second of one video, the
#: Queues topology's batches (at most 10 messages) write 1,000 times a second what counts
#: them — one item's whole 1,000 WCU/s if it were one item, 250 each over four
#: (``benchmarks/capacity.py``). Every dashboard read adds this many small items a video.
VIEW_COUNTS = 4
#: the category whose streams are counted in the view-count items
VIEWING = "viewing"


@dataclass(frozen=True)
class CreatorsVideo:
    """One of a creator's videos as the dashboard shows it."""

    video_id: str = ""
    owner_id: str | None = None
    status: str = PUBLISHING
    failure_reason: str | None = None
    name: str | None = None
    description: str | None = None
    views: int = 0
    source_uri: str | None = None
    transcoded_uri: str | None = None


def views_key(video_id: str, group: int) -> str:
    """The key of the item counting the viewings of ``video_id``'s streams of ``group``."""
    return part_key(video_id, f"views{group}")


def views_key_of(stream_name: str) -> str | None:
    """The view-count item a viewing stream is counted in (``viewing-{videoId}+{shard}``:
    by its shard; ``viewing-{videoId}``, from before the shards: the first); ``None`` for
    any other stream."""
    video_id = cardinal_id(stream_name)
    if video_id is None or category(stream_name) != VIEWING:
        return None
    _, _, shard = (stream_id(stream_name) or "").partition("+")
    return views_key(video_id, int(shard) % VIEW_COUNTS if shard.isdigit() else 0)


def _key(video_id: str) -> dict[str, str]:
    return {"videoId": video_id}


def _to_attributes(video: CreatorsVideo) -> dict[str, Any]:
    return {
        "ownerId": video.owner_id,
        "status": video.status,
        "failureReason": video.failure_reason,
        "name": video.name,
        "description": video.description,
        "views": video.views,
        "sourceUri": video.source_uri,
        "transcodedUri": video.transcoded_uri,
    }


def _from_attributes(values: dict[str, Any]) -> CreatorsVideo:
    return CreatorsVideo(
        video_id=entity_of(values.get("videoId", "")),
        owner_id=values.get("ownerId"),
        status=values.get("status", PUBLISHING),
        failure_reason=values.get("failureReason"),
        name=values.get("name"),
        description=values.get("description"),
        views=int(values.get("views", 0)),
        source_uri=values.get("sourceUri"),
        transcoded_uri=values.get("transcodedUri"),
    )


class CreatorsVideosViews(DynamoViewRepository[CreatorsVideo]):
    """The creators-videos view table (``CREATORS_VIDEOS_VIEW_TABLE``)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )

    def videos_of(self, owner_id: str, limit: int = 200) -> list[CreatorsVideo]:
        """A creator's videos (the owner index: eventually consistent), named ones first,
        each with its viewings (its view counts, read strongly consistent)."""
        found = self.query(
            IndexName=OWNER_INDEX,
            KeyConditionExpression="ownerId = :owner",
            ExpressionAttributeValues={":owner": {"S": owner_id}},
            Limit=limit,
        )
        videos = [_from_attributes(values) for _, values in zip(range(limit), found, strict=False)]
        videos = self._with_views(videos)
        return sorted(videos, key=lambda v: (v.name is None, (v.name or "").lower(), v.video_id))

    def has_applied(self, key: str, stream_name: str, position: int) -> bool:
        """Whether video ``key`` has applied ``stream_name`` up to ``position`` (a viewing
        stream of the video: in the view-count item that counts it)."""
        counted_in = views_key_of(stream_name)
        if counted_in is not None and entity_of(counted_in) == key:
            key = counted_in
        return super().has_applied(key, stream_name, position)

    def get(self, key: str) -> CreatorsVideo | None:
        """Video ``key`` with its viewings (strongly consistent), or ``None``; a view-count
        item's own state for a view-count key."""
        video = super().get(key)
        if video is None or entity_of(key) != key:
            return video
        return self._with_views([video])[0]

    def _with_views(self, videos: Sequence[CreatorsVideo]) -> list[CreatorsVideo]:
        """``videos`` with their view counts added (what their own items counted before the
        counts had items of their own is kept)."""
        keys = [views_key(v.video_id, group) for v in videos for group in range(VIEW_COUNTS)]
        views: dict[str, int] = {}
        for key, item in self.load(keys).items():
            views[entity_of(key)] = views.get(entity_of(key), 0) + item.state.views
        return [replace(v, views=v.views + views.get(v.video_id, 0)) for v in videos]
