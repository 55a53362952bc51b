"""home: the home page, and recording that a video was viewed.

``GET /``: "Viewers have watched N videos" and the videos, each with a button that records a
viewing. ``POST /record-viewing/{videoId}``: ``VideoViewed`` to ``viewing-{videoId}``, then
``303`` to ``/``, where the viewing is counted already: the write travels to the home page,
which waits (bounded) until the video's view item has applied it (read your writes).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from message_store import category as category_of
from message_store import id as id_of
from webglue import WebApp, Written

from ..contracts.viewing import CATEGORY as VIEWING
from ..contracts.viewing import VideoViewed, viewing_stream
from .ports import HomePageSource, MessageWriter
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response


def create_app(site: Site, *, store: MessageWriter, home_page: HomePageSource) -> WebApp:
    """The home application on ``store`` and the home-page view."""
    app = site.create_app(
        title="Video Tutorials: home",
        description="The home page, and recording viewings (the `viewing` category).",
    )

    @app.get("/", summary="The home page", responses={200: html_response("The home page.")})
    def show_home_page() -> Response[str]:
        request = app.current_request
        written = request.written
        mine = written is not None and category_of(written.stream_name) == VIEWING
        shown = True
        if mine:
            video_id = id_of(written.stream_name) or ""
            shown = app.wait_for(
                lambda: home_page.has_applied(video_id, written.stream_name, written.position)
            )
        page = home_page.home_page(consistent=mine)
        html = site.pages.render("home.html", request, page=page, active="home", pending=not shown)
        return app.page(html, written_shown=mine and shown)

    @app.post(
        "/record-viewing/<videoId>",
        summary="Record that a video was viewed",
        description="Writes `VideoViewed` to `viewing-{videoId}` and goes back to the home page.",
        responses={
            303: redirect_response("Recorded; see the home page."),
            400: html_response("The video id is not a UUID."),
            **COMMON_POST_ERRORS,
        },
    )
    def record_viewing(
        videoId: Annotated[UUID, Path(description="The video's id (a UUID).")],
    ) -> Response[str]:
        request = app.current_request
        video_id = str(videoId)
        viewed = VideoViewed(user_id=request.user_id, video_id=video_id)
        stream = viewing_stream(video_id)
        position = store.write(stream, viewed.to_message(request.metadata()))
        app.logger.info("viewing recorded", extra={"video_id": video_id, "position": position})
        return app.redirect("/", written=Written(stream, position))

    return app
