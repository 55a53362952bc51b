"""Signed session cookies: what verifies, what does not, and the cookie's attributes."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from tests.support.applications import SECRET, FixedClock, cookie_attributes
from webglue import (
    Session,
    SessionCookies,
    SessionSecret,
    SessionSecretUnavailableError,
    SessionSigner,
)

OTHER_SECRET = "another-secret-that-is-long-enough-0123456789"


def a_signer(clock: FixedClock, secret: str = SECRET) -> SessionSigner:
    return SessionSigner(SessionSecret(value=secret), clock=clock)


def a_session(clock: FixedClock, lifetime: timedelta = timedelta(hours=1)) -> Session:
    return Session(
        user_id="9d1e2f3a-0000-4000-8000-000000000001",
        email="ada@example.com",
        issued_at=clock.now,
        expires_at=clock.now + lifetime,
    )


def test_a_signed_session_verifies_back_to_itself():
    clock = FixedClock()
    signer = a_signer(clock)
    session = a_session(clock)

    assert signer.verify(signer.sign(session)) == session


def test_a_session_signed_with_another_secret_is_no_session():
    clock = FixedClock()
    token = a_signer(clock, OTHER_SECRET).sign(a_session(clock))

    assert a_signer(clock).verify(token) is None


def test_a_changed_payload_is_no_session():
    clock = FixedClock()
    signer = a_signer(clock)
    version, payload, mac = signer.sign(a_session(clock)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert signer.verify(f"{version}.{forged}.{mac}") is None


def test_an_expired_session_is_no_session():
    clock = FixedClock()
    signer = a_signer(clock)
    token = signer.sign(a_session(clock, lifetime=timedelta(minutes=5)))

    clock.now += timedelta(minutes=5)

    assert signer.verify(token) is None


def test_a_session_issued_in_the_future_is_no_session():
    clock = FixedClock()
    signer = a_signer(clock)
    later = FixedClock(clock.now + timedelta(hours=1))
    token = a_signer(later).sign(a_session(later))

    assert signer.verify(token) is None


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "v1.a.b", "v2.e30.AAAA", "v1..", "v1.%%%.%%%", "v1.é.é", "x" * 5000],
)
def test_malformed_tokens_are_no_session(token):
    assert a_signer(FixedClock()).verify(token) is None


def test_the_session_cookie_is_httponly_lax_secure_and_lasts_its_lifetime():
    clock = FixedClock()
    cookies = SessionCookies(a_signer(clock), secure=True, lifetime=timedelta(days=7))

    cookie = str(cookies.issue("9d1e2f3a-0000-4000-8000-000000000001", "ada@example.com"))

    attributes = cookie_attributes(cookie)
    assert cookie.startswith("__Host-session=")
    assert attributes["Path"] == "/"
    assert attributes["SameSite"] == "Lax"
    assert attributes["Max-Age"] == str(7 * 24 * 3600)
    assert "HttpOnly" in attributes
    assert "Secure" in attributes


def test_locally_the_cookie_is_not_secure_and_has_no_host_prefix():
    cookies = SessionCookies(a_signer(FixedClock()), secure=False)

    cookie = str(cookies.issue("u-1", "ada@example.com"))

    assert cookie.startswith("session=")
    assert "Secure" not in cookie_attributes(cookie)


def test_an_issued_cookie_reads_back_as_the_session():
    clock = FixedClock()
    cookies = SessionCookies(a_signer(clock), secure=True)
    token = str(cookies.issue("u-1", "ada@example.com")).split(";")[0].split("=", 1)[1]

    session = cookies.read({cookies.name: token})

    assert session is not None
    assert (session.user_id, session.email) == ("u-1", "ada@example.com")


def test_clearing_the_cookie_expires_it_at_once():
    cookie = str(SessionCookies(a_signer(FixedClock()), secure=True).clear())

    attributes = cookie_attributes(cookie)
    assert cookie.startswith("__Host-session=;")
    assert attributes["Max-Age"] == "0"
    assert "1970" in attributes["Expires"]


def test_without_a_cookie_the_secret_is_not_read():
    def unreadable() -> bytes:
        raise AssertionError("the secret was read")

    cookies = SessionCookies(SessionSigner(unreadable), secure=True)

    assert cookies.read({}) is None


def test_a_short_secret_is_refused_at_cold_start():
    with pytest.raises(ValueError, match="at least 32"):
        SessionSecret(value="short")


class FakeSecretsProvider:
    def __init__(self, value: object = None, error: Exception | None = None) -> None:
        self.value = value
        self.error = error
        self.calls: list[tuple[str, int]] = []

    def get(self, name: str, max_age: int) -> object:
        self.calls.append((name, max_age))
        if self.error:
            raise self.error
        return self.value


def test_the_secret_comes_from_secrets_manager_with_a_max_age():
    provider = FakeSecretsProvider(value=SECRET)
    secret = SessionSecret(secret_id="arn:aws:secretsmanager:…:secret:session", provider=provider)

    assert secret() == SECRET.encode()
    assert provider.calls == [("arn:aws:secretsmanager:…:secret:session", 300)]


def test_a_failing_secrets_manager_makes_the_secret_unavailable():
    provider = FakeSecretsProvider(error=RuntimeError("throttled"))
    secret = SessionSecret(secret_id="arn:…", provider=provider)

    with pytest.raises(SessionSecretUnavailableError):
        secret()


def test_a_weak_secret_in_secrets_manager_is_unavailable():
    secret = SessionSecret(secret_id="arn:…", provider=FakeSecretsProvider(value="short"))

    with pytest.raises(SessionSecretUnavailableError):
        secret()


def test_no_secret_configured_is_unavailable():
    with pytest.raises(SessionSecretUnavailableError):
        SessionSecret()()
