"""video-publishing: publishing creators' videos, naming and describing them (CONTRACTS.md).

Streams: ``videoPublishing:command-{videoId}`` (commands, written by the creators portal),
``videoPublishing-{videoId}`` (events, written by the video-publishing component).
"""

from __future__ import annotations

from message_store import command_stream_name, stream_name

from ._base import Contract

CATEGORY = "videoPublishing"
COMMAND_CATEGORY = f"{CATEGORY}:command"

#: A name is 1 to 100 characters, a description at most 5,000, both after trimming.
NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 5000


def video_stream(video_id: str) -> str:
    return stream_name(CATEGORY, video_id)


def command_stream(video_id: str) -> str:
    return command_stream_name(CATEGORY, video_id)


class PublishVideo(Contract):
    """Command: publish the uploaded object at ``source_uri`` as the owner's video."""

    category = COMMAND_CATEGORY

    owner_id: str
    source_uri: str
    video_id: str


class NameVideo(Contract):
    """Command: give the video a name (the requester, ``metadata.userId``, must own it)."""

    category = COMMAND_CATEGORY

    video_id: str
    name: str


class DescribeVideo(Contract):
    """Command: give the video a description (the requester must own it)."""

    category = COMMAND_CATEGORY

    video_id: str
    description: str


class VideoPublished(Contract):
    category = CATEGORY

    owner_id: str
    source_uri: str
    transcoded_uri: str
    video_id: str


class VideoPublishingFailed(Contract):
    category = CATEGORY

    owner_id: str
    source_uri: str
    video_id: str
    reason: str


class VideoNamed(Contract):
    category = CATEGORY

    video_id: str
    name: str


class VideoNameRejected(Contract):
    category = CATEGORY

    video_id: str
    name: str
    reason: str


class VideoDescribed(Contract):
    category = CATEGORY

    video_id: str
    description: str


class VideoDescriptionRejected(Contract):
    category = CATEGORY

    video_id: str
    description: str
    reason: str
