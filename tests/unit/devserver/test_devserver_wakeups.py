"""Wake-ups: what a request to the emulator writes, and which sources that wakes."""

from __future__ import annotations

import json

import pytest

from devserver.emulator.writes import write_of
from devserver.mappings.wakeups import WakeUps

STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/{}/stream/2026-01-01T00:00:00.000"


def a_request(service, body=b"", form=False):
    environ = {
        "HTTP_AUTHORIZATION": (
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
            f"{service}/aws4_request, SignedHeaders=host, Signature=x"
        ),
        "CONTENT_TYPE": "application/x-www-form-urlencoded"
        if form
        else "application/x-amz-json-1.0",
    }
    return environ, body


@pytest.mark.parametrize(
    ("service", "action", "body", "targets"),
    [
        ("dynamodb", "PutItem", {"TableName": "t", "Item": {}}, ["t"]),
        ("dynamodb", "BatchWriteItem", {"RequestItems": {"a": [], "b": []}}, ["a", "b"]),
        (
            "dynamodb",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"TableName": "views"}},
                    {"Update": {"TableName": "store"}},
                    {"ConditionCheck": {"TableName": "guards"}},
                ]
            },
            ["store", "views"],
        ),
        ("dynamodb", "ExecuteStatement", {"Statement": "INSERT INTO t VALUE {}"}, None),
        (
            "sqs",
            "SendMessageBatch",
            {"QueueUrl": "http://h/1/q.fifo", "Entries": []},
            ["http://h/1/q.fifo"],
        ),
    ],
)
def test_writes_a_poller_may_wait_for_name_their_targets(service, action, body, targets):
    environ, raw = a_request(service, json.dumps(body).encode())
    write = write_of(environ, action, raw)
    assert write is not None
    assert write.to_event() == {
        "event": "write",
        "service": service,
        "action": action,
        "targets": targets,
    }


def test_an_sns_publish_names_its_topic_from_the_form():
    environ, body = a_request(
        "sns", b"Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At.fifo", True
    )
    write = write_of(environ, "Publish", body)
    assert write is not None
    assert write.targets == ("arn:aws:sns:us-east-1:1:t.fifo",)


@pytest.mark.parametrize(
    ("service", "action"),
    [
        ("dynamodb", "GetItem"),
        ("dynamodb", "Query"),
        ("sqs", "ReceiveMessage"),
        ("sqs", "DeleteMessage"),
        ("s3", "PutObject"),
        ("dynamodbstreams", "GetRecords"),
    ],
)
def test_reads_and_writes_no_poller_waits_for_report_nothing(service, action):
    environ, body = a_request(service, b"{}")
    assert write_of(environ, action, body) is None


class Source:
    def __init__(self):
        self.woken = 0

    def wake(self):
        self.woken += 1


def test_a_write_wakes_exactly_the_sources_that_read_it():
    views, store = Source(), Source()
    orders, payments, unsubscribed = Source(), Source(), Source()
    wakeups = WakeUps({"arn:topic": {"orders.fifo", "payments.fifo"}})
    wakeups.add_stream(STREAM.format("views"), views)
    wakeups.add_stream(STREAM.format("store"), store)
    wakeups.add_queue("arn:aws:sqs:us-east-1:1:orders.fifo", orders)
    wakeups.add_queue("arn:aws:sqs:us-east-1:1:payments.fifo", payments)
    wakeups.add_queue("arn:aws:sqs:us-east-1:1:jobs", unsubscribed)

    wakeups.on_write("dynamodb", ["store"])
    assert (store.woken, views.woken) == (1, 0)

    wakeups.on_write("sqs", ["http://127.0.0.1:5000/123456789012/jobs"])
    assert (unsubscribed.woken, orders.woken) == (1, 0)

    wakeups.on_write("sns", ["arn:topic"])
    assert (orders.woken, payments.woken, unsubscribed.woken) == (1, 1, 1)

    wakeups.on_write("dynamodb", None)  # a statement naming no table plainly: every stream
    assert (store.woken, views.woken) == (2, 1)


def test_a_publish_to_a_topic_the_template_does_not_subscribe_wakes_every_queue():
    orders, jobs = Source(), Source()
    wakeups = WakeUps({})
    wakeups.add_queue("arn:aws:sqs:us-east-1:1:orders.fifo", orders)
    wakeups.add_queue("arn:aws:sqs:us-east-1:1:jobs", jobs)

    wakeups.on_write("sns", ["arn:elsewhere"])

    assert (orders.woken, jobs.woken) == (1, 1)
