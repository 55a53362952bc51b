"""Recording viewings: ``viewing-{videoId}+{shard}``, written by the home application.

A video's viewings are spread over ``SHARDS`` compound streams (the video id is their
cardinal id), so that a viral video is not one hot partition key, one race for the next
position, or one FIFO message group (docs/scale.md). The shard comes from the viewer: one
user's viewings of a video stay in one stream, in order. Streams named ``viewing-{videoId}``,
from before the shards, are still read: their id is the cardinal id as well.
"""

from __future__ import annotations

import zlib

from message_store import compound_id, stream_name

from ._base import Contract

CATEGORY = "viewing"
#: Streams per video: at 10,000 viewings/s of one video, 78/s each — under half of a
#: partition's 1,000 writes/s and of a FIFO message group's 300 messages/s (docs/scale.md).
SHARDS = 128


def viewing_shard(viewer: str | None) -> int:
    """The shard of a viewer's viewings (a user id, or a visitor's request id): stable."""
    return zlib.crc32((viewer or "").encode()) % SHARDS


def viewing_stream(video_id: str, viewer: str | None = None) -> str:
    """``viewing-{videoId}+{shard}``, the shard being ``viewer``'s."""
    return stream_name(CATEGORY, compound_id(video_id, viewing_shard(viewer)))


def unsharded_viewing_stream(video_id: str) -> str:
    """``viewing-{videoId}``: where viewings were written before the shards (still read)."""
    return stream_name(CATEGORY, video_id)


class VideoViewed(Contract):
    category = CATEGORY

    user_id: str | None = None
    video_id: str
