"""authenticate (with fakes): who logs in, what is written, where the browser goes."""

from __future__ import annotations

import uuid

import pytest

from tests.support.applications import (
    FakeCredentialsView,
    InMemoryMessageStore,
    a_site,
    cheap_passwords,
    cookie_value,
    form_value,
    header,
    page_text,
    session_cookie,
    set_cookies,
)
from tests.support.factories import an_api_request
from video_tutorials.applications import authenticate
from video_tutorials.contracts.authentication import UserLoginFailed

PASSWORD = "correct horse battery"


class CountingPasswords:
    """The cheap hasher, counting verifications (real and dummy)."""

    def __init__(self) -> None:
        self.inner = cheap_passwords()
        self.verifications = 0

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return self.inner.verify(password_hash, password)

    def verify_nothing(self, password: str) -> None:
        self.verifications += 1
        self.inner.verify_nothing(password)


@pytest.fixture
def setup():
    site = a_site()
    store = InMemoryMessageStore()
    credentials = FakeCredentialsView()
    passwords = CountingPasswords()
    app = authenticate.create_app(site, store=store, credentials=credentials, passwords=passwords)
    user = credentials.add(str(uuid.uuid4()), "ada@example.com", passwords.hash(PASSWORD))
    return app, store, site, passwords, user


def log_in(email: str = "ada@example.com", password: str = PASSWORD, next_path: str = ""):
    return an_api_request(
        "POST", "/auth/log-in", form={"email": email, "password": password, "next": next_path}
    )


def test_the_right_password_logs_in_and_sets_the_session(setup):
    app, store, site, _, user = setup

    response = app.resolve(log_in(email=" Ada@Example.com "), {})

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/"
    [logged_in] = store.read_stream(f"authentication-{user.user_id}")
    assert logged_in.type == "UserLoggedIn"
    assert logged_in.data == {"userId": user.user_id}
    assert logged_in.metadata.trace_id == header(response, "X-Trace-Id")
    [cookie] = set_cookies(response)
    session = site.sessions.read({site.sessions.name: cookie_value(cookie)})
    assert session is not None
    assert (session.user_id, session.email) == (user.user_id, "ada@example.com")


def test_an_unknown_email_is_401_nothing_written_and_a_verification_spent(setup):
    app, store, _, passwords, _ = setup

    response = app.resolve(log_in(email="nobody@example.com"), {})

    assert response["statusCode"] == 401
    assert "do not match an account" in page_text(response)
    assert store.messages() == []
    assert set_cookies(response) == []
    assert passwords.verifications == 1


def test_a_wrong_password_is_401_and_user_login_failed(setup):
    app, store, _, passwords, user = setup

    response = app.resolve(log_in(password="wrong password!"), {})

    assert response["statusCode"] == 401
    assert "do not match an account" in page_text(response)
    [failed] = store.read_stream(f"authentication-{user.user_id}")
    assert failed.type == "UserLoginFailed"
    assert failed.data == {"userId": user.user_id, "reason": "wrong password"}
    assert set_cookies(response) == []
    assert passwords.verifications == 1


def test_the_form_keeps_the_email_never_the_password(setup):
    app, _, _, _, _ = setup

    response = app.resolve(log_in(password="wrong password!"), {})

    assert form_value(response, "email") == "ada@example.com"
    assert form_value(response, "password") == ""
    assert "wrong password!" not in response["body"]


@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/creators-portal", "/Prod/creators-portal"),
        ("//evil.com", "/Prod/"),
        ("https://evil.com", "/Prod/"),
        ("/\\evil.com", "/Prod/"),
        ("", "/Prod/"),
    ],
)
def test_after_logging_in_the_browser_goes_to_next_only_if_it_is_local(setup, next_path, location):
    app, _, _, _, _ = setup

    response = app.resolve(log_in(next_path=next_path), {})

    assert header(response, "Location") == location


def test_the_log_in_form_keeps_a_local_next_and_drops_a_foreign_one(setup):
    app, _, _, _, _ = setup

    local = app.resolve(an_api_request("GET", "/auth/log-in", query={"next": "/videos"}), {})
    foreign = app.resolve(an_api_request("GET", "/auth/log-in", query={"next": "//evil.com"}), {})

    assert form_value(local, "next") == "/videos"
    assert form_value(foreign, "next") == ""


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_logging_out_clears_the_cookie_and_goes_home(setup, method):
    app, store, site, _, user = setup
    cookies = session_cookie(site, user.user_id, "ada@example.com")

    response = app.resolve(an_api_request(method, "/auth/log-out", cookies=cookies), {})

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/"
    [cookie] = set_cookies(response)
    assert cookie.startswith(f"{site.sessions.name}=;")
    assert "Max-Age=0" in cookie
    assert store.messages() == []


def test_the_log_in_page_of_a_logged_in_user_says_who_they_are(setup):
    app, _, site, _, user = setup
    cookies = session_cookie(site, user.user_id, "ada@example.com")

    response = app.resolve(an_api_request("GET", "/auth/log-in", cookies=cookies), {})

    assert "Signed in as ada@example.com" in page_text(response)


def test_other_pages_under_auth_are_the_sites_404(setup):
    app, _, _, _, _ = setup

    response = app.resolve(an_api_request("GET", "/auth/elsewhere"), {})

    assert response["statusCode"] == 404


def test_a_store_outage_while_logging_in_is_a_503_without_a_session(setup):
    app, store, _, _, _ = setup
    store.unavailable = True

    response = app.resolve(log_in(), {})

    assert response["statusCode"] == 503
    assert set_cookies(response) == []


class WatchedStore(InMemoryMessageStore):
    """The store, noting each write's expected version; ``cut_in`` appends another instance's
    message just before the first write that expects a version (it then conflicts)."""

    def __init__(self, *, cut_in: bool = False) -> None:
        super().__init__()
        self.expected: list[int | None] = []
        self.cut_in = cut_in

    def write(self, stream_name, message, expected_version=None):
        self.expected.append(expected_version)
        if self.cut_in and expected_version is not None:
            self.cut_in = False
            other = UserLoginFailed(user_id=message.data["userId"], reason="wrong password")
            super().write(stream_name, other.to_message())
        return super().write(stream_name, message, expected_version)


def watched_setup(store: WatchedStore):
    credentials = FakeCredentialsView()
    passwords = CountingPasswords()
    app = authenticate.create_app(
        a_site(), store=store, credentials=credentials, passwords=passwords
    )
    user = credentials.add(str(uuid.uuid4()), "ada@example.com", passwords.hash(PASSWORD))
    return app, user


def test_a_log_in_is_written_right_after_the_newest_message_its_lock_check_read():
    store = WatchedStore()
    app, user = watched_setup(store)

    assert app.resolve(log_in(password="wrong password!"), {})["statusCode"] == 401
    assert app.resolve(log_in(), {})["statusCode"] == 303

    # the store knows where the stream ends from the lock check: no query before the put
    assert store.expected == [-1, 0]
    failed, logged_in = store.read_stream(f"authentication-{user.user_id}")
    assert (failed.type, logged_in.type) == ("UserLoginFailed", "UserLoggedIn")


def test_a_message_written_meanwhile_by_another_instance_does_not_lose_the_log_in():
    store = WatchedStore(cut_in=True)
    app, user = watched_setup(store)

    assert app.resolve(log_in(), {})["statusCode"] == 303

    assert store.expected == [-1, None]  # the conflict, then at the end
    other, logged_in = store.read_stream(f"authentication-{user.user_id}")
    assert (other.type, logged_in.type) == ("UserLoginFailed", "UserLoggedIn")
