"""The admin-users view: every user as an operator sees them.

Keyed by user id: email, registered (or rejected, and why), registration email sent, logins,
failed logins, last login, viewings. Read by the admin application only; listed a page at a
time (a scan: an operator's page, not a user's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from message_store.views import DynamoViewRepository

from .paging import Page, scan_page


@dataclass(frozen=True)
class AdminUser:
    """One user, as the admin pages show them."""

    user_id: str = ""
    email: str | None = None
    registered: bool = False
    rejected_reason: str | None = None
    registration_email_sent: bool = False
    logins: int = 0
    failed_logins: int = 0
    last_login: str | None = None
    viewings: int = 0
    #: when the failed log-ins since the last successful one happened (ISO, oldest first;
    #: the newest ``MAX_FAILURES_REMEMBERED``): what a log-in lock is derived from
    recent_failures: tuple[str, ...] = ()


def _key(user_id: str) -> dict[str, str]:
    return {"userId": user_id}


def _to_attributes(user: AdminUser) -> dict[str, Any]:
    return {
        "email": user.email,
        "registered": user.registered,
        "rejectedReason": user.rejected_reason,
        "registrationEmailSent": user.registration_email_sent,
        "logins": user.logins,
        "failedLogins": user.failed_logins,
        "lastLogin": user.last_login,
        "viewings": user.viewings,
        "recentFailures": list(user.recent_failures),
    }


def _from_attributes(values: dict[str, Any]) -> AdminUser:
    return AdminUser(
        user_id=values.get("userId", ""),
        email=values.get("email"),
        registered=bool(values.get("registered", False)),
        rejected_reason=values.get("rejectedReason"),
        registration_email_sent=bool(values.get("registrationEmailSent", False)),
        logins=int(values.get("logins", 0)),
        failed_logins=int(values.get("failedLogins", 0)),
        last_login=values.get("lastLogin"),
        viewings=int(values.get("viewings", 0)),
        recent_failures=tuple(str(time) for time in values.get("recentFailures") or ()),
    )


class AdminUsersViews(DynamoViewRepository[AdminUser]):
    """The admin-users view table (``ADMIN_USERS_VIEW_TABLE``)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )

    def users(self, after: str | None = None, limit: int = 50) -> Page[AdminUser]:
        """A page of users (in the table's order), and where the next page starts."""
        return scan_page(self, _from_attributes, "userId", after, limit)
