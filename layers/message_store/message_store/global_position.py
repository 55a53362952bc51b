"""Global positions: unique, lexicographically sortable, time-ordered strings.

A global position is a ULID: 10 Crockford base-32 characters of milliseconds since the
epoch, then 16 of randomness (26 characters in all). Within one process the positions are
strictly increasing, even within one millisecond. Across processes they are ordered by
their clocks, which is why a catch-up reader stays a settle window behind "now".
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import UTC, datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TIME_CHARS = 10
_RANDOM_CHARS = 16
_RANDOM_BITS = 80
_PATTERN = re.compile(rf"^[{_ALPHABET}]{{{_TIME_CHARS + _RANDOM_CHARS}}}$")
LENGTH = _TIME_CHARS + _RANDOM_CHARS


def _encode(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def _decode(text: str) -> int:
    number = 0
    for char in text:
        number = number * 32 + _ALPHABET.index(char)
    return number


def is_global_position(text: object) -> bool:
    """True when ``text`` has the form of a global position."""
    return isinstance(text, str) and bool(_PATTERN.match(text))


def floor(moment: datetime) -> str:
    """The smallest global position at ``moment``: every position written later sorts after it."""
    return _encode(int(moment.timestamp() * 1000), _TIME_CHARS) + "0" * _RANDOM_CHARS


def time_of(global_position: str) -> datetime:
    """The moment (millisecond precision, UTC) a global position was generated."""
    return datetime.fromtimestamp(_decode(global_position[:_TIME_CHARS]) / 1000, tz=UTC)


class GlobalPositionClock:
    """Generates strictly increasing global positions in this process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def next(self) -> str:
        """A new global position, greater than every one this clock returned before."""
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                self._last_ms = now_ms
                # the top bit stays clear so that increments within a millisecond never overflow
                self._last_random = secrets.randbits(_RANDOM_BITS - 1)
            else:
                self._last_random += 1 + secrets.randbits(16)
            return _encode(self._last_ms, _TIME_CHARS) + _encode(self._last_random, _RANDOM_CHARS)
