"""How a failed record is named on the console: by its keys, or its group and message id."""

from __future__ import annotations

from devserver.mappings import dynamodb, sqs
from devserver.mappings.stream_reader import CachedRecord


def test_a_stream_record_is_named_by_its_keys_and_sequence_number():
    record = {
        "eventID": "e",
        "dynamodb": {
            "Keys": {"streamName": {"S": "viewing-12ab34cd56ef78"}, "position": {"N": "3"}},
            "SequenceNumber": "1100",
        },
    }
    cached = CachedRecord(1100, record, 0.0, 10)
    assert dynamodb.describe_record(cached) == "streamName=viewing-12ab…/position=3 #1100"


def test_a_queue_record_is_named_by_its_group_and_message_id():
    fifo = {"messageId": "m-1", "attributes": {"MessageGroupId": "viewing-1"}}
    standard = {"messageId": "m-2", "attributes": {}}
    assert sqs.describe_record(fifo) == "group=viewing-1 id=m-1"
    assert sqs.describe_record(standard) == "id=m-2"
