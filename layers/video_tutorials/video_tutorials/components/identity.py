"""identity: registers users, reserves their email, asks for the welcome email.

Reads ``identity:command`` (``Register``), its own ``identity`` events (``Registered``) and
``sendEmail`` events that answer an identity stream (``Sent``). Writes ``identity-{userId}``
and ``identityEmail-{emailKey}``, and ``Send`` to ``sendEmail:command-{emailId}``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any

from message_store import (
    Contract,
    InvalidMessageError,
    MessageStore,
    Metadata,
    Projection,
    VersionConflictError,
)
from message_store import category as category_of
from message_store import id as id_of
from message_store.consumer import Component
from message_store.declaration import from_origin

from ..contracts import identity as contract
from ..contracts import send_email

NAME = "identity"


@dataclass(frozen=True)
class Dependencies:
    """What identity's handlers use."""

    store: MessageStore
    site_url: str
    logger: Any


@dataclass(frozen=True)
class Identity:
    """A user's identity as its events tell it."""

    user_id: str | None = None
    email: str | None = None
    registered: bool = False
    registration_email_sent: bool = False
    # the last position of identity:command-{userId} this component acted on
    last_command_position: int = -1


def _acted_on(identity: Identity, event: Contract) -> Identity:
    metadata = event.message.metadata
    position = metadata.causation_message_position
    stream = metadata.causation_message_stream_name or ""
    if position is not None and category_of(stream) == contract.COMMAND_CATEGORY:
        return replace(
            identity, last_command_position=max(identity.last_command_position, position)
        )
    return identity


def _registered(identity: Identity, event: contract.Registered) -> Identity:
    updated = replace(identity, user_id=event.user_id, email=event.email, registered=True)
    return _acted_on(updated, event)


def _email_sent(identity: Identity, _event: contract.RegistrationEmailSent) -> Identity:
    return replace(identity, registration_email_sent=True)


identity_projection: Projection[Identity] = Projection(
    initial=Identity,
    handlers={
        contract.Registered: _registered,
        contract.RegistrationRejected: _acted_on,
        contract.RegistrationEmailSent: _email_sent,
    },
)


@dataclass(frozen=True)
class EmailReservation:
    user_id: str | None = None


def _reserved(reservation: EmailReservation, event: contract.EmailReserved) -> EmailReservation:
    return reservation if reservation.user_id else EmailReservation(event.user_id)


reservation_projection: Projection[EmailReservation] = Projection(
    initial=EmailReservation, handlers={contract.EmailReserved: _reserved}
)


def welcome_email(email_id: str, to: str, site_url: str) -> send_email.Send:
    """The registration email: a welcome and the link to log in."""
    log_in = f"{site_url.rstrip('/')}/auth/log-in"
    return send_email.Send(
        email_id=email_id,
        to=to,
        subject="Welcome to Video Tutorials",
        text=f"Welcome to Video Tutorials!\n\nYour account is ready. Log in at {log_in}\n",
        html=(
            "<p>Welcome to Video Tutorials!</p>"
            f'<p>Your account is ready. <a href="{html.escape(log_in)}">Log in</a>.</p>'
        ),
    )


# -- Register -> Registered | RegistrationRejected ---------------------------------------------


def register(command: contract.Register, deps: Dependencies) -> None:
    """Register the user unless done already; the first to reserve the email wins it."""
    message = command.message
    if id_of(message.stream_name) != command.user_id:
        raise InvalidMessageError(f"Register for {command.user_id} in {message.stream_name}")
    stream = contract.identity_stream(command.user_id)
    identity, version = deps.store.fetch(stream, identity_projection)
    if message.position <= identity.last_command_position:
        deps.logger.info("Register already handled", extra={"user_id": command.user_id})
        return
    if identity.registered:
        deps.logger.info("already registered", extra={"user_id": command.user_id})
        return
    if _reserve_email(command, deps.store):
        event: Contract = contract.Registered(
            user_id=command.user_id, email=command.email, password_hash=command.password_hash
        )
    else:
        event = contract.RegistrationRejected(
            user_id=command.user_id, email=command.email, reason="email already taken"
        )
    deps.store.write(stream, event.to_message().follow(message), expected_version=version)


def _reserve_email(command: contract.Register, store: MessageStore) -> bool:
    """True when the address is (now) this user's: the first reservation wins.

    The write at ``expected_version=-1`` is the guard: only when it finds the address
    reserved already is the reservation read, to see whose it is (ours, on a retry).
    """
    stream = contract.email_stream(command.email)
    reserved = contract.EmailReserved(user_id=command.user_id, email=command.email)
    try:
        store.write(stream, reserved.to_message().follow(command.message), expected_version=-1)
        return True
    except VersionConflictError:
        reservation, _ = store.fetch(stream, reservation_projection)
    return reservation.user_id == command.user_id


# -- Registered -> Send (the welcome email) ----------------------------------------------------


def request_welcome_email(event: contract.Registered, deps: Dependencies) -> None:
    """Ask send-email for the welcome email, once (its id is derived from the user's)."""
    message = event.message
    identity, _ = deps.store.fetch(message.stream_name, identity_projection)
    if identity.registration_email_sent:
        deps.logger.info("welcome email already sent", extra={"user_id": event.user_id})
        return
    email_id = contract.registration_email_id(event.user_id)
    send = welcome_email(email_id, event.email, deps.site_url).to_message(
        Metadata(origin_stream_name=message.stream_name)
    )
    try:
        deps.store.write(
            send_email.command_stream(email_id), send.follow(message), expected_version=-1
        )
    except VersionConflictError:
        deps.logger.info("welcome email already requested", extra={"email_id": email_id})


# -- Sent (answering an identity stream) -> RegistrationEmailSent ------------------------------


def record_welcome_email(sent: send_email.Sent, deps: Dependencies) -> None:
    """Record on the identity that its welcome email went out, once."""
    origin = sent.message.metadata.origin_stream_name or ""
    user_id = id_of(origin)
    if user_id is None:
        raise InvalidMessageError(f"Sent answers {origin!r}, which is not an identity stream")
    identity, version = deps.store.fetch(origin, identity_projection)
    if identity.registration_email_sent:
        deps.logger.info("welcome email already recorded", extra={"email_id": sent.email_id})
        return
    if not identity.registered:
        deps.logger.warning("email sent for an unregistered identity", extra={"stream": origin})
        return
    recorded = contract.RegistrationEmailSent(user_id=user_id, email_id=sent.email_id)
    deps.store.write(origin, recorded.to_message().follow(sent.message), expected_version=version)


identity_component: Component[Dependencies] = Component(
    NAME,
    {
        contract.Register: register,
        contract.Registered: request_welcome_email,
        from_origin(send_email.Sent, contract.CATEGORY): record_welcome_email,
    },
)
