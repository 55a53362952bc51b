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
viewings are never late: their stream's confirmation gives the video's views with the
viewing counted, the page shows those over the copy (the total raised by what the copy
lacked), and a signed cookie carries them to the viewer's next pages (``OwnViewings``) until
every copy holds them — whichever instance serves those pages.
A video once published stays published, so a function instance remembers the videos it
saw published (on a page it showed, or read for a viewing) and records a viewing of one of
them without reading the view first: a viral video's viewings do not each read its item.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.shared.cookies import Cookie

from message_store import category as category_of
from webglue import WebApp, Written, WrittenCookies, site_cookie

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
#: A viewer's own viewings their cookie carries at most (the latest).
KEPT_OWN = 8


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

    def page(self, after: str | None, *, viewed: Sequence[str] = ()) -> PageCopy:
        """The copy of the page after ``after``, read again once ``seconds`` old (or when
        it does not know the views of one of ``viewed``, videos the viewer viewed)."""
        for video_id in viewed:
            self._viewed[video_id] = None
            self._viewed.move_to_end(video_id)
        while len(self._viewed) > KEPT_VIEWED:
            self._viewed.popitem(last=False)
        copy = self._copies.get(after)
        now = self.clock()
        if (
            copy is None
            or now - copy.read_at >= self.seconds
            or any(copy.views_of(video_id) is None for video_id in viewed)
        ):
            copy = self._read(after, now)
            self._copies[after] = copy
        self._copies.move_to_end(after)
        while len(self._copies) > KEPT_PAGES:
            self._copies.popitem(last=False)
        return copy

    def _read(self, after: str | None, now: float) -> PageCopy:
        # the videos off the page first: the total, read after, holds at least their views
        # (a video the last copy showed is taken to be on it still: should it have left the
        # page, the new copy does not know it, and the next viewing of it reads again)
        previous = self._copies.get(after)
        shown_before = {video.video_id for video in previous.page.videos} if previous else set()
        wanted = [video_id for video_id in self._viewed if video_id not in shown_before]
        off_page = self.home_page.views_of(wanted) if wanted else {}
        page = self.home_page.home_page(after=after)
        shown = {video.video_id for video in page.videos}
        kept = {video_id: off_page.get(video_id, 0) for video_id in wanted if video_id not in shown}
        return PageCopy(page, now, kept)


def counted(copy: PageCopy, own: Mapping[str, int]) -> HomePage:
    """``copy``'s page with the viewer's own confirmed viewings counted (``own``: each
    video's views as its confirmation gave them): a video's views as confirmed when the copy
    has fewer, and the total raised by what the copy lacked."""
    page = copy.page
    raised = {
        video_id: views for video_id, views in own.items() if views > (copy.views_of(video_id) or 0)
    }
    if not raised:
        return page
    gained = sum(views - (copy.views_of(video_id) or 0) for video_id, views in raised.items())
    videos = [
        replace(video, views=raised[video.video_id]) if video.video_id in raised else video
        for video in page.videos
    ]
    videos.sort(key=lambda v: (-v.views, v.name or "", v.video_id))
    return HomePage(page.videos_watched + gained, videos, page.next_after)


class OwnViewings:
    """A viewer's own viewings that copies may not hold yet, in a signed cookie (``viewed``,
    ``__Host-viewed`` when secure): each video's views as its confirmation gave them, and
    when. Kept ``keep`` seconds — the copies' period and a second more, by when every copy
    shown holds them — so that the viewer's next pages, from any instance, count them too.
    A forged, expired or malformed cookie is no cookie."""

    def __init__(self, written: WrittenCookies, keep: float) -> None:
        self.signer = written.signer
        self.secure = written.secure
        self.keep = keep
        self.name = "__Host-viewed" if written.secure else "viewed"

    def read(self, cookies: Mapping[str, str]) -> dict[str, tuple[int, float]]:
        """``videoId`` → (views, when) of the cookie's viewings still to be kept."""
        claims = self.signer.verify(cookies.get(self.name))
        found: dict[str, tuple[int, float]] = {}
        entries = claims.get("v") if claims else None
        if not isinstance(entries, list):
            return found
        oldest = self.now() - self.keep
        for entry in entries[:KEPT_OWN]:
            if not (isinstance(entry, list) and len(entry) == 3):
                continue
            video_id, views, at = entry
            valid = isinstance(video_id, str) and isinstance(views, int)
            if valid and isinstance(at, int | float) and at >= oldest:
                found[video_id] = (views, float(at))
        return found

    def now(self) -> float:
        """The signer's clock, in seconds."""
        return self.signer.now().timestamp()

    def cookie(self, viewings: Mapping[str, tuple[int, float]]) -> Cookie:
        """The cookie carrying ``viewings`` (the latest ``KEPT_OWN``; none: forget it)."""
        latest = sorted(viewings.items(), key=lambda item: -item[1][1])[:KEPT_OWN]
        # a token's expiry is in whole seconds, cut down: one more keeps it past ``keep``
        lifetime = timedelta(seconds=math.ceil(self.keep) + 1)
        value = (
            self.signer.sign(
                {"v": [[video_id, views, at] for video_id, (views, at) in latest]},
                lifetime=lifetime,
            )
            if latest
            else ""
        )
        max_age = int(lifetime.total_seconds()) if latest else 0
        return site_cookie(self.name, value, secure=self.secure, max_age=max_age)


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
    own_viewings = OwnViewings(site.written, copy_seconds + 1.0) if site.written else None
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

            if not app.wait_for(applied):  # not applied live: by a rebuild, perhaps
                found = home_page.confirmation(written.stream_name, rebuilt=True)
                if found is not None and found.position >= written.position:
                    confirmed.append(found)
        own = own_viewings.read(request.cookies) if own_viewings else {}
        carried = bool(own)
        for found in confirmed:
            views = max(found.views, own.get(found.video_id, (0, 0.0))[0])
            own[found.video_id] = (views, own_viewings.now() if own_viewings else 0.0)
        copy = copies.page(str(after) if after else None, viewed=list(own))
        page = counted(copy, {video_id: views for video_id, (views, _) in own.items()})
        published.seen([video.video_id for video in page.videos if video.published])
        shown = not mine or bool(confirmed)
        html = site.pages.render("home.html", request, page=page, active="home", pending=not shown)
        cookies = [own_viewings.cookie(own)] if own_viewings and (own or carried) else []
        return app.page(html, cookies=cookies, written_shown=mine and shown)

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
