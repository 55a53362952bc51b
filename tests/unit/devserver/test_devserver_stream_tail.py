"""A stream's reader hands records on as each page brings them, and stops at a shard's end
(``devserver.mappings.stream_reader``): a poller is not kept waiting for the reader's
next, empty, request."""

from __future__ import annotations

import io
from typing import Any

from devserver.console import Console
from devserver.mappings.stream_reader import _PAGE_LIMIT, StreamTail

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/store/stream/2026-01-01T00:00:00.000"


def raw_record(number: int) -> dict[str, Any]:
    return {
        "eventID": f"event-{number}",
        "eventName": "INSERT",
        "dynamodb": {"SequenceNumber": str(number), "Keys": {"k": {"S": str(number)}}},
    }


class FakeStreams:
    """One open shard whose ``GetRecords`` answers the pages given, then nothing."""

    def __init__(self, pages: list[int]) -> None:
        self.pages = list(pages)
        self.next_number = 1
        self.get_records_calls = 0
        self.seen_generations: list[int] = []
        self.tail: StreamTail | None = None

    def describe_stream(self, **_request: Any) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **_request: Any) -> dict[str, Any]:
        return {"ShardIterator": "iterator"}

    def get_records(self, **request: Any) -> dict[str, Any]:
        assert request["Limit"] == _PAGE_LIMIT
        self.get_records_calls += 1
        assert self.tail is not None
        self.seen_generations.append(self.tail.generation)
        count = self.pages.pop(0) if self.pages else 0
        records = [raw_record(self.next_number + n) for n in range(count)]
        self.next_number += count
        return {"Records": records, "NextShardIterator": "iterator"}


def tail_on(client: FakeStreams) -> StreamTail:
    tail = StreamTail(client, ARN, region="us-east-1", interval=60, console=Console(io.StringIO()))
    client.tail = tail
    tail._refresh_shards()
    return tail


def test_a_short_page_is_the_shards_end_for_this_round():
    client = FakeStreams(pages=[3])
    tail = tail_on(client)

    assert tail._read_shards()

    assert client.get_records_calls == 1  # not a second request to learn it is empty
    assert len(tail.shards["shard-1"].records) == 3


def test_pollers_hear_of_a_full_pages_records_before_the_next_page_is_read():
    client = FakeStreams(pages=[_PAGE_LIMIT, 2])
    tail = tail_on(client)

    assert tail._read_shards()

    assert client.get_records_calls == 2
    first, second = client.seen_generations
    assert second > first  # the first page's records were handed on already
    assert len(tail.shards["shard-1"].records) == _PAGE_LIMIT + 2


def test_a_round_with_nothing_new_reads_once_and_changes_nothing():
    client = FakeStreams(pages=[])
    tail = tail_on(client)
    generation = tail.generation

    assert not tail._read_shards()

    assert client.get_records_calls == 1
    assert tail.generation == generation
