"""Read your own writes (with fakes): a POST's write travels, signed, to the next page, which
waits for its view item — and never shows the state from before the user's own action."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.support.applications import (
    FakeCredentialsView,
    FakeHomePageView,
    FixedClock,
    InMemoryMessageStore,
    a_site,
    cheap_passwords,
    cookie_attributes,
    cookie_value,
    header,
    page_text,
    set_cookies,
    written_cookie,
)
from tests.support.factories import an_api_request
from video_tutorials.applications import authenticate, home, register_users
from video_tutorials.contracts.viewing import viewing_stream
from video_tutorials.views.home_page import VideoSummary
from webglue import TokenSigner, Written, WrittenCookies, wait_until

VIDEO_ID = "6f0b2c1e-8d4a-4b7e-9c3f-2a1d5e6f7a8b"
VIEWING = viewing_stream(VIDEO_ID, "a viewer")  # viewing-{videoId}+{shard}
PASSWORD = "correct horse battery"


def a_home(clock=None):
    site = a_site(clock=clock)
    view = FakeHomePageView(
        3, [VideoSummary(video_id=VIDEO_ID, views=3, name="Intro", published=True)]
    )
    app = home.create_app(site, store=InMemoryMessageStore(), home_page=view)
    return app, view, site


def written_set_cookie(site, response):
    found = [c for c in set_cookies(response) if c.startswith(f"{site.written.name}=")]
    return found[0] if found else None


def test_recording_a_viewing_sends_its_position_to_the_home_page_signed():
    app, _, site = a_home()

    response = app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"), {})

    cookie = written_set_cookie(site, response)
    assert cookie is not None
    assert {"HttpOnly", "Secure", "Path"} <= set(cookie_attributes(cookie))
    assert cookie_attributes(cookie)["SameSite"] == "Lax"
    token = cookie_value(cookie)
    trace_id = header(response, "X-Trace-Id")
    assert site.written.read({site.written.name: token}) == Written(
        viewing_stream(VIDEO_ID, trace_id), 0
    )


def test_the_home_page_waits_for_the_viewing_then_shows_it_and_forgets_the_write():
    app, view, site = a_home()
    view.apply(VIDEO_ID, VIEWING, 4)
    view.confirmed_views[VIDEO_ID] = 4  # the page itself still has 3: it lags

    response = app.resolve(an_api_request("GET", "/", cookies=written_cookie(site, VIEWING, 4)), {})

    assert response["statusCode"] == 200
    assert "on its way" not in page_text(response)
    assert 'http-equiv="refresh"' not in response["body"]
    assert "Viewers have watched 4 videos" in page_text(response)  # the viewer's one counted
    assert cookie_attributes(written_set_cookie(site, response))["Max-Age"] == "0"


def test_past_the_bound_the_page_says_the_change_is_on_its_way_and_refreshes():
    app, view, site = a_home()
    view.apply(VIDEO_ID, VIEWING, 3)  # the view is one viewing behind

    response = app.resolve(an_api_request("GET", "/", cookies=written_cookie(site, VIEWING, 4)), {})

    assert response["statusCode"] == 200
    assert "Your change is on its way" in page_text(response)
    assert '<meta http-equiv="refresh" content="1">' in response["body"]
    assert view.checks > 1  # it waited, reading the item again
    assert written_set_cookie(site, response) is None  # kept for the refreshed page


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "v1.e30." + token.rsplit(".", 1)[1],
        lambda token: "not a token",
        lambda token: "x" * 5000,
    ],
)
def test_a_tampered_write_is_ignored_and_the_page_renders_normally(tamper):
    app, view, site = a_home()
    token = written_cookie(site, VIEWING, 4)[site.written.name]

    response = app.resolve(
        an_api_request("GET", "/", cookies={site.written.name: tamper(token)}), {}
    )

    assert response["statusCode"] == 200
    assert "Viewers have watched 3 videos" in page_text(response)
    assert view.checks == 0


def test_a_stale_write_is_ignored():
    clock = FixedClock()
    app, view, site = a_home(clock)
    cookies = written_cookie(site, VIEWING, 4)
    clock.now += timedelta(minutes=3)

    response = app.resolve(an_api_request("GET", "/", cookies=cookies), {})

    assert response["statusCode"] == 200
    assert view.checks == 0
    assert "on its way" not in page_text(response)


def test_a_session_token_is_no_write_and_a_write_is_no_session():
    site = a_site()
    session = site.sessions.signer.sign(
        site.sessions.read(
            {site.sessions.name: cookie_value(str(site.sessions.issue("u", "a@example.com")))}
        )
    )
    assert site.written.read({site.written.name: session}) is None
    write = written_cookie(site, VIEWING, 1)[site.written.name]
    assert site.sessions.read({site.sessions.name: write}) is None


def test_the_home_page_leaves_another_pages_write_alone():
    app, view, site = a_home()
    cookies = written_cookie(site, f"identity:command-{uuid.uuid4()}", 0)

    response = app.resolve(an_api_request("GET", "/", cookies=cookies), {})

    assert view.checks == 0
    assert written_set_cookie(site, response) is None


# -- register → registration complete → log in -------------------------------------------------


def a_registration():
    site = a_site()
    credentials = FakeCredentialsView()
    register = register_users.create_app(
        site, store=InMemoryMessageStore(), credentials=credentials, passwords=cheap_passwords()
    )
    log_in = authenticate.create_app(
        site, store=InMemoryMessageStore(), credentials=credentials, passwords=cheap_passwords()
    )
    return site, credentials, register, log_in


def registered(site, register, email="ada@example.com"):
    user_id = str(uuid.uuid4())
    response = register.resolve(
        an_api_request(
            "POST", "/register", form={"id": user_id, "email": email, "password": PASSWORD}
        ),
        {},
    )
    assert response["statusCode"] == 303
    return user_id, {site.written.name: cookie_value(written_set_cookie(site, response))}


def test_registration_complete_waits_until_the_account_is_ready():
    site, credentials, register, _ = a_registration()
    user_id, cookies = registered(site, register)
    credentials.add(user_id, "ada@example.com", cheap_passwords().hash(PASSWORD), indexed=False)

    response = register.resolve(
        an_api_request("GET", "/register/registration-complete", cookies=cookies), {}
    )

    assert response["statusCode"] == 200
    assert "Your account is ready" in page_text(response)
    assert written_set_cookie(site, response) is None  # the log-in still needs it


def test_registration_complete_says_so_when_the_email_was_taken_meanwhile():
    site, credentials, register, _ = a_registration()
    user_id, cookies = registered(site, register)
    credentials.reject(user_id)

    response = register.resolve(
        an_api_request("GET", "/register/registration-complete", cookies=cookies), {}
    )

    assert response["statusCode"] == 409
    assert "That email address was just taken" in page_text(response)
    assert cookie_attributes(written_set_cookie(site, response))["Max-Age"] == "0"


def test_registration_complete_refreshes_itself_while_the_account_is_set_up():
    site, _, register, _ = a_registration()
    _, cookies = registered(site, register)

    response = register.resolve(
        an_api_request("GET", "/register/registration-complete", cookies=cookies), {}
    )

    assert response["statusCode"] == 200
    assert "Your change is on its way" in page_text(response)
    assert '<meta http-equiv="refresh" content="1">' in response["body"]


def test_logging_in_right_after_registering_works_before_the_email_index_has_the_user():
    site, credentials, register, log_in = a_registration()
    user_id, cookies = registered(site, register)
    credentials.add(user_id, "ada@example.com", cheap_passwords().hash(PASSWORD), indexed=False)

    response = log_in.resolve(
        an_api_request(
            "POST",
            "/auth/log-in",
            form={"email": "Ada@Example.com", "password": PASSWORD},
            cookies=cookies,
        ),
        {},
    )

    assert response["statusCode"] == 303
    assert any(c.startswith(f"{site.sessions.name}=") for c in set_cookies(response))
    assert cookie_attributes(written_set_cookie(site, response))["Max-Age"] == "0"


def test_without_the_registration_the_index_alone_decides():
    _, credentials, _, log_in = a_registration()
    user_id = str(uuid.uuid4())
    credentials.add(user_id, "ada@example.com", cheap_passwords().hash(PASSWORD), indexed=False)

    response = log_in.resolve(
        an_api_request(
            "POST", "/auth/log-in", form={"email": "ada@example.com", "password": PASSWORD}
        ),
        {},
    )

    assert response["statusCode"] == 401


def test_another_users_registration_does_not_log_anyone_in():
    site, credentials, register, log_in = a_registration()
    user_id, cookies = registered(site, register, "ada@example.com")
    credentials.add(user_id, "ada@example.com", cheap_passwords().hash(PASSWORD), indexed=False)

    response = log_in.resolve(
        an_api_request(
            "POST",
            "/auth/log-in",
            form={"email": "grace@example.com", "password": PASSWORD},
            cookies=cookies,
        ),
        {},
    )

    assert response["statusCode"] == 401


# -- the bounded wait ----------------------------------------------------------------------------


def test_the_wait_reads_quickly_at_first_and_stops_at_its_bound():
    now = [0.0]
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        now[0] += seconds

    assert not wait_until(lambda: False, timeout=1.0, clock=lambda: now[0], sleep=sleep)
    assert pauses[:5] == [0.005, 0.01, 0.02, 0.04, 0.08]
    assert max(pauses) <= 0.1
    assert sum(pauses) == pytest.approx(1.0)


def test_the_wait_returns_as_soon_as_the_view_has_applied_the_write():
    answers = iter([False, False, True])
    assert wait_until(lambda: next(answers), timeout=1.0, sleep=lambda _s: None)


def test_written_cookies_refuse_negative_positions():
    signer = TokenSigner(lambda: b"s" * 32, purpose="written")
    cookies = WrittenCookies(signer, secure=False)
    forged = signer.sign({"s": VIEWING, "p": -1}, lifetime=timedelta(minutes=1))
    assert cookies.read({"written": forged}) is None
    assert cookies.name == "written"
