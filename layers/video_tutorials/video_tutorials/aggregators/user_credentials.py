"""user-credentials: each registered user's email and password hash, found by email.

Reads ``identity`` events: ``Registered`` gives the credentials; ``RegistrationRejected``
records that the registration failed (the email was taken meanwhile).
"""

from __future__ import annotations

from message_store import Projection
from message_store.aggregator import Aggregator

from ..contracts.identity import Registered, RegistrationRejected
from ..views.user_credentials import UserCredentials, UserCredentialsViews

NAME = "user-credentials"


def _registered(_credentials: UserCredentials, event: Registered) -> UserCredentials:
    return UserCredentials(
        user_id=event.user_id, email=event.email, password_hash=event.password_hash
    )


def _rejected(credentials: UserCredentials, event: RegistrationRejected) -> UserCredentials:
    if credentials.email:
        return credentials  # registered already: a rejection cannot take it back
    return UserCredentials(user_id=event.user_id, rejected_reason=event.reason)


user_credentials_projection: Projection[UserCredentials] = Projection(
    initial=UserCredentials, handlers={Registered: _registered, RegistrationRejected: _rejected}
)

user_credentials_aggregator: Aggregator[UserCredentials] = Aggregator(
    NAME, user_credentials_projection, views=UserCredentialsViews
)
