"""The authenticate function on moto: 401s, UserLoginFailed, the session cookie, next."""

from __future__ import annotations

import uuid

import pytest
from argon2 import PasswordHasher

from tests.support.applications import (
    cookie_attributes,
    cookie_value,
    header,
    page_text,
    set_cookies,
)
from tests.support.factories import an_api_request

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture
def user_id(seed_credentials) -> str:
    user_id = str(uuid.uuid4())
    # low-cost parameters: verification reads them from the hash, so it is quick
    password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    seed_credentials(user_id, EMAIL, password_hash)
    return user_id


def log_in(email: str = EMAIL, password: str = PASSWORD, next_path: str = "", **options) -> dict:
    form = {"email": email, "password": password, "next": next_path}
    return an_api_request("POST", "/auth/log-in", form=form, **options)


def test_the_log_in_form_keeps_next(authenticate_function):
    response = authenticate_function(
        an_api_request("GET", "/auth/log-in", query={"next": "/creators-portal"})
    )

    assert response["statusCode"] == 200
    assert 'name="next" value="/creators-portal"' in response["body"]
    assert 'autocomplete="current-password"' in response["body"]


def test_logging_in_writes_user_logged_in_and_sets_the_session(
    authenticate_function, store, user_id
):
    response = authenticate_function(log_in(email="ADA@example.com"))

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/"
    [event] = store.read_stream(f"authentication-{user_id}")
    assert (event.type, event.data) == ("UserLoggedIn", {"userId": user_id})
    assert event.metadata.trace_id == header(response, "X-Trace-Id")
    [cookie] = set_cookies(response)
    attributes = cookie_attributes(cookie)
    assert cookie.startswith("session=")
    assert {"HttpOnly", "SameSite", "Path", "Max-Age"} <= set(attributes)
    assert attributes["SameSite"] == "Lax"
    assert attributes["Path"] == "/"
    assert "Secure" not in attributes  # STAGE=local: plain http


def test_outside_local_the_cookie_is_secure(load_applications, user_id):
    applications = load_applications(STAGE="prod")

    response = applications.invoke("authenticate", log_in())

    [cookie] = set_cookies(response)
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie_attributes(cookie)


def test_the_session_shows_in_the_navigation_and_a_tampered_one_does_not(
    authenticate_function, user_id
):
    [cookie] = set_cookies(authenticate_function(log_in()))
    token = cookie_value(cookie)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    signed_in = authenticate_function(
        an_api_request("GET", "/auth/log-in", cookies={"session": token})
    )
    forged = authenticate_function(
        an_api_request("GET", "/auth/log-in", cookies={"session": tampered})
    )

    assert f"Signed in as {EMAIL}" in page_text(signed_in)
    assert "Signed in as" not in page_text(forged)
    assert forged["statusCode"] == 200


def test_an_unknown_email_is_401_and_nothing_is_written(
    authenticate_function, message_count, user_id
):
    response = authenticate_function(log_in(email="nobody@example.com"))

    assert response["statusCode"] == 401
    assert "do not match an account" in page_text(response)
    assert set_cookies(response) == []
    assert message_count() == 0


def test_a_wrong_password_is_401_and_user_login_failed(authenticate_function, store, user_id):
    response = authenticate_function(log_in(password="not the password"))

    assert response["statusCode"] == 401
    assert "do not match an account" in page_text(response)
    assert set_cookies(response) == []
    [event] = store.read_stream(f"authentication-{user_id}")
    assert event.type == "UserLoginFailed"
    assert event.data == {"userId": user_id, "reason": "wrong password"}


@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/videos/42", "/Prod/videos/42"),
        ("//evil.com", "/Prod/"),
        ("https://evil.com", "/Prod/"),
        ("/\\evil.com", "/Prod/"),
    ],
)
def test_next_is_followed_only_to_local_paths(authenticate_function, user_id, next_path, location):
    response = authenticate_function(log_in(next_path=next_path))

    assert header(response, "Location") == location


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "Enter a valid email address"),
        ({"email": EMAIL, "password": "short"}, "Passwords have at least 8 characters."),
        ({"email": EMAIL, "password": "x" * 129}, "Passwords have at most 128 characters."),
        ({"password": PASSWORD}, "Enter your email address."),
        ({"email": EMAIL}, "Enter your password."),
    ],
)
def test_bad_input_is_400_with_the_message_and_nothing_written(
    authenticate_function, message_count, user_id, form, message
):
    response = authenticate_function(an_api_request("POST", "/auth/log-in", form=form))

    assert response["statusCode"] == 400
    assert message in page_text(response)
    assert message_count() == 0


def test_an_oversized_body_is_413_and_nothing_written(
    authenticate_function, message_count, user_id
):
    response = authenticate_function(log_in(password="x" * 20_000))

    assert response["statusCode"] == 413
    assert message_count() == 0


@pytest.mark.parametrize("path", ["/auth/log-in", "/auth/log-out"])
def test_a_foreign_origin_is_403_and_changes_nothing(
    authenticate_function, message_count, user_id, path
):
    response = authenticate_function(
        an_api_request(
            "POST",
            path,
            form={"email": EMAIL, "password": PASSWORD},
            origin="https://evil.example",
        )
    )

    assert response["statusCode"] == 403
    assert "sent from another site" in page_text(response)
    assert set_cookies(response) == []
    assert message_count() == 0


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_logging_out_clears_the_cookie(authenticate_function, method):
    response = authenticate_function(an_api_request(method, "/auth/log-out"))

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/"
    [cookie] = set_cookies(response)
    assert cookie.startswith("session=;")
    assert cookie_attributes(cookie)["Max-Age"] == "0"


def test_the_prefix_has_its_own_404(authenticate_function):
    response = authenticate_function(an_api_request("GET", "/auth/somewhere"))

    assert response["statusCode"] == 404
    assert "Page not found" in page_text(response)


def test_on_aws_the_session_secret_comes_from_secrets_manager(load_applications, user_id):
    from message_store import aws

    secret = aws.client("secretsmanager").create_secret(
        Name="session-secret", SecretString="s" * 64
    )
    applications = load_applications(SESSION_SECRET=None, SESSION_SECRET_ARN=secret["ARN"])

    logged_in = applications.invoke("authenticate", log_in())
    [cookie] = set_cookies(logged_in)
    page = applications.invoke(
        "authenticate",
        an_api_request("GET", "/auth/log-in", cookies={"session": cookie_value(cookie)}),
    )

    assert logged_in["statusCode"] == 303
    assert f"Signed in as {EMAIL}" in page_text(page)


def test_an_unreadable_secret_is_a_503_and_no_log_in_is_recorded(
    load_applications, message_count, user_id
):
    gone = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone"
    applications = load_applications(SESSION_SECRET=None, SESSION_SECRET_ARN=gone)

    response = applications.invoke("authenticate", log_in())

    assert response["statusCode"] == 503
    assert set_cookies(response) == []
    assert message_count() == 0
