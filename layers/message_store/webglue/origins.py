"""The ``Origin`` (and, without it, ``Referer``) check that refuses state-changing requests
sent from other sites."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str | None) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port; ``None`` if not an origin.

    Accepts an ``Origin`` header or any URL (its path is ignored): ``https://Example.com:443/x``
    becomes ``https://example.com``. ``null`` and anything but http(s) give ``None``.
    """
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # an IPv6 address: urlsplit dropped its brackets
        host = f"[{host}]"
    suffix = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{suffix}"


def own_origins(host: str | None, forwarded_proto: str | None) -> set[str]:
    """The origins a request addressed to ``host`` comes from when it comes from this site.

    The scheme is the first of ``X-Forwarded-Proto`` when the proxy sent one, else either.
    """
    if not host:
        return set()
    first = (forwarded_proto or "").split(",")[0].strip().lower()
    schemes = [first] if first in _DEFAULT_PORTS else list(_DEFAULT_PORTS)
    origins = {normalise_origin(f"{scheme}://{host.strip()}") for scheme in schemes}
    return {origin for origin in origins if origin}


def origin_allowed(
    origin: str | None,
    *,
    host: str | None,
    forwarded_proto: str | None = None,
    trusted: Iterable[str] = (),
    referer: str | None = None,
) -> bool:
    """Whether a request with this ``Origin`` (or, without one, this ``Referer``) may change state.

    With an ``Origin`` header, it decides: it must be the request's own origin or one of
    ``trusted`` (the site's public URL, e.g. a custom domain in front of the API);
    ``Origin: null`` (sandboxed or privacy-sensitive contexts) is refused. Without one, a
    ``Referer`` decides the same way by its origin — old browsers and some proxies strip
    ``Origin`` but not ``Referer`` — and one that is not an http(s) URL is refused. Neither
    header: allowed (browsers send ``Origin`` with every POST; other clients are not a CSRF
    vector; our pages send ``Referrer-Policy: same-origin``, so a form of this site that
    loses its ``Origin`` still names this site or nothing).
    """
    if origin is None:
        if not referer:
            return True
        origin = referer
    normalised = normalise_origin(origin)
    if normalised is None:
        return False
    allowed = own_origins(host, forwarded_proto)
    allowed.update(o for o in (normalise_origin(url) for url in trusted) if o)
    return normalised in allowed
