"""user-credentials: each registered user's email and password hash, found by email.

Reads ``identity`` events; only ``Registered`` changes the credentials.
"""

from __future__ import annotations

from typing import Any

from message_store import Message, Projection
from message_store.aggregator import Aggregator, StreamReader

from ..contracts.identity import Registered
from ..views.user_credentials import UserCredentials, UserCredentialsViews

NAME = "user-credentials"


def _registered(_credentials: UserCredentials, message: Message) -> UserCredentials:
    event = Registered.from_message(message)
    return UserCredentials(
        user_id=event.user_id, email=event.email, password_hash=event.password_hash
    )


user_credentials_projection: Projection[UserCredentials] = Projection(
    initial=UserCredentials, handlers={Registered.type: _registered}
)


def user_credentials_aggregator(
    store: StreamReader, views: UserCredentialsViews, logger: Any = None
) -> Aggregator[UserCredentials]:
    """The user-credentials aggregator, ready to handle stream batches."""
    return Aggregator(NAME, user_credentials_projection, views, store, logger=logger)
