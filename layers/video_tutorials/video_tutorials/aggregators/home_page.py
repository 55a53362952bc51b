"""home-page: videos watched in total, and each video's views and details.

Reads ``viewing`` (``VideoViewed``) and ``videoPublishing`` (``VideoPublished``,
``VideoNamed``); the view item of a video is keyed by the video id, which is the id of both
source streams.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from message_store import Message, Projection
from message_store import id as id_of
from message_store.aggregator import Aggregator, StreamReader

from ..contracts.video_publishing import VideoNamed, VideoPublished
from ..contracts.viewing import VideoViewed
from ..views.home_page import HomePageViews, VideoSummary

NAME = "home-page"


def _viewed(video: VideoSummary, message: Message) -> VideoSummary:
    VideoViewed.from_message(message)  # a malformed event fails its record
    return replace(video, video_id=id_of(message.stream_name or "") or "", views=video.views + 1)


def _published(video: VideoSummary, message: Message) -> VideoSummary:
    event = VideoPublished.from_message(message)
    return replace(
        video, video_id=event.video_id, published=True, transcoded_uri=event.transcoded_uri
    )


def _named(video: VideoSummary, message: Message) -> VideoSummary:
    event = VideoNamed.from_message(message)
    return replace(video, video_id=event.video_id, name=event.name)


home_page_projection: Projection[VideoSummary] = Projection(
    initial=VideoSummary,
    handlers={
        VideoViewed.type: _viewed,
        VideoPublished.type: _published,
        VideoNamed.type: _named,
    },
)


def home_page_aggregator(
    store: StreamReader, views: HomePageViews, logger: Any = None
) -> Aggregator[VideoSummary]:
    """The home-page aggregator, ready to handle stream batches."""
    return Aggregator(NAME, home_page_projection, views, store, logger=logger)
