"""authenticate (with fakes): too many failed log-ins lock an account — 429 with
``Retry-After``, the password not even checked (right or wrong), until the window has passed
since the oldest of the failures; derived from the ``UserLoginFailed`` events alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.support.applications import (
    FakeCredentialsView,
    FixedClock,
    InMemoryMessageStore,
    a_site,
    header,
    page_text,
    set_cookies,
)
from tests.support.factories import an_api_request
from tests.unit.applications.test_authenticate_app import CountingPasswords
from video_tutorials.applications import authenticate
from video_tutorials.applications.site import Site
from video_tutorials.log_in_limits import LogInLimits, in_words, retry_after
from video_tutorials.settings import AuthenticateSettings

PASSWORD = "correct horse battery"
WRONG = "not the password"
WINDOW = timedelta(minutes=15)


class World:
    """The authenticate app on fakes, one registered user, and a clock the test moves."""

    def __init__(self, limits: LogInLimits | None = None) -> None:
        self.clock = FixedClock()
        self.site = a_site(clock=self.clock, log_in_limits=limits)
        self.store = InMemoryMessageStore(clock=self.clock)
        self.credentials = FakeCredentialsView()
        self.passwords = CountingPasswords()
        self.app = authenticate.create_app(
            self.site,
            store=self.store,
            credentials=self.credentials,
            passwords=self.passwords,
            clock=self.clock,
        )
        self.user_id = str(uuid.uuid4())
        self.credentials.add(self.user_id, "ada@example.com", self.passwords.hash(PASSWORD))

    def log_in(self, password: str = PASSWORD, email: str = "ada@example.com") -> dict:
        event = an_api_request("POST", "/auth/log-in", form={"email": email, "password": password})
        return self.app.resolve(event, {})

    def later(self, **delta: float) -> None:
        self.clock.now += timedelta(**delta)

    def types(self) -> list[str]:
        return [m.type for m in self.store.read_stream(f"authentication-{self.user_id}")]


@pytest.fixture
def world() -> World:
    return World()


def fail(world: World, times: int, every: timedelta = timedelta(0)) -> None:
    for _ in range(times):
        assert world.log_in(WRONG)["statusCode"] == 401
        world.clock.now += every


def test_after_five_failures_even_the_right_password_is_429_with_retry_after_unchecked(world):
    fail(world, 5)
    checked = world.passwords.verifications

    response = world.log_in(PASSWORD)

    assert response["statusCode"] == 429
    assert header(response, "Retry-After") == str(15 * 60)
    assert "too many failed log-ins" in page_text(response)
    assert "paused for 15 minutes" in page_text(response)
    assert world.passwords.verifications == checked  # argon2 not run while locked
    assert set_cookies(response) == []
    assert world.types() == ["UserLoginFailed"] * 5  # no UserLoggedIn, nothing more written


def test_a_wrong_password_while_locked_is_429_and_writes_nothing(world):
    fail(world, 5)
    checked = world.passwords.verifications

    for _ in range(3):
        assert world.log_in(WRONG)["statusCode"] == 429

    assert world.passwords.verifications == checked
    assert world.types() == ["UserLoginFailed"] * 5


def test_four_failures_do_not_lock(world):
    fail(world, 4)

    assert world.log_in(PASSWORD)["statusCode"] == 303


def test_retry_after_counts_from_the_oldest_of_the_failures(world):
    fail(world, 5, every=timedelta(minutes=1))  # at 0, 1, 2, 3, 4 minutes; now 5

    response = world.log_in(PASSWORD)

    assert response["statusCode"] == 429
    assert header(response, "Retry-After") == str(10 * 60)


def test_once_the_window_has_passed_the_right_password_logs_in(world):
    fail(world, 5)
    world.later(seconds=15 * 60 - 1)
    assert world.log_in(PASSWORD)["statusCode"] == 429
    assert header(world.log_in(PASSWORD), "Retry-After") == "1"

    world.later(seconds=1)
    response = world.log_in(PASSWORD)

    assert response["statusCode"] == 303
    assert world.types() == ["UserLoginFailed"] * 5 + ["UserLoggedIn"]


def test_the_window_slides_one_more_failure_locks_again_until_the_next_oldest_passes(world):
    fail(world, 5, every=timedelta(minutes=1))  # at 0..4 minutes; now 5
    world.later(minutes=10)  # 15 minutes after the first failure: unlocked

    assert world.log_in(WRONG)["statusCode"] == 401  # checked: failures at 1..4 and now
    response = world.log_in(PASSWORD)

    assert response["statusCode"] == 429
    assert header(response, "Retry-After") == str(60)  # until the failure at 1 min + 15


def test_a_successful_log_in_starts_the_count_again(world):
    fail(world, 4)
    assert world.log_in(PASSWORD)["statusCode"] == 303
    fail(world, 4)

    assert world.log_in(PASSWORD)["statusCode"] == 303


def test_the_lock_is_per_account(world):
    fail(world, 5)
    other = str(uuid.uuid4())
    world.credentials.add(other, "bob@example.com", world.passwords.hash(PASSWORD))

    assert world.log_in(PASSWORD, email="bob@example.com")["statusCode"] == 303


def test_an_account_whose_last_message_is_a_log_in_costs_one_read(world):
    assert world.log_in(PASSWORD)["statusCode"] == 303
    world.store.reads = 0

    assert world.log_in(PASSWORD)["statusCode"] == 303

    assert world.store.reads == 1


def test_an_unknown_email_reads_nothing_and_is_never_locked(world):
    for _ in range(7):
        assert world.log_in(email="nobody@example.com")["statusCode"] == 401

    assert world.store.reads == 0
    assert world.store.messages() == []


def test_the_limits_come_from_the_site():
    world = World(LogInLimits(failures=2, window=timedelta(seconds=30)))
    fail(world, 2)

    response = world.log_in(PASSWORD)

    assert response["statusCode"] == 429
    assert header(response, "Retry-After") == "30"
    assert "paused for 30 seconds" in page_text(response)


def test_a_store_outage_while_checking_the_lock_is_503_and_nothing_verified(world):
    world.store.unavailable = True

    response = world.log_in(PASSWORD)

    assert response["statusCode"] == 503
    assert world.passwords.verifications == 0


# -- the settings -------------------------------------------------------------------------------


def test_the_limits_are_settings_of_the_applications():
    environment = {
        "MESSAGE_STORE_TABLE": "messages",
        "USER_CREDENTIALS_VIEW_TABLE": "credentials",
        "SESSION_SECRET": "s" * 40,
        "LOG_IN_FAILURES_ALLOWED": "3",
        "LOG_IN_LOCK_SECONDS": "120",
    }

    site = Site.from_settings(AuthenticateSettings.from_environment(environment))

    assert site.log_in_limits == LogInLimits(failures=3, window=timedelta(minutes=2))
    defaults = AuthenticateSettings.from_environment(
        {k: v for k, v in environment.items() if not k.startswith("LOG_IN")}
    )
    assert defaults.log_in_limits == LogInLimits(failures=5, window=WINDOW)


@pytest.mark.parametrize(
    ("name", "value"), [("LOG_IN_FAILURES_ALLOWED", "0"), ("LOG_IN_LOCK_SECONDS", "0")]
)
def test_limits_that_could_not_lock_or_never_end_are_refused(name, value):
    environment = {"MESSAGE_STORE_TABLE": "m", "USER_CREDENTIALS_VIEW_TABLE": "c", name: value}

    with pytest.raises(ValidationError):
        AuthenticateSettings.from_environment(environment)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (59, "59 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_the_wait_in_words(seconds, words):
    assert in_words(seconds) == words


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one():
    now = FixedClock().now

    assert retry_after(now + timedelta(seconds=1.2), now) == 2
    assert retry_after(now, now) == 1
