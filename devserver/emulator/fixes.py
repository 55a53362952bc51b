"""Where moto, left alone, would differ from AWS in a way the devserver's users would see.

- moto keeps every DynamoDB Streams shard iterator forever: a long run would grow without
  bound, so only the newest are kept (DynamoDB's expire after 15 minutes).
"""

from __future__ import annotations

_MAX_SHARD_ITERATORS = 1000


def prune_shard_iterators() -> None:
    """Keep the newest shard iterators (the caller holds the emulator's lock)."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    for regions in dynamodbstreams_backends.values():
        for backend in regions.values():
            iterators = backend.shard_iterators
            excess = len(iterators) - _MAX_SHARD_ITERATORS
            if excess > _MAX_SHARD_ITERATORS // 2:
                for key in list(iterators)[:excess]:
                    del iterators[key]
