"""Checkpoints: found again by sequence number, or by event id when numbers changed."""

from __future__ import annotations

from devserver.mappings.checkpoints import CheckpointStore, ShardCheckpoint
from devserver.mappings.stream_reader import CachedRecord, Shard


def a_shard(*pairs):
    shard = Shard("shardId-1", None)
    for number, event_id in pairs:
        shard.records.append(CachedRecord(number, {"eventID": event_id}, 0.0, 10))
        shard.sequence_numbers.append(number)
    return shard


def test_a_checkpoint_resumes_after_its_record():
    shard = a_shard((100, "a"), (101, "b"), (102, "c"))
    assert shard.index_after(ShardCheckpoint("101", "b")) == 2
    assert shard.index_after(ShardCheckpoint(None)) == 0


def test_a_checkpoint_is_found_by_its_event_id_when_the_stream_was_numbered_anew():
    shard = a_shard((500, "a"), (501, "b"), (502, "c"))  # same records, new numbers
    assert shard.index_after(ShardCheckpoint("101", "b")) == 2
    # a number that exists but names another record: the event id decides
    renumbered = a_shard((101, "a"), (102, "b"), (103, "c"))
    assert renumbered.index_after(ShardCheckpoint("101", "b")) == 2


def test_a_checkpoint_beyond_what_the_stream_holds_is_not_found():
    shard = a_shard((100, "a"))
    assert shard.index_after(ShardCheckpoint("105", "z")) is None


def test_checkpoints_survive_a_new_store_on_the_same_file(tmp_path):
    path = tmp_path / "checkpoints.json"
    store = CheckpointStore(path)
    store.save("Fn/Stream", "arn:stream:1", "shardId-1", ShardCheckpoint("101", "b"))

    again = CheckpointStore(path)

    assert again.shards("Fn/Stream", "arn:stream:1") == {"shardId-1": ShardCheckpoint("101", "b")}
    assert again.shards("Fn/Stream", "arn:stream:2") is None  # never read that stream


def test_each_stream_keeps_its_own_checkpoints(tmp_path):
    store = CheckpointStore(tmp_path / "checkpoints.json")
    store.save("Fn/Stream", "arn:stream:1", "shardId-1", ShardCheckpoint("101", "b"))
    store.save("Fn/Stream", "arn:stream:2", "shardId-9", ShardCheckpoint(None))
    assert store.shards("Fn/Stream", "arn:stream:1") == {"shardId-1": ShardCheckpoint("101", "b")}
    assert store.shards("Fn/Stream", "arn:stream:2") == {"shardId-9": ShardCheckpoint(None)}
    assert store.streams("Fn/Stream") == ["arn:stream:1", "arn:stream:2"]
