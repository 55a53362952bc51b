"""Bad input: a typed error with a clear message, and nothing written."""

from __future__ import annotations

import datetime
import math

import pytest

from message_store import (
    MAX_MESSAGE_BYTES,
    InvalidArgumentError,
    InvalidExpectedVersionError,
    InvalidStreamNameError,
    MessageDataError,
    MessageTooLargeError,
)
from tests.support.factories import a_message, a_stream


def assert_nothing_written(store) -> None:
    response = store.client.scan(TableName=store.table_name, Select="COUNT")
    assert response["Count"] == 0


@pytest.mark.parametrize(
    "stream_name",
    [
        "",
        "account",
        "-123",
        "account-",
        "1account-1",
        "acc ount-1",
        "account-1 2",
        "account-" + "x" * 300,
        "account:-1",
        "account-ü",
        None,
        42,
    ],
)
def test_invalid_stream_names_are_refused(store, stream_name):
    with pytest.raises(InvalidStreamNameError) as raised:
        store.write(stream_name, a_message())

    assert "stream name" in str(raised.value)
    assert_nothing_written(store)


@pytest.mark.parametrize("expected_version", ["1", 1.0, True, -2, [0]])
def test_expected_versions_that_are_not_ints_or_below_minus_one(store, expected_version):
    with pytest.raises(InvalidExpectedVersionError) as raised:
        store.write(a_stream(), a_message(), expected_version=expected_version)

    assert "expected_version" in str(raised.value)
    assert_nothing_written(store)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"when": datetime.datetime(2026, 1, 1)}, "data.when"),
        ({"tags": {"a", "b"}}, "data.tags"),
        ({"raw": b"bytes"}, "data.raw"),
        ({"ratio": math.nan}, "data.ratio"),
        ({"ratio": math.inf}, "data.ratio"),
        ({"nested": [1, {"bad": object()}]}, "data.nested[1].bad"),
        ({"map": {1: "int key"}}, "data.map"),
    ],
)
def test_data_that_is_not_json_is_refused(store, data, where):
    with pytest.raises(MessageDataError) as raised:
        store.write(a_stream(), a_message(data=data))

    assert where in str(raised.value)
    assert_nothing_written(store)


def test_a_message_over_the_size_limit_is_refused(store):
    with pytest.raises(MessageTooLargeError) as raised:
        store.write(a_stream(), a_message(data={"text": "x" * MAX_MESSAGE_BYTES}))

    assert str(MAX_MESSAGE_BYTES) in str(raised.value)
    assert_nothing_written(store)


def test_a_message_at_the_size_limit_is_written(store):
    stream = a_stream()
    message = a_message(data={"text": ""}, metadata={})
    overhead = len('{"data":{"text":""},"metadata":{}}')
    store.write(
        stream, message.model_copy(update={"data": {"text": "x" * (MAX_MESSAGE_BYTES - overhead)}})
    )

    assert len(store.read_stream(stream)) == 1


def test_something_that_is_not_a_message_is_refused(store):
    with pytest.raises(InvalidArgumentError):
        store.write(a_stream(), {"type": "Deposited", "data": {}})
    assert_nothing_written(store)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"from_position": -1}, InvalidArgumentError),
        ({"from_position": "0"}, InvalidArgumentError),
        ({"max_messages": 0}, InvalidArgumentError),
    ],
)
def test_bad_read_arguments(store, arguments, error):
    with pytest.raises(error):
        store.read_stream(a_stream(), **arguments)
