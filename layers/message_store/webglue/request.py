"""One HTTP request as the web glue sees it: trace id, base path, headers, cookies, session."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from message_store.message import Metadata

from .sessions import Session, SessionCookies, SessionSecretUnavailableError
from .written import Written, WrittenCookies

# A base path is made of plain path segments: it goes into every link and redirect.
_BASE_PATH = re.compile(r"(?:/[A-Za-z0-9._~-]+)*")
_UNREAD: Any = object()


def base_path_of(event: Mapping[str, Any]) -> str:
    """The prefix in front of the application's paths in the browser's URL ('' for none).

    On API Gateway's own domain the stage is part of the URL (``requestContext.path`` is
    ``/Prod/register`` while ``path`` is ``/register``); behind a custom domain or locally
    there is none, or the domain's base-path mapping. Links and redirects must carry it.
    """
    path = str(event.get("path") or "/").rstrip("/")
    context = event.get("requestContext") or {}
    full = str(context.get("path") or path).rstrip("/")
    if full.endswith(path):
        base = full[: len(full) - len(path)]
    else:  # the two differ in encoding: fall back on the stage
        stage = str(context.get("stage") or "")
        base = f"/{stage}" if stage and (full + "/").startswith(f"/{stage}/") else ""
    return base if _BASE_PATH.fullmatch(base) else ""


def single_value_headers(event: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers, names in lower case, one value each (``headers`` first)."""
    headers: dict[str, str] = {}
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if values:
            headers[name.lower()] = str(values[0])
    for name, value in (event.get("headers") or {}).items():
        if value is not None:
            headers[name.lower()] = str(value)
    return headers


def parse_cookies(header: str | None) -> dict[str, str]:
    """The ``Cookie`` header as a dict; lenient (one odd cookie does not hide the others).

    The first of two cookies with one name wins: browsers send the most specific path first.
    """
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, separator, value = part.partition("=")
        name = name.strip()
        if separator and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


class WebRequest:
    """The request being handled: what every page and every message written needs from it."""

    def __init__(
        self,
        *,
        trace_id: str,
        method: str,
        path: str,
        base_path: str = "",
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        body_is_base64: bool = False,
        sessions: SessionCookies | None = None,
        written: WrittenCookies | None = None,
    ) -> None:
        self.trace_id = trace_id
        self.method = method.upper()
        self.path = path
        self.base_path = base_path
        self.headers = dict(headers or {})
        self.cookies = parse_cookies(self.headers.get("cookie"))
        self.raw_body = body
        self.body_is_base64 = body_is_base64
        self.sessions = sessions
        self.written_cookies = written
        self._session: Session | None = _UNREAD
        self._written: Written | None = _UNREAD

    @classmethod
    def from_event(
        cls,
        event: Mapping[str, Any],
        *,
        trace_id: str,
        sessions: SessionCookies | None = None,
        written: WrittenCookies | None = None,
    ) -> WebRequest:
        """The request of an API Gateway REST (v1) proxy event."""
        return cls(
            trace_id=trace_id,
            method=str(event.get("httpMethod") or "GET"),
            path=str(event.get("path") or "/"),
            base_path=base_path_of(event),
            headers=single_value_headers(event),
            body=event.get("body"),
            body_is_base64=bool(event.get("isBase64Encoded")),
            sessions=sessions,
            written=written,
        )

    # -- the body ------------------------------------------------------------------------

    def body_bytes(self) -> bytes:
        """The body as sent by the browser (``ValueError`` for invalid base64)."""
        if not self.raw_body:
            return b""
        if not self.body_is_base64:
            return self.raw_body.encode()
        try:
            return base64.b64decode(self.raw_body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("the body is not valid base64") from exc

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    # -- who is asking -------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The logged-in user's session, or ``None`` (read once, at first use).

        Raises ``SessionSecretUnavailableError`` when a cookie is present but the secret
        cannot be read.
        """
        if self._session is _UNREAD:
            self._session = self.sessions.read(self.cookies) if self.sessions else None
        return self._session

    def session_if_available(self) -> Session | None:
        """The session, or ``None`` when it cannot be read now (for error pages)."""
        try:
            return self.session
        except SessionSecretUnavailableError:
            return None

    @property
    def written(self) -> Written | None:
        """The write of the user's previous request that this one must show, if any.

        A forged, expired or malformed cookie is none; so is one that cannot be verified now
        (the secret out of reach): the page then renders as it would without it.
        """
        if self._written is _UNREAD:
            try:
                cookies = self.written_cookies
                self._written = cookies.read(self.cookies) if cookies else None
            except SessionSecretUnavailableError:
                self._written = None
        return self._written

    @property
    def user_id(self) -> str | None:
        session = self.session
        return session.user_id if session else None

    def metadata(self) -> Metadata:
        """The metadata of every message this request writes: its trace, and its user."""
        return Metadata(trace_id=self.trace_id, user_id=self.user_id)

    # -- where things are ----------------------------------------------------------------

    def url(self, path: str) -> str:
        """A local path (``/register``) as the browser must request it (``/Prod/register``)."""
        if not path.startswith("/"):
            raise ValueError(f"a local path starts with '/': {path!r}")
        if path == "/" and self.base_path:
            return f"{self.base_path}/"
        return f"{self.base_path}{path}"

    def absolute_url(self, path: str) -> str:
        """A local path as an absolute URL on the host the browser asked (for redirects that
        come back from another site, such as S3's after an upload)."""
        proto = self.forwarded_proto or "https"
        return f"{proto}://{self.host or 'localhost'}{self.url(path)}"

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    @property
    def referer(self) -> str | None:
        """The ``Referer`` header (the page the request was sent from), if any."""
        return self.headers.get("referer")

    @property
    def host(self) -> str | None:
        return self.headers.get("host")

    @property
    def forwarded_proto(self) -> str | None:
        return self.headers.get("x-forwarded-proto")
