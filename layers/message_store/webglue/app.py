"""``WebApp``: Powertools' REST resolver with the site's web glue around every request.

Before routing: a trace id (the Logger's correlation id, and every written message's
``traceId``), the request's base path and session, and the screening that refuses a foreign
``Origin`` (403), an oversized body (413) or an unreadable one (400) before anything else
runs. After: errors mapped to HTML pages in one place (4xx for any input, 503 when the store,
a view or the secret is out of reach, a 500 page only for a bug), and an ``X-Trace-Id`` header.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RequestEntityTooLargeError,
    ServiceError,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.shared.cookies import Cookie
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from message_store.errors import (
    MessageStoreError,
    MessageStoreUnavailableError,
    VersionConflictError,
)

from .forms import FORM_CONTENT_TYPE, FormBodyError, parse_form
from .origins import origin_allowed
from .request import WebRequest
from .responses import DEFAULT_CONTENT_SECURITY_POLICY, html_response, see_other
from .sessions import SessionCookies, SessionSecretUnavailableError
from .written import DEFAULT_WAIT, Written, WrittenCookies, wait_until

#: Methods that change state: they must come from this site (the ``Origin`` check).
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class WebConfig:
    """What the web glue needs to know about the site."""

    site_url: str = ""
    max_body_bytes: int = 16 * 1024
    content_security_policy: str = DEFAULT_CONTENT_SECURITY_POLICY
    #: What a request body may be: the site's forms are urlencoded (no JSON, no multipart).
    body_types: frozenset[str] = frozenset({FORM_CONTENT_TYPE})
    #: How long a page waits for a view to apply the user's own write (read your writes).
    read_back_wait: float = DEFAULT_WAIT


@dataclass(frozen=True)
class ErrorPage:
    """What an error page says: the status, a title, a sentence, and details if any."""

    status: int
    title: str
    message: str
    details: tuple[str, ...] = field(default_factory=tuple)


#: Renders an error page as HTML: the site's layout around ``ErrorPage``.
ErrorRenderer = Callable[[WebRequest, ErrorPage], str]

_TITLES = {
    400: "That request could not be handled",
    401: "You are not logged in",
    403: "Not allowed",
    404: "Page not found",
    409: "That changed meanwhile",
    413: "Too large",
    415: "Unsupported form",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


class WebApp(APIGatewayRestResolver):
    """An application of server-rendered HTML pages on API Gateway REST (v1).

    Routes are declared as with Powertools (validation on, so ``Form``, ``Path``, ``Query``
    parameters are typed and documented in the generated OpenAPI document). In a route,
    ``app.current_request`` is the ``WebRequest``; ``app.page(html)`` and
    ``app.redirect(path)`` answer with the site's headers and base path.
    """

    def __init__(
        self,
        *,
        config: WebConfig | None = None,
        sessions: SessionCookies | None = None,
        written: WrittenCookies | None = None,
        render_error: ErrorRenderer | None = None,
        logger: Any | None = None,
        title: str = "Application",
        description: str | None = None,
        version: str = "1.0.0",
    ) -> None:
        super().__init__(enable_validation=True)
        self.config = config or WebConfig()
        self.sessions = sessions
        self.written = written
        self.render_error = render_error or plain_error_page
        self.logger = logger or logging.getLogger(__name__)
        self.configure_openapi(title=title, version=version, description=description)
        self.exception_handler(ServiceError)(self._service_error)
        self.exception_handler(NotFoundError)(self._not_found)
        self.exception_handler(RequestValidationError)(self._invalid_request)
        self.exception_handler(RequestUnsupportedContentType)(self._unsupported_content_type)
        self.exception_handler([MessageStoreUnavailableError, SessionSecretUnavailableError])(
            self._unavailable
        )
        self.exception_handler(MessageStoreError)(self._store_refused)
        self.exception_handler(Exception)(self._unexpected)

    # -- the request -----------------------------------------------------------------------

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """Handle one API Gateway REST proxy event: screen it, route it, map its errors."""
        trace_id = str(uuid.uuid4())
        if hasattr(self.logger, "set_correlation_id"):
            self.logger.set_correlation_id(trace_id)
        request = WebRequest.from_event(
            event, trace_id=trace_id, sessions=self.sessions, written=self.written
        )
        self.append_context(web_request=request)
        rejection = self.screen(request)
        if rejection is None:
            response = super().resolve(event, context)
        else:
            try:
                built = ResponseBuilder(self._service_error(rejection))
                response = built.build(APIGatewayProxyEvent(dict(event)))
            finally:
                self.clear_context()
        _add_header(response, "X-Trace-Id", trace_id)
        status = response["statusCode"]
        self.logger.info(
            "request handled",
            extra={"method": request.method, "path": request.path, "status": status},
        )
        return response

    @property
    def current_request(self) -> WebRequest:
        """The request being handled (inside a route or an exception handler)."""
        return self.context["web_request"]

    def screen(self, request: WebRequest) -> ServiceError | None:
        """Why the request is refused before routing, or ``None``: Origin, size, type, encoding."""
        if request.method in STATE_CHANGING_METHODS and not origin_allowed(
            request.origin,
            host=request.host,
            forwarded_proto=request.forwarded_proto,
            trusted=[self.config.site_url] if self.config.site_url else [],
            referer=request.referer,
        ):
            self.logger.warning(
                "foreign origin refused",
                extra={"origin": request.origin, "referer": request.referer},
            )
            return ForbiddenError(
                "This form was sent from another site, so it was refused. "
                "Open the page on this site and send it again."
            )
        limit = self.config.max_body_bytes
        too_large = RequestEntityTooLargeError(
            f"What you sent is too large: the limit is {limit:,} bytes."
        )
        if len(request.raw_body or "") > limit * 4 // 3 + 4:  # too large even as base64
            return too_large
        try:
            body = request.body_bytes()
        except ValueError:
            return BadRequestError("The request's body could not be read.")
        if len(body) > limit:
            return too_large
        if body and request.content_type not in self.config.body_types:
            return ServiceError(415, "Send this form from its page on this site.")
        try:
            if request.content_type == FORM_CONTENT_TYPE:
                parse_form(body)
            else:
                body.decode("utf-8")
        except (FormBodyError, UnicodeDecodeError):
            return BadRequestError("The form could not be read: it is not UTF-8 form data.")
        return None

    # -- answers ---------------------------------------------------------------------------

    def page(
        self,
        body: str,
        status: int = 200,
        *,
        cookies: Sequence[Cookie] = (),
        written_shown: bool = False,
        csp: str | None = None,
    ) -> Response[str]:
        """A page (HTML) with the site's headers.

        ``written_shown``: the page shows the user's previous write (``wait_for`` said so):
        the browser may forget it. ``csp``: this page's policy, when it needs more than the
        site's (``content_security_policy``).
        """
        if written_shown and self.written is not None and self.current_request.written:
            cookies = [*cookies, self.written.clear()]
        policy = csp or self.config.content_security_policy
        return html_response(body, status, cookies=cookies, csp=policy)

    def log_in_first(self) -> Response[str]:
        """``303`` to the log-in page, coming back here after it (a page that needs a user)."""
        request = self.current_request
        back = request.path if request.method == "GET" else "/"
        return self.redirect(f"/auth/log-in?next={quote(back, safe='/')}")

    def redirect(
        self, path: str, *, cookies: Sequence[Cookie] = (), written: Written | None = None
    ) -> Response[str]:
        """``303 See Other`` to a local path (the base path is added).

        ``written``: the message this request wrote, which the next page must show (it
        travels in a signed cookie; see ``webglue.written``).
        """
        if written is not None and self.written is not None:
            cookies = [*cookies, self.written.issue(written)]
        return see_other(self.current_request.url(path), cookies=cookies)

    def wait_for(self, applied: Callable[[], bool]) -> bool:
        """Ask ``applied`` (a strongly consistent read of one view item) until it is true or
        ``read_back_wait`` has passed; whether the view has caught up with the user."""
        return wait_until(applied, timeout=self.config.read_back_wait)

    def error_page(self, page: ErrorPage) -> Response[str]:
        """An error page in the site's layout (a plain one if the layout itself fails)."""
        request = self.context.get("web_request")
        try:
            body = self.render_error(request, page) if request else plain_error_page(None, page)
        except Exception:
            self.logger.exception("the error page could not be rendered")
            body = plain_error_page(request, page)
        return self.page(body, page.status)

    # -- the central error mapping ---------------------------------------------------------

    def _service_error(self, error: ServiceError) -> Response[str]:
        message = error.msg if isinstance(error.msg, str) else str(error.msg)
        return self.error_page(ErrorPage(error.status_code, _title(error.status_code), message))

    def _not_found(self, error: NotFoundError) -> Response[str]:
        message = error.msg if isinstance(error.msg, str) and error.msg != "Not found" else ""
        return self.error_page(
            ErrorPage(404, _TITLES[404], message or "There is no page at this address.")
        )

    def _invalid_request(self, error: RequestValidationError) -> Response[str]:
        details = tuple(describe_validation_error(item) for item in error.errors())
        return self.error_page(
            ErrorPage(400, _TITLES[400], "Some of what was sent is not valid:", details)
        )

    def _unsupported_content_type(self, error: RequestUnsupportedContentType) -> Response[str]:
        return self.error_page(
            ErrorPage(415, _TITLES[415], "Send this form from its page on this site.")
        )

    def _unavailable(self, error: Exception) -> Response[str]:
        self.logger.exception("a dependency is unavailable")
        return self.error_page(
            ErrorPage(
                503,
                _TITLES[503],
                "Part of the site cannot be reached right now. Please try again in a moment.",
            )
        )

    def _store_refused(self, error: MessageStoreError) -> Response[str]:
        if isinstance(error, VersionConflictError):
            self.logger.info("version conflict", extra={"error": str(error)})
            return self.error_page(
                ErrorPage(409, _TITLES[409], "Someone changed this at the same time. Try again.")
            )
        if isinstance(error, ValueError):
            self.logger.warning("the message store refused the input", extra={"error": str(error)})
            return self.error_page(ErrorPage(400, _TITLES[400], "That input cannot be stored."))
        return self._unexpected(error)

    def _unexpected(self, error: Exception) -> Response[str]:
        self.logger.exception("unexpected error")
        return self.error_page(
            ErrorPage(500, _TITLES[500], "Sorry, that did not work. It has been logged.")
        )

    # -- the OpenAPI document --------------------------------------------------------------

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Powertools' document, without the JSON 422 it adds: invalid input gets a 400 page."""
        schema = super().get_openapi_schema(**kwargs)
        for item in (schema.paths or {}).values():
            for name in _OPERATIONS:
                operation = getattr(item, name, None)
                if operation is not None and operation.responses:
                    operation.responses.pop(422, None)
        schemas = schema.components.schemas if schema.components else None
        if schemas:
            for name in _VALIDATION_SCHEMAS:
                schemas.pop(name, None)
        return schema


