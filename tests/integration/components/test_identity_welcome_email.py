"""identity: Registered -> Send (once); Sent (origin identity) -> RegistrationEmailSent (once)."""

from __future__ import annotations

from message_store import Metadata
from tests.support.factories import a_user_id, an_email
from tests.support.streams import deliver
from video_tutorials.contracts import identity as contract
from video_tutorials.contracts import send_email

from .test_identity_register import write_register


def registered_user(store, identity):
    user_id, email = a_user_id(), an_email()
    write_register(store, user_id, email)
    deliver(identity, store, contract.command_stream(user_id))
    return user_id, email


def test_registered_asks_for_the_welcome_email_once(store, identity):
    user_id, email = registered_user(store, identity)

    deliver(identity, store, contract.identity_stream(user_id), twice=True)

    email_id = contract.registration_email_id(user_id)
    (send,) = store.read_stream(send_email.command_stream(email_id))
    assert send.type == "Send"
    assert send.data["to"] == email
    assert send.data["emailId"] == email_id
    assert "http://127.0.0.1:3000/auth/log-in" in send.data["text"]
    assert send.metadata.origin_stream_name == contract.identity_stream(user_id)
    assert send.metadata.trace_id == "trace-1"


def test_sent_is_recorded_once_on_the_identity(store, identity):
    user_id, _ = registered_user(store, identity)
    deliver(identity, store, contract.identity_stream(user_id))
    email_id = contract.registration_email_id(user_id)
    (send,) = store.read_stream(send_email.command_stream(email_id))
    sent = send_email.Sent(**send_email.Send.from_message(send).model_dump())
    store.write(send_email.email_stream(email_id), sent.to_message().follow(send))

    deliver(identity, store, send_email.email_stream(email_id), twice=True)
    deliver(identity, store, contract.identity_stream(user_id))  # its own events again

    types = [e.type for e in store.read_stream(contract.identity_stream(user_id))]
    assert types == ["Registered", "RegistrationEmailSent"]
    assert store.read_stream(contract.identity_stream(user_id))[1].data == {
        "userId": user_id,
        "emailId": email_id,
    }
    # the email is not asked for again once it is recorded as sent
    assert len(store.read_stream(send_email.command_stream(email_id))) == 1


def test_sent_for_another_service_is_ignored(store, identity):
    sent = send_email.Sent(email_id="e-1", to="a@example.com", subject="s", text="t", html="h")
    store.write(
        send_email.email_stream("e-1"),
        sent.to_message(Metadata(origin_stream_name="creatorsPortal-1")),
    )

    response = deliver(identity, store, send_email.email_stream("e-1"))

    assert response == {"batchItemFailures": []}
    assert store.read_category("identity") == []
