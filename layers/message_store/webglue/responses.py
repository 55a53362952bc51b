"""HTML responses with the headers every page of the site carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from .redirects import location_header

HTML = "text/html; charset=utf-8"

#: Pages are self-contained: inline styles, no scripts, forms posting to this site only.
DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def content_security_policy(
    *, form_action: Sequence[str] = (), media_src: Sequence[str] = ()
) -> str:
    """The site's policy, letting forms also post to ``form_action`` origins (a presigned S3
    upload) and media play from ``media_src`` origins (a bucket's presigned URLs)."""
    policy = DEFAULT_CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", " ".join(["form-action 'self'", *form_action])
    )
    if media_src:
        policy += "; media-src " + " ".join(media_src)
    return policy


def page_headers(csp: str = DEFAULT_CONTENT_SECURITY_POLICY) -> dict[str, str]:
    """Headers of every page: no caching (pages show who is logged in), no framing, no sniffing."""
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


def html_response(
    body: str,
    status: int = 200,
    *,
    cookies: Sequence[Cookie] = (),
    headers: Mapping[str, str] | None = None,
    csp: str = DEFAULT_CONTENT_SECURITY_POLICY,
) -> Response[str]:
    """A page."""
    return Response(
        status_code=status,
        content_type=HTML,
        body=body,
        headers={**page_headers(csp), **(headers or {})},
        cookies=list(cookies),
    )


def see_other(
    location: str, *, cookies: Sequence[Cookie] = (), headers: Mapping[str, str] | None = None
) -> Response[str]:
    """``303 See Other``: the answer to a form post (the browser then GETs ``location``)."""
    return Response(
        status_code=303,
        content_type=HTML,
        body="",
        headers={
            **page_headers(),
            **(headers or {}),
            "Location": location_header(location),
        },
        cookies=list(cookies),
    )


def site_cookie(
    name: str, value: str, *, secure: bool, max_age: int, expires: datetime | None = None
) -> Cookie:
    """A cookie of the site's kind: the whole site (``/``), ``HttpOnly``, ``SameSite=Lax``,
    ``Secure`` when ``secure``; ``max_age`` 0 (and an ``expires`` in the past) forgets it."""
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=secure,
        http_only=True,
        max_age=max_age,
        expires=expires,
        same_site=SameSite.LAX_MODE,
    )
