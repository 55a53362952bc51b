"""The shared layout: navigation by session, links with the base path, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.applications import a_site, page_text
from video_tutorials.applications.pages import Pages
from video_tutorials.views.home_page import HomePage, VideoSummary
from webglue import ErrorPage, Session, WebRequest


class LoggedIn(WebRequest):
    def __init__(self, email: str, **kwargs) -> None:
        super().__init__(**kwargs)
        now = datetime.now(UTC)
        self._session = Session("u-1", email, now, now + timedelta(hours=1))


def render_home(request: WebRequest, page: HomePage | None = None) -> str:
    return Pages().render("home.html", request, page=page or HomePage(0, []), active="home")


def test_anonymous_visitors_see_register_and_log_in():
    html = render_home(WebRequest(trace_id="t", method="GET", path="/"))

    assert 'href="/register"' in html
    assert 'href="/auth/log-in"' in html
    assert "Signed in as" not in html


def test_a_logged_in_user_sees_who_and_a_log_out_button():
    html = render_home(LoggedIn("ada@example.com", trace_id="t", method="GET", path="/"))

    assert "Signed in as <strong>ada@example.com</strong>" in html
    assert '<form method="post" action="/auth/log-out">' in html
    assert 'href="/auth/log-in"' not in html


def test_every_link_and_form_carries_the_base_path():
    page = HomePage(1, [VideoSummary(video_id="v-1", views=1)])
    html = render_home(WebRequest(trace_id="t", method="GET", path="/", base_path="/Prod"), page)

    assert 'href="/Prod/"' in html
    assert 'href="/Prod/register"' in html
    assert 'action="/Prod/record-viewing/v-1"' in html
    assert 'href="/register"' not in html


def test_what_users_wrote_is_escaped():
    page = HomePage(1, [VideoSummary(video_id="v-1", views=1, name="<script>alert(1)</script>")])
    request = LoggedIn('<img src=x onerror="x">@example.com', trace_id="t", method="GET", path="/")

    html = render_home(request, page)

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_the_home_page_counts_and_lists_videos_or_says_there_are_none():
    empty = page_text({"body": render_home(WebRequest(trace_id="t", method="GET", path="/"))})
    page = HomePage(
        3, [VideoSummary(video_id="v-1", views=1), VideoSummary("v-2", views=2, name="Intro")]
    )
    full = page_text({"body": render_home(WebRequest(trace_id="t", method="GET", path="/"), page)})

    assert "Viewers have watched 0 videos" in empty
    assert "No videos yet" in empty
    assert "Viewers have watched 3 videos" in full
    assert "Untitled 1 view" in full
    assert "Intro 2 views" in full


def test_error_pages_show_the_message_details_and_reference():
    site = a_site()
    request = WebRequest(trace_id="trace-42", method="GET", path="/", sessions=site.sessions)

    html = site.pages.render_error(request, ErrorPage(400, "Bad", "Not valid:", ("one", "two")))

    text = page_text({"body": html})
    assert "Not valid: one two" in text
    assert "Reference: trace-42" in text
