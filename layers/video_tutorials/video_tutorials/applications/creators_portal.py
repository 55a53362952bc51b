"""creators-portal: a creator's videos — upload, publish, name, describe, watch the outcome.

Everything under ``/creators-portal`` needs a session (else ``303`` to the log-in page, and
back after it):

- ``GET /creators-portal``: the creator's videos (name or "Untitled", description, views,
  status) and an upload form: a presigned S3 POST, so the browser sends the file straight to
  S3, whose ``success_action_redirect`` brings it back to ``GET …/uploaded``.
- ``GET /creators-portal/uploaded``: the upload arrived; a button publishes it.
- ``POST /creators-portal/publish-video``: the upload checked (this creator's, in the bucket,
  not empty, not too large, a video) → ``PublishVideo`` → ``303`` to the dashboard, which
  waits (bounded) until the video is published or failed (read your writes).
- ``GET /creators-portal/videos/{id}``: the owner's video page (anyone else: 404) with the
  player and the name and description forms.
- ``POST …/videos/{id}/name`` and ``…/describe`` → ``NameVideo`` / ``DescribeVideo`` →
  ``303`` to ``/creators-portal/video-operations/{traceId}``: pending (it refreshes itself),
  failed (the reason), or succeeded (``303`` to the video page, showing the change).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Form, Path, Query

from message_store import VersionConflictError
from message_store import category as category_of
from message_store import id as id_of
from webglue import WebApp, Written, content_security_policy

from ..contracts import video_publishing as contract
from ..storage import MAX_UPLOAD_BYTES, TranscodeError, s3_uri, upload_key
from ..views.creators_videos import PUBLISHED, CreatorsVideo
from .ports import CreatorsVideosSource, MessageStream, VideoOperationsSource, VideoStore
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response

PREFIX = "/creators-portal"
NOT_YOURS = "That upload is not yours to publish."
NOT_PUBLISHED_YET = "The video is not published yet: it can be named once it is."

VideoId = Annotated[UUID, Path(description="The video's id (a UUID).")]


def create_app(
    site: Site,
    *,
    store: MessageStream,
    videos: CreatorsVideosSource,
    operations: VideoOperationsSource,
    storage: VideoStore,
) -> WebApp:
    """The creators portal on ``store``, the creators-videos and video-operations views and
    the videos bucket."""
    app = site.create_app(
        title="Video Tutorials: creators portal",
        description="A creator's videos: upload, publish, name, describe (`videoPublishing`).",
    )
    policies: dict[str, str] = {}

    def csp() -> str:
        """Forms may post to the bucket (uploads), videos play from it (made at first use)."""
        if "page" not in policies:
            origin = storage.bucket_origin()
            policies["page"] = content_security_policy(form_action=[origin], media_src=[origin])
        return policies["page"]

    def page(template: str, status: int = 200, **context: Any) -> Response[str]:
        html = site.pages.render(template, app.current_request, active="creators", **context)
        return app.page(html, status, csp=csp(), written_shown=context.get("shown", False))

    def own_video(video_id: str) -> CreatorsVideo:
        """The logged-in creator's video; 404 for anyone else's, or none."""
        video = videos.get(video_id)
        if video is None or video.owner_id != app.current_request.user_id:
            raise NotFoundError("There is no video of yours at this address.")
        return video

    def written_for(stream_category: str) -> Written | None:
        written = app.current_request.written
        if written is None or category_of(written.stream_name) != stream_category:
            return None
        return written

    # -- the dashboard ---------------------------------------------------------------------

    @app.get(
        PREFIX,
        summary="The creator's videos and an upload form",
        responses={200: html_response("The dashboard."), 303: redirect_response("Log in first.")},
    )
    def dashboard() -> Response[str]:
        request = app.current_request
        user_id = request.user_id
        if user_id is None:
            return app.log_in_first()
        mine = written_for(contract.COMMAND_CATEGORY)
        shown = True
        listed = videos.videos_of(user_id)
        if mine is not None:
            video_id = id_of(mine.stream_name) or ""
            shown = app.wait_for(
                lambda: videos.has_applied(video_id, contract.video_stream(video_id), 0)
            )
            fresh = videos.get(video_id) if shown else None
            # the owner index lags the table: the video just published may not be in it yet
            if fresh is not None and all(v.video_id != video_id for v in listed):
                listed = [fresh, *listed]
        video_id = str(uuid.uuid4())
        redirect = request.absolute_url(f"{PREFIX}/uploaded?videoId={video_id}")
        upload = storage.presigned_upload(user_id, video_id, redirect)
        return page(
            "creators_dashboard.html",
            videos=listed,
            upload=upload,
            max_upload_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            pending=not shown,
            shown=mine is not None and shown,
        )

    # -- publishing an upload --------------------------------------------------------------

    @app.get(
        f"{PREFIX}/uploaded",
        summary="An upload arrived (S3 sends the browser back here)",
        responses={
            200: html_response("The upload, ready to publish."),
            303: redirect_response("Log in first."),
            400: html_response("Not an upload of yours."),
        },
    )
    def uploaded(
        video_id: Annotated[UUID, Query(alias="videoId", description="The new video's id.")],
        key: Annotated[str, Query(description="The uploaded object's key (S3 adds it).")] = "",
    ) -> Response[str]:
        user_id = app.current_request.user_id
        if user_id is None:
            return app.log_in_first()
        expected = upload_key(user_id, str(video_id))
        if key != expected:
            return page("creators_uploaded.html", 400, error=NOT_YOURS, video_id=None)
        return page(
            "creators_uploaded.html",
            error=None,
            video_id=str(video_id),
            source_uri=s3_uri(storage.bucket, expected),
        )

    @app.post(
        f"{PREFIX}/publish-video",
        summary="Publish an upload",
        description="Writes `PublishVideo` to `videoPublishing:command-{videoId}`.",
        responses={
            303: redirect_response("Publishing: see the dashboard."),
            400: html_response("Not an upload of yours, or not one that can be published."),
            409: html_response("This video was published from another upload."),
            **COMMON_POST_ERRORS,
        },
    )
    def publish_video(
        video_id: Annotated[
            str,
            Form(
                alias="videoId", description="The video's id", json_schema_extra={"format": "uuid"}
            ),
        ] = "",
        source_uri: Annotated[
            str, Form(alias="sourceUri", description="The uploaded object's URI (s3://…)")
        ] = "",
    ) -> Response[str]:
        request = app.current_request
        user_id = request.user_id
        if user_id is None:
            return app.log_in_first()
        if not _is_uuid(video_id):
            return page(
                "creators_uploaded.html", 400, error="The video id is not valid.", video_id=None
            )
        try:
            storage.inspect(source_uri, user_id, video_id)
        except TranscodeError as exc:
            return page("creators_uploaded.html", 400, error=_refusal(exc), video_id=None)
        command = contract.PublishVideo(owner_id=user_id, source_uri=source_uri, video_id=video_id)
        stream = contract.command_stream(video_id)
        try:
            store.write(stream, command.to_message(request.metadata()), expected_version=-1)
        except VersionConflictError:
            # the same upload sent twice (a double click) is done; another one is refused
            first = store.read_stream(stream, 0, 1)
            if not first or first[0].data.get("sourceUri") != source_uri:
                message = "This video was already published from another upload."
                return page("creators_uploaded.html", 409, error=message, video_id=None)
        app.logger.info("publishing requested", extra={"video_id": video_id})
        return app.redirect(PREFIX, written=Written(stream, 0))

    # -- one video: player, name, description -----------------------------------------------

    @app.get(
        f"{PREFIX}/videos/<videoId>",
        summary="One of the creator's videos",
        responses={
            200: html_response("The video."),
            303: redirect_response("Log in first."),
            404: html_response("Not a video of this creator's."),
        },
    )
    def video_page(videoId: VideoId) -> Response[str]:
        if app.current_request.user_id is None:
            return app.log_in_first()
        video_id = str(videoId)
        mine = written_for(contract.CATEGORY)
        shown = True
        if mine is not None and id_of(mine.stream_name) == video_id:
            shown = app.wait_for(
                lambda: videos.has_applied(video_id, mine.stream_name, mine.position)
            )
        return render_video(
            own_video(video_id), pending=not shown, shown=mine is not None and shown
        )

    def render_video(
        video: CreatorsVideo,
        status: int = 200,
        *,
        errors: dict[str, str] | None = None,
        **context: Any,
    ) -> Response[str]:
        player = storage.playback_url(video.transcoded_uri) if video.transcoded_uri else None
        context.setdefault("name", video.name or "")
        context.setdefault("description", video.description or "")
        return page(
            "creators_video.html",
            status,
            video=video,
            player=player,
            errors=errors or {},
            name_max=contract.NAME_MAX_LENGTH,
            description_max=contract.DESCRIPTION_MAX_LENGTH,
            **context,
        )

    @app.post(
        f"{PREFIX}/videos/<videoId>/name",
        summary="Name a video",
        description="Writes `NameVideo` to `videoPublishing:command-{videoId}`.",
        responses={
            303: redirect_response("See the operation's outcome."),
            400: html_response("The name is empty or too long, or the video not published."),
            404: html_response("Not a video of this creator's."),
            **COMMON_POST_ERRORS,
        },
    )
    def name_video(
        videoId: VideoId,
        name: Annotated[
            str,
            Form(
                description="The video's name",
                json_schema_extra={"maxLength": contract.NAME_MAX_LENGTH},
            ),
        ] = "",
    ) -> Response[str]:
        if app.current_request.user_id is None:
            return app.log_in_first()
        video = own_video(str(videoId))
        value = name.strip()
        error = None
        if video.status != PUBLISHED:
            error = NOT_PUBLISHED_YET
        elif not value:
            error = "Give the video a name."
        elif len(value) > contract.NAME_MAX_LENGTH:
            error = f"A name is at most {contract.NAME_MAX_LENGTH} characters."
        if error:
            return render_video(video, 400, errors={"name": error}, name=name)
        return write_operation(contract.NameVideo(video_id=video.video_id, name=value))

    @app.post(
        f"{PREFIX}/videos/<videoId>/describe",
        summary="Describe a video",
        description="Writes `DescribeVideo` to `videoPublishing:command-{videoId}`.",
        responses={
            303: redirect_response("See the operation's outcome."),
            400: html_response("The description is too long, or the video not published."),
            404: html_response("Not a video of this creator's."),
            **COMMON_POST_ERRORS,
        },
    )
    def describe_video(
        videoId: VideoId,
        description: Annotated[
            str,
            Form(
                description="The video's description",
                json_schema_extra={"maxLength": contract.DESCRIPTION_MAX_LENGTH},
            ),
        ] = "",
    ) -> Response[str]:
        if app.current_request.user_id is None:
            return app.log_in_first()
        video = own_video(str(videoId))
        value = description.strip()
        error = None
        if video.status != PUBLISHED:
            error = NOT_PUBLISHED_YET
        elif len(value) > contract.DESCRIPTION_MAX_LENGTH:
            error = f"A description is at most {contract.DESCRIPTION_MAX_LENGTH:,} characters."
        if error:
            return render_video(video, 400, errors={"description": error}, description=description)
        command = contract.DescribeVideo(video_id=video.video_id, description=value)
        return write_operation(command)

    def write_operation(command: contract.NameVideo | contract.DescribeVideo) -> Response[str]:
        request = app.current_request
        stream = contract.command_stream(command.video_id)
        position = store.write(stream, command.to_message(request.metadata()))
        app.logger.info(f"{command.type} requested", extra={"video_id": command.video_id})
        return app.redirect(
            f"{PREFIX}/video-operations/{request.trace_id}", written=Written(stream, position)
        )

    # -- an operation's outcome ------------------------------------------------------------

    @app.get(
        f"{PREFIX}/video-operations/<traceId>",
        summary="The outcome of naming or describing a video",
        responses={
            200: html_response("Pending (the page refreshes itself) or failed (the reason)."),
            303: redirect_response("Succeeded: the video's page."),
            404: html_response("No operation of this creator's has this id."),
        },
    )
    def operation(
        traceId: Annotated[UUID, Path(description="The operation's trace id.")],
    ) -> Response[str]:
        if app.current_request.user_id is None:
            return app.log_in_first()
        trace_id = str(traceId)
        mine = written_for(contract.COMMAND_CATEGORY)
        if mine is not None:
            app.wait_for(lambda: operations.get(trace_id) is not None)
        outcome = operations.get(trace_id)
        if outcome is None:
            if mine is None:
                raise NotFoundError("There is no operation at this address.")
            return page("creators_operation.html", outcome=None, pending=True)
        video = own_video(outcome.video_id)
        if outcome.succeeded:
            after = Written(contract.video_stream(video.video_id), outcome.position)
            return app.redirect(f"{PREFIX}/videos/{video.video_id}", written=after)
        return page("creators_operation.html", outcome=outcome, video=video, shown=True)

    return app


def _is_uuid(value: str) -> bool:
    try:
        return str(UUID(value)) == value.lower()
    except ValueError:
        return False


def _refusal(error: TranscodeError) -> str:
    """What the creator reads when an upload cannot be published."""
    reason = str(error)
    if "not this creator's" in reason or "not in the videos bucket" in reason:
        return NOT_YOURS
    return f"That upload cannot be published: {reason}."
