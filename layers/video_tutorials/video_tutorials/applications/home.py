"""home: the home page, and recording that a video was viewed.

``GET /``: "Viewers have watched N videos" and the published videos (a page at a time,
``?after={videoId}`` for the next), each with a button that records a viewing.

``POST /record-viewing/{videoId}``: for a published video, ``VideoViewed`` to
``viewing-{videoId}+{shard}`` (the viewer's shard), then ``303`` to ``/``, where the viewing
is counted already: the write travels to the home page, which waits (bounded) until the
video's view item has applied it (read your writes). Any other id: 404, nothing written.
A video once published stays published, so a function instance remembers the videos it
saw published (on a page it showed, or read for a viewing) and records a viewing of one of
them without reading the view first: a viral video's viewings do not each read its item.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from message_store import cardinal_id
from message_store import category as category_of
from webglue import WebApp, Written

from ..contracts.viewing import CATEGORY as VIEWING
from ..contracts.viewing import VideoViewed, viewing_stream
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


def create_app(site: Site, *, store: MessageWriter, home_page: HomePageSource) -> WebApp:
    """The home application on ``store`` and the home-page view."""
    published = PublishedVideos(home_page)
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
        shown = True
        if mine:
            video_id = cardinal_id(written.stream_name) or ""
            shown = app.wait_for(
                lambda: home_page.has_applied(video_id, written.stream_name, written.position)
            )
        page = home_page.home_page(after=str(after) if after else None, consistent=mine)
        published.seen([video.video_id for video in page.videos if video.published])
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
