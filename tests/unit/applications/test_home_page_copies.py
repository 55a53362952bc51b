"""home (with fakes): pages shown from an instance's copy for ``copy_seconds``, and the
viewer's own viewing counted over the copy from their stream's confirmation."""

from __future__ import annotations

import uuid
from dataclasses import replace

from tests.support.applications import (
    FakeHomePageView,
    InMemoryMessageStore,
    a_site,
    page_text,
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


def test_the_copies_an_instance_keeps_are_bounded():
    view = a_view(3)
    copies = home.PageCopies(view, 60.0, clock=Clock())
    for number in range(home.KEPT_PAGES + 5):
        copies.page(f"after-{number}")
    copies.page("after-0")  # the oldest was dropped: read again

    assert len(copies._copies) == home.KEPT_PAGES
    assert view.afters.count("after-0") == 2
