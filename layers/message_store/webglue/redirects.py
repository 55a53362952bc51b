"""Where the site may send a browser: local paths only."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

#: Longer ``next`` values are not worth the risk of odd parsing; the default is used instead.
MAX_NEXT_LENGTH = 2048

# What stays as it is in a Location header; everything else is percent-encoded (headers are ASCII).
_LOCATION_SAFE = "/?&=%#:@!$'()*+,;~-._"


def safe_next_path(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site, else ``default``.

    A safe path starts with one ``/`` (not ``//``, which browsers read as another host), has
    no backslash (browsers read ``/\\host`` as ``//host``), no control characters (browsers
    drop tabs and newlines, so ``/\\t/host`` becomes ``//host``), no scheme and no host.
    Used for every ``next`` parameter: an open redirect would let another site borrow ours.
    """
    if not value or len(value) > MAX_NEXT_LENGTH:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def location_header(path: str) -> str:
    """A local path as an ASCII ``Location`` header value (non-ASCII percent-encoded)."""
    return quote(path, safe=_LOCATION_SAFE)
