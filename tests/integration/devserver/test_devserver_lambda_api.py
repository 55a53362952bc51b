"""The Lambda API, through boto3's own ``lambda`` client: Invoke and event source mappings."""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from botocore.config import Config

from tests.integration.devserver.conftest import a_key


@pytest.fixture(scope="module")
def lambda_client(sample):
    return boto3.client(
        "lambda",
        endpoint_url=sample.server.lambda_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def mapping_of(sample, function):
    [poller] = [p for p in sample.server.pollers if p.mapping.function_id == function]
    return poller.mapping


def wait_for_state(lambda_client, uuid, state, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        current = lambda_client.get_event_source_mapping(UUID=uuid)["State"]
        if current == state or time.monotonic() > deadline:
            return current
        time.sleep(0.02)


def test_the_lambda_url_is_in_the_runtime_file(sample):
    runtime = json.loads((sample.server.state_dir / "devserver.json").read_text())
    assert runtime["lambda_url"] == sample.server.lambda_url
    assert sample.server.lambda_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    "name", ["Other", "arn:aws:lambda:us-east-1:123456789012:function:Other", "Other:$LATEST"]
)
def test_invoke_returns_the_handlers_result(lambda_client, name):
    response = lambda_client.invoke(FunctionName=name, Payload=b'{"anything": 1}', LogType="Tail")

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    result = json.loads(response["Payload"].read())
    assert (result["flavour"], result["functionName"]) == ("other", "Other")
    assert isinstance(base64.b64decode(response["LogResult"]), bytes)


def test_a_handler_error_is_a_200_with_lambdas_error_document(lambda_client):
    event = {
        "resource": "/app/{proxy+}",
        "path": "/app/raise",
        "pathParameters": {"proxy": "raise"},
    }

    response = lambda_client.invoke(FunctionName="Web", Payload=json.dumps(event).encode())

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    document = json.loads(response["Payload"].read())
    assert (document["errorType"], document["errorMessage"]) == ("ValueError", "the handler failed")
    assert document["stackTrace"]


def test_an_event_invocation_answers_at_once_and_runs_in_the_background(sample, lambda_client):
    pk = a_key("event")
    event = {
        "resource": "/app/{proxy+}",
        "path": "/app/write-later",
        "pathParameters": {"proxy": "write-later"},
        "queryStringParameters": {"pk": pk},
    }

    started = time.monotonic()
    response = lambda_client.invoke(
        FunctionName="Web", InvocationType="Event", Payload=json.dumps(event).encode()
    )
    answered = time.monotonic() - started
    sample.server.wait_idle()  # counts the background invocation from the answer on

    assert response["StatusCode"] == 202
    assert answered < 0.5  # the handler sleeps 0.5 s before it writes
    item = sample.dynamodb.get_item(TableName=sample.table, Key={"pk": {"S": pk}, "sk": {"N": "0"}})
    assert "Item" in item


def test_an_unknown_function_is_not_found(lambda_client):
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.invoke(FunctionName="Nobody", Payload=b"{}")


def test_list_event_source_mappings_describes_them_as_lambda_does(sample, lambda_client):
    every = lambda_client.list_event_source_mappings()["EventSourceMappings"]
    stream_arn = sample.server.resources.by_id["EventsTable"].attributes["StreamArn"]
    by_function = lambda_client.list_event_source_mappings(FunctionName="PartialConsumer")
    by_source = lambda_client.list_event_source_mappings(EventSourceArn=stream_arn)

    assert len(every) == len(sample.server.pollers) == 9
    assert len(by_source["EventSourceMappings"]) == 9
    [partial] = by_function["EventSourceMappings"]
    mapping = mapping_of(sample, "PartialConsumer")
    assert partial["UUID"] == mapping.uuid
    assert partial["FunctionArn"].endswith(":function:PartialConsumer")
    assert partial["EventSourceArn"] == stream_arn
    assert (partial["State"], partial["BatchSize"], partial["StartingPosition"]) == (
        "Enabled",
        10,
        "TRIM_HORIZON",
    )
    assert partial["MaximumBatchingWindowInSeconds"] == 1
    assert partial["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert partial["MaximumRetryAttempts"] == 2
    assert partial["DestinationConfig"]["OnFailure"]["Destination"].endswith("PartialDeadLetters")
    assert json.loads(partial["FilterCriteria"]["Filters"][0]["Pattern"]) == {
        "dynamodb": {"NewImage": {"target": {"S": ["partial"]}}}
    }
    [trim] = [m for m in every if m["FunctionArn"].endswith(":TrimConsumer")]
    assert trim["State"] == "Disabled"  # Enabled: false in the template
    got = lambda_client.get_event_source_mapping(UUID=mapping.uuid)
    assert got["UUID"] == mapping.uuid


def test_a_disabled_stream_mapping_keeps_its_checkpoint_and_resumes_from_it(sample, lambda_client):
    uuid = mapping_of(sample, "RetryConsumer").uuid
    pk = a_key("paused")

    answer = lambda_client.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert answer["State"] in ("Disabling", "Disabled")
    assert wait_for_state(lambda_client, uuid, "Disabled") == "Disabled"
    sample.put(pk, 0, target="retry")
    sample.server.wait_idle()  # a disabled mapping does not count
    assert sample.log.deliveries("RetryConsumer", pk) == []

    answer = lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert answer["State"] in ("Enabling", "Enabled")
    assert wait_for_state(lambda_client, uuid, "Enabled") == "Enabled"
    sample.put(pk, 1, target="retry")
    sample.server.wait_idle()

    assert sample.log.deliveries("RetryConsumer", pk) == [[f"{pk}#0"], [f"{pk}#1"]]


def test_a_mapping_disabled_in_the_template_starts_at_latest_when_enabled(sample, lambda_client):
    uuid = mapping_of(sample, "LatestConsumer").uuid
    pk = a_key("latest")
    sample.put(pk, 0, target="position")
    sample.server.wait_idle()

    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
    try:
        sample.put(pk, 1, target="position")
        sample.server.wait_idle()
    finally:
        lambda_client.update_event_source_mapping(UUID=uuid, Enabled=False)
        wait_for_state(lambda_client, uuid, "Disabled")

    assert sample.log.deliveries("LatestConsumer", pk) == [[f"{pk}#1"]]


def test_only_enabled_is_updated_locally(sample, lambda_client):
    uuid = mapping_of(sample, "WindowConsumer").uuid
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException):
        lambda_client.update_event_source_mapping(UUID=uuid, BatchSize=7)
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000")
