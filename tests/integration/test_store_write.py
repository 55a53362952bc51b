"""Writing: positions, expected versions, idempotent retries."""

from __future__ import annotations

import pytest

from message_store import MessageStore, VersionConflictError
from tests.support.factories import a_message, a_stream


def test_positions_start_at_zero_and_have_no_gaps(store):
    stream = a_stream()

    positions = [store.write(stream, a_message()) for _ in range(3)]

    assert positions == [0, 1, 2]
    assert [m.position for m in store.read_stream(stream)] == [0, 1, 2]


def test_expected_version_is_the_last_position(store):
    stream = a_stream()

    assert store.write(stream, a_message(), expected_version=-1) == 0
    assert store.write(stream, a_message(), expected_version=0) == 1
    assert store.write(stream, a_message(), expected_version=1) == 2


def test_minus_one_on_an_existing_stream_conflicts(store):
    stream = a_stream()
    store.write(stream, a_message())

    with pytest.raises(VersionConflictError) as raised:
        store.write(stream, a_message(), expected_version=-1)

    assert (raised.value.stream_name, raised.value.expected_version) == (stream, -1)
    assert raised.value.actual_version == 0
    assert stream in str(raised.value)
    assert len(store.read_stream(stream)) == 1


def test_a_version_on_an_empty_stream_conflicts_and_leaves_no_gap(store):
    stream = a_stream()

    with pytest.raises(VersionConflictError) as raised:
        store.write(stream, a_message(), expected_version=3)

    assert (raised.value.expected_version, raised.value.actual_version) == (3, -1)
    assert store.read_stream(stream) == []


def test_a_stale_version_conflicts(store):
    stream = a_stream()
    for _ in range(3):
        store.write(stream, a_message())

    with pytest.raises(VersionConflictError) as raised:
        store.write(stream, a_message(), expected_version=1)

    assert (raised.value.expected_version, raised.value.actual_version) == (1, 2)
    assert len(store.read_stream(stream)) == 3


def test_a_version_ahead_of_the_stream_conflicts(store):
    stream = a_stream()
    store.write(stream, a_message())

    with pytest.raises(VersionConflictError) as raised:
        store.write(stream, a_message(), expected_version=5)

    assert raised.value.actual_version == 0
    assert [m.position for m in store.read_stream(stream)] == [0]


def test_a_version_known_from_an_earlier_read_is_not_read_again(store, message_store_table):
    from message_store import MessageStore

    stream = a_stream()
    store.write(stream, a_message())
    other_writer = MessageStore(message_store_table, settle_window=0)
    other_writer.write(stream, a_message(), expected_version=0)

    # `store` only knows position 0 exists; the put's condition still refuses position 1
    with pytest.raises(VersionConflictError) as raised:
        store.write(stream, a_message(), expected_version=0)

    assert raised.value.actual_version == 1


def test_writing_the_same_message_again_at_its_position_is_not_a_duplicate(store):
    stream = a_stream()
    message = a_message()
    store.write(stream, message, expected_version=-1)

    # what an SDK retry of a put that had succeeded looks like to the store
    assert store.write(stream, message, expected_version=-1) == 0
    assert [m.id for m in store.read_stream(stream)] == [message.id]


def test_the_written_message_reads_back_with_its_store_fields(store):
    stream = a_stream("viewing")
    message = a_message("VideoViewed", data={"videoId": "v1"})

    store.write(stream, message)
    (read,) = store.read_stream(stream)

    assert (read.id, read.type, read.stream_name, read.position) == (
        message.id,
        "VideoViewed",
        stream,
        0,
    )
    assert read.data == {"videoId": "v1"}
    assert read.metadata == message.metadata
    assert read.global_position is not None
    assert len(read.global_position) == 26
    assert read.time is not None
    assert read.time.tzinfo is not None


def test_an_sdk_retry_of_a_write_is_answered_by_any_instance(store, message_store_table):
    """The defect of issue 7: a retry of the same write (same id, same expected version) by
    another instance — another Lambda container — raised VersionConflictError."""
    stream = a_stream()
    store.write(stream, a_message(), expected_version=-1)
    message = a_message()
    assert store.write(stream, message, expected_version=0) == 1

    fresh = MessageStore(message_store_table, settle_window=0)  # knows nothing of the stream

    assert fresh.write(stream, message, expected_version=0) == 1
    assert [m.id for m in store.read_stream(stream)][1:] == [message.id]
    with pytest.raises(VersionConflictError):  # another message at that version still conflicts
        MessageStore(message_store_table).write(stream, a_message(), expected_version=0)
