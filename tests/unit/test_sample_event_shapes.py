"""Every file in ``events/`` is what ``sam local invoke -e`` hands its function: valid JSON in
the shape of that function's trigger in the template.

``events/<dir>/`` belongs to the function whose ``CodeUri`` is ``functions/<dir>/``. An API
Gateway proxy event must name one of the function's own routes (resource and method); a
DynamoDB Streams batch needs the function to have a stream mapping on the store's table; an
SQS batch needs its FIFO queue (either topology: the template has both).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devserver.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
EVENT_FILES = sorted((ROOT / "events").glob("*/*.json"))


def function_of(directory: str) -> str:
    found = [
        logical_id
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and resource["Properties"]["CodeUri"].rstrip("/") == f"functions/{directory}"
    ]
    assert len(found) == 1, f"events/{directory}/ names no function of template.yaml"
    return found[0]


def routes_of(logical_id: str) -> set[tuple[str, str]]:
    events = RESOURCES[logical_id]["Properties"].get("Events") or {}
    return {
        (event["Properties"]["Path"], event["Properties"]["Method"].upper())
        for event in events.values()
        if event["Type"] == "Api"
    }


def mapped_sources(logical_id: str) -> set[str]:
    """``dynamodb`` and/or ``sqs``: what the function's event source mappings read."""
    sources = set()
    for resource in RESOURCES.values():
        properties = resource.get("Properties") or {}
        if resource["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        if properties["FunctionName"] != {"Ref": logical_id}:
            continue
        arn = properties["EventSourceArn"]["Fn::GetAtt"]
        sources.add("dynamodb" if arn[1] == "StreamArn" else "sqs")
    return sources


def check_api_event(event: dict, logical_id: str) -> None:
    for key, kind in {
        "resource": str,
        "path": str,
        "httpMethod": str,
        "headers": dict,
        "requestContext": dict,
        "isBase64Encoded": bool,
    }.items():
        assert isinstance(event.get(key), kind), f"{key} is not a {kind.__name__}"
    assert event.get("body") is None or isinstance(event["body"], str)
    for key in ("queryStringParameters", "pathParameters", "multiValueQueryStringParameters"):
        assert event.get(key) is None or isinstance(event[key], dict), key
    context = event["requestContext"]
    assert {"stage", "requestId", "resourcePath", "httpMethod"} <= set(context), context.keys()
    routes = routes_of(logical_id)
    method = event["httpMethod"].upper()
    assert (event["resource"], method) in routes or (event["resource"], "ANY") in routes, (
        f"{method} {event['resource']} is not a route of {logical_id}: {sorted(routes)}"
    )


def check_stream_batch(event: dict, logical_id: str) -> None:
    assert "dynamodb" in mapped_sources(logical_id), f"{logical_id} reads no DynamoDB stream"
    for record in event["Records"]:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventName"] in {"INSERT", "MODIFY", "REMOVE"}
        assert isinstance(record["eventID"], str)
        assert record["eventSourceARN"].startswith("arn:aws:dynamodb:")
        change = record["dynamodb"]
        assert isinstance(change["SequenceNumber"], str)
        assert isinstance(change["Keys"], dict)
        assert change["Keys"]
        if change["StreamViewType"] == "KEYS_ONLY":
            assert "NewImage" not in change
            assert "OldImage" not in change
        elif record["eventName"] == "INSERT":
            assert isinstance(change["NewImage"], dict)
            assert change["NewImage"]


def check_queue_batch(event: dict, logical_id: str) -> None:
    assert "sqs" in mapped_sources(logical_id), f"{logical_id} has no queue"
    for record in event["Records"]:
        assert record["eventSource"] == "aws:sqs"
        for key in ("messageId", "receiptHandle", "body", "md5OfBody"):
            assert isinstance(record[key], str), key
        assert record["eventSourceARN"].startswith("arn:aws:sqs:")
        assert record["eventSourceARN"].endswith(".fifo")
        assert isinstance(record["attributes"].get("MessageGroupId"), str)
        json.loads(record["body"])  # the relay publishes messages as JSON


def test_there_are_sample_events():
    assert len(EVENT_FILES) >= 20


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_event_fits_its_functions_trigger(path):
    event = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(event, dict)
    logical_id = function_of(path.parent.name)
    if "httpMethod" in event:
        check_api_event(event, logical_id)
        return
    records = event.get("Records")
    assert isinstance(records, list), "neither an API event nor a batch"
    assert records, "an empty batch"
    sources = {record.get("eventSource") for record in records}
    assert len(sources) == 1, f"one kind of record per batch, not {sources}"
    if sources == {"aws:dynamodb"}:
        check_stream_batch(event, logical_id)
    else:
        check_queue_batch(event, logical_id)


def test_a_route_the_function_does_not_serve_is_refused():
    event = json.loads((ROOT / "events" / "home" / "home-page.json").read_text())
    with pytest.raises(AssertionError, match="is not a route of RegisterUsersFunction"):
        check_api_event(event, "RegisterUsersFunction")
