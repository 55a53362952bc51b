"""template.yaml against the consumers' declarations in code: one topology per deploy, and
filters (DynamoDB Streams patterns, SNS filter policies) that pass exactly what each reads.

Adding a consumer without its resources, or changing what it reads without its filters,
fails here (docs/consumers.md says what to add).
"""

from __future__ import annotations

import itertools
import json

import pytest

from devserver.filters import matches_any, parse_filter_criteria
from devserver.template import load_template
from message_store import Message, Metadata
from message_store.declaration import Declaration
from video_tutorials import consumers

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
CONSUMERS = consumers.all_consumers()
STREAM_ARN = {"Fn::GetAtt": ["MessageStoreTable", "StreamArn"]}


def resource(logical_id: str) -> dict:
    assert logical_id in RESOURCES, f"template.yaml has no {logical_id}"
    return RESOURCES[logical_id]


def patterns(mapping: dict) -> list:
    filters = mapping["Properties"]["FilterCriteria"]["Filters"]
    return sorted((json.loads(f["Pattern"]) for f in filters), key=json.dumps)


def canonical(document) -> list:
    return sorted(document, key=json.dumps)


def every_message(declarations: list[Declaration]) -> list[Message]:
    """A message of every category and type any consumer reads, from every origin read."""
    categories = {s.category for d in declarations for s in d.subscriptions}
    types = {t for d in declarations for s in d.subscriptions for t in s.types}
    origins = {s.origin_category for d in declarations for s in d.subscriptions} | {"nobody"}
    return [
        Message(
            type=type_,
            stream_name=f"{category}-1",
            metadata=Metadata(origin_stream_name=f"{origin}-2" if origin else None),
        )
        for category, type_, origin in itertools.product(
            sorted(categories), sorted(types), sorted(origins, key=str)
        )
    ]


MESSAGES = every_message([c.declaration for c in CONSUMERS.values()])


def stream_record(message: Message) -> dict:
    image = {
        "streamName": {"S": message.stream_name},
        "category": {"S": message.stream_name.split("-")[0]},
        "type": {"S": message.type},
        "metadata": {"M": {}},
    }
    if message.metadata.origin_stream_name:
        image["metadata"]["M"]["originStreamName"] = {"S": message.metadata.origin_stream_name}
    return {"eventName": "INSERT", "dynamodb": {"NewImage": image}}


def sns_attributes(message: Message) -> dict:
    from message_store.relay import publish_entry
    from tests.support.fakes import InMemoryStreams

    stored = InMemoryStreams().add(message.stream_name, message.type, message.metadata)
    attributes = publish_entry("0", stored)["MessageAttributes"]
    return {k: {"Type": "String", "Value": v["StringValue"]} for k, v in attributes.items()}


