"""Event source mapping semantics: partial failures, bisect, retries, DLQ, filters, windows."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
)

from tests.integration.devserver.conftest import a_key


def keys(pk: str, *sks: int) -> list[str]:
    return [f"{pk}#{sk}" for sk in sks]


def sequence_numbers_of(sample, consumer: str, pk: str) -> dict[str, str]:
    """Each record's sequence number, as the consumer saw it."""
    numbers = {}
    for entry in sample.log.entries(consumer):
        for key, number in zip(entry["keys"], entry["sequenceNumbers"], strict=True):
            if key.startswith(pk):
                numbers[key] = number
    return numbers


def test_a_partial_failure_resumes_at_the_failed_record_and_never_redelivers_what_succeeded(
    sample,
):
    pk = a_key("partial")
    for sk, action in enumerate(["ok", "ok", "fail-item", "ok"]):
        sample.put(pk, sk, target="partial", action=action)

    sample.server.wait_idle()

    batches = sample.log.deliveries("PartialConsumer", pk)
    assert batches[0] == keys(pk, 0, 1, 2, 3)
    # every retry starts at the failed record: 0 and 1 are never delivered again
    assert batches[1:] == [keys(pk, 2, 3), keys(pk, 2, 3)]  # MaximumRetryAttempts: 2
    [dead] = sample.dead_letters("PartialDeadLetters")
    numbers = sequence_numbers_of(sample, "PartialConsumer", pk)
    info = dead["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2
    assert info["startSequenceNumber"] == numbers[f"{pk}#2"]
    assert info["endSequenceNumber"] == numbers[f"{pk}#3"]
    assert dead["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_a_record_that_fails_once_is_retried_from_itself_and_then_succeeds(sample):
    pk = a_key("partial-once")
    for sk, action in enumerate(["ok", "fail-times:1", "ok"]):
        sample.put(pk, sk, target="partial", action=action)

    sample.server.wait_idle()

    assert sample.log.deliveries("PartialConsumer", pk) == [keys(pk, 0, 1, 2), keys(pk, 1, 2)]
    assert sample.dead_letters("PartialDeadLetters") == []


def test_bisect_narrows_a_failing_batch_down_to_the_poison_record(sample):
    pk = a_key("bisect")
    for sk, action in enumerate(["ok", "ok", "raise", "ok"]):
        sample.put(pk, sk, target="bisect", action=action)

    sample.server.wait_idle()

    assert sample.log.deliveries("BisectConsumer", pk) == [
        keys(pk, 0, 1, 2, 3),  # fails: split in two
        keys(pk, 0, 1),  # succeeds
        keys(pk, 2, 3),  # fails: split in two
        keys(pk, 2),  # fails, cannot split: retried (MaximumRetryAttempts: 1)
        keys(pk, 2),
        keys(pk, 3),  # the poller moved on
    ]
    [dead] = sample.dead_letters("BisectDeadLetters")
    poison = sequence_numbers_of(sample, "BisectConsumer", pk)[f"{pk}#2"]
    info = dead["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        1,
        poison,
        poison,
    )


def test_exhausted_retries_send_the_record_to_the_dead_letter_queue_and_the_poller_moves_on(
    sample,
):
    pk = a_key("retry")
    sample.put(pk, 0, target="retry", action="raise")
    sample.put(pk, 1, target="retry", action="ok")

    sample.server.wait_idle()

    assert sample.log.deliveries("RetryConsumer", pk) == [
        keys(pk, 0),
        keys(pk, 0),
        keys(pk, 0),  # the first delivery and MaximumRetryAttempts (2) retries
        keys(pk, 1),
    ]
    [dead] = sample.dead_letters("RetryDeadLetters")
    record = parse(event=dead, model=DynamoDBStreamLambdaOnFailureDestinationModel)
    assert record.request_context.condition == "RetryAttemptsExhausted"
    assert record.request_context.approximate_invoke_count == 3
    assert record.request_context.function_arn.endswith(":function:RetryConsumer")
    assert dead["responseContext"]["functionError"] == "Unhandled"
    info = record.ddb_stream_batch_info
    assert info.batch_size == 1
    assert info.stream_arn == sample.server.resources.by_id["EventsTable"].attributes["StreamArn"]
    assert info.start_sequence_number == sequence_numbers_of(sample, "RetryConsumer", pk)[f"{pk}#0"]


def test_filter_criteria_drop_what_they_do_not_match(sample):
    pk = a_key("filter")
    sample.put(pk, 0, target="filtered", kind="keep-1")
    sample.put(pk, 1, target="filtered", kind="drop-1")
    sample.put(pk, 2, target="filtered", kind="drop-2", priority=7)  # second pattern
    sample.put(pk, 3, target="filtered", kind="drop-3", priority=3)
    sample.put(pk, 4, target="window", kind="keep-other-target")
    sample.dynamodb.update_item(  # a MODIFY of a kept record: the first pattern wants INSERT
        TableName=sample.table,
        Key={"pk": {"S": pk}, "sk": {"N": "0"}},
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "changed"}},
    )

    sample.server.wait_idle()

    delivered = [key for batch in sample.log.deliveries("FilteredConsumer", pk) for key in batch]
    assert delivered == keys(pk, 0, 2)
    events = [
        name
        for entry in sample.log.entries("FilteredConsumer")
        for key, name in zip(entry["keys"], entry["eventNames"], strict=True)
        if key.startswith(pk)
    ]
    assert events == ["INSERT", "INSERT"]


def test_the_batching_window_gathers_records_up_to_the_batch_size(sample):
    pk = a_key("window")
    for sk in range(5):
        sample.put(pk, sk, target="window")

    sample.server.wait_idle()

    # BatchSize 3, window 2 s: the five writes (well within 2 s) make two batches
    assert sample.log.deliveries("WindowConsumer", pk) == [keys(pk, 0, 1, 2), keys(pk, 3, 4)]


def test_records_older_than_the_maximum_age_go_to_the_dead_letter_queue(sample):
    pk = a_key("aged")
    sample.put(pk, 0, target="aged", action="raise")  # retried forever (MaximumRetryAttempts -1)
    sample.wait_for(lambda: sample.log.deliveries("AgedConsumer", pk))
    try:
        sample.clock_offset[0] = 120.0  # the record is now two minutes old: beyond 60 s
        sample.server.wait_idle()
    finally:
        sample.clock_offset[0] = 0.0
    sample.put(pk, 1, target="aged", action="ok")

    sample.server.wait_idle()

    [dead] = sample.dead_letters("AgedDeadLetters")
    assert dead["requestContext"]["condition"] == "RecordAgeExceeded"
    assert dead["DDBStreamBatchInfo"]["batchSize"] == 1
    assert sample.log.deliveries("AgedConsumer", pk)[-1] == keys(pk, 1)


def test_wait_idle_waits_for_what_a_running_handler_writes(sample):
    import threading

    import requests

    pk = a_key("late")
    sample.server.wait_idle()
    request = threading.Thread(
        target=requests.get,
        args=(f"{sample.server.api_url}/app/write-later",),
        kwargs={"params": {"pk": pk}, "timeout": 15},
    )
    request.start()
    sample.wait_for(lambda: sample.server.runtime.in_flight)  # the handler is running

    sample.server.wait_idle()  # began before the handler wrote

    request.join()
    assert sample.log.deliveries("PartialConsumer", pk) == [keys(pk, 0)]
