"""video-operations: each naming and describing's outcome, under the trace of its request —
every event delivered twice, one outcome."""

from __future__ import annotations

import uuid

from message_store import Message, Metadata
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts import video_publishing as contract


def test_each_operation_has_its_outcome_under_its_trace_id(
    store, video_operations, video_operations_views
):
    video = str(uuid.uuid4())
    stream = contract.video_stream(video)
    outcomes = [
        ("trace-named", contract.VideoNamed(video_id=video, name="Intro")),
        ("trace-refused", contract.VideoNameRejected(video_id=video, name="", reason="empty")),
        ("trace-described", contract.VideoDescribed(video_id=video, description="About")),
    ]
    for trace_id, event in outcomes:
        store.write(stream, event.to_message(Metadata(trace_id=trace_id)))
    event = stream_event(stored_items(store, stream))

    assert video_operations.handle_event(event) == {"batchItemFailures": []}
    assert video_operations.handle_event(event) == {"batchItemFailures": []}

    named = video_operations_views.get("trace-named")
    assert (named.video_id, named.kind, named.succeeded, named.value) == (
        video,
        "name",
        True,
        "Intro",
    )
    assert named.position == 0
    refused = video_operations_views.get("trace-refused")
    assert (refused.succeeded, refused.reason) == (False, "empty")
    assert video_operations_views.get("trace-described").kind == "description"


def test_an_event_delivered_alone_reads_no_gap(store, video_operations, video_operations_views):
    """An item is one event: the stream's earlier events are other operations'."""
    video = str(uuid.uuid4())
    stream = contract.video_stream(video)
    store.write(
        stream, contract.VideoNamed(video_id=video, name="A").to_message(Metadata(trace_id="a"))
    )
    store.write(
        stream, contract.VideoNamed(video_id=video, name="B").to_message(Metadata(trace_id="b"))
    )

    video_operations.handle_event(stream_event(stored_items(store, stream)[1:]))

    assert video_operations_views.get("b").value == "B"
    assert video_operations_views.get("a") is None


def test_an_outcome_without_a_trace_is_no_operation_to_tell(
    store, video_operations, video_operations_views, skips
):
    """Written by hand, not by video-publishing: the trace is metadata, not the contract."""
    video = str(uuid.uuid4())
    stream = contract.video_stream(video)
    store.write(stream, Message(type="VideoNamed", data={"videoId": video, "name": "A"}))

    assert video_operations.handle_event(stream_event(stored_items(store, stream))) == {
        "batchItemFailures": []
    }
    assert skips.addresses() == []
