"""``devserver.load_functions``: the template's functions in this process, on an in-process moto."""

from __future__ import annotations

import sys

import boto3
import pytest

import devserver
from devserver.emulator.resources import create_tables
from devserver.template import Intrinsics, load_template
from tests.integration.devserver.conftest import SAMPLE, SAMPLE_TEMPLATE

QUEUES_TEMPLATE = SAMPLE / "queues.yaml"


def test_names_follow_the_naming_or_the_given_ids_without_creating_anything():
    # no moto: nothing is created, so nothing is called
    topic = "arn:aws:sns:us-east-1:123456789012:given.fifo"
    with devserver.load_functions(
        QUEUES_TEMPLATE,
        naming=lambda logical_id: f"test-{logical_id}",
        physical_ids={"MessageTopic": topic, "Messages": "given-table"},
    ) as functions:
        resources = functions.resources
        relay = functions.environment("Relay")

    assert resources["Messages"] == "given-table"
    assert resources["OrdersQueue"] == (
        "https://sqs.us-east-1.amazonaws.com/123456789012/test-OrdersQueue.fifo"
    )
    assert resources["MessageTopic"] == topic
    assert resources["Relay"] == "Relay"
    assert relay["TOPIC_ARN"] == topic
    assert functions.parameters["Delivery"] == "Queues"


@pytest.fixture
def sample_tables(aws):
    """The sample's table in the in-process moto, named as the tests name tables."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    template = load_template(SAMPLE_TEMPLATE)
    return create_tables(client, template, lambda logical_id: f"test-{logical_id}", Intrinsics({}))


@pytest.fixture
def secret_arn(aws):
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    document = '{"user": "app", "password": "from-moto"}'
    return secrets.create_secret(Name="session", SecretString=document)["ARN"]


@pytest.fixture
def functions(sample_tables, secret_arn):
    requests = []
    with devserver.load_functions(
        SAMPLE_TEMPLATE,
        naming=lambda logical_id: f"test-{logical_id}",
        physical_ids={"SessionSecret": secret_arn},
        parameter_overrides={"LogFile": ""},
        environment={"EXTRA": "everywhere", "IS_LOCAL": None},
        function_environment={"Other": {"FLAVOUR": "overridden"}},
        on_request=lambda *request: requests.append(request),
        on_line=lambda _function, _line: None,
    ) as loaded:
        loaded.requests = requests
        yield loaded


def write_page(pk: str) -> dict:
    return {
        "resource": "/app/{proxy+}",
        "path": "/app/write",
        "pathParameters": {"proxy": "write"},
        "body": f'{{"pk": "{pk}", "sk": 1}}',
    }


def test_the_variables_are_the_templates_resolved_on_the_named_resources(functions, secret_arn):
    web, other = functions.environment("Web"), functions.environment("Other")

    assert web["EVENTS_TABLE"] == "test-EventsTable"
    assert web["SECRET_ARN"] == secret_arn
    assert web["SECRET_PASSWORD"] == "from-moto"  # a dynamic reference, read from moto
    assert web["UPLOADS"] == "arn:aws:s3:::test-uploads"  # a bucket's name is lower case
    assert web["STAGE"] == "local"  # as the devserver runs it
    assert (web["EXTRA"], other["EXTRA"]) == ("everywhere", "everywhere")
    assert "IS_LOCAL" not in web  # removed
    assert (web["FLAVOUR"], other["FLAVOUR"]) == ("web", "overridden")
    assert web["AWS_LAMBDA_FUNCTION_NAME"] == "Web"
    assert "AWS_ENDPOINT_URL" not in web  # boto3's own endpoints, which moto intercepts


def test_a_function_writes_to_moto_and_its_requests_are_observed(functions):
    response = functions.invoke("web", write_page("in-process"))  # by its code folder

    assert response["statusCode"] == 201
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="test-EventsTable", Key={"pk": {"S": "in-process"}, "sk": {"N": "1"}}
    )
    assert item["Item"]["target"] == {"S": "none"}
    [(function, service, operation, params, answer)] = functions.requests
    assert (function, service, operation) == ("Web", "dynamodb", "PutItem")
    assert params["TableName"] == "test-EventsTable"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_each_function_has_its_own_sandbox(functions):
    other = functions.invoke("Other", {})
    again = functions.invoke("Other", {})
    web = functions.module("Web")

    assert (other["counter"], again["counter"]) == (1, 2)
    assert other["module"] == "app"
    assert web is not functions.module("Other")
    assert (web.FLAVOUR, functions.module("Other").FLAVOUR) == ("web", "overridden")
    assert "app" not in sys.modules


def test_a_handler_error_is_an_invocation_error_naming_it(functions):
    event = {
        "resource": "/app/{proxy+}",
        "path": "/app/raise",
        "pathParameters": {"proxy": "raise"},
    }

    with pytest.raises(devserver.InvocationError) as raised:
        functions.invoke("Web", event)

    assert raised.value.function_id == "Web"
    assert (raised.value.error.type, raised.value.error.message) == (
        "ValueError",
        "the handler failed",
    )


def test_a_folder_shared_by_several_functions_must_be_named_by_logical_id(functions):
    with pytest.raises(KeyError, match="PartialConsumer"):
        functions.invoke("consumer", {"Records": []})
    with pytest.raises(KeyError, match="no function Nobody"):
        functions.invoke("Nobody", {})


def test_closing_unloads_the_functions(sample_tables, secret_arn):
    functions = devserver.load_functions(
        SAMPLE_TEMPLATE,
        naming=lambda logical_id: f"test-{logical_id}",
        physical_ids={"SessionSecret": secret_arn},
        only=("Other",),
        on_line=lambda _function, _line: None,
    )
    assert functions.ids == ("Other",)
    functions.invoke("Other", {})

    functions.close()

    assert functions.runtime.module("Other") is None
