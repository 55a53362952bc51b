"""send-email: Send -> SES -> Sent, once; a refused email -> Failed with the reason."""

from __future__ import annotations

import boto3
import pytest

from message_store import Metadata
from tests.support.streams import deliver
from video_tutorials.components.mailer import SesMailer
from video_tutorials.components.send_email import Dependencies, send_email_component
from video_tutorials.contracts import send_email as contract

SENDER = "no-reply@video-tutorials.example"


@pytest.fixture
def ses(aws):
    client = boto3.client("ses", region_name="us-east-1")
    client.verify_email_identity(EmailAddress=SENDER)
    return client


def bind_send_email(store, mailer, logger):
    return send_email_component.bind(Dependencies(store, mailer, logger), logger=logger)


def write_send(store, email_id="e1", to="ada@example.com"):
    command = contract.Send(
        email_id=email_id, to=to, subject="Hi", text="Hello", html="<p>Hello</p>"
    )
    store.write(
        contract.command_stream(email_id),
        command.to_message(Metadata(trace_id="t-1", origin_stream_name="identity-u1")),
    )


def test_send_delivered_twice_sends_one_email(store, ses, logger):
    component = bind_send_email(store, SesMailer(SENDER), logger)
    write_send(store)

    response = deliver(component, store, contract.command_stream("e1"), twice=True)

    assert response == {"batchItemFailures": []}
    assert ses.get_send_quota()["SentLast24Hours"] == 1
    (sent,) = store.read_stream(contract.email_stream("e1"))
    assert sent.type == "Sent"
    assert sent.data["to"] == "ada@example.com"
    assert sent.metadata.origin_stream_name == "identity-u1"
    assert sent.metadata.trace_id == "t-1"


def test_a_refused_email_is_recorded_as_failed(store, ses, logger):
    component = bind_send_email(store, SesMailer("unverified@elsewhere.example"), logger)
    write_send(store)

    response = deliver(component, store, contract.command_stream("e1"), twice=True)

    assert response == {"batchItemFailures": []}
    (failed,) = store.read_stream(contract.email_stream("e1"))
    assert failed.type == "Failed"
    assert "MessageRejected" in failed.data["reason"]


class CrashesAfterSending:
    """A mailer that sends, then the function dies before `Sent` is written."""

    def __init__(self):
        self.sent = 0

    def send(self, **_fields):
        self.sent += 1
        if self.sent == 1:
            raise TimeoutError("the Lambda timed out after the mail left")


def test_the_duplicate_it_cannot_rule_out_a_crash_between_sending_and_recording(store, logger):
    mailer = CrashesAfterSending()
    component = bind_send_email(store, mailer, logger)
    write_send(store)

    first = deliver(component, store, contract.command_stream("e1"))
    deliver(component, store, contract.command_stream("e1"))

    assert len(first["batchItemFailures"]) == 1
    assert mailer.sent == 2  # documented in docs/components/send-email.md
    assert [m.type for m in store.read_stream(contract.email_stream("e1"))] == ["Sent"]
