"""authenticate: logging in and out.

``GET /auth/log-in``: the form (a ``next`` path kept in a hidden field). ``POST /auth/log-in``:
unknown email → 401, nothing written; wrong password → ``UserLoginFailed`` and 401; right →
``UserLoggedIn``, the session cookie, ``303`` to ``next`` if it is a local path, else ``/``.
Right after registering, the email index may not have the new user yet (it is eventually
consistent): the registration's write, which the browser still carries, names the user,
whose credentials are then read strongly consistent (read your writes).
``POST /auth/log-out`` (and a ``GET`` link): the cookie cleared, ``303`` to ``/``.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Form, Query
from pydantic import ValidationError

from message_store import category as category_of
from message_store import id as id_of
from webglue import WebApp, field_errors, safe_next_path

from ..contracts.authentication import UserLoggedIn, UserLoginFailed, authentication_stream
from ..contracts.identity import COMMAND_CATEGORY, identity_stream, normalise_email
from ..views.user_credentials import UserCredentials
from .forms import EMAIL_MAX_LENGTH, LogInForm
from .passwords import MAX_LENGTH, Passwords
from .ports import CredentialsByEmail, MessageWriter
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response

WRONG_CREDENTIALS = "That email address and password do not match an account."
WRONG_PASSWORD = "wrong password"  # noqa: S105 - the reason, not a password

NextQuery = Annotated[
    str, Query(alias="next", description="A local path to go to after logging in.")
]


def create_app(
    site: Site,
    *,
    store: MessageWriter,
    credentials: CredentialsByEmail,
    passwords: Passwords | None = None,
) -> WebApp:
    """The authenticate application on ``store`` and the user-credentials view."""
    app = site.create_app(
        title="Video Tutorials: authenticate",
        description="Logging in and out (the `authentication` category) and the session cookie.",
    )
    hashing = passwords or Passwords()

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
        if not hashing.verify(found.password_hash, form.password):
            failed = UserLoginFailed(user_id=found.user_id, reason=WRONG_PASSWORD)
            store.write(stream, failed.to_message(request.metadata()))
            app.logger.info("log-in failed", extra={"user_id": found.user_id})
            return form_page(401, email=email, next_path=next_path, errors={"": WRONG_CREDENTIALS})

        # the session first: without the secret there is no log-in to record
        cookies = [site.sessions.issue(found.user_id, found.email or address)]
        if request.written is not None and site.written is not None:
            cookies.append(site.written.clear())  # the registration is read back: done
        store.write(stream, UserLoggedIn(user_id=found.user_id).to_message(request.metadata()))
        app.logger.info("logged in", extra={"user_id": found.user_id})
        return app.redirect(safe_next_path(next_path), cookies=cookies)

    def just_registered(address: str) -> UserCredentials | None:
        """The user the browser just registered, if that is who logs in (read your writes)."""
        written = app.current_request.written
        if written is None or category_of(written.stream_name) != COMMAND_CATEGORY:
            return None
        user_id = id_of(written.stream_name) or ""
        registered = identity_stream(user_id)
        if not app.wait_for(lambda: credentials.has_applied(user_id, registered, 0)):
            return None
        found = credentials.get(user_id)
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
