"""home-page: videos watched in total, and each video's views and details.

Reads ``viewing`` (``VideoViewed``) and ``videoPublishing`` (``VideoPublished``,
``VideoNamed``). A video's page item is keyed by the video id, the id of its publishing
stream; a viewing is counted in the count item of its stream's shard
(``{videoId}|views{shard}``, ``views/home_page.py``), not in the page item: the roll-up
sums those into the page. A rebuild counts a video's viewings in its rebuilt count
(``{videoId}|rebuilt``), which the roll-up sums in too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from message_store import InvalidMessageError, Projection, StoredMessage, cardinal_id
from message_store.aggregator import Aggregator
from message_store.view_item import PART_SEPARATOR, entity_of

from ..contracts.video_publishing import VideoNamed, VideoPublished
from ..contracts.viewing import VideoViewed
from ..views.home_page import (
    COUNT_ID,
    HomePageViews,
    VideoSummary,
    count_key_of,
    rebuilt_key_of,
)

NAME = "home-page"


def _viewed(video: VideoSummary, event: VideoViewed) -> VideoSummary:
    stream = event.message.stream_name
    if cardinal_id(stream) != event.video_id:
        raise InvalidMessageError(f"a viewing of video {event.video_id} in {stream}")
    return replace(video, video_id=event.video_id, views=video.views + 1)


def _published(video: VideoSummary, event: VideoPublished) -> VideoSummary:
    return replace(
        video, video_id=event.video_id, published=True, transcoded_uri=event.transcoded_uri
    )


def _named(video: VideoSummary, event: VideoNamed) -> VideoSummary:
    return replace(video, video_id=event.video_id, name=event.name)


home_page_projection: Projection[VideoSummary] = Projection(
    initial=VideoSummary,
    handlers={VideoViewed: _viewed, VideoPublished: _published, VideoNamed: _named},
)


def item_of(message: StoredMessage) -> str | None:
    """The item a message folds into: its video's page item, or for a viewing the count
    item of its stream's shard (a stream is counted whole in one of them)."""
    return count_key_of(message.stream_name) or cardinal_id(message.stream_name)


def replayed_item_of(message: StoredMessage) -> str | None:
    """The item a message folds into in a rebuild: a viewing in its video's rebuilt count
    (one item a video to write, not one a viewing shard), anything else as live."""
    return rebuilt_key_of(message.stream_name) or cardinal_id(message.stream_name)


home_page_aggregator: Aggregator[VideoSummary] = Aggregator(
    NAME,
    home_page_projection,
    key_of=item_of,
    views=HomePageViews,
    replay_key_of=replayed_item_of,
)


def roll_up(views: HomePageViews, records: Iterable[Mapping[str, Any]]) -> set[str]:
    """Roll up what a batch of the view table's stream records changed: each video whose
    count items were written, and the total if anything counted was; the videos rolled.

    Records are notifications (their keys only): the roll-up reads the counts themselves,
    so a batch delivered twice, or late, rolls up what is there now.
    """
    videos: set[str] = set()
    counted = False
    for record in records:
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        page_id = (keys.get("pageId") or {}).get("S", "")
        if (keys.get("itemId") or {}).get("S") != COUNT_ID:
            continue
        counted = True
        if PART_SEPARATOR in page_id:
            videos.add(entity_of(page_id))
    if counted:
        views.roll_up(videos)
    return videos
