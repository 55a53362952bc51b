"""The home function on moto: the page from the view, viewings written to the store."""

from __future__ import annotations

import uuid

import pytest

from tests.support.applications import header, page_text
from tests.support.factories import an_api_request
from video_tutorials.contracts.viewing import viewing_stream

VIDEO_ID = "6f0b2c1e-8d4a-4b7e-9c3f-2a1d5e6f7a8b"


def test_the_home_page_shows_what_the_view_holds(home_function, seed_video):
    seed_video(VIDEO_ID, 3, name="Event sourcing in 10 minutes")
    seed_video(str(uuid.uuid4()), 1)

    response = home_function(an_api_request("GET", "/"))

    assert response["statusCode"] == 200
    text = page_text(response)
    assert "Viewers have watched 4 videos" in text
    assert "Event sourcing in 10 minutes 3 views" in text
    assert "Untitled 1 view" in text


def test_an_empty_site_has_a_friendly_home_page(home_function):
    response = home_function(an_api_request("GET", "/"))

    assert response["statusCode"] == 200
    assert "Viewers have watched 0 videos" in page_text(response)
    assert "No videos yet" in page_text(response)


def test_recording_a_viewing_appends_video_viewed(home_function, store, seed_video):
    seed_video(VIDEO_ID, 0)
    first = home_function(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"))
    second = home_function(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"))

    assert (first["statusCode"], second["statusCode"]) == (303, 303)
    assert header(first, "Location") == "/Prod/"
    # two visitors, each in their own request's shard of the video
    messages = [
        m
        for response in (first, second)
        for m in store.read_stream(viewing_stream(VIDEO_ID, header(response, "X-Trace-Id")))
    ]
    assert [m.type for m in messages] == ["VideoViewed", "VideoViewed"]
    assert [m.metadata.trace_id for m in messages] == [
        header(first, "X-Trace-Id"),
        header(second, "X-Trace-Id"),
    ]


@pytest.mark.parametrize("video_id", ["not-a-uuid", "12345", "6f0b2c1e-8d4a-4b7e-9c3f"])
def test_a_video_id_that_is_not_a_uuid_is_400_and_nothing_is_written(
    home_function, message_count, video_id
):
    response = home_function(an_api_request("POST", f"/record-viewing/{video_id}"))

    assert response["statusCode"] == 400
    assert "“videoId” must be a UUID" in page_text(response)
    assert message_count() == 0


def test_a_foreign_origin_is_403_and_nothing_is_written(home_function, message_count):
    response = home_function(
        an_api_request("POST", f"/record-viewing/{VIDEO_ID}", origin="https://evil.com")
    )

    assert response["statusCode"] == 403
    assert "sent from another site" in page_text(response)
    assert message_count() == 0


def test_an_oversized_body_is_413_and_nothing_is_written(home_function, message_count):
    response = home_function(
        an_api_request("POST", f"/record-viewing/{VIDEO_ID}", form={"pad": "x" * 20_000})
    )

    assert response["statusCode"] == 413
    assert "too large" in page_text(response)
    assert message_count() == 0


@pytest.mark.parametrize(("base_path", "expected"), [("/Prod", "/Prod/"), ("", "/")])
def test_links_and_redirects_follow_the_base_path(home_function, seed_video, base_path, expected):
    seed_video(VIDEO_ID, 1)

    page = home_function(an_api_request("GET", "/", base_path=base_path))
    posted = home_function(
        an_api_request("POST", f"/record-viewing/{VIDEO_ID}", base_path=base_path)
    )

    assert f'action="{base_path}/record-viewing/{VIDEO_ID}"' in page["body"]
    assert f'href="{base_path}/register"' in page["body"]
    assert header(posted, "Location") == expected


def test_a_viewing_of_a_video_that_is_not_published_is_404_and_writes_nothing(
    home_function, message_count
):
    response = home_function(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"))

    assert response["statusCode"] == 404
    assert message_count() == 0
