"""identity: registers users, reserves their email, asks for the welcome email.

Reads ``identity:command`` (``Register``), its own ``identity`` events (``Registered``) and
``sendEmail`` events whose origin is an identity stream (``Sent``). Writes ``identity-{userId}``
and ``identityEmail-{emailKey}``, and ``Send`` to ``sendEmail:command-{emailId}``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any

from message_store import Message, MessageStore, Metadata, Projection, VersionConflictError
from message_store import category as category_of
from message_store import id as id_of
from message_store.consumer import Component, default_logger

from ..contracts import identity as contract
from ..contracts import send_email

NAME = "identity"


@dataclass(frozen=True)
class Identity:
    """A user's identity as its events tell it."""

    user_id: str | None = None
    email: str | None = None
    registered: bool = False
    registration_email_sent: bool = False
    # the last position of identity:command-{userId} this component acted on
    last_command_position: int = -1


def _acted_on(identity: Identity, message: Message) -> Identity:
    metadata = message.metadata
    position = metadata.causation_message_position
    stream = metadata.causation_message_stream_name or ""
    if position is not None and category_of(stream) == f"{contract.CATEGORY}:command":
        return replace(
            identity, last_command_position=max(identity.last_command_position, position)
        )
    return identity


def _registered(identity: Identity, message: Message) -> Identity:
    event = contract.Registered.from_message(message)
    updated = replace(identity, user_id=event.user_id, email=event.email, registered=True)
    return _acted_on(updated, message)


def _rejected(identity: Identity, message: Message) -> Identity:
    return _acted_on(identity, message)


def _email_sent(identity: Identity, message: Message) -> Identity:
    return replace(identity, registration_email_sent=True)


identity_projection: Projection[Identity] = Projection(
    initial=Identity,
    handlers={
        contract.Registered.type: _registered,
        contract.RegistrationRejected.type: _rejected,
        contract.RegistrationEmailSent.type: _email_sent,
    },
)


@dataclass(frozen=True)
class EmailReservation:
    user_id: str | None = None


reservation_projection: Projection[EmailReservation] = Projection(
    initial=EmailReservation,
    handlers={
        contract.EmailReserved.type: lambda reservation, message: (
            reservation
            if reservation.user_id
            else EmailReservation(contract.EmailReserved.from_message(message).user_id)
        )
    },
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


class IdentityHandlers:
    """The identity component's handlers, one small function per step."""

    def __init__(self, store: MessageStore, site_url: str, logger: Any) -> None:
        self.store = store
        self.site_url = site_url
        self.logger = logger

    # Register -> Registered | RegistrationRejected

    def register(self, message: Message) -> None:
        command = contract.Register.from_message(message)
        if id_of(message.stream_name or "") != command.user_id:
            raise ValueError(f"Register for {command.user_id} in {message.stream_name}")
        stream = contract.identity_stream(command.user_id)
        identity, version = self.store.fetch(stream, identity_projection)
        if (message.position or 0) <= identity.last_command_position:
            self.logger.info("Register already handled", extra={"user_id": command.user_id})
            return
        if identity.registered:
            self.logger.info("already registered", extra={"user_id": command.user_id})
            return
        if self._reserve_email(command, message):
            event: contract.Contract = contract.Registered(
                user_id=command.user_id, email=command.email, password_hash=command.password_hash
            )
        else:
            event = contract.RegistrationRejected(
                user_id=command.user_id, email=command.email, reason="email already taken"
            )
        self.store.write(stream, event.to_message().follow(message), expected_version=version)

    def _reserve_email(self, command: contract.Register, message: Message) -> bool:
        """True when the address is (now) this user's: the first reservation wins.

        The write at ``expected_version=-1`` is the guard: only when it finds the address
        reserved already is the reservation read, to see whose it is (ours, on a retry).
        """
        stream = contract.email_stream(command.email)
        reserved = contract.EmailReserved(user_id=command.user_id, email=command.email)
        try:
            self.store.write(stream, reserved.to_message().follow(message), expected_version=-1)
            return True
        except VersionConflictError:
            reservation, _ = self.store.fetch(stream, reservation_projection)
        return reservation.user_id == command.user_id

    # Registered -> Send (the welcome email)

    def registered(self, message: Message) -> None:
        event = contract.Registered.from_message(message)
        identity, _ = self.store.fetch(message.stream_name or "", identity_projection)
        if identity.registration_email_sent:
            self.logger.info("welcome email already sent", extra={"user_id": event.user_id})
            return
        email_id = contract.registration_email_id(event.user_id)
        send = welcome_email(email_id, event.email, self.site_url).to_message(
            Metadata(origin_stream_name=message.stream_name)
        )
        try:
            self.store.write(
                send_email.command_stream(email_id), send.follow(message), expected_version=-1
            )
        except VersionConflictError:
            self.logger.info("welcome email already requested", extra={"email_id": email_id})

    # Sent (origin identity) -> RegistrationEmailSent

    def sent(self, message: Message) -> None:
        origin = message.metadata.origin_stream_name or ""
        if category_of(origin) != contract.CATEGORY or id_of(origin) is None:
            return  # an email some other service asked for
        sent = send_email.Sent.from_message(message)
        identity, version = self.store.fetch(origin, identity_projection)
        if identity.registration_email_sent:
            self.logger.info("welcome email already recorded", extra={"email_id": sent.email_id})
            return
        if not identity.registered:
            self.logger.warning("email sent for an unregistered identity", extra={"stream": origin})
            return
        recorded = contract.RegistrationEmailSent(user_id=id_of(origin), email_id=sent.email_id)
        self.store.write(origin, recorded.to_message().follow(message), expected_version=version)


def identity_component(store: MessageStore, site_url: str, logger: Any = None) -> Component:
    """The identity component, ready to handle stream batches."""
    log = logger or default_logger()
    handlers = IdentityHandlers(store, site_url, log)
    return Component(
        NAME,
        {
            contract.Register.type: handlers.register,
            contract.Registered.type: handlers.registered,
            send_email.Sent.type: handlers.sent,
        },
        logger=log,
    )
