"""The authenticate function on moto: five failed log-ins lock the account — 429 with
``Retry-After`` and nothing written, even for the right password — read from its stream."""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher

from tests.support.applications import header, page_text, set_cookies
from tests.support.factories import an_api_request

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"


def log_in(password: str) -> dict:
    form = {"email": EMAIL, "password": password}
    return an_api_request("POST", "/auth/log-in", form=form)


def test_five_failures_lock_the_account_through_the_function(
    authenticate_function, store, seed_credentials
):
    user_id = str(uuid.uuid4())
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    seed_credentials(user_id, EMAIL, cheap.hash(PASSWORD))

    statuses = [authenticate_function(log_in("wrong password"))["statusCode"] for _ in range(5)]
    locked = authenticate_function(log_in(PASSWORD))

    assert statuses == [401] * 5
    assert locked["statusCode"] == 429
    assert 895 <= int(header(locked, "Retry-After")) <= 900
    assert "too many failed log-ins" in page_text(locked)
    assert set_cookies(locked) == []
    stream = store.read_stream(f"authentication-{user_id}")
    assert [m.type for m in stream] == ["UserLoginFailed"] * 5
