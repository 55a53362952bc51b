"""The deploy tools' own logic, with moto server standing in for LocalStack.

LocalStack does not run here (no Docker). What the tools ask of it goes through
``localstack-client`` to ``AWS_ENDPOINT_URL``, so a moto server at that address answers the
same API calls: the stack's REST API found for the smoke journey, the sender verified
through SES. LocalStack's own ``/_aws/ses`` endpoint (the mail it was asked to send) is
served by a small stand-in in the shape LocalStack documents.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tools import deploy, smoke


@pytest.fixture(scope="module")
def localstack_standin():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def on_localstack(localstack_standin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", localstack_standin)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return localstack_standin


@pytest.fixture
def stack(on_localstack):
    from localstack_client.session import Session

    cloudformation = Session(region_name="us-east-1").client("cloudformation")
    template = {
        "Parameters": {"EmailSender": {"Type": "String"}},
        "Resources": {
            "ServerlessRestApi": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": "video-tutorials"},
            }
        },
    }
    name = f"stack-{id(template)}"
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "EmailSender", "ParameterValue": "no-reply@videos.test"}],
    )
    api_id = cloudformation.describe_stack_resource(
        StackName=name, LogicalResourceId="ServerlessRestApi"
    )["StackResourceDetail"]["PhysicalResourceId"]
    return name, api_id


def test_the_smoke_journey_finds_the_stacks_api_with_localstack_client(on_localstack, stack):
    name, api_id = stack
    port = on_localstack.rsplit(":", 1)[1]
    url = smoke.localstack_api_url(name)
    assert url == f"http://{api_id}.execute-api.localhost.localstack.cloud:{port}/Prod/"


def test_a_stack_that_is_not_there_is_a_clear_failure(on_localstack):
    with pytest.raises(smoke.SmokeFailure, match="no REST API in stack missing on LocalStack"):
        smoke.localstack_api_url("missing")


def test_the_deploy_verifies_the_stacks_sender_through_ses(on_localstack, stack):
    from localstack_client.session import Session

    assert deploy.verify_sender(stack[0], "us-east-1") == "no-reply@videos.test"
    identities = Session(region_name="us-east-1").client("ses").list_identities()["Identities"]
    assert "no-reply@videos.test" in identities


class _SentMail(BaseHTTPRequestHandler):
    """LocalStack's ``GET /_aws/ses``: the messages SES was asked to send."""

    messages: list = []

    def do_GET(self):
        body = json.dumps({"messages": self.messages}).encode()
        status = 200 if self.path.startswith("/_aws/ses") else 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def localstack_ses():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SentMail)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_the_welcome_email_is_found_in_localstacks_ses(localstack_ses):
    _SentMail.messages = [
        {
            "Id": "1",
            "Source": "no-reply@videos.test",
            "Destination": {"ToAddresses": ["someone@example.com"]},
            "Subject": "Other",
            "Body": {"text_part": "…"},
        },
        {
            "Id": "2",
            "Source": "no-reply@videos.test",
            "Destination": {"ToAddresses": ["Ada@Example.com"]},
            "Subject": "Welcome to Video Tutorials",
            "Body": {"text_part": "Log in at http://site/auth/log-in", "html_part": "<p>"},
        },
    ]
    check = smoke.LocalStackMailCheck(localstack_ses)
    assert check.mails_to("ada@example.com") == [
        {"subject": "Welcome to Video Tutorials", "text": "Log in at http://site/auth/log-in"}
    ]
    assert check.mails_to("nobody@example.com") == []


def test_the_localstack_deploy_needs_its_endpoint_and_goes_nowhere_else():
    with pytest.raises(deploy.DeployError, match="AWS_ENDPOINT_URL is not set"):
        deploy.localstack_environment({"AWS_ACCESS_KEY_ID": "real"})
    environment = deploy.localstack_environment({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    assert environment["AWS_ACCESS_KEY_ID"] == "test"
    assert environment["AWS_DEFAULT_REGION"] == "us-east-1"


def test_without_localstack_running_nor_a_token_the_deploy_says_how_to_start_it():
    with pytest.raises(deploy.DeployError) as raised:
        deploy.localstack_check({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert "LocalStack does not answer at http://127.0.0.1:9" in str(raised.value)
    assert "LOCALSTACK_AUTH_TOKEN is not set" in str(raised.value)


@pytest.mark.parametrize(
    ("site_url", "sender", "message"),
    [
        ("", "no-reply@videos.example.com", "SITE_URL is required"),
        ("https://videos.example.com", "", "EMAIL_SENDER is required"),
        ("http://127.0.0.1:3000", "no-reply@videos.example.com", "not a public https address"),
        ("https://localhost/", "no-reply@videos.example.com", "not a public https address"),
        ("https://videos.example.com", "no-reply@video-tutorials.example", "SES can send from"),
    ],
)
def test_an_aws_deploy_without_its_site_and_sender_stops_with_what_to_give(
    site_url, sender, message
):
    with pytest.raises(deploy.DeployError, match=message):
        deploy.check_site_and_sender(site_url, sender)


def test_an_aws_deploy_keeps_samconfigs_parameters_and_adds_the_sites():
    parameters = deploy.parameter_overrides("default")
    assert parameters["ConsumerDelivery"] == "Queues"
    assert parameters["Stage"] == "prod"
    assert "SiteUrl" not in parameters  # no local default in the AWS environment
    assert "EmailSender" not in parameters
    argument = deploy.overrides_argument({**parameters, "SiteUrl": "https://v.example.com"})
    assert 'ConsumerDelivery="Queues"' in argument
    assert 'SiteUrl="https://v.example.com"' in argument