def describe_validation_error(error: Mapping[str, Any]) -> str:
    """One of Powertools' validation errors as a sentence (no input, no pydantic jargon)."""
    location = [str(part) for part in error.get("loc", ())]
    where = {"path": "address", "query": "query", "body": "form", "header": "header"}.get(
        location[0] if location else "", "request"
    )
    name = location[-1] if len(location) > 1 else where
    kind = str(error.get("type", ""))
    if kind == "missing":
        problem = "is missing"
    elif kind.startswith("uuid"):
        problem = "must be a UUID, like 0b6a8c1e-3f2d-4c5b-9a7e-1d2c3b4a5f60"
    elif kind.startswith("json"):
        problem = "is not JSON"
    elif kind.startswith("string_too_long"):
        problem = "is too long"
    else:
        problem = "is not valid"
    return f"The {where} field “{name}” {problem}."


def plain_error_page(request: WebRequest | None, page: ErrorPage) -> str:
    """A minimal error page that needs nothing (the fallback of the site's own)."""
    from html import escape

    details = "".join(f"<li>{escape(detail)}</li>" for detail in page.details)
    trace = f"<p>Reference: {escape(request.trace_id)}</p>" if request else ""
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        f"<title>{escape(page.title)}</title><h1>{escape(page.title)}</h1>"
        f"<p>{escape(page.message)}</p><ul>{details}</ul>{trace}</html>"
    )


def _title(status: int) -> str:
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _add_header(response: dict[str, Any], name: str, value: str) -> None:
    if "multiValueHeaders" in response:
        headers = dict(response["multiValueHeaders"] or {})
        headers[name] = [value]
        response["multiValueHeaders"] = headers
    else:
        response.setdefault("headers", {})[name] = value
