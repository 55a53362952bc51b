"""Read your own writes: a POST's write travels, signed, to the page the user lands on.

After a POST writes a message, the application's redirect sets a short-lived signed cookie
naming the message (its stream and position). The next request reads it: a page built from
a view first waits, bounded, with strongly consistent reads of the one view item it
needs, until that item has applied the position (view items keep the last position per
source stream, so the check is exact); past the bound it says the change is on its way
and refreshes itself. The user never silently sees the state from before their own action.

A forged, expired or malformed cookie is no cookie: the page renders as it would without.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.shared.cookies import Cookie

from .responses import site_cookie
from .tokens import TokenSigner, number, text

#: How long a write waits to be read back: long enough for a retried page, not a session.
DEFAULT_LIFETIME = timedelta(minutes=2)
#: How long a page waits for a view to apply the user's write before it says "on its way".
DEFAULT_WAIT = 1.0
#: Pauses between two reads of the view item: quick at first, never more than 100 ms.
_PAUSES = (0.005, 0.01, 0.02, 0.04, 0.08)
_LONGEST_PAUSE = 0.1


@dataclass(frozen=True)
class Written:
    """A message the user's request wrote: where it is in the store."""

    stream_name: str
    position: int


class WrittenCookies:
    """The cookie that carries the last write to the next request: issue, read, clear."""

    def __init__(
        self, signer: TokenSigner, *, secure: bool, lifetime: timedelta = DEFAULT_LIFETIME
    ) -> None:
        self.signer = signer
        self.secure = secure
        self.lifetime = lifetime
        self.name = "__Host-written" if secure else "written"

    def issue(self, written: Written) -> Cookie:
        """A cookie naming ``written``."""
        token = self.signer.sign(
            {"s": written.stream_name, "p": written.position}, lifetime=self.lifetime
        )
        return self._cookie(token, int(self.lifetime.total_seconds()))

    def read(self, cookies: Mapping[str, str]) -> Written | None:
        """The write the request's cookie names, or ``None`` (absent, forged, expired …)."""
        token = cookies.get(self.name)
        claims = self.signer.verify(token) if token else None
        if claims is None:
            return None
        try:
            position = number(claims["p"])
            if position < 0:
                return None
            return Written(text(claims["s"]), position)
        except (KeyError, ValueError):
            return None

    def clear(self) -> Cookie:
        """A cookie that makes the browser forget the write (once a page has shown it)."""
        return self._cookie("", 0, expires=datetime(1970, 1, 1, tzinfo=UTC))

    def _cookie(self, value: str, max_age: int, expires: datetime | None = None) -> Cookie:
        return site_cookie(self.name, value, secure=self.secure, max_age=max_age, expires=expires)


def wait_until(
    applied: Callable[[], bool],
    *,
    timeout: float = DEFAULT_WAIT,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] | None = None,
) -> bool:
    """Ask ``applied`` until it says yes (True) or ``timeout`` seconds have passed (False).

    ``applied`` is one strongly consistent read of the view item a page needs. ``sleep`` is
    ``time.sleep`` looked up at each pause (a runtime may let other work run meanwhile).
    """
    pause_for = sleep or (lambda seconds: time.sleep(seconds))
    deadline = clock() + timeout
    attempt = 0
    while True:
        if applied():
            return True
        remaining = deadline - clock()
        if remaining <= 0:
            return False
        pause = _PAUSES[attempt] if attempt < len(_PAUSES) else _LONGEST_PAUSE
        pause_for(min(pause, remaining))
        attempt += 1
