"""Contracts, typed projections, the read shape of messages and its JSON form."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from message_store import (
    InvalidMessageError,
    Message,
    Metadata,
    Projection,
    ProjectionError,
    StoredMessage,
)
from tests.support.contracts import Counted, Happened
from tests.support.fakes import InMemoryStreams


def a_stored(**fields) -> StoredMessage:
    values = {
        "type": "Happened",
        "stream_name": "thing-1",
        "position": 3,
        "global_position": "01JQ0000000000000000000042",
        "time": datetime(2026, 11, 30, 23, 40, 45, 123000, tzinfo=UTC),
        "data": {"n": 7, "ratio": 1.0, "big": 10**40},
        "metadata": Metadata(trace_id="t", origin_stream_name="other-2"),
    }
    values.update(fields)
    return StoredMessage(**values)


def test_a_contract_reads_its_typed_data_and_keeps_the_message():
    stored = a_stored()

    happened = Happened.from_message(stored)

    assert happened.n == 7
    assert happened.message is stored
    assert (Happened.type, Happened.category) == ("Happened", "thing")


def test_data_that_breaks_the_contract_is_an_invalid_message_naming_the_field():
    with pytest.raises(InvalidMessageError, match=r"n: Input should be a valid integer"):
        Happened.from_message(a_stored(data={"n": "seven"}))


def test_a_message_of_another_type_is_not_read_as_this_one():
    with pytest.raises(InvalidMessageError):
        Counted.from_message(a_stored())


def test_data_not_read_from_the_store_has_no_message():
    with pytest.raises(AttributeError):
        Happened(n=1).message  # noqa: B018


def test_to_message_writes_camel_case_data_of_its_type():
    message = Happened(n=2).to_message(Metadata(trace_id="x"))
    assert (message.type, message.data, message.metadata.trace_id) == ("Happened", {"n": 2}, "x")


def test_a_stored_message_always_has_its_place_in_the_store():
    with pytest.raises(ValidationError):
        StoredMessage(type="Happened")
    assert Message(type="Happened").position is None  # what a writer builds has none yet


def test_the_json_form_round_trips_exactly():
    stored = a_stored()
    document = json.loads(json.dumps(stored.to_json()))

    again = StoredMessage.from_json(document)

    assert again == stored
    assert document["time"] == "2026-11-30T23:40:45.123Z"
    assert isinstance(again.data["ratio"], float)
    assert again.data["big"] == 10**40


@pytest.mark.parametrize("document", [[], {"id": "x"}, {"type": "T", "streamName": "s-1"}])
def test_json_that_is_not_a_message_is_refused(document):
    with pytest.raises(ValueError, match="message"):
        StoredMessage.from_json(document)


def test_a_projection_folds_only_what_it_handles_typed():
    streams = InMemoryStreams()
    messages = [
        streams.add("thing-1", "Happened", n=2),
        streams.add("thing-1", "Other"),
        streams.add("thing-1", "Happened", n=3),
    ]
    total = Projection(initial=lambda: 0, handlers={Happened: lambda n, e: n + e.n})

    assert total.fold(messages) == 5
    assert total.fold(messages, state=10) == 15


def test_a_projection_matches_the_category_of_the_stream_too():
    streams = InMemoryStreams()
    total = Projection(initial=lambda: 0, handlers={Happened: lambda n, e: n + e.n})
    assert total.fold([streams.add("elsewhere-1", "Happened", n=2)]) == 0


def test_a_fetched_message_that_breaks_its_contract_is_a_projection_error():
    streams = InMemoryStreams()
    broken = streams.add("thing-1", "Happened", n="seven")
    total = Projection(initial=lambda: 0, handlers={Happened: lambda n, e: n + e.n})

    with pytest.raises(ProjectionError, match="thing-1/0"):
        total.fold([broken])
