"""Stream events in Lambda's shape, built from what the store really wrote."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

_sequence = itertools.count(100000000000000000000)
STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-MessageStoreTable"
    "/stream/2026-01-01T00:00:00.000"
)


def stored_items(store, stream_name: str) -> list[dict[str, Any]]:
    """The raw DynamoDB items of one stream, as a stream record's NewImage carries them."""
    response = store.client.query(
        TableName=store.table_name,
        KeyConditionExpression="streamName = :s",
        ExpressionAttributeValues={":s": {"S": stream_name}},
        ConsistentRead=True,
    )
    return response["Items"]


def record(item: dict[str, Any]) -> dict[str, Any]:
    """One DynamoDB Streams record as Lambda delivers it (eventVersion 1.1)."""
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": {"streamName": item["streamName"], "position": item["position"]},
            "NewImage": item,
            "SequenceNumber": str(next(_sequence)),
            "SizeBytes": 200,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": STREAM_ARN,
    }


def stream_event(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch of records, in the given order."""
    return {"Records": [record(item) for item in items]}


def deliver(consumer, store, *stream_names: str, twice: bool = False) -> dict[str, Any]:
    """Deliver every message of ``stream_names`` (in that order) to ``consumer`` as one batch."""
    items = [item for name in stream_names for item in stored_items(store, name)]
    response = consumer.handle_event(stream_event(items))
    if twice:
        again = consumer.handle_event(stream_event(items))
        assert again == {"batchItemFailures": []}
    return response
