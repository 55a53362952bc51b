"""home (with fakes): the page from the view, and VideoViewed with the request's trace and user."""

from __future__ import annotations

import uuid

from tests.support.applications import (
    FakeHomePageView,
    InMemoryMessageStore,
    a_site,
    header,
    page_text,
    session_cookie,
)
from tests.support.factories import an_api_request
from video_tutorials.applications import home
from video_tutorials.contracts.viewing import SHARDS, viewing_shard, viewing_stream
from video_tutorials.views.home_page import VideoSummary

VIDEO_ID = "6f0b2c1e-8d4a-4b7e-9c3f-2a1d5e6f7a8b"


def a_published_video() -> FakeHomePageView:
    return FakeHomePageView(0, [VideoSummary(video_id=VIDEO_ID, published=True, name="Intro")])


def a_home(view: FakeHomePageView | None = None):
    site = a_site()
    store = InMemoryMessageStore()
    app = home.create_app(site, store=store, home_page=view or a_published_video())
    return app, store, site


def test_the_home_page_shows_the_total_and_the_videos():
    view = FakeHomePageView(5, [VideoSummary(video_id=VIDEO_ID, views=5, name="Intro")])
    app, _, _ = a_home(view)

    response = app.resolve(an_api_request("GET", "/"), {})

    assert response["statusCode"] == 200
    text = page_text(response)
    assert "Viewers have watched 5 videos" in text
    assert "Intro 5 views" in text
    assert f'action="/Prod/record-viewing/{VIDEO_ID}"' in response["body"]


def test_recording_a_viewing_writes_video_viewed_and_goes_home():
    app, store, _ = a_home()

    response = app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"), {})

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/"
    # an anonymous viewer's shard: the request's own (its trace id)
    trace_id = header(response, "X-Trace-Id")
    [viewed] = store.read_stream(viewing_stream(VIDEO_ID, trace_id))
    assert viewed.type == "VideoViewed"
    assert viewed.data == {"videoId": VIDEO_ID}
    assert viewed.metadata.trace_id == header(response, "X-Trace-Id")
    assert viewed.metadata.user_id is None


def test_a_logged_in_viewer_is_in_the_data_and_the_metadata():
    app, store, site = a_home()
    user_id = str(uuid.uuid4())
    cookies = session_cookie(site, user_id, "ada@example.com")

    app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}", cookies=cookies), {})

    [viewed] = store.read_stream(viewing_stream(VIDEO_ID, user_id))
    assert viewed.data == {"userId": user_id, "videoId": VIDEO_ID}
    assert viewed.metadata.user_id == user_id


def test_a_users_viewings_of_a_video_share_one_stream_in_order_and_others_spread():
    app, store, site = a_home()
    users = [str(uuid.uuid4()) for _ in range(40)]
    for user_id in [users[0], *users, users[0]]:
        cookies = session_cookie(site, user_id, "ada@example.com")
        app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}", cookies=cookies), {})

    mine = store.read_stream(viewing_stream(VIDEO_ID, users[0]))
    assert [m.data["userId"] for m in mine if m.data["userId"] == users[0]] == [users[0]] * 3
    shards = {viewing_shard(user_id) for user_id in users}
    assert set(store.streams) == {f"viewing-{VIDEO_ID}+{shard}" for shard in shards}
    assert len(shards) > 20  # 40 viewers over 128 shards: spread, not one hot stream
    assert all(0 <= shard < SHARDS for shard in shards)


def test_a_tampered_session_cookie_records_an_anonymous_viewing():
    app, store, site = a_home()
    cookies = session_cookie(site, str(uuid.uuid4()), "ada@example.com")
    cookies = {name: value[:-2] + "AA" for name, value in cookies.items()}

    app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}", cookies=cookies), {})

    [stream] = store.streams
    [viewed] = store.read_stream(stream)
    assert viewed.metadata.user_id is None


def test_video_ids_are_written_in_canonical_form():
    app, store, _ = a_home()

    app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID.upper()}"), {})

    [stream] = store.streams
    assert stream.startswith(f"viewing-{VIDEO_ID}+")


