"""Too many failed log-ins: the lock derived from an account's ``authentication`` stream.

After ``failures`` failed log-ins in a row (no successful one between them) within
``window``, further attempts for that account are refused without checking the password
until the window has passed since the oldest of those failures: a sliding window of at most
``failures`` password checks per ``window`` for each account. Nothing new is stored: the
failures are the ``UserLoginFailed`` events the authenticate application writes anyway, and
the store stamps each with its time. The authenticate application reads the newest messages
of the stream; the admin-users view keeps the times of the failures since the last log-in,
so the admin page shows the same lock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every function's settings import this module: it stays light
    from message_store import StoredMessage

#: The most failures a lock may need: what the admin-users view remembers of a user.
MAX_FAILURES_REMEMBERED = 20


@dataclass(frozen=True)
class LogInLimits:
    """How many failed log-ins in a row within how long lock an account."""

    failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if not 1 <= self.failures <= MAX_FAILURES_REMEMBERED:
            raise ValueError(f"failures must be 1 to {MAX_FAILURES_REMEMBERED}")
        if self.window <= timedelta(0):
            raise ValueError("the window must be positive")

    def locked_until(self, failure_times: Sequence[datetime], now: datetime) -> datetime | None:
        """When the lock ends, or ``None`` when there is none now.

        ``failure_times``: the times of the failed log-ins since the last successful one,
        oldest first (only the newest ``failures`` matter).
        """
        if len(failure_times) < self.failures:
            return None
        until = failure_times[-self.failures] + self.window
        return until if until > now else None


def failures_in_a_row(messages: Sequence[StoredMessage]) -> list[datetime]:
    """The times of the ``UserLoginFailed`` after the last ``UserLoggedIn`` in ``messages``
    (a stream's messages in order), oldest first."""
    from .contracts.authentication import UserLoggedIn, UserLoginFailed

    times: list[datetime] = []
    for message in messages:
        if message.type == UserLoggedIn.type:
            times = []
        elif message.type == UserLoginFailed.type:
            times.append(message.time)
    return times


def retry_after(until: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` until ``until`` (at least 1): a ``Retry-After`` value."""
    return max(1, math.ceil((until - now).total_seconds()))


def in_words(seconds: int) -> str:
    """``seconds`` as a person says it: "40 seconds", "1 minute", "15 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
