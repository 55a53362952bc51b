"""video-publishing's events that other services read (CONTRACTS.md).

The component itself comes in a later issue; the home page lists published videos.
"""

from __future__ import annotations

from message_store import stream_name

from ._base import Contract

CATEGORY = "videoPublishing"


def video_stream(video_id: str) -> str:
    return stream_name(CATEGORY, video_id)


class VideoPublished(Contract):
    category = CATEGORY

    owner_id: str
    source_uri: str
    transcoded_uri: str
    video_id: str


class VideoNamed(Contract):
    category = CATEGORY

    video_id: str
    name: str
