"""Signed tokens: small JSON claims with an HMAC-SHA256, for cookies the server must trust.

Token: ``v1.<base64url JSON claims>.<base64url HMAC-SHA256>``. The HMAC key is derived from
the secret and a ``purpose`` (``session``, ``written`` …), so a token of one purpose never
verifies as another. Claims carry ``iat`` and ``exp`` (epoch seconds): an expired token, one
issued in the future (beyond the clocks' skew), a forged or a malformed one verifies as
``None`` — never an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

#: Tokens longer than this are not even decoded (a browser keeps at most 4096 bytes a cookie).
MAX_TOKEN_LENGTH = 4096
#: A token issued this far in the future is refused (clocks of two Lambdas may differ).
CLOCK_SKEW = timedelta(seconds=60)
_VERSION = "v1"


class TokenSigner:
    """Signs claims into tokens and verifies tokens back into claims, for one purpose."""

    def __init__(
        self,
        secret: Callable[[], bytes],
        *,
        purpose: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._secret = secret
        self._purpose = purpose.encode()
        self._clock = clock or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        """The signer's clock (UTC)."""
        return self._clock()

    def sign(self, claims: dict[str, Any], *, lifetime: timedelta) -> str:
        """A token of ``claims``, issued now and expiring after ``lifetime``."""
        now = self.now()
        payload = {
            **claims,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        signed = f"{_VERSION}.{_encode(json.dumps(payload, separators=(',', ':')).encode())}"
        return f"{signed}.{_encode(self._mac(signed))}"

    def verify(self, token: str | None) -> dict[str, Any] | None:
        """The claims of a genuine, current token; ``None`` for anything else."""
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            return None
        version, payload, mac = token.split(".")
        if version != _VERSION:
            return None
        try:
            expected = _decode(mac)
        except ValueError:
            return None
        if not hmac.compare_digest(expected, self._mac(f"{version}.{payload}")):
            return None
        try:
            claims = json.loads(_decode(payload))
            issued = datetime.fromtimestamp(number(claims["iat"]), UTC)
            expires = datetime.fromtimestamp(number(claims["exp"]), UTC)
        except (ValueError, KeyError, TypeError, OverflowError, OSError):
            return None
        now = self.now()
        if not isinstance(claims, dict) or expires <= now or issued > now + CLOCK_SKEW:
            return None
        return claims

    def _mac(self, signed: str) -> bytes:
        key = hmac.new(self._secret(), self._purpose, hashlib.sha256).digest()
        return hmac.new(key, signed.encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def text(value: object) -> str:
    """A claim that must be a non-empty string (``ValueError`` otherwise)."""
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value


def number(value: object) -> int:
    """A claim that must be an int, not a bool (``ValueError`` otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an int")
    return value
