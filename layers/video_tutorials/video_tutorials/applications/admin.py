"""admin: the operators' pages — users, messages, traces drawn as a flow, streams, categories,
consumers and their lag — for admins only.

Everything under ``/admin`` needs a session (else ``303`` to the log-in page) of a user whose
email is in ``AdminEmails`` (else 403). Lists that grow are paged. A message links to its
stream, its trace and its user; a stream to its category. API Gateway (REST) hands a path to
the function still percent-encoded: names in the path (a command stream's has a ``:``) are
decoded here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import unquote
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import ForbiddenError, NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from message_store import InvalidStreamNameError, StoredMessage
from message_store import category as category_of
from message_store import global_position as gp
from message_store.progress import RECORD_EVERY, Progress
from message_store.registry import Consumer
from message_store.stream_name import validate_category, validate_stream_name
from webglue import WebApp

from ..consumers import RELAY, all_consumers, relay_declaration
from ..dead_letters import DeadLettersUnavailableError
from .ports import (
    AdminMessages,
    AdminStreamsSource,
    AdminUsersSource,
    ConsumerProgressSource,
    DeadLettersSource,
    SkippedMessagesSource,
)
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response
from .trace_diagram import trace_svg

PAGE = 50
#: a message opened by its id alone is looked for among this many of the newest (the store
#: has no index by id: every link carries the message's stream and position)
FOUND_BY_ID_AMONG = 1000
#: the largest position the pages accept (a stream never gets near it)
MAX_POSITION = 2**53
NOT_AN_ADMIN = "These pages are for the site's administrators."

UserId = Annotated[UUID, Path(description="The user's id.")]
After = Annotated[str | None, Query(description="Show what comes after this (the next page).")]


def create_app(
    site: Site,
    *,
    messages: AdminMessages,
    users: AdminUsersSource,
    streams: AdminStreamsSource,
    skipped: SkippedMessagesSource,
    progress: ConsumerProgressSource,
    dead_letters: DeadLettersSource,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WebApp:
    """The admin application; the site's ``pages`` know who the admins are."""
    app = site.create_app(
        title="Video Tutorials: admin",
        description="Users, messages, traces, streams, categories and consumers, for admins.",
    )

    def admitted() -> Response[str] | None:
        """``None`` for an admin; else the answer: log in first, or 403."""
        session = app.current_request.session
        if session is None:
            return app.log_in_first()
        if not site.pages.is_admin(session):
            raise ForbiddenError(NOT_AN_ADMIN)
        return None

    def page(template: str, status: int = 200, **context: Any) -> Response[str]:
        html = site.pages.render(
            f"admin/{template}", app.current_request, active="admin", **context
        )
        return app.page(html, status)

    # -- index and users ---------------------------------------------------------------------

    @app.get("/admin", summary="The admin pages", responses=_PAGE_ANSWERS)
    def index() -> Response[str]:
        return admitted() or page("index.html")

    @app.get("/admin/users", summary="Every user, a page at a time", responses=_PAGE_ANSWERS)
    def users_page(after: After = None) -> Response[str]:
        return admitted() or page("users.html", users=users.users(after=after, limit=PAGE))

    @app.get("/admin/users/<userId>", summary="One user", responses=_ONE_ANSWERS)
    def user_page(userId: UserId) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        user = users.get(str(userId))
        if user is None:
            raise NotFoundError("There is no user with this id.")
        failures = [datetime.fromisoformat(time) for time in user.recent_failures]
        locked_until = site.log_in_limits.locked_until(failures, clock())
        return page("user.html", person=user, locked_until=locked_until)

    # -- messages and traces -------------------------------------------------------------------

    @app.get("/admin/messages", summary="Every message, newest first", responses=_PAGE_ANSWERS)
    def messages_page(
        before: Annotated[
            str | None, Query(description="Show the messages before this global position.")
        ] = None,
    ) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        if before is not None and not gp.is_global_position(before):
            return page("error_input.html", 400, message="That is not a page of messages.")
        categories = [c.category for c in streams.categories()]
        listed = messages.read_latest(categories, before_global_position=before, max_messages=PAGE)
        after = listed[-1].global_position if len(listed) == PAGE else None
        return page("messages.html", messages=listed, next_before=after, before=before)

    @app.get("/admin/messages/<messageId>", summary="One message", responses=_ONE_ANSWERS)
    def message_page(
        messageId: Annotated[str, Path(description="The message's id.")],
        stream: Annotated[
            str, Query(description="The message's stream (without it: among the newest).")
        ] = "",
        position: Annotated[
            int, Query(description="Its position there.", ge=0, le=MAX_POSITION)
        ] = 0,
    ) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        message_id = unquote(messageId)
        if stream:
            found = _message_at(messages, stream, position)
        else:
            categories = [c.category for c in streams.categories()]
            found = _recent_message(messages, categories, message_id)
        if found is None or found.id != message_id:
            raise NotFoundError(
                "There is no such message at that address."
                if stream
                else f"No message with this id among the newest {FOUND_BY_ID_AMONG}: "
                "open it from its stream."
            )
        return page("message.html", message=found, pretty=_pretty)

    @app.get(
        "/admin/correlated-messages/<traceId>",
        summary="Every message of one trace, and the flow between streams",
        responses=_ONE_ANSWERS,
    )
    def trace_page(
        traceId: Annotated[str, Path(description="The trace's id.")],
    ) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        trace_id = unquote(traceId)
        found = messages.read_trace(trace_id) if len(trace_id) <= 128 else []
        if not found:
            raise NotFoundError("No message carries this trace id.")
        return page("trace.html", trace_id=trace_id, messages=found, diagram=trace_svg(found))

    # -- streams and categories ------------------------------------------------------------------

    @app.get("/admin/streams", summary="Every stream, a page at a time", responses=_PAGE_ANSWERS)
    def streams_page(after: After = None) -> Response[str]:
        return admitted() or page("streams.html", streams=streams.streams(after=after, limit=PAGE))

    @app.get("/admin/streams/<streamName>", summary="One stream's messages", responses=_ONE_ANSWERS)
    def stream_page(
        streamName: Annotated[str, Path(description="The stream's name.")],
        start: Annotated[
            int, Query(alias="from", description="From this position.", ge=0, le=MAX_POSITION)
        ] = 0,
    ) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        stream_name = unquote(streamName)
        try:
            validate_stream_name(stream_name)
        except InvalidStreamNameError as exc:
            return page("error_input.html", 400, message=str(exc))
        listed = messages.read_stream(stream_name, start, PAGE)
        if not listed and start == 0:
            raise NotFoundError("There is no such stream.")
        following = listed[-1].position + 1 if len(listed) == PAGE else None
        return page(
            "stream.html",
            stream_name=stream_name,
            category=category_of(stream_name),
            messages=listed,
            next_from=following,
        )

    @app.get("/admin/categories", summary="Every category", responses=_PAGE_ANSWERS)
    def categories_page() -> Response[str]:
        return admitted() or page("categories.html", categories=streams.categories())

    @app.get(
        "/admin/categories/<category>", summary="One category's streams", responses=_ONE_ANSWERS
    )
    def category_page(
        category: Annotated[str, Path(description="The category.")],
        after: After = None,
    ) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        category = unquote(category)
        try:
            validate_category(category)
        except InvalidStreamNameError as exc:
            return page("error_input.html", 400, message=str(exc))
        listed = streams.streams_of(category, after=after, limit=PAGE)
        return page("category.html", category=category, streams=listed)

    # -- consumers -------------------------------------------------------------------------------

    @app.get(
        "/admin/consumers",
        summary="Each consumer: what it reads, its lag, what it skipped, its dead letters",
        responses=_PAGE_ANSWERS,
    )
    def consumers_page() -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        newest = _newest_by_category(messages, [c.category for c in streams.categories()])
        rows = [
            _consumer_row(c, newest, progress, skipped, dead_letters, clock())
            for c in all_consumers().values()
        ]
        relay = progress.get(RELAY)
        return page("consumers.html", consumers=rows, relay=relay, relay_reads=relay_declaration())

    @app.post(
        "/admin/consumers/<name>/redrive",
        summary="Deliver a consumer's dead letters again",
        responses={
            200: html_response("What was delivered again, and what was left."),
            404: html_response("No consumer has this name."),
            **COMMON_POST_ERRORS,
        },
    )
    def redrive_page(
        name: Annotated[str, Path(description="The consumer's name.")],
    ) -> Response[str]:
        denied = admitted()
        if denied:
            return denied
        consumer = all_consumers().get(name)
        if consumer is None:
            raise NotFoundError("No consumer has this name.")
        outcome, said = dead_letters.redrive(consumer)
        app.logger.info(
            "dead letters delivered again",
            extra={
                "consumer": name,
                "delivered": len(outcome.delivered),
                "left": len(outcome.left),
            },
        )
        return page("redrive.html", consumer=consumer, outcome=outcome, said=said)

    return app


_PAGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: html_response("The page."),
    303: redirect_response("Log in first."),
    403: html_response("Not an administrator."),
}
_ONE_ANSWERS: dict[int | str, dict[str, Any]] = {
    **_PAGE_ANSWERS,
    404: html_response("Nothing at this address."),
}


def _recent_message(
    messages: AdminMessages, categories: list[str], message_id: str
) -> StoredMessage | None:
    """The message ``message_id`` among the newest ``FOUND_BY_ID_AMONG`` (no index by id)."""
    before: str | None = None
    for _ in range(FOUND_BY_ID_AMONG // PAGE):
        listed = messages.read_latest(categories, before_global_position=before, max_messages=PAGE)
        found = next((m for m in listed if m.id == message_id), None)
        if found is not None or len(listed) < PAGE:
            return found
        before = listed[-1].global_position
    return None


def _message_at(messages: AdminMessages, stream: str, position: int) -> StoredMessage | None:
    try:
        validate_stream_name(stream)
    except InvalidStreamNameError:
        return None
    found = messages.read_stream(stream, position, 1)
    return found[0] if found and found[0].position == position else None


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


#: how many of each category's newest messages the consumers page looks through for the
#: newest one a consumer reads (of its types and origins)
NEWEST_LOOKED_AT = 50


def _newest_by_category(
    messages: AdminMessages, categories: list[str]
) -> dict[str, list[StoredMessage]]:
    """The newest messages of each category, newest first (read once for the whole page)."""
    return {c: messages.read_latest([c], max_messages=NEWEST_LOOKED_AT) for c in categories}


def _consumer_row(
    consumer: Consumer,
    newest_by_category: dict[str, list[StoredMessage]],
    progress: ConsumerProgressSource,
    skipped: SkippedMessagesSource,
    dead_letters: DeadLettersSource,
    now: datetime,
) -> dict[str, Any]:
    """What the consumers page shows of one consumer."""
    declaration = consumer.declaration
    candidates = [
        next((m for m in newest_first if declaration.accepts(m)), None)
        for category, newest_first in newest_by_category.items()
        if declaration.reads_everything or category in declaration.categories
    ]
    newest = max(filter(None, candidates), key=lambda m: m.global_position, default=None)
    done = progress.get(consumer.name)
    return {
        "name": consumer.name,
        "reads": declaration.describe(),
        "progress": done,
        "behind": _lag(newest, done),
        "newest": newest,
        "skipped": skipped.skipped(consumer.name, limit=20),
        "dead_letters": _depth(dead_letters, consumer),
        "checked_at": now,
    }


def _lag(newest: StoredMessage | None, done: Progress | None) -> str | None:
    """How far behind the newest message of its categories a consumer's progress is.

    Progress is recorded at most once a second (``RECORD_EVERY``): a consumer that finished
    the last message of a burst may not have recorded it, so a lag within that second reads
    as caught up to within it, not as a delay.
    """
    if newest is None:
        return None
    if done is None:
        return "has read nothing yet"
    if done.global_position >= newest.global_position:
        return "caught up"
    seconds = (newest.time - datetime.fromisoformat(done.message_time)).total_seconds()
    if seconds <= RECORD_EVERY:
        return "caught up to within a second (progress is recorded once a second)"
    return f"{seconds:.1f} s behind the newest message"


def _depth(dead_letters: DeadLettersSource, consumer: Consumer) -> Any:
    """The dead-letter depth, or what kept it from being read (the page still shows)."""
    try:
        return dead_letters.depth(consumer)
    except DeadLettersUnavailableError as exc:
        return f"cannot be read now ({exc})"
