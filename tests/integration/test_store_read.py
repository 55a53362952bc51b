"""Reading a stream: whole, from a position, page by page, the last message, fetch."""

from __future__ import annotations

from message_store import MAX_MESSAGE_BYTES, Projection
from tests.support.contracts import Deposited, Withdrawn
from tests.support.factories import a_message, a_stream


def count_queries(store) -> list[str]:
    calls: list[str] = []
    store.client.meta.events.register(
        "before-call.dynamodb.Query", lambda **_: calls.append("query")
    )
    return calls


def test_a_multi_megabyte_stream_reads_whole_and_in_order(store):
    stream = a_stream()
    payload = "x" * (MAX_MESSAGE_BYTES - 200)
    count = 48  # about 3 MB: DynamoDB answers a query with at most 1 MB
    ids = [store.write(stream, a_message(data={"n": n, "payload": payload})) for n in range(count)]
    queries = count_queries(store)

    messages = store.read_stream(stream)

    assert [m.data["n"] for m in messages] == list(range(count))
    assert [m.position for m in messages] == ids
    assert all(m.data["payload"] == payload for m in messages)
    assert len(queries) >= 3


def test_read_from_a_position_and_at_most_n(store):
    stream = a_stream()
    for n in range(6):
        store.write(stream, a_message(data={"n": n}))

    assert [m.data["n"] for m in store.read_stream(stream, from_position=2)] == [2, 3, 4, 5]
    assert [m.data["n"] for m in store.read_stream(stream, 1, max_messages=2)] == [1, 2]
    assert store.read_stream(stream, from_position=6) == []


def test_read_last_message(store):
    stream = a_stream()
    assert store.read_last_message(stream) is None

    for n in range(3):
        store.write(stream, a_message(data={"n": n}))

    last = store.read_last_message(stream)
    assert (last.position, last.data) == (2, {"n": 2})


def test_fetch_folds_the_stream_through_a_projection(store):
    stream = a_stream()
    balance = Projection(
        initial=lambda: 0,
        handlers={
            Deposited: lambda total, deposited: total + deposited.amount,
            Withdrawn: lambda total, withdrawn: total - withdrawn.amount,
        },
    )
    store.write(stream, a_message("Deposited", data={"amount": 50}))
    store.write(stream, a_message("Withdrawn", data={"amount": 20}))
    store.write(stream, a_message("Renamed", data={"name": "savings"}))  # no handler: no change

    assert store.fetch(stream, balance) == (30, 2)


def test_fetch_of_an_empty_stream_is_the_initial_state_and_version_minus_one(store):
    assert store.fetch(a_stream(), Projection(initial=dict)) == ({}, -1)


def test_fetch_then_write_with_the_fetched_version(store):
    stream = a_stream()
    store.write(stream, a_message())
    _, version = store.fetch(stream, Projection(initial=dict))

    assert store.write(stream, a_message(), expected_version=version) == 1
