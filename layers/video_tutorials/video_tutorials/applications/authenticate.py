"""authenticate: logging in and out.

``GET /auth/log-in``: the form (a ``next`` path kept in a hidden field). ``POST /auth/log-in``:
unknown email → 401, nothing written; wrong password → ``UserLoginFailed`` and 401; right →
``UserLoggedIn``, the session cookie, ``303`` to ``next`` if it is a local path, else ``/``.
After too many failed log-ins in a row for one account (``Site.log_in_limits``: 5 within 15
minutes), its log-ins are answered 429 with ``Retry-After`` until the window has passed —
without checking the password, right or wrong (``log_in_limits``).
Right after registering, the email index may not have the new user yet (it is eventually
consistent): the registration's write, which the browser still carries, names the user,
whose credentials are then read strongly consistent (read your writes).
``POST /auth/log-out`` (and a ``GET`` link): the cookie cleared, ``303`` to ``/``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Form, Query
from pydantic import ValidationError

from message_store import Message, VersionConflictError
from message_store import category as category_of
from message_store import id as id_of
from webglue import WebApp, field_errors, safe_next_path

from ..contracts.authentication import UserLoggedIn, UserLoginFailed, authentication_stream
from ..contracts.identity import COMMAND_CATEGORY, identity_stream, normalise_email
from ..log_in_limits import failures_in_a_row, in_words, retry_after
from ..views.user_credentials import UserCredentials
from .forms import EMAIL_MAX_LENGTH, LogInForm
from .passwords import MAX_LENGTH, Passwords
from .ports import AuthenticationStreams, CredentialsByEmail
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response

WRONG_CREDENTIALS = "That email address and password do not match an account."
WRONG_PASSWORD = "wrong password"  # noqa: S105 - the reason, not a password
LOCKED = (
    "There were too many failed log-ins for this account, so logging in to it is paused "
    "for {wait}. Try again after that."
)

NextQuery = Annotated[
    str, Query(alias="next", description="A local path to go to after logging in.")
]


def create_app(
    site: Site,
    *,
    store: AuthenticationStreams,
    credentials: CredentialsByEmail,
    passwords: Passwords | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WebApp:
    """The authenticate application on ``store`` and the user-credentials view."""
    app = site.create_app(
        title="Video Tutorials: authenticate",
        description="Logging in and out (the `authentication` category) and the session cookie.",
    )
    hashing = passwords or Passwords()
    limits = site.log_in_limits

    def locked_until(stream: str) -> tuple[datetime | None, int]:
        """When the account's log-in lock ends (``None``: not locked), from its stream, and
        the position of the stream's newest message (``-1``: none).

        Only the newest ``limits.failures`` messages matter; the newest alone settles the
        usual case (it is not a failure, or there are too few messages): one query.
        """
        last = store.read_last_message(stream)
        version = -1 if last is None else last.position
        if last is None or last.type != UserLoginFailed.type or last.position + 1 < limits.failures:
            return None, version
        newest = store.read_stream(stream, last.position + 1 - limits.failures, limits.failures)
        return limits.locked_until(failures_in_a_row(newest), clock()), version

    def record(stream: str, message: Message, version: int) -> None:
        """Append ``message`` right after the newest message read (one request: the store
        knows the position); after another writer's meanwhile, at the end."""
        try:
            store.write(stream, message, expected_version=version)
        except VersionConflictError:
            store.write(stream, message)

    def form_page(
        status: int = 200,
        *,
        email: str = "",
        next_path: str = "",
        errors: dict[str, str] | None = None,
    ) -> Response[str]:
        safe = safe_next_path(next_path, default="")
        html = site.pages.render(
            "log_in.html",
            app.current_request,
            email=email,
            next_path=safe,
            errors=errors or {},
            active="log-in",
        )
        return app.page(html, status)

    @app.get(
        "/auth/log-in",
        summary="The log-in form",
        responses={200: html_response("The form.")},
    )
    def log_in_form(next_path: NextQuery = "") -> Response[str]:
        return form_page(next_path=next_path)

    @app.post(
        "/auth/log-in",
        summary="Log in",
        description="Writes `UserLoggedIn` or `UserLoginFailed` to `authentication-{userId}`.",
        responses={
            303: redirect_response("Logged in: the session cookie is set."),
            400: html_response("A field is missing or invalid."),
            401: html_response("No account with this email and password."),
            429: {
                **html_response(
                    "Too many failed log-ins for this account: paused, the password unchecked."
                ),
                "headers": {
                    "Retry-After": {
                        "schema": {"type": "integer", "minimum": 1},
                        "description": "seconds until log-ins to this account are possible",
                    }
                },
            },
            **COMMON_POST_ERRORS,
        },
    )
    def log_in(
        email: Annotated[
            str,
            Form(
                description="The account's email address",
                json_schema_extra={"format": "email", "maxLength": EMAIL_MAX_LENGTH},
            ),
        ] = "",
        password: Annotated[
            str, Form(description="The password", json_schema_extra={"maxLength": MAX_LENGTH})
        ] = "",
        next_path: Annotated[
            str, Form(alias="next", description="A local path to go to after logging in.")
        ] = "",
    ) -> Response[str]:
        try:
            form = LogInForm.model_validate({"email": email, "password": password})
        except ValidationError as exc:
            return form_page(400, email=email, next_path=next_path, errors=field_errors(exc))

        address = normalise_email(form.email)
        found = credentials.find_by_email(address) or just_registered(address)
        if found is None or not found.password_hash:
            hashing.verify_nothing(form.password)
            app.logger.info("log-in for an unknown email")
            return form_page(401, email=email, next_path=next_path, errors={"": WRONG_CREDENTIALS})

        request = app.current_request
        stream = authentication_stream(found.user_id)
        until, version = locked_until(stream)
        if until is not None:
            wait = retry_after(until, clock())
            app.logger.warning(
                "log-in refused: the account is locked",
                extra={"user_id": found.user_id, "until": until.isoformat()},
            )
            page = form_page(
                429,
                email=email,
                next_path=next_path,
                errors={"": LOCKED.format(wait=in_words(wait))},
            )
            page.headers["Retry-After"] = str(wait)
            return page
        if not hashing.verify(found.password_hash, form.password):
            failed = UserLoginFailed(user_id=found.user_id, reason=WRONG_PASSWORD)
            record(stream, failed.to_message(request.metadata()), version)
            app.logger.info("log-in failed", extra={"user_id": found.user_id})
            return form_page(401, email=email, next_path=next_path, errors={"": WRONG_CREDENTIALS})

        # the session first: without the secret there is no log-in to record
        cookies = [site.sessions.issue(found.user_id, found.email or address)]
        if request.written is not None and site.written is not None:
            cookies.append(site.written.clear())  # the registration is read back: done
        record(stream, UserLoggedIn(user_id=found.user_id).to_message(request.metadata()), version)
        app.logger.info("logged in", extra={"user_id": found.user_id})
        return app.redirect(safe_next_path(next_path), cookies=cookies)

    def just_registered(address: str) -> UserCredentials | None:
        """The user the browser just registered, if that is who logs in (read your writes)."""
        written = app.current_request.written
        if written is None or category_of(written.stream_name) != COMMAND_CATEGORY:
            return None
        user_id = id_of(written.stream_name) or ""
        registered = identity_stream(user_id)
        found: UserCredentials | None = None

        def applied() -> bool:
            nonlocal found
            done, found = credentials.get_if_applied(user_id, registered, 0)
            return done

        if not app.wait_for(applied):
            return None
        return found if found is not None and found.email == address else None

    @app.post(
        "/auth/log-out",
        summary="Log out",
        responses={
            303: redirect_response("Logged out: the cookie is cleared."),
            **COMMON_POST_ERRORS,
        },
    )
    def log_out() -> Response[str]:
        return app.redirect("/", cookies=[site.sessions.clear()])

    @app.get(
        "/auth/log-out",
        summary="Log out (a link)",
        responses={303: redirect_response("Logged out: the cookie is cleared.")},
    )
    def log_out_link() -> Response[str]:
        return app.redirect("/", cookies=[site.sessions.clear()])

    return app
