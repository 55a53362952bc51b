"""home: the home page, and recording that a video was viewed.

``GET /``: "Viewers have watched N videos" and the published videos (a page at a time,
``?after={videoId}`` for the next), each with a button that records a viewing.

``POST /record-viewing/{videoId}``: for a published video, ``VideoViewed`` to
``viewing-{videoId}+{shard}`` (the viewer's shard), then ``303`` to ``/``, where the viewing
is counted already: the write travels to the home page, which waits (bounded) until the
view has confirmed it on the viewer's stream (read your writes). Any other id: 404, nothing
written.

A hot page is one partition, and one partition cannot serve a page load each for ten
thousand viewers a second. So an instance shows a **copy** of each page it read, for
``copy_seconds`` (``PageCopies``): others' viewings reach a visitor's page up to that late,
and the table sees at most one read a page per instance per period. The viewer's own
viewing is never late: their stream's confirmation gives the video's views with it counted,
and the page shows those over the copy, the total raised by what the copy lacked.
A video once published stays published, so a function instance remembers the videos it
saw published (on a page it showed, or read for a viewing) and records a viewing of one of
them without reading the view first: a viral video's viewings do not each read its item.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from message_store import category as category_of
from webglue import WebApp, Written

from ..contracts.viewing import CATEGORY as VIEWING
from ..contracts.viewing import VideoViewed, viewing_stream
from ..views.home_page import Confirmation, HomePage
from .ports import HomePageSource, MessageWriter
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response

#: Published videos an instance remembers (the most recently seen): ids of 36 characters,
#: a few hundred kilobytes at most.
KNOWN_PUBLISHED = 10_000


class PublishedVideos:
    """Which videos are published, as a function instance learns it: a video once published
    stays published (no event unpublishes one), so what was seen published is remembered
    (the ``limit`` most recently seen) and asked of the view no more; anything else is."""

    def __init__(self, home_page: HomePageSource, limit: int = KNOWN_PUBLISHED) -> None:
        self.home_page = home_page
        self.limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()

    def seen(self, video_ids: list[str]) -> None:
        """Remember ``video_ids`` as published (videos a page showed)."""
        for video_id in video_ids:
            self._seen[video_id] = None
            self._seen.move_to_end(video_id)
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)

    def is_published(self, video_id: str) -> bool:
        """Whether ``video_id`` is published: remembered, or read from the view."""
        if video_id in self._seen:
            self._seen.move_to_end(video_id)
            return True
        video = self.home_page.get(video_id)
        if video is None or not video.published:
            return False
        self.seen([video_id])
        return True


#: Pages an instance keeps copies of (the first, and the next few a visitor pages to).
KEPT_PAGES = 32
#: Videos off the first page whose views a copy keeps (those this instance's viewers viewed
#: lately), so that a viewing of one of them is counted in the total shown over the copy.
KEPT_VIEWED = 16


@dataclass(frozen=True)
class PageCopy:
    """A page as read at ``read_at``, and the views then of videos it does not show."""

    page: HomePage
    read_at: float
    views_off_page: dict[str, int]

    def views_of(self, video_id: str) -> int | None:
        """The video's views as the copy has them (``None``: the copy does not know)."""
        for video in self.page.videos:
            if video.video_id == video_id:
                return video.views
        return self.views_off_page.get(video_id)


