"""creators-videos: each video with its owner, name, description, views and status.

Reads ``videoPublishing`` (published or failed, named, described) and ``viewing`` (counts
viewings); the video id, the item's key, is the cardinal id of both categories' streams. A
viewing is counted in one of the video's view-count items (``{videoId}|views{g}``, by its
stream's shard), not in the video's own item (``views/creators_videos.py``).
"""

from __future__ import annotations

from dataclasses import replace

from message_store import InvalidMessageError, Projection, StoredMessage, cardinal_id
from message_store.aggregator import Aggregator

from ..contracts.video_publishing import (
    VideoDescribed,
    VideoNamed,
    VideoPublished,
    VideoPublishingFailed,
)
from ..contracts.viewing import VideoViewed
from ..views.creators_videos import (
    FAILED,
    PUBLISHED,
    CreatorsVideo,
    CreatorsVideosViews,
    views_key_of,
)

NAME = "creators-videos"


def _published(video: CreatorsVideo, event: VideoPublished) -> CreatorsVideo:
    return replace(
        video,
        video_id=event.video_id,
        owner_id=event.owner_id,
        status=PUBLISHED,
        failure_reason=None,
        source_uri=event.source_uri,
        transcoded_uri=event.transcoded_uri,
    )


def _failed(video: CreatorsVideo, event: VideoPublishingFailed) -> CreatorsVideo:
    return replace(
        video,
        video_id=event.video_id,
        owner_id=event.owner_id,
        status=FAILED,
        failure_reason=event.reason,
        source_uri=event.source_uri,
    )


def _named(video: CreatorsVideo, event: VideoNamed) -> CreatorsVideo:
    return replace(video, video_id=event.video_id, name=event.name)


def _described(video: CreatorsVideo, event: VideoDescribed) -> CreatorsVideo:
    return replace(video, video_id=event.video_id, description=event.description)


def _viewed(video: CreatorsVideo, event: VideoViewed) -> CreatorsVideo:
    stream = event.message.stream_name
    if cardinal_id(stream) != event.video_id:
        raise InvalidMessageError(f"a viewing of video {event.video_id} in {stream}")
    return replace(video, video_id=event.video_id, views=video.views + 1)


creators_videos_projection: Projection[CreatorsVideo] = Projection(
    initial=CreatorsVideo,
    handlers={
        VideoPublished: _published,
        VideoPublishingFailed: _failed,
        VideoNamed: _named,
        VideoDescribed: _described,
        VideoViewed: _viewed,
    },
)


def item_of(message: StoredMessage) -> str | None:
    """The item a message folds into: its video's, or for a viewing one of its view counts
    (the stream's shard picks which: a stream is counted whole in one of them)."""
    return views_key_of(message.stream_name) or cardinal_id(message.stream_name)


creators_videos_aggregator: Aggregator[CreatorsVideo] = Aggregator(
    NAME, creators_videos_projection, key_of=item_of, views=CreatorsVideosViews
)
