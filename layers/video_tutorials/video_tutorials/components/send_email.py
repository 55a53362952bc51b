"""send-email: sends an email once and records the outcome.

Reads ``sendEmail:command`` (``Send``); writes ``sendEmail-{emailId}`` (``Sent`` / ``Failed``).
The one duplicate this cannot rule out: a crash after the mail left and before ``Sent`` was
written sends it again on redelivery (no mail service takes part in our transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from message_store import Contract, MessageStore, Projection
from message_store.consumer import Component

from ..contracts import send_email as contract

NAME = "send-email"


class DeliveryError(Exception):
    """The mail service refused this email for good (bad address, unverified sender …)."""


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        """Send one email; ``DeliveryError`` when it is refused for good."""
        ...


@dataclass(frozen=True)
class Dependencies:
    """What send-email's handler uses."""

    store: MessageStore
    mailer: Mailer
    logger: Any


@dataclass(frozen=True)
class Email:
    done: bool = False


email_projection: Projection[Email] = Projection(
    initial=Email,
    handlers={
        contract.Sent: lambda _email, _event: Email(done=True),
        contract.Failed: lambda _email, _event: Email(done=True),
    },
)


def send(command: contract.Send, deps: Dependencies) -> None:
    """Send the email unless it was sent (or refused) already; record the outcome."""
    stream = contract.email_stream(command.email_id)
    email, version = deps.store.fetch(stream, email_projection)
    if email.done:
        deps.logger.info("email already handled", extra={"email_id": command.email_id})
        return
    fields = command.model_dump()
    try:
        deps.mailer.send(
            to=command.to, subject=command.subject, text=command.text, html=command.html
        )
    except DeliveryError as exc:
        outcome: Contract = contract.Failed(**fields, reason=str(exc))
    else:
        outcome = contract.Sent(**fields)
    deps.store.write(stream, outcome.to_message().follow(command.message), expected_version=version)


send_email_component: Component[Dependencies] = Component(NAME, {contract.Send: send})
