"""Every sample event of events/ replayed through its function: what `sam local invoke -e` gets."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.support.applications import ROOT, header, load_event
from video_tutorials.contracts.viewing import viewing_stream

SAMPLE_VIDEO = "6f0b2c1e-8d4a-4b7e-9c3f-2a1d5e6f7a8b"  # the video of home/record-viewing.json

# (function, event, status, Location) — one row per file of events/<function>/
SAMPLES = [
    ("home", "home-page", 200, None),
    ("home", "record-viewing", 303, "/Prod/"),
    ("register_users", "registration-form", 200, None),
    ("register_users", "register", 303, "/Prod/register/registration-complete"),
    ("register_users", "registration-complete", 200, None),
    ("authenticate", "log-in-form", 200, None),
    ("authenticate", "log-in", 303, "/Prod/"),
    ("authenticate", "log-out", 303, "/Prod/"),
    ("authenticate", "log-out-link", 303, "/Prod/"),
    # without a session, the portal sends the browser to log in (and back)
    ("creators_portal", "dashboard", 303, "/Prod/auth/log-in?next=/creators-portal"),
    (
        "creators_portal",
        "video-page",
        303,
        f"/Prod/auth/log-in?next=/creators-portal/videos/{SAMPLE_VIDEO}",
    ),
    # the admin pages too
    ("admin", "users", 303, "/Prod/auth/log-in?next=/admin/users"),
]


def test_every_sample_event_has_a_row():
    files = {
        (path.parent.name, path.stem)
        for function in ("home", "register_users", "authenticate", "creators_portal", "admin")
        for path in (ROOT / "events" / function).glob("*.json")
    }

    assert files == {(function, event) for function, event, _, _ in SAMPLES}


@pytest.mark.parametrize(("function", "event", "status", "location"), SAMPLES)
def test_a_sample_event_gets_its_answer(
    request, seed_credentials, seed_video, function, event, status, location
):
    seed_video(SAMPLE_VIDEO, 1, "Intro")
    seed_credentials(
        "3c8f1b2a-6d4e-4f5a-8b7c-9d0e1f2a3b4c",
        "ada@example.com",
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse battery"),
    )
    invoke = request.getfixturevalue(f"{function}_function")

    response = invoke(load_event(function, event))

    assert response["statusCode"] == status
    assert header(response, "Location") == location
    assert header(response, "Content-Type") == "text/html; charset=utf-8"


def test_the_sample_writes_land_in_their_streams(
    home_function,
    register_users_function,
    authenticate_function,
    seed_credentials,
    seed_video,
    store,
):
    seed_video(SAMPLE_VIDEO, 0)
    user_id = "3c8f1b2a-6d4e-4f5a-8b7c-9d0e1f2a3b4c"
    registering = "8e2d4c6a-1b3f-4a5e-9d7c-0f1e2d3c4b5a"
    seed_credentials(
        user_id,
        "ada@example.com",
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse battery"),
    )

    viewed = home_function(load_event("home", "record-viewing"))
    register_users_function(load_event("register_users", "register"))
    authenticate_function(load_event("authenticate", "log-in"))

    stream = viewing_stream(SAMPLE_VIDEO, header(viewed, "X-Trace-Id"))  # an anonymous visitor
    assert [m.type for m in store.read_stream(stream)] == ["VideoViewed"]
    assert [m.type for m in store.read_stream(f"identity:command-{registering}")] == ["Register"]
    assert [m.type for m in store.read_stream(f"authentication-{user_id}")] == ["UserLoggedIn"]
