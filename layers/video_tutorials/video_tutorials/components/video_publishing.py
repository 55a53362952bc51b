"""video-publishing: publishes creators' uploads, names and describes their videos.

Reads ``videoPublishing:command`` (``PublishVideo``, ``NameVideo``, ``DescribeVideo``); writes
``videoPublishing-{videoId}``. Each handler reads as load → guard → write:

- ``PublishVideo`` → unless attempted: "transcode" (check the upload and copy it to its
  published place) → ``VideoPublished``, or ``VideoPublishingFailed`` with the reason.
- ``NameVideo`` / ``DescribeVideo`` → unless a later command was handled already: for a
  published video, from its owner, a name of 1 to 100 characters (a description of at most
  5,000) after trimming → ``VideoNamed`` / ``VideoDescribed``, else ``…Rejected`` with the
  reason. Every event follows its command, so its trace id names the operation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from message_store import Contract, InvalidMessageError, MessageStore, Projection
from message_store import category as category_of
from message_store import id as id_of
from message_store.consumer import Component

from ..contracts import video_publishing as contract
from ..storage import TranscodeError

NAME = "video-publishing"

NOT_PUBLISHED = "the video is not published"
NOT_THE_OWNER = "only the video's owner may change it"


class Transcoder(Protocol):
    def transcode(self, source_uri: str, owner_id: str, video_id: str) -> str:
        """The published video's URI; ``TranscodeError`` when the upload can never be."""
        ...


@dataclass(frozen=True)
class Dependencies:
    """What video-publishing's handlers use."""

    store: MessageStore
    transcoder: Transcoder
    logger: Any


@dataclass(frozen=True)
class Video:
    """A video as its events tell it."""

    owner_id: str | None = None
    published: bool = False
    attempted: bool = False  # PublishVideo handled: published, or failed for good
    name: str | None = None
    description: str | None = None
    # the last position of videoPublishing:command-{videoId} this component acted on
    last_command_position: int = -1


def _acted_on(video: Video, event: Contract) -> Video:
    metadata = event.message.metadata
    position = metadata.causation_message_position
    stream = metadata.causation_message_stream_name or ""
    if position is not None and category_of(stream) == contract.COMMAND_CATEGORY:
        return replace(video, last_command_position=max(video.last_command_position, position))
    return video


def _published(video: Video, event: contract.VideoPublished) -> Video:
    return _acted_on(replace(video, owner_id=event.owner_id, published=True, attempted=True), event)


def _failed(video: Video, event: contract.VideoPublishingFailed) -> Video:
    return _acted_on(replace(video, owner_id=event.owner_id, attempted=True), event)


def _named(video: Video, event: contract.VideoNamed) -> Video:
    return _acted_on(replace(video, name=event.name), event)


def _described(video: Video, event: contract.VideoDescribed) -> Video:
    return _acted_on(replace(video, description=event.description), event)


video_projection: Projection[Video] = Projection(
    initial=Video,
    handlers={
        contract.VideoPublished: _published,
        contract.VideoPublishingFailed: _failed,
        contract.VideoNamed: _named,
        contract.VideoNameRejected: _acted_on,
        contract.VideoDescribed: _described,
        contract.VideoDescriptionRejected: _acted_on,
    },
)


def _load(command: Contract, video_id: str, deps: Dependencies) -> tuple[Video, int] | None:
    """The video and its version; ``None`` when this command was handled already."""
    stream = command.message.stream_name
    if id_of(stream) != video_id:
        raise InvalidMessageError(f"{command.type} for video {video_id} in {stream}")
    video, version = deps.store.fetch(contract.video_stream(video_id), video_projection)
    if command.message.position <= video.last_command_position:
        deps.logger.info(f"{command.type} already handled", extra={"video_id": video_id})
        return None
    return video, version


def _write(
    event: Contract, command: Contract, video_id: str, version: int, deps: Dependencies
) -> None:
    stream = contract.video_stream(video_id)
    deps.store.write(stream, event.to_message().follow(command.message), expected_version=version)


# -- PublishVideo -> VideoPublished | VideoPublishingFailed ------------------------------------


def publish(command: contract.PublishVideo, deps: Dependencies) -> None:
    """Publish the upload once: check it, copy it to its published place, record the outcome."""
    loaded = _load(command, command.video_id, deps)
    if loaded is None:
        return
    video, version = loaded
    if video.attempted:
        deps.logger.info("publishing already attempted", extra={"video_id": command.video_id})
        return
    try:
        published = deps.transcoder.transcode(
            command.source_uri, command.owner_id, command.video_id
        )
    except TranscodeError as exc:
        event: Contract = contract.VideoPublishingFailed(
            owner_id=command.owner_id,
            source_uri=command.source_uri,
            video_id=command.video_id,
            reason=str(exc),
        )
    else:
        event = contract.VideoPublished(
            owner_id=command.owner_id,
            source_uri=command.source_uri,
            transcoded_uri=published,
            video_id=command.video_id,
        )
    _write(event, command, command.video_id, version, deps)


# -- NameVideo / DescribeVideo -------------------------------------------------------------------


def _refusal(video: Video, command: Contract) -> str | None:
    """Why ``command`` may not change ``video`` (not published, not its owner), if so."""
    if not video.published:
        return NOT_PUBLISHED
    if command.message.metadata.user_id != video.owner_id:
        return NOT_THE_OWNER
    return None


def name(command: contract.NameVideo, deps: Dependencies) -> None:
    """Name the video, or record why not."""
    loaded = _load(command, command.video_id, deps)
    if loaded is None:
        return
    video, version = loaded
    value = command.name.strip()
    reason = _refusal(video, command)
    if reason is None and not value:
        reason = "a name cannot be empty"
    if reason is None and len(value) > contract.NAME_MAX_LENGTH:
        reason = f"a name is at most {contract.NAME_MAX_LENGTH} characters"
    event: Contract = (
        contract.VideoNamed(video_id=command.video_id, name=value)
        if reason is None
        else contract.VideoNameRejected(video_id=command.video_id, name=command.name, reason=reason)
    )
    _write(event, command, command.video_id, version, deps)


def describe(command: contract.DescribeVideo, deps: Dependencies) -> None:
    """Describe the video, or record why not."""
    loaded = _load(command, command.video_id, deps)
    if loaded is None:
        return
    video, version = loaded
    value = command.description.strip()
    reason = _refusal(video, command)
    if reason is None and len(value) > contract.DESCRIPTION_MAX_LENGTH:
        reason = f"a description is at most {contract.DESCRIPTION_MAX_LENGTH:,} characters"
    event: Contract = (
        contract.VideoDescribed(video_id=command.video_id, description=value)
        if reason is None
        else contract.VideoDescriptionRejected(
            video_id=command.video_id, description=command.description, reason=reason
        )
    )
    _write(event, command, command.video_id, version, deps)


video_publishing_component: Component[Dependencies] = Component(
    NAME,
    {
        contract.PublishVideo: publish,
        contract.NameVideo: name,
        contract.DescribeVideo: describe,
    },
)
