from __future__ import annotations

import pytest
from pydantic import ValidationError

from message_store import Message, Metadata


def a_command() -> Message:
    return Message(
        type="Register",
        stream_name="identity:command-1",
        position=4,
        global_position="01JQ0000000000000000000000",
        data={"userId": "1"},
        metadata=Metadata(trace_id="trace-1", user_id="user-1"),
    )


def test_follow_copies_trace_user_and_origin_and_sets_causation():
    event = Message(type="Registered", data={"userId": "1"}).follow(a_command())

    assert event.metadata.trace_id == "trace-1"
    assert event.metadata.user_id == "user-1"
    assert event.metadata.origin_stream_name == "identity:command-1"
    assert event.metadata.causation_message_stream_name == "identity:command-1"
    assert event.metadata.causation_message_position == 4
    assert event.metadata.causation_message_global_position == "01JQ0000000000000000000000"


def test_follow_keeps_an_origin_the_message_was_given_and_its_extra_metadata():
    send = Message(
        type="Send", metadata=Metadata(origin_stream_name="identity-1", schema=2)
    ).follow(a_command())

    assert send.metadata.origin_stream_name == "identity-1"
    assert send.metadata.model_extra == {"schema": 2}


def test_metadata_is_camel_case_on_the_wire():
    wire = Metadata(trace_id="t", causation_message_position=0).to_json()
    assert wire == {"traceId": "t", "causationMessagePosition": 0}
    assert Metadata.model_validate(wire).trace_id == "t"


@pytest.mark.parametrize("type_", ["", "has space", "1Starts", "x" * 200])
def test_a_message_type_must_be_a_name(type_):
    with pytest.raises(ValidationError):
        Message(type=type_)
