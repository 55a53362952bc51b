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


# -- the Queues topology: what a consumer's SQS FIFO queue delivers ----------------------------

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:test-ConsumerQueue.fifo"


def queue_record(message) -> dict[str, Any]:
    """One SQS record as Lambda delivers it, carrying what the relay published for ``message``
    (a ``StoredMessage``) through SNS with raw delivery."""
    from message_store.relay import publish_entry

    entry = publish_entry("0", message)
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": entry["Message"],
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(time.time() * 1000)),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
            "SequenceNumber": str(next(_sequence)),
            "MessageGroupId": entry["MessageGroupId"],
            "MessageDeduplicationId": entry["MessageDeduplicationId"],
        },
        "messageAttributes": {
            name: {
                "stringValue": value["StringValue"],
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            }
            for name, value in entry["MessageAttributes"].items()
        },
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def queue_event(messages) -> dict[str, Any]:
    """A batch of SQS records for ``messages`` (``StoredMessage``s), in the given order."""
    return {"Records": [queue_record(message) for message in messages]}


def item_ids(event: dict[str, Any]) -> list[str]:
    """What ``batchItemFailures`` name each record of ``event`` by, in order."""
    return [r.get("messageId") or r["dynamodb"]["SequenceNumber"] for r in event["Records"]]


def image_of(message) -> dict[str, Any]:
    """The message-store item (a stream record's NewImage) of a ``StoredMessage``."""
    from message_store.codec import encode_map
    from message_store.message import format_time
    from message_store.stream_name import category

    return {
        "streamName": {"S": message.stream_name},
        "position": {"N": str(message.position)},
        "id": {"S": message.id},
        "type": {"S": message.type},
        "data": {"M": encode_map(message.data)},
        "metadata": {"M": encode_map(message.metadata.to_json(), "metadata")},
        "time": {"S": format_time(message.time)},
        "globalPosition": {"S": message.global_position},
        "category": {"S": category(message.stream_name)},
        "categoryPartition": {"S": f"{category(message.stream_name)}#0"},
    }


def event_in(shape: str, messages) -> dict[str, Any]:
    """``messages`` (``StoredMessage``s) as one batch of either topology: "streams" or "queues"."""
    if shape == "queues":
        return queue_event(messages)
    return stream_event([image_of(message) for message in messages])


class ViewStreamFollower:
    """Reads a view table's own DynamoDB stream (moto's, from its start) and hands each new
    batch of records to ``handler``: what the home-page roll-up's mapping does on AWS."""

    def __init__(self, client: Any, streams_client: Any, table_name: str, handler: Any) -> None:
        self.client = client
        self.streams = streams_client
        self.table_name = table_name
        self.handler = handler
        self._iterators: dict[str, str | None] = {}

    def follow(self) -> int:
        """Hand every record written since the last call to the handler; how many."""
        arn = self.client.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            while iterator:
                response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                records.extend(response.get("Records", []))
                iterator = response.get("NextShardIterator")
                if not response.get("Records"):
                    break
            self._iterators[shard_id] = iterator
        if records:
            self.handler(records)
        return len(records)
