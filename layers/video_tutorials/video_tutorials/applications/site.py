"""What the applications share: configuration, sessions, pages, the logger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from webglue import (
    SessionCookies,
    SessionSecret,
    SessionSigner,
    TokenSigner,
    WebApp,
    WebConfig,
    WrittenCookies,
)

from ..log_in_limits import LogInLimits
from ..settings import ApplicationSettings
from .pages import Pages


@dataclass(frozen=True)
class Site:
    """The site an application is part of."""

    config: WebConfig
    sessions: SessionCookies
    pages: Pages
    logger: Any | None = None
    written: WrittenCookies | None = None
    #: failed log-ins that lock an account (the authenticate app enforces, the admin shows)
    log_in_limits: LogInLimits = field(default_factory=LogInLimits)

    @classmethod
    def from_settings(cls, settings: ApplicationSettings, *, logger: Any | None = None) -> Site:
        """The site as configured for one function (at cold start; nothing is fetched yet).

        The session secret is ``SESSION_SECRET`` when set (local runs, tests), else the
        Secrets Manager secret ``SESSION_SECRET_ARN``, read at first use and cached.
        """
        value = settings.session_secret.get_secret_value() if settings.session_secret else None
        secret = SessionSecret(value=value, secret_id=settings.session_secret_arn)
        secure = not settings.is_local
        return cls(
            config=WebConfig(site_url=settings.site_url, max_body_bytes=settings.max_body_bytes),
            sessions=SessionCookies(SessionSigner(secret), secure=secure),
            pages=Pages(admins=settings.admins),
            logger=logger,
            written=WrittenCookies(TokenSigner(secret, purpose="written"), secure=secure),
            log_in_limits=settings.log_in_limits,
        )

    def create_app(self, *, title: str, description: str) -> WebApp:
        """A ``WebApp`` of this site: its error pages, its sessions, its logger."""
        return WebApp(
            config=self.config,
            sessions=self.sessions,
            written=self.written,
            render_error=self.pages.render_error,
            logger=self.logger,
            title=title,
            description=description,
        )


def html_response(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry: a page."""
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def redirect_response(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry: a ``303 See Other``."""
    return {
        "description": description,
        "headers": {"Location": {"schema": {"type": "string"}, "description": "where to go next"}},
        "content": {},
    }


#: What every form post may answer before its route runs (the web glue's screening).
COMMON_POST_ERRORS: dict[int, dict[str, Any]] = {
    403: html_response("The form was sent from another site (foreign Origin)."),
    413: html_response("The body is larger than the limit."),
    503: html_response("The message store or a view is unavailable."),
}
