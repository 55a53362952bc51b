"""An SNS publish wakes the pollers of the queues it delivered to, not every queue
subscribed to its topic (``emulator.writes``): in the ``Queues`` topology every consumer's
queue is subscribed, each with its filter policy."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from devserver.emulator.writes import (
    Write,
    delivered,
    queues_delivered_to,
    watch_queue_deliveries,
)


def subscribed_queues(sns, sqs, topic_arn: str, policies: dict[str, dict]) -> None:
    for name, policy in policies.items():
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"},
        )


@mock_aws
def test_a_publish_is_reported_as_the_sends_to_the_queues_whose_filters_took_it():
    watch_queue_deliveries()
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic_arn = sns.create_topic(Name="messages")["TopicArn"]
    subscribed_queues(
        sns,
        sqs,
        topic_arn,
        {
            "home-page": {"category": ["viewing"]},
            "admin-streams": {"category": ["viewing", "identity"]},
            "identity": {"category": ["identity"]},
        },
    )
    viewing = {"category": {"DataType": "String", "StringValue": "viewing"}}

    with queues_delivered_to() as queues:
        sns.publish(TopicArn=topic_arn, Message="{}", MessageAttributes=viewing)

    assert sorted(queues) == ["admin-streams", "home-page"]
    published = Write("sns", "Publish", (topic_arn,))
    assert delivered(published, queues) == Write("sqs", "Publish", ("admin-streams", "home-page"))


@mock_aws
def test_a_publish_no_queue_took_is_reported_by_its_topic():
    watch_queue_deliveries()
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic_arn = sns.create_topic(Name="messages")["TopicArn"]
    subscribed_queues(sns, sqs, topic_arn, {"identity": {"category": ["identity"]}})

    with queues_delivered_to() as queues:
        sns.publish(
            TopicArn=topic_arn,
            Message="{}",
            MessageAttributes={"category": {"DataType": "String", "StringValue": "viewing"}},
        )

    assert queues == []
    published = Write("sns", "Publish", (topic_arn,))
    assert delivered(published, queues) == published


def test_other_writes_are_reported_as_they_are():
    table_write = Write("dynamodb", "PutItem", ("store",))
    assert delivered(table_write, ["a-queue"]) == table_write