class PageCopies:
    """The pages a function instance shows: each read at most once per ``seconds`` (0: read
    every time), so that the table's reads of a hot page grow with the instances, not the
    visitors. A viewer's video not on the page is read beside it, first, so the copy knows
    what of that video's views its total holds."""

    def __init__(
        self,
        home_page: HomePageSource,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.home_page = home_page
        self.seconds = seconds
        self.clock = clock
        self._copies: OrderedDict[str | None, PageCopy] = OrderedDict()
        self._viewed: OrderedDict[str, None] = OrderedDict()

    def page(self, after: str | None, *, viewed: str | None = None) -> PageCopy:
        """The copy of the page after ``after``, read again once ``seconds`` old (or when
        it does not know the views of ``viewed``, the video a viewer just viewed)."""
        if viewed is not None:
            self._viewed[viewed] = None
            self._viewed.move_to_end(viewed)
            while len(self._viewed) > KEPT_VIEWED:
                self._viewed.popitem(last=False)
        copy = self._copies.get(after)
        now = self.clock()
        if (
            copy is None
            or now - copy.read_at >= self.seconds
            or (viewed is not None and copy.views_of(viewed) is None)
        ):
            copy = self._read(after, now)
            self._copies[after] = copy
        self._copies.move_to_end(after)
        while len(self._copies) > KEPT_PAGES:
            self._copies.popitem(last=False)
        return copy

    def _read(self, after: str | None, now: float) -> PageCopy:
        # the videos off the page first: the total, read after, holds at least their views
        wanted = list(self._viewed)
        off_page = self.home_page.views_of(wanted) if wanted else {}
        page = self.home_page.home_page(after=after)
        shown = {video.video_id for video in page.videos}
        kept = {video_id: off_page.get(video_id, 0) for video_id in wanted if video_id not in shown}
        return PageCopy(page, now, kept)


def counted(copy: PageCopy, confirmed: Confirmation) -> HomePage:
    """``copy``'s page with the viewer's confirmed viewing counted: the video's views as the
    view confirmed them (when the copy has fewer), and the total raised by what it lacked."""
    page = copy.page
    known = copy.views_of(confirmed.video_id) or 0
    gained = max(0, confirmed.views - known)
    if not gained:
        return page
    videos = [
        replace(video, views=confirmed.views) if video.video_id == confirmed.video_id else video
        for video in page.videos
    ]
    videos.sort(key=lambda v: (-v.views, v.name or "", v.video_id))
    return HomePage(page.videos_watched + gained, videos, page.next_after)


def create_app(
    site: Site,
    *,
    store: MessageWriter,
    home_page: HomePageSource,
    copy_seconds: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
) -> WebApp:
    """The home application on ``store`` and the home-page view; pages shown from copies
    at most ``copy_seconds`` old (``PageCopies``)."""
    published = PublishedVideos(home_page)
    copies = PageCopies(home_page, copy_seconds, clock=clock)
    app = site.create_app(
        title="Video Tutorials: home",
        description="The home page, and recording viewings (the `viewing` category).",
    )

    @app.get(
        "/",
        summary="The home page",
        responses={
            200: html_response("The home page."),
            400: html_response("`after` is not a video id."),
        },
    )
    def show_home_page(
        after: Annotated[
            UUID | None, Query(description="Show the videos after this one (the next page).")
        ] = None,
    ) -> Response[str]:
        request = app.current_request
        written = request.written
        mine = written is not None and category_of(written.stream_name) == VIEWING
        confirmed: list[Confirmation] = []
        if mine:

            def applied() -> bool:
                found = home_page.confirmation(written.stream_name)
                if found is None or found.position < written.position:
                    return False
                confirmed.append(found)
                return True

            app.wait_for(applied)
        viewed = confirmed[0].video_id if confirmed else None
        copy = copies.page(str(after) if after else None, viewed=viewed)
        page = counted(copy, confirmed[0]) if confirmed else copy.page
        published.seen([video.video_id for video in page.videos if video.published])
        shown = not mine or bool(confirmed)
        html = site.pages.render("home.html", request, page=page, active="home", pending=not shown)
        return app.page(html, written_shown=mine and shown)

    @app.post(
        "/record-viewing/<videoId>",
        summary="Record that a video was viewed",
        description=(
            "Writes `VideoViewed` to `viewing-{videoId}+{shard}` (the viewer's shard) and "
            "goes back to the home page."
        ),
        responses={
            303: redirect_response("Recorded; see the home page."),
            400: html_response("The video id is not a UUID."),
            404: html_response("No published video has this id: nothing is written."),
            **COMMON_POST_ERRORS,
        },
    )
    def record_viewing(
        videoId: Annotated[UUID, Path(description="The video's id (a UUID).")],
    ) -> Response[str]:
        request = app.current_request
        video_id = str(videoId)
        if not published.is_published(video_id):
            raise NotFoundError("There is no published video with that id.")
        viewed = VideoViewed(user_id=request.user_id, video_id=video_id)
        # the viewer's shard: a user's viewings stay in order; a visitor's are each apart
        stream = viewing_stream(video_id, request.user_id or request.trace_id)
        position = store.write(stream, viewed.to_message(request.metadata()))
        app.logger.info("viewing recorded", extra={"video_id": video_id, "position": position})
        return app.redirect("/", written=Written(stream, position))

    return app
