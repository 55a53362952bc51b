"""Both consumer topologies: SNS FIFO → SQS FIFO with SQS mappings, or a stream mapping each.

The queue sample (``sample/queues.yaml``) is one small system whose ``Delivery`` parameter
picks the topology, as the project's ``ConsumerDelivery`` does. Visibility timeouts are
1 s, so retries are quick.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SqsModel

import devserver
from tests.integration.devserver.conftest import SAMPLE, SampleLog, a_key

QUEUES_TEMPLATE = SAMPLE / "queues.yaml"


class Queues:
    """The queue sample running, and helpers to feed it."""

    def __init__(self, server, log: SampleLog) -> None:
        self.server = server
        self.log = log

    @property
    def sqs(self):
        return self.server.client("sqs")

    def publish(self, *messages):
        """Publish ``(key, category, type, group, action)`` messages in one request."""
        self.server.client("sns").publish_batch(
            TopicArn=self.server.physical_name("MessageTopic"),
            PublishBatchRequestEntries=[
                {
                    "Id": str(n),
                    "Message": json.dumps({"key": key, "action": action}),
                    "MessageGroupId": group,
                    "MessageDeduplicationId": key,
                    "MessageAttributes": {
                        "category": {"DataType": "String", "StringValue": category},
                        "type": {"DataType": "String", "StringValue": type_},
                    },
                }
                for n, (key, category, type_, group, action) in enumerate(messages)
            ],
        )

    def send(self, queue_id, *messages, **extra):
        """Send ``(key, group, action)`` messages in one request (so one batch can take all)."""
        entries = []
        for n, (key, group, action) in enumerate(messages):
            entry = {"Id": str(n), "MessageBody": json.dumps({"key": key, "action": action})}
            if group is not None:
                entry["MessageGroupId"] = group
            entries.append({**entry, **extra})
        self.sqs.send_message_batch(QueueUrl=self.server.physical_name(queue_id), Entries=entries)

    def deliveries(self, function, prefix):
        return self.log.deliveries(function, prefix)

    def wait_for_delivery(self, function, prefix, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not self.deliveries(function, prefix):
            assert time.monotonic() < deadline, f"{function} got nothing of {prefix}"
            time.sleep(0.01)

    def entries_with(self, function, prefix):
        return [
            e for e in self.log.entries(function) if any(k.startswith(prefix) for k in e["keys"])
        ]

    def drain(self, queue_id):
        url = self.server.physical_name(queue_id)
        bodies = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages")
            if not batch:
                return bodies
            for message in batch:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def counts(self, queue_id):
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.server.physical_name(queue_id), AttributeNames=["All"]
        )["Attributes"]
        return [
            int(attributes[name])
            for name in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            )
        ]


def start_queues(state, log_path, **options):
    return devserver.start(
        QUEUES_TEMPLATE,
        state_dir=state,
        api_port=0,
        poll_interval=0.05,
        parameter_overrides={"LogFile": str(log_path), **options.pop("parameters", {})},
        **options,
    )


@pytest.fixture(scope="module")
def queues(tmp_path_factory):
    state = tmp_path_factory.mktemp("queues")
    server = start_queues(state, state / "log.jsonl")
    try:
        yield Queues(server, SampleLog(state / "log.jsonl"))
    finally:
        server.stop()


def flat(batches):
    return [key for batch in batches for key in batch]


def test_the_queues_topology_runs_the_raw_mappings_of_its_condition_only(queues):
    names = sorted(poller.name for poller in queues.server.pollers)
    assert names == ["Groups/Queue", "Jobs/Queue", "OrdersQueueMapping", "RelayMapping"]


def test_sns_fifo_delivers_each_matching_publish_once_raw_with_its_group(queues):
    k = a_key("topic")
    queues.publish(
        (f"{k}#0", "order", "Placed", k, None),
        (f"{k}#1", "payment", "Refunded", k, None),  # the $or's second branch
        (f"{k}#2", "payment", "Captured", k, None),  # no branch
        (f"{k}#3", "shipping", "Refunded", k, None),  # no branch
    )
    queues.publish((f"{k}#0", "order", "Placed", k, None))  # a duplicate (same dedup id)

    queues.server.wait_idle()

    assert flat(queues.deliveries("Orders", k)) == [f"{k}#0", f"{k}#1"]
    [entry] = queues.entries_with("Orders", k)
    first = entry["records"][0]
    assert json.loads(first["body"]) == {"key": f"{k}#0", "action": None}  # raw delivery
    assert first["attributes"]["MessageGroupId"] == k
    assert first["attributes"]["MessageDeduplicationId"] == f"{k}#0"
    assert first["messageAttributes"]["category"]["stringValue"] == "order"
    assert queues.counts("OrdersQueue") == [0, 0, 0]


def test_the_relay_carries_new_items_from_the_stream_through_the_topic_in_order(queues):
    k = a_key("relay")
    dynamodb = queues.server.client("dynamodb")
    for sk in range(3):
        dynamodb.put_item(
            TableName=queues.server.physical_name("Messages"),
            Item={
                "pk": {"S": k},
                "sk": {"N": str(sk)},
                "category": {"S": "order"},
                "type": {"S": "Placed"},
            },
        )

    queues.server.wait_idle()

    assert flat(queues.deliveries("Orders", k)) == [f"{k}#0", f"{k}#1", f"{k}#2"]


def test_a_partial_failure_deletes_all_but_the_reported_messages(queues):
    k = a_key("partial")
    queues.send(
        "GroupsQueue", (f"{k}#0", k, None), (f"{k}#1", k, "fail-times:1"), (f"{k}#2", k, None)
    )

    queues.server.wait_idle()

    # 1 failed; 2 is reported with it (same group): both come back, 0 never does
    assert queues.deliveries("Groups", k) == [[f"{k}#0", f"{k}#1", f"{k}#2"], [f"{k}#1", f"{k}#2"]]
    assert queues.entries_with("Groups", k)[1]["receiveCounts"] == ["2", "2"]
    assert queues.counts("GroupsQueue") == [0, 0, 0]


def test_what_fails_stays_in_the_queue_and_is_dead_lettered_after_max_receive_count(queues):
    bad_id, raised = a_key("bad-id"), a_key("poison")
    queues.publish(
        (f"{bad_id}#0", "order", "Placed", bad_id, None),
        (f"{bad_id}#1", "order", "Placed", bad_id, "bad-id"),  # an identifier not in the batch
    )
    queues.wait_for_delivery("Orders", bad_id)
    queues.publish((f"{raised}#0", "order", "Placed", raised, "raise"))  # a function error

    queues.server.wait_idle()

    first, *later = [e for e in queues.log.entries("Orders") if e["keys"][0].startswith(bad_id)]
    # bad-id#0 succeeded in the handler, but the answer failed the whole batch: it came back
    assert (first["keys"], first["receiveCounts"]) == ([f"{bad_id}#0", f"{bad_id}#1"], ["1", "1"])
    assert [key for e in later for key in e["keys"] if key.startswith(bad_id)] == [
        f"{bad_id}#0",
        f"{bad_id}#1",
    ]
    raised_deliveries = [e for e in queues.log.entries("Orders") if f"{raised}#0" in e["keys"]]
    assert len(raised_deliveries) == 2  # nothing deleted after the error: back once, then…
    dead = sorted(b["key"] for b in queues.drain("OrdersDeadLetters"))
    # …moved to the dead-letter queue by the receive after maxReceiveCount (2)
    assert dead == sorted([f"{bad_id}#0", f"{bad_id}#1", f"{raised}#0"])
    assert queues.counts("OrdersQueue") == [0, 0, 0]


def test_a_message_group_is_held_back_while_one_of_its_messages_is_in_flight(queues):
    a, b = a_key("group-a"), a_key("group-b")
    queues.send(
        "GroupsQueue",
        (f"{a}#0", a, "fail-times:1"),
        (f"{b}#0", b, None),
        (f"{a}#1", a, None),
        (f"{b}#1", b, None),
    )
    queues.wait_for_delivery("Groups", a)
    # a#0 and a#1 are in flight until their visibility timeout (1 s): a#2 must wait, b#2 not
    queues.send("GroupsQueue", (f"{a}#2", a, None), (f"{b}#2", b, None))

    queues.server.wait_idle()

    keys = [entry["keys"] for entry in queues.log.entries("Groups")]
    relevant = [[k for k in batch if k.startswith((a, b))] for batch in keys]
    relevant = [batch for batch in relevant if batch]
    # as SQS receives: as many messages of one group as it can, then another group's
    assert relevant[0] == [f"{a}#0", f"{a}#1", f"{b}#0", f"{b}#1"]
    assert relevant[1] == [f"{b}#2"]  # group b flows while group a waits
    assert relevant[2] == [f"{a}#0", f"{a}#1", f"{a}#2"]  # group a again, in order
    assert len(relevant) == 3


def test_a_standard_queue_gathers_a_batch_for_its_window_and_deletes_what_it_filters_out(queues):
    k = a_key("jobs")
    url = queues.server.physical_name("JobsQueue")
    for n in range(5):
        queues.sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps({"key": f"{k}#{n}", "kind": "job"})
        )
    queues.sqs.send_message(
        QueueUrl=url, MessageBody=json.dumps({"key": f"{k}#x", "kind": "other"})
    )
    queues.sqs.send_message(QueueUrl=url, MessageBody="not json at all")

    queues.server.wait_idle()

    # BatchSize 20, window 1 s: the writes (well within 1 s) make one batch
    assert queues.deliveries("Jobs", k) == [[f"{k}#{n}" for n in range(5)]]
    assert queues.counts("JobsQueue") == [0, 0, 0]  # the filtered-out ones were deleted


def test_wait_idle_waits_for_a_delayed_message(queues):
    k = a_key("delayed")
    queues.send("JobsQueue", (f"{k}#0", None, None), DelaySeconds=1)

    queues.server.wait_idle()

    assert queues.deliveries("Jobs", k) == []  # not a job: filtered out, but only once visible
    assert queues.counts("JobsQueue") == [0, 0, 0]


def test_sqs_records_have_lambdas_shape(queues):
    k = a_key("shape")
    queues.sqs.send_message(
        QueueUrl=queues.server.physical_name("GroupsQueue"),
        MessageBody=json.dumps({"key": f"{k}#0"}),
        MessageGroupId=k,
        MessageAttributes={
            "text": {"DataType": "String", "StringValue": "hello"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )

    queues.server.wait_idle()

    [entry] = queues.entries_with("Groups", k)
    [record] = entry["records"]
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "md5OfMessageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["eventSource"] == "aws:sqs"
    assert (
        record["eventSourceARN"] == queues.server.resources.by_id["GroupsQueue"].attributes["Arn"]
    )
    assert record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
    assert set(record["attributes"]) == {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
        "SequenceNumber",
        "MessageGroupId",
        "MessageDeduplicationId",
    }
    assert record["messageAttributes"] == {
        "text": {
            "stringValue": "hello",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {
            "binaryValue": base64.b64encode(b"\x00\x01").decode(),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    assert len(record["attributes"]["SequenceNumber"]) == 20
    parsed = parse(event={"Records": [record]}, model=SqsModel)
    assert parsed.Records[0].attributes.MessageGroupId == k


def test_the_streams_topology_makes_no_topic_or_queue_and_delivers_by_the_stream(tmp_path):
    log = SampleLog(tmp_path / "log.jsonl")
    server = start_queues(tmp_path / "state", log.path, parameters={"Delivery": "Streams"})
    k = a_key("streams")
    try:
        assert "MessageTopic" not in server.resources.by_id
        assert "OrdersQueue" not in server.resources.by_id
        assert "Relay" not in server.runtime.functions
        names = sorted(poller.name for poller in server.pollers)
        assert names == ["Groups/Queue", "Jobs/Queue", "OrdersStreamMapping"]
        server.client("dynamodb").put_item(
            TableName=server.physical_name("Messages"),
            Item={"pk": {"S": k}, "sk": {"N": "0"}, "category": {"S": "order"}, "type": {"S": "X"}},
        )
        server.wait_idle()
    finally:
        server.stop()

    assert log.deliveries("Orders", k) == [[f"{k}#0"]]


def test_chaos_delivers_queue_batches_twice_and_fails_invocations(tmp_path):
    console = io.StringIO()
    log = SampleLog(tmp_path / "log.jsonl")
    server = start_queues(
        tmp_path / "state",
        log.path,
        console=console,
        chaos=devserver.ChaosSettings(failure_rate=0.5, seed=5),
    )
    queues = Queues(server, log)
    keys = [a_key("chaos") for _ in range(4)]
    try:
        for key in keys:
            queues.send("GroupsQueue", (f"{key}#0", key, None))
        server.wait_idle(timeout=60)
        assert queues.counts("GroupsQueue") == [0, 0, 0]
    finally:
        server.stop()

    for key in keys:
        assert len(flat(log.deliveries("Groups", key))) >= 2  # every message at least twice
    output = console.getvalue()
    assert "not invoked (chaos)" in output or "Devserver.ChaosAfterInvoke" in output


def test_writes_wake_the_pollers_that_read_them_long_before_the_poll_interval(tmp_path):
    log = SampleLog(tmp_path / "log.jsonl")
    server = devserver.start(
        QUEUES_TEMPLATE,
        state_dir=tmp_path / "state",
        api_port=0,
        poll_interval=10.0,  # idle sources are read every 10 s: only wake-ups are quicker
        parameter_overrides={"LogFile": str(log.path)},
    )
    k = a_key("woken")
    try:
        server.wait_idle()
        started = time.monotonic()
        server.client("dynamodb").put_item(  # stream → Relay → topic → OrdersQueue → Orders
            TableName=server.physical_name("Messages"),
            Item={"pk": {"S": k}, "sk": {"N": "0"}, "category": {"S": "order"}, "type": {"S": "X"}},
        )
        while not log.deliveries("Orders", k) and time.monotonic() - started < 15:
            time.sleep(0.01)
        elapsed = time.monotonic() - started
    finally:
        server.stop()

    assert log.deliveries("Orders", k) == [[f"{k}#0"]]
    assert elapsed < 2.0  # three hops, each woken by the write before it


def test_a_disabled_queue_mapping_leaves_the_messages_in_the_queue_until_enabled(queues):
    import boto3

    lambda_client = boto3.client(
        "lambda",
        endpoint_url=queues.server.lambda_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    [jobs] = lambda_client.list_event_source_mappings(FunctionName="Jobs")["EventSourceMappings"]
    assert jobs["EventSourceArn"].endswith(":devserver-JobsQueue")
    k = a_key("paused-job")

    lambda_client.update_event_source_mapping(UUID=jobs["UUID"], Enabled=False)
    url = queues.server.physical_name("JobsQueue")
    queues.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"key": f"{k}#0", "kind": "job"}))
    queues.server.wait_idle()  # a disabled mapping does not count
    state = lambda_client.get_event_source_mapping(UUID=jobs["UUID"])["State"]
    assert (state, queues.deliveries("Jobs", k), queues.counts("JobsQueue")) == (
        "Disabled",
        [],
        [1, 0, 0],  # still in the queue, visible
    )

    lambda_client.update_event_source_mapping(UUID=jobs["UUID"], Enabled=True)
    queues.server.wait_idle()

    assert queues.deliveries("Jobs", k) == [[f"{k}#0"]]
    assert lambda_client.get_event_source_mapping(UUID=jobs["UUID"])["State"] == "Enabled"
