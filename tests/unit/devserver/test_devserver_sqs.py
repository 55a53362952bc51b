"""The SQS mapping's own rules, without an emulator: records, filters, Lambda's refusals."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from devserver.console import Console
from devserver.mappings.filters import matches_any, parse_filter_criteria
from devserver.mappings.invocation import BatchInvoker
from devserver.mappings.sqs import QueuePoller, filter_view, lambda_record
from devserver.template import TemplateError
from devserver.template.event_sources import QueueSource
from devserver.template.functions import FunctionSpec

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobs"


def a_message(body='{"kind": "job"}', **attributes):
    return {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "MD5OfBody": "md5",
        "Body": body,
        "Attributes": {
            "SenderId": "S",
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1",
            "ApproximateFirstReceiveTimestamp": "2",
            "SqsManagedSseEnabled": "true",  # not one Lambda passes on
            **attributes,
        },
    }


def test_a_message_becomes_a_record_in_lambdas_shape():
    message = a_message(MessageGroupId="g", SequenceNumber="7", MessageDeduplicationId="d")
    message["MD5OfMessageAttributes"] = "md5a"
    message["MessageAttributes"] = {
        "n": {"DataType": "Number", "StringValue": "5"},
        "b": {"DataType": "Binary", "BinaryValue": b"\xff", "BinaryListValues": [b"\x00"]},
    }

    record = lambda_record(message, QUEUE_ARN, "eu-west-1")

    assert record["attributes"] == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1",
        "SenderId": "S",
        "ApproximateFirstReceiveTimestamp": "2",
        "SequenceNumber": "7",
        "MessageGroupId": "g",
        "MessageDeduplicationId": "d",
    }
    assert record["messageAttributes"]["n"] == {
        "stringValue": "5",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Number",
    }
    assert record["messageAttributes"]["b"]["binaryValue"] == "/w=="
    assert record["messageAttributes"]["b"]["binaryListValues"] == ["AA=="]
    assert record["md5OfMessageAttributes"] == "md5a"
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        QUEUE_ARN,
        "eu-west-1",
    )


def test_without_message_attributes_a_record_has_no_md5_of_them():
    record = lambda_record(a_message(), QUEUE_ARN, "us-east-1")
    assert record["messageAttributes"] == {}
    assert "md5OfMessageAttributes" not in record


def test_filters_match_a_json_body_as_json_and_any_other_body_as_text():
    criteria = parse_filter_criteria(
        {"Filters": [{"Pattern": '{"body": {"kind": ["job"]}}'}, {"Pattern": '{"body": ["ping"]}'}]}
    )

    def passes(body):
        return matches_any(criteria, filter_view(lambda_record(a_message(body), QUEUE_ARN, "r")))

    assert passes('{"kind": "job", "n": 1}')
    assert not passes('{"kind": "other"}')
    assert passes("ping")
    assert not passes("pong")
    assert not passes("{not json")


class FakeSqs:
    def __init__(self, visibility_timeout):
        self.visibility_timeout = visibility_timeout

    def get_queue_attributes(self, **_request):
        return {"Attributes": {"VisibilityTimeout": str(self.visibility_timeout)}}


def a_poller(visibility_timeout, function_timeout):
    spec = FunctionSpec(
        logical_id="Jobs",
        name="Jobs",
        arn="arn:aws:lambda:us-east-1:123456789012:function:Jobs",
        handler="app.handler",
        code_dir=Path("."),
        layer_dirs=(),
        runtime="python3.13",
        timeout=function_timeout,
        memory=128,
        environment={},
    )
    mapping = QueueSource(
        name="Jobs/Queue", function_id="Jobs", source_arn=QUEUE_ARN, batch_size=10, queue_id="Q"
    )
    console = Console(None)
    invoker = BatchInvoker(spec, runtime=None, console=console, report_item_failures=False)
    return QueuePoller(
        mapping, spec, invoker, console, FakeSqs(visibility_timeout), "url", region="us-east-1"
    )


def test_a_queue_whose_visibility_timeout_is_shorter_than_the_function_timeout_is_refused():
    with pytest.raises(TemplateError, match=r"Jobs/Queue: the queue's visibility timeout \(5 s\)"):
        a_poller(5, 10)._check()
    a_poller(10, 10)._check()  # as long as the function's: accepted


class DisabledWhileReceiving(FakeSqs):
    """A queue whose mapping is disabled while a receive is under way (the race the
    integration test met under load: the message sent after the disable came back)."""

    def __init__(self):
        super().__init__(30)
        self.poller = None
        self.returned = []
        self.deleted = []

    def receive_message(self, **_request):
        self.poller.set_enabled(False)
        return {"Messages": [a_message()]}

    def change_message_visibility_batch(self, **request):
        self.returned.extend(e["ReceiptHandle"] for e in request["Entries"])
        assert {e["VisibilityTimeout"] for e in request["Entries"]} == {0}

    def delete_message_batch(self, **request):
        self.deleted.extend(e["ReceiptHandle"] for e in request["Entries"])
        return {}


def test_a_batch_received_while_the_mapping_is_disabled_goes_back_to_the_queue_uninvoked():
    poller = a_poller(30, 10)
    sqs = DisabledWhileReceiving()
    poller.client, sqs.poller = sqs, poller
    poller.state = "Enabled"
    invoked = []
    poller.invoker.invoke = lambda *args: invoked.append(args)

    poller._step()

    assert (invoked, sqs.returned, sqs.deleted) == ([], ["r-1"], [])


def test_waiting_for_a_fresh_round_ends_when_the_mapping_settles_as_disabled():
    # wait_idle right after a disable: the poller was still "Disabling" when asked, then
    # settled as "Disabled" without another round — the wait must not run to its deadline
    # (it did under load in CI: "not idle after 30 s: requests in flight")
    poller = a_poller(30, 10)
    poller.state = "Enabled"
    poller.set_enabled(False)
    assert poller.state == "Disabling"
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(poller.sync(time.monotonic() + 5)))
    waiter.start()
    time.sleep(0.05)  # the wait is under way
    settling = threading.Thread(target=poller._enabled, daemon=True)  # the loop, between steps
    started = time.monotonic()
    settling.start()
    waiter.join(5)

    assert answers == [True]
    assert time.monotonic() - started < 1.0
    assert poller.state == "Disabled"
    poller._stopping.set()
    poller.set_enabled(True)  # lets the settled loop's wait end
