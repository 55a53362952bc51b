"""home (with fakes): pages shown from an instance's copy for ``copy_seconds``, and the
viewer's own viewing counted over the copy from their stream's confirmation."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from tests.support.applications import (
    FakeHomePageView,
    FixedClock,
    InMemoryMessageStore,
    a_site,
    cookie_value,
    page_text,
    set_cookies,
    written_cookie,
)
from tests.support.factories import an_api_request
from video_tutorials.applications import home
from video_tutorials.contracts.viewing import viewing_stream
from video_tutorials.views.home_page import HomePage, VideoSummary

VIDEO_ID = "6f0b2c1e-8d4a-4b7e-9c3f-2a1d5e6f7a8b"
VIEWING = viewing_stream(VIDEO_ID, "a viewer")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def a_home(view: FakeHomePageView, seconds: float = 2.0):
    clock = Clock()
    site = a_site()
    app = home.create_app(
        site, store=InMemoryMessageStore(), home_page=view, copy_seconds=seconds, clock=clock
    )
    return app, site, clock


def a_view(views: int = 3) -> FakeHomePageView:
    return FakeHomePageView(
        views, [VideoSummary(video_id=VIDEO_ID, views=views, name="Intro", published=True)]
    )


def get(app, site=None, cookies=None, query=None) -> str:
    response = app.resolve(an_api_request("GET", "/", cookies=cookies, query=query), {})
    assert response["statusCode"] == 200
    return page_text(response)


def others_viewed(view: FakeHomePageView, views: int) -> None:
    """Other viewers' viewings, applied to the view: the total and the video at ``views``."""
    view.page = HomePage(views, [replace(view.page.videos[0], views=views)])


def test_a_page_is_read_once_per_period_and_shows_others_viewings_after_it():
    view = a_view(3)
    app, _, clock = a_home(view, seconds=2.0)

    assert "Viewers have watched 3 videos" in get(app)
    others_viewed(view, 5)
    clock.now += 1.9
    assert "Viewers have watched 3 videos" in get(app)  # the copy: others' up to 2 s late
    assert len(view.afters) == 1
    clock.now += 0.1
    assert "Viewers have watched 5 videos" in get(app)
    assert len(view.afters) == 2


def test_without_a_period_every_page_is_read():
    view = a_view(3)
    app, _, _ = a_home(view, seconds=0.0)

    get(app)
    others_viewed(view, 4)
    assert "Viewers have watched 4 videos" in get(app)
    assert len(view.afters) == 2


def test_each_page_has_a_copy_of_its_own():
    view = a_view(3)
    app, _, _ = a_home(view)
    after = str(uuid.uuid4())

    get(app)
    get(app, query={"after": after})
    get(app)
    get(app, query={"after": after})

    assert view.afters == [None, after]


def test_the_viewers_own_viewing_is_counted_over_a_copy_that_lacks_it():
    view = a_view(3)
    app, site, _ = a_home(view)
    get(app)  # the instance's copy: 3
    view.apply(VIDEO_ID, VIEWING, 0)
    view.confirmed_views[VIDEO_ID] = 5  # another viewing and the viewer's, applied since

    text = get(app, cookies=written_cookie(site, VIEWING, 0))

    assert "Viewers have watched 5 videos" in text
    assert "Intro 5 views" in text
    assert "on its way" not in text
    assert len(view.afters) == 1  # from the copy: the page's partition was not read again


def test_a_copy_that_has_the_viewing_already_is_not_counted_twice():
    view = a_view(4)
    view.apply(VIDEO_ID, VIEWING, 0)
    view.confirmed_views[VIDEO_ID] = 4
    app, site, _ = a_home(view)

    text = get(app, cookies=written_cookie(site, VIEWING, 0))

    assert "Viewers have watched 4 videos" in text
    assert "Intro 4 views" in text


def test_a_viewing_of_a_video_off_the_page_raises_the_total_by_what_the_copy_lacked():
    """The video is not on the first page: its views are read first, then the page, so the
    total read after holds at least them; the viewer's confirmation adds what it lacked."""
    off_page = str(uuid.uuid4())
    stream = viewing_stream(off_page, "a viewer")
    view = a_view(10)
    view.off_page_views[off_page] = 7  # of the 10 in the total
    app, site, _ = a_home(view)
    get(app)
    view.apply(off_page, stream, 0)
    view.confirmed_views[off_page] = 8  # the viewer's viewing, applied since

    text = get(app, cookies=written_cookie(site, stream, 0))

    assert "Viewers have watched 11 videos" in text
    # the copy did not know the video: read again, the video's views before the page
    assert view.afters == [None, "views_of", None]
    view.confirmed_views[off_page] = 9  # the next viewer, within the period: from the copy
    assert "Viewers have watched 12 videos" in get(app, cookies=written_cookie(site, stream, 0))
    assert len(view.afters) == 3


def test_a_viewer_waits_for_their_streams_confirmation_not_the_page():
    view = a_view(3)
    view.apply(VIDEO_ID, VIEWING, 3)  # the view is one viewing behind
    app, site, _ = a_home(view)

    response = app.resolve(an_api_request("GET", "/", cookies=written_cookie(site, VIEWING, 4)), {})

    assert "Your change is on its way" in page_text(response)
    assert view.checks > 1  # it asked the confirmation again while it waited
    assert len(view.afters) == 1  # and read the page once


