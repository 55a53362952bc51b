"""Each function runs in its own world: modules, environment, context; and mail is readable."""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import devserver
from tests.integration.devserver.conftest import a_key


def test_two_functions_each_have_their_own_app_module_and_layer_state(sample):
    before = sample.server.invoke("Other", {})["counter"]
    web = requests.get(f"{sample.server.api_url}/items/1", timeout=15).json()
    requests.get(f"{sample.server.api_url}/items/1", timeout=15)
    other = sample.server.invoke("Other", {})

    assert (web["flavour"], other["flavour"]) == ("web", "other")
    assert other["module"] == "app"
    assert other["counter"] == before + 1  # Web's two calls counted in Web's own layer copy
    web_module = sample.server.function_module("Web")
    other_module = sample.server.function_module("Other")
    assert web_module is not other_module
    assert (web_module.FLAVOUR, other_module.FLAVOUR) == ("web", "other")
    assert "app" not in sys.modules
    assert "sample_shared" not in sys.modules


def test_a_function_sees_its_own_variables_lambdas_and_the_emulators_only(sample, monkeypatch):
    monkeypatch.setenv("HOST_ONLY_SECRET", "must not leak")
    host_environment = dict(os.environ)

    environ = sample.server.invoke("Other", {})["environ"]

    assert environ["FLAVOUR"] == "other"
    assert "WEB_ONLY" not in environ
    assert "HOST_ONLY_SECRET" not in environ
    assert environ["STAGE"] == "local"  # the devserver's default Stage
    assert environ["IS_LOCAL"] == "yes"  # a condition on it, resolved
    assert environ["EVENTS_TABLE"] == sample.server.physical_name("EventsTable")
    assert environ["AWS_SAM_LOCAL"] == "true"
    assert environ["AWS_ENDPOINT_URL"] == sample.server.endpoint_url
    # a function's Lambda client reaches the devserver's Lambda API (e.g. to invoke another)
    assert environ["AWS_ENDPOINT_URL_LAMBDA"] == sample.server.lambda_url
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "Other"
    assert environ["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "7"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"  # from Globals
    assert environ["AWS_REGION"] == "us-east-1"
    assert environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert dict(os.environ) == host_environment  # the host's environment is back


def test_references_and_dynamic_references_resolve_to_the_local_resources(sample):
    server = sample.server
    secret = server.client("secretsmanager").get_secret_value(
        SecretId=server.physical_name("SessionSecret")
    )
    document = json.loads(secret["SecretString"])  # GenerateSecretString, as the template asks
    assert document["user"] == "app"
    assert len(document["password"]) == 40
    assert document["password"].isalnum()

    environment = server.runtime.sandboxes["Web"].environment

    assert environment["SECRET_PASSWORD"] == document["password"]
    assert environment["SECRET_ARN"] == server.physical_name("SessionSecret")
    assert environment["UPLOADS"] == f"arn:aws:s3:::{server.physical_name('Uploads')}"
    assert environment["SAMPLE_LOG"] == str(sample.log.path)


def test_the_runtime_file_names_every_resource_and_the_parameters_in_effect(sample):
    server = sample.server
    runtime = json.loads((server.state_dir / "devserver.json").read_text())

    resources = runtime["resources"]
    assert resources == {r.logical_id: r.physical_id for r in server.resources.by_id.values()}
    assert resources["EventsTable"] == server.physical_name("EventsTable")  # a table's name
    assert resources["RetryDeadLetters"].startswith(server.endpoint_url)  # a queue's URL
    assert resources["Uploads"] == server.physical_name("Uploads")  # a bucket's name
    assert resources["SessionSecret"].startswith("arn:aws:secretsmanager:")
    assert resources["Web"] == "Web"  # a function's name
    assert runtime["parameters"] == {
        "Stage": "local",  # the devserver's default
        "LogFile": str(sample.log.path),  # an override
        "PositionConsumers": "false",  # a default
        "ApiKey": "****",  # NoEcho, as CloudFormation shows it
    }
    assert (runtime["endpoint_url"], runtime["lambda_url"]) == (
        server.endpoint_url,
        server.lambda_url,
    )
    assert runtime["emulator_pid"] == server.emulator.pid


def test_the_context_names_the_function_and_counts_down_its_timeout(sample):
    requests.get(f"{sample.server.api_url}/slow?seconds=0", timeout=15)
    [entry] = sample.log.entries("Slow")[-1:]
    assert 0 < entry["remaining"] <= 1000  # Timeout: 1


def test_a_handler_past_its_timeout_is_stopped_and_the_next_call_starts_cold(sample):
    response = requests.get(f"{sample.server.api_url}/slow?seconds=30", timeout=15)
    assert response.status_code == 502
    assert requests.get(f"{sample.server.api_url}/slow?seconds=0", timeout=15).status_code == 200


def test_a_page_waiting_for_a_consumer_sleeps_while_the_consumer_runs(sample):
    key = a_key("wait")

    response = requests.get(f"{sample.server.api_url}/app/wait-for-echo?pk={key}", timeout=15)

    assert response.status_code == 200
    page = response.json()
    assert page["answer"] == "Echo (echo)"  # Echo ran, in its own world, while the page slept
    assert page["waitedMs"] < 2000  # within the page's bound (3 s), not at its end
    assert page["worldIntact"]  # the page's environment, sys.path and modules came back
    assert page["ownModules"]
    assert page["flavour"] == "web"


def test_a_function_invoking_another_hands_the_world_over_while_it_waits(sample):
    """Lambda's Invoke from a handler reaches the devserver's Lambda API, which runs the other
    function in this process: the caller's world steps out meanwhile (else both would wait)."""
    response = requests.get(f"{sample.server.api_url}/app/invoke-other", timeout=15)

    assert response.status_code == 200, response.text
    page = response.json()
    assert (page["otherFlavour"], page["otherFunction"]) == ("other", "Other")
    assert (page["flavour"], page["ownModule"]) == ("web", "web")  # its world came back


def test_a_function_invoked_twice_at_once_runs_one_invocation_then_the_other(sample):
    def slow(_: int) -> int:
        url = f"{sample.server.api_url}/slow?seconds=0.3"
        return requests.get(url, timeout=15).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(slow, range(2)))

    assert statuses == [200, 200]  # the second waited for the sandbox, within its Timeout
    assert time.monotonic() - started >= 0.6


def test_an_invoked_function_error_names_the_error(sample):
    event = {
        "resource": "/app/{proxy+}",
        "path": "/app/raise",
        "pathParameters": {"proxy": "raise"},
    }

    with pytest.raises(devserver.InvocationError) as raised:
        sample.server.invoke("Web", event)

    assert raised.value.error.type == "ValueError"
    assert raised.value.error.message == "the handler failed"


def test_sent_mail_is_in_the_outbox(sample):
    response = requests.get(f"{sample.server.api_url}/app/mail?to=Ada@Example.com", timeout=15)
    assert response.status_code == 202

    [mail] = sample.server.sent_mail(to="ada@example.com")

    assert mail.source == "sender@example.com"
    assert mail.to == ("Ada@Example.com",)
    assert (mail.subject, mail.text, mail.html) == ("Welcome", "plain text", "<p>html</p>")
    assert mail.path.parent == sample.server.state_dir / "outbox"
    assert devserver.sent_mail(sample.server.state_dir, to="ada@example.com") == [mail]
    assert sample.server.sent_mail(to="nobody@example.com") == []