def test_a_view_outage_is_a_503_page():
    view = FakeHomePageView()
    view.unavailable = True
    app, _, _ = a_home(view)

    response = app.resolve(an_api_request("GET", "/"), {})

    assert response["statusCode"] == 503
    assert "try again in a moment" in page_text(response)


def test_a_store_outage_is_a_503_page():
    app, store, _ = a_home()
    store.unavailable = True

    response = app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"), {})

    assert response["statusCode"] == 503


def test_a_viewing_of_a_video_that_is_not_published_is_a_404_and_writes_nothing():
    """Anyone could put "Untitled" cards on the home page by posting viewings of random ids."""
    unpublished = str(uuid.uuid4())
    view = FakeHomePageView(0, [VideoSummary(video_id=unpublished, views=2, published=False)])
    app, store, _ = a_home(view)

    for video_id in (unpublished, str(uuid.uuid4())):
        response = app.resolve(an_api_request("POST", f"/record-viewing/{video_id}"), {})
        assert response["statusCode"] == 404
        assert "no published video" in page_text(response)
    assert store.messages() == []


def test_the_next_page_starts_after_the_last_video_shown():
    after = str(uuid.uuid4())
    fake = FakeHomePageView(0, [])
    app, _, _ = a_home(fake)

    assert app.resolve(an_api_request("GET", "/", query={"after": after}), {})["statusCode"] == 200
    assert fake.afters == [after]
    assert app.resolve(an_api_request("GET", "/", query={"after": "x"}), {})["statusCode"] == 400


class CountingView(FakeHomePageView):
    """A page of ``shown`` videos; ``get`` finds any of ``catalogue``, counting the reads."""

    def __init__(self, shown: list[VideoSummary], catalogue: list[VideoSummary]) -> None:
        super().__init__(0, shown)
        self.catalogue = {v.video_id: v for v in catalogue}
        self.gets: list[str] = []

    def get(self, key):
        self.gets.append(key)
        return self.catalogue.get(key)


def test_a_video_seen_published_is_viewed_again_without_reading_the_view():
    """A viral video's viewings do not each read its item: an instance remembers what it saw
    published — on a page it showed, or read for an earlier viewing."""
    shown = VideoSummary(video_id=VIDEO_ID, published=True, name="Intro")
    other = VideoSummary(video_id=str(uuid.uuid4()), published=True, name="More")
    view = CountingView([shown], [shown, other])
    app, store, _ = a_home(view)

    assert app.resolve(an_api_request("GET", "/"), {})["statusCode"] == 200
    for video in (shown, shown, other, other, other):
        response = app.resolve(an_api_request("POST", f"/record-viewing/{video.video_id}"), {})
        assert response["statusCode"] == 303

    assert view.gets == [other.video_id]  # the one on the page never; the other once
    assert len(store.messages()) == 5


def test_a_video_not_yet_published_is_asked_again_and_counted_once_it_is():
    """Only "published" is remembered: a video refused before it was published is read again."""
    view = CountingView([], [VideoSummary(video_id=VIDEO_ID, published=False)])
    app, store, _ = a_home(view)

    refused = app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"), {})
    view.catalogue[VIDEO_ID] = VideoSummary(video_id=VIDEO_ID, published=True)
    accepted = app.resolve(an_api_request("POST", f"/record-viewing/{VIDEO_ID}"), {})

    assert (refused["statusCode"], accepted["statusCode"]) == (404, 303)
    assert view.gets == [VIDEO_ID, VIDEO_ID]
    assert len(store.messages()) == 1


def test_published_videos_are_remembered_up_to_a_limit_the_latest_seen_kept():
    view = CountingView([], [VideoSummary(video_id=v, published=True) for v in "abc"])
    known = home.PublishedVideos(view, limit=2)

    known.seen(["a", "b"])
    assert known.is_published("a")  # remembered: now the latest seen
    known.seen(["c"])  # "b", the least recently seen, is forgotten

    assert known.is_published("a")
    assert known.is_published("c")
    assert view.gets == []
    assert known.is_published("b")
    assert view.gets == ["b"]
