"""The video-operations view: the outcome of each naming or describing, by its trace id.

The creators portal's operation page (``/creators-portal/video-operations/{traceId}``) reads
it: pending while there is no item, then succeeded or failed with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from message_store.views import DynamoViewRepository


@dataclass(frozen=True)
class VideoOperation:
    """What became of one NameVideo or DescribeVideo."""

    trace_id: str = ""
    video_id: str = ""
    kind: str = ""  # "name" or "description"
    succeeded: bool = False
    value: str = ""
    reason: str | None = None
    #: the event's position in ``videoPublishing-{videoId}``: what the video page waits for
    position: int = -1


def _key(trace_id: str) -> dict[str, str]:
    return {"traceId": trace_id}


def _to_attributes(operation: VideoOperation) -> dict[str, Any]:
    return {
        "videoId": operation.video_id,
        "kind": operation.kind,
        "succeeded": operation.succeeded,
        "value": operation.value,
        "reason": operation.reason,
        "position": operation.position,
    }


def _from_attributes(values: dict[str, Any]) -> VideoOperation:
    return VideoOperation(
        trace_id=values.get("traceId", ""),
        video_id=values.get("videoId", ""),
        kind=values.get("kind", ""),
        succeeded=bool(values.get("succeeded", False)),
        value=values.get("value", ""),
        reason=values.get("reason"),
        position=int(values.get("position", -1)),
    )


class VideoOperationsViews(DynamoViewRepository[VideoOperation]):
    """The video-operations view table (``VIDEO_OPERATIONS_VIEW_TABLE``)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )
