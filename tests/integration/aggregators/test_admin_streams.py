"""admin-streams: every stream once (its category, how many messages, the last one), each
category's streams counted once — every message delivered twice, of any category or type."""

from __future__ import annotations

import uuid

from message_store import Message
from tests.support.streams import deliver, stored_items, stream_event
from video_tutorials.views.admin_streams import CATEGORY_SHARDS, INDEX_PARTITIONS


def write(store, stream, count, type_="Something"):
    for n in range(count):
        store.write(stream, Message(type=type_, data={"n": n}))


def test_every_stream_and_category_counted_once(store, admin_streams, admin_streams_views):
    streams = {
        "viewing-a": 3,
        "viewing-b": 1,
        "identity-x": 2,
        "identity:command-x": 1,
        f"whatever-{uuid.uuid4()}": 1,
    }
    for stream, count in streams.items():
        write(store, stream, count)

    assert deliver(admin_streams, store, *streams, twice=True) == {"batchItemFailures": []}

    listed = {s.stream_name: s for s in admin_streams_views.streams(limit=50).items}
    assert {name: s.messages for name, s in listed.items()} == streams
    assert listed["viewing-a"].last_position == 2
    assert listed["identity:command-x"].category == "identity:command"
    counts = {c.category: c.streams for c in admin_streams_views.categories()}
    assert counts == {"viewing": 2, "identity": 1, "identity:command": 1, "whatever": 1}
    assert [s.stream_name for s in admin_streams_views.streams_of("viewing").items] == [
        "viewing-a",
        "viewing-b",
    ]


def test_a_stream_delivered_in_parts_and_out_of_turn_keeps_its_newest_message(
    store, admin_streams, admin_streams_views
):
    write(store, "viewing-c", 4)
    items = stored_items(store, "viewing-c")

    admin_streams.handle_event(stream_event(items[2:]))  # a gap: nothing to read back
    admin_streams.handle_event(stream_event(items[:2]))  # older ones, late (a redrive)

    summary = admin_streams_views.get("viewing-c")
    assert (summary.messages, summary.last_position) == (4, 3)
    counts = {c.category: c.streams for c in admin_streams_views.categories()}
    assert counts == {"viewing": 1}


def test_a_category_of_many_new_streams_is_spread_over_its_count_items(
    store, admin_streams, admin_streams_views, tables
):
    """No single item takes every message: a category's count is kept in shards."""
    names = [f"burst-{n}" for n in range(12)]
    for name in names:
        write(store, name, 1)
    deliver(admin_streams, store, *names)

    raw = admin_streams_views.client.scan(TableName=tables["AdminCategoriesViewTable"])["Items"]
    shards = [int(item["shard"]["N"]) for item in raw if item["category"]["S"] == "burst"]
    assert len(shards) > 1
    assert max(shards) < CATEGORY_SHARDS
    assert {c.category: c.streams for c in admin_streams_views.categories()} == {"burst": 12}


def test_a_message_of_any_shape_is_counted(store, admin_streams, admin_streams_views):
    """It reads every category: a message no contract knows is still a message of a stream."""
    store.write("odd-1", Message(type="NeverHeardOf", data={}))

    assert deliver(admin_streams, store, "odd-1") == {"batchItemFailures": []}
    assert admin_streams_views.get("odd-1").last_type == "NeverHeardOf"


def test_a_known_stream_costs_a_put_not_a_transaction(store, admin_streams, admin_streams_views):
    """Transactions cost twice the write units: only a new stream (and its count) needs one."""
    write(store, "viewing-d", 1)
    deliver(admin_streams, store, "viewing-d")
    write(store, "viewing-d", 2)
    client = admin_streams_views.client
    calls = {"transact_write_items": 0, "put_item": 0}
    for name in calls:
        original = getattr(client, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        setattr(client, name, counted)
    try:
        admin_streams.handle_event(stream_event(stored_items(store, "viewing-d")[1:]))
    finally:
        for name in calls:
            delattr(client, name)

    assert calls == {"transact_write_items": 0, "put_item": 1}
    assert admin_streams_views.get("viewing-d").messages == 3
    assert {c.category: c.streams for c in admin_streams_views.categories()} == {"viewing": 1}


def _walk(views, category, limit):
    """Every page of a category's streams, in order: (names, pages read)."""
    names, after, pages = [], None, 0
    while True:
        page = views.streams_of(category, after=after, limit=limit)
        names += [s.stream_name for s in page.items]
        pages += 1
        if page.next_after is None:
            return names, pages
        after = page.next_after


def test_a_category_is_listed_under_many_index_keys_and_paged_in_name_order(
    store, admin_streams, admin_streams_views, tables
):
    """A hot category (a viral video's streams) does not rewrite one index key every batch:
    its streams are spread over index partitions, and its pages merge them by name."""
    names = [f"viewing-v+{n}" for n in range(23)]
    for n, name in enumerate(names):
        write(store, name, 1 + n % 3)
    deliver(admin_streams, store, *names)

    raw = admin_streams_views.client.scan(TableName=tables["AdminStreamsViewTable"])["Items"]
    keys = {item["category"]["S"] for item in raw}
    assert len(keys) > 4
    assert all(key.startswith("viewing#") for key in keys)
    assert all(int(key.partition("#")[2]) < INDEX_PARTITIONS for key in keys)

    listed, pages = _walk(admin_streams_views, "viewing", limit=5)
    assert listed == sorted(names)
    assert pages == 5
    assert {s.category for s in admin_streams_views.streams_of("viewing", limit=50).items} == {
        "viewing"
    }
    assert admin_streams_views.messages_in("viewing") == sum(1 + n % 3 for n in range(23))


def test_streams_listed_under_the_bare_category_before_the_partitions_are_still_listed(
    store, admin_streams, admin_streams_views, tables
):
    """An item written before the index partitions (its key: the category itself) is read
    with the others, in order, and counted."""
    names = ["viewing-b", "viewing-d"]
    for name in names:
        write(store, name, 2)
    deliver(admin_streams, store, *names)
    admin_streams_views.client.put_item(
        TableName=tables["AdminStreamsViewTable"],
        Item={
            "streamName": {"S": "viewing-c"},
            "category": {"S": "viewing"},
            "messages": {"N": "7"},
            "lastPosition": {"N": "6"},
            "version": {"N": "0"},
        },
    )

    assert _walk(admin_streams_views, "viewing", limit=1) == (
        ["viewing-b", "viewing-c", "viewing-d"],
        3,
    )
    assert admin_streams_views.get("viewing-c").category == "viewing"
    assert admin_streams_views.messages_in("viewing") == 11