def test_a_viewing_only_a_rebuild_applied_is_confirmed_once_the_wait_is_over():
    """A viewing written while the home-page view was rebuilt is applied by the rebuild,
    in its video's rebuilt count, not in its stream's count item: the viewer's page asks
    that once, when its wait for the count item is over, and shows the viewing."""
    from video_tutorials.views.home_page import Confirmation

    view = a_view(3)
    view.rebuilt[VIEWING] = Confirmation(VIEWING, 4, VIDEO_ID, 5)
    app, site, _ = a_home(view)

    response = app.resolve(an_api_request("GET", "/", cookies=written_cookie(site, VIEWING, 4)), {})

    text = page_text(response)
    assert "on its way" not in text
    assert "Intro 5 views" in text
    assert view.checks > 1  # it waited on the count item first
    assert view.rebuilt_asks == 1


def test_the_copies_an_instance_keeps_are_bounded():
    view = a_view(3)
    copies = home.PageCopies(view, 60.0, clock=Clock())
    for number in range(home.KEPT_PAGES + 5):
        copies.page(f"after-{number}")
    copies.page("after-0")  # the oldest was dropped: read again

    assert len(copies._copies) == home.KEPT_PAGES
    assert view.afters.count("after-0") == 2


# -- the viewer's own viewings, carried to their next pages --------------------------------


OTHER_ID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


def two_videos() -> FakeHomePageView:
    return FakeHomePageView(
        10,
        [
            VideoSummary(video_id=VIDEO_ID, views=6, name="Intro", published=True),
            VideoSummary(video_id=OTHER_ID, views=4, name="More", published=True),
        ],
    )


def own_cookie(site, response) -> dict[str, str]:
    name = "__Host-viewed"
    found = [c for c in set_cookies(response) if c.startswith(f"{name}=")]
    return {name: cookie_value(found[0])} if found else {}


def a_viewing_page(app, site, view, video_id, views, position, carried=None):
    """The page after the viewer's viewing of ``video_id`` (its confirmation: ``views``)."""
    stream = viewing_stream(video_id, "a viewer")
    view.apply(video_id, stream, position)
    view.confirmed_views[video_id] = views
    cookies = {**written_cookie(site, stream, position), **(carried or {})}
    return app.resolve(an_api_request("GET", "/", cookies=cookies), {})


def test_the_viewers_earlier_viewing_stays_counted_on_the_next_page_of_another_instance():
    """Two viewings of two videos a moment apart, the pages from two instances whose copies
    predate both: the second page counts both viewings, not only its own."""
    view = two_videos()
    clock = FixedClock()
    site = a_site(clock=clock)
    first, second = (
        home.create_app(site, store=InMemoryMessageStore(), home_page=view, copy_seconds=2.0)
        for _ in range(2)
    )
    get(first)
    get(second)  # both copies: 10 watched, Intro 6, More 4

    after_intro = a_viewing_page(first, site, view, VIDEO_ID, 7, 0)
    assert "Viewers have watched 11 videos" in page_text(after_intro)
    after_more = a_viewing_page(
        second, site, view, OTHER_ID, 5, 0, carried=own_cookie(site, after_intro)
    )

    text = page_text(after_more)
    assert "Viewers have watched 12 videos" in text
    assert "Intro 7 views" in text
    assert "More 5 views" in text


def test_own_viewings_are_forgotten_once_every_copy_holds_them():
    view = two_videos()
    clock = FixedClock()
    site = a_site(clock=clock)
    app = home.create_app(site, store=InMemoryMessageStore(), home_page=view, copy_seconds=2.0)
    get(app)
    after_intro = a_viewing_page(app, site, view, VIDEO_ID, 7, 0)
    carried = own_cookie(site, after_intro)
    assert carried

    clock.now += timedelta(seconds=5)  # past the copies' period, a second, the token
    response = app.resolve(an_api_request("GET", "/", cookies=carried), {})

    assert "Viewers have watched 10 videos" in page_text(response)  # the copy alone
    assert own_cookie(site, response) == {}  # not issued again: its Max-Age has run out


def test_a_forged_own_viewings_cookie_is_no_cookie():
    view = two_videos()
    site = a_site()
    app = home.create_app(site, store=InMemoryMessageStore(), home_page=view, copy_seconds=2.0)
    get(app)
    carried = own_cookie(site, a_viewing_page(app, site, view, VIDEO_ID, 7, 0))
    token = carried["__Host-viewed"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for value in (
        forged,
        "not a token",
        "x" * 5000,
        written_cookie(site, VIEWING, 0)["__Host-written"],
    ):
        response = app.resolve(an_api_request("GET", "/", cookies={"__Host-viewed": value}), {})
        assert response["statusCode"] == 200
        assert "Viewers have watched 10 videos" in page_text(response)


def test_a_viewed_video_the_last_copy_showed_is_not_read_apart_from_the_page():
    """A copy's refresh reads a viewer's video beside the page only when the last copy did
    not show it (a viral video's snapshot is not read by every instance's every refresh)."""
    view = a_view(3)
    app, site, clock = a_home(view)
    get(app)
    view.apply(VIDEO_ID, VIEWING, 0)
    view.confirmed_views[VIDEO_ID] = 4
    get(app, cookies=written_cookie(site, VIEWING, 0))  # on the copy: no read apart
    clock.now += 2.0

    text = get(app, cookies=written_cookie(site, VIEWING, 0))

    assert "Intro 4 views" in text
    assert view.afters == [None, None]  # the page again, and nothing read apart
