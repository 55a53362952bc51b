"""The relay: the store's stream records published to the SNS FIFO topic, in order, once."""

from __future__ import annotations

import json
import logging

import pytest

from message_store import Metadata, StoredMessage
from message_store.declaration import Declaration, from_origin
from message_store.relay import Relay, deduplication_id, group_id
from tests.support.contracts import Counted, Happened, Replied
from tests.support.fakes import InMemorySkips, InMemoryStreams
from tests.support.streams import event_in, item_ids

DECLARATION = Declaration.of("relay", [Happened, Counted, from_origin(Replied, "thing")])
TOPIC = "arn:aws:sns:us-east-1:123456789012:messages.fifo"


class FakeTopic:
    """An SNS client's PublishBatch: keeps what was published; can refuse entries."""

    def __init__(self):
        self.published: list[dict] = []
        self.calls = 0
        self.refuse: set[str] = set()  # stream names whose messages are refused
        self.down = False

    def publish_batch(self, TopicArn, PublishBatchRequestEntries):
        assert TopicArn == TOPIC
        assert len(PublishBatchRequestEntries) <= 10
        self.calls += 1
        if self.down:
            raise ConnectionError("SNS is unreachable")
        failed = []
        for entry in PublishBatchRequestEntries:
            if entry["MessageGroupId"] in self.refuse:
                failed.append({"Id": entry["Id"], "Code": "Throttled", "Message": "slow down"})
            else:
                self.published.append(entry)
        return {"Successful": [], "Failed": failed}


@pytest.fixture
def topic():
    return FakeTopic()


@pytest.fixture
def relay(topic):
    return Relay(
        TOPIC, DECLARATION, client=topic, logger=logging.getLogger("t"), skips=InMemorySkips()
    )


def published_messages(topic: FakeTopic) -> list[StoredMessage]:
    return [StoredMessage.from_json(json.loads(entry["Message"])) for entry in topic.published]


def test_each_declared_message_goes_out_in_order_with_its_group_and_deduplication_id(relay, topic):
    streams = InMemoryStreams()
    messages = [
        streams.add("thing-1", "Happened", n=1),
        streams.add("thing-2", "Counted"),
        streams.add("thing-1", "Ignored"),  # nobody reads it: not published
        streams.add("thing-1", "Happened", n=2),
        streams.add("reply-9", "Replied", Metadata(origin_stream_name="thing-1"), text="hi"),
    ]

    assert relay.handle_event(event_in("streams", messages)) == {"batchItemFailures": []}

    sent = published_messages(topic)
    assert [(m.stream_name, m.position) for m in sent] == [
        ("thing-1", 0),
        ("thing-2", 0),
        ("thing-1", 2),
        ("reply-9", 0),
    ]
    assert sent[0] == messages[0].model_copy(update={"time": sent[0].time})
    assert [e["MessageGroupId"] for e in topic.published] == [
        "thing-1",
        "thing-2",
        "thing-1",
        "reply-9",
    ]
    assert topic.published[2]["MessageDeduplicationId"] == "thing-1@2"
    attributes = {k: v["StringValue"] for k, v in topic.published[3]["MessageAttributes"].items()}
    assert attributes == {"category": "reply", "type": "Replied", "originCategory": "thing"}


def test_more_than_ten_messages_go_out_in_batches_of_ten(relay, topic):
    streams = InMemoryStreams()
    messages = [streams.add(f"thing-{n}", "Counted") for n in range(23)]

    assert relay.handle_event(event_in("streams", messages)) == {"batchItemFailures": []}

    assert topic.calls == 3
    assert [m.stream_name for m in published_messages(topic)] == [f"thing-{n}" for n in range(23)]


def test_a_refused_entry_fails_its_record_and_the_rest(relay, topic):
    streams = InMemoryStreams()
    messages = [streams.add(f"thing-{n}", "Counted") for n in range(4)]
    topic.refuse.add("thing-2")
    event = event_in("streams", messages)

    response = relay.handle_event(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": i} for i in item_ids(event)[2:]]}


def test_sns_out_of_reach_fails_the_batch_from_its_first_unpublished_record(relay, topic):
    streams = InMemoryStreams()
    event = event_in("streams", [streams.add("thing-1", "Counted")])
    topic.down = True

    assert relay.handle_event(event) == {
        "batchItemFailures": [{"itemIdentifier": item_ids(event)[0]}]
    }


def test_long_stream_names_get_ids_within_snss_limits():
    name = "thing-" + "x" * 250
    assert len(group_id(name)) == 128
    assert len(deduplication_id(name, 12)) == 128
    assert group_id(name) != group_id(name[:-1] + "y")
    assert group_id("thing-1") == "thing-1"
