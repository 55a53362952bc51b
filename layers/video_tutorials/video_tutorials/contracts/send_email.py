"""send-email: sending email (CONTRACTS.md).

Streams: ``sendEmail:command-{emailId}`` (commands), ``sendEmail-{emailId}`` (events).
"""

from __future__ import annotations

from message_store import command_stream_name, stream_name

from ._base import Contract

CATEGORY = "sendEmail"
COMMAND_CATEGORY = f"{CATEGORY}:command"


def command_stream(email_id: str) -> str:
    return command_stream_name(CATEGORY, email_id)


def email_stream(email_id: str) -> str:
    return stream_name(CATEGORY, email_id)


class Send(Contract):
    """Command: send one email."""

    category = COMMAND_CATEGORY

    email_id: str
    to: str
    subject: str
    text: str
    html: str


class Sent(Contract):
    category = CATEGORY

    email_id: str
    to: str
    subject: str
    text: str
    html: str


class Failed(Contract):
    category = CATEGORY

    email_id: str
    to: str
    subject: str
    text: str
    html: str
    reason: str
