"""The site's pages: one Jinja2 environment (autoescape on) over ``web/templates``.

Jinja2 is imported, and the environment made, at the first page rendered: a cold start that
only records a viewing and redirects never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webglue import ErrorPage, WebRequest

if TYPE_CHECKING:
    from jinja2 import Environment

SITE_NAME = "Video Tutorials"


def create_environment() -> Environment:
    """The environment every page is rendered with: HTML-escaped, strict about names."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("video_tutorials", "web/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


class Pages:
    """Renders templates in the shared layout, for one request.

    Every template gets ``request``, ``url`` (a local path with the base path in front),
    ``user`` (the session, or ``None``), ``site_name``, ``active`` (the navigation entry) and
    ``pending`` (the user's own change is not in the view yet: the page says so and
    refreshes itself) and ``is_admin`` (the user's email is one of ``admins``: the navigation
    links the admin pages).
    """

    def __init__(
        self, environment: Environment | None = None, admins: frozenset[str] = frozenset()
    ) -> None:
        self._environment = environment
        self.admins = admins

    def is_admin(self, user: Any) -> bool:
        """Whether ``user`` (a session, or ``None``) is one of the site's admins."""
        return user is not None and user.email.strip().lower() in self.admins

    @property
    def environment(self) -> Environment:
        """The Jinja2 environment (made at first use)."""
        if self._environment is None:
            self._environment = create_environment()
        return self._environment

    def render(self, template: str, request: WebRequest, **context: Any) -> str:
        return self._render(template, request, request.session, context)

    def render_error(self, request: WebRequest, error: ErrorPage) -> str:
        """The error page; a session that cannot be read now shows as logged out."""
        return self._render("error.html", request, request.session_if_available(), {"error": error})

    def _render(
        self, template: str, request: WebRequest, user: Any, context: dict[str, Any]
    ) -> str:
        context.setdefault("active", "")
        context.setdefault("pending", False)
        return self.environment.get_template(template).render(
            request=request,
            url=request.url,
            user=user,
            is_admin=self.is_admin(user),
            site_name=SITE_NAME,
            **context,
        )
