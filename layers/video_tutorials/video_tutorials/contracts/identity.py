"""identity: registering users (CONTRACTS.md).

Streams: ``identity:command-{userId}`` (commands, written by the register-users app),
``identity-{userId}`` (events), ``identityEmail-{emailKey}`` (the email reservation).
"""

from __future__ import annotations

import hashlib
import uuid

from message_store import command_stream_name, stream_name

from ._base import Contract

CATEGORY = "identity"
COMMAND_CATEGORY = f"{CATEGORY}:command"
EMAIL_CATEGORY = "identityEmail"
REGISTRATION_EMAIL_NAMESPACE = uuid.UUID("6f1d3a52-8c0e-4d8e-9a57-2f43f0f1c0a1")


def normalise_email(email: str) -> str:
    """The form in which an address is compared: trimmed and lower-cased."""
    return email.strip().lower()


def email_key(email: str) -> str:
    """The id of an address's reservation stream: a hash of the normalised address."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def command_stream(user_id: str) -> str:
    return command_stream_name(CATEGORY, user_id)


def identity_stream(user_id: str) -> str:
    return stream_name(CATEGORY, user_id)


def email_stream(email: str) -> str:
    return stream_name(EMAIL_CATEGORY, email_key(email))


def registration_email_id(user_id: str) -> str:
    """The id of a user's registration email: derived from the user id, so a retry reuses it."""
    return str(uuid.uuid5(REGISTRATION_EMAIL_NAMESPACE, user_id))


class Register(Contract):
    """Command: register a user with an email and a password hash."""

    category = COMMAND_CATEGORY

    user_id: str
    email: str
    password_hash: str


class Registered(Contract):
    category = CATEGORY

    user_id: str
    email: str
    password_hash: str


class RegistrationRejected(Contract):
    category = CATEGORY

    user_id: str
    email: str
    reason: str


class RegistrationEmailSent(Contract):
    category = CATEGORY

    user_id: str
    email_id: str


class EmailReserved(Contract):
    """The first ``Register`` to reserve an address wins it (in ``identityEmail-{key}``)."""

    category = EMAIL_CATEGORY

    user_id: str
    email: str
