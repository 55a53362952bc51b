"""register-users: the registration form and the ``Register`` command.

``GET /register``: the form, with a fresh hidden user id. ``POST /register``: a valid email
not in the credentials view, a password of 8 to 128 characters, a UUID id → ``Register`` to
``identity:command-{userId}`` (expected version -1), then ``303`` to
``/register/registration-complete``. Every invalid field re-renders the form with its message.
That page waits (bounded) until the credentials view has the new user — the write travels to
it signed (read your writes) — so the log-in that follows finds the account.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Form
from pydantic import ValidationError

from message_store import VersionConflictError
from message_store import category as category_of
from message_store import id as id_of
from webglue import WebApp, Written, field_errors

from ..contracts.identity import (
    COMMAND_CATEGORY,
    Register,
    command_stream,
    identity_stream,
    normalise_email,
)
from ..views.user_credentials import UserCredentials
from .forms import EMAIL_MAX_LENGTH, RegistrationForm
from .passwords import MAX_LENGTH, MIN_LENGTH, Passwords
from .ports import CredentialsByEmail, MessageStream
from .site import COMMON_POST_ERRORS, Site, html_response, redirect_response

EMAIL_TAKEN = "That email address is already taken."
FORM_REUSED = (
    "This form was already sent with another email address. "
    "Please check the form and send it again."
)


def create_app(
    site: Site,
    *,
    store: MessageStream,
    credentials: CredentialsByEmail,
    passwords: Passwords | None = None,
) -> WebApp:
    """The register-users application on ``store`` and the user-credentials view."""
    app = site.create_app(
        title="Video Tutorials: register users",
        description="Registering users: the form and the `Register` command of identity.",
    )
    hashing = passwords or Passwords()

    def form_page(
        status: int = 200,
        *,
        user_id: str | None = None,
        email: str = "",
        errors: dict[str, str] | None = None,
    ) -> Response[str]:
        html = site.pages.render(
            "register.html",
            app.current_request,
            user_id=user_id or str(uuid.uuid4()),
            email=email,
            errors=errors or {},
            active="register",
        )
        return app.page(html, status)

    @app.get(
        "/register",
        summary="The registration form",
        responses={200: html_response("The form, with a fresh user id.")},
    )
    def registration_form() -> Response[str]:
        return form_page()

    @app.post(
        "/register",
        summary="Register a user",
        description="Writes `Register` to `identity:command-{id}` (expected version -1).",
        responses={
            303: redirect_response("Registered: see /register/registration-complete."),
            400: html_response("A field is missing or invalid, or the email is taken."),
            409: html_response("The form's id was already used with another email."),
            **COMMON_POST_ERRORS,
        },
    )
    def register(
        user_id: Annotated[
            str,
            Form(alias="id", description="The new user's id", json_schema_extra={"format": "uuid"}),
        ] = "",
        email: Annotated[
            str,
            Form(
                description="The user's email address",
                json_schema_extra={"format": "email", "maxLength": EMAIL_MAX_LENGTH},
            ),
        ] = "",
        password: Annotated[
            str,
            Form(
                description="The password",
                json_schema_extra={"minLength": MIN_LENGTH, "maxLength": MAX_LENGTH},
            ),
        ] = "",
    ) -> Response[str]:
        try:
            form = RegistrationForm.model_validate(
                {"id": user_id, "email": email, "password": password}
            )
        except ValidationError as exc:
            errors = field_errors(exc)
            fresh_id = None if "id" in errors else user_id
            return form_page(400, user_id=fresh_id, email=email, errors=errors)
        address = normalise_email(form.email)
        if credentials.find_by_email(address) is not None:
            return form_page(400, user_id=form.user_id, email=email, errors={"email": EMAIL_TAKEN})

        request = app.current_request
        command = Register(
            user_id=form.user_id, email=address, password_hash=hashing.hash(form.password)
        )
        stream = command_stream(form.user_id)
        try:
            store.write(stream, command.to_message(request.metadata()), expected_version=-1)
        except VersionConflictError:
            # The id is the form's: the same form was sent twice (a double click) — done
            # already — unless it came back with another address (the back button).
            if not _registered_with(store, stream, address):
                return form_page(409, email=email, errors={"": FORM_REUSED})
            app.logger.info("registration already sent", extra={"user_id": form.user_id})
        else:
            app.logger.info("registration sent", extra={"user_id": form.user_id})
        # the Register is the stream's first message: position 0
        return app.redirect("/register/registration-complete", written=Written(stream, 0))

    @app.get(
        "/register/registration-complete",
        summary="Registration complete",
        responses={200: html_response("Thanks, with a link to log in.")},
    )
    def registration_complete() -> Response[str]:
        request = app.current_request
        written = request.written
        status, state = 200, "unknown"
        if written is not None and category_of(written.stream_name) == COMMAND_CATEGORY:
            user_id = id_of(written.stream_name) or ""
            registered = identity_stream(user_id)
            found: UserCredentials | None = None

            def applied() -> bool:
                nonlocal found
                done, found = credentials.get_if_applied(user_id, registered, 0)
                return done

            if app.wait_for(applied):
                state = "rejected" if found and found.rejected_reason else "ready"
            else:
                state = "pending"
        if state == "rejected":
            status = 409
        html = site.pages.render(
            "registration_complete.html",
            request,
            state=state,
            active="register",
            pending=state == "pending",
        )
        # "ready" keeps the cookie: the log-in that follows uses it (the email index lags)
        return app.page(html, status, written_shown=state == "rejected")

    return app


def _registered_with(store: MessageStream, stream: str, email: str) -> bool:
    first = store.read_stream(stream, 0, 1)
    return bool(first) and first[0].type == Register.type and first[0].data.get("email") == email
