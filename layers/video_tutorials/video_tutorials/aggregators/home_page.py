"""home-page: videos watched in total, and each video's views and details.

Reads ``viewing`` (``VideoViewed``) and ``videoPublishing`` (``VideoPublished``,
``VideoNamed``); the view item of a video is keyed by the video id, the cardinal id of its
viewing streams (``viewing-{videoId}+{shard}``) and the id of its publishing stream.
"""

from __future__ import annotations

from dataclasses import replace

from message_store import InvalidMessageError, Projection, cardinal_id
from message_store.aggregator import Aggregator

from ..contracts.video_publishing import VideoNamed, VideoPublished
from ..contracts.viewing import VideoViewed
from ..views.home_page import HomePageViews, VideoSummary

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

home_page_aggregator: Aggregator[VideoSummary] = Aggregator(
    NAME, home_page_projection, views=HomePageViews
)