def test_the_topology_is_a_parameter_with_streams_by_default():
    parameter = TEMPLATE["Parameters"]["ConsumerDelivery"]
    assert parameter["Default"] == "Streams"
    assert parameter["AllowedValues"] == ["Streams", "Queues"]
    assert TEMPLATE["Conditions"]["DeliverByStreams"] == {
        "Fn::Equals": [{"Ref": "ConsumerDelivery"}, "Streams"]
    }


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_each_consumer_has_a_stream_mapping_in_the_streams_topology(name):
    consumer = CONSUMERS[name]
    mapping = resource(consumers.stream_mapping_id(consumer))
    properties = mapping["Properties"]

    assert mapping["Condition"] == "DeliverByStreams"
    assert properties["FunctionName"] == {"Ref": consumers.function_id(consumer)}
    assert properties["EventSourceArn"] == STREAM_ARN
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["DestinationConfig"]["OnFailure"]["Destination"]
    assert patterns(mapping) == canonical(consumer.declaration.stream_filters())


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_each_stream_filter_passes_exactly_what_its_consumer_reads(name):
    declaration = CONSUMERS[name].declaration
    mapping = resource(consumers.stream_mapping_id(CONSUMERS[name]))
    filters = parse_filter_criteria(mapping["Properties"]["FilterCriteria"])

    for message in MESSAGES:
        assert matches_any(filters, stream_record(message)) == declaration.accepts(message), (
            message.stream_name,
            message.type,
            message.metadata.origin_stream_name,
        )


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_each_consumer_has_its_queue_in_the_queues_topology(name):
    consumer = CONSUMERS[name]
    queue_id = consumers.queue_id(consumer)
    queue = resource(queue_id)
    dead_letters = resource(consumers.dead_letter_queue_id(consumer))
    subscription = resource(consumers.subscription_id(consumer))
    mapping = resource(consumers.queue_mapping_id(consumer))

    for each in (queue, dead_letters, subscription, mapping):
        assert each["Condition"] == "DeliverByQueues"
    assert queue["Properties"]["FifoQueue"] is True
    assert queue["Properties"]["DeduplicationScope"] == "messageGroup"
    assert queue["Properties"]["FifoThroughputLimit"] == "perMessageGroupId"
    assert queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": [consumers.dead_letter_queue_id(consumer), "Arn"]
    }
    assert dead_letters["Properties"]["FifoQueue"] is True
    assert subscription["Properties"]["Endpoint"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert subscription["Properties"]["TopicArn"] == {"Ref": "MessageTopic"}
    assert subscription["Properties"]["RawMessageDelivery"] is True
    policy = subscription["Properties"].get("FilterPolicy", {})  # none: every message
    assert policy == consumer.declaration.queue_filter_policy()
    assert mapping["Properties"]["FunctionName"] == {"Ref": consumers.function_id(consumer)}
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["BatchSize"] <= 10  # SQS FIFO's limit
    queues = resource("ConsumerQueuesPolicy")["Properties"]["Queues"]
    assert {"Ref": queue_id} in queues


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_each_filter_policy_passes_exactly_what_its_consumer_reads(name):
    from moto.sns.utils import FilterPolicyMatcher

    declaration = CONSUMERS[name].declaration
    policy = resource(consumers.subscription_id(CONSUMERS[name]))["Properties"].get(
        "FilterPolicy", {}
    )
    matcher = FilterPolicyMatcher(policy, "MessageAttributes")

    for message in MESSAGES:
        assert matcher.matches(sns_attributes(message), "{}") == declaration.accepts(message), (
            message.stream_name,
            message.type,
            message.metadata.origin_stream_name,
        )


def test_the_relay_reads_the_stream_for_every_consumer_in_the_queues_topology():
    relay = resource("RelayFunction")
    mapping = resource("RelayStreamMapping")
    declaration = consumers.relay_declaration()

    assert relay["Condition"] == mapping["Condition"] == "DeliverByQueues"
    assert resource("MessageTopic")["Properties"]["FifoTopic"] is True
    assert mapping["Properties"]["EventSourceArn"] == STREAM_ARN
    assert patterns(mapping) == canonical(declaration.stream_filters())
    filters = parse_filter_criteria(mapping["Properties"]["FilterCriteria"])
    for message in MESSAGES:
        if any(c.declaration.accepts(message) for c in CONSUMERS.values()):
            assert matches_any(filters, stream_record(message))


#: functions that follow a view table's own stream, not the store's (no consumer)
VIEW_FOLLOWERS = {"HomePageRollupFunction"}


def test_every_mapping_belongs_to_a_declared_consumer_or_the_relay():
    known = {consumers.function_id(c) for c in CONSUMERS.values()} | {"RelayFunction"}
    known |= VIEW_FOLLOWERS
    mapped = {
        r["Properties"]["FunctionName"]["Ref"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    assert mapped == known
    for function in RESOURCES.values():
        if function["Type"] == "AWS::Serverless::Function":
            events = function["Properties"].get("Events") or {}
            assert all(e["Type"] == "Api" for e in events.values())  # mappings are resources


def test_exactly_one_topology_exists_per_deploy():
    for logical_id, each in RESOURCES.items():
        if each["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        if each["Properties"]["FunctionName"]["Ref"] in VIEW_FOLLOWERS:
            assert "Condition" not in each, logical_id  # the same in both topologies
            continue
        expected = "DeliverByQueues" if each["Properties"]["EventSourceArn"] != STREAM_ARN else None
        if logical_id == "RelayStreamMapping" or expected:
            assert each["Condition"] == "DeliverByQueues", logical_id
        else:
            assert each["Condition"] == "DeliverByStreams", logical_id


@pytest.mark.parametrize("name", sorted(consumers.aggregators()))
def test_each_aggregator_has_its_view_table(name):
    aggregator = consumers.aggregators()[name]
    for table in consumers.view_table_ids(aggregator):
        assert resource(table)["Type"] == "AWS::DynamoDB::Table"
    assert aggregator.views is not None


def _view_record(event_name: str, page_id: str, item_id: str) -> dict:
    keys = {"pageId": {"S": page_id}, "itemId": {"S": item_id}}
    return {"eventName": event_name, "dynamodb": {"Keys": keys}}


def test_the_home_page_roll_up_follows_its_view_tables_count_items():
    mapping = resource("HomePageRollupMapping")
    table = resource("HomePageViewTable")

    assert mapping["Properties"]["EventSourceArn"] == {
        "Fn::GetAtt": ["HomePageViewTable", "StreamArn"]
    }
    assert table["Properties"]["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert mapping["Properties"]["MaximumBatchingWindowInSeconds"] >= 1  # bounded roll-ups
    filters = parse_filter_criteria(mapping["Properties"]["FilterCriteria"])
    video = "4f1c1a0e-8f5e-4f55-9d43-0a6f0f3f7a11"
    for event_name in ("INSERT", "MODIFY"):
        assert matches_any(filters, _view_record(event_name, f"{video}|views3", "count"))
        assert matches_any(filters, _view_record(event_name, "total#7", "count"))
        assert not matches_any(filters, _view_record(event_name, "home", f"video#{video}"))
        assert not matches_any(filters, _view_record(event_name, f"{video}|rolled", "rolled"))
    assert not matches_any(filters, _view_record("REMOVE", f"{video}|views3", "count"))
