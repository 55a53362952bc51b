"""An SNS publish wakes the pollers of the queues it delivered to, not every queue
subscribed to its topic (``emulator.writes``): in the ``Queues`` topology every consumer's
queue is subscribed, each with its filter policy."""

from __future__ import annotations

import json
from typing import Any

import boto3
from moto import mock_aws

from devserver.emulator.writes import (
    Write,
    delivered,
    queues_delivered_to,
    watch_queue_deliveries,
)

VIEWING = {"category": {"DataType": "String", "StringValue": "viewing"}}


def topic_with_queues(policies: dict[str, dict]) -> tuple[Any, str]:
    """(moto is on) An SNS client and a topic, a queue subscribed to it per filter policy, and
    the emulator watching which queues moto sends to."""
    watch_queue_deliveries()
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic_arn = sns.create_topic(Name="messages")["TopicArn"]
    for name, policy in policies.items():
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=attributes["Attributes"]["QueueArn"],
            Attributes={"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"},
        )
    return sns, topic_arn


@mock_aws
def test_a_publish_is_reported_as_the_sends_to_the_queues_whose_filters_took_it():
    sns, topic_arn = topic_with_queues(
        {
            "home-page": {"category": ["viewing"]},
            "admin-streams": {"category": ["viewing", "identity"]},
            "identity": {"category": ["identity"]},
        }
    )

    with queues_delivered_to() as queues:
        sns.publish(TopicArn=topic_arn, Message="{}", MessageAttributes=VIEWING)

    assert sorted(queues) == ["admin-streams", "home-page"]
    published = Write("sns", "Publish", (topic_arn,))
    assert delivered(published, queues) == Write("sqs", "Publish", ("admin-streams", "home-page"))


@mock_aws
def test_a_publish_no_queue_took_is_reported_by_its_topic():
    sns, topic_arn = topic_with_queues({"identity": {"category": ["identity"]}})

    with queues_delivered_to() as queues:
        sns.publish(TopicArn=topic_arn, Message="{}", MessageAttributes=VIEWING)

    assert queues == []
    published = Write("sns", "Publish", (topic_arn,))
    assert delivered(published, queues) == published


def test_other_writes_are_reported_as_they_are():
    table_write = Write("dynamodb", "PutItem", ("store",))
    assert delivered(table_write, ["a-queue"]) == table_write
