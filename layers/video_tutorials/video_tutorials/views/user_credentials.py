"""The user-credentials view: each registered user's email and password hash.

Keyed by user id; the ``email-index`` finds a user by (normalised) email. A registration
that was rejected (its email taken meanwhile) is an item too, without an email (so the
index never finds it): the registration-complete page tells the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from message_store.views import DynamoViewRepository

EMAIL_INDEX = "email-index"


@dataclass(frozen=True)
class UserCredentials:
    """A user's credentials; ``email`` is ``None`` until the user is registered."""

    user_id: str = ""
    email: str | None = None
    password_hash: str | None = None
    rejected_reason: str | None = None


def _key(user_id: str) -> dict[str, str]:
    return {"userId": user_id}


def _to_attributes(credentials: UserCredentials) -> dict[str, Any]:
    return {
        "email": credentials.email,
        "passwordHash": credentials.password_hash,
        "rejectedReason": credentials.rejected_reason,
    }


def _from_attributes(values: dict[str, Any]) -> UserCredentials:
    return UserCredentials(
        user_id=values.get("userId", ""),
        email=values.get("email"),
        password_hash=values.get("passwordHash"),
        rejected_reason=values.get("rejectedReason"),
    )


class UserCredentialsViews(DynamoViewRepository[UserCredentials]):
    """The user-credentials view table (``USER_CREDENTIALS_VIEW_TABLE``)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )

    def find_by_email(self, email: str) -> UserCredentials | None:
        """The registered user with this (normalised) email, or ``None``."""
        found = self.query(
            IndexName=EMAIL_INDEX,
            KeyConditionExpression="email = :email",
            ExpressionAttributeValues={":email": {"S": email}},
            Limit=1,
        )
        values = next(found, None)
        return _from_attributes(values) if values is not None else None
