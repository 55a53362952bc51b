"""video-operations: the outcome of each naming and describing, keyed by its trace id.

Reads ``videoPublishing`` (named or rejected, described or rejected). Each event follows
its command, so its trace id is the operation's (the request that wrote the command). An
item is one event, not a whole stream: the runtime fills no gap for it.
"""

from __future__ import annotations

from message_store import Contract, Projection, StoredMessage
from message_store.aggregator import Aggregator

from ..contracts.video_publishing import (
    VideoDescribed,
    VideoDescriptionRejected,
    VideoNamed,
    VideoNameRejected,
)
from ..views.video_operations import VideoOperation, VideoOperationsViews

NAME = "video-operations"


def trace_of(message: StoredMessage) -> str | None:
    """The item of an event: the trace (request) of the command it answers."""
    return message.metadata.trace_id


def _operation(
    event: Contract, kind: str, succeeded: bool, value: str, reason: str | None = None
) -> VideoOperation:
    trace_id = event.message.metadata.trace_id or ""
    video_id = getattr(event, "video_id", "")
    position = event.message.position
    return VideoOperation(trace_id, video_id, kind, succeeded, value, reason, position)


def _named(_operation_so_far: VideoOperation, event: VideoNamed) -> VideoOperation:
    return _operation(event, "name", True, event.name)


def _name_rejected(_operation_so_far: VideoOperation, event: VideoNameRejected) -> VideoOperation:
    return _operation(event, "name", False, event.name, event.reason)


def _described(_operation_so_far: VideoOperation, event: VideoDescribed) -> VideoOperation:
    return _operation(event, "description", True, event.description)


def _description_rejected(
    _operation_so_far: VideoOperation, event: VideoDescriptionRejected
) -> VideoOperation:
    return _operation(event, "description", False, event.description, event.reason)


video_operations_projection: Projection[VideoOperation] = Projection(
    initial=VideoOperation,
    handlers={
        VideoNamed: _named,
        VideoNameRejected: _name_rejected,
        VideoDescribed: _described,
        VideoDescriptionRejected: _description_rejected,
    },
)

video_operations_aggregator: Aggregator[VideoOperation] = Aggregator(
    NAME,
    video_operations_projection,
    key_of=trace_of,
    views=VideoOperationsViews,
)
