"""Signed session cookies: who is logged in, without a session table.

A session is a small JSON payload (user id, email for the navigation, issued-at, expiry)
signed with HMAC-SHA256 (``tokens``). A cookie that does not verify, has expired or is malformed is
simply no session. The key is derived from a secret kept in Secrets Manager on AWS (read
through Powertools parameters, cached with a max age) or given by the environment locally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.shared.cookies import Cookie

from message_store import aws

from .responses import site_cookie
from .tokens import TokenSigner, number, text

#: Secrets shorter than this are refused: HMAC-SHA256 wants 256 bits of key material.
MIN_SECRET_LENGTH = 32
DEFAULT_LIFETIME = timedelta(days=7)


class SessionSecretUnavailableError(Exception):
    """The signing secret could not be read (Secrets Manager failed or nothing is configured)."""


@dataclass(frozen=True)
class Session:
    """Who is logged in, and until when."""

    user_id: str
    email: str
    issued_at: datetime
    expires_at: datetime


class SessionSecret:
    """The secret that signs sessions: a value (local, tests) or a Secrets Manager secret.

    Calling it returns the secret's bytes. A Secrets Manager secret is read at first use
    through Powertools parameters and cached for ``max_age`` seconds, so a rotated secret is
    picked up without a deployment (sessions signed with the old one then end).
    """

    def __init__(
        self,
        *,
        value: str | None = None,
        secret_id: str | None = None,
        max_age: int = 300,
        provider: Any | None = None,
    ) -> None:
        if value is not None:
            _check_secret(value, "SESSION_SECRET")
        self._value = value
        self._secret_id = secret_id
        self._max_age = max_age
        self._provider = provider
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        if self._value is not None:
            return self._value.encode()
        if not self._secret_id:
            raise SessionSecretUnavailableError("neither SESSION_SECRET nor SESSION_SECRET_ARN set")
        try:
            value = self._secrets().get(self._secret_id, max_age=self._max_age)
        except Exception as exc:  # Powertools wraps every SDK failure in GetParameterError
            raise SessionSecretUnavailableError(f"cannot read the session secret: {exc}") from exc
        if isinstance(value, bytes):
            value = value.decode()
        if not isinstance(value, str):
            raise SessionSecretUnavailableError("the session secret is not a string")
        _check_secret(value, "the session secret", error=SessionSecretUnavailableError)
        return value.encode()

    def _secrets(self) -> Any:
        with self._lock:
            if self._provider is None:
                from aws_lambda_powertools.utilities.parameters import SecretsProvider

                self._provider = SecretsProvider(boto3_client=aws.client("secretsmanager"))
            return self._provider


def _check_secret(value: str, name: str, error: type[Exception] = ValueError) -> None:
    if len(value) < MIN_SECRET_LENGTH:
        raise error(f"{name} must be at least {MIN_SECRET_LENGTH} characters")


class SessionSigner:
    """Signs sessions into tokens and verifies tokens back into sessions (``TokenSigner``
    with the purpose ``session``)."""

    def __init__(
        self,
        secret: Callable[[], bytes],
        *,
        purpose: str = "session",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.tokens = TokenSigner(secret, purpose=purpose, clock=clock)

    def now(self) -> datetime:
        """The signer's clock (UTC)."""
        return self.tokens.now()

    def sign(self, session: Session) -> str:
        """The token of ``session`` (it expires when the session does)."""
        claims = {"sub": session.user_id, "email": session.email}
        return self.tokens.sign(claims, lifetime=session.expires_at - session.issued_at)

    def verify(self, token: str | None) -> Session | None:
        """The session in ``token``, or ``None`` if it is forged, expired or malformed."""
        claims = self.tokens.verify(token)
        if claims is None:
            return None
        try:
            return Session(
                user_id=text(claims["sub"]),
                email=text(claims["email"]),
                issued_at=datetime.fromtimestamp(number(claims["iat"]), UTC),
                expires_at=datetime.fromtimestamp(number(claims["exp"]), UTC),
            )
        except (ValueError, KeyError, TypeError):
            return None


class SessionCookies:
    """The session cookie: reading it from a request, issuing it, clearing it.

    ``HttpOnly; SameSite=Lax; Path=/`` always; ``Secure`` (and the ``__Host-`` name prefix,
    which makes browsers refuse it without ``Secure`` or from a sub-domain) unless ``secure``
    is off — on a developer's machine served over plain http.
    """

    def __init__(
        self, signer: SessionSigner, *, secure: bool, lifetime: timedelta = DEFAULT_LIFETIME
    ) -> None:
        self.signer = signer
        self.secure = secure
        self.lifetime = lifetime
        self.name = "__Host-session" if secure else "session"

    def read(self, cookies: Mapping[str, str]) -> Session | None:
        """The request's session; without a cookie the secret is not even read."""
        token = cookies.get(self.name)
        return self.signer.verify(token) if token else None

    def issue(self, user_id: str, email: str) -> Cookie:
        """A cookie holding a new session for this user."""
        now = self.signer.now()
        session = Session(
            user_id=user_id, email=email, issued_at=now, expires_at=now + self.lifetime
        )
        return self._cookie(self.signer.sign(session), int(self.lifetime.total_seconds()))

    def clear(self) -> Cookie:
        """A cookie that makes the browser forget the session."""
        return self._cookie("", 0, expires=datetime(1970, 1, 1, tzinfo=UTC))

    def _cookie(self, value: str, max_age: int, expires: datetime | None = None) -> Cookie:
        return site_cookie(self.name, value, secure=self.secure, max_age=max_age, expires=expires)
