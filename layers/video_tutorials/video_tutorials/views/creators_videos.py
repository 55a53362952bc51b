"""The creators-videos view: every video with its owner, name, description, views, status.

Keyed by video id (the id of both source streams, ``videoPublishing-{id}`` and
``viewing-{id}``); the ``owner-index`` lists a creator's videos for their dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from message_store.views import DynamoViewRepository

OWNER_INDEX = "owner-index"
PUBLISHING = "publishing"
PUBLISHED = "published"
FAILED = "failed"


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
        video_id=values.get("videoId", ""),
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
        """A creator's videos (the owner index: eventually consistent), named ones first."""
        found = self.query(
            IndexName=OWNER_INDEX,
            KeyConditionExpression="ownerId = :owner",
            ExpressionAttributeValues={":owner": {"S": owner_id}},
            Limit=limit,
        )
        videos = [_from_attributes(values) for _, values in zip(range(limit), found, strict=False)]
        return sorted(videos, key=lambda v: (v.name is None, (v.name or "").lower(), v.video_id))
