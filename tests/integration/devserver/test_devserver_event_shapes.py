"""The events the functions get have API Gateway's and Lambda's shapes, field by field.

The API Gateway reference is ``sam local generate-event apigateway aws-proxy`` (SAM CLI
1.170.0), committed as ``sample/fixtures/apigateway-aws-proxy.json``: the same request is
sent through the devserver (an API with ``BinaryMediaTypes: */*`` and a stage variable, as
the reference has) and the two events are compared key by key, type by type, and value by
value where the value is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    DynamoDBStreamModel,
)

from tests.integration.devserver.conftest import SAMPLE

REFERENCE = json.loads((SAMPLE / "fixtures" / "apigateway-aws-proxy.json").read_text())
# Headers API Gateway (or CloudFront in front of it) adds itself; the client sends the rest.
ADDED_BY_THE_GATEWAY = {"Host", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    import devserver

    state = tmp_path_factory.mktemp("shapes")
    server = devserver.start(
        SAMPLE / "shape.yaml",
        state_dir=state,
        api_port=0,
        poll_interval=0.05,
        parameter_overrides={"LogFile": str(state / "log.jsonl")},
    )
    try:
        yield server, state / "log.jsonl"
    finally:
        server.stop()


def assert_same_shape(reference, actual, path="event"):
    """Every key of the reference is in ``actual`` with a value of the same JSON type."""
    assert isinstance(actual, dict), f"{path} is {type(actual).__name__}, not an object"
    for key, expected in reference.items():
        assert key in actual, f"{path}.{key} is missing"
        value = actual[key]
        if isinstance(expected, dict):
            assert_same_shape(expected, value, f"{path}.{key}")
        elif expected is None:
            assert value is None, f"{path}.{key} is {value!r}, API Gateway sends null"
        else:
            assert type(value) is type(expected), (
                f"{path}.{key} is {type(value).__name__}, not {type(expected).__name__}"
            )


@pytest.fixture(scope="module")
def echoed(shapes):
    """The event the function got for the reference's request, sent through the devserver."""
    server, _ = shapes
    headers = {k: v for k, v in REFERENCE["headers"].items() if k not in ADDED_BY_THE_GATEWAY}
    headers["Content-Type"] = "application/json"  # binary for the API: */* matches it
    response = requests.post(
        f"{server.api_url}{REFERENCE['path']}",
        params=REFERENCE["queryStringParameters"],
        headers=headers,
        data=b'{"test":"body"}',
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()["event"]


def test_the_proxy_event_has_every_field_of_api_gateways_with_the_same_types(echoed):
    reference = {k: v for k, v in REFERENCE.items() if k not in ("headers", "multiValueHeaders")}
    assert_same_shape(reference, echoed)


def test_the_proxy_event_has_api_gateways_values_for_the_same_request(echoed):
    for key in (
        "body",
        "resource",
        "path",
        "httpMethod",
        "isBase64Encoded",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "stageVariables",
    ):
        assert echoed[key] == REFERENCE[key], key
    context, expected = echoed["requestContext"], REFERENCE["requestContext"]
    for key in ("accountId", "stage", "resourcePath", "httpMethod", "protocol"):
        assert context[key] == expected[key], key
    # The one deliberate difference: the devserver serves the API at its root, like a custom
    # domain, so requestContext.path is the path the client sent, without the stage that
    # API Gateway's own execute-api domain puts in front ("/prod/path/to/resource").
    assert expected["path"] == f"/{expected['stage']}{REFERENCE['path']}"
    assert context["path"] == REFERENCE["path"]
    for key in ("sourceIp", "userAgent"):
        assert context["identity"][key] == expected["identity"][key], key
    # API Gateway's greedy parameter has no leading slash (the SAM sample's has one)
    assert echoed["pathParameters"] == {"proxy": REFERENCE["pathParameters"]["proxy"].lstrip("/")}


def test_the_headers_arrive_as_sent_with_the_gateways_own(echoed):
    for name, value in REFERENCE["headers"].items():
        assert name in echoed["headers"], name
        assert echoed["multiValueHeaders"][name] == [echoed["headers"][name]]
        if name not in ADDED_BY_THE_GATEWAY:
            assert echoed["headers"][name] == value, name
    assert echoed["headers"]["X-Forwarded-Proto"] == "http"
    assert echoed["headers"]["X-Forwarded-For"] == "127.0.0.1"


def test_the_proxy_event_parses_as_powertools_api_gateway_event(echoed):
    event = parse(event=echoed, model=APIGatewayProxyEventModel)
    assert str(event.requestContext.identity.sourceIp.network_address) == "127.0.0.1"
    assert event.requestContext.stage == "prod"


def test_a_binary_response_is_decoded_when_the_request_accepts_a_binary_media_type(shapes):
    server, _ = shapes
    response = requests.get(f"{server.api_url}/app/binary", headers={"Accept": "*/*"}, timeout=10)
    assert response.content == bytes(range(256))
    assert response.headers["Content-Type"] == "image/png"


def test_stream_events_have_lambdas_shape(shapes):
    server, log_path = shapes
    dynamodb = server.client("dynamodb")
    table = server.physical_name("ShapeTable")
    item = {"pk": {"S": "shape"}, "sk": {"N": "1"}, "blob": {"B": b"\x00\xff"}, "n": {"N": "2.5"}}
    dynamodb.put_item(TableName=table, Item=item)
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "shape"}, "sk": {"N": "1"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "3"}},
    )

    server.wait_idle()

    records = [
        record
        for line in Path(log_path).read_text().splitlines()
        for record in json.loads(line)["event"]["Records"]
    ]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    stream_arn = server.resources.by_id["ShapeTable"].attributes["StreamArn"]
    for record in records:
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventSourceARN"] == stream_arn
        assert record["awsRegion"] == "us-east-1"
        stamp = record["dynamodb"]["ApproximateCreationDateTime"]
        assert isinstance(stamp, float)
        assert stamp == int(stamp)
        assert stamp > 1.6e9
        assert isinstance(record["dynamodb"]["SequenceNumber"], str)
        assert isinstance(record["dynamodb"]["SizeBytes"], int)
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert record["dynamodb"]["Keys"] == {"pk": {"S": "shape"}, "sk": {"N": "1"}}
    assert records[0]["dynamodb"]["NewImage"]["blob"] == {"B": "AP8="}  # base64, as Lambda sends
    assert "OldImage" not in records[0]["dynamodb"]
    assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "2.5"}
    parsed = parse(event={"Records": records}, model=DynamoDBStreamModel)
    assert parsed.Records[1].dynamodb.NewImage["n"] == 3
