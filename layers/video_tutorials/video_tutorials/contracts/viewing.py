"""Recording viewings: ``viewing-{videoId}``, written by the home application."""

from __future__ import annotations

from message_store import stream_name

from ._base import Contract

CATEGORY = "viewing"


def viewing_stream(video_id: str) -> str:
    return stream_name(CATEGORY, video_id)


class VideoViewed(Contract):
    category = CATEGORY

    user_id: str | None = None
    video_id: str
