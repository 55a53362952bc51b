"""Reading a category: the partitions merged in global order, a cursor, the settle window."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from botocore.awsrequest import AWSResponse

from message_store import InvalidArgumentError, InvalidStreamNameError, MessageStore
from message_store.store import category_partition
from tests.support.factories import a_message, a_stream


@pytest.fixture
def written(store):
    """Twelve streams of one category, written round-robin, plus another category."""
    streams = [a_stream("viewing") for _ in range(12)]
    order = []
    for n in range(24):
        stream = streams[n % len(streams)]
        store.write(stream, a_message("VideoViewed", data={"n": n}))
        order.append(n)
    store.write(a_stream("identity"), a_message("Registered"))
    return streams, order


def test_the_category_spreads_over_partitions(store, written):
    streams, _ = written
    partitions = {category_partition(s, store.category_partitions) for s in streams}
    assert len(partitions) > 1


def test_partitions_are_merged_in_global_order(store, written):
    _, order = written

    messages = store.read_category("viewing")

    assert [m.data["n"] for m in messages] == order
    positions = [m.global_position for m in messages]
    assert positions == sorted(positions)
    assert {m.type for m in messages} == {"VideoViewed"}


def test_a_cursor_reads_on_from_the_last_message(store, written):
    _, order = written
    seen = []
    cursor = None
    while True:
        page = store.read_category("viewing", after_global_position=cursor, max_messages=5)
        if not page:
            break
        assert len(page) <= 5
        seen.extend(m.data["n"] for m in page)
        cursor = page[-1].global_position

    assert seen == order


def test_messages_newer_than_the_settle_window_wait_for_a_later_read(message_store_table):
    store = MessageStore(message_store_table, settle_window=1.0)
    store.write(a_stream("viewing"), a_message("VideoViewed"))

    assert store.read_category("viewing") == []
    time.sleep(1.2)
    (message,) = store.read_category("viewing")
    assert store.read_category("viewing", after_global_position=message.global_position) == []


def test_category_of_a_command_stream(store):
    store.write("identity:command-1", a_message("Register"))
    store.write("identity-1", a_message("Registered"))

    assert [m.type for m in store.read_category("identity:command")] == ["Register"]
    assert [m.type for m in store.read_category("identity")] == ["Registered"]


def test_bad_category_arguments_are_refused(store):
    with pytest.raises(InvalidStreamNameError):
        store.read_category("viewing-123")
    with pytest.raises(InvalidArgumentError):
        store.read_category("viewing", after_global_position="not-a-position")
    with pytest.raises(InvalidArgumentError):
        store.read_category("viewing", max_messages=0)


@contextlib.contextmanager
def put_held_then_failing(message_id, table):
    """The first PutItem of message ``message_id`` to ``table`` is held until the test lets it
    go (``release``), then DynamoDB answers 500 (retryable): the store tries again. Only that
    message's put: other threads — this test's other write, a consumer another test left
    running — put meanwhile as usual. Yields ``(entered, release, held)``: ``entered`` is set
    once the put is held, ``held`` lists the requests held."""
    from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

    original = BotocoreStubber.__call__
    entered, release, held = threading.Event(), threading.Event(), []

    def stubbed(self, event_name, request, **kwargs):
        putting = request.headers.get("X-Amz-Target", b"").endswith(b"PutItem")
        body = request.body or b""
        if putting and not held and f'"{table}"'.encode() in body and message_id.encode() in body:
            held.append(request)
            entered.set()
            release.wait(timeout=30)
            body = '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"}'
            return AWSResponse(request.url, 500, {}, MockRawResponse(body))
        return original(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = stubbed
    try:
        yield entered, release, held
    finally:
        release.set()
        BotocoreStubber.__call__ = original


def test_a_put_retried_late_is_still_seen_by_a_reader_that_moved_on(message_store_table):
    """The defect of issue 7: the global position was stamped once, before the put, and the
    SDK's retries resent that stamp: a put held up landed behind a reader (window 0.5 s) that
    had moved on past a later write, and was never read. Each attempt is stamped anew now.

    The order is made by events, not by sleeps (on a busy host the writer's thread once
    started after the other write, and the wrong put was held)."""
    writer = MessageStore(message_store_table, settle_window=0.5)
    reader = MessageStore(message_store_table, settle_window=0.5)
    slow_message, other = a_message("VideoViewed"), a_message("VideoViewed")
    with put_held_then_failing(slow_message.id, message_store_table) as (entered, release, held):
        thread = threading.Thread(target=writer.write, args=(a_stream("viewing"), slow_message))
        thread.start()
        assert entered.wait(timeout=10)  # its first attempt, stamped, is held
        writer.write(a_stream("viewing"), other)  # lands at once, stamped after it
        deadline = time.monotonic() + 10
        while not (seen := reader.read_category("viewing")) and time.monotonic() < deadline:
            time.sleep(0.1)  # until the settle window has passed the other write
        # the reader moves past the other write's stamp, later than the held attempt's
        assert [m.id for m in seen] == [other.id]
        first = seen[0]
        release.set()  # the held attempt fails; the store tries again, stamped anew
        thread.join(timeout=30)
    assert len(held) == 1
    time.sleep(1.0)  # past the window after the retry landed

    later = reader.read_category("viewing", after_global_position=first.global_position)

    assert [m.id for m in later] == [slow_message.id]
