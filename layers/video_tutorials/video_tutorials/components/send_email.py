"""send-email: sends an email once and records the outcome.

Reads ``sendEmail:command`` (``Send``); writes ``sendEmail-{emailId}`` (``Sent`` / ``Failed``).
The one duplicate this cannot rule out: a crash after the mail left and before ``Sent`` was
written sends it again on redelivery (no mail service takes part in our transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from message_store import Message, MessageStore, Projection
from message_store.consumer import Component, default_logger

from ..contracts import send_email as contract

NAME = "send-email"


class DeliveryError(Exception):
    """The mail service refused this email for good (bad address, unverified sender …)."""


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        """Send one email; ``DeliveryError`` when it is refused for good."""
        ...


@dataclass(frozen=True)
class Email:
    done: bool = False


email_projection: Projection[Email] = Projection(
    initial=Email,
    handlers={
        contract.Sent.type: lambda _email, _message: Email(done=True),
        contract.Failed.type: lambda _email, _message: Email(done=True),
    },
)


class SendEmailHandlers:
    def __init__(self, store: MessageStore, mailer: Mailer, logger: Any) -> None:
        self.store = store
        self.mailer = mailer
        self.logger = logger

    def send(self, message: Message) -> None:
        command = contract.Send.from_message(message)
        stream = contract.email_stream(command.email_id)
        email, version = self.store.fetch(stream, email_projection)
        if email.done:
            self.logger.info("email already handled", extra={"email_id": command.email_id})
            return
        fields = command.model_dump()
        try:
            self.mailer.send(
                to=command.to, subject=command.subject, text=command.text, html=command.html
            )
        except DeliveryError as exc:
            outcome: Any = contract.Failed(**fields, reason=str(exc))
        else:
            outcome = contract.Sent(**fields)
        self.store.write(stream, outcome.to_message().follow(message), expected_version=version)


def send_email_component(store: MessageStore, mailer: Mailer, logger: Any = None) -> Component:
    """The send-email component, ready to handle stream batches."""
    log = logger or default_logger()
    handlers = SendEmailHandlers(store, mailer, log)
    return Component(NAME, {contract.Send.type: handlers.send}, logger=log)
