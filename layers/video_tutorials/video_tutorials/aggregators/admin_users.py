"""admin-users: every user as an operator sees them.

Reads ``identity`` (registered or rejected, welcome email sent), ``authentication`` (logins,
failed logins, and the times of the failures since the last log-in, from which the admin
page derives a log-in lock) and ``viewing`` (a logged-in user's viewings). The item is the
user's: the id of their identity and authentication streams, and the ``userId`` of a viewing
(anonymous viewings are no one's). A viewing stream is a video's, shared by its viewers: the
user's item keeps its position only to skip a redelivery, and fills no gap from it.
"""

from __future__ import annotations

from dataclasses import replace

from message_store import Projection, StoredMessage
from message_store import category as category_of
from message_store import id as id_of
from message_store.aggregator import Aggregator

from ..contracts.authentication import UserLoggedIn, UserLoginFailed
from ..contracts.identity import Registered, RegistrationEmailSent, RegistrationRejected
from ..contracts.viewing import CATEGORY as VIEWING
from ..contracts.viewing import VideoViewed
from ..log_in_limits import MAX_FAILURES_REMEMBERED
from ..views.admin_users import AdminUser, AdminUsersViews

NAME = "admin-users"


def user_of(message: StoredMessage) -> str | None:
    """A message's user: its stream's id, or the viewer of a viewing (``None``: anonymous)."""
    if category_of(message.stream_name) == VIEWING:
        user_id = message.data.get("userId")
        return user_id if isinstance(user_id, str) and user_id else None
    return id_of(message.stream_name)


def _registered(user: AdminUser, event: Registered) -> AdminUser:
    return replace(user, user_id=event.user_id, email=event.email, registered=True)


def _rejected(user: AdminUser, event: RegistrationRejected) -> AdminUser:
    if user.registered:
        return user
    return replace(user, user_id=event.user_id, email=event.email, rejected_reason=event.reason)


def _email_sent(user: AdminUser, event: RegistrationEmailSent) -> AdminUser:
    return replace(user, user_id=event.user_id, registration_email_sent=True)


def _logged_in(user: AdminUser, event: UserLoggedIn) -> AdminUser:
    time = event.message.time.isoformat(timespec="seconds")
    last = max(user.last_login or "", time)
    return replace(
        user, user_id=event.user_id, logins=user.logins + 1, last_login=last, recent_failures=()
    )


def _login_failed(user: AdminUser, event: UserLoginFailed) -> AdminUser:
    time = event.message.time.isoformat()
    recent = (*user.recent_failures, time)[-MAX_FAILURES_REMEMBERED:]
    return replace(
        user,
        user_id=event.user_id,
        failed_logins=user.failed_logins + 1,
        recent_failures=recent,
    )


def _viewed(user: AdminUser, event: VideoViewed) -> AdminUser:
    return replace(user, user_id=event.user_id or user.user_id, viewings=user.viewings + 1)


admin_users_projection: Projection[AdminUser] = Projection(
    initial=AdminUser,
    handlers={
        Registered: _registered,
        RegistrationRejected: _rejected,
        RegistrationEmailSent: _email_sent,
        UserLoggedIn: _logged_in,
        UserLoginFailed: _login_failed,
        VideoViewed: _viewed,
    },
)

admin_users_aggregator: Aggregator[AdminUser] = Aggregator(
    NAME, admin_users_projection, key_of=user_of, views=AdminUsersViews
)
